/* Counter-based RNG: Philox4x32-10 known-answer vectors (Random123), the
 * counter layout (streams never overlap), and the distributions. */
#include "samarl/comm.h"
#include "samarl/rng.h"
#include "tap.h"

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    /* Random123 kat_vectors: counter, key -> output. */
    static const uint32_t kat[3][10] = {
        {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
        {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x408f276d,
         0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
        {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0xd16cfe09,
         0x94fdcceb, 0x5001e420, 0x24126ea1}};
    for (int k = 0; k < 3; k++) {
        rng_block_t b = rng_philox4x32_10(kat[k], kat[k] + 4);
        TAP_OK(b.v[0] == kat[k][6] && b.v[1] == kat[k][7] && b.v[2] == kat[k][8] &&
                   b.v[3] == kat[k][9],
               "Philox4x32-10 known answer %d", k);
    }

    /* Counter layout: gid, step and stream each change the output; the same
     * inputs give the same output. */
    rng_block_t a = rng_block(7, 1, 12345, 99), b = rng_block(7, 1, 12345, 99);
    TAP_OK(memcmp(&a, &b, sizeof a) == 0, "same (seed, stream, gid, step) gives the same bits");
    rng_block_t c1 = rng_block(7, 2, 12345, 99), c2 = rng_block(7, 1, 12346, 99),
                c3 = rng_block(7, 1, 12345, 100), c4 = rng_block(8, 1, 12345, 99),
                c5 = rng_block(7, 1, 12345, 99 + ((uint64_t)1 << 32));
    TAP_OK(memcmp(&a, &c1, sizeof a) && memcmp(&a, &c2, sizeof a) && memcmp(&a, &c3, sizeof a) &&
               memcmp(&a, &c4, sizeof a) && memcmp(&a, &c5, sizeof a),
           "stream, gid, step (low and high bits) and seed each change the draw");

    /* Batches (SIMD where the CPU has it): every lane has rng_block's bits,
     * for ragged lengths, 64-bit gids, high step bits and both lane modes. */
    {
        enum { NB = 37 };
        int64_t gids[NB];
        uint64_t steps[NB];
        uint64_t w01[NB], w23[NB];
        for (int k = 0; k < NB; k++) {
            gids[k] = (int64_t)(0x9E3779B97F4A7C15ULL * (uint64_t)(k + 1) >> 1);
            steps[k] = (uint64_t)k * 0x10000000123ULL % RNG_MAX_STEP;
        }
        const uint64_t seed = 0xfeedface12345678ULL, st = ((uint64_t)1 << 47) + 12345;
        uint64_t sts[NB];
        for (int k = 0; k < NB; k++) sts[k] = st;
        int okg = 1, oks = 1, oku = 1;
        for (int len = 0; len <= NB; len += len < 10 ? 1 : 9) {
            rng_blocks(seed, RNG_STREAM_TEST, gids, sts, len, w01, w23);
            for (int k = 0; k < len; k++) {
                rng_block_t r = rng_block(seed, RNG_STREAM_TEST, (uint64_t)gids[k], st);
                okg &= w01[k] == ((uint64_t)r.v[0] << 32 | r.v[1]) &&
                       w23[k] == ((uint64_t)r.v[2] << 32 | r.v[3]);
                double z[2], zr[2];
                rng_normal2_64(w01[k], w23[k], z);
                rng_normal2(seed, RNG_STREAM_TEST, (uint64_t)gids[k], st, zr);
                oku &= rng_u01_64(w01[k]) ==
                           rng_uniform(seed, RNG_STREAM_TEST, (uint64_t)gids[k], st) &&
                       z[0] == zr[0] && z[1] == zr[1];
            }
            w23[len < NB ? len : 0] = 42; /* not written past len, nor with w23 = NULL */
            rng_blocks(seed, RNG_STREAM_ACTION, gids, steps, len, w01, NULL);
            for (int k = 0; k < len; k++) {
                rng_block_t r = rng_block(seed, RNG_STREAM_ACTION, (uint64_t)gids[k], steps[k]);
                oks &= w01[k] == ((uint64_t)r.v[0] << 32 | r.v[1]);
            }
            oks &= w23[len < NB ? len : 0] == 42;
        }
        TAP_OK(okg, "rng_blocks, one step, many gids: rng_block's bits (lengths 0..%d)", NB);
        TAP_OK(oks, "rng_blocks, a step and a gid per lane: rng_block's bits (lengths 0..%d)", NB);
        TAP_OK(oku, "rng_u01_64 and rng_normal2_64 give rng_uniform's and rng_normal2's bits");
    }

    /* Uniforms: in (0,1), mean 1/2, variance 1/12 over 10^6 draws. */
    const int n = 1000000;
    double s = 0, s2 = 0, lo = 1, hi = 0;
    for (int i = 0; i < n; i++) {
        double u = rng_uniform(42, RNG_STREAM_TEST, (uint64_t)i, 3);
        s += u;
        s2 += u * u;
        if (u < lo) lo = u;
        if (u > hi) hi = u;
    }
    double mean = s / n, var = s2 / n - mean * mean;
    TAP_OK(lo > 0.0 && hi < 1.0, "uniforms lie in the open interval (0,1): [%g, %g]", lo, hi);
    TAP_OK(fabs(mean - 0.5) < 5 * sqrt(1.0 / 12 / n), "uniform mean %.6f within 5 s.e. of 1/2",
           mean);
    TAP_OK(fabs(var - 1.0 / 12) < 0.002, "uniform variance %.6f near 1/12", var);

    /* Normals: mean 0, variance 1, tails plausible. */
    s = s2 = 0;
    int beyond3 = 0;
    for (int i = 0; i < n / 2; i++) {
        double z[2];
        rng_normal2(42, RNG_STREAM_TEST, (uint64_t)i, 4, z);
        for (int j = 0; j < 2; j++) {
            s += z[j];
            s2 += z[j] * z[j];
            beyond3 += fabs(z[j]) > 3;
        }
    }
    mean = s / n;
    var = s2 / n - mean * mean;
    TAP_OK(fabs(mean) < 5 / sqrt((double)n), "normal mean %.5f within 5 s.e. of 0", mean);
    TAP_OK(fabs(var - 1.0) < 0.01, "normal variance %.5f near 1", var);
    /* P(|Z| > 3) = 0.0027: expect 2700 +- 5 sd (sd ~ 52). */
    TAP_OK(abs(beyond3 - 2700) < 260, "normal tail |z| > 3: %d of %d (expected ~2700)", beyond3, n);

    /* rng_below: every value of a small range appears, none outside. */
    int hist[7] = {0}, out = 0;
    for (int i = 0; i < 70000; i++) {
        rng_block_t r = rng_block(1, RNG_STREAM_TEST, (uint64_t)i, 5);
        uint64_t v = rng_below(r.v[0], r.v[1], 7);
        if (v >= 7)
            out++;
        else
            hist[v]++;
    }
    int flat = !out;
    for (int v = 0; v < 7; v++) flat &= abs(hist[v] - 10000) < 500;
    TAP_OK(flat, "rng_below(7) is uniform over 0..6");

    int rc = tap_done();
    comm_finalize();
    return rc;
}
