/* Environment DR-v1: demand response with separable dynamics (DESIGN.md §3).
 *
 * One agent is a household or building drawing energy from the grid once an
 * hour. Each agent's state lives in structure-of-arrays form over the rank's
 * agents x parallel copies (index i * copies + j), and a step of one agent
 * never touches another agent's state. Every random draw is keyed by
 * (seed, gid, episode, copy, step), so an agent's trajectory is the same on
 * any number of ranks and in any visiting order. Nothing is allocated per
 * step.
 *
 * Per step t of copy j of agent i (hour h = (start_j + t) mod 24):
 *   d  = a_i shape_i(t) (1 + noise eps)         essential demand arriving
 *   P  = b + d;  c = L_k a_i;  s = min(c, P);  b' = P - s;  x = c - s
 *   r  = beta_i a_i ln(1 + x / a_i) - price(t) c - kappa b';  g = c
 * Observation: [ln(1 + b/a), d/a, sin(2 pi h/24), cos(2 pi h/24), price, lambda]. */
#ifndef SAMARL_ENV_H
#define SAMARL_ENV_H

#include <stdint.h>

#include "samarl/config.h"
#include "samarl/types.h"

#define ENV_OBS 6         /* observation features */
#define ENV_MAX_LEVELS 16 /* actions */

/* Where the noise of an episode comes from: training, evaluation and
 * execution never share draws. */
typedef enum { ENV_NOISE_TRAIN, ENV_NOISE_EVAL, ENV_NOISE_RUN, ENV_NOISE_PROBE } env_noise_t;

typedef struct env {
    lidx_t n;          /* agents on this rank */
    int copies;        /* parallel copies of each agent */
    gidx_t n_global;   /* agents in the whole run */
    const gidx_t *gid; /* [n], the caller's (not owned) */

    /* Constants. */
    int n_levels;
    float levels[ENV_MAX_LEVELS];
    float kappa, noise, noise_clip;
    double capacity; /* C = capacity_ratio * sum_i a_i (exact sum) */
    double sum_scale;

    /* Per agent [n]. */
    float *a, *inv_a, *beta;
    int32_t *column; /* profile column (0 for the synthetic shape) */
    int32_t *offset; /* hours into the profile (0 for the synthetic shape) */

    /* Tables: shape[column][hour], price[hour], hour in 0..n_hours-1. */
    int n_hours, n_columns;
    float *shape, *price;
    int from_profiles;
    float sin_h[24], cos_h[24]; /* hour-of-day features */

    /* Episode: noise source, index, per-copy start hour (a multiple of 24). */
    uint64_t seed;
    uint32_t stream;
    uint64_t episode;
    int64_t *start; /* [copies] */

    /* State [n * copies]: pending backlog and the demand arriving now. */
    float *b, *d;
    /* Box-Muller draws two normals per counter, for steps 2u and 2u + 1:
     * the second is kept for its step with the counter it came from. */
    float *z_spare;
    uint64_t *z_ctr; /* counter + 1; 0: none kept */
} env_t;

/* Collective. Per-agent parameters for the rank's agents gid[0..n) from
 * env.seed, env.nodes and env.profiles (read on rank 0). Bad input: message
 * naming the file and what was expected, every rank exits 1. */
void env_create(const config_t *cfg, gidx_t n_global, lidx_t n, const gidx_t *gid, int copies,
                env_t **out);
void env_destroy(env_t **e);
/* Rank 0's part of env_create for env.profiles: read a profile CSV into
 * n_hours, n_columns, shape and price. Not collective. On SAMARL_ERR the
 * tables may be half made: the caller frees shape and price either way. */
int env_load_profiles(const char *path, env_t *e);

/* Start episode `episode` of noise source `src` (seeded by run_seed): sets
 * each copy's start hour. Call before env_reset_agent. */
void env_begin_episode(env_t *e, uint64_t run_seed, env_noise_t src, uint64_t episode);
/* Agent i: zero backlog, draw the demand of step 0, in every copy. */
void env_reset_agent(env_t *e, lidx_t i);
/* Agent i at step t: obs[copies][ENV_OBS] with the multiplier lambda[copy]. */
void env_observe(const env_t *e, lidx_t i, int64_t t, const float *lambda, float *obs);
/* Agent i at step t takes action[copy]; outputs per copy (any may be NULL):
 * usage g = c, reward r (without the multiplier term), served s, arrived d.
 * Draws the demand of step t + 1. */
void env_step(env_t *e, lidx_t i, int64_t t, const uint8_t *action, float *usage, float *reward,
              float *served, float *arrived);

/* The analytic best-response policy (DESIGN.md §3): level scores with a
 * convex cost for what is left pending; softmax with temperature tau * a_i
 * sampled with the uniforms u[copy] (tau = 0: argmax). */
/* The same for one copy (copies == 1) and agents i0 .. i0+m-1, with lambda,
 * obs, action and the outputs indexed by q = i - i0: the bits of the calls
 * per agent, for a fraction of their time (samarl run's inner loop). */
void env_observe_agents(const env_t *e, lidx_t i0, int m, int64_t t, const float *lambda,
                        float *obs);
void env_step_agents(env_t *e, lidx_t i0, int m, int64_t t, const uint8_t *action, float *usage,
                     float *reward, float *served, float *arrived);

void env_bestresponse(const env_t *e, lidx_t i, int64_t t, const float *lambda, double tau,
                      double defer_hours, const double *u, uint8_t *action);

/* Price of copy j at step t, and the hour of day. */
float env_price(const env_t *e, int j, int64_t t);

/* Read access for callers that only consume the environment (samarl run, its
 * run file and checkpoint), so that none of them depends on env_t's layout.
 * Arrays are the environment's own, stable for its lifetime: fetch a pointer
 * once, outside a loop over agents. */
int env_n_levels(const env_t *e);
/* C = env.capacity_ratio x the agents' total demand scale, kWh per step. */
double env_capacity(const env_t *e);
/* Pending essential demand b after the last step [n * copies]. */
const float *env_backlog(const env_t *e);
/* Demand scale a_i and utility weight beta_i [n]. */
const float *env_scale(const env_t *e);
const float *env_beta(const env_t *e);
/* The per-agent state a checkpoint carries [n * copies], writable so that a
 * restart can put it back: backlog, arriving demand, the kept normal draw
 * and its counter. */
typedef struct env_state {
    float *backlog, *demand, *z_spare;
    uint64_t *z_ctr;
} env_state_t;
env_state_t env_state(env_t *e);

/* Collective. A hash of everything that defines the environment (agents'
 * parameters at their gids, tables, constants), the same on any number of
 * ranks: a policy trained for one environment is refused by another. */
uint64_t env_fingerprint(const env_t *e);

#endif
