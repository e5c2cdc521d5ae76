/* The kappa-hop halo against a serial BFS on the global graph: ghost layers,
 * numbering and every owned agent's neighbourhood in (hop, gid) order, on
 * every test graph for kappa = 1..4; both exchange plans fill every ghost
 * with its owner's value; a neighbourhood sum has the serial bits.
 * `test_khop guard SHARE`: the memory guard on a small-world graph
 * (kappa = 4), exiting through comm_check (tests/khop.t checks every rank). */
#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/config.h"
#include "samarl/khop.h"
#include "samarl/partition.h"
#include "tap.h"
#include "testgraphs.h"

static double f(gidx_t gid, int c)
{
    return sin(0.7 * (double)gid + c) + 1e-3 * (double)gid;
}

/* Multi-source distance of every vertex from part p (-1: beyond hops). */
static void serial_layers(const graph_t *g, const int32_t *part, int p, int hops, int *dist)
{
    gidx_t *q = malloc(sizeof(gidx_t) * (size_t)g->n), n = 0;
    for (gidx_t v = 0; v < g->n; v++) {
        dist[v] = part[v] == p ? 0 : -1;
        if (part[v] == p) q[n++] = v;
    }
    for (gidx_t k = 0; k < n; k++) {
        gidx_t u = q[k];
        if (dist[u] >= hops) continue;
        for (gidx_t e = g->xadj[u]; e < g->xadj[u + 1]; e++)
            if (dist[g->adj[e]] < 0) {
                dist[g->adj[e]] = dist[u] + 1;
                q[n++] = g->adj[e];
            }
    }
    free(q);
}

static int guard_mode(double share)
{
    const int P = comm_size(), me = comm_rank();
    config_t cfg;
    config_parse(&cfg, NULL, NULL, NULL, 0);
    graph_t *g = test_graph(4); /* small world: 400 agents */
    int32_t *part = malloc(sizeof(int32_t) * (size_t)g->n);
    partition_compute(g, &cfg, P, part);
    lgraph_t *lg = partition_distribute(me == 0 ? g : NULL, me == 0 ? part : NULL);
    khop_t *k = NULL;
    comm_check(khop_create(lg, 4, KHOP_DIRECT, 1, share, KHOP_NO_NEIGHBOURHOODS, &k));
    if (me == 0) printf("kappa = 4 accepted: %d ghosts on rank 0\n", (int)k->n_ghost);
    khop_destroy(&k);
    lgraph_destroy(&lg);
    free(part);
    graph_destroy(&g);
    config_free(&cfg);
    comm_finalize();
    return 0;
}

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    if (argc == 3 && strcmp(argv[1], "guard") == 0) return guard_mode(atof(argv[2]));
    const int P = comm_size(), me = comm_rank();
    config_t cfg;
    config_parse(&cfg, NULL, NULL, NULL, 0);
    for (int t = 0; t < N_TEST_GRAPHS; t++) {
        graph_t *g = test_graph(t);
        if (!g) {
            tap_skip(1, "case2383wp.graph not found under SAMARL_SHARED");
            continue;
        }
        if (g->n < P) {
            graph_destroy(&g);
            continue;
        }
        int32_t *part = malloc(sizeof(int32_t) * (size_t)g->n);
        partition_compute(g, &cfg, P, part);
        lgraph_t *lg = partition_distribute(me == 0 ? g : NULL, me == 0 ? part : NULL);
        int32_t *mark = calloc((size_t)g->n, sizeof(int32_t));
        gidx_t *ball = malloc(sizeof(gidx_t) * (size_t)g->n);
        int *bhop = malloc(sizeof(int) * (size_t)g->n), *dist = malloc(sizeof(int) * (size_t)g->n);
        for (int hops = 1; hops <= 4; hops++) {
            khop_t *k = NULL;
            comm_check(khop_create(lg, hops, KHOP_DIRECT, 3, 1.0, 0, &k));
            const lidx_t no = k->n_owned, nl = no + k->n_ghost;

            /* Layers: the ghosts are exactly the agents at distance 1..hops
             * from this part, each with its distance, grouped by owner. */
            serial_layers(g, part, me, hops, dist);
            int good = k->n_owned == lg->n_owned;
            int64_t within = 0;
            for (gidx_t v = 0; v < g->n; v++) within += dist[v] > 0;
            good &= within == k->n_ghost;
            for (lidx_t j = 0; j < k->n_ghost && good; j++) {
                gidx_t v = k->gid[no + j];
                good &= dist[v] == k->ghost_hop[j] && part[v] == k->ghost_owner[j];
                if (j > 0)
                    good &= k->ghost_owner[j - 1] < k->ghost_owner[j] ||
                            (k->ghost_owner[j - 1] == k->ghost_owner[j] && k->gid[no + j - 1] < v);
            }
            int64_t *cnt = malloc(sizeof(int64_t) * (size_t)P * hops);
            khop_layers_serial(g, part, P, hops, cnt);
            for (int h = 1; h <= hops; h++) good &= cnt[me * hops + h - 1] == k->layer_count[h];
            free(cnt);
            if (hops == 1) { /* kappa = 1 is the one-hop halo, in its order */
                good &= k->n_ghost == lg->n_ghost;
                for (lidx_t i = 0; i < nl && good; i++) good &= k->gid[i] == lg->gid[i];
            }
            TAP_OK(good,
                   "%s, kappa = %d: ghost layers = serial BFS from the part (%" PRId64
                   " ghosts on rank 0), grouped by owner, gid order",
                   g->name, hops, (int64_t)k->n_ghost);

            /* Neighbourhoods against a serial BFS per agent. */
            good = k->nb_ptr[0] == 0;
            for (lidx_t i = 0; i < no && good; i++) {
                gidx_t nb = serial_ball(g, k->gid[i], hops, mark, ball, bhop);
                good &= k->nb_ptr[i + 1] - k->nb_ptr[i] == nb;
                for (gidx_t c = 0; c < nb && good; c++) {
                    int64_t e = k->nb_ptr[i] + c;
                    good &= k->gid[k->nb_idx[e]] == ball[c] && k->nb_hop[e] == bhop[c];
                }
            }
            TAP_OK(good,
                   "%s, kappa = %d: every neighbourhood = serial BFS, (hop, gid) order, self "
                   "first",
                   g->name, hops);

            /* Both plans: every ghost holds its owner's value. */
            for (int m = 0; m < 2; m++) {
                khop_t *kx = k;
                if (m == 1)
                    comm_check(
                        khop_create(lg, hops, KHOP_RELAY, 3, 1.0, KHOP_NO_NEIGHBOURHOODS, &kx));
                good = kx->n_ghost == k->n_ghost;
                for (lidx_t i = 0; i < nl && good; i++) good &= kx->gid[i] == k->gid[i];
                for (int w = 1; w <= 3 && good; w += 2) {
                    double *x = malloc(sizeof(double) * (size_t)(nl + 1) * w);
                    for (int rep = 0; rep < 2; rep++) { /* reuse: persistent requests */
                        for (lidx_t i = 0; i < nl; i++)
                            for (int c = 0; c < w; c++)
                                x[(size_t)i * w + c] = i < no ? f(k->gid[i], c + rep) : NAN;
                        khop_exchange_doubles(kx, x, w);
                        for (lidx_t i = 0; i < nl; i++)
                            for (int c = 0; c < w; c++)
                                good &= tap_same_bits(x[(size_t)i * w + c], f(k->gid[i], c + rep));
                    }
                    free(x);
                }
                int64_t sent = khop_send_count(kx), ghosts = kx->n_ghost;
                comm_allreduce_int64(&sent, 1, COMM_SUM);
                comm_allreduce_int64(&ghosts, 1, COMM_SUM);
                good &= sent == ghosts;
                TAP_OK(good,
                       "%s, kappa = %d, %s: every ghost holds its owner's value (widths 1, 3; "
                       "%" PRId64 " agents sent = ghosts)",
                       g->name, hops, m ? "relay" : "direct", sent);
                if (m == 1) khop_destroy(&kx);
            }

            /* A neighbourhood sum in (hop, gid) order has the serial bits,
             * hence the same bits on any number of ranks. */
            double *x = malloc(sizeof(double) * (size_t)(nl + 1));
            for (lidx_t i = 0; i < nl; i++) x[i] = i < no ? f(k->gid[i], 9) : NAN;
            khop_exchange_doubles(k, x, 1);
            good = 1;
            for (lidx_t i = 0; i < no; i++) {
                double s = 0.0, r = 0.0;
                for (int64_t e = k->nb_ptr[i]; e < k->nb_ptr[i + 1]; e++)
                    s += x[k->nb_idx[e]] / (1.0 + k->nb_hop[e]);
                gidx_t nb = serial_ball(g, k->gid[i], hops, mark, ball, bhop);
                for (gidx_t c = 0; c < nb; c++) r += f(ball[c], 9) / (1.0 + bhop[c]);
                good &= tap_same_bits(s, r);
            }
            TAP_OK(good, "%s, kappa = %d: neighbourhood sums = serial sums, bit for bit", g->name,
                   hops);
            free(x);
            khop_destroy(&k);
        }
        free(mark);
        free(ball);
        free(bhop);
        free(dist);
        lgraph_destroy(&lg);
        free(part);
        graph_destroy(&g);
    }
    config_free(&cfg);
    int rc = tap_done();
    comm_finalize();
    return rc;
}
