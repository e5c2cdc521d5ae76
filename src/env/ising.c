/* env.name = ising: the mean-field paper's Ising model (env_ising.h), a
 * model that its trainers (mfq, mfac, iql) simulate on the agents' graph. */
#include "samarl/env_ising.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>

#include "samarl/comm.h"
#include "samarl/config.h"
#include "samarl/env.h"
#include "samarl/error.h"
#include "samarl/partition.h"

typedef struct ising_config {
    double coupling, field;
} ising_config_t;

static const config_key_t ising_keys[] = {
    {"ising", "coupling", CONFIG_REAL, offsetof(ising_config_t, coupling), "0.5", -1e6, 1e6, 0, 0,
     NULL,
     "env.name = ising: J in agent i's reward r_i = J s_i sum_{j in N(i)} s_j + h s_i (the "
     "mean-field paper's code: 1/2)"},
    {"ising", "field", CONFIG_REAL, offsetof(ising_config_t, field), "0", -1e6, 1e6, 0, 0, NULL,
     "env.name = ising: the external field h (the code: 0)"},
};
static const config_section_t ising_section = {
    "ising", ising_keys, (int)(sizeof ising_keys / sizeof ising_keys[0]), sizeof(ising_config_t)};

static void *ising_create(const config_t *cfg, env_t *e)
{
    const ising_config_t *c = config_section_values(cfg, "ising");
    ising_t *m = XZNEW(ising_t, 1);
    m->coupling = c->coupling;
    m->field = c->field;
    e->spec = (env_spec_t){.obs_dim = 1, /* the number of up neighbours */
                           .action_kind = ENV_ACTION_DISCRETE,
                           .n_levels = 2,
                           .n_costs = 1,
                           .reward_kind = ENV_REWARD_AGENT,
                           .split = ENV_SPLIT_AGENTS};
    e->capacity = 0;
    e->reward_units = "1 (mean reward per agent and step)";
    e->usage_units = "1 (order parameter)";
    e->lambda_units = "1";
    return m;
}

/* The graph's largest degree bounds the trainers' tables: refused beyond
 * ISING_MAX_DEGREE, on every rank. */
static void ising_attach_graph(env_t *e, const lgraph_t *lg, halo_t *halo)
{
    (void)halo;
    ising_t *m = e->impl;
    int64_t dmax = 0;
    for (lidx_t i = 0; i < lg->n_owned; i++)
        if (lg->rowptr[i + 1] - lg->rowptr[i] > dmax) dmax = lg->rowptr[i + 1] - lg->rowptr[i];
    comm_allreduce_int64(&dmax, 1, COMM_MAX);
    if (dmax > ISING_MAX_DEGREE)
        comm_check(samarl_seterr("env.name = ising: an agent has %" PRId64
                                 " graph neighbours, expected at most %d (the tabular agents "
                                 "count their up neighbours; graph.type = grid2d gives 4)",
                                 dmax, ISING_MAX_DEGREE));
    m->max_degree = (int)dmax;
}

static void ising_destroy(void *impl)
{
    free(impl);
}

static uint64_t ising_fingerprint(const env_t *e)
{
    const ising_t *m = e->impl;
    uint64_t h = env_hash_bytes(0, "ising", 5);
    h = env_hash_bytes(h, &m->coupling, sizeof m->coupling);
    return env_hash_bytes(h, &m->field, sizeof m->field);
}

static const void *ising_model(const env_t *e)
{
    return e->impl;
}

const env_ops_t env_ising_ops = {
    .name = "ising",
    .summary = "the mean-field MARL paper's Ising model: a spin per agent on the graph "
               "(grid2d: the L x L torus), reward J s_i sum_j s_j, order parameter |up - "
               "down| / N (seed 004; train.algo = mfq, mfac, iql)",
    .config = &ising_section,
    .create = ising_create,
    .destroy = ising_destroy,
    .attach_graph = ising_attach_graph,
    .fingerprint = ising_fingerprint,
    .model_kind = ENV_MODEL_ISING,
    .model = ising_model,
    .model_what = "an Ising model (a spin per agent, rewards from the neighbours' spins)",
};
