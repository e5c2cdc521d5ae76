/* Exact k-of-n subsampling (ksample.h): Floyd's algorithm on keyed draws,
 * then one integer all-reduce of the count vector. */
#include "samarl/ksample.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/error.h"
#include "samarl/rng.h"

typedef struct {
    gidx_t gid;
    lidx_t local;
} owned_t;

static int by_gid(const void *a, const void *b)
{
    const gidx_t x = ((const owned_t *)a)->gid, y = ((const owned_t *)b)->gid;
    return (x > y) - (x < y);
}

int ksample_init(ksample_t *ks, gidx_t n, int64_t k, lidx_t n_owned, const gidx_t *gid,
                 const char *what)
{
    memset(ks, 0, sizeof *ks);
    if (k < 1 || k > n || k > KSAMPLE_MAX_K)
        return samarl_seterr("%s = %" PRId64 ": a sample of k agents needs 1 <= k <= n = %" PRId64
                             " (the agents sampled from)%s",
                             what, k, (int64_t)n,
                             k > KSAMPLE_MAX_K && k <= n ? ", and at most 16777215" : "");
    ks->n = n;
    ks->k = (int)k;
    ks->n_owned = n_owned;
    owned_t *o = XNEW(owned_t, (size_t)(n_owned > 0 ? n_owned : 1));
    for (lidx_t i = 0; i < n_owned; i++) o[i] = (owned_t){gid[i], i};
    qsort(o, (size_t)n_owned, sizeof *o, by_gid);
    ks->owned = XNEW(gidx_t, (size_t)(n_owned > 0 ? n_owned : 1));
    ks->local = XNEW(lidx_t, (size_t)(n_owned > 0 ? n_owned : 1));
    for (lidx_t i = 0; i < n_owned; i++) {
        ks->owned[i] = o[i].gid;
        ks->local[i] = o[i].local;
        SAMARL_ASSERT(o[i].gid >= 0 && o[i].gid < n && (i == 0 || o[i].gid > o[i - 1].gid));
    }
    free(o);
    ks->draw = XNEW(gidx_t, (size_t)k);
    ks->cap = 2;
    while (ks->cap < 2 * k) ks->cap *= 2;
    ks->set = XNEW(gidx_t, (size_t)ks->cap);
    return SAMARL_OK;
}

void ksample_free(ksample_t *ks)
{
    free(ks->owned);
    free(ks->local);
    free(ks->draw);
    free(ks->set);
    memset(ks, 0, sizeof *ks);
}

/* Insert g into Floyd's set; 0 if it was there already. */
static int set_insert(ksample_t *ks, gidx_t g)
{
    const uint64_t mask = (uint64_t)ks->cap - 1;
    uint64_t h = ((uint64_t)g * 0x9E3779B97F4A7C15ULL) >> 20;
    for (;; h++) {
        gidx_t *e = &ks->set[h & mask];
        if (*e == g) return 0;
        if (*e < 0) {
            *e = g;
            return 1;
        }
    }
}

void ksample_draw(ksample_t *ks, uint64_t seed, uint64_t episode, int64_t step)
{
    SAMARL_ASSERT(step >= 0 && step < KSAMPLE_MAX_STEP);
    for (int q = 0; q < ks->cap; q++) ks->set[q] = -1;
    const gidx_t n = ks->n;
    const int k = ks->k;
    for (int i = 0; i < k; i++) {
        const gidx_t j = n - k + i; /* t uniform in [0, j] */
        const rng_block_t b =
            rng_block(seed, RNG_STREAM_KSAMPLE, episode, ((uint64_t)step << 24) | (uint64_t)i);
        const gidx_t t = (gidx_t)rng_below(b.v[0], b.v[1], (uint64_t)j + 1);
        const gidx_t g = set_insert(ks, t) ? t : j;
        if (g == j && t != j) set_insert(ks, j); /* t was taken: j, never drawn before, joins */
        ks->draw[i] = g;
    }
}

lidx_t ksample_local(const ksample_t *ks, gidx_t gid)
{
    lidx_t lo = 0, hi = ks->n_owned;
    while (lo < hi) {
        const lidx_t mid = lo + (hi - lo) / 2;
        if (ks->owned[mid] < gid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < ks->n_owned && ks->owned[lo] == gid ? ks->local[lo] : -1;
}

void ksample_counts(ksample_t *ks, const int32_t *state, int L, int64_t *counts)
{
    memset(counts, 0, sizeof(int64_t) * (size_t)L);
    ksample_counts_local(ks, state, L, counts);
    comm_allreduce_int64(counts, (size_t)L, COMM_SUM);
}

void ksample_counts_local(ksample_t *ks, const int32_t *state, int L, int64_t *counts)
{
    ks->mine = 0;
    for (int i = 0; i < ks->k; i++) {
        const lidx_t l = ksample_local(ks, ks->draw[i]);
        if (l < 0) continue;
        SAMARL_ASSERT(state[l] >= 0 && state[l] < L);
        counts[state[l]]++;
        ks->mine++;
    }
}
