/* Owned order -> contiguous gid blocks (see blockmap.h). */
#include "samarl/blockmap.h"

#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/error.h"

struct blockmap {
    lidx_t n_owned;
    gidx_t lo, count;
    lidx_t *perm;        /* owned index for each packed slot (grouped by block owner) */
    int64_t *sendcounts; /* [P] */
    int64_t *recvcounts; /* [P] */
    gidx_t *recv_pos;    /* block position of each received element */
    char *sendbuf, *recvbuf;
    size_t buf_elem;
};

blockmap_t *blockmap_create(const lgraph_t *lg)
{
    const int P = comm_size(), me = comm_rank();
    const gidx_t N = lg->n_global;
    blockmap_t *bm = XZNEW(blockmap_t, 1);
    bm->n_owned = lg->n_owned;
    bm->lo = partition_block_lo(N, me, P);
    bm->count = partition_block_lo(N, me + 1, P) - bm->lo;
    bm->sendcounts = XZNEW(int64_t, P);
    bm->recvcounts = XZNEW(int64_t, P);
    int *dest = XNEW(int, lg->n_owned > 0 ? lg->n_owned : 1);
    for (lidx_t i = 0; i < lg->n_owned; i++) {
        gidx_t g = lg->gid[i];
        int r = partition_block_owner(N, g, P);
        dest[i] = r;
        bm->sendcounts[r]++;
    }
    int64_t *start = XZNEW(int64_t, P + 1);
    for (int r = 0; r < P; r++) start[r + 1] = start[r] + bm->sendcounts[r];
    bm->perm = XNEW(lidx_t, lg->n_owned > 0 ? lg->n_owned : 1);
    for (lidx_t i = 0; i < lg->n_owned; i++) bm->perm[start[dest[i]]++] = i;
    free(start);
    free(dest);
    comm_alltoall_int64(bm->sendcounts, bm->recvcounts);
    int64_t nrecv = 0;
    for (int r = 0; r < P; r++) nrecv += bm->recvcounts[r];
    SAMARL_ASSERT(nrecv == bm->count);
    gidx_t *sg = XNEW(gidx_t, lg->n_owned > 0 ? lg->n_owned : 1);
    for (lidx_t s = 0; s < lg->n_owned; s++) sg[s] = lg->gid[bm->perm[s]];
    bm->recv_pos = XNEW(gidx_t, bm->count > 0 ? bm->count : 1);
    comm_alltoallv_bytes(sg, bm->sendcounts, bm->recv_pos, bm->recvcounts, sizeof(gidx_t));
    for (gidx_t k = 0; k < bm->count; k++) {
        bm->recv_pos[k] -= bm->lo;
        SAMARL_ASSERT(bm->recv_pos[k] >= 0 && bm->recv_pos[k] < bm->count);
    }
    free(sg);
    return bm;
}

gidx_t blockmap_lo(const blockmap_t *bm)
{
    return bm->lo;
}

gidx_t blockmap_count(const blockmap_t *bm)
{
    return bm->count;
}

/* Exchange buffers, grown once per element size, not per call. */
static void reserve(blockmap_t *bm, size_t elem)
{
    if (elem > bm->buf_elem) {
        bm->sendbuf = xrealloc(bm->sendbuf, elem * (size_t)(bm->n_owned > 0 ? bm->n_owned : 1));
        bm->recvbuf = xrealloc(bm->recvbuf, elem * (size_t)(bm->count > 0 ? bm->count : 1));
        bm->buf_elem = elem;
    }
}

void blockmap_forward(blockmap_t *bm, const void *owned, void *block, size_t elem)
{
    reserve(bm, elem);
    const char *src = owned;
    for (lidx_t s = 0; s < bm->n_owned; s++)
        memcpy(bm->sendbuf + (size_t)s * elem, src + (size_t)bm->perm[s] * elem, elem);
    comm_alltoallv_bytes(bm->sendbuf, bm->sendcounts, bm->recvbuf, bm->recvcounts, elem);
    char *dst = block;
    for (gidx_t k = 0; k < bm->count; k++)
        memcpy(dst + (size_t)bm->recv_pos[k] * elem, bm->recvbuf + (size_t)k * elem, elem);
}

void blockmap_backward(blockmap_t *bm, const void *block, void *owned, size_t elem)
{
    reserve(bm, elem);
    const char *src = block;
    for (gidx_t k = 0; k < bm->count; k++)
        memcpy(bm->recvbuf + (size_t)k * elem, src + (size_t)bm->recv_pos[k] * elem, elem);
    comm_alltoallv_bytes(bm->recvbuf, bm->recvcounts, bm->sendbuf, bm->sendcounts, elem);
    char *dst = owned;
    for (lidx_t s = 0; s < bm->n_owned; s++)
        memcpy(dst + (size_t)bm->perm[s] * elem, bm->sendbuf + (size_t)s * elem, elem);
}

static size_t elem_size(h5io_type_t t)
{
    return t == H5IO_F32 || t == H5IO_I32 ? 4 : 8;
}

void blockmap_write_h5(blockmap_t *bm, h5file_t *f, const char *path, h5io_type_t t,
                       gidx_t n_global, const void *owned, const char *units,
                       const char *description)
{
    const size_t elem = elem_size(t);
    char *blk = XNEW(char, (size_t)(bm->count > 0 ? bm->count : 1) * elem);
    blockmap_forward(bm, owned, blk, elem);
    h5io_write_1d(f, path, t, n_global, bm->lo, bm->count, blk, units, description);
    free(blk);
}

void blockmap_read_h5(blockmap_t *bm, h5file_t *f, const char *path, h5io_type_t t, void *owned)
{
    const size_t elem = elem_size(t);
    char *blk = XNEW(char, (size_t)(bm->count > 0 ? bm->count : 1) * elem);
    h5io_read_1d(f, path, t, bm->lo, bm->count, blk);
    blockmap_backward(bm, blk, owned, elem);
    free(blk);
}

void blockmap_write_rows_h5(blockmap_t *bm, h5file_t *f, const char *path, gidx_t n_global,
                            int64_t width, const double *owned, const char *units,
                            const char *description)
{
    const size_t row = sizeof(double) * (size_t)(width > 0 ? width : 1);
    char *blk = XNEW(char, (size_t)(bm->count > 0 ? bm->count : 1) * row);
    blockmap_forward(bm, owned, blk, row);
    h5io_write_2d(f, path, H5IO_F64, n_global, width, bm->lo, bm->count, blk, units, description);
    free(blk);
}

void blockmap_read_rows_h5(blockmap_t *bm, h5file_t *f, const char *path, int64_t width,
                           double *owned)
{
    const size_t row = sizeof(double) * (size_t)(width > 0 ? width : 1);
    char *blk = XNEW(char, (size_t)(bm->count > 0 ? bm->count : 1) * row);
    h5io_read_2d(f, path, H5IO_F64, width, bm->lo, bm->count, blk);
    blockmap_backward(bm, blk, owned, row);
    free(blk);
}

void blockmap_destroy(blockmap_t **bmp)
{
    blockmap_t *bm = *bmp;
    if (!bm) return;
    free(bm->perm);
    free(bm->sendcounts);
    free(bm->recvcounts);
    free(bm->recv_pos);
    free(bm->sendbuf);
    free(bm->recvbuf);
    free(bm);
    *bmp = NULL;
}
