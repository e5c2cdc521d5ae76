/* ALTERNATING-MARL's tabular algorithm on the robots task (altmarl.h),
 * step for step as the public code: marl_example.py (the tables),
 * global_agent_optimizer.py (G-LEARN), local_agent_optimizer.py (L-LEARN),
 * alternating_marl.py (the mean field, the alternation, the evaluation). */
#include "samarl/altmarl.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <stddef.h>
#include <stdio.h>

#include "samarl/comm.h"
#include "samarl/error.h"
#include "samarl/h5io.h"
#include "samarl/policyfile.h"
#include "samarl/rng.h"
#include "samarl/trainer.h"

enum { NS = 5 }; /* states a count vector counts over */
enum { G_BACKUPS = 100, L_BACKUPS = 100, MF_ITERS = 50, L_DRAWS = 200 };
#define VI_TOL 1e-6
#define TAU_SCALE 3.0
#define TAU_MIN 0.3
#define RTOL 0.01
#define L_DRAW_KEY 999ULL /* local_agent_optimizer.py: default_rng(999), the same every call */

static void softmax(const double *z, int n, double *p)
{
    double m = z[0], s = 0;
    for (int i = 1; i < n; i++) m = z[i] > m ? z[i] : m;
    for (int i = 0; i < n; i++) s += p[i] = exp(z[i] - m);
    for (int i = 0; i < n; i++) p[i] /= s;
}

/* ---- count vectors --------------------------------------------------------------------- */

/* Compositions of m into q >= 1 parts: C(m + q - 1, q - 1). */
static int64_t comp(int64_t m, int q)
{
    int64_t c = 1;
    for (int j = 1; j < q; j++) c = c * (m + j) / j;
    return c;
}

int64_t altmarl_n_counts(int k)
{
    return comp(k, NS);
}

int64_t altmarl_rank(int k, const int32_t *c)
{
    int64_t r = 0, left = k;
    for (int i = 0; i < NS - 1; i++) {
        for (int64_t v = left; v > c[i]; v--) r += comp(left - v, NS - 1 - i);
        left -= c[i];
    }
    return r;
}

void altmarl_unrank(int k, int64_t r, int32_t *c)
{
    int64_t left = k;
    for (int i = 0; i < NS - 1; i++) {
        int64_t v = left;
        for (;; v--) {
            const int64_t n = comp(left - v, NS - 1 - i);
            if (r < n) break;
            r -= n;
        }
        c[i] = (int32_t)v;
        left -= v;
    }
    c[NS - 1] = (int32_t)left;
}

void altmarl_round(int k, const double *x, int32_t *c)
{
    double res[NS];
    int64_t sum = 0;
    for (int j = 0; j < NS; j++) {
        const double f = floor(x[j]);
        c[j] = (int32_t)f;
        res[j] = x[j] - f;
        sum += c[j];
    }
    int64_t deficit = k - sum;
    /* the deficit largest remainders, ties to the lower state (numpy's
     * stable argsort of five) */
    int taken[NS] = {0};
    for (; deficit > 0; deficit--) {
        int best = -1;
        for (int j = 0; j < NS; j++)
            if (!taken[j] && (best < 0 || res[j] > res[best])) best = j;
        if (best < 0) break;
        taken[best] = 1;
        c[best]++;
    }
    for (int j = 0; j < NS; j++) c[j] = c[j] < 0 ? 0 : c[j] > k ? k : c[j];
}

/* ---- the learners ---------------------------------------------------------------------- */

/* This rank's block [d0, d1) of nc count vectors on P ranks. */
static void block(int64_t nc, int P, int r, int64_t *d0, int64_t *d1)
{
    *d0 = (int64_t)((__int128)nc * r / P);
    *d1 = (int64_t)((__int128)nc * (r + 1) / P);
}

double altmarl_bytes(int64_t k, int P)
{
    const double nc = (double)altmarl_n_counts((int)k), S = ROB_SG;
    /* V and pi_g on every rank (every backup reads V anywhere; the dispatcher
     * acts on every rank); next, R, blk, blk_g, best_g per block */
    return nc * S * (sizeof(double) + sizeof(int32_t)) +
           ceil(nc / P) * S * (sizeof(int64_t) + 2 * sizeof(double) + 2 * sizeof(int32_t));
}

int altmarl_init(altmarl_t *a, const robots_t *env, int64_t k, gidx_t n, uint64_t seed,
                 const char *what)
{
    memset(a, 0, sizeof *a);
    if (k < 1 || k > n || k > 100000)
        return samarl_seterr("%s = %" PRId64 ": the global agent samples k of the n = %" PRId64
                             " local agents, expected 1 <= k <= n%s",
                             what, k, (int64_t)n, n > 100000 ? " and k <= 100000" : "");
    const int P = comm_size();
    const int64_t nc = altmarl_n_counts((int)k);
    double node_need, avail;
    int node_ranks;
    if (!comm_memory_fits(altmarl_bytes(k, P), &node_need, &node_ranks, &avail))
        return samarl_seterr("%s = %" PRId64 " gives C(k + 4, 4) = %" PRId64 " count vectors "
                             "x %d zones: the dispatcher's tables need %.3g GB on this node (%d "
                             "ranks), MemAvailable is %.3g GB: lower %s",
                             what, k, nc, ROB_SG, node_need / 1e9, node_ranks, avail / 1e9, what);
    a->env = env;
    a->k = (int)k;
    a->nc = nc;
    block(nc, P, comm_rank(), &a->d0, &a->d1);
    a->seed = seed;
    a->max_rounds = ALTMARL_ROUNDS;
    a->stop = 1;
    a->rollouts = ALTMARL_ROLLOUTS;
    a->horizon = ALTMARL_HORIZON;
    const size_t all = (size_t)ROB_SG * (size_t)nc, mine = (size_t)ROB_SG * (size_t)(a->d1 - a->d0);
    a->pi_g = XZNEW(int32_t, all);
    a->best_g = XZNEW(int32_t, mine + 1);
    a->V = XZNEW(double, all);
    a->next = XZNEW(int64_t, mine + 1);
    a->R = XZNEW(double, mine + 1);
    a->blk = XZNEW(double, mine + 1);
    a->blk_g = XZNEW(int32_t, mine + 1);
    a->best = a->value = -INFINITY;
    for (int sg = 0; sg < ROB_SG; sg++) /* the public code starts the locals uniform */
        for (int sl = 0; sl < ROB_SL; sl++)
            for (int al = 0; al < ROB_AL; al++) a->pi_l[sg][sl][al] = 1.0 / ROB_AL;
    return SAMARL_OK;
}

void altmarl_free(altmarl_t *a)
{
    free(a->pi_g);
    free(a->best_g);
    free(a->V);
    free(a->next);
    free(a->R);
    free(a->blk);
    free(a->blk_g);
    free(a->history);
    memset(a, 0, sizeof *a);
}

/* The local policy's transition and reward, P_pi[sl][sg][sl'], r_pi[sl][sg]. */
static void local_under_policy(const altmarl_t *a, double P[ROB_SL][ROB_SG][ROB_SL],
                               double r[ROB_SL][ROB_SG])
{
    const robots_t *e = a->env;
    for (int sl = 0; sl < ROB_SL; sl++)
        for (int sg = 0; sg < ROB_SG; sg++) {
            r[sl][sg] = 0;
            for (int q = 0; q < ROB_SL; q++) P[sl][sg][q] = 0;
            for (int al = 0; al < ROB_AL; al++) {
                const double w = a->pi_l[sg][sl][al];
                r[sl][sg] += w * e->rl[sl][sg][al];
                if (w > 1e-12)
                    for (int q = 0; q < ROB_SL; q++) P[sl][sg][q] += w * e->Pl[sl][sg][al][q];
            }
        }
}

/* Every rank's block of count vectors, in elements of ROB_SG values. */
static int64_t *block_counts(const altmarl_t *a)
{
    const int P = comm_size();
    int64_t *cnt = XNEW(int64_t, (size_t)P);
    for (int r = 0; r < P; r++) {
        int64_t d0, d1;
        block(a->nc, P, r, &d0, &d1);
        cnt[r] = d1 - d0;
    }
    return cnt;
}

void altmarl_glearn(altmarl_t *a)
{
    const robots_t *e = a->env;
    const int64_t nc = a->nc, d0 = a->d0, m = a->d1 - a->d0;
    const int k = a->k;
    double P[ROB_SL][ROB_SG][ROB_SL], rpi[ROB_SL][ROB_SG];
    local_under_policy(a, P, rpi);
    for (int64_t d = 0; d < m; d++) { /* this block's moves and mean local rewards */
        int32_t c[NS], c2[NS];
        altmarl_unrank(k, d0 + d, c);
        for (int sg = 0; sg < ROB_SG; sg++) {
            double x[NS] = {0}, rl = 0;
            for (int j = 0; j < NS; j++) {
                rl += c[j] * rpi[j][sg];
                for (int q = 0; q < NS; q++) x[q] += c[j] * P[j][sg][q];
            }
            altmarl_round(k, x, c2);
            a->next[d * ROB_SG + sg] = altmarl_rank(k, c2);
            a->R[d * ROB_SG + sg] = rl / k;
        }
    }
    int64_t *cnt = block_counts(a);
    memset(a->V, 0, sizeof(double) * ROB_SG * (size_t)nc);
    for (int it = 0; it < G_BACKUPS; it++) {
        double delta = 0;
        for (int64_t d = 0; d < m; d++)
            for (int sg = 0; sg < ROB_SG; sg++) {
                const int64_t at = d * ROB_SG + sg;
                const double *v5 = a->V + a->next[at] * ROB_SG;
                double best = -INFINITY;
                int arg = 0;
                for (int ag = 0; ag < ROB_GA; ag++) {
                    double ev = 0;
                    for (int s2 = 0; s2 < ROB_SG; s2++) ev += e->Pg[sg][ag][s2] * v5[s2];
                    const double q = e->rg[sg][ag] + a->R[at] + e->gamma * ev;
                    if (q > best) {
                        best = q;
                        arg = ag;
                    }
                }
                a->blk[at] = best;
                a->blk_g[at] = arg;
                const double dv = fabs(best - a->V[(d0 + d) * ROB_SG + sg]);
                delta = dv > delta ? dv : delta;
            }
        /* in place: this rank has read V for its block, and the others
         * read their own copies */
        comm_allgatherv_bytes(a->blk, m, a->V, cnt, ROB_SG * sizeof(double));
        comm_allreduce_double(&delta, 1, COMM_MAX);
        if (delta < VI_TOL) break;
    }
    comm_allgatherv_bytes(a->blk_g, m, a->pi_g, cnt, ROB_SG * sizeof(int32_t));
    free(cnt);
}

/* A categorical draw from p[n] with the uniform u: the first index whose
 * cumulative probability exceeds u (the last one when rounding leaves u above all). */
static int categorical(const double *p, int n, double u)
{
    double acc = 0;
    for (int q = 0; q < n - 1; q++) {
        acc += p[q];
        if (u < acc) return q;
    }
    return n - 1;
}

void altmarl_llearn(altmarl_t *a)
{
    const robots_t *e = a->env;
    double P[ROB_SL][ROB_SG][ROB_SL], rpi[ROB_SL][ROB_SG];
    local_under_policy(a, P, rpi);
    /* the mean field of the current local policy, zones uniform */
    double mu[ROB_SL];
    for (int q = 0; q < ROB_SL; q++) mu[q] = 1.0 / ROB_SL;
    for (int it = 0; it < MF_ITERS; it++) {
        double nx[ROB_SL] = {0}, s = 0;
        for (int sl = 0; sl < ROB_SL; sl++) {
            if (!(mu[sl] > 1e-12)) continue;
            for (int sg = 0; sg < ROB_SG; sg++)
                for (int q = 0; q < ROB_SL; q++) nx[q] += mu[sl] / ROB_SG * P[sl][sg][q];
        }
        for (int q = 0; q < ROB_SL; q++) s += nx[q];
        if (s > 0)
            for (int q = 0; q < ROB_SL; q++) mu[q] = nx[q] / s;
    }
    memcpy(a->mu, mu, sizeof mu);
    /* the zone's moves under the dispatcher, over count vectors drawn
     * multinomial(k, mu): the same draws every call */
    double Pe[ROB_SG][ROB_SG] = {{0}};
    for (int sg = 0; sg < ROB_SG; sg++) {
        for (int m = 0; m < L_DRAWS; m++) {
            int32_t c[NS] = {0};
            for (int j = 0; j < a->k; j++) {
                const uint64_t draw = ((uint64_t)(sg * L_DRAWS + m) << 24) | (uint64_t)j;
                c[categorical(
                    mu, ROB_SL,
                    rng_uniform(a->seed, RNG_STREAM_ALTMARL, (1ULL << 62) | L_DRAW_KEY, draw))]++;
            }
            const int ag = a->pi_g[altmarl_rank(a->k, c) * ROB_SG + sg];
            for (int q = 0; q < ROB_SG; q++) Pe[sg][q] += e->Pg[sg][ag][q];
        }
        for (int q = 0; q < ROB_SG; q++) Pe[sg][q] /= L_DRAWS;
    }
    double V[ROB_SG][ROB_SL] = {{0}}, Q[ROB_SG][ROB_SL][ROB_AL];
    for (int it = 0; it <= L_BACKUPS; it++) { /* 100 backups, then Q once more */
        double EV[ROB_SG][ROB_SL] = {{0}};
        for (int sg = 0; sg < ROB_SG; sg++)
            for (int q = 0; q < ROB_SL; q++)
                for (int s2 = 0; s2 < ROB_SG; s2++) EV[sg][q] += Pe[sg][s2] * V[s2][q];
        double delta = 0, Vn[ROB_SG][ROB_SL];
        for (int sg = 0; sg < ROB_SG; sg++)
            for (int sl = 0; sl < ROB_SL; sl++) {
                double best = -INFINITY;
                for (int al = 0; al < ROB_AL; al++) {
                    double ev = 0;
                    for (int q = 0; q < ROB_SL; q++) ev += e->Pl[sl][sg][al][q] * EV[sg][q];
                    Q[sg][sl][al] = e->rl[sl][sg][al] + e->gamma * ev;
                    best = Q[sg][sl][al] > best ? Q[sg][sl][al] : best;
                }
                Vn[sg][sl] = best;
                const double dv = fabs(best - V[sg][sl]);
                delta = dv > delta ? dv : delta;
            }
        if (it == L_BACKUPS) break; /* the recomputation: Q from the final V */
        memcpy(V, Vn, sizeof V);
        if (delta < VI_TOL) {
            it = L_BACKUPS - 1; /* converged: one recomputation from this V */
            continue;
        }
    }
    for (int sg = 0; sg < ROB_SG; sg++)
        for (int sl = 0; sl < ROB_SL; sl++) {
            const double *q = Q[sg][sl];
            double mx = q[0], mn = q[0];
            for (int al = 1; al < ROB_AL; al++) {
                mx = q[al] > mx ? q[al] : mx;
                mn = q[al] < mn ? q[al] : mn;
            }
            const double tau = (mx - mn) / TAU_SCALE > TAU_MIN ? (mx - mn) / TAU_SCALE : TAU_MIN;
            double z[ROB_AL];
            for (int al = 0; al < ROB_AL; al++) z[al] = q[al] / tau;
            softmax(z, ROB_AL, a->pi_l[sg][sl]);
        }
}

/* ---- the population and the evaluation ------------------------------------------------- */

int altmarl_pop_init(altmarl_pop_t *p, gidx_t n, int k, lidx_t n_owned, const gidx_t *gid)
{
    memset(p, 0, sizeof *p);
    const int rc = ksample_init(&p->ks, n, k, n_owned, gid, "altmarl.k");
    if (rc != SAMARL_OK) return rc;
    p->n = n;
    p->n_owned = n_owned;
    p->gid = gid;
    p->s = XZNEW(int32_t, (size_t)(n_owned > 0 ? n_owned : 1));
    p->act = XZNEW(int32_t, (size_t)(n_owned > 0 ? n_owned : 1));
    return SAMARL_OK;
}

void altmarl_pop_free(altmarl_pop_t *p)
{
    ksample_free(&p->ks);
    free(p->s);
    free(p->act);
    memset(p, 0, sizeof *p);
}

/* Draws of a rollout e: the replicated ones (zone, profile) keyed by e
 * alone, an agent's by (e, gid); step t x 4 + purpose. */
enum { D_INIT, D_ACT, D_MOVE, D_ZONE };
static double u_shared(uint64_t seed, uint64_t e, uint64_t step)
{
    return rng_uniform(seed, RNG_STREAM_ALTMARL, (1ULL << 63) | e, step);
}
static double u_agent(uint64_t seed, uint64_t e, gidx_t g, int64_t t, int purpose)
{
    return rng_uniform(seed, RNG_STREAM_ALTMARL, (e << 32) | (uint64_t)g,
                       (uint64_t)t * 4 + (uint64_t)purpose);
}

/* A Gamma(a) variate, a < 1 (Marsaglia and Tsang on a + 1, times U^(1/a)),
 * from the replicated draws of rollout e from *ctr on. */
static double gamma_small(uint64_t seed, uint64_t e, double a, uint64_t *ctr)
{
    const double d = a + 1.0 - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double z[2];
        rng_normal2(seed, RNG_STREAM_ALTMARL, (1ULL << 63) | e, (*ctr)++, z);
        const double v = (1 + c * z[0]) * (1 + c * z[0]) * (1 + c * z[0]);
        const double u = u_shared(seed, e, (*ctr)++);
        if (v > 0 && log(u) < 0.5 * z[0] * z[0] + d - d * v + d * log(v))
            return d * v * pow(u_shared(seed, e, (*ctr)++), 1.0 / a);
    }
}

double altmarl_evaluate(altmarl_t *a, altmarl_pop_t *p, uint64_t seed, int rollouts, int horizon,
                        int64_t *bytes)
{
    const robots_t *e = a->env;
    const uint64_t key = a->seed;
    SAMARL_ASSERT(p->ks.k == a->k && horizon >= 1 && seed < (1ULL << 19) && p->n < (1LL << 32));
    double total = 0;
    for (int r = 0; r < rollouts; r++) {
        const uint64_t ep = (seed << 11) | (uint64_t)r; /* rollout r of evaluation seed */
        SAMARL_ASSERT(r < (1 << 11));
        uint64_t ctr = (uint64_t)1 << 40; /* the start's draws, after the steps' */
        int sg = (int)rng_pick(u_shared(key, ep, ctr++), ROB_SG);
        double prof[ROB_SL], s = 0;
        for (int q = 0; q < ROB_SL; q++) s += prof[q] = gamma_small(key, ep, 0.3, &ctr);
        for (int q = 0; q < ROB_SL; q++) prof[q] /= s;
        for (lidx_t i = 0; i < p->n_owned; i++)
            p->s[i] = categorical(prof, ROB_SL, u_agent(key, ep, p->gid[i], 0, D_INIT));
        double ret = 0, disc = 1;
        for (int t = 0; t < horizon; t++) {
            /* one reduction: the sample's counts, then (position, action) counts */
            int64_t cnt[NS + ROB_SL * ROB_AL] = {0};
            ksample_draw(&p->ks, key, ep, t);
            ksample_counts_local(&p->ks, p->s, NS, cnt);
            for (lidx_t i = 0; i < p->n_owned; i++) {
                p->act[i] = categorical(a->pi_l[sg][p->s[i]], ROB_AL,
                                        u_agent(key, ep, p->gid[i], t, D_ACT));
                cnt[NS + p->s[i] * ROB_AL + p->act[i]]++;
            }
            comm_allreduce_int64(cnt, NS + ROB_SL * ROB_AL, COMM_SUM);
            int32_t c[NS];
            for (int q = 0; q < NS; q++) c[q] = (int32_t)cnt[q];
            const int ag = a->pi_g[altmarl_rank(a->k, c) * ROB_SG + sg];
            double rl = 0;
            for (int sl = 0; sl < ROB_SL; sl++)
                for (int al = 0; al < ROB_AL; al++)
                    rl += (double)cnt[NS + sl * ROB_AL + al] * e->rl[sl][sg][al];
            ret += disc * (e->rg[sg][ag] + rl / (double)p->n);
            disc *= e->gamma;
            /* the zone moves first; the agents move with its new value (the
             * public simulator's order) */
            sg = categorical(e->Pg[sg][ag], ROB_SG, u_shared(key, ep, (uint64_t)t * 4 + D_ZONE));
            for (lidx_t i = 0; i < p->n_owned; i++)
                p->s[i] = categorical(e->Pl[p->s[i]][sg][p->act[i]], ROB_SL,
                                      u_agent(key, ep, p->gid[i], t, D_MOVE));
        }
        total += ret;
    }
    if (bytes) *bytes = (int64_t)((NS + ROB_SL * ROB_AL) * sizeof(int64_t));
    return total / rollouts;
}

double altmarl_alternate(altmarl_t *a, altmarl_pop_t *p)
{
    SAMARL_ASSERT(!a->stopped && a->rounds < (1 << 19));
    const size_t mine = sizeof(int32_t) * ROB_SG * (size_t)(a->d1 - a->d0);
    const int it = a->rounds;
    altmarl_glearn(a);
    altmarl_llearn(a);
    const double v = altmarl_evaluate(a, p, (uint64_t)it, a->rollouts, a->horizon, NULL);
    if (a->rounds == a->cap) {
        a->cap = a->cap ? 2 * a->cap : 8;
        a->history = xrealloc(a->history, sizeof(double) * (size_t)a->cap);
    }
    a->history[a->rounds++] = v;
    a->value = v;
    if (v > a->best) {
        a->best = v;
        memcpy(a->best_g, a->pi_g + a->d0 * ROB_SG, mine); /* this rank's block */
        memcpy(a->best_l, a->pi_l, sizeof a->best_l);
    } else if (v < a->best - fabs(a->best) * RTOL) { /* more than 1% below the best: back to it */
        int64_t *cnt = block_counts(a); /* every rank takes this branch: v is the same */
        comm_allgatherv_bytes(a->best_g, a->d1 - a->d0, a->pi_g, cnt, ROB_SG * sizeof(int32_t));
        free(cnt);
        memcpy(a->pi_l, a->best_l, sizeof a->pi_l);
        a->value = a->best;
    }
    if (a->stop && it >= 1) {
        const double prev = a->history[it - 1];
        if (fabs(v - prev) < RTOL * (fabs(prev) > 1e-6 ? fabs(prev) : 1e-6)) a->stopped = 1;
    }
    return v;
}

int altmarl_train(altmarl_t *a, altmarl_pop_t *p)
{
    SAMARL_ASSERT(a->max_rounds >= 1);
    while (!a->stopped && a->rounds < a->max_rounds) altmarl_alternate(a, p);
    return a->rounds;
}

/* ---- train.algo = altmarl ------------------------------------------------------------ */

enum { ALTMARL_EVAL_SEED = 1 << 18 }; /* the training curve's evaluation seed */

/* [altmarl]: the trainer's own keys. The alternation's cap is
 * train.iterations (one iteration = one round; the public code's 5). */
typedef struct altmarl_config {
    int64_t k, rollouts, horizon;
    int stop;
} altmarl_config_t;

static const config_key_t altmarl_keys[] = {
    {"altmarl", "k", CONFIG_INT, offsetof(altmarl_config_t, k), "10", 1, 100000, 0, 0, NULL,
     "train.algo = altmarl: the local agents the global agent samples each step, without "
     "replacement (1 <= k <= graph.agents); its tables hold C(k + 4, 4) count vectors x 5 "
     "zones, split across the ranks"},
    {"altmarl", "rollouts", CONFIG_INT, offsetof(altmarl_config_t, rollouts), "20", 1, 2047, 0, 0,
     NULL,
     "train.algo = altmarl: rollouts that judge each round of the alternation (the public "
     "code's 20)"},
    {"altmarl", "horizon", CONFIG_INT, offsetof(altmarl_config_t, horizon), "30", 1, 1 << 20, 0, 0,
     NULL,
     "train.algo = altmarl: steps of each judging rollout, its discounted return the round's "
     "value (the public code's 30)"},
    {"altmarl", "stop", CONFIG_BOOL, offsetof(altmarl_config_t, stop), "true", 0, 0, 0, 0, NULL,
     "train.algo = altmarl: stop when two consecutive rounds' values are within 1% (the public "
     "code's rule); false: run train.iterations rounds"},
};
static const config_section_t altmarl_section = {
    "altmarl", altmarl_keys, (int)(sizeof altmarl_keys / sizeof altmarl_keys[0]),
    sizeof(altmarl_config_t)};

typedef struct altmarl_trainer {
    altmarl_t a;
    altmarl_pop_t pop;
    gidx_t n;
    int64_t step_bytes; /* reduced per rank and simulated step in the last evaluation */
} altmarl_trainer_t;

static void *altmarl_create(const config_t *cfg, env_t *env, policyset_t *ps)
{
    (void)ps; /* no networks (no_networks) */
    const altmarl_config_t *c = config_section_values(cfg, "altmarl");
    const robots_t *model = env_model(env, ENV_MODEL_ROBOTS);
    SAMARL_ASSERT(model); /* trainer_check_env's verdict */
    altmarl_trainer_t *t = XZNEW(altmarl_trainer_t, 1);
    /* the same verdict on every rank: k and the table sizes are */
    comm_check(altmarl_init(&t->a, model, c->k, env->n_global, cfg->run.seed, "altmarl.k"));
    t->a.rollouts = (int)c->rollouts;
    t->a.horizon = (int)c->horizon;
    t->a.stop = c->stop;
    /* round r is judged at evaluation seed r, the training curve at EVAL_SEED */
    if (cfg->train.iterations >= ALTMARL_EVAL_SEED)
        comm_check(samarl_seterr("train.algo = altmarl judges round r at evaluation seed r: "
                                 "train.iterations = %" PRId64 ", expected fewer than %d rounds",
                                 cfg->train.iterations, ALTMARL_EVAL_SEED));
    t->a.max_rounds = (int)cfg->train.iterations;
    if (cfg->train.eval_copies >= 1 << 11 || cfg->env.horizon > 1 << 20)
        comm_check(samarl_seterr("train.algo = altmarl evaluates train.eval_copies = %" PRId64
                                 " rollouts of env.horizon = %" PRId64 " steps: expected at most "
                                 "2047 rollouts and 2^20 steps",
                                 cfg->train.eval_copies, cfg->env.horizon));
    comm_check(altmarl_pop_init(&t->pop, env->n_global, (int)c->k, env->n, env->gid));
    t->n = env->n_global;
    return t;
}

static void altmarl_destroy(void *self)
{
    altmarl_trainer_t *t = self;
    altmarl_pop_free(&t->pop);
    altmarl_free(&t->a);
    free(t);
}

static void altmarl_init_fresh(void *self)
{
    (void)self; /* altmarl_init starts the local agents uniform */
}

/* The local policy's mean entropy over (zone, position). */
static double local_entropy(const altmarl_t *a)
{
    double h = 0;
    for (int sg = 0; sg < ROB_SG; sg++)
        for (int sl = 0; sl < ROB_SL; sl++)
            for (int al = 0; al < ROB_AL; al++) {
                const double p = a->pi_l[sg][sl][al];
                h -= p > 0 ? p * log(p) : 0;
            }
    return h / (ROB_SG * ROB_SL);
}

static void altmarl_iteration(void *self, int64_t it, trainer_stats_t *st)
{
    altmarl_trainer_t *t = self;
    SAMARL_ASSERT(it == t->a.rounds);
    *st = (trainer_stats_t){0};
    st->aug_reward = altmarl_alternate(&t->a, &t->pop);
    st->entropy = local_entropy(&t->a);
    st->agent_steps = (int64_t)t->n * t->a.rollouts * t->a.horizon; /* the judge's simulation */
}

static int altmarl_done(void *self)
{
    return ((altmarl_trainer_t *)self)->a.stopped;
}

/* The training curve's evaluation: the policies held, train.eval_copies
 * rollouts of env.horizon steps (the public code's final evaluation is 50 x
 * 50 per seed), at an evaluation seed apart from the rounds' judges. */

static void altmarl_eval(void *self, env_t *eval_env, int64_t steps, double *ret, double *usage)
{
    altmarl_trainer_t *t = self;
    *ret = altmarl_evaluate(&t->a, &t->pop, ALTMARL_EVAL_SEED, eval_env->copies, (int)steps,
                            &t->step_bytes);
    *usage = 0;
}

/* /altmarl: the dispatcher and the local policy now and at the best round,
 * the rounds' values and the alternation's state; the dispatcher's tables
 * written by every rank's block of count vectors. */
static void altmarl_save(void *self, pfio_t *io)
{
    const altmarl_t *a = &((altmarl_trainer_t *)self)->a;
    h5file_t *f = pfio_h5(io);
    const int root = comm_rank() == 0;
    h5io_group(f, "/altmarl");
    static const char *const gdesc[2] = {
        "the dispatcher's action (zone 0-4 to steer to) per count vector of the k sampled "
        "agents (row: the count vector's rank in combinations_with_replacement order) and zone",
        "the dispatcher at the best round (what a round more than 1% below it reverts to)"};
    const int32_t *g[2] = {a->pi_g + a->d0 * ROB_SG, a->best_g};
    const double *l[2] = {&a->pi_l[0][0][0], &a->best_l[0][0][0]};
    for (int b = 0; b < 2; b++) {
        h5io_write_2d(f, b ? "/altmarl/best_dispatcher" : "/altmarl/dispatcher", H5IO_I32, a->nc,
                      ROB_SG, a->d0, a->d1 - a->d0, g[b], "1", gdesc[b]);
        h5io_write_2d(f, b ? "/altmarl/best_local_policy" : "/altmarl/local_policy", H5IO_F64,
                      ROB_SG * ROB_SL, ROB_AL, 0, root ? ROB_SG * ROB_SL : 0, l[b], "1",
                      b ? "the local policy at the best round"
                        : "the local agents' policy: probabilities of stay / up / down per "
                          "(zone, position), row zone x 5 + position");
    }
    pfio_put_series(io, "/altmarl/values", a->rounds, a->history, "1",
                    "each round's value: the mean discounted return of the dispatcher's and the "
                    "mean local reward over the judging rollouts");
    h5io_write_1d(f, "/altmarl/mean_field", H5IO_F64, ROB_SL, 0, root ? ROB_SL : 0, a->mu, "1",
                  "the local policy's stationary distribution over positions (zones uniform), "
                  "L-LEARN's last");
    h5io_attr_int64(f, "/altmarl", "k", a->k, "1");
    h5io_attr_int64(f, "/altmarl", "rounds", a->rounds, "1");
    h5io_attr_int64(f, "/altmarl", "stopped", a->stopped, "1");
    h5io_attr_double(f, "/altmarl", "value", a->value, "1");
    h5io_attr_double(f, "/altmarl", "best", a->best, "1");
    h5io_attr_int64(f, "/", "adam_step", 0, "1");
}

static int altmarl_load(void *self, pfio_t *io)
{
    altmarl_t *a = &((altmarl_trainer_t *)self)->a;
    h5file_t *f = pfio_h5(io);
    const char *path = pfio_path(io);
    int64_t k, rounds, stopped;
    if (!h5io_exists(f, "/altmarl"))
        return samarl_seterr("%s: no /altmarl group (expected a file written by train.algo = "
                             "altmarl)",
                             path);
    if (h5io_attr_read_int64(f, "/altmarl", "k", &k) ||
        h5io_attr_read_int64(f, "/altmarl", "rounds", &rounds) ||
        h5io_attr_read_int64(f, "/altmarl", "stopped", &stopped) ||
        h5io_attr_read_double(f, "/altmarl", "value", &a->value) ||
        h5io_attr_read_double(f, "/altmarl", "best", &a->best))
        return SAMARL_ERR;
    if (k != a->k)
        return samarl_seterr("%s: trained with altmarl.k = %" PRId64 ", and this configuration "
                             "has altmarl.k = %d (expected the same k to continue)",
                             path, k, a->k);
    gidx_t nv = 0;
    if (rounds != pfio_iterations(io) || h5io_length_1d(f, "/altmarl/values", &nv) || nv != rounds)
        return samarl_seterr("%s: /altmarl records %" PRId64 " rounds, the file %" PRId64
                             " iterations (expected one round per iteration)",
                             path, rounds, pfio_iterations(io));
    static const char *const names[4] = {"/altmarl/dispatcher", "/altmarl/best_dispatcher",
                                         "/altmarl/local_policy", "/altmarl/best_local_policy"};
    for (int b = 0; b < 4; b++) {
        int nd;
        gidx_t dims[2];
        const gidx_t want[2] = {b < 2 ? a->nc : ROB_SG * ROB_SL, b < 2 ? ROB_SG : ROB_AL};
        if (h5io_shape(f, names[b], &nd, dims) || nd != 2 || dims[0] != want[0] ||
            dims[1] != want[1])
            return samarl_seterr("%s: %s is not a [%" PRIdG "][%" PRIdG "] table", path, names[b],
                                 want[0], want[1]);
    }
    h5io_read_2d(f, names[0], H5IO_I32, ROB_SG, 0, a->nc, a->pi_g);
    h5io_read_2d(f, names[1], H5IO_I32, ROB_SG, a->d0, a->d1 - a->d0, a->best_g);
    h5io_read_2d(f, names[2], H5IO_F64, ROB_AL, 0, ROB_SG * ROB_SL, &a->pi_l[0][0][0]);
    h5io_read_2d(f, names[3], H5IO_F64, ROB_AL, 0, ROB_SG * ROB_SL, &a->best_l[0][0][0]);
    a->cap = rounds > 8 ? (int)rounds : 8;
    a->history = xrealloc(a->history, sizeof(double) * (size_t)a->cap);
    h5io_read_1d(f, "/altmarl/values", H5IO_F64, 0, rounds, a->history);
    h5io_read_1d(f, "/altmarl/mean_field", H5IO_F64, 0, ROB_SL, a->mu);
    a->rounds = (int)rounds;
    a->stopped = (int)stopped;
    return SAMARL_OK;
}

static void altmarl_print_setup(void *self, FILE *out)
{
    const altmarl_trainer_t *t = self;
    const altmarl_t *a = &t->a;
    fprintf(out,
            "altmarl: a dispatcher sampling k = %d of %" PRIdG " robots, C(k + 4, 4) = %" PRId64
            " count vectors x %d zones (%" PRId64 " on this rank), each round judged by %d "
            "rollouts of %d steps, %s\n",
            a->k, t->n, a->nc, ROB_SG, a->d1 - a->d0, a->rollouts, a->horizon,
            a->stop ? "stopping on two values within 1%" : "no stopping rule");
}

static void altmarl_print_progress(void *self, FILE *out)
{
    const altmarl_t *a = &((altmarl_trainer_t *)self)->a;
    fprintf(out, "  value %.4f (best %.4f)%s", a->value, a->best, a->stopped ? "  stopped" : "");
}

static void altmarl_print_summary(void *self, FILE *out, int64_t n_it)
{
    (void)n_it;
    const altmarl_t *a = &((altmarl_trainer_t *)self)->a;
    fprintf(out, "altmarl: %d round(s), values", a->rounds);
    for (int r = 0; r < a->rounds; r++) fprintf(out, " %.4f", a->history[r]);
    fprintf(out, "; %s; the policies held have value %.4f; mean field",
            a->stopped ? "stopped by the 1% rule" : "at the cap (train.iterations)", a->value);
    for (int q = 0; q < ROB_SL; q++) fprintf(out, " %.3f", a->mu[q]);
    fprintf(out, "\n");
}

static void altmarl_record(void *self, strbuf_t *sb, int64_t n_it, int64_t n_list)
{
    (void)n_it;
    (void)n_list;
    const altmarl_trainer_t *t = self;
    const altmarl_t *a = &t->a;
    sb_printf(sb,
              ", \"altmarl\": {\"k\": %d, \"n_agents\": %" PRIdG ", \"count_vectors\": %" PRId64
              ", \"bytes_reduced_per_step\": %" PRId64
              ", \"rounds\": %d, \"stopped\": %s, \"value\": %.10g, \"best\": %.10g, "
              "\"values\": [",
              a->k, t->n, a->nc, t->step_bytes, a->rounds, a->stopped ? "true" : "false", a->value,
              a->best);
    for (int r = 0; r < a->rounds; r++) sb_printf(sb, "%s%.10g", r ? ", " : "", a->history[r]);
    sb_printf(sb, "], \"mean_field\": [");
    for (int q = 0; q < ROB_SL; q++) sb_printf(sb, "%s%.6g", q ? ", " : "", a->mu[q]);
    sb_printf(sb, "]}");
}

const trainer_ops_t trainer_altmarl = {
    .name = "altmarl",
    .summary = "ALTERNATING-MARL (seed 002): a global agent that sees k of n local agents, "
               "G-LEARN and L-LEARN alternating (env.name = robots)",
    .model = ENV_MODEL_ROBOTS,
    .no_networks = 1,
    .config = &altmarl_section,
    .create = altmarl_create,
    .destroy = altmarl_destroy,
    .init_fresh = altmarl_init_fresh,
    .iteration = altmarl_iteration,
    .done = altmarl_done,
    .save = altmarl_save,
    .load = altmarl_load,
    .evaluate = altmarl_eval,
    .print_setup = altmarl_print_setup,
    .print_progress = altmarl_print_progress,
    .print_summary = altmarl_print_summary,
    .record = altmarl_record,
};
