/* Redistribution from the partition's owned order to contiguous gid blocks
 * (rank r holds gids [r N / P, (r+1) N / P)), so that per-agent data is
 * written to files at its gid with one contiguous collective write per rank. */
#ifndef SAMARL_BLOCKMAP_H
#define SAMARL_BLOCKMAP_H

#include <stddef.h>

#include "samarl/h5io.h"
#include "samarl/partition.h"

typedef struct blockmap blockmap_t;

/* Collective. */
blockmap_t *blockmap_create(const lgraph_t *lg);
/* This rank's block: first gid and length. */
gidx_t blockmap_lo(const blockmap_t *bm);
gidx_t blockmap_count(const blockmap_t *bm);
/* Collective. owned[n_owned] (elements of `elem` bytes, local order) ->
 * block[count] (gid order). */
void blockmap_forward(blockmap_t *bm, const void *owned, void *block, size_t elem);
/* Collective. The reverse: block[count] (gid order) -> owned[n_owned]. */
void blockmap_backward(blockmap_t *bm, const void *block, void *owned, size_t elem);
/* Collective. owned[n_owned] (local order) written as the 1-D dataset
 * `path` of all n_global agents, each at its gid, so that the file is the
 * same for any number of ranks; and read back from such a dataset. */
void blockmap_write_h5(blockmap_t *bm, h5file_t *f, const char *path, h5io_type_t t,
                       gidx_t n_global, const void *owned, const char *units,
                       const char *description);
void blockmap_read_h5(blockmap_t *bm, h5file_t *f, const char *path, h5io_type_t t, void *owned);
/* Collective. The same for rows: owned[n_owned][width] doubles as the 2-D
 * dataset `path` [n_global][width], row gid; and read back from one (the
 * caller checks its shape). */
void blockmap_write_rows_h5(blockmap_t *bm, h5file_t *f, const char *path, gidx_t n_global,
                            int64_t width, const double *owned, const char *units,
                            const char *description);
void blockmap_read_rows_h5(blockmap_t *bm, h5file_t *f, const char *path, int64_t width,
                           double *owned);
void blockmap_destroy(blockmap_t **bm);

#endif
