/* samarl run's outputs (see runfile.h): the run file, its checkpoint and
 * the run's summary. */
#include "samarl/runfile.h"

#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/blockmap.h"
#include "samarl/comm.h"
#include "samarl/consensus.h"
#include "samarl/error.h"
#include "samarl/h5io.h"
#include "samarl/reprosum.h"
#include "samarl/strbuf.h"
#include "samarl/version.h"

#define SAMARL_RUN_FORMAT_VERSION 1
#define SAMARL_RUN_CKPT_FORMAT_VERSION 1

static const struct {
    const char *name, *units, *description;
} series_info[RUNFILE_SERIES] = {
    [RUNFILE_USAGE] = {"total_usage", "kWh", "grid draw of all agents in the step"},
    [RUNFILE_SERVED] = {"served", "kWh", "essential demand served in the step, all agents"},
    [RUNFILE_ARRIVED] = {"arrived", "kWh", "essential demand arriving in the step, all agents"},
    [RUNFILE_BACKLOG] = {"backlog", "kWh", "pending essential demand after the step, all agents"},
    [RUNFILE_COST] = {"energy_cost", "$", "price x grid draw in the step, all agents"},
    [RUNFILE_REWARD] = {"reward", "$", "reward r (utility - cost - backlog penalty), all agents"},
    [RUNFILE_LMEAN] = {"lambda_mean", "$/kWh", "mean multiplier the agents acted on in the step"},
    [RUNFILE_LMIN] = {"lambda_min", "$/kWh", "smallest multiplier in the step"},
    [RUNFILE_LMAX] = {"lambda_max", "$/kWh", "largest multiplier in the step"},
    [RUNFILE_DIS] = {"disagreement", "$/kWh",
                     "||lambda - mean 1|| / sqrt(N) of the multipliers acted on in the step"},
    [RUNFILE_BOUND] = {"disagreement_bound", "$/kWh",
                       "B <- sigma^K (B + eta G_e) from B = 0, G_e the RMS disagreement of the "
                       "epoch's dual step: above the disagreement of the carried multiplier at "
                       "every epoch (docs/theory.md; NaN where the rule does not mix)"},
    [RUNFILE_SLACK] = {"slack", "kWh", "total_usage - capacity (positive: over capacity)"},
    [RUNFILE_CAPACITY] = {"capacity", "kWh", "grid capacity C per step (constant in DR-v1)"},
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

struct runfile {
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
    h5series_t *ser[RUNFILE_SERIES];
    double *sbuf; /* [RUNFILE_SERIES][cap_s] on rank 0 */
    int64_t cap_s, rows_s;
    int64_t total_s, total_t; /* rows of /series and /traj when complete */
};

/* The buffers and the layout of /traj (the same for a new file and for a
 * reopened one). */
static void layout(runfile_t *o, const config_t *cfg, const setup_t *s)
{
    const lgraph_t *lg = s->lg;
    o->bm = blockmap_create(lg);
    o->lo = blockmap_lo(o->bm);
    o->cnt = blockmap_count(o->bm);
    o->cap_s = cfg->output.buffer;
    if (comm_rank() == 0) o->sbuf = XNEW(double, (size_t)RUNFILE_SERIES *(size_t)o->cap_s);
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
    o->blk = XNEW(float, (size_t)c *T_COUNT);
    for (int k = 0; k < T_COUNT; k++)
        o->out[k] = XNEW(float, (size_t)o->cap *(size_t)(o->ncols > 0 ? o->ncols : 1));
}

/* Continue the run file of a checkpointed run: its first rows_s series rows
 * and rows_t trajectory rows are written. */
static runfile_t *reopen(const char *path, const config_t *cfg, const setup_t *s, int64_t rows_s,
                         int64_t rows_t)
{
    runfile_t *o = XZNEW(runfile_t, 1);
    comm_check(h5io_reopen_partial(path, &o->f));
    layout(o, cfg, s);
    for (int k = 0; k < RUNFILE_SERIES; k++) {
        char p[64];
        snprintf(p, sizeof p, "/series/%s", series_info[k].name);
        o->ser[k] = h5io_series_reopen(o->f, p, H5IO_F64, 0, rows_s);
    }
    for (int k = 0; o->step > 0 && k < T_COUNT; k++) {
        char p[64];
        snprintf(p, sizeof p, "/traj/%s", traj_info[k].name);
        o->traj[k] = h5io_series_reopen(o->f, p, H5IO_F32, o->width, rows_t);
    }
    return o;
}

/* Datasets are created at their final size (run.n_steps rows), so that
 * during the run only raw data is written: with checkpoints on, the file is
 * flushed once before the first step and then survives a kill readable. */
runfile_t *runfile_create(const char *path, const config_t *cfg, const setup_t *s, const env_t *env,
                          const dual_t *d)
{
    runfile_t *o = XZNEW(runfile_t, 1);
    const lgraph_t *lg = s->lg;
    comm_check(h5io_create(path, &o->f));
    h5file_t *f = o->f;
    layout(o, cfg, s);
    int64_t sigma_it;
    double sigma_res, sigma = dual_sigma(d, &sigma_it, &sigma_res);

    char *text = config_format(cfg, 0), fp[24];
    snprintf(fp, sizeof fp, "%016" PRIx64, s->fingerprint);
    h5io_write_identity(f, "samarl-run", SAMARL_RUN_FORMAT_VERSION);
    h5io_attr_int64(f, "/", "n_agents", s->n, "1");
    h5io_attr_int64(f, "/", "n_ranks", comm_size(), "1");
    h5io_attr_int64(f, "/", "seed", (int64_t)cfg->run.seed, NULL);
    h5io_attr_int64(f, "/", "steps", cfg->run.n_steps, "1");
    h5io_attr_double(f, "/", "capacity", env->capacity, "kWh");
    h5io_attr_str(f, "/", "dual_mode", cfg->dual.mode);
    h5io_attr_str(f, "/", "policy_type", config_enum_name("policy", "type", cfg->policy.type));
    h5io_attr_double(f, "/", "faults_link_drop", cfg->faults.link_drop, "1");
    h5io_attr_double(f, "/", "faults_agent_dropout", cfg->faults.agent_dropout, "1");
    h5io_attr_int64(f, "/", "faults_dropout_rounds", cfg->faults.dropout_rounds, "1");
    h5io_attr_double(f, "/", "faults_stale", cfg->faults.stale, "1");
    h5io_attr_str(f, "/", "config", text);
    free(text);

    /* /graph and /agents: per-agent values at their gids. */
    int32_t *iv = XNEW(int32_t, lg->n_owned > 0 ? lg->n_owned : 1);
    for (lidx_t i = 0; i < lg->n_owned; i++) iv[i] = comm_rank();
    blockmap_write_h5(o->bm, f, "/graph/partition", H5IO_I32, s->n, iv, "rank",
                      "MPI rank that owned each agent in this run");
    for (lidx_t i = 0; i < lg->n_owned; i++) iv[i] = lg->degree[i];
    blockmap_write_h5(o->bm, f, "/graph/degree", H5IO_I32, s->n, iv, "1",
                      "number of neighbours of each agent");
    consensus_faults_write(f, o->bm, cfg, lg);
    h5io_attr_str(f, "/graph", "name", s->graph_name);
    h5io_attr_str(f, "/graph", "fingerprint", fp);
    h5io_attr_int64(f, "/graph", "n_edges", s->m, "1");
    h5io_attr_int64(f, "/graph", "edge_cut", s->edge_cut, "1");
    h5io_attr_double(f, "/graph", "sigma", sigma, "1");
    /* Dimension scales: each group's agent axis (the gids), /series's step
     * axis and /traj's recorded steps and agents, so that netCDF tools and
     * xarray open any group with named dimensions and coordinates. */
    h5io_dim_scale(f, "/graph/agent", s->n, 0, 1, "1", "agent gid");
    h5io_dim_attach(f, "/graph/partition", 0, "/graph/agent");
    h5io_dim_attach(f, "/graph/degree", 0, "/graph/agent");
    if (h5io_exists(f, "/graph/byzantine"))
        h5io_dim_attach(f, "/graph/byzantine", 0, "/graph/agent");
    env_table_t tb;
    for (int k = 0; env_table(env, k, &tb); k++) {
        char name[96];
        snprintf(name, sizeof name, "/agents/%s", tb.name);
        blockmap_write_h5(o->bm, f, name, H5IO_F32, s->n, tb.data, tb.units, tb.description);
        if (k == 0) h5io_dim_scale(f, "/agents/agent", s->n, 0, 1, "1", "agent gid");
        h5io_dim_attach(f, name, 0, "/agents/agent");
    }
    free(iv);

    /* /series: rank 0 appends; chunk = buffer rows. */
    for (int k = 0; k < RUNFILE_SERIES; k++) {
        char p[64];
        snprintf(p, sizeof p, "/series/%s", series_info[k].name);
        o->ser[k] = h5io_series_create(f, p, H5IO_F64, 0, 0, o->cap_s, o->total_s,
                                       series_info[k].units, series_info[k].description);
    }
    h5io_dim_scale(f, "/series/step", o->total_s, 0, 1, "1", "step (hour) of the run, from 0");
    for (int k = 0; k < RUNFILE_SERIES; k++) {
        char p[64];
        snprintf(p, sizeof p, "/series/%s", series_info[k].name);
        h5io_dim_attach(f, p, 0, "/series/step");
    }
    h5io_attr_double(f, "/series", "capacity", env->capacity, "kWh");

    /* /traj: recorded agents are the gids that are multiples of the stride. */
    if (o->step > 0) {
        const gidx_t M = o->step;
        for (int k = 0; k < T_COUNT; k++) {
            char p[64];
            snprintf(p, sizeof p, "/traj/%s", traj_info[k].name);
            o->traj[k] =
                h5io_series_create(f, p, H5IO_F32, o->width, (int)cfg->output.compress, o->cap,
                                   o->total_t, traj_info[k].units, traj_info[k].description);
        }
        h5io_dim_scale(f, "/traj/step", o->total_t, 0, o->every, "1",
                       "the step (hour) of each recorded row: r * step_stride");
        h5io_dim_scale(f, "/traj/agent", o->width, 0, M, "1",
                       "the gid of each recorded column: c * agent_stride");
        for (int k = 0; k < T_COUNT; k++) {
            char p[64];
            snprintf(p, sizeof p, "/traj/%s", traj_info[k].name);
            h5io_dim_attach(f, p, 0, "/traj/step");
            h5io_dim_attach(f, p, 1, "/traj/agent");
        }
        h5io_attr_int64(f, "/traj", "agent_stride", M, "1");
        h5io_attr_int64(f, "/traj", "step_stride", o->every, "1");
        h5io_attr_str(f, "/traj", "layout",
                      "[recorded step][recorded agent]: row r is step r * step_stride, column c "
                      "is agent gid c * agent_stride");
    }
    h5io_attr_int64(f, "/graph", "sigma_iterations", sigma_it, "1");
    h5io_attr_double(f, "/graph", "sigma_residual", sigma_res, "1");
    if (cfg->run.checkpoint_every > 0) h5io_flush(f); /* from here on, only raw data is written */
    return o;
}

static void flush_traj(runfile_t *o)
{
    if (o->step <= 0 || o->rows == 0) return; /* rows: the same on every rank */
    for (int k = 0; k < T_COUNT; k++)
        h5io_series_append(o->traj[k], o->rows, o->col0, o->ncols, o->out[k]);
    o->rows = 0;
}

int runfile_records(const runfile_t *o, int64_t t)
{
    return o->step > 0 && t % o->every == 0;
}

void runfile_stage(runfile_t *o, lidx_t i0, int m, const float *usage, const float *backlog,
                   const uint8_t *action, const float *reward, const float *lambda)
{
    for (int q = 0; q < m; q++) {
        float *st = o->stage + (size_t)(i0 + q) * T_COUNT;
        st[T_USAGE] = usage[q];
        st[T_BACKLOG] = backlog[q];
        st[T_ACTION] = action[q];
        st[T_REWARD] = reward[q];
        st[T_LAMBDA] = lambda[q];
    }
}

/* The staged step (every trajectory of every owned agent) goes to gid order
 * in one exchange; its recorded columns join the buffer. */
void runfile_record(runfile_t *o)
{
    blockmap_forward(o->bm, o->stage, o->blk, T_COUNT * sizeof(float));
    for (gidx_t c = 0; c < o->ncols; c++) {
        const float *v = o->blk + (size_t)((o->col0 + c) * o->step - o->lo) * T_COUNT;
        for (int k = 0; k < T_COUNT; k++) o->out[k][o->rows * o->ncols + c] = v[k];
    }
    if (++o->rows == o->cap) flush_traj(o);
}

static void flush_series(runfile_t *o)
{
    int64_t rows = o->rows_s;
    if (rows == 0) return;
    const int root = comm_rank() == 0;
    for (int k = 0; k < RUNFILE_SERIES; k++)
        h5io_series_append(o->ser[k], rows, 0, root ? 1 : 0,
                           root ? o->sbuf + (size_t)k * (size_t)o->cap_s : NULL);
    o->rows_s = 0;
}

void runfile_series(runfile_t *o, const double v[RUNFILE_SERIES])
{
    if (comm_rank() == 0)
        for (int k = 0; k < RUNFILE_SERIES; k++)
            o->sbuf[(size_t)k * (size_t)o->cap_s + o->rows_s] = v[k];
    if (++o->rows_s == o->cap_s) flush_series(o);
}

void runfile_flush(runfile_t *o)
{
    flush_series(o);
    flush_traj(o);
}

static void close_file(runfile_t *o)
{
    for (int k = 0; k < RUNFILE_SERIES; k++) h5io_series_close(&o->ser[k]);
    for (int k = 0; k < T_COUNT; k++) {
        h5io_series_close(&o->traj[k]);
        free(o->out[k]);
    }
    free(o->stage);
    free(o->blk);
    free(o->sbuf);
    blockmap_destroy(&o->bm);
}

/* ---- summary ---------------------------------------------------------------- */

void runfile_sums_add(runfile_sums_t *rs, const double v[RUNFILE_SERIES], int64_t t, int64_t T)
{
    const int64_t half = T / 2;
    if (t >= half) {
        rs->usage2 += v[RUNFILE_USAGE];
        rs->served2 += v[RUNFILE_SERVED];
        rs->arrived2 += v[RUNFILE_ARRIVED];
        rs->cost2 += v[RUNFILE_COST];
        rs->reward2 += v[RUNFILE_REWARD];
        rs->dis2 += v[RUNFILE_DIS];
        rs->lmean2 += v[RUNFILE_LMEAN];
        rs->over2 += v[RUNFILE_USAGE] > v[RUNFILE_CAPACITY];
    }
    if (t == half) rs->backlog_half = v[RUNFILE_BACKLOG];
    if (t == T - 1) rs->backlog_end = v[RUNFILE_BACKLOG];
}

void runfile_costs_add(runfile_sums_t *rs, const double *cost, lidx_t n, int64_t t, int64_t T)
{
    if (t < T / 2) return;
    const size_t len = (size_t)rs->n_cost * (size_t)n;
    for (size_t k = 0; k < len; k++) rs->chan2[k] += cost[k];
}

/* Collective. The cost channels' summary (see runfile_summary_t). */
static void summarise_costs(runfile_summary_t *m, const runfile_sums_t *rs, const env_t *env,
                            lidx_t n, double N, double nh)
{
    m->n_cost = rs->n_cost;
    double *mean = XNEW(double, n > 0 ? n : 1), *viol = XNEW(double, n > 0 ? n : 1);
    for (int c = 1; c <= rs->n_cost; c++) {
        const double *sum = rs->chan2 + (size_t)(c - 1) * (size_t)n, bound = env->cost_bound[c];
        double vmax = 0;
        for (lidx_t i = 0; i < n; i++) {
            mean[i] = sum[i] / nh;
            viol[i] = (mean[i] > 0 ? mean[i] : 0) / bound;
            if (viol[i] > vmax) vmax = viol[i];
        }
        comm_allreduce_double(&vmax, 1, COMM_MAX);
        m->cost_mean[c - 1] = reprosum_global(mean, (size_t)n) / N;
        m->cost_violation_mean[c - 1] = reprosum_global(viol, (size_t)n) / N;
        m->cost_violation_max[c - 1] = vmax;
        m->cost_name[c - 1] = env->cost_name[c];
        m->cost_units[c - 1] = env->cost_units[c];
    }
    free(mean);
    free(viol);
}

void runfile_summarise(runfile_summary_t *m, const runfile_sums_t *rs, const setup_t *s,
                       const env_t *env, const dual_t *d, int64_t T, int64_t t0, double wall)
{
    const lidx_t n = s->lg->n_owned;
    const gidx_t n_global = s->n;
    int64_t post = 0;
    for (lidx_t i = 0; i < n; i++) post += env_stuck(env, i);
    comm_allreduce_int64(&post, 1, COMM_SUM);
    const double N = (double)n_global, C = env->capacity;
    const int64_t half = T / 2;
    const double nh = (double)(T - half);
    const dual_stats_t *ds = dual_stats(d);
    memset(m, 0, sizeof *m);
    m->steps = T;
    m->agent_steps = (int64_t)n_global * T;
    const int64_t done = (int64_t)n_global * (T - t0); /* in this session */
    m->avg_slack_ratio = (rs->usage2 / nh - C) / C;
    m->violation_ratio = (double)rs->over2 / nh;
    m->fulfilled = rs->arrived2 > 0 ? rs->served2 / rs->arrived2 : 1.0;
    m->postponers = (double)post / N;
    m->backlog_growth =
        T - 1 > half ? (rs->backlog_end - rs->backlog_half) / (double)(T - 1 - half) / N : 0;
    m->energy_cost = rs->cost2 / nh / N;
    m->reward = rs->reward2 / nh / N;
    m->lambda_mean = ds->lmean;
    m->lambda_min = ds->lmin;
    m->lambda_max = ds->lmax;
    m->disagreement = ds->dis;
    m->disagreement_mean = rs->dis2 / nh;
    m->bound = dual_bound(d);
    m->lambda_mean2 = rs->lmean2 / nh;
    m->contraction_max = ds->cmax;
    m->contraction_bound = dual_contraction_bound(d);
    m->mixing_drift_max = ds->drift;
    m->gmax = ds->gmax;
    /* sigma approaches from below to its tolerance, and mixing rounds: 1e-9
     * (relative) leaves room for both, far below what wrong weights do. */
    m->mixing_ok = !(m->contraction_max > m->contraction_bound * (1 + 1e-9)) &&
                   !(m->mixing_drift_max > 1e-9 * (1 + fabs(m->lambda_max)));
    m->sigma = dual_sigma(d, &m->sigma_it, &m->sigma_res);
    if (rs->n_cost > 0) summarise_costs(m, rs, env, n, N, nh);
    /* Rank 0's wall time on every rank, so the file (written collectively),
     * the printed summary and the JSON record hold the same number. */
    comm_bcast_double(&wall, 1, 0);
    m->wall = wall;
    m->rate = wall > 0 ? (double)done / wall : 0;
}

void runfile_print_summary(const runfile_summary_t *m, const dual_t *d, const config_t *cfg)
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
    printf("  lambda mean            %.4f $/kWh over the second half\n", m->lambda_mean2);
    for (int c = 0; c < m->n_cost; c++)
        printf("  %-22s mean %+.4f  violation mean %.4f  max %.4f   (of the bound, per agent)\n",
               m->cost_name[c], m->cost_mean[c], m->cost_violation_mean[c],
               m->cost_violation_max[c]);
    printf("  disagreement           final %.3g  mean %.3g", m->disagreement, m->disagreement_mean);
    const int checked = dual_rule(d)->needs_consensus && !dual_rule(d)->running_sums;
    if (checked)
        printf("  bound %.3g (sigma %.4f, K %" PRId64 ")", m->bound, m->sigma, cfg->dual.rounds);
    printf("\n");
    if (dual_rule(d)->running_sums)
        printf("  mixing                 push-sum with running sums, K %" PRId64
               " (no W to check: each agent splits its mass over itself and its links)\n",
               cfg->dual.rounds);
    if (checked) {
        consensus_faults_t f;
        consensus_faults_from_config(cfg, &f);
        const char *verdict = consensus_faults_active(&f) ? "faults: not a check"
                              : m->mixing_ok              ? "ok"
                                             : "FAILED: the mixing is not the matrix of sigma";
        printf("  mixing check           per-epoch contraction max %.6f %s sigma^K = %.6f (%s); "
               "mean moved %.2g at most\n",
               m->contraction_max,
               m->contraction_max <= m->contraction_bound * (1 + 1e-9) ? "<=" : ">",
               m->contraction_bound, verdict, m->mixing_drift_max);
    }
}

/* /summary and /timers. */
static void write_summary(runfile_t *o, const runfile_summary_t *m, const timer_stats_t *ts)
{
    h5file_t *f = o->f;
    h5io_group(f, "/summary");
    const struct {
        const char *k;
        double v;
        const char *units;
    } a[] = {{"avg_slack_ratio", m->avg_slack_ratio, "1"},
             {"violation_ratio", m->violation_ratio, "1"},
             {"fulfilled", m->fulfilled, "1"},
             {"postponers", m->postponers, "1"},
             {"backlog_growth", m->backlog_growth, "kWh/agent/h"},
             {"energy_cost", m->energy_cost, "$/agent/step"},
             {"reward", m->reward, "$/agent/step"},
             {"lambda_final_mean", m->lambda_mean, "$/kWh"},
             {"lambda_final_min", m->lambda_min, "$/kWh"},
             {"lambda_final_max", m->lambda_max, "$/kWh"},
             {"lambda_final_disagreement", m->disagreement, "$/kWh"},
             {"disagreement_mean", m->disagreement_mean, "$/kWh"},
             {"disagreement_bound", m->bound, "$/kWh"},
             {"lambda_mean", m->lambda_mean2, "$/kWh"},
             {"contraction_max", m->contraction_max, "1"},
             {"contraction_bound", m->contraction_bound, "1"},
             {"mixing_drift_max", m->mixing_drift_max, "$/kWh"},
             {"step_disagreement_max", m->gmax, "kWh"},
             {"sigma", m->sigma, "1"},
             {"wall_s", m->wall, "s"},
             {"agent_steps_per_s", m->rate, "1/s"}};
    for (size_t k = 0; k < sizeof a / sizeof a[0]; k++)
        h5io_attr_double(f, "/summary", a[k].k, a[k].v, a[k].units);
    for (int c = 0; c < m->n_cost; c++) {
        char k[96];
        snprintf(k, sizeof k, "%s_cost_mean", m->cost_name[c]);
        h5io_attr_double(f, "/summary", k, m->cost_mean[c], m->cost_units[c]);
        snprintf(k, sizeof k, "%s_violation_mean", m->cost_name[c]);
        h5io_attr_double(f, "/summary", k, m->cost_violation_mean[c], "1");
        snprintf(k, sizeof k, "%s_violation_max", m->cost_name[c]);
        h5io_attr_double(f, "/summary", k, m->cost_violation_max[c], "1");
    }
    h5io_attr_int64(f, "/summary", "steps", m->steps, "1");
    h5io_attr_int64(f, "/summary", "agent_steps", m->agent_steps, "1");
    h5io_group(f, "/timers");
    for (int t = 0; t < TIMER_COUNT; t++) {
        if (ts[t].calls == 0 && ts[t].max == 0) continue;
        char n[64];
        snprintf(n, sizeof n, "%s_min_s", timer_names[t]);
        h5io_attr_double(f, "/timers", n, ts[t].min, "s");
        snprintf(n, sizeof n, "%s_avg_s", timer_names[t]);
        h5io_attr_double(f, "/timers", n, ts[t].avg, "s");
        snprintf(n, sizeof n, "%s_max_s", timer_names[t]);
        h5io_attr_double(f, "/timers", n, ts[t].max, "s");
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

static void json_summary(strbuf_t *sb, const runfile_summary_t *m)
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
    json_num(sb, "lambda_mean", m->lambda_mean2);
    json_num(sb, "contraction_max", m->contraction_max);
    json_num(sb, "contraction_bound", m->contraction_bound);
    json_num(sb, "mixing_drift_max", m->mixing_drift_max);
    json_num(sb, "step_disagreement_max", m->gmax);
    for (int c = 0; c < m->n_cost; c++) {
        char k[96];
        snprintf(k, sizeof k, "%s_cost_mean", m->cost_name[c]);
        json_num(sb, k, m->cost_mean[c]);
        snprintf(k, sizeof k, "%s_violation_mean", m->cost_name[c]);
        json_num(sb, k, m->cost_violation_mean[c]);
        snprintf(k, sizeof k, "%s_violation_max", m->cost_name[c]);
        json_num(sb, k, m->cost_violation_max[c]);
    }
    json_num(sb, "sigma", m->sigma);
    json_num(sb, "sigma_residual", m->sigma_res);
    sb_printf(sb, ", \"sigma_iterations\": %" PRId64, m->sigma_it);
    json_num(sb, "wall_s", m->wall);
    json_num(sb, "agent_steps_per_s", m->rate);
    sb_puts(sb, "},\n");
}

void runfile_finish(runfile_t **op, const runfile_summary_t *m, const timer_stats_t *ts)
{
    runfile_t *o = *op;
    write_summary(o, m, ts);
    close_file(o);
    comm_check(h5io_commit(&o->f));
    free(o);
    *op = NULL;
}

void runfile_write_json(const char *out, const config_t *cfg, const setup_t *s,
                        const runfile_summary_t *m, const timer_stats_t *ts)
{
    strbuf_t sb = {0};
    record_begin(&sb, "run", cfg, s);
    json_summary(&sb, m);
    record_timers(&sb, ts);
    sb_puts(&sb, "\n}\n");
    char *jp = record_path_for(out);
    int rc = record_write(jp, &sb);
    if (rc != SAMARL_OK) fprintf(stderr, "samarl run: warning: %s\n", samarl_errmsg());
    free(jp);
    sb_free(&sb);
}

/* ---- checkpoint --------------------------------------------------------------- */

/* The run's own sums; the dual state's statistics go between over2 and
 * these (dual.c), so the attributes keep their order in the file. */
static const struct {
    const char *name;
    size_t off;
} sums_fields[] = {
    {"sum_usage2", offsetof(runfile_sums_t, usage2)},
    {"sum_served2", offsetof(runfile_sums_t, served2)},
    {"sum_lambda_mean2", offsetof(runfile_sums_t, lmean2)},
    {"sum_arrived2", offsetof(runfile_sums_t, arrived2)},
    {"sum_cost2", offsetof(runfile_sums_t, cost2)},
    {"sum_reward2", offsetof(runfile_sums_t, reward2)},
    {"sum_dis2", offsetof(runfile_sums_t, dis2)},
    {"backlog_half", offsetof(runfile_sums_t, backlog_half)},
    {"backlog_end", offsetof(runfile_sums_t, backlog_end)},
};
enum { N_SUMS_FIELDS = (int)(sizeof sums_fields / sizeof sums_fields[0]) };

/* The environment's per-agent state (env_field), before the dual state's,
 * as /state/NAME. */
static const h5io_type_t field_type[] = {
    [ENV_FIELD_F32] = H5IO_F32, [ENV_FIELD_F64] = H5IO_F64, [ENV_FIELD_I64] = H5IO_I64};

static void field_path(const env_field_t *fd, char *p, size_t n)
{
    snprintf(p, n, "/state/%s", fd->name);
}

/* Cost channel c's second-half sums in a checkpoint. */
static void cost_path(const env_t *env, int c, char *p, size_t n)
{
    snprintf(p, n, "/state/cost2_%s", env->cost_name[c]);
}

/* Collective. Everything step t continues from; the run file has been
 * flushed up to the rows recorded here. */
static void checkpoint_write(const char *path, const char *out, const char *policy,
                             const config_t *cfg, const setup_t *s, blockmap_t *bm, env_t *env,
                             dual_t *d, const runfile_sums_t *m, int64_t t, int64_t rows_s,
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
    h5io_attr_int64(f, "/", "n_agents", s->n, "1");
    h5io_attr_int64(f, "/", "step", t, "1");
    h5io_attr_int64(f, "/", "series_rows", rows_s, "1");
    h5io_attr_int64(f, "/", "traj_rows", rows_t, "1");
    h5io_attr_int64(f, "/", "over2", m->over2, "1");
    dual_write_stats(d, f);
    for (int k = 0; k < N_SUMS_FIELDS; k++) {
        double v;
        memcpy(&v, (const char *)m + sums_fields[k].off, sizeof v);
        h5io_attr_double(f, "/", sums_fields[k].name, v, NULL);
    }
    env_field_t fd;
    for (int k = 0; env_field(env, k, &fd); k++) {
        char p[96];
        field_path(&fd, p, sizeof p);
        blockmap_write_h5(bm, f, p, field_type[fd.type], s->n, fd.data, "", "checkpointed state");
    }
    for (int c = 1; c <= m->n_cost; c++) {
        char p[96];
        cost_path(env, c, p, sizeof p);
        blockmap_write_h5(bm, f, p, H5IO_F64, s->n,
                          m->chan2 + (size_t)(c - 1) * (size_t)s->lg->n_owned, "",
                          "checkpointed state");
    }
    dual_write_state(d, f, bm, s->n);
    comm_check(h5io_commit(&f));
}

/* Collective. Load what checkpoint_write saved; *t, *rows_s, *rows_t. */
static void checkpoint_read(const char *path, const setup_t *s, blockmap_t *bm, env_t *env,
                            dual_t *d, runfile_sums_t *m, int64_t *t, int64_t *rows_s,
                            int64_t *rows_t)
{
    h5file_t *f;
    comm_check(h5io_open(path, &f));
    int64_t v = -1, n_agents = -1;
    char *fp = NULL, want[24];
    snprintf(want, sizeof want, "%016" PRIx64, s->fingerprint);
    int st = h5io_attr_read_int64(f, "/", "format_version", &v);
    if (st == SAMARL_OK && v != SAMARL_RUN_CKPT_FORMAT_VERSION)
        st = samarl_seterr("%s: checkpoint format_version %" PRId64 ", this samarl reads %d", path,
                           v, SAMARL_RUN_CKPT_FORMAT_VERSION);
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
    if (st == SAMARL_OK) st = dual_read_stats(d, f);
    for (int k = 0; k < N_SUMS_FIELDS && st == SAMARL_OK; k++) {
        double x = 0;
        st = h5io_attr_read_double(f, "/", sums_fields[k].name, &x);
        memcpy((char *)m + sums_fields[k].off, &x, sizeof x);
    }
    env_field_t fd;
    for (int k = 0; st == SAMARL_OK && env_field(env, k, &fd); k++) {
        char p[96];
        gidx_t len = -1;
        field_path(&fd, p, sizeof p);
        st = h5io_length_1d(f, p, &len);
        if (st == SAMARL_OK && len != s->n)
            st = samarl_seterr("%s: %s has %" PRIdG " entries, expected %" PRIdG, path, p, len,
                               s->n);
    }
    for (int c = 1; st == SAMARL_OK && c <= m->n_cost; c++) {
        char p[96];
        gidx_t len = -1;
        cost_path(env, c, p, sizeof p);
        st = h5io_length_1d(f, p, &len);
        if (st == SAMARL_OK && len != s->n)
            st = samarl_seterr("%s: %s has %" PRIdG " entries, expected %" PRIdG, path, p, len,
                               s->n);
    }
    if (st == SAMARL_OK) st = dual_check_state(d, f, path, s->n);
    if (st != SAMARL_OK) h5io_close(&f);
    comm_check(st);
    for (int k = 0; env_field(env, k, &fd); k++) {
        char p[96];
        field_path(&fd, p, sizeof p);
        blockmap_read_h5(bm, f, p, field_type[fd.type], fd.data);
    }
    for (int c = 1; c <= m->n_cost; c++) {
        char p[96];
        cost_path(env, c, p, sizeof p);
        blockmap_read_h5(bm, f, p, H5IO_F64, m->chan2 + (size_t)(c - 1) * (size_t)s->lg->n_owned);
    }
    dual_read_state(d, f, bm);
    h5io_close(&f);
}

void runfile_checkpoint(runfile_t *o, const char *ckpt, const char *out, const char *policy,
                        const config_t *cfg, const setup_t *s, env_t *env, dual_t *d,
                        const runfile_sums_t *rs, int64_t t)
{
    runfile_flush(o);
    h5io_flush(o->f);
    checkpoint_write(ckpt, out, policy, cfg, s, o->bm, env, d, rs, t, h5io_series_rows(o->ser[0]),
                     o->step > 0 ? h5io_series_rows(o->traj[0]) : 0);
    h5io_keep_partial(o->f); /* the checkpoint continues it */
}

runfile_t *runfile_restart(const char *ckpt, const char *path, const config_t *cfg,
                           const setup_t *s, env_t *env, dual_t *d, runfile_sums_t *rs, int64_t *t0)
{
    int64_t rows_s = 0, rows_t = 0;
    blockmap_t *bm = blockmap_create(s->lg);
    checkpoint_read(ckpt, s, bm, env, d, rs, t0, &rows_s, &rows_t);
    blockmap_destroy(&bm);
    return reopen(path, cfg, s, rows_s, rows_t);
}
