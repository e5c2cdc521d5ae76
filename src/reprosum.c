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
    const int64_t sm = (int64_t)ldexp(fr, 24);    /* exact: floats have 24 bits */
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
