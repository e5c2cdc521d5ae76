/* train.algo = ppo: state-augmented PPO (DESIGN.md §4). GAE, clipped
 * surrogate, entropy bonus, minibatches and epochs, Adam. The multiplier is an input: it is drawn per
 * parallel copy from U[0, lambda_max], held for lambda_resample steps, and
 * the reward is r - lambda g.
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
#include "samarl/fastmath.h"
#include "samarl/policyfile.h"
#include "samarl/reprosum.h"
#include "samarl/rng.h"
#include "samarl/timer.h"
#include "samarl/trainer.h"

#include "ppo_common.h"

/* One agent's samples of an iteration, s = t * copies + j. */
typedef struct rollout {
    float *x;                            /* [in][S] normalised observations (feature-major) */
    uint8_t *act;                        /* [S] */
    float *logp, *val, *rew, *adv, *ret; /* [S] */
} rollout_t;

typedef struct ppo {
    const config_t *cfg;
    env_t *env;
    policyset_t *ps;
    mlp_t net;
    int T, B, S, mb, n_mb;
    float *m, *v;     /* Adam moments [n_nets][stride] */
    float *ro_floats; /* the rollouts' float arrays */
    uint8_t *ro_act;  /* and their actions */
    int64_t adam_step;
    rollout_t *ro; /* [n_agents] (shared) or [1] */
    int n_ro;
    mlp_work_t work; /* minibatch (work.x: its observations) */
    float *grad;
    uint8_t *ab;
    float *lpb, *advb, *retb;
    float *lsm, *psm;       /* [actions][work.ld] log-probs, probs */
    float *hsm, *lpa, *gpl; /* [mb] entropy, log pi(a), d loss / d log pi(a) */
    uint8_t *clipped;       /* [mb] */
    int32_t *perm;          /* [n_ro][S] */
    float *lam, *obs, *g, *r;
    fxsum_t gsum; /* shared: the exact gradient sum */
    /* per-agent statistics of the current iteration */
    double *st_rew, *st_ent, *st_kl, *st_clip, *st_vl;
} ppo_t;

/* ---- sizes and the memory guard ------------------------------------------------ */

/* One rollout of S samples: its float arrays (observations [ENV_OBS][S],
 * then logp, val, rew, adv, ret), each padded to 64 bytes, in floats; and
 * all of it in bytes, with the actions and the minibatch permutation. */
static size_t rollout_obs_floats(size_t S)
{
    return (S * ENV_OBS + 15) / 16 * 16;
}
static size_t rollout_col_floats(size_t S)
{
    return (S + 15) / 16 * 16;
}
static double rollout_bytes(size_t S)
{
    return (double)(rollout_obs_floats(S) + 5 * rollout_col_floats(S)) * sizeof(float) +
           (double)S * (sizeof(uint8_t) + sizeof(int32_t)) + (double)sizeof(rollout_t);
}

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
    const double mb = (double)(S / (size_t)cfg->train.minibatches);
    const double ld = ceil(mb / 16) * 16;
    const double P = (double)net->stride, H = net->hidden, O = net->out;
    double b = n_nets * P * 2 * 4;                                   /* Adam moments */
    b += n_rollouts * rollout_bytes(S);                              /* rollouts */
    b += ((net->in + 4 * H + 2 * O) * ld + (H > O ? H : O) * H) * 4; /* minibatch work */
    b += mb * (6 * 4 + 2) + 2 * (double)net->actions * ld * 4;
    b += P * 4 + (shared ? P * (16 + 24) : 0); /* gradient, exact sum */
    b += (double)cfg->train.copies * (ENV_OBS + 3) * 4;
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
                     env->n, S, floor(rollout_bytes(S) / (double)S));
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

/* ---- creation ------------------------------------------------------------------- */

static void *ppo_create(const config_t *cfg, env_t *env, policyset_t *ps)
{
    memory_guard(cfg, ps, env);
    ppo_t *p = XZNEW(ppo_t, 1);
    p->cfg = cfg;
    p->env = env;
    p->ps = ps;
    p->net = ps->net;
    p->T = (int)cfg->env.horizon;
    p->B = env->copies;
    p->S = p->T * p->B;
    p->n_mb = (int)cfg->train.minibatches;
    p->mb = p->S / p->n_mb;
    SAMARL_ASSERT(p->mb >= 1);
    const size_t P = p->net.stride, nn = (size_t)ps->n_nets;
    /* Zeroed pages from calloc: a policy that is never trained (iterations = 0)
     * never makes them resident. */
    p->m = xcalloc(nn * P, sizeof(float));
    p->v = xcalloc(nn * P, sizeof(float));
    p->n_ro = ps->shared ? (env->n > 0 ? env->n : 1) : 1;
    p->ro = XZNEW(rollout_t, p->n_ro);
    /* Every rollout in two pools (floats, 64-byte aligned per array, and
     * actions): a shared network keeps one per agent, and eight small
     * allocations per agent cost more in malloc overhead than their data. */
    const size_t sx = rollout_obs_floats((size_t)p->S), sf = rollout_col_floats((size_t)p->S);
    p->ro_floats = alloc_floats((size_t)p->n_ro * (sx + 5 * sf));
    p->ro_act = XNEW(uint8_t, (size_t)p->n_ro * (size_t)p->S);
    for (int k = 0; k < p->n_ro; k++) {
        rollout_t *ro = &p->ro[k];
        float *f = p->ro_floats + (size_t)k * (sx + 5 * sf);
        ro->x = f;
        ro->logp = f + sx;
        ro->val = f + sx + sf;
        ro->rew = f + sx + 2 * sf;
        ro->adv = f + sx + 3 * sf;
        ro->ret = f + sx + 4 * sf;
        ro->act = p->ro_act + (size_t)k * (size_t)p->S;
    }
    p->perm = XNEW(int32_t, (size_t)p->n_ro * (size_t)p->S);
    mlp_work_init(&p->work, &p->net, p->mb);
    p->ab = XNEW(uint8_t, p->mb);
    p->lpb = alloc_floats(p->mb);
    p->lsm = alloc_floats((size_t)p->net.actions * (size_t)p->work.ld);
    p->psm = alloc_floats((size_t)p->net.actions * (size_t)p->work.ld);
    p->hsm = alloc_floats(p->mb);
    p->lpa = alloc_floats(p->mb);
    p->gpl = alloc_floats(p->mb);
    p->clipped = XNEW(uint8_t, p->mb);
    p->advb = alloc_floats(p->mb);
    p->retb = alloc_floats(p->mb);
    p->grad = alloc_floats(P);
    p->lam = alloc_floats(p->B);
    p->obs = alloc_floats((size_t)p->B * ENV_OBS);
    p->g = alloc_floats(p->B);
    p->r = alloc_floats(p->B);
    if (ps->shared) fxsum_init(&p->gsum, p->net.n_params, FXSUM_NEAREST_32);
    const lidx_t na = env->n > 0 ? env->n : 1;
    p->st_rew = XZNEW(double, na);
    p->st_ent = XZNEW(double, na);
    p->st_kl = XZNEW(double, na);
    p->st_clip = XZNEW(double, na);
    p->st_vl = XZNEW(double, na);
    return p;
}

static void ppo_destroy(void *self)
{
    ppo_t *p = self;
    free(p->m);
    free(p->v);
    free(p->ro_floats);
    free(p->ro_act);
    free(p->ro);
    free(p->perm);
    mlp_work_free(&p->work);
    free(p->ab);
    free(p->lpb);
    free(p->lsm);
    free(p->psm);
    free(p->hsm);
    free(p->lpa);
    free(p->gpl);
    free(p->clipped);
    free(p->advb);
    free(p->retb);
    free(p->grad);
    free(p->lam);
    free(p->obs);
    free(p->g);
    free(p->r);
    fxsum_free(&p->gsum);
    free(p->st_rew);
    free(p->st_ent);
    free(p->st_kl);
    free(p->st_clip);
    free(p->st_vl);
    free(p);
}

/* ---- initialisation ---------------------------------------------------------- */

static void ppo_init_fresh(void *self)
{
    ppo_t *p = self;
    policyset_init_fresh(p->ps, p->env, p->cfg);
    p->adam_step = 0;
}

/* ---- collection ----------------------------------------------------------- */

static void collect(ppo_t *p, lidx_t i, rollout_t *ro, int64_t it)
{
    env_t *e = p->env;
    policyset_t *ps = p->ps;
    const uint64_t seed = p->cfg->run.seed, gid = (uint64_t)e->gid[i];
    const int B = p->B;
    const int64_t hold = p->cfg->train.lambda_resample > 0 ? p->cfg->train.lambda_resample : p->T;
    double rew = 0;
    env_reset_agent(e, i);
    for (int t = 0; t < p->T; t++) {
        if (t % hold == 0)
            for (int j = 0; j < B; j++)
                p->lam[j] = (float)(p->cfg->train.lambda_max *
                                    rng_uniform(seed, RNG_STREAM_LAMBDA, gid,
                                                (((uint64_t)it * (uint64_t)B + (uint64_t)j) << 20) |
                                                    (uint64_t)(t / hold)));
        env_observe(e, i, t, p->lam, p->obs);
        const size_t s0 = (size_t)t * B;
        policyset_act(ps, e, i, t, p->obs, p->lam, seed, PPO_SOURCE_TRAIN, 0, ro->act + s0,
                      ro->logp + s0, ro->val + s0);
        for (int c = 0; c < ENV_OBS; c++)
            memcpy(ro->x + (size_t)c * p->S + s0, ps->work.x + (size_t)c * ps->work.ld,
                   sizeof(float) * (size_t)B);
        env_step(e, i, t, ro->act + s0, p->g, p->r, NULL, NULL);
        for (int j = 0; j < B; j++) {
            ro->rew[s0 + j] = p->r[j] - p->lam[j] * p->g[j];
            rew += ro->rew[s0 + j];
        }
    }
    p->st_rew[i] = rew;

    /* GAE per copy; the last step bootstraps with its own value. */
    const double gamma = p->cfg->train.gamma, gl = gamma * p->cfg->train.gae_lambda;
    for (int j = 0; j < B; j++) {
        double last = 0;
        for (int t = p->T - 1; t >= 0; t--) {
            size_t s = (size_t)t * B + j;
            double nv = t + 1 < p->T ? ro->val[s + B] : ro->val[s];
            double delta = ro->rew[s] + gamma * nv - ro->val[s];
            last = delta + gl * last;
            ro->adv[s] = (float)last;
            ro->ret[s] = (float)(last + ro->val[s]);
        }
    }
    /* Advantages normalised per agent (unbiased sd). */
    double sum = 0, sq = 0;
    for (int s = 0; s < p->S; s++) sum += ro->adv[s];
    const double mean = sum / p->S;
    for (int s = 0; s < p->S; s++) sq += (ro->adv[s] - mean) * (ro->adv[s] - mean);
    const double sd = p->S > 1 ? sqrt(sq / (p->S - 1)) : 0.0;
    for (int s = 0; s < p->S; s++) ro->adv[s] = (float)((ro->adv[s] - mean) / (sd + 1e-8));
}

/* ---- update ------------------------------------------------------------------ */

/* The PPO loss: the surrogate over the K logits plus cv (v - ret)^2 on the
 * value output out[K]. */
SAMARL_CLONES
static void ppo_loss(ppo_t *p, const float *restrict out, size_t ld, int m, int K,
                     float *restrict dout)
{
    const ppo_batch_t sc = {.act = p->ab,   .lp_old = p->lpb, .adv = p->advb,
                            .lsm = p->lsm,  .psm = p->psm,    .hsm = p->hsm,
                            .lpa = p->lpa,  .gpl = p->gpl,    .clipped = p->clipped};
    ppo_surrogate(&sc, out, ld, m, K, p->cfg->train.clip, p->cfg->train.entropy, dout);
    const float cv = (float)p->cfg->train.value_coef, im = 1.0f / (float)m;
    const float *restrict v = out + (size_t)K * ld, *restrict ret = p->retb;
    float *restrict dv = dout + (size_t)K * ld;
    for (int r = 0; r < m; r++) dv[r] = im * 2.0f * cv * (v[r] - ret[r]);
}

/* Loss gradient of minibatch `b` of rollout ro (agent i) into p->grad;
 * statistics into the agent's accumulators in the last epoch. */
static void minibatch_grad(ppo_t *p, lidx_t i, const rollout_t *ro, const int32_t *perm, int b,
                           const float *params, int last_epoch)
{
    const int m = p->mb, K = p->net.actions;
    const size_t ld = (size_t)p->work.ld, S = (size_t)p->S;
    const int32_t *ix = perm + (size_t)b * m;
    for (int c = 0; c < ENV_OBS; c++) {
        const float *src = ro->x + (size_t)c * S;
        float *dst = p->work.x + (size_t)c * ld;
        for (int r = 0; r < m; r++) dst[r] = src[ix[r]];
    }
    for (int r = 0; r < m; r++) {
        const int32_t s = ix[r];
        p->ab[r] = ro->act[s];
        p->lpb[r] = ro->logp[s];
        p->advb[r] = ro->adv[s];
        p->retb[r] = ro->ret[s];
    }
    mlp_forward(&p->net, params, m, &p->work);
    ppo_loss(p, p->work.out, ld, m, K, p->work.dout);
    mlp_backward(&p->net, params, m, &p->work, p->grad);
    if (last_epoch) {
        double ent = 0, kl = 0, clipped = 0, vl = 0;
        for (int r = 0; r < m; r++) {
            const double verr = (double)p->work.out[(size_t)K * ld + r] - p->retb[r];
            ent += p->hsm[r];
            kl += p->lpb[r] - p->lpa[r];
            clipped += p->clipped[r];
            vl += verr * verr;
        }
        p->st_ent[i] += ent;
        p->st_kl[i] += kl;
        p->st_clip[i] += clipped;
        p->st_vl[i] += vl;
    }
}

static void ppo_iteration(void *self, int64_t it, trainer_stats_t *st)
{
    ppo_t *p = self;
    env_t *e = p->env;
    policyset_t *ps = p->ps;
    const uint64_t seed = p->cfg->run.seed;
    const int epochs = (int)p->cfg->train.epochs;
    const size_t P = p->net.n_params;
    const double lr = ppo_lr_at(p->cfg, it);
    for (lidx_t i = 0; i < e->n; i++)
        p->st_rew[i] = p->st_ent[i] = p->st_kl[i] = p->st_clip[i] = p->st_vl[i] = 0;
    env_begin_episode(e, seed, ENV_NOISE_TRAIN, (uint64_t)it);

    if (!ps->shared) {
        /* Agent after agent: collect, then all epochs; its weights stay hot
         * in cache and nothing is exchanged. */
        for (lidx_t i = 0; i < e->n; i++) {
            rollout_t *ro = &p->ro[0];
            timer_start(TIMER_COLLECT);
            collect(p, i, ro, it);
            timer_stop(TIMER_COLLECT);
            timer_start(TIMER_UPDATE);
            float *w = policyset_params(ps, i);
            float *m = p->m + (size_t)i * p->net.stride, *v = p->v + (size_t)i * p->net.stride;
            for (int ep = 0; ep < epochs; ep++) {
                ppo_shuffle(p->perm, p->S, seed, (uint64_t)e->gid[i],
                            (uint64_t)it * (uint64_t)epochs + (uint64_t)ep);
                for (int b = 0; b < p->n_mb; b++) {
                    minibatch_grad(p, i, ro, p->perm, b, w, ep == epochs - 1);
                    ppo_clip_grad(p->grad, P, p->cfg->train.max_grad_norm);
                    adam_update(w, p->grad, m, v, P, p->adam_step + 1 + (int64_t)ep * p->n_mb + b,
                                lr);
                }
            }
            timer_stop(TIMER_UPDATE);
        }
        p->adam_step += (int64_t)epochs * p->n_mb;
    } else {
        timer_start(TIMER_COLLECT);
        for (lidx_t i = 0; i < e->n; i++) collect(p, i, &p->ro[i], it);
        timer_stop(TIMER_COLLECT);
        timer_start(TIMER_UPDATE);
        for (int ep = 0; ep < epochs; ep++) {
            for (lidx_t i = 0; i < e->n; i++)
                ppo_shuffle(p->perm + (size_t)i * p->S, p->S, seed, (uint64_t)e->gid[i],
                            (uint64_t)it * (uint64_t)epochs + (uint64_t)ep);
            for (int b = 0; b < p->n_mb; b++) {
                for (lidx_t i = 0; i < e->n; i++) {
                    minibatch_grad(p, i, &p->ro[i], p->perm + (size_t)i * p->S, b, ps->params,
                                   ep == epochs - 1);
                    fxsum_add(&p->gsum, p->grad);
                }
                fxsum_reduce(&p->gsum, p->grad, (double)e->n_global);
                ppo_clip_grad(p->grad, P, p->cfg->train.max_grad_norm);
                p->adam_step++;
                adam_update(ps->params, p->grad, p->m, p->v, P, p->adam_step, lr);
            }
        }
        timer_stop(TIMER_UPDATE);
        ppo_warn_clamps(p->gsum.clamps, it);
        p->gsum.clamps = 0;
    }

    /* Statistics: exact sums of the per-agent values. */
    const double n = (double)e->n_global, S = (double)p->S;
    const double per_epoch = (double)p->n_mb * p->mb;
    st->aug_reward = reprosum_global(p->st_rew, (size_t)e->n) / (n * S);
    st->entropy = reprosum_global(p->st_ent, (size_t)e->n) / (n * per_epoch);
    st->approx_kl = reprosum_global(p->st_kl, (size_t)e->n) / (n * per_epoch);
    st->clip_frac = reprosum_global(p->st_clip, (size_t)e->n) / (n * per_epoch);
    st->value_loss = reprosum_global(p->st_vl, (size_t)e->n) / (n * per_epoch);
    st->agent_steps = (int64_t)e->n_global * p->S;
}

/* ---- the trainer's state in the policy file, and its reports -------------------- */

static void ppo_save(void *self, pfio_t *io)
{
    const ppo_t *p = self;
    ppo_adam_save(io, p->m, p->v, p->adam_step);
}

static int ppo_load(void *self, pfio_t *io)
{
    ppo_t *p = self;
    return ppo_adam_load(io, p->m, p->v, &p->adam_step);
}

static double rank_bytes(const ppo_t *p)
{
    return ppo_bytes(p->cfg, &p->net, p->env->n, p->env->n_global, p->ps->shared);
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
    .summary = "state-augmented PPO: each agent's policy sees lambda ~ U[0, lambda_max] and "
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
