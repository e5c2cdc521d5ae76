/* kappa-hop policy inputs (Scal-MAPPO-L, seed 001): agent i's input x_i is
 * built from the observations of the agents within kappa hops of it, after
 * one exchange of the observations over the kappa-hop halo (khop.h).
 *
 *   own        x_i = o_i                                      (D features)
 *   shellmean  x_i = o_i | mean of o_j over the hop-1 shell | ... | over
 *              the hop-kappa shell (an empty shell gives 0)  ((kappa+1) D)
 *   slots      x_i = o_i | o_j of each neighbour within kappa hops in
 *              (hop, gid) order, zero-padded to K slots | a mask of K
 *              (1: the slot holds an agent), K the largest neighbourhood
 *              over the graph less one                         (D (1+K) + K)
 *
 * Determinism: neighbourhoods in (hop, gid) order are the same sequence of
 * gids on any number of ranks (khop.h), the shell means are summed in that
 * order in double, so x_i has the same bits on any number of ranks.
 * kappa = 0 needs no halo and no messages (x_i = o_i). Observations travel
 * as their float bits, two to a double of the halo. */
#ifndef SAMARL_KINPUT_H
#define SAMARL_KINPUT_H

#include <stdint.h>

#include "samarl/partition.h"
#include "samarl/types.h"

typedef enum { KINPUT_OWN, KINPUT_SHELLMEAN, KINPUT_SLOTS } kinput_kind_t;

typedef struct kinput kinput_t;

/* Collective. Inputs of kind `kind` from kappa hops (0 <= kappa <=
 * KHOP_MAX_HOPS; kind is own when kappa = 0) of observations of D features
 * in up to `copies` parallel copies. The halo's memory guard
 * (max_ghost_share, khop_create) refuses on every rank: SAMARL_ERR with
 * the message, *out NULL; pass the status to comm_check. */
int kinput_create(const lgraph_t *lg, int kappa, kinput_kind_t kind, int D, int copies,
                  double max_ghost_share, kinput_t **out);
void kinput_destroy(kinput_t **k);

/* Features of x_i. */
int kinput_dim(const kinput_t *k);
int kinput_kappa(const kinput_t *k);
/* The largest neighbourhood within kappa hops less the agent itself (the
 * slots of `slots`; 0 at kappa = 0). */
int64_t kinput_max_neighbours(const kinput_t *k);

/* Collective. Every owned agent's observations, obs[i][copy][D] for
 * copies copies (<= the created number), reach the agents within kappa hops
 * of it: one exchange. */
void kinput_exchange(kinput_t *k, const float *obs, int copies);
/* After kinput_exchange: x_i of owned agent i, x[copy][kinput_dim]. */
void kinput_build(const kinput_t *k, lidx_t i, int copies, float *x);

/* Bytes this rank sends per exchange of `copies` copies (0 at kappa = 0),
 * and messages. */
int64_t kinput_bytes_per_exchange(const kinput_t *k, int copies);
int64_t kinput_messages_per_exchange(const kinput_t *k);

#endif
