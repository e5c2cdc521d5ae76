/* ALTERNATING-MARL's tabular algorithm (seed 002; Anand and Karmarkar,
 * arXiv 2603.03759; the public code emiletimothy/alternating-marl,
 * scripts/alternating_marl.py, global_agent_optimizer.py,
 * local_agent_optimizer.py, marl_example.py, hyperparameters.json) on its
 * multi-robot task, written from that code (docs/training.md lists every
 * constant and where it comes from).
 *
 * One global agent (the dispatcher: 5 zones, 5 actions "steer to zone a")
 * and n homogeneous local agents (5 positions on a ring, actions stay / up /
 * down). The dispatcher sees its zone and the count vector of k local
 * agents sampled without replacement (ksample.h); the local agents see their
 * position and the zone. Training alternates
 *   G-LEARN  value iteration on (zone, count vector), C(k + 4, 4) count
 *            vectors, the count vector moving to the largest-remainder
 *            rounding of its mean-field expectation under the frozen local
 *            policy (100 backups), the greedy dispatcher;
 *   L-LEARN  value iteration on (zone, position) against the frozen
 *            dispatcher, its zone moves averaged over 200 count vectors
 *            drawn multinomial(k, mu), mu the local policy's mean field
 *            (50 power iterations, zones uniform); 100 backups and one
 *            more, then the softmax policy of temperature
 *            max(0.3, (max Q - min Q) / 3);
 * with the public code's keep-best / revert (a value more than 1% below
 * the best) and stopping rule (two consecutive values within 1%), at most
 * 5 rounds, each judged by 20 rollouts of 30 steps.
 *
 * The evaluation runs the n local agents split across ranks: each step one
 * k-sample (the same on every rank) and one all-reduce of 20 integers (the
 * sample's counts and every agent's (position, action) counts, from which
 * the mean local reward follows exactly), so the result is the same on any
 * number of ranks and the bytes per step do not depend on n. Draws are
 * samarl's keyed Philox, not numpy's: the curves agree with the public
 * code's statistically, not draw for draw. */
#ifndef SAMARL_ALTMARL_H
#define SAMARL_ALTMARL_H

#include <stdint.h>

#include "samarl/env_robots.h"
#include "samarl/ksample.h"
#include "samarl/types.h"

enum { ALTMARL_ROUNDS = 5 };                          /* the public code's cap on the alternation */
enum { ALTMARL_ROLLOUTS = 20, ALTMARL_HORIZON = 30 }; /* its judge of each round */

/* Count vectors of k agents over 5 states, in the public code's order
 * (itertools.combinations_with_replacement: descending lexicographic order
 * of the counts), ranked combinatorially. */
int64_t altmarl_n_counts(int k);
int64_t altmarl_rank(int k, const int32_t *c);
void altmarl_unrank(int k, int64_t r, int32_t *c);
/* Largest-remainder rounding of x[5] (summing to k) to counts c[5]: the
 * floors, then one more to the largest remainders, ties to the lower state. */
void altmarl_round(int k, const double *x, int32_t *c);

typedef struct altmarl {
    const robots_t *env;
    int k;
    int64_t nc;     /* count vectors, C(k + 4, 4) */
    int64_t d0, d1; /* this rank's block of them: G-LEARN's tables are split across ranks */
    int32_t *pi_g;  /* [nc][ROB_SG] the dispatcher's action per (count vector, zone) */
    double pi_l[ROB_SG][ROB_SL][ROB_AL]; /* the local policy, per (zone, position) */
    double *V;                           /* [nc][ROB_SG] G-LEARN's values (every rank) */
    int64_t *next;   /* [d1 - d0][ROB_SG] the rounded next count vector (this block) */
    double *R, *blk; /* [d1 - d0][ROB_SG] the mean local reward; a block of values */
    int32_t *blk_g;  /* [d1 - d0][ROB_SG] a block of the dispatcher */
    uint64_t seed;
    double mu[ROB_SL];     /* L-LEARN's last mean field */
    int max_rounds;        /* the alternation's cap (altmarl_train; the public code's 5) */
    int stop;              /* 1: stop on two consecutive values within 1% (the public code) */
    int rollouts, horizon; /* each round's judge (the public code's 20 x 30) */
    /* The alternation's state: rounds run, their judged values, whether
     * it has stopped, the value of the policies now held, and the best
     * round's policies (what a value more than 1% below is reverted to). */
    int rounds, stopped, cap;
    double *history; /* [cap] */
    double value, best;
    int32_t *best_g; /* [d1 - d0][ROB_SG] this block of the dispatcher at the best round */
    double best_l[ROB_SG][ROB_SL][ROB_AL];
} altmarl_t;

/* The bytes a rank's tables take for k of n on P ranks (the guard's figure). */
double altmarl_bytes(int64_t k, int P);

/* Collective. Refused on every rank (SAMARL_ERR, naming `what`) unless
 * 1 <= k <= n and the tables fit in memory (altmarl_bytes): C(k + 4, 4) x 5
 * x 28 bytes on every rank, and x 24 more split across the ranks. */
int altmarl_init(altmarl_t *a, const robots_t *env, int64_t k, gidx_t n, uint64_t seed,
                 const char *what);
void altmarl_free(altmarl_t *a);
/* Collective. The dispatcher's best response to the local policy: each
 * rank backs up its block of count vectors, and the values are gathered
 * after every backup (the same bits on any number of ranks). */
void altmarl_glearn(altmarl_t *a);
/* The local agents' softmax best response to the dispatcher. */
void altmarl_llearn(altmarl_t *a);

/* The local agents of one rank: n in all, this rank's n_owned gids, the
 * sampler of k of them, states and actions per owned agent. */
typedef struct altmarl_pop {
    gidx_t n;
    lidx_t n_owned;
    const gidx_t *gid;
    ksample_t ks;
    int32_t *s, *act;
} altmarl_pop_t;

/* Collective. */
int altmarl_pop_init(altmarl_pop_t *p, gidx_t n, int k, lidx_t n_owned, const gidx_t *gid);
void altmarl_pop_free(altmarl_pop_t *p);

/* Collective. The mean over `rollouts` rollouts of `horizon` steps of the
 * discounted return sum_t gamma^t (r_g + mean_i r_l), evaluation `seed`
 * (the public code's evaluate: zone uniform, positions from a
 * Dirichlet(0.3) profile; the local agents move with the zone's next value,
 * as the public simulator does). bytes (may be NULL) gets the bytes each
 * rank reduced per step. */
double altmarl_evaluate(altmarl_t *a, altmarl_pop_t *p, uint64_t seed, int rollouts, int horizon,
                        int64_t *bytes);

/* Collective. One round of the alternation (a->stopped must be 0):
 * G-LEARN, L-LEARN, and the round's value judged by a->rollouts rollouts
 * of a->horizon steps (evaluation seed = the round's index); the best
 * round's policies are kept and a value more than 1% below the best is
 * reverted to them; with a->stop, two consecutive values within 1% stop
 * the alternation (a->stopped). Returns the round's value. */
double altmarl_alternate(altmarl_t *a, altmarl_pop_t *p);

/* Collective. Rounds until stopped or a->max_rounds have run (the public
 * code's alternation). Returns the rounds run. */
int altmarl_train(altmarl_t *a, altmarl_pop_t *p);

#endif
