/* The factor of the sequential (HAPPO-style) update: before agent i_m
 * updates, each sample s of the iteration carries the product of the
 * ratios pi_new(a_s) / pi_old(a_s) of the agents i_1 .. i_{m-1} updated
 * before it, and agent i_m's surrogate weighs sample s by a function of it
 * (train.factor; docs/training.md):
 *     prod   the product itself (HAPPO, HATRPO)
 *     clip1  min(product, 1) (clip-HAPPO, clip-HATRPO: seed 003's public
 *            code, torch.clamp(factor, max=1); the unclipped product is
 *            what is carried on to the next agent)
 *     none   1 (the agents update independently)
 * The product is carried as an exact fixed-point sum of log ratios (int64,
 * 2^-32 units, saturated at +-2^62), so that it is the same whichever rank
 * adds which term. Private to src/train. */
#ifndef SAMARL_TRAIN_SEQFACTOR_H
#define SAMARL_TRAIN_SEQFACTOR_H

#include <stdint.h>

/* The order of train.factor's values. */
enum { SEQF_PROD, SEQF_CLIP1, SEQF_NONE };

#define SEQF_ONE 4294967296.0       /* 2^32: one unit of log in the fixed point */
#define SEQF_MAX ((int64_t)1 << 62) /* saturation */

/* log ratio -> fixed point (nearest). */
int64_t seqf_log(double log_ratio);
/* a + b, saturated; a saturation counts one in *clamps. */
int64_t seqf_add(int64_t a, int64_t b, int64_t *clamps);

/* x in the fixed point, within +-bound (a saturation counts one in
 * *clamps): a term of an exact sum of at most SEQF_MAX / bound terms,
 * which then cannot overflow. */
int64_t seqf_term(double x, int64_t bound, int64_t *clamps);

/* The weights w[S] of factors with logs L[S] under mode; the largest factor before the clip and the
 * largest weight into *max_factor, *max_weight (exp of a log beyond +-80 is taken at
 * +-80; max_factor reports the unclipped log's exp, which may be inf). */
void seqf_weights(int mode, const int64_t *L, int S, float *w, double *max_factor,
                  double *max_weight);

#endif
