/* Small dense networks: in -> tanh(H) -> tanh(H) -> out, float parameters,
 * for the function-approximation trainers whose networks are few and
 * replicated on every rank (seed 002's dispatcher and its robots' policy
 * and value), with the gradient, the forward-mode product J v that a
 * trust region's Fisher-vector product needs, and Adam as PyTorch's
 * torch.optim.Adam. Every sample's outputs are computed alone, in a fixed
 * order, so they do not depend on the batch they come in; sums over
 * samples go in sample order in double.
 *
 * Parameters, packed: W1[in][H], b1[H], W2[H][H], b2[H], W3[H][out], b3[out]. */
#ifndef SAMARL_TMLP_H
#define SAMARL_TMLP_H

#include <stddef.h>
#include <stdint.h>

#define TMLP_MAX_HIDDEN 1024 /* units per layer, at most (a call's scratch is on the stack) */

typedef struct tmlp {
    int in, hidden, out;
    size_t n_params;
    size_t w1, b1, w2, b2, w3, b3; /* offsets into the parameters */
} tmlp_t;

void tmlp_shape(tmlp_t *t, int in, int hidden, int out);
/* PyTorch's nn.Linear initialisation: every weight and bias U(-1/sqrt(fan_in),
 * 1/sqrt(fan_in)), drawn keyed by (seed, stream, key, parameter index). */
void tmlp_init(const tmlp_t *t, float *p, uint64_t seed, uint32_t stream, uint64_t key);
/* n samples x[n][in] -> y[n][out]; h1, h2 [n][hidden] keep the activations
 * for tmlp_backward and tmlp_jvp (NULL: not kept, any n). */
void tmlp_forward(const tmlp_t *t, const float *p, int64_t n, const float *x, float *h1, float *h2,
                  float *y);
/* g[n_params] += sum over the n samples of (d loss / d y[s]) . (d y[s] / d p),
 * dy[n][out] given, from the activations of tmlp_forward. */
void tmlp_backward(const tmlp_t *t, const float *p, int64_t n, const float *x, const float *h1,
                   const float *h2, const double *dy, double *g);
/* jy[n][out] = (d y[s] / d p) v, the outputs' derivative along v[n_params]. */
void tmlp_jvp(const tmlp_t *t, const float *p, int64_t n, const float *x, const float *h1,
              const float *h2, const double *v, double *jy);

/* Adam over n parameters (torch.optim.Adam, betas 0.9, 0.999, eps 1e-8):
 * step is the count before this step; m, v its moments. */
void tmlp_adam(size_t n, float *p, const double *g, double *m, double *v, int64_t step, double lr);
/* torch.nn.utils.clip_grad_norm_: g scaled by max / (|g| + 1e-6) when that is below 1. */
void tmlp_clip(size_t n, double *g, double max_norm);

#endif
