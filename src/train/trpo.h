/* One trust-region (TRPO) step of a policy network, written once for every
 * trainer that takes one (hatrpo, clip-hatrpo, altmarl-fa; docs/training.md): the
 * Fisher-vector product of the mean KL, conjugate gradient with damping,
 * the step scaled to the KL radius delta, and a backtracking line search
 * that accepts only a KL within the radius and a real improvement (HARL's
 * hatrpo.py, Schulman et al. 2015, Appendix C). Private to src/train.
 *
 * The batch is one agent's samples: inputs (feature-major, as the
 * rollouts hold them), actions, advantages and optional per-sample weights
 * (the sequential trainers' factor). The surrogate is
 *     L(theta) = 1/S sum_s w_s A_s pi_theta(a_s|x_s) / pi_old(a_s|x_s)
 * and the constraint the mean over samples of KL(pi_old(.|x_s) || pi_theta(.|x_s)).
 * Its Fisher matrix at theta_old is exactly the Gauss-Newton form
 *     F = 1/S sum_s J_s^T (diag p_s - p_s p_s^T) J_s,
 * J_s the Jacobian of the logits: a forward-mode pass (J v) and the
 * network's backward pass (J^T u) give F v with no second derivatives.
 * Every sum runs over the samples in a fixed order on one rank, so a step
 * is the same on any number of ranks. */
#ifndef SAMARL_TRAIN_TRPO_H
#define SAMARL_TRAIN_TRPO_H

#include <stddef.h>
#include <stdint.h>

#include "samarl/policy.h"

typedef struct trpo_opts {
    double delta;        /* the KL radius (train.kl_threshold) */
    double damping;      /* F + damping I in conjugate gradient (HARL: 0.1) */
    double accept_ratio; /* improvement / expected improvement to accept (HARL: 0.5) */
    double backtrack;    /* the line search's step factor (HARL: 0.8) */
    double cg_tol;       /* stop conjugate gradient when r.r falls below (HARL: 1e-10) */
    int cg_iters;        /* conjugate-gradient iterations (HARL: 10) */
    int ls_steps;        /* line-search trials (HARL: 10) */
} trpo_opts_t;

/* One agent's samples: inputs x[in][ldx] (feature-major, ldx >= S),
 * actions, advantages and weights [S] (weight NULL: 1). */
typedef struct trpo_batch {
    const float *x;
    size_t ldx;
    int S;
    const uint8_t *act;
    const float *adv, *weight;
} trpo_batch_t;

/* What a step did: accepted (1) or left the network as it was (0), the
 * trial it stopped at (1-based; ls_steps + 1 when none passed), the
 * fraction of the full step taken, the mean KL and the surrogate's
 * improvement of the accepted step, and the expected improvement of the
 * full step (g . step). */
typedef struct trpo_result {
    int accepted, trials, cg_iters;
    double fraction, kl, improvement, expected, step_norm;
} trpo_result_t;

typedef struct trpo {
    const mlp_t *net;
    int S, chunk, K;
    size_t P;
    mlp_work_t work;
    float *lp_old, *p_old;  /* [K][S] the old policy's log-probabilities, probabilities */
    float *a1c, *a2c;       /* [chunks][H][ld] its hidden activations, for fvp and grad */
    float *lsm, *psm;       /* [K][work.ld] scratch */
    float *dz1, *dz2, *dl;  /* forward-mode scratch [H][ld], [H][ld], [K][ld] */
    float *vf, *gradf, *th; /* [P]: a direction, a chunk's gradient, the old parameters */
    double *g, *d, *cgw;    /* [P]: the surrogate's gradient, the direction; [4P] CG's work */
} trpo_t;

/* Defaults of HARL's hatrpo (delta 0.01, damping 0.1, accept 0.5,
 * backtrack 0.8, 10 CG iterations to r.r < 1e-10, 10 trials). */
trpo_opts_t trpo_defaults(void);

/* Work for batches of up to S samples of net, in chunks of `chunk`. */
void trpo_init(trpo_t *t, const mlp_t *net, int S, int chunk);
void trpo_free(trpo_t *t);

/* The old policy: every sample's action probabilities at params (keep
 * params as theta_old until the step is done). */
void trpo_prepare(trpo_t *t, const float *params, const trpo_batch_t *b);

/* out = F v + damping v, F the Fisher matrix of the mean KL at params
 * (= theta_old, after trpo_prepare). */
void trpo_fvp(trpo_t *t, const float *params, const trpo_batch_t *b, const double *v,
              double damping, double *out);

/* The surrogate's gradient at theta_old (after trpo_prepare), into g[P]. */
void trpo_grad(trpo_t *t, const float *params, const trpo_batch_t *b, double *g);

/* The surrogate L (relative to theta_old's probabilities) and the mean KL
 * from theta_old at params. */
void trpo_eval(trpo_t *t, const float *params, const trpo_batch_t *b, double *surr, double *kl);

/* The mean entropy of the policy at params over the batch's samples. */
double trpo_entropy(trpo_t *t, const float *params, const trpo_batch_t *b);

/* Conjugate gradient for A x = rhs (A symmetric positive definite, given
 * by its product av(ctx, v, out)), from x = 0, at most iters iterations or
 * until r.r < tol; work holds 3n doubles. Returns the iterations done. */
typedef void (*trpo_av_fn)(void *ctx, const double *v, double *out);
int trpo_cg(trpo_av_fn av, void *ctx, const double *rhs, double *x, size_t n, int iters, double tol,
            double *work);

/* The step's direction for a gradient g[P] of the surrogate and the
 * product fvp(ctx, v, out) = (F + damping I) v: conjugate gradient (at
 * most o->cg_iters, to r.r < o->cg_tol) into d[P], scaled so that its
 * quadratic KL 1/2 d (F + damping) d is o->delta; *expected = g . d.
 * work holds 4P doubles. Returns 0 (d unscaled, *expected 0) when the
 * quadratic KL is not positive: a zero gradient, nothing to step along.
 * Any policy that can give F v takes its trust-region steps through this
 * and trpo_search (hatrpo's networks here, altmarl-fa's small ones). */
int trpo_direction(trpo_av_fn fvp, void *ctx, const double *g, double *d, size_t P,
                   const trpo_opts_t *o, double *work, double *expected, trpo_result_t *r);

/* The surrogate to maximise and the mean KL from theta_old at params. */
typedef void (*trpo_eval_fn)(void *ctx, const float *params, double *surr, double *kl);

/* Backtracking from params = theta_old (kept in saved[P]) along full
 * (expected: g . full): trial k sets params = theta_old + backtrack^(k-1)
 * full and accepts when the mean KL is below kl_limit, the improvement
 * positive and, when o->accept_ratio > 0, at least accept_ratio times the
 * expected improvement (scaled with the fraction); none accepted: params
 * are restored bit for bit. Returns accepted. */
int trpo_search(trpo_eval_fn eval, void *ctx, float *params, float *saved, size_t P,
                const double *full, double expected, double kl_limit, const trpo_opts_t *o,
                trpo_result_t *r);

/* trpo_search on this network's batch, the KL limit delta. */
int trpo_line_search(trpo_t *t, float *params, const trpo_batch_t *b, const double *full,
                     double expected, const trpo_opts_t *o, trpo_result_t *r);

/* The whole step on params in place: prepare, gradient, conjugate
 * gradient on F + damping I, the step scaled so that its quadratic KL is
 * delta, the line search. Returns accepted. */
int trpo_step(trpo_t *t, float *params, const trpo_batch_t *b, const trpo_opts_t *o,
              trpo_result_t *r);

#endif
