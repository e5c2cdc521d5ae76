/* Policy networks: the state-augmented MLP (the only module that calls BLAS)
 * and the set of policies a rank's agents act with.
 *
 * Network: input -> tanh(hidden) -> tanh(hidden) -> [logits over the
 * actions | value]. All parameters of one network are one float vector
 * (W1[in][H], b1[H], W2[H][H], b2[H], Wh[H][A+1], bh[A+1]); a batch of m
 * samples is a row-major m x in matrix, pushed through OpenBLAS SGEMM. The
 * policy head and the value head share the trunk and one output GEMM. */
#ifndef SAMARL_POLICY_H
#define SAMARL_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "samarl/config.h"
#include "samarl/env.h"
#include "samarl/types.h"

typedef struct mlp {
    int in, hidden, actions, out; /* out = actions + 1 (value) */
    size_t n_params;              /* floats in one network */
    size_t stride;                /* floats between networks (64-byte rows) */
    size_t oW1, ob1, oW2, ob2, oWh, obh;
} mlp_t;

/* Scratch for batches of up to `cap` samples (no allocation per call). */
typedef struct mlp_work {
    int cap;
    float *a1, *a2, *out;  /* [cap][H], [cap][H], [cap][out] */
    float *d1, *d2, *dout; /* gradients w.r.t. the same */
} mlp_work_t;

/* n zeroed floats, 64-byte aligned (free with free()). */
float *alloc_floats(size_t n);

void mlp_shape(mlp_t *m, int in, int hidden, int actions);
/* Initial weights keyed by (seed, key): N(0, 1/fan_in) in the trunk and the
 * value head, N(0, 0.01^2) in the policy head, zero biases. */
void mlp_init(const mlp_t *m, float *p, uint64_t seed, uint64_t key);
void mlp_work_init(mlp_work_t *w, const mlp_t *m, int cap);
void mlp_work_free(mlp_work_t *w);
/* w->out[m][out] = network(x[m][in]); keeps the activations for backward. */
void mlp_forward(const mlp_t *net, const float *p, const float *x, int m, mlp_work_t *w);
/* After mlp_forward on the same x: grad = d(loss)/d(params) given
 * w->dout = d(loss)/d(out). Overwrites grad[n_params]. */
void mlp_backward(const mlp_t *net, const float *p, const float *x, int m, mlp_work_t *w,
                  float *grad);

/* y = tanh y elementwise (relative error below 4e-7; vectorised). */
void tanh_inplace(float *y, size_t n);
/* Numerically stable log-softmax of n logits; returns the entropy. */
double log_softmax(const float *logits, int n, float *logp);
/* The same over m rows of logits[m][stride] (first n columns): logp[m][n],
 * and where not NULL the probabilities prob[m][n] and entropies entropy[m]. */
void log_softmax_rows(const float *logits, int m, int stride, int n, float *logp, float *prob,
                      float *entropy);

/* One Adam step (beta1 0.9, beta2 0.999, eps 1e-8) with bias correction;
 * step counts from 1. */
void adam_update(float *p, const float *g, float *m, float *v, size_t n, int64_t step, double lr);

/* The policies of a rank's agents: per-agent networks (n_nets = agents),
 * one shared network (n_nets = 1), or the analytic best response. */
typedef struct policyset {
    int type; /* policy_type_t */
    int shared;
    mlp_t net;
    lidx_t n_nets;
    float *params;              /* [n_nets][stride] */
    float *obs_mean, *obs_istd; /* [n_nets][in]: x' = (x - mean) * istd */
    double tau, defer_hours;    /* best response */
    mlp_work_t work;
    float *x;       /* [cap][in] normalised observations */
    double *u;      /* [cap] uniforms */
    float *lp, *prob; /* [cap][actions] log-probabilities and probabilities */
} policyset_t;

/* Allocate for n_agents local agents acting in batches of up to `batch`. */
void policyset_init(policyset_t *ps, const config_t *cfg, int n_actions, lidx_t n_agents,
                    int batch);
void policyset_free(policyset_t *ps);
/* The network of local agent i. */
static inline float *policyset_params(const policyset_t *ps, lidx_t i)
{
    return ps->params + (size_t)(ps->shared ? 0 : i) * ps->net.stride;
}
/* Standardise obs[m][in] for agent i into ps->x. */
void policyset_normalize(const policyset_t *ps, lidx_t i, const float *obs, int m, float *x);

/* Action sampling counters: (source, episode * copies + copy, step). */
static inline uint64_t action_counter(int source, uint64_t episode_copy, int64_t t)
{
    return ((uint64_t)source << 46) | (episode_copy << 20) | (uint64_t)t;
}

/* Agent i acts in every copy at step t: obs[copies][ENV_OBS] from
 * env_observe, multipliers lambda[copies]; actions sampled with uniforms
 * keyed by (seed, gid, counter(source, episode * copies + j, t)), or the
 * most likely action with greedy. logp (may be NULL) gets log pi(a),
 * value (may be NULL) the value estimate (networks only). */
void policyset_act(policyset_t *ps, const env_t *e, lidx_t i, int64_t t, const float *obs,
                   const float *lambda, uint64_t seed, int source, int greedy, uint8_t *action,
                   float *logp, float *value);

/* One shared network, one copy: agents i0 .. i0+m-1 act at step t in one
 * batched forward (obs[m][ENV_OBS], m <= the batch given to init). The
 * same actions as policyset_act agent by agent: a row's output does not
 * depend on the rows beside it. */
void policyset_act_shared(policyset_t *ps, const env_t *e, lidx_t i0, int m, int64_t t,
                          const float *obs, uint64_t seed, int source, int greedy, uint8_t *action);

#endif
