/* env.name = robots: ALTERNATING-MARL's multi-robot task as its tabular
 * model (env_robots.h), the tables of the public code's marl_example.py. */
#include "samarl/env_robots.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/env.h"
#include "samarl/error.h"

static void softmax(const double *z, int n, double *p)
{
    double m = z[0], s = 0;
    for (int i = 1; i < n; i++) m = z[i] > m ? z[i] : m;
    for (int i = 0; i < n; i++) s += p[i] = exp(z[i] - m);
    for (int i = 0; i < n; i++) p[i] /= s;
}

void robots_init(robots_t *r)
{
    memset(r, 0, sizeof *r);
    r->gamma = 0.95;
    for (int sg = 0; sg < ROB_SG; sg++)
        for (int ag = 0; ag < ROB_GA; ag++) {
            double z[ROB_SG] = {0};
            z[ag] += 3.0; /* steer to zone a_g */
            z[sg] += 0.5; /* stay */
            for (int q = 0; q < ROB_SG; q++) z[q] += 0.1;
            softmax(z, ROB_SG, r->Pg[sg][ag]);
            r->rg[sg][ag] = 1.0;
        }
    for (int sl = 0; sl < ROB_SL; sl++)
        for (int sg = 0; sg < ROB_SG; sg++)
            for (int al = 0; al < ROB_AL; al++) {
                double z[ROB_SL];
                for (int q = 0; q < ROB_SL; q++) z[q] = 0.1;
                z[sl] += 3.5; /* stay bias */
                if (al == 1) z[(sl + 1) % ROB_SL] += 1.5;
                if (al == 2) z[(sl + ROB_SL - 1) % ROB_SL] += 1.5;
                z[sg] += 0.3; /* drift toward the zone */
                softmax(z, ROB_SL, r->Pl[sl][sg][al]);
                const int dd = abs(sl - sg), d = dd < ROB_SL - dd ? dd : ROB_SL - dd;
                const double base = sl == sg ? 10.0 : 2.0 / (1.0 + d);
                static const double bonus[ROB_AL] = {0.0, 0.5, -0.3};
                r->rl[sl][sg][al] = base + bonus[al];
            }
}

static void *robots_create(const config_t *cfg, env_t *e)
{
    (void)cfg;
    robots_t *r = XZNEW(robots_t, 1);
    robots_init(r);
    e->spec = (env_spec_t){.obs_dim = 2, /* a local agent's position and the zone */
                           .action_kind = ENV_ACTION_DISCRETE,
                           .n_levels = ROB_AL,
                           .n_costs = 1,
                           .reward_kind = ENV_REWARD_AGENT,
                           .split = ENV_SPLIT_AGENTS};
    e->capacity = 0;
    e->reward_units = "1 (discounted return)";
    e->usage_units = "1";
    e->lambda_units = "1";
    return r;
}

static void robots_destroy(void *impl)
{
    free(impl);
}

/* The tables and the number of agents: the same on every rank. */
static uint64_t robots_fingerprint(const env_t *e)
{
    uint64_t h = env_hash_bytes(0, "robots", 6);
    h = env_hash_bytes(h, &e->n_global, sizeof e->n_global);
    return env_hash_bytes(h, e->impl, sizeof(robots_t));
}

static const void *robots_model(const env_t *e)
{
    return e->impl;
}

const env_ops_t env_robots_ops = {
    .name = "robots",
    .summary = "ALTERNATING-MARL's multi-robot task: a dispatcher steering 5 zones, n robots on a "
               "ring of 5 positions (seed 002; train.algo = altmarl)",
    .create = robots_create,
    .destroy = robots_destroy,
    .fingerprint = robots_fingerprint,
    .model_kind = ENV_MODEL_ROBOTS,
    .model = robots_model,
    .model_what = "a global agent beside its local agents (a dispatcher that sees k of them), a "
                  "tabular model",
};
