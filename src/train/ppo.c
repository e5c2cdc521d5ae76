/* train.algo = ppo: state-augmented PPO (DESIGN.md §4). GAE, clipped
 * surrogate, entropy bonus, minibatches and epochs, Adam. The multiplier is an input: it is drawn
 * per parallel copy as lambda_max u^k (u ~ U[0, 1], k = lambda_power), held for lambda_resample
 * steps, and the reward is r - lambda g.
 *
 * policy.sharing = agent: each agent's network learns from its own copies
 * only, agent after agent, with no communication. shared: one network; each
 * minibatch gradient is the exact sum over all agents (fixed-point, 2^-32
 * resolution, summed as integers), so the trained weights are the same on
 * any number of ranks. Every random draw is keyed by (run.seed, gid, ...). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/error.h"
#include "samarl/policyfile.h"
#include "samarl/timer.h"
#include "samarl/trainer.h"

#include "ppo_common.h"

typedef struct ppo {
    const config_t *cfg;
    env_t *env;
    policyset_t *ps;
    ppo_actors_t a;
    /* Per-agent networks reuse one rollout, agent after agent; a shared
     * network keeps every agent's for its minibatches. */
    rollouts_t rs;
} ppo_t;

/* ---- sizes and the memory guard ------------------------------------------------ */

/* Bytes training adds on a rank of n_local agents (of n_global) beside its
 * networks: Adam's moments (per network), the rollouts of train.copies x
 * env.horizon samples (a shared network keeps one per agent; per-agent
 * networks reuse one, agent after agent), the minibatch buffers, and the
 * policy file's write buffers for per-agent tables. */
static double ppo_bytes(const config_t *cfg, const mlp_t *net, int64_t n_local, int64_t n_global,
                        int shared)
{
    const double n_nets = shared ? 1 : (double)n_local;
    const double n_rollouts = shared && n_local > 0 ? (double)n_local : 1;
    const size_t S = (size_t)(cfg->train.copies * cfg->env.horizon);
    double b = n_nets * (double)net->stride * 2 * 4; /* Adam moments */
    b += n_rollouts * rollout_bytes(S, net->in);     /* rollouts */
    b += ppo_actors_work_bytes(cfg, net, shared);    /* minibatch, gradient */
    b += (double)cfg->train.copies * (net->in + 3) * 4;
    b += n_rollouts * 5 * 8; /* per-agent statistics */
    if (!shared) b += policyfile_move_bytes(n_local, n_global, (int)net->stride); /* the file */
    return b;
}

/* Collective. Refuse before allocating when the buffers would not fit. */
static void memory_guard(const config_t *cfg, const policyset_t *ps, const env_t *env)
{
    const double need = ppo_bytes(cfg, &ps->net, env->n, env->n_global, ps->shared);
    double node_need, avail;
    int node_ranks, rc = SAMARL_OK;
    if (!comm_memory_fits(need, &node_need, &node_ranks, &avail)) {
        const size_t S = (size_t)(cfg->train.copies * cfg->env.horizon);
        char what[256];
        if (ps->shared)
            snprintf(what, sizeof what,
                     "growing with the agents: every agent's rollout, kept for the shared "
                     "network's minibatches, %d agents x %zu samples x %.0f bytes",
                     env->n, S, floor(rollout_bytes(S, ps->net.in) / (double)S));
        else
            snprintf(what, sizeof what,
                     "growing with the agents: Adam's two moments per parameter, %d networks x "
                     "%zu parameters x 8 bytes",
                     env->n, ps->net.stride);
        rc = samarl_seterr(
            "train.algo = ppo with policy.sharing = %s needs about %.3g GB more memory on this "
            "node (%d rank%s, %.3g GB on this one; %s), but MemAvailable is %.3g GB: spread the "
            "agents over more nodes%s",
            ps->shared ? "shared" : "agent", node_need / 1e9, node_ranks, node_ranks > 1 ? "s" : "",
            need / 1e9, what, avail / 1e9,
            ps->shared ? ", or use fewer train.copies or a shorter env.horizon" : "");
    }
    comm_check(rc);
}

/* ---- the trainer ----------------------------------------------------------------- */

static void *ppo_create(const config_t *cfg, env_t *env, policyset_t *ps)
{
    memory_guard(cfg, ps, env);
    ppo_t *p = XZNEW(ppo_t, 1);
    p->cfg = cfg;
    p->env = env;
    p->ps = ps;
    ppo_actors_init(&p->a, cfg, env, ps, 1, FXSUM_NEAREST_32);
    rollouts_init(&p->rs, cfg, env, ps, ps->shared && env->n > 0 ? env->n : 1);
    return p;
}

static void ppo_destroy(void *self)
{
    ppo_t *p = self;
    ppo_actors_free(&p->a);
    rollouts_free(&p->rs);
    free(p);
}

static void ppo_init_fresh(void *self)
{
    ppo_t *p = self;
    policyset_init_fresh(p->ps, p->env, p->cfg);
    p->a.adam_step = 0;
    memset(p->a.vn, 0, sizeof(float) * 3 * (size_t)p->ps->n_nets);
}

/* Agent i's rollout at lambdas drawn per copy, and its advantages (the
 * value head's outputs made returns by network k's PopArt moments). */
static void collect(ppo_t *p, lidx_t i, lidx_t k, rollout_t *ro, int64_t it)
{
    rollouts_collect(&p->rs, i, ro, it, 1, 1);
    ppo_values_denormalise(&p->a, k, ro);
    rollout_advantages(ro, p->rs.T, p->rs.B, p->cfg->train.gamma, p->cfg->train.gae_lambda);
}

static void ppo_iteration(void *self, int64_t it, trainer_stats_t *st)
{
    ppo_t *p = self;
    env_t *e = p->env;
    const double lr = ppo_lr_at(p->cfg, it);
    ppo_actors_begin(&p->a);
    env_begin_episode(e, p->cfg->run.seed, ENV_NOISE_TRAIN, (uint64_t)it);
    if (!p->ps->shared) {
        /* Agent after agent: collect, then all epochs; its weights stay hot
         * in cache and nothing is exchanged. */
        for (lidx_t i = 0; i < e->n; i++) {
            timer_start(TIMER_COLLECT);
            collect(p, i, i, &p->rs.ro[0], it);
            timer_stop(TIMER_COLLECT);
            timer_start(TIMER_UPDATE);
            ppo_value_norm_agent(&p->a, i, &p->rs.ro[0]);
            ppo_update_agent(&p->a, i, &p->rs.ro[0], NULL, it, lr);
            timer_stop(TIMER_UPDATE);
        }
        ppo_actors_agents_done(&p->a);
    } else {
        timer_start(TIMER_COLLECT);
        for (lidx_t i = 0; i < e->n; i++) collect(p, i, 0, &p->rs.ro[i], it);
        timer_stop(TIMER_COLLECT);
        timer_start(TIMER_UPDATE);
        ppo_value_norm_shared(&p->a, p->rs.ro);
        ppo_update_shared(&p->a, p->rs.ro, it, lr);
        timer_stop(TIMER_UPDATE);
        ppo_warn_clamps(p->a.gsum.clamps, it);
        p->a.gsum.clamps = 0;
    }
    ppo_actors_stats(&p->a, &p->rs, st);
}

/* ---- the trainer's state in the policy file, and its reports -------------------- */

static void ppo_save(void *self, pfio_t *io)
{
    const ppo_t *p = self;
    ppo_adam_save(io, p->a.m, p->a.v, p->a.adam_step);
    ppo_value_norm_save(&p->a, io);
}

static int ppo_load(void *self, pfio_t *io)
{
    ppo_t *p = self;
    if (ppo_adam_load(io, p->a.m, p->a.v, &p->a.adam_step)) return SAMARL_ERR;
    return ppo_value_norm_load(&p->a, io);
}

static double rank_bytes(const ppo_t *p)
{
    return ppo_bytes(p->cfg, &p->ps->net, p->env->n, p->env->n_global, p->ps->shared);
}

static void ppo_print_setup(void *self, FILE *out)
{
    fprintf(out,
            "ppo: about %.4g MB of training buffers on rank 0 (Adam's moments, rollouts, "
            "file buffers)\n",
            rank_bytes(self) / 1e6);
}

static void ppo_record(void *self, strbuf_t *sb, int64_t n_it, int64_t n_list)
{
    (void)n_it;
    (void)n_list;
    sb_printf(sb, ", \"buffer_bytes_rank0\": %.6g", rank_bytes(self));
}

const trainer_ops_t trainer_ppo = {
    .name = "ppo",
    .summary = "state-augmented PPO: each agent's policy sees lambda = lambda_max u^k and "
               "learns r - lambda g, no communication with per-agent networks",
    .create = ppo_create,
    .destroy = ppo_destroy,
    .init_fresh = ppo_init_fresh,
    .iteration = ppo_iteration,
    .save = ppo_save,
    .load = ppo_load,
    .print_setup = ppo_print_setup,
    .record = ppo_record,
};
