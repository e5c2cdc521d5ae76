/* samarl run: execution with dual variables agreed by consensus (DESIGN.md §5)
 * and the run file of DESIGN.md §6. */
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "samarl/blockmap.h"
#include "samarl/cli.h"
#include "samarl/comm.h"
#include "samarl/consensus.h"
#include "samarl/env.h"
#include "samarl/error.h"
#include "samarl/h5io.h"
#include "samarl/policy.h"
#include "samarl/policyfile.h"
#include "samarl/reprosum.h"
#include "samarl/version.h"

#define SAMARL_RUN_FORMAT_VERSION 1

const char *const run_help =
    "usage: samarl run [-c CONFIG] [--policy policy.h5] [--set section.key=value ...]\n"
    "                  [-o run.h5] [--dry-run] [-q]\n"
    "       samarl run --restart run.h5.ckpt\n"
    "\n"
    "Runs every agent on its local state and its own multiplier lambda_i for\n"
    "run.days days (hourly steps) and lets the agents agree on lambda. Every\n"
    "dual.epoch steps each agent takes a dual step on its own usage,\n"
    "  l_i = lambda_i + dual.eta (mean usage of i over the epoch - C/N),\n"
    "then, by dual.mode:\n"
    "  consensus  K = dual.rounds rounds of averaging with its graph neighbours\n"
    "             (one halo exchange each), lambda = max(0, W^K l)  [the paper]\n"
    "  tracking   the same, with the slack replaced by a dynamic-average\n"
    "             estimate of the network's slack (gradient tracking)\n"
    "  local      no communication: lambda_i = max(0, l_i)  [independent learners]\n"
    "  central    one exact multiplier from a reproducible all-reduce  [the oracle]\n"
    "  fixed      lambda = dual.lambda0 throughout; none: lambda = 0\n"
    "C = env.capacity_ratio x the agents' total demand scale is the grid capacity.\n"
    "\n"
    "The policy is policy.type = mlp (networks from --policy, made by samarl train)\n"
    "or bestresponse (analytic, no file). Rank 0 prints a progress line (step,\n"
    "agent-steps/s, ETA, slack against C, mean lambda, served fraction) and a\n"
    "summary: average slack / C and the share of steps over capacity over the\n"
    "second half, fulfilment (served / arrived essential demand), postponers\n"
    "(agents whose backlog exceeds 24 h of their demand at the end), energy cost,\n"
    "lambda and its disagreement beside the theory bound eta G s^K / (1 - s^K).\n"
    "\n"
    "The run file (-o, default run.h5) is parallel HDF5: /series (per-step\n"
    "network totals), /traj (per-agent float32 trajectories, output.agents and\n"
    "output.every choose how many), /agents, /graph, /summary, /timers; written\n"
    "as run.h5.partial and renamed when complete; a JSON summary goes beside it.\n"
    "Its datasets are bit-identical for any number of ranks.\n"
    "\n"
    "options:\n"
    "  -c, --config FILE    INI configuration (without it: built-in defaults)\n"
    "  -s, --set S.K=V      override one key; repeatable\n"
    "      --policy FILE    trained networks (policy.type = mlp)\n"
    "  -o, --output FILE    the run file (default run.h5); JSON summary beside it\n"
    "      --restart CKPT   continue a killed run from its checkpoint (OUTPUT.ckpt,\n"
    "                       written every run.checkpoint_every steps): same config\n"
    "                       and output as stored in it, result bit-identical to an\n"
    "                       uninterrupted run, on any number of ranks (--policy\n"
    "                       defaults to the file the run started with)\n"
    "      --dry-run        print the effective configuration and exit\n"
    "  -q, --quiet          print only the summary\n"
    "  -h, --help           this text\n"
    "\n"
    "keys: [run] days, steps, greedy, seed, progress_every, checkpoint_every;\n"
    "      [dual] all; [output] all;\n"
    "      [env] all; [policy] type, tau, defer_hours; [graph] [partition] [halo];\n"
    "      [faults] all (lost, late and silent messages in the consensus rounds).\n"
    "      'samarl config --keys' documents every key.\n"
    "\n"
    "examples:\n"
    "  mpirun -np 2 samarl run --set policy.type=bestresponse --set graph.agents=256 \\\n"
    "      --set graph.type=ring --set graph.k=2 -o run.h5\n"
    "  mpirun -np 2 samarl run --policy policy.h5 --set graph.agents=32 \\\n"
    "      --set dual.mode=local -o local.h5\n"
    "  samarl info run.h5\n";

enum { SOURCE_RUN = 2 };
/* Agents observed, decided and stepped together (one batched forward for a
 * shared network, one log-softmax for per-agent networks). */
enum { RUN_BATCH = 256 };

/* Per-step network totals recorded in /series. */
enum {
    S_USAGE,
    S_SERVED,
    S_ARRIVED,
    S_BACKLOG,
    S_COST,
    S_REWARD,
    S_N_SUMS, /* the reproducible sums above */
    S_LMEAN = S_N_SUMS,
    S_LMIN,
    S_LMAX,
    S_DIS,
    S_BOUND,
    S_SLACK,
    S_CAPACITY,
    S_COUNT
};
static const struct {
    const char *name, *units, *description;
} series_info[S_COUNT] = {
    [S_USAGE] = {"total_usage", "kWh", "grid draw of all agents in the step"},
    [S_SERVED] = {"served", "kWh", "essential demand served in the step, all agents"},
    [S_ARRIVED] = {"arrived", "kWh", "essential demand arriving in the step, all agents"},
    [S_BACKLOG] = {"backlog", "kWh", "pending essential demand after the step, all agents"},
    [S_COST] = {"energy_cost", "$", "price x grid draw in the step, all agents"},
    [S_REWARD] = {"reward", "$", "reward r (utility - cost - backlog penalty), all agents"},
    [S_LMEAN] = {"lambda_mean", "$/kWh", "mean multiplier the agents acted on in the step"},
    [S_LMIN] = {"lambda_min", "$/kWh", "smallest multiplier in the step"},
    [S_LMAX] = {"lambda_max", "$/kWh", "largest multiplier in the step"},
    [S_DIS] = {"disagreement", "$/kWh",
               "||lambda - mean 1|| / sqrt(N) of the multipliers acted on in the step"},
    [S_BOUND] = {"disagreement_bound", "$/kWh",
                 "eta G sigma^K / (1 - sigma^K), G the largest RMS deviation of the agents' "
                 "epoch usage from its mean so far (NaN where sigma is unknown)"},
    [S_SLACK] = {"slack", "kWh", "total_usage - capacity (positive: over capacity)"},
    [S_CAPACITY] = {"capacity", "kWh", "grid capacity C per step (constant in DR-v1)"},
};

/* Per-agent trajectories recorded in /traj. */
enum { T_USAGE, T_BACKLOG, T_ACTION, T_REWARD, T_LAMBDA, T_COUNT };
static const struct {
    const char *name, *units, *description;
} traj_info[T_COUNT] = {
    [T_USAGE] = {"usage", "kWh", "grid draw of each agent (column = gid / M for every:M)"},
    [T_BACKLOG] = {"backlog", "kWh", "pending essential demand of each agent after the step"},
    [T_ACTION] = {"action", "level index", "action taken (index into env.levels)"},
    [T_REWARD] = {"reward", "$", "reward r of each agent (without the multiplier term)"},
    [T_LAMBDA] = {"lambda", "$/kWh", "multiplier each agent acted on"},
};

typedef struct runout {
    h5file_t *f;
    blockmap_t *bm;
    gidx_t lo, cnt;      /* this rank's gid block */
    gidx_t col0, ncols;  /* its recorded columns */
    gidx_t width;        /* recorded agents in all */
    int64_t every, step; /* agent stride (0: none) */
    int64_t cap, rows;   /* buffered recorded steps */
    float *stage;        /* [n_owned][T_COUNT] the step being recorded, owned order */
    float *blk;          /* [cnt][T_COUNT] the same in gid order */
    float *out[T_COUNT]; /* [cap][ncols] buffered steps, recorded columns */
    h5series_t *traj[T_COUNT];
    h5series_t *ser[S_COUNT];
    double *sbuf; /* [S_COUNT][cap_s] on rank 0 */
    int64_t cap_s, rows_s;
    int64_t total_s, total_t; /* rows of /series and /traj when complete */
} runout_t;

/* The buffers and the layout of /traj (the same for a new file and for a
 * reopened one). */
static void runout_layout(runout_t *o, const config_t *cfg, const setup_t *s)
{
    const lgraph_t *lg = s->lg;
    o->bm = blockmap_create(lg);
    o->lo = blockmap_lo(o->bm);
    o->cnt = blockmap_count(o->bm);
    o->cap_s = cfg->output.buffer;
    if (comm_rank() == 0) o->sbuf = XNEW(double, (size_t)S_COUNT * (size_t)o->cap_s);
    o->step = cfg->output.agent_step;
    o->every = cfg->output.every;
    o->total_s = cfg->run.n_steps;
    o->total_t = (cfg->run.n_steps + o->every - 1) / o->every;
    if (o->step <= 0) return;
    const gidx_t M = o->step, c = o->cnt > 0 ? o->cnt : 1;
    o->width = (s->n + M - 1) / M;
    gidx_t first = (o->lo + M - 1) / M, end = (o->lo + o->cnt + M - 1) / M;
    o->col0 = first;
    o->ncols = end - first;
    /* Rows buffered: output.buffer, fewer when that many rows of all
     * recorded agents exceed output.buffer_mb (a function of the global
     * width, so the chunk shape does not depend on the rank count). */
    const double row_bytes = (double)T_COUNT * sizeof(float) * (double)o->width;
    const double fit = floor(cfg->output.buffer_mb * 1048576.0 / row_bytes);
    o->cap = fit < (double)cfg->output.buffer ? (int64_t)fit : cfg->output.buffer;
    if (o->cap < 1) o->cap = 1;
    o->stage = XNEW(float, (size_t)(lg->n_owned > 0 ? lg->n_owned : 1) * T_COUNT);
    o->blk = XNEW(float, (size_t)c * T_COUNT);
    for (int k = 0; k < T_COUNT; k++)
        o->out[k] = XNEW(float, (size_t)o->cap * (size_t)(o->ncols > 0 ? o->ncols : 1));
}

/* Continue the run file of a checkpointed run: its first rows_s series rows
 * and rows_t trajectory rows are written. */
static void runout_reopen(runout_t *o, const char *path, const config_t *cfg, const setup_t *s,
                          int64_t rows_s, int64_t rows_t)
{
    memset(o, 0, sizeof *o);
    comm_check(h5io_reopen_partial(path, &o->f));
    runout_layout(o, cfg, s);
    for (int k = 0; k < S_COUNT; k++) {
        char p[64];
        snprintf(p, sizeof p, "/series/%s", series_info[k].name);
        o->ser[k] = h5io_series_reopen(o->f, p, H5IO_F64, 0, rows_s);
    }
    for (int k = 0; o->step > 0 && k < T_COUNT; k++) {
        char p[64];
        snprintf(p, sizeof p, "/traj/%s", traj_info[k].name);
        o->traj[k] = h5io_series_reopen(o->f, p, H5IO_F32, o->width, rows_t);
    }
}

/* Datasets are created at their final size (run.n_steps rows), so that
 * during the run only raw data is written: with checkpoints on, the file is
 * flushed once before the first step and then survives a kill readable. */
static void runout_open(runout_t *o, const char *path, const config_t *cfg, const setup_t *s,
                        const env_t *env, double sigma)
{
    memset(o, 0, sizeof *o);
    const lgraph_t *lg = s->lg;
    comm_check(h5io_create(path, &o->f));
    h5file_t *f = o->f;
    runout_layout(o, cfg, s);

    char *text = config_format(cfg, 0), fp[24];
    snprintf(fp, sizeof fp, "%016" PRIx64, s->fingerprint);
    h5io_write_identity(f, "samarl-run", SAMARL_RUN_FORMAT_VERSION);
    h5io_attr_int64(f, "/", "n_agents", s->n);
    h5io_attr_int64(f, "/", "n_ranks", comm_size());
    h5io_attr_int64(f, "/", "seed", (int64_t)cfg->run.seed);
    h5io_attr_int64(f, "/", "steps", cfg->run.n_steps);
    h5io_attr_double(f, "/", "capacity", env->capacity);
    h5io_attr_str(f, "/", "dual_mode", config_enum_name("dual", "mode", cfg->dual.mode));
    h5io_attr_str(f, "/", "policy_type", config_enum_name("policy", "type", cfg->policy.type));
    h5io_attr_double(f, "/", "faults_link_drop", cfg->faults.link_drop);
    h5io_attr_double(f, "/", "faults_agent_dropout", cfg->faults.agent_dropout);
    h5io_attr_int64(f, "/", "faults_dropout_rounds", cfg->faults.dropout_rounds);
    h5io_attr_double(f, "/", "faults_stale", cfg->faults.stale);
    h5io_attr_str(f, "/", "config", text);
    free(text);

    /* /graph and /agents: per-agent values at their gids. */
    gidx_t c = o->cnt > 0 ? o->cnt : 1;
    int32_t *iv = XNEW(int32_t, lg->n_owned > 0 ? lg->n_owned : 1), *ib = XNEW(int32_t, c);
    float *fb = XNEW(float, c);
    for (lidx_t i = 0; i < lg->n_owned; i++) iv[i] = comm_rank();
    blockmap_forward(o->bm, iv, ib, sizeof(int32_t));
    h5io_write_1d(f, "/graph/partition", H5IO_I32, s->n, o->lo, o->cnt, ib, "rank",
                  "MPI rank that owned each agent in this run");
    for (lidx_t i = 0; i < lg->n_owned; i++) iv[i] = lg->degree[i];
    blockmap_forward(o->bm, iv, ib, sizeof(int32_t));
    h5io_write_1d(f, "/graph/degree", H5IO_I32, s->n, o->lo, o->cnt, ib, "1",
                  "number of neighbours of each agent");
    h5io_attr_str(f, "/graph", "name", s->graph_name);
    h5io_attr_str(f, "/graph", "fingerprint", fp);
    h5io_attr_int64(f, "/graph", "n_edges", s->m);
    h5io_attr_int64(f, "/graph", "edge_cut", s->edge_cut);
    h5io_attr_double(f, "/graph", "sigma", sigma);
    env_table_t tb;
    for (int k = 0; env_table(env, k, &tb); k++) {
        char name[96];
        snprintf(name, sizeof name, "/agents/%s", tb.name);
        blockmap_forward(o->bm, tb.data, fb, sizeof(float));
        h5io_write_1d(f, name, H5IO_F32, s->n, o->lo, o->cnt, fb, tb.units, tb.description);
    }
    free(iv);
    free(ib);
    free(fb);

    /* /series: rank 0 appends; chunk = buffer rows. */
    for (int k = 0; k < S_COUNT; k++) {
        char p[64];
        snprintf(p, sizeof p, "/series/%s", series_info[k].name);
        o->ser[k] = h5io_series_create(f, p, H5IO_F64, 0, o->cap_s, o->total_s,
                                       series_info[k].units, series_info[k].description);
    }
    h5io_attr_double(f, "/series", "capacity", env->capacity);
    h5io_attr_str(f, "/series", "capacity_units", "kWh per step");

    /* /traj: recorded agents are the gids that are multiples of the stride. */
    if (o->step > 0) {
        const gidx_t M = o->step;
        for (int k = 0; k < T_COUNT; k++) {
            char p[64];
            snprintf(p, sizeof p, "/traj/%s", traj_info[k].name);
            o->traj[k] = h5io_series_create(f, p, H5IO_F32, o->width, o->cap, o->total_t,
                                            traj_info[k].units, traj_info[k].description);
        }
        h5io_attr_int64(f, "/traj", "agent_stride", M);
        h5io_attr_int64(f, "/traj", "step_stride", o->every);
        h5io_attr_str(f, "/traj", "layout",
                      "[recorded step][recorded agent]: row r is step r * step_stride, column c "
                      "is agent gid c * agent_stride");
    }
}

static void runout_flush_traj(runout_t *o)
{
    if (o->step <= 0 || o->rows == 0) return; /* rows: the same on every rank */
    for (int k = 0; k < T_COUNT; k++)
        h5io_series_append(o->traj[k], o->rows, o->col0, o->ncols, o->out[k]);
    o->rows = 0;
}

/* Collective. The staged step (every trajectory of every owned agent) goes
 * to gid order in one exchange; its recorded columns join the buffer. */
static void runout_record(runout_t *o)
{
    blockmap_forward(o->bm, o->stage, o->blk, T_COUNT * sizeof(float));
    for (gidx_t c = 0; c < o->ncols; c++) {
        const float *v = o->blk + (size_t)((o->col0 + c) * o->step - o->lo) * T_COUNT;
        for (int k = 0; k < T_COUNT; k++) o->out[k][o->rows * o->ncols + c] = v[k];
    }
    if (++o->rows == o->cap) runout_flush_traj(o);
}

static void runout_flush_series(runout_t *o)
{
    int64_t rows = o->rows_s;
    if (rows == 0) return;
    const int root = comm_rank() == 0;
    for (int k = 0; k < S_COUNT; k++)
        h5io_series_append(o->ser[k], rows, 0, root ? 1 : 0,
                           root ? o->sbuf + (size_t)k * (size_t)o->cap_s : NULL);
    o->rows_s = 0;
}

/* Collective (every rank calls it every step with the same t). */
static void runout_series(runout_t *o, const double v[S_COUNT])
{
    if (comm_rank() == 0)
        for (int k = 0; k < S_COUNT; k++) o->sbuf[(size_t)k * (size_t)o->cap_s + o->rows_s] = v[k];
    if (++o->rows_s == o->cap_s) runout_flush_series(o);
}

static void runout_close(runout_t *o)
{
    for (int k = 0; k < S_COUNT; k++) h5io_series_close(&o->ser[k]);
    for (int k = 0; k < T_COUNT; k++) {
        h5io_series_close(&o->traj[k]);
        free(o->out[k]);
    }
    free(o->stage);
    free(o->blk);
    free(o->sbuf);
    blockmap_destroy(&o->bm);
}

/* ---- checkpoints ------------------------------------------------------------ */

#define SAMARL_RUN_CKPT_FORMAT_VERSION 1

/* What the run carries from step to step beyond the per-agent arrays. */
typedef struct runsums {
    double lmean, lmin, lmax, dis, gmax; /* the multipliers acted on, G so far */
    double usage2, served2, arrived2, cost2, reward2, dis2; /* second-half sums */
    double backlog_half, backlog_end;
    int64_t over2; /* second-half steps over capacity */
} runsums_t;

static const struct {
    const char *name;
    size_t off;
} sums_fields[] = {
    {"lambda_mean", offsetof(runsums_t, lmean)},    {"lambda_min", offsetof(runsums_t, lmin)},
    {"lambda_max", offsetof(runsums_t, lmax)},      {"disagreement", offsetof(runsums_t, dis)},
    {"gmax", offsetof(runsums_t, gmax)},            {"sum_usage2", offsetof(runsums_t, usage2)},
    {"sum_served2", offsetof(runsums_t, served2)},  {"sum_arrived2", offsetof(runsums_t, arrived2)},
    {"sum_cost2", offsetof(runsums_t, cost2)},      {"sum_reward2", offsetof(runsums_t, reward2)},
    {"sum_dis2", offsetof(runsums_t, dis2)},        {"backlog_half", offsetof(runsums_t, backlog_half)},
    {"backlog_end", offsetof(runsums_t, backlog_end)},
};
#define N_SUMS_FIELDS ((int)(sizeof sums_fields / sizeof sums_fields[0]))

/* The per-agent state, owned order: the environment's, the multipliers,
 * the tracker y (x interleaves lambda and y when width is 2; lambda's
 * column is rewritten before every mix, so only y is carried), and the
 * epoch's usage so far. */
typedef struct runstate {
    env_t *env;
    double *x, *lam, *gsum, *sold;
    int width;
} runstate_t;

/* Per-agent arrays go through the file at their gids, so a checkpoint
 * written on P ranks restarts on any number of ranks: the environment's
 * state (env_field), then the multipliers and the dual rule's state. */
typedef struct {
    const char *name;
    h5io_type_t t;
    void *data;
} ckfield_t;
enum { CK_MAX = 32 };

/* The fields of a checkpoint, into ck[CK_MAX]; y stands for the tracker. */
static int ck_list(const runstate_t *r, double *y, ckfield_t *ck)
{
    static const h5io_type_t ht[] = {[ENV_FIELD_F32] = H5IO_F32, [ENV_FIELD_F64] = H5IO_F64,
                                     [ENV_FIELD_I64] = H5IO_I64};
    int nf = 0;
    env_field_t ef;
    for (int k = 0; nf < CK_MAX - 4 && env_field(r->env, k, &ef); k++)
        ck[nf++] = (ckfield_t){ef.name, ht[ef.type], ef.data};
    ck[nf++] = (ckfield_t){"lambda", H5IO_F64, r->lam};
    ck[nf++] = (ckfield_t){"tracker", H5IO_F64, y};
    ck[nf++] = (ckfield_t){"epoch_usage", H5IO_F64, r->gsum};
    ck[nf++] = (ckfield_t){"last_slack", H5IO_F64, r->sold};
    return nf;
}

/* Collective. Write (or read) every per-agent field; the tracker goes
 * through y, a contiguous copy of x's second column (zeros without one). */
static void state_io(h5file_t *f, blockmap_t *bm, const runstate_t *r, gidx_t n_global,
                     lidx_t n, int write)
{
    const gidx_t lo = blockmap_lo(bm), cnt = blockmap_count(bm);
    double *y = XZNEW(double, n > 0 ? n : 1);
    ckfield_t ck[CK_MAX];
    const int nf = ck_list(r, y, ck);
    char *blk = XNEW(char, (size_t)(cnt > 0 ? cnt : 1) * 8);
    if (write && r->width == 2)
        for (lidx_t i = 0; i < n; i++) y[i] = r->x[2 * (size_t)i + 1];
    for (int k = 0; k < nf; k++) {
        char p[64];
        const size_t size = ck[k].t == H5IO_F32 ? 4 : 8;
        snprintf(p, sizeof p, "/state/%s", ck[k].name);
        if (write) {
            blockmap_forward(bm, ck[k].data, blk, size);
            h5io_write_1d(f, p, ck[k].t, n_global, lo, cnt, blk, "", "checkpointed state");
        } else {
            h5io_read_1d(f, p, ck[k].t, lo, cnt, blk);
            blockmap_backward(bm, blk, ck[k].data, size);
        }
    }
    if (!write && r->width == 2)
        for (lidx_t i = 0; i < n; i++) r->x[2 * (size_t)i + 1] = y[i];
    free(y);
    free(blk);
}

/* Collective. OUTPUT.ckpt (via .partial and a rename, so a kill while
 * writing leaves the previous checkpoint): everything step t continues
 * from. The run file has been flushed up to the rows recorded here. */
static void checkpoint_write(const char *path, const char *out, const char *policy,
                             const config_t *cfg, const setup_t *s, blockmap_t *bm,
                             const runstate_t *r, const runsums_t *m, int64_t t, int64_t rows_s,
                             int64_t rows_t)
{
    h5file_t *f;
    comm_check(h5io_create(path, &f));
    h5io_write_identity(f, "samarl-run-checkpoint", SAMARL_RUN_CKPT_FORMAT_VERSION);
    char *text = config_format(cfg, 0), fp[24];
    snprintf(fp, sizeof fp, "%016" PRIx64, s->fingerprint);
    h5io_attr_str(f, "/", "config", text);
    free(text);
    h5io_attr_str(f, "/", "checkpoint_for", out);
    if (policy) h5io_attr_str(f, "/", "policy", policy); /* --restart's default --policy */
    h5io_attr_str(f, "/", "graph_fingerprint", fp);
    h5io_attr_int64(f, "/", "n_agents", s->n);
    h5io_attr_int64(f, "/", "step", t);
    h5io_attr_int64(f, "/", "series_rows", rows_s);
    h5io_attr_int64(f, "/", "traj_rows", rows_t);
    h5io_attr_int64(f, "/", "over2", m->over2);
    for (int k = 0; k < N_SUMS_FIELDS; k++) {
        double v;
        memcpy(&v, (const char *)m + sums_fields[k].off, sizeof v);
        h5io_attr_double(f, "/", sums_fields[k].name, v);
    }
    state_io(f, bm, r, s->n, s->lg->n_owned, 1);
    comm_check(h5io_commit(&f));
}

/* Collective. Load what checkpoint_write saved; *t, *rows_s, *rows_t. */
static void checkpoint_read(const char *path, const setup_t *s, blockmap_t *bm, runstate_t *r,
                            runsums_t *m, int64_t *t, int64_t *rows_s, int64_t *rows_t)
{
    h5file_t *f;
    comm_check(h5io_open(path, &f));
    int64_t v = -1, n_agents = -1;
    char *fp = NULL, want[24];
    snprintf(want, sizeof want, "%016" PRIx64, s->fingerprint);
    int st = h5io_attr_read_int64(f, "/", "format_version", &v);
    if (st == SAMARL_OK && v != SAMARL_RUN_CKPT_FORMAT_VERSION)
        st = samarl_seterr("%s: checkpoint format_version %" PRId64 ", this samarl reads %d",
                           path, v, SAMARL_RUN_CKPT_FORMAT_VERSION);
    if (st == SAMARL_OK) st = h5io_attr_read_int64(f, "/", "n_agents", &n_agents);
    if (st == SAMARL_OK) st = h5io_attr_read_str(f, "/", "graph_fingerprint", &fp);
    if (st == SAMARL_OK && (n_agents != s->n || strcmp(fp, want) != 0))
        st = samarl_seterr("%s was written for another graph (%" PRId64 " agents, fingerprint "
                           "%s; this one: %" PRIdG ", %s)",
                           path, n_agents, fp, s->n, want);
    free(fp);
    if (st == SAMARL_OK) st = h5io_attr_read_int64(f, "/", "step", t);
    if (st == SAMARL_OK) st = h5io_attr_read_int64(f, "/", "series_rows", rows_s);
    if (st == SAMARL_OK) st = h5io_attr_read_int64(f, "/", "traj_rows", rows_t);
    if (st == SAMARL_OK) st = h5io_attr_read_int64(f, "/", "over2", &m->over2);
    for (int k = 0; k < N_SUMS_FIELDS && st == SAMARL_OK; k++) {
        double d = 0;
        st = h5io_attr_read_double(f, "/", sums_fields[k].name, &d);
        memcpy((char *)m + sums_fields[k].off, &d, sizeof d);
    }
    ckfield_t ck[CK_MAX];
    const int nf = ck_list(r, NULL, ck);
    for (int k = 0; k < nf && st == SAMARL_OK; k++) {
        char p[64];
        gidx_t len = -1;
        snprintf(p, sizeof p, "/state/%s", ck[k].name);
        st = h5io_length_1d(f, p, &len);
        if (st == SAMARL_OK && len != s->n)
            st = samarl_seterr("%s: %s has %" PRIdG " entries, expected %" PRIdG, path, p, len, s->n);
    }
    if (st != SAMARL_OK) h5io_close(&f);
    comm_check(st);
    state_io(f, bm, r, s->n, s->lg->n_owned, 0);
    h5io_close(&f);
}

/* ---- the run ---------------------------------------------------------------- */

typedef struct summary {
    double avg_slack_ratio, violation_ratio, fulfilled, postponers, backlog_growth;
    double energy_cost, reward, lambda_mean, lambda_min, lambda_max, disagreement;
    double disagreement_mean, bound, sigma, sigma_res, wall, rate;
    int64_t steps, agent_steps, sigma_it;
} summary_t;

static void print_summary(const summary_t *m, const config_t *cfg)
{
    printf("summary (second half, steps %" PRId64 "-%" PRId64 "):\n", m->steps / 2, m->steps - 1);
    printf("  average slack / C      %+.4f   (negative: under capacity)\n", m->avg_slack_ratio);
    printf("  steps over capacity    %.4f\n", m->violation_ratio);
    printf("  fulfilment             %.4f   (served / arrived essential demand)\n", m->fulfilled);
    printf("  postponers             %.4f   (backlog > 24 h of demand at the end)\n",
           m->postponers);
    printf("  backlog growth         %+.4g kWh per agent per hour\n", m->backlog_growth);
    printf("  energy cost            %.4f $ per agent per step\n", m->energy_cost);
    printf("  lambda final           mean %.4f  min %.4f  max %.4f  $/kWh\n", m->lambda_mean,
           m->lambda_min, m->lambda_max);
    printf("  disagreement           final %.3g  mean %.3g", m->disagreement,
           m->disagreement_mean);
    if (cfg->dual.mode == DUAL_CONSENSUS || cfg->dual.mode == DUAL_TRACKING)
        printf("  bound %.3g (sigma %.4f, K %" PRId64 ")", m->bound, m->sigma, cfg->dual.rounds);
    printf("\n");
}

static void write_summary(runout_t *o, const summary_t *m, const timer_stats_t *ts)
{
    h5file_t *f = o->f;
    h5io_group(f, "/summary");
    const struct {
        const char *k;
        double v;
    } a[] = {{"avg_slack_ratio", m->avg_slack_ratio},
             {"violation_ratio", m->violation_ratio},
             {"fulfilled", m->fulfilled},
             {"postponers", m->postponers},
             {"backlog_growth", m->backlog_growth},
             {"energy_cost", m->energy_cost},
             {"reward", m->reward},
             {"lambda_final_mean", m->lambda_mean},
             {"lambda_final_min", m->lambda_min},
             {"lambda_final_max", m->lambda_max},
             {"lambda_final_disagreement", m->disagreement},
             {"disagreement_mean", m->disagreement_mean},
             {"disagreement_bound", m->bound},
             {"sigma", m->sigma},
             {"wall_s", m->wall},
             {"agent_steps_per_s", m->rate}};
    for (size_t k = 0; k < sizeof a / sizeof a[0]; k++) h5io_attr_double(f, "/summary", a[k].k, a[k].v);
    h5io_attr_int64(f, "/summary", "steps", m->steps);
    h5io_attr_int64(f, "/summary", "agent_steps", m->agent_steps);
    h5io_group(f, "/timers");
    for (int t = 0; t < TIMER_COUNT; t++) {
        if (ts[t].calls == 0 && ts[t].max == 0) continue;
        char n[64];
        snprintf(n, sizeof n, "%s_min_s", timer_names[t]);
        h5io_attr_double(f, "/timers", n, ts[t].min);
        snprintf(n, sizeof n, "%s_avg_s", timer_names[t]);
        h5io_attr_double(f, "/timers", n, ts[t].avg);
        snprintf(n, sizeof n, "%s_max_s", timer_names[t]);
        h5io_attr_double(f, "/timers", n, ts[t].max);
    }
}

/* A JSON number, or null where it is not finite (JSON has no NaN). */
static void json_num(strbuf_t *sb, const char *key, double v)
{
    if (isfinite(v))
        sb_printf(sb, ", \"%s\": %.10g", key, v);
    else
        sb_printf(sb, ", \"%s\": null", key);
}

static void json_summary(strbuf_t *sb, const summary_t *m)
{
    sb_printf(sb, "  \"results\": {\"steps\": %" PRId64 ", \"agent_steps\": %" PRId64, m->steps,
              m->agent_steps);
    json_num(sb, "avg_slack_ratio", m->avg_slack_ratio);
    json_num(sb, "violation_ratio", m->violation_ratio);
    json_num(sb, "fulfilled", m->fulfilled);
    json_num(sb, "postponers", m->postponers);
    json_num(sb, "backlog_growth", m->backlog_growth);
    json_num(sb, "energy_cost", m->energy_cost);
    json_num(sb, "reward", m->reward);
    json_num(sb, "lambda_final_mean", m->lambda_mean);
    json_num(sb, "lambda_final_min", m->lambda_min);
    json_num(sb, "lambda_final_max", m->lambda_max);
    json_num(sb, "lambda_final_disagreement", m->disagreement);
    json_num(sb, "disagreement_mean", m->disagreement_mean);
    json_num(sb, "disagreement_bound", m->bound);
    json_num(sb, "sigma", m->sigma);
    json_num(sb, "sigma_residual", m->sigma_res);
    sb_printf(sb, ", \"sigma_iterations\": %" PRId64, m->sigma_it);
    json_num(sb, "wall_s", m->wall);
    json_num(sb, "agent_steps_per_s", m->rate);
    sb_puts(sb, "},\n");
}

int cmd_run(int argc, char **argv)
{
    cli_opts_t o;
    cli_parse(argc, argv, 2, "samarl run", CLI_OUTPUT | CLI_POLICY | CLI_RESTART, &o);
    const int me = comm_rank();
    if (o.help) {
        if (me == 0) fputs(run_help, stdout);
        comm_exit(0);
    }
    config_t cfg;
    char *ck_out = NULL; /* --restart: the output the checkpoint is for */
    if (o.restart)
        cli_restart_config(&o, "samarl-run-checkpoint", &cfg, &ck_out);
    else
        cli_load_config(&o, &cfg);
    if (o.dry_run) cli_dry_run(&o, &cfg);
    if (o.restart && o.output && strcmp(o.output, ck_out) != 0)
        comm_check(samarl_seterr("%s continues the run writing '%s', not '%s': drop -o or pass "
                                 "-o %s",
                                 o.restart, ck_out, o.output, ck_out));
    const int mlp = cfg.policy.type == POLICY_MLP;
    char *ck_policy = NULL; /* --restart: the policy file the run started with */
    if (o.restart && mlp && !o.policy) {
        h5file_t *f;
        comm_check(h5io_open(o.restart, &f));
        int st = h5io_attr_read_str(f, "/", "policy", &ck_policy);
        h5io_close(&f);
        comm_check(st);
        o.policy = ck_policy;
    }
    if (mlp && !o.policy)
        comm_check(samarl_seterr(
            "policy.type = mlp needs trained networks: pass --policy FILE (made by samarl "
            "train), or --set policy.type=bestresponse for the analytic policy"));
    if (!mlp && o.policy)
        comm_check(samarl_seterr("--policy %s given but policy.type = bestresponse (which needs "
                                 "no file); drop --policy or set policy.type = mlp",
                                 o.policy));
    const char *out = o.restart ? ck_out : o.output ? o.output : "run.h5";
    cli_check_inputs(&o, &cfg, 1, out);
    comm_check(h5io_check_writable(out));
    char *ckpt = cli_checkpoint_path(out);
    const int64_t ce = cfg.run.checkpoint_every;
    const int verbose = !o.quiet;
    timer_start(TIMER_TOTAL);
    if (me == 0 && verbose)
        printf("samarl run %s on %d rank%s\n", SAMARL_VERSION, comm_size(),
               comm_size() > 1 ? "s" : "");

    const int mode = cfg.dual.mode;
    const int width = mode == DUAL_TRACKING ? 2 : 1;
    setup_t s;
    setup_run(&cfg, width, verbose, &s);
    const lgraph_t *lg = s.lg;
    const lidx_t n = lg->n_owned, nl = n + lg->n_ghost;
    const double N = (double)s.n;
    env_t *env;
    env_create(&cfg, s.n, n, lg->gid, 1, &env);
    policyset_t ps;
    policyset_init(&ps, &cfg, &env->spec, n, RUN_BATCH);
    if (mlp) comm_check(policyfile_read(o.policy, &cfg, lg, env, &ps, NULL));

    consensus_t *cons = NULL;
    double sigma = NAN, sigma_res = NAN;
    int64_t sigma_it = 0;
    const int64_t K = cfg.dual.rounds;
    consensus_faults_t faults;
    consensus_faults_from_config(&cfg, &faults);
    if (mode == DUAL_CONSENSUS || mode == DUAL_TRACKING) {
        cons = consensus_create(lg, s.halo, (weights_t)cfg.dual.weights);
        if (cfg.consensus.sigma_iters > 0) {
            sigma = consensus_sigma(cons, cfg.run.seed, cfg.consensus.sigma_iters,
                                    cfg.consensus.sigma_tol, &sigma_it, &sigma_res, NULL, NULL);
            if (me == 0 && !(sigma_res <= cfg.consensus.sigma_tol * sigma * sigma))
                fprintf(stderr,
                        "samarl run: warning: sigma = %.6f did not converge in %" PRId64
                        " power iterations (residual %.2g); it approaches from below, so the "
                        "disagreement bound may be too small. Raise consensus.sigma_iters.\n",
                        sigma, sigma_it, sigma_res);
        }
    }
    const double sK = pow(sigma, (double)K);
    const double bound_factor = cfg.dual.eta * sK / (1.0 - sK);

    /* The state that goes into a checkpoint. Multipliers (with ghost room
     * for the halo), in the tracking mode interleaved with the slack
     * tracker: x[2i] = lambda, x[2i+1] = y. */
    double *x = XZNEW(double, (size_t)(nl > 0 ? nl : 1) * (size_t)width);
    double *lam = XZNEW(double, n > 0 ? n : 1);   /* what agents act on */
    double *gsum = XZNEW(double, n > 0 ? n : 1);  /* usage in the epoch */
    double *sold = XZNEW(double, n > 0 ? n : 1);  /* tracking: last slack */
    double *dev = XZNEW(double, n > 0 ? n : 1);   /* epoch usage (for G) */
    runstate_t rst = {env, x, lam, gsum, sold, width};
    const double l0 = mode == DUAL_NONE ? 0.0 : cfg.dual.lambda0;
    runsums_t rs = {.lmean = l0, .lmin = l0, .lmax = l0};
    int64_t t0 = 0, rows_s = 0, rows_t = 0;
    for (lidx_t i = 0; i < n; i++) lam[i] = x[(size_t)i * width] = l0;
    env_begin_episode(env, cfg.run.seed, ENV_NOISE_RUN, 0);
    for (lidx_t i = 0; i < n; i++) env_reset_agent(env, i);

    runout_t ro;
    timer_start(TIMER_IO);
    if (o.restart) {
        blockmap_t *bm = blockmap_create(lg);
        checkpoint_read(o.restart, &s, bm, &rst, &rs, &t0, &rows_s, &rows_t);
        blockmap_destroy(&bm);
        runout_reopen(&ro, out, &cfg, &s, rows_s, rows_t);
    } else {
        runout_open(&ro, out, &cfg, &s, env, sigma);
        h5io_attr_int64(ro.f, "/graph", "sigma_iterations", sigma_it);
        h5io_attr_double(ro.f, "/graph", "sigma_residual", sigma_res);
        if (ce > 0) h5io_flush(ro.f); /* from here on, only raw data is written */
    }
    timer_stop(TIMER_IO);

    const int64_t T = cfg.run.n_steps, T0 = cfg.dual.epoch, half = T / 2;
    const double C = env->capacity, share = C / N, eta = cfg.dual.eta;
    if (me == 0 && verbose) {
        printf("run: %" PRIdG " agents, %" PRId64 " steps (%.4g days), policy %s, dual.mode %s, "
               "eta %g, epoch %" PRId64,
               s.n, T, (double)T / 24.0, config_enum_name("policy", "type", cfg.policy.type),
               config_enum_name("dual", "mode", mode), eta, T0);
        if (cons) printf(", K %" PRId64 ", sigma %.5f", K, sigma);
        printf("\n  capacity C = %.6g kWh per step (%.4g x the agents' total demand scale)\n", C,
               cfg.env.capacity_ratio);
        if (consensus_faults_active(&faults))
            printf("  faults: link_drop %g, agent_dropout %g (windows of %" PRId64
                   " rounds), stale %g%s\n",
                   faults.link_drop, faults.agent_dropout, faults.dropout_rounds, faults.stale,
                   cons ? "" : " (no effect: this dual.mode sends no messages)");
        fflush(stdout);
    }

    if (me == 0 && verbose && o.restart)
        printf("restarting from %s at step %" PRId64 "/%" PRId64 "\n", o.restart, t0, T);

    const int D = env->spec.obs_dim;
    float *obsb = XNEW(float, (size_t)RUN_BATCH * (size_t)D), lfb[RUN_BATCH];
    float gb[RUN_BATCH], rb[RUN_BATCH], svb[RUN_BATCH], db[RUN_BATCH], pb[RUN_BATCH];
    uint8_t actb[RUN_BATCH];
    const int batched = mlp; /* best response: agent by agent */
    const double t_start = comm_wtime();
    double last_print = 0;
    const int64_t pe = cfg.run.progress_every;
    reprosum_t acc[S_N_SUMS];
    /* The per-agent terms are floats: summed into fast exact accumulators,
     * folded into acc once per step. */
    enum { F_USAGE, F_SERVED, F_ARRIVED, F_BACKLOG, F_REWARD, F_COUNT };
    reprosum_f_t *fac = XNEW(reprosum_f_t, F_COUNT);
    /* Each folds at most a rank's agents per step: fewer than 2^31. */
    _Static_assert(sizeof(lidx_t) == 4, "reprosum_f_t takes at most 2^39 terms");
    for (int64_t t = t0; t < T; t++) {
        /* Act and step. */
        for (int k = 0; k < S_N_SUMS; k++) reprosum_init(&acc[k]);
        for (int k = 0; k < F_COUNT; k++) reprosum_f_init(&fac[k]);
        const int rec = ro.step > 0 && t % ro.every == 0;
        for (lidx_t i0 = 0; i0 < n; i0 += RUN_BATCH) {
            const int m = n - i0 < RUN_BATCH ? (int)(n - i0) : RUN_BATCH;
            timer_start(TIMER_POLICY);
            for (int q = 0; q < m; q++) lfb[q] = (float)lam[i0 + q];
            env_observe_agents(env, i0, m, t, lfb, obsb);
            if (batched)
                policyset_act_agents(&ps, env, i0, m, t, obsb, cfg.run.seed, SOURCE_RUN,
                                     cfg.run.greedy, actb);
            else
                for (int q = 0; q < m; q++)
                    policyset_act(&ps, env, i0 + q, t, obsb + (size_t)q * D, &lfb[q],
                                  cfg.run.seed, SOURCE_RUN, cfg.run.greedy, &actb[q], NULL, NULL);
            timer_stop(TIMER_POLICY);
            timer_start(TIMER_ENV);
            env_step_agents(env, i0, m, t, actb, gb, rb, svb, db);
            env_pending_agents(env, i0, m, pb);
            for (int q = 0; q < m; q++) {
                const lidx_t i = i0 + q;
                gsum[i] += gb[q];
                reprosum_f_add(&fac[F_USAGE], gb[q]);
                reprosum_f_add(&fac[F_SERVED], svb[q]);
                reprosum_f_add(&fac[F_ARRIVED], db[q]);
                reprosum_f_add(&fac[F_BACKLOG], pb[q]);
                reprosum_f_add(&fac[F_REWARD], rb[q]);
            }
            if (rec)
                for (int q = 0; q < m; q++) {
                    float *st = ro.stage + (size_t)(i0 + q) * T_COUNT;
                    st[T_USAGE] = gb[q];
                    st[T_BACKLOG] = pb[q];
                    st[T_ACTION] = actb[q];
                    st[T_REWARD] = rb[q];
                    st[T_LAMBDA] = lfb[q];
                }
            timer_stop(TIMER_ENV);
        }
        timer_start(TIMER_REDUCE);
        /* The step's exact sums; cost = price x usage, term by term. */
        reprosum_f_addto(&fac[F_USAGE], 1.0f, &acc[S_USAGE]);
        reprosum_f_addto(&fac[F_USAGE], env_price(env, 0, t), &acc[S_COST]);
        reprosum_f_addto(&fac[F_SERVED], 1.0f, &acc[S_SERVED]);
        reprosum_f_addto(&fac[F_ARRIVED], 1.0f, &acc[S_ARRIVED]);
        reprosum_f_addto(&fac[F_BACKLOG], 1.0f, &acc[S_BACKLOG]);
        reprosum_f_addto(&fac[F_REWARD], 1.0f, &acc[S_REWARD]);
        reprosum_allreduce(acc, S_N_SUMS);
        timer_stop(TIMER_REDUCE);
        double v[S_COUNT];
        for (int k = 0; k < S_N_SUMS; k++) v[k] = reprosum_value(&acc[k]);
        v[S_LMEAN] = rs.lmean;
        v[S_LMIN] = rs.lmin;
        v[S_LMAX] = rs.lmax;
        v[S_DIS] = rs.dis;
        v[S_BOUND] = cons ? bound_factor * rs.gmax : NAN;
        v[S_SLACK] = v[S_USAGE] - C;
        v[S_CAPACITY] = C;
        if (t >= half) {
            rs.usage2 += v[S_USAGE];
            rs.served2 += v[S_SERVED];
            rs.arrived2 += v[S_ARRIVED];
            rs.cost2 += v[S_COST];
            rs.reward2 += v[S_REWARD];
            rs.dis2 += rs.dis;
            rs.over2 += v[S_USAGE] > C;
        }
        if (t == half) rs.backlog_half = v[S_BACKLOG];
        if (t == T - 1) rs.backlog_end = v[S_BACKLOG];
        timer_start(TIMER_IO);
        runout_series(&ro, v);
        if (rec) runout_record(&ro);
        timer_stop(TIMER_IO);

        /* Dual epoch. */
        if ((t + 1) % T0 == 0 && mode != DUAL_NONE && mode != DUAL_FIXED) {
            timer_start(TIMER_DUAL);
            for (lidx_t i = 0; i < n; i++) {
                dev[i] = gsum[i] / (double)T0; /* mean usage over the epoch */
                gsum[i] = 0;
            }
            timer_stop(TIMER_DUAL);
            if (mode == DUAL_LOCAL) {
                for (lidx_t i = 0; i < n; i++) {
                    double l = lam[i] + eta * (dev[i] - share);
                    lam[i] = l > 0 ? l : 0;
                }
            } else if (mode == DUAL_CENTRAL) {
                timer_start(TIMER_REDUCE);
                double tot = reprosum_global(dev, (size_t)n);
                timer_stop(TIMER_REDUCE);
                double l = rs.lmean + eta * (tot - C) / N;
                l = l > 0 ? l : 0;
                for (lidx_t i = 0; i < n; i++) lam[i] = l;
            } else {
                /* G: RMS deviation of the epoch usage from its network mean. */
                if (cons && isfinite(bound_factor)) {
                    double gd = consensus_disagreement(cons, dev, NULL);
                    if (gd > rs.gmax) rs.gmax = gd;
                }
                timer_start(TIMER_DUAL);
                if (mode == DUAL_CONSENSUS) {
                    for (lidx_t i = 0; i < n; i++) x[i] = lam[i] + eta * (dev[i] - share);
                } else { /* tracking: y <- W^K (y + s - s_old); l = lambda + eta (y + s - s_old) */
                    for (lidx_t i = 0; i < n; i++) {
                        const double sl = dev[i] - share;
                        double y = x[2 * (size_t)i + 1] + sl - sold[i];
                        sold[i] = sl;
                        x[2 * (size_t)i + 1] = y;
                        x[2 * (size_t)i] = lam[i] + eta * y;
                    }
                }
                timer_stop(TIMER_DUAL);
                timer_start(TIMER_CONSENSUS);
                /* Rounds are numbered across the run: epoch t / T0 has K of them. */
                consensus_mix_faulty(cons, x, width, (int)K, t / T0 * K, &faults);
                timer_stop(TIMER_CONSENSUS);
                for (lidx_t i = 0; i < n; i++) {
                    const double l = x[(size_t)i * width];
                    lam[i] = l > 0 ? l : 0;
                }
            }
            /* Statistics of the new multipliers (acted on from step t + 1);
             * central's are one value, exactly. */
            timer_start(TIMER_REDUCE);
            double mm[2] = {INFINITY, INFINITY}; /* min, -max */
            for (lidx_t i = 0; i < n; i++) {
                if (lam[i] < mm[0]) mm[0] = lam[i];
                if (-lam[i] < mm[1]) mm[1] = -lam[i];
            }
            comm_allreduce_double(mm, 2, COMM_MIN);
            rs.lmin = mm[0];
            rs.lmax = -mm[1];
            if (mode == DUAL_CENTRAL) {
                rs.lmean = rs.lmin;
                rs.dis = 0;
            } else {
                rs.lmean = reprosum_global(lam, (size_t)n) / N;
                rs.dis = sqrt(reprosum_global_sqdev(lam, (size_t)n, rs.lmean) / N);
            }
            timer_stop(TIMER_REDUCE);
        }

        /* Checkpoint: the run file's rows so far reach the disk first. */
        if (ce > 0 && (t + 1) % ce == 0 && t + 1 < T) {
            timer_start(TIMER_IO);
            runout_flush_series(&ro);
            runout_flush_traj(&ro);
            h5io_flush(ro.f);
            checkpoint_write(ckpt, out, o.policy, &cfg, &s, ro.bm, &rst, &rs, t + 1,
                             h5io_series_rows(ro.ser[0]),
                             ro.step > 0 ? h5io_series_rows(ro.traj[0]) : 0);
            h5io_keep_partial(ro.f); /* the checkpoint continues it */
            timer_stop(TIMER_IO);
        }

        /* Progress. */
        double now = comm_wtime() - t_start;
        const int show = pe > 0 ? (t + 1) % pe == 0 || t == T - 1 : now - last_print > 5.0;
        if (me == 0 && verbose && show) {
            last_print = now;
            char b[32];
            double rate = N * (double)(t + 1 - t0) / now;
            printf("step %6" PRId64 "/%" PRId64 "  %8.3g agent-steps/s  ETA %8s  slack %+7.3f%% C"
                   "  lambda %.4f  served %.4f\n",
                   t + 1, T, rate, cli_duration(now / (double)(t + 1 - t0) * (double)(T - t - 1), b, sizeof b),
                   100.0 * v[S_SLACK] / C, rs.lmean, v[S_ARRIVED] > 0 ? v[S_SERVED] / v[S_ARRIVED] : 1.0);
            fflush(stdout);
        }
    }
    const double wall = comm_wtime() - t_start;
    timer_start(TIMER_IO);
    runout_flush_series(&ro);
    runout_flush_traj(&ro);
    timer_stop(TIMER_IO);

    /* Postponers: backlog above 24 h of the agent's demand scale. */
    int64_t post = 0;
    for (lidx_t i = 0; i < n; i++) post += env_stuck(env, i);
    comm_allreduce_int64(&post, 1, COMM_SUM);
    summary_t m = {0};
    const double nh = (double)(T - half);
    m.steps = T;
    m.agent_steps = (int64_t)s.n * T;
    const int64_t done = (int64_t)s.n * (T - t0); /* in this session */
    m.avg_slack_ratio = (rs.usage2 / nh - C) / C;
    m.violation_ratio = (double)rs.over2 / nh;
    m.fulfilled = rs.arrived2 > 0 ? rs.served2 / rs.arrived2 : 1.0;
    m.postponers = (double)post / N;
    m.backlog_growth = T - 1 > half ? (rs.backlog_end - rs.backlog_half) / (double)(T - 1 - half) / N : 0;
    m.energy_cost = rs.cost2 / nh / N;
    m.reward = rs.reward2 / nh / N;
    m.lambda_mean = rs.lmean;
    m.lambda_min = rs.lmin;
    m.lambda_max = rs.lmax;
    m.disagreement = rs.dis;
    m.disagreement_mean = rs.dis2 / nh;
    m.bound = cons ? bound_factor * rs.gmax : NAN;
    m.sigma = sigma;
    m.sigma_res = sigma_res;
    m.sigma_it = sigma_it;
    m.wall = wall;
    m.rate = wall > 0 ? (double)done / wall : 0;

    timer_stop(TIMER_TOTAL);
    timer_stats_t ts[TIMER_COUNT];
    timer_reduce(ts);
    timer_start(TIMER_IO);
    write_summary(&ro, &m, ts);
    runout_close(&ro);
    comm_check(h5io_commit(&ro.f));
    timer_stop(TIMER_IO);
    /* The run is complete: its checkpoint has nothing left to continue. */
    if (me == 0 && ce > 0) remove(ckpt);
    if (me == 0) {
        printf("ran %" PRId64 " steps x %" PRIdG " agents in %.2f s: %.4g agent-steps/s, %.4g per "
               "rank\n",
               T - t0, s.n, wall, m.rate, m.rate / comm_size());
        print_summary(&m, &cfg);
        printf("wrote %s\n", out);
        if (verbose) timer_print(stdout, ts);
        strbuf_t sb = {0};
        record_begin(&sb, "run", &cfg, &s);
        json_summary(&sb, &m);
        record_timers(&sb, ts);
        sb_puts(&sb, "\n}\n");
        char *jp = record_path_for(out);
        int rc = record_write(jp, &sb);
        if (rc != SAMARL_OK) fprintf(stderr, "samarl run: warning: %s\n", samarl_errmsg());
        free(jp);
        sb_free(&sb);
    }
    free(obsb);
    free(fac);
    free(x);
    free(lam);
    free(gsum);
    free(sold);
    free(dev);
    consensus_destroy(&cons);
    policyset_free(&ps);
    env_destroy(&env);
    setup_free(&s);
    config_free(&cfg);
    cli_opts_free(&o);
    free(ckpt);
    free(ck_out);
    free(ck_policy);
    return 0;
}
