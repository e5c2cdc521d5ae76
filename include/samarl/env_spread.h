/* The cooperative navigation world of the multi-agent particle environments
 * (MPE simple_spread; seed 003's and HAPPO's benchmark), written from
 * PettingZoo's source (pettingzoo/mpe/scenarios/simple_spread.py,
 * _mpe_utils/core.py, simple_env.py); every constant and its source is in
 * docs/environment.md ("spread").
 *
 * N agents (radius 0.15, mass 1) and N landmarks (radius 0.05, no contact)
 * on an unbounded plane. Each step every agent picks one of 5 discrete
 * moves (no-op, left, right, down, up), a force of 5 along the move; every
 * pair of agents pushes apart with the softplus contact force
 *     f = 100 (p_a - p_b)/|p_a - p_b| x 1e-3 log(1 + exp(-(|p_a - p_b| - 0.3) / 1e-3));
 * the velocity is damped by 0.25 and integrated with dt = 0.1. The reward of
 * agent i after the step is
 *     r_i = (1 - local_ratio) x (-sum_l min_a |p_a - p_l|)
 *           + local_ratio x (-#{agents a colliding with i, |p_a - p_i| < 0.3}),
 * local_ratio 0.5, and an episode lasts 25 steps from positions uniform in
 * [-1, 1]^2 and zero velocities. Its observation (6N features):
 *     [v_i, p_i, p_l - p_i for every landmark, p_a - p_i for every other
 *      agent, the others' communication (always 0)].
 *
 * Two versions of PettingZoo's code differ, and both are here:
 *   SPREAD_V2  PettingZoo <= 1.22.3 (simple_spread_v2, what the HARL and
 *              seed-003 code ran): an agent counts a collision with itself
 *              (-1 every step), and the position moves with the new
 *              velocity (semi-implicit Euler);
 *   SPREAD_V3  PettingZoo >= 1.23 and MPE2: no self-collision, and the
 *              position moves with the old velocity (explicit Euler).
 * The collision cost of agent i (the constrained task's cost channel) is
 * the number of other agents it collides with, in either version.
 *
 * A world is one copy; the environment keeps many (struct of arrays is the
 * caller's business). Doubles throughout, as numpy's float64. */
#ifndef SAMARL_ENV_SPREAD_H
#define SAMARL_ENV_SPREAD_H

#include <stdint.h>

enum { SPREAD_V2 = 2, SPREAD_V3 = 3 };
enum { SPREAD_ACTIONS = 5 };

/* The constants, as PettingZoo sets them. */
#define SPREAD_DT 0.1
#define SPREAD_DAMPING 0.25
#define SPREAD_CONTACT_FORCE 100.0
#define SPREAD_CONTACT_MARGIN 1e-3
#define SPREAD_AGENT_SIZE 0.15
#define SPREAD_LANDMARK_SIZE 0.05
#define SPREAD_SENSITIVITY 5.0
#define SPREAD_MASS 1.0
#define SPREAD_LOCAL_RATIO 0.5
#define SPREAD_CYCLES 25

typedef struct spread_world {
    int n, version;
    double local_ratio;
    double *pos, *vel, *lm; /* [n][2] agents' positions and velocities, landmarks' positions */
    double *force;          /* [n][2] scratch */
} spread_world_t;

/* A world of n agents and n landmarks (version SPREAD_V2 or SPREAD_V3). */
void spread_init(spread_world_t *w, int n, int version, double local_ratio);
void spread_free(spread_world_t *w);

/* A new episode: agents then landmarks uniform in [-1, 1]^2, velocities 0,
 * drawn from the keyed stream (seed, key): key names the episode and copy. */
void spread_reset(spread_world_t *w, uint64_t seed, uint64_t key);

/* The observation of agent i, 6n features. */
void spread_observe(const spread_world_t *w, int i, float *obs);

/* One step: every agent's move action[n] (0..4), then the rewards r[n]
 * and collision costs cost[n] (either may be NULL) on the new positions. */
void spread_step(spread_world_t *w, const uint8_t *action, double *r, double *cost);

/* The softplus contact force's magnitude between two agents at distance d. */
double spread_contact(double d);

/* env.name = spread (env_create_copies: whole copies split across ranks):
 * copy c (global index) of episode e of noise source src starts from
 * spread_reset(run.seed, spread_key(src, e, c)); observation 6N + 1
 * features, the multiplier last; [spread] version, local_ratio. */
static inline uint64_t spread_key(int src, uint64_t episode, uint64_t copy)
{
    return ((uint64_t)src << 60) ^ (episode << 24) ^ copy;
}

#endif
