/* Evaluation of a policy set at a fixed multiplier: no dual dynamics, every
 * agent acts with the same lambda for a number of steps in every copy. The
 * noise is the evaluation stream of episode `episode`, so two policies
 * evaluated with the same arguments see the same demand. */
#ifndef SAMARL_EVALUATE_H
#define SAMARL_EVALUATE_H

#include <stdint.h>

#include "samarl/env.h"
#include "samarl/policy.h"

typedef struct eval_result {
    double usage;  /* grid draw per agent per step (kWh) */
    double served; /* served / arrived essential demand */
    double ret;    /* augmented reward r - lambda g per agent per step ($) */
    double reward; /* reward r per agent per step ($) */
} eval_result_t;

/* Collective (reproducible sums over all agents). */
void evaluate(policyset_t *ps, env_t *e, uint64_t seed, double lambda, int64_t steps, int greedy,
              uint64_t episode, eval_result_t *out);

#endif
