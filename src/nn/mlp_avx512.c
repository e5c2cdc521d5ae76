/* The MLP's forward and backward passes as AVX-512 kernels (see policy.h).
 *
 * Batches are feature-major: feature f of sample s is at X[f * ld + s], so
 * one 512-bit register holds one feature of 16 samples and every layer is a
 * run of broadcast-weight FMAs into register accumulators, with the bias,
 * tanh and tanh' applied while the results are still in registers. There is
 * no packing, no call per layer into a library and no pass over memory per
 * element-wise step: at the network sizes of this product (6 inputs, 32
 * hidden units, a handful of outputs) those, not the multiply-adds, were
 * what the SGEMM path spent its time on.
 *
 * Lanes are independent in the forward pass (a sample's output never
 * depends on the samples beside it); the weight gradients reduce over lanes
 * in a fixed order. Batches are processed in whole blocks of 16; the caller
 * pads ld to a multiple of 16, and the backward pass zeroes the padding
 * lanes of dout so that they add nothing. */
#include "samarl/policy.h"

#include <string.h>

#include "samarl/error.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define HAVE_AVX512_KERNEL 1
#include <immintrin.h>

#define TGT __attribute__((target("avx512f,avx512dq,fma")))
#define INLINE static inline __attribute__((always_inline)) TGT

/* The rational tanh of fastmath.h's tanh_f, with fused multiply-adds and
 * the division as a reciprocal estimate (14 bits) refined by one Newton
 * step (to about 2^-26 relative): a 512-bit division costs more than all
 * the multiply-adds of a layer's output. */
INLINE __m512 tanh16(__m512 x)
{
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-7.9f)), _mm512_set1_ps(7.9f));
    const __m512 x2 = _mm512_mul_ps(x, x);
    __m512 p = _mm512_set1_ps(2.772614430e-11f);
    p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(-1.616909806e-08f));
    p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(1.032498585e-05f));
    p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(3.032194683e-03f));
    p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(1.302155107e-01f));
    p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(1.0f));
    __m512 q = _mm512_set1_ps(2.437507210e-04f);
    q = _mm512_fmadd_ps(q, x2, _mm512_set1_ps(2.421519719e-02f));
    q = _mm512_fmadd_ps(q, x2, _mm512_set1_ps(4.635488093e-01f));
    q = _mm512_fmadd_ps(q, x2, _mm512_set1_ps(1.0f));
    __m512 r = _mm512_rcp14_ps(q);
    r = _mm512_mul_ps(r, _mm512_fnmadd_ps(q, r, _mm512_set1_ps(2.0f)));
    return _mm512_mul_ps(_mm512_mul_ps(x, p), r);
}

enum { OUT_LINEAR, OUT_TANH, OUT_DTANH };

/* NB outputs c (rows of Y) over SB blocks of 16 lanes from s0:
 *   v[c][s] = bias[c] + sum_k W[k * wk + c] X[k][s]   (bias may be NULL)
 * stored as v, tanh v, or v (1 - A[c][s]^2) (A: the layer's tanh output,
 * which makes v the gradient before the activation). */
INLINE void dense_block(const float *X, size_t ld, int K, const float *W, size_t wk,
                        const float *bias, float *Y, const float *A, int mode, int NB, int SB,
                        size_t s0)
{
    __m512 acc[2][16];
#pragma GCC unroll 16
    for (int c = 0; c < NB; c++)
#pragma GCC unroll 2
        for (int b = 0; b < SB; b++)
            acc[b][c] = bias ? _mm512_set1_ps(bias[c]) : _mm512_setzero_ps();
    for (int k = 0; k < K; k++) {
        __m512 xv[2];
#pragma GCC unroll 2
        for (int b = 0; b < SB; b++)
            xv[b] = _mm512_load_ps(X + (size_t)k * ld + s0 + 16 * (size_t)b);
        const float *w = W + (size_t)k * wk;
#pragma GCC unroll 16
        for (int c = 0; c < NB; c++) {
            const __m512 wv = _mm512_set1_ps(w[c]);
#pragma GCC unroll 2
            for (int b = 0; b < SB; b++) acc[b][c] = _mm512_fmadd_ps(wv, xv[b], acc[b][c]);
        }
    }
#pragma GCC unroll 16
    for (int c = 0; c < NB; c++)
#pragma GCC unroll 2
        for (int b = 0; b < SB; b++) {
            const size_t o = (size_t)c * ld + s0 + 16 * (size_t)b;
            __m512 v = acc[b][c];
            if (mode == OUT_TANH) {
                v = tanh16(v);
            } else if (mode == OUT_DTANH) {
                const __m512 a = _mm512_load_ps(A + o);
                v = _mm512_mul_ps(v, _mm512_fnmadd_ps(a, a, _mm512_set1_ps(1.0f)));
            }
            _mm512_store_ps(Y + o, v);
        }
}

/* All lanes [0, mp) of the N outputs: chunks of 16 outputs, then the rest
 * with two lane blocks per pass when few outputs remain (enough independent
 * accumulators to hide the FMA latency). */
TGT static void dense(const float *X, size_t ld, int K, const float *W, size_t wk,
                      const float *bias, float *Y, const float *A, int mode, int N, size_t mp)
{
    for (int j0 = 0; j0 < N; j0 += 16) {
        const int nb = N - j0 < 16 ? N - j0 : 16;
        const float *Wj = W + j0, *bj = bias ? bias + j0 : NULL;
        float *Yj = Y + (size_t)j0 * ld;
        const float *Aj = A ? A + (size_t)j0 * ld : NULL;
        size_t s0 = 0;
#define DENSE(NB, SB) dense_block(X, ld, K, Wj, wk, bj, Yj, Aj, mode, NB, SB, s0)
#define WIDE(NB)                                                                                   \
    case NB:                                                                                       \
        for (; s0 + 32 <= mp; s0 += 32) DENSE(NB, 2);                                              \
        for (; s0 < mp; s0 += 16) DENSE(NB, 1);                                                    \
        break;
#define NARROW(NB)                                                                                 \
    case NB:                                                                                       \
        for (; s0 < mp; s0 += 16) DENSE(NB, 1);                                                    \
        break;
        /* clang-format cannot settle on a layout for these macro cases. */
        // clang-format off
        switch (nb) {
            WIDE(1) WIDE(2) WIDE(3) WIDE(4) WIDE(5) WIDE(6) WIDE(7) WIDE(8)
            NARROW(9) NARROW(10) NARROW(11) NARROW(12)
            NARROW(13) NARROW(14) NARROW(15) NARROW(16)
            default: SAMARL_ASSERT(0);
        }
        // clang-format on
#undef WIDE
#undef NARROW
#undef DENSE
    }
}

/* G[r * gr + c * gc] = sum over lanes [0, mp) of A[r][s] B[c][s], for r < R,
 * c < C, in 4 x 4 register tiles (rows past the end repeat the last row and
 * are not stored); db[c] = sum_s B[c][s] when db is not NULL. */
TGT static void outer_sum(const float *A, int R, const float *B, int C, size_t ld, size_t mp,
                          float *G, size_t gr, size_t gc, float *db)
{
    for (int r0 = 0; r0 < R; r0 += 4)
        for (int c0 = 0; c0 < C; c0 += 4) {
            const float *a[4], *b[4];
            for (int i = 0; i < 4; i++) {
                a[i] = A + (size_t)(r0 + i < R ? r0 + i : R - 1) * ld;
                b[i] = B + (size_t)(c0 + i < C ? c0 + i : C - 1) * ld;
            }
            __m512 acc[4][4];
#pragma GCC unroll 4
            for (int i = 0; i < 4; i++)
#pragma GCC unroll 4
                for (int j = 0; j < 4; j++) acc[i][j] = _mm512_setzero_ps();
            for (size_t s = 0; s < mp; s += 16) {
                __m512 av[4], bv[4];
#pragma GCC unroll 4
                for (int i = 0; i < 4; i++) {
                    av[i] = _mm512_load_ps(a[i] + s);
                    bv[i] = _mm512_load_ps(b[i] + s);
                }
#pragma GCC unroll 4
                for (int i = 0; i < 4; i++)
#pragma GCC unroll 4
                    for (int j = 0; j < 4; j++)
                        acc[i][j] = _mm512_fmadd_ps(av[i], bv[j], acc[i][j]);
            }
            for (int i = 0; i < 4 && r0 + i < R; i++)
                for (int j = 0; j < 4 && c0 + j < C; j++)
                    G[(size_t)(r0 + i) * gr + (size_t)(c0 + j) * gc] =
                        _mm512_reduce_add_ps(acc[i][j]);
        }
    if (!db) return;
    for (int c = 0; c < C; c++) {
        __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
        size_t s = 0;
        for (; s + 32 <= mp; s += 32) {
            s0 = _mm512_add_ps(s0, _mm512_load_ps(B + (size_t)c * ld + s));
            s1 = _mm512_add_ps(s1, _mm512_load_ps(B + (size_t)c * ld + s + 16));
        }
        if (s < mp) s0 = _mm512_add_ps(s0, _mm512_load_ps(B + (size_t)c * ld + s));
        db[c] = _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
    }
}

/* T[c][r] = W[r][c] for W[R][C]. */
static void transpose(const float *W, int R, int C, float *T)
{
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++) T[(size_t)c * R + r] = W[(size_t)r * C + c];
}

/* One sample (m = 1): the outputs lie along the lanes instead, because a
 * weight row W[k][0..N) is contiguous: y = bias + sum_k x[k] W[k][.], up to
 * 64 outputs per pass in masked registers. Every output is the same chain
 * of fused multiply-adds in the same order as in dense_block, and tanh16 is
 * lane-wise, so the results are bit-identical to the batched kernel's: a
 * sample acts the same alone or in a batch. This is the per-agent case at
 * execution (one network, one copy): ~N K / 16 instead of ~N K
 * multiply-add instructions. */
INLINE void dense1(const float *x, int K, const float *W, size_t wk, const float *bias, float *y,
                   int N, int act)
{
    for (int j0 = 0; j0 < N; j0 += 64) {
        const int n = N - j0 < 64 ? N - j0 : 64, nch = (n + 15) / 16;
        __mmask16 mk[4];
        __m512 acc[4];
#pragma GCC unroll 4
        for (int c = 0; c < 4; c++) {
            const int left = n - 16 * c;
            mk[c] = left >= 16 ? (__mmask16)0xFFFF : left > 0 ? (__mmask16)((1u << left) - 1) : 0;
            acc[c] = _mm512_maskz_loadu_ps(mk[c], bias + j0 + 16 * c);
        }
        for (int k = 0; k < K; k++) {
            const __m512 xb = _mm512_set1_ps(x[k]);
            const float *w = W + (size_t)k * wk + j0;
#pragma GCC unroll 4
            for (int c = 0; c < 4; c++)
                if (c < nch)
                    acc[c] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mk[c], w + 16 * c), xb, acc[c]);
        }
#pragma GCC unroll 4
        for (int c = 0; c < 4; c++)
            if (c < nch)
                _mm512_mask_storeu_ps(y + j0 + 16 * c, mk[c], act ? tanh16(acc[c]) : acc[c]);
    }
}

/* The batched kernel's product is fmadd(w, x, acc) = w x + acc; dense1's
 * fmadd(W row, x, acc) is the same product, rounded once, in the same order. */
TGT static void forward1(const mlp_t *net, const float *p, mlp_work_t *w, size_t s, int keep)
{
    enum { MAXW = 1024 };
    const size_t ld = (size_t)w->ld;
    const int H = net->hidden, O = net->out;
    float x[MAXW], h1[MAXW], h2[MAXW], o[MAXW];
    for (int k = 0; k < net->in; k++) x[k] = w->x[(size_t)k * ld + s];
    dense1(x, net->in, p + net->oW1, (size_t)H, p + net->ob1, h1, H, 1);
    dense1(h1, H, p + net->oW2, (size_t)H, p + net->ob2, h2, H, 1);
    dense1(h2, H, p + net->oWh, (size_t)O, p + net->obh, o, O, 0);
    if (keep)
        for (int c = 0; c < H; c++) {
            w->a1[(size_t)c * ld + s] = h1[c];
            w->a2[(size_t)c * ld + s] = h2[c];
        }
    for (int c = 0; c < O; c++) w->out[(size_t)c * ld + s] = o[c];
}

static int fits1(const mlp_t *net)
{
    return net->in <= 1024 && net->hidden <= 1024 && net->out <= 1024;
}

TGT void mlp_forward1_avx512(const mlp_t *net, const float *p, mlp_work_t *w, int s)
{
    SAMARL_ASSERT(fits1(net));
    forward1(net, p, w, (size_t)s, 0);
}

TGT void mlp_forward_avx512(const mlp_t *net, const float *p, int m, mlp_work_t *w)
{
    if (m == 1 && fits1(net)) {
        forward1(net, p, w, 0, 1);
        return;
    }
    const size_t ld = (size_t)w->ld, mp = ((size_t)m + 15) / 16 * 16;
    const int H = net->hidden;
    dense(w->x, ld, net->in, p + net->oW1, (size_t)H, p + net->ob1, w->a1, NULL, OUT_TANH, H, mp);
    dense(w->a1, ld, H, p + net->oW2, (size_t)H, p + net->ob2, w->a2, NULL, OUT_TANH, H, mp);
    dense(w->a2, ld, H, p + net->oWh, (size_t)net->out, p + net->obh, w->out, NULL, OUT_LINEAR,
          net->out, mp);
}

TGT void mlp_backward_avx512(const mlp_t *net, const float *p, int m, mlp_work_t *w, float *grad)
{
    const size_t ld = (size_t)w->ld, mp = ((size_t)m + 15) / 16 * 16;
    const int H = net->hidden, O = net->out;
    for (int j = 0; j < O; j++)
        for (size_t s = (size_t)m; s < mp; s++) w->dout[(size_t)j * ld + s] = 0.0f;
    /* Head: dWh = a2 dout^T; d2 = (Wh dout) (1 - a2^2), with Wh transposed
     * so that the broadcast weights of one input are contiguous. */
    outer_sum(w->a2, H, w->dout, O, ld, mp, grad + net->oWh, (size_t)O, 1, grad + net->obh);
    transpose(p + net->oWh, H, O, w->wt);
    dense(w->dout, ld, O, w->wt, (size_t)H, NULL, w->d2, w->a2, OUT_DTANH, H, mp);
    outer_sum(w->a1, H, w->d2, H, ld, mp, grad + net->oW2, (size_t)H, 1, grad + net->ob2);
    transpose(p + net->oW2, H, H, w->wt);
    dense(w->d2, ld, H, w->wt, (size_t)H, NULL, w->d1, w->a1, OUT_DTANH, H, mp);
    outer_sum(w->x, net->in, w->d1, H, ld, mp, grad + net->oW1, (size_t)H, 1, grad + net->ob1);
}

#else /* no AVX-512 kernel in this build */

void mlp_forward_avx512(const mlp_t *net, const float *p, int m, mlp_work_t *w)
{
    (void)net, (void)p, (void)m, (void)w;
    SAMARL_FATAL("internal error: AVX-512 kernel not built");
}
void mlp_backward_avx512(const mlp_t *net, const float *p, int m, mlp_work_t *w, float *grad)
{
    (void)net, (void)p, (void)m, (void)w, (void)grad;
    SAMARL_FATAL("internal error: AVX-512 kernel not built");
}
void mlp_forward1_avx512(const mlp_t *net, const float *p, mlp_work_t *w, int s)
{
    (void)net, (void)p, (void)w, (void)s;
    SAMARL_FATAL("internal error: AVX-512 kernel not built");
}
#endif
