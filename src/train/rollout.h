/* Rollouts of the PPO-family trainers: each agent's samples of one
 * iteration (train.copies copies x env.horizon steps), their collection
 * with the agent's actor, and GAE with per-agent advantage normalisation.
 * Private to src/train. */
#ifndef SAMARL_TRAIN_ROLLOUT_H
#define SAMARL_TRAIN_ROLLOUT_H

#include <stddef.h>
#include <stdint.h>

#include "samarl/config.h"
#include "samarl/env.h"
#include "samarl/policy.h"

/* One agent's samples of an iteration, s = t * copies + j. */
typedef struct rollout {
    float *x;                            /* [D][S] normalised observations (feature-major) */
    uint8_t *act;                        /* [S] */
    float *logp, *val, *rew, *adv, *ret; /* [S] */
} rollout_t;

typedef struct rollouts {
    const config_t *cfg;
    env_t *env;
    policyset_t *ps;
    int T, B, S;
    int D;         /* input features (ps->net.in) */
    int n;         /* rollouts kept */
    rollout_t *ro; /* [n] */
    float *floats; /* their float arrays, 64-byte aligned per array */
    uint8_t *acts; /* and their actions */
    /* The multipliers of one step [B]: drawn by rollouts_collect, or set by
     * the caller for a fixed multiplier; and scratch [B] per step. */
    float *lam, *obs, *g, *r;
    double *rew, *usage; /* [max(env->n, 1)] per agent: sums of r - lambda g and g */
} rollouts_t;

/* n rollouts of train.copies x env.horizon samples each, and the scratch. */
void rollouts_init(rollouts_t *rs, const config_t *cfg, env_t *env, policyset_t *ps, int n);
void rollouts_free(rollouts_t *rs);
/* Bytes of one rollout of S samples of D features, with its minibatch
 * permutation. */
double rollout_bytes(size_t S, int D);

/* Agent i's episode in every copy into ro, after env_begin_episode:
 * actions, log-probabilities, the actor's values (with_value) and
 * normalised observations, rewards r - lambda g, and the agent's sums in
 * rs->rew[i], rs->usage[i]. draw_lambda: lambda per copy as
 * train.lambda_max u^k (u ~ U[0, 1], k = train.lambda_power), held for
 * train.lambda_resample steps, keyed by (seed, gid, iteration it, copy);
 * else rs->lam as the caller set it. */
void rollouts_collect(rollouts_t *rs, lidx_t i, rollout_t *ro, int64_t it, int draw_lambda,
                      int with_value);

/* GAE per copy (the last step bootstraps with its own value) into ro->adv
 * and ro->ret, then the advantages normalised per agent (unbiased sd). */
void rollout_advantages(rollout_t *ro, int T, int B, double gamma, double gae_lambda);
/* Its two halves: GAE into ro->adv and ro->ret; advantages to mean 0 and
 * unit (unbiased) sd. */
void rollout_gae(rollout_t *ro, int T, int B, double gamma, double gae_lambda);
void rollout_normalise(float *adv, int S);

/* The global state of the centralised critics (mappo-l, mappo-l-local):
 * every agent's first D input features of its S samples, all-gathered
 * once per iteration. */
typedef struct state_gather {
    int D;
    size_t S, rec;              /* rec: bytes per agent, its gid then D x S floats */
    unsigned char *send, *recv; /* [n][rec], [N][rec] */
    int64_t *counts;            /* [ranks] agents per rank */
} state_gather_t;

/* Collective (an all-gather of the agent counts). */
void state_gather_init(state_gather_t *g, lidx_t n, gidx_t N, int D, size_t S);
void state_gather_free(state_gather_t *g);
/* Collective. ro[0..n) of the rank's agents (gids gid[]) into every rank's
 * dst[s * ld + D * gid + c], s < S, c < D: the same rows on any number of
 * ranks. */
void state_gather(state_gather_t *g, const rollout_t *ro, lidx_t n, const gidx_t *gid, gidx_t N,
                  float *dst, size_t ld);

#endif
