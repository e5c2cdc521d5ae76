/* The centralised critic of mappo-l (see critic.h): a tanh MLP with one
 * output on sample-major batches, through OpenBLAS SGEMM. Kept beside the
 * policy's kernels because only policy.c and mlp_*.c call BLAS. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/linalg.h"
#include "samarl/error.h"
#include "samarl/policy.h"
#include "samarl/critic.h"
#include "samarl/rng.h"

void critic_shape(critic_t *c, int in, int hidden)
{
    const size_t NI = (size_t)in, H = (size_t)hidden;
    c->in = in;
    c->hidden = hidden;
    c->oW1 = 0;
    c->ob1 = c->oW1 + NI * H;
    c->oW2 = c->ob1 + H;
    c->ob2 = c->oW2 + H * H;
    c->ow3 = c->ob2 + H;
    c->ob3 = c->ow3 + H;
    c->n_params = c->ob3 + 1;
}

void critic_init(const critic_t *c, float *p, uint64_t seed, uint64_t key)
{
    memset(p, 0, sizeof(float) * c->n_params);
    const size_t NI = (size_t)c->in, H = (size_t)c->hidden;
    uint64_t draw = 0;
    double z[2];
#define NORMAL(sd)                                                                                 \
    (((draw & 1) ? 0 : rng_normal2(seed, RNG_STREAM_INIT, key, draw / 2, z)),                      \
     (float)((sd)*z[draw++ & 1]))
    for (size_t k = 0; k < NI * H; k++) p[c->oW1 + k] = NORMAL(1.0 / sqrt((double)NI));
    for (size_t k = 0; k < H * H; k++) p[c->oW2 + k] = NORMAL(1.0 / sqrt((double)H));
    for (size_t k = 0; k < H; k++) p[c->ow3 + k] = NORMAL(1.0 / sqrt((double)H));
#undef NORMAL
}

void critic_work_init(critic_work_t *w, const critic_t *c, int cap)
{
    const size_t n = (size_t)cap * (size_t)c->hidden;
    w->cap = cap;
    w->a1 = alloc_floats(n);
    w->a2 = alloc_floats(n);
    w->d1 = alloc_floats(n);
    w->d2 = alloc_floats(n);
    w->v = alloc_floats((size_t)cap);
    w->dv = alloc_floats((size_t)cap);
}

void critic_work_free(critic_work_t *w)
{
    free(w->a1);
    free(w->a2);
    free(w->d1);
    free(w->d2);
    free(w->v);
    free(w->dv);
    memset(w, 0, sizeof *w);
}

/* Y[m][n] = tanh(X[m][k] W[k][n] + b) */
static void dense_tanh(const float *X, size_t ldx, const float *W, const float *b, float *Y, int m,
                       int k, int n)
{
    for (int r = 0; r < m; r++) memcpy(Y + (size_t)r * n, b, sizeof(float) * (size_t)n);
    linalg_sgemm(0, 0, m, n, k, 1.0f, X, (int)ldx, W, n, 1.0f, Y, n);
    tanh_inplace(Y, (size_t)m * (size_t)n);
}

void critic_forward(const critic_t *c, const float *p, const float *x, size_t ldx, int m,
                    critic_work_t *w)
{
    SAMARL_ASSERT(m >= 1 && m <= w->cap && ldx >= (size_t)c->in);
    const int H = c->hidden;
    dense_tanh(x, ldx, p + c->oW1, p + c->ob1, w->a1, m, c->in, H);
    dense_tanh(w->a1, (size_t)H, p + c->oW2, p + c->ob2, w->a2, m, H, H);
    for (int r = 0; r < m; r++) w->v[r] = p[c->ob3];
    linalg_sgemv(0, m, H, 1.0f, w->a2, H, p + c->ow3, 1.0f, w->v);
}

/* Column sums of D[m][n] in row order (bias gradients). */
static void col_sums(const float *D, int m, int n, float *out)
{
    for (int j = 0; j < n; j++) out[j] = 0.0f;
    for (int r = 0; r < m; r++) {
        const float *row = D + (size_t)r * n;
        for (int j = 0; j < n; j++) out[j] += row[j];
    }
}

void critic_backward(const critic_t *c, const float *p, const float *x, size_t ldx, int m,
                     critic_work_t *w, float *grad)
{
    SAMARL_ASSERT(m >= 1 && m <= w->cap);
    const int H = c->hidden;
    const size_t n = (size_t)m * (size_t)H;
    /* Output layer: dw3 = A2^T dv, db3 = sum dv. */
    linalg_sgemv(1, m, H, 1.0f, w->a2, H, w->dv, 0.0f, grad + c->ow3);
    float s = 0.0f;
    for (int r = 0; r < m; r++) s += w->dv[r];
    grad[c->ob3] = s;
    /* Second hidden layer: D2 = (dv w3^T) .* (1 - A2^2). */
    const float *w3 = p + c->ow3;
    for (int r = 0; r < m; r++) {
        const float *a = w->a2 + (size_t)r * H;
        float *d = w->d2 + (size_t)r * H;
        for (int j = 0; j < H; j++) d[j] = w->dv[r] * w3[j] * (1.0f - a[j] * a[j]);
    }
    linalg_sgemm(1, 0, H, H, m, 1.0f, w->a1, H, w->d2, H, 0.0f, grad + c->oW2, H);
    col_sums(w->d2, m, H, grad + c->ob2);
    /* First hidden layer: D1 = (D2 W2^T) .* (1 - A1^2). */
    linalg_sgemm(0, 1, m, H, H, 1.0f, w->d2, H, p + c->oW2, H, 0.0f, w->d1, H);
    for (size_t q = 0; q < n; q++) w->d1[q] *= 1.0f - w->a1[q] * w->a1[q];
    linalg_sgemm(1, 0, c->in, H, m, 1.0f, x, (int)ldx, w->d1, H, 0.0f, grad + c->oW1, H);
    col_sums(w->d1, m, H, grad + c->ob1);
}
