/* The policy network: finite-difference gradient checks of both heads
 * through the loss a PPO update uses, stable log-softmax, Adam's first step,
 * and the environment's bookkeeping (served + backlog conserve demand). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/config.h"
#include "samarl/env.h"
#include "samarl/policy.h"
#include "samarl/rng.h"
#include "tap.h"

enum { M = 7, IN = ENV_OBS, H = 9, A = 5 };

/* Loss in double from the network's outputs: policy-gradient term
 * -sum_r adv_r log pi(a_r | x_r) plus value term sum_r (v_r - y_r)^2. The
 * analytic d(loss)/d(out) is written to dout when not NULL. */
static double loss(const mlp_t *net, const float *out, const int *act, const double *adv,
                   const double *y, float *dout)
{
    double L = 0;
    for (int r = 0; r < M; r++) {
        const float *o = out + (size_t)r * net->out;
        float lp[A];
        log_softmax(o, A, lp);
        L += -adv[r] * lp[act[r]];
        double dv = o[A] - y[r];
        L += dv * dv;
        if (dout) {
            for (int k = 0; k < A; k++)
                dout[(size_t)r * net->out + k] = (float)(-adv[r] * ((k == act[r]) - exp(lp[k])));
            dout[(size_t)r * net->out + A] = (float)(2 * dv);
        }
    }
    return L;
}

static double eval_loss(const mlp_t *net, const float *p, const float *x, mlp_work_t *w,
                        const int *act, const double *adv, const double *y)
{
    mlp_forward(net, p, x, M, w);
    return loss(net, w->out, act, adv, y, NULL);
}

static void gradient_check(void)
{
    mlp_t net;
    mlp_shape(&net, IN, H, A);
    TAP_OK(net.n_params == (size_t)(IN * H + H + H * H + H + H * (A + 1) + A + 1),
           "parameter count %zu = W1 + b1 + W2 + b2 + Wh + bh", net.n_params);
    float *p = calloc(net.n_params, sizeof(float)), *g = calloc(net.n_params, sizeof(float));
    mlp_init(&net, p, 3, 0);
    /* Larger policy-head and bias weights than the initial ones, so every
     * parameter's gradient is exercised. */
    for (size_t k = 0; k < net.n_params; k++) {
        double u = rng_uniform(7, RNG_STREAM_TEST, 1, k) - 0.5;
        p[k] += (float)(0.6 * u);
    }
    float x[M * IN];
    int act[M];
    double adv[M], y[M];
    for (int r = 0; r < M; r++) {
        for (int c = 0; c < IN; c++)
            x[r * IN + c] = (float)(2.0 * rng_uniform(7, RNG_STREAM_TEST, 2, (uint64_t)(r * IN + c)) - 1.0);
        act[r] = r % A;
        adv[r] = rng_uniform(7, RNG_STREAM_TEST, 3, (uint64_t)r) * 2 - 1;
        y[r] = rng_uniform(7, RNG_STREAM_TEST, 4, (uint64_t)r);
    }
    mlp_work_t w;
    mlp_work_init(&w, &net, M);
    mlp_forward(&net, p, x, M, &w);
    loss(&net, w.out, act, adv, y, w.dout);
    mlp_backward(&net, p, x, M, &w, g);

    /* Central differences in float: step 1e-2 relative error ~1e-4 plus
     * rounding ~1e-5. */
    int bad = 0, checked = 0, head_bad[2] = {0, 0};
    double worst = 0;
    for (size_t k = 0; k < net.n_params; k++) {
        const float keep = p[k], h = 1e-2f;
        p[k] = keep + h;
        double lp = eval_loss(&net, p, x, &w, act, adv, y);
        p[k] = keep - h;
        double lm = eval_loss(&net, p, x, &w, act, adv, y);
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
    TAP_OK(bad == 0, "finite differences agree with backprop on all %d parameters (worst "
                     "relative error %.2g)", checked, worst);
    TAP_OK(head_bad[0] == 0, "policy head gradients (logits) correct");
    TAP_OK(head_bad[1] == 0, "value head gradients correct");

    /* A wrong activation derivative must be caught: perturb one output
     * gradient and the check must see it. */
    mlp_forward(&net, p, x, M, &w);
    loss(&net, w.out, act, adv, y, w.dout);
    w.dout[0] *= 2.0f;
    mlp_backward(&net, p, x, M, &w, g);
    const float keep = p[net.obh];
    p[net.obh] = keep + 1e-2f;
    double lp = eval_loss(&net, p, x, &w, act, adv, y);
    p[net.obh] = keep - 1e-2f;
    double lm = eval_loss(&net, p, x, &w, act, adv, y);
    p[net.obh] = keep;
    TAP_OK(fabs((lp - lm) / 2e-2 - g[net.obh]) > 1e-3, "the check detects a wrong gradient");

    /* Batch independence: sample r's outputs do not depend on other rows. */
    float out1[(A + 1)];
    mlp_forward(&net, p, x, M, &w);
    memcpy(out1, w.out + 3 * (size_t)net.out, sizeof out1);
    mlp_forward(&net, p, x + 3 * IN, 1, &w);
    TAP_OK(memcmp(out1, w.out, sizeof out1) == 0, "a row's output does not depend on its batch");
    mlp_work_free(&w);
    free(p);
    free(g);
}

static void softmax_and_adam(void)
{
    float z[4] = {1e30f, -1e30f, 0.0f, 1e30f}, lp[4];
    double H = log_softmax(z, 4, lp);
    TAP_OK(isfinite(H) && isfinite(lp[0]) && fabsf(lp[0] - logf(0.5f)) < 1e-6f &&
               lp[1] < -1e29f,
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

    /* Rows of logits spread over [-90, 90], more rows than one vector block. */
    enum { M = 37, K = 6, S = 7 };
    float L[M * S], lp[M * K], pr[M * K], ent[M];
    for (int r = 0; r < M; r++)
        for (int k = 0; k < S; k++) L[r * S + k] = (float)(90.0 * sin(1.3 * r + 2.1 * k + 0.1 * r * k));
    log_softmax_rows(L, M, S, K, lp, pr, ent);
    double elp = 0, epr = 0, eh = 0;
    for (int r = 0; r < M; r++) {
        double mx = L[r * S], sum = 0, h = 0;
        for (int k = 1; k < K; k++) mx = fmax(mx, L[r * S + k]);
        for (int k = 0; k < K; k++) sum += exp(L[r * S + k] - mx);
        for (int k = 0; k < K; k++) {
            const double l = L[r * S + k] - mx - log(sum), p = exp(l);
            elp = fmax(elp, fabs(lp[r * K + k] - l) / fmax(1.0, fabs(l)));
            epr = fmax(epr, fabs(pr[r * K + k] - p));
            h -= p * l;
        }
        eh = fmax(eh, fabs(ent[r] - h));
    }
    TAP_OK(elp < 1e-6 && epr < 1e-6 && eh < 1e-5,
           "log_softmax_rows matches libm: log-prob %.1e, prob %.1e, entropy %.1e", elp, epr, eh);
    free(y);
}

static void env_conservation(void)
{
    config_t cfg;
    config_defaults(&cfg);
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
            float l[4], obs[4 * ENV_OBS], g[4], r[4], s[4], d[4];
            uint8_t a[4];
            double uu[4] = {0.5, 0.5, 0.5, 0.5};
            for (int j = 0; j < 4; j++) l[j] = (float)lam[j];
            env_observe(e, i, t, l, obs);
            env_bestresponse(e, i, t, l, 0.05, 8, uu, a);
            env_step(e, i, t, a, g, r, s, d);
            for (int j = 0; j < 4; j++) {
                arrived += d[j];
                served += s[j];
                pos &= s[j] >= 0 && s[j] <= g[j] + 1e-6f && d[j] > 0 &&
                        fabsf(g[j] - e->levels[a[j]] * e->a[i]) < 1e-6f;
            }
        }
        double backlog = 0;
        for (int j = 0; j < 4; j++) backlog += e->b[(size_t)i * 4 + j];
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
    TAP_OK(e->a[2] == e2->a[0] && e->beta[2] == e2->beta[0] &&
               memcmp(e->d + 2 * 4, e2->d, 4 * sizeof(float)) == 0,
           "an agent's parameters and demand depend on its gid only");
    env_destroy(&e);
    env_destroy(&e2);
    config_free(&cfg);
}

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    gradient_check();
    softmax_and_adam();
    kernel_accuracy();
    env_conservation();
    int rc = tap_done();
    comm_finalize();
    return rc;
}
