/* The kappa-hop halo: ghost layers up to kappa hops around each rank's agents,
 * found by a distributed breadth-first search over the lgraph_t, every owned
 * agent's kappa-hop neighbourhood in (hop, gid) order, and an exchange that
 * fills every ghost with its owner's value (docs/halo.md, "kappa-hop halo").
 *
 * Local numbering: owned agents first, exactly as in the lgraph_t, then the
 * ghosts of all layers grouped by owner rank, in gid order within a group
 * (so each owner's message lands in one contiguous block). For kappa = 1 the
 * ghosts are those of the lgraph_t, in the same order.
 *
 * Determinism: the layers, the numbering and the neighbourhood lists depend
 * on the graph and the partition only; a neighbourhood listed in (hop, gid)
 * order is the same sequence of gids on any number of ranks, so a sum over
 * it in that order gives the same bits on any number of ranks. */
#ifndef SAMARL_KHOP_H
#define SAMARL_KHOP_H

#include <stdint.h>

#include "samarl/graph.h"
#include "samarl/partition.h"
#include "samarl/types.h"

typedef enum {
    KHOP_DIRECT, /* one round: every ghost's owner sends it (persistent point-to-point) */
    KHOP_RELAY   /* kappa rounds over the one-hop neighbour ranks, forwarding what arrived */
} khop_method_t;

/* The default, chosen by measurement (bench/khop.sh, docs/halo.md). */
#define KHOP_METHOD_DEFAULT KHOP_DIRECT

/* khop_create flags. */
enum {
    KHOP_NO_NEIGHBOURHOODS = 1 /* skip the per-agent lists (exchange only; saves memory) */
};

typedef struct khop {
    int hops;         /* kappa */
    gidx_t n_global;  /* agents in the whole graph */
    lidx_t n_owned;   /* as in the lgraph_t */
    lidx_t n_ghost;   /* ghosts of all layers 1..hops */
    gidx_t *gid;      /* [n_owned + n_ghost] global id of each local index */
    int *ghost_owner; /* [n_ghost] rank that owns each ghost (ascending) */
    int8_t
        *ghost_hop; /* [n_ghost] layer of each ghost, 1..hops: hops from the nearest owned agent */
    lidx_t *layer_count; /* [hops + 1] ghosts per layer; [0] = n_owned */
    /* Per owned agent i, its kappa-hop neighbourhood: entries
     * nb_ptr[i] .. nb_ptr[i+1]-1 hold local indices (nb_idx) and hop
     * distances from i (nb_hop), ordered by (hop, gid). The first entry is
     * i itself at hop 0. NULL with KHOP_NO_NEIGHBOURHOODS. */
    int64_t *nb_ptr;        /* [n_owned + 1] */
    lidx_t *nb_idx;         /* [nb_ptr[n_owned]] */
    int8_t *nb_hop;         /* [nb_ptr[n_owned]] */
    struct khop_plan *plan; /* the exchange (private) */
} khop_t;

/* Largest kappa accepted (hop counts are stored in int8_t). */
#define KHOP_MAX_HOPS 64

/* Collective. Build the kappa-hop halo of lg (1 <= hops <= KHOP_MAX_HOPS)
 * with the exchange plan of `method` for vectors up to max_width doubles per
 * agent. Memory guard (halo.max_ghost_share): after each layer, if any
 * rank's ghosts so far exceed max_ghost_share x (n_global - its n_owned),
 * the search stops and every rank returns SAMARL_ERR with the same message
 * (khop_guard); max_ghost_share >= 1 never refuses. Pass the status to
 * comm_check. */
int khop_create(const lgraph_t *lg, int hops, khop_method_t method, int max_width,
                double max_ghost_share, unsigned flags, khop_t **out);

/* Collective over the exchange partners. After the call every ghost entry
 * of x ([n_owned + n_ghost][width], width <= max_width) holds its owner's
 * value; owned entries are read only. */
void khop_exchange_doubles(khop_t *k, double *x, int width);

/* Agents this rank sends per exchange (summed over rounds for KHOP_RELAY)
 * and messages it sends (non-empty, summed over rounds). */
int64_t khop_send_count(const khop_t *k);
int64_t khop_message_count(const khop_t *k);
khop_method_t khop_method(const khop_t *k);

/* Collective. */
void khop_destroy(khop_t **k);

/* Not collective: the reference the tool prints and the tests check. For
 * each part p of a partition of the global graph g, the ghosts of p in each
 * layer h = 1..hops (agents not in p at distance exactly h from p):
 * counts[p * hops + (h - 1)]. A serial multi-source BFS per part. */
void khop_layers_serial(const graph_t *g, const int32_t *part, int nparts, int hops,
                        int64_t *counts);

/* The memory guard's test and message, shared by khop_create and
 * samarl-partition: SAMARL_ERR with the message when `ghosts` (the ghosts
 * within `at_hop` hops of the rank `rank` with the largest share) exceed
 * max_share x `remote` (the agents other ranks own: n_global - n_owned).
 * A rank that must copy most of the rest of the graph gains little from the
 * distribution. Not collective. */
int khop_guard(int hops, int at_hop, int64_t ghosts, int64_t remote, int rank, gidx_t n_global,
               double max_share);

#endif
