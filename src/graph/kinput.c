/* kappa-hop policy inputs (see kinput.h): one exchange of the observations
 * over the kappa-hop halo, then x_i from agent i's neighbourhood list. */
#include "samarl/kinput.h"

#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/error.h"
#include "samarl/khop.h"

struct kinput {
    int kappa, D, copies, dim;
    kinput_kind_t kind;
    lidx_t n_owned;
    int64_t kmax;     /* largest neighbourhood less the agent */
    khop_t *halo;     /* NULL at kappa = 0 */
    double *buf;      /* [n_owned + n_ghost][wmax] doubles: floats two to a double */
    int wmax;         /* doubles per agent at `copies` copies */
    const float *own; /* kappa = 0: the caller's obs of the last exchange */
};

/* Doubles that hold m floats. */
static int doubles_for(int64_t m)
{
    return (int)((m + 1) / 2);
}

int kinput_create(const lgraph_t *lg, int kappa, kinput_kind_t kind, int D, int copies,
                  double max_ghost_share, kinput_t **out)
{
    SAMARL_ASSERT(kappa >= 0 && kappa <= KHOP_MAX_HOPS && D >= 1 && copies >= 1);
    *out = NULL;
    kinput_t *k = XZNEW(kinput_t, 1);
    k->kappa = kappa;
    k->kind = kappa == 0 ? KINPUT_OWN : kind;
    k->D = D;
    k->copies = copies;
    k->n_owned = lg->n_owned;
    k->wmax = doubles_for((int64_t)copies * D);
    if (kappa > 0) {
        int rc = khop_create(lg, kappa, KHOP_METHOD_DEFAULT, k->wmax, max_ghost_share, 0, &k->halo);
        if (rc != SAMARL_OK) {
            free(k);
            return rc;
        }
        const khop_t *h = k->halo;
        for (lidx_t i = 0; i < h->n_owned; i++) {
            const int64_t m = h->nb_ptr[i + 1] - h->nb_ptr[i] - 1;
            if (m > k->kmax) k->kmax = m;
        }
        comm_allreduce_int64(&k->kmax, 1, COMM_MAX);
        const size_t rows = (size_t)(h->n_owned + h->n_ghost) + 1;
        k->buf = XZNEW(double, rows *(size_t)k->wmax);
    }
    switch (k->kind) {
    case KINPUT_OWN:
        k->dim = D;
        break;
    case KINPUT_SHELLMEAN:
        k->dim = (kappa + 1) * D;
        break;
    case KINPUT_SLOTS:
        SAMARL_ASSERT(k->kmax < (int64_t)1 << 20);
        k->dim = D * (1 + (int)k->kmax) + (int)k->kmax;
        break;
    }
    *out = k;
    return SAMARL_OK;
}

void kinput_destroy(kinput_t **kp)
{
    kinput_t *k = *kp;
    if (!k) return;
    khop_destroy(&k->halo);
    free(k->buf);
    free(k);
    *kp = NULL;
}

int kinput_dim(const kinput_t *k)
{
    return k->dim;
}

int kinput_kappa(const kinput_t *k)
{
    return k->kappa;
}

int64_t kinput_max_neighbours(const kinput_t *k)
{
    return k->kmax;
}

void kinput_exchange(kinput_t *k, const float *obs, int copies)
{
    SAMARL_ASSERT(copies >= 1 && copies <= k->copies);
    if (!k->halo) {
        k->own = obs;
        return;
    }
    const size_t row = (size_t)copies * (size_t)k->D;
    const int w = doubles_for((int64_t)row);
    for (lidx_t i = 0; i < k->n_owned; i++)
        memcpy(k->buf + (size_t)i * (size_t)w, obs + (size_t)i * row, sizeof(float) * row);
    khop_exchange_doubles(k->halo, k->buf, w);
    k->own = NULL;
}

/* Agent (local index) j's observations of copy c, after the exchange, into
 * dst[D] (copied: the halo holds them as the bytes of doubles). */
static void obs_of(const kinput_t *k, lidx_t j, int copies, int c, float *dst)
{
    const size_t row = (size_t)copies * (size_t)k->D, off = (size_t)c * (size_t)k->D;
    const void *src = k->halo
                          ? (const void *)(k->buf + (size_t)j * (size_t)doubles_for((int64_t)row))
                          : (const void *)(k->own + (size_t)j * row);
    memcpy(dst, (const char *)src + sizeof(float) * off, sizeof(float) * (size_t)k->D);
}

void kinput_build(const kinput_t *k, lidx_t i, int copies, float *x)
{
    enum { DMAX = 64 };
    const int D = k->D, dim = k->dim;
    SAMARL_ASSERT(D <= DMAX);
    float o[DMAX];
    for (int c = 0; c < copies; c++) {
        float *xc = x + (size_t)c * (size_t)dim;
        obs_of(k, i, copies, c, xc);
        if (k->kind == KINPUT_OWN) continue;
        const khop_t *h = k->halo;
        const int64_t lo = h->nb_ptr[i] + 1, hi = h->nb_ptr[i + 1];
        if (k->kind == KINPUT_SHELLMEAN) {
            int64_t e = lo;
            for (int hop = 1; hop <= k->kappa; hop++) {
                double s[DMAX] = {0};
                int64_t cnt = 0;
                for (; e < hi && h->nb_hop[e] == hop; e++, cnt++) {
                    obs_of(k, h->nb_idx[e], copies, c, o);
                    for (int d = 0; d < D; d++) s[d] += o[d];
                }
                float *dst = xc + (size_t)hop * (size_t)D;
                for (int d = 0; d < D; d++) dst[d] = cnt ? (float)(s[d] / (double)cnt) : 0.0f;
            }
        } else { /* slots */
            float *mask = xc + (size_t)D * (size_t)(1 + k->kmax);
            memset(xc + D, 0, sizeof(float) * (size_t)(dim - D));
            for (int64_t e = lo; e < hi; e++) {
                const int64_t s = e - lo;
                obs_of(k, h->nb_idx[e], copies, c, xc + (size_t)D * (size_t)(1 + s));
                mask[s] = 1.0f;
            }
        }
    }
}

int64_t kinput_bytes_per_exchange(const kinput_t *k, int copies)
{
    if (!k->halo) return 0;
    return khop_send_count(k->halo) * (int64_t)doubles_for((int64_t)copies * k->D) *
           (int64_t)sizeof(double);
}

int64_t kinput_messages_per_exchange(const kinput_t *k)
{
    return k->halo ? khop_message_count(k->halo) : 0;
}
