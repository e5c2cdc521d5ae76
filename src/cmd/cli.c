/* Command-line plumbing: options, config loading, set-up pipeline, run record. */
#include "samarl/cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "samarl/comm.h"
#include "samarl/dual.h"
#include "samarl/env.h"
#include "samarl/error.h"
#include "samarl/h5io.h"
#include "samarl/trainer.h"
#include "samarl/version.h"

static void usage_error(const cli_opts_t *o, const char *fmt, const char *arg)
{
    if (comm_rank() == 0) {
        fprintf(stderr, "%s: ", o->prog);
        fprintf(stderr, fmt, arg);
        fprintf(stderr, "\nTry '%s --help'.\n", o->prog);
    }
    comm_exit(2);
}

void cli_parse(int argc, char **argv, int first, const char *prog, unsigned accept, cli_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->prog = prog;
    o->sets = XNEW(char *, argc);
    o->args = XNEW(char *, argc);
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        /* --opt=value form */
        char name[64];
        const char *eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
        if (eq && (size_t)(eq - a) < sizeof name) {
            memcpy(name, a, (size_t)(eq - a));
            name[eq - a] = '\0';
            val = eq + 1;
            a = name;
        }
#define NEEDS_VALUE()                                                                              \
    do {                                                                                           \
        if (!val) {                                                                                \
            if (i + 1 >= argc) usage_error(o, "option '%s' needs a value", a);                     \
            val = argv[++i];                                                                       \
        }                                                                                          \
        /* "-o ''" (an unset shell variable) would only fail after the run. */                     \
        if (!*val) usage_error(o, "option '%s' needs a non-empty value", a);                       \
    } while (0)
/* A second -c or -o would silently replace the first (configs are not merged). */
#define ONCE(field)                                                                                \
    do {                                                                                           \
        if (o->field) usage_error(o, "option '%s' given twice (give it once)", a);                 \
    } while (0)
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            o->help = 1;
        } else if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
            ONCE(config);
            NEEDS_VALUE();
            o->config = val;
        } else if (strcmp(a, "--set") == 0 || strcmp(a, "-s") == 0) {
            NEEDS_VALUE();
            o->sets[o->n_sets++] = (char *)val;
        } else if (strcmp(a, "--dry-run") == 0) {
            o->dry_run = 1;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            o->quiet = 1;
        } else if ((accept & CLI_OUTPUT) && (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0)) {
            ONCE(output);
            NEEDS_VALUE();
            o->output = val;
        } else if ((accept & CLI_PARTS) && strcmp(a, "--parts") == 0) {
            ONCE(parts);
            NEEDS_VALUE();
            char *end;
            long p = strtol(val, &end, 10);
            if (*end || p < 1 || p > 1 << 24)
                usage_error(o, "--parts needs a positive integer (got '%s')", val);
            o->parts = (int)p;
        } else if ((accept & CLI_HOPS) && strcmp(a, "--hops") == 0) {
            ONCE(hops);
            NEEDS_VALUE();
            char *end;
            long k = strtol(val, &end, 10);
            if (*end || k < 1 || k > 64)
                usage_error(o, "--hops needs an integer in 1..64 (got '%s')", val);
            o->hops = (int)k;
        } else if ((accept & CLI_POLICY) && strcmp(a, "--policy") == 0) {
            ONCE(policy);
            NEEDS_VALUE();
            o->policy = val;
        } else if ((accept & CLI_RESUME) && strcmp(a, "--resume") == 0) {
            ONCE(resume);
            NEEDS_VALUE();
            o->resume = val;
        } else if ((accept & CLI_RESTART) && strcmp(a, "--restart") == 0) {
            ONCE(restart);
            NEEDS_VALUE();
            o->restart = val;
        } else if ((accept & CLI_LAMBDA) && strcmp(a, "--lambda") == 0) {
            ONCE(lambda);
            NEEDS_VALUE();
            o->lambda = val;
        } else if (a[0] == '-' && a[1]) {
            usage_error(o, "unknown option '%s'", argv[i]);
        } else if (accept & CLI_POSITIONAL) {
            o->args[o->n_args++] = (char *)a;
        } else {
            usage_error(o, "unexpected argument '%s'", a);
        }
#undef ONCE
#undef NEEDS_VALUE
    }
}

void cli_opts_free(cli_opts_t *o)
{
    free(o->sets);
    free(o->args);
    memset(o, 0, sizeof *o);
}

/* The sections the environments and trainers declare, known before the
 * first configuration is read: environments first, then trainers, each in
 * registry order, so every program dumps the same sections in one order. */
void cli_register_sections(void)
{
    env_register_config();
    trainer_register_config();
}

/* Collective. The names the registries decide (env.name, train.algo,
 * dual.mode) are checked like every other value when a configuration is
 * loaded: samarl config and --dry-run refuse them too. */
static void check_registered_names(const config_t *cfg)
{
    comm_check(env_check_name(cfg->env.name));
    comm_check(trainer_check_name(cfg->train.algo));
    comm_check(dual_check_config(cfg));
}

void cli_load_config(const cli_opts_t *o, config_t *cfg)
{
    cli_register_sections();
    char *text = NULL;
    int st = SAMARL_OK;
    if (o->config && comm_rank() == 0) st = config_read_file(o->config, &text);
    comm_check_root(st, 0);
    if (o->config) {
        char *all = comm_bcast_string(text, 0);
        free(text);
        text = all;
    }
    st = config_parse_ini(cfg, o->config, text, o->sets, o->n_sets);
    free(text);
    comm_check(st);
    check_registered_names(cfg);
}

/* "section.key = value" lines of a formatted config, without comments and
 * without the checkpoint_every keys (which a restart may change). */
static void config_lines(const char *text, char ***lines, int *n)
{
    *n = 0;
    size_t cap = 1;
    for (const char *p = text; *p; p++) cap += *p == '\n';
    *lines = XNEW(char *, cap + 1);
    char sec[64] = "";
    for (const char *p = text; *p;) {
        size_t len = strcspn(p, "\n");
        const char *e = p + len;
        if (*p == '[') {
            size_t k = strcspn(p + 1, "]");
            snprintf(sec, sizeof sec, "%.*s", (int)(k < 63 ? k : 63), p + 1);
        } else if (len > 0 && *p != ';') {
            size_t v = len;
            const char *semi = memchr(p, ';', len);
            if (semi) v = (size_t)(semi - p);
            while (v > 0 && (p[v - 1] == ' ' || p[v - 1] == '\t')) v--;
            if (strncmp(p, "checkpoint_every", 16) != 0) {
                size_t m = strlen(sec) + v + 2;
                char *l = xmalloc(m);
                snprintf(l, m, "%s.%.*s", sec, (int)v, p);
                (*lines)[(*n)++] = l;
            }
        }
        p = *e ? e + 1 : e;
    }
}

/* Rank 0: SAMARL_ERR naming the keys where the two configs differ. */
static int config_same(const char *ckpt, const char *stored, const config_t *cfg)
{
    config_t c0;
    if (config_parse(&c0, ckpt, stored, NULL, 0) != SAMARL_OK)
        return samarl_adderr("%s: its stored configuration: ", ckpt);
    char *ta = config_format(&c0, 0), *tb = config_format(cfg, 0);
    config_free(&c0);
    char **a, **b;
    int na, nb;
    config_lines(ta, &a, &na);
    config_lines(tb, &b, &nb);
    strbuf_t sb = {0};
    int nd = 0;
    for (int i = 0; i < na && i < nb; i++)
        if (strcmp(a[i], b[i]) != 0 && nd++ < 4)
            sb_printf(&sb, "%s'%s' -> '%s'", nd > 1 ? "; " : "", a[i], b[i]);
    int rc = SAMARL_OK;
    if (nd > 0 || na != nb)
        rc = samarl_seterr("%s continues the job it was written by, so the configuration must be "
                           "the same (only run/train.checkpoint_every may change); %d key%s "
                           "differ%s: %s. Drop -c and the --set options that change it.",
                           ckpt, nd, nd == 1 ? "" : "s", nd == 1 ? "s" : "", sb.s ? sb.s : "");
    sb_free(&sb);
    for (int i = 0; i < na; i++) free(a[i]);
    for (int i = 0; i < nb; i++) free(b[i]);
    free(a);
    free(b);
    free(ta);
    free(tb);
    return rc;
}

void cli_restart_config(const cli_opts_t *o, const char *format, config_t *cfg, char **output)
{
    cli_register_sections();
    h5file_t *f;
    comm_check(h5io_open(o->restart, &f));
    char *fmt = NULL, *text = NULL, *out = NULL;
    int st = h5io_attr_read_str(f, "/", "format", &fmt);
    if (st == SAMARL_OK && strcmp(fmt, format) != 0)
        st = samarl_seterr("%s is not a checkpoint for this command: its format is '%s', expected "
                           "'%s'",
                           o->restart, fmt, format);
    if (st == SAMARL_OK && (h5io_attr_read_str(f, "/", "checkpoint_for", &out) != SAMARL_OK ||
                            h5io_attr_read_str(f, "/", "config", &text) != SAMARL_OK))
        st =
            samarl_seterr("%s is a %s file but not a checkpoint (no 'checkpoint_for'); checkpoints "
                          "are written as OUTPUT.ckpt by *.checkpoint_every",
                          o->restart, format);
    h5io_close(&f);
    free(fmt);
    comm_check(st);
    if (o->config) {
        cli_load_config(o, cfg);
    } else {
        comm_check(config_parse(cfg, o->restart, text, o->sets, o->n_sets));
        check_registered_names(cfg);
    }
    comm_check_root(comm_rank() == 0 ? config_same(o->restart, text, cfg) : SAMARL_OK, 0);
    free(text);
    *output = out;
}

char *cli_checkpoint_path(const char *output)
{
    size_t n = strlen(output) + 8;
    char *p = xmalloc(n);
    snprintf(p, n, "%s.ckpt", output);
    return p;
}

/* Rank 0: the input `path` (a `what`, given by `key`) can be opened, and
 * unless `same_ok` it is not the file `out` names. */
static int check_input(const char *what, const char *key, const char *path, const char *out,
                       int same_ok)
{
    struct stat in, ou;
    if (stat(path, &in) != 0 || access(path, R_OK) != 0)
        return samarl_seterr("cannot open %s '%s' (%s): %s", what, path, key, strerror(errno));
    if (S_ISDIR(in.st_mode))
        return samarl_seterr("cannot open %s '%s' (%s): it is a directory (expected a file)", what,
                             path, key);
    if (!same_ok && out && stat(out, &ou) == 0 && ou.st_dev == in.st_dev && ou.st_ino == in.st_ino)
        return samarl_seterr("-o %s is the %s (%s): the output would replace its own input "
                             "(choose another -o)",
                             out, what, key);
    return SAMARL_OK;
}

void cli_check_inputs(const cli_opts_t *o, const config_t *cfg, int env, const char *out)
{
    int st = SAMARL_OK;
    if (comm_rank() == 0) {
        if (o->policy) st = check_input("policy file", "--policy", o->policy, out, 0);
        if (!st && o->resume) st = check_input("policy file", "--resume", o->resume, out, 1);
        if (!st && cfg->graph.type == GRAPH_FILE)
            st = check_input("graph file", "graph.path", cfg->graph.path, out, 0);
        if (!st && cfg->partition.method == PARTITION_FILE)
            st = check_input("partition file", "partition.file", cfg->partition.file, out, 0);
        if (!st && env && cfg->env.nodes[0])
            st = check_input("nodes file", "env.nodes", cfg->env.nodes, out, 0);
        if (!st && env && cfg->env.profiles[0])
            st = check_input("profiles file", "env.profiles", cfg->env.profiles, out, 0);
    }
    comm_check_root(st, 0);
}

void cli_dry_run(const cli_opts_t *o, const config_t *cfg)
{
    if (comm_rank() == 0) {
        char *t = config_format(cfg, 1);
        printf("; effective configuration (%s%s)\n%s", o->config ? "file " : "built-in defaults",
               o->config ? o->config : "", t);
        free(t);
    }
    comm_exit(0);
}

/* ---- set-up pipeline ------------------------------------------------------- */

void setup_run(const config_t *cfg, int max_width, int verbose, setup_t *s)
{
    const int P = comm_size(), me = comm_rank();
    memset(s, 0, sizeof *s);
    int64_t hdr[4] = {0, 0, 0, 0};

    timer_start(TIMER_GRAPH);
    int st = SAMARL_OK;
    if (me == 0) {
        st = graph_build(cfg, &s->g, &hdr[2]);
        if (st == SAMARL_OK) {
            hdr[0] = s->g->n;
            hdr[1] = s->g->m;
            hdr[3] = (int64_t)graph_fingerprint(s->g);
            snprintf(s->graph_name, sizeof s->graph_name, "%s", s->g->name);
        }
    }
    comm_check_root(st, 0);
    timer_stop(TIMER_GRAPH);
    comm_bcast_int64(hdr, 4, 0);
    comm_bcast_bytes(s->graph_name, sizeof s->graph_name, 0);
    s->n = hdr[0];
    s->m = hdr[1];
    s->components = hdr[2];
    s->fingerprint = (uint64_t)hdr[3];
    if (verbose && me == 0)
        printf("graph: %s, %" PRIdG " agents, %" PRIdG
               " edges, mean degree %.2f, max degree %" PRIdG "%s (%.3f s)\n",
               s->graph_name, s->n, s->m, 2.0 * (double)s->m / (double)s->n, graph_max_degree(s->g),
               s->components > 1 ? " (DISCONNECTED: graph.allow_disconnected = true)" : "",
               timer_seconds(TIMER_GRAPH));
    if ((gidx_t)P > s->n) {
        samarl_seterr("more ranks than agents: %d ranks for %" PRIdG
                      " agents (run on at most %" PRIdG " ranks, or use a larger graph)",
                      P, s->n, s->n);
        comm_check_root(SAMARL_ERR, 0);
    }

    timer_start(TIMER_PARTITION);
    if (cfg->partition.method == PARTITION_FILE) {
        st = partition_read(cfg->partition.file, s->n, s->fingerprint, P, &s->part);
        comm_check(st);
    } else {
        if (me == 0) {
            s->part = XNEW(int32_t, s->n);
            st = partition_compute(s->g, cfg, P, s->part);
        }
        comm_check_root(st, 0);
    }
    timer_stop(TIMER_PARTITION);
    int64_t cut = 0;
    if (me == 0) {
        partition_stats(s->g, s->part, P, &s->stats);
        cut = s->stats.edge_cut;
        if (verbose) {
            printf("partition: %s into %d parts (%.3f s)\n",
                   config_enum_name("partition", "method", cfg->partition.method), P,
                   timer_seconds(TIMER_PARTITION));
            partition_stats_print(stdout, &s->stats);
        }
    }
    comm_bcast_int64(&cut, 1, 0);
    s->edge_cut = cut;

    timer_start(TIMER_DISTRIBUTE);
    s->lg = partition_distribute(s->g, s->part);
    comm_check(lgraph_check(s->lg));
    s->halo = halo_create(s->lg, (halo_method_t)cfg->halo.method, max_width);
    /* Rank 0's global graph and partition vector only served to deal out the
     * rows: free them before the run needs its memory. */
    graph_destroy(&s->g);
    free(s->part);
    s->part = NULL;
    timer_stop(TIMER_DISTRIBUTE);
    timer_memory_mark_setup();
    if (verbose && me == 0) {
        printf("distribute: rows scattered, halo plan checked, %s halo (%.3f s)\n",
               config_enum_name("halo", "method", cfg->halo.method),
               timer_seconds(TIMER_DISTRIBUTE));
        fflush(stdout);
    }
}

void setup_free(setup_t *s)
{
    halo_destroy(&s->halo);
    lgraph_destroy(&s->lg);
    graph_destroy(&s->g);
    free(s->part);
    s->part = NULL;
    if (s->stats.owned) partition_stats_free(&s->stats);
}

/* ---- command prologue -------------------------------------------------------- */

/* Collective. A policy belongs to the graph and environment it was trained
 * on: what the user left at its default in [graph] (but its seed, which
 * follows run.seed), [env] and the network's shape is taken from the
 * policy file's stored config, with one line saying so. A file that is not
 * a readable policy is left to policyfile_read, which says what is wrong. */
static void inherit_from_policy(const cli_opts_t *o, config_t *cfg)
{
    static const char *const picks[] = {"graph",          "-graph.seed",   "env",
                                        "policy.sharing", "policy.hidden", "policy.normalize"};
    comm_check_root(comm_rank() == 0 ? check_input("policy file", "--policy", o->policy, NULL, 0)
                                     : SAMARL_OK,
                    0);
    h5file_t *f;
    if (h5io_open(o->policy, &f) != SAMARL_OK) return;
    char *fmt = NULL, *text = NULL;
    const int ok = h5io_attr_read_str(f, "/", "format", &fmt) == SAMARL_OK &&
                   strcmp(fmt, "samarl-policy") == 0 &&
                   h5io_attr_read_str(f, "/", "config", &text) == SAMARL_OK;
    h5io_close(&f);
    free(fmt);
    int taken = 0;
    if (ok && config_inherit(cfg, o->policy, text, picks, (int)(sizeof picks / sizeof picks[0]),
                             &taken) != SAMARL_OK)
        comm_check(samarl_adderr("--policy: "));
    free(text);
    if (taken > 0 && comm_rank() == 0 && !o->quiet)
        printf("samarl: %d [graph]/[env]/[policy] setting%s taken from %s, which it was trained "
               "on (-c or --set override them)\n",
               taken, taken == 1 ? "" : "s", o->policy);
}

const char *cli_prologue(int argc, char **argv, const cli_command_t *c, void *ctx, cli_opts_t *o,
                         config_t *cfg, char **ck_out, setup_t *s)
{
    cli_parse(argc, argv, 2, c->prog, c->accept, o);
    const int me = comm_rank();
    if (o->help) {
        if (me == 0) fputs(c->help, stdout);
        comm_exit(0);
    }
    if (o->restart && o->resume)
        comm_check(samarl_seterr("--restart and --resume both given: --restart CHECKPOINT "
                                 "continues a killed job, --resume FILE trains a finished "
                                 "policy further; pick one"));
    char *restart_out = NULL; /* the output the checkpoint is for */
    if (o->restart) {
        cli_restart_config(o, c->ckpt_format, cfg, &restart_out);
        SAMARL_ASSERT(restart_out); /* or it had exited */
    } else {
        cli_load_config(o, cfg);
        if (o->policy) inherit_from_policy(o, cfg);
    }
    if (c->reads && comm_rank() == 0) {
        char names[512];
        const int k = config_unread_keys(cfg, c->reads, names, sizeof names);
        if (k > 0)
            fprintf(stderr,
                    "%s: warning: --set %s: %s does not read %s (-h lists the keys it reads)\n",
                    c->prog, names, c->prog, k == 1 ? "this key" : "these keys");
    }
    if (o->dry_run) cli_dry_run(o, cfg);
    if (o->restart && o->output && strcmp(o->output, restart_out) != 0)
        comm_check(samarl_seterr("%s continues the %s writing '%s', not '%s': drop -o or pass "
                                 "-o %s",
                                 o->restart, c->job, restart_out, o->output, restart_out));
    if (c->check) c->check(o, cfg, ctx);
    const char *out = o->restart ? restart_out : o->output ? o->output : c->default_output;
    cli_check_inputs(o, cfg, c->env, out);
    if (out) comm_check(h5io_check_writable(out));
    if (c->banner) {
        timer_start(TIMER_TOTAL);
        if (me == 0 && !o->quiet)
            printf("%s %s on %d rank%s\n", c->prog, SAMARL_VERSION, comm_size(),
                   comm_size() > 1 ? "s" : "");
    }
    setup_run(cfg, c->halo_width ? c->halo_width(cfg) : 1, !o->quiet, s);
    SAMARL_ASSERT(ck_out || !restart_out); /* out would point to freed memory */
    if (ck_out) *ck_out = restart_out;
    return out;
}

/* ---- run record ------------------------------------------------------------ */

void record_begin(strbuf_t *sb, const char *command, const config_t *cfg, const setup_t *s)
{
    char date[64];
    time_t now = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    sb_puts(sb, "{\n  \"command\": ");
    sb_json_string(sb, command);
    sb_puts(sb, ",\n  \"samarl_version\": ");
    sb_json_string(sb, SAMARL_VERSION);
    sb_puts(sb, ",\n  \"git_sha\": ");
    sb_json_string(sb, samarl_git_sha());
    sb_puts(sb, ",\n  \"date\": ");
    sb_json_string(sb, date);
    sb_puts(sb, ",\n  \"build\": {\"cc\": ");
    sb_json_string(sb, samarl_build_cc());
    sb_puts(sb, ", \"cflags\": ");
    sb_json_string(sb, samarl_build_cflags());
    sb_puts(sb, ", \"mpi\": ");
    sb_json_string(sb, comm_library_version());
    sb_puts(sb, ", \"hdf5\": ");
    sb_json_string(sb, h5io_library_version());
    sb_puts(sb, ", \"metis\": ");
    sb_json_string(sb, partition_metis_version());
    sb_printf(sb, "},\n  \"n_ranks\": %d,\n", comm_size());
    if (s) {
        sb_puts(sb, "  \"graph\": {\"name\": ");
        sb_json_string(sb, s->graph_name);
        sb_printf(sb,
                  ", \"n_agents\": %" PRIdG ", \"n_edges\": %" PRIdG ", \"components\": %" PRIdG
                  ", \"edge_cut\": %" PRIdG "},\n",
                  s->n, s->m, s->components, s->edge_cut);
        if (s->stats.owned) {
            const part_stats_t *p = &s->stats;
            sb_printf(
                sb,
                "  \"partition\": {\"parts\": %d, \"imbalance\": %.6g, \"halo_volume\": %" PRIdG
                ", \"owned\": [%.0f, %.6g, %.0f], \"ghosts\": [%.0f, %.6g, %.0f], "
                "\"send\": [%.0f, %.6g, %.0f], \"neighbours\": [%.0f, %.6g, %.0f]},\n",
                p->nparts, p->imbalance, p->halo_total, p->s_owned.min, p->s_owned.avg,
                p->s_owned.max, p->s_ghosts.min, p->s_ghosts.avg, p->s_ghosts.max, p->s_send.min,
                p->s_send.avg, p->s_send.max, p->s_neighbours.min, p->s_neighbours.avg,
                p->s_neighbours.max);
        }
    }
    char *text = config_format(cfg, 0);
    sb_puts(sb, "  \"config\": ");
    sb_json_string(sb, text);
    sb_puts(sb, ",\n");
    free(text);
}

void record_timers(strbuf_t *sb, const timer_stats_t st[TIMER_COUNT])
{
    sb_puts(sb, "  \"timers\": {");
    int first = 1;
    for (int t = 0; t < TIMER_COUNT; t++) {
        if (st[t].calls == 0 && st[t].max == 0.0) continue;
        sb_printf(sb,
                  "%s\n    \"%s\": {\"min_s\": %.9g, \"avg_s\": %.9g, \"max_s\": %.9g, "
                  "\"max_rank\": %d, \"calls\": %" PRId64 "}",
                  first ? "" : ",", timer_names[t], st[t].min, st[t].avg, st[t].max, st[t].max_rank,
                  st[t].calls);
        first = 0;
    }
    mem_stats_t m = timer_memory();
    sb_printf(sb,
              "\n  },\n  \"memory\": {\"peak_rss_bytes_max\": %" PRId64
              ", \"peak_rss_bytes_sum\": %" PRId64,
              m.max, m.sum);
    if (m.setup_max >= 0)
        sb_printf(sb,
                  ", \"setup_peak_rss_bytes_max\": %" PRId64
                  ", \"setup_peak_rss_bytes_sum\": %" PRId64
                  ", \"after_setup_peak_rss_bytes_max\": %" PRId64
                  ", \"after_setup_peak_rss_bytes_sum\": %" PRId64,
                  m.setup_max, m.setup_sum, m.after_max, m.after_sum);
    sb_puts(sb, "}");
}

int record_write(const char *path, strbuf_t *sb)
{
    size_t n = strlen(path) + 16;
    char *tmp = xmalloc(n);
    snprintf(tmp, n, "%s.partial", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        int rc = samarl_seterr("cannot write run record '%s': %s", tmp, strerror(errno));
        free(tmp);
        return rc;
    }
    fputs(sb->s ? sb->s : "{}", f);
    int bad = fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        unlink(tmp);
        int rc = samarl_seterr("cannot write run record '%s'", path);
        free(tmp);
        return rc;
    }
    free(tmp);
    return SAMARL_OK;
}

char *record_path_for(const char *h5path)
{
    size_t n = strlen(h5path);
    char *out = xmalloc(n + 8); /* room for ".json" in either case */
    memcpy(out, h5path, n + 1);
    if (n > 3 && strcmp(out + n - 3, ".h5") == 0)
        strcpy(out + n - 3, ".json"); // NOLINT(clang-analyzer-security.insecureAPI.strcpy)
    else
        strcat(out, ".json"); // NOLINT(clang-analyzer-security.insecureAPI.strcpy)
    return out;
}

const char *cli_duration(double s, char *buf, size_t n)
{
    if (s >= 1.0)
        snprintf(buf, n, "%.3g s", s);
    else if (s >= 1e-3)
        snprintf(buf, n, "%.3g ms", s * 1e3);
    else
        snprintf(buf, n, "%.3g us", s * 1e6);
    return buf;
}

void cli_sigma_progress(int64_t it, int64_t max_iter, double sigma, double res, void *ctx)
{
    cli_sigma_progress_t *p = ctx;
    double now = comm_wtime();
    if (comm_rank() != 0 || now - p->last < 2.0) return;
    p->last = now;
    char b[32];
    printf("  sigma: Lanczos step %" PRId64 " of at most %" PRId64
           ", estimate %.10f, residual %.2g, %.3g steps/s, "
           "at most %s left\n",
           it, max_iter, sigma, res, (double)it / (now - p->t0),
           cli_duration((now - p->t0) / (double)it * (double)(max_iter - it), b, sizeof b));
    fflush(stdout);
}
