/* What the PPO-family trainers (src/train/ppo.c, mappo_l.c) share: the
 * clipped surrogate, the minibatch order, gradient clipping, the learning
 * rate schedule and the actors' Adam state in the policy file. Private to
 * src/train. */
#ifndef SAMARL_TRAIN_PPO_COMMON_H
#define SAMARL_TRAIN_PPO_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "samarl/config.h"
#include "samarl/policyfile.h"

/* Actions drawn while training: action_counter's source. */
enum { PPO_SOURCE_TRAIN = 0 };

/* The minibatch order of one agent in one epoch: a permutation of 0..S-1
 * keyed by (seed, gid, round), round = iteration * epochs + epoch. */
void ppo_shuffle(int32_t *perm, int S, uint64_t seed, uint64_t gid, uint64_t round);

/* A minibatch for the clipped surrogate: actions, old log-probabilities and
 * advantages [m], optional positive per-sample weights [m] (NULL: all 1;
 * the sequential, HAPPO-style trainers weigh each agent's surrogate by the
 * ratios of the agents updated before it), and scratch: log-probabilities
 * and probabilities [K][ld], entropies, log pi(a), d loss / d log pi(a) and
 * clipped flags [m]. */
typedef struct ppo_batch {
    const uint8_t *act;
    const float *lp_old, *adv, *weight;
    float *lsm, *psm, *hsm, *lpa, *gpl;
    uint8_t *clipped;
} ppo_batch_t;

/* Gradient of the clipped surrogate with entropy bonus (averaged over m)
 * w.r.t. the K feature-major logits out[K][ld], into dout[K][ld]. */
void ppo_surrogate(const ppo_batch_t *b, const float *out, size_t ld, int m, int K, double clip,
                   double entropy, float *dout);

/* Scale g[0..n) so that its norm is at most max_norm (no-op if <= 0). */
void ppo_clip_grad(float *g, size_t n, double max_norm);
/* train.lr, falling linearly to train.lr_final (if >= 0) over the run. */
double ppo_lr_at(const config_t *cfg, int64_t it);

/* Collective. All ranks' count of gradient entries clamped by an exact sum
 * in iteration it; rank 0 warns when there were any. */
void ppo_warn_clamps(int64_t clamps, int64_t it);

/* The actor networks' Adam state: moments [n_nets][stride] beside the
 * policyset's networks (/adam_m, /adam_v, root attribute adam_step). */
void ppo_adam_save(pfio_t *io, const float *m, const float *v, int64_t step);
/* Refuses a file without it (written with train.save_adam = false). */
int ppo_adam_load(pfio_t *io, float *m, float *v, int64_t *step);

#endif
