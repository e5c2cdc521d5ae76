/* Consensus engine (see consensus.h). */
#include "samarl/consensus.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/blockmap.h"
#include "samarl/comm.h"
#include "samarl/error.h"
#include "samarl/h5io.h"
#include "samarl/reprosum.h"
#include "samarl/rng.h"
#include "samarl/timer.h"

/* Edge weights depend on degrees only (1/(1+max(d_i,d_j)) or 1/(1+d_max)),
 * so each entry stores a 2-byte index into a table of 1/(1+d): 6 bytes per
 * entry with the column instead of 12, and a round is memory-bound. A graph
 * with a degree beyond the index range keeps one double per entry. */
#define WIDX_MAX 65535

/* Rows in lockstep: rows with similar lengths (sorted by length within
 * windows of WINDOW rows) form chunks of CHUNK rows that step through their
 * neighbour lists together up to the chunk's shortest row, entries stored
 * column by column; each row then finishes its own tail from the CSR. Each
 * row still sums self, then neighbours in gid order: the same bits as the
 * row-by-row loop, 1.3-2x faster on rgg graphs (bench/consensus). */
#define CHUNK 8
#define WINDOW 1024
/* Rows per slice between calls that let MPI progress a halo in flight. */
#define SLICE 16384

typedef struct {
    lidx_t n_chunks;
    lidx_t *row;   /* [n_chunks * CHUNK] local row of each lane */
    int32_t *len;  /* [n_chunks] lockstep length: the chunk's shortest row */
    int64_t *ptr;  /* [n_chunks + 1] offsets into col and w */
    lidx_t *col;   /* lockstep entries, [j][lane] within a chunk */
    uint16_t *w;   /* their weight indices */
    lidx_t n_rest; /* rows left over (fewer than CHUNK), done one by one */
    lidx_t *rest;
} chunks_t;

struct consensus {
    const lgraph_t *lg;
    halo_t *halo;
    chunks_t interior, boundary; /* lockstep layout (when weights are indexed) */
    double *wself;               /* [n_owned] */
    uint16_t *widx;              /* [nnz] index into wtab, or NULL */
    double *wtab;                /* [dmax + 1] 1/(1+d) */
    double *w;                   /* [nnz] explicit weights when widx is NULL */
    double *work;                /* [n_local * max_width] second buffer for ping-pong rounds */
    int max_width;
    /* Scratch of the faulty rounds, allocated on their first use. */
    double *work2;   /* [n_local * max_width] third buffer: the round before */
    uint8_t *fate;   /* [nnz] what became of each incoming message this round */
    uint8_t *quiet;  /* [n_local] agents silent this round */
    uint8_t *byz;    /* [n_local] agents that misbehave (faults.byzantine) */
    double *mv, *mw; /* [dmax] a row's received values and weights (robust aggregates) */
    int *mo;         /* [dmax] their order */
    double *md;      /* [dmax + 1] distances to the median (mtm:Q) */
    const consensus_faults_t *f; /* the faults of the call in progress */
    int64_t round;               /* its global round */
    /* Node weights nu (consensus_weight_nodes), or NULL: uniform. */
    double *nu;    /* [n_owned] */
    double nu_sum; /* sum over all agents */
};

static void chunks_build(const consensus_t *c, const lidx_t *rows, lidx_t n, chunks_t *ch);
static void chunks_free(chunks_t *ch);

static inline double edge_weight(const consensus_t *c, int64_t e)
{
    return c->widx ? c->wtab[c->widx[e]] : c->w[e];
}

consensus_t *consensus_create(const lgraph_t *lg, halo_t *halo, weights_t weights)
{
    consensus_t *c = XZNEW(consensus_t, 1);
    c->lg = lg;
    c->halo = halo;
    c->max_width = halo_max_width(halo);
    const lidx_t n = lg->n_owned, nl = lg->n_owned + lg->n_ghost;
    const int64_t nnz = lg->rowptr[n];
    c->wself = XNEW(double, n);
    c->work = XZNEW(double, (size_t)(nl > 0 ? nl : 1) * (size_t)c->max_width);
    int64_t dmax = 0;
    for (lidx_t i = 0; i < nl; i++)
        if (lg->degree[i] > dmax) dmax = lg->degree[i];
    comm_allreduce_int64(&dmax, 1, COMM_MAX);
    if (dmax <= WIDX_MAX) {
        c->widx = XNEW(uint16_t, nnz);
        c->wtab = XNEW(double, dmax + 1);
        for (int64_t d = 0; d <= dmax; d++) c->wtab[d] = 1.0 / (1.0 + (double)d);
    } else {
        c->w = XNEW(double, nnz);
    }
    for (lidx_t i = 0; i < n; i++) {
        double sum = 0.0; /* in gid order, like every row sum here */
        for (int64_t e = lg->rowptr[i]; e < lg->rowptr[i + 1]; e++) {
            lidx_t di = lg->degree[i], dj = lg->degree[lg->col[e]];
            int64_t key = weights == WEIGHTS_MAXDEGREE ? dmax : (di > dj ? di : dj);
            if (c->widx)
                c->widx[e] = (uint16_t)key;
            else
                c->w[e] = 1.0 / (1.0 + (double)key);
            sum += edge_weight(c, e);
        }
        c->wself[i] = 1.0 - sum;
    }
    if (c->widx) {
        chunks_build(c, lg->interior, lg->n_interior, &c->interior);
        chunks_build(c, lg->boundary, lg->n_boundary, &c->boundary);
    }
    return c;
}

static const lgraph_t *sort_lg; /* qsort has no context argument */

static int by_length(const void *a, const void *b)
{
    lidx_t i = *(const lidx_t *)a, j = *(const lidx_t *)b;
    int64_t li = sort_lg->rowptr[i + 1] - sort_lg->rowptr[i];
    int64_t lj = sort_lg->rowptr[j + 1] - sort_lg->rowptr[j];
    if (li != lj) return li < lj ? 1 : -1; /* longest first */
    return (i > j) - (i < j);
}

static void chunks_build(const consensus_t *c, const lidx_t *rows, lidx_t n, chunks_t *ch)
{
    const lgraph_t *lg = c->lg;
    memset(ch, 0, sizeof *ch);
    lidx_t *order = XNEW(lidx_t, n > 0 ? n : 1);
    memcpy(order, rows, sizeof(lidx_t) * (size_t)n);
    sort_lg = lg;
    for (lidx_t w0 = 0; w0 < n; w0 += WINDOW)
        qsort(order + w0, (size_t)(n - w0 < WINDOW ? n - w0 : WINDOW), sizeof(lidx_t), by_length);
    ch->n_chunks = n / CHUNK;
    ch->row = order;
    ch->len = XNEW(int32_t, ch->n_chunks + 1);
    ch->ptr = XNEW(int64_t, ch->n_chunks + 1);
    ch->ptr[0] = 0;
    for (lidx_t q = 0; q < ch->n_chunks; q++) {
        int64_t m = INT64_MAX;
        for (int k = 0; k < CHUNK; k++) {
            lidx_t i = order[(size_t)q * CHUNK + k];
            if (lg->rowptr[i + 1] - lg->rowptr[i] < m) m = lg->rowptr[i + 1] - lg->rowptr[i];
        }
        ch->len[q] = (int32_t)m;
        ch->ptr[q + 1] = ch->ptr[q] + m * CHUNK;
    }
    ch->col = XNEW(lidx_t, ch->ptr[ch->n_chunks] + 1);
    ch->w = XNEW(uint16_t, ch->ptr[ch->n_chunks] + 1);
    for (lidx_t q = 0; q < ch->n_chunks; q++)
        for (int32_t j = 0; j < ch->len[q]; j++)
            for (int k = 0; k < CHUNK; k++) {
                lidx_t i = order[(size_t)q * CHUNK + k];
                int64_t at = ch->ptr[q] + (int64_t)j * CHUNK + k;
                ch->col[at] = lg->col[lg->rowptr[i] + j];
                ch->w[at] = c->widx[lg->rowptr[i] + j];
            }
    ch->n_rest = n - ch->n_chunks * CHUNK;
    ch->rest = order + (size_t)ch->n_chunks * CHUNK;
}

static void chunks_free(chunks_t *ch)
{
    free(ch->row);
    free(ch->len);
    free(ch->ptr);
    free(ch->col);
    free(ch->w);
    memset(ch, 0, sizeof *ch);
}

/* y = W x on chunks [q0, q1). The CHUNK sums are independent, so they
 * overlap in the pipeline, and the inner loop has no branch per row. */
static void chunk_rows(const consensus_t *c, const chunks_t *ch, lidx_t q0, lidx_t q1,
                       const double *x, double *y)
{
    const double *wt = c->wtab, *ws = c->wself;
    const uint16_t *widx = c->widx;
    const int64_t *rowptr = c->lg->rowptr;
    const lidx_t *col = c->lg->col;
    for (lidx_t q = q0; q < q1; q++) {
        const lidx_t *r = ch->row + (size_t)q * CHUNK;
        const lidx_t *cc = ch->col + ch->ptr[q];
        const uint16_t *ww = ch->w + ch->ptr[q];
        const int32_t len = ch->len[q];
        double a[CHUNK];
        for (int k = 0; k < CHUNK; k++) a[k] = ws[r[k]] * x[r[k]];
        for (int32_t j = 0; j < len; j++)
            for (int k = 0; k < CHUNK; k++) a[k] += wt[ww[j * CHUNK + k]] * x[cc[j * CHUNK + k]];
        for (int k = 0; k < CHUNK; k++) {
            double s = a[k];
            for (int64_t e = rowptr[r[k]] + len; e < rowptr[r[k] + 1]; e++)
                s += wt[widx[e]] * x[col[e]];
            y[r[k]] = s;
        }
    }
}

/* One row of y = W x, width 1: self term first, then neighbours in gid order. */
static inline double row1(const consensus_t *c, lidx_t i, const double *x)
{
    const lgraph_t *lg = c->lg;
    double acc = c->wself[i] * x[i];
    if (c->widx) {
        const uint16_t *wi = c->widx;
        const double *wt = c->wtab;
        for (int64_t e = lg->rowptr[i]; e < lg->rowptr[i + 1]; e++)
            acc += wt[wi[e]] * x[lg->col[e]];
    } else {
        for (int64_t e = lg->rowptr[i]; e < lg->rowptr[i + 1]; e++) acc += c->w[e] * x[lg->col[e]];
    }
    return acc;
}

static inline void rowk(const consensus_t *c, lidx_t i, const double *x, double *y, int k)
{
    const lgraph_t *lg = c->lg;
    for (int q = 0; q < k; q++) {
        double acc = c->wself[i] * x[(size_t)i * k + q];
        for (int64_t e = lg->rowptr[i]; e < lg->rowptr[i + 1]; e++)
            acc += edge_weight(c, e) * x[(size_t)lg->col[e] * k + q];
        y[(size_t)i * k + q] = acc;
    }
}

static void rows(const consensus_t *c, const lidx_t *list, lidx_t n, const double *x, double *y,
                 int width)
{
    if (width == 1)
        for (lidx_t t = 0; t < n; t++) y[list[t]] = row1(c, list[t], x);
    else
        for (lidx_t t = 0; t < n; t++) rowk(c, list[t], x, y, width);
}

/* y = W x on a set of rows, in slices that let MPI progress the halo. */
static void mix_rows(consensus_t *c, const chunks_t *ch, const lidx_t *list, lidx_t n,
                     const double *x, double *y, int width)
{
    if (width == 1 && c->widx) {
        for (lidx_t q = 0; q < ch->n_chunks; q += SLICE / CHUNK) {
            lidx_t q1 = ch->n_chunks - q < SLICE / CHUNK ? ch->n_chunks : q + SLICE / CHUNK;
            chunk_rows(c, ch, q, q1, x, y);
            halo_progress(c->halo);
        }
        rows(c, ch->rest, ch->n_rest, x, y, 1);
        return;
    }
    for (lidx_t t = 0; t < n; t += SLICE) {
        rows(c, list + t, n - t < SLICE ? n - t : SLICE, x, y, width);
        halo_progress(c->halo);
    }
}

void consensus_mix(consensus_t *c, double *x, int width, int rounds)
{
    SAMARL_ASSERT(width >= 1 && width <= c->max_width && rounds >= 0);
    const lgraph_t *lg = c->lg;
    double *src = x, *dst = c->work;
    for (int r = 0; r < rounds; r++) {
        halo_exchange_begin(c->halo, src, width);
        timer_start(TIMER_MIX);
        mix_rows(c, &c->interior, lg->interior, lg->n_interior, src, dst, width);
        timer_stop(TIMER_MIX);
        halo_exchange_end(c->halo, src, width);
        timer_start(TIMER_MIX);
        mix_rows(c, &c->boundary, lg->boundary, lg->n_boundary, src, dst, width);
        timer_stop(TIMER_MIX);
        double *t = src;
        src = dst;
        dst = t;
    }
    if (src != x) memcpy(x, src, sizeof(double) * (size_t)lg->n_owned * (size_t)width);
}

/* ---- rounds under communication faults (consensus.h) ---------------------- */

enum { MSG_LOST, MSG_NOW, MSG_LATE };

void consensus_faults_from_config(const config_t *cfg, consensus_faults_t *f)
{
    f->seed = cfg->run.seed;
    f->link_drop = cfg->faults.link_drop;
    f->agent_dropout = cfg->faults.agent_dropout;
    f->dropout_rounds = cfg->faults.dropout_rounds;
    f->stale = cfg->faults.stale;
    f->byzantine = cfg->faults.byzantine;
    f->byzantine_value = cfg->faults.byzantine_value;
    f->byzantine_mode = cfg->faults.byzantine_mode;
    f->aggregate = cfg->consensus.aggregate_rule;
    f->trim = (int)cfg->consensus.trim;
    f->mtm_q = cfg->consensus.mtm_q;
    f->link_mode = cfg->faults.link_mode;
    f->byz_gids = cfg->faults.byz_gids;
    f->n_byz_gids = cfg->faults.n_byz_gids;
    f->col0 = 0;
}

void consensus_faults_write(h5file_t *f, blockmap_t *bm, const config_t *cfg, const lgraph_t *lg)
{
    consensus_faults_t flt;
    consensus_faults_from_config(cfg, &flt);
    if (flt.link_mode != CONSENSUS_LINK_MESSAGE) /* only then: default files keep their layout */
        h5io_attr_str(f, "/", "faults_link_mode",
                      config_enum_name("faults", "link_mode", cfg->faults.link_mode));
    if (!(flt.byzantine > 0 || flt.n_byz_gids > 0)) return; /* likewise without liars */
    int32_t *iv = XNEW(int32_t, lg->n_owned > 0 ? lg->n_owned : 1);
    for (lidx_t i = 0; i < lg->n_owned; i++) iv[i] = consensus_byzantine(&flt, lg->gid[i]);
    blockmap_write_h5(bm, f, "/graph/byzantine", H5IO_I32, lg->n_global, iv, "1",
                      "1 for an agent that sends wrong values in the consensus rounds "
                      "(faults.byzantine), 0 for an honest one");
    free(iv);
    h5io_attr_double(f, "/", "faults_byzantine", flt.byzantine, "1");
    h5io_attr_str(f, "/", "faults_byzantine_mode",
                  config_enum_name("faults", "byzantine_mode", cfg->faults.byzantine_mode));
    h5io_attr_double(f, "/", "faults_byzantine_value", flt.byzantine_value, "1");
    h5io_attr_str(f, "/", "consensus_aggregate", cfg->consensus.aggregate);
    h5io_attr_str(f, "/", "faults_byzantine_agents", cfg->faults.byzantine_agents);
}

int consensus_faults_check(const consensus_faults_t *f, gidx_t n_global)
{
    for (int k = 0; k < f->n_byz_gids; k++)
        if (f->byz_gids[k] >= (int64_t)n_global)
            return samarl_seterr("faults.byzantine_agents names agent %" PRId64
                                 ", and the graph has %" PRIdG " (expected gids in [0, %" PRIdG
                                 "))",
                                 f->byz_gids[k], n_global, n_global);
    return SAMARL_OK;
}

int consensus_byzantine(const consensus_faults_t *f, gidx_t gid)
{
    for (int k = 0; k < f->n_byz_gids; k++)
        if (f->byz_gids[k] == (int64_t)gid) return 1;
    return f->byzantine > 0 &&
           rng_uniform(f->seed, RNG_STREAM_FAULT_BYZANTINE, (uint64_t)gid, 0) < f->byzantine;
}

int consensus_faults_active(const consensus_faults_t *f)
{
    return f && (f->link_drop > 0 || f->agent_dropout > 0 || f->stale > 0 || f->byzantine > 0 ||
                 f->n_byz_gids > 0 || f->aggregate != CONSENSUS_AGG_MEAN);
}

/* The fate of every message arriving at an owned row in global round r
 * (k: the round within the call). Needs gids only, so it overlaps the halo. */
static void faults_draw(consensus_t *c, const consensus_faults_t *f, int64_t r, int k)
{
    const lgraph_t *lg = c->lg;
    const lidx_t n = lg->n_owned, nl = n + lg->n_ghost;
    if (k == 0 || r % f->dropout_rounds == 0) { /* a new window */
        const uint64_t w = (uint64_t)(r / f->dropout_rounds);
        for (lidx_t i = 0; i < nl; i++)
            c->quiet[i] = f->agent_dropout > 0 &&
                          rng_uniform(f->seed, RNG_STREAM_FAULT_DROPOUT, (uint64_t)lg->gid[i], w) <
                              f->agent_dropout;
    }
    const int draw = f->link_drop > 0 || (f->stale > 0 && k > 0);
    for (lidx_t i = 0; i < n; i++) {
        const uint64_t gi = (uint64_t)lg->gid[i];
        for (int64_t e = lg->rowptr[i]; e < lg->rowptr[i + 1]; e++) {
            const lidx_t j = lg->col[e];
            const uint64_t gj = (uint64_t)lg->gid[j];
            /* message: the direction j -> i; link: the pair, the same draw at both ends */
            const uint64_t key = f->link_mode == CONSENSUS_LINK_EDGE
                                     ? (gi < gj ? gi | gj << 32 : gj | gi << 32)
                                     : gj | gi << 32;
            uint8_t m = c->quiet[i] || c->quiet[j] ? MSG_LOST : MSG_NOW;
            if (m == MSG_NOW && draw) {
                rng_block_t b = rng_block(f->seed, RNG_STREAM_FAULT_LINK, key, (uint64_t)r);
                if (rng_u01(b.v[0], b.v[1]) < f->link_drop)
                    m = MSG_LOST;
                else if (k > 0 && rng_u01(b.v[2], b.v[3]) < f->stale)
                    m = MSG_LATE;
            }
            c->fate[e] = m;
        }
    }
}

/* What neighbour j's message carries in column q, v its value (this
 * round's or, late, the round before's): v, or a misbehaving agent's lie. */
static double message(const consensus_t *c, lidx_t j, double v, int q)
{
    if (!c->byz[j]) return v;
    const consensus_faults_t *f = c->f;
    if (f->byzantine_mode == BYZANTINE_CONSTANT) return f->byzantine_value;
    if (f->byzantine_mode == BYZANTINE_SIGN_FLIP) return -v;
    double z[2];
    rng_normal2(f->seed, RNG_STREAM_FAULT_BYZANTINE,
                (1ULL << 62) | ((uint64_t)(f->col0 >> 8) << 44) | (uint64_t)c->lg->gid[j],
                ((uint64_t)c->round << 8) | (uint64_t)q, z);
    return v + f->byzantine_value * z[0];
}

/* The median of the n values v[], sorted in place (insertion sort: n is a
 * row's degree); the mean of the middle two of an even count. */
static double median_of(double *v, int n)
{
    for (int k = 1; k < n; k++) {
        const double t = v[k];
        int r = k;
        for (; r > 0 && v[r - 1] > t; r--) v[r] = v[r - 1];
        v[r] = t;
    }
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* The m received values mv[] (weights mw[]) of a row whose own value is xi,
 * combined by the robust rule of c->f: the median of xi and mv; W-MSR's
 * trimmed weighted average (the F largest values above xi and the F
 * smallest below it dropped); or the modified trimmed mean (the values
 * farther than Q median absolute deviations from the median of xi and mv
 * dropped). Sorted by value, ties by arrival order, and summed in arrival
 * order: the same bits on any number of ranks. */
static double robust(const consensus_t *c, double xi, double wself, int m)
{
    double *mv = c->mv, *mw = c->mw;
    if (c->f->aggregate == CONSENSUS_AGG_MTM) {
        double *d = c->md;
        d[0] = xi;
        for (int k = 0; k < m; k++) d[k + 1] = mv[k];
        const double med = median_of(d, m + 1);
        d[0] = fabs(xi - med);
        for (int k = 0; k < m; k++) d[k + 1] = fabs(mv[k] - med);
        const double cut = c->f->mtm_q * median_of(d, m + 1);
        double den = wself, acc = 0.0;
        for (int k = 0; k < m; k++)
            if (fabs(mv[k] - med) <= cut) {
                den += mw[k];
                acc += mw[k] * (mv[k] - xi);
            }
        return xi + acc / den;
    }
    int *mo = c->mo;
    for (int k = 0; k < m; k++) { /* insertion sort of the order */
        int t = k;
        while (t > 0 && mv[mo[t - 1]] > mv[k]) {
            mo[t] = mo[t - 1];
            t--;
        }
        mo[t] = k;
    }
    if (c->f->aggregate == CONSENSUS_AGG_MEDIAN) { /* of xi and the m values */
        const int n = m + 1;
        double lo = 0, hi = 0;
        for (int r = 0, k = 0, own = 0; r <= n / 2; r++) { /* walk the merged order */
            double v;
            if (!own && (k == m || xi <= mv[mo[k]])) {
                v = xi;
                own = 1;
            } else {
                v = mv[mo[k++]];
            }
            if (r == (n - 1) / 2) lo = v;
            if (r == n / 2) hi = v;
        }
        return n % 2 ? lo : 0.5 * (lo + hi);
    }
    int above = 0, below = 0;
    for (int k = 0; k < m; k++) {
        above += mv[k] > xi;
        below += mv[k] < xi;
    }
    const int F = c->f->trim;
    const int drop_hi = above < F ? above : F, drop_lo = below < F ? below : F;
    /* mark the dropped ones by a negative weight in a copy: mw[k] < 0 */
    for (int r = 0; r < drop_lo; r++) mw[mo[r]] = -1.0;
    for (int r = 0; r < drop_hi; r++) mw[mo[m - 1 - r]] = -1.0;
    double den = wself, acc = 0.0;
    for (int k = 0; k < m; k++)
        if (mw[k] >= 0) {
            den += mw[k];
            acc += mw[k] * (mv[k] - xi);
        }
    return xi + acc / den;
}

/* Rows of y from the messages that arrived: cur holds this round's values
 * (ghosts exchanged), prev the round before's. Self first, then neighbours
 * in gid order, as everywhere: the same bits on any number of ranks. */
static void faulty_rows(const consensus_t *c, const lidx_t *list, lidx_t n, const double *cur,
                        const double *prev, double *y, int width)
{
    const lgraph_t *lg = c->lg;
    const int rule = c->f->aggregate, edge = c->f->link_mode == CONSENSUS_LINK_EDGE;
    for (lidx_t t = 0; t < n; t++) {
        const lidx_t i = list[t];
        const double *xi = cur + (size_t)i * width;
        double *yi = y + (size_t)i * width;
        double den = c->wself[i];
        int got = 0;
        for (int64_t e = lg->rowptr[i]; e < lg->rowptr[i + 1]; e++)
            if (c->fate[e] != MSG_LOST) {
                den += edge_weight(c, e);
                got++;
            }
        for (int q = 0; q < width; q++) {
            if (rule != CONSENSUS_AGG_MEAN) {
                int m = 0;
                for (int64_t e = lg->rowptr[i]; e < lg->rowptr[i + 1]; e++) {
                    if (c->fate[e] == MSG_LOST) continue;
                    const double *src = c->fate[e] == MSG_LATE ? prev : cur;
                    const lidx_t j = lg->col[e];
                    c->mv[m] = message(c, j, src[(size_t)j * width + q], q);
                    c->mw[m++] = edge_weight(c, e);
                }
                yi[q] = m ? robust(c, xi[q], c->wself[i], m) : xi[q];
                continue;
            }
            double acc = 0.0;
            for (int64_t e = lg->rowptr[i]; got && e < lg->rowptr[i + 1]; e++) {
                if (c->fate[e] == MSG_LOST) continue;
                const double *src = c->fate[e] == MSG_LATE ? prev : cur;
                const lidx_t j = lg->col[e];
                acc += edge_weight(c, e) * (message(c, j, src[(size_t)j * width + q], q) - xi[q]);
            }
            yi[q] = !got ? xi[q] : edge ? xi[q] + acc : xi[q] + acc / den;
        }
    }
}

/* The fault path's buffers, on its first use. */
static void faulty_alloc(consensus_t *c)
{
    if (c->fate) return;
    const lgraph_t *lg = c->lg;
    const lidx_t n = lg->n_owned, nl = n + lg->n_ghost;
    c->work2 = XZNEW(double, (size_t)(nl > 0 ? nl : 1) * (size_t)c->max_width);
    c->fate = XZNEW(uint8_t, lg->rowptr[n] + 1);
    c->quiet = XZNEW(uint8_t, nl > 0 ? nl : 1);
    c->byz = XZNEW(uint8_t, nl > 0 ? nl : 1);
    int64_t dmax = 1;
    for (lidx_t i = 0; i < n; i++)
        dmax = lg->rowptr[i + 1] - lg->rowptr[i] > dmax ? lg->rowptr[i + 1] - lg->rowptr[i] : dmax;
    c->mv = XNEW(double, (size_t)dmax);
    c->mw = XNEW(double, (size_t)dmax);
    c->mo = XNEW(int, (size_t)dmax);
    c->md = XNEW(double, (size_t)dmax + 1);
}

void consensus_mix_faulty(consensus_t *c, double *x, int width, int rounds, int64_t round0,
                          const consensus_faults_t *f)
{
    if (!consensus_faults_active(f)) {
        consensus_mix(c, x, width, rounds);
        return;
    }
    SAMARL_ASSERT(width >= 1 && width <= c->max_width && rounds >= 0 && round0 >= 0 &&
                  f->dropout_rounds >= 1 && (uint64_t)round0 + (uint64_t)rounds <= RNG_MAX_STEP);
    const lgraph_t *lg = c->lg;
    const lidx_t n = lg->n_owned, nl = n + lg->n_ghost;
    SAMARL_ASSERT(width <= 256); /* the noise's key holds the column in 8 bits */
    faulty_alloc(c);
    c->f = f;
    for (lidx_t i = 0; i < nl; i++) c->byz[i] = (uint8_t)consensus_byzantine(f, lg->gid[i]);
    /* Three buffers turn: the round before (for late messages), this
     * round, the next; in the first round there is no round before. */
    double *prev = x, *cur = x, *next = c->work, *spare = c->work2;
    for (int k = 0; k < rounds; k++) {
        halo_exchange_begin(c->halo, cur, width);
        timer_start(TIMER_MIX);
        c->round = round0 + k;
        faults_draw(c, f, round0 + k, k);
        faulty_rows(c, lg->interior, lg->n_interior, cur, prev, next, width);
        timer_stop(TIMER_MIX);
        halo_exchange_end(c->halo, cur, width);
        timer_start(TIMER_MIX);
        faulty_rows(c, lg->boundary, lg->n_boundary, cur, prev, next, width);
        timer_stop(TIMER_MIX);
        double *t = k == 0 ? spare : prev;
        prev = cur;
        cur = next;
        next = t;
    }
    if (cur != x) memcpy(x, cur, sizeof(double) * (size_t)n * (size_t)width);
}

void consensus_pushsum(consensus_t *c, double *v, double *sent, double *got, int width, int rounds,
                       int64_t round0, const consensus_faults_t *f)
{
    SAMARL_ASSERT(width >= 1 && width <= c->max_width && rounds >= 0 && round0 >= 0 &&
                  f->dropout_rounds >= 1 && (uint64_t)round0 + (uint64_t)rounds <= RNG_MAX_STEP);
    const lgraph_t *lg = c->lg;
    const lidx_t n = lg->n_owned, nl = n + lg->n_ghost;
    const size_t w = (size_t)width;
    faulty_alloc(c);
    double *prev = c->work2; /* the running sums of the round before, ghosts included */
    for (int k = 0; k < rounds; k++) {
        if (k > 0 && f->stale > 0) memcpy(prev, sent, sizeof(double) * (size_t)nl * w);
        timer_start(TIMER_MIX);
        faults_draw(c, f, round0 + k, k);
        for (lidx_t i = 0; i < n; i++) { /* keep one share, add one to each link's running sum */
            if (c->quiet[i]) continue;   /* a silent agent sends nothing: it keeps its mass */
            const double parts = (double)(lg->rowptr[i + 1] - lg->rowptr[i] + 1);
            for (size_t q = 0; q < w; q++) {
                const double share = v[(size_t)i * w + q] / parts;
                v[(size_t)i * w + q] = share;
                sent[(size_t)i * w + q] += share;
            }
        }
        timer_stop(TIMER_MIX);
        halo_exchange(c->halo, sent, width);
        timer_start(TIMER_MIX);
        for (lidx_t i = 0; i < n; i++)
            for (int64_t e = lg->rowptr[i]; e < lg->rowptr[i + 1]; e++) {
                if (c->fate[e] == MSG_LOST) continue;
                const double *src = (c->fate[e] == MSG_LATE ? prev : sent) + (size_t)lg->col[e] * w;
                double *r = got + (size_t)e * w;
                for (size_t q = 0; q < w; q++) {
                    v[(size_t)i * w + q] += src[q] - r[q];
                    r[q] = src[q];
                }
            }
        timer_stop(TIMER_MIX);
    }
}

void consensus_track(consensus_t *c, double *z, const double *r_new, const double *r_old, int width,
                     int rounds)
{
    consensus_mix(c, z, width, rounds);
    const size_t n = (size_t)c->lg->n_owned * (size_t)width;
    for (size_t i = 0; i < n; i++) z[i] += r_new[i] - r_old[i];
}

void consensus_apply_local(const consensus_t *c, const double *x, double *y)
{
    for (lidx_t i = 0; i < c->lg->n_owned; i++) y[i] = row1(c, i, x);
}

/* Collective. sum_i nu_i a_i b_i over all agents for k pairs (a[q], b[q]);
 * b[q] NULL: sum nu_i a_i. nu = 1 without node weights. Exact sums. */
static void wsums(const consensus_t *c, int k, const double *const *a, const double *const *b,
                  double *out)
{
    reprosum_t s[3];
    SAMARL_ASSERT(k <= 3);
    for (int q = 0; q < k; q++) {
        reprosum_init(&s[q]);
        for (lidx_t i = 0; i < c->lg->n_owned; i++) {
            double v = b[q] ? a[q][i] * b[q][i] : a[q][i];
            reprosum_add(&s[q], c->nu ? c->nu[i] * v : v);
        }
    }
    reprosum_allreduce(s, k);
    for (int q = 0; q < k; q++) out[q] = reprosum_value(&s[q]);
}

static double nu_total(const consensus_t *c)
{
    return c->nu ? c->nu_sum : (double)c->lg->n_global;
}

double consensus_mean(const consensus_t *c, const double *x)
{
    timer_start(TIMER_REDUCE);
    double s;
    if (c->nu) {
        const double *a[1] = {x}, *b[1] = {NULL};
        wsums(c, 1, a, b, &s);
    } else {
        s = reprosum_global(x, (size_t)c->lg->n_owned);
    }
    timer_stop(TIMER_REDUCE);
    return s / nu_total(c);
}

double consensus_disagreement(const consensus_t *c, const double *x, double *mean)
{
    double mu = consensus_mean(c, x);
    timer_start(TIMER_REDUCE);
    reprosum_t s;
    reprosum_init(&s);
    if (c->nu)
        for (lidx_t i = 0; i < c->lg->n_owned; i++) {
            const double dv = x[i] - mu;
            reprosum_add(&s, c->nu[i] * dv * dv);
        }
    else
        reprosum_add_sqdev(&s, x, (size_t)c->lg->n_owned, mu);
    reprosum_allreduce(&s, 1);
    double d = sqrt(reprosum_value(&s) / nu_total(c));
    timer_stop(TIMER_REDUCE);
    if (mean) *mean = mu;
    return d;
}

/* ---- sigma by Lanczos ---------------------------------------------------------

 * Lanczos on A = W - J over mean-zero vectors builds the tridiagonal T_k
 * (diagonal alpha, off-diagonal beta) whose extreme eigenvalues (Ritz values)
 * approach A's from inside the spectrum, in O(1/sqrt(gap)) products where
 * the power iteration needs O(1/gap). T_k is the same on every rank (its
 * entries come from reproducible sums), so everything below is too. */

/* Eigenvalues of T_k below x (Sturm sequence of the LDL' pivots). */
static int64_t sturm_below(const double *al, const double *be, int64_t k, double x)
{
    int64_t cnt = 0;
    double d = 1.0;
    for (int64_t j = 0; j < k; j++) {
        d = al[j] - x - (j > 0 ? be[j - 1] * be[j - 1] / d : 0.0);
        if (d == 0.0) d = -DBL_MIN; /* x is an eigenvalue of the leading block: nudge */
        cnt += d < 0;
    }
    return cnt;
}

/* The largest (top) or smallest eigenvalue of T_k by bisection, to the last
 * few bits: T_k's spectrum lies in its Gershgorin interval [lo, hi]. */
static double tridiag_extreme(const double *al, const double *be, int64_t k, int top)
{
    double lo = INFINITY, hi = -INFINITY;
    for (int64_t j = 0; j < k; j++) {
        double r = (j > 0 ? fabs(be[j - 1]) : 0.0) + (j + 1 < k ? fabs(be[j]) : 0.0);
        lo = fmin(lo, al[j] - r);
        hi = fmax(hi, al[j] + r);
    }
    for (int it = 0; it < 200; it++) {
        double mid = 0.5 * (lo + hi);
        if (mid <= lo || mid >= hi) break;
        const int64_t below = sturm_below(al, be, k, mid);
        /* top: an eigenvalue lies above mid; bottom: none lies below it */
        if (top ? below < k : below == 0)
            lo = mid;
        else
            hi = mid;
    }
    return top ? hi : lo;
}

/* |last component| of the unit eigenvector of T_k for its extreme
 * eigenvalue theta: inverse iteration with a shift just outside the
 * spectrum, so the shifted matrix is definite and the tridiagonal solve
 * needs no pivoting. beta_k times this is the Ritz residual ||A y - theta y||. */
static double tridiag_last_component(const double *al, const double *be, int64_t k, double theta,
                                     int top, double *x, double *cp)
{
    if (k == 1) return 1.0;
    const double sgn = top ? -1.0 : 1.0; /* M = sgn (T - mu I), positive definite */
    const double mu = theta - sgn * (1e-12 * (fabs(theta) + 1.0));
    for (int64_t j = 0; j < k; j++) x[j] = 1.0;
    double last = 1.0;
    for (int pass = 0; pass < 3; pass++) {
        /* Thomas: M = tridiag(sgn be, sgn (al - mu), sgn be). */
        double d = sgn * (al[0] - mu);
        cp[0] = sgn * be[0] / d;
        x[0] /= d;
        for (int64_t j = 1; j < k; j++) {
            const double e = sgn * be[j - 1];
            d = sgn * (al[j] - mu) - e * cp[j - 1];
            if (j + 1 < k) cp[j] = sgn * be[j] / d;
            x[j] = (x[j] - e * x[j - 1]) / d;
        }
        for (int64_t j = k - 2; j >= 0; j--) x[j] -= cp[j] * x[j + 1];
        double nrm = 0.0;
        for (int64_t j = 0; j < k; j++) nrm = fmax(nrm, fabs(x[j]));
        for (int64_t j = 0; j < k; j++) x[j] /= nrm;
        double s2 = 0.0;
        for (int64_t j = 0; j < k; j++) s2 += x[j] * x[j];
        last = fabs(x[k - 1]) / sqrt(s2);
    }
    return last;
}

/* sigma and its residual from T_k and beta_k: the Ritz value of largest
 * magnitude, and the residual of every Ritz value that could still be it. */
static double lanczos_ritz(const double *al, const double *be, int64_t k, double beta_k,
                           double *work, double *residual)
{
    const double top = tridiag_extreme(al, be, k, 1), bot = tridiag_extreme(al, be, k, 0);
    const double r_top = beta_k * tridiag_last_component(al, be, k, top, 1, work, work + k);
    const double r_bot = beta_k * tridiag_last_component(al, be, k, bot, 0, work, work + k);
    const int top_wins = top >= -bot;
    const double sigma = top_wins ? top : -bot;
    double res = top_wins ? r_top : r_bot;
    const double other = top_wins ? -bot : top, r_other = top_wins ? r_bot : r_top;
    if (other + r_other > sigma) res = fmax(res, r_other);
    *residual = res;
    return sigma > 0 ? sigma : 0.0;
}

#define SIGMA_FLOOR (64 * DBL_EPSILON)

int consensus_sigma_converged(double sigma, double residual, double tol)
{
    return residual <= tol * sigma || residual <= SIGMA_FLOOR;
}

static void grow(double **p, int64_t used, int64_t cap)
{
    double *n = XNEW(double, cap);
    memcpy(n, *p, sizeof(double) * (size_t)used);
    free(*p);
    *p = n;
}

/* With node weights, W is self-adjoint in <x, y> = sum nu_i x_i y_i, so
 * Lanczos runs in that inner product and J is the nu-weighted mean: the
 * same code, nu = 1 without weights. */
double consensus_sigma(consensus_t *c, uint64_t seed, int64_t max_iter, double tol, int64_t *iters,
                       double *residual, sigma_progress_fn progress, void *ctx)
{
    const lgraph_t *lg = c->lg;
    const lidx_t n = lg->n_owned, nl = n + lg->n_ghost;
    const double N = nu_total(c);
    double *q = XZNEW(double, nl > 0 ? nl : 1), *z = XZNEW(double, nl > 0 ? nl : 1);
    double *qp = XZNEW(double, n > 0 ? n : 1);
    int64_t cap = 64;
    double *al = XNEW(double, cap), *be = XNEW(double, cap), *work = XNEW(double, 2 * cap);
    timer_start(TIMER_SIGMA);
    for (lidx_t i = 0; i < n; i++)
        q[i] = rng_uniform(seed, RNG_STREAM_SIGMA, (uint64_t)lg->gid[i], 0) - 0.5;
    /* q <- (q - mean) / norm */
    double sv[2];
    {
        const double *a[1] = {q}, *b[1] = {NULL};
        wsums(c, 1, a, b, sv);
    }
    for (lidx_t i = 0; i < n; i++) q[i] -= sv[0] / N;
    {
        const double *a[1] = {q}, *b[1] = {q};
        wsums(c, 1, a, b, sv);
    }
    double nq = sqrt(sv[0]);
    for (lidx_t i = 0; i < n; i++) q[i] /= nq > 0 ? nq : 1.0;

    double sigma = 0.0, res = INFINITY, beta_prev = 0.0;
    int64_t k = 0, reported = 0;
    while (k < max_iter) {
        if (k == cap) {
            cap *= 2;
            grow(&al, k, cap);
            grow(&be, k, cap);
            free(work);
            work = XNEW(double, 2 * cap);
        }
        memcpy(z, q, sizeof(double) * (size_t)n);
        consensus_mix(c, z, 1, 1); /* z = W q */
        double s2[2];
        const double *a2[2] = {z, z}, *b2[2] = {NULL, q};
        wsums(c, 2, a2, b2, s2);
        /* (W - J) q = W q - mean(W q); <(W - J) q, q> = <W q, q> as q has mean 0 */
        const double zbar = s2[0] / N, alpha = s2[1];
        for (lidx_t i = 0; i < n; i++) z[i] -= zbar + alpha * q[i] + beta_prev * qp[i];
        /* Back onto mean zero: the recurrence turns rounding in the mean into
         * a component along the constants that grows from step to step. */
        const double *a3[2] = {z, z}, *b3[2] = {NULL, z};
        wsums(c, 2, a3, b3, s2);
        const double m = s2[0] / N;
        for (lidx_t i = 0; i < n; i++) z[i] -= m;
        const double beta = sqrt(fmax(s2[1] - N * m * m, 0.0));
        al[k] = alpha;
        be[k] = beta;
        k++;
        /* Ritz values every step at first, then at every ~3% more steps (each
         * look costs O(k)). W's spectrum lies in [-1, 1]: a residual at
         * rounding level is as converged as it gets (sigma = 0 has W = J). */
        const int64_t every = k <= 64 ? 1 : (k / 256 + 1) * 8;
        const int done = !(beta > SIGMA_FLOOR) || k == max_iter;
        if (done || k % every == 0) {
            sigma = lanczos_ritz(al, be, k, beta, work, &res);
            if (done || consensus_sigma_converged(sigma, res, tol)) break;
            /* progress from a fresh look, every 64 steps or more */
            if (progress && k - reported >= 64) {
                progress(k, max_iter, sigma, res, ctx);
                reported = k;
            }
        }
        for (lidx_t i = 0; i < n; i++) {
            qp[i] = q[i];
            q[i] = z[i] / beta;
        }
        beta_prev = beta;
    }
    timer_stop(TIMER_SIGMA);
    free(q);
    free(z);
    free(qp);
    free(al);
    free(be);
    free(work);
    if (iters) *iters = k;
    if (residual) *residual = res;
    return sigma;
}

void consensus_weight_nodes(consensus_t *c, const double *nu)
{
    const lgraph_t *lg = c->lg;
    const lidx_t n = lg->n_owned, nl = n + lg->n_ghost;
    const int64_t nnz = lg->rowptr[n];
    double *wl = XZNEW(double, nl > 0 ? nl : 1);
    for (lidx_t i = 0; i < n; i++) {
        SAMARL_ASSERT(nu[i] > 0 && isfinite(nu[i]));
        wl[i] = nu[i];
    }
    halo_exchange(c->halo, wl, 1);
    double *ew = XNEW(double, nnz > 0 ? nnz : 1);
    for (lidx_t i = 0; i < n; i++) {
        double sum = 0.0; /* in gid order, like every row sum here */
        for (int64_t e = lg->rowptr[i]; e < lg->rowptr[i + 1]; e++) {
            const double wi = wl[i], wj = wl[lg->col[e]];
            ew[e] = edge_weight(c, e) * (wi < wj ? wi : wj) / wi;
            sum += ew[e];
        }
        c->wself[i] = 1.0 - sum;
    }
    free(c->w);
    c->w = ew;
    free(c->widx); /* the lockstep chunks need indexed weights: rows go one by one */
    c->widx = NULL;
    free(c->nu);
    c->nu = XNEW(double, n > 0 ? n : 1);
    memcpy(c->nu, nu, sizeof(double) * (size_t)n);
    c->nu_sum = reprosum_global(c->nu, (size_t)n);
    free(wl);
}

const double *consensus_self_weights(const consensus_t *c)
{
    return c->wself;
}

double consensus_edge_weight(const consensus_t *c, int64_t e)
{
    return edge_weight(c, e);
}

void consensus_destroy(consensus_t **cp)
{
    consensus_t *c = *cp;
    if (!c) return;
    chunks_free(&c->interior);
    chunks_free(&c->boundary);
    free(c->wself);
    free(c->widx);
    free(c->wtab);
    free(c->w);
    free(c->work);
    free(c->work2);
    free(c->nu);
    free(c->fate);
    free(c->quiet);
    free(c->byz);
    free(c->mv);
    free(c->mw);
    free(c->mo);
    free(c->md);
    free(c);
    *cp = NULL;
}
