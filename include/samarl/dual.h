/* Dual-update rules: how samarl run's agents set the multipliers lambda_i
 * they act on (DESIGN.md §5, docs/theory.md). One table of operations per
 * rule, a registry keyed by dual.mode, and the dual state every rule works on.
 *
 * Every dual.epoch = T0 steps each agent has its mean usage over the epoch,
 * u_i, and its share of capacity s nu_i, s = C / N, with share weights nu_i
 * of mean 1 (the environment's demand scales under dual.share = demand, 1
 * under equal). The step slack is g_i = u_i - s nu_i, so that
 * sum_i g_i = sum_i u_i - C; under dual.mixing = weighted it is
 * (u_i - s nu_i) / nu_i, so that sum_i nu_i g_i = sum_i u_i - C. Rule by rule:
 *   none             lambda_i = 0 throughout
 *   fixed            lambda_i = dual.lambda0 throughout
 *   local            lambda_i = max(0, lambda_i + eta (u_i - s))   (no messages)
 *   central          lambda = max(0, lambda + eta (sum_i u_i - C) / N), one
 *                    exact value from a reproducible all-reduce   (the oracle)
 *   sampled          lambda = max(0, lambda + eta (N/k sum_{i in S_e} u_i - C) / N),
 *                    S_e the k = dual.sample_k agents sampled at epoch e (ksample.h,
 *                    the same on every rank): a price-setting aggregator that sees
 *                    k of n (seed 002); with k = N central's step, bit for bit
 *   consensus        mu = W^K (mu + eta g), lambda = max(0, mu): the
 *                    unprojected multiplier is what is averaged, and W keeps
 *                    the mean of mu, so it takes exactly central's step
 *                    (under weighted mixing W_nu = consensus_weight_nodes
 *                    keeps sum_i nu_i mu_i instead, with the same effect)
 *   consensus-paper  lambda = max(0, W^K (lambda + eta (u - s))): the paper's
 *                    rule as written (nu = 1, projected after mixing)
 *   feeder           lambda_i = max(0, lambda_i + eta c_i), c_i the mean over
 *                    the epoch of cost channel 1 (DR-net's l_i - F), and
 *                    agent i acts on p_i = sum_{j in Nbar_i} lambda_j: local
 *                    dual ascent on local constraints, one-hop messages
 *   local-cost       lambda_i = max(0, lambda_i + eta c_i) as feeder, acting on
 *                    lambda_i itself (no messages)
 *   tracking         v_i = y_i + g_i - (the same of the last epoch),
 *                    y = W^K v, mu = W^K (mu + eta v), lambda = max(0, mu):
 *                    consensus with the slack replaced by y, a dynamic-average
 *                    estimate of the network's slack (gradient tracking)
 * W is consensus.h's mixing matrix, K = dual.rounds, rounds numbered across
 * the run (epoch e mixes rounds e K .. e K + K - 1, under [faults]).
 *
 * Checks, every epoch of a rule that mixes: the disagreement D (the RMS
 * deviation of the carried multiplier from its mean, both nu-weighted under
 * weighted mixing) after the K rounds is at most sigma^K times D before
 * them, and the mean does not move; without faults both hold for every vector
 * when W is right (docs/theory.md). The bound B <- sigma^K (B + eta G_e),
 * G_e the disagreement of the step direction, is above D at every epoch.
 *
 * Determinism: every update is element-wise in owned order, mixing and
 * global sums go through consensus.h and reprosum.h, so the multipliers
 * have the same bits on any number of ranks.
 *
 * Adding a rule: one function (the epoch update, or the start value for a
 * rule that never moves) and one line in the registry in dual.c. */
#ifndef SAMARL_DUAL_H
#define SAMARL_DUAL_H

#include <stdint.h>

#include "samarl/blockmap.h"
#include "samarl/config.h"
#include "samarl/consensus.h"
#include "samarl/h5io.h"
#include "samarl/halo.h"
#include "samarl/partition.h"

typedef struct dual dual_t;

typedef struct dual_rule {
    const char *name;    /* its dual.mode value */
    const char *summary; /* one line, for listings */
    int width;           /* doubles per agent in the exchanged state (the halo's width) */
    int needs_consensus; /* mixes with graph neighbours: a consensus engine, sigma, a bound */
    int uses_shares;     /* steps against the shares of dual.share (else nu = 1) */
    /* The multiplier every agent starts from. */
    double (*start)(const config_t *cfg);
    /* Collective. The end of the epoch that ends with step t: the new
     * multipliers (acted on from step t + 1) and their statistics. NULL:
     * the multipliers never move. */
    void (*epoch_update)(dual_t *d, int64_t t);
    /* The cost channel the rule steps on: 0, the usage g against the shares
     * of capacity (dual_usage sums g); c >= 1, the environment's channel c
     * against 0 (dual_usage sums it; env.h: a quantity minus its bound). */
    int channel;
    /* 0: agent i acts on its own multiplier; 1: on the price
     * p_i = sum_{j in Nbar_i} lambda_j (i and its graph neighbours, one
     * halo exchange per epoch), the price of its usage in the constraints
     * of its whole neighbourhood. */
    int price_hops;
    /* 1: the rule carries masses by push-sum with running sums
     * (consensus_pushsum): x holds mass columns, the last one the weight;
     * no lying agents and no robust rule apply. */
    int running_sums;
} dual_rule_t;

/* The rule named `name`, or NULL. */
const dual_rule_t *dual_rule_find(const char *name);
/* Registered rule k = 0, 1, ...; NULL past the last. */
const dual_rule_t *dual_rule_at(int k);
/* The rule dual.mode names; SAMARL_FATAL when none is registered under it
 * (config.c lists a value that dual.c does not have). */
const dual_rule_t *dual_rule_of(const config_t *cfg);
/* SAMARL_OK when name is a registered rule, else SAMARL_ERR with a message
 * naming the rules there are (for a command to refuse early). */
int dual_check_name(const char *name);
/* SAMARL_OK when cfg's dual.mode is registered and the rest of cfg suits
 * it (a rule with running sums refuses lying agents and robust rules), else
 * SAMARL_ERR with a message naming the keys. */
int dual_check_config(const config_t *cfg);

/* Statistics of the multipliers acted on (from the last epoch's end); for
 * rules that mix (NaN otherwise): G's largest value, the bound B on the
 * disagreement of the carried multiplier, the largest per-epoch contraction
 * D_after / D_before and the largest move of the (weighted) mean by mixing. */
typedef struct dual_stats {
    double lmean, lmin, lmax, dis, gmax, bound, cmax, drift;
} dual_stats_t;

/* Collective. The state of cfg's rule for lg's owned agents (of n_global in
 * all) under capacity C: every multiplier at the rule's start. `shares`
 * ([n_owned], positive, any scale; NULL: equal) are the share weights the
 * rules with uses_shares step against under dual.share = demand (and mix
 * with under dual.mixing = weighted). Rules that mix create their
 * consensus engine on `halo` (its width at least the rule's) and estimate
 * sigma (consensus.sigma_iters > 0; rank 0 warns when it did not converge;
 * `progress`, if not NULL, is called as consensus_sigma describes). */
void dual_create(const config_t *cfg, const lgraph_t *lg, halo_t *halo, gidx_t n_global,
                 double capacity, const double *shares, sigma_progress_fn progress,
                 void *progress_ctx, dual_t **out);
void dual_destroy(dual_t **d);
/* Collective. Each owned agent's multiplier lambda[i] (projected on >= 0)
 * instead of dual.lambda0, before the first step (dual.start = policy: the
 * multipliers a trainer left per agent). SAMARL_ERR with a message for the
 * rules that mix with consensus (their state is not one lambda per agent). */
int dual_set_start(dual_t *d, const double *lambda);

const dual_rule_t *dual_rule(const dual_t *d);
/* The consensus engine of a rule that mixes (NULL otherwise): for reports
 * and tests. */
consensus_t *dual_consensus(const dual_t *d);
/* [n_owned] the multipliers the agents act on (the prices p_i of a rule
 * with price_hops; the carried lambda_i is /state/mu in a checkpoint). */
const double *dual_lambda(const dual_t *d);
/* [n_owned] each agent's usage so far in the epoch: the caller adds every
 * step's grid draw (or cost channel rule->channel's value); the epoch
 * update takes it and starts it again. */
double *dual_usage(dual_t *d);
const dual_stats_t *dual_stats(const dual_t *d);
/* sigma of the mixing matrix (NaN where not estimated), its Lanczos
 * steps and residual. */
double dual_sigma(const dual_t *d, int64_t *iterations, double *residual);
/* B, the bound on the disagreement of the carried multiplier (see above);
 * NaN for rules that do not mix or where sigma is unknown. */
double dual_bound(const dual_t *d);
/* sigma^K, the bound on every epoch's contraction D_after / D_before. */
double dual_contraction_bound(const dual_t *d);

/* Collective. After step t: at the end of an epoch, the rule's update. */
void dual_step_end(dual_t *d, int64_t t);

/* Checkpoints. Collective. Root attributes lambda_mean, lambda_min,
 * lambda_max, disagreement, gmax, disagreement_bound, contraction_max and
 * mixing_drift_max; per-agent datasets /state/lambda, /state/mu (the carried
 * multiplier), /state/tracker (tracking's y, zeros for the other rules),
 * /state/epoch_usage
 * and /state/last_slack, at the agents' gids so that a checkpoint restarts on
 * any number of ranks. The read functions return SAMARL_ERR with a message
 * (naming `path`, the file) on a missing or misshapen entry, reading nothing
 * more; the caller closes the file and calls comm_check. */
void dual_write_stats(const dual_t *d, h5file_t *f);
int dual_read_stats(dual_t *d, h5file_t *f);
void dual_write_state(dual_t *d, h5file_t *f, blockmap_t *bm, gidx_t n_global);
int dual_check_state(const dual_t *d, h5file_t *f, const char *path, gidx_t n_global);
void dual_read_state(dual_t *d, h5file_t *f, blockmap_t *bm);

#endif
