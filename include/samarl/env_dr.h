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
} dr_env_t;

extern const env_ops_t env_dr_ops;

/* The DR-v1 state of an environment made with env.name = dr (asserted). */
dr_env_t *env_dr(const env_t *e);

/* Rank 0's part of creation for env.profiles: read a profile CSV into
 * n_hours, n_columns, shape and price. Not collective. On SAMARL_ERR the
 * tables may be half made: the caller frees shape and price either way. */
int env_load_profiles(const char *path, dr_env_t *e);

#endif
