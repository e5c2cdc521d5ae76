/* Evaluation at a fixed multiplier (see evaluate.h). */
#include "samarl/evaluate.h"

#include <stdlib.h>

#include "samarl/error.h"
#include "samarl/reprosum.h"

enum { SOURCE_EVAL = 1 };

void evaluate(policyset_t *ps, env_t *e, uint64_t seed, double lambda, int64_t steps, int greedy,
              uint64_t episode, eval_result_t *out)
{
    const int B = e->copies;
    float *lam = XNEW(float, B), *obs = XNEW(float, (size_t)B *(size_t)e->spec.obs_dim);
    float *g = XNEW(float, B), *r = XNEW(float, B), *s = XNEW(float, B), *d = XNEW(float, B);
    uint8_t *act = XNEW(uint8_t, B);
    const lidx_t n = e->n > 0 ? e->n : 1;
    double *sums = XZNEW(double, 4 * (size_t)n); /* usage, served, arrived, reward per agent */
    for (int j = 0; j < B; j++) lam[j] = (float)lambda;
    env_begin_episode(e, seed, ENV_NOISE_EVAL, episode);
    for (lidx_t i = 0; i < e->n; i++) {
        double su = 0, ss = 0, sd = 0, sr = 0;
        env_reset_agent(e, i);
        for (int64_t t = 0; t < steps; t++) {
            env_observe(e, i, t, lam, obs);
            policyset_act(ps, e, i, t, obs, lam, seed, SOURCE_EVAL, greedy, act, NULL, NULL);
            env_step(e, i, t, act, g, r, s, d);
            for (int j = 0; j < B; j++) {
                su += g[j];
                ss += s[j];
                sd += d[j];
                sr += r[j];
            }
        }
        sums[i] = su;
        sums[n + i] = ss;
        sums[2 * (size_t)n + i] = sd;
        sums[3 * (size_t)n + i] = sr;
    }
    double tot[4];
    for (int k = 0; k < 4; k++) tot[k] = reprosum_global(sums + (size_t)k * n, (size_t)e->n);
    const double per = (double)e->n_global * (double)B * (double)steps;
    out->usage = tot[0] / per;
    out->served = tot[2] > 0 ? tot[1] / tot[2] : 1.0;
    out->reward = tot[3] / per;
    out->ret = out->reward - lambda * out->usage;
    free(lam);
    free(obs);
    free(g);
    free(r);
    free(s);
    free(d);
    free(act);
    free(sums);
}
