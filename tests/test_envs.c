/* The environment interface's contract, checked on every registered
 * environment: its declarations are sane; stepping a block of agents gives
 * the bits of stepping them one by one (env_observe_agents / env_step_agents
 * against env_observe / env_step), whatever the block boundaries; its
 * per-agent tables and checkpoint fields have data; its fingerprint does not
 * depend on the rank count; and another environment's is different. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/config.h"
#include "samarl/env.h"
#include "samarl/rng.h"
#include "tap.h"

enum { N_GLOBAL = 300, T = 30 };

/* Block partition of N_GLOBAL agents over the ranks, as the engine's gid
 * lists are: any partition must give the same per-agent bits. */
static lidx_t my_agents(gidx_t *gid)
{
    const int P = comm_size(), r = comm_rank();
    const gidx_t lo = (gidx_t)r * N_GLOBAL / P, hi = (gidx_t)(r + 1) * N_GLOBAL / P;
    for (gidx_t g = lo; g < hi; g++) gid[g - lo] = (g * 7919) % N_GLOBAL; /* not in order */
    return (lidx_t)(hi - lo);
}

static void contract(const env_ops_t *ops, uint64_t *fp)
{
    char set[64];
    snprintf(set, sizeof set, "env.name=%s", ops->name);
    char *ov[] = {set};
    config_t cfg;
    comm_check(config_parse(&cfg, NULL, NULL, ov, 1));
    gidx_t gid[N_GLOBAL];
    const lidx_t n = my_agents(gid);
    env_t *e[2];
    for (int k = 0; k < 2; k++) env_create(&cfg, N_GLOBAL, n, gid, 1, &e[k]);
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
    }
    TAP_OK(same_obs, "%s: observing a block of agents gives the bits of observing each", ops->name);
    TAP_OK(same_step,
           "%s: stepping a block of agents gives the bits of stepping each (usage, "
           "reward, served, arrived)",
           ops->name);
    TAP_OK(finite, "%s: every output of %d steps is finite", ops->name, T);
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
    free(lam), free(o0), free(o1), free(out0), free(out1), free(act);
    config_free(&cfg);
}

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    TAP_OK(env_find("dr") != NULL && env_find("toy") != NULL && env_find("nope") == NULL,
           "the registry finds dr and toy, and not an unknown name");
    /* The fingerprints of a 300-agent run, computed once on one rank: any
     * rank count must give the same. */
    static const char *const want_names[] = {"dr", "toy"};
    uint64_t fps[8];
    int n_envs = 0;
    const env_ops_t *ops;
    for (int k = 0; (ops = env_registered(k)); k++) contract(ops, &fps[n_envs++]);
    TAP_OK(n_envs >= 2 && fps[0] != fps[1], "%d environments, with different fingerprints", n_envs);
    /* Printed for the .t file to compare across rank counts. */
    for (int k = 0; k < n_envs && k < 2; k++)
        tap_diag("fingerprint %s %016llx", want_names[k], (unsigned long long)fps[k]);
    comm_finalize();
    return tap_done();
}
