/* env.name = warehouse: ALTERNATING-MARL's continuous task (env_warehouse.h),
 * the definitions of the public code's continuous_env.py. */
#include "samarl/env_warehouse.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/env.h"
#include "samarl/error.h"
#include "samarl/rng.h"

void warehouse_init(warehouse_t *w)
{
    memset(w, 0, sizeof *w);
    for (int b = 0; b <= WH_BINS; b++) w->edges[b] = -2.0 + 4.0 * b / WH_BINS;
    for (int b = 0; b < WH_GA; b++) w->target[b] = 0.5 * (w->edges[b] + w->edges[b + 1]);
    w->offset[0] = 0.0;
    w->offset[1] = 0.05;
    w->offset[2] = -0.05;
    w->steer = 0.6;
    w->sigma_g = 0.08;
    w->sigma_l = 0.04;
    w->rg_scale = 5.0;
    w->rg_sigma = 0.30;
    w->align_scale = 10.0;
    w->align_sigma = 0.20;
    w->action_cost = 5.0;
    w->main_share = 0.55;
    w->cluster_sd = 0.18;
    w->gamma = 0.95;
}

static double clip2(double x)
{
    return x < -2.0 ? -2.0 : x > 2.0 ? 2.0 : x;
}

int warehouse_bin(const warehouse_t *w, double x)
{
    for (int b = WH_BINS - 1; b > 0; b--)
        if (x >= w->edges[b]) return b;
    return 0;
}

double warehouse_rg(const warehouse_t *w, double sg, int ag)
{
    const double d = sg - w->target[ag];
    return w->rg_scale * exp(-d * d / (2 * w->rg_sigma * w->rg_sigma));
}

double warehouse_rl(const warehouse_t *w, double sl, double sg, int al)
{
    const double d = sl - sg;
    return w->align_scale * exp(-d * d / (2 * w->align_sigma * w->align_sigma)) -
           w->action_cost * fabs(w->offset[al]);
}

double warehouse_step_global(const warehouse_t *w, double sg, int ag, double z)
{
    return clip2(sg + w->steer * (w->target[ag] - sg) + w->sigma_g * z);
}

double warehouse_step_local(const warehouse_t *w, double sl, int al, double z)
{
    return clip2(sl + w->offset[al] + w->sigma_l * z);
}

/* ---- keyed draws ------------------------------------------------------------------ */

#define SHARED_BIT (1ULL << 63)
#define PERM_BIT (1ULL << 62)

double warehouse_normal_robot(uint64_t seed, uint64_t ep, gidx_t gid, int64_t t, int purpose)
{
    double z[2];
    rng_normal2(seed, RNG_STREAM_WAREHOUSE, (ep << 32) | (uint64_t)gid,
                (uint64_t)t * 4 + (uint64_t)purpose, z);
    return z[0];
}

double warehouse_uniform_robot(uint64_t seed, uint64_t ep, gidx_t gid, int64_t t, int purpose)
{
    return rng_uniform(seed, RNG_STREAM_WAREHOUSE, (ep << 32) | (uint64_t)gid,
                       (uint64_t)t * 4 + (uint64_t)purpose);
}

double warehouse_normal_shared(uint64_t seed, uint64_t ep, int64_t t, int purpose)
{
    double z[2];
    rng_normal2(seed, RNG_STREAM_WAREHOUSE, SHARED_BIT | ep, (uint64_t)t * 8 + (uint64_t)purpose,
                z);
    return z[0];
}

double warehouse_uniform_shared(uint64_t seed, uint64_t ep, int64_t t, int purpose)
{
    return rng_uniform(seed, RNG_STREAM_WAREHOUSE, SHARED_BIT | ep,
                       (uint64_t)t * 8 + (uint64_t)purpose);
}

gidx_t warehouse_perm(uint64_t seed, uint64_t ep, gidx_t n, gidx_t g)
{
    int half = 1;
    while ((1LL << (2 * half)) < n) half++;
    const uint64_t mask = (1ULL << half) - 1;
    uint64_t x = (uint64_t)g;
    do { /* cycle walking: apply the bijection of [0, 4^half) until inside [0, n) */
        uint64_t L = x >> half, R = x & mask;
        for (int r = 0; r < 4; r++) {
            const rng_block_t b =
                rng_block(seed, RNG_STREAM_WAREHOUSE, PERM_BIT | ep, ((uint64_t)r << 40) | R);
            const uint64_t f = (((uint64_t)b.v[1] << 32) | b.v[0]) & mask;
            const uint64_t t = L ^ f;
            L = R;
            R = t;
        }
        x = (L << half) | R;
    } while (x >= (uint64_t)n);
    return (gidx_t)x;
}

void warehouse_start(const warehouse_t *w, uint64_t seed, uint64_t ep, gidx_t n,
                     warehouse_start_t *st)
{
    st->sg = -1.0 + 2.0 * warehouse_uniform_shared(seed, ep, 0, 0);
    st->main = (int)rng_pick(warehouse_uniform_shared(seed, ep, 0, 1), WH_GA);
    const int s = (int)rng_pick(warehouse_uniform_shared(seed, ep, 0, 2), WH_GA - 1);
    st->second = s < st->main ? s : s + 1;
    st->n = n;
    st->n_main = (gidx_t)floor(w->main_share * (double)n);
}

double warehouse_start_robot(const warehouse_t *w, uint64_t seed, uint64_t ep,
                             const warehouse_start_t *st, gidx_t gid)
{
    const int c = warehouse_perm(seed, ep, st->n, gid) < st->n_main ? st->main : st->second;
    return clip2(w->target[c] + w->cluster_sd * warehouse_normal_robot(seed, ep, gid, 0, 3));
}

/* ---- the environment ---------------------------------------------------------------- */

static void *warehouse_create(const config_t *cfg, env_t *e)
{
    (void)cfg;
    warehouse_t *w = XZNEW(warehouse_t, 1);
    warehouse_init(w);
    e->spec = (env_spec_t){.obs_dim = 2, /* a robot's position and the dispatcher's */
                           .action_kind = ENV_ACTION_DISCRETE,
                           .n_levels = WH_AL,
                           .n_costs = 1,
                           .reward_kind = ENV_REWARD_AGENT,
                           .split = ENV_SPLIT_AGENTS};
    e->capacity = 0;
    e->reward_units = "1 (discounted return)";
    e->usage_units = "1";
    e->lambda_units = "1";
    return w;
}

static void warehouse_destroy(void *impl)
{
    free(impl);
}

static uint64_t warehouse_fingerprint(const env_t *e)
{
    uint64_t h = env_hash_bytes(0, "warehouse", 9);
    h = env_hash_bytes(h, &e->n_global, sizeof e->n_global);
    return env_hash_bytes(h, e->impl, sizeof(warehouse_t));
}

static const void *warehouse_model(const env_t *e)
{
    return e->impl;
}

const env_ops_t env_warehouse_ops = {
    .name = "warehouse",
    .summary = "ALTERNATING-MARL's continuous task: a dispatcher on [-2, 2] seeing a histogram "
               "of k robots, n robots in two clusters (seed 002; train.algo = altmarl-fa)",
    .create = warehouse_create,
    .destroy = warehouse_destroy,
    .fingerprint = warehouse_fingerprint,
    .model_kind = ENV_MODEL_WAREHOUSE,
    .model = warehouse_model,
    .model_what = "a global agent beside its local agents (a dispatcher that sees k of them), on "
                  "continuous states",
};
