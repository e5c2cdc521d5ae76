/* samarl run's outputs (DESIGN.md §6): the run file (parallel HDF5: /series,
 * /traj, /agents, /graph, /summary, /timers), its checkpoint OUTPUT.ckpt,
 * and the summary (printed, in the file, and as JSON beside it).
 *
 * The run file is written as PATH.partial and renamed when complete. Its
 * datasets are created at their final size, so that during the run only raw
 * data is written: flushed once before the first step, the file survives a
 * kill readable, and a checkpoint continues it. Every dataset has the same
 * bits on any number of ranks. */
#ifndef SAMARL_RUNFILE_H
#define SAMARL_RUNFILE_H

#include <stdint.h>

#include "samarl/cli.h"
#include "samarl/config.h"
#include "samarl/dual.h"
#include "samarl/env.h"
#include "samarl/timer.h"

/* Per-step network totals, the datasets of /series. */
enum {
    RUNFILE_USAGE,
    RUNFILE_SERVED,
    RUNFILE_ARRIVED,
    RUNFILE_BACKLOG,
    RUNFILE_COST,
    RUNFILE_REWARD,
    RUNFILE_N_SUMS, /* the reproducible sums above */
    RUNFILE_LMEAN = RUNFILE_N_SUMS,
    RUNFILE_LMIN,
    RUNFILE_LMAX,
    RUNFILE_DIS,
    RUNFILE_BOUND,
    RUNFILE_SLACK,
    RUNFILE_CAPACITY,
    RUNFILE_SERIES
};

/* What the run carries from step to step for its summary: sums over the
 * second half of the run (steps T/2 .. T-1) and the backlog at its ends. */
typedef struct runfile_sums {
    double usage2, served2, arrived2, cost2, reward2, dis2, lmean2;
    double backlog_half, backlog_end;
    int64_t over2; /* steps over capacity */
    /* The environment's cost channels 1 .. n_cost (0 without): each owned
     * agent's sum over the second half, chan2[(c - 1) * n_owned + i]
     * (the caller allocates it; the checkpoint holds it). */
    int n_cost;
    double *chan2;
} runfile_sums_t;

/* Step t of T: add the step's costs, cost[(c - 1) * n + i] for the n
 * owned agents (env_costs with one copy), to rs->chan2. */
void runfile_costs_add(runfile_sums_t *rs, const double *cost, lidx_t n, int64_t t, int64_t T);

/* Step t of T, with the step's series values v. */
void runfile_sums_add(runfile_sums_t *rs, const double v[RUNFILE_SERIES], int64_t t, int64_t T);

typedef struct runfile runfile_t;

/* Collective. A new run file PATH (as PATH.partial): identity, parameters,
 * /graph, /agents, and every dataset at its final size; flushed when the
 * run writes checkpoints. */
runfile_t *runfile_create(const char *path, const config_t *cfg, const setup_t *s, const env_t *env,
                          const dual_t *d);
/* Collective. --restart: put the state checkpoint `ckpt` holds into env, d
 * and *rs, *t0 the step it continues from, and reopen PATH.partial, the run
 * file it continues. Bad input: message, every rank exits 1. */
runfile_t *runfile_restart(const char *ckpt, const char *path, const config_t *cfg,
                           const setup_t *s, env_t *env, dual_t *d, runfile_sums_t *rs,
                           int64_t *t0);

/* 1 when step t's trajectories go into /traj (the same on every rank). */
int runfile_records(const runfile_t *r, int64_t t);
/* Stage the step of owned agents i0 .. i0+m-1, arrays indexed by q = i - i0;
 * runfile_record then records the staged step. */
void runfile_stage(runfile_t *r, lidx_t i0, int m, const float *usage, const float *backlog,
                   const uint8_t *action, const float *reward, const float *lambda);
/* Collective. */
void runfile_record(runfile_t *r);
/* Collective (every rank, every step). */
void runfile_series(runfile_t *r, const double v[RUNFILE_SERIES]);
/* Collective. Buffered rows to the file. */
void runfile_flush(runfile_t *r);
/* Collective. OUTPUT.ckpt (via .partial and a rename, so that a kill while
 * writing leaves the previous one) after the rows so far reach the run
 * file: everything step t continues from. */
void runfile_checkpoint(runfile_t *r, const char *ckpt, const char *out, const char *policy,
                        const config_t *cfg, const setup_t *s, env_t *env, dual_t *d,
                        const runfile_sums_t *rs, int64_t t);

typedef struct runfile_summary {
    double avg_slack_ratio, violation_ratio, fulfilled, postponers, backlog_growth;
    double energy_cost, reward, lambda_mean, lambda_min, lambda_max, disagreement;
    double disagreement_mean, bound, sigma, sigma_res, wall, rate;
    double lambda_mean2;      /* the mean multiplier averaged over the second half */
    double contraction_max;   /* largest per-epoch D_after / D_before */
    double contraction_bound; /* sigma^K, which it must not exceed */
    double mixing_drift_max;  /* largest move of the weighted mean by mixing */
    double gmax;              /* largest disagreement of a step direction */
    /* Per cost channel c = 1 .. n_cost (index c - 1), over the second half:
     * the mean over agents of the time-averaged cost, and of and the largest
     * max(0, time-averaged cost) / the channel's bound (env_t.cost_bound). */
    int n_cost;
    double cost_mean[ENV_COSTS_MAX], cost_violation_mean[ENV_COSTS_MAX],
        cost_violation_max[ENV_COSTS_MAX];
    const char *cost_name[ENV_COSTS_MAX], *cost_units[ENV_COSTS_MAX];
    int mixing_ok; /* contraction_max <= sigma^K (1 + 1e-9) and the mean kept (drift <=
                    * 1e-9 (1 + lambda_max)); 1 where nothing mixes */
    int64_t steps, agent_steps, sigma_it;
} runfile_summary_t;

/* Collective. The summary of T steps (this session ran steps t0 .. T-1 in
 * `wall` seconds): rates per agent and step over the second half,
 * postponers (backlog above 24 h of the agent's demand scale at the end). */
void runfile_summarise(runfile_summary_t *m, const runfile_sums_t *rs, const setup_t *s,
                       const env_t *env, const dual_t *d, int64_t T, int64_t t0, double wall);
/* Rank 0. */
void runfile_print_summary(const runfile_summary_t *m, const dual_t *d, const config_t *cfg);
/* Collective. /summary and /timers, then close the run file and rename it
 * complete. */
void runfile_finish(runfile_t **r, const runfile_summary_t *m, const timer_stats_t *ts);
/* Rank 0. The JSON run record beside the run file `out` (a warning if it
 * cannot be written). */
void runfile_write_json(const char *out, const config_t *cfg, const setup_t *s,
                        const runfile_summary_t *m, const timer_stats_t *ts);

#endif
