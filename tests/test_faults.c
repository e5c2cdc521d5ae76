/* Consensus under communication faults (consensus.h): every fault case
 * bit-equal to a serial reference written from the specification (hence
 * the same on any number of ranks), no faults = the fault-free kernel,
 * renormalised rows keep a constant vector, link_drop = 1 freezes every
 * value, silent agents keep theirs for a whole window, and one-round-late
 * messages (stale = 1) conserve a delayed mass and converge to the
 * (2 - W_jj)-weighted average instead of the mean. */
#include <stdlib.h>

#include "samarl/comm.h"
#include "samarl/config.h"
#include "samarl/consensus.h"
#include "samarl/halo.h"
#include "samarl/partition.h"
#include "samarl/reprosum.h"
#include "samarl/rng.h"
#include "tap.h"
#include "testgraphs.h"

#define SEED 20240601u

/* Metropolis weights of the whole graph: w[e] for adj[e], self[i]. */
static void weights(const graph_t *g, double *w, double *self)
{
    for (gidx_t i = 0; i < g->n; i++) {
        double s = 0;
        for (gidx_t e = g->xadj[i]; e < g->xadj[i + 1]; e++) {
            gidx_t j = g->adj[e], di = g->xadj[i + 1] - g->xadj[i],
                   dj = g->xadj[j + 1] - g->xadj[j];
            w[e] = 1.0 / (1.0 + (double)(di > dj ? di : dj));
            s += w[e];
        }
        self[i] = 1.0 - s;
    }
}

static int silent(const consensus_faults_t *f, gidx_t i, int64_t r)
{
    return rng_uniform(f->seed, RNG_STREAM_FAULT_DROPOUT, (uint64_t)i,
                       (uint64_t)(r / f->dropout_rounds)) < f->agent_dropout;
}

/* What becomes of j's message to i in global round r, the k-th of its
 * call (consensus.h's specification): lost, on time, or the round before's. */
enum { MSG_LOST, MSG_NOW, MSG_LATE };
static int fate(const consensus_faults_t *f, gidx_t i, gidx_t j, int64_t r, int k)
{
    if (silent(f, i, r) || silent(f, j, r)) return MSG_LOST;
    const uint64_t lo = (uint64_t)(i < j ? i : j), hi = (uint64_t)(i < j ? j : i);
    const uint64_t key =
        f->link_mode == CONSENSUS_LINK_EDGE ? lo | hi << 32 : (uint64_t)j | (uint64_t)i << 32;
    rng_block_t b = rng_block(f->seed, RNG_STREAM_FAULT_LINK, key, (uint64_t)r);
    if (rng_u01(b.v[0], b.v[1]) < f->link_drop) return MSG_LOST;
    return k > 0 && rng_u01(b.v[2], b.v[3]) < f->stale ? MSG_LATE : MSG_NOW;
}

/* A misbehaving agent's message (consensus.h's specification). */
static int liar(const consensus_faults_t *f, gidx_t j)
{
    return f->byzantine > 0 &&
           rng_uniform(f->seed, RNG_STREAM_FAULT_BYZANTINE, (uint64_t)j, 0) < f->byzantine;
}
static double sent(const consensus_faults_t *f, gidx_t j, double v, int64_t r, int q)
{
    if (!liar(f, j)) return v;
    if (f->byzantine_mode == BYZANTINE_CONSTANT) return f->byzantine_value;
    if (f->byzantine_mode == BYZANTINE_SIGN_FLIP) return -v;
    double z[2];
    rng_normal2(f->seed, RNG_STREAM_FAULT_BYZANTINE, (1ULL << 62) | (uint64_t)j,
                ((uint64_t)r << 8) | (uint64_t)q, z);
    return v + f->byzantine_value * z[0];
}

typedef struct {
    double v, w;
    int at; /* arrival order */
} msg_t;
static int by_value(const void *a, const void *b)
{
    const msg_t *x = a, *y = b;
    return x->v < y->v ? -1 : x->v > y->v ? 1 : x->at - y->at;
}
static int by_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The robust rules on the m messages of a row with own value xi. */
static double robust_ref(const consensus_faults_t *f, double xi, double self, msg_t *m, int cnt)
{
    if (f->aggregate == CONSENSUS_AGG_MEDIAN) {
        double *all = malloc(sizeof(double) * (size_t)(cnt + 1));
        all[0] = xi;
        for (int k = 0; k < cnt; k++) all[k + 1] = m[k].v;
        qsort(all, (size_t)cnt + 1, sizeof(double), by_double);
        const int n = cnt + 1;
        const double med = n % 2 ? all[n / 2] : 0.5 * (all[n / 2 - 1] + all[n / 2]);
        free(all);
        return med;
    }
    if (f->aggregate == CONSENSUS_AGG_MTM) { /* median, MAD, then the values within Q MAD */
        const int n = cnt + 1;
        double *all = malloc(sizeof(double) * (size_t)n),
               *dist = malloc(sizeof(double) * (size_t)n);
        all[0] = xi;
        for (int k = 0; k < cnt; k++) all[k + 1] = m[k].v;
        qsort(all, (size_t)n, sizeof(double), by_double);
        const double med = n % 2 ? all[n / 2] : 0.5 * (all[n / 2 - 1] + all[n / 2]);
        for (int k = 0; k < n; k++) dist[k] = fabs(all[k] - med);
        qsort(dist, (size_t)n, sizeof(double), by_double);
        const double mad = n % 2 ? dist[n / 2] : 0.5 * (dist[n / 2 - 1] + dist[n / 2]);
        double den = self, acc = 0;
        for (int k = 0; k < cnt; k++)
            if (fabs(m[k].v - med) <= f->mtm_q * mad) den += m[k].w, acc += m[k].w * (m[k].v - xi);
        free(all);
        free(dist);
        return xi + acc / den;
    }
    msg_t *sorted = malloc(sizeof(msg_t) * (size_t)cnt);
    memcpy(sorted, m, sizeof(msg_t) * (size_t)cnt);
    qsort(sorted, (size_t)cnt, sizeof(msg_t), by_value);
    int above = 0, below = 0;
    for (int k = 0; k < cnt; k++) above += m[k].v > xi, below += m[k].v < xi;
    const int lo = below < f->trim ? below : f->trim, hi = above < f->trim ? above : f->trim;
    char *drop = calloc((size_t)cnt + 1, 1);
    for (int k = 0; k < lo; k++) drop[sorted[k].at] = 1;
    for (int k = 0; k < hi; k++) drop[sorted[cnt - 1 - k].at] = 1;
    double den = self, acc = 0;
    for (int k = 0; k < cnt; k++)
        if (!drop[k]) den += m[k].w, acc += m[k].w * (m[k].v - xi);
    free(sorted);
    free(drop);
    return xi + acc / den;
}

/* The specification, serially: `rounds` rounds from global round r0 on the
 * whole vector x[n][width]. */
static void reference(const graph_t *g, const double *w, const double *self, double *x, int width,
                      int rounds, int64_t r0, const consensus_faults_t *f)
{
    const size_t len = (size_t)g->n * (size_t)width;
    double *prev = malloc(sizeof(double) * len), *next = malloc(sizeof(double) * len);
    memcpy(prev, x, sizeof(double) * len);
    for (int k = 0; k < rounds; k++) {
        const int64_t r = r0 + k;
        for (gidx_t i = 0; i < g->n; i++) {
            const double *xi = x + i * width;
            double den = self[i];
            int got = 0;
            char *late = calloc((size_t)(g->xadj[i + 1] - g->xadj[i]) + 1, 1);
            char *recv = calloc((size_t)(g->xadj[i + 1] - g->xadj[i]) + 1, 1);
            for (gidx_t e = g->xadj[i]; e < g->xadj[i + 1]; e++) {
                const int m = fate(f, i, g->adj[e], r, k);
                if (m == MSG_LOST) continue;
                late[e - g->xadj[i]] = m == MSG_LATE;
                recv[e - g->xadj[i]] = 1;
                den += w[e];
                got = 1;
            }
            for (int q = 0; q < width; q++) {
                double acc = 0;
                msg_t *ms = malloc(sizeof(msg_t) * (size_t)(g->xadj[i + 1] - g->xadj[i] + 1));
                int cnt = 0;
                for (gidx_t e = g->xadj[i]; e < g->xadj[i + 1]; e++) {
                    if (!recv[e - g->xadj[i]]) continue;
                    const double *m = late[e - g->xadj[i]] ? prev : x;
                    const double v = sent(f, g->adj[e], m[g->adj[e] * width + q], r, q);
                    acc += w[e] * (v - xi[q]);
                    ms[cnt] = (msg_t){v, w[e], cnt};
                    cnt++;
                }
                if (f->aggregate != CONSENSUS_AGG_MEAN)
                    next[i * width + q] = cnt ? robust_ref(f, xi[q], self[i], ms, cnt) : xi[q];
                else
                    next[i * width + q] = !got                                  ? xi[q]
                                          : f->link_mode == CONSENSUS_LINK_EDGE ? xi[q] + acc
                                                                                : xi[q] + acc / den;
                free(ms);
            }
            free(late);
            free(recv);
        }
        memcpy(prev, x, sizeof(double) * len);
        memcpy(x, next, sizeof(double) * len);
    }
    free(prev);
    free(next);
}

/* Push-sum with running sums (consensus_pushsum), serially: v[n][width]
 * masses, sent[n][width] running sums, got[2E][width] per edge of the
 * whole graph's adjacency. */
static void pushsum_ref(const graph_t *g, double *v, double *sentsum, double *got, int width,
                        int rounds, int64_t r0, const consensus_faults_t *f)
{
    const size_t len = (size_t)g->n * (size_t)width;
    double *prev = malloc(sizeof(double) * len);
    for (int k = 0; k < rounds; k++) {
        const int64_t r = r0 + k;
        memcpy(prev, sentsum, sizeof(double) * len);
        for (gidx_t i = 0; i < g->n; i++) {
            if (silent(f, i, r)) continue;
            for (int q = 0; q < width; q++) {
                const double share = v[i * width + q] / (double)(g->xadj[i + 1] - g->xadj[i] + 1);
                v[i * width + q] = share;
                sentsum[i * width + q] += share;
            }
        }
        for (gidx_t i = 0; i < g->n; i++)
            for (gidx_t e = g->xadj[i]; e < g->xadj[i + 1]; e++) {
                const gidx_t j = g->adj[e];
                const int m = fate(f, i, j, r, k);
                if (m == MSG_LOST) continue;
                const double *src = (m == MSG_LATE ? prev : sentsum) + j * width;
                for (int q = 0; q < width; q++) {
                    v[i * width + q] += src[q] - got[e * width + q];
                    got[e * width + q] = src[q];
                }
            }
    }
    free(prev);
}

/* Calls of these lengths, numbered on from round R0 (not 0, so the global
 * round index matters). */
static const int calls[] = {3, 5, 1, 4, 7};
#define N_CALLS 5
#define R0 41

static int same_as_reference(const graph_t *g, const lgraph_t *lg, consensus_t *c, const double *w,
                             const double *self, const consensus_faults_t *f, int width)
{
    const lidx_t nl = lg->n_owned + lg->n_ghost;
    double *xs = malloc(sizeof(double) * (size_t)g->n * width);
    double *x = calloc((size_t)(nl + 1) * width, sizeof(double));
    for (gidx_t i = 0; i < g->n * width; i++)
        xs[i] = rng_uniform(5, RNG_STREAM_TEST, (uint64_t)i, 1) + (i % 11 == 0 ? 4.0 : 0.0);
    for (lidx_t i = 0; i < lg->n_owned; i++)
        for (int q = 0; q < width; q++) x[i * width + q] = xs[lg->gid[i] * width + q];
    int64_t r = R0;
    int bits = 1;
    for (int k = 0; k < N_CALLS; k++) {
        consensus_mix_faulty(c, x, width, calls[k], r, f);
        reference(g, w, self, xs, width, calls[k], r, f);
        r += calls[k];
        for (lidx_t i = 0; i < lg->n_owned; i++)
            for (int q = 0; q < width; q++)
                bits &= tap_same_bits(x[i * width + q], xs[lg->gid[i] * width + q]);
    }
    free(xs);
    free(x);
    return bits;
}

/* consensus_pushsum against pushsum_ref under f (width 2), call by call;
 * then, on the distributed state, held + in flight against the start
 * (moved: relative to sum |v|) and the largest relative error of the ratio
 * v0 / v1 against sum v0 / sum v1 after `more` further rounds. */
static double ratio_error(const lgraph_t *lg, const double *v, const double s0[2])
{
    double e = 0;
    for (lidx_t i = 0; i < lg->n_owned; i++) {
        const double d = fabs(v[2 * i] / v[2 * i + 1] - s0[0] / s0[1]) / (s0[0] / s0[1]);
        e = d > e ? d : e;
    }
    comm_allreduce_double(&e, 1, COMM_MAX);
    return e;
}

static int pushsum_same(const graph_t *g, const lgraph_t *lg, consensus_t *c,
                        const consensus_faults_t *f, double *moved, double ratio_err[2], int more)
{
    const int width = 2;
    const lidx_t n = lg->n_owned, nl = n + lg->n_ghost;
    const int64_t nnz = lg->rowptr[n];
    double *vs = malloc(sizeof(double) * (size_t)g->n * width);
    double *ss = calloc((size_t)g->n * width, sizeof(double));
    double *gs = calloc((size_t)g->xadj[g->n] * width + 1, sizeof(double));
    double *v = calloc((size_t)(n + 1) * width, sizeof(double));
    double *sn = calloc((size_t)(nl + 1) * width, sizeof(double));
    double *gt = calloc((size_t)(nnz + 1) * width, sizeof(double));
    for (gidx_t i = 0; i < g->n; i++) {
        vs[i * width] = rng_uniform(6, RNG_STREAM_TEST, (uint64_t)i, 1) + (i % 7 == 0 ? 3.0 : 0.0);
        vs[i * width + 1] = 1.0;
    }
    for (lidx_t i = 0; i < n; i++)
        for (int q = 0; q < width; q++) v[i * width + q] = vs[lg->gid[i] * width + q];
    double s0[2] = {0, 0}, a0 = 0;
    for (gidx_t i = 0; i < g->n; i++) s0[0] += vs[i * width], s0[1] += vs[i * width + 1];
    for (gidx_t i = 0; i < g->n; i++) a0 += fabs(vs[i * width]);
    ratio_err[0] = ratio_error(lg, v, s0);
    int64_t r = R0;
    int bits = 1;
    for (int k = 0; k < N_CALLS; k++) {
        consensus_pushsum(c, v, sn, gt, width, calls[k], r, f);
        pushsum_ref(g, vs, ss, gs, width, calls[k], r, f);
        r += calls[k];
        for (lidx_t i = 0; i < n; i++)
            for (int q = 0; q < width; q++)
                bits &= tap_same_bits(v[i * width + q], vs[lg->gid[i] * width + q]) &
                        tap_same_bits(sn[i * width + q], ss[lg->gid[i] * width + q]);
    }
    /* held + in flight (column 0), summed in gid order through the reference's copy */
    double held = 0, flight = 0;
    for (lidx_t i = 0; i < n; i++) {
        held += v[i * width];
        for (int64_t e = lg->rowptr[i]; e < lg->rowptr[i + 1]; e++)
            flight += sn[(size_t)lg->col[e] * width] - gt[e * width];
    }
    double tot[2] = {held, flight};
    comm_allreduce_double(tot, 2, COMM_SUM);
    *moved = fabs(tot[0] + tot[1] - s0[0]) / a0;
    consensus_pushsum(c, v, sn, gt, width, more, r, f);
    ratio_err[1] = ratio_error(lg, v, s0);
    free(vs);
    free(ss);
    free(gs);
    free(v);
    free(sn);
    free(gt);
    return bits;
}

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    const int P = comm_size(), me = comm_rank();
    config_t cfg;
    config_parse(&cfg, NULL, NULL, NULL, 0);
    const consensus_faults_t cases[] = {
        {.seed = SEED,
         .link_drop = 0.3,
         .agent_dropout = 0,
         .stale = 0,
         .dropout_rounds = 20}, /* lost messages */
        {.seed = SEED,
         .link_drop = 0,
         .agent_dropout = 0.25,
         .stale = 0,
         .dropout_rounds = 3}, /* silent agents, windows of 3 rounds */
        {.seed = SEED,
         .link_drop = 0,
         .agent_dropout = 0,
         .stale = 1,
         .dropout_rounds = 20}, /* always one round late */
        {.seed = SEED,
         .link_drop = 0.2,
         .agent_dropout = 0.1,
         .stale = 0.5,
         .dropout_rounds = 4} /* all at once */
    };
    const char *names[] = {"link_drop 0.3", "agent_dropout 0.25", "stale 1", "all faults"};
    const int which[] = {0, 2, 4, 7};
    for (int t = 0; t < 4; t++) {
        graph_t *g = test_graph(which[t]);
        if (!g) {
            tap_skip(12, "case2383wp: input not found");
            continue;
        }
        int32_t *part = malloc(sizeof(int32_t) * g->n);
        partition_compute(g, &cfg, P, part);
        lgraph_t *lg = partition_distribute(me == 0 ? g : NULL, me == 0 ? part : NULL);
        halo_t *h = halo_create(lg, HALO_P2P, 2);
        consensus_t *c = consensus_create(lg, h, WEIGHTS_METROPOLIS);
        const lidx_t n = lg->n_owned, nl = n + lg->n_ghost;
        double *w = malloc(sizeof(double) * (size_t)g->xadj[g->n]);
        double *self = malloc(sizeof(double) * g->n);
        weights(g, w, self);
        double *x = calloc((size_t)(nl + 1) * 2, sizeof(double));
        double *y = calloc((size_t)(nl + 1) * 2, sizeof(double));

        /* No faults: the optimised kernel itself. */
        const consensus_faults_t none = {
            .seed = SEED, .link_drop = 0, .agent_dropout = 0, .stale = 0, .dropout_rounds = 20};
        for (lidx_t i = 0; i < n; i++) x[i] = y[i] = sin((double)lg->gid[i]);
        consensus_mix_faulty(c, x, 1, 9, 123, &none);
        consensus_mix(c, y, 1, 9);
        int bits = 1;
        for (lidx_t i = 0; i < n; i++) bits &= tap_same_bits(x[i], y[i]);
        TAP_OK(bits && !consensus_faults_active(&none) && !consensus_faults_active(NULL),
               "%s: without faults consensus_mix_faulty = consensus_mix, bit for bit", g->name);

        /* Every case against the specification, width 1 (and 2 for the last). */
        for (int k = 0; k < 4; k++)
            TAP_OK(same_as_reference(g, lg, c, w, self, &cases[k], 1),
                   "%s: %s, %d calls from round %d: bit-equal to the serial reference on %d "
                   "rank(s)",
                   g->name, names[k], N_CALLS, R0, P);
        TAP_OK(same_as_reference(g, lg, c, w, self, &cases[3], 2),
               "%s: all faults, width 2 (the tracking mode's vector) bit-equal to the reference",
               g->name);
        /* Misbehaving agents under each aggregate, with lost and late messages. */
        {
            consensus_faults_t b[6] = {cases[3], cases[0], cases[3], cases[1], cases[3], cases[0]};
            const char *bn[6] = {"10% liars (constant 3), mean, all faults",
                                 "10% liars (sign-flip), trimmed:1, lost messages",
                                 "10% liars (noise 0.5), trimmed:2, all faults",
                                 "10% liars (noise 0.5), median, silent agents",
                                 "10% liars (noise 0.5), mtm:3, all faults",
                                 "10% liars (constant 3), mtm:0.5, lost messages"};
            const int mode[6] = {BYZANTINE_CONSTANT, BYZANTINE_SIGN_FLIP, BYZANTINE_NOISE,
                                 BYZANTINE_NOISE,    BYZANTINE_NOISE,     BYZANTINE_CONSTANT};
            const int agg[6] = {CONSENSUS_AGG_MEAN,   CONSENSUS_AGG_TRIMMED, CONSENSUS_AGG_TRIMMED,
                                CONSENSUS_AGG_MEDIAN, CONSENSUS_AGG_MTM,     CONSENSUS_AGG_MTM};
            const int trim[6] = {0, 1, 2, 0, 0, 0};
            const double q[6] = {0, 0, 0, 0, 3.0, 0.5};
            for (int k = 0; k < 6; k++) {
                b[k].byzantine = 0.1;
                b[k].byzantine_mode = mode[k];
                b[k].byzantine_value = mode[k] == BYZANTINE_CONSTANT ? 3.0 : 0.5;
                b[k].aggregate = agg[k];
                b[k].trim = trim[k];
                b[k].mtm_q = q[k];
                TAP_OK(same_as_reference(g, lg, c, w, self, &b[k], k == 2 || k == 4 ? 2 : 1),
                       "%s: %s%s: bit-equal to the serial reference on %d rank(s)", g->name, bn[k],
                       k == 2 || k == 4 ? ", width 2" : "", P);
            }
        }

        /* Push-sum with running sums: the reference under each fault case;
         * the mass kept (held + in flight) and the ratios agreed. */
        for (int k = 0; k < 4; k++) {
            double moved = 0, err[2] = {0, 0};
            const int more = 3000;
            const int bits = pushsum_same(g, lg, c, &cases[k], &moved, err, more);
            TAP_OK(bits,
                   "%s: push-sum with running sums, %s: bit-equal to the serial reference "
                   "on %d rank(s)",
                   g->name, names[k], P);
            TAP_OK(moved < 1e-12 && err[1] < 1e-2 * err[0],
                   "%s: push-sum, %s: held + in flight moved by %.1e of sum |v|; the ratios' "
                   "largest error from the network's went from %.2g to %.1e in %d more rounds",
                   g->name, names[k], moved, err[0], err[1], more + 20);
        }

        /* faults.link_mode = link: against the reference, and the sum kept
         * (to rounding) under lost links and silent agents, where the
         * renormalised messages move it. */
        {
            consensus_faults_t lk = cases[0], ld = cases[1], lm = cases[0];
            lk.link_mode = ld.link_mode = CONSENSUS_LINK_EDGE;
            ld.link_drop = 0.2;
            TAP_OK(same_as_reference(g, lg, c, w, self, &lk, 1) &&
                       same_as_reference(g, lg, c, w, self, &ld, 2),
                   "%s: link_mode = link (lost links 0.3; and silent agents with lost links 0.2, "
                   "width 2): bit-equal to the serial reference on %d rank(s)",
                   g->name, P);
            double moved[2];
            const consensus_faults_t *fs[2] = {&lm, &ld};
            for (int k = 0; k < 2; k++) { /* column 0 of a width-2 vector */
                double a0 = 0;
                for (lidx_t i = 0; i < n; i++) {
                    x[2 * i] = x[2 * i + 1] = sin((double)lg->gid[i]);
                    y[i] = x[2 * i];
                    a0 += fabs(x[2 * i]);
                }
                const double s0 = reprosum_global(y, (size_t)n);
                consensus_mix_faulty(c, x, 2, 25, 3, fs[k]);
                for (lidx_t i = 0; i < n; i++) y[i] = x[2 * i];
                const double s1 = reprosum_global(y, (size_t)n);
                comm_allreduce_double(&a0, 1, COMM_SUM);
                moved[k] = fabs(s1 - s0) / a0;
            }
            TAP_OK(moved[1] < 1e-13 && moved[0] > 1e-6,
                   "%s: 25 rounds: the sum moves by %.1e of sum |x| with link_mode = link (lost "
                   "links, silent agents), %.1e with renormalised lost messages",
                   g->name, moved[1], moved[0]);
        }

        /* The test can fail: faults change the result. */
        for (lidx_t i = 0; i < n; i++) x[i] = y[i] = sin((double)lg->gid[i]);
        consensus_mix_faulty(c, x, 1, 5, 0, &cases[0]);
        consensus_mix(c, y, 1, 5);
        int differ = 0;
        for (lidx_t i = 0; i < n; i++) differ += !tap_same_bits(x[i], y[i]);
        int64_t nd = differ;
        comm_allreduce_int64(&nd, 1, COMM_SUM);
        TAP_OK(nd > g->n / 2, "%s: link_drop 0.3 changes %" PRId64 " of %" PRIdG " values", g->name,
               nd, g->n);

        /* Renormalised rows are averages: a constant stays exactly constant. */
        int constant = 1;
        for (int k = 0; k < 4; k++) {
            for (lidx_t i = 0; i < n; i++) x[i] = 0.37;
            consensus_mix_faulty(c, x, 1, 12, 5, &cases[k]);
            for (lidx_t i = 0; i < n; i++) constant &= x[i] == 0.37;
        }
        TAP_OK(constant, "%s: a constant vector stays exactly constant under every fault case",
               g->name);

        /* link_drop = 1: nothing arrives, nothing moves. */
        const consensus_faults_t all_lost = {
            .seed = SEED, .link_drop = 1, .agent_dropout = 0, .stale = 0.5, .dropout_rounds = 20};
        for (lidx_t i = 0; i < n; i++) x[i] = y[i] = cos((double)lg->gid[i]);
        consensus_mix_faulty(c, x, 1, 10, 77, &all_lost);
        bits = 1;
        for (lidx_t i = 0; i < n; i++) bits &= tap_same_bits(x[i], y[i]);
        TAP_OK(bits, "%s: link_drop 1 leaves every value as it was", g->name);

        /* Dropout: an agent silent in a window keeps its value through it;
         * the others move; silent (agent, window) pairs come at rate q. */
        const consensus_faults_t drop = {
            .seed = SEED, .link_drop = 0, .agent_dropout = 0.3, .stale = 0, .dropout_rounds = 6};
        int64_t kept = 1, moved = 0, quiet = 0, pairs = 0;
        for (int64_t win = 0; win < 40; win++) {
            for (lidx_t i = 0; i < n; i++) x[i] = y[i] = (double)(lg->gid[i] % 13);
            consensus_mix_faulty(c, x, 1, 6, 6 * win, &drop);
            for (lidx_t i = 0; i < n; i++) {
                const int s = silent(&drop, lg->gid[i], 6 * win);
                quiet += s;
                pairs++;
                if (s)
                    kept &= tap_same_bits(x[i], y[i]);
                else
                    moved += x[i] != y[i];
            }
        }
        int64_t v[3] = {quiet, pairs, moved};
        comm_allreduce_int64(v, 3, COMM_SUM);
        comm_allreduce_int64(&kept, 1, COMM_MIN);
        const double rate = (double)v[0] / (double)v[1];
        TAP_OK(kept && v[2] > (v[1] - v[0]) / 2,
               "%s: silent agents keep their value through their window (%" PRId64
               " of the %" PRId64 " others move)",
               g->name, v[2], v[1] - v[0]);
        TAP_OK(fabs(rate - 0.3) < 4 * sqrt(0.3 * 0.7 / (double)v[1]),
               "%s: silent in %.4f of %" PRId64 " agent-windows (agent_dropout 0.3)", g->name, rate,
               v[1]);

        /* stale = 1: x' = D x + A x_before (D the self weights, A the
         * rest), so 1'x' + 1'A x is conserved (1'A x = sum (1 - W_jj) x_j)
         * from the second round on: where the values converge, they meet
         * at sum (2 - W_jj) x0_j / sum (2 - W_jj), not at the mean. */
        const consensus_faults_t late = {
            .seed = SEED, .link_drop = 0, .agent_dropout = 0, .stale = 1, .dropout_rounds = 20};
        double num = 0, den = 0, plain = 0;
        for (gidx_t j = 0; j < g->n; j++) {
            const double xj = (double)(j % 7) + 0.25 * (double)(j % 3);
            num += (2.0 - self[j]) * xj;
            den += 2.0 - self[j];
            plain += xj / (double)g->n;
        }
        for (lidx_t i = 0; i < n; i++)
            x[i] = y[i] = (double)(lg->gid[i] % 7) + 0.25 * (double)(lg->gid[i] % 3);
        consensus_mix_faulty(c, x, 1, 50, 0, &late); /* x_50 */
        consensus_mix_faulty(c, y, 1, 49, 0, &late); /* x_49 */
        double mass = 0;
        for (lidx_t i = 0; i < n; i++) mass += x[i] + (1.0 - self[lg->gid[i]]) * y[i];
        comm_allreduce_double(&mass, 1, COMM_SUM);
        TAP_OK(fabs(mass - num) < 1e-11 * num,
               "%s: stale 1 conserves 1'x_r + 1'A x_(r-1) (%.15g "
               "after 50 rounds, %.15g at the start)",
               g->name, mass, num);
        if (which[t] == 2 || which[t] == 4) { /* irregular, and quick to converge */
            for (lidx_t i = 0; i < n; i++)
                x[i] = (double)(lg->gid[i] % 7) + 0.25 * (double)(lg->gid[i] % 3);
            consensus_mix_faulty(c, x, 1, 8000, 0, &late);
            double dev = 0;
            for (lidx_t i = 0; i < n; i++) dev = fmax(dev, fabs(x[i] - num / den));
            comm_allreduce_double(&dev, 1, COMM_MAX);
            TAP_OK(dev < 1e-9 && fabs(plain - num / den) > 1e-3,
                   "%s: stale 1 converges to the (2 - W_jj)-weighted average %.6f (max dev %.2g "
                   "after 8000 rounds), not the mean %.6f",
                   g->name, num / den, dev, plain);
        }

        free(x);
        free(y);
        free(w);
        free(self);
        consensus_destroy(&c);
        halo_destroy(&h);
        lgraph_destroy(&lg);
        free(part);
        graph_destroy(&g);
    }
    config_free(&cfg);
    int rc = tap_done();
    comm_finalize();
    return rc;
}
