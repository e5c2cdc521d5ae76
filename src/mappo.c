/* MAPPO-Lagrangian: decentralised actors, one centralised critic on the
 * global state, one multiplier by dual ascent (see mappo.h). */
#include "samarl/mappo.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/error.h"
#include "samarl/policyfile.h"
#include "samarl/reprosum.h"
#include "samarl/rng.h"
#include "samarl/timer.h"

enum { SOURCE_TRAIN = 0 };
/* Key of the critic's initial weights: no gid (nor ppo's shared network,
 * UINT64_MAX) uses it. */
#define CRITIC_KEY (UINT64_MAX - 1)

struct mappo {
    const config_t *cfg;
    env_t *env;
    policyset_t *ps;
    mlp_t net;
    int T, B, S, mb, n_mb;
    lidx_t n; /* agents on this rank */
    gidx_t N; /* agents in all */
    int G;    /* global-state features, ENV_OBS * N */
    double lambda;
    /* Actors: Adam moments [n_nets][stride] and the step. */
    float *m, *v;
    int64_t adam_step;
    /* This iteration's samples of the rank's agents, s = t * B + j. */
    float *x;     /* [n][ENV_OBS][S] normalised observations (feature-major) */
    uint8_t *act; /* [n][S] */
    float *logp, *val, *rew, *adv, *ret; /* [n][S] */
    double *usage;                       /* [n] sum of g over the samples */
    /* The centralised critic. */
    critic_t cn;
    size_t ldx;    /* floats per share_obs row: cn.in rounded up to 16 */
    float *share;  /* [n][S][ldx] share_obs: global state, then own observation */
    float *gstate; /* [S][G] the global state of every sample */
    size_t rec;    /* bytes of one agent's record: gid, then its x */
    unsigned char *sendrec, *recvrec; /* [n][rec], [N][rec] */
    int64_t *counts;                  /* [ranks] agents per rank */
    float *cp, *cm, *cv, *cgrad;      /* critic parameters, Adam moments, gradient */
    int64_t c_step;
    float *xc; /* [mb][ldx] a critic minibatch */
    critic_work_t cw;
    fxsum_t csum, asum; /* critic; shared actor */
    /* Actor minibatches (as ppo). */
    mlp_work_t work;
    float *grad;
    uint8_t *ab;
    float *lpb, *advb, *retb;
    float *lsm, *psm, *hsm, *lpa, *gpl;
    uint8_t *clipped;
    int32_t *perm;                                     /* [n][S] */
    float *lam, *obs, *g, *r;                          /* [B] */
    double *st_rew, *st_ent, *st_kl, *st_clip, *st_vl; /* [n] */
    double critic_s;
};

/* ---- sizes and the memory guard ------------------------------------------------ */

static size_t round16(size_t n)
{
    return (n + 15) / 16 * 16;
}

double mappo_bytes(const config_t *cfg, int64_t n_global, int64_t n_local)
{
    const double S = (double)cfg->train.copies * (double)cfg->env.horizon;
    const double mb = floor(S / (double)cfg->train.minibatches);
    const double G = (double)ENV_OBS * (double)n_global;
    const double ldx = (double)round16((size_t)G + ENV_OBS);
    const double H = (double)cfg->train.critic_hidden;
    const double Pc = (G + ENV_OBS) * H + H * H + 3 * H + 1;
    const double rec = 8.0 + 4.0 * ENV_OBS * S;
    double b = (double)n_local * S * ldx * 4;                   /* share_obs */
    b += S * G * 4;                                             /* global state */
    b += ((double)n_local + (double)n_global) * rec;            /* all-gather records */
    b += (double)n_local * S * (4.0 * ENV_OBS + 1 + 5 * 4 + 4); /* samples, perm */
    b += Pc * (4 * 4 + 16);             /* critic, Adam, gradient, exact sum */
    b += mb * ldx * 4 + mb * H * 4 * 4; /* critic minibatch */
    return b;
}

/* Collective. Refuse before allocating when the buffers would not fit. */
static void memory_guard(const config_t *cfg, gidx_t N, lidx_t n)
{
    const double need = mappo_bytes(cfg, N, n);
    double node_need, avail;
    int node_ranks, rc = SAMARL_OK;
    if (!comm_memory_fits(need, &node_need, &node_ranks, &avail)) {
        const double S = (double)cfg->train.copies * (double)cfg->env.horizon;
        rc = samarl_seterr(
            "train.algo = mappo-l with N = %" PRIdG " agents needs about %.3g GB of memory on "
            "this node (%d rank%s, %.3g GB on this one; the centralised critic's share_obs "
            "buffer alone is %" PRIdG " agents x %.0f samples x %" PRIdG
            " inputs x 4 bytes, growing as N^2), "
            "but MemAvailable is %.3g GB: use fewer agents, train.copies or env.horizon, or more "
            "nodes",
            N, node_need / 1e9, node_ranks, node_ranks > 1 ? "s" : "", need / 1e9, N, S,
            (gidx_t)ENV_OBS * N + ENV_OBS, avail / 1e9);
    }
    comm_check(rc);
}

/* ---- creation ------------------------------------------------------------------- */

mappo_t *mappo_create(const config_t *cfg, env_t *env, policyset_t *ps)
{
    memory_guard(cfg, env->n_global, env->n);
    mappo_t *p = XZNEW(mappo_t, 1);
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
    p->n = env->n;
    p->N = env->n_global;
    SAMARL_ASSERT((int64_t)ENV_OBS * p->N + ENV_OBS < 2147483647);
    p->G = (int)(ENV_OBS * p->N);
    const size_t n1 = (size_t)(p->n > 0 ? p->n : 1), S = (size_t)p->S;
    const size_t P = p->net.stride, nn = (size_t)ps->n_nets;
    p->m = xcalloc(nn * P, sizeof(float));
    p->v = xcalloc(nn * P, sizeof(float));

    p->x = alloc_floats(n1 * ENV_OBS * S);
    p->act = XNEW(uint8_t, n1 * S);
    p->logp = alloc_floats(n1 * S);
    p->val = alloc_floats(n1 * S);
    p->rew = alloc_floats(n1 * S);
    p->adv = alloc_floats(n1 * S);
    p->ret = alloc_floats(n1 * S);
    p->usage = XZNEW(double, n1);
    p->perm = XNEW(int32_t, n1 * S);

    critic_shape(&p->cn, p->G + ENV_OBS, (int)cfg->train.critic_hidden);
    p->ldx = round16((size_t)p->cn.in);
    p->share = alloc_floats(n1 * S * p->ldx);
    p->gstate = alloc_floats(S * (size_t)p->G);
    p->rec = 8 + sizeof(float) * ENV_OBS * S;
    p->sendrec = XNEW(unsigned char, n1 * p->rec);
    p->recvrec = XNEW(unsigned char, (size_t)p->N * p->rec);
    p->counts = XNEW(int64_t, comm_size());
    comm_allgather_int64((int64_t)p->n, p->counts);
    const size_t Pc = p->cn.n_params;
    p->cp = alloc_floats(Pc);
    p->cm = alloc_floats(Pc);
    p->cv = alloc_floats(Pc);
    p->cgrad = alloc_floats(Pc);
    p->xc = alloc_floats((size_t)p->mb * p->ldx);
    critic_work_init(&p->cw, &p->cn, p->mb);
    fxsum_init(&p->csum, Pc, FXSUM_TRUNC_31);
    if (ps->shared) fxsum_init(&p->asum, p->net.n_params, FXSUM_TRUNC_31);

    mlp_work_init(&p->work, &p->net, p->mb);
    p->grad = alloc_floats(P);
    p->ab = XNEW(uint8_t, p->mb);
    p->lpb = alloc_floats(p->mb);
    p->advb = alloc_floats(p->mb);
    p->retb = alloc_floats(p->mb);
    p->lsm = alloc_floats((size_t)p->net.actions * (size_t)p->work.ld);
    p->psm = alloc_floats((size_t)p->net.actions * (size_t)p->work.ld);
    p->hsm = alloc_floats(p->mb);
    p->lpa = alloc_floats(p->mb);
    p->gpl = alloc_floats(p->mb);
    p->clipped = XNEW(uint8_t, p->mb);
    p->lam = alloc_floats(p->B);
    p->obs = alloc_floats((size_t)p->B * ENV_OBS);
    p->g = alloc_floats(p->B);
    p->r = alloc_floats(p->B);
    p->st_rew = XZNEW(double, n1);
    p->st_ent = XZNEW(double, n1);
    p->st_kl = XZNEW(double, n1);
    p->st_clip = XZNEW(double, n1);
    p->st_vl = XZNEW(double, n1);
    p->lambda = cfg->dual.lambda0;
    return p;
}

void mappo_destroy(mappo_t **pp)
{
    mappo_t *p = *pp;
    if (!p) return;
    free(p->m);
    free(p->v);
    free(p->x);
    free(p->act);
    free(p->logp);
    free(p->val);
    free(p->rew);
    free(p->adv);
    free(p->ret);
    free(p->usage);
    free(p->perm);
    free(p->share);
    free(p->gstate);
    free(p->sendrec);
    free(p->recvrec);
    free(p->counts);
    free(p->cp);
    free(p->cm);
    free(p->cv);
    free(p->cgrad);
    free(p->xc);
    critic_work_free(&p->cw);
    fxsum_free(&p->csum);
    fxsum_free(&p->asum);
    mlp_work_free(&p->work);
    free(p->grad);
    free(p->ab);
    free(p->lpb);
    free(p->advb);
    free(p->retb);
    free(p->lsm);
    free(p->psm);
    free(p->hsm);
    free(p->lpa);
    free(p->gpl);
    free(p->clipped);
    free(p->lam);
    free(p->obs);
    free(p->g);
    free(p->r);
    free(p->st_rew);
    free(p->st_ent);
    free(p->st_kl);
    free(p->st_clip);
    free(p->st_vl);
    free(p);
    *pp = NULL;
}

double mappo_lambda(const mappo_t *p)
{
    return p->lambda;
}
const critic_t *mappo_critic(const mappo_t *p)
{
    return &p->cn;
}
float *mappo_adam_m(mappo_t *p)
{
    return p->m;
}
float *mappo_adam_v(mappo_t *p)
{
    return p->v;
}
int64_t *mappo_adam_step(mappo_t *p)
{
    return &p->adam_step;
}

void mappo_critic_state(mappo_t *p, critic_state_t *cs)
{
    cs->params = p->cp;
    cs->adam_m = p->cm;
    cs->adam_v = p->cv;
    cs->n = p->cn.n_params;
    cs->step = &p->c_step;
    cs->lambda = &p->lambda;
}

void mappo_init_fresh(mappo_t *p)
{
    policyset_init_fresh(p->ps, p->env, p->cfg);
    critic_init(&p->cn, p->cp, p->cfg->run.seed, CRITIC_KEY);
    p->adam_step = p->c_step = 0;
    p->lambda = p->cfg->dual.lambda0;
}

/* ---- collection -------------------------------------------------------------------- */

/* Agent i's episode in every copy at the current multiplier: actions,
 * normalised observations, rewards r - lambda g, usage. */
static void collect(mappo_t *p, lidx_t i)
{
    env_t *e = p->env;
    policyset_t *ps = p->ps;
    const uint64_t seed = p->cfg->run.seed;
    const int B = p->B;
    const size_t S = (size_t)p->S, o = (size_t)i * S;
    float *x = p->x + o * ENV_OBS;
    double rsum = 0, usum = 0;
    env_reset_agent(e, i);
    for (int t = 0; t < p->T; t++) {
        const size_t s0 = (size_t)t * B;
        env_observe(e, i, t, p->lam, p->obs);
        policyset_act(ps, e, i, t, p->obs, p->lam, seed, SOURCE_TRAIN, 0, p->act + o + s0,
                      p->logp + o + s0, NULL);
        for (int c = 0; c < ENV_OBS; c++)
            memcpy(x + (size_t)c * S + s0, ps->work.x + (size_t)c * ps->work.ld,
                   sizeof(float) * (size_t)B);
        env_step(e, i, t, p->act + o + s0, p->g, p->r, NULL, NULL);
        for (int j = 0; j < B; j++) {
            const float rw = p->r[j] - p->lam[j] * p->g[j];
            p->rew[o + s0 + j] = rw;
            rsum += rw;
            usum += p->g[j];
        }
    }
    p->st_rew[i] = rsum;
    p->usage[i] = usum;
}

/* Collective. Every rank gets every agent's normalised observations (one
 * all-gather per iteration), lays them out as the global state of each
 * sample, gstate[s][ENV_OBS * gid + c], and fills its agents' share_obs
 * rows: the global state, then the agent's own observation. */
static void build_share_obs(mappo_t *p)
{
    const size_t S = (size_t)p->S, G = (size_t)p->G, rec = p->rec;
    for (lidx_t i = 0; i < p->n; i++) {
        const int64_t gid = (int64_t)p->env->gid[i];
        unsigned char *r = p->sendrec + (size_t)i * rec;
        memcpy(r, &gid, sizeof gid);
        memcpy(r + 8, p->x + (size_t)i * ENV_OBS * S, sizeof(float) * ENV_OBS * S);
    }
    comm_allgatherv_bytes(p->sendrec, (int64_t)p->n, p->recvrec, p->counts, rec);
    for (gidx_t k = 0; k < p->N; k++) {
        const unsigned char *r = p->recvrec + (size_t)k * rec;
        int64_t gid;
        memcpy(&gid, r, sizeof gid);
        SAMARL_ASSERT(gid >= 0 && gid < p->N);
        /* Records are floats after an int64 (rec is a multiple of 4): aligned. */
        // cppcheck-suppress invalidPointerCast ; the bytes are floats, copied in as such
        const float *xk = (const float *)(r + 8);
        for (int c = 0; c < ENV_OBS; c++) {
            const float *src = xk + (size_t)c * S;
            float *dst = p->gstate + (size_t)gid * ENV_OBS + c;
            for (size_t s = 0; s < S; s++) dst[s * G] = src[s];
        }
    }
    for (lidx_t i = 0; i < p->n; i++) {
        float *sh = p->share + (size_t)i * S * p->ldx;
        const float *xi = p->x + (size_t)i * ENV_OBS * S;
        for (size_t s = 0; s < S; s++) {
            float *row = sh + s * p->ldx;
            memcpy(row, p->gstate + s * G, sizeof(float) * G);
            for (int c = 0; c < ENV_OBS; c++) row[G + (size_t)c] = xi[(size_t)c * S + s];
        }
    }
}

/* Critic values of agent i's samples (in chunks of a minibatch's size, so
 * the shapes never depend on the rank count), then GAE and per-agent
 * normalised advantages, as ppo. */
static void values_and_advantages(mappo_t *p, lidx_t i)
{
    const size_t S = (size_t)p->S, o = (size_t)i * S;
    const float *sh = p->share + o * p->ldx;
    float *val = p->val + o, *rew = p->rew + o, *adv = p->adv + o, *ret = p->ret + o;
    for (size_t c0 = 0; c0 < S; c0 += (size_t)p->mb) {
        const int m = (int)(S - c0 < (size_t)p->mb ? S - c0 : (size_t)p->mb);
        critic_forward(&p->cn, p->cp, sh + c0 * p->ldx, p->ldx, m, &p->cw);
        memcpy(val + c0, p->cw.v, sizeof(float) * (size_t)m);
    }
    const double gamma = p->cfg->train.gamma, gl = gamma * p->cfg->train.gae_lambda;
    const int B = p->B;
    for (int j = 0; j < B; j++) {
        double last = 0;
        for (int t = p->T - 1; t >= 0; t--) {
            const size_t s = (size_t)t * B + j;
            const double nv = t + 1 < p->T ? val[s + B] : val[s];
            const double delta = rew[s] + gamma * nv - val[s];
            last = delta + gl * last;
            adv[s] = (float)last;
            ret[s] = (float)(last + val[s]);
        }
    }
    double sum = 0, sq = 0;
    for (size_t s = 0; s < S; s++) sum += adv[s];
    const double mean = sum / (double)S;
    for (size_t s = 0; s < S; s++) sq += (adv[s] - mean) * (adv[s] - mean);
    const double sd = S > 1 ? sqrt(sq / (double)(S - 1)) : 0.0;
    for (size_t s = 0; s < S; s++) adv[s] = (float)((adv[s] - mean) / (sd + 1e-8));
}

/* ---- updates --------------------------------------------------------------------- */

/* ppo's clipped surrogate with the entropy bonus, without its value term:
 * the actors' value heads are unused and stay as initialised. Gradient
 * w.r.t. the outputs to dout. */
static void actor_loss(mappo_t *p, const float *restrict out, size_t ld, int m, int K,
                       float *restrict dout)
{
    const ppo_batch_t sc = {p->ab,  p->lpb, p->advb, p->lsm,    p->psm,
                            p->hsm, p->lpa, p->gpl,  p->clipped};
    ppo_surrogate(&sc, out, ld, m, K, p->cfg->train.clip, p->cfg->train.entropy, dout);
    float *restrict dv = dout + (size_t)K * ld;
    for (int r = 0; r < m; r++) dv[r] = 0.0f;
}

/* Actor gradient of agent i's minibatch b into p->grad. */
static void actor_grad(mappo_t *p, lidx_t i, const int32_t *perm, int b, const float *params,
                       int last_epoch)
{
    const int m = p->mb, K = p->net.actions;
    const size_t ld = (size_t)p->work.ld, S = (size_t)p->S, o = (size_t)i * S;
    const int32_t *ix = perm + (size_t)b * m;
    const float *x = p->x + o * ENV_OBS;
    for (int c = 0; c < ENV_OBS; c++) {
        const float *src = x + (size_t)c * S;
        float *dst = p->work.x + (size_t)c * ld;
        for (int r = 0; r < m; r++) dst[r] = src[ix[r]];
    }
    for (int r = 0; r < m; r++) {
        const size_t s = o + (size_t)ix[r];
        p->ab[r] = p->act[s];
        p->lpb[r] = p->logp[s];
        p->advb[r] = p->adv[s];
    }
    mlp_forward(&p->net, params, m, &p->work);
    actor_loss(p, p->work.out, ld, m, K, p->work.dout);
    mlp_backward(&p->net, params, m, &p->work, p->grad);
    if (last_epoch) {
        double ent = 0, kl = 0, clipped = 0;
        for (int r = 0; r < m; r++) {
            ent += p->hsm[r];
            kl += p->lpb[r] - p->lpa[r];
            clipped += p->clipped[r];
        }
        p->st_ent[i] += ent;
        p->st_kl[i] += kl;
        p->st_clip[i] += clipped;
    }
}

/* Critic gradient (mean squared error to the returns) of agent i's
 * minibatch b into p->cgrad. */
static void critic_grad(mappo_t *p, lidx_t i, const int32_t *perm, int b, int last_epoch)
{
    const int m = p->mb;
    const size_t S = (size_t)p->S, o = (size_t)i * S, D = (size_t)p->cn.in;
    const int32_t *ix = perm + (size_t)b * m;
    const float *sh = p->share + o * p->ldx;
    for (int r = 0; r < m; r++) {
        memcpy(p->xc + (size_t)r * p->ldx, sh + (size_t)ix[r] * p->ldx, sizeof(float) * D);
        p->retb[r] = p->ret[o + (size_t)ix[r]];
    }
    critic_forward(&p->cn, p->cp, p->xc, p->ldx, m, &p->cw);
    double vl = 0;
    const float k2 = 2.0f / (float)m;
    for (int r = 0; r < m; r++) {
        const float d = p->cw.v[r] - p->retb[r];
        p->cw.dv[r] = k2 * d;
        vl += (double)d * d;
    }
    critic_backward(&p->cn, p->cp, p->xc, p->ldx, m, &p->cw, p->cgrad);
    if (last_epoch) p->st_vl[i] += vl;
}

static void clip_grad(float *g, size_t n, double max_norm)
{
    if (max_norm <= 0) return;
    double sq = 0;
    for (size_t k = 0; k < n; k++) sq += (double)g[k] * g[k];
    const double norm = sqrt(sq);
    if (norm <= max_norm) return;
    const float s = (float)(max_norm / (norm + 1e-6));
    for (size_t k = 0; k < n; k++) g[k] *= s;
}

static double lr_at(const mappo_t *p, int64_t it)
{
    const config_t *c = p->cfg;
    if (c->train.lr_final < 0 || c->train.iterations <= 1) return c->train.lr;
    double f = (double)it / (double)(c->train.iterations - 1);
    if (f > 1) f = 1;
    return c->train.lr + (c->train.lr_final - c->train.lr) * f;
}

static void shuffle_all(mappo_t *p, int64_t it, int ep)
{
    const int epochs = (int)p->cfg->train.epochs;
    for (lidx_t i = 0; i < p->n; i++)
        ppo_shuffle(p->perm + (size_t)i * p->S, p->S, p->cfg->run.seed, (uint64_t)p->env->gid[i],
                    (uint64_t)it * (uint64_t)epochs + (uint64_t)ep);
}

/* Per-agent actors: agent after agent, all epochs (its weights stay hot,
 * nothing is exchanged). Shared: one step per minibatch on the exact sum
 * over every agent. */
static void update_actors(mappo_t *p, int64_t it, double lr)
{
    policyset_t *ps = p->ps;
    const int epochs = (int)p->cfg->train.epochs;
    const size_t P = p->net.n_params, S = (size_t)p->S;
    const double mg = p->cfg->train.max_grad_norm;
    if (!ps->shared) {
        for (lidx_t i = 0; i < p->n; i++) {
            float *w = policyset_params(ps, i);
            float *m = p->m + (size_t)i * p->net.stride, *v = p->v + (size_t)i * p->net.stride;
            int32_t *perm = p->perm + (size_t)i * S;
            for (int ep = 0; ep < epochs; ep++) {
                ppo_shuffle(perm, p->S, p->cfg->run.seed, (uint64_t)p->env->gid[i],
                            (uint64_t)it * (uint64_t)epochs + (uint64_t)ep);
                for (int b = 0; b < p->n_mb; b++) {
                    actor_grad(p, i, perm, b, w, ep == epochs - 1);
                    clip_grad(p->grad, P, mg);
                    adam_update(w, p->grad, m, v, P, p->adam_step + 1 + (int64_t)ep * p->n_mb + b,
                                lr);
                }
            }
        }
        p->adam_step += (int64_t)epochs * p->n_mb;
        return;
    }
    for (int ep = 0; ep < epochs; ep++) {
        shuffle_all(p, it, ep);
        for (int b = 0; b < p->n_mb; b++) {
            for (lidx_t i = 0; i < p->n; i++) {
                actor_grad(p, i, p->perm + (size_t)i * S, b, ps->params, ep == epochs - 1);
                fxsum_add(&p->asum, p->grad);
            }
            fxsum_reduce(&p->asum, p->grad, (double)p->N);
            clip_grad(p->grad, P, mg);
            p->adam_step++;
            adam_update(ps->params, p->grad, p->m, p->v, P, p->adam_step, lr);
        }
    }
}

/* The critic: one Adam step per minibatch on the exact mean over every
 * agent's share of the minibatch. */
static void update_critic(mappo_t *p, int64_t it, double lr)
{
    const int epochs = (int)p->cfg->train.epochs;
    const size_t Pc = p->cn.n_params, S = (size_t)p->S;
    for (int ep = 0; ep < epochs; ep++) {
        shuffle_all(p, it, ep);
        for (int b = 0; b < p->n_mb; b++) {
            for (lidx_t i = 0; i < p->n; i++) {
                critic_grad(p, i, p->perm + (size_t)i * S, b, ep == epochs - 1);
                fxsum_add(&p->csum, p->cgrad);
            }
            fxsum_reduce(&p->csum, p->cgrad, (double)p->N);
            clip_grad(p->cgrad, Pc, p->cfg->train.max_grad_norm);
            p->c_step++;
            adam_update(p->cp, p->cgrad, p->cm, p->cv, Pc, p->c_step, lr);
        }
    }
}

void mappo_iteration(mappo_t *p, int64_t it, ppo_stats_t *st, mappo_stats_t *ms)
{
    env_t *e = p->env;
    const double lr = lr_at(p, it);
    const double lam = p->lambda;
    for (lidx_t i = 0; i < p->n; i++)
        p->st_rew[i] = p->st_ent[i] = p->st_kl[i] = p->st_clip[i] = p->st_vl[i] = 0;
    for (int j = 0; j < p->B; j++) p->lam[j] = (float)lam;
    p->critic_s = 0;

    timer_start(TIMER_COLLECT);
    env_begin_episode(e, p->cfg->run.seed, ENV_NOISE_TRAIN, (uint64_t)it);
    for (lidx_t i = 0; i < p->n; i++) collect(p, i);
    double t0 = comm_wtime();
    build_share_obs(p);
    for (lidx_t i = 0; i < p->n; i++) values_and_advantages(p, i);
    p->critic_s += comm_wtime() - t0;
    timer_stop(TIMER_COLLECT);

    timer_start(TIMER_UPDATE);
    update_actors(p, it, lr);
    t0 = comm_wtime();
    update_critic(p, it, lr);
    p->critic_s += comm_wtime() - t0;
    timer_stop(TIMER_UPDATE);

    int64_t clamps = p->csum.clamps + p->asum.clamps;
    p->csum.clamps = p->asum.clamps = 0;
    comm_allreduce_int64(&clamps, 1, COMM_SUM);
    if (clamps && comm_rank() == 0)
        fprintf(stderr,
                "samarl train: warning: %lld gradient entries beyond 2^30 were clamped "
                "in iteration %lld (diverging? lower train.lr)\n",
                (long long)clamps, (long long)it);

    /* Statistics and the dual step: exact sums over all agents. */
    const double N = (double)p->N, S = (double)p->S;
    const double per_epoch = (double)p->n_mb * p->mb;
    const size_t n = (size_t)p->n;
    st->aug_reward = reprosum_global(p->st_rew, n) / (N * S);
    st->entropy = reprosum_global(p->st_ent, n) / (N * per_epoch);
    st->approx_kl = reprosum_global(p->st_kl, n) / (N * per_epoch);
    st->clip_frac = reprosum_global(p->st_clip, n) / (N * per_epoch);
    st->value_loss = reprosum_global(p->st_vl, n) / (N * per_epoch);
    st->agent_steps = (int64_t)p->N * p->S;
    const double total = reprosum_global(p->usage, n) / S; /* mean over steps of sum_i g_i */
    const double C = e->capacity;
    double l = lam + p->cfg->train.dual_lr * (total - C) / N;
    p->lambda = l > 0 ? l : 0.0;
    ms->lambda_used = lam;
    ms->lambda = p->lambda;
    ms->usage_ratio = C > 0 ? total / C : 0.0;
    ms->critic_s = p->critic_s;
}
