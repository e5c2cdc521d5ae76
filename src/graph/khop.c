/* The kappa-hop halo (see khop.h): a distributed BFS that asks the owners of
 * each frontier for their rows, the per-agent neighbourhoods, and two
 * exchange plans (direct from the owner, or relayed one hop per round). */
#include "samarl/khop.h"

#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/error.h"

/* ---- gid -> local index ---------------------------------------------------- */

/* Open addressing: local sets are far too large for a sorted search per
 * lookup during the BFS, and gids are sparse in 0..N-1. */
typedef struct {
    gidx_t *key; /* -1: empty */
    lidx_t *val;
    size_t mask, n;
} gmap_t;

static size_t gmap_slot(gidx_t g, size_t mask)
{
    uint64_t x = (uint64_t)g * 0x9E3779B97F4A7C15ull;
    return (size_t)(x ^ (x >> 29)) & mask;
}

static void gmap_init(gmap_t *m, size_t expect)
{
    size_t cap = 64;
    while (cap < 2 * expect) cap <<= 1;
    m->key = XNEW(gidx_t, cap);
    m->val = XNEW(lidx_t, cap);
    for (size_t i = 0; i < cap; i++) m->key[i] = -1;
    m->mask = cap - 1;
    m->n = 0;
}

static void gmap_free(gmap_t *m)
{
    free(m->key);
    free(m->val);
    memset(m, 0, sizeof *m);
}

static lidx_t gmap_get(const gmap_t *m, gidx_t g)
{
    for (size_t s = gmap_slot(g, m->mask);; s = (s + 1) & m->mask) {
        if (m->key[s] == g) return m->val[s];
        if (m->key[s] < 0) return -1;
    }
}

static void gmap_put(gmap_t *m, gidx_t g, lidx_t v)
{
    if (2 * (m->n + 1) > m->mask + 1) { /* keep the load at most 1/2 */
        gmap_t b;
        gmap_init(&b, m->n + 1);
        for (size_t s = 0; s <= m->mask; s++)
            if (m->key[s] >= 0) gmap_put(&b, m->key[s], m->val[s]);
        gmap_free(m);
        *m = b;
    }
    size_t s = gmap_slot(g, m->mask);
    while (m->key[s] >= 0 && m->key[s] != g) s = (s + 1) & m->mask;
    if (m->key[s] < 0) m->n++;
    m->key[s] = g;
    m->val[s] = v;
}

/* ---- the memory guard ------------------------------------------------------ */

int khop_guard(int hops, int at_hop, int64_t ghosts, int64_t remote, int rank, gidx_t n_global,
               double max_share)
{
    if (remote <= 0 || (double)ghosts <= max_share * (double)remote) return SAMARL_OK;
    return samarl_seterr(
        "halo.hops = %d: rank %d would hold %" PRId64 " ghosts within %d hop%s%s, %.1f%% of the "
        "%" PRId64 " agents that other ranks own (of %" PRIdG " in all), above "
        "halo.max_ghost_share = %g; in graphs with short paths (small-world, random) a few hops "
        "reach most agents. Lower halo.hops, or raise halo.max_ghost_share (at most 1) if the "
        "memory is there",
        hops, rank, ghosts, at_hop, at_hop == 1 ? "" : "s", at_hop < hops ? " already" : "",
        100.0 * (double)ghosts / (double)remote, remote, n_global, max_share);
}

/* ---- the exchange plans ---------------------------------------------------- */

typedef struct {
    comm_exchange_t *ex;
    lidx_t n_send, n_recv;
    lidx_t *send_idx; /* local indices packed per neighbour rank */
    lidx_t *recv_idx; /* where each received value goes; NULL: the ghost section, in order */
    int64_t n_msgs;   /* non-empty messages sent */
} kround_t;

struct khop_plan {
    khop_method_t method;
    int n_rounds, max_width;
    kround_t *round;
};

/* Collective. One round: this rank receives recv[0..n) (local indices)
 * from src[0..n) (ascending, gid order within a source); each source is
 * told which gids to send and checks it holds them (owned, or a ghost of a
 * layer below max_src_hop + 1). */
static void round_build(const khop_t *k, const gmap_t *map, lidx_t n, const lidx_t *recv,
                        const int *src, int max_src_hop, int max_width, kround_t *r)
{
    const int P = comm_size(), me = comm_rank();
    int64_t *rq = XZNEW(int64_t, P), *sq = XZNEW(int64_t, P);
    gidx_t *want = XNEW(gidx_t, n + 1);
    for (lidx_t j = 0; j < n; j++) {
        SAMARL_ASSERT(src[j] != me && (j == 0 || src[j] >= src[j - 1]));
        rq[src[j]]++;
        want[j] = k->gid[recv[j]];
    }
    comm_alltoall_int64(rq, sq);
    int64_t ns = 0;
    for (int q = 0; q < P; q++) ns += sq[q];
    gidx_t *asked = XNEW(gidx_t, ns + 1);
    comm_alltoallv_bytes(want, rq, asked, sq, sizeof(gidx_t));
    r->n_send = (lidx_t)ns;
    r->n_recv = n;
    r->send_idx = XNEW(lidx_t, ns + 1);
    for (int64_t s = 0; s < ns; s++) {
        lidx_t l = gmap_get(map, asked[s]);
        SAMARL_ASSERT(l >= 0 && (l < k->n_owned || k->ghost_hop[l - k->n_owned] <= max_src_hop));
        r->send_idx[s] = l;
    }
    /* Partners both ways, so that both sides list each other. */
    int n_nbr = 0;
    for (int q = 0; q < P; q++) n_nbr += rq[q] > 0 || sq[q] > 0;
    int *nbr = XNEW(int, n_nbr + 1);
    lidx_t *sp = XNEW(lidx_t, n_nbr + 1), *rp = XNEW(lidx_t, n_nbr + 1);
    sp[0] = rp[0] = 0;
    n_nbr = 0;
    r->n_msgs = 0;
    for (int q = 0; q < P; q++) {
        if (!(rq[q] > 0 || sq[q] > 0)) continue;
        nbr[n_nbr] = q;
        sp[n_nbr + 1] = sp[n_nbr] + (lidx_t)sq[q];
        rp[n_nbr + 1] = rp[n_nbr] + (lidx_t)rq[q];
        r->n_msgs += sq[q] > 0;
        n_nbr++;
    }
    r->ex = comm_exchange_create(COMM_EXCHANGE_P2P, n_nbr, nbr, sp, rp, max_width);
    free(nbr);
    free(sp);
    free(rp);
    free(rq);
    free(sq);
    free(want);
    free(asked);
}

/* ---- the distributed breadth-first search ---------------------------------- */

typedef struct {
    gidx_t gid;
    int owner, hop;
    int first; /* relay source: the lowest rank owning the first hop of a shortest path */
} kghost_t;

typedef struct {
    gidx_t gid;
    int64_t owner;
} kentry_t;

static int cmp_owner_gid(const void *a, const void *b)
{
    const kghost_t *x = a, *y = b;
    if (x->owner != y->owner) return x->owner < y->owner ? -1 : 1;
    return (x->gid > y->gid) - (x->gid < y->gid);
}

typedef struct {
    gidx_t gid;
    lidx_t idx;
} gl_t;

static int cmp_gl(const void *a, const void *b)
{
    const gl_t *x = a, *y = b;
    return (x->gid > y->gid) - (x->gid < y->gid);
}

/* Per owned agent, BFS to depth `hops` over the local rows. */
static void build_neighbourhoods(khop_t *k, const int64_t *rp, const lidx_t *ra)
{
    const lidx_t nl = k->n_owned + k->n_ghost;
    int64_t cap = (int64_t)k->n_owned * 8 + 16, used = 0;
    k->nb_ptr = XNEW(int64_t, k->n_owned + 1);
    k->nb_idx = XNEW(lidx_t, cap);
    k->nb_hop = XNEW(int8_t, cap);
    lidx_t *stamp = XNEW(lidx_t, nl);
    for (lidx_t v = 0; v < nl; v++) stamp[v] = -1;
    gl_t *lvl = XNEW(gl_t, nl);
    k->nb_ptr[0] = 0;
    for (lidx_t i = 0; i < k->n_owned; i++) {
        stamp[i] = i;
        if (used + 1 > cap) {
            cap *= 2;
            k->nb_idx = xrealloc(k->nb_idx, sizeof(lidx_t) * (size_t)cap);
            k->nb_hop = xrealloc(k->nb_hop, sizeof(int8_t) * (size_t)cap);
        }
        int64_t cur0 = used;
        k->nb_idx[used] = i;
        k->nb_hop[used++] = 0;
        for (int h = 1; h <= k->hops; h++) {
            lidx_t nn = 0;
            for (int64_t c = cur0; c < used; c++) {
                lidx_t u = k->nb_idx[c];
                /* Rows exist for owned agents and layers below hops: every
                 * vertex expanded here is nearer than hops to agent i. */
                SAMARL_ASSERT(u < k->n_owned || k->ghost_hop[u - k->n_owned] < k->hops);
                for (int64_t e = rp[u]; e < rp[u + 1]; e++)
                    if (stamp[ra[e]] != i) {
                        stamp[ra[e]] = i;
                        lvl[nn++] = (gl_t){k->gid[ra[e]], ra[e]};
                    }
            }
            if (nn == 0) break;
            qsort(lvl, (size_t)nn, sizeof *lvl, cmp_gl);
            if (used + nn > cap) {
                while (used + nn > cap) cap *= 2;
                k->nb_idx = xrealloc(k->nb_idx, sizeof(lidx_t) * (size_t)cap);
                k->nb_hop = xrealloc(k->nb_hop, sizeof(int8_t) * (size_t)cap);
            }
            cur0 = used;
            for (lidx_t j = 0; j < nn; j++) {
                k->nb_idx[used] = lvl[j].idx;
                k->nb_hop[used++] = (int8_t)h;
            }
        }
        k->nb_ptr[i + 1] = used;
    }
    free(stamp);
    free(lvl);
}

int khop_create(const lgraph_t *lg, int hops, khop_method_t method, int max_width,
                double max_ghost_share, unsigned flags, khop_t **out)
{
    const int P = comm_size(), me = comm_rank();
    SAMARL_ASSERT(hops >= 1 && hops <= KHOP_MAX_HOPS && max_width >= 1);
    *out = NULL;
    const lidx_t no = lg->n_owned;

    /* Discovered ghosts, layer by layer; map: gid -> index in gh. */
    int64_t gcap = lg->n_ghost + 16, ng = 0;
    kghost_t *gh = XNEW(kghost_t, gcap);
    gmap_t seen;
    gmap_init(&seen, (size_t)lg->n_ghost + 16);
    for (lidx_t j = 0; j < lg->n_ghost; j++) {
        gh[ng] = (kghost_t){lg->gid[no + j], lg->ghost_owner[j], 1, lg->ghost_owner[j]};
        gmap_put(&seen, gh[ng].gid, (lidx_t)ng);
        ng++;
    }
    /* Rows fetched for layers 1..hops-1, as (gid, owner) entries. */
    /* [ng] first entry of ghost j's row, or -1, and its length (grown per
     * layer; hops = 1 fetches no rows) */
    int64_t *row_of = XZNEW(int64_t, 1);
    int64_t *row_len = XZNEW(int64_t, 1);
    int64_t ecap = 16, ne = 0;
    kentry_t *ent = XNEW(kentry_t, ecap);
    int64_t layer_lo = 0, layer_hi = ng;
    int rc = SAMARL_OK;

    for (int h = 1;; h++) {
        /* The guard, on the layers found so far: stop before fetching more.
         * Every rank sees every rank's figures, so all give one verdict. */
        int64_t *all_g = XNEW(int64_t, P), *all_o = XNEW(int64_t, P);
        comm_allgather_int64(ng, all_g);
        comm_allgather_int64(no, all_o);
        int worst = 0;
        double wshare = -1.0;
        for (int q = 0; q < P; q++) {
            int64_t remote = lg->n_global - all_o[q];
            double sh = remote > 0 ? (double)all_g[q] / (double)remote : 0.0;
            if (sh > wshare) wshare = sh, worst = q;
        }
        rc = khop_guard(hops, h, all_g[worst], lg->n_global - all_o[worst], worst, lg->n_global,
                        max_ghost_share);
        free(all_g);
        free(all_o);
        if (rc != SAMARL_OK || h == hops) break;

        /* Ask the owners of layer h for their rows, in owner order. */
        int64_t nf = layer_hi - layer_lo;
        int64_t *rq = XZNEW(int64_t, P), *sq = XZNEW(int64_t, P), *at = XZNEW(int64_t, P + 1);
        for (int64_t j = layer_lo; j < layer_hi; j++) rq[gh[j].owner]++;
        for (int q = 0; q < P; q++) at[q + 1] = at[q] + rq[q];
        gidx_t *want = XNEW(gidx_t, nf + 1);
        int64_t *who = XNEW(int64_t, nf + 1); /* request slot -> ghost */
        for (int64_t j = layer_lo; j < layer_hi; j++) {
            int64_t s = at[gh[j].owner]++;
            want[s] = gh[j].gid;
            who[s] = j;
        }
        comm_alltoall_int64(rq, sq);
        int64_t na = 0;
        for (int q = 0; q < P; q++) na += sq[q];
        gidx_t *asked = XNEW(gidx_t, na + 1);
        comm_alltoallv_bytes(want, rq, asked, sq, sizeof(gidx_t));
        /* Answer: the degree of each asked row, then its entries. */
        int64_t *deg = XNEW(int64_t, na + 1), *esq = XZNEW(int64_t, P), *erq = XZNEW(int64_t, P);
        int64_t nsend = 0, s = 0;
        for (int q = 0; q < P; q++)
            for (int64_t c = 0; c < sq[q]; c++, s++) {
                gidx_t pos = graph_find(lg->gid, no, asked[s]);
                SAMARL_ASSERT(pos >= 0);
                deg[s] = lg->rowptr[pos + 1] - lg->rowptr[pos];
                esq[q] += deg[s];
                nsend += deg[s];
            }
        kentry_t *reply = XNEW(kentry_t, nsend + 1);
        int64_t e_out = 0;
        for (int64_t a = 0; a < na; a++) {
            gidx_t pos = graph_find(lg->gid, no, asked[a]);
            for (int64_t e = lg->rowptr[pos]; e < lg->rowptr[pos + 1]; e++) {
                lidx_t c = lg->col[e];
                reply[e_out++] = (kentry_t){lg->gid[c], c < no ? me : lg->ghost_owner[c - no]};
            }
        }
        int64_t *rdeg = XNEW(int64_t, nf + 1);
        comm_alltoallv_bytes(deg, sq, rdeg, rq, sizeof(int64_t));
        int64_t nrecv = 0;
        for (int64_t r = 0; r < nf; r++) nrecv += rdeg[r];
        for (int q = 0, r = 0; q < P; q++)
            for (int64_t c = 0; c < rq[q]; c++) erq[q] += rdeg[r++];
        kentry_t *got = XNEW(kentry_t, nrecv + 1);
        comm_alltoallv_bytes(reply, esq, got, erq, sizeof(kentry_t));

        /* Keep the rows; whatever is new forms layer h + 1. */
        row_of = xrealloc(row_of, sizeof(int64_t) * (size_t)(layer_hi + 1));
        row_len = xrealloc(row_len, sizeof(int64_t) * (size_t)(layer_hi + 1));
        if (ne + nrecv > ecap) {
            while (ne + nrecv > ecap) ecap *= 2;
            ent = xrealloc(ent, sizeof(kentry_t) * (size_t)ecap);
        }
        int64_t g0 = 0;
        for (int64_t r = 0; r < nf; r++) {
            const int64_t j = who[r];
            row_of[j] = ne;
            row_len[j] = rdeg[r];
            for (int64_t c = 0; c < rdeg[r]; c++) {
                kentry_t en = got[g0 + c];
                ent[ne++] = en;
                if (en.owner == me) continue;
                lidx_t at_g = gmap_get(&seen, en.gid);
                if (at_g >= 0) {
                    /* A later parent in the same layer may offer a lower relay source. */
                    if (gh[at_g].hop == h + 1 && gh[j].first < gh[at_g].first)
                        gh[at_g].first = gh[j].first;
                    continue;
                }
                if (ng == gcap) {
                    gcap *= 2;
                    gh = xrealloc(gh, sizeof(kghost_t) * (size_t)gcap);
                }
                gh[ng] = (kghost_t){en.gid, (int)en.owner, h + 1, gh[j].first};
                gmap_put(&seen, en.gid, (lidx_t)ng);
                ng++;
            }
            g0 += rdeg[r];
        }
        layer_lo = layer_hi;
        layer_hi = ng;
        free(rq);
        free(sq);
        free(at);
        free(want);
        free(who);
        free(asked);
        free(deg);
        free(esq);
        free(erq);
        free(reply);
        free(rdeg);
        free(got);
    }
    if (rc != SAMARL_OK) {
        free(gh);
        free(row_of);
        free(row_len);
        free(ent);
        gmap_free(&seen);
        return rc;
    }

    /* Final numbering: ghosts by (owner, gid) after the owned agents. */
    khop_t *k = XZNEW(khop_t, 1);
    k->hops = hops;
    k->n_global = lg->n_global;
    k->n_owned = no;
    k->n_ghost = (lidx_t)ng;
    const lidx_t nl = no + k->n_ghost;
    int64_t *disc = XNEW(int64_t, ng + 1); /* discovery index of each sorted ghost */
    {
        kghost_t *srt = XNEW(kghost_t, ng + 1);
        memcpy(srt, gh, sizeof(kghost_t) * (size_t)ng);
        qsort(srt, (size_t)ng, sizeof *srt, cmp_owner_gid);
        for (int64_t j = 0; j < ng; j++) disc[j] = gmap_get(&seen, srt[j].gid);
        free(srt);
    }
    k->gid = XNEW(gidx_t, nl + 1);
    k->ghost_owner = XNEW(int, ng + 1);
    k->ghost_hop = XNEW(int8_t, ng + 1);
    k->layer_count = XZNEW(lidx_t, hops + 1);
    k->layer_count[0] = no;
    gmap_t map;
    gmap_init(&map, (size_t)nl);
    for (lidx_t i = 0; i < no; i++) {
        k->gid[i] = lg->gid[i];
        gmap_put(&map, lg->gid[i], i);
    }
    for (int64_t j = 0; j < ng; j++) {
        const kghost_t *g = &gh[disc[j]];
        k->gid[no + j] = g->gid;
        k->ghost_owner[j] = g->owner;
        k->ghost_hop[j] = (int8_t)g->hop;
        k->layer_count[g->hop]++;
        gmap_put(&map, g->gid, (lidx_t)(no + j));
    }

    /* Local rows: owned rows from lg, ghost rows as fetched (layers < hops). */
    if (!(flags & KHOP_NO_NEIGHBOURHOODS)) {
        int64_t *rp = XNEW(int64_t, nl + 1);
        rp[0] = 0;
        for (lidx_t i = 0; i < no; i++) rp[i + 1] = lg->rowptr[i + 1];
        for (int64_t j = 0; j < ng; j++)
            rp[no + j + 1] = rp[no + j] + (gh[disc[j]].hop < hops ? row_len[disc[j]] : 0);
        lidx_t *ra = XNEW(lidx_t, rp[nl] + 1);
        for (int64_t e = 0; e < lg->rowptr[no]; e++) {
            lidx_t c = lg->col[e];
            ra[e] = c < no ? c : gmap_get(&map, lg->gid[c]);
        }
        for (int64_t j = 0; j < ng; j++) {
            if (gh[disc[j]].hop >= hops) continue;
            const kentry_t *row = ent + row_of[disc[j]];
            for (int64_t c = 0; c < row_len[disc[j]]; c++) {
                lidx_t l = gmap_get(&map, row[c].gid);
                SAMARL_ASSERT(l >= 0);
                ra[rp[no + j] + c] = l;
            }
        }
        build_neighbourhoods(k, rp, ra);
        free(rp);
        free(ra);
    }

    /* The exchange plan. */
    struct khop_plan *pl = XZNEW(struct khop_plan, 1);
    pl->method = method;
    pl->max_width = max_width;
    if (method == KHOP_DIRECT) {
        pl->n_rounds = 1;
        pl->round = XZNEW(kround_t, 1);
        lidx_t *recv = XNEW(lidx_t, ng + 1);
        for (int64_t j = 0; j < ng; j++) recv[j] = (lidx_t)(no + j);
        round_build(k, &map, (lidx_t)ng, recv, k->ghost_owner, 0, max_width, &pl->round[0]);
        free(recv);
    } else {
        pl->n_rounds = hops;
        pl->round = XZNEW(kround_t, hops);
        kghost_t *lay = XNEW(kghost_t, ng + 1);
        lidx_t *recv = XNEW(lidx_t, ng + 1);
        int *src = XNEW(int, ng + 1);
        for (int h = 1; h <= hops; h++) {
            /* Layer h, by relay source then gid; owner field reused for the source. */
            int64_t n = 0;
            for (int64_t j = 0; j < ng; j++)
                if (gh[j].hop == h) lay[n] = gh[j], lay[n++].owner = gh[j].first;
            qsort(lay, (size_t)n, sizeof *lay, cmp_owner_gid);
            for (int64_t j = 0; j < n; j++) {
                recv[j] = gmap_get(&map, lay[j].gid);
                src[j] = lay[j].owner;
            }
            kround_t *r = &pl->round[h - 1];
            round_build(k, &map, (lidx_t)n, recv, src, h - 1, max_width, r);
            r->recv_idx = XNEW(lidx_t, n + 1);
            memcpy(r->recv_idx, recv, sizeof(lidx_t) * (size_t)n);
        }
        free(lay);
        free(recv);
        free(src);
    }
    k->plan = pl;

    gmap_free(&map);
    gmap_free(&seen);
    free(disc);
    free(gh);
    free(row_of);
    free(row_len);
    free(ent);
    *out = k;
    return SAMARL_OK;
}

/* ---- exchange ---------------------------------------------------------------- */

void khop_exchange_doubles(khop_t *k, double *x, int width)
{
    struct khop_plan *pl = k->plan;
    SAMARL_ASSERT(width >= 1 && width <= pl->max_width);
    for (int t = 0; t < pl->n_rounds; t++) {
        kround_t *r = &pl->round[t];
        double *sb = comm_exchange_sendbuf(r->ex);
        if (width == 1) {
            for (lidx_t s = 0; s < r->n_send; s++) sb[s] = x[r->send_idx[s]];
        } else {
            for (lidx_t s = 0; s < r->n_send; s++)
                memcpy(sb + (size_t)s * width, x + (size_t)r->send_idx[s] * width,
                       sizeof(double) * (size_t)width);
        }
        comm_exchange_start(r->ex, width);
        comm_exchange_wait(r->ex);
        const double *rb = comm_exchange_recvbuf(r->ex);
        if (!r->recv_idx) {
            /* Direct: receive blocks are laid out like the ghost section. */
            memcpy(x + (size_t)k->n_owned * width, rb,
                   sizeof(double) * (size_t)r->n_recv * (size_t)width);
        } else if (width == 1) {
            for (lidx_t j = 0; j < r->n_recv; j++) x[r->recv_idx[j]] = rb[j];
        } else {
            for (lidx_t j = 0; j < r->n_recv; j++)
                memcpy(x + (size_t)r->recv_idx[j] * width, rb + (size_t)j * width,
                       sizeof(double) * (size_t)width);
        }
    }
}

int64_t khop_send_count(const khop_t *k)
{
    int64_t n = 0;
    for (int t = 0; t < k->plan->n_rounds; t++) n += k->plan->round[t].n_send;
    return n;
}

int64_t khop_message_count(const khop_t *k)
{
    int64_t n = 0;
    for (int t = 0; t < k->plan->n_rounds; t++) n += k->plan->round[t].n_msgs;
    return n;
}

khop_method_t khop_method(const khop_t *k)
{
    return k->plan->method;
}

void khop_destroy(khop_t **kp)
{
    khop_t *k = *kp;
    if (!k) return;
    if (k->plan) {
        for (int t = 0; t < k->plan->n_rounds; t++) {
            comm_exchange_destroy(&k->plan->round[t].ex);
            free(k->plan->round[t].send_idx);
            free(k->plan->round[t].recv_idx);
        }
        free(k->plan->round);
        free(k->plan);
    }
    free(k->gid);
    free(k->ghost_owner);
    free(k->ghost_hop);
    free(k->layer_count);
    free(k->nb_ptr);
    free(k->nb_idx);
    free(k->nb_hop);
    free(k);
    *kp = NULL;
}

/* ---- the serial reference ---------------------------------------------------- */

void khop_layers_serial(const graph_t *g, const int32_t *part, int nparts, int hops,
                        int64_t *counts)
{
    memset(counts, 0, sizeof(int64_t) * (size_t)nparts * (size_t)hops);
    gidx_t *start = XZNEW(gidx_t, nparts + 1), *order = XNEW(gidx_t, g->n + 1);
    for (gidx_t i = 0; i < g->n; i++) start[part[i] + 1]++;
    for (int p = 0; p < nparts; p++) start[p + 1] += start[p];
    gidx_t *fill = XNEW(gidx_t, nparts + 1);
    memcpy(fill, start, sizeof(gidx_t) * (size_t)nparts);
    for (gidx_t i = 0; i < g->n; i++) order[fill[part[i]]++] = i;
    free(fill);
    int32_t *mark = XNEW(int32_t, g->n + 1); /* last part that reached each vertex */
    for (gidx_t i = 0; i < g->n; i++) mark[i] = -1;
    gidx_t *queue = XNEW(gidx_t, g->n + 1);
    for (int p = 0; p < nparts; p++) {
        gidx_t qn = 0;
        for (gidx_t k = start[p]; k < start[p + 1]; k++) {
            mark[order[k]] = p;
            queue[qn++] = order[k];
        }
        gidx_t lo = 0;
        for (int h = 1; h <= hops; h++) {
            gidx_t hi = qn;
            for (gidx_t k = lo; k < hi; k++)
                for (gidx_t e = g->xadj[queue[k]]; e < g->xadj[queue[k] + 1]; e++) {
                    gidx_t v = g->adj[e];
                    if (mark[v] == p) continue;
                    mark[v] = p;
                    queue[qn++] = v;
                }
            counts[(size_t)p * hops + (h - 1)] = qn - hi;
            lo = hi;
        }
    }
    free(start);
    free(order);
    free(mark);
    free(queue);
}
