/* The global communication graph: generators, loaders and validation.
 *
 * A graph_t is the whole undirected graph in CSR form with every adjacency
 * list sorted by gid. It lives on one rank (rank 0), which partitions it and
 * scatters each rank its rows (partition.h); no rank ever needs it after
 * set-up. Generators depend only on the config and seed, never on the number
 * of ranks. */
#ifndef SAMARL_GRAPH_H
#define SAMARL_GRAPH_H

#include <stdint.h>
#include <stdio.h>

#include "samarl/config.h"
#include "samarl/types.h"

typedef struct graph {
    gidx_t n;        /* vertices (agents) */
    gidx_t m;        /* undirected edges */
    gidx_t *xadj;    /* [n+1] row offsets */
    gidx_t *adj;     /* [2m] neighbours, ascending within each row */
    int ncon;        /* vertex weights per vertex (0: none) */
    int32_t *vwgt;   /* [n*ncon] or NULL (METIS fmt) */
    int32_t *adjwgt; /* [2m] edge weights or NULL (METIS fmt) */
    char name[256];  /* what it is: "rgg(N=1000,r=0.05,seed=1)" or a file name */
} graph_t;

/* Build the graph the config asks for (generator or file), validate it and
 * apply the connectivity policy (graph.allow_disconnected); *components (if
 * not NULL) gets the number of connected components. Not collective; call
 * on one rank. Returns SAMARL_ERR with a message on bad input. */
int graph_build(const config_t *cfg, graph_t **g, gidx_t *components);

/* Generators (return SAMARL_ERR on parameters that cannot make a simple graph). */
int graph_ring(gidx_t n, gidx_t k, graph_t **g);
int graph_grid2d(gidx_t n, gidx_t rows, graph_t **g);
int graph_rgg(gidx_t n, double radius, uint64_t seed, graph_t **g);
int graph_er(gidx_t n, double p, uint64_t seed, graph_t **g);
int graph_smallworld(gidx_t n, gidx_t k, double p, uint64_t seed, graph_t **g);
int graph_complete(gidx_t n, graph_t **g);

/* Loaders. n_expected > 0 requires that many vertices (edge lists: ids must
 * be below it; otherwise N = largest id + 1). */
int graph_load_metis(const char *path, gidx_t n_expected, graph_t **g);
int graph_load_edgelist(const char *path, gidx_t n_expected, graph_t **g);

/* From an edge list of pairs (u,v), u != v, each undirected edge once. */
int graph_from_edges(gidx_t n, gidx_t m, const gidx_t *uv, graph_t **g);

/* Structural check: ids in range, rows sorted, no self-loops, no duplicate
 * or one-way edges, m consistent. `what` names the graph in the message. */
int graph_validate(const graph_t *g, const char *what);

/* Number of connected components; *largest gets the size of the biggest. */
gidx_t graph_components(const graph_t *g, gidx_t *largest);

/* Position of key in the ascending array a[0..len), or -1. */
gidx_t graph_find(const gidx_t *a, gidx_t len, gidx_t key);

/* Largest vertex degree. */
gidx_t graph_max_degree(const graph_t *g);

/* 64-bit fingerprint of the structure (n, rows): a partition file made for
 * one graph is refused for another. */
uint64_t graph_fingerprint(const graph_t *g);

void graph_destroy(graph_t **g);

#endif
