/* Command-line plumbing shared by samarl's commands and samarl-partition:
 * option parsing, collective config loading, the set-up pipeline (graph ->
 * partition -> distribution -> halo) and the run record. */
#ifndef SAMARL_CLI_H
#define SAMARL_CLI_H

#include <stdint.h>

#include "samarl/config.h"
#include "samarl/graph.h"
#include "samarl/halo.h"
#include "samarl/partition.h"
#include "samarl/strbuf.h"
#include "samarl/timer.h"

/* Options a command accepts beyond -c/--set/--dry-run/-q/-h. */
enum {
    CLI_OUTPUT = 1,
    CLI_PARTS = 2,
    CLI_POSITIONAL = 4,
    CLI_POLICY = 8,   /* --policy FILE */
    CLI_RESUME = 16,  /* --resume FILE */
    CLI_LAMBDA = 32,  /* --lambda LIST */
    CLI_RESTART = 64, /* --restart CHECKPOINT */
    CLI_HOPS = 128    /* --hops K (samarl-partition) */
};

typedef struct cli_opts {
    const char *prog;   /* "samarl consensus", for messages */
    const char *config; /* -c FILE */
    char **sets;        /* --set S.K=V */
    int n_sets;
    const char *output;  /* -o FILE */
    int parts;           /* --parts P (0: unset) */
    int hops;            /* --hops K (0: unset) */
    const char *policy;  /* --policy FILE */
    const char *resume;  /* --resume FILE */
    const char *restart; /* --restart CHECKPOINT */
    const char *lambda;  /* --lambda a,b,c */
    int dry_run, quiet, help;
    char **args; /* positional arguments */
    int n_args;
} cli_opts_t;

/* Parse argv[first..argc). A usage error prints a message on rank 0 and
 * makes every rank exit with status 2 (all ranks see the same argv). */
void cli_parse(int argc, char **argv, int first, const char *prog, unsigned accept, cli_opts_t *o);
void cli_opts_free(cli_opts_t *o);

/* Collective. Rank 0 reads the config file and broadcasts it; every rank
 * parses it with the overrides. Bad input: message, every rank exits 1. */
void cli_load_config(const cli_opts_t *o, config_t *cfg);

/* Collective. --restart CHECKPOINT: the configuration is the one stored in
 * the checkpoint (root attribute 'config'), with the --set overrides; -c, if
 * given, is read instead. Either way it must equal the stored one except for
 * the *.checkpoint_every keys: a restart continues the same job. The
 * checkpoint's root 'format' must be `format`; *output gets the output path
 * the checkpoint was written for (root attribute 'checkpoint_for'; free it).
 * Bad input: message naming the differing keys, every rank exits 1. */
void cli_restart_config(const cli_opts_t *o, const char *format, config_t *cfg, char **output);

/* The checkpoint path of an output file: OUTPUT.ckpt (free it). */
char *cli_checkpoint_path(const char *output);

/* Collective, before any work. Every file the command will read (--policy,
 * --resume, graph.path, partition.file, and env.nodes and env.profiles when
 * `env`) exists and is not a directory, and the output `out` (NULL: none) is
 * none of them but --resume: a missing input costs seconds, not a set-up,
 * and a run never overwrites its own input. Bad input: every rank exits 1. */
void cli_check_inputs(const cli_opts_t *o, const config_t *cfg, int env, const char *out);

/* Collective. --dry-run: rank 0 prints the effective config, all exit 0. */
void cli_dry_run(const cli_opts_t *o, const config_t *cfg);

typedef struct setup {
    graph_t *g;         /* rank 0 only, until setup_free */
    int32_t *part;      /* rank 0 only */
    part_stats_t stats; /* rank 0 only */
    gidx_t n, m;        /* every rank */
    gidx_t edge_cut;    /* every rank */
    gidx_t components;  /* every rank */
    uint64_t fingerprint;
    char graph_name[256];
    lgraph_t *lg;
    halo_t *halo;
} setup_t;

/* Collective. Build the graph, partition it over the ranks, distribute it,
 * check the halo plan, create the halo (max_width doubles per agent). Bad
 * input: message, every rank exits 1. verbose: rank 0 reports each stage. */
void setup_run(const config_t *cfg, int max_width, int verbose, setup_t *s);
void setup_free(setup_t *s);

/* What the prologue shared by samarl run, train, eval and consensus needs to
 * know about a command. */
typedef struct cli_command {
    const char *prog;           /* "samarl run": messages and the banner */
    const char *help;           /* printed by -h */
    unsigned accept;            /* CLI_* options beyond the common ones */
    const char *ckpt_format;    /* --restart: the checkpoint's root 'format' */
    const char *job;            /* "CKPT continues the JOB writing ..." */
    const char *default_output; /* without -o; NULL: no output file */
    int env;                    /* its inputs include env.nodes and env.profiles */
    int banner;                 /* "PROG VERSION on P ranks" (not with -q); TIMER_TOTAL runs */
    /* The keys it reads ("section" or "section.key", comma-separated): a
     * key the user sets outside them gets one warning. NULL: no check. */
    const char *reads;
    /* Collective (may be NULL). The command's own checks of its options
     * against the configuration, after the dry run and before the input
     * checks; it may fill in options (a restart's --policy). ctx: the one
     * given to cli_prologue. Bad input: comm_check. */
    void (*check)(cli_opts_t *o, const config_t *cfg, void *ctx);
    /* Doubles per agent the halo must carry (NULL: 1). */
    int (*halo_width)(const config_t *cfg);
} cli_command_t;

/* Collective. Every command's start, in this order: parse argv (usage
 * error: exit 2), -h (help, exit 0), --restart with --resume refused, the
 * configuration (-c and --set, or the --restart checkpoint's), --dry-run, a
 * --restart into another -o refused, c->check, the inputs, whether the
 * output can be written, the banner, the set-up into *s. Returns the output
 * path (NULL: none). *ck_out gets the output a --restart continues (free
 * it; NULL without --restart); ck_out may be NULL for a command that does
 * not accept --restart. Bad input: message, every rank exits 1. */
const char *cli_prologue(int argc, char **argv, const cli_command_t *c, void *ctx, cli_opts_t *o,
                         config_t *cfg, char **ck_out, setup_t *s);

/* JSON run record: build information, command, config and timers. The
 * caller adds its own "results" object between begin and end. */
void record_begin(strbuf_t *sb, const char *command, const config_t *cfg, const setup_t *s);
void record_timers(strbuf_t *sb, const timer_stats_t st[TIMER_COUNT]);
/* Rank 0: write the record atomically (temporary name, then rename). */
int record_write(const char *path, strbuf_t *sb);
/* "out.h5" -> "out.json" (malloc'd). */
char *record_path_for(const char *h5path);

/* "1.23 s", "45.6 ms", "789 us" */
const char *cli_duration(double seconds, char *buf, size_t n);

/* Not collective. Register the configuration sections that environments
 * and trainers declare (environments first, then trainers, in registry
 * order), once, before any configuration is made: each program's main does
 * it first, and loading a configuration makes sure of it. */
void cli_register_sections(void);

/* Rank 0: a progress line of a long sigma estimate, every ~2 s (a
 * consensus_sigma progress callback; ctx: a cli_sigma_progress_t started
 * with both times at comm_wtime()). */
typedef struct {
    double t0, last;
} cli_sigma_progress_t;
void cli_sigma_progress(int64_t iter, int64_t max_iter, double sigma, double residual, void *ctx);

#endif
