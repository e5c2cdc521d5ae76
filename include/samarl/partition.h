/* Partitioning (partition/): METIS k-way on one rank, statistics, and the
 * distribution of the graph into per-rank local graphs with an owned/ghost
 * numbering and a halo plan (after HPCG's SetupHalo).
 *
 * Local numbering on each rank: owned agents first, in gid order, then
 * ghosts (neighbours owned elsewhere) grouped by owner rank, in gid order
 * within a group, so that each neighbour's message lands in one contiguous
 * block. Every row lists its neighbours in gid order, whatever the
 * partition: sums over neighbours then give the same bits on any number of
 * ranks. */
#ifndef SAMARL_PARTITION_H
#define SAMARL_PARTITION_H

#include <stdint.h>
#include <stdio.h>

#include "samarl/config.h"
#include "samarl/graph.h"
#include "samarl/types.h"

/* ---- computing a partition (one rank) ------------------------------------ */

/* Not collective. Fill part[g->n] with a part in 0..nparts-1 using the method
 * of cfg (metis or block; 'file' is read with partition_read). */
int partition_compute(const graph_t *g, const config_t *cfg, int nparts, int32_t *part);

/* Contiguous gid blocks over P parts: part r holds [block_lo(r), block_lo(r+1))
 * with block_lo(r) = floor(r n / P); the owner of gid g is the largest such r.
 * Used by partition.method = block and to write per-agent data to files. */
gidx_t partition_block_lo(gidx_t n, int r, int P);
int partition_block_owner(gidx_t n, gidx_t gid, int P);

/* METIS version string ("5.1.0"). */
const char *partition_metis_version(void);

/* ---- statistics (one rank, from the global graph) ------------------------ */

typedef struct {
    double min, avg, max;
} minavgmax_t;

typedef struct part_stats {
    int nparts;
    gidx_t n, m;         /* agents, edges */
    gidx_t edge_cut;     /* edges whose ends lie in different parts */
    double imbalance;    /* max part size / average part size */
    int64_t *owned;      /* [nparts] agents per part */
    int64_t *ghosts;     /* [nparts] distinct off-part neighbours = receive volume */
    int64_t *send;       /* [nparts] (agent, other part) pairs = send volume */
    int64_t *neighbours; /* [nparts] distinct neighbouring parts */
    minavgmax_t s_owned, s_ghosts, s_send, s_neighbours;
    gidx_t halo_total; /* sum of ghosts = agents sent per halo exchange */
    /* kappa-hop layers (samarl-partition --hops; 0 and NULL otherwise) */
    int hops;
    int64_t *ghosts_per_hop; /* [nparts][hops] ghosts of each part at distance 1..hops */
} part_stats_t;

/* Not collective. */
void partition_stats(const graph_t *g, const int32_t *part, int nparts, part_stats_t *s);
/* Print the statistics as a "key: value" block. */
void partition_stats_print(FILE *f, const part_stats_t *s);
void partition_stats_free(part_stats_t *s);

/* ---- partition files (samarl-partition) ---------------------------------- */

/* Collective. Write part[] (significant on root 0) and the statistics to an
 * HDF5 file (temporary name, renamed when complete). */
int partition_write(const char *path, const graph_t *g_root, const int32_t *part_root,
                    const part_stats_t *s_root, const config_t *cfg);
/* Collective. Read a partition file into part (allocated on rank 0 only),
 * checking it was made for this graph (n, fingerprint) and `nparts` parts. */
int partition_read(const char *path, gidx_t n, uint64_t fingerprint, int nparts,
                   int32_t **part_root);

/* ---- the distributed graph ------------------------------------------------ */

typedef struct lgraph {
    gidx_t n_global;  /* agents in the whole graph */
    gidx_t m_global;  /* edges in the whole graph */
    lidx_t n_owned;   /* agents this rank owns */
    lidx_t n_ghost;   /* off-rank neighbours held as ghosts */
    gidx_t *gid;      /* [n_owned + n_ghost] global id of each local index */
    int *ghost_owner; /* [n_ghost] rank that owns each ghost */
    int64_t *rowptr;  /* [n_owned + 1] row offsets into col */
    lidx_t *col;      /* [nnz] local indices of neighbours, in gid order */
    lidx_t *degree;   /* [n_owned + n_ghost] global degree (ghosts included) */
    /* halo plan */
    int n_nbr;        /* neighbouring ranks, ascending */
    int *nbr;         /* [n_nbr] */
    lidx_t *send_ptr; /* [n_nbr + 1] offsets into send_idx */
    lidx_t *send_idx; /* owned local indices to send, per neighbour in gid order */
    lidx_t *recv_ptr; /* [n_nbr + 1] offsets within the ghost section */
    /* rows with no ghost neighbour (can be computed while the halo is in flight) */
    lidx_t n_interior, n_boundary;
    lidx_t *interior, *boundary;
} lgraph_t;

/* Collective. Rank 0 passes the global graph and the partition (nparts =
 * size); every rank receives its rows, builds its numbering and halo plan.
 * Other ranks pass NULLs. Ghost degrees are filled by a halo exchange. */
lgraph_t *partition_distribute(const graph_t *g_root, const int32_t *part_root);

/* Collective. Check the distributed structure against itself (ghost lists
 * match the neighbours' send lists); SAMARL_ERR with a message on mismatch. */
int lgraph_check(const lgraph_t *lg);

void lgraph_destroy(lgraph_t **lg);

#endif
