/* The state-augmented MLP and the policy set (see policy.h): the OpenBLAS
 * kernel, kernel selection, log-softmax, Adam, and acting. The only module
 * that calls BLAS; the AVX-512 kernel is in mlp_avx512.c. */
#include "samarl/linalg.h"
#include "samarl/policy.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/error.h"
#include "samarl/fastmath.h"
#include "samarl/reprosum.h"
#include "samarl/rng.h"

float *alloc_floats(size_t n)
{
    void *p = NULL;
    if (posix_memalign(&p, 64, sizeof(float) * (n > 0 ? n : 1)))
        SAMARL_FATAL("out of memory allocating %zu floats", n);
    memset(p, 0, sizeof(float) * (n > 0 ? n : 1));
    return p;
}

void mlp_shape(mlp_t *m, int in, int hidden, int actions)
{
    m->in = in;
    m->hidden = hidden;
    m->actions = actions;
    m->out = actions + 1;
    size_t H = (size_t)hidden, O = (size_t)m->out;
    m->oW1 = 0;
    m->ob1 = m->oW1 + (size_t)in * H;
    m->oW2 = m->ob1 + H;
    m->ob2 = m->oW2 + H * H;
    m->oWh = m->ob2 + H;
    m->obh = m->oWh + H * O;
    m->n_params = m->obh + O;
    m->stride = (m->n_params + 15) / 16 * 16;
    mlp_set_kernel(m, KERNEL_AUTO); /* auto cannot fail */
}

int mlp_set_kernel(mlp_t *m, int kernel)
{
    return cpu_kernel_resolve(kernel, &m->kernel);
}

const char *mlp_kernel_name(int kernel)
{
    return kernel == KERNEL_AVX512 ? "avx512" : kernel == KERNEL_BLAS ? "blas" : "auto";
}

void mlp_init(const mlp_t *m, float *p, uint64_t seed, uint64_t key)
{
    memset(p, 0, sizeof(float) * m->n_params);
    const int H = m->hidden, O = m->out;
    uint64_t draw = 0;
    double z[2];
#define NORMAL(sd)                                                                                 \
    (((draw & 1) ? 0 : rng_normal2(seed, RNG_STREAM_INIT, key, draw / 2, z)),                      \
     (float)((sd)*z[draw++ & 1]))
    for (int r = 0; r < m->in; r++)
        for (int c = 0; c < H; c++) p[m->oW1 + (size_t)r * H + c] = NORMAL(1.0 / sqrt(m->in));
    for (int r = 0; r < H; r++)
        for (int c = 0; c < H; c++) p[m->oW2 + (size_t)r * H + c] = NORMAL(1.0 / sqrt(H));
    for (int r = 0; r < H; r++)
        for (int c = 0; c < O; c++)
            p[m->oWh + (size_t)r * O + c] = NORMAL(c < m->actions ? 0.01 : 1.0 / sqrt(H));
#undef NORMAL
}

void mlp_work_init(mlp_work_t *w, const mlp_t *m, int cap)
{
    w->cap = cap;
    w->ld = (cap + 15) / 16 * 16;
    size_t ld = (size_t)w->ld, H = (size_t)m->hidden, O = (size_t)m->out;
    w->x = alloc_floats((size_t)m->in * ld);
    w->a1 = alloc_floats(H * ld);
    w->a2 = alloc_floats(H * ld);
    w->out = alloc_floats(O * ld);
    w->d1 = alloc_floats(H * ld);
    w->d2 = alloc_floats(H * ld);
    w->dout = alloc_floats(O * ld);
    w->wt = alloc_floats((H > O ? H : O) * H);
}

void mlp_work_free(mlp_work_t *w)
{
    free(w->x);
    free(w->a1);
    free(w->a2);
    free(w->out);
    free(w->d1);
    free(w->d2);
    free(w->dout);
    free(w->wt);
    memset(w, 0, sizeof *w);
}

SAMARL_CLONES
void tanh_inplace(float *y, size_t n)
{
    for (size_t q = 0; q < n; q++) y[q] = tanh_f(y[q]);
}

/* ---- the OpenBLAS kernel -------------------------------------------------------
 * Feature-major: a layer is Y[n][ld] = W^T[n][k] X[k][ld] + b. */

static void dense_blas(const float *X, const float *W, const float *b, float *Y, int ld, int m,
                       int k, int n, int act)
{
    for (int j = 0; j < n; j++)
        for (int s = 0; s < m; s++) Y[(size_t)j * ld + s] = b[j];
    linalg_sgemm(1, 0, n, m, k, 1.0f, W, n, X, ld, 1.0f, Y, ld);
    if (act)
        for (int j = 0; j < n; j++) tanh_inplace(Y + (size_t)j * ld, (size_t)m);
}

/* Gradient of a dense layer: dW = X dY^T, db = row sums of dY, and (if dX)
 * the gradient w.r.t. the input, dX = W dY, times tanh' of the input (a
 * tanh activation). */
static void dense_back_blas(const float *X, const float *W, const float *dY, float *dW, float *db,
                            float *dX, int ld, int m, int k, int n)
{
    linalg_sgemm(0, 1, k, n, m, 1.0f, X, ld, dY, ld, 0.0f, dW, n);
    for (int j = 0; j < n; j++) {
        float acc = 0.0f;
        for (int s = 0; s < m; s++) acc += dY[(size_t)j * ld + s];
        db[j] = acc;
    }
    if (!dX) return;
    linalg_sgemm(0, 0, k, m, n, 1.0f, W, n, dY, ld, 0.0f, dX, ld);
    for (int q = 0; q < k; q++)
        for (int s = 0; s < m; s++) {
            const float x = X[(size_t)q * ld + s];
            dX[(size_t)q * ld + s] *= 1.0f - x * x;
        }
}

void mlp_forward(const mlp_t *net, const float *p, int m, mlp_work_t *w)
{
    SAMARL_ASSERT(m >= 1 && m <= w->cap);
    if (net->kernel == KERNEL_AVX512) {
        mlp_forward_avx512(net, p, m, w);
        return;
    }
    const int H = net->hidden;
    dense_blas(w->x, p + net->oW1, p + net->ob1, w->a1, w->ld, m, net->in, H, 1);
    dense_blas(w->a1, p + net->oW2, p + net->ob2, w->a2, w->ld, m, H, H, 1);
    dense_blas(w->a2, p + net->oWh, p + net->obh, w->out, w->ld, m, H, net->out, 0);
}

void mlp_forward_sample(const mlp_t *net, const float *p, mlp_work_t *w, int s)
{
    SAMARL_ASSERT(s >= 0 && s < w->cap);
    if (net->kernel == KERNEL_AVX512) {
        mlp_forward1_avx512(net, p, w, s);
        return;
    }
    const int H = net->hidden;
    dense_blas(w->x + s, p + net->oW1, p + net->ob1, w->a1 + s, w->ld, 1, net->in, H, 1);
    dense_blas(w->a1 + s, p + net->oW2, p + net->ob2, w->a2 + s, w->ld, 1, H, H, 1);
    dense_blas(w->a2 + s, p + net->oWh, p + net->obh, w->out + s, w->ld, 1, H, net->out, 0);
}

void mlp_backward(const mlp_t *net, const float *p, int m, mlp_work_t *w, float *grad)
{
    SAMARL_ASSERT(m >= 1 && m <= w->cap);
    if (net->kernel == KERNEL_AVX512) {
        mlp_backward_avx512(net, p, m, w, grad);
        return;
    }
    const int H = net->hidden;
    dense_back_blas(w->a2, p + net->oWh, w->dout, grad + net->oWh, grad + net->obh, w->d2, w->ld, m,
                    H, net->out);
    dense_back_blas(w->a1, p + net->oW2, w->d2, grad + net->oW2, grad + net->ob2, w->d1, w->ld, m,
                    H, H);
    dense_back_blas(w->x, p + net->oW1, w->d1, grad + net->oW1, grad + net->ob1, NULL, w->ld, m,
                    net->in, H);
}

/* ---- log-softmax ---------------------------------------------------------------
 * Samples run along the lanes: LSM samples at a time, each loop over them
 * contiguous. */
enum { LSM = 64 };

SAMARL_CLONES
void log_softmax_cols(const float *logits, size_t ld, int m, int n, float *logp, float *prob,
                      float *entropy)
{
    SAMARL_ASSERT(n >= 1 && m >= 1);
    float mx[LSM], sum[LSM], lse[LSM], inv[LSM], ent[LSM];
    for (int r0 = 0; r0 < m; r0 += LSM) {
        const int nr = m - r0 < LSM ? m - r0 : LSM;
        const float *L = logits + r0;
        float *lp = logp + r0, *pr = prob + r0;
        for (int r = 0; r < nr; r++) mx[r] = L[r];
        for (int k = 1; k < n; k++)
            for (int r = 0; r < nr; r++) {
                const float v = L[(size_t)k * ld + r];
                mx[r] = v > mx[r] ? v : mx[r];
            }
        for (int r = 0; r < nr; r++) sum[r] = 0.0f;
        for (int k = 0; k < n; k++)
            for (int r = 0; r < nr; r++) {
                const float e = exp_f(L[(size_t)k * ld + r] - mx[r]);
                pr[(size_t)k * ld + r] = e;
                sum[r] += e;
            }
        for (int r = 0; r < nr; r++) {
            lse[r] = log_pos_f(sum[r]);
            inv[r] = 1.0f / sum[r];
            ent[r] = 0.0f;
        }
        for (int k = 0; k < n; k++)
            for (int r = 0; r < nr; r++) {
                const size_t o = (size_t)k * ld + r;
                const float l = (L[o] - mx[r]) - lse[r], q = pr[o] * inv[r];
                lp[o] = l;
                pr[o] = q;
                ent[r] -= q * l;
            }
        if (entropy)
            for (int r = 0; r < nr; r++) entropy[r0 + r] = ent[r];
    }
}

double log_softmax(const float *logits, int n, float *logp)
{
    SAMARL_ASSERT(n <= ENV_MAX_LEVELS + 1);
    float prob[ENV_MAX_LEVELS + 1], ent;
    log_softmax_cols(logits, 1, 1, n, logp, prob, &ent);
    return ent;
}

void adam_update(float *p, const float *g, float *m, float *v, size_t n, int64_t step, double lr)
{
    const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
    const float c1 = (float)(1.0 - pow(0.9, (double)step));
    const float c2 = (float)(1.0 - pow(0.999, (double)step));
    const float step_size = (float)lr / c1, ic2 = 1.0f / c2;
    for (size_t k = 0; k < n; k++) {
        m[k] = b1 * m[k] + (1.0f - b1) * g[k];
        v[k] = b2 * v[k] + (1.0f - b2) * g[k] * g[k];
        p[k] -= step_size * m[k] / (sqrtf(v[k] * ic2) + eps);
    }
}

/* ---- the policy set --------------------------------------------------------- */

void policyset_init(policyset_t *ps, const config_t *cfg, const env_spec_t *spec, lidx_t n_agents,
                    int batch)
{
    if (cfg->policy.type == POLICY_BESTRESPONSE && !spec->analytic)
        comm_check(samarl_seterr("policy.type = bestresponse, but env.name = %s has no analytic "
                                 "policy; expected policy.type = mlp with a trained --policy",
                                 cfg->env.name));
    const int n_actions = spec->n_levels, D = spec->obs_dim;
    memset(ps, 0, sizeof *ps);
    ps->type = cfg->policy.type;
    ps->tau = cfg->policy.tau;
    ps->defer_hours = cfg->policy.defer_hours;
    ps->shared = cfg->policy.sharing == SHARING_SHARED;
    mlp_shape(&ps->net, D, (int)cfg->policy.hidden, n_actions);
    if (mlp_set_kernel(&ps->net, cfg->policy.kernel))
        SAMARL_FATAL("%s (config validation should have refused it)", samarl_errmsg());
    ps->n_nets = ps->type != POLICY_MLP ? 0 : ps->shared ? 1 : n_agents;
    const size_t nn = (size_t)ps->n_nets;
    ps->params = alloc_floats(nn * ps->net.stride);
    ps->obs_mean = alloc_floats(nn * (size_t)D);
    ps->obs_istd = alloc_floats(nn * (size_t)D);
    for (size_t q = 0; q < nn * (size_t)D; q++) {
        ps->obs_mean[q] = 0.0f;
        ps->obs_istd[q] = 1.0f;
    }
    mlp_work_init(&ps->work, &ps->net, batch);
    ps->u = XNEW(double, batch);
    ps->lp = alloc_floats((size_t)n_actions * (size_t)ps->work.ld);
    ps->prob = alloc_floats((size_t)n_actions * (size_t)ps->work.ld);
}

void policyset_free(policyset_t *ps)
{
    free(ps->params);
    free(ps->obs_mean);
    free(ps->obs_istd);
    mlp_work_free(&ps->work);
    free(ps->u);
    free(ps->lp);
    free(ps->prob);
    memset(ps, 0, sizeof *ps);
}

/* ---- fresh networks for training ------------------------------------------------ */

/* Observation statistics of agent i over one probe episode with uniformly
 * random actions and multipliers: sum and sum of squares per feature. */
static void probe_agent(env_t *e, const config_t *cfg, lidx_t i, float *lam, float *obs, uint8_t *a,
                        double *sum, double *sq)
{
    const uint64_t seed = cfg->run.seed, gid = (uint64_t)e->gid[i];
    const int B = e->copies, T = (int)cfg->env.horizon, D = e->spec.obs_dim;
    for (int j = 0; j < B; j++)
        lam[j] = (float)(cfg->train.lambda_max * rng_uniform(seed, RNG_STREAM_LAMBDA, gid,
                                                             ((uint64_t)1 << 47) | (uint64_t)j));
    env_reset_agent(e, i);
    for (int t = 0; t < T; t++) {
        env_observe(e, i, t, lam, obs);
        for (int j = 0; j < B; j++) {
            rng_block_t blk =
                rng_block(seed, RNG_STREAM_ACTION, gid, action_counter(3, (uint64_t)j, t));
            a[j] = (uint8_t)rng_below(blk.v[0], blk.v[1], (uint64_t)e->n_levels);
            for (int c = 0; c < D; c++) {
                double x = obs[(size_t)j * D + c];
                sum[c] += x;
                sq[c] += x * x;
            }
        }
        env_step(e, i, t, a, NULL, NULL, NULL, NULL);
    }
}

/* The statistics of D observation features into an input of `in`
 * features: `blocks` copies of them, then features left as they are. */
static void set_normalisation(float *mean, float *istd, const double *sum, const double *sq,
                              double n, int D, int blocks, int in)
{
    for (int c = 0; c < D; c++) {
        double mu = sum[c] / n, var = sq[c] / n - mu * mu;
        mean[c] = (float)mu;
        istd[c] = var > 1e-12 ? (float)(1.0 / sqrt(var)) : 1.0f;
    }
    for (int b = 1; b < blocks; b++)
        for (int c = 0; c < D; c++) {
            mean[b * D + c] = mean[c];
            istd[b * D + c] = istd[c];
        }
    for (int c = blocks * D; c < in; c++) {
        mean[c] = 0.0f;
        istd[c] = 1.0f;
    }
}

/* A view of an environment of joint copies (env_create_trained): every
 * agent's statistics over one probe episode of the world, this rank's
 * copies, time-major (the world moves once every agent has acted), random
 * actions and multipliers keyed by the copy's global index, exact sums
 * over the ranks: agent g's into acc[g][2 D] (sums, then squares). */
static void probe_world(const env_t *v, const config_t *cfg, reprosum_t *acc)
{
    env_t *w = v->world;
    const uint64_t seed = cfg->run.seed;
    const int B = w->copies, T = (int)cfg->env.horizon, D = w->spec.obs_dim;
    const lidx_t N = w->n;
    float *lam = alloc_floats((size_t)N * (size_t)B), *obs = alloc_floats((size_t)B * (size_t)D);
    uint8_t *a = XNEW(uint8_t, B);
    for (lidx_t g = 0; g < N; g++)
        for (int j = 0; j < B; j++)
            lam[(size_t)g * B + j] =
                (float)(cfg->train.lambda_max *
                        rng_uniform(seed, RNG_STREAM_LAMBDA, (uint64_t)g,
                                    ((uint64_t)1 << 47) | (uint64_t)(w->copy0 + j)));
    env_begin_episode(w, seed, ENV_NOISE_PROBE, 0);
    for (lidx_t g = 0; g < N; g++) env_reset_agent(w, g);
    for (int t = 0; t < T; t++) {
        for (lidx_t g = 0; g < N; g++) {
            env_observe(w, g, t, lam + (size_t)g * B, obs);
            reprosum_t *ag = acc + (size_t)g * 2 * D;
            for (int j = 0; j < B; j++) {
                rng_block_t blk = rng_block(seed, RNG_STREAM_ACTION, (uint64_t)g,
                                            action_counter(3, (uint64_t)(w->copy0 + j), t));
                a[j] = (uint8_t)rng_below(blk.v[0], blk.v[1], (uint64_t)w->n_levels);
                for (int c = 0; c < D; c++) {
                    const double x = obs[(size_t)j * D + c];
                    reprosum_add(&ag[c], x);
                    reprosum_add(&ag[D + c], x * x);
                }
            }
            env_step(w, g, t, a, NULL, NULL, NULL, NULL);
        }
        env_step_world(w, t, NULL, NULL);
    }
    reprosum_allreduce(acc, (int)(N * 2 * D));
    free(lam);
    free(obs);
    free(a);
}

/* The normalisation of a view's agents (or of the shared network: every
 * agent's) from the world's probe. */
static void normalise_from_world(policyset_t *ps, const env_t *v, const config_t *cfg, int blocks)
{
    const int D = v->spec.obs_dim, in = ps->net.in;
    const lidx_t N = v->world->n;
    reprosum_t *acc = XNEW(reprosum_t, (size_t)N * 2 * D);
    for (size_t k = 0; k < (size_t)N * 2 * D; k++) reprosum_init(&acc[k]);
    probe_world(v, cfg, acc);
    const double n = (double)cfg->env.horizon * (double)v->copies;
    double sum[ENV_OBS_MAX], sq[ENV_OBS_MAX];
    if (ps->shared) {
        for (int c = 0; c < D; c++) {
            reprosum_t s1, s2;
            reprosum_init(&s1);
            reprosum_init(&s2);
            for (lidx_t g = 0; g < N; g++) {
                reprosum_add(&s1, reprosum_value(&acc[(size_t)g * 2 * D + c]));
                reprosum_add(&s2, reprosum_value(&acc[(size_t)g * 2 * D + D + c]));
            }
            sum[c] = reprosum_value(&s1);
            sq[c] = reprosum_value(&s2);
        }
        set_normalisation(ps->obs_mean, ps->obs_istd, sum, sq, n * (double)N, D, blocks, in);
    } else {
        for (lidx_t i = 0; i < v->n; i++) {
            reprosum_t *ag = acc + (size_t)v->gid[i] * 2 * D;
            for (int c = 0; c < D; c++) {
                sum[c] = reprosum_value(&ag[c]);
                sq[c] = reprosum_value(&ag[D + c]);
            }
            set_normalisation(ps->obs_mean + (size_t)i * in, ps->obs_istd + (size_t)i * in, sum, sq,
                              n, D, blocks, in);
        }
    }
    free(acc);
}

void policyset_init_fresh(policyset_t *ps, env_t *e, const config_t *cfg)
{
    policyset_init_fresh_blocks(ps, e, cfg, 1);
}

void policyset_init_fresh_blocks(policyset_t *ps, env_t *e, const config_t *cfg, int blocks)
{
    const uint64_t seed = cfg->run.seed;
    if (ps->shared)
        mlp_init(&ps->net, ps->params, seed, UINT64_MAX);
    else
        for (lidx_t i = 0; i < e->n; i++)
            mlp_init(&ps->net, policyset_params(ps, i), seed, (uint64_t)e->gid[i]);
    if (!cfg->policy.normalize) return;
    if (e->world) {
        normalise_from_world(ps, e, cfg, blocks);
        return;
    }

    const int B = e->copies, D = e->spec.obs_dim, in = ps->net.in;
    SAMARL_ASSERT(blocks >= 1 && blocks * D <= in);
    float *lam = alloc_floats((size_t)B), *obs = alloc_floats((size_t)B * (size_t)D);
    uint8_t *a = XNEW(uint8_t, B);
    env_begin_episode(e, seed, ENV_NOISE_PROBE, 0);
    const double n = (double)cfg->env.horizon * B;
    if (!ps->shared) {
        for (lidx_t i = 0; i < e->n; i++) {
            double sum[ENV_OBS_MAX] = {0}, sq[ENV_OBS_MAX] = {0};
            probe_agent(e, cfg, i, lam, obs, a, sum, sq);
            set_normalisation(ps->obs_mean + (size_t)i * in, ps->obs_istd + (size_t)i * in, sum, sq,
                              n, D, blocks, in);
        }
    } else {
        /* Shared: exact sums over all agents on all ranks. */
        reprosum_t acc[2 * ENV_OBS_MAX];
        for (int c = 0; c < 2 * D; c++) reprosum_init(&acc[c]);
        for (lidx_t i = 0; i < e->n; i++) {
            double sum[ENV_OBS_MAX] = {0}, sq[ENV_OBS_MAX] = {0};
            probe_agent(e, cfg, i, lam, obs, a, sum, sq);
            for (int c = 0; c < D; c++) {
                reprosum_add(&acc[c], sum[c]);
                reprosum_add(&acc[D + c], sq[c]);
            }
        }
        reprosum_allreduce(acc, 2 * D);
        double sum[ENV_OBS_MAX], sq[ENV_OBS_MAX];
        for (int c = 0; c < D; c++) {
            sum[c] = reprosum_value(&acc[c]);
            sq[c] = reprosum_value(&acc[D + c]);
        }
        set_normalisation(ps->obs_mean, ps->obs_istd, sum, sq, n * (double)e->n_global, D, blocks,
                          in);
    }
    free(lam);
    free(obs);
    free(a);
}

void policyset_normalize(policyset_t *ps, lidx_t i, const float *obs, int m)
{
    const int D = ps->net.in;
    const size_t k = (size_t)(ps->shared ? 0 : i) * (size_t)D, ld = (size_t)ps->work.ld;
    const float *mu = ps->obs_mean + k, *is = ps->obs_istd + k;
    for (int c = 0; c < D; c++) {
        float *x = ps->work.x + (size_t)c * ld;
        for (int r = 0; r < m; r++) x[r] = (obs[(size_t)r * D + c] - mu[c]) * is[c];
    }
}

/* Inverse-CDF draw from probabilities prob[k * ld] (k < n): the first k
 * with u < prob[0] + ... + prob[k], else n - 1. Without branches: the draw
 * is random, so a branch on it mispredicts about once per sample. */
static int sample(const float *prob, size_t ld, int n, double u)
{
    double acc = 0;
    int k = n - 1, found = 0;
    for (int q = 0; q < n - 1; q++) {
        acc += (double)prob[(size_t)q * ld];
        const int hit = (u < acc) & !found;
        k = hit ? q : k;
        found |= hit;
    }
    return k;
}

/* The most likely action among lp[k * ld] (the first on ties). */
static int argmax(const float *lp, size_t ld, int n)
{
    int k = 0;
    for (int q = 1; q < n; q++)
        if (lp[(size_t)q * ld] > lp[(size_t)k * ld]) k = q;
    return k;
}

void policyset_act(policyset_t *ps, const env_t *e, lidx_t i, int64_t t, const float *obs,
                   const float *lambda, uint64_t seed, int source, int greedy, uint8_t *action,
                   float *logp, float *value)
{
    const int B = e->copies;
    SAMARL_ASSERT(B <= ps->work.cap);
    const uint64_t gid = (uint64_t)e->gid[i];
    /* One uniform per copy, Philox blocks drawn together (rng_uniform's bits). */
    enum { NB = 64 };
    uint64_t st[NB], w[NB];
    int64_t g[NB];
    for (int j0 = 0; j0 < B; j0 += NB) {
        const int nb = B - j0 < NB ? B - j0 : NB;
        for (int j = 0; j < nb; j++) {
            g[j] = (int64_t)gid;
            /* the copy's global index (an environment of copies: its rank's block) */
            st[j] = action_counter(source,
                                   e->episode * (uint64_t)e->copies_total + (uint64_t)e->copy0 +
                                       (uint64_t)(j0 + j),
                                   t);
        }
        rng_blocks(seed, RNG_STREAM_ACTION, g, st, nb, w, NULL);
        for (int j = 0; j < nb; j++) ps->u[j0 + j] = rng_u01_64(w[j]);
    }
    if (ps->type == POLICY_BESTRESPONSE) {
        env_analytic_act(e, i, t, lambda, greedy ? 0.0 : ps->tau, ps->defer_hours, ps->u, action);
        return;
    }
    const mlp_t *net = &ps->net;
    const size_t ld = (size_t)ps->work.ld;
    const int K = net->actions;
    if (!ps->shared && i + 1 < ps->n_nets) {
        /* Agents act in order: fetch the next network while this one runs
         * (per-agent execution streams ~6 KB of weights per agent-step). */
        const char *nx = (const char *)policyset_params(ps, i + 1);
        for (size_t b = 0; b < net->n_params * sizeof(float); b += 64)
            __builtin_prefetch(nx + b, 0, 2);
    }
    policyset_normalize(ps, i, obs, B);
    mlp_forward(net, policyset_params(ps, i), B, &ps->work);
    log_softmax_cols(ps->work.out, ld, B, K, ps->lp, ps->prob, NULL);
    for (int j = 0; j < B; j++) {
        const int k = greedy ? argmax(ps->lp + j, ld, K) : sample(ps->prob + j, ld, K, ps->u[j]);
        action[j] = (uint8_t)k;
        if (logp) logp[j] = ps->lp[(size_t)k * ld + j];
        if (value) value[j] = ps->work.out[(size_t)K * ld + j];
    }
}

void policyset_act_agents(policyset_t *ps, const env_t *e, lidx_t i0, int m, int64_t t,
                          const float *obs, uint64_t seed, int source, int greedy, uint8_t *action)
{
    const int D = ps->net.in;
    SAMARL_ASSERT(ps->type == POLICY_MLP && e->copies == 1 && m <= ps->work.cap && i0 >= 0 &&
                  i0 + m <= e->n);
    const mlp_t *net = &ps->net;
    const size_t ld = (size_t)ps->work.ld;
    const int K = net->actions;
    if (ps->shared && net->kernel == KERNEL_AVX512) {
        policyset_normalize(ps, 0, obs, m);
        mlp_forward(net, ps->params, m, &ps->work);
    } else {
        /* One sample at a time. Per-agent networks stream ~6 KB of weights
         * per agent-step: the next agent's are fetched (into L2) while one
         * computes. A shared network comes here with the OpenBLAS kernel:
         * some of OpenBLAS's GEMM kernels (Haswell, Zen) give a column
         * other bits in another batch, and a rank's batches depend on the
         * partition, so only one sample at a time keeps the output the
         * same on any number of ranks (and the fused kernel is the fast
         * path on CPUs that have it). */
        const size_t bytes = net->n_params * sizeof(float);
        for (int r = 0; r < m; r++) {
            const lidx_t i = i0 + r, a = ps->shared ? 0 : i;
            if (!ps->shared && i + 1 < ps->n_nets) {
                const char *nx = (const char *)policyset_params(ps, i + 1);
                for (size_t b = 0; b < bytes; b += 64) __builtin_prefetch(nx + b, 0, 2);
            }
            const float *mu = ps->obs_mean + (size_t)a * D, *is = ps->obs_istd + (size_t)a * D;
            for (int c = 0; c < D; c++)
                ps->work.x[(size_t)c * ld + r] = (obs[(size_t)r * D + c] - mu[c]) * is[c];
            mlp_forward_sample(net, policyset_params(ps, a), &ps->work, r);
        }
    }
    log_softmax_cols(ps->work.out, ld, m, K, ps->lp, ps->prob, NULL);
    if (greedy) {
        for (int r = 0; r < m; r++) action[r] = (uint8_t)argmax(ps->lp + r, ld, K);
        return;
    }
    /* The agents' uniforms, Philox blocks drawn together (rng_uniform's bits). */
    enum { NB = 64 };
    uint64_t w[NB], st[NB];
    for (int r = 0; r < NB; r++) st[r] = action_counter(source, e->episode, t);
    for (int r0 = 0; r0 < m; r0 += NB) {
        const int nb = m - r0 < NB ? m - r0 : NB;
        rng_blocks(seed, RNG_STREAM_ACTION, e->gid + i0 + r0, st, nb, w, NULL);
        for (int r = r0; r < r0 + nb; r++)
            action[r] = (uint8_t)sample(ps->prob + r, ld, K, rng_u01_64(w[r - r0]));
    }
}
