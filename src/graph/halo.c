/* Halo exchange on top of comm's neighbour exchange (see halo.h). */
#include "samarl/halo.h"

#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/error.h"
#include "samarl/timer.h"

struct halo {
    const lgraph_t *lg;
    halo_method_t method;
    comm_exchange_t *ex;
    int max_width;
    int width_in_flight;
};

halo_t *halo_create(const lgraph_t *lg, halo_method_t method, int max_width)
{
    halo_t *h = XZNEW(halo_t, 1);
    h->lg = lg;
    h->method = method;
    h->max_width = max_width;
    h->ex =
        comm_exchange_create(method == HALO_NEIGHBOR ? COMM_EXCHANGE_NEIGHBOR : COMM_EXCHANGE_P2P,
                             lg->n_nbr, lg->nbr, lg->send_ptr, lg->recv_ptr, max_width);
    return h;
}

void halo_exchange_begin(halo_t *h, const double *x, int width)
{
    SAMARL_ASSERT(width >= 1 && width <= h->max_width && h->width_in_flight == 0);
    timer_start(TIMER_HALO);
    const lidx_t *idx = h->lg->send_idx;
    const lidx_t ns = h->lg->send_ptr[h->lg->n_nbr];
    double *sb = comm_exchange_sendbuf(h->ex);
    if (width == 1) {
        for (lidx_t s = 0; s < ns; s++) sb[s] = x[idx[s]];
    } else {
        for (lidx_t s = 0; s < ns; s++)
            memcpy(sb + (size_t)s * width, x + (size_t)idx[s] * width, sizeof(double) * width);
    }
    comm_exchange_start(h->ex, width);
    h->width_in_flight = width;
    timer_stop(TIMER_HALO);
}

void halo_exchange_end(halo_t *h, double *x, int width)
{
    SAMARL_ASSERT(width == h->width_in_flight);
    timer_start(TIMER_HALO);
    comm_exchange_wait(h->ex);
    /* Receive blocks are laid out exactly like the ghost section. */
    memcpy(x + (size_t)h->lg->n_owned * width, comm_exchange_recvbuf(h->ex),
           sizeof(double) * (size_t)h->lg->n_ghost * (size_t)width);
    h->width_in_flight = 0;
    timer_stop(TIMER_HALO);
}

void halo_exchange(halo_t *h, double *x, int width)
{
    halo_exchange_begin(h, x, width);
    halo_exchange_end(h, x, width);
}

void halo_progress(halo_t *h)
{
    if (h->width_in_flight) comm_exchange_test(h->ex);
}

int64_t halo_send_count(const halo_t *h)
{
    return h->lg->send_ptr[h->lg->n_nbr];
}

int halo_max_width(const halo_t *h)
{
    return h->max_width;
}

void halo_destroy(halo_t **hp)
{
    halo_t *h = *hp;
    if (!h) return;
    comm_exchange_destroy(&h->ex);
    free(h);
    *hp = NULL;
}
