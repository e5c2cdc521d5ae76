/* Benchmark: bytes and time of one kappa-hop halo exchange (one double per
 * agent), kappa = 1..K, direct from the owners against relayed one hop per
 * round, on the graph of a config (METIS partition over the MPI ranks).
 *
 *   mpirun -np P bench_khop LABEL K REPS CSV section.key=value ...
 *
 * Appends one CSV row per (kappa, method) to CSV (rank 0). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/config.h"
#include "samarl/error.h"
#include "samarl/graph.h"
#include "samarl/khop.h"
#include "samarl/partition.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    if (argc < 5) {
        if (comm_rank() == 0)
            fprintf(stderr, "usage: bench_khop LABEL K REPS CSV [section.key=value ...]\n");
        comm_exit(2);
    }
    const char *label = argv[1], *csv = argv[4];
    const int K = atoi(argv[2]), reps = atoi(argv[3]), P = comm_size(), me = comm_rank();
    config_t cfg;
    comm_check(config_parse(&cfg, NULL, NULL, argv + 5, argc - 5));
    graph_t *g = NULL;
    int32_t *part = NULL;
    gidx_t comps = 0;
    int rc = SAMARL_OK;
    if (me == 0) {
        rc = graph_build(&cfg, &g, &comps);
        if (rc == SAMARL_OK) {
            part = XNEW(int32_t, g->n);
            rc = partition_compute(g, &cfg, P, part);
        }
    }
    comm_check_root(rc, 0);
    if (me == 0)
        printf("%s: %s, %" PRIdG " agents, %" PRIdG " edges, %" PRIdG " component%s, %d rank%s\n",
               label, g->name, g->n, g->m, comps, comps == 1 ? "" : "s", P, P == 1 ? "" : "s");
    lgraph_t *lg = partition_distribute(g, part);
    const char *mname[2] = {"direct", "relay"};
    for (int hops = 1; hops <= K; hops++)
        for (int m = 0; m < 2; m++) {
            comm_barrier();
            double t0 = comm_wtime();
            khop_t *k = NULL;
            comm_check(khop_create(lg, hops, m ? KHOP_RELAY : KHOP_DIRECT, 1, 1.0,
                                   KHOP_NO_NEIGHBOURHOODS, &k));
            double setup = comm_wtime() - t0;
            comm_allreduce_double(&setup, 1, COMM_MAX);
            const lidx_t nl = k->n_owned + k->n_ghost;
            double *x = XNEW(double, nl + 1);
            for (lidx_t i = 0; i < nl; i++) x[i] = (double)k->gid[i];
            for (int r = 0; r < 20; r++) khop_exchange_doubles(k, x, 1); /* warm up */
            /* Median over 7 batches of the slowest rank's time per exchange. */
            double t[7];
            for (int b = 0; b < 7; b++) {
                comm_barrier();
                double s = comm_wtime();
                for (int r = 0; r < reps; r++) khop_exchange_doubles(k, x, 1);
                t[b] = (comm_wtime() - s) / reps;
                comm_allreduce_double(&t[b], 1, COMM_MAX);
            }
            qsort(t, 7, sizeof t[0], cmp_double);
            int64_t v[3] = {k->n_ghost, khop_send_count(k), khop_message_count(k)};
            comm_allreduce_int64(v, 3, COMM_SUM);
            if (me == 0) {
                printf("  kappa %d %-6s ghosts %8" PRId64 "  bytes %9" PRId64 "  messages %3" PRId64
                       "  exchange %9.2f us  (setup %.3f s)\n",
                       hops, mname[m], v[0], 8 * v[1], v[2], 1e6 * t[3], setup);
                FILE *f = fopen(csv, "a");
                if (!f) SAMARL_FATAL("cannot append to %s", csv);
                fprintf(f, "%s,%" PRIdG ",%d,%d,%s,%" PRId64 ",%" PRId64 ",%" PRId64 ",%.3f,%.4f\n",
                        label, g->n, P, hops, mname[m], v[0], 8 * v[1], v[2], 1e6 * t[3], setup);
                fclose(f);
            }
            free(x);
            khop_destroy(&k);
        }
    lgraph_destroy(&lg);
    free(part);
    graph_destroy(&g);
    config_free(&cfg);
    comm_finalize();
    return 0;
}
