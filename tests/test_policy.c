/* The policy network: finite-difference gradient checks of both heads
 * through the loss a PPO update uses, stable log-softmax, Adam's first step,
 * and the environment's bookkeeping (served + backlog conserve demand). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/config.h"
#include "samarl/env.h"
#include "samarl/env_dr.h"
#include "samarl/fastmath.h"
#include "samarl/policy.h"
#include "samarl/rng.h"
#include "tap.h"

enum { IN = DR_OBS, A = 5, MMAX = 40 };

/* Loss in double from the network's feature-major outputs out[A+1][ld]:
 * policy-gradient term -sum_r adv_r log pi(a_r | x_r) plus value term
 * sum_r (v_r - y_r)^2. The analytic d(loss)/d(out) goes to dout when not
 * NULL. */
static double loss(const float *out, size_t ld, int M, const int *act, const double *adv,
                   const double *y, float *dout)
{
    double L = 0;
    for (int r = 0; r < M; r++) {
        float o[A + 1], lp[A];
        for (int k = 0; k <= A; k++) o[k] = out[(size_t)k * ld + r];
        log_softmax(o, A, lp);
        L += -adv[r] * lp[act[r]];
        double dv = o[A] - y[r];
        L += dv * dv;
        if (dout) {
            for (int k = 0; k < A; k++)
                dout[(size_t)k * ld + r] = (float)(-adv[r] * ((k == act[r]) - exp(lp[k])));
            dout[(size_t)A * ld + r] = (float)(2 * dv);
        }
    }
    return L;
}

typedef struct problem {
    int M;
    float x[IN][MMAX];
    int act[MMAX];
    double adv[MMAX], y[MMAX];
} problem_t;

static void make_problem(problem_t *pb, int M)
{
    pb->M = M;
    for (int r = 0; r < M; r++) {
        for (int c = 0; c < IN; c++)
            pb->x[c][r] =
                (float)(2.0 * rng_uniform(7, RNG_STREAM_TEST, 2, (uint64_t)(r * IN + c)) - 1.0);
        pb->act[r] = r % A;
        pb->adv[r] = rng_uniform(7, RNG_STREAM_TEST, 3, (uint64_t)r) * 2 - 1;
        pb->y[r] = rng_uniform(7, RNG_STREAM_TEST, 4, (uint64_t)r);
    }
}

static void load_x(const problem_t *pb, mlp_work_t *w)
{
    for (int c = 0; c < IN; c++)
        memcpy(w->x + (size_t)c * w->ld, pb->x[c], sizeof(float) * (size_t)pb->M);
}

static double eval_loss(const mlp_t *net, const float *p, const problem_t *pb, mlp_work_t *w)
{
    load_x(pb, w);
    mlp_forward(net, p, pb->M, w);
    return loss(w->out, (size_t)w->ld, pb->M, pb->act, pb->adv, pb->y, NULL);
}

/* Parameters: the initial ones plus larger policy-head and bias weights, so
 * every parameter's gradient is exercised. */
static float *make_params(const mlp_t *net)
{
    float *p = calloc(net->stride, sizeof(float));
    mlp_init(net, p, 3, 0);
    for (size_t k = 0; k < net->n_params; k++)
        p[k] += (float)(0.6 * (rng_uniform(7, RNG_STREAM_TEST, 1, k) - 0.5));
    return p;
}

/* Forward and backward of kernel `kernel` on M samples; the gradient to g. */
static void run_kernel(const mlp_t *net0, int kernel, const float *p, const problem_t *pb,
                       float *out, float *g)
{
    mlp_t net = *net0;
    if (mlp_set_kernel(&net, kernel)) SAMARL_FATAL("%s", samarl_errmsg());
    mlp_work_t w;
    mlp_work_init(&w, &net, MMAX);
    load_x(pb, &w);
    mlp_forward(&net, p, pb->M, &w);
    for (int k = 0; k <= A; k++)
        memcpy(out + (size_t)k * pb->M, w.out + (size_t)k * w.ld, sizeof(float) * (size_t)pb->M);
    loss(w.out, (size_t)w.ld, pb->M, pb->act, pb->adv, pb->y, w.dout);
    /* Garbage in the padding lanes must not reach the gradient. */
    for (int k = 0; k <= A; k++)
        for (int r = pb->M; r < w.ld; r++) w.dout[(size_t)k * w.ld + r] = 1e3f;
    mlp_backward(&net, p, pb->M, &w, g);
    mlp_work_free(&w);
}

static void gradient_check(int kernel, int H, int M)
{
    const char *kn = mlp_kernel_name(kernel);
    mlp_t net;
    mlp_shape(&net, IN, H, A);
    if (mlp_set_kernel(&net, kernel)) SAMARL_FATAL("%s", samarl_errmsg());
    TAP_OK(net.n_params == (size_t)(IN * H + H + H * H + H + H * (A + 1) + A + 1),
           "%s H=%d: parameter count %zu = W1 + b1 + W2 + b2 + Wh + bh", kn, H, net.n_params);
    float *p = make_params(&net), *g = calloc(net.n_params, sizeof(float));
    problem_t pb;
    make_problem(&pb, M);
    mlp_work_t w;
    mlp_work_init(&w, &net, M);
    load_x(&pb, &w);
    mlp_forward(&net, p, M, &w);
    loss(w.out, (size_t)w.ld, M, pb.act, pb.adv, pb.y, w.dout);
    mlp_backward(&net, p, M, &w, g);

    /* Central differences in float: step 1e-2 relative error ~1e-4 plus
     * rounding ~1e-5. */
    int bad = 0, checked = 0, head_bad[2] = {0, 0};
    double worst = 0;
    for (size_t k = 0; k < net.n_params; k++) {
        const float keep = p[k], h = 1e-2f;
        p[k] = keep + h;
        double lp = eval_loss(&net, p, &pb, &w);
        p[k] = keep - h;
        double lm = eval_loss(&net, p, &pb, &w);
        p[k] = keep;
        double fd = (lp - lm) / (2.0 * h);
        double err = fabs(fd - g[k]) / (fabs(fd) + fabs(g[k]) + 1e-2);
        if (err > worst) worst = err;
        checked++;
        if (err > 2e-2) {
            bad++;
            if (k >= net.oWh) {
                size_t col = (k < net.obh ? (k - net.oWh) % (size_t)net.out : k - net.obh);
                head_bad[col == (size_t)A]++;
            }
        }
    }
    TAP_OK(bad == 0,
           "%s H=%d M=%d: finite differences agree with backprop on all %d parameters "
           "(worst relative error %.2g)",
           kn, H, M, checked, worst);
    TAP_OK(head_bad[0] == 0, "%s: policy head gradients (logits) correct", kn);
    TAP_OK(head_bad[1] == 0, "%s: value head gradients correct", kn);

    /* A wrong output gradient must be caught: perturb one and the check must
     * see it. */
    load_x(&pb, &w);
    mlp_forward(&net, p, M, &w);
    loss(w.out, (size_t)w.ld, M, pb.act, pb.adv, pb.y, w.dout);
    w.dout[0] *= 2.0f;
    mlp_backward(&net, p, M, &w, g);
    const float keep = p[net.obh];
    p[net.obh] = keep + 1e-2f;
    double lp = eval_loss(&net, p, &pb, &w);
    p[net.obh] = keep - 1e-2f;
    double lm = eval_loss(&net, p, &pb, &w);
    p[net.obh] = keep;
    TAP_OK(fabs((lp - lm) / 2e-2 - g[net.obh]) > 1e-3, "%s: the check detects a wrong gradient",
           kn);

    /* Batch independence: sample r's outputs do not depend on the others. */
    float out1[A + 1];
    const int r = M > 3 ? 3 : M - 1;
    load_x(&pb, &w);
    mlp_forward(&net, p, M, &w);
    for (int k = 0; k <= A; k++) out1[k] = w.out[(size_t)k * w.ld + r];
    for (int c = 0; c < IN; c++) w.x[(size_t)c * w.ld] = pb.x[c][r];
    mlp_forward(&net, p, 1, &w);
    int same = 1;
    for (int k = 0; k <= A; k++) same &= out1[k] == w.out[(size_t)k * w.ld];
    TAP_OK(same, "%s: a sample's output does not depend on its batch", kn);
    mlp_work_free(&w);
    free(p);
    free(g);
}

/* The AVX-512 and OpenBLAS kernels compute the same function and gradient
 * (to rounding), including hidden widths that are not multiples of 16 and
 * batches with a partial last block. */
static void kernels_agree(int H, int M)
{
    mlp_t net;
    mlp_shape(&net, IN, H, A);
    float *p = make_params(&net);
    problem_t pb;
    make_problem(&pb, M);
    float oa[(A + 1) * MMAX], ob[(A + 1) * MMAX];
    float *ga = calloc(net.n_params, sizeof(float)), *gb = calloc(net.n_params, sizeof(float));
    run_kernel(&net, KERNEL_AVX512, p, &pb, oa, ga);
    run_kernel(&net, KERNEL_BLAS, p, &pb, ob, gb);
    double eo = 0, eg = 0, gmax = 0;
    for (int q = 0; q < (A + 1) * M; q++) eo = fmax(eo, fabs(oa[q] - ob[q]) / (1 + fabs(ob[q])));
    for (size_t k = 0; k < net.n_params; k++) gmax = fmax(gmax, fabs(gb[k]));
    for (size_t k = 0; k < net.n_params; k++) eg = fmax(eg, fabs(ga[k] - gb[k]) / gmax);
    TAP_OK(eo < 1e-5 && eg < 1e-5,
           "H=%d M=%d: avx512 and blas kernels agree (outputs %.1e, gradients %.1e of the largest)",
           H, M, eo, eg);
    free(p);
    free(ga);
    free(gb);
}

static void network_checks(void)
{
    gradient_check(KERNEL_BLAS, 9, 7);
    if (!cpu_has_avx512()) {
        tap_skip(28, "no AVX-512 on this CPU: the avx512 kernel is not checked");
        return;
    }
    gradient_check(KERNEL_AVX512, 9, 7);
    gradient_check(KERNEL_AVX512, 21, 37);
    /* One sample takes the single-sample path (outputs along the lanes), and
     * 70 hidden units need two of its 64-output passes: the batch-independence
     * check in gradient_check compares it with a batch of 5 bit for bit. */
    gradient_check(KERNEL_AVX512, 21, 1);
    gradient_check(KERNEL_AVX512, 70, 5);
    kernels_agree(9, 1);
    kernels_agree(9, 7);
    kernels_agree(32, 40);
    kernels_agree(48, 33);
}

static void softmax_and_adam(void)
{
    float z[4] = {1e30f, -1e30f, 0.0f, 1e30f}, lp[4];
    double H = log_softmax(z, 4, lp);
    TAP_OK(isfinite(H) && isfinite(lp[0]) && fabsf(lp[0] - logf(0.5f)) < 1e-6f && lp[1] < -1e29f,
           "log-softmax is stable for logits of 1e30 (log p = %g, %g)", lp[0], lp[1]);
    float u[6] = {3, 3, 3, 3, 3, 3}, lu[6];
    H = log_softmax(u, 6, lu);
    TAP_OK(fabs(H - log(6.0)) < 1e-6, "uniform logits: entropy ln 6 (%.9f)", H);

    float p[3] = {1, 1, 1}, g[3] = {0.5f, -2.0f, 0.0f}, m[3] = {0}, v[3] = {0};
    adam_update(p, g, m, v, 3, 1, 0.01);
    TAP_OK(fabsf(p[0] - 0.99f) < 1e-6f && fabsf(p[1] - 1.01f) < 1e-6f && p[2] == 1.0f,
           "Adam's first step moves each parameter by lr against its gradient's sign");
}

/* The vectorised tanh, exp and log against double-precision libm. */
static void kernel_accuracy(void)
{
    enum { N = 200001 };
    float *y = malloc(sizeof(float) * N);
    const float step = 20.0f / (float)(N / 2);
    for (int q = 0; q < N; q++) y[q] = (float)(q - N / 2) * step; /* exactly symmetric */
    tanh_inplace(y, N);
    double worst = 0;
    int odd = 1, bounded = 1;
    for (int q = 0; q < N; q++) {
        const double ref = tanh((double)((float)(q - N / 2) * step));
        const double err = ref == 0 ? fabs(y[q]) : fabs(y[q] - ref) / fabs(ref);
        if (err > worst) worst = err;
        if (y[q] != -y[N - 1 - q]) odd = 0;
        if (fabsf(y[q]) > 1.0f) bounded = 0;
    }
    TAP_OK(worst < 4e-7, "tanh relative error %.2e < 4e-7 on [-20, 20]", worst);
    TAP_OK(odd && bounded, "tanh is odd and within [-1, 1]");

    /* Samples of logits spread over [-90, 90], more samples than one
     * vector block, feature-major with a padded row length. */
    enum { M = 137, K = 6, LD = 144 };
    static float L[K * LD], lp[K * LD], pr[K * LD], ent[M];
    for (int r = 0; r < M; r++)
        for (int k = 0; k < K; k++)
            L[k * LD + r] = (float)(90.0 * sin(1.3 * r + 2.1 * k + 0.1 * r * k));
    log_softmax_cols(L, LD, M, K, lp, pr, ent);
    double elp = 0, epr = 0, eh = 0;
    for (int r = 0; r < M; r++) {
        double mx = L[r], sum = 0, h = 0;
        for (int k = 1; k < K; k++) mx = fmax(mx, L[k * LD + r]);
        for (int k = 0; k < K; k++) sum += exp(L[k * LD + r] - mx);
        for (int k = 0; k < K; k++) {
            const double l = L[k * LD + r] - mx - log(sum), p = exp(l);
            elp = fmax(elp, fabs(lp[k * LD + r] - l) / fmax(1.0, fabs(l)));
            epr = fmax(epr, fabs(pr[k * LD + r] - p));
            h -= p * l;
        }
        eh = fmax(eh, fabs(ent[r] - h));
    }
    TAP_OK(elp < 1e-6 && epr < 1e-6 && eh < 1e-5,
           "log_softmax_cols matches libm: log-prob %.1e, prob %.1e, entropy %.1e", elp, epr, eh);

    /* log1p_f: within 3 ulp of the exact value from 0 to 10^30 (tiny
     * arguments, where log1p x = x, included), exact at 0, special values. */
    double wl = 0;
    float wx = 0;
    for (int q = 0; q < N; q++) {
        const float xq = (float)ldexp(1.0 + (q % 1000) / 1000.0, q / 1000 - 100);
        const double ref = log1p((double)xq);
        const float got = log1p_f(xq);
        const double ulp = ldexp(1.0, ilogb((float)ref) - 23);
        const double err = fabs(got - ref) / ulp;
        if (err > wl) {
            wl = err;
            wx = xq;
        }
    }
    TAP_OK(wl <= 3.0, "log1p_f within %.2f ulp (worst at x = %.9g) on [2^-100, 2^100]", wl,
           (double)wx);
    TAP_OK(log1p_f(0.0f) == 0.0f && !signbit(log1p_f(0.0f)) && isinf(log1p_f(INFINITY)) &&
               isnan(log1p_f(NAN)) && log1p_f(-1.0f) == -INFINITY && isnan(log1p_f(-2.0f)) &&
               fabsf(log1p_f(-0.5f) - (float)log1p(-0.5)) <= 6e-8f,
           "log1p_f: 0, inf, NaN, -1, below -1, negative arguments");
    free(y);
}

static void env_conservation(void)
{
    config_t cfg;
    TAP_OK(config_parse(&cfg, NULL, NULL, NULL, 0) == SAMARL_OK, "default config");
    const lidx_t n = 5;
    gidx_t gid[5] = {0, 7, 3, 11, 2};
    env_t *e;
    env_create(&cfg, 12, n, gid, 4, &e);
    env_begin_episode(e, 1, ENV_NOISE_TRAIN, 0);
    int ok = 1, pos = 1;
    double lam[4] = {0, 0.2, 0.5, 1};
    for (lidx_t i = 0; i < n; i++) {
        env_reset_agent(e, i);
        double arrived = 0, served = 0;
        for (int t = 0; t < 48; t++) {
            float l[4], obs[4 * DR_OBS], g[4], r[4], s[4], d[4];
            uint8_t a[4];
            double uu[4] = {0.5, 0.5, 0.5, 0.5};
            for (int j = 0; j < 4; j++) l[j] = (float)lam[j];
            env_observe(e, i, t, l, obs);
            env_analytic_act(e, i, t, l, 0.05, 8, uu, a);
            env_step(e, i, t, a, g, r, s, d);
            for (int j = 0; j < 4; j++) {
                arrived += d[j];
                served += s[j];
                pos &= s[j] >= 0 && s[j] <= g[j] + 1e-6f && d[j] > 0 &&
                       fabsf(g[j] - env_dr(e)->levels[a[j]] * env_dr(e)->a[i]) < 1e-6f;
            }
        }
        double backlog = 0;
        for (int j = 0; j < 4; j++) backlog += env_dr(e)->b[(size_t)i * 4 + j];
        ok &= fabs(arrived - served - backlog) < 1e-3 * (1 + arrived);
    }
    TAP_OK(ok, "arrived = served + backlog for every agent (demand is conserved)");
    TAP_OK(pos, "served <= drawn, demand > 0, draw = level x scale");

    /* The same agent's trajectory does not depend on its local index or
     * on which other agents the rank holds. */
    gidx_t g2[2] = {3, 7};
    env_t *e2;
    env_create(&cfg, 12, 2, g2, 4, &e2);
    env_begin_episode(e, 1, ENV_NOISE_EVAL, 5);
    env_begin_episode(e2, 1, ENV_NOISE_EVAL, 5);
    env_reset_agent(e, 2);  /* gid 3 */
    env_reset_agent(e2, 0); /* gid 3 */
    TAP_OK(env_dr(e)->a[2] == env_dr(e2)->a[0] && env_dr(e)->beta[2] == env_dr(e2)->beta[0] &&
               memcmp(env_dr(e)->d + 2 * 4, env_dr(e2)->d, 4 * sizeof(float)) == 0,
           "an agent's parameters and demand depend on its gid only");
    env_destroy(&e);
    env_destroy(&e2);
    config_free(&cfg);
}

/* samarl run's batched environment (env_observe_agents, env_step_agents)
 * has the bits of the per-agent calls, on the synthetic day and on a
 * 3-day profile table whose rows wrap, through odd and even steps (the
 * kept Box-Muller spare) and a restart of one agent mid-episode. */
static void env_batched(void)
{
    config_t cfg;
    config_parse(&cfg, NULL, NULL, NULL, 0);
    enum { NA = 150, T = 75 };
    gidx_t gid[NA];
    for (int i = 0; i < NA; i++) gid[i] = (gidx_t)(i * 7919 % 1000);
    for (int prof = 0; prof < 2; prof++) {
        env_t *e[2];
        for (int k = 0; k < 2; k++) {
            env_create(&cfg, 1000, NA, gid, 1, &e[k]);
            if (prof) { /* 72 hours, 2 columns, whole-day offsets: rows wrap */
                free(env_dr(e[k])->shape);
                free(env_dr(e[k])->price);
                env_dr(e[k])->n_hours = 72;
                env_dr(e[k])->n_columns = 2;
                env_dr(e[k])->from_profiles = 1;
                env_dr(e[k])->shape = malloc(sizeof(float) * 144);
                env_dr(e[k])->price = malloc(sizeof(float) * 72);
                for (int h = 0; h < 144; h++)
                    env_dr(e[k])->shape[h] = 0.5f + (float)((h * 37) % 29) / 19.0f;
                for (int h = 0; h < 72; h++) env_dr(e[k])->price[h] = 0.1f + (float)(h % 7) / 13.0f;
                for (int i = 0; i < NA; i++) {
                    env_dr(e[k])->column[i] = (int32_t)(gid[i] % 2);
                    env_dr(e[k])->offset[i] = 24 * (int32_t)(gid[i] % 3);
                }
            }
            env_begin_episode(e[k], 5, ENV_NOISE_RUN, 3);
            for (lidx_t i = 0; i < NA; i++) env_reset_agent(e[k], i);
        }
        int same_obs = 1, same_step = 1, same_demand = 1, nonzero = 0;
        for (int t = 0; t < T; t++) {
            if (t == 10) { /* a restarted agent draws afresh for an odd step */
                env_reset_agent(e[0], 17);
                env_reset_agent(e[1], 17);
                env_dr(e[0])->z_ctr[17] = env_dr(e[1])->z_ctr[17] = 0;
            }
            float lam[NA], ob0[NA * DR_OBS], ob1[NA * DR_OBS];
            uint8_t act[NA];
            for (int i = 0; i < NA; i++) {
                lam[i] = 0.01f * (float)(i % 13);
                act[i] = (uint8_t)((i * 5 + t * 3) % e[0]->n_levels);
            }
            for (lidx_t i = 0; i < NA; i++) env_observe(e[0], i, t, &lam[i], ob0 + i * DR_OBS);
            env_observe_agents(e[1], 3, NA - 3, t, lam + 3, ob1 + 3 * DR_OBS);
            env_observe_agents(e[1], 0, 3, t, lam, ob1);
            same_obs &= memcmp(ob0, ob1, sizeof ob0) == 0;
            for (int i = 0; i < NA; i++) { /* the vectorised log1p has the scalar bits */
                const float lb = log1p_f(env_dr(e[0])->b[i] * env_dr(e[0])->inv_a[i]);
                same_obs &= memcmp(&lb, &ob0[i * DR_OBS], sizeof lb) == 0;
                nonzero += env_dr(e[0])->b[i] > 0;
            }
            float g0[NA], r0[NA], s0[NA], d0[NA], g1[NA], r1[NA], s1[NA], d1[NA];
            for (lidx_t i = 0; i < NA; i++)
                env_step(e[0], i, t, &act[i], &g0[i], &r0[i], &s0[i], &d0[i]);
            env_step_agents(e[1], 0, 70, t, act, g1, r1, s1, d1);
            env_step_agents(e[1], 70, NA - 70, t, act + 70, g1 + 70, r1 + 70, s1 + 70, d1 + 70);
            /* The demand for t + 1 from its definition: the normal of the
             * block (gid, episode, copy 0, (t + 1) / 2), clipped, scaled. */
            for (int i = 0; i < NA; i++) {
                const dr_env_t *E0 = env_dr(e[0]);
                const int64_t t1 = t + 1;
                double z[2];
                rng_normal2(E0->seed, E0->stream, (uint64_t)gid[i],
                            (E0->episode << 19) | ((uint64_t)t1 >> 1), z);
                float x = (float)z[t1 & 1];
                x = x > E0->noise_clip ? E0->noise_clip : x < -E0->noise_clip ? -E0->noise_clip : x;
                const int64_t row =
                    ((E0->start[0] + t1) % E0->n_hours + E0->offset[i]) % E0->n_hours;
                const float want =
                    E0->a[i] *
                    E0->shape[(size_t)E0->column[i] * (size_t)E0->n_hours + (size_t)row] *
                    (1.0f + E0->noise * x);
                same_demand &= memcmp(&want, &E0->d[i], sizeof want) == 0;
            }
            same_step &= memcmp(g0, g1, sizeof g0) == 0 && memcmp(r0, r1, sizeof r0) == 0 &&
                         memcmp(s0, s1, sizeof s0) == 0 && memcmp(d0, d1, sizeof d0) == 0 &&
                         memcmp(env_dr(e[0])->b, env_dr(e[1])->b, sizeof(float) * NA) == 0 &&
                         memcmp(env_dr(e[0])->d, env_dr(e[1])->d, sizeof(float) * NA) == 0;
        }
        TAP_OK(same_obs && nonzero > T * NA / 10,
               "%s: env_observe_agents has env_observe's bits, log1p_f's (%d backlogs > 0)",
               prof ? "profiles" : "synthetic", nonzero);
        TAP_OK(same_step,
               "%s: env_step_agents has env_step's bits (usage, reward, served, arrived, "
               "state) over %d steps",
               prof ? "profiles" : "synthetic", T);
        TAP_OK(same_demand,
               "%s: the demand is its definition (Philox block per step pair, "
               "Box-Muller, clip, profile row) bit for bit",
               prof ? "profiles" : "synthetic");
        env_destroy(&e[0]);
        env_destroy(&e[1]);
    }
    config_free(&cfg);
}

/* policyset_act_agents (samarl run's batched acting) gives each agent the
 * log-probabilities, probabilities and actions of policyset_act alone, for
 * both kernels, shared and per-agent networks, greedy and sampled. */
static void act_batched(void)
{
    enum { NA = 100, CHUNK = 37 };
    gidx_t gid[NA];
    for (int i = 0; i < NA; i++) gid[i] = 3 * i + 1;
    for (int kern = 0; kern < 2; kern++)
        for (int sh = 0; sh < 2; sh++) {
            if (kern == 0 && !cpu_has_avx512()) {
                tap_skip(1, "no AVX-512 on this CPU");
                continue;
            }
            config_t cfg;
            config_parse(&cfg, NULL, NULL, NULL, 0);
            cfg.policy.kernel = kern == 0 ? KERNEL_AVX512 : KERNEL_BLAS;
            cfg.policy.sharing = sh ? SHARING_SHARED : SHARING_AGENT;
            env_t *e;
            env_create(&cfg, 1000, NA, gid, 1, &e);
            env_begin_episode(e, 3, ENV_NOISE_RUN, 0);
            for (lidx_t i = 0; i < NA; i++) env_reset_agent(e, i);
            policyset_t ps;
            policyset_init(&ps, &cfg, &e->spec, NA, 64);
            for (int q = 0; q < ps.n_nets; q++) {
                mlp_init(&ps.net, policyset_params(&ps, q), 17, (uint64_t)q);
                for (int c = 0; c < DR_OBS; c++) {
                    ps.obs_mean[q * DR_OBS + c] = 0.01f * (float)((q + c) % 7);
                    ps.obs_istd[q * DR_OBS + c] = 0.5f + 0.1f * (float)((q * c) % 5);
                }
            }
            const size_t ld = (size_t)ps.work.ld;
            const int K = ps.net.actions;
            int same = 1, varied = 0;
            for (int t = 0; t < 4; t++) {
                float lam[NA], obs[NA * DR_OBS], lpa[NA][ENV_MAX_LEVELS], pra[NA][ENV_MAX_LEVELS];
                uint8_t a1[NA], a2[NA];
                for (int i = 0; i < NA; i++) lam[i] = 0.3f * (float)(i % 4);
                env_observe_agents(e, 0, NA, t, lam, obs);
                const int greedy = t % 2;
                for (int i0 = 0; i0 < NA; i0 += CHUNK) {
                    const int m = NA - i0 < CHUNK ? NA - i0 : CHUNK;
                    policyset_act_agents(&ps, e, i0, m, t, obs + i0 * DR_OBS, 5, 2, greedy,
                                         a1 + i0);
                    for (int r = 0; r < m; r++)
                        for (int k = 0; k < K; k++) {
                            lpa[i0 + r][k] = ps.lp[k * ld + (size_t)r];
                            pra[i0 + r][k] = ps.prob[k * ld + (size_t)r];
                        }
                }
                for (lidx_t i = 0; i < NA; i++) {
                    policyset_act(&ps, e, i, t, obs + i * DR_OBS, &lam[i], 5, 2, greedy, &a2[i],
                                  NULL, NULL);
                    for (int k = 0; k < K; k++)
                        same &= memcmp(&lpa[i][k], &ps.lp[k * ld], sizeof(float)) == 0 &&
                                memcmp(&pra[i][k], &ps.prob[k * ld], sizeof(float)) == 0;
                    same &= a1[i] == a2[i];
                    varied |= a2[i] != a2[0];
                }
                env_step_agents(e, 0, NA, t, a1, lam, lam, lam, lam);
            }
            TAP_OK(same && varied,
                   "%s, %s networks: batched acting has each agent's own bits "
                   "(log-probabilities, probabilities, greedy and sampled actions)",
                   kern == 0 ? "avx512" : "blas", sh ? "shared" : "per-agent");
            policyset_free(&ps);
            env_destroy(&e);
            config_free(&cfg);
        }
}

/* Sampled actions follow the policy's probabilities: 40,000 agents with one
 * shared network and the same observation (so the same probabilities),
 * independent uniforms by gid; every action's count within 4.5 sigma. */
static void sampling_distribution(void)
{
    enum { NA = 40000, CH = 256 };
    config_t cfg;
    config_parse(&cfg, NULL, NULL, NULL, 0);
    cfg.policy.sharing = SHARING_SHARED;
    gidx_t *gid = malloc(sizeof(gidx_t) * NA);
    for (int i = 0; i < NA; i++) gid[i] = i;
    env_t *e;
    env_create(&cfg, NA, NA, gid, 1, &e);
    env_begin_episode(e, 3, ENV_NOISE_RUN, 0);
    policyset_t ps;
    policyset_init(&ps, &cfg, &e->spec, NA, CH);
    mlp_init(&ps.net, ps.params, 23, 0);
    const int K = ps.net.actions;
    float obs[CH * DR_OBS], p[ENV_MAX_LEVELS];
    for (int r = 0; r < CH; r++)
        for (int c = 0; c < DR_OBS; c++) obs[r * DR_OBS + c] = 0.3f * (float)(c + 1);
    long count[ENV_MAX_LEVELS] = {0};
    uint8_t act[CH];
    for (int i0 = 0; i0 < NA; i0 += CH) {
        const int m = NA - i0 < CH ? NA - i0 : CH;
        policyset_act_agents(&ps, e, i0, m, 5, obs, 11, 2, 0, act);
        for (int r = 0; r < m; r++) count[act[r]]++;
    }
    for (int k = 0; k < K; k++) p[k] = ps.prob[(size_t)k * (size_t)ps.work.ld];
    int ok = 1;
    double worst = 0;
    for (int k = 0; k < K; k++) {
        const double sd = sqrt(NA * p[k] * (1.0 - p[k])), z = fabs(count[k] - NA * p[k]) / sd;
        if (z > worst) worst = z;
        ok &= z < 4.5 && p[k] > 0.01f;
    }
    TAP_OK(ok,
           "sampled actions follow the probabilities over %d agents (worst %.2f sigma, "
           "%d actions)",
           NA, worst, K);
    policyset_free(&ps);
    env_destroy(&e);
    free(gid);
    config_free(&cfg);
}

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    network_checks();
    softmax_and_adam();
    kernel_accuracy();
    env_conservation();
    env_batched();
    act_batched();
    sampling_distribution();
    int rc = tap_done();
    comm_finalize();
    return rc;
}
