/* The networked random MDP of Zhang, Yang, Liu, Zhang and Basar (ICML 2018,
 * arXiv 1802.08757; seed 004, issue 23), as its experiments' code builds it
 * (docs/environment.md lists every constant and its source): N agents with
 * binary actions share a global state s in [0, |S|); the joint action a is
 * N bits (agent i's action is bit i). Every table is drawn on demand from
 * keyed random numbers, never stored (|S| 2^N rows: 2 x 10^7 at the paper's
 * N = |S| = 20):
 *   P(s' | s, a)      |S| uniforms on [0, 1) keyed by (s, a), normalised;
 *   phi(s, a)         n_phi uniforms, the critics' features;
 *   R^i(s, a)         reward_max x uniform, agent i's mean reward;
 *   varphi(s, a_i, i) n_varphi uniforms, agent i's actor features;
 *   phi_v(s)          n_phi uniforms, the state-value critics' features;
 * the reward agent i observes at step t is R^i(s, a) + noise (2u - 1), u
 * keyed by (t, i). Everything is a pure function of (key, arguments): the
 * same on every rank. env.name = netmdp is this model, trained only by its
 * trainers (train.algo = netac-q, netac-v), which simulate it themselves. */
#ifndef SAMARL_ENV_NETMDP_H
#define SAMARL_ENV_NETMDP_H

#include <stdint.h>

enum {
    NETMDP_MAX_AGENTS = 40, /* the joint action's bits beside 20 bits of state in a 64-bit key */
    NETMDP_MAX_STATES = 1 << 20,
    NETMDP_MAX_PHI = 64,
    NETMDP_MAX_VARPHI = 16
};

typedef struct netmdp {
    uint64_t key; /* the tables' key (netmdp.seed) */
    int n_agents, n_states, n_phi, n_varphi;
    double reward_max, noise;
} netmdp_t;

void netmdp_init(netmdp_t *m, uint64_t key, int n_agents, int n_states, int n_phi, int n_varphi,
                 double reward_max, double noise);
/* The next state from (s, a) for a uniform u in [0, 1). */
int netmdp_next(const netmdp_t *m, int s, uint64_t a, double u);
/* P(s' | s, a) for every s' into p[n_states] (tests and the exact average). */
void netmdp_row(const netmdp_t *m, int s, uint64_t a, double *p);
void netmdp_phi(const netmdp_t *m, int s, uint64_t a, double *phi);
void netmdp_phi_v(const netmdp_t *m, int s, double *phi);
double netmdp_reward_mean(const netmdp_t *m, int s, uint64_t a, int i);
/* Agent i's observed reward at step t (run key `seed`: the noise). */
double netmdp_reward(const netmdp_t *m, uint64_t seed, int s, uint64_t a, int i, uint64_t t);
void netmdp_varphi(const netmdp_t *m, int s, int ai, int i, double *v);

#endif
