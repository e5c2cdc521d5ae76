/* env.name = netmdp: the networked random MDP (env_netmdp.h), its tables
 * drawn on demand from Philox keyed by (netmdp.seed, table, arguments). */
#include "samarl/env_netmdp.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>

#include "samarl/comm.h"
#include "samarl/config.h"
#include "samarl/env.h"
#include "samarl/error.h"
#include "samarl/rng.h"

/* The tables, each its own counter range of RNG_STREAM_NETMDP. */
enum { T_P, T_PHI, T_R, T_VARPHI, T_PHI_V, T_NOISE };

/* Uniform j of table `tag` at entity `ent` (ent < 2^60, j < 2^36). */
static double u(uint64_t key, int tag, uint64_t ent, uint64_t j)
{
    const rng_block_t b = rng_block(key, RNG_STREAM_NETMDP, ent, ((uint64_t)tag << 36) | (j >> 1));
    return (j & 1) ? rng_u01(b.v[2], b.v[3]) : rng_u01(b.v[0], b.v[1]);
}

/* (s, a) as one entity: a's N <= 40 bits below s's 20. */
static uint64_t sa(int s, uint64_t a)
{
    return a | ((uint64_t)s << NETMDP_MAX_AGENTS);
}

void netmdp_init(netmdp_t *m, uint64_t key, int n_agents, int n_states, int n_phi, int n_varphi,
                 double reward_max, double noise)
{
    SAMARL_ASSERT(n_agents >= 1 && n_agents <= NETMDP_MAX_AGENTS && n_states >= 1 &&
                  n_states <= NETMDP_MAX_STATES && n_phi >= 1 && n_phi <= NETMDP_MAX_PHI &&
                  n_varphi >= 1 && n_varphi <= NETMDP_MAX_VARPHI);
    *m = (netmdp_t){key, n_agents, n_states, n_phi, n_varphi, reward_max, noise};
}

void netmdp_row(const netmdp_t *m, int s, uint64_t a, double *p)
{
    double tot = 0;
    for (int q = 0; q < m->n_states; q++) tot += p[q] = u(m->key, T_P, sa(s, a), (uint64_t)q);
    for (int q = 0; q < m->n_states; q++) p[q] /= tot;
}

int netmdp_next(const netmdp_t *m, int s, uint64_t a, double v)
{
    double tot = 0;
    for (int q = 0; q < m->n_states; q++) tot += u(m->key, T_P, sa(s, a), (uint64_t)q);
    double c = 0;
    const double x = v * tot;
    for (int q = 0; q < m->n_states - 1; q++) {
        c += u(m->key, T_P, sa(s, a), (uint64_t)q);
        if (x < c) return q;
    }
    return m->n_states - 1;
}

void netmdp_phi(const netmdp_t *m, int s, uint64_t a, double *phi)
{
    for (int q = 0; q < m->n_phi; q++) phi[q] = u(m->key, T_PHI, sa(s, a), (uint64_t)q);
}

void netmdp_phi_v(const netmdp_t *m, int s, double *phi)
{
    for (int q = 0; q < m->n_phi; q++) phi[q] = u(m->key, T_PHI_V, (uint64_t)s, (uint64_t)q);
}

double netmdp_reward_mean(const netmdp_t *m, int s, uint64_t a, int i)
{
    return m->reward_max * u(m->key, T_R, sa(s, a), (uint64_t)i);
}

double netmdp_reward(const netmdp_t *m, uint64_t seed, int s, uint64_t a, int i, uint64_t t)
{
    return netmdp_reward_mean(m, s, a, i) + m->noise * (2 * u(seed, T_NOISE, t, (uint64_t)i) - 1);
}

void netmdp_varphi(const netmdp_t *m, int s, int ai, int i, double *v)
{
    const uint64_t ent = ((uint64_t)s << 8) | ((uint64_t)ai << 7) | (uint64_t)i;
    for (int q = 0; q < m->n_varphi; q++) v[q] = u(m->key, T_VARPHI, ent, (uint64_t)q);
}

/* ---- env.name = netmdp ------------------------------------------------------------- */

typedef struct netmdp_config {
    int64_t seed, states, features, actor_features;
    double reward_max, noise;
} netmdp_config_t;

static const config_key_t netmdp_keys[] = {
    {"netmdp", "seed", CONFIG_INT, offsetof(netmdp_config_t, seed), "1", 0, INT64_MAX, 0, 0, NULL,
     "env.name = netmdp: the key of the random MDP's tables (transitions, features, mean "
     "rewards): one seed, one MDP; run.seed keys the trajectory"},
    {"netmdp", "states", CONFIG_INT, offsetof(netmdp_config_t, states), "20", 1, NETMDP_MAX_STATES,
     0, 0, NULL, "env.name = netmdp: global states |S| (Zhang et al. 2018: 20)"},
    {"netmdp", "features", CONFIG_INT, offsetof(netmdp_config_t, features), "10", 1, NETMDP_MAX_PHI,
     0, 0, NULL,
     "env.name = netmdp: the critics' features phi(s, a) (and phi_v(s)) per agent (the "
     "paper's experiments: 10)"},
    {"netmdp", "actor_features", CONFIG_INT, offsetof(netmdp_config_t, actor_features), "5", 1,
     NETMDP_MAX_VARPHI, 0, 0, NULL,
     "env.name = netmdp: the actors' features varphi(s, a_i) (the paper's experiments: 5)"},
    {"netmdp", "reward_max", CONFIG_REAL, offsetof(netmdp_config_t, reward_max), "4", 0, 1e6, 0, 0,
     NULL, "env.name = netmdp: agent i's mean reward R^i(s, a) ~ U[0, reward_max]"},
    {"netmdp", "noise", CONFIG_REAL, offsetof(netmdp_config_t, noise), "0.5", 0, 1e6, 0, 0, NULL,
     "env.name = netmdp: the observed reward is R^i(s, a) + U[-noise, noise]"},
};
static const config_section_t netmdp_section = {"netmdp", netmdp_keys,
                                                (int)(sizeof netmdp_keys / sizeof netmdp_keys[0]),
                                                sizeof(netmdp_config_t)};

static void *netmdp_create(const config_t *cfg, env_t *e)
{
    const netmdp_config_t *c = config_section_values(cfg, "netmdp");
    if (e->n_global > NETMDP_MAX_AGENTS)
        comm_check(samarl_seterr("env.name = netmdp: graph.agents = %" PRIdG
                                 ", expected at most %d (the joint action is one %d-bit word "
                                 "beside the state in the tables' key)",
                                 e->n_global, NETMDP_MAX_AGENTS, NETMDP_MAX_AGENTS));
    netmdp_t *m = XZNEW(netmdp_t, 1);
    netmdp_init(m, (uint64_t)c->seed, (int)e->n_global, (int)c->states, (int)c->features,
                (int)c->actor_features, c->reward_max, c->noise);
    e->spec = (env_spec_t){.obs_dim = 1, /* the global state */
                           .action_kind = ENV_ACTION_DISCRETE,
                           .n_levels = 2,
                           .n_costs = 1,
                           .reward_kind = ENV_REWARD_AGENT,
                           .split = ENV_SPLIT_AGENTS};
    e->capacity = 0;
    e->reward_units = "1 (mean reward per agent and step)";
    e->usage_units = "1";
    e->lambda_units = "1";
    return m;
}

static void netmdp_destroy(void *impl)
{
    free(impl);
}

static uint64_t netmdp_fingerprint(const env_t *e)
{
    uint64_t h = env_hash_bytes(0, "netmdp", 6);
    return env_hash_bytes(h, e->impl, sizeof(netmdp_t));
}

static const void *netmdp_model(const env_t *e)
{
    return e->impl;
}

const env_ops_t env_netmdp_ops = {
    .name = "netmdp",
    .summary = "Zhang et al. 2018's networked random MDP: N <= 40 agents with binary actions on "
               "a global state, private rewards, tables drawn on demand (seed 004; "
               "train.algo = netac-q, netac-v)",
    .config = &netmdp_section,
    .create = netmdp_create,
    .destroy = netmdp_destroy,
    .fingerprint = netmdp_fingerprint,
    .model_kind = ENV_MODEL_NETMDP,
    .model = netmdp_model,
    .model_what = "a networked random MDP (a global state, binary actions, private rewards)",
};
