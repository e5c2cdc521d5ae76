/* PPO on a task with a known optimum: DR-v1 with a one-step horizon is a
 * contextual bandit (state: the demand d and the multiplier lambda), whose
 * best action maximises beta a ln(1 + x/a) - (price + lambda) c - kappa b'
 * and is computed here independently of the environment code. The trained
 * state-augmented policy must pick near-optimal levels at every lambda, and
 * an untrained one must not (so the test can fail). Agents are spread over
 * the ranks; per-agent training must give the same result on any count. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/config.h"
#include "samarl/env.h"
#include "samarl/env_dr.h"
#include "samarl/policy.h"
#include "samarl/trainer.h"
#include "samarl/reprosum.h"
#include "tap.h"

enum { NAGENTS = 4, COPIES = 64 };

/* Mean regret (optimal minus chosen one-step augmented reward) and the
 * share of optimal choices, over all agents, copies and lambdas. */
static void regret(policyset_t *ps, env_t *e, double *mean_regret, double *mean_opt,
                   double *hit_rate)
{
    const double lams[] = {0, 0.15, 0.3, 0.5, 0.75, 1.0};
    const int NL = 6, B = e->copies;
    double acc[3] = {0, 0, 0};
    for (int q = 0; q < NL; q++) {
        env_begin_episode(e, 99, ENV_NOISE_EVAL, (uint64_t)q);
        for (lidx_t i = 0; i < e->n; i++) {
            env_reset_agent(e, i);
            float lam[COPIES], obs[COPIES * DR_OBS];
            uint8_t act[COPIES];
            for (int j = 0; j < B; j++) lam[j] = (float)lams[q];
            env_observe(e, i, 0, lam, obs);
            policyset_act(ps, e, i, 0, obs, lam, 99, 1, 1, act, NULL, NULL);
            const double a = env_dr(e)->a[i], beta = env_dr(e)->beta[i], price = env_price(e, 0, 0);
            for (int j = 0; j < B; j++) {
                const double P = env_dr(e)->d[(size_t)i * B + j];
                double best = -INFINITY, chosen = 0;
                for (int k = 0; k < e->n_levels; k++) {
                    double c = env_dr(e)->levels[k] * a, s = c < P ? c : P, bn = P - s, x = c - s;
                    double r =
                        beta * a * log1p(x / a) - (price + lams[q]) * c - env_dr(e)->kappa * bn;
                    if (r > best) best = r;
                    if (k == act[j]) chosen = r;
                }
                acc[0] += best - chosen;
                acc[1] += fabs(best);
                acc[2] += best - chosen < 1e-9;
            }
        }
    }
    double tot[3];
    for (int k = 0; k < 3; k++) tot[k] = reprosum_global(&acc[k], 1);
    const double n = (double)NAGENTS * B * NL;
    *mean_regret = tot[0] / n;
    *mean_opt = tot[1] / n;
    *hit_rate = tot[2] / n;
}

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    const int P = comm_size(), me = comm_rank();
    config_t cfg;
    char *sets[] = {"env.horizon=1",        "train.copies=64",    "train.minibatches=4",
                    "train.iterations=300", "train.lambda_max=1", "train.entropy=0.003",
                    "graph.agents=4"};
    TAP_OK(config_parse(&cfg, NULL, NULL, sets, 7) == SAMARL_OK, "config");

    /* Agents gid = me, me + P, ... */
    gidx_t gid[NAGENTS];
    lidx_t n = 0;
    for (gidx_t g = me; g < NAGENTS; g += P) gid[n++] = g;
    env_t *e, *ev;
    env_create(&cfg, NAGENTS, n, gid, COPIES, &e);
    env_create(&cfg, NAGENTS, n, gid, COPIES, &ev);
    policyset_t ps;
    policyset_init(&ps, &cfg, &e->spec, n, COPIES);
    trainer_t *ppo = trainer_create("ppo", &cfg, e, &ps);
    trainer_init_fresh(ppo);

    double r0, opt, hit0;
    regret(&ps, ev, &r0, &opt, &hit0);
    tap_diag("untrained: regret %.4f $ per step (%.1f%% of |optimum|), optimal %.1f%%", r0,
             100 * r0 / opt, 100 * hit0);

    trainer_stats_t st;
    double first = 0;
    for (int64_t it = 0; it < cfg.train.iterations; it++) {
        trainer_iteration(ppo, it, &st);
        if (it == 0) first = st.aug_reward;
    }
    double r1, hit1;
    regret(&ps, ev, &r1, &opt, &hit1);
    tap_diag("trained:   regret %.4f $ per step (%.2f%% of |optimum|), optimal %.1f%%, "
             "reward %.4f -> %.4f",
             r1, 100 * r1 / opt, 100 * hit1, first, st.aug_reward);
    TAP_OK(r0 > 0.05 * opt, "an untrained policy is far from the optimum (regret %.1f%%)",
           100 * r0 / opt);
    /* The optimum is near 0 $ (utility pays for the energy), so the regret
     * is judged against what a policy that knows nothing loses. */
    TAP_OK(r1 < 0.02 * r0, "the trained policy loses < 2%% of the untrained regret (%.2f%%)",
           100 * r1 / r0);
    TAP_OK(hit1 > 0.8, "it picks the optimal level in %.1f%% of states (> 80%%)", 100 * hit1);
    TAP_OK(st.aug_reward > first, "training reward improved (%.4f -> %.4f)", first, st.aug_reward);

    /* Rank-count independence: a checksum of agent gid 0's weights. */
    double cs = 0;
    if (n > 0 && gid[0] == 0) {
        const float *w = policyset_params(&ps, 0);
        for (size_t k = 0; k < ps.net.n_params; k++) cs += (double)w[k] * (double)(k % 7 + 1);
    }
    comm_allreduce_double(&cs, 1, COMM_SUM);
    tap_diag("checksum of agent 0's weights on %d rank(s): %.17g", P, cs);

    trainer_destroy(&ppo);
    policyset_free(&ps);
    env_destroy(&e);
    env_destroy(&ev);
    config_free(&cfg);
    int rc = tap_done();
    comm_finalize();
    return rc;
}
