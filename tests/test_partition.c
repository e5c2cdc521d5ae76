/* Partitioning: statistics on hand-checked graphs, METIS partitions, and the
 * distributed numbering and halo plan against the serial statistics. */
#include <stdlib.h>

#include "samarl/comm.h"
#include "samarl/config.h"
#include "samarl/partition.h"
#include "tap.h"
#include "testgraphs.h"

static config_t cfg_with(const char *method)
{
    config_t c;
    char set[64];
    snprintf(set, sizeof set, "partition.method=%s", method);
    char *sets[] = {set};
    if (config_parse(&c, NULL, NULL, sets, 1) != SAMARL_OK) SAMARL_FATAL("%s", samarl_errmsg());
    return c;
}

static int eq(const int64_t *a, const int64_t *b, int n)
{
    for (int i = 0; i < n; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    const int P = comm_size(), me = comm_rank();
    config_t block = cfg_with("block"), metis = cfg_with("metis");
    graph_t *g = NULL;
    part_stats_t s;

    /* Ring of 8, k = 1, two blocks {0..3} {4..7}: cut edges 3-4 and 7-0. */
    graph_ring(8, 1, &g);
    int32_t part8[8];
    partition_compute(g, &block, 2, part8);
    partition_stats(g, part8, 2, &s);
    int64_t four[2] = {4, 4}, two[2] = {2, 2}, one[2] = {1, 1};
    TAP_OK(part8[3] == 0 && part8[4] == 1 && s.edge_cut == 2 && eq(s.owned, four, 2) &&
               eq(s.ghosts, two, 2) && eq(s.send, two, 2) && eq(s.neighbours, one, 2) &&
               s.imbalance == 1.0 && s.halo_total == 4,
           "ring(8) in 2 blocks: cut 2, 4 owned, 2 ghosts, 2 sent, 1 neighbour each");
    partition_stats_free(&s);
    graph_destroy(&g);

    /* Path 0-1-2-3-4 in 3 blocks {0} {1,2} {3,4}. */
    gidx_t path[] = {0, 1, 1, 2, 2, 3, 3, 4};
    graph_from_edges(5, 4, path, &g);
    int32_t p5[5];
    partition_compute(g, &block, 3, p5);
    partition_stats(g, p5, 3, &s);
    int64_t own[3] = {1, 2, 2}, gh[3] = {1, 2, 1}, nb[3] = {1, 2, 1};
    TAP_OK(p5[0] == 0 && p5[1] == 1 && p5[2] == 1 && p5[3] == 2 && s.edge_cut == 2 &&
               eq(s.owned, own, 3) && eq(s.ghosts, gh, 3) && eq(s.send, gh, 3) &&
               eq(s.neighbours, nb, 3) && fabs(s.imbalance - 1.2) < 1e-12 && s.s_owned.min == 1 &&
               s.s_owned.max == 2,
           "path(5) in 3 blocks: cut 2, ghosts 1/2/1, imbalance 1.2");
    partition_stats_free(&s);
    graph_destroy(&g);

    /* 4x4 torus in 4 row blocks: every vertical edge is cut (16), each part
     * has 8 ghosts (the rows above and below), sends 8, has 2 neighbours. */
    graph_grid2d(16, 4, &g);
    int32_t p16[16];
    partition_compute(g, &block, 4, p16);
    partition_stats(g, p16, 4, &s);
    int64_t e8[4] = {8, 8, 8, 8}, e2[4] = {2, 2, 2, 2};
    TAP_OK(s.edge_cut == 16 && eq(s.ghosts, e8, 4) && eq(s.send, e8, 4) && eq(s.neighbours, e2, 4),
           "4x4 torus in row blocks: cut 16, 8 ghosts, 2 neighbours per part");
    partition_stats_free(&s);
    graph_destroy(&g);

    /* Star: the hub's part talks to every other part. */
    gidx_t star[] = {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6};
    graph_from_edges(7, 6, star, &g);
    int32_t ps[7] = {0, 1, 1, 2, 2, 3, 3};
    partition_stats(g, ps, 4, &s);
    int64_t sg[4] = {6, 1, 1, 1}, ss[4] = {3, 2, 2, 2}, sn[4] = {3, 1, 1, 1};
    TAP_OK(s.edge_cut == 6 && eq(s.ghosts, sg, 4) && eq(s.send, ss, 4) && eq(s.neighbours, sn, 4),
           "star: hub part has 6 ghosts, sends to 3 parts; leaves see only the hub");
    partition_stats_free(&s);
    graph_destroy(&g);

    /* More parts than agents is refused with a clear message. */
    graph_ring(5, 1, &g);
    int32_t p6[5];
    TAP_OK(partition_compute(g, &metis, 6, p6) == SAMARL_ERR &&
               strstr(samarl_errmsg(), "more ranks than agents"),
           "6 parts for 5 agents refused: %s", samarl_errmsg());
    graph_destroy(&g);

    /* METIS on every test graph: valid, deterministic, balanced, and the
     * distributed plan agrees with the serial statistics. */
    for (int k = 0; k < N_TEST_GRAPHS; k++) {
        graph_t *tg = test_graph(k);
        if (!tg) {
            TAP_OK(1, "# SKIP test graph %d: input not found", k);
            continue;
        }
        int32_t *pa = malloc(sizeof(int32_t) * tg->n), *pb = malloc(sizeof(int32_t) * tg->n);
        int rc = partition_compute(tg, &metis, P, pa);
        partition_compute(tg, &metis, P, pb);
        int valid = rc == SAMARL_OK && memcmp(pa, pb, sizeof(int32_t) * tg->n) == 0;
        for (gidx_t i = 0; i < tg->n; i++) valid &= pa[i] >= 0 && pa[i] < P;
        partition_stats(tg, pa, P, &s);
        valid &= s.s_owned.min >= 1;
        TAP_OK(valid, "%s: METIS %d parts in range, non-empty, same twice", tg->name, P);
        TAP_OK(s.imbalance <= 1.10 || tg->n < 10 * P, "%s: imbalance %.3f", tg->name, s.imbalance);
        int64_t sum_ghost = 0, sum_send = 0;
        for (int p = 0; p < P; p++) sum_ghost += s.ghosts[p], sum_send += s.send[p];
        TAP_OK(sum_ghost == sum_send && sum_ghost == s.halo_total,
               "%s: total receive volume equals total send volume (%" PRId64 ")", tg->name,
               sum_ghost);

        /* Only rank 0's copy feeds the distribution, as in the program. */
        lgraph_t *lg = partition_distribute(me == 0 ? tg : NULL, me == 0 ? pa : NULL);
        int ok = lg->n_owned == s.owned[me] && lg->n_ghost == s.ghosts[me] &&
                 lg->send_ptr[lg->n_nbr] == s.send[me] && lg->n_nbr == s.neighbours[me] &&
                 lg->n_global == tg->n && lg->m_global == tg->m &&
                 lg->n_interior + lg->n_boundary == lg->n_owned;
        TAP_OK(ok, "%s: local sizes equal the serial statistics on every rank", tg->name);
        /* Rows: same neighbours, in gid order, right owners and degrees. */
        int rows = 1;
        for (lidx_t i = 0; i < lg->n_owned && rows; i++) {
            gidx_t gid = lg->gid[i];
            rows &= pa[gid] == me && (i == 0 || lg->gid[i - 1] < gid);
            rows &= lg->rowptr[i + 1] - lg->rowptr[i] == tg->xadj[gid + 1] - tg->xadj[gid];
            rows &= lg->degree[i] == tg->xadj[gid + 1] - tg->xadj[gid];
            for (int64_t e = lg->rowptr[i]; e < lg->rowptr[i + 1] && rows; e++) {
                lidx_t c = lg->col[e];
                gidx_t nb = tg->adj[tg->xadj[gid] + (e - lg->rowptr[i])];
                rows &= lg->gid[c] == nb && lg->degree[c] == tg->xadj[nb + 1] - tg->xadj[nb];
                if (c >= lg->n_owned) rows &= lg->ghost_owner[c - lg->n_owned] == pa[nb];
            }
        }
        for (lidx_t j = 1; j < lg->n_ghost; j++) /* grouped by owner, gid order within */
            rows &= lg->ghost_owner[j - 1] < lg->ghost_owner[j] ||
                    (lg->ghost_owner[j - 1] == lg->ghost_owner[j] &&
                     lg->gid[lg->n_owned + j - 1] < lg->gid[lg->n_owned + j]);
        TAP_OK(rows, "%s: rows, ghost order, owners and degrees match the global graph", tg->name);
        TAP_OK(lgraph_check(lg) == SAMARL_OK, "%s: halo plan self-check", tg->name);
        int64_t tot = lg->n_owned;
        comm_allreduce_int64(&tot, 1, COMM_SUM);
        TAP_OK(tot == tg->n, "%s: every agent owned exactly once in total", tg->name);
        lgraph_destroy(&lg);
        partition_stats_free(&s);
        free(pa);
        free(pb);
        graph_destroy(&tg);
    }

    /* A partition computed for a different rank count is refused by the
     * distribution's caller; here: block partition on P parts is contiguous. */
    graph_ring(50, 2, &g);
    int32_t *pb = malloc(sizeof(int32_t) * 50);
    partition_compute(g, &block, P, pb);
    int contiguous = 1;
    for (int i = 1; i < 50; i++) contiguous &= pb[i] == pb[i - 1] || pb[i] == pb[i - 1] + 1;
    TAP_OK(contiguous && pb[0] == 0 && pb[49] == P - 1, "block partition: contiguous gid ranges");
    free(pb);
    graph_destroy(&g);
    config_free(&block);
    config_free(&metis);
    int rc = tap_done();
    comm_finalize();
    return rc;
}
