/* The MPE simple_spread world (env_spread.h), step for step as PettingZoo's
 * core.py: apply the action forces, add the contact forces of every pair
 * of colliding entities (here: agents; landmarks do not collide), then
 * integrate each agent; the rewards read the new positions. */
#include "samarl/env_spread.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <stddef.h>

#include "samarl/comm.h"
#include "samarl/env.h"
#include "samarl/error.h"
#include "samarl/rng.h"

void spread_init(spread_world_t *w, int n, int version, double local_ratio)
{
    SAMARL_ASSERT(n >= 1 && (version == SPREAD_V2 || version == SPREAD_V3));
    w->n = n;
    w->version = version;
    w->local_ratio = local_ratio;
    w->pos = XZNEW(double, 2 * (size_t)n);
    w->vel = XZNEW(double, 2 * (size_t)n);
    w->lm = XZNEW(double, 2 * (size_t)n);
    w->force = XZNEW(double, 2 * (size_t)n);
}

void spread_free(spread_world_t *w)
{
    free(w->pos);
    free(w->vel);
    free(w->lm);
    free(w->force);
    memset(w, 0, sizeof *w);
}

void spread_reset(spread_world_t *w, uint64_t seed, uint64_t key)
{
    const int n = w->n;
    for (int q = 0; q < 2 * n; q++) {
        /* agents' coordinates draws 0 .. 2n-1, landmarks' 2n .. 4n-1 */
        w->pos[q] = 2 * rng_uniform(seed, RNG_STREAM_ENV_START, key, (uint64_t)q) - 1;
        w->lm[q] = 2 * rng_uniform(seed, RNG_STREAM_ENV_START, key, (uint64_t)(2 * n + q)) - 1;
        w->vel[q] = 0;
    }
}

void spread_observe(const spread_world_t *w, int i, float *obs)
{
    const int n = w->n;
    const double px = w->pos[2 * i], py = w->pos[2 * i + 1];
    int k = 0;
    obs[k++] = (float)w->vel[2 * i];
    obs[k++] = (float)w->vel[2 * i + 1];
    obs[k++] = (float)px;
    obs[k++] = (float)py;
    for (int l = 0; l < n; l++) {
        obs[k++] = (float)(w->lm[2 * l] - px);
        obs[k++] = (float)(w->lm[2 * l + 1] - py);
    }
    for (int a = 0; a < n; a++) {
        if (a == i) continue;
        obs[k++] = (float)(w->pos[2 * a] - px);
        obs[k++] = (float)(w->pos[2 * a + 1] - py);
    }
    for (int a = 0; a < 2 * (n - 1); a++) obs[k++] = 0.0f; /* the others' (silent) communication */
}

double spread_contact(double d)
{
    /* penetration = logaddexp(0, -(d - dmin)/k) k, the force contact_force x it */
    const double z = -(d - 2 * SPREAD_AGENT_SIZE) / SPREAD_CONTACT_MARGIN;
    const double softplus = z > 0 ? z + log1p(exp(-z)) : log1p(exp(z));
    return SPREAD_CONTACT_FORCE * softplus * SPREAD_CONTACT_MARGIN;
}

void spread_step(spread_world_t *w, const uint8_t *action, double *r, double *cost)
{
    static const double move[SPREAD_ACTIONS][2] = {{0, 0}, {-1, 0}, {1, 0}, {0, -1}, {0, 1}};
    const int n = w->n;
    for (int i = 0; i < n; i++) {
        SAMARL_ASSERT(action[i] < SPREAD_ACTIONS);
        w->force[2 * i] = SPREAD_SENSITIVITY * move[action[i]][0];
        w->force[2 * i + 1] = SPREAD_SENSITIVITY * move[action[i]][1];
    }
    for (int a = 0; a < n; a++) /* every pair a < b, on the positions before the step */
        for (int b = a + 1; b < n; b++) {
            const double dx = w->pos[2 * a] - w->pos[2 * b],
                         dy = w->pos[2 * a + 1] - w->pos[2 * b + 1];
            const double d = sqrt(dx * dx + dy * dy), f = spread_contact(d) / d;
            w->force[2 * a] += f * dx;
            w->force[2 * a + 1] += f * dy;
            w->force[2 * b] -= f * dx;
            w->force[2 * b + 1] -= f * dy;
        }
    for (int q = 0; q < 2 * n; q++) {
        if (w->version == SPREAD_V3) w->pos[q] += w->vel[q] * SPREAD_DT; /* the old velocity */
        w->vel[q] *= 1 - SPREAD_DAMPING;
        w->vel[q] += w->force[q] / SPREAD_MASS * SPREAD_DT;
        if (w->version == SPREAD_V2) w->pos[q] += w->vel[q] * SPREAD_DT; /* the new velocity */
    }
    if (!r && !cost) return;
    double global = 0;
    for (int l = 0; l < n; l++) {
        double best = INFINITY;
        for (int a = 0; a < n; a++) {
            const double dx = w->pos[2 * a] - w->lm[2 * l],
                         dy = w->pos[2 * a + 1] - w->lm[2 * l + 1];
            const double d = sqrt(dx * dx + dy * dy);
            if (d < best) best = d;
        }
        global -= best;
    }
    for (int i = 0; i < n; i++) {
        int hits = 0;
        for (int a = 0; a < n; a++) {
            if (a == i) continue;
            const double dx = w->pos[2 * a] - w->pos[2 * i],
                         dy = w->pos[2 * a + 1] - w->pos[2 * i + 1];
            if (sqrt(dx * dx + dy * dy) < 2 * SPREAD_AGENT_SIZE) hits++;
        }
        const double local = -(double)hits - (w->version == SPREAD_V2 ? 1.0 : 0.0);
        if (r) r[i] = global * (1 - w->local_ratio) + local * w->local_ratio;
        if (cost) cost[i] = hits;
    }
}

/* ---- env.name = spread: the world as an environment of copies -------------------- */

typedef struct spread_config {
    int64_t version;
    double local_ratio, collision_bound;
} spread_config_t;

static const config_key_t spread_keys[] = {
    {"spread", "version", CONFIG_INT, offsetof(spread_config_t, version), "2", 2, 3, 0, 0, NULL,
     "env.name = spread: PettingZoo's simple_spread as version 2 (<= 1.22.3, what the HARL and "
     "seed-003 code ran: an agent collides with itself, the position moves with the new "
     "velocity) or 3 (>= 1.23 and MPE2: no self-collision, the old velocity)"},
    {"spread", "local_ratio", CONFIG_REAL, offsetof(spread_config_t, local_ratio), "0.5", 0, 1, 0,
     0, NULL,
     "env.name = spread: the weight of an agent's own collisions in its reward, r_i = (1 - "
     "local_ratio) x (-sum_l min_a |p_a - p_l|) + local_ratio x (-its collisions)"},
    {"spread", "collision_bound", CONFIG_REAL, offsetof(spread_config_t, collision_bound), "0.05",
     0, 1e6, 0, 0, NULL,
     "env.name = spread: the constrained task's bound on each agent's collisions with other "
     "agents per step, on average (cost channel 1: its collisions minus the bound; the "
     "constrained trainers keep its mean <= 0)"},
};
static const config_section_t spread_section = {"spread", spread_keys,
                                                (int)(sizeof spread_keys / sizeof spread_keys[0]),
                                                sizeof(spread_config_t)};

typedef struct spread_env {
    spread_config_t c;
    int copies;
    spread_world_t *w; /* [copies] */
    uint8_t *act;      /* [copies][n] this step's moves */
    double *r, *cost;  /* [n] a world's step */
} spread_env_t;

static void *spread_create(const config_t *cfg, env_t *e)
{
    const spread_config_t *c = config_section_values(cfg, "spread");
    const int n = (int)e->n, D = 6 * n + 1;
    if (D > ENV_OBS_MAX)
        comm_check(samarl_seterr("env.name = spread with %d agents observes 6N + 1 = %d features, "
                                 "more than samarl's %d: at most %d agents",
                                 n, D, ENV_OBS_MAX, (ENV_OBS_MAX - 1) / 6));
    spread_env_t *s = XZNEW(spread_env_t, 1);
    s->c = *c;
    const int B = e->copies > 0 ? e->copies : 1;
    s->copies = e->copies;
    s->w = XZNEW(spread_world_t, (size_t)B);
    for (int j = 0; j < e->copies; j++) spread_init(&s->w[j], n, (int)c->version, c->local_ratio);
    s->act = XZNEW(uint8_t, (size_t)B * (size_t)n);
    s->r = XZNEW(double, (size_t)n);
    s->cost = XZNEW(double, (size_t)n);
    e->capacity = 0;
    e->reward_units = "1/agent/step"; /* distances in the world's units, collisions counted */
    e->usage_units = "1/agent/step";
    e->lambda_units = "1";
    e->cost_name[1] = "collisions";
    e->cost_units[1] = "1/agent/step";
    e->cost_bound[1] = c->collision_bound;
    e->spec = (env_spec_t){.obs_dim = D,
                           .action_kind = ENV_ACTION_DISCRETE,
                           .n_levels = SPREAD_ACTIONS,
                           .n_costs = 2, /* channel 1: collisions - the bound */
                           .reward_kind = ENV_REWARD_AGENT,
                           .hops = 0,
                           .split = ENV_SPLIT_COPIES};
    return s;
}

static void spread_destroy(void *impl)
{
    spread_env_t *s = impl;
    for (int j = 0; j < s->copies; j++) spread_free(&s->w[j]);
    free(s->act);
    free(s->r);
    free(s->cost);
    free(s->w);
    free(s);
}

static void spread_begin_episode(env_t *e, uint64_t run_seed, env_noise_t src, uint64_t episode)
{
    spread_env_t *s = e->impl;
    for (int j = 0; j < e->copies; j++)
        spread_reset(&s->w[j], run_seed,
                     spread_key((int)src, episode, (uint64_t)(e->copy0 + (int64_t)j)));
}

static void spread_reset_agent(env_t *e, lidx_t i)
{
    (void)e; /* the worlds start at begin_episode */
    (void)i;
}

static void spread_observe_env(const env_t *e, lidx_t i, int64_t t, const float *lambda, float *obs)
{
    const spread_env_t *s = e->impl;
    const int D = e->spec.obs_dim;
    (void)t;
    for (int j = 0; j < e->copies; j++) {
        spread_observe(&s->w[j], (int)i, obs + (size_t)j * (size_t)D);
        obs[(size_t)j * (size_t)D + (size_t)D - 1] = lambda[j];
    }
}

static void spread_step_env(env_t *e, lidx_t i, int64_t t, const uint8_t *action, float *usage,
                            float *reward, float *served, float *arrived)
{
    spread_env_t *s = e->impl;
    (void)t;
    for (int j = 0; j < e->copies; j++) {
        s->act[(size_t)j * (size_t)e->n + (size_t)i] = action[j];
        if (usage) usage[j] = 0;
        if (reward) reward[j] = 0; /* step_world gives it */
        if (served) served[j] = 0;
        if (arrived) arrived[j] = 0;
    }
}

static void spread_step_world(env_t *e, int64_t t, float *reward, double *cost)
{
    spread_env_t *s = e->impl;
    const size_t n = (size_t)e->n, B = (size_t)e->copies;
    (void)t;
    for (size_t j = 0; j < B; j++) {
        spread_step(&s->w[j], s->act + j * n, reward ? s->r : NULL, cost ? s->cost : NULL);
        for (size_t i = 0; i < n && (reward || cost); i++) {
            if (reward) reward[i * B + j] = (float)s->r[i];
            if (cost) cost[i * B + j] = s->cost[i] - s->c.collision_bound;
        }
    }
}

static uint64_t spread_fingerprint(const env_t *e)
{
    const spread_env_t *s = e->impl;
    uint64_t h = env_hash_bytes(0, "spread", 6);
    h = env_hash_bytes(h, &e->n_global, sizeof e->n_global);
    h = env_hash_bytes(h, &s->c.version, sizeof s->c.version);
    h = env_hash_bytes(h, &s->c.collision_bound, sizeof s->c.collision_bound);
    return env_hash_bytes(h, &s->c.local_ratio, sizeof s->c.local_ratio);
}

const env_ops_t env_spread_ops = {
    .name = "spread",
    .summary = "MPE simple_spread: N agents cover N landmarks without colliding, one world per "
               "copy, whole copies split across ranks (docs/environment.md)",
    .config = &spread_section,
    /* spread_key keeps a copy in 24 bits and the episode above them: at most
     * 2^24 episodes x copies keeps both in range */
    .max_episode_copies = (int64_t)1 << 24,
    .create = spread_create,
    .destroy = spread_destroy,
    .begin_episode = spread_begin_episode,
    .reset_agent = spread_reset_agent,
    .observe = spread_observe_env,
    .step = spread_step_env,
    .fingerprint = spread_fingerprint,
    .step_world = spread_step_world,
};
