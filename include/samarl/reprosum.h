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

#endif
