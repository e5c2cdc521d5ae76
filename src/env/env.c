/* The environment registry and the dispatch of env.h's operations to the
 * implementation env.name names. A new environment is one file in this
 * folder and one line in `registry`. */
#include "samarl/env.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/error.h"
#include "samarl/partition.h"

extern const env_ops_t env_dr_ops, env_drnet_ops, env_toy_ops, env_spread_ops, env_robots_ops,
    env_warehouse_ops, env_netmdp_ops, env_ising_ops;

static const env_ops_t *const registry[] = {
    &env_dr_ops,     &env_toy_ops,       &env_drnet_ops,  &env_spread_ops,
    &env_robots_ops, &env_warehouse_ops, &env_netmdp_ops, &env_ising_ops,
};
enum { N_ENVS = (int)(sizeof registry / sizeof registry[0]) };

void env_register_config(void)
{
    static int done;
    if (done) return;
    done = 1;
    for (int k = 0; k < N_ENVS; k++)
        if (registry[k]->config) config_register_section(registry[k]->config);
}

const env_ops_t *env_registered(int k)
{
    return k >= 0 && k < N_ENVS ? registry[k] : NULL;
}

const env_ops_t *env_find(const char *name)
{
    for (int k = 0; k < N_ENVS; k++)
        if (strcmp(registry[k]->name, name) == 0) return registry[k];
    return NULL;
}

int env_check_name(const char *name)
{
    if (env_find(name)) return SAMARL_OK;
    const char *names[N_ENVS];
    for (int k = 0; k < N_ENVS; k++) names[k] = registry[k]->name;
    return samarl_seterr_unknown("env.name", name, "an environment", names, N_ENVS);
}

int env_check_inputs(const config_t *cfg, gidx_t n_global)
{
    const env_ops_t *ops = env_find(cfg->env.name);
    SAMARL_ASSERT(ops);
    return ops->check_inputs ? ops->check_inputs(cfg, n_global) : SAMARL_OK;
}

int env_check_graphless(const config_t *cfg, const char *who)
{
    const env_ops_t *ops = env_find(cfg->env.name);
    SAMARL_ASSERT(ops);
    if (ops->attach_graph)
        return samarl_seterr("env.name = %s reads its graph neighbours, and %s steps agents "
                             "without a graph: run it with samarl run",
                             ops->name, who);
    if (ops->step_world)
        return samarl_seterr("env.name = %s moves whole worlds of agents at once (its copies "
                             "split across ranks), and %s steps agents one by one",
                             ops->name, who);
    return SAMARL_OK;
}

int env_check_steps(const config_t *cfg, int64_t steps, const char *what)
{
    const env_ops_t *ops = env_find(cfg->env.name);
    SAMARL_ASSERT(ops);
    if (ops->max_steps > 0 && steps > ops->max_steps)
        return samarl_seterr("%s asks for an episode of %" PRId64 " steps; env.name = %s numbers "
                             "at most %" PRId64 " steps in an episode (expected %s <= %" PRId64 ")",
                             what, steps, ops->name, ops->max_steps, what, ops->max_steps);
    return SAMARL_OK;
}

int env_check_episodes(const config_t *cfg, int64_t episodes, int64_t copies, const char *what)
{
    const env_ops_t *ops = env_find(cfg->env.name);
    SAMARL_ASSERT(ops && copies >= 1);
    if (ops->max_episode_copies > 0 && episodes > ops->max_episode_copies / copies)
        return samarl_seterr("%s = %" PRId64 " x %" PRId64 " episode copies; env.name = %s numbers "
                             "at most %" PRId64 " (its noise keys hold them in %d bits): lower "
                             "train.iterations or train.copies",
                             what, episodes, copies, ops->name, ops->max_episode_copies,
                             (int)log2((double)ops->max_episode_copies + 1.0));
    return SAMARL_OK;
}

/* Collective. env_create with an optional graph. */
static void env_make(const config_t *cfg, gidx_t n_global, lidx_t n, const gidx_t *gid, int copies,
                     const lgraph_t *lg, halo_t *halo, gidx_t *gid_owned, int64_t copy0,
                     int64_t copies_total, int trained, env_t **out)
{
    comm_check(env_check_name(cfg->env.name));
    const env_ops_t *ops = env_find(cfg->env.name);
    env_t *e = XZNEW(env_t, 1);
    e->ops = ops;
    e->n = n;
    e->copies = copies;
    e->n_global = n_global;
    e->gid = gid;
    e->gid_owned = gid_owned;
    e->copy0 = copy0;
    e->copies_total = copies_total;
    e->impl = ops->create(cfg, e);
    e->spec.model = ops->model_kind;
    if (!e->reward_units) e->reward_units = "$/agent/step";
    if (!e->usage_units) e->usage_units = "kWh/agent/step";
    if (!e->lambda_units) e->lambda_units = "$/kWh";
    const env_spec_t *sp = &e->spec;
    SAMARL_ASSERT(sp->obs_dim > 0 && sp->obs_dim <= ENV_OBS_MAX);
    SAMARL_ASSERT(sp->action_kind != ENV_ACTION_DISCRETE ||
                  (sp->n_levels > 0 && sp->n_levels <= ENV_MAX_LEVELS));
    SAMARL_ASSERT(sp->n_costs >= 1 && sp->n_costs <= ENV_COSTS_MAX);
    SAMARL_ASSERT(sp->n_costs == 1 || ops->costs || sp->split == ENV_SPLIT_COPIES);
    SAMARL_ASSERT(sp->n_costs <= 2 || sp->split != ENV_SPLIT_COPIES); /* step_world gives one */
    SAMARL_ASSERT(sp->hops == 0 || ops->attach_graph);
    SAMARL_ASSERT(sp->model >= ENV_MODEL_NONE && sp->model < ENV_MODEL_COUNT);
    SAMARL_ASSERT(!sp->model || (ops->model && ops->model_what));
    SAMARL_ASSERT(sp->model || (ops->begin_episode && ops->step && ops->observe));
    for (int c = 1; c < sp->n_costs; c++) SAMARL_ASSERT(e->cost_name[c]);
    /* What the interface can declare but the engine does not run yet is
     * refused, not run as if it were discrete or split by agents. */
    const int by_copies = gid_owned != NULL; /* env_create_copies */
    SAMARL_ASSERT(sp->split != ENV_SPLIT_COPIES || ops->step_world);
    const char *unsupported = sp->action_kind != ENV_ACTION_DISCRETE ? "continuous actions"
                              : sp->hops > 1 ? "costs that read more than one hop of neighbours"
                                             : NULL;
    if (sp->split == ENV_SPLIT_COPIES && !by_copies)
        comm_check(samarl_seterr("env.name = %s splits whole joint copies of its world across "
                                 "ranks: samarl train trains it (the sequential trainers, whose "
                                 "training curve evaluates it), but samarl eval and samarl run "
                                 "do not run it yet",
                                 ops->name));
    if (sp->model && !trained)
        comm_check(samarl_seterr("env.name = %s is %s, a model its trainers simulate "
                                 "themselves: samarl train trains it (samarl list names its "
                                 "trainers), but samarl eval, samarl run and the step API do "
                                 "not step its agents",
                                 ops->name, ops->model_what));
    if (unsupported)
        comm_check(samarl_seterr("env.name = %s declares %s, which this version of samarl's "
                                 "policies, trainers and run loop do not support yet",
                                 ops->name, unsupported));
    if (sp->hops > 0 && !lg)
        comm_check(samarl_seterr("env.name = %s reads its graph neighbours' usage (hops = %d), "
                                 "and this caller gives it no graph: samarl run, samarl train "
                                 "and samarl eval do",
                                 ops->name, sp->hops));
    e->n_levels = e->spec.n_levels;
    e->spec.analytic = ops->analytic != NULL;
    if (lg) {
        e->lg = lg;
        if (ops->attach_graph) ops->attach_graph(e, lg, halo);
    }
    *out = e;
}

void env_create(const config_t *cfg, gidx_t n_global, lidx_t n, const gidx_t *gid, int copies,
                env_t **out)
{
    env_make(cfg, n_global, n, gid, copies, NULL, NULL, NULL, 0, copies, 0, out);
}

void env_create_on_graph(const config_t *cfg, const lgraph_t *lg, halo_t *halo, int copies,
                         env_t **out)
{
    SAMARL_ASSERT(lg && halo);
    env_make(cfg, lg->n_global, lg->n_owned, lg->gid, copies, lg, halo, NULL, 0, copies, 0, out);
}

void env_create_copies(const config_t *cfg, gidx_t n_agents, int64_t copies_total, env_t **out)
{
    const int64_t P = comm_size(), r = comm_rank();
    comm_check(env_check_name(cfg->env.name));
    if (copies_total < P)
        comm_check(samarl_seterr("env.name = %s splits its %" PRId64 " joint copies across the "
                                 "%" PRId64 " ranks, at least one each: ask for at least %" PRId64
                                 " copies, or run on fewer ranks",
                                 cfg->env.name, copies_total, P, P));
    const int64_t c0 = r * copies_total / P, c1 = (r + 1) * copies_total / P;
    gidx_t *gid = XNEW(gidx_t, (size_t)n_agents);
    for (gidx_t g = 0; g < n_agents; g++) gid[g] = g;
    env_t *e = NULL;
    env_make(cfg, n_agents, (lidx_t)n_agents, gid, (int)(c1 - c0), NULL, NULL, gid, c0,
             copies_total, 1, &e);
    if (e->spec.split != ENV_SPLIT_COPIES)
        comm_check(samarl_seterr("env.name = %s splits its agents across ranks, not its copies: "
                                 "create it on the agents' graph",
                                 cfg->env.name));
    *out = e;
}

int env_splits_copies(const config_t *cfg)
{
    const env_ops_t *ops = env_find(cfg->env.name);
    return ops && ops->step_world != NULL;
}

const void *env_model(const env_t *e, env_model_t kind)
{
    return kind != ENV_MODEL_NONE && e->spec.model == (int)kind ? e->ops->model(e) : NULL;
}

void env_create_trained(const config_t *cfg, const lgraph_t *lg, halo_t *halo, int copies,
                        env_t **out)
{
    if (!env_splits_copies(cfg)) {
        env_make(cfg, lg->n_global, lg->n_owned, lg->gid, copies, lg, halo, NULL, 0, copies, 1,
                 out);
        return;
    }
    env_t *w = NULL;
    env_create_copies(cfg, lg->n_global, copies, &w);
    env_t *v = XZNEW(env_t, 1);
    *v = *w; /* its declarations, operations and state (fingerprint, tables) */
    v->n = lg->n_owned;
    v->gid = lg->gid;
    v->lg = lg;
    v->copies = copies;
    v->copy0 = 0;
    v->copies_total = copies;
    v->gid_owned = NULL;
    v->world = w;
    *out = v;
}

void env_step_world(env_t *e, int64_t t, float *reward, double *cost)
{
    SAMARL_ASSERT(e->ops->step_world);
    e->ops->step_world(e, t, reward, cost);
}

void env_costs(const env_t *e, int64_t t, const double *usage, double *cost)
{
    SAMARL_ASSERT(e->ops->costs);
    e->ops->costs(e, t, usage, cost);
}

void env_destroy(env_t **ep)
{
    env_t *e = *ep;
    if (!e) return;
    if (e->world) { /* a view: the world holds the state */
        env_destroy(&e->world);
        free(e);
        *ep = NULL;
        return;
    }
    e->ops->destroy(e->impl);
    free(e->gid_owned);
    free(e);
    *ep = NULL;
}

void env_begin_episode(env_t *e, uint64_t run_seed, env_noise_t src, uint64_t episode)
{
    SAMARL_ASSERT(!e->world); /* a view of a world runs nothing: step e->world */
    e->episode = episode;
    e->ops->begin_episode(e, run_seed, src, episode);
}

void env_reset_agent(env_t *e, lidx_t i)
{
    SAMARL_ASSERT(!e->world);
    e->ops->reset_agent(e, i);
}

void env_observe(const env_t *e, lidx_t i, int64_t t, const float *lambda, float *obs)
{
    e->ops->observe(e, i, t, lambda, obs);
}

void env_step(env_t *e, lidx_t i, int64_t t, const uint8_t *action, float *usage, float *reward,
              float *served, float *arrived)
{
    e->ops->step(e, i, t, action, usage, reward, served, arrived);
}

void env_observe_agents(const env_t *e, lidx_t i0, int m, int64_t t, const float *lambda,
                        float *obs)
{
    e->ops->observe_agents(e, i0, m, t, lambda, obs);
}

void env_step_agents(env_t *e, lidx_t i0, int m, int64_t t, const uint8_t *action, float *usage,
                     float *reward, float *served, float *arrived)
{
    e->ops->step_agents(e, i0, m, t, action, usage, reward, served, arrived);
}

uint64_t env_fingerprint(const env_t *e)
{
    return e->ops->fingerprint(e);
}

int env_table(const env_t *e, int k, env_table_t *out)
{
    return e->ops->table ? e->ops->table(e, k, out) : 0;
}

int env_field(env_t *e, int k, env_field_t *out)
{
    return e->ops->field ? e->ops->field(e, k, out) : 0;
}

void env_pending_agents(const env_t *e, lidx_t i0, int m, float *out)
{
    if (e->ops->pending_agents)
        e->ops->pending_agents(e, i0, m, out);
    else
        memset(out, 0, sizeof(float) * (size_t)(m > 0 ? m : 0));
}

int env_stuck(const env_t *e, lidx_t i)
{
    return e->ops->stuck ? e->ops->stuck(e, i) : 0;
}

float env_price(const env_t *e, int j, int64_t t)
{
    return e->ops->price ? e->ops->price(e, j, t) : 0.0f;
}

float env_scale(const env_t *e, lidx_t i)
{
    return e->ops->scale ? e->ops->scale(e, i) : 1.0f;
}

void env_analytic_act(const env_t *e, lidx_t i, int64_t t, const float *lambda, double tau,
                      double defer_hours, const double *u, uint8_t *action)
{
    SAMARL_ASSERT(e->ops->analytic);
    e->ops->analytic(e, i, t, lambda, tau, defer_hours, u, action);
}

/* ---- fingerprints --------------------------------------------------------------- */

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t env_hash_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t k = 0; k < n; k++) h = mix64(h ^ c[k]) + k;
    return h;
}

uint64_t env_hash_gid(gidx_t gid)
{
    return mix64((uint64_t)gid * 0x9E3779B97F4A7C15ULL);
}

uint64_t env_hash_allsum(uint64_t h)
{
    /* Summed as 32-bit halves: exact in int64 for any number of ranks. */
    int64_t p[2] = {(int64_t)(h & 0xffffffffu), (int64_t)(h >> 32)};
    comm_allreduce_int64(p, 2, COMM_SUM);
    return ((uint64_t)p[1] << 32) + (uint64_t)p[0];
}
