/* One TRPO step of a policy network (trpo.h). The network is policy.h's:
 * x -> tanh(W1^T x + b1) -> tanh(W2^T a1 + b2) -> Wh^T a2 + bh, weights
 * W[in][out] row-major; only the K logits enter the policy (the value
 * output is left alone). Samples go through in chunks of the work's size,
 * sums over them in sample order, in double. */
#include "trpo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/error.h"
#include "samarl/linalg.h"

trpo_opts_t trpo_defaults(void)
{
    return (trpo_opts_t){.delta = 0.01,
                         .damping = 0.1,
                         .accept_ratio = 0.5,
                         .backtrack = 0.8,
                         .cg_tol = 1e-10,
                         .cg_iters = 10,
                         .ls_steps = 10};
}

void trpo_init(trpo_t *t, const mlp_t *net, int S, int chunk)
{
    memset(t, 0, sizeof *t);
    SAMARL_ASSERT(S >= 1 && chunk >= 1);
    t->net = net;
    t->S = S;
    t->chunk = chunk < S ? chunk : S;
    t->K = net->actions;
    t->P = net->n_params;
    mlp_work_init(&t->work, net, t->chunk);
    const size_t ld = (size_t)t->work.ld, K = (size_t)t->K, H = (size_t)net->hidden;
    t->lp_old = alloc_floats(K * (size_t)S);
    t->p_old = alloc_floats(K * (size_t)S);
    const size_t chunks = ((size_t)S + (size_t)t->chunk - 1) / (size_t)t->chunk;
    t->a1c = alloc_floats(chunks * H * ld);
    t->a2c = alloc_floats(chunks * H * ld);
    t->lsm = alloc_floats(K * ld);
    t->psm = alloc_floats(K * ld);
    t->dz1 = alloc_floats(H * ld);
    t->dz2 = alloc_floats(H * ld);
    t->dl = alloc_floats(K * ld);
    t->vf = alloc_floats(t->P);
    t->gradf = alloc_floats(t->P);
    t->th = alloc_floats(t->P);
    t->g = XZNEW(double, t->P);
    t->d = XZNEW(double, t->P);
    t->cgw = XZNEW(double, 4 * t->P);
}

void trpo_free(trpo_t *t)
{
    mlp_work_free(&t->work);
    free(t->lp_old);
    free(t->p_old);
    free(t->lsm);
    free(t->psm);
    free(t->dz1);
    free(t->dz2);
    free(t->a1c);
    free(t->a2c);
    free(t->dl);
    free(t->vf);
    free(t->gradf);
    free(t->th);
    free(t->g);
    free(t->d);
    free(t->cgw);
    memset(t, 0, sizeof *t);
}

/* The chunk of samples [c0, c0 + m) forward at params: log-probabilities
 * and probabilities into t->lsm, t->psm ([K][ld]). */
static void chunk_forward(trpo_t *t, const float *params, const trpo_batch_t *b, int c0, int m)
{
    const mlp_t *net = t->net;
    const size_t ld = (size_t)t->work.ld;
    for (int c = 0; c < net->in; c++)
        memcpy(t->work.x + (size_t)c * ld, b->x + (size_t)c * b->ldx + (size_t)c0,
               sizeof(float) * (size_t)m);
    mlp_forward(net, params, m, &t->work);
    log_softmax_cols(t->work.out, ld, m, t->K, t->lsm, t->psm, NULL);
}

/* The chunk at c0 (of m samples) as trpo_prepare's forward pass left it:
 * its inputs and hidden activations (every lane of them, as the backward
 * pass reads them) into the work, without a forward pass: what fvp and grad
 * read at theta_old, the same bits. */
static void chunk_cached(trpo_t *t, const trpo_batch_t *b, int c0, int m)
{
    const size_t ld = (size_t)t->work.ld, H = (size_t)t->net->hidden;
    const size_t at = (size_t)(c0 / t->chunk) * H * ld;
    for (int c = 0; c < t->net->in; c++)
        memcpy(t->work.x + (size_t)c * ld, b->x + (size_t)c * b->ldx + (size_t)c0,
               sizeof(float) * (size_t)m);
    memcpy(t->work.a1, t->a1c + at, sizeof(float) * H * ld);
    memcpy(t->work.a2, t->a2c + at, sizeof(float) * H * ld);
}

void trpo_prepare(trpo_t *t, const float *params, const trpo_batch_t *b)
{
    SAMARL_ASSERT(b->S == t->S);
    const size_t S = (size_t)t->S, ld = (size_t)t->work.ld, H = (size_t)t->net->hidden;
    for (int c0 = 0; c0 < t->S; c0 += t->chunk) {
        const int m = t->S - c0 < t->chunk ? t->S - c0 : t->chunk;
        chunk_forward(t, params, b, c0, m);
        const size_t at = (size_t)(c0 / t->chunk) * H * ld;
        memcpy(t->a1c + at, t->work.a1, sizeof(float) * H * ld);
        memcpy(t->a2c + at, t->work.a2, sizeof(float) * H * ld);
        for (int k = 0; k < t->K; k++) {
            memcpy(t->lp_old + (size_t)k * S + (size_t)c0, t->lsm + (size_t)k * ld,
                   sizeof(float) * (size_t)m);
            memcpy(t->p_old + (size_t)k * S + (size_t)c0, t->psm + (size_t)k * ld,
                   sizeof(float) * (size_t)m);
        }
    }
}

/* Backward of the chunk whose d loss / d logits the caller left in
 * work.dout (value row zeroed), added to acc[P]. */
static void chunk_backward_add(trpo_t *t, const float *params, int m, double *acc)
{
    const size_t ld = (size_t)t->work.ld, K = (size_t)t->K;
    memset(t->work.dout + K * ld, 0, sizeof(float) * ld); /* the value output */
    mlp_backward(t->net, params, m, &t->work, t->gradf);
    for (size_t q = 0; q < t->P; q++) acc[q] += t->gradf[q];
}

void trpo_grad(trpo_t *t, const float *params, const trpo_batch_t *b, double *g)
{
    const size_t S = (size_t)t->S, ld = (size_t)t->work.ld;
    memset(g, 0, sizeof(double) * t->P);
    const float inv = 1.0f / (float)t->S;
    for (int c0 = 0; c0 < t->S; c0 += t->chunk) {
        const int m = t->S - c0 < t->chunk ? t->S - c0 : t->chunk;
        chunk_cached(t, b, c0, m);
        /* d L / d logit_k = 1/S w A (1[k = a] - p_k) at theta_old (ratio 1). */
        for (int r = 0; r < m; r++) {
            const size_t s = (size_t)c0 + (size_t)r;
            const float wa = (b->weight ? b->weight[s] : 1.0f) * b->adv[s] * inv;
            for (int k = 0; k < t->K; k++)
                t->work.dout[(size_t)k * ld + (size_t)r] =
                    wa * ((k == b->act[s] ? 1.0f : 0.0f) - t->p_old[(size_t)k * S + s]);
        }
        chunk_backward_add(t, params, m, g); /* dout = d L / d out: g = grad L */
    }
}

void trpo_fvp(trpo_t *t, const float *params, const trpo_batch_t *b, const double *v,
              double damping, double *out)
{
    const mlp_t *net = t->net;
    const size_t S = (size_t)t->S, ld = (size_t)t->work.ld, H = (size_t)net->hidden;
    const size_t in = (size_t)net->in, O = (size_t)net->out, K = (size_t)t->K;
    for (size_t q = 0; q < t->P; q++) t->vf[q] = (float)v[q];
    const float *vW1 = t->vf + net->oW1, *vb1 = t->vf + net->ob1, *vW2 = t->vf + net->oW2,
                *vb2 = t->vf + net->ob2, *vWh = t->vf + net->oWh, *vbh = t->vf + net->obh;
    const float *W2 = params + net->oW2, *Wh = params + net->oWh;
    memset(out, 0, sizeof(double) * t->P);
    const float inv = 1.0f / (float)t->S;
    for (int c0 = 0; c0 < t->S; c0 += t->chunk) {
        const int m = t->S - c0 < t->chunk ? t->S - c0 : t->chunk;
        const size_t mz = (size_t)m;
        chunk_cached(t, b, c0, m);
        const float *x = t->work.x, *a1 = t->work.a1, *a2 = t->work.a2;
        /* J v, forward mode (three products per layer through BLAS):
         * dz1 = vW1^T x + vb1, da1 = (1 - a1^2) dz1; dz2 = vW2^T a1 + W2^T da1
         * + vb2, da2 = (1 - a2^2) dz2; dl = vWh^T a2 + Wh^T da2 + vbh. */
        const int Hi = (int)H, Ki = (int)K, in_i = (int)in, ldi = (int)ld;
        linalg_sgemm(1, 0, Hi, m, in_i, 1.0f, vW1, Hi, x, ldi, 0.0f, t->dz1, ldi);
        for (size_t h = 0; h < H; h++) {
            float *z = t->dz1 + h * ld;
            const float *a = a1 + h * ld;
            for (size_t s = 0; s < mz; s++) z[s] = (z[s] + vb1[h]) * (1.0f - a[s] * a[s]);
        }
        linalg_sgemm(1, 0, Hi, m, Hi, 1.0f, vW2, Hi, a1, ldi, 0.0f, t->dz2, ldi);
        linalg_sgemm(1, 0, Hi, m, Hi, 1.0f, W2, Hi, t->dz1, ldi, 1.0f, t->dz2, ldi);
        for (size_t h = 0; h < H; h++) {
            float *z = t->dz2 + h * ld;
            const float *a = a2 + h * ld;
            for (size_t s = 0; s < mz; s++) z[s] = (z[s] + vb2[h]) * (1.0f - a[s] * a[s]);
        }
        linalg_sgemm(1, 0, Ki, m, Hi, 1.0f, vWh, (int)O, a2, ldi, 0.0f, t->dl, ldi);
        linalg_sgemm(1, 0, Ki, m, Hi, 1.0f, Wh, (int)O, t->dz2, ldi, 1.0f, t->dl, ldi);
        for (size_t k = 0; k < K; k++)
            for (size_t s = 0; s < mz; s++) t->dl[k * ld + s] += vbh[k];
        /* u = (diag p - p p^T) J v / S, then J^T u by the backward pass. */
        for (size_t s = 0; s < mz; s++) {
            const size_t so = (size_t)c0 + s;
            float pd = 0.0f;
            for (size_t k = 0; k < K; k++) pd += t->p_old[k * S + so] * t->dl[k * ld + s];
            for (size_t k = 0; k < K; k++)
                t->work.dout[k * ld + s] = inv * t->p_old[k * S + so] * (t->dl[k * ld + s] - pd);
        }
        chunk_backward_add(t, params, m, out);
    }
    for (size_t q = 0; q < t->P; q++) out[q] += damping * v[q];
}

void trpo_eval(trpo_t *t, const float *params, const trpo_batch_t *b, double *surr, double *kl)
{
    const size_t S = (size_t)t->S, ld = (size_t)t->work.ld;
    double L = 0, KL = 0;
    for (int c0 = 0; c0 < t->S; c0 += t->chunk) {
        const int m = t->S - c0 < t->chunk ? t->S - c0 : t->chunk;
        chunk_forward(t, params, b, c0, m);
        for (int r = 0; r < m; r++) {
            const size_t s = (size_t)c0 + (size_t)r;
            const int a = b->act[s];
            const double ratio =
                exp((double)t->lsm[(size_t)a * ld + (size_t)r] - t->lp_old[(size_t)a * S + s]);
            L += (b->weight ? b->weight[s] : 1.0) * b->adv[s] * ratio;
            double k1 = 0;
            for (int k = 0; k < t->K; k++)
                k1 += (double)t->p_old[(size_t)k * S + s] *
                      ((double)t->lp_old[(size_t)k * S + s] - t->lsm[(size_t)k * ld + (size_t)r]);
            KL += k1;
        }
    }
    *surr = L / (double)t->S;
    *kl = KL / (double)t->S;
}

double trpo_entropy(trpo_t *t, const float *params, const trpo_batch_t *b)
{
    const mlp_t *net = t->net;
    const size_t ld = (size_t)t->work.ld;
    float *ent = t->dz1; /* [ld] scratch, free outside a product */
    double H = 0;
    for (int c0 = 0; c0 < t->S; c0 += t->chunk) {
        const int m = t->S - c0 < t->chunk ? t->S - c0 : t->chunk;
        for (int c = 0; c < net->in; c++)
            memcpy(t->work.x + (size_t)c * ld, b->x + (size_t)c * b->ldx + (size_t)c0,
                   sizeof(float) * (size_t)m);
        mlp_forward(net, params, m, &t->work);
        log_softmax_cols(t->work.out, ld, m, t->K, t->lsm, t->psm, ent);
        for (int r = 0; r < m; r++) H += ent[r];
    }
    return H / (double)t->S;
}

int trpo_cg(trpo_av_fn av, void *ctx, const double *rhs, double *x, size_t n, int iters, double tol,
            double *work)
{
    double *r = work, *p = work + n, *Ap = work + 2 * n;
    memset(x, 0, sizeof(double) * n);
    memcpy(r, rhs, sizeof(double) * n);
    memcpy(p, rhs, sizeof(double) * n);
    double rr = 0;
    for (size_t q = 0; q < n; q++) rr += r[q] * r[q];
    int it = 0;
    while (it < iters && rr >= tol) {
        av(ctx, p, Ap);
        double pAp = 0;
        for (size_t q = 0; q < n; q++) pAp += p[q] * Ap[q];
        if (!(pAp > 0)) break; /* not positive definite along p (or a zero direction) */
        const double alpha = rr / pAp;
        double rr1 = 0;
        for (size_t q = 0; q < n; q++) {
            x[q] += alpha * p[q];
            r[q] -= alpha * Ap[q];
            rr1 += r[q] * r[q];
        }
        const double beta = rr1 / rr;
        for (size_t q = 0; q < n; q++) p[q] = r[q] + beta * p[q];
        rr = rr1;
        it++;
    }
    return it;
}

int trpo_search(trpo_eval_fn eval, void *ctx, float *params, float *saved, size_t P,
                const double *full, double expected, double kl_limit, const trpo_opts_t *o,
                trpo_result_t *r)
{
    memcpy(saved, params, sizeof(float) * P);
    double L0, kl0;
    eval(ctx, params, &L0, &kl0);
    double frac = 1.0, exp_k = expected;
    r->accepted = 0;
    r->expected = expected;
    r->fraction = 0;
    r->kl = 0;
    r->improvement = 0;
    for (int k = 1; k <= o->ls_steps; k++) {
        for (size_t q = 0; q < P; q++) params[q] = (float)((double)saved[q] + frac * full[q]);
        double L, kl;
        eval(ctx, params, &L, &kl);
        const double imp = L - L0;
        r->trials = k;
        if (kl < kl_limit && imp > 0 &&
            (o->accept_ratio <= 0 || (exp_k > 0 && imp / exp_k > o->accept_ratio))) {
            r->accepted = 1;
            r->fraction = frac;
            r->kl = kl;
            r->improvement = imp;
            return 1;
        }
        frac *= o->backtrack;
        exp_k *= o->backtrack;
    }
    r->trials = o->ls_steps + 1;
    memcpy(params, saved, sizeof(float) * P);
    return 0;
}

typedef struct eval_ctx {
    trpo_t *t;
    const trpo_batch_t *b;
} eval_ctx_t;

static void eval_cb(void *ctx, const float *params, double *surr, double *kl)
{
    eval_ctx_t *c = ctx;
    trpo_eval(c->t, params, c->b, surr, kl);
}

int trpo_line_search(trpo_t *t, float *params, const trpo_batch_t *b, const double *full,
                     double expected, const trpo_opts_t *o, trpo_result_t *r)
{
    eval_ctx_t c = {t, b};
    return trpo_search(eval_cb, &c, params, t->th, t->P, full, expected, o->delta, o, r);
}

int trpo_direction(trpo_av_fn fvp, void *ctx, const double *g, double *d, size_t P,
                   const trpo_opts_t *o, double *work, double *expected, trpo_result_t *r)
{
    r->cg_iters = trpo_cg(fvp, ctx, g, d, P, o->cg_iters, o->cg_tol, work);
    /* Scale so that the quadratic KL 1/2 d^T (F + damping) d is delta. */
    double *Fd = work + 3 * P;
    fvp(ctx, d, Fd);
    double shs = 0, gd = 0;
    for (size_t q = 0; q < P; q++) {
        shs += 0.5 * d[q] * Fd[q];
        gd += g[q] * d[q];
    }
    *expected = 0;
    if (!(shs > 0)) return 0; /* a zero gradient: nothing to step along */
    const double scale = 1.0 / sqrt(shs / o->delta);
    double norm = 0;
    for (size_t q = 0; q < P; q++) {
        d[q] *= scale;
        norm += d[q] * d[q];
    }
    r->step_norm = sqrt(norm);
    *expected = gd * scale;
    return 1;
}

typedef struct fvp_ctx {
    trpo_t *t;
    const float *params;
    const trpo_batch_t *b;
    double damping;
} fvp_ctx_t;

static void fvp_cb(void *ctx, const double *v, double *out)
{
    fvp_ctx_t *c = ctx;
    trpo_fvp(c->t, c->params, c->b, v, c->damping, out);
}

int trpo_step(trpo_t *t, float *params, const trpo_batch_t *b, const trpo_opts_t *o,
              trpo_result_t *r)
{
    memset(r, 0, sizeof *r);
    trpo_prepare(t, params, b);
    trpo_grad(t, params, b, t->g);
    fvp_ctx_t c = {.t = t, .params = params, .b = b, .damping = o->damping};
    double expected;
    if (!trpo_direction(fvp_cb, &c, t->g, t->d, t->P, o, t->cgw, &expected, r)) {
        r->trials = 0;
        return 0;
    }
    return trpo_line_search(t, params, b, t->d, expected, o, r);
}
