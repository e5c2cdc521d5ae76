/* What the PPO-family trainers share (see ppo_common.h). */
#include "ppo_common.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/error.h"
#include "samarl/fastmath.h"
#include "samarl/h5io.h"
#include "samarl/policy.h"
#include "samarl/rng.h"
#include "samarl/timer.h"

/* Fisher-Yates shuffle of 0..S-1 keyed by (gid, iteration, epoch): one
 * counter-based block seeds a SplitMix64 sequence (a counter-based draw per
 * swap cost more than the rest of the shuffle); each 64-bit output gives two
 * 32-bit multiply-shift draws (bias below S / 2^32, 1e-6 at default sizes). */
void ppo_shuffle(int32_t *perm, int S, uint64_t seed, uint64_t gid, uint64_t round)
{
    for (int s = 0; s < S; s++) perm[s] = s;
    const rng_block_t blk = rng_block(seed, RNG_STREAM_PERM, gid, round);
    uint64_t x = ((uint64_t)blk.v[0] << 32) | blk.v[1], z = 0;
    for (int s = S - 1; s > 0; s--) {
        const int k = S - 1 - s;
        if (!(k & 1)) {
            z = (x += 0x9E3779B97F4A7C15ull);
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
            z ^= z >> 31;
        }
        const uint32_t u = (uint32_t)(k & 1 ? z >> 32 : z);
        const uint32_t r = (uint32_t)(((uint64_t)u * (uint64_t)(s + 1)) >> 32);
        const int32_t tmp = perm[s];
        perm[s] = perm[r];
        perm[r] = tmp;
    }
}

/* The clipped surrogate with the entropy bonus of m samples with
 * feature-major logits out[K][ld], averaged: -min(ratio A, clip(ratio) A)
 * - ce H. Writes its gradient w.r.t. the logits to dout[K][ld]; the
 * log-probabilities, probabilities and entropies it computes stay in
 * sc->lsm, psm, hsm, and log pi(a) and whether the ratio was clipped in
 * sc->lpa, clipped. With weights w > 0, each sample's surrogate term is
 * -w min(ratio A, clip(ratio) A) = -min(ratio wA, clip(ratio) wA): its
 * gradient scales by w (the entropy bonus does not). Every loop runs along the samples and
 * vectorises. */
SAMARL_CLONES
void ppo_surrogate(const ppo_batch_t *sc, const float *restrict out, size_t ld, int m, int K,
                   double clip, double entropy, float *restrict dout)
{
    const uint8_t *restrict act = sc->act;
    const float *restrict lp_old = sc->lp_old, *restrict adv = sc->adv;
    float *restrict lpa = sc->lpa, *restrict gpl = sc->gpl, *restrict H = sc->hsm;
    float *restrict lsm = sc->lsm, *restrict psm = sc->psm;
    uint8_t *restrict clipped = sc->clipped;
    const float eps = (float)clip, ce = (float)entropy, im = 1.0f / (float)m;
    log_softmax_cols(out, ld, m, K, lsm, psm, H);
    for (int r = 0; r < m; r++) lpa[r] = 0.0f;
    for (int k = 0; k < K; k++) {
        const float *restrict l = lsm + (size_t)k * ld;
        for (int r = 0; r < m; r++) lpa[r] = act[r] == k ? l[r] : lpa[r];
    }
    for (int r = 0; r < m; r++) {
        const float ratio = exp_f(lpa[r] - lp_old[r]), A = adv[r];
        float rc = ratio < 1.0f - eps ? 1.0f - eps : ratio;
        rc = rc > 1.0f + eps ? 1.0f + eps : rc;
        /* d(-min(ratio A, clip(ratio) A))/d log pi(a): -ratio A when the
         * unclipped term is the minimum, else 0. */
        gpl[r] = ratio * A <= rc * A ? -ratio * A : 0.0f;
        clipped[r] = rc != ratio;
    }
    /* Weighted apart, so that the unweighted loss keeps its bits. */
    if (sc->weight)
        for (int r = 0; r < m; r++) gpl[r] *= sc->weight[r];
    for (int k = 0; k < K; k++) {
        const float *restrict l = lsm + (size_t)k * ld, *restrict pr = psm + (size_t)k * ld;
        float *restrict d = dout + (size_t)k * ld;
        for (int r = 0; r < m; r++) {
            const float hot = act[r] == k ? 1.0f : 0.0f;
            d[r] = im * (gpl[r] * (hot - pr[r]) + ce * pr[r] * (l[r] + H[r]));
        }
    }
}

void ppo_clip_grad(float *g, size_t n, double max_norm)
{
    if (max_norm <= 0) return;
    double sq = 0;
    for (size_t k = 0; k < n; k++) sq += (double)g[k] * g[k];
    const double norm = sqrt(sq);
    if (norm <= max_norm) return;
    const float s = (float)(max_norm / (norm + 1e-6));
    for (size_t k = 0; k < n; k++) g[k] *= s;
}

double ppo_lr_at(const config_t *c, int64_t it)
{
    if (c->train.lr_final < 0) /* halving every lr_halflife iterations: the same whatever */
        return c->train.lr_halflife > 0 /* the total, so --resume to more iterations is exact */
                   ? c->train.lr * exp2(-(double)it / c->train.lr_halflife)
                   : c->train.lr;
    if (c->train.iterations <= 1) return c->train.lr;
    double f = (double)it / (double)(c->train.iterations - 1);
    if (f > 1) f = 1;
    return c->train.lr + (c->train.lr_final - c->train.lr) * f;
}

void ppo_warn_clamps(int64_t clamps, int64_t it)
{
    comm_allreduce_int64(&clamps, 1, COMM_SUM);
    if (clamps && comm_rank() == 0)
        fprintf(stderr,
                "samarl train: warning: %lld gradient entries beyond 2^30 were clamped "
                "in iteration %lld (diverging? lower train.lr)\n",
                (long long)clamps, (long long)it);
}

/* ---- the actors and their update ------------------------------------------------- */

double ppo_actors_work_bytes(const config_t *cfg, const mlp_t *net, int shared)
{
    const size_t S = (size_t)(cfg->train.copies * cfg->env.horizon);
    const size_t per_mb = S / (size_t)cfg->train.minibatches; /* whole samples per minibatch */
    const double mb = (double)per_mb;
    const double ld = ceil(mb / 16) * 16;
    const double P = (double)net->stride, H = net->hidden, O = net->out;
    double b = ((net->in + 4 * H + 2 * O) * ld + (H > O ? H : O) * H) * 4; /* minibatch work */
    b += mb * (7 * 4 + 2) + 2 * (double)net->actions * ld * 4; /* [mb] arrays, [K][ld] */
    b += P * 4 + (shared ? P * (16 + 24) : 0);                 /* gradient, exact sum */
    return b;
}

void ppo_actors_init(ppo_actors_t *a, const config_t *cfg, env_t *env, policyset_t *ps,
                     int value_head, fxsum_grid_t grid)
{
    memset(a, 0, sizeof *a);
    a->cfg = cfg;
    a->env = env;
    a->ps = ps;
    a->net = ps->net;
    a->value_head = value_head;
    a->value_norm = value_head && cfg->train.value_norm;
    a->vn_mu = 0;
    a->vn_isd = a->vn_var = 1;
    a->S = (int)cfg->env.horizon * env->copies;
    a->n_mb = (int)cfg->train.minibatches;
    a->mb = a->S / a->n_mb;
    SAMARL_ASSERT(a->mb >= 1);
    const size_t P = a->net.stride, nn = (size_t)ps->n_nets;
    /* Zeroed pages from calloc: a policy that is never trained (iterations = 0)
     * never makes them resident. */
    a->m = xcalloc(nn * P, sizeof(float));
    a->v = xcalloc(nn * P, sizeof(float));
    const size_t n_perm = ps->shared && env->n > 0 ? (size_t)env->n : 1;
    a->perm = XNEW(int32_t, n_perm * (size_t)a->S);
    mlp_work_init(&a->work, &a->net, a->mb);
    a->ab = XNEW(uint8_t, a->mb);
    a->lpb = alloc_floats(a->mb);
    a->lsm = alloc_floats((size_t)a->net.actions * (size_t)a->work.ld);
    a->psm = alloc_floats((size_t)a->net.actions * (size_t)a->work.ld);
    a->hsm = alloc_floats(a->mb);
    a->lpa = alloc_floats(a->mb);
    a->gpl = alloc_floats(a->mb);
    a->clipped = XNEW(uint8_t, a->mb);
    a->advb = alloc_floats(a->mb);
    a->retb = alloc_floats(a->mb);
    a->wb = alloc_floats(a->mb);
    a->grad = alloc_floats(P);
    if (ps->shared) fxsum_init(&a->gsum, a->net.n_params, grid);
    const lidx_t na = env->n > 0 ? env->n : 1;
    a->vn = XZNEW(float, nn * 3); /* zeros: no moments yet, the identity */
    a->vn_s = XZNEW(double, na);
    a->vn_q = XZNEW(double, na);
    a->st_ent = XZNEW(double, na);
    a->st_kl = XZNEW(double, na);
    a->st_clip = XZNEW(double, na);
    a->st_vl = XZNEW(double, na);
}

void ppo_actors_free(ppo_actors_t *a)
{
    free(a->m);
    free(a->v);
    free(a->perm);
    mlp_work_free(&a->work);
    free(a->ab);
    free(a->lpb);
    free(a->lsm);
    free(a->psm);
    free(a->hsm);
    free(a->lpa);
    free(a->gpl);
    free(a->clipped);
    free(a->advb);
    free(a->retb);
    free(a->wb);
    free(a->grad);
    fxsum_free(&a->gsum);
    free(a->vn);
    free(a->vn_s);
    free(a->vn_q);
    free(a->st_ent);
    free(a->st_kl);
    free(a->st_clip);
    free(a->st_vl);
    memset(a, 0, sizeof *a);
}

void ppo_actors_begin(ppo_actors_t *a)
{
    for (lidx_t i = 0; i < a->env->n; i++)
        a->st_ent[i] = a->st_kl[i] = a->st_clip[i] = a->st_vl[i] = 0;
}

/* ---- PopArt value heads ------------------------------------------------------------ */

/* Moments move a tenth of the way to each iteration's returns; the debias
 * weight makes the first iteration's the moments themselves. The sd is
 * floored so that constant returns do not blow the targets up. */
#define VALUE_NORM_RATE 0.1
#define VALUE_NORM_MIN_VAR 1e-8

/* Mean and variance of network k's running moments (0 and 1 before any). */
static void value_norm_moments(const float *vn, double *mu, double *var)
{
    if (!(vn[2] > 0)) {
        *mu = 0;
        *var = 1;
        return;
    }
    *mu = (double)vn[0] / vn[2];
    const double v = (double)vn[1] / vn[2] - *mu * *mu;
    *var = v > VALUE_NORM_MIN_VAR ? v : VALUE_NORM_MIN_VAR;
}

/* Network k's moments for the minibatches' targets. */
static void value_norm_select(ppo_actors_t *a, lidx_t k)
{
    if (!a->value_norm) return;
    value_norm_moments(a->vn + (size_t)k * 3, &a->vn_mu, &a->vn_var);
    a->vn_isd = 1.0 / sqrt(a->vn_var);
}

void ppo_values_denormalise(const ppo_actors_t *a, lidx_t k, rollout_t *ro)
{
    if (!a->value_norm) return;
    double mu, var;
    value_norm_moments(a->vn + (size_t)k * 3, &mu, &var);
    const double sd = sqrt(var);
    for (int s = 0; s < a->S; s++) ro->val[s] = (float)(mu + sd * (double)ro->val[s]);
}

/* Network k: move the moments towards mean sum / n and mean square sq / n,
 * and rescale its value output so that mean + sd * out keeps its value. */
static void value_norm_update(ppo_actors_t *a, lidx_t k, double sum, double sq, double n)
{
    float *vn = a->vn + (size_t)k * 3;
    double mu0, var0, mu1, var1;
    value_norm_moments(vn, &mu0, &var0);
    const double c = VALUE_NORM_RATE;
    vn[0] = (float)((1 - c) * vn[0] + c * (sum / n));
    vn[1] = (float)((1 - c) * vn[1] + c * (sq / n));
    vn[2] = (float)((1 - c) * vn[2] + c);
    value_norm_moments(vn, &mu1, &var1);
    const double sd0 = sqrt(var0), sd1 = sqrt(var1);
    float *w = a->ps->shared ? a->ps->params : policyset_params(a->ps, k);
    const mlp_t *net = &a->net;
    const int A = net->actions, O = net->out;
    for (int h = 0; h < net->hidden; h++) {
        float *wv = w + net->oWh + (size_t)h * (size_t)O + (size_t)A;
        *wv = (float)(*wv * sd0 / sd1);
    }
    float *bv = w + net->obh + (size_t)A;
    *bv = (float)((sd0 * *bv + mu0 - mu1) / sd1);
}

static void returns_sums(const ppo_actors_t *a, const rollout_t *ro, double *sum, double *sq)
{
    double s1 = 0, s2 = 0;
    for (int s = 0; s < a->S; s++) {
        const double r = ro->ret[s];
        s1 += r;
        s2 += r * r;
    }
    *sum = s1;
    *sq = s2;
}

void ppo_value_norm_agent(ppo_actors_t *a, lidx_t i, const rollout_t *ro)
{
    if (!a->value_norm) return;
    double sum, sq;
    returns_sums(a, ro, &sum, &sq);
    value_norm_update(a, i, sum, sq, (double)a->S);
}

void ppo_value_norm_shared(ppo_actors_t *a, const rollout_t *ro)
{
    if (!a->value_norm) return;
    const lidx_t n = a->env->n;
    for (lidx_t i = 0; i < n; i++) returns_sums(a, &ro[i], &a->vn_s[i], &a->vn_q[i]);
    const double sum = reprosum_global(a->vn_s, (size_t)n),
                 sq = reprosum_global(a->vn_q, (size_t)n);
    value_norm_update(a, 0, sum, sq, (double)a->env->n_global * a->S);
}

void ppo_value_norm_save(const ppo_actors_t *a, pfio_t *io)
{
    if (!a->value_norm) return;
    pfio_put_table(io, "/value_norm", a->vn, 3, "1",
                   "PopArt value head: running mean of the value targets, of their squares "
                   "(both times the debias weight), debias weight; value = mean + sd * output");
}

int ppo_value_norm_load(ppo_actors_t *a, pfio_t *io)
{
    if (!a->value_norm) return SAMARL_OK;
    int nd;
    gidx_t dims[2];
    if (h5io_shape(pfio_h5(io), "/value_norm", &nd, dims) != SAMARL_OK) {
        samarl_clearerr();
        return samarl_seterr("%s: no /value_norm (the value heads' PopArt state): it was trained "
                             "with train.value_norm = false, so resume it with that setting",
                             pfio_path(io));
    }
    if (pfio_check_table(io, "/value_norm", 3)) return SAMARL_ERR;
    pfio_get_table(io, "/value_norm", a->vn, 3);
    return SAMARL_OK;
}

/* The loss of a minibatch: the surrogate over the K logits plus, with a
 * value head, cv (v - ret)^2 on the value output out[K] (else its gradient
 * is 0). */
SAMARL_CLONES
static void minibatch_loss(ppo_actors_t *a, const float *restrict out, size_t ld, int m, int K,
                           const float *weight, float *restrict dout)
{
    const ppo_batch_t sc = {.act = a->ab,
                            .lp_old = a->lpb,
                            .adv = a->advb,
                            .weight = weight,
                            .lsm = a->lsm,
                            .psm = a->psm,
                            .hsm = a->hsm,
                            .lpa = a->lpa,
                            .gpl = a->gpl,
                            .clipped = a->clipped};
    ppo_surrogate(&sc, out, ld, m, K, a->cfg->train.clip, a->cfg->train.entropy, dout);
    float *restrict dv = dout + (size_t)K * ld;
    if (!a->value_head) {
        for (int r = 0; r < m; r++) dv[r] = 0.0f;
        return;
    }
    const float cv = (float)a->cfg->train.value_coef, im = 1.0f / (float)m;
    const float *restrict v = out + (size_t)K * ld, *restrict ret = a->retb;
    for (int r = 0; r < m; r++) dv[r] = im * 2.0f * cv * (v[r] - ret[r]);
}

/* Loss gradient of minibatch b of rollout ro (agent i), with the samples'
 * weights (NULL: 1), into a->grad; statistics into the agent's sums in the
 * last epoch. */
static void minibatch_grad(ppo_actors_t *a, lidx_t i, const rollout_t *ro, const float *weight,
                           const int32_t *perm, int b, const float *params, int last_epoch)
{
    const int m = a->mb, K = a->net.actions;
    const size_t ld = (size_t)a->work.ld, S = (size_t)a->S;
    const int32_t *ix = perm + (size_t)b * m;
    for (int c = 0; c < a->net.in; c++) {
        const float *src = ro->x + (size_t)c * S;
        float *dst = a->work.x + (size_t)c * ld;
        for (int r = 0; r < m; r++) dst[r] = src[ix[r]];
    }
    for (int r = 0; r < m; r++) {
        const int32_t s = ix[r];
        a->ab[r] = ro->act[s];
        a->lpb[r] = ro->logp[s];
        a->advb[r] = ro->adv[s];
        a->retb[r] = ro->ret[s];
    }
    if (a->value_norm)
        for (int r = 0; r < m; r++) a->retb[r] = (float)((a->retb[r] - a->vn_mu) * a->vn_isd);
    if (weight)
        for (int r = 0; r < m; r++) a->wb[r] = weight[ix[r]];
    mlp_forward(&a->net, params, m, &a->work);
    minibatch_loss(a, a->work.out, ld, m, K, weight ? a->wb : NULL, a->work.dout);
    mlp_backward(&a->net, params, m, &a->work, a->grad);
    if (last_epoch) {
        double ent = 0, kl = 0, clipped = 0, vl = 0;
        for (int r = 0; r < m; r++) {
            ent += a->hsm[r];
            kl += a->lpb[r] - a->lpa[r];
            clipped += a->clipped[r];
        }
        if (a->value_head)
            for (int r = 0; r < m; r++) {
                const double verr = (double)a->work.out[(size_t)K * ld + r] - a->retb[r];
                vl += verr * verr;
            }
        a->st_ent[i] += ent;
        a->st_kl[i] += kl;
        a->st_clip[i] += clipped;
        if (a->value_head) a->st_vl[i] += vl * a->vn_var; /* in the returns' units */
    }
}

void ppo_update_agent(ppo_actors_t *a, lidx_t i, const rollout_t *ro, const float *weight,
                      int64_t it, double lr)
{
    const int epochs = (int)a->cfg->train.epochs;
    const size_t P = a->net.n_params;
    const uint64_t gid = (uint64_t)a->env->gid[i];
    float *w = policyset_params(a->ps, i);
    float *m = a->m + (size_t)i * a->net.stride, *v = a->v + (size_t)i * a->net.stride;
    value_norm_select(a, i);
    for (int ep = 0; ep < epochs; ep++) {
        ppo_shuffle(a->perm, a->S, a->cfg->run.seed, gid,
                    (uint64_t)it * (uint64_t)epochs + (uint64_t)ep);
        for (int b = 0; b < a->n_mb; b++) {
            minibatch_grad(a, i, ro, weight, a->perm, b, w, ep == epochs - 1);
            ppo_clip_grad(a->grad, P, a->cfg->train.max_grad_norm);
            adam_update(w, a->grad, m, v, P, a->adam_step + 1 + (int64_t)ep * a->n_mb + b, lr);
        }
    }
}

void ppo_actors_agents_done(ppo_actors_t *a)
{
    a->adam_step += a->cfg->train.epochs * a->n_mb;
}

void ppo_update_shared(ppo_actors_t *a, const rollout_t *ro, int64_t it, double lr)
{
    const env_t *e = a->env;
    const int epochs = (int)a->cfg->train.epochs;
    const size_t P = a->net.n_params, S = (size_t)a->S;
    float *w = a->ps->params;
    value_norm_select(a, 0);
    for (int ep = 0; ep < epochs; ep++) {
        for (lidx_t i = 0; i < e->n; i++)
            ppo_shuffle(a->perm + (size_t)i * S, a->S, a->cfg->run.seed, (uint64_t)e->gid[i],
                        (uint64_t)it * (uint64_t)epochs + (uint64_t)ep);
        for (int b = 0; b < a->n_mb; b++) {
            for (lidx_t i = 0; i < e->n; i++) {
                minibatch_grad(a, i, &ro[i], NULL, a->perm + (size_t)i * S, b, w, ep == epochs - 1);
                fxsum_add(&a->gsum, a->grad);
            }
            fxsum_reduce(&a->gsum, a->grad, (double)e->n_global);
            ppo_clip_grad(a->grad, P, a->cfg->train.max_grad_norm);
            a->adam_step++;
            adam_update(w, a->grad, a->m, a->v, P, a->adam_step, lr);
        }
    }
}

void ppo_actors_stats(const ppo_actors_t *a, const rollouts_t *rs, trainer_stats_t *st)
{
    const env_t *e = a->env;
    const double n = (double)e->n_global, S = (double)a->S;
    const double per_epoch = (double)a->n_mb * a->mb;
    const size_t nl = (size_t)e->n;
    st->aug_reward = reprosum_global(rs->rew, nl) / (n * S);
    st->entropy = reprosum_global(a->st_ent, nl) / (n * per_epoch);
    st->approx_kl = reprosum_global(a->st_kl, nl) / (n * per_epoch);
    st->clip_frac = reprosum_global(a->st_clip, nl) / (n * per_epoch);
    st->value_loss = reprosum_global(a->st_vl, nl) / (n * per_epoch);
    st->agent_steps = (int64_t)e->n_global * a->S;
}

/* ---- the actors' Adam state in the policy file ----------------------------------- */

void ppo_adam_save(pfio_t *io, const float *m, const float *v, int64_t step)
{
    if (!pfio_weights_only(io)) {
        pfio_put_rows(io, "/adam_m", m, "1", "Adam first moments, like /params");
        pfio_put_rows(io, "/adam_v", v, "1", "Adam second moments, like /params");
    }
    h5io_attr_int64(pfio_h5(io), "/", "adam_step", step, "1");
}

int ppo_adam_load(pfio_t *io, float *m, float *v, int64_t *step)
{
    int nd;
    gidx_t dims[2];
    if (h5io_shape(pfio_h5(io), "/adam_m", &nd, dims) != SAMARL_OK) {
        samarl_clearerr();
        return samarl_seterr("%s: holds the networks but no Adam state (it was written with "
                             "train.save_adam = false), so training cannot resume from it; "
                             "it can still be run and evaluated",
                             pfio_path(io));
    }
    if (pfio_check_rows(io, "/adam_m") || pfio_check_rows(io, "/adam_v") ||
        h5io_attr_read_int64(pfio_h5(io), "/", "adam_step", step))
        return SAMARL_ERR;
    pfio_get_rows(io, "/adam_m", m);
    pfio_get_rows(io, "/adam_v", v);
    return SAMARL_OK;
}
