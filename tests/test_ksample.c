/* Exact k-of-n subsampling (ksample.h), on any number of ranks:
 *   - a sample is k distinct agents of n, the same on every rank; k = n
 *     takes every agent;
 *   - uniform: over 20000 keyed samples of 3 of 10, every agent's share
 *     and one pair's within 5 standard errors of k / n and
 *     k (k - 1) / (n (n - 1)) (fixed keys: the same numbers every run);
 *   - the count vector of a scattered ownership (gid hashed to a rank, as
 *     a METIS partition scatters them) equals the one counted directly
 *     from every agent's state, at n = 10^6 too; bytes per step L x 8;
 *   - k = 0 and k > n refused with the key's name. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/error.h"
#include "samarl/ksample.h"
#include "samarl/rng.h"
#include "tap.h"

/* The agents this rank owns under a scattered ownership of n agents
 * (descending: the sampler sorts them). */
static lidx_t scattered(gidx_t n, gidx_t **gid)
{
    const int P = comm_size(), me = comm_rank();
    lidx_t m = 0;
    *gid = XNEW(gidx_t, (size_t)n);
    for (gidx_t g = n - 1; g >= 0; g--)
        if ((int)(((uint64_t)g * 0x9E3779B97F4A7C15ULL >> 33) % (uint64_t)P) == me) (*gid)[m++] = g;
    return m;
}

/* The state of agent g at a step: L states, keyed. */
static int32_t state_of(gidx_t g, int L, int64_t step)
{
    return (int32_t)(rng_uniform(5, RNG_STREAM_TEST, (uint64_t)g, (uint64_t)step) * L);
}

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    /* distinct, in range, the same on every rank; k = n is every agent */
    {
        ksample_t ks;
        gidx_t *gid = NULL;
        const gidx_t n = 1000;
        const lidx_t m = scattered(n, &gid);
        TAP_OK(ksample_init(&ks, n, 50, m, gid, "altmarl.k") == SAMARL_OK, "50 of 1000 agents");
        int ok = 1;
        int64_t h[2] = {0, 0};
        for (int64_t t = 0; t < 200; t++) {
            ksample_draw(&ks, 3, 7, t);
            char *seen = calloc((size_t)n, 1);
            for (int i = 0; i < ks.k; i++) {
                ok &= ks.draw[i] >= 0 && ks.draw[i] < n && !seen[ks.draw[i]];
                seen[ks.draw[i]] = 1;
                h[0] = h[0] * 31 + ks.draw[i];
            }
            free(seen);
        }
        h[1] = -h[0];
        comm_allreduce_int64(h, 1, COMM_MAX);
        comm_allreduce_int64(h + 1, 1, COMM_MAX);
        TAP_OK(ok && h[0] == -h[1], "200 samples: 50 distinct agents each, the same on every rank");
        ksample_free(&ks);
        TAP_OK(ksample_init(&ks, n, n, m, gid, "altmarl.k") == SAMARL_OK, "k = n");
        ksample_draw(&ks, 3, 7, 0);
        char *seen = calloc((size_t)n, 1);
        int all = 1;
        for (int i = 0; i < ks.k; i++) seen[ks.draw[i]]++;
        for (gidx_t g = 0; g < n; g++) all &= seen[g] == 1;
        TAP_OK(all, "k = n takes every agent once");
        free(seen);
        ksample_free(&ks);
        free(gid);
    }
    /* uniform over the k-subsets: marginals and a pair */
    {
        enum { N = 10, K = 3, DRAWS = 20000 };
        gidx_t g0[N];
        for (int g = 0; g < N; g++) g0[g] = g;
        ksample_t ks;
        ksample_init(&ks, N, K, N, g0, "k");
        int64_t in[N] = {0}, pair = 0;
        for (int d = 0; d < DRAWS; d++) {
            ksample_draw(&ks, 11, (uint64_t)d, d % 17);
            int a = 0, b = 0;
            for (int i = 0; i < K; i++) {
                in[ks.draw[i]]++;
                a |= ks.draw[i] == 2;
                b |= ks.draw[i] == 7;
            }
            pair += a && b;
        }
        const double p = (double)K / N, se = sqrt(p * (1 - p) / DRAWS);
        double worst = 0;
        for (int g = 0; g < N; g++) {
            const double z = fabs((double)in[g] / DRAWS - p) / se;
            worst = z > worst ? z : worst;
        }
        const double q = (double)K * (K - 1) / (N * (N - 1.0)), sq = sqrt(q * (1 - q) / DRAWS);
        const double zq = fabs((double)pair / DRAWS - q) / sq;
        TAP_OK(worst < 5 && zq < 5,
               "3 of 10 over %d samples: each agent's share within %.2f standard errors of 0.3, "
               "agents 2 and 7 together %.4f (expected %.4f, %.2f s.e.)",
               DRAWS, worst, (double)pair / DRAWS, q, zq);
        ksample_free(&ks);
    }
    /* the count vector against every agent counted directly */
    const gidx_t sizes[2] = {1000, 1000000};
    for (int c = 0; c < 2; c++) {
        const gidx_t n = sizes[c];
        enum { L = 5, K = 25 };
        gidx_t *gid = NULL;
        const lidx_t m = scattered(n, &gid);
        int32_t *st = XNEW(int32_t, (size_t)(m > 0 ? m : 1));
        ksample_t ks;
        ksample_init(&ks, n, K, m, gid, "altmarl.k");
        int ok = 1;
        int64_t mine = 0, counts[L];
        for (int64_t t = 0; t < 40; t++) {
            for (lidx_t i = 0; i < m; i++) st[i] = state_of(gid[i], L, t);
            ksample_draw(&ks, 9, 1, t);
            ksample_counts(&ks, st, L, counts);
            mine += ks.mine;
            int64_t ref[L] = {0}, sum = 0;
            for (int i = 0; i < K; i++) ref[state_of(ks.draw[i], L, t)]++;
            for (int s = 0; s < L; s++) {
                ok &= counts[s] == ref[s];
                sum += counts[s];
            }
            ok &= sum == K;
        }
        comm_allreduce_int64(&mine, 1, COMM_SUM);
        TAP_OK(ok && mine == 40 * K,
               "n = %lld, %d ranks: 40 steps' count vectors of %d sampled agents = the states "
               "counted directly (each agent counted by its one owner); %d bytes reduced per "
               "step",
               (long long)n, comm_size(), K, (int)(L * sizeof(int64_t)));
        ksample_free(&ks);
        free(st);
        free(gid);
    }
    /* refusals */
    {
        ksample_t ks;
        gidx_t g[2] = {0, 1};
        TAP_OK(ksample_init(&ks, 2, 0, 2, g, "altmarl.k") == SAMARL_ERR &&
                   strstr(samarl_errmsg(), "altmarl.k = 0") &&
                   strstr(samarl_errmsg(), "1 <= k <= n = 2"),
               "k = 0 refused: %s", samarl_errmsg());
        samarl_clearerr();
        TAP_OK(ksample_init(&ks, 2, 3, 2, g, "altmarl.k") == SAMARL_ERR &&
                   strstr(samarl_errmsg(), "altmarl.k = 3"),
               "k > n refused: %s", samarl_errmsg());
        samarl_clearerr();
    }
    const int rc = tap_done();
    comm_finalize();
    return rc;
}
