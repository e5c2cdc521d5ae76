/* kappa-hop policy inputs (kinput.h) against a serial reference built from
 * the global graph: on every test graph, METIS partitions, kappa = 0..3,
 * kinds own, shellmean and slots, 3 copies of 5 features, every owned
 * agent's x_i has the bits of the serial construction (so the same bits on
 * any number of ranks); the dimensions are (kappa + 1) D and D (1 + K) + K
 * with K the largest neighbourhood less one; kappa = 0 sends nothing. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/config.h"
#include "samarl/kinput.h"
#include "samarl/partition.h"
#include "tap.h"
#include "testgraphs.h"

enum { D = 5, COPIES = 3 };

static float feature(gidx_t gid, int c, int d)
{
    return (float)(sin(0.37 * (double)gid + 1.3 * c + 0.11 * d) * (1 + d));
}

/* The serial x_i of gid v (kind, kappa, K slots) into x[COPIES][dim]. */
static void serial_input(const graph_t *g, gidx_t v, int kappa, kinput_kind_t kind, int64_t K,
                         int dim, int32_t *mark, gidx_t *ball, int *bhop, float *x)
{
    const gidx_t nb = kappa > 0 ? serial_ball(g, v, kappa, mark, ball, bhop) : 1;
    if (kappa == 0) {
        ball[0] = v;
        bhop[0] = 0;
    }
    memset(x, 0, sizeof(float) * (size_t)COPIES * (size_t)dim);
    for (int c = 0; c < COPIES; c++) {
        float *xc = x + (size_t)c * (size_t)dim;
        for (int d = 0; d < D; d++) xc[d] = feature(v, c, d);
        if (kind == KINPUT_SHELLMEAN && kappa > 0) {
            for (int hop = 1; hop <= kappa; hop++) {
                double s[D] = {0};
                int64_t cnt = 0;
                for (gidx_t e = 1; e < nb; e++)
                    if (bhop[e] == hop) {
                        for (int d = 0; d < D; d++) s[d] += feature(ball[e], c, d);
                        cnt++;
                    }
                for (int d = 0; d < D; d++)
                    xc[hop * D + d] = cnt ? (float)(s[d] / (double)cnt) : 0.0f;
            }
        } else if (kind == KINPUT_SLOTS && kappa > 0) {
            for (gidx_t e = 1; e < nb; e++) {
                for (int d = 0; d < D; d++) xc[D * e + d] = feature(ball[e], c, d);
                xc[D * (1 + K) + (e - 1)] = 1.0f;
            }
        }
    }
}

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    const int P = comm_size(), me = comm_rank();
    config_t cfg;
    config_parse(&cfg, NULL, NULL, NULL, 0);
    static const kinput_kind_t kinds[] = {KINPUT_OWN, KINPUT_SHELLMEAN, KINPUT_SLOTS};
    static const char *const kind_names[] = {"own", "shellmean", "slots"};
    for (int t = 0; t < N_TEST_GRAPHS; t++) {
        graph_t *g = test_graph(t);
        if (!g) {
            tap_skip(1, "case2383wp.graph not found under SAMARL_SHARED");
            continue;
        }
        if (g->n < P || t == 5) { /* complete graph: slots would be N wide */
            graph_destroy(&g);
            continue;
        }
        int32_t *part = malloc(sizeof(int32_t) * (size_t)g->n);
        partition_compute(g, &cfg, P, part);
        lgraph_t *lg = partition_distribute(me == 0 ? g : NULL, me == 0 ? part : NULL);
        int32_t *mark = calloc((size_t)g->n, sizeof(int32_t));
        gidx_t *ball = malloc(sizeof(gidx_t) * (size_t)g->n);
        int *bhop = malloc(sizeof(int) * (size_t)g->n);
        float *obs = malloc(sizeof(float) * ((size_t)lg->n_owned * COPIES * D + 1));
        for (lidx_t i = 0; i < lg->n_owned; i++)
            for (int c = 0; c < COPIES; c++)
                for (int d = 0; d < D; d++)
                    obs[((size_t)i * COPIES + c) * D + d] = feature(lg->gid[i], c, d);
        for (int kappa = 0; kappa <= 3; kappa++)
            for (int kk = kappa == 0 ? 0 : 1; kk < 3; kk++) {
                /* The serial K: the largest ball less the agent. */
                int64_t K = 0;
                if (kappa > 0)
                    for (gidx_t v = 0; v < g->n; v++) {
                        const int64_t m = serial_ball(g, v, kappa, mark, ball, bhop) - 1;
                        if (m > K) K = m;
                    }
                if (kinds[kk] == KINPUT_SLOTS && K > 64) continue; /* too wide to be useful */
                kinput_t *ki;
                comm_check(kinput_create(lg, kappa, kinds[kk], D, COPIES, 1.0, &ki));
                const int dim = kinput_dim(ki);
                const int want_dim = kinds[kk] == KINPUT_OWN         ? D
                                     : kinds[kk] == KINPUT_SHELLMEAN ? (kappa + 1) * D
                                                                     : D * (1 + (int)K) + (int)K;
                kinput_exchange(ki, obs, COPIES);
                float *x = malloc(sizeof(float) * (size_t)COPIES * (size_t)dim);
                float *r = malloc(sizeof(float) * (size_t)COPIES * (size_t)dim);
                int64_t bad = 0;
                for (lidx_t i = 0; i < lg->n_owned; i++) {
                    kinput_build(ki, i, COPIES, x);
                    serial_input(g, lg->gid[i], kappa, kinds[kk], K, dim, mark, ball, bhop, r);
                    bad += memcmp(x, r, sizeof(float) * (size_t)COPIES * (size_t)dim) != 0;
                }
                int64_t v[3] = {bad, dim != want_dim || kinput_max_neighbours(ki) != K,
                                kappa == 0 && kinput_bytes_per_exchange(ki, COPIES) != 0};
                comm_allreduce_int64(v, 3, COMM_SUM);
                TAP_OK(v[0] == 0 && v[1] == 0 && v[2] == 0,
                       "graph %d, kappa %d, %s: x_i = the serial construction, bit for bit, dim %d "
                       "(%" PRId64 " agents differ)",
                       t, kappa, kind_names[kk], dim, v[0]);
                free(x);
                free(r);
                kinput_destroy(&ki);
            }
        free(obs);
        free(mark);
        free(ball);
        free(bhop);
        lgraph_destroy(&lg);
        free(part);
        graph_destroy(&g);
    }
    config_free(&cfg);
    comm_finalize();
    return tap_done();
}
