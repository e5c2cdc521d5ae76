/* The step API (samarl/api.h): an environment of every agent of the graph
 * in one process, stepped by a caller's learner. Its loops are samarl run's
 * (cmd_run.c): observe and step in batches of RUN_BATCH agents with
 * env_observe_agents / env_step_agents, one copy, the noise of
 * ENV_NOISE_RUN episode 0 under run.seed, so recorded actions give back a
 * run's rewards and usage bit for bit.
 *
 * The engine reports bad input through comm_check, which ends the process:
 * everything env_create could refuse is checked here first, with the same
 * functions and messages, and returned as an error instead. */
#include "samarl/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/cli.h"
#include "samarl/comm.h"
#include "samarl/config.h"
#include "samarl/dual.h"
#include "samarl/env.h"
#include "samarl/error.h"
#include "samarl/graph.h"
#include "samarl/trainer.h"

/* samarl run's batch of agents (cmd_run.c). */
enum { RUN_BATCH = 256 };
/* The noise keys hold the episode (with the copy) above the step's 20 bits
 * (dr.c STEP_BITS, toy.c TOY_STEP_BITS). */
#define API_EPISODE_LIMIT ((uint64_t)1 << 28)

_Static_assert(SAMARL_NOISE_TRAIN == (int)ENV_NOISE_TRAIN &&
                   SAMARL_NOISE_EVAL == (int)ENV_NOISE_EVAL &&
                   SAMARL_NOISE_RUN == (int)ENV_NOISE_RUN &&
                   SAMARL_NOISE_PROBE == (int)ENV_NOISE_PROBE,
               "api.h's noise sources are env.h's");
_Static_assert(SAMARL_API_ERR == SAMARL_ERR, "api.h's error code is error.h's");

struct samarl_env {
    config_t cfg;
    env_t *env;
    gidx_t n;
    gidx_t *gid; /* [n]: 0 .. n-1, the env keeps a pointer */
    int64_t t;
    double lambda0;
    int n_levels;
    double levels[ENV_MAX_LEVELS];
    float *lam0;    /* [RUN_BATCH] lambda0 as samarl run passes it */
    float *scratch; /* [4][RUN_BATCH] outputs the caller does not want */
};

/* ---- MPI -------------------------------------------------------------------- */

static int mpi_ours; /* this library called MPI_Init */

static void api_finalize(void)
{
    if (mpi_ours) comm_finalize();
    mpi_ours = 0;
}

/* MPI initialised as a singleton (no mpirun) on first use, finalised at
 * exit; MPI initialised by the host process is used as it is. Either way on
 * one rank: every agent lives in this process, and the environment's sums
 * (the capacity) are over MPI_COMM_WORLD. */
static int mpi_ready(void)
{
    const int state = comm_mpi_state();
    if (state == COMM_MPI_DOWN)
        return samarl_seterr("MPI has already been finalised in this process: the step API needs "
                             "it (create environments before anything finalises MPI)");
    if (state == COMM_MPI_NONE) {
        comm_init(NULL, NULL);
        mpi_ours = 1;
        atexit(api_finalize);
    } else if (!mpi_ours) {
        comm_adopt();
    }
    const int size = comm_size();
    if (size != 1)
        return samarl_seterr("this process is one of %d MPI ranks (%s): the step API holds every "
                             "agent in one process and runs on a single rank; start it without "
                             "mpirun (samarl run is the distributed engine)",
                             size, mpi_ours ? "started by mpirun" : "MPI initialised by the host");
    return SAMARL_OK;
}

/* The names the registries decide, as samarl's commands check them. */
static int check_names(const config_t *cfg)
{
    if (env_check_name(cfg->env.name) != SAMARL_OK) return SAMARL_ERR;
    if (trainer_check_name(cfg->train.algo) != SAMARL_OK) return SAMARL_ERR;
    return dual_check_config(cfg);
}

/* ---- creation ----------------------------------------------------------------- */

int samarl_api_version(void)
{
    return SAMARL_API_VERSION;
}

static int load_config(config_t *cfg, const char *path, const char *const *overrides, int n)
{
    for (int k = 0; k < n; k++)
        if (!overrides || !overrides[k])
            return samarl_seterr("override %d of %d is NULL (expected \"section.key=value\")",
                                 k + 1, n);
    char *text = NULL;
    if (path && config_read_file(path, &text) != SAMARL_OK) {
        config_defaults(cfg);
        return SAMARL_ERR;
    }
    /* config_parse_ini only reads the overrides. */
    int rc = config_parse_ini(cfg, path, text, (char *const *)overrides, n);
    free(text);
    if (rc == SAMARL_OK) rc = check_names(cfg);
    return rc;
}

int samarl_env_create(const char *config_path, const char *const *overrides, int n_overrides,
                      samarl_env_t **out)
{
    if (!out) return samarl_seterr("samarl_env_create: out is NULL");
    *out = NULL;
    if (n_overrides < 0) return samarl_seterr("samarl_env_create: n_overrides < 0");
    if (mpi_ready() != SAMARL_OK) return SAMARL_ERR;
    cli_register_sections();
    samarl_env_t *s = XZNEW(samarl_env_t, 1);
    int rc = load_config(&s->cfg, config_path, overrides, n_overrides);
    graph_t *g = NULL;
    if (rc == SAMARL_OK) rc = graph_build(&s->cfg, &g, NULL);
    if (rc == SAMARL_OK) {
        s->n = g->n;
        graph_destroy(&g);
        if (s->n > INT32_MAX)
            rc = samarl_seterr("%" PRIdG " agents: one process holds at most %d", s->n, INT32_MAX);
    }
    /* env_create ends the process on a bad input file: ask the environment first. */
    if (rc == SAMARL_OK) rc = env_check_graphless(&s->cfg, "the step API");
    if (rc == SAMARL_OK) rc = env_check_inputs(&s->cfg, s->n);
    if (rc == SAMARL_OK) rc = env_check_steps(&s->cfg, s->cfg.env.horizon, "env.horizon");
    if (rc == SAMARL_OK)
        rc = config_parse_list(s->cfg.env.levels, s->levels, ENV_MAX_LEVELS, &s->n_levels);
    if (rc != SAMARL_OK) {
        graph_destroy(&g);
        config_free(&s->cfg);
        free(s);
        return SAMARL_ERR;
    }
    s->gid = XNEW(gidx_t, s->n > 0 ? s->n : 1);
    for (gidx_t i = 0; i < s->n; i++) s->gid[i] = i;
    env_create(&s->cfg, s->n, (lidx_t)s->n, s->gid, 1, &s->env);
    s->lambda0 = dual_rule_of(&s->cfg)->start(&s->cfg);
    s->lam0 = XNEW(float, RUN_BATCH);
    for (int q = 0; q < RUN_BATCH; q++) s->lam0[q] = (float)s->lambda0;
    s->scratch = XNEW(float, 4 * RUN_BATCH);
    samarl_env_reset(s, s->cfg.run.seed, SAMARL_NOISE_RUN, 0);
    samarl_clearerr();
    *out = s;
    return SAMARL_OK;
}

void samarl_env_destroy(samarl_env_t *s)
{
    if (!s) return;
    env_destroy(&s->env);
    config_free(&s->cfg);
    free(s->gid);
    free(s->lam0);
    free(s->scratch);
    free(s);
}

/* ---- sizes ----------------------------------------------------------------------- */

int64_t samarl_env_agents(const samarl_env_t *s)
{
    return s->n;
}

int samarl_env_obs_size(const samarl_env_t *s)
{
    return s->env->spec.obs_dim;
}

int samarl_env_action_levels(const samarl_env_t *s)
{
    return s->env->n_levels;
}

int64_t samarl_env_horizon(const samarl_env_t *s)
{
    return s->cfg.env.horizon;
}

int64_t samarl_env_run_steps(const samarl_env_t *s)
{
    return s->cfg.run.n_steps;
}

double samarl_env_capacity(const samarl_env_t *s)
{
    return s->env->capacity;
}

double samarl_env_lambda0(const samarl_env_t *s)
{
    return s->lambda0;
}

uint64_t samarl_env_seed(const samarl_env_t *s)
{
    return s->cfg.run.seed;
}

const char *samarl_env_name(const samarl_env_t *s)
{
    return s->cfg.env.name;
}

char *samarl_env_config(const samarl_env_t *s)
{
    return config_format(&s->cfg, 0);
}

void samarl_env_levels(const samarl_env_t *s, double *out)
{
    for (int k = 0; k < s->n_levels; k++) out[k] = s->levels[k];
}

void samarl_env_scales(const samarl_env_t *s, float *out)
{
    for (gidx_t i = 0; i < s->n; i++) out[i] = env_scale(s->env, (lidx_t)i);
}

int64_t samarl_env_step_count(const samarl_env_t *s)
{
    return s->t;
}

float samarl_env_price(const samarl_env_t *s)
{
    return env_price(s->env, 0, s->t);
}

/* ---- dynamics -------------------------------------------------------------------- */

int samarl_env_reset(samarl_env_t *s, uint64_t seed, int noise, uint64_t episode)
{
    if (noise < SAMARL_NOISE_TRAIN || noise > SAMARL_NOISE_PROBE)
        return samarl_seterr("noise source %d: expected 0 (train), 1 (eval), 2 (run) or 3 "
                             "(probe)",
                             noise);
    if (episode >= API_EPISODE_LIMIT)
        return samarl_seterr("episode %" PRIu64 ": the noise keys hold episodes below %" PRIu64,
                             episode, API_EPISODE_LIMIT);
    env_begin_episode(s->env, seed, (env_noise_t)noise, episode);
    for (gidx_t i = 0; i < s->n; i++) env_reset_agent(s->env, (lidx_t)i);
    s->t = 0;
    return SAMARL_OK;
}

/* Agents i0 .. i0+m-1's multipliers: the caller's, or lambda0. */
static const float *batch_lambda(const samarl_env_t *s, const float *lambda, gidx_t i0)
{
    return lambda ? lambda + i0 : s->lam0;
}

static void observe_all(const samarl_env_t *s, const float *lambda, float *obs)
{
    const int D = s->env->spec.obs_dim;
    for (gidx_t i0 = 0; i0 < s->n; i0 += RUN_BATCH) {
        const int m = s->n - i0 < RUN_BATCH ? (int)(s->n - i0) : RUN_BATCH;
        env_observe_agents(s->env, (lidx_t)i0, m, s->t, batch_lambda(s, lambda, i0),
                           obs + (size_t)i0 * (size_t)D);
    }
}

int samarl_env_observe(const samarl_env_t *s, const float *lambda, float *obs)
{
    if (!obs) return samarl_seterr("samarl_env_observe: obs is NULL");
    observe_all(s, lambda, obs);
    return SAMARL_OK;
}

int samarl_env_step(samarl_env_t *s, const uint8_t *actions, const float *lambda, float *obs,
                    float *reward, float *cost, float *served, float *arrived, float *pending)
{
    if (!actions) return samarl_seterr("samarl_env_step: actions is NULL");
    const int64_t limit = s->env->ops->max_steps;
    if (limit > 0 && s->t >= limit)
        return samarl_seterr("step %" PRId64 ": env.name = %s numbers at most %" PRId64
                             " steps in an episode; reset",
                             s->t, s->env->ops->name, limit);
    for (gidx_t i = 0; i < s->n; i++)
        if (actions[i] >= s->env->n_levels)
            return samarl_seterr("agent %" PRIdG ": action %d is not one of the %d levels of "
                                 "env.levels (expected 0 .. %d)",
                                 i, actions[i], s->env->n_levels, s->env->n_levels - 1);
    float *scr = s->scratch;
    for (gidx_t i0 = 0; i0 < s->n; i0 += RUN_BATCH) {
        const int m = s->n - i0 < RUN_BATCH ? (int)(s->n - i0) : RUN_BATCH;
        float *g = cost ? cost + i0 : scr, *r = reward ? reward + i0 : scr + RUN_BATCH;
        float *sv = served ? served + i0 : scr + (size_t)2 * RUN_BATCH;
        float *ar = arrived ? arrived + i0 : scr + (size_t)3 * RUN_BATCH;
        env_step_agents(s->env, (lidx_t)i0, m, s->t, actions + i0, g, r, sv, ar);
        if (pending) env_pending_agents(s->env, (lidx_t)i0, m, pending + i0);
    }
    s->t++;
    if (obs) observe_all(s, lambda, obs);
    return SAMARL_OK;
}
