/* policy.h5: trained state-augmented policies, enough to run them and to
 * resume training (format "samarl-policy", version 1).
 *
 *   /            attrs format, format_version, samarl_version, git_sha,
 *                n_agents, n_nets, sharing, hidden, n_inputs, n_actions,
 *                n_params, env_fingerprint, iterations, adam_step, seed, config
 *   /params      [n_nets][n_params] float32, network of agent gid at row gid
 *                (one row when shared)
 *   /adam_m, /adam_v   [n_nets][n_params] float32 Adam moments (absent when
 *                written with train.save_adam = false: runs, cannot resume)
 *   /obs_mean, /obs_scale  [n_nets][6] float32: x' = (x - mean) * scale
 *   /agents/scale, /agents/beta  [n_agents] the environment's agents
 *   /train/aug_reward, entropy, approx_kl, clip_frac, value_loss  [iterations]
 *   /train/eval_iteration [E], /train/eval_lambda [L],
 *   /train/eval_return [E][L], /train/eval_usage [E][L]
 *   /train/lambda [iterations]  (train.algo = mappo-l: the global multiplier
 *                after each iteration; root attributes algo, lambda_final)
 *   /critic/params, /critic/adam_m, /critic/adam_v  [critic params] float32
 *                (mappo-l: the centralised critic; attribute critic_step)
 *   checkpoint_for  (root attribute of checkpoints only: the policy file that
 *                --restart continues writing)
 *
 * Everything in it is independent of the number of ranks that wrote it. */
#ifndef SAMARL_POLICYFILE_H
#define SAMARL_POLICYFILE_H

#include <stdint.h>

#include "samarl/config.h"
#include "samarl/env.h"
#include "samarl/partition.h"
#include "samarl/policy.h"

#define SAMARL_POLICY_FORMAT_VERSION 1

/* The training curve (the same on every rank). */
typedef struct train_curve {
    int64_t n, cap; /* iterations recorded */
    double *aug_reward, *entropy, *approx_kl, *clip_frac, *value_loss;
    int n_lambda;
    double lambda[CONFIG_LIST_MAX];
    int64_t n_eval, eval_cap;
    int64_t *eval_iteration;
    double *eval_return, *eval_usage; /* [n_eval][n_lambda] */
} train_curve_t;

void curve_init(train_curve_t *c, const double *lambda, int n_lambda);
void curve_free(train_curve_t *c);
void curve_add_stats(train_curve_t *c, double aug, double ent, double kl, double clip, double vl);
void curve_add_eval(train_curve_t *c, int64_t it, const double *ret, const double *usage);

/* train.algo = mappo-l: the centralised critic (the same on every rank) and
 * the multiplier, pointing into the trainer. */
typedef struct critic_state {
    float *params, *adam_m, *adam_v; /* [n] each */
    size_t n;
    int64_t *step; /* the critic's Adam step */
    double *lambda; /* the multiplier the next iteration uses */
} critic_state_t;

/* Training state beside the networks (may be NULL parts when only running). */
typedef struct policy_state {
    float *adam_m, *adam_v; /* [n_nets][stride] */
    int64_t adam_step, iterations;
    train_curve_t *curve;
    /* train.algo = mappo-l: the global multiplier after each of n_dual
     * iterations (/train/lambda and the root attribute lambda_final); NULL
     * for ppo. policyfile_read with a critic allocates it (free it). */
    double *dual_lambda;
    int64_t n_dual;
    critic_state_t *critic; /* mappo-l: /critic/params, adam_m, adam_v */
    /* A checkpoint (train.checkpoint_every): the output it continues, in the
     * root attribute checkpoint_for; NULL for a finished policy file. */
    const char *checkpoint_for;
} policy_state_t;

/* Bytes a rank holding n_local of n_global per-agent rows of `width` floats
 * needs, beside its networks, to write or read a per-agent table: a slab of
 * columns and its copies (bounded by the slab size, whatever the agent
 * count). For the trainers' memory guards. */
double policyfile_move_bytes(gidx_t n_local, gidx_t n_global, int width);

/* Collective. Write PATH (via PATH.partial). */
int policyfile_write(const char *path, const config_t *cfg, const lgraph_t *lg, const env_t *e,
                     const policyset_t *ps, const policy_state_t *st);

/* Collective. Load the networks (and, if st, the training state) of the
 * rank's agents into ps. A file that is missing, not a policy file, or made
 * for another configuration (agent count, network shape, sharing,
 * environment) is refused: SAMARL_ERR on every rank with a message. */
int policyfile_read(const char *path, const config_t *cfg, const lgraph_t *lg, const env_t *e,
                    policyset_t *ps, policy_state_t *st);

#endif
