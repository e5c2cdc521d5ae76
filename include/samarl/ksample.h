/* Exact k-of-n subsampling (seed 002, ALTERNATING-MARL: a global agent that
 * sees k of the n local agents each step).
 *
 * The k agents of a step are drawn without replacement from a key (seed,
 * episode, step) by Floyd's algorithm (for j = n - k .. n - 1: t uniform in
 * [0, j]; take t, or j when t is taken already), each uniform a Philox draw
 * of (seed, RNG_STREAM_KSAMPLE, episode, step x 2^24 + the draw): every
 * k-subset is equally likely, and every rank draws the same k gids with no
 * communication (O(k) work, whatever n). Each rank then counts the sampled
 * agents it owns by their local state, and one all-reduce of L integers
 * gives the count vector: exact, the same on any number of ranks, L x 8
 * bytes per rank and step however large n is. */
#ifndef SAMARL_KSAMPLE_H
#define SAMARL_KSAMPLE_H

#include <stdint.h>

#include "samarl/types.h"

#define KSAMPLE_MAX_K ((1 << 24) - 1)       /* draws a step can number */
#define KSAMPLE_MAX_STEP ((int64_t)1 << 24) /* steps an episode can number */

typedef struct ksample {
    gidx_t n;       /* agents sampled from */
    int k;          /* agents per sample */
    lidx_t n_owned; /* the rank's agents */
    gidx_t *owned;  /* [n_owned] their gids, ascending */
    lidx_t *local;  /* [n_owned] the local index of each */
    gidx_t *draw;   /* [k] the last sample, in draw order */
    gidx_t *set;    /* [cap] Floyd's set: open addressing, -1 empty */
    int cap;        /* a power of two >= 2 k */
    int64_t mine;   /* sampled agents this rank owned, last count */
} ksample_t;

/* Collective. A sampler of k of n agents for a rank owning the n_owned
 * agents gid[0 .. n_owned) (local index = position). SAMARL_ERR (the same
 * on every rank) with a message naming `what` (the key that asked) when k
 * is not in 1 .. n or above KSAMPLE_MAX_K. */
int ksample_init(ksample_t *ks, gidx_t n, int64_t k, lidx_t n_owned, const gidx_t *gid,
                 const char *what);
void ksample_free(ksample_t *ks);

/* The k agents of (seed, episode, step) into ks->draw (Floyd's order): the
 * same on every rank. A caller with parallel copies keys each copy's sample
 * by its own episode number (episode x copies + copy). step < KSAMPLE_MAX_STEP. */
void ksample_draw(ksample_t *ks, uint64_t seed, uint64_t episode, int64_t step);

/* Collective. The count vector of the last draw: counts[s] = the sampled
 * agents whose state is s, s < L, state[i] the state of owned agent i (a
 * state outside 0 .. L-1 is an internal error); one all-reduce of L int64. */
void ksample_counts(ksample_t *ks, const int32_t *state, int L, int64_t *counts);
/* The same, this rank's share only, added to counts[L] (no reduction): for a
 * caller that reduces it with more of its own in one all-reduce. */
void ksample_counts_local(ksample_t *ks, const int32_t *state, int L, int64_t *counts);

/* The local index of gid on this rank, or -1 (binary search). */
lidx_t ksample_local(const ksample_t *ks, gidx_t gid);

#endif
