/* env.name = drnet: DR-v1 households on the communication graph, each
 * with a local feeder limit (issue 20, seed 001's networked setting;
 * docs/environment.md, "DR-net").
 *
 * The dynamics, observations, rewards, tables and checkpoint fields are
 * DR-v1's (src/env/dr.c), delegated as they are. What DR-net adds:
 *   cost channel 1   c_i,t = l_i,t - F,   l_i,t = sum_{j in Nbar_i} g_j,t / A_i,
 *                    A_i = sum_{j in Nbar_i} a_j, Nbar_i = i and its graph
 *                    neighbours, F = env.feeder_ratio; the constraint is
 *                    that c_i's long-run average be at most 0
 *   team reward      the objective is the mean of the agents' rewards
 * so a step's costs read one hop of neighbours' usage (spec.hops = 1): the
 * caller exchanges g over the halo and calls env_costs. Sums over Nbar_i
 * run over i first, then its neighbours in gid order (lgraph_t's order), in
 * double: the same bits on any number of ranks. */
#include <stdlib.h>

#include "samarl/comm.h"
#include "samarl/env.h"
#include "samarl/env_dr.h"
#include "samarl/error.h"
#include "samarl/halo.h"
#include "samarl/partition.h"

typedef struct drnet {
    double F;           /* env.feeder_ratio */
    double *A;          /* [n] sum of the demand scales over Nbar_i */
    const lgraph_t *lg; /* the graph the costs read (attach_graph) */
} drnet_t;

static drnet_t *net_of(const env_t *env)
{
    return ((const dr_env_t *)env->impl)->ext;
}

static void *drnet_create(const config_t *cfg, env_t *env)
{
    dr_env_t *e = dr_create(cfg, env);
    drnet_t *x = XZNEW(drnet_t, 1);
    x->F = cfg->env.feeder_ratio;
    x->A = XZNEW(double, env->n > 0 ? env->n : 1);
    e->ext = x;
    env->spec.n_costs = 2;
    env->spec.hops = 1;
    env->spec.reward_kind = ENV_REWARD_TEAM;
    env->cost_name[1] = "feeder";
    env->cost_units[1] = "1"; /* a load ratio */
    env->cost_bound[1] = x->F;
    return e;
}

static void drnet_destroy(void *impl)
{
    dr_env_t *e = impl;
    drnet_t *x = e->ext;
    free(x->A);
    free(x);
    dr_destroy(impl);
}

/* Collective: A_i from the neighbours' demand scales (one halo exchange). */
static void drnet_attach_graph(env_t *env, const lgraph_t *lg, halo_t *halo)
{
    const dr_env_t *e = env->impl;
    drnet_t *x = net_of(env);
    x->lg = lg;
    const lidx_t n = lg->n_owned, nl = n + lg->n_ghost;
    double *a = XNEW(double, nl > 0 ? nl : 1);
    for (lidx_t i = 0; i < n; i++) a[i] = e->a[i];
    halo_exchange(halo, a, 1);
    for (lidx_t i = 0; i < n; i++) {
        double s = a[i];
        for (int64_t k = lg->rowptr[i]; k < lg->rowptr[i + 1]; k++) s += a[lg->col[k]];
        x->A[i] = s;
    }
    free(a);
}

static void drnet_costs(const env_t *env, int64_t t, const double *usage, double *cost)
{
    (void)t;
    const drnet_t *x = net_of(env);
    const lgraph_t *lg = x->lg;
    const int B = env->copies;
    for (lidx_t i = 0; i < lg->n_owned; i++)
        for (int j = 0; j < B; j++) {
            double s = usage[(size_t)i * (size_t)B + (size_t)j];
            for (int64_t k = lg->rowptr[i]; k < lg->rowptr[i + 1]; k++)
                s += usage[(size_t)lg->col[k] * (size_t)B + (size_t)j];
            cost[(size_t)i * (size_t)B + (size_t)j] = s / x->A[i] - x->F;
        }
}

/* Collective: DR-v1's fingerprint, the limit F and every agent's
 * neighbourhood (a policy trained on one graph is refused on another). */
static uint64_t drnet_fingerprint(const env_t *env)
{
    const drnet_t *x = net_of(env);
    const lgraph_t *lg = x->lg;
    uint64_t h = 0;
    for (lidx_t i = 0; i < lg->n_owned; i++) {
        uint64_t z = env_hash_gid(lg->gid[i]);
        for (int64_t k = lg->rowptr[i]; k < lg->rowptr[i + 1]; k++)
            z = env_hash_bytes(z, &lg->gid[lg->col[k]], sizeof(gidx_t));
        h += z;
    }
    h = env_hash_allsum(h);
    h = env_hash_bytes(h ^ dr_fingerprint(env), &x->F, sizeof x->F);
    return h;
}

const env_ops_t env_drnet_ops = {
    .name = "drnet",
    .summary = "DR-net: DR-v1 households on the graph, each under a local feeder limit on its "
               "neighbourhood's load (costs read one hop; team reward)",
    .create = drnet_create,
    .max_steps = DR_MAX_STEPS,
    .max_episode_copies = DR_MAX_EPISODE_COPIES,
    .check_inputs = dr_check_inputs,
    .destroy = drnet_destroy,
    .begin_episode = dr_begin_episode,
    .reset_agent = dr_reset_agent,
    .observe = dr_observe,
    .step = dr_step,
    .observe_agents = dr_observe_agents,
    .step_agents = dr_step_agents,
    .fingerprint = drnet_fingerprint,
    .table = dr_table,
    .field = dr_field,
    .pending_agents = dr_pending_agents,
    .stuck = dr_stuck,
    .price = dr_price,
    .scale = dr_scale,
    .analytic = dr_bestresponse,
    .attach_graph = drnet_attach_graph,
    .costs = drnet_costs,
};
