/* Policy networks: the state-augmented MLP (the only module that calls BLAS)
 * and the set of policies a rank's agents act with.
 *
 * Network: input -> tanh(hidden) -> tanh(hidden) -> [logits over the
 * actions | value]. All parameters of one network are one float vector
 * (W1[in][H], b1[H], W2[H][H], b2[H], Wh[H][A+1], bh[A+1]). A batch of m
 * samples is feature-major: feature f of sample s at x[f * ld + s], ld a
 * multiple of 16. Two kernels compute it (policy.kernel): fused AVX-512
 * (src/nn/mlp_avx512.c: one pass of register-blocked FMAs per layer with the
 * bias and tanh applied in registers) and OpenBLAS SGEMM plus element-wise
 * loops. They agree to rounding, not bit for bit; each is deterministic and
 * independent of the rank count. The policy head and the value head share
 * the trunk and one output layer. */
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
    int kernel; /* KERNEL_AVX512 or KERNEL_BLAS */
} mlp_t;

/* Feature-major scratch for batches of up to `cap` samples (no allocation
 * per call); every array has rows of ld = cap rounded up to 16 floats. */
typedef struct mlp_work {
    int cap, ld;
    float *x;              /* [in][ld] the inputs, filled by the caller */
    float *a1, *a2, *out;  /* [H][ld], [H][ld], [out][ld] */
    float *d1, *d2, *dout; /* gradients w.r.t. the same */
    float *wt;             /* [max(H, out)][H] a transposed weight matrix */
} mlp_work_t;

/* n zeroed floats, 64-byte aligned (free with free()). */
float *alloc_floats(size_t n);

/* Shape and offsets; the kernel is the fastest this CPU runs. */
void mlp_shape(mlp_t *m, int in, int hidden, int actions);
/* Use kernel KERNEL_AUTO | KERNEL_AVX512 | KERNEL_BLAS; SAMARL_ERR (with a
 * message) when the CPU cannot run the one asked for. */
int mlp_set_kernel(mlp_t *m, int kernel);
const char *mlp_kernel_name(int kernel);
/* Initial weights keyed by (seed, key): N(0, 1/fan_in) in the trunk and the
 * value head, N(0, 0.01^2) in the policy head, zero biases. */
void mlp_init(const mlp_t *m, float *p, uint64_t seed, uint64_t key);
void mlp_work_init(mlp_work_t *w, const mlp_t *m, int cap);
void mlp_work_free(mlp_work_t *w);
/* w->out[out][ld] = network(w->x[in][ld]) for samples 0..m-1; keeps the
 * activations for backward. */
void mlp_forward(const mlp_t *net, const float *p, int m, mlp_work_t *w);
/* After mlp_forward: grad = d(loss)/d(params) given w->dout = d(loss)/d(out)
 * for samples 0..m-1 (lanes from m to the next multiple of 16 are zeroed).
 * Overwrites grad[n_params]. */
void mlp_backward(const mlp_t *net, const float *p, int m, mlp_work_t *w, float *grad);
/* w->out column s = network(w->x column s), the bits of mlp_forward's;
 * the activations are not kept (acting only). */
void mlp_forward_sample(const mlp_t *net, const float *p, mlp_work_t *w, int s);
/* The kernels behind them. */
void mlp_forward_avx512(const mlp_t *net, const float *p, int m, mlp_work_t *w);
void mlp_forward1_avx512(const mlp_t *net, const float *p, mlp_work_t *w, int s);
void mlp_backward_avx512(const mlp_t *net, const float *p, int m, mlp_work_t *w, float *grad);

/* y = tanh y elementwise (relative error below 4e-7; vectorised). */
void tanh_inplace(float *y, size_t n);
/* Numerically stable log-softmax of n logits; returns the entropy. */
double log_softmax(const float *logits, int n, float *logp);
/* The same for m samples of feature-major logits[n][ld]: logp[n][ld],
 * prob[n][ld] and, where not NULL, entropy[m]. */
void log_softmax_cols(const float *logits, size_t ld, int m, int n, float *logp, float *prob,
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
    mlp_work_t work;            /* work.x: the normalised observations */
    double *u;                  /* [cap] uniforms */
    float *lp, *prob;           /* [actions][work.ld] log-probabilities and probabilities */
} policyset_t;

/* Allocate for n_agents local agents of an environment that declares
 * `spec` (observation size, actions), acting in batches of up to `batch`.
 * Collective: policy.type = bestresponse on an environment without an
 * analytic policy fails every rank with a message. */
void policyset_init(policyset_t *ps, const config_t *cfg, const env_spec_t *spec, lidx_t n_agents,
                    int batch);
void policyset_free(policyset_t *ps);
/* Collective (shared networks). Networks to start training from: weights
 * keyed by (run.seed, gid), or UINT64_MAX for the shared one, and with
 * policy.normalize the observation statistics of one probe episode of env
 * (its train.copies copies) with random actions and multipliers, summed
 * exactly over every agent for a shared network. Every trainer starts its
 * actors here, so they start the same under every train.algo. */
void policyset_init_fresh(policyset_t *ps, env_t *e, const config_t *cfg);
/* The same for networks whose input is wider than the observation (a
 * kappa-hop input, kinput.h): `blocks` copies of the observation's
 * features, normalised alike, then features left as they are. */
void policyset_init_fresh_blocks(policyset_t *ps, env_t *e, const config_t *cfg, int blocks);
/* The network of local agent i. */
static inline float *policyset_params(const policyset_t *ps, lidx_t i)
{
    return ps->params + (size_t)(ps->shared ? 0 : i) * ps->net.stride;
}
/* Standardise obs[m][in] for agent i into the feature-major ps->work.x. */
void policyset_normalize(policyset_t *ps, lidx_t i, const float *obs, int m);

/* Action sampling counters: (source, episode * copies + copy, step). */
static inline uint64_t action_counter(int source, uint64_t episode_copy, int64_t t)
{
    return ((uint64_t)source << 46) | (episode_copy << 20) | (uint64_t)t;
}

/* Agent i acts in every copy at step t: obs[copies][in] from
 * env_observe, multipliers lambda[copies]; actions sampled with uniforms
 * keyed by (seed, gid, counter(source, episode * copies + j, t)), or the
 * most likely action with greedy. logp (may be NULL) gets log pi(a),
 * value (may be NULL) the value estimate (networks only). */
void policyset_act(policyset_t *ps, const env_t *e, lidx_t i, int64_t t, const float *obs,
                   const float *lambda, uint64_t seed, int source, int greedy, uint8_t *action,
                   float *logp, float *value);

/* One copy: agents i0 .. i0+m-1 act at step t (obs[m][in], m <= the
 * batch given to init), a shared network in one batched forward, per-agent
 * networks one sample each (the next agents' weights prefetched), then one
 * log-softmax and the uniforms for all. The same actions as policyset_act
 * agent by agent: a row's output does not depend on the rows beside it. */
void policyset_act_agents(policyset_t *ps, const env_t *e, lidx_t i0, int m, int64_t t,
                          const float *obs, uint64_t seed, int source, int greedy, uint8_t *action);

#endif
