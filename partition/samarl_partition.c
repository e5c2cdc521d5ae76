/* samarl-partition: partition the configured graph offline and write
 * partition.h5 for a later run (partition.method = file). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/cli.h"
#include "samarl/comm.h"
#include "samarl/error.h"
#include "samarl/h5io.h"
#include "samarl/khop.h"
#include "samarl/partition.h"
#include "samarl/version.h"

static const char *const help =
    "usage: samarl-partition [-c CONFIG] [--set section.key=value ...] [--parts P]\n"
    "                        [--hops K] [-o partition.h5] [--dry-run] [-q]\n"
    "\n"
    "Partition the communication graph of CONFIG into P parts (default: the\n"
    "number of MPI ranks) with METIS k-way (partition.method = metis, seeded by\n"
    "partition.seed; or contiguous gid blocks with partition.method = block), print\n"
    "the statistics (edge cut, imbalance, halo volume and neighbour ranks per part:\n"
    "min/avg/max) and write them with the partition to an HDF5 file. A later\n"
    "`samarl ... --set partition.method=file --set partition.file=partition.h5`\n"
    "on P ranks uses it; it is refused for a different graph or rank count.\n"
    "With --hops K (or halo.hops set) it also prints, per part, the ghosts of the\n"
    "K-hop halo in each hop layer and the bytes of one exchange of one double per\n"
    "agent, writes them as /halo/ghosts_per_hop, and refuses a K for which a part\n"
    "would copy more than halo.max_ghost_share of the agents other parts own.\n"
    "\n"
    "options:\n"
    "  -c, --config FILE   INI configuration (graph and partition sections)\n"
    "  -s, --set S.K=V     override one key; repeatable\n"
    "      --parts P       number of parts (default: MPI size)\n"
    "      --hops K        report the K-hop halo (1..64; sets halo.hops)\n"
    "  -o, --output FILE   write the partition (default: only print statistics)\n"
    "      --dry-run       print the effective configuration and exit\n"
    "  -q, --quiet         no statistics\n"
    "  -h, --help          this text\n"
    "\n"
    "examples:\n"
    "  samarl-partition --set graph.type=file --set graph.path=case2383wp.graph \\\n"
    "      --parts 64 -o case2383wp.64.h5\n"
    "  mpirun -np 4 samarl-partition -c big.ini -o big.4.h5\n";

/* Rank 0: the kappa-hop layers of every part (a serial BFS per part from
 * the global graph), printed and kept in st for the file; then the memory
 * guard at the first hop where some part copies too much. */
static int report_hops(const graph_t *g, const int32_t *part, part_stats_t *st, int hops,
                       double max_share, int quiet)
{
    const int P = st->nparts;
    st->hops = hops;
    st->ghosts_per_hop = XNEW(int64_t, (size_t)P * hops);
    khop_layers_serial(g, part, P, hops, st->ghosts_per_hop);
    if (!quiet) {
        printf("%d-hop halo (ghosts per part in each hop layer; bytes of one exchange of one "
               "double per agent):\n",
               hops);
        printf("  %6s", "part");
        for (int h = 1; h <= hops; h++) {
            char col[16];
            snprintf(col, sizeof col, "hop %d", h);
            printf(" %10s", col);
        }
        printf(" %10s %12s\n", "ghosts", "bytes");
        int64_t all = 0;
        for (int p = 0; p < P; p++) {
            int64_t tot = 0;
            printf("  %6d", p);
            for (int h = 1; h <= hops; h++) {
                printf(" %10" PRId64, st->ghosts_per_hop[(size_t)p * hops + h - 1]);
                tot += st->ghosts_per_hop[(size_t)p * hops + h - 1];
            }
            printf(" %10" PRId64 " %12" PRId64 "\n", tot, 8 * tot);
            all += tot;
        }
        printf("  khop_volume:      %" PRId64 " agents per exchange (%" PRId64 " bytes per "
               "double)\n",
               all, 8 * all);
        fflush(stdout);
    }
    int64_t *within = XZNEW(int64_t, P);
    int rc = SAMARL_OK;
    for (int h = 1; h <= hops && rc == SAMARL_OK; h++) {
        int worst = 0;
        double wshare = -1.0;
        for (int p = 0; p < P; p++) {
            within[p] += st->ghosts_per_hop[(size_t)p * hops + h - 1];
            int64_t remote = st->n - st->owned[p];
            double sh = remote > 0 ? (double)within[p] / (double)remote : 0.0;
            if (sh > wshare) wshare = sh, worst = p;
        }
        rc = khop_guard(hops, h, within[worst], st->n - st->owned[worst], worst, st->n, max_share);
    }
    free(within);
    return rc;
}

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    cli_register_sections();
    samarl_set_progname("samarl-partition");
    const int me = comm_rank();
    cli_opts_t o;
    cli_parse(argc, argv, 1, "samarl-partition", CLI_OUTPUT | CLI_PARTS | CLI_HOPS, &o);
    if (o.help) {
        if (me == 0) fputs(help, stdout);
        comm_exit(0);
    }
    if (argc > 1 && (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0)) {
        if (me == 0) printf("samarl-partition %s (git %s)\n", SAMARL_VERSION, samarl_git_sha());
        comm_exit(0);
    }
    config_t cfg;
    cli_load_config(&o, &cfg);
    if (o.dry_run) cli_dry_run(&o, &cfg);
    if (cfg.partition.method == PARTITION_FILE) {
        if (me == 0)
            fprintf(stderr, "samarl-partition: partition.method = file reads a partition; choose "
                            "metis or block to make one\n");
        comm_exit(2);
    }
    cli_check_inputs(&o, &cfg, 0, o.output);
    if (o.output) comm_check(h5io_check_writable(o.output));
    const int nparts = o.parts ? o.parts : comm_size();
    /* The kappa-hop report is opt-in: without it the output is as before. */
    const int hops = o.hops ? o.hops : config_is_set(&cfg, "halo", "hops") ? (int)cfg.halo.hops : 0;
    if (o.hops) cfg.halo.hops = o.hops; /* --hops sets halo.hops: the file's config says so */
    timer_start(TIMER_TOTAL);

    graph_t *g = NULL;
    int32_t *part = NULL;
    part_stats_t st;
    memset(&st, 0, sizeof st);
    int rc = SAMARL_OK;
    double t0 = comm_wtime(), t_graph = 0, t_part = 0;
    if (me == 0) {
        rc = graph_build(&cfg, &g, NULL);
        t_graph = comm_wtime() - t0;
        if (rc == SAMARL_OK) {
            part = XNEW(int32_t, g->n);
            t0 = comm_wtime();
            rc = partition_compute(g, &cfg, nparts, part);
            t_part = comm_wtime() - t0;
        }
        if (rc == SAMARL_OK) {
            partition_stats(g, part, nparts, &st);
            if (!o.quiet) {
                printf("samarl-partition %s: %s, %" PRIdG " agents, %" PRIdG " edges -> %d parts "
                       "(%s)\n",
                       SAMARL_VERSION, g->name, g->n, g->m, nparts,
                       config_enum_name("partition", "method", cfg.partition.method));
                partition_stats_print(stdout, &st);
                printf("  time:             graph %.3f s, partition %.3f s\n", t_graph, t_part);
                fflush(stdout);
            }
            if (hops > 0) rc = report_hops(g, part, &st, hops, cfg.halo.max_ghost_share, o.quiet);
        }
    }
    comm_check_root(rc, 0);
    if (o.output) {
        comm_check(partition_write(o.output, g, part, &st, &cfg));
        if (me == 0 && !o.quiet) printf("wrote %s\n", o.output);
    }
    timer_stop(TIMER_TOTAL);
    if (me == 0) partition_stats_free(&st);
    free(part);
    graph_destroy(&g);
    config_free(&cfg);
    cli_opts_free(&o);
    comm_finalize();
    return 0;
}
