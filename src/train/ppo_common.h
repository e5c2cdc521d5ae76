/* What the PPO-family trainers (src/train/ppo.c, mappo_l.c) share: the
 * actors' clipped update (per-agent networks agent after agent, or one
 * shared network on the exact sum over every agent), the minibatch order,
 * gradient clipping, the learning-rate schedule, the iteration's
 * statistics and the actors' Adam state in the policy file. Private to
 * src/train. */
#ifndef SAMARL_TRAIN_PPO_COMMON_H
#define SAMARL_TRAIN_PPO_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "samarl/config.h"
#include "samarl/policyfile.h"
#include "samarl/reprosum.h"
#include "samarl/trainer.h"

#include "rollout.h"

/* Actions drawn while training: action_counter's source. */
enum { PPO_SOURCE_TRAIN = 0 };

/* The minibatch order of one agent in one epoch: a permutation of 0..S-1
 * keyed by (seed, gid, round), round = iteration * epochs + epoch. */
void ppo_shuffle(int32_t *perm, int S, uint64_t seed, uint64_t gid, uint64_t round);

/* A minibatch for the clipped surrogate: actions, old log-probabilities and
 * advantages [m], optional positive per-sample weights [m] (NULL: all 1;
 * the sequential, HAPPO-style trainers weigh each agent's surrogate by the
 * ratios of the agents updated before it), and scratch: log-probabilities
 * and probabilities [K][ld], entropies, log pi(a), d loss / d log pi(a) and
 * clipped flags [m]. */
typedef struct ppo_batch {
    const uint8_t *act;
    const float *lp_old, *adv, *weight;
    float *lsm, *psm, *hsm, *lpa, *gpl;
    uint8_t *clipped;
} ppo_batch_t;

/* Gradient of the clipped surrogate with entropy bonus (averaged over m)
 * w.r.t. the K feature-major logits out[K][ld], into dout[K][ld]. */
void ppo_surrogate(const ppo_batch_t *b, const float *out, size_t ld, int m, int K, double clip,
                   double entropy, float *dout);

/* Scale g[0..n) so that its norm is at most max_norm (no-op if <= 0). */
void ppo_clip_grad(float *g, size_t n, double max_norm);
/* train.lr, falling linearly to train.lr_final (if >= 0) over the run, or
 * else halving every train.lr_halflife iterations (if > 0). */
double ppo_lr_at(const config_t *cfg, int64_t it);

/* Collective. All ranks' count of gradient entries clamped by an exact sum
 * in iteration it; rank 0 warns when there were any. */
void ppo_warn_clamps(int64_t clamps, int64_t it);

/* The actor networks' Adam state: moments [n_nets][stride] beside the
 * policyset's networks (/adam_m, /adam_v, root attribute adam_step). */
void ppo_adam_save(pfio_t *io, const float *m, const float *v, int64_t step);
/* Refuses a file without it (written with train.save_adam = false). */
int ppo_adam_load(pfio_t *io, float *m, float *v, int64_t *step);

/* The actors of a rank's agents and their training state. */
typedef struct ppo_actors {
    const config_t *cfg;
    env_t *env;
    policyset_t *ps;
    mlp_t net;
    int S, mb, n_mb;
    /* 1: the actors' value head learns the returns (train.value_coef);
     * 0: a critic elsewhere does, and the value head stays as initialised. */
    int value_head;
    /* train.value_norm (with a value head): the value head's output is
     * standardised, v = mean + sd * out, by its running moments (PopArt). */
    int value_norm;
    float *vn;           /* [n_nets][3]: EMA of the targets, of their squares, debias weight */
    double *vn_s, *vn_q; /* [agents] scratch: sums of a rollout's targets and squares */
    double vn_mu, vn_isd, vn_var; /* the network being updated: mean, 1 / sd, sd^2 */
    float *m, *v;                 /* Adam moments [n_nets][stride] */
    int64_t adam_step;
    /* A minibatch: its samples, the network's work, the gradient. */
    mlp_work_t work; /* work.x: the minibatch's observations */
    float *grad;
    uint8_t *ab;
    float *lpb, *advb, *retb, *wb; /* [mb]; wb: the samples' weights */
    float *lsm, *psm;              /* [actions][work.ld] log-probs, probs */
    float *hsm, *lpa, *gpl;        /* [mb] entropy, log pi(a), d loss / d log pi(a) */
    uint8_t *clipped;              /* [mb] */
    int32_t *perm;                 /* [agents][S] (shared) or [1][S] */
    fxsum_t gsum;                  /* shared: the exact gradient sum */
    /* per-agent sums of the current iteration's last epoch */
    double *st_ent, *st_kl, *st_clip, *st_vl;
} ppo_actors_t;

/* Bytes of the minibatch buffers and the gradient (with its exact sum for
 * a shared network) beside the networks. */
double ppo_actors_work_bytes(const config_t *cfg, const mlp_t *net, int shared);

void ppo_actors_init(ppo_actors_t *a, const config_t *cfg, env_t *env, policyset_t *ps,
                     int value_head, fxsum_grid_t grid);
void ppo_actors_free(ppo_actors_t *a);
/* Zero the iteration's statistics. */
void ppo_actors_begin(ppo_actors_t *a);
/* train.value_norm: the PopArt state of the value heads.
 * ppo_values_denormalise turns the value head's outputs in ro->val (as
 * rollouts_collect wrote them for network k) into returns; after GAE,
 * ppo_value_norm_agent (per-agent network i, no communication) or
 * ppo_value_norm_shared (collective: every agent's returns, exact sums)
 * moves the running moments towards the iteration's returns and rescales
 * the value head so that its values stay what they were. No-ops without
 * value_norm. */
void ppo_values_denormalise(const ppo_actors_t *a, lidx_t k, rollout_t *ro);
void ppo_value_norm_agent(ppo_actors_t *a, lidx_t i, const rollout_t *ro);
void ppo_value_norm_shared(ppo_actors_t *a, const rollout_t *ro);
/* The state in the policy file (/value_norm); load refuses a file without it. */
void ppo_value_norm_save(const ppo_actors_t *a, pfio_t *io);
int ppo_value_norm_load(ppo_actors_t *a, pfio_t *io);

/* Per-agent networks: all epochs of agent i on its rollout ro, its Adam
 * steps counted from a->adam_step + 1; nothing is exchanged. weight: a
 * positive weight per sample of ro [S] for the surrogate (the sequential,
 * HAPPO-style trainers' product of earlier agents' ratios), or NULL for 1,
 * which keeps the unweighted bits. After every agent,
 * ppo_actors_agents_done advances the step. */
void ppo_update_agent(ppo_actors_t *a, lidx_t i, const rollout_t *ro, const float *weight,
                      int64_t it, double lr);
void ppo_actors_agents_done(ppo_actors_t *a);
/* Collective. The shared network: every minibatch one Adam step on the
 * exact mean over every agent's gradient (ro[i]: agent i's rollout);
 * entries the exact sum clamped stay in a->gsum.clamps. */
void ppo_update_shared(ppo_actors_t *a, const rollout_t *ro, int64_t it, double lr);
/* Collective. The iteration's statistics over all agents, exact sums of
 * rs's and a's per-agent values. */
void ppo_actors_stats(const ppo_actors_t *a, const rollouts_t *rs, trainer_stats_t *st);

#endif
