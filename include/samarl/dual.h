/* Dual-update rules: how samarl run's agents set the multipliers lambda_i
 * they act on (DESIGN.md §5). One table of operations per rule, a registry
 * keyed by dual.mode, and the dual state every rule works on.
 *
 * Every dual.epoch = T0 steps each agent has its mean usage over the epoch,
 * u_i, and the share of capacity s = C / N; rule by rule:
 *   none       lambda_i = 0 throughout
 *   fixed      lambda_i = dual.lambda0 throughout
 *   local      lambda_i = max(0, lambda_i + eta (u_i - s))   (no messages)
 *   central    lambda = max(0, lambda + eta (sum_i u_i - C) / N), one exact
 *              value from a reproducible all-reduce            (the oracle)
 *   consensus  lambda = max(0, W^K l), l_i = lambda_i + eta (u_i - s)
 *   tracking   v_i = y_i + (u_i - s) - (the same of the last epoch),
 *              y = W^K v, lambda = max(0, W^K (lambda + eta v)): consensus
 *              with the slack replaced by y, a dynamic-average estimate of
 *              the network's slack (gradient tracking)
 * W is consensus.h's mixing matrix, K = dual.rounds, rounds numbered across
 * the run (epoch e mixes rounds e K .. e K + K - 1, under [faults]).
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
#include "samarl/h5io.h"
#include "samarl/halo.h"
#include "samarl/partition.h"

typedef struct dual dual_t;

typedef struct dual_rule {
    const char *name;    /* its dual.mode value */
    const char *summary; /* one line, for listings */
    int width;           /* doubles per agent in the exchanged state (the halo's width) */
    int needs_consensus; /* mixes with graph neighbours: a consensus engine, sigma, a bound */
    /* The multiplier every agent starts from. */
    double (*start)(const config_t *cfg);
    /* Collective. The end of the epoch that ends with step t: the new
     * multipliers (acted on from step t + 1) and their statistics. NULL:
     * the multipliers never move. */
    void (*epoch_update)(dual_t *d, int64_t t);
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

/* Statistics of the multipliers acted on (from the last epoch's end), and
 * G, the largest RMS deviation of the agents' epoch usage from its mean so
 * far (rules that mix only, for the disagreement bound). */
typedef struct dual_stats {
    double lmean, lmin, lmax, dis, gmax;
} dual_stats_t;

/* Collective. The state of cfg's rule for lg's owned agents (of n_global in
 * all) under capacity C: every multiplier at the rule's start. Rules that
 * mix create their consensus engine on `halo` (its width at least the
 * rule's) and estimate sigma (consensus.sigma_iters > 0; rank 0 warns when
 * it did not converge). */
void dual_create(const config_t *cfg, const lgraph_t *lg, halo_t *halo, gidx_t n_global,
                 double capacity, dual_t **out);
void dual_destroy(dual_t **d);

const dual_rule_t *dual_rule(const dual_t *d);
/* [n_owned] the multipliers the agents act on. */
const double *dual_lambda(const dual_t *d);
/* [n_owned] each agent's usage so far in the epoch: the caller adds every
 * step's grid draw; the epoch update takes it and starts it again. */
double *dual_usage(dual_t *d);
const dual_stats_t *dual_stats(const dual_t *d);
/* sigma of the mixing matrix (NaN where not estimated), its power
 * iterations and residual. */
double dual_sigma(const dual_t *d, int64_t *iterations, double *residual);
/* eta G sigma^K / (1 - sigma^K): the bound on the disagreement; NaN for
 * rules that do not mix or where sigma is unknown. */
double dual_bound(const dual_t *d);

/* Collective. After step t: at the end of an epoch, the rule's update. */
void dual_step_end(dual_t *d, int64_t t);

/* Checkpoints. Collective. Root attributes lambda_mean, lambda_min,
 * lambda_max, disagreement, gmax; per-agent datasets /state/lambda,
 * /state/tracker (tracking's y, zeros for the other rules), /state/epoch_usage
 * and /state/last_slack, at the agents' gids so that a checkpoint restarts on
 * any number of ranks. The read functions return SAMARL_ERR with a message
 * (naming `path`, the file) on a missing or misshapen entry, reading nothing
 * more; the caller closes the file and calls comm_check. */
void dual_write_stats(const dual_t *d, h5file_t *f);
int dual_read_stats(dual_t *d, h5file_t *f);
void dual_write_state(dual_t *d, h5file_t *f, blockmap_t *bm, gidx_t n_global);
int dual_check_state(h5file_t *f, const char *path, gidx_t n_global);
void dual_read_state(dual_t *d, h5file_t *f, blockmap_t *bm);

#endif
