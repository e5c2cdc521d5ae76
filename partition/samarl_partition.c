/* samarl-partition: partition the configured graph offline and write
 * partition.h5 for a later run (partition.method = file). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/cli.h"
#include "samarl/comm.h"
#include "samarl/error.h"
#include "samarl/h5io.h"
#include "samarl/partition.h"
#include "samarl/version.h"

static const char *const help =
    "usage: samarl-partition [-c CONFIG] [--set section.key=value ...] [--parts P]\n"
    "                        [-o partition.h5] [--dry-run] [-q]\n"
    "\n"
    "Partition the communication graph of CONFIG into P parts (default: the\n"
    "number of MPI ranks) with METIS k-way (partition.method = metis, seeded by\n"
    "partition.seed; or contiguous gid blocks with partition.method = block), print\n"
    "the statistics (edge cut, imbalance, halo volume and neighbour ranks per part:\n"
    "min/avg/max) and write them with the partition to an HDF5 file. A later\n"
    "`samarl ... --set partition.method=file --set partition.file=partition.h5`\n"
    "on P ranks uses it; it is refused for a different graph or rank count.\n"
    "\n"
    "options:\n"
    "  -c, --config FILE   INI configuration (graph and partition sections)\n"
    "  -s, --set S.K=V     override one key; repeatable\n"
    "      --parts P       number of parts (default: MPI size)\n"
    "  -o, --output FILE   write the partition (default: only print statistics)\n"
    "      --dry-run       print the effective configuration and exit\n"
    "  -q, --quiet         no statistics\n"
    "  -h, --help          this text\n"
    "\n"
    "examples:\n"
    "  samarl-partition --set graph.type=file --set graph.path=case2383wp.graph \\\n"
    "      --parts 64 -o case2383wp.64.h5\n"
    "  mpirun -np 4 samarl-partition -c big.ini -o big.4.h5\n";

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    samarl_set_progname("samarl-partition");
    const int me = comm_rank();
    cli_opts_t o;
    cli_parse(argc, argv, 1, "samarl-partition", CLI_OUTPUT | CLI_PARTS, &o);
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
