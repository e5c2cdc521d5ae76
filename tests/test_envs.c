/* The environment interface's contract, checked on every registered
 * environment: its declarations are sane; stepping a block of agents gives
 * the bits of stepping them one by one (env_observe_agents / env_step_agents
 * against env_observe / env_step), whatever the block boundaries; its
 * per-agent tables and checkpoint fields have data; its fingerprint does not
 * depend on the rank count; and another environment's is different. An
 * environment of joint copies split across ranks (spread) keeps its own
 * contract: made with env_create_copies, all agents on every rank and a
 * block of the copies, a world step after the agents' steps, finite
 * rewards, a fingerprint independent of the rank count; one with a global
 * agent (robots, warehouse) its model. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/config.h"
#include "samarl/env.h"
#include "samarl/env_ising.h"
#include "samarl/env_robots.h"
#include "samarl/env_warehouse.h"
#include "samarl/error.h"
#include "samarl/graph.h"
#include "samarl/halo.h"
#include "samarl/partition.h"
#include "samarl/rng.h"
#include "tap.h"

enum { N_GLOBAL = 300, T = 30 };

/* The agents on a graph (a ring, each agent with 3 neighbours a side),
 * scattered over the ranks: any partition must give the same per-agent
 * bits. Environments are created on it (env_create_on_graph), as the
 * commands create them. */
static lgraph_t *my_graph(halo_t **halo)
{
    const int P = comm_size(), me = comm_rank();
    graph_t *g = NULL;
    int32_t *part = NULL;
    if (me == 0) {
        if (graph_ring(N_GLOBAL, 3, &g) != SAMARL_OK) SAMARL_FATAL("%s", samarl_errmsg());
        part = malloc(sizeof(int32_t) * N_GLOBAL);
        for (gidx_t v = 0; v < N_GLOBAL; v++) part[v] = (int32_t)((v * 7919) % N_GLOBAL % P);
    }
    lgraph_t *lg = partition_distribute(g, part);
    if (me == 0) graph_destroy(&g);
    free(part);
    *halo = halo_create(lg, HALO_P2P, 1);
    return lg;
}

static void contract(const env_ops_t *ops, uint64_t *fp)
{
    char set[64];
    snprintf(set, sizeof set, "env.name=%s", ops->name);
    char *ov[] = {set};
    config_t cfg;
    comm_check(config_parse(&cfg, NULL, NULL, ov, 1));
    halo_t *halo;
    lgraph_t *lg = my_graph(&halo);
    const gidx_t *gid = lg->gid;
    const lidx_t n = lg->n_owned;
    env_t *e[2];
    for (int k = 0; k < 2; k++) env_create_on_graph(&cfg, lg, halo, 1, &e[k]);
    const env_spec_t *sp = &e[0]->spec;
    TAP_OK(sp->obs_dim > 0 && sp->obs_dim <= ENV_OBS_MAX && sp->n_costs >= 1 &&
               (sp->action_kind != ENV_ACTION_DISCRETE ||
                (sp->n_levels >= 2 && sp->n_levels == e[0]->n_levels)) &&
               e[0]->capacity > 0 && isfinite(e[0]->capacity),
           "%s: declares %d features, %d actions, %d cost channel(s), capacity %g", ops->name,
           sp->obs_dim, sp->n_levels, sp->n_costs, e[0]->capacity);
    for (int k = 0; k < 2; k++) {
        env_begin_episode(e[k], 11, ENV_NOISE_RUN, 2);
        for (lidx_t i = 0; i < n; i++) env_reset_agent(e[k], i);
    }
    const int D = sp->obs_dim;
    float *lam = malloc(sizeof(float) * (n + 1)), *o0 = malloc(sizeof(float) * (n + 1) * D),
          *o1 = malloc(sizeof(float) * (n + 1) * D);
    float *out0 = malloc(sizeof(float) * (n + 1) * 4), *out1 = malloc(sizeof(float) * (n + 1) * 4);
    uint8_t *act = malloc((size_t)n + 1);
    const int nc = sp->n_costs - 1;
    double *usage = calloc((size_t)(n + lg->n_ghost) + 1, sizeof(double));
    double *cost = calloc((size_t)nc * (size_t)n + 1, sizeof(double));
    int same_obs = 1, same_step = 1, finite = 1;
    for (int t = 0; t < T; t++) {
        for (lidx_t i = 0; i < n; i++) {
            lam[i] = 0.05f * (float)((gid[i] + t) % 7);
            act[i] = (uint8_t)(rng_uniform(3, RNG_STREAM_TEST, (uint64_t)gid[i], (uint64_t)t) *
                               sp->n_levels);
        }
        for (lidx_t i = 0; i < n; i++) env_observe(e[0], i, t, &lam[i], o0 + (size_t)i * D);
        const lidx_t cut = n / 3; /* blocks of two sizes */
        env_observe_agents(e[1], 0, cut, t, lam, o1);
        env_observe_agents(e[1], cut, n - cut, t, lam + cut, o1 + (size_t)cut * D);
        same_obs &= memcmp(o0, o1, sizeof(float) * (size_t)n * D) == 0;
        float *g0 = out0, *r0 = out0 + n, *s0 = out0 + 2 * n, *d0 = out0 + 3 * n;
        float *g1 = out1, *r1 = out1 + n, *s1 = out1 + 2 * n, *d1 = out1 + 3 * n;
        for (lidx_t i = 0; i < n; i++)
            env_step(e[0], i, t, &act[i], &g0[i], &r0[i], &s0[i], &d0[i]);
        env_step_agents(e[1], 0, cut, t, act, g1, r1, s1, d1);
        env_step_agents(e[1], cut, n - cut, t, act + cut, g1 + cut, r1 + cut, s1 + cut, d1 + cut);
        same_step &= memcmp(out0, out1, sizeof(float) * (size_t)n * 4) == 0;
        for (lidx_t q = 0; q < 4 * n; q++) finite &= isfinite(out0[q]);
        if (nc > 0) { /* the costs read the neighbours' usage */
            for (lidx_t i = 0; i < n; i++) usage[i] = g0[i];
            halo_exchange(halo, usage, 1);
            env_costs(e[0], t, usage, cost);
            for (size_t q = 0; q < (size_t)nc * (size_t)n; q++) finite &= isfinite(cost[q]);
        }
    }
    TAP_OK(same_obs, "%s: observing a block of agents gives the bits of observing each", ops->name);
    TAP_OK(same_step,
           "%s: stepping a block of agents gives the bits of stepping each (usage, "
           "reward, served, arrived)",
           ops->name);
    TAP_OK(finite, "%s: every output of %d steps is finite (and %d cost channel(s) beyond g)",
           ops->name, T, nc);
    TAP_OK(sp->hops == 0 || sp->hops == 1, "%s: its costs read %d hop(s) of neighbours", ops->name,
           sp->hops);
    env_table_t tb;
    int tables = 0, tables_ok = 1;
    for (int k = 0; env_table(e[0], k, &tb); k++, tables++)
        tables_ok &= tb.name && tb.units && tb.description && (n == 0 || tb.data);
    env_field_t fd;
    int fields_ok = 1;
    for (int k = 0; env_field(e[0], k, &fd); k++) fields_ok &= fd.name && (n == 0 || fd.data);
    TAP_OK(tables >= 1 && tables_ok && fields_ok,
           "%s: %d per-agent table(s), named, with units and data; checkpoint fields named",
           ops->name, tables);
    *fp = env_fingerprint(e[0]);
    for (int k = 0; k < 2; k++) env_destroy(&e[k]);
    TAP_OK(e[0] == NULL && e[1] == NULL, "%s: env_destroy clears the caller's pointer", ops->name);
    free(lam), free(o0), free(o1), free(out0), free(out1), free(act), free(usage), free(cost);
    halo_destroy(&halo);
    lgraph_destroy(&lg);
    config_free(&cfg);
}

/* An environment of joint copies (env_create_copies): 3 agents, 4 copies a rank. */
static void contract_copies(const env_ops_t *ops, uint64_t *fp)
{
    enum { NA = 3 };
    char set[64];
    snprintf(set, sizeof set, "env.name=%s", ops->name);
    char *ov[] = {set};
    config_t cfg;
    comm_check(config_parse(&cfg, NULL, NULL, ov, 1));
    const int64_t C = 4 * (int64_t)comm_size();
    env_t *e = NULL;
    env_create_copies(&cfg, NA, C, &e);
    const env_spec_t *sp = &e->spec;
    const int B = e->copies, D = sp->obs_dim;
    TAP_OK(sp->split == ENV_SPLIT_COPIES && e->n == NA && B == 4 &&
               e->copy0 == 4 * (int64_t)comm_rank() && e->copies_total == C && D > 0 &&
               D <= ENV_OBS_MAX && sp->n_levels >= 2 && ops->step_world,
           "%s: every rank holds all %d agents and its block of %lld copies; %d features, %d "
           "actions",
           ops->name, NA, (long long)C, D, sp->n_levels);
    float *obs = calloc((size_t)B * (size_t)D, sizeof(float)), lam[4] = {0};
    float r0[4], rw[NA * 4];
    uint8_t act[4];
    int finite = 1;
    env_begin_episode(e, 11, ENV_NOISE_RUN, 2);
    for (int i = 0; i < NA; i++) env_reset_agent(e, i);
    for (int t = 0; t < T; t++) {
        for (int i = 0; i < NA; i++) {
            env_observe(e, i, t, lam, obs);
            for (int q = 0; q < B * D; q++) finite &= isfinite(obs[q]);
            for (int j = 0; j < B; j++)
                act[j] = (uint8_t)(rng_uniform(3, RNG_STREAM_TEST, (uint64_t)(e->copy0 + j),
                                               (uint64_t)(t * NA + i)) *
                                   sp->n_levels);
            env_step(e, i, t, act, NULL, r0, NULL, NULL);
        }
        env_step_world(e, t, rw, NULL);
        for (int q = 0; q < NA * B; q++) finite &= isfinite(rw[q]);
    }
    TAP_OK(finite, "%s: %d world steps, every observation and reward finite", ops->name, T);
    *fp = env_fingerprint(e);
    env_destroy(&e);
    free(obs);
    config_free(&cfg);
}

/* An environment with a global agent (robots): its model, made only by
 * env_create_trained on the agents' graph, stochastic tables with finite
 * rewards; refused by env_create (no per-agent steps). */
static void contract_global(const env_ops_t *ops, uint64_t *fp)
{
    char set[64];
    snprintf(set, sizeof set, "env.name=%s", ops->name);
    char *ov[] = {set};
    config_t cfg;
    comm_check(config_parse(&cfg, NULL, NULL, ov, 1));
    halo_t *halo;
    lgraph_t *lg = my_graph(&halo);
    env_t *e = NULL;
    env_create_trained(&cfg, lg, halo, 1, &e);
    if (ops->model_kind == ENV_MODEL_WAREHOUSE) { /* continuous: its constants */
        const warehouse_t *w = env_model(e, ENV_MODEL_WAREHOUSE);
        TAP_OK(w && !env_model(e, ENV_MODEL_ROBOTS) && e->n == lg->n_owned && w->edges[0] == -2.0 &&
                   w->edges[WH_BINS] == 2.0 && w->gamma > 0 && w->gamma < 1,
               "%s: a global agent's continuous model on the graph's %d agents: %d bins of [-2, "
               "2], discount %g",
               ops->name, N_GLOBAL, WH_BINS, w->gamma);
        *fp = env_fingerprint(e);
        env_destroy(&e);
        halo_destroy(&halo);
        lgraph_destroy(&lg);
        config_free(&cfg);
        return;
    }
    if (ops->model_kind == ENV_MODEL_ISING) { /* spins on the graph: its degree and reward */
        const ising_t *is = env_model(e, ENV_MODEL_ISING);
        TAP_OK(is && e->n == lg->n_owned && is->max_degree == 6 &&
                   ising_reward(is, 1, 6, 6) == 3.0 && ising_reward(is, -1, 6, 6) == -3.0 &&
                   ising_reward(is, 1, 3, 6) == 0.0,
               "%s: spins on the graph's %d agents (largest degree %d); r_i = J s_i sum_j s_j "
               "with J = 1/2",
               ops->name, N_GLOBAL, is ? is->max_degree : -1);
        *fp = env_fingerprint(e);
        env_destroy(&e);
        halo_destroy(&halo);
        lgraph_destroy(&lg);
        config_free(&cfg);
        return;
    }
    const robots_t *m = env_model(e, ENV_MODEL_ROBOTS);
    SAMARL_ASSERT(m);
    int rows = 1;
    for (int z = 0; z < ROB_SG; z++)
        for (int a = 0; a < ROB_GA; a++) {
            double s = 0;
            for (int q = 0; q < ROB_SG; q++) s += m->Pg[z][a][q];
            rows &= fabs(s - 1) < 1e-12 && isfinite(m->rg[z][a]);
        }
    for (int sl = 0; sl < ROB_SL; sl++)
        for (int z = 0; z < ROB_SG; z++)
            for (int a = 0; a < ROB_AL; a++) {
                double s = 0;
                for (int q = 0; q < ROB_SL; q++) s += m->Pl[sl][z][a][q];
                rows &= fabs(s - 1) < 1e-12 && isfinite(m->rl[sl][z][a]);
            }
    TAP_OK(e->spec.model == ENV_MODEL_ROBOTS && e->n == lg->n_owned && e->n_global == N_GLOBAL &&
               rows && m->gamma > 0 && m->gamma < 1,
           "%s: a global agent's model on the graph's %d agents; every transition row sums to 1, "
           "rewards finite, discount %g",
           ops->name, N_GLOBAL, m->gamma);
    *fp = env_fingerprint(e);
    env_destroy(&e);
    halo_destroy(&halo);
    lgraph_destroy(&lg);
    config_free(&cfg);
}

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    env_register_config(); /* the environments' own sections, as the programs do */
    TAP_OK(env_find("dr") != NULL && env_find("toy") != NULL && env_find("drnet") != NULL &&
               env_find("nope") == NULL,
           "the registry finds dr, toy and drnet, and not an unknown name");
    /* The fingerprints of a 300-agent run: printed for the .t file to
     * compare across rank counts. */
    uint64_t fps[16];
    int n_envs = 0, differ = 1;
    const env_ops_t *ops;
    for (int k = 0; (ops = env_registered(k)) && k < 16; k++) {
        if (ops->model_kind == ENV_MODEL_NETMDP) { /* at most 40 agents: tests/netac.t */
            tap_diag("%s: its own test (tests/test_netac.c)", ops->name);
            continue;
        }
        if (ops->step_world)
            contract_copies(ops, &fps[n_envs]);
        else if (ops->model_kind)
            contract_global(ops, &fps[n_envs]);
        else
            contract(ops, &fps[n_envs]);
        for (int j = 0; j < n_envs; j++) differ &= fps[j] != fps[n_envs];
        tap_diag("fingerprint %s %016llx", ops->name, (unsigned long long)fps[n_envs]);
        n_envs++;
    }
    TAP_OK(n_envs >= 3 && differ, "%d environments, with different fingerprints", n_envs);
    /* Without a graph, an environment whose costs read neighbours is
     * refused (checked by envs.t through the step API). */
    comm_finalize();
    return tap_done();
}
