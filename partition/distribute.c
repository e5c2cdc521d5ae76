/* Distribution of the global graph: rank 0 scatters each rank its rows, each
 * rank renumbers (owned first, then ghosts by owner) and builds its halo plan. */
#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/error.h"
#include "samarl/partition.h"

typedef struct {
    int owner;
    gidx_t gid;
    int32_t degree;
} ghost_t;

static int cmp_ghost(const void *a, const void *b)
{
    const ghost_t *x = a, *y = b;
    if (x->owner != y->owner) return x->owner < y->owner ? -1 : 1;
    return (x->gid > y->gid) - (x->gid < y->gid);
}

static lidx_t find_owned(const gidx_t *gid, lidx_t n, gidx_t key)
{
    gidx_t at = graph_find(gid, n, key);
    SAMARL_ASSERT(at >= 0);
    return (lidx_t)at;
}

static lidx_t find_ghost(const ghost_t *gh, lidx_t n, int owner, gidx_t key)
{
    ghost_t k = {owner, key, 0};
    lidx_t lo = 0, hi = n;
    while (lo < hi) {
        lidx_t mid = lo + (hi - lo) / 2;
        if (cmp_ghost(&gh[mid], &k) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    SAMARL_ASSERT(lo < n && gh[lo].gid == key && gh[lo].owner == owner);
    return lo;
}

lgraph_t *partition_distribute(const graph_t *g, const int32_t *part)
{
    const int P = comm_size(), me = comm_rank();
    int64_t nm[2] = {0, 0};
    int64_t *cnt_owned = NULL, *cnt_nnz = NULL, *ones = NULL;
    int64_t *s_gid = NULL, *s_adj = NULL;
    int32_t *s_deg = NULL, *s_owner = NULL, *s_ndeg = NULL;

    if (me == 0) { /* pack rows part by part, gid order within a part */
        nm[0] = g->n;
        nm[1] = g->m;
        cnt_owned = XZNEW(int64_t, P);
        cnt_nnz = XZNEW(int64_t, P);
        ones = XNEW(int64_t, P);
        for (int r = 0; r < P; r++) ones[r] = 1;
        for (gidx_t i = 0; i < g->n; i++) {
            cnt_owned[part[i]]++;
            cnt_nnz[part[i]] += g->xadj[i + 1] - g->xadj[i];
        }
        int64_t *vstart = XZNEW(int64_t, P + 1), *estart = XZNEW(int64_t, P + 1);
        for (int r = 0; r < P; r++) {
            vstart[r + 1] = vstart[r] + cnt_owned[r];
            estart[r + 1] = estart[r] + cnt_nnz[r];
        }
        s_gid = XNEW(int64_t, g->n);
        s_deg = XNEW(int32_t, g->n);
        s_adj = XNEW(int64_t, 2 * g->m);
        s_owner = XNEW(int32_t, 2 * g->m);
        s_ndeg = XNEW(int32_t, 2 * g->m);
        for (gidx_t i = 0; i < g->n; i++) {
            int r = part[i];
            gidx_t d = g->xadj[i + 1] - g->xadj[i];
            s_gid[vstart[r]] = i;
            s_deg[vstart[r]++] = (int32_t)d;
            for (gidx_t e = g->xadj[i]; e < g->xadj[i + 1]; e++) {
                gidx_t v = g->adj[e];
                s_adj[estart[r]] = v;
                s_owner[estart[r]] = part[v];
                s_ndeg[estart[r]++] = (int32_t)(g->xadj[v + 1] - g->xadj[v]);
            }
        }
        free(vstart);
        free(estart);
    }
    comm_bcast_int64(nm, 2, 0);
    int64_t my[2];
    comm_scatterv_int64(cnt_owned, ones, &my[0], 1, 0);
    comm_scatterv_int64(cnt_nnz, ones, &my[1], 1, 0);
    const lidx_t n_owned = (lidx_t)my[0];
    const int64_t nnz = my[1];

    lgraph_t *lg = XZNEW(lgraph_t, 1);
    lg->n_global = nm[0];
    lg->m_global = nm[1];
    lg->n_owned = n_owned;
    gidx_t *owned_gid = XNEW(gidx_t, n_owned);
    int32_t *deg = XNEW(int32_t, n_owned);
    gidx_t *adj = XNEW(gidx_t, nnz);
    int32_t *owner = XNEW(int32_t, nnz), *ndeg = XNEW(int32_t, nnz);
    comm_scatterv_int64(s_gid, cnt_owned, owned_gid, n_owned, 0);
    comm_scatterv_int32(s_deg, cnt_owned, deg, n_owned, 0);
    comm_scatterv_int64(s_adj, cnt_nnz, adj, nnz, 0);
    comm_scatterv_int32(s_owner, cnt_nnz, owner, nnz, 0);
    comm_scatterv_int32(s_ndeg, cnt_nnz, ndeg, nnz, 0);
    free(cnt_owned);
    free(cnt_nnz);
    free(ones);
    free(s_gid);
    free(s_deg);
    free(s_adj);
    free(s_owner);
    free(s_ndeg);

    /* Ghosts: distinct off-rank neighbours sorted by (owner, gid). */
    int64_t nb = 0;
    for (int64_t e = 0; e < nnz; e++) nb += owner[e] != me;
    ghost_t *gh = XNEW(ghost_t, nb);
    nb = 0;
    for (int64_t e = 0; e < nnz; e++)
        if (owner[e] != me) gh[nb++] = (ghost_t){owner[e], adj[e], ndeg[e]};
    qsort(gh, (size_t)nb, sizeof *gh, cmp_ghost);
    lidx_t n_ghost = 0;
    for (int64_t i = 0; i < nb; i++)
        if (n_ghost == 0 || cmp_ghost(&gh[i], &gh[n_ghost - 1]) != 0) gh[n_ghost++] = gh[i];
    lg->n_ghost = n_ghost;

    const lidx_t nl = n_owned + n_ghost;
    lg->gid = XNEW(gidx_t, nl);
    lg->degree = XNEW(lidx_t, nl);
    lg->ghost_owner = XNEW(int, n_ghost);
    for (lidx_t i = 0; i < n_owned; i++) {
        lg->gid[i] = owned_gid[i];
        lg->degree[i] = deg[i];
    }
    for (lidx_t j = 0; j < n_ghost; j++) {
        lg->gid[n_owned + j] = gh[j].gid;
        lg->degree[n_owned + j] = gh[j].degree;
        lg->ghost_owner[j] = gh[j].owner;
    }

    /* Rows in local indices; rows arrive in gid order, so neighbour order is
     * gid order (owned and ghost indices interleave as the gids do). */
    lg->rowptr = XNEW(int64_t, n_owned + 1);
    lg->col = XNEW(lidx_t, nnz);
    lg->rowptr[0] = 0;
    for (lidx_t i = 0; i < n_owned; i++) lg->rowptr[i + 1] = lg->rowptr[i] + deg[i];
    SAMARL_ASSERT(lg->rowptr[n_owned] == nnz);
    for (int64_t e = 0; e < nnz; e++)
        lg->col[e] = owner[e] == me ? find_owned(owned_gid, n_owned, adj[e])
                                    : n_owned + find_ghost(gh, n_ghost, owner[e], adj[e]);

    /* Halo plan: neighbour ranks = ghost owners; receive blocks = ghost groups. */
    int n_nbr = 0;
    for (lidx_t j = 0; j < n_ghost; j++)
        if (j == 0 || gh[j].owner != gh[j - 1].owner) n_nbr++;
    lg->n_nbr = n_nbr;
    lg->nbr = XNEW(int, n_nbr);
    lg->recv_ptr = XNEW(lidx_t, n_nbr + 1);
    n_nbr = 0;
    for (lidx_t j = 0; j < n_ghost; j++)
        if (j == 0 || gh[j].owner != gh[j - 1].owner) {
            lg->nbr[n_nbr] = gh[j].owner;
            lg->recv_ptr[n_nbr++] = j;
        }
    lg->recv_ptr[n_nbr] = n_ghost;

    /* Send lists: owned agent i goes to every neighbour rank that owns one of
     * its neighbours; listed per rank in local (= gid) order. */
    int *slot_of_rank = XNEW(int, P); /* neighbour index of a rank, or -1 */
    for (int r = 0; r < P; r++) slot_of_rank[r] = -1;
    for (int k = 0; k < n_nbr; k++) slot_of_rank[lg->nbr[k]] = k;
    lidx_t *mark = XNEW(lidx_t, n_nbr > 0 ? n_nbr : 1);
    lidx_t *count = XZNEW(lidx_t, n_nbr + 1);
    for (int k = 0; k < n_nbr; k++) mark[k] = -1;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            lg->send_ptr = XNEW(lidx_t, n_nbr + 1);
            lg->send_ptr[0] = 0;
            for (int k = 0; k < n_nbr; k++) lg->send_ptr[k + 1] = lg->send_ptr[k] + count[k];
            lg->send_idx = XNEW(lidx_t, lg->send_ptr[n_nbr]);
            for (int k = 0; k < n_nbr; k++) count[k] = lg->send_ptr[k], mark[k] = -1;
        }
        for (lidx_t i = 0; i < n_owned; i++)
            for (int64_t e = lg->rowptr[i]; e < lg->rowptr[i + 1]; e++) {
                if (owner[e] == me) continue;
                int k = slot_of_rank[owner[e]];
                SAMARL_ASSERT(k >= 0);
                if (mark[k] == i) continue;
                mark[k] = i;
                if (pass == 0)
                    count[k]++;
                else
                    lg->send_idx[count[k]++] = i;
            }
    }
    free(slot_of_rank);
    free(mark);
    free(count);

    /* Interior rows need no ghost value: they can run while the halo flies. */
    lg->interior = XNEW(lidx_t, n_owned);
    lg->boundary = XNEW(lidx_t, n_owned);
    for (lidx_t i = 0; i < n_owned; i++) {
        int b = 0;
        for (int64_t e = lg->rowptr[i]; e < lg->rowptr[i + 1] && !b; e++) b = lg->col[e] >= n_owned;
        if (b)
            lg->boundary[lg->n_boundary++] = i;
        else
            lg->interior[lg->n_interior++] = i;
    }

    free(owned_gid);
    free(deg);
    free(adj);
    free(owner);
    free(ndeg);
    free(gh);
    return lg;
}

int lgraph_check(const lgraph_t *lg)
{
    const int P = comm_size();
    int bad = 0;
    /* 1. Neighbour lists are symmetric and message sizes agree. */
    int64_t *sendcnt = XZNEW(int64_t, P), *recvcnt = XZNEW(int64_t, P);
    for (int k = 0; k < lg->n_nbr; k++) sendcnt[lg->nbr[k]] = lg->send_ptr[k + 1] - lg->send_ptr[k];
    comm_alltoall_int64(sendcnt, recvcnt);
    for (int k = 0; k < lg->n_nbr; k++)
        if (recvcnt[lg->nbr[k]] != lg->recv_ptr[k + 1] - lg->recv_ptr[k]) bad = 1;
    int64_t nsent_to_me = 0, nexpected = 0;
    for (int r = 0; r < P; r++) nsent_to_me += recvcnt[r] > 0;
    nexpected = lg->n_nbr;
    if (nsent_to_me != nexpected) bad = 1;
    free(sendcnt);
    free(recvcnt);
    int64_t any = bad;
    comm_allreduce_int64(&any, 1, COMM_MAX);
    if (any) return samarl_seterr("halo plan inconsistent: neighbour lists or sizes disagree");

    /* 2. Every ghost receives the gid it stands for. */
    comm_exchange_t *ex =
        comm_exchange_create(COMM_EXCHANGE_P2P, lg->n_nbr, lg->nbr, lg->send_ptr, lg->recv_ptr, 1);
    double *sb = comm_exchange_sendbuf(ex), *rb = comm_exchange_recvbuf(ex);
    for (lidx_t s = 0; s < lg->send_ptr[lg->n_nbr]; s++) sb[s] = (double)lg->gid[lg->send_idx[s]];
    comm_exchange_start(ex, 1);
    comm_exchange_wait(ex);
    for (lidx_t j = 0; j < lg->n_ghost; j++)
        if (rb[j] != (double)lg->gid[lg->n_owned + j]) bad = 1;
    comm_exchange_destroy(&ex);
    any = bad;
    comm_allreduce_int64(&any, 1, COMM_MAX);
    if (any) return samarl_seterr("halo plan inconsistent: a ghost received the wrong agent");
    return SAMARL_OK;
}

void lgraph_destroy(lgraph_t **lgp)
{
    lgraph_t *lg = *lgp;
    if (!lg) return;
    free(lg->gid);
    free(lg->ghost_owner);
    free(lg->rowptr);
    free(lg->col);
    free(lg->degree);
    free(lg->nbr);
    free(lg->send_ptr);
    free(lg->send_idx);
    free(lg->recv_ptr);
    free(lg->interior);
    free(lg->boundary);
    free(lg);
    *lgp = NULL;
}
