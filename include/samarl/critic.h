/* The centralised critic of train.algo = mappo-l (src/nn/mlp_critic.c, BLAS):
 * a value network on the global state, in -> tanh(H) -> tanh(H) -> 1. */
#ifndef SAMARL_CRITIC_H
#define SAMARL_CRITIC_H

#include <stddef.h>
#include <stdint.h>

/* Parameters W1[in][H], b1[H], W2[H][H],
 * b2[H], w3[H], b3. Batches are sample-major: sample r's inputs at
 * x[r * ldx], ldx >= in. */
typedef struct critic {
    int in, hidden;
    size_t n_params;
    size_t oW1, ob1, oW2, ob2, ow3, ob3;
} critic_t;

typedef struct critic_work {
    int cap;
    float *a1, *a2; /* [cap][H] activations */
    float *d1, *d2; /* [cap][H] gradients w.r.t. the pre-activations */
    float *v, *dv;  /* [cap] values; d(loss)/d(value), set by the caller */
} critic_work_t;

void critic_shape(critic_t *c, int in, int hidden);
/* N(0, 1/fan_in) weights keyed by (seed, key), zero biases. */
void critic_init(const critic_t *c, float *p, uint64_t seed, uint64_t key);
void critic_work_init(critic_work_t *w, const critic_t *c, int cap);
void critic_work_free(critic_work_t *w);
/* w->v[0..m) = V(x rows 0..m-1); keeps the activations for backward. */
void critic_forward(const critic_t *c, const float *p, const float *x, size_t ldx, int m,
                    critic_work_t *w);
/* After critic_forward on the same x: grad[n_params] = d(loss)/d(params)
 * given w->dv[0..m). */
void critic_backward(const critic_t *c, const float *p, const float *x, size_t ldx, int m,
                     critic_work_t *w, float *grad);

#endif
