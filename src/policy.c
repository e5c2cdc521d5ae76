/* The state-augmented MLP and the policy set (see policy.h). The only module
 * that calls BLAS. */
#include "samarl/policy.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/error.h"
#include "samarl/rng.h"

/* Single-threaded BLAS: ranks are the parallelism, and a GEMM's bits must
 * not depend on how many threads split it. */
static void blas_single_thread(void)
{
    static int done;
    if (!done) {
        openblas_set_num_threads(1);
        done = 1;
    }
}

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
}

void mlp_init(const mlp_t *m, float *p, uint64_t seed, uint64_t key)
{
    memset(p, 0, sizeof(float) * m->n_params);
    const int H = m->hidden, O = m->out;
    uint64_t draw = 0;
    double z[2];
#define NORMAL(sd) (((draw & 1) ? 0 : rng_normal2(seed, RNG_STREAM_INIT, key, draw / 2, z)), \
                    (float)((sd) * z[draw++ & 1]))
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
    blas_single_thread();
    w->cap = cap;
    size_t c = (size_t)cap, H = (size_t)m->hidden, O = (size_t)m->out;
    w->a1 = alloc_floats(c * H);
    w->a2 = alloc_floats(c * H);
    w->out = alloc_floats(c * O);
    w->d1 = alloc_floats(c * H);
    w->d2 = alloc_floats(c * H);
    w->dout = alloc_floats(c * O);
}

void mlp_work_free(mlp_work_t *w)
{
    free(w->a1);
    free(w->a2);
    free(w->out);
    free(w->d1);
    free(w->d2);
    free(w->dout);
    memset(w, 0, sizeof *w);
}

/* tanh in plain float arithmetic (no libm call), so that loops over it
 * vectorise; absolute error below 1e-7. |x| < 0.3: the odd Taylor series to
 * x^11; else 1 - 2 / (e^{2|x|} + 1) with e^y = 2^k e^r, |r| <= ln2/2, e^r by
 * its Taylor polynomial to r^8. Saturates at |x| >= 9 (float tanh(9) = 1). */
static inline float tanh_f(float x)
{
    /* |x| clamped to 9 as an integer min of the bit patterns (ordered like
     * the values for non-negative floats; vectorises where a float min
     * with NaN semantics does not). */
    union {
        float f;
        int32_t i;
    } ux = {.f = fabsf(x)}, nine = {.f = 9.0f};
    ux.i = ux.i < nine.i ? ux.i : nine.i;
    const float ax = ux.f;
    const float x2 = ax * ax;
    /* tanh x = x - x^3/3 + 2x^5/15 - 17x^7/315 + 62x^9/2835 - 1382x^11/155925 */
    float sp = -(1382.0f / 155925.0f) * x2 + 62.0f / 2835.0f;
    sp = sp * x2 - 17.0f / 315.0f;
    sp = sp * x2 + 2.0f / 15.0f;
    sp = sp * x2 - 1.0f / 3.0f;
    const float small = ax + ax * x2 * sp;
    const float y = 2.0f * ax;
    const int32_t k = (int32_t)(y * 1.44269504088896341f + 0.5f); /* y >= 0: rounds */
    const float kf = (float)k;
    const float r = (y - kf * 0.693145751953125f) - kf * 1.42860682030941723212e-6f;
    float e = 1.0f / 40320.0f;
    e = e * r + 1.0f / 5040.0f;
    e = e * r + 1.0f / 720.0f;
    e = e * r + 1.0f / 120.0f;
    e = e * r + 1.0f / 24.0f;
    e = e * r + 1.0f / 6.0f;
    e = e * r + 0.5f;
    e = e * r + 1.0f;
    e = e * r + 1.0f;
    union {
        int32_t i;
        float f;
    } two_k = {.i = (k + 127) << 23};
    const float big = 1.0f - 2.0f / (e * two_k.f + 1.0f);
    const float use_big = (float)(ax >= 0.3f); /* 0 or 1: a blend, not a branch */
    const float t = use_big * big + (1.0f - use_big) * small;
    return copysignf(t, x);
}

/* tanh over an array, compiled for AVX-512, AVX2 and baseline x86-64 and
 * picked at load time; no FMA contraction, so every clone gives the same
 * bits. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
static void tanh_array(float *y, size_t n)
{
    for (size_t q = 0; q < n; q++) y[q] = tanh_f(y[q]);
}

/* y[m][n] = x[m][k] W[k][n] + b[n], then tanh if asked. */
static void dense(const float *x, const float *W, const float *b, float *y, int m, int k, int n,
                  int act)
{
    for (int r = 0; r < m; r++) memcpy(y + (size_t)r * n, b, sizeof(float) * (size_t)n);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, x, k, W, n, 1.0f, y, n);
    if (act)
        tanh_array(y, (size_t)m * (size_t)n);
}

void mlp_forward(const mlp_t *net, const float *p, const float *x, int m, mlp_work_t *w)
{
    SAMARL_ASSERT(m <= w->cap);
    const int H = net->hidden;
    dense(x, p + net->oW1, p + net->ob1, w->a1, m, net->in, H, 1);
    dense(w->a1, p + net->oW2, p + net->ob2, w->a2, m, H, H, 1);
    dense(w->a2, p + net->oWh, p + net->obh, w->out, m, H, net->out, 0);
}

/* Gradient of a dense layer: dW = x^T dy, db = colsum(dy), and (if dx) the
 * gradient w.r.t. the input, dx = dy W^T, times tanh' of the input when it
 * was a tanh activation. */
static void dense_back(const float *x, const float *W, const float *dy, float *dW, float *db,
                       float *dx, int m, int k, int n)
{
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, n, m, 1.0f, x, k, dy, n, 0.0f, dW, n);
    for (int c = 0; c < n; c++) db[c] = 0.0f;
    for (int r = 0; r < m; r++)
        for (int c = 0; c < n; c++) db[c] += dy[(size_t)r * n + c];
    if (!dx) return;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, k, n, 1.0f, dy, n, W, n, 0.0f, dx, k);
    for (size_t q = 0; q < (size_t)m * (size_t)k; q++) dx[q] *= 1.0f - x[q] * x[q];
}

void mlp_backward(const mlp_t *net, const float *p, const float *x, int m, mlp_work_t *w,
                  float *grad)
{
    const int H = net->hidden;
    dense_back(w->a2, p + net->oWh, w->dout, grad + net->oWh, grad + net->obh, w->d2, m, H,
               net->out);
    dense_back(w->a1, p + net->oW2, w->d2, grad + net->oW2, grad + net->ob2, w->d1, m, H, H);
    dense_back(x, p + net->oW1, w->d1, grad + net->oW1, grad + net->ob1, NULL, m, net->in, H);
}

double log_softmax(const float *logits, int n, float *logp)
{
    float mx = logits[0];
    for (int k = 1; k < n; k++)
        if (logits[k] > mx) mx = logits[k];
    float e[ENV_MAX_LEVELS + 1], sum = 0;
    SAMARL_ASSERT(n <= ENV_MAX_LEVELS + 1);
    for (int k = 0; k < n; k++) sum += e[k] = expf(logits[k] - mx);
    const float lse = logf(sum), inv = 1.0f / sum;
    float ent = 0;
    for (int k = 0; k < n; k++) {
        logp[k] = (logits[k] - mx) - lse;
        ent -= e[k] * inv * logp[k];
    }
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

void policyset_init(policyset_t *ps, const config_t *cfg, int n_actions, lidx_t n_agents, int batch)
{
    memset(ps, 0, sizeof *ps);
    ps->type = cfg->policy.type;
    ps->tau = cfg->policy.tau;
    ps->defer_hours = cfg->policy.defer_hours;
    ps->shared = cfg->policy.sharing == SHARING_SHARED;
    mlp_shape(&ps->net, ENV_OBS, (int)cfg->policy.hidden, n_actions);
    ps->n_nets = ps->type != POLICY_MLP ? 0 : ps->shared ? 1 : n_agents;
    const size_t nn = (size_t)ps->n_nets;
    ps->params = alloc_floats(nn * ps->net.stride);
    ps->obs_mean = alloc_floats(nn * ENV_OBS);
    ps->obs_istd = alloc_floats(nn * ENV_OBS);
    for (size_t q = 0; q < nn * ENV_OBS; q++) {
        ps->obs_mean[q] = 0.0f;
        ps->obs_istd[q] = 1.0f;
    }
    mlp_work_init(&ps->work, &ps->net, batch);
    ps->x = alloc_floats((size_t)batch * ENV_OBS);
    ps->u = XNEW(double, batch);
}

void policyset_free(policyset_t *ps)
{
    free(ps->params);
    free(ps->obs_mean);
    free(ps->obs_istd);
    mlp_work_free(&ps->work);
    free(ps->x);
    free(ps->u);
    memset(ps, 0, sizeof *ps);
}

void policyset_normalize(const policyset_t *ps, lidx_t i, const float *obs, int m, float *x)
{
    const size_t k = (size_t)(ps->shared ? 0 : i) * ENV_OBS;
    const float *mu = ps->obs_mean + k, *is = ps->obs_istd + k;
    for (int r = 0; r < m; r++)
        for (int c = 0; c < ENV_OBS; c++)
            x[(size_t)r * ENV_OBS + c] = (obs[(size_t)r * ENV_OBS + c] - mu[c]) * is[c];
}

/* Inverse-CDF draw from probabilities exp(logp). */
static int sample(const float *logp, int n, double u)
{
    double acc = 0;
    for (int k = 0; k < n - 1; k++) {
        acc += exp((double)logp[k]);
        if (u < acc) return k;
    }
    return n - 1;
}

void policyset_act(policyset_t *ps, const env_t *e, lidx_t i, int64_t t, const float *obs,
                   const float *lambda, uint64_t seed, int source, int greedy, uint8_t *action,
                   float *logp, float *value)
{
    const int B = e->copies;
    SAMARL_ASSERT(B <= ps->work.cap);
    const uint64_t gid = (uint64_t)e->gid[i];
    for (int j = 0; j < B; j++)
        ps->u[j] = rng_uniform(seed, RNG_STREAM_ACTION, gid,
                               action_counter(source, e->episode * (uint64_t)B + (uint64_t)j, t));
    if (ps->type == POLICY_BESTRESPONSE) {
        env_bestresponse(e, i, t, lambda, greedy ? 0.0 : ps->tau, ps->defer_hours, ps->u, action);
        return;
    }
    const mlp_t *net = &ps->net;
    policyset_normalize(ps, i, obs, B, ps->x);
    mlp_forward(net, policyset_params(ps, i), ps->x, B, &ps->work);
    float lp[ENV_MAX_LEVELS + 1];
    for (int j = 0; j < B; j++) {
        const float *o = ps->work.out + (size_t)j * net->out;
        log_softmax(o, net->actions, lp);
        int k;
        if (greedy) {
            k = 0;
            for (int q = 1; q < net->actions; q++)
                if (lp[q] > lp[k]) k = q;
        } else {
            k = sample(lp, net->actions, ps->u[j]);
        }
        action[j] = (uint8_t)k;
        if (logp) logp[j] = lp[k];
        if (value) value[j] = o[net->actions];
    }
}
