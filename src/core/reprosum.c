/* Reproducible global sums by exact fixed-point accumulation (see reprosum.h). */
#include "samarl/reprosum.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/error.h"

enum { POS_INF = REPROSUM_DIGITS, NEG_INF, NAN_COUNT };
#define DIGIT_BASE 4294967296.0 /* 2^32 */
#define NORMALISE_EVERY ((int64_t)1 << 29)

void reprosum_init(reprosum_t *s)
{
    memset(s, 0, sizeof *s);
}

/* Propagate carries so digits 0..D-2 lie in [0, 2^32); the top digit keeps
 * the sign. Exact. */
static void normalise(reprosum_t *s)
{
    int64_t *d = s->w;
    for (int j = 0; j < REPROSUM_DIGITS - 1; j++) {
        int64_t carry = d[j] >> 32; /* floor division by 2^32 */
        d[j] -= carry * ((int64_t)1 << 32);
        d[j + 1] += carry;
    }
    s->pending = 0;
}

static inline void add_one(int64_t *d, double x)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int e = (int)((bits >> 52) & 0x7ff);
    uint64_t m = bits & ((UINT64_C(1) << 52) - 1);
    int neg = (int)(bits >> 63);
    if (e == 0x7ff) {
        d[m ? NAN_COUNT : (neg ? NEG_INF : POS_INF)] += 1;
        return;
    }
    int p = 0; /* position of m's lowest bit above 2^-1074 */
    if (e) {
        m |= UINT64_C(1) << 52;
        p = e - 1;
    }
    unsigned __int128 v = (unsigned __int128)m << (p & 31);
    int k = p >> 5;
    int64_t a0 = (int64_t)(uint32_t)v, a1 = (int64_t)(uint32_t)(v >> 32),
            a2 = (int64_t)(uint32_t)(v >> 64);
    if (neg) {
        d[k] -= a0;
        d[k + 1] -= a1;
        d[k + 2] -= a2;
    } else {
        d[k] += a0;
        d[k + 1] += a1;
        d[k + 2] += a2;
    }
}

void reprosum_add(reprosum_t *s, double x)
{
    if (s->pending >= NORMALISE_EVERY) normalise(s);
    add_one(s->w, x);
    s->pending++;
}

void reprosum_add_array(reprosum_t *s, const double *x, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (s->pending >= NORMALISE_EVERY) normalise(s);
        size_t room = (size_t)(NORMALISE_EVERY - s->pending);
        size_t end = n - i < room ? n : i + room;
        s->pending += (int64_t)(end - i);
        for (; i < end; i++) add_one(s->w, x[i]);
    }
}

void reprosum_add_sqdev(reprosum_t *s, const double *x, size_t n, double shift)
{
    for (size_t i = 0; i < n; i++) {
        double t = x[i] - shift;
        reprosum_add(s, t * t);
    }
}

void reprosum_merge(reprosum_t *a, const reprosum_t *b)
{
    reprosum_t bb = *b;
    normalise(a);
    normalise(&bb);
    for (int j = 0; j < REPROSUM_WORDS; j++) a->w[j] += bb.w[j];
    a->pending = 2;
}

double reprosum_value(reprosum_t *s)
{
    normalise(s);
    const int64_t *w = s->w;
    if (w[NAN_COUNT] || (w[POS_INF] && w[NEG_INF])) return NAN;
    if (w[POS_INF]) return INFINITY;
    if (w[NEG_INF]) return -INFINITY;

    int64_t d[REPROSUM_DIGITS];
    memcpy(d, w, sizeof d);
    double sign = 1.0;
    if (d[REPROSUM_DIGITS - 1] < 0) { /* negative total: take the magnitude */
        sign = -1.0;
        for (int j = 0; j < REPROSUM_DIGITS; j++) d[j] = -d[j];
        for (int j = 0; j < REPROSUM_DIGITS - 1; j++) {
            int64_t carry = d[j] >> 32;
            d[j] -= carry * ((int64_t)1 << 32);
            d[j + 1] += carry;
        }
    }
    int t = REPROSUM_DIGITS - 1;
    while (t >= 0 && d[t] == 0) t--;
    if (t < 0) return 0.0;
    /* The top three digits hold >= 65 significant bits; a sticky bit stands
     * for everything below, so converting to double rounds correctly. */
    unsigned __int128 m = 0;
    int lo = t - 2 < 0 ? 0 : t - 2;
    for (int j = t; j >= lo; j--) m = (m << 32) | (uint64_t)d[j];
    for (int j = lo - 1; j >= 0; j--) {
        if (d[j]) {
            m |= 1;
            break;
        }
    }
    return sign * ldexp((double)m, 32 * lo - 1074);
}

void reprosum_allreduce(reprosum_t *s, int n)
{
    int64_t *buf = XNEW(int64_t, (size_t)n * REPROSUM_WORDS);
    for (int i = 0; i < n; i++) {
        normalise(&s[i]);
        memcpy(buf + (size_t)i * REPROSUM_WORDS, s[i].w, sizeof s[i].w);
    }
    comm_allreduce_int64(buf, (size_t)n * REPROSUM_WORDS, COMM_SUM);
    for (int i = 0; i < n; i++) {
        memcpy(s[i].w, buf + (size_t)i * REPROSUM_WORDS, sizeof s[i].w);
        s[i].pending = NORMALISE_EVERY; /* digits may exceed 2^32: normalise first */
    }
    free(buf);
}

double reprosum_global(const double *x, size_t n)
{
    reprosum_t s;
    reprosum_init(&s);
    reprosum_add_array(&s, x, n);
    reprosum_allreduce(&s, 1);
    return reprosum_value(&s);
}

double reprosum_global_sqdev(const double *x, size_t n, double shift)
{
    reprosum_t s;
    reprosum_init(&s);
    reprosum_add_sqdev(&s, x, n, shift);
    reprosum_allreduce(&s, 1);
    return reprosum_value(&s);
}

/* ---- exact float accumulation (reprosum.h) ------------------------------- */

void reprosum_f_init(reprosum_f_t *f)
{
    memset(f, 0, sizeof *f);
}

void reprosum_f_addto(const reprosum_f_t *f, float scale, reprosum_t *s)
{
    SAMARL_ASSERT(isfinite(scale));
    /* Non-finite terms: what the term-by-term products give. */
    static const float nf[3] = {INFINITY, -INFINITY, NAN};
    for (int k = 0; k < 3; k++)
        if (f->nonfinite[k]) {
            double v = (double)scale * (double)nf[k];
            s->w[isnan(v) ? NAN_COUNT : (v > 0 ? POS_INF : NEG_INF)] += f->nonfinite[k];
        }
    if (scale == 0.0f) return;
    /* scale = sm 2^se with a 24-bit integer sm. */
    int se;
    const double fr = frexp((double)scale, &se); /* |fr| in [0.5, 1) */
    const int64_t sm = (int64_t)ldexp(fr, 24);   /* exact: floats have 24 bits */
    se -= 24;
    for (int e = 0; e < 255; e++) {
        const int64_t M = f->m[e];
        if (!M) continue;
        const int p = (e ? e : 1) - 150 + se;
        /* M in three 21-bit pieces, so that sm * piece < 2^45 is exact. */
        const int64_t lo = M & ((1 << 21) - 1), mid = (M >> 21) & ((1 << 21) - 1), hi = M >> 42;
        reprosum_add(s, ldexp((double)(sm * lo), p));
        reprosum_add(s, ldexp((double)(sm * mid), p + 21));
        reprosum_add(s, ldexp((double)(sm * hi), p + 42));
    }
}

/* ---- exact sums of float vectors (reprosum.h) ------------------------------ */

void fxsum_init(fxsum_t *x, size_t n, fxsum_grid_t grid)
{
    x->n = n;
    x->grid = grid;
    x->bits = grid == FXSUM_NEAREST_32 ? 32 : 31;
    x->lo = xcalloc(2 * n, sizeof(int64_t));
    x->hi = x->lo + n;
    x->clamps = 0;
}

void fxsum_free(fxsum_t *x)
{
    free(x->lo);
    memset(x, 0, sizeof *x);
}

/* The critic's gradient has (6N + 6) H entries per agent: this loop runs
 * N times per minibatch, so it is written to vectorise (int32 conversions
 * only, which AVX2 and AVX-512F have; every clone gives the same bits). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default"), optimize("O3", "no-trapping-math")))
#endif
static int64_t
trunc31_kernel(size_t n, const float *restrict g, int64_t *restrict lo, int64_t *restrict hi)
{
    int64_t clamps = 0;
    for (size_t k = 0; k < n; k++) {
        const float v0 = g[k];
        float v = v0 <= 0x1p30f ? v0 : 0x1p30f; /* NaN counts as +max */
        v = v >= -0x1p30f ? v : -0x1p30f;
        clamps += v != v0;
        /* cppcheck 2.10 misreads hex float literals (0x1p30f): |v| <= 2^30 here. */
        // cppcheck-suppress floatConversionOverflow
        const int32_t t = (int32_t)v; /* v truncated towards zero */
        hi[k] += t;
        /* v - t is exact (Sterbenz: t and v within a factor 2 unless t = 0)
         * and in (-1, 1), so its 2^-31 multiples fit an int32. */
        // cppcheck-suppress floatConversionOverflow ; see above
        lo[k] += (int32_t)((v - (float)t) * 0x1p31f);
    }
    return clamps;
}

/* llrint(v 2^32) = t 2^32 + llrint((v - t) 2^32): t 2^32 is an even
 * integer, so rounding to nearest (ties to even) commutes with adding it,
 * and both products are exact (powers of two). */
static int64_t nearest32_kernel(size_t n, const float *restrict g, int64_t *restrict lo,
                                int64_t *restrict hi)
{
    int64_t clamps = 0;
    for (size_t k = 0; k < n; k++) {
        float v = g[k];
        // cppcheck-suppress incorrectLogicOperator ; cppcheck 2.10 misreads 0x1p30f (NaN check)
        if (!(v <= 0x1p30f && v >= -0x1p30f)) {
            v = v > 0 ? 0x1p30f : -0x1p30f; /* NaN counts as -max */
            clamps++;
        }
        // cppcheck-suppress floatConversionOverflow ; |v| <= 2^30 here
        const int32_t t = (int32_t)v;
        hi[k] += t;
        lo[k] += llrintf((v - (float)t) * 0x1p32f);
    }
    return clamps;
}

void fxsum_add(fxsum_t *x, const float *g)
{
    x->clamps += x->grid == FXSUM_NEAREST_32 ? nearest32_kernel(x->n, g, x->lo, x->hi)
                                             : trunc31_kernel(x->n, g, x->lo, x->hi);
}

void fxsum_reduce(fxsum_t *x, float *out, double count)
{
    const size_t n = x->n;
    const double ulp = ldexp(1.0, -x->bits);
    comm_allreduce_int64(x->lo, 2 * n, COMM_SUM);
    for (size_t k = 0; k < n; k++) {
        /* Multiplied, not shifted: hi may be negative. */
        const __int128 a = (__int128)x->hi[k] * ((__int128)1 << x->bits) + (__int128)x->lo[k];
        out[k] = (float)((double)a * ulp / count);
        x->lo[k] = x->hi[k] = 0;
    }
}
