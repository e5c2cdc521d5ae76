/* The step API: samarl's environments for a learner of one's own, in one
 * process, from C or through build/libsamarl.so (python/samarl/env.py wraps
 * it with cffi). One environment holds every agent of the graph the
 * configuration names, one copy each, and steps them all together with the
 * engine's own dynamics: actions recorded by `samarl run` give back that
 * run's rewards, usage and backlog bit for bit (reset's default noise is the
 * run's: run.seed, SAMARL_NOISE_RUN, episode 0).
 *
 *   samarl_env_t *e;
 *   const char *set[] = {"graph.agents=64", "dual.lambda0=0.1"};
 *   if (samarl_env_create(NULL, set, 2, &e) != 0) puts(samarl_errmsg());
 *   samarl_env_reset(e, samarl_env_seed(e), SAMARL_NOISE_RUN, 0);
 *   samarl_env_observe(e, lambda, obs);          obs[agents][obs_size]
 *   samarl_env_step(e, actions, lambda, obs, r, g, served, arrived, pending);
 *
 * Every function that can fail returns 0 or SAMARL_API_ERR with a message in
 * samarl_errmsg(); none exits the process. MPI is initialised inside the
 * library on first use (an Open MPI singleton: no mpirun) and finalised at
 * exit; a process whose MPI someone else initialised may use the library
 * only if it is a single rank. Not thread-safe: one thread at a time. */
#ifndef SAMARL_API_H
#define SAMARL_API_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SAMARL_API_VERSION 1
#define SAMARL_API_ERR (-1)

/* Where the noise of an episode comes from (env.h's env_noise_t): samarl
 * train, its evaluation, samarl run, and the probes of the tests. */
enum {
    SAMARL_NOISE_TRAIN = 0,
    SAMARL_NOISE_EVAL = 1,
    SAMARL_NOISE_RUN = 2,
    SAMARL_NOISE_PROBE = 3
};

typedef struct samarl_env samarl_env_t;

/* SAMARL_API_VERSION of the library. */
int samarl_api_version(void);
/* The message of the last failure ("" if none). */
const char *samarl_errmsg(void);

/* An environment from the INI file config_path (NULL: built-in defaults) and
 * n_overrides "section.key=value" strings, checked as `samarl run -c FILE
 * --set ...` checks them; the agents are the graph's (graph.*), reset to
 * episode 0 of samarl run's noise. */
int samarl_env_create(const char *config_path, const char *const *overrides, int n_overrides,
                      samarl_env_t **out);
/* NULL is fine. */
void samarl_env_destroy(samarl_env_t *env);

/* Sizes and constants. */
int64_t samarl_env_agents(const samarl_env_t *env);
int samarl_env_obs_size(const samarl_env_t *env);      /* features per agent, lambda last */
int samarl_env_action_levels(const samarl_env_t *env); /* actions 0 .. levels-1 */
int64_t samarl_env_horizon(const samarl_env_t *env);   /* env.horizon: an episode's steps */
int64_t samarl_env_run_steps(const samarl_env_t *env); /* run.days x 24 or run.steps */
double samarl_env_capacity(const samarl_env_t *env);   /* C, on the sum of the agents' usage */
/* The multiplier samarl run starts from under dual.mode (dual.lambda0; 0 for none). */
double samarl_env_lambda0(const samarl_env_t *env);
uint64_t samarl_env_seed(const samarl_env_t *env); /* run.seed */
const char *samarl_env_name(const samarl_env_t *env);
/* The environment's configuration, as `samarl config` prints it (free() it). */
char *samarl_env_config(const samarl_env_t *env);
/* env.levels into out[action_levels]. */
void samarl_env_levels(const samarl_env_t *env, double *out);
/* Each agent's scale (its demand scale a_i in DR-v1; 1 without one) into out[agents]. */
void samarl_env_scales(const samarl_env_t *env, float *out);
/* Steps taken since the last reset. */
int64_t samarl_env_step_count(const samarl_env_t *env);
/* The price of usage at the current step (0 without one). */
float samarl_env_price(const samarl_env_t *env);

/* A fresh start of every agent in episode `episode` of noise source `noise`
 * seeded by `seed`; the step counter goes back to 0. */
int samarl_env_reset(samarl_env_t *env, uint64_t seed, int noise, uint64_t episode);
/* obs[agents][obs_size] at the current step with multiplier lambda[agents]
 * (NULL: samarl_env_lambda0 for every agent). */
int samarl_env_observe(const samarl_env_t *env, const float *lambda, float *obs);
/* Every agent i takes action actions[i]; per agent: reward r (without the
 * multiplier term: a Lagrangian learner maximises r - lambda cost), cost (the
 * usage g priced by the multiplier: the grid draw), served and arrived
 * demand, and what is pending after the step. Then the step counter
 * advances, and with obs not NULL the next observation is written with
 * lambda[agents] (NULL: lambda0). Any output may be NULL. Actions outside
 * 0 .. levels-1 are refused before any agent moves. */
int samarl_env_step(samarl_env_t *env, const uint8_t *actions, const float *lambda, float *obs,
                    float *reward, float *cost, float *served, float *arrived, float *pending);

#ifdef __cplusplus
}
#endif

#endif
