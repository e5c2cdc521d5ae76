/* ALTERNATING-MARL with function approximation (seed 002; the public code
 * emiletimothy/alternating-marl, scripts/function_approximation/:
 * training.py, agents.py, run_experiment.py) on its continuous warehouse
 * task (env_warehouse.h), written from that code (docs/training.md lists
 * every constant and where it comes from).
 *
 * The dispatcher is a network from the k-sample's histogram over the 5 bins
 * to its 5 actions; the robots share a policy network and a value network
 * on (s_g, s_l). Each round of the alternation
 *   G-step  draws g_samples starts, each a histogram of k sampled robots
 *           labelled with the true mode (the bin holding the most robots),
 *           and fits the dispatcher by g_epochs full-batch steps of
 *           cross-entropy (Adam, gradients clipped to norm 1);
 *   L-step  runs l_episodes episodes of l_horizon steps with every robot on
 *           the current policy and the dispatcher deterministic, records one
 *           representative robot per episode, and takes one TRPO step on
 *           its samples (normalised advantages against the value network,
 *           conjugate gradient on the Fisher matrix, KL radius max_kl, a
 *           backtracking line search), then fits the value network;
 *   judge   the round's value: the mean discounted return of judge_rollouts
 *           rollouts of judge_horizon steps, both policies deterministic.
 *
 * The robots are split across ranks: per simulated step one k-sample (the
 * same on every rank) and one all-reduce of 5 integers, and in an
 * evaluation one exact sum of the robots' rewards; the networks are
 * replicated and updated from the same gathered data on every rank, so
 * every bit is the same on any number of ranks. */
#ifndef SAMARL_ALTMARL_FA_H
#define SAMARL_ALTMARL_FA_H

#include <stdint.h>

#include "samarl/env_warehouse.h"
#include "samarl/ksample.h"
#include "samarl/tmlp.h"
#include "samarl/types.h"

typedef struct fa_params {
    int64_t k, hidden, g_samples, g_epochs, l_episodes, l_horizon, l_value_epochs;
    int64_t judge_rollouts, judge_horizon;
    double lr, max_kl;
} fa_params_t;

/* The public code's: k 10, hidden 64, 3000 samples x 20 epochs, 120
 * episodes of 40 steps, 5 value epochs, judged by 20 rollouts of 40 steps,
 * lr 3e-3, max_kl 0.01. */
void fa_params_default(fa_params_t *c);

typedef struct fa {
    const warehouse_t *w;
    fa_params_t c;
    uint64_t seed;
    gidx_t n;
    lidx_t n_owned;
    const gidx_t *gid;
    ksample_t ks;
    tmlp_t gnet, pnet, vnet;   /* dispatcher 5-H-H-5, policy 2-H-H-3, value 2-H-H-1 */
    float *gp, *pp, *vp;       /* their parameters */
    double *gm, *gv, *vm, *vv; /* Adam's moments (dispatcher; value) */
    int64_t g_step, v_step;
    double *s;    /* [n_owned] robot positions */
    int32_t *bin; /* [n_owned] their bins */
    uint8_t *act; /* [n_owned] their actions */
    float *x, *y; /* [n_owned] network inputs [2] and outputs [3] */
    int rounds, cap;
    double *history; /* [cap] each round's judged value */
    /* The last round: the G-step's loss and accuracy on its samples, the
     * TRPO step's KL and whether the line search accepted it, the mean
     * policy entropy on the L-step's samples, the value fit's MSE. */
    double g_loss, g_acc, l_kl, l_entropy, v_loss;
    int l_accepted;
} fa_t;

/* Collective. Refused on every rank (SAMARL_ERR, naming `what`.k) unless
 * 1 <= k <= n < 2^32 and what it needs fits in memory. The networks start
 * as PyTorch's nn.Linear, keyed by seed. */
int fa_init(fa_t *a, const warehouse_t *w, const fa_params_t *c, gidx_t n, lidx_t n_owned,
            const gidx_t *gid, uint64_t seed, const char *what);
void fa_free(fa_t *a);
/* Collective. One round of the alternation (G-step, L-step, judge);
 * returns its judged value (also a->history[a->rounds - 1]). */
double fa_round(fa_t *a);

enum { FA_RANDOM_G = 1, FA_RANDOM_L = 2 }; /* uniform actions instead of a policy */
/* Collective. The mean discounted return of `rollouts` rollouts of
 * `horizon` steps at evaluation seed (< 2^19; rollouts < 2^11), both
 * policies deterministic (argmax), or uniform where `random` says;
 * each rollout's return into each[rollouts] (may be NULL). */
double fa_evaluate(fa_t *a, uint64_t seed, int rollouts, int horizon, int random, double *each);
/* Collective. The share of `samples` fresh starts (seed < 2^14, samples <
 * 2^16) where the dispatcher's action on the k-sample's histogram is the
 * true mode (the public single_step_mode_accuracy). */
double fa_mode_accuracy(fa_t *a, uint64_t seed, int samples);

#endif
