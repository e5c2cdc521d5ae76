/* The Ising model of the mean-field MARL paper (Yang, Luo, Li, Zhou, Zhang
 * and Wang, ICML 2018, arXiv 1802.05438) as its public code builds it
 * (mlii/mfrl, examples/ising_model/Ising.py and main_MFQ_Ising.py; seed
 * 004, issue 24): one spin per agent on the agents' graph (graph.type =
 * grid2d, an L x L torus with 4 neighbours, as the code's cyclic lattice),
 * each agent's action the spin it takes next (0: down, 1: up, spin
 * s = 2 a - 1), all at once; agent i's reward after a step is
 *    r_i = coupling s_i sum_{j in N(i)} s_j + field s_i
 * (the code: coupling 1/2, no field), and the order parameter is
 * |N_up - N_down| / N. Agent i observes the spins of its neighbours; the
 * code's tabular agents use the number of up neighbours (0 .. degree),
 * which is the neighbours' mean action. env.name = ising is this model,
 * trained only by its trainers (train.algo = mfq, mfac, iql), which keep
 * the spins, exchange the neighbours' spins with a one-hop halo every step,
 * and learn per-agent tables. */
#ifndef SAMARL_ENV_ISING_H
#define SAMARL_ENV_ISING_H

enum { ISING_MAX_DEGREE = 16 };

typedef struct ising {
    double coupling, field;
    int max_degree; /* the graph's largest degree (every rank the same) */
} ising_t;

/* Agent i's reward with spin s_i (+-1) and up neighbours `up` of `deg`. */
static inline double ising_reward(const ising_t *m, int s_i, int up, int deg)
{
    return m->coupling * (double)s_i * (double)(2 * up - deg) + m->field * (double)s_i;
}

#endif
