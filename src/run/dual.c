/* The dual-update rules of samarl run (see dual.h): the dual state, one
 * function per rule, the registry, and the state's checkpoint. */
#include "samarl/dual.h"

#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/consensus.h"
#include "samarl/error.h"
#include "samarl/reprosum.h"
#include "samarl/timer.h"

struct dual {
    const dual_rule_t *rule;
    lidx_t n; /* owned agents */
    int width;
    double N, C, share, eta; /* agents, capacity, C / N, step size */
    int64_t T0, K;           /* steps per epoch, rounds per epoch */
    /* What the rules that mix exchange, with ghost room for the halo; in
     * tracking, lambda interleaved with the slack tracker y:
     * x[2i] = lambda_i, x[2i+1] = y_i. */
    double *x;
    double *lam;  /* [n] what the agents act on */
    double *gsum; /* [n] usage so far in the epoch */
    double *sold; /* [n] tracking: the slack u_i - s of the last epoch */
    double *dev;  /* [n] the epoch's mean usage u_i (for G, too) */
    consensus_t *cons;
    consensus_faults_t faults;
    double sigma, sigma_res, bound_factor;
    int64_t sigma_it;
    dual_stats_t st;
};

/* ---- pieces the rules share ------------------------------------------------- */

/* dev = the epoch's mean usage per agent; the epoch's sums start again. */
static void epoch_usage(dual_t *d)
{
    timer_start(TIMER_DUAL);
    for (lidx_t i = 0; i < d->n; i++) {
        d->dev[i] = d->gsum[i] / (double)d->T0;
        d->gsum[i] = 0;
    }
    timer_stop(TIMER_DUAL);
}

/* G: the RMS deviation of the epoch usage from its network mean, kept at
 * its largest (only where the bound it feeds is finite). */
static void track_g(dual_t *d)
{
    if (d->cons && isfinite(d->bound_factor)) {
        double gd = consensus_disagreement(d->cons, d->dev, NULL);
        if (gd > d->st.gmax) d->st.gmax = gd;
    }
}

/* K rounds of mixing on x (numbered across the run: the epoch ending at
 * step t has rounds t / T0 * K ...), then lambda = max(0, x's first column). */
static void mix_and_project(dual_t *d, int64_t t)
{
    timer_start(TIMER_CONSENSUS);
    consensus_mix_faulty(d->cons, d->x, d->width, (int)d->K, t / d->T0 * d->K, &d->faults);
    timer_stop(TIMER_CONSENSUS);
    for (lidx_t i = 0; i < d->n; i++) {
        const double l = d->x[(size_t)i * d->width];
        d->lam[i] = l > 0 ? l : 0;
    }
}

/* Collective. Smallest and largest multiplier over all agents. */
static void stats_minmax(dual_t *d)
{
    double mm[2] = {INFINITY, INFINITY}; /* min, -max */
    for (lidx_t i = 0; i < d->n; i++) {
        if (d->lam[i] < mm[0]) mm[0] = d->lam[i];
        if (-d->lam[i] < mm[1]) mm[1] = -d->lam[i];
    }
    comm_allreduce_double(mm, 2, COMM_MIN);
    d->st.lmin = mm[0];
    d->st.lmax = -mm[1];
}

/* Collective. Statistics of multipliers that differ between agents: exact
 * sums, so the same bits on any number of ranks. */
static void stats_spread(dual_t *d)
{
    timer_start(TIMER_REDUCE);
    stats_minmax(d);
    d->st.lmean = reprosum_global(d->lam, (size_t)d->n) / d->N;
    d->st.dis = sqrt(reprosum_global_sqdev(d->lam, (size_t)d->n, d->st.lmean) / d->N);
    timer_stop(TIMER_REDUCE);
}

/* ---- the rules ---------------------------------------------------------------- */

static double start_zero(const config_t *cfg)
{
    (void)cfg;
    return 0.0;
}

static double start_lambda0(const config_t *cfg)
{
    return cfg->dual.lambda0;
}

/* Independent learners: each agent's own slack, no messages. */
static void local_update(dual_t *d, int64_t t)
{
    (void)t;
    epoch_usage(d);
    for (lidx_t i = 0; i < d->n; i++) {
        double l = d->lam[i] + d->eta * (d->dev[i] - d->share);
        d->lam[i] = l > 0 ? l : 0;
    }
    stats_spread(d);
}

/* The oracle: one multiplier from the network's exact total usage. Its
 * statistics are that one value, exactly. */
static void central_update(dual_t *d, int64_t t)
{
    (void)t;
    epoch_usage(d);
    timer_start(TIMER_REDUCE);
    double tot = reprosum_global(d->dev, (size_t)d->n);
    timer_stop(TIMER_REDUCE);
    double l = d->st.lmean + d->eta * (tot - d->C) / d->N;
    l = l > 0 ? l : 0;
    for (lidx_t i = 0; i < d->n; i++) d->lam[i] = l;
    timer_start(TIMER_REDUCE);
    stats_minmax(d);
    d->st.lmean = d->st.lmin;
    d->st.dis = 0;
    timer_stop(TIMER_REDUCE);
}

/* The paper's rule: a local dual step, then K rounds of averaging. */
static void consensus_update(dual_t *d, int64_t t)
{
    epoch_usage(d);
    track_g(d);
    timer_start(TIMER_DUAL);
    for (lidx_t i = 0; i < d->n; i++) d->x[i] = d->lam[i] + d->eta * (d->dev[i] - d->share);
    timer_stop(TIMER_DUAL);
    mix_and_project(d, t);
    stats_spread(d);
}

/* Gradient tracking: y follows the network's mean slack by dynamic average
 * consensus and replaces the agent's own slack in the dual step. */
static void tracking_update(dual_t *d, int64_t t)
{
    epoch_usage(d);
    track_g(d);
    timer_start(TIMER_DUAL);
    for (lidx_t i = 0; i < d->n; i++) {
        const double sl = d->dev[i] - d->share;
        double y = d->x[2 * (size_t)i + 1] + sl - d->sold[i];
        d->sold[i] = sl;
        d->x[2 * (size_t)i + 1] = y;
        d->x[2 * (size_t)i] = d->lam[i] + d->eta * y;
    }
    timer_stop(TIMER_DUAL);
    mix_and_project(d, t);
    stats_spread(d);
}

static const dual_rule_t rules[] = {
    {"consensus", "dual step + K rounds of averaging with the graph neighbours (the paper)", 1, 1,
     start_lambda0, consensus_update},
    {"tracking", "consensus with the slack replaced by a gradient-tracking estimate", 2, 1,
     start_lambda0, tracking_update},
    {"local", "own slack only, no communication (independent learners)", 1, 0, start_lambda0,
     local_update},
    {"central", "one exact multiplier from a reproducible all-reduce (the oracle)", 1, 0,
     start_lambda0, central_update},
    {"fixed", "dual.lambda0 throughout", 1, 0, start_lambda0, NULL},
    {"none", "lambda = 0 throughout", 1, 0, start_zero, NULL},
};
enum { N_RULES = (int)(sizeof rules / sizeof rules[0]) };

const dual_rule_t *dual_rule_find(const char *name)
{
    for (int k = 0; k < N_RULES; k++)
        if (strcmp(rules[k].name, name) == 0) return &rules[k];
    return NULL;
}

const dual_rule_t *dual_rule_at(int k)
{
    return k >= 0 && k < N_RULES ? &rules[k] : NULL;
}

int dual_check_name(const char *name)
{
    if (dual_rule_find(name)) return SAMARL_OK;
    const char *names[N_RULES];
    for (int k = 0; k < N_RULES; k++) names[k] = rules[k].name;
    return samarl_seterr_unknown("dual.mode", name, "a dual rule", names, N_RULES);
}

const dual_rule_t *dual_rule_of(const config_t *cfg)
{
    const dual_rule_t *r = dual_rule_find(cfg->dual.mode);
    if (!r) SAMARL_FATAL("dual.mode = %s has no rule in dual.c", cfg->dual.mode);
    return r;
}

/* ---- the state ---------------------------------------------------------------- */

void dual_create(const config_t *cfg, const lgraph_t *lg, halo_t *halo, gidx_t n_global,
                 double capacity, dual_t **out)
{
    dual_t *d = XZNEW(dual_t, 1);
    d->rule = dual_rule_of(cfg);
    d->width = d->rule->width;
    d->n = lg->n_owned;
    d->N = (double)n_global;
    d->C = capacity;
    d->share = capacity / d->N;
    d->eta = cfg->dual.eta;
    d->T0 = cfg->dual.epoch;
    d->K = cfg->dual.rounds;
    d->sigma = NAN;
    d->sigma_res = NAN;
    consensus_faults_from_config(cfg, &d->faults);
    if (d->rule->needs_consensus) {
        d->cons = consensus_create(lg, halo, (weights_t)cfg->dual.weights);
        if (cfg->consensus.sigma_iters > 0) {
            d->sigma =
                consensus_sigma(d->cons, cfg->run.seed, cfg->consensus.sigma_iters,
                                cfg->consensus.sigma_tol, &d->sigma_it, &d->sigma_res, NULL, NULL);
            if (comm_rank() == 0 &&
                !(d->sigma_res <= cfg->consensus.sigma_tol * d->sigma * d->sigma))
                fprintf(stderr,
                        "samarl run: warning: sigma = %.6f did not converge in %" PRId64
                        " power iterations (residual %.2g); it approaches from below, so the "
                        "disagreement bound may be too small. Raise consensus.sigma_iters.\n",
                        d->sigma, d->sigma_it, d->sigma_res);
        }
    }
    const double sK = pow(d->sigma, (double)d->K);
    d->bound_factor = cfg->dual.eta * sK / (1.0 - sK);

    const lidx_t n = d->n, nl = n + lg->n_ghost;
    d->x = XZNEW(double, (size_t)(nl > 0 ? nl : 1) * (size_t)d->width);
    d->lam = XZNEW(double, n > 0 ? n : 1);
    d->gsum = XZNEW(double, n > 0 ? n : 1);
    d->sold = XZNEW(double, n > 0 ? n : 1);
    d->dev = XZNEW(double, n > 0 ? n : 1);
    const double l0 = d->rule->start(cfg);
    d->st = (dual_stats_t){.lmean = l0, .lmin = l0, .lmax = l0};
    for (lidx_t i = 0; i < n; i++) d->lam[i] = d->x[(size_t)i * d->width] = l0;
    *out = d;
}

void dual_destroy(dual_t **dp)
{
    dual_t *d = *dp;
    if (!d) return;
    consensus_destroy(&d->cons);
    free(d->x);
    free(d->lam);
    free(d->gsum);
    free(d->sold);
    free(d->dev);
    free(d);
    *dp = NULL;
}

const dual_rule_t *dual_rule(const dual_t *d)
{
    return d->rule;
}

const double *dual_lambda(const dual_t *d)
{
    return d->lam;
}

double *dual_usage(dual_t *d)
{
    return d->gsum;
}

const dual_stats_t *dual_stats(const dual_t *d)
{
    return &d->st;
}

double dual_sigma(const dual_t *d, int64_t *iterations, double *residual)
{
    if (iterations) *iterations = d->sigma_it;
    if (residual) *residual = d->sigma_res;
    return d->sigma;
}

double dual_bound(const dual_t *d)
{
    return d->cons ? d->bound_factor * d->st.gmax : NAN;
}

void dual_step_end(dual_t *d, int64_t t)
{
    if ((t + 1) % d->T0 == 0 && d->rule->epoch_update) d->rule->epoch_update(d, t);
}

/* ---- checkpoint ------------------------------------------------------------- */

static const struct {
    const char *name;
    size_t off;
} stat_fields[] = {
    {"lambda_mean", offsetof(dual_stats_t, lmean)}, {"lambda_min", offsetof(dual_stats_t, lmin)},
    {"lambda_max", offsetof(dual_stats_t, lmax)},   {"disagreement", offsetof(dual_stats_t, dis)},
    {"gmax", offsetof(dual_stats_t, gmax)},
};
enum { N_STATS = (int)(sizeof stat_fields / sizeof stat_fields[0]) };

/* Per-agent state, in file order. The tracker goes through a contiguous
 * copy of x's second column; x's first column is rewritten before every
 * mix, so it is not carried. */
enum { ST_LAMBDA, ST_TRACKER, ST_USAGE, ST_SLACK, ST_COUNT };
static const char *const state_names[ST_COUNT] = {"/state/lambda", "/state/tracker",
                                                  "/state/epoch_usage", "/state/last_slack"};

void dual_write_stats(const dual_t *d, h5file_t *f)
{
    for (int k = 0; k < N_STATS; k++) {
        double v;
        memcpy(&v, (const char *)&d->st + stat_fields[k].off, sizeof v);
        h5io_attr_double(f, "/", stat_fields[k].name, v);
    }
}

int dual_read_stats(dual_t *d, h5file_t *f)
{
    int st = SAMARL_OK;
    for (int k = 0; k < N_STATS && st == SAMARL_OK; k++) {
        double v = 0;
        st = h5io_attr_read_double(f, "/", stat_fields[k].name, &v);
        memcpy((char *)&d->st + stat_fields[k].off, &v, sizeof v);
    }
    return st;
}

void dual_write_state(dual_t *d, h5file_t *f, blockmap_t *bm, gidx_t n_global)
{
    double *y = XZNEW(double, d->n > 0 ? d->n : 1);
    if (d->width == 2)
        for (lidx_t i = 0; i < d->n; i++) y[i] = d->x[2 * (size_t)i + 1];
    double *const a[ST_COUNT] = {d->lam, y, d->gsum, d->sold};
    for (int k = 0; k < ST_COUNT; k++)
        blockmap_write_h5(bm, f, state_names[k], H5IO_F64, n_global, a[k], "",
                          "checkpointed state");
    free(y);
}

int dual_check_state(h5file_t *f, const char *path, gidx_t n_global)
{
    int st = SAMARL_OK;
    for (int k = 0; k < ST_COUNT && st == SAMARL_OK; k++) {
        gidx_t len = -1;
        st = h5io_length_1d(f, state_names[k], &len);
        if (st == SAMARL_OK && len != n_global)
            st = samarl_seterr("%s: %s has %" PRIdG " entries, expected %" PRIdG, path,
                               state_names[k], len, n_global);
    }
    return st;
}

void dual_read_state(dual_t *d, h5file_t *f, blockmap_t *bm)
{
    double *y = XZNEW(double, d->n > 0 ? d->n : 1);
    double *const a[ST_COUNT] = {d->lam, y, d->gsum, d->sold};
    for (int k = 0; k < ST_COUNT; k++) blockmap_read_h5(bm, f, state_names[k], H5IO_F64, a[k]);
    if (d->width == 2)
        for (lidx_t i = 0; i < d->n; i++) d->x[2 * (size_t)i + 1] = y[i];
    free(y);
}
