/* What the PPO-family trainers share (see ppo_common.h). */
#include "ppo_common.h"

#include <math.h>
#include <stdio.h>

#include "samarl/comm.h"
#include "samarl/error.h"
#include "samarl/fastmath.h"
#include "samarl/h5io.h"
#include "samarl/policy.h"
#include "samarl/rng.h"

/* Fisher-Yates shuffle of 0..S-1 keyed by (gid, iteration, epoch): one
 * counter-based block seeds a SplitMix64 sequence (a counter-based draw per
 * swap cost more than the rest of the shuffle); each 64-bit output gives two
 * 32-bit multiply-shift draws (bias below S / 2^32, 1e-6 at default sizes). */
void ppo_shuffle(int32_t *perm, int S, uint64_t seed, uint64_t gid, uint64_t round)
{
    for (int s = 0; s < S; s++) perm[s] = s;
    const rng_block_t blk = rng_block(seed, RNG_STREAM_PERM, gid, round);
    uint64_t x = ((uint64_t)blk.v[0] << 32) | blk.v[1], z = 0;
    for (int s = S - 1; s > 0; s--) {
        const int k = S - 1 - s;
        if (!(k & 1)) {
            z = (x += 0x9E3779B97F4A7C15ull);
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
            z ^= z >> 31;
        }
        const uint32_t u = (uint32_t)(k & 1 ? z >> 32 : z);
        const uint32_t r = (uint32_t)(((uint64_t)u * (uint64_t)(s + 1)) >> 32);
        const int32_t tmp = perm[s];
        perm[s] = perm[r];
        perm[r] = tmp;
    }
}

/* The clipped surrogate with the entropy bonus of m samples with
 * feature-major logits out[K][ld], averaged: -min(ratio A, clip(ratio) A)
 * - ce H. Writes its gradient w.r.t. the logits to dout[K][ld]; the
 * log-probabilities, probabilities and entropies it computes stay in
 * sc->lsm, psm, hsm, and log pi(a) and whether the ratio was clipped in
 * sc->lpa, clipped. With weights w > 0, each sample's surrogate term is
 * -w min(ratio A, clip(ratio) A) = -min(ratio wA, clip(ratio) wA): its
 * gradient scales by w (the entropy bonus does not). Every loop runs along the samples and vectorises. */
SAMARL_CLONES
void ppo_surrogate(const ppo_batch_t *sc, const float *restrict out, size_t ld, int m, int K,
                   double clip, double entropy, float *restrict dout)
{
    const uint8_t *restrict act = sc->act;
    const float *restrict lp_old = sc->lp_old, *restrict adv = sc->adv;
    float *restrict lpa = sc->lpa, *restrict gpl = sc->gpl, *restrict H = sc->hsm;
    float *restrict lsm = sc->lsm, *restrict psm = sc->psm;
    uint8_t *restrict clipped = sc->clipped;
    const float eps = (float)clip, ce = (float)entropy, im = 1.0f / (float)m;
    log_softmax_cols(out, ld, m, K, lsm, psm, H);
    for (int r = 0; r < m; r++) lpa[r] = 0.0f;
    for (int k = 0; k < K; k++) {
        const float *restrict l = lsm + (size_t)k * ld;
        for (int r = 0; r < m; r++) lpa[r] = act[r] == k ? l[r] : lpa[r];
    }
    for (int r = 0; r < m; r++) {
        const float ratio = exp_f(lpa[r] - lp_old[r]), A = adv[r];
        float rc = ratio < 1.0f - eps ? 1.0f - eps : ratio;
        rc = rc > 1.0f + eps ? 1.0f + eps : rc;
        /* d(-min(ratio A, clip(ratio) A))/d log pi(a): -ratio A when the
         * unclipped term is the minimum, else 0. */
        gpl[r] = ratio * A <= rc * A ? -ratio * A : 0.0f;
        clipped[r] = rc != ratio;
    }
    /* Weighted apart, so that the unweighted loss keeps its bits. */
    if (sc->weight)
        for (int r = 0; r < m; r++) gpl[r] *= sc->weight[r];
    for (int k = 0; k < K; k++) {
        const float *restrict l = lsm + (size_t)k * ld, *restrict pr = psm + (size_t)k * ld;
        float *restrict d = dout + (size_t)k * ld;
        for (int r = 0; r < m; r++) {
            const float hot = act[r] == k ? 1.0f : 0.0f;
            d[r] = im * (gpl[r] * (hot - pr[r]) + ce * pr[r] * (l[r] + H[r]));
        }
    }
}

void ppo_clip_grad(float *g, size_t n, double max_norm)
{
    if (max_norm <= 0) return;
    double sq = 0;
    for (size_t k = 0; k < n; k++) sq += (double)g[k] * g[k];
    const double norm = sqrt(sq);
    if (norm <= max_norm) return;
    const float s = (float)(max_norm / (norm + 1e-6));
    for (size_t k = 0; k < n; k++) g[k] *= s;
}

double ppo_lr_at(const config_t *c, int64_t it)
{
    if (c->train.lr_final < 0 || c->train.iterations <= 1) return c->train.lr;
    double f = (double)it / (double)(c->train.iterations - 1);
    if (f > 1) f = 1;
    return c->train.lr + (c->train.lr_final - c->train.lr) * f;
}

void ppo_warn_clamps(int64_t clamps, int64_t it)
{
    comm_allreduce_int64(&clamps, 1, COMM_SUM);
    if (clamps && comm_rank() == 0)
        fprintf(stderr,
                "samarl train: warning: %lld gradient entries beyond 2^30 were clamped "
                "in iteration %lld (diverging? lower train.lr)\n",
                (long long)clamps, (long long)it);
}

/* ---- the actors' Adam state in the policy file ----------------------------------- */

void ppo_adam_save(pfio_t *io, const float *m, const float *v, int64_t step)
{
    if (!pfio_weights_only(io)) {
        pfio_put_rows(io, "/adam_m", m, "1", "Adam first moments, like /params");
        pfio_put_rows(io, "/adam_v", v, "1", "Adam second moments, like /params");
    }
    h5io_attr_int64(pfio_h5(io), "/", "adam_step", step);
}

int ppo_adam_load(pfio_t *io, float *m, float *v, int64_t *step)
{
    int nd;
    gidx_t dims[2];
    if (h5io_shape(pfio_h5(io), "/adam_m", &nd, dims) != SAMARL_OK) {
        samarl_clearerr();
        return samarl_seterr("%s: holds the networks but no Adam state (it was written with "
                             "train.save_adam = false), so training cannot resume from it; "
                             "it can still be run and evaluated",
                             pfio_path(io));
    }
    if (pfio_check_rows(io, "/adam_m") || pfio_check_rows(io, "/adam_v") ||
        h5io_attr_read_int64(pfio_h5(io), "/", "adam_step", step))
        return SAMARL_ERR;
    pfio_get_rows(io, "/adam_m", m);
    pfio_get_rows(io, "/adam_v", v);
    return SAMARL_OK;
}
