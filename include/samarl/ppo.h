/* State-augmented PPO (DESIGN.md §4): GAE, clipped surrogate, entropy bonus,
 * minibatches and epochs, Adam. The multiplier is an input: it is drawn per
 * parallel copy from U[0, lambda_max], held for lambda_resample steps, and
 * the reward is r - lambda g.
 *
 * policy.sharing = agent: each agent's network learns from its own copies
 * only, agent after agent, with no communication. shared: one network; each
 * minibatch gradient is the exact sum over all agents (fixed-point, 2^-32
 * resolution, summed as integers), so the trained weights are the same on
 * any number of ranks. Every random draw is keyed by (run.seed, gid, ...). */
#ifndef SAMARL_PPO_H
#define SAMARL_PPO_H

#include <stdint.h>

#include "samarl/config.h"
#include "samarl/env.h"
#include "samarl/policy.h"

typedef struct ppo ppo_t;

/* Statistics of one iteration, reduced over all agents reproducibly. */
typedef struct ppo_stats {
    double aug_reward;  /* mean of r - lambda g per agent-step */
    double entropy;     /* mean policy entropy in the last epoch (nats) */
    double approx_kl;   /* mean of log pi_old - log pi over the last epoch */
    double clip_frac;   /* share of samples whose ratio was clipped, last epoch */
    double value_loss;  /* mean (v - return)^2, last epoch */
    int64_t agent_steps; /* samples collected (all ranks) */
} ppo_stats_t;

/* Adam state and counters beside the networks of `ps` (which the trainer
 * updates in place). env has train.copies copies. Collective: refuses, on
 * every rank, a run whose buffers (ppo_bytes) would not fit in the node's
 * available memory, before allocating them. */
ppo_t *ppo_create(const config_t *cfg, env_t *env, policyset_t *ps);
void ppo_destroy(ppo_t **p);
/* Bytes training adds on a rank of n_local agents (of n_global) beside its
 * networks: Adam's moments (per network), the rollouts of train.copies x
 * env.horizon samples (a shared network keeps one per agent; per-agent
 * networks reuse one, agent after agent), the minibatch buffers, and the
 * policy file's write buffers for per-agent tables. */
double ppo_bytes(const config_t *cfg, const mlp_t *net, int64_t n_local, int64_t n_global,
                 int shared);

/* Fresh start: initial weights keyed by gid, and (policy.normalize) the
 * observation statistics of one probe episode with random actions. */
void ppo_init_fresh(ppo_t *p);

/* Run iteration `it` (0-based): collect, then update. Collective (shared
 * sharing and the statistics). */
void ppo_iteration(ppo_t *p, int64_t it, ppo_stats_t *st);

/* The minibatch order of one agent in one epoch: a permutation of 0..S-1
 * keyed by (seed, gid, round), round = iteration * epochs + epoch (also
 * used by the mappo-l trainer). */
void ppo_shuffle(int32_t *perm, int S, uint64_t seed, uint64_t gid, uint64_t round);

/* A minibatch for the clipped surrogate: actions, old log-probabilities and
 * advantages [m], and scratch: log-probabilities and probabilities
 * [K][ld], entropies, log pi(a), d loss / d log pi(a) and clipped flags [m]. */
typedef struct ppo_batch {
    const uint8_t *act;
    const float *lp_old, *adv;
    float *lsm, *psm, *hsm, *lpa, *gpl;
    uint8_t *clipped;
} ppo_batch_t;

/* Gradient of the clipped surrogate with entropy bonus (averaged over m)
 * w.r.t. the K feature-major logits out[K][ld], into dout[K][ld]. */
void ppo_surrogate(const ppo_batch_t *b, const float *out, size_t ld, int m, int K, double clip,
                   double entropy, float *dout);

/* Adam state for saving and resuming: [n_nets][stride] each, and the step. */
float *ppo_adam_m(ppo_t *p);
float *ppo_adam_v(ppo_t *p);
int64_t *ppo_adam_step(ppo_t *p);

#endif
