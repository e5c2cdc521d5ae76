/* samarl: MPI-distributed simulator and trainer for constrained multi-agent
 * reinforcement learning. This file dispatches to the subcommands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "samarl/cli.h"
#include "samarl/comm.h"
#include "samarl/config.h"
#include "samarl/error.h"
#include "samarl/h5io.h"
#include "samarl/partition.h"
#include "samarl/strbuf.h"
#include "samarl/version.h"

static const char *const main_help =
    "usage: samarl COMMAND [options]      (run under mpirun/srun for several ranks)\n"
    "\n"
    "samarl simulates and trains constrained multi-agent reinforcement learning at\n"
    "scale. Agents have separable dynamics and share one global resource\n"
    "constraint; each learns a policy conditioned on a Lagrange multiplier, and at\n"
    "execution the agents agree on the multiplier by consensus with their\n"
    "neighbours in a communication graph partitioned over MPI ranks (METIS).\n"
    "\n"
    "commands:\n"
    "  train       learn every agent's state-augmented policy (PPO) -> policy.h5\n"
    "  run         execute the policies with multipliers agreed by consensus (or the\n"
    "              baselines: local, central, fixed, none) -> run.h5\n"
    "  eval        policies at fixed multipliers beside the best response\n"
    "  consensus   study the consensus engine on the configured graph: rate sigma,\n"
    "              disagreement per round against the sigma^r bound, time and\n"
    "              bytes per round (bit-identical results on any rank count)\n"
    "  list        every registered environment and trainer, one line each\n"
    "  config      print the effective configuration; --keys documents every key\n"
    "  info FILE   describe an HDF5 file written by samarl or samarl-partition\n"
    "  help CMD    help on one command (same as samarl CMD --help)\n"
    "\n"
    "  samarl-partition (a separate program) partitions the graph offline and\n"
    "  writes partition.h5 for a later run (partition.method = file).\n"
    "\n"
    "options:\n"
    "  -h, --help      this text\n"
    "  -V, --version   version, commit and libraries\n"
    "\n"
    "Configuration is an INI file (-c FILE) with sections\n"
    "%s"
    "plus --set section.key=value overrides; unknown keys and out-of-range\n"
    "values are errors. Trainers and environments add sections of their own.\n"
    "\n"
    "examples:\n"
    "  mpirun -np 2 samarl train --set graph.agents=32 -o policy.h5\n"
    "  samarl eval --set graph.agents=32 --policy policy.h5 --lambda 0,0.2,0.5\n"
    "  mpirun -np 2 samarl consensus\n"
    "  mpirun -np 2 samarl consensus -c configs/rgg-1e5.ini -o study.h5\n"
    "  samarl config --keys\n"
    "  samarl info study.h5\n";

const char *const config_help =
    "usage: samarl config [-c CONFIG] [--set section.key=value ...] [--keys]\n"
    "\n"
    "Print the effective configuration: every key with its value and where the\n"
    "value came from (default, FILE:LINE or --set). The output is itself a valid\n"
    "config file. With --keys, list every key with its default, accepted range\n"
    "and meaning.\n";

const char *const info_help =
    "usage: samarl info FILE.h5\n"
    "\n"
    "Describe an HDF5 file written by samarl or samarl-partition: its groups,\n"
    "datasets (type, shape, units, description) and attributes (format, version,\n"
    "config, results).\n";

int cmd_config(int argc, char **argv)
{
    int keys = 0;
    /* --keys is this command's own flag: take it out before the common parser. */
    char **args = malloc(sizeof(char *) * (size_t)(argc + 1));
    int n = 0;
    for (int i = 0; i < argc; i++) {
        if (i >= 2 && strcmp(argv[i], "--keys") == 0)
            keys = 1;
        else
            args[n++] = argv[i];
    }
    cli_opts_t o;
    cli_parse(n, args, 2, "samarl config", 0, &o);
    if (o.help) {
        if (comm_rank() == 0) fputs(config_help, stdout);
        comm_exit(0);
    }
    if (keys) {
        if (comm_rank() == 0) config_print_keys(stdout);
        comm_exit(0);
    }
    config_t cfg;
    cli_load_config(&o, &cfg);
    free(args);
    cli_dry_run(&o, &cfg); /* prints and exits */
    return 0;
}

int cmd_info(int argc, char **argv)
{
    cli_opts_t o;
    cli_parse(argc, argv, 2, "samarl info", CLI_POSITIONAL, &o);
    if (o.help || o.n_args != 1) {
        if (comm_rank() == 0) fputs(info_help, o.help ? stdout : stderr);
        comm_exit(o.help ? 0 : 2);
    }
    int st = SAMARL_OK;
    if (comm_rank() == 0) st = h5io_describe(o.args[0], stdout);
    comm_check_root(st, 0);
    cli_opts_free(&o);
    return 0;
}

static void print_version(void)
{
    printf("samarl %s (git %s)\n  MPI:   %s\n  HDF5:  %s\n  METIS: %s\n  built: %s %s\n",
           SAMARL_VERSION, samarl_git_sha(), comm_library_version(), h5io_library_version(),
           partition_metis_version(), samarl_build_cc(), samarl_build_cflags());
}

/* Inside a SLURM job step, SLURM_NTASKS is the step's task count. When it
 * differs from the MPI size the launcher and the allocation disagree: most
 * often 'srun' without a matching PMI plugin, which starts N independent
 * one-rank jobs that each do all the work (and overwrite each other's
 * output). Say so once per world. */
static void check_slurm_tasks(void)
{
    const char *s = getenv("SLURM_NTASKS");
    char *end;
    long n = s && *s ? strtol(s, &end, 10) : 0;
    if (!s || !*s || *end || n < 1 || n == comm_size() || comm_rank() != 0) return;
    fprintf(stderr,
            "samarl: warning: SLURM_NTASKS = %ld but MPI started %d rank%s: the launcher and the "
            "allocation disagree (srun without --mpi=pmix starts %ld separate one-rank jobs; "
            "mpirun -np must match the tasks you asked for)\n",
            n, comm_size(), comm_size() > 1 ? "s" : "", n);
}

/* The main help, with the configuration's sections as this build has them
 * (registered trainers and environments add theirs). */
static void print_main_help(FILE *f)
{
    char list[1024];
    size_t used = 0, line = 0;
    const char *s;
    for (int k = 0; (s = config_section_name(k)) && used + strlen(s) + 8 < sizeof list; k++) {
        const size_t w = strlen(s) + 3;
        if (line + w > 76) {
            used += (size_t)snprintf(list + used, sizeof list - used, "\n");
            line = 0;
        }
        used += (size_t)snprintf(list + used, sizeof list - used, "%s[%s]", line ? " " : "", s);
        line += w;
    }
    snprintf(list + used, sizeof list - used, ",\n");
    fprintf(f, main_help, list);
}

/* The commands: a new one is a cmd_*.c file and one line here. */
typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *const *help;
} command_t;
static const command_t commands[] = {
    {"train", cmd_train, &train_help}, {"run", cmd_run, &run_help},
    {"eval", cmd_eval, &eval_help},    {"consensus", cmd_consensus, &consensus_help},
    {"list", cmd_list, &list_help},    {"config", cmd_config, &config_help},
    {"info", cmd_info, &info_help},
};

static const command_t *find_command(const char *name)
{
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
        if (strcmp(commands[k].name, name) == 0) return &commands[k];
    return NULL;
}

/* Rank 0: "unknown command", with the nearest command's name when one is
 * within two edits ("runn" -> run). */
static void unknown_command(const char *prefix, const char *name)
{
    const char *best = NULL;
    int bd = 3;
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++) {
        const int d = str_edit_distance(name, commands[k].name);
        if (d < bd) {
            bd = d;
            best = commands[k].name;
        }
    }
    fprintf(stderr, "%s: unknown command '%s'", prefix, name);
    if (best) fprintf(stderr, "; did you mean '%s'?", best);
    fprintf(stderr, " (commands: train, run, eval, consensus, list, config, info)\nTry 'samarl "
                    "--help'.\n");
}

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    cli_register_sections();
    check_slurm_tasks();
    const int root = comm_rank() == 0;
    const char *cmd = argc > 1 ? argv[1] : NULL;
    int rc = 0;
    if (!cmd || strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
        if (root) print_main_help(cmd ? stdout : stderr);
        comm_exit(cmd ? 0 : 2);
    } else if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
        if (root) print_version();
    } else if (strcmp(cmd, "help") == 0) {
        const char *topic = argc > 2 ? argv[2] : NULL;
        const command_t *c = topic ? find_command(topic) : NULL;
        if (topic && !c) {
            if (root) unknown_command("samarl help", topic);
            comm_exit(2);
        }
        if (root) {
            if (c)
                fputs(*c->help, stdout);
            else
                print_main_help(stdout);
        }
    } else {
        const command_t *c = find_command(cmd);
        if (!c) {
            if (root) unknown_command("samarl", cmd);
            comm_exit(2);
        }
        rc = c->run(argc, argv);
    }
    comm_finalize();
    return rc;
}
