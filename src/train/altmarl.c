/* ALTERNATING-MARL's tabular algorithm on the robots task (altmarl.h),
 * step for step as the public code: marl_example.py (the tables),
 * global_agent_optimizer.py (G-LEARN), local_agent_optimizer.py (L-LEARN),
 * alternating_marl.py (the mean field, the alternation, the evaluation). */
#include "samarl/altmarl.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/error.h"
#include "samarl/rng.h"

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
    /* V, Vn, pi_g, best_g on every rank; next, R, blk, blk_g per block */
    return nc * S * (2 * sizeof(double) + 2 * sizeof(int32_t)) +
           ceil(nc / P) * S * (sizeof(int64_t) + 2 * sizeof(double) + sizeof(int32_t));
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
    a->best_g = XZNEW(int32_t, all);
    a->V = XZNEW(double, all);
    a->Vn = XZNEW(double, all);
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
    free(a->Vn);
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
        comm_allgatherv_bytes(a->blk, m, a->Vn, cnt, ROB_SG * sizeof(double));
        comm_allreduce_double(&delta, 1, COMM_MAX);
        double *t = a->V;
        a->V = a->Vn;
        a->Vn = t;
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
        int sg = (int)(u_shared(key, ep, ctr++) * ROB_SG);
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
    const size_t gsz = sizeof(int32_t) * ROB_SG * (size_t)a->nc;
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
        memcpy(a->best_g, a->pi_g, gsz);
        memcpy(a->best_l, a->pi_l, sizeof a->best_l);
    } else if (v < a->best - fabs(a->best) * RTOL) { /* more than 1% below the best: back to it */
        memcpy(a->pi_g, a->best_g, gsz);
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
