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

/* ---- element-wise kernels ----------------------------------------------------
 * Plain float arithmetic (no libm calls, no branches), so the loops over
 * them vectorise; -ffp-contract=off keeps the bits the same in every clone. */

/* tanh x = x P(x^2) / Q(x^2) on |x| <= 7.9 (a rational fit of ours,
 * weighted for relative error: max 3.6e-7 in float), saturating beyond
 * (tanh 7.9 = 1 - 2.7e-7). 9 multiply-adds and one division. */
static inline float tanh_f(float x)
{
    x = x > 7.9f ? 7.9f : x;
    x = x < -7.9f ? -7.9f : x;
    const float x2 = x * x;
    float p = 2.772614430e-11f;
    p = p * x2 - 1.616909806e-08f;
    p = p * x2 + 1.032498585e-05f;
    p = p * x2 + 3.032194683e-03f;
    p = p * x2 + 1.302155107e-01f;
    p = p * x2 + 1.0f;
    float q = 2.437507210e-04f;
    q = q * x2 + 2.421519719e-02f;
    q = q * x2 + 4.635488093e-01f;
    q = q * x2 + 1.0f;
    return x * p / q;
}

/* e^x for x <= 0 (log-softmax shifts its arguments so), flushed to 0 below
 * -87: e^x = 2^k e^r, k = round(x / ln 2), |r| <= ln2/2, e^r by its Taylor
 * polynomial to r^7 (relative error 2e-8). */
static inline float exp_neg_f(float x)
{
    x = x < -87.0f ? -87.0f : x;
    const float shifter = 12582912.0f; /* 1.5 * 2^23: adding it rounds to integer */
    const float t = x * 1.44269504088896341f + shifter;
    const float kf = t - shifter;
    union {
        float f;
        int32_t i;
    } ut = {.f = t};
    const int32_t k = ut.i - 0x4B400000; /* the integer in t's mantissa */
    const float r = (x - kf * 0.693145751953125f) - kf * 1.42860682030941723212e-6f;
    float e = 1.0f / 5040.0f;
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
    return e * two_k.f;
}

/* log x for normal x > 0: x = 2^k m, m in [sqrt(1/2), sqrt 2), log m =
 * 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.172, by its series to s^9
 * (error 3e-9). */
static inline float log_pos_f(float x)
{
    union {
        float f;
        int32_t i;
    } u = {.f = x};
    /* Subtracting the bits of sqrt(1/2) puts the exponent change at sqrt 2. */
    const int32_t d = u.i - 0x3F3504F3;
    const int32_t k = d >> 23;
    u.i -= k << 23; /* m = x / 2^k */
    const float m = u.f;
    const float s = (m - 1.0f) / (m + 1.0f), s2 = s * s;
    float z = 1.0f / 9.0f;
    z = z * s2 + 1.0f / 7.0f;
    z = z * s2 + 1.0f / 5.0f;
    z = z * s2 + 1.0f / 3.0f;
    z = z * s2 + 1.0f;
    return 2.0f * s * z + (float)k * 0.693147180559945309f;
}

/* tanh over an array, compiled for AVX-512, AVX2 and baseline x86-64 and
 * picked at load time. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SAMARL_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SAMARL_CLONES
#endif
SAMARL_CLONES
void tanh_inplace(float *y, size_t n)
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
        tanh_inplace(y, (size_t)m * (size_t)n);
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

/* Rows are done LSM_ROWS at a time with the row index innermost, so that
 * every loop runs across rows in vector lanes. */
enum { LSM_ROWS = 16 };

SAMARL_CLONES
void log_softmax_rows(const float *logits, int m, int stride, int n, float *logp, float *prob,
                      float *entropy)
{
    SAMARL_ASSERT(n >= 1 && n <= ENV_MAX_LEVELS + 1 && stride >= n);
    float e[ENV_MAX_LEVELS + 1][LSM_ROWS], mx[LSM_ROWS], sum[LSM_ROWS], lse[LSM_ROWS],
        inv[LSM_ROWS], ent[LSM_ROWS];
    for (int r0 = 0; r0 < m; r0 += LSM_ROWS) {
        const int nr = m - r0 < LSM_ROWS ? m - r0 : LSM_ROWS;
        const float *L = logits + (size_t)r0 * (size_t)stride;
        for (int r = 0; r < nr; r++) mx[r] = L[(size_t)r * stride];
        for (int k = 1; k < n; k++)
            for (int r = 0; r < nr; r++) {
                const float v = L[(size_t)r * stride + k];
                mx[r] = v > mx[r] ? v : mx[r];
            }
        for (int r = 0; r < nr; r++) sum[r] = 0.0f;
        for (int k = 0; k < n; k++)
            for (int r = 0; r < nr; r++) {
                e[k][r] = exp_neg_f(L[(size_t)r * stride + k] - mx[r]);
                sum[r] += e[k][r];
            }
        for (int r = 0; r < nr; r++) {
            lse[r] = log_pos_f(sum[r]);
            inv[r] = 1.0f / sum[r];
            ent[r] = 0.0f;
        }
        for (int k = 0; k < n; k++)
            for (int r = 0; r < nr; r++) {
                const float lp = (L[(size_t)r * stride + k] - mx[r]) - lse[r];
                const float p = e[k][r] * inv[r];
                logp[(size_t)(r0 + r) * n + k] = lp;
                if (prob) prob[(size_t)(r0 + r) * n + k] = p;
                ent[r] -= p * lp;
            }
        if (entropy)
            for (int r = 0; r < nr; r++) entropy[r0 + r] = ent[r];
    }
}

double log_softmax(const float *logits, int n, float *logp)
{
    float ent;
    log_softmax_rows(logits, 1, n, n, logp, NULL, &ent);
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
    ps->lp = alloc_floats((size_t)batch * (ENV_MAX_LEVELS + 1));
    ps->prob = alloc_floats((size_t)batch * (ENV_MAX_LEVELS + 1));
}

void policyset_free(policyset_t *ps)
{
    free(ps->params);
    free(ps->obs_mean);
    free(ps->obs_istd);
    mlp_work_free(&ps->work);
    free(ps->x);
    free(ps->u);
    free(ps->lp);
    free(ps->prob);
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

/* Inverse-CDF draw from probabilities prob[n]. */
static int sample(const float *prob, int n, double u)
{
    double acc = 0;
    for (int k = 0; k < n - 1; k++) {
        acc += (double)prob[k];
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
    const int K = net->actions;
    log_softmax_rows(ps->work.out, B, net->out, K, ps->lp, ps->prob, NULL);
    for (int j = 0; j < B; j++) {
        const float *lp = ps->lp + (size_t)j * K;
        int k;
        if (greedy) {
            k = 0;
            for (int q = 1; q < K; q++)
                if (lp[q] > lp[k]) k = q;
        } else {
            k = sample(ps->prob + (size_t)j * K, K, ps->u[j]);
        }
        action[j] = (uint8_t)k;
        if (logp) logp[j] = lp[k];
        if (value) value[j] = ps->work.out[(size_t)j * net->out + K];
    }
}

void policyset_act_shared(policyset_t *ps, const env_t *e, lidx_t i0, int m, int64_t t,
                          const float *obs, uint64_t seed, int source, int greedy, uint8_t *action)
{
    SAMARL_ASSERT(ps->type == POLICY_MLP && ps->shared && e->copies == 1 && m <= ps->work.cap);
    const mlp_t *net = &ps->net;
    const int K = net->actions;
    policyset_normalize(ps, 0, obs, m, ps->x);
    mlp_forward(net, ps->params, ps->x, m, &ps->work);
    log_softmax_rows(ps->work.out, m, net->out, K, ps->lp, ps->prob, NULL);
    for (int r = 0; r < m; r++) {
        const float *lp = ps->lp + (size_t)r * K;
        int k = 0;
        if (greedy) {
            for (int q = 1; q < K; q++)
                if (lp[q] > lp[k]) k = q;
        } else {
            const double u = rng_uniform(seed, RNG_STREAM_ACTION, (uint64_t)e->gid[i0 + r],
                                         action_counter(source, e->episode, t));
            k = sample(ps->prob + (size_t)r * K, K, u);
        }
        action[r] = (uint8_t)k;
    }
}
