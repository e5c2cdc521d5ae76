/* env.name = toy: the template environment (docs/architecture.md walks
 * through it). Each agent wants some of a shared resource each step:
 *   need  u = w_i (0.5 + U)     w_i ~ U[0.5, 1.5] per agent (env.seed),
 *                               U ~ U[0, 1) per (gid, episode, copy, step)
 *   act   c = L_k               a level of env.levels
 *   r = u ln(1 + c),  g = c,    observation [u, lambda]
 * and the capacity is C = env.capacity_ratio x sum_i w_i. There is no
 * state between steps (the need is a function of its key), so a checkpoint
 * holds nothing of it, and its analytic policy maximises r - lambda g. */
#include <math.h>
#include <stdlib.h>

#include "samarl/comm.h"
#include "samarl/env.h"
#include "samarl/error.h"
#include "samarl/reprosum.h"
#include "samarl/rng.h"

enum { TOY_OBS = 2, TOY_STEP_BITS = 20 };

typedef struct toy {
    float levels[ENV_MAX_LEVELS];
    float *w; /* [n] */
    uint64_t seed;
    uint32_t stream;
    uint64_t episode;
} toy_t;

static const uint32_t toy_streams[] = {RNG_STREAM_NOISE_TRAIN, RNG_STREAM_NOISE_EVAL,
                                       RNG_STREAM_NOISE_RUN, RNG_STREAM_NOISE_PROBE};

static void *toy_create(const config_t *cfg, env_t *e)
{
    toy_t *s = XZNEW(toy_t, 1);
    double lv[CONFIG_LIST_MAX];
    int nl;
    comm_check(config_parse_list(cfg->env.levels, lv, ENV_MAX_LEVELS, &nl));
    for (int k = 0; k < nl; k++) s->levels[k] = (float)lv[k];
    s->w = XNEW(float, e->n > 0 ? e->n : 1);
    double *wd = XNEW(double, e->n > 0 ? e->n : 1);
    for (lidx_t i = 0; i < e->n; i++) {
        s->w[i] =
            (float)(0.5 + rng_uniform(cfg->env.seed, RNG_STREAM_ENV_AGENT, (uint64_t)e->gid[i], 0));
        wd[i] = s->w[i];
    }
    e->capacity = cfg->env.capacity_ratio * reprosum_global(wd, (size_t)e->n);
    free(wd);
    e->spec = (env_spec_t){.obs_dim = TOY_OBS,
                           .action_kind = ENV_ACTION_DISCRETE,
                           .n_levels = nl,
                           .n_costs = 1,
                           .reward_kind = ENV_REWARD_AGENT,
                           .hops = 0,
                           .split = ENV_SPLIT_AGENTS};
    return s;
}

static void toy_destroy(void *impl)
{
    toy_t *s = impl;
    free(s->w);
    free(s);
}

static void toy_begin_episode(env_t *e, uint64_t run_seed, env_noise_t src, uint64_t episode)
{
    toy_t *s = e->impl;
    /* The need's counter holds (episode x copies + copy) above the step. */
    SAMARL_ASSERT((episode + 1) * (uint64_t)e->copies < ((uint64_t)1 << (64 - TOY_STEP_BITS)));
    s->seed = run_seed;
    s->stream = toy_streams[src];
    s->episode = episode;
}

static void toy_reset_agent(env_t *e, lidx_t i)
{
    (void)e, (void)i; /* nothing carries over between steps */
}

/* Agent i's need in copy j at step t. */
static inline float need(const env_t *e, lidx_t i, int j, int64_t t)
{
    const toy_t *s = e->impl;
    const uint64_t ctr =
        ((s->episode * (uint64_t)e->copies + (uint64_t)j) << TOY_STEP_BITS) | (uint64_t)t;
    return s->w[i] * (float)(0.5 + rng_uniform(s->seed, s->stream, (uint64_t)e->gid[i], ctr));
}

static void toy_observe(const env_t *e, lidx_t i, int64_t t, const float *lambda, float *obs)
{
    for (int j = 0; j < e->copies; j++) {
        obs[(size_t)j * TOY_OBS] = need(e, i, j, t);
        obs[(size_t)j * TOY_OBS + 1] = lambda[j];
    }
}

static void toy_step(env_t *e, lidx_t i, int64_t t, const uint8_t *action, float *usage,
                     float *reward, float *served, float *arrived)
{
    const toy_t *s = e->impl;
    SAMARL_ASSERT(t < ((int64_t)1 << TOY_STEP_BITS));
    for (int j = 0; j < e->copies; j++) {
        SAMARL_ASSERT(action[j] < e->n_levels);
        const float c = s->levels[action[j]];
        if (usage) usage[j] = c;
        if (reward) reward[j] = need(e, i, j, t) * log1pf(c);
        if (served) served[j] = c;
        if (arrived) arrived[j] = c;
    }
}

/* One copy, agents i0..i0+m-1: the per-agent calls, as the interface asks. */
static void toy_observe_agents(const env_t *e, lidx_t i0, int m, int64_t t, const float *lambda,
                               float *obs)
{
    for (int q = 0; q < m; q++) toy_observe(e, i0 + q, t, lambda + q, obs + (size_t)q * TOY_OBS);
}

static void toy_step_agents(env_t *e, lidx_t i0, int m, int64_t t, const uint8_t *action,
                            float *usage, float *reward, float *served, float *arrived)
{
    for (int q = 0; q < m; q++)
        toy_step(e, i0 + q, t, action + q, usage + q, reward + q, served + q, arrived + q);
}

static uint64_t toy_fingerprint(const env_t *e)
{
    const toy_t *s = e->impl;
    uint64_t h = 0;
    for (lidx_t i = 0; i < e->n; i++)
        h += env_hash_bytes(env_hash_gid(e->gid[i]), &s->w[i], sizeof(float));
    h = env_hash_allsum(h);
    h = env_hash_bytes(h, "toy", 3);
    h = env_hash_bytes(h, &e->n_global, sizeof e->n_global);
    h = env_hash_bytes(h, &e->capacity, sizeof e->capacity);
    return env_hash_bytes(h, s->levels, sizeof(float) * (size_t)e->n_levels);
}

static int toy_table(const env_t *e, int k, env_table_t *out)
{
    const toy_t *s = e->impl;
    if (k != 0) return 0;
    *out = (env_table_t){"weight", "1", "utility weight w_i of each agent", s->w, NULL};
    return 1;
}

/* Best response: the level maximising u ln(1 + c) - lambda c, or a softmax
 * over the levels with temperature tau. */
static void toy_analytic(const env_t *e, lidx_t i, int64_t t, const float *lambda, double tau,
                         double defer_hours, const double *u, uint8_t *action)
{
    const toy_t *s = e->impl;
    (void)defer_hours; /* nothing is deferred here */
    const int K = e->n_levels;
    SAMARL_ASSERT(K >= 1 && K <= ENV_MAX_LEVELS);
    for (int j = 0; j < e->copies; j++) {
        const double nd = need(e, i, j, t);
        double score[ENV_MAX_LEVELS], best = -INFINITY;
        int arg = 0;
        for (int k = 0; k < K; k++) {
            score[k] = nd * log1p(s->levels[k]) - lambda[j] * s->levels[k];
            if (score[k] > best) best = score[arg = k];
        }
        if (tau > 0) {
            double w[ENV_MAX_LEVELS], sum = 0, acc = 0;
            for (int k = 0; k < K; k++) sum += w[k] = exp((score[k] - best) / tau);
            const double target = u[j] * sum;
            for (arg = 0; arg < K - 1; arg++)
                if (target < (acc += w[arg])) break;
        }
        action[j] = (uint8_t)arg;
    }
}

const env_ops_t env_toy_ops = {
    .name = "toy",
    .summary = "template: each agent's need for a shared resource, r = u ln(1 + c), g = c "
               "(docs/architecture.md)",
    .create = toy_create,
    .max_steps = ((int64_t)1 << TOY_STEP_BITS) - 1,
    .max_episode_copies = ((int64_t)1 << (64 - TOY_STEP_BITS)) - 1,
    .destroy = toy_destroy,
    .begin_episode = toy_begin_episode,
    .reset_agent = toy_reset_agent,
    .observe = toy_observe,
    .step = toy_step,
    .observe_agents = toy_observe_agents,
    .step_agents = toy_step_agents,
    .fingerprint = toy_fingerprint,
    .table = toy_table,
    .analytic = toy_analytic,
};
