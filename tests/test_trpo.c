/* The TRPO step (src/train/trpo.c), checked against quantities computed
 * here independently:
 *   - the Fisher-vector product against finite differences of the mean
 *     KL, in double precision, through a reference network written from
 *     policy.h's documented layout: u^T F v = d^2/(da db) KL(theta + a v +
 *     b u) at 0 (central differences, relative 1e-4), for basis and
 *     random directions u;
 *   - conjugate gradient on a known symmetric positive definite system
 *     (relative residual 1e-6);
 *   - the line search: a step that breaks the KL bound at every trial is
 *     rejected and the network left bit for bit as it was; a sound step is
 *     accepted with its KL within the bound and a positive improvement;
 *     with accept_ratio 0 any improvement inside the bound is taken;
 *   - the whole step: accepted, KL <= delta, surrogate up;
 *   - the sequential update's weights on a hand-built batch of 3 agents
 *     (src/train/seqfactor.c): HAPPO's product of the earlier agents'
 *     ratios, the clipped product min(product, 1) with the unclipped
 *     product carried on (a sample whose first ratio was clipped gets the
 *     clip of the product, not the product of the clips). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/policy.h"
#include "samarl/rng.h"
#include "tap.h"

#include "../src/train/seqfactor.h"
#include "../src/train/trpo.h"

enum { IN = 5, HID = 8, ACT = 4, S = 37, CHUNK = 16 };

/* The reference: logits of sample s in double. */
static void ref_logits(const mlp_t *n, const double *p, const float *x, size_t ldx, int s,
                       double *out)
{
    double a1[HID], a2[HID];
    for (int h = 0; h < HID; h++) {
        double z = p[n->ob1 + (size_t)h];
        for (int f = 0; f < IN; f++)
            z += p[n->oW1 + (size_t)(f * HID + h)] * x[(size_t)f * ldx + s];
        a1[h] = tanh(z);
    }
    for (int h = 0; h < HID; h++) {
        double z = p[n->ob2 + (size_t)h];
        for (int g = 0; g < HID; g++) z += p[n->oW2 + (size_t)(g * HID + h)] * a1[g];
        a2[h] = tanh(z);
    }
    for (int k = 0; k < ACT; k++) {
        double z = p[n->obh + (size_t)k];
        for (int g = 0; g < HID; g++) z += p[n->oWh + (size_t)(g * n->out + k)] * a2[g];
        out[k] = z;
    }
}

static void ref_logp(const double *l, double *lp)
{
    double mx = l[0], z = 0;
    for (int k = 1; k < ACT; k++) mx = l[k] > mx ? l[k] : mx;
    for (int k = 0; k < ACT; k++) z += exp(l[k] - mx);
    for (int k = 0; k < ACT; k++) lp[k] = l[k] - mx - log(z);
}

/* Mean KL(pi_p0 || pi_p) over the samples, in double. */
static double ref_kl(const mlp_t *n, const double *p0, const double *p, const float *x)
{
    double kl = 0;
    for (int s = 0; s < S; s++) {
        double l0[ACT], l1[ACT], lp0[ACT], lp1[ACT];
        ref_logits(n, p0, x, S, s, l0);
        ref_logits(n, p, x, S, s, l1);
        ref_logp(l0, lp0);
        ref_logp(l1, lp1);
        for (int k = 0; k < ACT; k++) kl += exp(lp0[k]) * (lp0[k] - lp1[k]);
    }
    return kl / S;
}

static double normal(uint64_t key, uint64_t i)
{
    const double u1 = rng_uniform(7, RNG_STREAM_PERM, key, 2 * i) + 1e-12;
    const double u2 = rng_uniform(7, RNG_STREAM_PERM, key, 2 * i + 1);
    return sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
}

/* A x for A = M^T M + I (n x n), M random. */
typedef struct spd {
    int n;
    double *M;
} spd_t;

static void spd_av(void *ctx, const double *v, double *out)
{
    const spd_t *a = ctx;
    const int n = a->n;
    double *Mv = calloc((size_t)n, sizeof(double));
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) Mv[i] += a->M[i * n + j] * v[j];
    for (int j = 0; j < n; j++) {
        out[j] = v[j];
        for (int i = 0; i < n; i++) out[j] += a->M[i * n + j] * Mv[i];
    }
    free(Mv);
}

/* trpo_search's callback on a network's batch (as trpo_line_search's). */
typedef struct net_batch {
    trpo_t *t;
    const trpo_batch_t *b;
} net_batch_t;

static void eval_cb(void *ctx, const float *params, double *surr, double *kl)
{
    const net_batch_t *c = ctx;
    trpo_eval(c->t, params, c->b, surr, kl);
}

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    mlp_t net;
    mlp_shape(&net, IN, HID, ACT);
    const size_t P = net.n_params;
    float *par = alloc_floats(net.stride);
    mlp_init(&net, par, 3, 11);
    /* Larger policy-head weights than the initialisation's 0.01, so that
     * the policy is far from uniform and F far from trivial. */
    for (size_t q = net.oWh; q < net.n_params; q++) par[q] = (float)(0.5 * normal(5, q));
    float *x = alloc_floats((size_t)IN * S);
    uint8_t act[S];
    float adv[S], wt[S];
    for (int s = 0; s < S; s++) {
        for (int f = 0; f < IN; f++)
            x[(size_t)f * S + (size_t)s] = (float)normal(1, (uint64_t)(f * S + s));
        act[s] = (uint8_t)(rng_uniform(7, RNG_STREAM_PERM, 2, (uint64_t)s) * ACT);
        adv[s] = (float)normal(3, (uint64_t)s);
        wt[s] = (float)(0.5 + rng_uniform(7, RNG_STREAM_PERM, 4, (uint64_t)s));
    }
    const trpo_batch_t b = {.x = x, .ldx = S, .S = S, .act = act, .adv = adv, .weight = wt};
    trpo_t t;
    trpo_init(&t, &net, S, CHUNK);
    trpo_prepare(&t, par, &b);

    /* ---- the Fisher-vector product against finite differences ---- */
    double *v = calloc(P, sizeof(double)), *u = calloc(P, sizeof(double));
    double *Fv = calloc(P, sizeof(double)), *p0 = calloc(P, sizeof(double));
    double *pp = calloc(P, sizeof(double));
    for (size_t q = 0; q < P; q++) {
        v[q] = normal(9, q);
        p0[q] = par[q];
    }
    trpo_fvp(&t, par, &b, v, 0.0, Fv);
    const double e = 3e-4; /* truncation ~1e-5 relative; 1e-3 gives ~1e-4 */
    double worst = 0;
    int checked = 0;
    for (int trial = 0; trial < 24; trial++) {
        /* Basis directions spread over every layer, then random ones. */
        if (trial < 16) {
            memset(u, 0, sizeof(double) * P);
            size_t q = (size_t)trial * (P - 1) / 15;
            const int value =
                (q >= net.oWh && q < net.obh && (q - net.oWh) % (size_t)net.out == ACT) ||
                q == net.obh + ACT; /* the value output: no part of the policy */
            u[value ? q - 1 : q] = 1.0;
        } else {
            for (size_t q = 0; q < P; q++) u[q] = normal(100 + (uint64_t)trial, q);
        }
        double kl[4];
        const double sa[4] = {1, 1, -1, -1}, sb[4] = {1, -1, 1, -1};
        for (int c = 0; c < 4; c++) {
            for (size_t q = 0; q < P; q++) pp[q] = p0[q] + e * (sa[c] * v[q] + sb[c] * u[q]);
            kl[c] = ref_kl(&net, p0, pp, x);
        }
        const double fd = (kl[0] - kl[1] - kl[2] + kl[3]) / (4 * e * e);
        double uf = 0, scale = 0;
        for (size_t q = 0; q < P; q++) {
            uf += u[q] * Fv[q];
            scale += fabs(u[q] * Fv[q]);
        }
        const double rel = fabs(uf - fd) / (fabs(fd) > 1e-3 * scale ? fabs(fd) : 1e-3 * scale);
        if (rel > worst) worst = rel;
        checked++;
    }
    TAP_OK(worst < 1e-4,
           "Fisher-vector product = finite differences of the mean KL (%d directions, "
           "worst relative error %.2e)",
           checked, worst);
    double vFv = 0;
    for (size_t q = 0; q < P; q++) vFv += v[q] * Fv[q];
    TAP_OK(vFv > 0, "v^T F v = %.4g > 0", vFv);
    {
        double *Fd = calloc(P, sizeof(double));
        trpo_fvp(&t, par, &b, v, 0.1, Fd);
        double worst_d = 0;
        for (size_t q = 0; q < P; q++) {
            const double d = fabs(Fd[q] - (Fv[q] + 0.1 * v[q]));
            if (d > worst_d) worst_d = d;
        }
        TAP_OK(worst_d < 1e-12, "damping adds 0.1 v exactly (%.1e)", worst_d);
        free(Fd);
    }

    /* ---- conjugate gradient on a known SPD system ---- */
    {
        enum { N = 40 };
        spd_t a = {.n = N, .M = calloc(N * N, sizeof(double))};
        for (int q = 0; q < N * N; q++) a.M[q] = normal(21, (uint64_t)q) / sqrt((double)N);
        double xs[N], rhs[N], xc[N], work[3 * N], Ax[N];
        for (int q = 0; q < N; q++) xs[q] = normal(22, (uint64_t)q);
        spd_av(&a, xs, rhs);
        const int its = trpo_cg(spd_av, &a, rhs, xc, N, 200, 1e-24, work);
        spd_av(&a, xc, Ax);
        double rn = 0, bn = 0, en = 0, xn = 0;
        for (int q = 0; q < N; q++) {
            rn += (Ax[q] - rhs[q]) * (Ax[q] - rhs[q]);
            bn += rhs[q] * rhs[q];
            en += (xc[q] - xs[q]) * (xc[q] - xs[q]);
            xn += xs[q] * xs[q];
        }
        TAP_OK(sqrt(rn / bn) < 1e-6 && sqrt(en / xn) < 1e-6,
               "conjugate gradient solves a 40 x 40 SPD system in %d iterations (relative residual "
               "%.1e, error %.1e)",
               its, sqrt(rn / bn), sqrt(en / xn));
        const int one = trpo_cg(spd_av, &a, rhs, xc, N, 3, 1e-24, work);
        TAP_OK(one == 3, "conjugate gradient stops at its iteration limit (%d of 3)", one);
        free(a.M);
    }

    /* ---- the line search ---- */
    trpo_opts_t o = trpo_defaults();
    trpo_grad(&t, par, &b, t.g);
    {
        /* A step 1e4 times the gradient: its KL breaks the bound at every trial. */
        float *before = alloc_floats(P);
        memcpy(before, par, sizeof(float) * P);
        double *full = calloc(P, sizeof(double)), gf = 0;
        for (size_t q = 0; q < P; q++) {
            full[q] = 1e4 * t.g[q];
            gf += t.g[q] * full[q];
        }
        trpo_opts_t o3 = o;
        o3.ls_steps = 3;
        trpo_result_t r;
        const int acc = trpo_line_search(&t, par, &b, full, gf, &o3, &r);
        double L, kl;
        for (size_t q = 0; q < P; q++) par[q] = (float)(before[q] + 0.25 * full[q]);
        trpo_eval(&t, par, &b, &L, &kl);
        memcpy(par, before, sizeof(float) * P);
        TAP_OK(kl > o.delta, "the third trial's KL (%.3g) breaks the bound %.3g", kl, o.delta);
        trpo_line_search(&t, par, &b, full, gf, &o3, &r);
        TAP_OK(!acc && !r.accepted && r.trials == 4 && memcmp(before, par, sizeof(float) * P) == 0,
               "the line search rejects it and leaves the network bit for bit as it was");
        free(full);
        free(before);
    }

    {
        /* A small step along the gradient improves the surrogate inside the
         * bound; told to expect a million times more, the ratio rule refuses
         * it, and trpo_search with accept_ratio 0 (the public ALTERNATING-MARL
         * rule: any improvement) takes it at the first trial. */
        float *before = alloc_floats(P), *saved = alloc_floats(P);
        memcpy(before, par, sizeof(float) * P);
        double *full = calloc(P, sizeof(double)), gf = 0;
        for (size_t q = 0; q < P; q++) {
            full[q] = 1e-3 * t.g[q];
            gf += t.g[q] * full[q];
        }
        trpo_result_t r1, r2;
        const int ratio = trpo_line_search(&t, par, &b, full, 1e6 * gf, &o, &r1);
        net_batch_t c = {&t, &b};
        trpo_opts_t o0 = o;
        o0.accept_ratio = 0;
        const int any = trpo_search(eval_cb, &c, par, saved, P, full, 1e6 * gf, o.delta, &o0, &r2);
        TAP_OK(!ratio && any && r2.trials == 1 && r2.improvement > 0 && r2.kl < o.delta &&
                   !memcmp(saved, before, sizeof(float) * P),
               "accept_ratio 0.5 refuses an improvement a millionth of the expected; "
               "accept_ratio 0 takes it at trial %d (improvement %.3g, KL %.3g)",
               r2.trials, r2.improvement, r2.kl);
        memcpy(par, before, sizeof(float) * P);
        free(full);
        free(before);
        free(saved);
    }

    /* ---- the whole step ---- */
    {
        double L0, kl0, L1, kl1;
        trpo_eval(&t, par, &b, &L0, &kl0);
        trpo_result_t r;
        const int acc = trpo_step(&t, par, &b, &o, &r);
        trpo_prepare(&t, par, &b); /* back to the old policy's probabilities for eval */
        (void)kl0;
        TAP_OK(acc && r.kl <= o.delta && r.improvement > 0,
               "a step from the gradient is accepted: KL %.4g <= %.3g, surrogate +%.3g after %d "
               "trial(s), %d CG iterations",
               r.kl, o.delta, r.improvement, r.trials, r.cg_iters);
        trpo_eval(&t, par, &b, &L1, &kl1);
        TAP_OK(kl1 < 1e-12, "trpo_prepare at the new network resets the reference (KL %.1e)", kl1);
    }

    /* ---- the sequential weights: 3 agents, 5 samples ---- */
    {
        enum { NS = 5 };
        const double r1[NS] = {2.0, 0.5, 1.5, 0.8, 2.0}, r2[NS] = {0.5, 0.5, 2.0, 1.25, 0.4};
        const double prod3[NS] = {1.0, 0.25, 3.0, 1.0, 0.8}, clip3[NS] = {1.0, 0.25, 1.0, 1.0, 0.8};
        const double clip2[NS] = {1.0, 0.5, 1.0, 0.8, 1.0};
        int64_t L[NS] = {0}, clamps = 0;
        float w[NS];
        double mf, mw, err = 0;
        seqf_weights(SEQF_PROD, L, NS, w, &mf, &mw);
        for (int s = 0; s < NS; s++) err = fmax(err, fabs(w[s] - 1.0));
        TAP_OK(err == 0 && mf == 1 && mw == 1, "the first agent's weights are all 1");
        for (int s = 0; s < NS; s++) L[s] = seqf_add(L[s], seqf_log(log(r1[s])), &clamps);
        double e_prod = 0, e_clip = 0;
        seqf_weights(SEQF_CLIP1, L, NS, w, &mf, &mw);
        for (int s = 0; s < NS; s++) e_clip = fmax(e_clip, fabs(w[s] - clip2[s]) / clip2[s]);
        TAP_OK(e_clip < 1e-6 && fabs(mf - 2.0) < 1e-6 && mw == 1.0f,
               "agent 2, clipped: min(r1, 1) (largest factor %.6g, largest weight %.6g)", mf, mw);
        for (int s = 0; s < NS; s++) L[s] = seqf_add(L[s], seqf_log(log(r2[s])), &clamps);
        seqf_weights(SEQF_PROD, L, NS, w, &mf, &mw);
        for (int s = 0; s < NS; s++) e_prod = fmax(e_prod, fabs(w[s] - prod3[s]) / prod3[s]);
        TAP_OK(e_prod < 1e-6 && fabs(mf - 3.0) < 1e-6,
               "agent 3, HAPPO: the product r1 r2 = 1, 0.25, 3, 1, 0.8 (error %.1e)", e_prod);
        e_clip = 0;
        seqf_weights(SEQF_CLIP1, L, NS, w, &mf, &mw);
        for (int s = 0; s < NS; s++) e_clip = fmax(e_clip, fabs(w[s] - clip3[s]) / clip3[s]);
        TAP_OK(e_clip < 1e-6 && fabs(mf - 3.0) < 1e-6 && mw == 1.0f,
               "agent 3, clipped: min(r1 r2, 1) = 1, 0.25, 1, 1, 0.8 from the unclipped product "
               "(the clips' product would give 0.4 for the last; error %.1e)",
               e_clip);
        seqf_weights(SEQF_NONE, L, NS, w, &mf, &mw);
        TAP_OK(w[0] == 1 && w[2] == 1 && w[4] == 1 && mw == 1, "none: every weight 1");
        int64_t big = SEQF_MAX - 5;
        TAP_OK(seqf_add(big, big, &clamps) == SEQF_MAX && clamps == 1 &&
                   seqf_add(SEQF_MAX, SEQF_MAX, &clamps) == SEQF_MAX &&
                   seqf_add(-SEQF_MAX, -SEQF_MAX, &clamps) == -SEQF_MAX && clamps == 3,
               "the fixed-point sum saturates (at its bound too, without overflow) and counts it");
        TAP_OK(seqf_term(1e30, SEQF_MAX / 1000, &clamps) == SEQF_MAX / 1000 && clamps == 4 &&
                   seqf_term(-0.5, SEQF_MAX / 1000, &clamps) == -(int64_t)(SEQF_ONE / 2),
               "a term of an exact sum of 1000 stays within its share of the range");
    }

    free(v);
    free(u);
    free(Fv);
    free(p0);
    free(pp);
    free(x);
    free(par);
    trpo_free(&t);
    const int rc = tap_done();
    comm_finalize();
    return rc;
}
