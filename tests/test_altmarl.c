/* ALTERNATING-MARL's tabular algorithm (altmarl.h) against the public code:
 *   - the robots task's tables at entries computed from its formulas;
 *   - count vectors: the public code's order, ranked and unranked exactly;
 *     largest-remainder rounding with ties to the lower state;
 *   - trained at k = 1, 5 and 20 with n = 1000 local agents split across the
 *     ranks, the final evaluation (15 seeds x 50 rollouts x 50 steps, the
 *     public protocol) within the public figure's error bar at each k
 *     (83.28 +- 0.54, 85.85 +- 0.84, 90.14 +- 0.59);
 *   - the same bits on any number of ranks (a checksum the .t compares),
 *     20 integers reduced per step whatever n;
 *   - a round more than 1% below the best reverts the whole dispatcher from
 *     the ranks' blocks of the best round's copy;
 *   - k = 0 and k > n refused. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/altmarl.h"
#include "samarl/comm.h"
#include "samarl/error.h"
#include "tap.h"

static int near(double a, double b)
{
    return fabs(a - b) < 5e-10;
}

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    robots_t env;
    robots_init(&env);
    TAP_OK(near(env.Pg[0][0][0], 0.8922281748) && near(env.Pg[0][0][1], 0.0269429563) &&
               near(env.Pg[0][1][1], 0.8120533378) && near(env.Pg[0][1][0], 0.0666573971) &&
               near(env.Pg[0][1][2], 0.040429755),
           "zone moves: P(stay | steer there) 0.8922, P(target | steer away) 0.8121, stay 0.0667");
    TAP_OK(near(env.Pl[0][0][0][0], 0.9178664741) && near(env.Pl[0][0][1][1], 0.0858842905) &&
               near(env.Pl[0][1][2][4], 0.1094509754) && near(env.Pl[0][1][0][1], 0.0360295639),
           "local moves: the public code's softmax tables");
    TAP_OK(env.rl[2][2][0] == 10.0 && env.rl[0][2][1] == 2.0 / 3.0 + 0.5 &&
               env.rl[4][0][2] == 1.0 - 0.3 && env.rg[3][1] == 1.0,
           "rewards: 10 in the zone, 2 / (1 + ring distance) elsewhere, +0.5 up, -0.3 down");
    /* count vectors */
    int ok = 1;
    for (int k = 1; k <= 12; k++) {
        const int64_t nc = altmarl_n_counts(k);
        int32_t prev[5] = {0};
        for (int64_t r = 0; r < nc; r++) {
            int32_t c[5];
            altmarl_unrank(k, r, c);
            ok &= c[0] + c[1] + c[2] + c[3] + c[4] == k && altmarl_rank(k, c) == r;
            if (r > 0) { /* strictly descending lexicographically */
                int q = 0;
                while (q < 5 && c[q] == prev[q]) q++;
                ok &= q < 5 && c[q] < prev[q];
            }
            memcpy(prev, c, sizeof prev);
        }
    }
    int32_t c5[5];
    altmarl_unrank(3, 5, c5);
    TAP_OK(
        ok && altmarl_n_counts(50) == 316251 && c5[0] == 1 && c5[1] == 2,
        "count vectors k = 1..12: rank and unrank invert, in combinations_with_replacement's "
        "order ((3,0,0,0,0), (2,1,0,0,0), ..., the 6th (1,2,0,0,0)); C(54, 4) = 316251 at k = 50");
    {
        const double x1[5] = {1.5, 1.5, 0, 0, 0}, x2[5] = {0.2, 0.9, 0.9, 0, 1.0};
        int32_t a[5], b[5];
        altmarl_round(3, x1, a);
        altmarl_round(3, x2, b);
        TAP_OK(a[0] == 2 && a[1] == 1 && b[0] == 0 && b[1] == 1 && b[2] == 1 && b[4] == 1,
               "largest-remainder rounding: ties to the lower state");
    }
    /* trained and evaluated as the public code, the agents split across ranks */
    const gidx_t n = 1000;
    const int P = comm_size(), me = comm_rank();
    gidx_t *gid = XNEW(gidx_t, (size_t)n);
    lidx_t m = 0;
    for (gidx_t g = 0; g < n; g++)
        if ((int)(g % P) == me) gid[m++] = g;
    const int ks[3] = {1, 5, 20};
    const double fig[3][2] = {{83.28, 0.54}, {85.85, 0.84}, {90.14, 0.59}};
    double check = 0;
    for (int q = 0; q < 3; q++) {
        altmarl_t a;
        altmarl_pop_t pop;
        const int made = altmarl_init(&a, &env, ks[q], n, 1, "altmarl.k") == SAMARL_OK &&
                         altmarl_pop_init(&pop, n, ks[q], m, gid) == SAMARL_OK;
        TAP_OK(made && a.nc == altmarl_n_counts(ks[q]), "k = %d: %lld count vectors", ks[q],
               (long long)a.nc);
        const double t0 = comm_wtime();
        altmarl_train(&a, &pop);
        const double t1 = comm_wtime();
        double v[15], mean = 0, sd = 0;
        int64_t bytes = 0;
        for (int s = 0; s < 15; s++) {
            v[s] = altmarl_evaluate(&a, &pop, (uint64_t)s, 50, 50, &bytes);
            mean += v[s] / 15;
        }
        for (int s = 0; s < 15; s++) sd += (v[s] - mean) * (v[s] - mean) / 15;
        sd = sqrt(sd);
        check += mean * (q + 1);
        TAP_OK(fabs(mean - fig[q][0]) <= fig[q][1] && bytes == 160,
               "k = %d, n = %lld: %d rounds (%.2f s), return %.3f +- %.3f over 15 seeds, the "
               "public figure %.2f +- %.2f; %lld bytes reduced per step",
               ks[q], (long long)n, a.rounds, t1 - t0, mean, sd, fig[q][0], fig[q][1],
               (long long)bytes);
        altmarl_pop_free(&pop);
        altmarl_free(&a);
    }
    if (me == 0) printf("# altmarl checksum: %.17g\n", check);
    { /* the keep-best rule's revert restores the whole dispatcher from each
       * rank's block of the best round's copy */
        altmarl_t a, b;
        altmarl_pop_t pa, pb;
        altmarl_init(&a, &env, 5, n, 1, "altmarl.k");
        altmarl_init(&b, &env, 5, n, 1, "altmarl.k");
        altmarl_pop_init(&pa, n, 5, m, gid);
        altmarl_pop_init(&pb, n, 5, m, gid);
        const size_t ng = (size_t)a.nc * ROB_SG;
        altmarl_alternate(&a, &pa);
        int32_t *first = XNEW(int32_t, ng);
        memcpy(first, a.pi_g, sizeof(int32_t) * ng);
        altmarl_alternate(&b, &pb);
        for (int sg = 0; sg < ROB_SG; sg++) /* the locals told to move up: a new dispatcher */
            for (int sl = 0; sl < ROB_SL; sl++)
                for (int al = 0; al < ROB_AL; al++)
                    a.pi_l[sg][sl][al] = b.pi_l[sg][sl][al] = al == 1;
        b.best = -INFINITY;
        altmarl_alternate(&b, &pb); /* the second round's dispatcher, kept */
        size_t moved = 0;
        for (size_t q = 0; q < ng; q++) moved += b.pi_g[q] != first[q];
        a.best = 1e9; /* the second round now falls more than 1% below the best */
        altmarl_alternate(&a, &pa);
        TAP_OK(moved > 0 && !memcmp(a.pi_g, first, sizeof(int32_t) * ng) && a.value == 1e9,
               "a round below the best reverts to the best round's dispatcher on every rank "
               "(%zu of %zu entries of the second round's differ from it)",
               moved, ng);
        free(first);
        altmarl_pop_free(&pa);
        altmarl_pop_free(&pb);
        altmarl_free(&a);
        altmarl_free(&b);
    }
    {
        altmarl_t a;
        TAP_OK(altmarl_init(&a, &env, 0, n, 1, "altmarl.k") == SAMARL_ERR &&
                   strstr(samarl_errmsg(), "altmarl.k = 0"),
               "k = 0 refused: %s", samarl_errmsg());
        samarl_clearerr();
        TAP_OK(altmarl_init(&a, &env, 1001, n, 1, "altmarl.k") == SAMARL_ERR &&
                   strstr(samarl_errmsg(), "1 <= k <= n"),
               "k > n refused: %s", samarl_errmsg());
        samarl_clearerr();
    }
    free(gid);
    const int rc = tap_done();
    comm_finalize();
    return rc;
}
