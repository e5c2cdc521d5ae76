/* MAPPO-Lagrangian (train.algo = mappo-l): the centralised-training baseline
 * that samarl's state-augmented training is compared against.
 *
 * Actors: the same networks as ppo (per agent, or one shared), acting on
 * their local observations, whose multiplier input is the current global
 * lambda, so the trained actors are ordinary samarl policy files.
 *
 * Critic: ONE centralised value network, as in the reference MAPPO
 * implementation (on-policy share_obs per agent): agent i's value is
 * V(s, o_i) where s is the global state, the concatenation of all N agents'
 * normalised observations (gid order), and o_i agent i's own; the input has
 * 6N + 6 features. Two tanh hidden layers of train.critic_hidden units, MSE
 * on the GAE returns, its own Adam. Its samples are stored per agent, as
 * share_obs is in the reference buffer: N agents x S samples x (6N + 6)
 * floats, O(N^2) memory, and evaluating it for every agent costs O(N^2) per
 * step. (A first layer factored into a global part computed once per step
 * and an own part would cut the arithmetic's constant, and a buffer holding
 * s once per step the memory, but the critic's input stays O(N).)
 *
 * Lagrangian: one multiplier lambda >= 0 on the capacity constraint; the
 * reward is r_i - lambda g_i; after each iteration's update, dual ascent on
 * the iteration's rollouts: lambda <- max(0, lambda + dual_lr (mean over
 * steps and copies of sum_i g_i - C) / N), from dual.lambda0.
 *
 * Ranks: each holds its agents' actors and samples and a replica of the
 * critic; the normalised observations are all-gathered once per iteration,
 * and every critic gradient is the exact (fixed-point, 2^-31 resolution)
 * sum of per-agent gradients, so the actors, the critic and lambda are
 * bit-identical on any number of ranks. */
#ifndef SAMARL_MAPPO_H
#define SAMARL_MAPPO_H

#include <stddef.h>
#include <stdint.h>

#include "samarl/config.h"
#include "samarl/env.h"
#include "samarl/policy.h"
#include "samarl/ppo.h"
#include "samarl/reprosum.h"

/* ---- the critic network (src/mlp_critic.c, BLAS) ---------------------------
 * in -> tanh(H) -> tanh(H) -> 1. Parameters W1[in][H], b1[H], W2[H][H],
 * b2[H], w3[H], b3. Batches are sample-major: sample r's inputs at
 * x[r * ldx], ldx >= in. */
typedef struct critic {
    int in, hidden;
    size_t n_params;
    size_t oW1, ob1, oW2, ob2, ow3, ob3;
} critic_t;

typedef struct critic_work {
    int cap;
    float *a1, *a2; /* [cap][H] activations */
    float *d1, *d2; /* [cap][H] gradients w.r.t. the pre-activations */
    float *v, *dv;  /* [cap] values; d(loss)/d(value), set by the caller */
} critic_work_t;

void critic_shape(critic_t *c, int in, int hidden);
/* N(0, 1/fan_in) weights keyed by (seed, key), zero biases. */
void critic_init(const critic_t *c, float *p, uint64_t seed, uint64_t key);
void critic_work_init(critic_work_t *w, const critic_t *c, int cap);
void critic_work_free(critic_work_t *w);
/* w->v[0..m) = V(x rows 0..m-1); keeps the activations for backward. */
void critic_forward(const critic_t *c, const float *p, const float *x, size_t ldx, int m,
                    critic_work_t *w);
/* After critic_forward on the same x: grad[n_params] = d(loss)/d(params)
 * given w->dv[0..m). */
void critic_backward(const critic_t *c, const float *p, const float *x, size_t ldx, int m,
                     critic_work_t *w, float *grad);

/* ---- the trainer ------------------------------------------------------------ */

typedef struct mappo mappo_t;

/* What one iteration adds to ppo_stats_t. */
typedef struct mappo_stats {
    double lambda;      /* the multiplier after this iteration's dual step */
    double lambda_used; /* the multiplier the rollouts used */
    double usage_ratio; /* mean over steps of sum_i g_i, divided by C */
    double critic_s;    /* seconds in the critic (values, gradients, Adam) */
} mappo_stats_t;

/* Memory a rank needs (bytes) for n_local of n_global agents: the O(N^2)
 * share_obs buffer and the rest. */
double mappo_bytes(const config_t *cfg, int64_t n_global, int64_t n_local);

/* Collective. Refuses (every rank exits 1 with a message naming N, the
 * bytes needed and MemAvailable) when the buffers would not fit in the
 * memory available, before allocating them. */
mappo_t *mappo_create(const config_t *cfg, env_t *env, policyset_t *ps);
void mappo_destroy(mappo_t **p);

/* Collective. Fresh actors exactly as ppo_init_fresh makes them (weights
 * keyed by gid, probe normalisation), a fresh critic, lambda = dual.lambda0. */
void mappo_init_fresh(mappo_t *p);

/* Collective. Iteration `it`: collect with the current lambda, critic
 * values, GAE, epochs x minibatches of actor and critic steps, dual step. */
void mappo_iteration(mappo_t *p, int64_t it, ppo_stats_t *st, mappo_stats_t *ms);

double mappo_lambda(const mappo_t *p);
/* The critic's shape (for reports). */
const critic_t *mappo_critic(const mappo_t *p);
/* The actors' Adam state, as ppo_adam_*. */
float *mappo_adam_m(mappo_t *p);
float *mappo_adam_v(mappo_t *p);
int64_t *mappo_adam_step(mappo_t *p);
/* The critic and the multiplier, for the policy file (checkpoints, --resume). */
struct critic_state;
void mappo_critic_state(mappo_t *p, struct critic_state *cs);

#endif
