/* Benchmark: time per consensus round (halo exchange + local rows) against a
 * plain CSR mat-vec of the same rows in the same run, with the machine's
 * limits (triad bandwidth, MPI latency) measured alongside.
 *
 *   mpirun -np P bench_consensus N [rounds] [csv]
 *
 * Graph: random geometric, mean degree ~8, METIS partition. Appends one CSV
 * row per halo method to `csv` (rank 0). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/config.h"
#include "samarl/consensus.h"
#include "samarl/error.h"
#include "samarl/graph.h"
#include "samarl/halo.h"
#include "samarl/partition.h"
#include "samarl/timer.h"

/* Reference: y = A x for this rank's rows in standard CSR (diagonal stored
 * as an ordinary entry), no communication. The best a local mat-vec does. */
typedef struct {
    lidx_t n;
    int64_t *rowptr;
    lidx_t *col;
    double *val;
} csr_t;

static csr_t csr_from(const lgraph_t *lg, const consensus_t *c)
{
    csr_t a;
    a.n = lg->n_owned;
    int64_t nnz = lg->rowptr[a.n] + a.n;
    a.rowptr = malloc(sizeof(int64_t) * (a.n + 1));
    a.col = malloc(sizeof(lidx_t) * (nnz + 1));
    a.val = malloc(sizeof(double) * (nnz + 1));
    const double *ws = consensus_self_weights(c);
    int64_t k = 0;
    for (lidx_t i = 0; i < a.n; i++) {
        a.rowptr[i] = k;
        a.col[k] = i;
        a.val[k++] = ws[i];
        for (int64_t e = lg->rowptr[i]; e < lg->rowptr[i + 1]; e++) {
            a.col[k] = lg->col[e];
            a.val[k++] = consensus_edge_weight(c, e);
        }
    }
    a.rowptr[a.n] = k;
    return a;
}

static void csr_matvec(const csr_t *a, const double *x, double *y)
{
    for (lidx_t i = 0; i < a->n; i++) {
        double s = 0.0;
        for (int64_t k = a->rowptr[i]; k < a->rowptr[i + 1]; k++) s += a->val[k] * x[a->col[k]];
        y[i] = s;
    }
}

/* STREAM triad a = b + s c on every rank at once; bytes/s per rank. */
static double triad_bandwidth(void)
{
    const size_t n = (size_t)1 << 24; /* 3 x 128 MiB: far beyond the caches */
    double *a = malloc(sizeof(double) * n), *b = malloc(sizeof(double) * n),
           *c = malloc(sizeof(double) * n);
    for (size_t i = 0; i < n; i++) a[i] = 0, b[i] = 1, c[i] = 2;
    double best = 1e30;
    for (int rep = 0; rep < 5; rep++) {
        comm_barrier();
        double t = comm_wtime();
        for (size_t i = 0; i < n; i++) a[i] = b[i] + 3.0 * c[i];
        t = comm_wtime() - t;
        if (t < best) best = t;
    }
    volatile double sink = a[n / 2];
    (void)sink;
    free(a);
    free(b);
    free(c);
    return 3.0 * 8.0 * (double)n / best;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    const int P = comm_size(), me = comm_rank();
    if (argc < 2) {
        if (me == 0) fprintf(stderr, "usage: bench_consensus N [rounds] [csv]\n");
        comm_exit(2);
    }
    const gidx_t N = (gidx_t)atof(argv[1]);
    const int rounds = argc > 2 ? atoi(argv[2]) : 100;
    const char *csv = argc > 3 ? argv[3] : NULL;

    char agents[64];
    snprintf(agents, sizeof agents, "graph.agents=%" PRIdG, N);
    char *sets[] = {"graph.type=rgg", agents, "graph.degree=8", "graph.allow_disconnected=true"};
    config_t cfg;
    comm_check(config_parse(&cfg, NULL, NULL, sets, 4));
    graph_t *g = NULL;
    int32_t *part = NULL;
    int st = SAMARL_OK;
    int64_t cut = 0;
    if (me == 0) {
        st = graph_build(&cfg, &g, NULL);
        if (st == SAMARL_OK) {
            part = malloc(sizeof(int32_t) * g->n);
            st = partition_compute(g, &cfg, P, part);
            part_stats_t s;
            partition_stats(g, part, P, &s);
            cut = s.edge_cut;
            partition_stats_free(&s);
        }
    }
    comm_check_root(st, 0);
    comm_bcast_int64(&cut, 1, 0);
    lgraph_t *lg = partition_distribute(g, part);
    graph_destroy(&g);
    free(part);

    double bw = triad_bandwidth();
    double lat = comm_pingpong(8, 2000);
    const lidx_t nl = lg->n_owned + lg->n_ghost;
    int64_t nnz_local = lg->rowptr[lg->n_owned] + lg->n_owned, nnz = nnz_local;
    comm_allreduce_int64(&nnz, 1, COMM_SUM);
    double *x = malloc(sizeof(double) * (nl + 1)), *y = malloc(sizeof(double) * (nl + 1));

    for (int m = 0; m < 2; m++) {
        halo_t *h = halo_create(lg, m ? HALO_NEIGHBOR : HALO_P2P, 1);
        consensus_t *c = consensus_create(lg, h, WEIGHTS_METROPOLIS);
        csr_t a = csr_from(lg, c);
        for (lidx_t i = 0; i < nl; i++) x[i] = (double)(lg->gid[i] % 1000) / 1000.0;
        const int reps = 7;
        double tr[7], tm[7], th[7];
        consensus_mix(c, x, 1, 5); /* warm up caches and persistent requests */
        for (int r = 0; r < reps; r++) {
            comm_barrier();
            timer_reset(TIMER_HALO);
            double t = comm_wtime();
            consensus_mix(c, x, 1, rounds);
            tr[r] = (comm_wtime() - t) / rounds;
            th[r] = timer_seconds(TIMER_HALO) / rounds;
            comm_barrier();
            t = comm_wtime();
            for (int k = 0; k < rounds; k++) csr_matvec(&a, x, y);
            tm[r] = (comm_wtime() - t) / rounds;
        }
        /* The exchange alone, no compute: what the method itself costs. */
        double tx[7];
        for (int r = 0; r < reps; r++) {
            comm_barrier();
            double t = comm_wtime();
            for (int k = 0; k < rounds; k++) halo_exchange(h, x, 1);
            tx[r] = (comm_wtime() - t) / rounds;
        }
        qsort(tx, reps, sizeof(double), cmp_double);
        qsort(tr, reps, sizeof(double), cmp_double);
        qsort(tm, reps, sizeof(double), cmp_double);
        qsort(th, reps, sizeof(double), cmp_double);
        /* The slowest rank sets the pace of a round. */
        double v[4] = {tr[reps / 2], tm[reps / 2], th[reps / 2], tx[reps / 2]};
        comm_allreduce_double(v, 4, COMM_MAX);
        double ratio = v[0] / v[1];
        int64_t sent = halo_send_count(h);
        comm_allreduce_int64(&sent, 1, COMM_SUM);
        /* Bytes a CSR mat-vec must move per row and entry (x gathered from
         * cache at best): val 8 + col 4 per entry, rowptr 8 + y 8 + x 8 per row. */
        double bytes = 12.0 * (double)nnz_local + 24.0 * lg->n_owned;
        double bytes_max = bytes;
        comm_allreduce_double(&bytes_max, 1, COMM_MAX);
        double mv_bw = bytes_max / v[1];
        double sink = 0;
        for (lidx_t i = 0; i < lg->n_owned; i++) sink += y[i];
        if (me == 0) {
            printf("N=%-9" PRIdG " ranks=%d %-8s round %9.2f us  matvec %9.2f us  ratio %.3f  "
                   "halo in round %7.2f us  exchange alone %6.2f us  edge_cut %" PRId64
                   "  halo %" PRId64
                   " agents  matvec %.2f GB/s (triad %.2f GB/s/rank)  latency %.2f us%s\n",
                   N, P, m ? "neighbor" : "p2p", v[0] * 1e6, v[1] * 1e6, ratio, v[2] * 1e6,
                   v[3] * 1e6, cut, sent, mv_bw / 1e9, bw / 1e9, lat * 1e6,
                   sink == 12345.678 ? " " : "");
            if (csv) {
                FILE *f = fopen(csv, "a");
                if (!f) SAMARL_FATAL("cannot append to %s", csv);
                fprintf(f,
                        "%" PRIdG ",%d,%s,%" PRId64 ",%" PRId64 ",%" PRId64 ",%d,%.4f,%.4f,%.4f,"
                        "%.4f,%.4f,%.0f,%.3f,%.3f,%.3f\n",
                        N, P, m ? "neighbor" : "p2p", nnz, cut, sent, rounds, v[0] * 1e6,
                        v[1] * 1e6, ratio, v[2] * 1e6, v[3] * 1e6, 8.0 * sent, mv_bw / 1e9,
                        bw / 1e9, lat * 1e6);
                fclose(f);
            }
        }
        free(a.rowptr);
        free(a.col);
        free(a.val);
        consensus_destroy(&c);
        halo_destroy(&h);
    }
    free(x);
    free(y);
    lgraph_destroy(&lg);
    config_free(&cfg);
    comm_finalize();
    return 0;
}
