/* env.name = warehouse: ALTERNATING-MARL's continuous task (seed 002; the
 * public code emiletimothy/alternating-marl,
 * scripts/function_approximation/continuous_env.py), written from its
 * definitions (docs/environment.md lists every constant).
 *
 * A dispatcher whose state s_g is a resource centre on [-2, 2] and whose 5
 * actions steer it to the centres of 5 bins of [-2, 2], beside n robots at
 * positions s_l on [-2, 2] with the actions stay, +0.05, -0.05:
 *   s_g' = clip(s_g + 0.6 (target(a_g) - s_g) + 0.08 z)
 *   s_l' = clip(s_l + offset(a_l) + 0.04 z)             z ~ N(0, 1)
 *   r_g = 5 exp(-(s_g - target(a_g))^2 / (2 0.3^2))
 *   r_l = 10 exp(-(s_l - s_g)^2 / (2 0.2^2)) - 5 |offset(a_l)|,  gamma 0.95.
 * A start: s_g ~ U(-1, 1); two distinct bins drawn; floor(0.55 n) robots
 * (a keyed random subset) around the first bin's centre and the rest around
 * the second's, N(centre, 0.18) clipped; the true mode is the bin holding
 * the most robots. The dispatcher sees the histogram of k sampled robots
 * over the 5 bins.
 *
 * Every draw is keyed (seed, rollout, gid, step), so a robot's start and
 * moves are the same on any number of ranks; the environment is this model
 * (its operation `warehouse_model`), which its trainer, train.algo =
 * altmarl-fa, simulates itself. */
#ifndef SAMARL_ENV_WAREHOUSE_H
#define SAMARL_ENV_WAREHOUSE_H

#include <stdint.h>

#include "samarl/types.h"

enum { WH_BINS = 5, WH_GA = 5, WH_AL = 3 };

typedef struct warehouse {
    double edges[WH_BINS + 1], target[WH_GA], offset[WH_AL];
    double steer, sigma_g, sigma_l;
    double rg_scale, rg_sigma, align_scale, align_sigma, action_cost;
    double main_share, cluster_sd, gamma;
} warehouse_t;

void warehouse_init(warehouse_t *w);

/* The bin of x in [-2, 2] (numpy.histogram's: [e_b, e_b+1), the last closed). */
int warehouse_bin(const warehouse_t *w, double x);
double warehouse_rg(const warehouse_t *w, double sg, int ag);
double warehouse_rl(const warehouse_t *w, double sl, double sg, int al);
double warehouse_step_global(const warehouse_t *w, double sg, int ag, double z);
double warehouse_step_local(const warehouse_t *w, double sl, int al, double z);

/* The start of rollout `ep` (< 2^32) of n robots: the dispatcher's state
 * and the two clusters' bins (replicated draws), and robot gid's position
 * (its own draws and its place in the keyed split). */
typedef struct warehouse_start {
    double sg;
    int main, second;
    gidx_t n, n_main;
} warehouse_start_t;
void warehouse_start(const warehouse_t *w, uint64_t seed, uint64_t ep, gidx_t n,
                     warehouse_start_t *st);
double warehouse_start_robot(const warehouse_t *w, uint64_t seed, uint64_t ep,
                             const warehouse_start_t *st, gidx_t gid);

/* A keyed bijection of [0, n) (a Feistel network with cycle walking). */
gidx_t warehouse_perm(uint64_t seed, uint64_t ep, gidx_t n, gidx_t g);

/* The draws of rollout ep: a robot's at step t (purpose < 4), and the
 * replicated ones (purpose < 8). */
double warehouse_normal_robot(uint64_t seed, uint64_t ep, gidx_t gid, int64_t t, int purpose);
double warehouse_uniform_robot(uint64_t seed, uint64_t ep, gidx_t gid, int64_t t, int purpose);
double warehouse_normal_shared(uint64_t seed, uint64_t ep, int64_t t, int purpose);
double warehouse_uniform_shared(uint64_t seed, uint64_t ep, int64_t t, int purpose);

#endif
