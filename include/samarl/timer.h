/* Phase timers: an enum of handles and a parallel array of names (after CoMD).
 * The report gives min, average and max across ranks, and the rank of the max,
 * so that load imbalance shows. */
#ifndef SAMARL_TIMER_H
#define SAMARL_TIMER_H

#include <stdint.h>
#include <stdio.h>

typedef enum {
    TIMER_TOTAL,      /* whole command */
    TIMER_GRAPH,      /* build or load and validate the graph (rank 0) */
    TIMER_PARTITION,  /* METIS / block / file partition (rank 0) */
    TIMER_DISTRIBUTE, /* scatter rows, renumber, halo plan */
    TIMER_SIGMA,      /* spectral estimate of the mixing matrix */
    TIMER_CONSENSUS,  /* consensus rounds, end to end */
    TIMER_MIX,        /* local part of a round: W x on owned rows */
    TIMER_HALO,       /* halo exchange: pack, post, wait, unpack */
    TIMER_REDUCE,     /* reproducible global reductions */
    TIMER_IO,         /* HDF5 output */
    TIMER_COLLECT,    /* training: rollouts (policy forward + environment) */
    TIMER_UPDATE,     /* training: PPO epochs (forward, backward, Adam) */
    TIMER_EVAL,       /* evaluations at fixed multipliers */
    TIMER_POLICY,     /* run: observations and policy (action choice) */
    TIMER_ENV,        /* run: environment steps and per-step statistics */
    TIMER_DUAL,       /* run: local dual steps and projections */
    TIMER_COUNT
} timer_id_t;

extern const char *const timer_names[TIMER_COUNT];

void timer_start(timer_id_t t);
void timer_stop(timer_id_t t);
/* Seconds accumulated on this rank. */
double timer_seconds(timer_id_t t);
void timer_reset(timer_id_t t);

typedef struct {
    double min, avg, max; /* seconds across ranks */
    int max_rank;         /* a rank that has the max */
    int64_t calls;        /* on rank 0 */
} timer_stats_t;

/* Peak resident memory (getrusage ru_maxrss) in bytes: largest rank, sum. */
typedef struct {
    int64_t max, sum;             /* the whole command */
    int64_t setup_max, setup_sum; /* up to timer_memory_mark_setup (-1: not marked) */
    int64_t after_max, after_sum; /* after it */
} mem_stats_t;

/* Record this rank's peak memory so far as the set-up's and start a new peak
 * (Linux; elsewhere the split is not reported). Call after the set-up. */
void timer_memory_mark_setup(void);

/* Collective. Statistics of every timer across ranks, and of peak memory
 * (then available from timer_memory). */
void timer_reduce(timer_stats_t out[TIMER_COUNT]);
mem_stats_t timer_memory(void);
/* Print the table of timers that ran (call on one rank). */
void timer_print(FILE *f, const timer_stats_t st[TIMER_COUNT]);

#endif
