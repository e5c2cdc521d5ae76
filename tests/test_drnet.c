/* DR-net's cost channel against a serial reference on the global graph, on
 * every test graph (ring, grid, rgg, er, small world, complete, a tiny ring
 * and a real grid where ../shared has it), METIS-free block partitions
 * scattered over the ranks, 3 copies:
 *   - l_i - F = (g_i + sum of the neighbours' g_j in gid order) / (a_i +
 *     the same of a_j) - F, with the serial sums' bits;
 *   - a usage proportional to the demand scales, g_j = L a_j, gives l_i = L
 *     to rounding;
 *   - the fingerprint depends on the graph: a ring with other neighbours
 *     has another. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/config.h"
#include "samarl/env.h"
#include "samarl/env_dr.h"
#include "samarl/error.h"
#include "samarl/halo.h"
#include "samarl/partition.h"
#include "samarl/rng.h"
#include "tap.h"
#include "testgraphs.h"

enum { COPIES = 3, T = 6 };

/* A partition that scatters the agents: part[v] = hash(v) mod P. */
static lgraph_t *distribute(const graph_t *g)
{
    const int P = comm_size(), me = comm_rank();
    int32_t *part = NULL;
    if (me == 0) {
        part = malloc(sizeof(int32_t) * (size_t)g->n);
        for (gidx_t v = 0; v < g->n; v++) part[v] = (int32_t)((v * 2654435761u) % 1009 % P);
    }
    lgraph_t *lg = partition_distribute(me == 0 ? g : NULL, part);
    free(part);
    return lg;
}

/* Every rank's entries of a per-agent x copy array, gathered by gid
 * (exact: each entry has one owner, the others add 0). */
static double *gather(const lgraph_t *lg, gidx_t N, const double *local)
{
    double *all = calloc((size_t)N * COPIES, sizeof(double));
    for (lidx_t i = 0; i < lg->n_owned; i++)
        for (int j = 0; j < COPIES; j++)
            all[(size_t)lg->gid[i] * COPIES + j] = local[(size_t)i * COPIES + j];
    comm_allreduce_double(all, (size_t)N * COPIES, COMM_SUM);
    return all;
}

static void check_graph(int k, const graph_t *g, const config_t *cfg)
{
    const gidx_t N = g->n;
    lgraph_t *lg = distribute(g);
    halo_t *halo = halo_create(lg, HALO_P2P, COPIES);
    env_t *e;
    env_create_on_graph(cfg, lg, halo, COPIES, &e);
    const lidx_t n = lg->n_owned, nl = n + lg->n_ghost;
    const double F = cfg->env.feeder_ratio;
    const dr_env_t *dr = env_dr(e);
    double *a_loc = calloc((size_t)n * COPIES + 1, sizeof(double));
    for (lidx_t i = 0; i < n; i++)
        for (int j = 0; j < COPIES; j++) a_loc[(size_t)i * COPIES + j] = dr->a[i];
    double *a = gather(lg, N, a_loc);
    env_begin_episode(e, 5, ENV_NOISE_RUN, 0);
    for (lidx_t i = 0; i < n; i++) env_reset_agent(e, i);
    float *gf = malloc(sizeof(float) * COPIES);
    uint8_t act[COPIES];
    double *u = calloc((size_t)nl * COPIES + 1, sizeof(double));
    double *c = calloc((size_t)n * COPIES + 1, sizeof(double));
    int same = 1, prop = 1;
    double worst = 0;
    for (int t = 0; t < T; t++) {
        for (lidx_t i = 0; i < n; i++) {
            for (int j = 0; j < COPIES; j++)
                act[j] = (uint8_t)(rng_uniform(9, RNG_STREAM_TEST, (uint64_t)lg->gid[i],
                                               (uint64_t)(t * COPIES + j)) *
                                   e->n_levels);
            env_step(e, i, t, act, gf, NULL, NULL, NULL);
            for (int j = 0; j < COPIES; j++) u[(size_t)i * COPIES + j] = gf[j];
        }
        double *ug = gather(lg, N, u);
        halo_exchange(halo, u, COPIES);
        env_costs(e, t, u, c);
        for (lidx_t i = 0; i < n; i++) {
            const gidx_t v = lg->gid[i];
            for (int j = 0; j < COPIES; j++) {
                double s = ug[(size_t)v * COPIES + j], A = a[(size_t)v * COPIES + j];
                for (gidx_t q = g->xadj[v]; q < g->xadj[v + 1]; q++) {
                    s += ug[(size_t)g->adj[q] * COPIES + j];
                    A += a[(size_t)g->adj[q] * COPIES + j];
                }
                same &= c[(size_t)i * COPIES + j] == s / A - F;
            }
        }
        free(ug);
        /* g_j = L a_j: every neighbourhood is loaded at L. */
        const double L = 0.5 + t;
        for (lidx_t i = 0; i < n; i++)
            for (int j = 0; j < COPIES; j++) u[(size_t)i * COPIES + j] = L * dr->a[i];
        halo_exchange(halo, u, COPIES);
        env_costs(e, t, u, c);
        for (size_t q = 0; q < (size_t)n * COPIES; q++) {
            const double err = fabs(c[q] + F - L) / L;
            if (err > worst) worst = err;
        }
    }
    prop = worst <= 1e-14;
    int64_t ok[2] = {same, prop};
    comm_allreduce_int64(ok, 2, COMM_MIN);
    comm_allreduce_double(&worst, 1, COMM_MAX);
    TAP_OK(ok[0], "graph %d (%lld agents): l_i - F has the bits of the serial neighbourhood sums",
           k, (long long)N);
    TAP_OK(ok[1], "graph %d: g_j = L a_j loads every neighbourhood at L (worst %.2g relative)", k,
           worst);
    free(a_loc), free(a), free(gf), free(u), free(c);
    env_destroy(&e);
    halo_destroy(&halo);
    lgraph_destroy(&lg);
}

static uint64_t fingerprint_of(const graph_t *g, const config_t *cfg)
{
    lgraph_t *lg = distribute(g);
    halo_t *halo = halo_create(lg, HALO_P2P, 1);
    env_t *e;
    env_create_on_graph(cfg, lg, halo, 1, &e);
    const uint64_t fp = env_fingerprint(e);
    env_destroy(&e);
    halo_destroy(&halo);
    lgraph_destroy(&lg);
    return fp;
}

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    const int me = comm_rank();
    char *ov[] = {"env.name=drnet", "env.heterogeneity=0.6", "env.feeder_ratio=1.1"};
    config_t cfg;
    comm_check(config_parse(&cfg, NULL, NULL, ov, 3));
    for (int k = 0; k < N_TEST_GRAPHS; k++) {
        graph_t *g = test_graph(k); /* the same on every rank */
        int64_t have = g != NULL;
        comm_allreduce_int64(&have, 1, COMM_MIN);
        if (!have) {
            if (me == 0) tap_diag("graph %d: input missing, skipped", k);
            graph_destroy(&g);
            continue;
        }
        check_graph(k, g, &cfg);
        graph_destroy(&g);
    }
    graph_t *g1, *g2;
    if (graph_ring(60, 2, &g1) != SAMARL_OK || graph_ring(60, 3, &g2) != SAMARL_OK)
        SAMARL_FATAL("%s", samarl_errmsg());
    const uint64_t f1 = fingerprint_of(g1, &cfg), f2 = fingerprint_of(g2, &cfg);
    TAP_OK(f1 != f2, "the fingerprint depends on the neighbourhoods (%016llx, %016llx)",
           (unsigned long long)f1, (unsigned long long)f2);
    graph_destroy(&g1);
    graph_destroy(&g2);
    config_free(&cfg);
    comm_finalize();
    return tap_done();
}
