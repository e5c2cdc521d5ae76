/* The graphs the MPI tests run on: one of each generator plus a real grid.
 * Built identically on every rank (generators are deterministic), so each
 * rank can compute serial references from the whole graph. */
#ifndef SAMARL_TESTS_TESTGRAPHS_H
#define SAMARL_TESTS_TESTGRAPHS_H

#include <stdio.h>

#include "samarl/error.h"
#include "samarl/graph.h"
#include "tap.h"

#define N_TEST_GRAPHS 8

/* Graph k (0..N_TEST_GRAPHS-1), or NULL when its input is missing. */
__attribute__((unused)) static graph_t *test_graph(int k)
{
    graph_t *g = NULL;
    int rc = SAMARL_ERR;
    char path[1024];
    switch (k) {
    case 0:
        rc = graph_ring(97, 2, &g);
        break;
    case 1:
        rc = graph_grid2d(120, 0, &g);
        break;
    case 2:
        rc = graph_rgg(600, 0.08, 3, &g);
        break;
    case 3:
        rc = graph_er(300, 0.03, 5, &g);
        break;
    case 4:
        rc = graph_smallworld(400, 3, 0.2, 7, &g);
        break;
    case 5:
        rc = graph_complete(33, &g);
        break;
    case 6:
        rc = graph_ring(5, 1, &g);
        break; /* tiny: fewer agents than some rank counts x2 */
    case 7:
        snprintf(path, sizeof path, "%s/data/grids/case2383wp.graph", tap_shared());
        {
            FILE *f = fopen(path, "r");
            if (!f) return NULL;
            fclose(f);
        }
        rc = graph_load_metis(path, 0, &g);
        break;
    }
    if (rc != SAMARL_OK) SAMARL_FATAL("test graph %d: %s", k, samarl_errmsg());
    return g;
}

/* Serial BFS from `src` to depth hops, levels in gid order: out[] gets the
 * gids, hop[] their distances; returns the count. mark[] starts at 0 and
 * each call stamps it with a new value. */
__attribute__((unused)) static gidx_t serial_ball(const graph_t *g, gidx_t src, int hops,
                                                  int32_t *mark, gidx_t *out, int *hop)
{
    static int32_t stamp = 0;
    stamp++;
    gidx_t n = 0;
    out[n] = src;
    hop[n++] = 0;
    mark[src] = stamp;
    gidx_t lo = 0;
    for (int h = 1; h <= hops; h++) {
        gidx_t hi = n;
        for (gidx_t k = lo; k < hi; k++)
            for (gidx_t e = g->xadj[out[k]]; e < g->xadj[out[k] + 1]; e++)
                if (mark[g->adj[e]] != stamp) {
                    mark[g->adj[e]] = stamp;
                    hop[n] = h;
                    out[n++] = g->adj[e];
                }
        /* sort the new level by gid (insertion sort: levels are small) */
        for (gidx_t a = hi + 1; a < n; a++)
            for (gidx_t b = a; b > hi && out[b - 1] > out[b]; b--) {
                gidx_t t = out[b];
                out[b] = out[b - 1];
                out[b - 1] = t;
            }
        lo = hi;
    }
    return n;
}

#endif
