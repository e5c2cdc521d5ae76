/* Graph generators: structure, determinism and statistics; CSR assembly,
 * components and fingerprints. Serial. */
#include <stdlib.h>

#include "samarl/comm.h"
#include "samarl/config.h"
#include "samarl/graph.h"
#include "samarl/rng.h"
#include "tap.h"

static int has_edge(const graph_t *g, gidx_t u, gidx_t v)
{
    for (gidx_t e = g->xadj[u]; e < g->xadj[u + 1]; e++)
        if (g->adj[e] == v) return 1;
    return 0;
}

static int all_degrees(const graph_t *g, gidx_t d)
{
    for (gidx_t i = 0; i < g->n; i++)
        if (g->xadj[i + 1] - g->xadj[i] != d) return 0;
    return 1;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    graph_t *g = NULL, *h = NULL;

    /* ring */
    TAP_OK(graph_ring(10, 2, &g) == SAMARL_OK && g->n == 10 && g->m == 20 && all_degrees(g, 4),
           "ring(10, k=2): 20 edges, degree 4");
    TAP_OK(has_edge(g, 0, 1) && has_edge(g, 0, 2) && has_edge(g, 0, 8) && has_edge(g, 0, 9) &&
               !has_edge(g, 0, 3) && graph_validate(g, "ring") == SAMARL_OK,
           "ring neighbours of 0 are 1, 2, 8, 9; valid");
    graph_destroy(&g);
    TAP_OK(graph_ring(4, 2, &g) == SAMARL_ERR && strstr(samarl_errmsg(), "at least 5"),
           "ring with N < 2k+1 refused: %s", samarl_errmsg());

    /* grid2d */
    TAP_OK(graph_grid2d(12, 3, &g) == SAMARL_OK && g->m == 24 && all_degrees(g, 4) &&
               has_edge(g, 0, 1) && has_edge(g, 0, 3) && has_edge(g, 0, 4) && has_edge(g, 0, 8),
           "grid2d 3x4 torus: 24 edges, wrap-around neighbours");
    graph_destroy(&g);
    int rc16 = graph_grid2d(16, 0, &g);
    TAP_OK(rc16 == SAMARL_OK && strstr(g->name, "4x4"), "grid2d picks 4x4 for N = 16 (%s)",
           g->name);
    graph_destroy(&g);
    TAP_OK(graph_grid2d(7, 0, &g) == SAMARL_ERR && strstr(samarl_errmsg(), "at least 3 rows"),
           "grid2d refuses a prime N: %s", samarl_errmsg());
    TAP_OK(graph_grid2d(12, 5, &g) == SAMARL_ERR && strstr(samarl_errmsg(), "does not divide"),
           "grid2d refuses rows that do not divide N");

    /* complete */
    TAP_OK(graph_complete(20, &g) == SAMARL_OK && g->m == 190 && all_degrees(g, 19),
           "complete(20): 190 edges, degree 19");
    graph_destroy(&g);

    /* rgg: edge count and degree sequence equal a brute-force count over
     * the same points (labels differ: the generator renumbers by cell). */
    {
        const gidx_t n = 1500;
        const double r = 0.05;
        TAP_OK(graph_rgg(n, r, 11, &g) == SAMARL_OK && graph_validate(g, "rgg") == SAMARL_OK,
               "rgg(1500, r=0.05) is a valid simple graph");
        double *x = malloc(sizeof(double) * n), *y = malloc(sizeof(double) * n);
        for (gidx_t i = 0; i < n; i++) {
            double u[2];
            rng_uniform2(11, RNG_STREAM_GRAPH, (uint64_t)i, 0, u);
            x[i] = u[0];
            y[i] = u[1];
        }
        int64_t m = 0, *deg = calloc((size_t)n, sizeof(int64_t)),
                *gdeg = malloc(sizeof(int64_t) * n);
        for (gidx_t i = 0; i < n; i++)
            for (gidx_t j = i + 1; j < n; j++) {
                double dx = x[i] - x[j], dy = y[i] - y[j];
                if (dx * dx + dy * dy < r * r) {
                    m++;
                    deg[i]++;
                    deg[j]++;
                }
            }
        for (gidx_t i = 0; i < n; i++) gdeg[i] = g->xadj[i + 1] - g->xadj[i];
        qsort(deg, (size_t)n, sizeof(int64_t), cmp_i64);
        qsort(gdeg, (size_t)n, sizeof(int64_t), cmp_i64);
        TAP_OK(g->m == m && memcmp(deg, gdeg, sizeof(int64_t) * n) == 0,
               "rgg edges (%" PRIdG ") and degree sequence equal the brute-force count (%" PRId64
               ")",
               g->m, m);
        free(x);
        free(y);
        free(deg);
        free(gdeg);
        graph_destroy(&g);
    }
    TAP_OK(graph_rgg(20000, 0.0, 1, &g) == SAMARL_ERR, "rgg with radius 0 refused");

    /* er */
    TAP_OK(graph_er(2000, 0.01, 3, &g) == SAMARL_OK && graph_validate(g, "er") == SAMARL_OK,
           "er(2000, p=0.01) valid");
    {
        double mean = 0.01 * 2000 * 1999 / 2, sd = sqrt(mean);
        TAP_OK(fabs((double)g->m - mean) < 5 * sd, "er edge count %" PRIdG " within 5 sd of %.0f",
               g->m, mean);
    }
    graph_destroy(&g);
    TAP_OK(graph_er(50, 1.0, 3, &g) == SAMARL_OK && g->m == 50 * 49 / 2,
           "er with p = 1 is complete");
    graph_destroy(&g);
    TAP_OK(graph_er(50, 0.0, 3, &g) == SAMARL_OK && g->m == 0, "er with p = 0 has no edges");
    graph_destroy(&g);

    /* smallworld */
    TAP_OK(graph_smallworld(1000, 3, 0.2, 5, &g) == SAMARL_OK && g->m == 3000 &&
               graph_validate(g, "sw") == SAMARL_OK,
           "smallworld(1000, k=3, p=0.2): 3000 edges, simple");
    {
        gidx_t far = 0;
        for (gidx_t u = 0; u < g->n; u++)
            for (gidx_t e = g->xadj[u]; e < g->xadj[u + 1]; e++) {
                gidx_t v = g->adj[e], d = llabs(u - v);
                if (u < v && (d < g->n - d ? d : g->n - d) > 3) far++;
            }
        double frac = (double)far / (double)g->m;
        TAP_OK(frac > 0.15 && frac < 0.25, "about p of the edges are rewired (%.3f)", frac);
    }
    graph_destroy(&g);
    graph_smallworld(200, 2, 0.0, 5, &g);
    graph_ring(200, 2, &h);
    TAP_OK(graph_fingerprint(g) == graph_fingerprint(h),
           "smallworld with p = 0 is the ring lattice");
    graph_destroy(&g);
    graph_destroy(&h);

    /* determinism and seeds */
    graph_smallworld(500, 2, 0.3, 9, &g);
    graph_smallworld(500, 2, 0.3, 9, &h);
    TAP_OK(graph_fingerprint(g) == graph_fingerprint(h), "same seed, same small world");
    graph_destroy(&h);
    graph_smallworld(500, 2, 0.3, 10, &h);
    TAP_OK(graph_fingerprint(g) != graph_fingerprint(h), "another seed, another small world");
    graph_destroy(&g);
    graph_destroy(&h);

    /* graph_build from a config equals the direct generator call */
    config_t cfg;
    char *sets[] = {"graph.type=rgg", "graph.agents=800", "graph.radius=0.07", "run.seed=4",
                    "graph.allow_disconnected=true"};
    TAP_OK(config_parse(&cfg, NULL, NULL, sets, 5) == SAMARL_OK &&
               graph_build(&cfg, &g, NULL) == SAMARL_OK,
           "graph_build(rgg) from config");
    graph_rgg(800, 0.07, 4, &h);
    TAP_OK(graph_fingerprint(g) == graph_fingerprint(h), "graph.seed defaults to run.seed");
    graph_destroy(&g);
    graph_destroy(&h);
    config_free(&cfg);

    /* CSR assembly from an unsorted edge list, components, fingerprints */
    gidx_t uv[] = {5, 1, 0, 2, 2, 1, 4, 3, 1, 0};
    TAP_OK(graph_from_edges(6, 5, uv, &g) == SAMARL_OK && graph_validate(g, "edges") == SAMARL_OK,
           "graph_from_edges sorts rows and symmetrises");
    gidx_t big = 0;
    TAP_OK(graph_components(g, &big) == 2 && big == 4, "components: {0,1,2,5} and {3,4}");
    uint64_t f1 = graph_fingerprint(g);
    graph_destroy(&g);
    uv[9] = 5; /* edge 1-0 becomes 1-5 */
    graph_from_edges(6, 5, uv, &g);
    TAP_OK(graph_validate(g, "dup") == SAMARL_ERR && strstr(samarl_errmsg(), "duplicate"),
           "a duplicate edge fails validation: %s", samarl_errmsg());
    TAP_OK(graph_fingerprint(g) != f1, "changing one edge changes the fingerprint");
    graph_destroy(&g);

    int rc = tap_done();
    comm_finalize();
    return rc;
}
