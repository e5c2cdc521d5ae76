/* Small dense tanh networks (tmlp.h). */
#include "samarl/tmlp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/error.h"
#include "samarl/fastmath.h"
#include "samarl/rng.h"

void tmlp_shape(tmlp_t *t, int in, int hidden, int out)
{
    SAMARL_ASSERT(in >= 1 && hidden >= 1 && hidden <= TMLP_MAX_HIDDEN && out >= 1);
    t->in = in;
    t->hidden = hidden;
    t->out = out;
    const size_t I = (size_t)in, H = (size_t)hidden, O = (size_t)out;
    t->w1 = 0;
    t->b1 = I * H;
    t->w2 = t->b1 + H;
    t->b2 = t->w2 + H * H;
    t->w3 = t->b2 + H;
    t->b3 = t->w3 + H * O;
    t->n_params = t->b3 + O;
}

void tmlp_init(const tmlp_t *t, float *p, uint64_t seed, uint32_t stream, uint64_t key)
{
    const size_t start[3] = {t->w1, t->w2, t->w3}, end[3] = {t->w2, t->w3, t->n_params};
    const int fan_in[3] = {t->in, t->hidden, t->hidden};
    for (int l = 0; l < 3; l++) {
        const double bound = 1.0 / sqrt((double)fan_in[l]);
        for (size_t q = start[l]; q < end[l]; q++)
            p[q] = (float)(bound * (2.0 * rng_uniform(seed, stream, key, q) - 1.0));
    }
}

/* y[m] = b[m] + sum_i x[i] W[i][m], in the order of i: every width gives
 * the same bits; the common widths keep their sums in registers. */
#define DENSE_FIXED(N)                                                                             \
    static void dense##N(const float *restrict x, int in, const float *restrict W,                 \
                         const float *restrict b, float *restrict y)                               \
    {                                                                                              \
        float acc[N];                                                                              \
        for (int m = 0; m < N; m++) acc[m] = b[m];                                                 \
        for (int i = 0; i < in; i++) {                                                             \
            const float xi = x[i];                                                                 \
            for (int m = 0; m < N; m++) acc[m] += xi * W[(size_t)i * N + (size_t)m];               \
        }                                                                                          \
        for (int m = 0; m < N; m++) y[m] = acc[m];                                                 \
    }
DENSE_FIXED(16)
DENSE_FIXED(32)
DENSE_FIXED(64)

static void dense(const float *restrict x, int in, const float *restrict W, const float *restrict b,
                  int out, float *restrict y)
{
    if (out == 64) return dense64(x, in, W, b, y);
    if (out == 32) return dense32(x, in, W, b, y);
    if (out == 16) return dense16(x, in, W, b, y);
    for (int m = 0; m < out; m++) y[m] = b[m];
    for (int i = 0; i < in; i++) {
        const float xi = x[i];
        const float *w = W + (size_t)i * (size_t)out;
        for (int m = 0; m < out; m++) y[m] += xi * w[m];
    }
}

void tmlp_forward(const tmlp_t *t, const float *p, int64_t n, const float *x, float *h1, float *h2,
                  float *y)
{
    const int I = t->in, H = t->hidden, O = t->out;
    float a1[TMLP_MAX_HIDDEN], a2[TMLP_MAX_HIDDEN];
    for (int64_t s = 0; s < n; s++) {
        float *u1 = h1 ? h1 + s * H : a1, *u2 = h2 ? h2 + s * H : a2;
        dense(x + s * I, I, p + t->w1, p + t->b1, H, u1);
        for (int j = 0; j < H; j++) u1[j] = tanh_f(u1[j]);
        dense(u1, H, p + t->w2, p + t->b2, H, u2);
        for (int j = 0; j < H; j++) u2[j] = tanh_f(u2[j]);
        dense(u2, H, p + t->w3, p + t->b3, O, y + s * O);
    }
}

void tmlp_backward(const tmlp_t *t, const float *p, int64_t n, const float *x, const float *h1,
                   const float *h2, const double *dy, double *g)
{
    const int I = t->in, H = t->hidden, O = t->out;
    double d1[TMLP_MAX_HIDDEN], d2[TMLP_MAX_HIDDEN];
    const float *W2 = p + t->w2, *W3 = p + t->w3;
    for (int64_t s = 0; s < n; s++) {
        const float *xs = x + s * I, *u1 = h1 + s * H, *u2 = h2 + s * H;
        const double *e = dy + s * O;
        for (int i = 0; i < H; i++) {
            double acc = 0;
            for (int m = 0; m < O; m++) {
                g[t->w3 + (size_t)i * O + m] += (double)u2[i] * e[m];
                acc += (double)W3[(size_t)i * O + m] * e[m];
            }
            d2[i] = acc * (1.0 - (double)u2[i] * u2[i]);
        }
        for (int m = 0; m < O; m++) g[t->b3 + m] += e[m];
        for (int i = 0; i < H; i++) {
            double acc = 0;
            for (int j = 0; j < H; j++) {
                g[t->w2 + (size_t)i * H + j] += (double)u1[i] * d2[j];
                acc += (double)W2[(size_t)i * H + j] * d2[j];
            }
            d1[i] = acc * (1.0 - (double)u1[i] * u1[i]);
        }
        for (int j = 0; j < H; j++) g[t->b2 + j] += d2[j];
        for (int i = 0; i < I; i++)
            for (int j = 0; j < H; j++) g[t->w1 + (size_t)i * H + j] += (double)xs[i] * d1[j];
        for (int j = 0; j < H; j++) g[t->b1 + j] += d1[j];
    }
}

void tmlp_jvp(const tmlp_t *t, const float *p, int64_t n, const float *x, const float *h1,
              const float *h2, const double *v, double *jy)
{
    const int I = t->in, H = t->hidden, O = t->out;
    double z1[TMLP_MAX_HIDDEN], z2[TMLP_MAX_HIDDEN];
    const float *W2 = p + t->w2, *W3 = p + t->w3;
    for (int64_t s = 0; s < n; s++) {
        const float *xs = x + s * I, *u1 = h1 + s * H, *u2 = h2 + s * H;
        for (int j = 0; j < H; j++) z1[j] = v[t->b1 + j];
        for (int i = 0; i < I; i++)
            for (int j = 0; j < H; j++) z1[j] += (double)xs[i] * v[t->w1 + (size_t)i * H + j];
        for (int j = 0; j < H; j++) z1[j] *= 1.0 - (double)u1[j] * u1[j];
        for (int j = 0; j < H; j++) z2[j] = v[t->b2 + j];
        for (int i = 0; i < H; i++)
            for (int j = 0; j < H; j++)
                z2[j] +=
                    z1[i] * W2[(size_t)i * H + j] + (double)u1[i] * v[t->w2 + (size_t)i * H + j];
        for (int j = 0; j < H; j++) z2[j] *= 1.0 - (double)u2[j] * u2[j];
        double *o = jy + s * O;
        for (int m = 0; m < O; m++) o[m] = v[t->b3 + m];
        for (int i = 0; i < H; i++)
            for (int m = 0; m < O; m++)
                o[m] +=
                    z2[i] * W3[(size_t)i * O + m] + (double)u2[i] * v[t->w3 + (size_t)i * O + m];
    }
}

void tmlp_adam(size_t n, float *p, const double *g, double *m, double *v, int64_t step, double lr)
{
    const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    const double c1 = 1.0 - pow(b1, (double)(step + 1)), c2 = 1.0 - pow(b2, (double)(step + 1));
    for (size_t q = 0; q < n; q++) {
        m[q] = b1 * m[q] + (1 - b1) * g[q];
        v[q] = b2 * v[q] + (1 - b2) * g[q] * g[q];
        p[q] = (float)((double)p[q] - lr / c1 * m[q] / (sqrt(v[q]) / sqrt(c2) + eps));
    }
}

void tmlp_clip(size_t n, double *g, double max_norm)
{
    double s = 0;
    for (size_t q = 0; q < n; q++) s += g[q] * g[q];
    const double coef = max_norm / (sqrt(s) + 1e-6); /* torch: scaled whenever below 1 */
    if (coef < 1.0)
        for (size_t q = 0; q < n; q++) g[q] *= coef;
}
