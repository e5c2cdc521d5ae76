/* Environment DR-v1: demand response with separable dynamics (DESIGN.md §3),
 * env.name = dr. Its state, for its own file (src/env/dr.c) and its tests:
 * the rest of samarl sees it through env.h only.
 *
 * One agent is a household or building drawing energy from the grid once an
 * hour. Per step t of copy j of agent i (hour h = (start_j + t) mod 24):
 *   d  = a_i shape_i(t) (1 + noise eps)         essential demand arriving
 *   P  = b + d;  c = L_k a_i;  s = min(c, P);  b' = P - s;  x = c - s
 *   r  = beta_i a_i ln(1 + x / a_i) - price(t) c - kappa b';  g = c
 * Observation: [ln(1 + b/a), d/a, sin(2 pi h/24), cos(2 pi h/24), price, lambda]. */
#ifndef SAMARL_ENV_DR_H
#define SAMARL_ENV_DR_H

#include <stdint.h>

#include "samarl/env.h"

#define DR_OBS 6 /* observation features */

typedef struct dr_env {
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

    /* The state of an environment built on DR-v1 (env.name = drnet,
     * src/env/drnet.c), NULL for dr itself. */
    void *ext;
} dr_env_t;

extern const env_ops_t env_dr_ops, env_drnet_ops;

/* Steps are numbered in DR_STEP_BITS bits of the noise keys. */
#define DR_STEP_BITS 20
#define DR_MAX_STEPS (((int64_t)1 << DR_STEP_BITS) - 1)
/* (episode + 1) x copies below 2^(48 - DR_STEP_BITS + 1) */
#define DR_MAX_EPISODE_COPIES (((int64_t)1 << (48 - DR_STEP_BITS + 1)) - 1)

/* DR-v1's operations (env_dr_ops), for environments built on it, which
 * keep their own state in dr_env_t.ext (drnet.c). */
int dr_check_inputs(const config_t *cfg, gidx_t n_global);
void *dr_create(const config_t *cfg, env_t *env);
void dr_destroy(void *impl);
void dr_begin_episode(env_t *env, uint64_t run_seed, env_noise_t src, uint64_t episode);
float dr_price(const env_t *env, int j, int64_t t);
void dr_reset_agent(env_t *env, lidx_t i);
void dr_observe(const env_t *env, lidx_t i, int64_t t, const float *lambda, float *obs);
void dr_step(env_t *env, lidx_t i, int64_t t, const uint8_t *action, float *usage, float *reward,
             float *served, float *arrived);
float dr_scale(const env_t *env, lidx_t i);
void dr_observe_agents(const env_t *env, lidx_t i0, int m, int64_t t, const float *lambda,
                       float *obs);
void dr_step_agents(env_t *env, lidx_t i0, int m, int64_t t, const uint8_t *action, float *usage,
                    float *reward, float *served, float *arrived);
void dr_bestresponse(const env_t *env, lidx_t i, int64_t t, const float *lambda, double tau,
                     double defer_hours, const double *u, uint8_t *action);
uint64_t dr_fingerprint(const env_t *env);
int dr_table(const env_t *env, int k, env_table_t *out);
int dr_field(env_t *env, int k, env_field_t *out);
void dr_pending_agents(const env_t *env, lidx_t i0, int m, float *out);
int dr_stuck(const env_t *env, lidx_t i);

/* The DR-v1 state of an environment made with env.name = dr (asserted). */
dr_env_t *env_dr(const env_t *e);

/* Rank 0's part of creation for env.profiles: read a profile CSV into
 * n_hours, n_columns, shape and price. Not collective. On SAMARL_ERR the
 * tables may be half made: the caller frees shape and price either way. */
int env_load_profiles(const char *path, dr_env_t *e);

#endif
