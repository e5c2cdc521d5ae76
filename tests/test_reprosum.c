/* Reproducible sums: exact on hard cases, independent of the order of the
 * terms and of the number of ranks (bit-identical), correctly rounded. */
#include <math.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/reprosum.h"
#include "samarl/rng.h"
#include "tap.h"

static double local_sum(const double *x, size_t n)
{
    reprosum_t s;
    reprosum_init(&s);
    reprosum_add_array(&s, x, n);
    return reprosum_value(&s);
}

/* fxsum on the 2^-32 grid (ppo's shared gradient) gives exactly the mean
 * of the entries rounded to the nearest multiple of 2^-32, clamped to
 * +-2^30 with NaN as -2^30, summed as one integer (the int128 sum ppo used
 * before fxsum): the same bits in any order and on any number of ranks. */
static void fxsum_nearest32(void)
{
    enum { NV = 9, NE = 8 };
    const float hard[NE] = {0x1p-33f, 3 * 0x1p-33f, -0x1p-33f, -1e-30f, 0.75f, 3e9f, NAN, -1.5f};
    float v[NV][NE];
    for (int j = 0; j < NV; j++)
        for (int k = 0; k < NE; k++)
            v[j][k] =
                k == j % NE ? hard[k] : (float)(8 * rng_uniform(7, RNG_STREAM_TEST, 40 + j, k) - 4);
    const int me = comm_rank(), np = comm_size();
    fxsum_t a;
    fxsum_init(&a, NE, FXSUM_NEAREST_32);
    for (int j = NV - 1; j >= 0; j--)
        if (j % np == me) fxsum_add(&a, v[j]);
    int64_t clamps = a.clamps;
    comm_allreduce_int64(&clamps, 1, COMM_SUM);
    float out[NE];
    fxsum_reduce(&a, out, 3.0);
    int same = 1;
    for (int k = 0; k < NE; k++) {
        __int128 ref = 0;
        for (int j = 0; j < NV; j++) {
            float g = v[j][k];
            if (!(g <= 0x1p30f && g >= -0x1p30f)) g = g > 0 ? 0x1p30f : -0x1p30f;
            ref += (__int128)llrintf(g * 0x1p32f);
        }
        const float want = (float)((double)ref * 0x1p-32 / 3.0);
        same &= memcmp(&want, &out[k], sizeof want) == 0;
    }
    TAP_OK(same,
           "fxsum, 2^-32 grid: the bits of the int128 sum of llrint(g 2^32) (ties, "
           "tiny, clamped, NaN) on %d rank(s)",
           np);
    TAP_OK(clamps == 2, "fxsum, 2^-32 grid: 3e9 and NaN clamped (%lld)", (long long)clamps);
    fxsum_free(&a);
}

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    const int P = comm_size(), me = comm_rank();

    /* Exactness where naive summation fails. */
    double c1[] = {1e100, 1.0, -1e100};
    TAP_OK(local_sum(c1, 3) == 1.0, "1e100 + 1 - 1e100 = 1 exactly");
    double c2[] = {0.1, 0.2, -0.3};
    /* The doubles nearest 0.1, 0.2 and 0.3 differ by exactly 2^-55. */
    TAP_OK(local_sum(c2, 3) == 0x1p-55, "0.1 + 0.2 - 0.3 is the exact residue 2^-55 (%g)",
           local_sum(c2, 3));
    double c3[] = {0x1p-1074, 0x1p-1074, -0x1p-1074};
    TAP_OK(local_sum(c3, 3) == 0x1p-1074, "subnormals add exactly");
    double c4[] = {0x1.fffffffffffffp1023, 0x1.fffffffffffffp1023, -0x1.fffffffffffffp1023};
    TAP_OK(local_sum(c4, 3) == 0x1.fffffffffffffp1023,
           "no overflow in intermediate sums near DBL_MAX");
    double c5[] = {0x1.fffffffffffffp1023, 0x1.fffffffffffffp1023};
    TAP_OK(isinf(local_sum(c5, 2)) && local_sum(c5, 2) > 0, "a sum beyond DBL_MAX is +inf");
    double c6[] = {1.0, INFINITY, -INFINITY};
    TAP_OK(isnan(local_sum(c6, 3)), "inf - inf is NaN");
    double c7[] = {1.0, NAN};
    TAP_OK(isnan(local_sum(c7, 2)), "NaN propagates");
    double c8[] = {-3.5, 1.25, -0.75};
    TAP_OK(local_sum(c8, 3) == -3.0, "negative totals");
    TAP_OK(local_sum(NULL, 0) == 0.0 && !signbit(local_sum(NULL, 0)), "empty sum is +0");
    /* Correct rounding: 1 + 2^-53 + 2^-105 rounds up to 1 + 2^-52 (the tail
     * breaks the tie), while 1 + 2^-53 alone ties to even (1). */
    double c9[] = {1.0, 0x1p-53, 0x1p-105};
    double c10[] = {1.0, 0x1p-53};
    TAP_OK(local_sum(c9, 3) == 1.0 + 0x1p-52 && local_sum(c10, 2) == 1.0,
           "rounding to nearest, ties to even, sticky tail");

    /* Order independence on many random terms spanning 60 binades. */
    enum { N = 100003 };
    double *x = malloc(sizeof(double) * N), *y = malloc(sizeof(double) * N);
    for (int i = 0; i < N; i++) {
        double u[2];
        rng_uniform2(9, RNG_STREAM_TEST, (uint64_t)i, 0, u);
        x[i] = (u[0] - 0.5) * ldexp(1.0, (int)(u[1] * 60) - 30);
    }
    for (int i = 0; i < N; i++) y[i] = x[(int64_t)i * 7919 % N]; /* a permutation */
    double s1 = local_sum(x, N), s2 = local_sum(y, N);
    TAP_OK(tap_same_bits(s1, s2), "permuted terms give the same bits (%.17g)", s1);
    long double ref = 0;
    for (int i = 0; i < N; i++) ref += x[i];
    TAP_OK(tap_close(s1, (double)ref, 1e-12), "agrees with a long double sum (%.17g vs %.17Lg)", s1,
           ref);

    /* Across ranks: each rank adds a strided share; the global result has
     * the bits of the serial sum, whatever the number of ranks. */
    reprosum_t s;
    reprosum_init(&s);
    for (int i = me; i < N; i += P) reprosum_add(&s, x[i]);
    reprosum_allreduce(&s, 1);
    double g = reprosum_value(&s);
    TAP_OK(tap_same_bits(g, s1), "sum over %d ranks has the serial bits", P);

    /* Several accumulators in one reduction, and merge. */
    reprosum_t m[2];
    reprosum_init(&m[0]);
    reprosum_init(&m[1]);
    for (int i = me; i < N; i += P) {
        reprosum_add(&m[0], x[i]);
        reprosum_add(&m[1], -2.0 * x[i]);
    }
    reprosum_allreduce(m, 2);
    TAP_OK(tap_same_bits(reprosum_value(&m[0]), s1) && reprosum_value(&m[1]) == -2.0 * s1,
           "two accumulators reduced together");
    reprosum_t a, b;
    reprosum_init(&a);
    reprosum_init(&b);
    reprosum_add_array(&a, x, N / 2);
    reprosum_add_array(&b, x + N / 2, N - N / 2);
    reprosum_merge(&a, &b);
    TAP_OK(tap_same_bits(reprosum_value(&a), s1), "merge of two halves");

    /* Normalisation: more additions than a digit holds between carries. */
    reprosum_t big;
    reprosum_init(&big);
    for (int i = 0; i < (1 << 20); i++) reprosum_add(&big, 0x1.fffffffffffffp+31);
    TAP_OK(reprosum_value(&big) == 0x1.fffffffffffffp+31 * (double)(1 << 20),
           "2^20 additions of a large value carry correctly");
    /* Squared deviations: a block split over ranks has the serial bits. */
    reprosum_t q;
    reprosum_init(&q);
    reprosum_add_sqdev(&q, x, N, 0.5);
    double serial = reprosum_value(&q);
    int lo = (int)((int64_t)N * me / P), hi = (int)((int64_t)N * (me + 1) / P);
    TAP_OK(tap_same_bits(reprosum_global_sqdev(x + lo, (size_t)(hi - lo), 0.5), serial),
           "sum of squared deviations over %d ranks has the serial bits", P);

    /* Float accumulator: the bits of reprosum over the terms (scale 1) or
     * over the exact products scale * x_i, for floats over every binade,
     * subnormals included, in any split over ranks. */
    enum { NF = 200003 };
    float *xf = malloc(sizeof(float) * NF);
    for (int i = 0; i < NF; i++) {
        double u[2];
        rng_uniform2(11, RNG_STREAM_TEST, (uint64_t)i, 0, u);
        const int e = (int)(u[1] * 280) - 150; /* 2^-150 .. 2^130: subnormal to overflow */
        float v = (float)ldexp(u[0] - 0.5, e);
        xf[i] = i % 97 == 0 ? 0.0f : (i % 89 == 0 ? -0.0f : v);
    }
    xf[5] = 0x1p-149f; /* smallest subnormal */
    xf[6] = -0x1.fffffep127f;
    const float scales[] = {1.0f, 0.54f, 0x1p-149f, -3.25f, 0.0f, 0x1.fffffep127f};
    for (int k = 0; k < 6; k++) {
        const float sc = scales[k];
        reprosum_t ref, got;
        reprosum_init(&ref);
        reprosum_init(&got);
        for (int i = 0; i < NF; i++) reprosum_add(&ref, (double)sc * (double)xf[i]);
        reprosum_f_t f;
        reprosum_f_init(&f);
        for (int i = me; i < NF; i += P) reprosum_f_add(&f, xf[i]);
        reprosum_f_addto(&f, sc, &got);
        reprosum_allreduce(&got, 1);
        const double r = reprosum_value(&ref), gv = reprosum_value(&got);
        TAP_OK(tap_same_bits(r, gv), "float accumulator x %a over %d ranks: %.17g, reference %.17g",
               (double)sc, P, gv, r);
    }
    /* 2^20 terms of the largest mantissa into one bucket, and cancellation. */
    reprosum_f_t fb;
    reprosum_f_init(&fb);
    for (int i = 0; i < (1 << 20); i++) reprosum_f_add(&fb, 0x1.fffffep+3f);
    reprosum_f_add(&fb, 1e-30f);
    for (int i = 0; i < (1 << 20); i++) reprosum_f_add(&fb, -0x1.fffffep+3f);
    reprosum_t sb;
    reprosum_init(&sb);
    reprosum_f_addto(&fb, 1.0f, &sb);
    TAP_OK(reprosum_value(&sb) == (double)1e-30f,
           "float accumulator: 1e-30 survives 2^21 large terms");
    /* Non-finite terms, and scale 0 times inf. */
    const float nfv[3][2] = {{INFINITY, 1.0f}, {-INFINITY, 2.0f}, {NAN, 3.0f}};
    for (int k = 0; k < 3; k++)
        for (int z = 0; z < 2; z++) {
            const float sc = z ? 0.0f : -2.0f;
            reprosum_f_t fn;
            reprosum_f_init(&fn);
            reprosum_f_add(&fn, nfv[k][0]);
            reprosum_f_add(&fn, nfv[k][1]);
            reprosum_t a1, a2;
            reprosum_init(&a1);
            reprosum_init(&a2);
            reprosum_f_addto(&fn, sc, &a1);
            reprosum_add(&a2, (double)sc * (double)nfv[k][0]);
            reprosum_add(&a2, (double)sc * (double)nfv[k][1]);
            const double v1 = reprosum_value(&a1), v2 = reprosum_value(&a2);
            TAP_OK((isnan(v1) && isnan(v2)) || v1 == v2,
                   "float accumulator: %g x {%g, %g} = %g (%g)", (double)sc, (double)nfv[k][0],
                   (double)nfv[k][1], v1, v2);
        }
    free(xf);

    free(x);
    free(y);
    fxsum_nearest32();
    int rc = tap_done();
    comm_finalize();
    return rc;
}
