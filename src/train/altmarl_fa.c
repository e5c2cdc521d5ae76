/* ALTERNATING-MARL with function approximation on the warehouse task
 * (altmarl_fa.h), step for step as the public code's training.py and
 * agents.py (LocalAgentTRPO), and train.algo = altmarl-fa. */
#include "samarl/altmarl_fa.h"

#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/error.h"
#include "samarl/h5io.h"
#include "samarl/policyfile.h"
#include "samarl/reprosum.h"
#include "samarl/rng.h"
#include "samarl/trainer.h"
#include "trpo.h"

/* TRPO's constants (agents.py LocalAgentTRPO) and the gradient clip. */
enum { CG_ITERS = 10, LINE_SEARCH = 10 };
#define CG_DAMPING 0.1
#define CG_TOL 1e-10
#define KL_TOLERANCE 1.5
#define CLIP_NORM 1.0

/* What a rollout is for: its key is purpose x 2^30 + index. */
enum { EP_GSTEP, EP_LSTEP, EP_EVAL, EP_ACCURACY };
static uint64_t ep_key(int purpose, uint64_t index)
{
    SAMARL_ASSERT(index < (1ULL << 30));
    return ((uint64_t)purpose << 30) | index;
}
/* A robot's draws in a step (warehouse_*_robot's purpose < 4; 3 is its start). */
enum { R_ACT, R_MOVE };
/* The replicated draws (purpose < 8; 0-2 are the start's, at step 0). */
enum { S_REP = 3, S_ZONE = 4, S_RANDOM_G = 5 };

void fa_params_default(fa_params_t *c)
{
    *c = (fa_params_t){.k = 10,
                       .hidden = 64,
                       .g_samples = 3000,
                       .g_epochs = 20,
                       .l_episodes = 120,
                       .l_horizon = 40,
                       .l_value_epochs = 5,
                       .judge_rollouts = 20,
                       .judge_horizon = 40,
                       .lr = 3e-3,
                       .max_kl = 0.01};
}

static double fa_bytes(const fa_params_t *c, lidx_t n_owned)
{
    const double H = (double)c->hidden, P = 3 * (8 * H + H * H); /* about */
    const double N = (double)(c->l_episodes * c->l_horizon), S = (double)c->g_samples;
    return P * (4 + 2 * 8) + (double)n_owned * (8 + 4 + 1 + 5 * 4) + S * WH_BINS * (8 + 4 + 8) +
           S * 2 * H * 4 + N * (2 * H * 4 + 6 * 8 + 4 * 8);
}

int fa_init(fa_t *a, const warehouse_t *w, const fa_params_t *c, gidx_t n, lidx_t n_owned,
            const gidx_t *gid, uint64_t seed, const char *what)
{
    memset(a, 0, sizeof *a);
    if (n >= (1LL << 32))
        return samarl_seterr("%s: %" PRId64 " robots; the warehouse task numbers fewer than 2^32",
                             what, (int64_t)n);
    double node_need, avail;
    int node_ranks;
    if (!comm_memory_fits(fa_bytes(c, n_owned), &node_need, &node_ranks, &avail))
        return samarl_seterr("%s: the networks, robots and samples need %.3g GB on this node (%d "
                             "ranks), MemAvailable is %.3g GB",
                             what, node_need / 1e9, node_ranks, avail / 1e9);
    char key[64];
    snprintf(key, sizeof key, "%s.k", what);
    const int rc = ksample_init(&a->ks, n, c->k, n_owned, gid, key);
    if (rc != SAMARL_OK) return rc;
    a->w = w;
    a->c = *c;
    a->seed = seed;
    a->n = n;
    a->n_owned = n_owned;
    a->gid = gid;
    const int H = (int)c->hidden;
    tmlp_shape(&a->gnet, WH_BINS, H, WH_GA);
    tmlp_shape(&a->pnet, 2, H, WH_AL);
    tmlp_shape(&a->vnet, 2, H, 1);
    a->gp = XNEW(float, a->gnet.n_params);
    a->pp = XNEW(float, a->pnet.n_params);
    a->vp = XNEW(float, a->vnet.n_params);
    tmlp_init(&a->gnet, a->gp, seed, RNG_STREAM_INIT, 0xA17000);
    tmlp_init(&a->pnet, a->pp, seed, RNG_STREAM_INIT, 0xA17001);
    tmlp_init(&a->vnet, a->vp, seed, RNG_STREAM_INIT, 0xA17002);
    a->gm = XZNEW(double, a->gnet.n_params);
    a->gv = XZNEW(double, a->gnet.n_params);
    a->vm = XZNEW(double, a->vnet.n_params);
    a->vv = XZNEW(double, a->vnet.n_params);
    const size_t m = (size_t)(n_owned > 0 ? n_owned : 1);
    a->s = XZNEW(double, m);
    a->bin = XZNEW(int32_t, m);
    a->act = XZNEW(uint8_t, m);
    a->x = XZNEW(float, 2 * m);
    a->y = XZNEW(float, WH_AL *m);
    return SAMARL_OK;
}

void fa_free(fa_t *a)
{
    ksample_free(&a->ks);
    free(a->gp), free(a->pp), free(a->vp);
    free(a->gm), free(a->gv), free(a->vm), free(a->vv);
    free(a->s), free(a->bin), free(a->act), free(a->x), free(a->y);
    free(a->history);
    memset(a, 0, sizeof *a);
}

/* ---- acting --------------------------------------------------------------------------- */

static int argmax(const float *y, int n)
{
    int b = 0;
    for (int i = 1; i < n; i++)
        if (y[i] > y[b]) b = i;
    return b;
}

/* log softmax of y[n] (in double). */
static void logsm(const float *y, int n, double *lp)
{
    double m = y[0], s = 0;
    for (int i = 1; i < n; i++) m = y[i] > m ? y[i] : m;
    for (int i = 0; i < n; i++) s += exp((double)y[i] - m);
    const double l = m + log(s);
    for (int i = 0; i < n; i++) lp[i] = (double)y[i] - l;
}

/* The dispatcher's action on the histogram counts[5] of k robots. */
static int dispatch(const fa_t *a, const int64_t *counts)
{
    float x[WH_BINS], y[WH_GA];
    for (int b = 0; b < WH_BINS; b++) x[b] = (float)((double)counts[b] / (double)a->c.k);
    tmlp_forward(&a->gnet, a->gp, 1, x, NULL, NULL, y);
    return argmax(y, WH_GA);
}

/* Start rollout ep: the robots' positions; returns the dispatcher's state. */
static double start(fa_t *a, uint64_t ep, warehouse_start_t *st)
{
    warehouse_start(a->w, a->seed, ep, a->n, st);
    for (lidx_t i = 0; i < a->n_owned; i++)
        a->s[i] = warehouse_start_robot(a->w, a->seed, ep, st, a->gid[i]);
    return st->sg;
}

/* Collective. The histogram of step t's k-sample of rollout ep (one all-reduce). */
static void sample_counts(fa_t *a, uint64_t ep, int64_t t, int64_t *counts)
{
    for (lidx_t i = 0; i < a->n_owned; i++) a->bin[i] = warehouse_bin(a->w, a->s[i]);
    memset(counts, 0, sizeof(int64_t) * WH_BINS);
    ksample_draw(&a->ks, a->seed, ep, t);
    ksample_counts_local(&a->ks, a->bin, WH_BINS, counts);
    comm_allreduce_int64(counts, WH_BINS, COMM_SUM);
}

/* Every owned robot's action: the policy's argmax, or a draw from it
 * (numpy's: the number of cumulative probabilities u reaches), or uniform. */
enum { ACT_GREEDY, ACT_SAMPLE, ACT_UNIFORM };
static void act_robots(fa_t *a, double sg, uint64_t ep, int64_t t, int how)
{
    const lidx_t m = a->n_owned;
    if (how == ACT_UNIFORM) {
        for (lidx_t i = 0; i < m; i++)
            a->act[i] =
                (uint8_t)rng_pick(warehouse_uniform_robot(a->seed, ep, a->gid[i], t, R_ACT), WH_AL);
        return;
    }
    for (lidx_t i = 0; i < m; i++) {
        a->x[2 * i] = (float)sg;
        a->x[2 * i + 1] = (float)a->s[i];
    }
    tmlp_forward(&a->pnet, a->pp, m, a->x, NULL, NULL, a->y);
    for (lidx_t i = 0; i < m; i++) {
        const float *y = a->y + (size_t)i * WH_AL;
        if (how == ACT_GREEDY) {
            a->act[i] = (uint8_t)argmax(y, WH_AL);
            continue;
        }
        double lp[WH_AL], cum = 0;
        logsm(y, WH_AL, lp);
        const double u = warehouse_uniform_robot(a->seed, ep, a->gid[i], t, R_ACT);
        int k = 0;
        for (int q = 0; q < WH_AL; q++) k += u >= (cum += exp(lp[q]));
        a->act[i] = (uint8_t)(k < WH_AL ? k : WH_AL - 1);
    }
}

static void move_robots(fa_t *a, uint64_t ep, int64_t t)
{
    for (lidx_t i = 0; i < a->n_owned; i++)
        a->s[i] = warehouse_step_local(a->w, a->s[i], a->act[i],
                                       warehouse_normal_robot(a->seed, ep, a->gid[i], t, R_MOVE));
}

/* ---- G-step ------------------------------------------------------------------------------ */

/* Collective. Starts ep_key(purpose, base + i), i < S: the k-sample's
 * histogram x[S][5] (every rank computes the sampled robots' starts, no
 * communication) and the true mode mode[S] (each rank counts its robots,
 * one all-reduce of S x 5 integers). */
static void start_samples(fa_t *a, int purpose, uint64_t base, int64_t S, float *x, int32_t *mode)
{
    int64_t *cnt = XZNEW(int64_t, (size_t)S * WH_BINS);
    for (int64_t i = 0; i < S; i++) {
        const uint64_t ep = ep_key(purpose, base + (uint64_t)i);
        warehouse_start_t st;
        warehouse_start(a->w, a->seed, ep, a->n, &st);
        for (lidx_t j = 0; j < a->n_owned; j++)
            cnt[i * WH_BINS +
                warehouse_bin(a->w, warehouse_start_robot(a->w, a->seed, ep, &st, a->gid[j]))]++;
        int h[WH_BINS] = {0};
        ksample_draw(&a->ks, a->seed, ep, 0);
        for (int j = 0; j < a->ks.k; j++)
            h[warehouse_bin(a->w, warehouse_start_robot(a->w, a->seed, ep, &st, a->ks.draw[j]))]++;
        for (int b = 0; b < WH_BINS; b++) x[i * WH_BINS + b] = (float)((double)h[b] / a->ks.k);
    }
    comm_allreduce_int64(cnt, (size_t)S * WH_BINS, COMM_SUM);
    for (int64_t i = 0; i < S; i++) {
        int b = 0;
        for (int q = 1; q < WH_BINS; q++)
            if (cnt[i * WH_BINS + q] > cnt[i * WH_BINS + b]) b = q;
        mode[i] = b;
    }
    free(cnt);
}

static void gstep(fa_t *a)
{
    const int64_t S = a->c.g_samples, H = a->c.hidden;
    float *x = XNEW(float, (size_t)S *WH_BINS), *y = XNEW(float, (size_t)S *WH_GA);
    float *h1 = XNEW(float, (size_t)(S * H)), *h2 = XNEW(float, (size_t)(S * H));
    int32_t *mode = XNEW(int32_t, (size_t)S);
    double *dy = XNEW(double, (size_t)S *WH_GA), *g = XNEW(double, a->gnet.n_params);
    start_samples(a, EP_GSTEP, (uint64_t)(a->rounds * S), S, x, mode);
    double loss = 0;
    for (int64_t e = 0; e < a->c.g_epochs; e++) {
        tmlp_forward(&a->gnet, a->gp, S, x, h1, h2, y);
        loss = 0;
        for (int64_t i = 0; i < S; i++) { /* cross-entropy, mean over the batch */
            double lp[WH_GA];
            logsm(y + i * WH_GA, WH_GA, lp);
            loss -= lp[mode[i]] / (double)S;
            for (int q = 0; q < WH_GA; q++)
                dy[i * WH_GA + q] = (exp(lp[q]) - (q == mode[i])) / (double)S;
        }
        memset(g, 0, sizeof(double) * a->gnet.n_params);
        tmlp_backward(&a->gnet, a->gp, S, x, h1, h2, dy, g);
        tmlp_clip(a->gnet.n_params, g, CLIP_NORM);
        tmlp_adam(a->gnet.n_params, a->gp, g, a->gm, a->gv, a->g_step++, a->c.lr);
    }
    tmlp_forward(&a->gnet, a->gp, S, x, NULL, NULL, y);
    int64_t right = 0;
    for (int64_t i = 0; i < S; i++) right += argmax(y + i * WH_GA, WH_GA) == mode[i];
    a->g_loss = loss;
    a->g_acc = (double)right / (double)S;
    free(x), free(y), free(h1), free(h2), free(mode), free(dy), free(g);
}

/* ---- L-step ------------------------------------------------------------------------------ */

/* Collective. The representative robots' episodes: rec[E][T][4] = (s_g,
 * s_l, action, reward), each recorded by the rank that owns it and summed
 * over the ranks (exactly: the others add zeros). */
static void collect(fa_t *a, double *rec)
{
    const int64_t E = a->c.l_episodes, T = a->c.l_horizon;
    memset(rec, 0, sizeof(double) * (size_t)(E * T * 4));
    for (int64_t e = 0; e < E; e++) {
        const uint64_t ep = ep_key(EP_LSTEP, (uint64_t)(a->rounds * E + e));
        warehouse_start_t st;
        double sg = start(a, ep, &st);
        const gidx_t rep = (gidx_t)rng_pick(warehouse_uniform_shared(a->seed, ep, 0, S_REP), a->n);
        const lidx_t ri = ksample_local(&a->ks, rep);
        for (int64_t t = 0; t < T; t++) {
            int64_t cnt[WH_BINS];
            sample_counts(a, ep, t, cnt);
            const int ag = dispatch(a, cnt);
            act_robots(a, sg, ep, t, ACT_SAMPLE);
            if (ri >= 0) {
                double *r = rec + (e * T + t) * 4;
                r[0] = sg;
                r[1] = a->s[ri];
                r[2] = a->act[ri];
                r[3] = warehouse_rl(a->w, a->s[ri], sg, a->act[ri]);
            }
            sg = warehouse_step_global(a->w, sg, ag,
                                       warehouse_normal_shared(a->seed, ep, t, S_ZONE));
            move_robots(a, ep, t);
        }
    }
    comm_allreduce_double(rec, (size_t)(E * T * 4), COMM_SUM);
}

/* The representative robot's samples for one trust-region step. */
typedef struct lbatch {
    const fa_t *a;
    int64_t N;
    const float *x, *h1, *h2; /* the old policy's activations */
    const int32_t *act;
    const double *adv, *old_lp;
    const double *p; /* [N][3] the old policy's probabilities */
    double *jy, *u;  /* [N][3] scratch */
    float *y;        /* [N][3] scratch */
} lbatch_t;

/* F v + damping v: the Fisher matrix of the mean KL at the old policy,
 * mean over samples of J^T (diag p - p p^T) J v. */
static void fisher(void *ctx, const double *v, double *out)
{
    const lbatch_t *b = ctx;
    const fa_t *a = b->a;
    const size_t P = a->pnet.n_params;
    tmlp_jvp(&a->pnet, a->pp, b->N, b->x, b->h1, b->h2, v, b->jy);
    for (int64_t s = 0; s < b->N; s++) {
        const double *p = b->p + s * WH_AL, *j = b->jy + s * WH_AL;
        double pj = 0;
        for (int q = 0; q < WH_AL; q++) pj += p[q] * j[q];
        for (int q = 0; q < WH_AL; q++) b->u[s * WH_AL + q] = p[q] * (j[q] - pj) / (double)b->N;
    }
    memset(out, 0, sizeof(double) * P);
    tmlp_backward(&a->pnet, a->pp, b->N, b->x, b->h1, b->h2, b->u, out);
    for (size_t q = 0; q < P; q++) out[q] += CG_DAMPING * v[q];
}

/* The surrogate mean(ratio adv), to maximise, and the mean KL(old || new)
 * at params pp. */
static void surrogate(void *ctx, const float *pp, double *surr, double *kl)
{
    const lbatch_t *b = ctx;
    const int64_t N = b->N;
    tmlp_forward(&b->a->pnet, pp, N, b->x, NULL, NULL, b->y);
    double su = 0, k = 0;
    for (int64_t s = 0; s < N; s++) {
        double lp[WH_AL];
        logsm(b->y + s * WH_AL, WH_AL, lp);
        su += exp(lp[b->act[s]] - b->old_lp[s]) * b->adv[s] / (double)N;
        for (int q = 0; q < WH_AL; q++) {
            const double p = b->p[s * WH_AL + q];
            k += p > 0 ? p * (log(p) - lp[q]) / (double)N : 0;
        }
    }
    *surr = su;
    *kl = k;
}

static void lstep(fa_t *a)
{
    const int64_t E = a->c.l_episodes, T = a->c.l_horizon, N = E * T, H = a->c.hidden;
    const size_t P = a->pnet.n_params, PV = a->vnet.n_params;
    double *rec = XNEW(double, (size_t)(N * 4));
    collect(a, rec);
    float *x = XNEW(float, (size_t)N * 2), *y = XNEW(float, (size_t)N *WH_AL);
    float *h1 = XNEW(float, (size_t)(N * H)), *h2 = XNEW(float, (size_t)(N * H));
    int32_t *act = XNEW(int32_t, (size_t)N);
    double *ret = XNEW(double, (size_t)N), *adv = XNEW(double, (size_t)N);
    double *old_lp = XNEW(double, (size_t)N), *old_p = XNEW(double, (size_t)N *WH_AL);
    for (int64_t s = 0; s < N; s++) {
        x[2 * s] = (float)rec[4 * s];
        x[2 * s + 1] = (float)rec[4 * s + 1];
        act[s] = (int32_t)rec[4 * s + 2];
    }
    for (int64_t e = 0; e < E; e++) { /* discounted returns, as the returns were stored */
        double run = 0;               /* in double, kept as float32 (agents.py compute_returns) */
        for (int64_t t = T - 1; t >= 0; t--) {
            run = rec[4 * (e * T + t) + 3] + a->w->gamma * run;
            ret[e * T + t] = (double)(float)run;
        }
    }
    /* advantages against the value network, normalised (torch's std: n - 1) */
    float *v = XNEW(float, (size_t)N);
    tmlp_forward(&a->vnet, a->vp, N, x, NULL, NULL, v);
    double mean = 0, var = 0;
    for (int64_t s = 0; s < N; s++) mean += (adv[s] = ret[s] - v[s]) / (double)N;
    for (int64_t s = 0; s < N; s++) var += (adv[s] - mean) * (adv[s] - mean);
    const double sd = sqrt(var / (double)(N > 1 ? N - 1 : 1));
    for (int64_t s = 0; s < N; s++) adv[s] = (adv[s] - mean) / (sd + 1e-8);
    /* the old policy, the gradient of the surrogate, the entropy */
    tmlp_forward(&a->pnet, a->pp, N, x, h1, h2, y);
    double *dy = XNEW(double, (size_t)N *WH_AL), ent = 0;
    for (int64_t s = 0; s < N; s++) {
        double lp[WH_AL];
        logsm(y + s * WH_AL, WH_AL, lp);
        old_lp[s] = lp[act[s]];
        for (int q = 0; q < WH_AL; q++) {
            const double p = exp(lp[q]);
            old_p[s * WH_AL + q] = p;
            ent -= p * lp[q] / (double)N;
            dy[s * WH_AL + q] = adv[s] * ((act[s] == q) - p) / (double)N; /* d surr / dy */
        }
    }
    double *g = XZNEW(double, P), *d = XNEW(double, P), *work = XNEW(double, 4 * P);
    tmlp_backward(&a->pnet, a->pp, N, x, h1, h2, dy, g);
    /* one trust-region step, the engine's (trpo.h) with the public code's
     * constants: CG 10 iterations to r.r < 1e-10, damping 0.1, the step
     * scaled to max_kl, halved up to 10 times until the surrogate improves
     * with a KL below 1.5 max_kl */
    lbatch_t b = {.a = a,
                  .N = N,
                  .x = x,
                  .h1 = h1,
                  .h2 = h2,
                  .act = act,
                  .adv = adv,
                  .old_lp = old_lp,
                  .p = old_p,
                  .jy = XNEW(double, (size_t)N *WH_AL),
                  .u = XNEW(double, (size_t)N *WH_AL),
                  .y = y};
    const trpo_opts_t o = {.delta = a->c.max_kl,
                           .damping = CG_DAMPING,
                           .accept_ratio = 0,
                           .backtrack = 0.5,
                           .cg_tol = CG_TOL,
                           .cg_iters = CG_ITERS,
                           .ls_steps = LINE_SEARCH};
    trpo_result_t res = {0};
    double expected;
    float *saved = XNEW(float, P);
    a->l_accepted = trpo_direction(fisher, &b, g, d, P, &o, work, &expected, &res) &&
                    trpo_search(surrogate, &b, a->pp, saved, P, d, expected,
                                KL_TOLERANCE * a->c.max_kl, &o, &res);
    a->l_kl = a->l_accepted ? res.kl : 0;
    /* the value network: full-batch MSE steps */
    double *gv = XNEW(double, PV), *dv = XNEW(double, (size_t)N), loss = 0;
    for (int64_t e = 0; e < a->c.l_value_epochs; e++) {
        tmlp_forward(&a->vnet, a->vp, N, x, h1, h2, v);
        loss = 0;
        for (int64_t s = 0; s < N; s++) {
            const double d = (double)v[s] - ret[s];
            loss += d * d / (double)N;
            dv[s] = 2 * d / (double)N;
        }
        memset(gv, 0, sizeof(double) * PV);
        tmlp_backward(&a->vnet, a->vp, N, x, h1, h2, dv, gv);
        tmlp_clip(PV, gv, CLIP_NORM);
        tmlp_adam(PV, a->vp, gv, a->vm, a->vv, a->v_step++, a->c.lr);
    }
    a->v_loss = loss;
    a->l_entropy = ent;
    free(rec), free(x), free(y), free(h1), free(h2), free(act), free(ret), free(adv);
    free(old_lp), free(old_p), free(v), free(dy), free(g), free(d), free(work), free(saved);
    free(b.jy), free(b.u), free(gv), free(dv);
}

/* ---- evaluation and the round -------------------------------------------------------- */

double fa_evaluate(fa_t *a, uint64_t seed, int rollouts, int horizon, int random, double *each)
{
    SAMARL_ASSERT(seed < (1ULL << 19) && rollouts < (1 << 11) && horizon >= 1);
    double total = 0, *rl = XNEW(double, (size_t)(a->n_owned > 0 ? a->n_owned : 1));
    for (int j = 0; j < rollouts; j++) {
        const uint64_t ep = ep_key(EP_EVAL, (seed << 11) | (uint64_t)j);
        warehouse_start_t st;
        double sg = start(a, ep, &st), ret = 0, disc = 1;
        for (int t = 0; t < horizon; t++) {
            int64_t cnt[WH_BINS];
            sample_counts(a, ep, t, cnt);
            const int ag =
                (random & FA_RANDOM_G)
                    ? (int)rng_pick(warehouse_uniform_shared(a->seed, ep, t, S_RANDOM_G), WH_GA)
                    : dispatch(a, cnt);
            act_robots(a, sg, ep, t, (random & FA_RANDOM_L) ? ACT_UNIFORM : ACT_GREEDY);
            for (lidx_t i = 0; i < a->n_owned; i++)
                rl[i] = warehouse_rl(a->w, a->s[i], sg, a->act[i]);
            const double r =
                warehouse_rg(a->w, sg, ag) + reprosum_global(rl, (size_t)a->n_owned) / (double)a->n;
            ret += disc * r;
            disc *= a->w->gamma;
            sg = warehouse_step_global(a->w, sg, ag,
                                       warehouse_normal_shared(a->seed, ep, t, S_ZONE));
            move_robots(a, ep, t);
        }
        if (each) each[j] = ret;
        total += ret;
    }
    free(rl);
    return total / rollouts;
}

double fa_mode_accuracy(fa_t *a, uint64_t seed, int samples)
{
    SAMARL_ASSERT(seed < (1ULL << 14) && samples < (1 << 16));
    float *x = XNEW(float, (size_t)samples *WH_BINS), y[WH_GA];
    int32_t *mode = XNEW(int32_t, (size_t)samples);
    start_samples(a, EP_ACCURACY, seed << 16, samples, x, mode);
    int right = 0;
    for (int i = 0; i < samples; i++) {
        tmlp_forward(&a->gnet, a->gp, 1, x + (size_t)i * WH_BINS, NULL, NULL, y);
        right += argmax(y, WH_GA) == mode[i];
    }
    free(x), free(mode);
    return (double)right / samples;
}

double fa_round(fa_t *a)
{
    gstep(a);
    lstep(a);
    const double v = fa_evaluate(a, (uint64_t)a->rounds, (int)a->c.judge_rollouts,
                                 (int)a->c.judge_horizon, 0, NULL);
    if (a->rounds == a->cap) {
        a->cap = a->cap ? 2 * a->cap : 16;
        a->history = xrealloc(a->history, sizeof(double) * (size_t)a->cap);
    }
    a->history[a->rounds++] = v;
    return v;
}

/* ---- train.algo = altmarl-fa ------------------------------------------------------------ */

static const config_key_t fa_keys[] = {
    {"altmarl_fa", "k", CONFIG_INT, offsetof(fa_params_t, k), "10", 1, 100000, 0, 0, NULL,
     "train.algo = altmarl-fa: the robots the dispatcher samples each step, without replacement "
     "(1 <= k <= graph.agents); it sees their histogram over the 5 bins"},
    {"altmarl_fa", "hidden", CONFIG_INT, offsetof(fa_params_t, hidden), "64", 1, 1024, 0, 0, NULL,
     "train.algo = altmarl-fa: units in each of the two tanh layers of the dispatcher, the "
     "robots' policy and their value network (the public code's 64)"},
    {"altmarl_fa", "g_samples", CONFIG_INT, offsetof(fa_params_t, g_samples), "3000", 1, 1 << 24, 0,
     0, NULL, "train.algo = altmarl-fa: starts the G-step labels with their true mode each round"},
    {"altmarl_fa", "g_epochs", CONFIG_INT, offsetof(fa_params_t, g_epochs), "20", 0, 1e6, 0, 0,
     NULL, "train.algo = altmarl-fa: full-batch cross-entropy steps of the G-step"},
    {"altmarl_fa", "l_episodes", CONFIG_INT, offsetof(fa_params_t, l_episodes), "120", 1, 1 << 20,
     0, 0, NULL,
     "train.algo = altmarl-fa: episodes of a representative robot the L-step collects per round"},
    {"altmarl_fa", "l_horizon", CONFIG_INT, offsetof(fa_params_t, l_horizon), "40", 1, 1 << 20, 0,
     0, NULL, "train.algo = altmarl-fa: steps of each L-step episode"},
    {"altmarl_fa", "l_value_epochs", CONFIG_INT, offsetof(fa_params_t, l_value_epochs), "5", 0, 1e6,
     0, 0, NULL,
     "train.algo = altmarl-fa: full-batch steps of the value network after each TRPO step"},
    {"altmarl_fa", "judge_rollouts", CONFIG_INT, offsetof(fa_params_t, judge_rollouts), "20", 1,
     2047, 0, 0, NULL, "train.algo = altmarl-fa: rollouts that judge each round"},
    {"altmarl_fa", "judge_horizon", CONFIG_INT, offsetof(fa_params_t, judge_horizon), "40", 1,
     1 << 20, 0, 0, NULL, "train.algo = altmarl-fa: steps of each judging rollout"},
    {"altmarl_fa", "lr", CONFIG_REAL, offsetof(fa_params_t, lr), "0.003", 0, 1, 1, 0, NULL,
     "train.algo = altmarl-fa: Adam's step size for the dispatcher and the value network"},
    {"altmarl_fa", "max_kl", CONFIG_REAL, offsetof(fa_params_t, max_kl), "0.01", 0, 10, 1, 0, NULL,
     "train.algo = altmarl-fa: the TRPO step's KL radius (the public code's 0.01)"},
};
enum { FA_EVAL_SEED = 1 << 18 }; /* the training curve's evaluation seed */

static const config_section_t fa_section = {
    "altmarl_fa", fa_keys, (int)(sizeof fa_keys / sizeof fa_keys[0]), sizeof(fa_params_t)};

static void *fa_create(const config_t *cfg, env_t *env, policyset_t *ps)
{
    (void)ps; /* no networks of the engine's: its own, replicated */
    const fa_params_t *c = config_section_values(cfg, "altmarl_fa");
    const warehouse_t *model = env_model(env, ENV_MODEL_WAREHOUSE);
    SAMARL_ASSERT(model); /* trainer_check_env's verdict */
    if ((uint64_t)cfg->train.iterations *
            (uint64_t)(c->g_samples > c->l_episodes ? c->g_samples : c->l_episodes) >=
        (1ULL << 30))
        comm_check(samarl_seterr("train.iterations x altmarl_fa.g_samples = %" PRId64 " x %" PRId64
                                 ": the warehouse keys number fewer than 2^30 starts",
                                 cfg->train.iterations, c->g_samples));
    if (cfg->train.iterations >= FA_EVAL_SEED)
        comm_check(samarl_seterr("train.algo = altmarl-fa judges round r at evaluation seed r: "
                                 "train.iterations = %" PRId64 ", expected fewer than %d rounds",
                                 cfg->train.iterations, FA_EVAL_SEED));
    if (cfg->train.eval_copies >= 1 << 11)
        comm_check(samarl_seterr("train.algo = altmarl-fa evaluates train.eval_copies = %" PRId64
                                 " rollouts: expected at most 2047",
                                 cfg->train.eval_copies));
    fa_t *a = XZNEW(fa_t, 1);
    comm_check(fa_init(a, model, c, env->n_global, env->n, env->gid, cfg->run.seed, "altmarl_fa"));
    return a;
}

static void fa_destroy(void *self)
{
    fa_free(self);
    free(self);
}

static void fa_init_fresh(void *self)
{
    (void)self; /* fa_init made the networks */
}

static void fa_iteration(void *self, int64_t it, trainer_stats_t *st)
{
    fa_t *a = self;
    SAMARL_ASSERT(it == a->rounds);
    *st = (trainer_stats_t){0};
    st->aug_reward = fa_round(a);
    st->entropy = a->l_entropy;
    st->approx_kl = a->l_kl;
    st->clip_frac = a->l_accepted ? 0.0 : 1.0; /* 1: the line search kept the old policy */
    st->value_loss = a->v_loss;
    st->agent_steps = (int64_t)a->n * a->c.l_episodes * a->c.l_horizon;
}

static void fa_eval(void *self, env_t *eval_env, int64_t steps, double *ret, double *usage)
{
    *ret = fa_evaluate(self, FA_EVAL_SEED, eval_env->copies, (int)steps, 0, NULL);
    *usage = 0;
}

/* /altmarl_fa: the three networks, Adam's moments and steps, the rounds'
 * values (every rank holds them all; rank 0 writes). */
static void put(h5file_t *f, const char *path, h5io_type_t t, size_t n, const void *v,
                const char *desc)
{
    h5io_write_1d(f, path, t, (gidx_t)n, 0, comm_rank() == 0 ? (gidx_t)n : 0, v, "1", desc);
}

static void fa_save(void *self, pfio_t *io)
{
    const fa_t *a = self;
    h5file_t *f = pfio_h5(io);
    h5io_group(f, "/altmarl_fa");
    put(f, "/altmarl_fa/dispatcher", H5IO_F32, a->gnet.n_params, a->gp,
        "the dispatcher: histogram[5] -> tanh(H) -> tanh(H) -> logits[5], parameters W1[5][H], "
        "b1, W2[H][H], b2, W3[H][5], b3");
    put(f, "/altmarl_fa/policy", H5IO_F32, a->pnet.n_params, a->pp,
        "the robots' policy: (s_g, s_l) -> tanh(H) -> tanh(H) -> logits of stay, +0.05, -0.05");
    put(f, "/altmarl_fa/value", H5IO_F32, a->vnet.n_params, a->vp,
        "the robots' value network: (s_g, s_l) -> tanh(H) -> tanh(H) -> V");
    const char *const names[4] = {"/altmarl_fa/adam_m_dispatcher", "/altmarl_fa/adam_v_dispatcher",
                                  "/altmarl_fa/adam_m_value", "/altmarl_fa/adam_v_value"};
    const double *const mom[4] = {a->gm, a->gv, a->vm, a->vv};
    for (int q = 0; q < 4 && !pfio_weights_only(io); q++)
        put(f, names[q], H5IO_F64, q < 2 ? a->gnet.n_params : a->vnet.n_params, mom[q],
            "Adam's moments");
    pfio_put_series(io, "/altmarl_fa/values", a->rounds, a->history, "1",
                    "each round's judged value: the mean discounted return of r_g + mean r_l");
    h5io_attr_int64(f, "/altmarl_fa", "k", a->c.k, "1");
    h5io_attr_int64(f, "/altmarl_fa", "hidden", a->c.hidden, "1");
    h5io_attr_int64(f, "/altmarl_fa", "rounds", a->rounds, "1");
    h5io_attr_int64(f, "/altmarl_fa", "adam_step_dispatcher", a->g_step, "1");
    h5io_attr_int64(f, "/altmarl_fa", "adam_step_value", a->v_step, "1");
    h5io_attr_int64(f, "/", "adam_step", a->g_step, "1");
}

static int check_1d(h5file_t *f, const char *path, const char *name, size_t n)
{
    gidx_t len = 0;
    if (h5io_length_1d(f, name, &len) != SAMARL_OK || len != (gidx_t)n)
        return samarl_seterr("%s: %s is not a table of %zu numbers (expected a file written by "
                             "train.algo = altmarl-fa with this altmarl_fa.hidden)",
                             path, name, n);
    return SAMARL_OK;
}

static int fa_load(void *self, pfio_t *io)
{
    fa_t *a = self;
    h5file_t *f = pfio_h5(io);
    const char *path = pfio_path(io);
    if (!h5io_exists(f, "/altmarl_fa"))
        return samarl_seterr("%s: no /altmarl_fa group (expected a file written by train.algo "
                             "= altmarl-fa)",
                             path);
    int64_t k, hidden, rounds;
    if (h5io_attr_read_int64(f, "/altmarl_fa", "k", &k) ||
        h5io_attr_read_int64(f, "/altmarl_fa", "hidden", &hidden) ||
        h5io_attr_read_int64(f, "/altmarl_fa", "rounds", &rounds) ||
        h5io_attr_read_int64(f, "/altmarl_fa", "adam_step_dispatcher", &a->g_step) ||
        h5io_attr_read_int64(f, "/altmarl_fa", "adam_step_value", &a->v_step))
        return SAMARL_ERR;
    if (k != a->c.k || hidden != a->c.hidden)
        return samarl_seterr("%s: trained with altmarl_fa.k = %" PRId64 " and hidden = %" PRId64
                             ", this configuration has %" PRId64 " and %" PRId64
                             " (expected the same to continue)",
                             path, k, hidden, a->c.k, a->c.hidden);
    if (rounds != pfio_iterations(io))
        return samarl_seterr("%s: /altmarl_fa records %" PRId64 " rounds, the file %" PRId64
                             " iterations",
                             path, rounds, pfio_iterations(io));
    const char *const names[4] = {"/altmarl_fa/adam_m_dispatcher", "/altmarl_fa/adam_v_dispatcher",
                                  "/altmarl_fa/adam_m_value", "/altmarl_fa/adam_v_value"};
    double *const mom[4] = {a->gm, a->gv, a->vm, a->vv};
    if (check_1d(f, path, "/altmarl_fa/dispatcher", a->gnet.n_params) ||
        check_1d(f, path, "/altmarl_fa/policy", a->pnet.n_params) ||
        check_1d(f, path, "/altmarl_fa/value", a->vnet.n_params) ||
        check_1d(f, path, "/altmarl_fa/values", (size_t)rounds))
        return SAMARL_ERR;
    for (int q = 0; q < 4; q++)
        if (check_1d(f, path, names[q], q < 2 ? a->gnet.n_params : a->vnet.n_params))
            return samarl_seterr("%s: no Adam state (written with train.save_adam = false?): %s",
                                 path, samarl_errmsg());
    h5io_read_1d(f, "/altmarl_fa/dispatcher", H5IO_F32, 0, (gidx_t)a->gnet.n_params, a->gp);
    h5io_read_1d(f, "/altmarl_fa/policy", H5IO_F32, 0, (gidx_t)a->pnet.n_params, a->pp);
    h5io_read_1d(f, "/altmarl_fa/value", H5IO_F32, 0, (gidx_t)a->vnet.n_params, a->vp);
    for (int q = 0; q < 4; q++)
        h5io_read_1d(f, names[q], H5IO_F64, 0,
                     (gidx_t)(q < 2 ? a->gnet.n_params : a->vnet.n_params), mom[q]);
    a->cap = rounds > 16 ? (int)rounds : 16;
    a->history = xrealloc(a->history, sizeof(double) * (size_t)a->cap);
    h5io_read_1d(f, "/altmarl_fa/values", H5IO_F64, 0, rounds, a->history);
    a->rounds = (int)rounds;
    return SAMARL_OK;
}

static void fa_print_setup(void *self, FILE *out)
{
    const fa_t *a = self;
    fprintf(out,
            "altmarl-fa: a dispatcher network sampling k = %" PRId64 " of %" PRIdG
            " robots; each round %" PRId64 " G-step starts x %" PRId64 " epochs, %" PRId64
            " L-step episodes x %" PRId64 " steps, one TRPO step (max KL %g), judged by %" PRId64
            " rollouts of %" PRId64 " steps\n",
            a->c.k, a->n, a->c.g_samples, a->c.g_epochs, a->c.l_episodes, a->c.l_horizon,
            a->c.max_kl, a->c.judge_rollouts, a->c.judge_horizon);
}

static void fa_print_progress(void *self, FILE *out)
{
    const fa_t *a = self;
    fprintf(out, "  value %.3f  dispatcher CE %.3f acc %.3f  TRPO KL %.4f%s  H %.3f",
            a->rounds ? a->history[a->rounds - 1] : 0.0, a->g_loss, a->g_acc, a->l_kl,
            a->l_accepted ? "" : " (kept)", a->l_entropy);
}

static void fa_print_summary(void *self, FILE *out, int64_t n_it)
{
    (void)n_it;
    fa_t *a = self;
    fprintf(out, "altmarl-fa: %d round(s), values", a->rounds);
    for (int r = 0; r < a->rounds; r++) fprintf(out, " %.2f", a->history[r]);
    fprintf(out, "\n");
}

static void fa_record(void *self, strbuf_t *sb, int64_t n_it, int64_t n_list)
{
    (void)n_it;
    (void)n_list;
    fa_t *a = self;
    sb_printf(sb, ", \"altmarl_fa\": {\"k\": %" PRId64 ", \"rounds\": %d, \"values\": [", a->c.k,
              a->rounds);
    for (int r = 0; r < a->rounds; r++) sb_printf(sb, "%s%.10g", r ? ", " : "", a->history[r]);
    sb_printf(sb, "], \"g_accuracy\": %.6g, \"trpo_kl\": %.6g}", a->g_acc, a->l_kl);
}

const trainer_ops_t trainer_altmarl_fa = {
    .name = "altmarl-fa",
    .summary = "ALTERNATING-MARL with networks (seed 002): a dispatcher fit to the true mode from "
               "k robots' histogram, the robots' TRPO best response (env.name = warehouse)",
    .model = ENV_MODEL_WAREHOUSE,
    .no_networks = 1,
    .config = &fa_section,
    .create = fa_create,
    .destroy = fa_destroy,
    .init_fresh = fa_init_fresh,
    .iteration = fa_iteration,
    .save = fa_save,
    .load = fa_load,
    .evaluate = fa_eval,
    .print_setup = fa_print_setup,
    .print_progress = fa_print_progress,
    .print_summary = fa_print_summary,
    .record = fa_record,
};
