/* train.algo = reinforce: the template trainer (docs/architecture.md walks
 * through it). Independent REINFORCE on the state-augmented reward: each
 * iteration every agent plays train.copies episodes at multipliers drawn as
 * ppo draws them, and its policy takes one Adam step along
 *   grad mean_s A_s log pi(a_s | o_s)  (+ train.entropy x the entropy),
 * with A_s the discounted return from step s, normalised per agent (the
 * mean is the baseline). No critic, no clipping, no epochs: the actors'
 * update of ppo_common.c with one epoch of one minibatch, whose ratio is 1
 * (to rounding: the update's batch need not give the collection's bits), so
 * the clip never binds and the surrogate's gradient is the policy gradient.
 * Per-agent networks learn alone; a shared one from the exact sum over every
 * agent, as ppo's. */
#include <math.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/error.h"
#include "samarl/trainer.h"

#include "ppo_common.h"

/* [reinforce]: the trainer's own keys, in its own struct. */
typedef struct reinforce_config {
    int normalize;
} reinforce_config_t;

static const config_key_t reinforce_keys[] = {
    {"reinforce", "normalize", CONFIG_BOOL, offsetof(reinforce_config_t, normalize), "true", 0, 0,
     0, 0, NULL,
     "train.algo = reinforce: normalise each agent's returns (their mean as the baseline, unit "
     "sd); false: step along the raw discounted returns"},
};
static const config_section_t reinforce_section = {
    "reinforce", reinforce_keys, (int)(sizeof reinforce_keys / sizeof reinforce_keys[0]),
    sizeof(reinforce_config_t)};

typedef struct reinforce {
    config_t cfg; /* the caller's, one epoch of one minibatch (strings shared) */
    reinforce_config_t rc;
    env_t *env;
    policyset_t *ps;
    ppo_actors_t a;
    rollouts_t rs;
} reinforce_t;

/* Bytes beside the networks: Adam's moments, the rollouts, the update's
 * buffers. */
static double reinforce_bytes(const config_t *cfg, const policyset_t *ps, const env_t *env)
{
    const double n_nets = ps->shared ? 1 : (double)env->n;
    const double n_ro = ps->shared && env->n > 0 ? (double)env->n : 1;
    const size_t S = (size_t)(cfg->train.copies * cfg->env.horizon);
    return n_nets * (double)ps->net.stride * 8 + n_ro * rollout_bytes(S, ps->net.in) +
           ppo_actors_work_bytes(cfg, &ps->net, ps->shared);
}

static void *reinforce_create(const config_t *cfg, env_t *env, policyset_t *ps)
{
    config_t one = *cfg;
    one.train.epochs = 1;
    one.train.minibatches = 1;
    double need = reinforce_bytes(&one, ps, env), node_need, avail;
    int node_ranks, rc = SAMARL_OK;
    if (!comm_memory_fits(need, &node_need, &node_ranks, &avail))
        rc = samarl_seterr("train.algo = reinforce needs about %.3g GB on this node (%d rank%s), "
                           "but MemAvailable is %.3g GB: spread the agents over more nodes, or "
                           "use fewer train.copies or a shorter env.horizon",
                           node_need / 1e9, node_ranks, node_ranks > 1 ? "s" : "", avail / 1e9);
    comm_check(rc); /* before allocating anything */
    reinforce_t *p = XZNEW(reinforce_t, 1);
    p->cfg = one;
    p->rc = *(const reinforce_config_t *)config_section_values(cfg, "reinforce");
    p->env = env;
    p->ps = ps;
    ppo_actors_init(&p->a, &p->cfg, env, ps, 0, FXSUM_NEAREST_32);
    rollouts_init(&p->rs, &p->cfg, env, ps, ps->shared && env->n > 0 ? env->n : 1);
    return p;
}

static void reinforce_destroy(void *self)
{
    reinforce_t *p = self;
    ppo_actors_free(&p->a);
    rollouts_free(&p->rs);
    free(p);
}

static void reinforce_init_fresh(void *self)
{
    reinforce_t *p = self;
    policyset_init_fresh(p->ps, p->env, &p->cfg);
    p->a.adam_step = 0;
}

/* Agent i's episodes, and its returns as advantages: without values
 * (with_value = 0 leaves them 0) and with gae_lambda = 1, GAE's sum is the
 * discounted return from each step, normalised in adv and raw in ret. */
static void collect(reinforce_t *p, lidx_t i, rollout_t *ro, int64_t it)
{
    rollouts_collect(&p->rs, i, ro, it, 1, 0);
    rollout_advantages(ro, p->rs.T, p->rs.B, p->cfg.train.gamma, 1.0);
    if (!p->rc.normalize) memcpy(ro->adv, ro->ret, sizeof(float) * (size_t)p->rs.S);
}

static void reinforce_iteration(void *self, int64_t it, trainer_stats_t *st)
{
    reinforce_t *p = self;
    env_t *e = p->env;
    const double lr = ppo_lr_at(&p->cfg, it);
    ppo_actors_begin(&p->a);
    env_begin_episode(e, p->cfg.run.seed, ENV_NOISE_TRAIN, (uint64_t)it);
    if (!p->ps->shared) {
        for (lidx_t i = 0; i < e->n; i++) {
            collect(p, i, &p->rs.ro[0], it);
            ppo_update_agent(&p->a, i, &p->rs.ro[0], NULL, it, lr);
        }
        ppo_actors_agents_done(&p->a);
    } else {
        for (lidx_t i = 0; i < e->n; i++) collect(p, i, &p->rs.ro[i], it);
        ppo_update_shared(&p->a, p->rs.ro, it, lr);
        ppo_warn_clamps(p->a.gsum.clamps, it);
        p->a.gsum.clamps = 0;
    }
    ppo_actors_stats(&p->a, &p->rs, st);
}

/* Everything --resume and --restart need beside the networks: Adam. */
static void reinforce_save(void *self, pfio_t *io)
{
    const reinforce_t *p = self;
    ppo_adam_save(io, p->a.m, p->a.v, p->a.adam_step);
}

static int reinforce_load(void *self, pfio_t *io)
{
    reinforce_t *p = self;
    return ppo_adam_load(io, p->a.m, p->a.v, &p->a.adam_step);
}

const trainer_ops_t trainer_reinforce = {
    .name = "reinforce",
    .summary = "template: independent REINFORCE, one policy-gradient step per iteration on "
               "normalised discounted returns (docs/architecture.md)",
    .config = &reinforce_section,
    .create = reinforce_create,
    .destroy = reinforce_destroy,
    .init_fresh = reinforce_init_fresh,
    .iteration = reinforce_iteration,
    .save = reinforce_save,
    .load = reinforce_load,
};
