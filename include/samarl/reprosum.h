/* Reproducible global sums: exact fixed-point accumulation of doubles.
 *
 * A double is m * 2^e with a 53-bit integer m and -1074 <= e <= 971, so every
 * double is an integer multiple of 2^-1074 below 2^1024. The accumulator keeps
 * that integer exactly, in 32-bit digits held in int64 words (so 2^30 additions
 * fit before carries must be propagated). Integer addition is associative:
 * the sum is exact, hence the same bits for any order of the terms and any
 * number of ranks. The final rounding to double is correct (nearest, ties to
 * even). Infinities and NaNs are counted and give inf/NaN as IEEE would. */
#ifndef SAMARL_REPROSUM_H
#define SAMARL_REPROSUM_H

#include <stddef.h>
#include <stdint.h>

#define REPROSUM_DIGITS 68                   /* 68 x 32 bits covers 2^-1074 .. 2^1102 */
#define REPROSUM_WORDS (REPROSUM_DIGITS + 3) /* + counts of +inf, -inf, NaN */

typedef struct {
    int64_t w[REPROSUM_WORDS]; /* digits, then the three non-finite counts */
    int64_t pending;           /* additions since the last carry propagation */
} reprosum_t;

void reprosum_init(reprosum_t *s);
void reprosum_add(reprosum_t *s, double x);
void reprosum_add_array(reprosum_t *s, const double *x, size_t n);
/* Add (x[i] - shift)^2 for i < n: the squared deviations used by norms. */
void reprosum_add_sqdev(reprosum_t *s, const double *x, size_t n, double shift);
/* Merge b into a (exact). */
void reprosum_merge(reprosum_t *a, const reprosum_t *b);
/* The exact sum rounded to the nearest double. Not collective. */
double reprosum_value(reprosum_t *s);
/* Collective. Sum n accumulators over all ranks, in place, in one reduction. */
void reprosum_allreduce(reprosum_t *s, int n);
/* Collective. Reproducible sum of x[0..n) over all ranks. */
double reprosum_global(const double *x, size_t n);
/* Collective. Reproducible sum of (x[i] - shift)^2 over all ranks. */
double reprosum_global_sqdev(const double *x, size_t n, double shift);

/* A fast exact accumulator for floats, for the hot loops (a few adds per
 * agent-step). A float is m * 2^(E - 150) with a 24-bit integer m and an
 * 8-bit exponent field E, so it is exact to add m into a 64-bit bucket per
 * E: a shift, a mask and an add, against the 3-digit carry-save add of a
 * double. Bucket sums are exact for up to 2^39 terms between init and
 * addto (not counted, to keep the add short: the caller bounds them, e.g.
 * by a rank's agents, fewer than 2^31); the non-finite are counted.
 * reprosum_f_addto puts scale x (the exact sum) into a reprosum_t, so the
 * result has the bits of adding (double)scale * (double)x_i term by term:
 * a product of two floats is exact in a double. */
#define REPROSUM_F_MAX_TERMS ((int64_t)1 << 39)

typedef struct {
    int64_t m[256];       /* signed mantissa sums by exponent field */
    int64_t nonfinite[3]; /* +inf, -inf, NaN */
} reprosum_f_t;

void reprosum_f_init(reprosum_f_t *f);
/* s += scale * (the exact sum of f), scale finite. Not collective. */
void reprosum_f_addto(const reprosum_f_t *f, float scale, reprosum_t *s);

static inline void reprosum_f_add(reprosum_f_t *f, float x)
{
    union {
        float f;
        uint32_t u;
    } b = {.f = x};
    const uint32_t e = (b.u >> 23) & 0xffu;
    if (e == 0xffu) {
        f->nonfinite[(b.u & 0x7fffffu) ? 2 : (b.u >> 31)]++;
        return;
    }
    const int64_t m = (int64_t)((b.u & 0x7fffffu) | (e ? 0x800000u : 0u));
    f->m[e] += (b.u >> 31) ? -m : m;
}

/* Exact sums of float vectors (gradients summed over agents and ranks):
 * fixed point. Each entry g is clamped to +-2^30 and split exactly into its
 * integer part t (towards zero) and the rest g - t in (-1, 1), which is
 * quantised to the grid; both parts are added as integers in int64
 * accumulators (exact for up to 2^30 additions in all), so the sum has the
 * same bits whatever the order of the additions and the number of ranks.
 * Two grids are in use, each trainer's since it was written, so that a
 * training keeps its bits: */
typedef enum {
    FXSUM_TRUNC_31,   /* towards zero to a multiple of 2^-31; NaN as +2^30 (mappo-l) */
    FXSUM_NEAREST_32, /* to the nearest multiple of 2^-32; NaN as -2^30 (ppo) */
} fxsum_grid_t;

typedef struct fxsum {
    size_t n;
    fxsum_grid_t grid;
    int bits;         /* the grid is 2^-bits */
    int64_t *lo, *hi; /* [n] each, adjacent: one all-reduce of 2n */
    int64_t clamps;   /* entries clamped since the last look */
} fxsum_t;

void fxsum_init(fxsum_t *x, size_t n, fxsum_grid_t grid);
void fxsum_free(fxsum_t *x);
/* Add g[0..n). */
void fxsum_add(fxsum_t *x, const float *g);
/* Collective. out[k] = (sum of every rank's additions) / count, rounded
 * once; resets the sums. */
void fxsum_reduce(fxsum_t *x, float *out, double count);

#endif
