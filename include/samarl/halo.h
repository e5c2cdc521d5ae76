/* Halo exchange of per-agent doubles: after an exchange, every ghost entry
 * of a local vector holds its owner's value. Vectors are laid out
 * [n_owned + n_ghost][width] (width doubles per agent, e.g. a value and a
 * tracker). Split begin/end lets a caller compute on interior rows while
 * messages are in flight. */
#ifndef SAMARL_HALO_H
#define SAMARL_HALO_H

#include <stdint.h>

#include "samarl/config.h"
#include "samarl/partition.h"

typedef struct halo halo_t;

/* Collective. max_width: the widest vector that will be exchanged. */
halo_t *halo_create(const lgraph_t *lg, halo_method_t method, int max_width);
/* Collective over neighbours: pack x's boundary values and start sending. */
void halo_exchange_begin(halo_t *h, const double *x, int width);
/* Complete the exchange and write the ghost section of x. */
void halo_exchange_end(halo_t *h, double *x, int width);
/* begin + end. */
void halo_exchange(halo_t *h, double *x, int width);
/* Let MPI progress an exchange in flight (call while computing). */
void halo_progress(halo_t *h);
/* Agents this rank sends per exchange. */
int64_t halo_send_count(const halo_t *h);
int halo_max_width(const halo_t *h);
/* Collective. */
void halo_destroy(halo_t **h);

#endif
