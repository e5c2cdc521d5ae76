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
#include "samarl/ksample.h"
#include "samarl/reprosum.h"
#include "samarl/timer.h"

struct dual {
    const dual_rule_t *rule;
    lidx_t n; /* owned agents */
    int width;
    double N, C, share, eta; /* agents, capacity, C / N, step size */
    int64_t T0, K;           /* steps per epoch, rounds per epoch */
    /* What the rules that mix exchange, with ghost room for the halo: the
     * carried multiplier (unprojected mu in consensus and tracking, lambda
     * itself in consensus-paper), in tracking interleaved with the slack
     * tracker y: x[2i] = mu_i, x[2i+1] = y_i. */
    double *x;
    double *lam;  /* [n] what the agents act on */
    double *nu;   /* [n] share weights nu_i, mean 1 (all 1 under equal shares) */
    int wmix;     /* the mixing is reweighted by nu (dual.mixing = weighted) */
    double *gsum; /* [n] usage so far in the epoch */
    double *sold; /* [n] tracking: the step slack of the last epoch */
    /* running sums (tracking-ratio): x[3i..3i+2] = the masses of mu, of the
     * tracker y and the weight (mu_i = x[3i] / x[3i+2]); each agent's
     * running sums [nl][3] (ghost rows scratch) and, per edge of the local
     * CSR, the last running sum received on it [nnz][3] */
    double *sent, *got;
    int64_t nnz;
    double *pend; /* [n] slack changes held while the weight is low */
    double deg1;  /* 1 + the mean degree (agent i's lossless weight: (1 + d_i) / deg1) */
    double *dev;  /* [n] the epoch's mean usage u_i, then the step slack g_i */
    double *col;  /* [n] scratch: x's first column */
    consensus_t *cons;
    const lgraph_t *lg; /* rules with price_hops: the neighbourhoods */
    halo_t *halo;       /* and the exchange of lambda */
    consensus_faults_t faults;
    ksample_t *ks; /* sampled: the aggregator's k-sample */
    double *ku;    /* [k] the usage its sampled agents on this rank report */
    uint64_t seed;
    double sigma, sigma_res, rhoK; /* sigma, its estimate's residual, sigma^K */
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

/* g = the step slack of each agent: u_i - s nu_i (the paper's u_i - s where
 * nu = 1), so that sum_i g_i = sum_i u_i - C exactly; under weighted mixing
 * (u_i - s nu_i) / nu_i, so that sum_i nu_i g_i = sum_i u_i - C. */
static void step_slack(dual_t *d)
{
    timer_start(TIMER_DUAL);
    if (d->wmix)
        for (lidx_t i = 0; i < d->n; i++) d->dev[i] = (d->dev[i] - d->share * d->nu[i]) / d->nu[i];
    else
        for (lidx_t i = 0; i < d->n; i++) d->dev[i] -= d->share * d->nu[i];
    timer_stop(TIMER_DUAL);
}

/* The disagreement (RMS deviation from the mean, both nu-weighted under
 * weighted mixing) of x's first column, and its mean. */
static double col_disagreement(dual_t *d, double *mean)
{
    if (d->width == 1) return consensus_disagreement(d->cons, d->x, mean);
    for (lidx_t i = 0; i < d->n; i++) d->col[i] = d->x[(size_t)i * d->width];
    return consensus_disagreement(d->cons, d->col, mean);
}

/* K rounds of mixing on x (numbered across the run: the epoch ending at
 * step t has rounds t / T0 * K ...), checked: the disagreement of the
 * carried multiplier before (D0) and after (D1) must shrink by sigma^K at
 * least, and its weighted mean must not move (both hold for any x when W is
 * the matrix sigma was measured for and no fault acts). G is the
 * disagreement the step brought in (the step direction's). The bound
 * B <- sigma^K (B + eta G) follows the disagreement from above. */
static void mix_checked(dual_t *d, int64_t t, double G)
{
    double m0, m1;
    const double D0 = col_disagreement(d, &m0);
    timer_start(TIMER_CONSENSUS);
    consensus_mix_faulty(d->cons, d->x, d->width, (int)d->K, t / d->T0 * d->K, &d->faults);
    timer_stop(TIMER_CONSENSUS);
    const double D1 = col_disagreement(d, &m1);
    if (D0 > 0 && D1 / D0 > d->st.cmax) d->st.cmax = D1 / D0;
    const double dm = fabs(m1 - m0);
    if (dm > d->st.drift) d->st.drift = dm;
    if (G > d->st.gmax) d->st.gmax = G;
    d->st.bound = d->rhoK * (d->st.bound + d->eta * G);
}

/* lambda = max(0, x's first column). */
static void project(dual_t *d)
{
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

/* Collective. One multiplier for every agent, stepped on the network's
 * total usage `tot` (exact or estimated): its statistics are that one
 * value, exactly. */
static void global_step(dual_t *d, double tot)
{
    double l = d->st.lmean + d->eta * (tot - d->C) / d->N;
    l = l > 0 ? l : 0;
    for (lidx_t i = 0; i < d->n; i++) d->lam[i] = l;
    timer_start(TIMER_REDUCE);
    stats_minmax(d);
    d->st.lmean = d->st.lmin;
    d->st.dis = 0;
    timer_stop(TIMER_REDUCE);
}

/* The oracle: one multiplier from the network's exact total usage. */
static void central_update(dual_t *d, int64_t t)
{
    (void)t;
    epoch_usage(d);
    timer_start(TIMER_REDUCE);
    const double tot = reprosum_global(d->dev, (size_t)d->n);
    timer_stop(TIMER_REDUCE);
    global_step(d, tot);
}

/* sampled: a price-setting aggregator (seed 002's global agent seeing k of
 * n): the epoch's k-sample (keyed by the epoch, the same on every rank)
 * reports its mean usage; the one multiplier steps on the estimate N / k x
 * their sum of the total, lambda = max(0, lambda + eta (N/k sum_S u_i - C) /
 * N). With k = N it is central's step, bit for bit. */
static void sampled_update(dual_t *d, int64_t t)
{
    epoch_usage(d);
    timer_start(TIMER_REDUCE);
    ksample_draw(d->ks, d->seed, (uint64_t)(t / d->T0), 0);
    size_t m = 0;
    for (int j = 0; j < d->ks->k; j++) {
        const lidx_t i = ksample_local(d->ks, d->ks->draw[j]);
        if (i >= 0) d->ku[m++] = d->dev[i];
    }
    const double tot = reprosum_global(d->ku, m) * (d->N / (double)d->ks->k);
    timer_stop(TIMER_REDUCE);
    global_step(d, tot);
}

/* The paper's rule, literally: a local dual step from lambda, K rounds of
 * averaging, then max(0, .). The projection after mixing adds mass to the
 * network mean wherever it clips, and nothing takes it back. */
static void consensus_paper_update(dual_t *d, int64_t t)
{
    epoch_usage(d);
    step_slack(d); /* nu = 1 for this rule */
    timer_start(TIMER_DUAL);
    for (lidx_t i = 0; i < d->n; i++) d->x[i] = d->lam[i] + d->eta * d->dev[i];
    timer_stop(TIMER_DUAL);
    const double G = consensus_disagreement(d->cons, d->dev, NULL);
    mix_checked(d, t, G);
    project(d);
    stats_spread(d);
}

/* Consensus on the unprojected multiplier mu: mu <- W^K (mu + eta g),
 * lambda = max(0, mu) only where it is used, g the step slack against each
 * agent's share. The mean of mu (nu-weighted under weighted mixing) then
 * takes exactly the central step. */
static void consensus_update(dual_t *d, int64_t t)
{
    epoch_usage(d);
    step_slack(d);
    timer_start(TIMER_DUAL);
    for (lidx_t i = 0; i < d->n; i++) d->x[i] += d->eta * d->dev[i];
    timer_stop(TIMER_DUAL);
    const double G = consensus_disagreement(d->cons, d->dev, NULL);
    mix_checked(d, t, G);
    project(d);
    stats_spread(d);
}

/* Gradient tracking on top of consensus: y follows the network's mean step
 * slack by dynamic average consensus and replaces the agent's own
 * slack in the step; mu and y mix in the same K rounds. */
static void tracking_update(dual_t *d, int64_t t)
{
    epoch_usage(d);
    step_slack(d);
    timer_start(TIMER_DUAL);
    for (lidx_t i = 0; i < d->n; i++) {
        const double sl = d->dev[i];
        double y = d->x[2 * (size_t)i + 1] + sl - d->sold[i];
        d->sold[i] = sl;
        d->x[2 * (size_t)i + 1] = y;
        d->x[2 * (size_t)i] += d->eta * y;
        d->dev[i] = y; /* the step direction, for G */
    }
    timer_stop(TIMER_DUAL);
    const double G = consensus_disagreement(d->cons, d->dev, NULL);
    mix_checked(d, t, G);
    project(d);
    stats_spread(d);
}

/* Gradient tracking carried by push-sum with running sums (Push-DIGing's
 * form, Nedic, Olshevsky and Shi 2017): the masses of mu, of the tracker y
 * and the weight w move together, the estimates being mu_i = a_i / w_i and
 * y_i = c_i / w_i. The step slack's change enters c_i (so sum c + in
 * flight + held = sum g, as in tracking), the step mu_i += eta y_i is
 * a_i += eta c_i; then K rounds of consensus_pushsum. A lost message's mass
 * arrives with the next message that gets through, so the network's sums
 * survive lost, late and silent messages where renormalised rows lose them
 * (results/faults). An agent that has sent far more than it has heard (a
 * leaf beside a silent neighbour halves its weight every round) holds its
 * slack changes while its weight is below a quarter of its lossless
 * weight (1 + d_i) / (1 + mean degree), and adds them once it recovers. */
static void tracking_ratio_update(dual_t *d, int64_t t)
{
    epoch_usage(d);
    step_slack(d);
    timer_start(TIMER_DUAL);
    for (lidx_t i = 0; i < d->n; i++) {
        double *m = d->x + 3 * (size_t)i;
        d->pend[i] += d->dev[i] - d->sold[i];
        d->sold[i] = d->dev[i];
        const double low = 0.25 * (double)(d->lg->rowptr[i + 1] - d->lg->rowptr[i] + 1) / d->deg1;
        if (m[2] >= low) { /* else held: a slack change over a tiny weight would move the
                              agent's estimates by change / weight */
            m[1] += d->pend[i];
            d->pend[i] = 0;
        }
        m[0] += d->eta * m[1];
        d->dev[i] = m[1] / m[2]; /* the step direction, for G */
    }
    timer_stop(TIMER_DUAL);
    const double G = consensus_disagreement(d->cons, d->dev, NULL);
    if (G > d->st.gmax) d->st.gmax = G;
    timer_start(TIMER_CONSENSUS);
    consensus_pushsum(d->cons, d->x, d->sent, d->got, 3, (int)d->K, t / d->T0 * d->K, &d->faults);
    timer_stop(TIMER_CONSENSUS);
    for (lidx_t i = 0; i < d->n; i++) {
        const double *m = d->x + 3 * (size_t)i;
        if (!(m[2] > 0)) continue; /* weight underflowed (every message lost for ages): keep */
        const double l = m[0] / m[2];
        d->lam[i] = l > 0 ? l : 0;
    }
    stats_spread(d);
}

/* The prices of a rule with price_hops: p_i = lambda_i + the sum of the
 * neighbours' lambda_j in gid order (x holds lambda, ghosts after one
 * exchange). Collective. */
static void neighbourhood_price(dual_t *d)
{
    const lgraph_t *lg = d->lg;
    halo_exchange(d->halo, d->x, 1); /* timed as TIMER_HALO */
    timer_start(TIMER_DUAL);
    for (lidx_t i = 0; i < d->n; i++) {
        double p = d->x[i];
        for (int64_t k = lg->rowptr[i]; k < lg->rowptr[i + 1]; k++) p += d->x[lg->col[k]];
        d->lam[i] = p;
    }
    timer_stop(TIMER_DUAL);
}

/* Local dual ascent on each agent's local cost acting on its own
 * multiplier: lambda_i = max(0, lambda_i + eta c_i), no messages (how the
 * networked trainers' multipliers move, and what their actors observe). */
static void local_cost_update(dual_t *d, int64_t t)
{
    (void)t;
    epoch_usage(d);
    timer_start(TIMER_DUAL);
    for (lidx_t i = 0; i < d->n; i++) {
        const double l = d->x[i] + d->eta * d->dev[i];
        d->x[i] = d->lam[i] = l > 0 ? l : 0;
    }
    timer_stop(TIMER_DUAL);
    stats_spread(d);
}

/* Local dual ascent on the local constraints of cost channel 1 (DR-net's
 * feeder limits): lambda_i = max(0, lambda_i + eta c_i), c_i = mean_epoch
 * (l_i - F); the agents act on their neighbourhood's price. */
static void feeder_update(dual_t *d, int64_t t)
{
    (void)t;
    epoch_usage(d);
    timer_start(TIMER_DUAL);
    for (lidx_t i = 0; i < d->n; i++) {
        const double l = d->x[i] + d->eta * d->dev[i];
        d->x[i] = l > 0 ? l : 0;
    }
    timer_stop(TIMER_DUAL);
    neighbourhood_price(d);
    stats_spread(d);
}

static const dual_rule_t rules[] = {
    {"consensus",
     "dual step + K rounds of averaging with the graph neighbours, on the unprojected "
     "multiplier, each agent stepping against its share of capacity (the default)",
     1, 1, 1, start_lambda0, consensus_update, 0, 0, 0},
    {"consensus-paper",
     "the paper's rule as written: dual step, K rounds of plain averaging, max(0, .) after "
     "mixing (drifts where agents differ)",
     1, 1, 0, start_lambda0, consensus_paper_update, 0, 0, 0},
    {"tracking", "consensus with the slack replaced by a gradient-tracking estimate", 2, 1, 1,
     start_lambda0, tracking_update, 0, 0, 0},
    {"tracking-ratio",
     "tracking carried by push-sum (ratio) consensus with running sums: lost and late "
     "messages delay the network's sums, they do not change them",
     3, 1, 1, start_lambda0, tracking_ratio_update, 0, 0, 1},
    {"local", "own slack only, no communication (independent learners)", 1, 0, 0, start_lambda0,
     local_update, 0, 0, 0},
    {"central", "one exact multiplier from a reproducible all-reduce (the oracle)", 1, 0, 0,
     start_lambda0, central_update, 0, 0, 0},
    {"sampled",
     "one multiplier set by an aggregator from the usage of dual.sample_k households sampled "
     "each epoch (seed 002's global agent that sees k of n)",
     1, 0, 0, start_lambda0, sampled_update, 0, 0, 0},
    {"feeder",
     "local dual ascent on each agent's local cost (cost channel 1, DR-net's feeder limit), "
     "acting on the neighbourhood's price sum_{j in Nbar_i} lambda_j (one-hop messages)",
     1, 0, 0, start_lambda0, feeder_update, 1, 1, 0},
    {"local-cost",
     "local dual ascent on each agent's local cost (cost channel 1), acting on its own "
     "multiplier, no messages (as the networked trainers train their actors)",
     1, 0, 0, start_lambda0, local_cost_update, 1, 0, 0},
    {"fixed", "dual.lambda0 throughout", 1, 0, 0, start_lambda0, NULL, 0, 0, 0},
    {"none", "lambda = 0 throughout", 1, 0, 0, start_zero, NULL, 0, 0, 0},
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

int dual_check_config(const config_t *cfg)
{
    if (dual_check_name(cfg->dual.mode) != SAMARL_OK) return SAMARL_ERR;
    const dual_rule_t *r = dual_rule_find(cfg->dual.mode);
    if (r->running_sums && (cfg->faults.byzantine > 0 || cfg->faults.n_byz_gids > 0))
        return samarl_seterr("dual.mode = %s carries running sums, which one lie would corrupt "
                             "for good: it cannot run with lying agents (faults.byzantine = %g, "
                             "faults.byzantine_agents = '%s'); use dual.mode = consensus with a "
                             "robust consensus.aggregate",
                             r->name, cfg->faults.byzantine,
                             cfg->faults.byzantine_agents ? cfg->faults.byzantine_agents : "");
    if (r->running_sums && cfg->consensus.aggregate_rule != 0)
        return samarl_seterr("dual.mode = %s adds up masses and has no robust rule: "
                             "consensus.aggregate = %s is for the averaging rules (expected "
                             "mean)",
                             r->name, cfg->consensus.aggregate);
    return SAMARL_OK;
}

const dual_rule_t *dual_rule_of(const config_t *cfg)
{
    const dual_rule_t *r = dual_rule_find(cfg->dual.mode);
    if (!r) SAMARL_FATAL("dual.mode = %s has no rule in dual.c", cfg->dual.mode);
    return r;
}

/* ---- the state ---------------------------------------------------------------- */

void dual_create(const config_t *cfg, const lgraph_t *lg, halo_t *halo, gidx_t n_global,
                 double capacity, const double *shares, sigma_progress_fn progress,
                 void *progress_ctx, dual_t **out)
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
    const lidx_t n = d->n, nl = n + lg->n_ghost;
    d->nu = XNEW(double, n > 0 ? n : 1);
    const int shared = d->rule->uses_shares && shares && cfg->dual.share == SHARE_DEMAND;
    d->wmix = shared && cfg->dual.mixing == MIXING_WEIGHTED && !d->rule->running_sums;
    for (lidx_t i = 0; i < n; i++) d->nu[i] = shared ? shares[i] : 1.0;
    if (shared) { /* to mean 1, so that eta keeps its units */
        const double sum = reprosum_global(d->nu, (size_t)n);
        for (lidx_t i = 0; i < n; i++) d->nu[i] *= d->N / sum;
    }
    consensus_faults_from_config(cfg, &d->faults);
    comm_check(consensus_faults_check(&d->faults, lg->n_global));
    if (d->rule->needs_consensus) {
        d->cons = consensus_create(lg, halo, (weights_t)cfg->dual.weights);
        if (d->wmix) consensus_weight_nodes(d->cons, d->nu);
        if (cfg->consensus.sigma_iters > 0 && !d->rule->running_sums) { /* push-sum: no W */
            d->sigma = consensus_sigma(d->cons, cfg->run.seed, cfg->consensus.sigma_iters,
                                       cfg->consensus.sigma_tol, &d->sigma_it, &d->sigma_res,
                                       progress, progress_ctx);
            if (comm_rank() == 0 &&
                !consensus_sigma_converged(d->sigma, d->sigma_res, cfg->consensus.sigma_tol))
                fprintf(stderr,
                        "samarl run: warning: sigma = %.6f did not converge in %" PRId64
                        " Lanczos steps (residual %.2g); it approaches from below, so the "
                        "disagreement bound may be too small. Raise consensus.sigma_iters.\n",
                        d->sigma, d->sigma_it, d->sigma_res);
        }
    }
    d->rhoK = pow(d->sigma, (double)d->K);

    d->x = XZNEW(double, (size_t)(nl > 0 ? nl : 1) * (size_t)d->width);
    d->lam = XZNEW(double, n > 0 ? n : 1);
    if (d->rule->epoch_update == sampled_update) {
        d->ks = XZNEW(ksample_t, 1);
        d->seed = cfg->run.seed;
        comm_check(ksample_init(d->ks, n_global, cfg->dual.sample_k, n, lg->gid, "dual.sample_k"));
        d->ku = XNEW(double, (size_t)cfg->dual.sample_k);
    }
    d->gsum = XZNEW(double, n > 0 ? n : 1);
    d->sold = XZNEW(double, n > 0 ? n : 1);
    d->dev = XZNEW(double, n > 0 ? n : 1);
    d->col = XZNEW(double, n > 0 ? n : 1);
    const double l0 = d->rule->start(cfg);
    d->st = (dual_stats_t){.lmean = l0, .lmin = l0, .lmax = l0};
    if (!d->cons) d->st.bound = d->st.cmax = d->st.drift = d->st.gmax = NAN;
    for (lidx_t i = 0; i < n; i++) d->lam[i] = d->x[(size_t)i * d->width] = l0;
    if (d->rule->running_sums) { /* weights 1, nothing sent yet; no W to bound */
        SAMARL_ASSERT(d->width == 3 && d->cons);
        for (lidx_t i = 0; i < n; i++) d->x[3 * (size_t)i + 2] = 1.0;
        d->nnz = lg->rowptr[n];
        d->sent = XZNEW(double, (size_t)(nl > 0 ? nl : 1) * 3);
        d->got = XZNEW(double, (size_t)(d->nnz > 0 ? d->nnz : 1) * 3);
        d->pend = XZNEW(double, n > 0 ? n : 1);
        int64_t deg = d->nnz;
        comm_allreduce_int64(&deg, 1, COMM_SUM);
        d->deg1 = 1.0 + (double)deg / d->N; /* exact: integer sums */
        d->lg = lg;
        d->st.bound = d->st.cmax = d->st.drift = NAN;
    }
    if (d->rule->price_hops) {
        SAMARL_ASSERT(d->rule->price_hops == 1 && d->width == 1 && halo_max_width(halo) >= 1);
        d->lg = lg;
        d->halo = halo;
        neighbourhood_price(d);
        stats_spread(d);
    }
    *out = d;
}

int dual_set_start(dual_t *d, const double *lambda)
{
    if (d->width != 1 || d->cons)
        return samarl_seterr("dual.mode = %s mixes its multipliers with consensus: it starts "
                             "from one dual.lambda0, not from each agent's own (dual.start = "
                             "policy suits fixed, local-cost and feeder)",
                             d->rule->name);
    for (lidx_t i = 0; i < d->n; i++) d->lam[i] = d->x[i] = lambda[i] > 0 ? lambda[i] : 0.0;
    if (d->rule->price_hops) neighbourhood_price(d);
    stats_spread(d);
    return SAMARL_OK;
}

void dual_destroy(dual_t **dp)
{
    dual_t *d = *dp;
    if (!d) return;
    consensus_destroy(&d->cons);
    if (d->ks) ksample_free(d->ks);
    free(d->ks);
    free(d->ku);
    free(d->x);
    free(d->lam);
    free(d->gsum);
    free(d->sold);
    free(d->dev);
    free(d->col);
    free(d->nu);
    free(d->sent);
    free(d->got);
    free(d->pend);
    free(d);
    *dp = NULL;
}

const dual_rule_t *dual_rule(const dual_t *d)
{
    return d->rule;
}

consensus_t *dual_consensus(const dual_t *d)
{
    return d->cons;
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
    return d->st.bound;
}

double dual_contraction_bound(const dual_t *d)
{
    return d->rhoK;
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
    {"lambda_mean", offsetof(dual_stats_t, lmean)},
    {"lambda_min", offsetof(dual_stats_t, lmin)},
    {"lambda_max", offsetof(dual_stats_t, lmax)},
    {"disagreement", offsetof(dual_stats_t, dis)},
    {"gmax", offsetof(dual_stats_t, gmax)},
    {"disagreement_bound", offsetof(dual_stats_t, bound)},
    {"contraction_max", offsetof(dual_stats_t, cmax)},
    {"mixing_drift_max", offsetof(dual_stats_t, drift)},
};
enum { N_STATS = (int)(sizeof stat_fields / sizeof stat_fields[0]) };

/* Per-agent state, in file order. The carried multiplier mu and the
 * tracker go through contiguous copies of x's columns. */
enum { ST_LAMBDA, ST_MU, ST_TRACKER, ST_USAGE, ST_SLACK, ST_COUNT };
static const char *const state_names[ST_COUNT] = {"/state/lambda", "/state/mu", "/state/tracker",
                                                  "/state/epoch_usage", "/state/last_slack"};

void dual_write_stats(const dual_t *d, h5file_t *f)
{
    for (int k = 0; k < N_STATS; k++) {
        double v;
        memcpy(&v, (const char *)&d->st + stat_fields[k].off, sizeof v);
        h5io_attr_double(f, "/", stat_fields[k].name, v, NULL);
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

/* Collective. The running sums' largest degree over all agents: the width
 * (over 3) of /state/received's rows. */
static int64_t degree_max(const dual_t *d)
{
    int64_t m = 0;
    for (lidx_t i = 0; i < d->n; i++)
        if (d->lg->rowptr[i + 1] - d->lg->rowptr[i] > m)
            m = d->lg->rowptr[i + 1] - d->lg->rowptr[i];
    comm_allreduce_int64(&m, 1, COMM_MAX);
    return m;
}

/* The running sums' state beside the per-agent columns: /state/weight (the
 * weight mass), /state/held (slack changes held), /state/sent [N][3] (each agent's running sums)
 * and /state/received [N][3 dmax] (per agent, the last running sums received on its links in its
 * neighbours' gid order, 3 per link, zero past its degree), so that messages in flight at the
 * checkpoint still arrive after it, on any number of ranks. */
static const char *const rs_names[4] = {"/state/weight", "/state/held", "/state/sent",
                                        "/state/received"};

void dual_write_state(dual_t *d, h5file_t *f, blockmap_t *bm, gidx_t n_global)
{
    const size_t n1 = d->n > 0 ? (size_t)d->n : 1;
    double *mu = XZNEW(double, n1), *y = XZNEW(double, n1);
    for (lidx_t i = 0; i < d->n; i++) {
        mu[i] = d->x[(size_t)i * d->width];
        if (d->width >= 2) y[i] = d->x[(size_t)i * d->width + 1];
    }
    double *const a[ST_COUNT] = {d->lam, mu, y, d->gsum, d->sold};
    for (int k = 0; k < ST_COUNT; k++)
        blockmap_write_h5(bm, f, state_names[k], H5IO_F64, n_global, a[k], "",
                          "checkpointed state");
    if (d->rule->running_sums) {
        for (lidx_t i = 0; i < d->n; i++) y[i] = d->x[3 * (size_t)i + 2];
        blockmap_write_h5(bm, f, rs_names[0], H5IO_F64, n_global, y, "",
                          "checkpointed state: the weight mass");
        blockmap_write_h5(bm, f, rs_names[1], H5IO_F64, n_global, d->pend, "",
                          "checkpointed state: slack changes held while the weight is low");
        blockmap_write_rows_h5(bm, f, rs_names[2], n_global, 3, d->sent, "",
                               "checkpointed state: running sums sent (mu, tracker, weight)");
        const int64_t w = 3 * degree_max(d);
        double *got = XZNEW(double, n1 *(size_t)(w > 0 ? w : 1));
        for (lidx_t i = 0; i < d->n; i++)
            memcpy(got + (size_t)i * (size_t)w, d->got + 3 * (size_t)d->lg->rowptr[i],
                   sizeof(double) * 3 * (size_t)(d->lg->rowptr[i + 1] - d->lg->rowptr[i]));
        blockmap_write_rows_h5(bm, f, rs_names[3], n_global, w, got, "",
                               "checkpointed state: the last running sums received per link, "
                               "neighbours in gid order");
        free(got);
    }
    free(mu);
    free(y);
}

int dual_check_state(const dual_t *d, h5file_t *f, const char *path, gidx_t n_global)
{
    int st = SAMARL_OK;
    for (int k = 0; k < ST_COUNT && st == SAMARL_OK; k++) {
        gidx_t len = -1;
        st = h5io_length_1d(f, state_names[k], &len);
        if (st == SAMARL_OK && len != n_global)
            st = samarl_seterr("%s: %s has %" PRIdG " entries, expected %" PRIdG, path,
                               state_names[k], len, n_global);
    }
    if (st != SAMARL_OK || !d->rule->running_sums) return st;
    const int64_t dm = degree_max(d);
    const gidx_t want[4] = {0, 0, 3, 3 * dm};
    for (int k = 0; k < 4 && st == SAMARL_OK; k++) {
        int nd = 0;
        gidx_t dims[2] = {0, 0};
        if (!h5io_exists(f, rs_names[k]))
            st = samarl_seterr("%s has no %s: it was not written by dual.mode = %s (running "
                               "sums), which this run continues",
                               path, rs_names[k], d->rule->name);
        else if ((st = h5io_shape(f, rs_names[k], &nd, dims)) == SAMARL_OK &&
                 (dims[0] != n_global || dims[1] != want[k]))
            st = samarl_seterr("%s: %s is %" PRIdG " x %" PRIdG ", expected %" PRIdG " x %" PRIdG
                               " (the agents, and 3 per link of the largest degree)",
                               path, rs_names[k], dims[0], dims[1], n_global, want[k]);
    }
    return st;
}

void dual_read_state(dual_t *d, h5file_t *f, blockmap_t *bm)
{
    const size_t n1 = d->n > 0 ? (size_t)d->n : 1;
    double *mu = XZNEW(double, n1), *y = XZNEW(double, n1);
    double *const a[ST_COUNT] = {d->lam, mu, y, d->gsum, d->sold};
    for (int k = 0; k < ST_COUNT; k++) blockmap_read_h5(bm, f, state_names[k], H5IO_F64, a[k]);
    for (lidx_t i = 0; i < d->n; i++) {
        d->x[(size_t)i * d->width] = mu[i];
        if (d->width >= 2) d->x[(size_t)i * d->width + 1] = y[i];
    }
    if (d->rule->running_sums) {
        blockmap_read_h5(bm, f, rs_names[0], H5IO_F64, y);
        for (lidx_t i = 0; i < d->n; i++) d->x[3 * (size_t)i + 2] = y[i];
        blockmap_read_h5(bm, f, rs_names[1], H5IO_F64, d->pend);
        blockmap_read_rows_h5(bm, f, rs_names[2], 3, d->sent);
        const int64_t w = 3 * degree_max(d);
        double *got = XZNEW(double, n1 *(size_t)(w > 0 ? w : 1));
        blockmap_read_rows_h5(bm, f, rs_names[3], w, got);
        for (lidx_t i = 0; i < d->n; i++)
            memcpy(d->got + 3 * (size_t)d->lg->rowptr[i], got + (size_t)i * (size_t)w,
                   sizeof(double) * 3 * (size_t)(d->lg->rowptr[i + 1] - d->lg->rowptr[i]));
        free(got);
    }
    free(mu);
    free(y);
}
