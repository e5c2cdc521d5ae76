/* mappo-l's building blocks: exact gradient sums of hard entries, the same
 * bits in any order and on any number of ranks; the centralised critic's
 * gradient by finite differences on sample-major batches with padded rows
 * (and a wrong gradient caught); a sample's value independent of the other
 * samples; Adam on the critic fitting a regression target. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/critic.h"
#include "samarl/reprosum.h"
#include "samarl/policy.h"
#include "samarl/rng.h"
#include "tap.h"

enum { IN = 23, LDX = 32, H = 5, M = 9 };

static float X[M * LDX];
static double Y[M];

static void make_problem(void)
{
    for (int r = 0; r < M; r++) {
        for (int c = 0; c < LDX; c++)
            X[r * LDX + c] =
                c < IN ? (float)(2.0 * rng_uniform(5, RNG_STREAM_TEST, 1, (uint64_t)(r * LDX + c)) -
                                 1.0)
                       : 1e30f; /* padding: must never be read */
        Y[r] = rng_uniform(5, RNG_STREAM_TEST, 2, (uint64_t)r) * 2 - 1;
    }
}

/* sum_r (v_r - y_r)^2; its gradient w.r.t. the values to w->dv. */
static double loss(const critic_t *c, const float *p, critic_work_t *w, int set_dv)
{
    critic_forward(c, p, X, LDX, M, w);
    double L = 0;
    for (int r = 0; r < M; r++) {
        const double d = w->v[r] - Y[r];
        L += d * d;
        if (set_dv) w->dv[r] = (float)(2 * d);
    }
    return L;
}

static void gradient_check(void)
{
    critic_t c;
    critic_shape(&c, IN, H);
    TAP_OK(c.n_params == (size_t)(IN * H + H + H * H + H + H + 1),
           "critic parameter count %zu = W1 + b1 + W2 + b2 + w3 + b3", c.n_params);
    float *p = alloc_floats(c.n_params), *g = alloc_floats(c.n_params);
    critic_init(&c, p, 3, 0);
    int nonzero = 0;
    for (size_t k = 0; k < c.ob1; k++) nonzero += p[k] != 0.0f;
    TAP_OK(nonzero == (int)c.ob1, "initial first-layer weights are drawn (none zero)");
    for (size_t k = 0; k < c.n_params; k++) /* larger biases exercise every gradient */
        p[k] += (float)(0.6 * (rng_uniform(5, RNG_STREAM_TEST, 3, k) - 0.5));
    make_problem();
    critic_work_t w;
    critic_work_init(&w, &c, M);
    loss(&c, p, &w, 1);
    critic_backward(&c, p, X, LDX, M, &w, g);
    int bad = 0;
    double worst = 0;
    for (size_t k = 0; k < c.n_params; k++) {
        const float keep = p[k], h = 1e-2f;
        p[k] = keep + h;
        const double lp = loss(&c, p, &w, 0);
        p[k] = keep - h;
        const double lm = loss(&c, p, &w, 0);
        p[k] = keep;
        const double fd = (lp - lm) / (2.0 * h);
        const double err = fabs(fd - g[k]) / (fabs(fd) + fabs(g[k]) + 1e-2);
        if (err > worst) worst = err;
        bad += err > 2e-2;
    }
    TAP_OK(bad == 0 && isfinite(worst),
           "finite differences agree with backprop on all %zu critic parameters (worst relative "
           "error %.2g; padded rows never read)",
           c.n_params, worst);

    /* A wrong value gradient must be caught. */
    loss(&c, p, &w, 1);
    w.dv[0] *= 2.0f;
    critic_backward(&c, p, X, LDX, M, &w, g);
    const float keep = p[c.ob3];
    p[c.ob3] = keep + 1e-2f;
    const double lp = loss(&c, p, &w, 0);
    p[c.ob3] = keep - 1e-2f;
    const double lm = loss(&c, p, &w, 0);
    p[c.ob3] = keep;
    TAP_OK(fabs((lp - lm) / 2e-2 - g[c.ob3]) > 1e-3, "the check detects a wrong gradient");

    /* A sample's value does not depend on the other samples of a batch of
     * the same shape (the trainer's shapes depend only on the sample
     * counts, never on the rank count; OpenBLAS may round another shape
     * differently). */
    critic_forward(&c, p, X, LDX, M, &w);
    const float v3 = w.v[3];
    for (int q = 0; q < IN; q++) X[q] = -X[q];
    critic_forward(&c, p, X, LDX, M, &w);
    TAP_OK(w.v[3] == v3,
           "a sample's value does not depend on the other samples of its batch "
           "(%g)",
           (double)v3);
    for (int q = 0; q < IN; q++) X[q] = -X[q];

    /* Fitting: Adam on the mean squared error drives the loss down. */
    critic_init(&c, p, 3, 0);
    float *m = alloc_floats(c.n_params), *v = alloc_floats(c.n_params);
    const double l0 = loss(&c, p, &w, 1);
    for (int step = 1; step <= 300; step++) {
        loss(&c, p, &w, 1);
        critic_backward(&c, p, X, LDX, M, &w, g);
        adam_update(p, g, m, v, c.n_params, step, 1e-2);
    }
    const double l1 = loss(&c, p, &w, 0);
    TAP_OK(l1 < 0.01 * l0, "300 Adam steps fit %d targets: loss %.3g -> %.3g", M, l0, l1);
    critic_work_free(&w);
    free(m);
    free(v);
    free(p);
    free(g);
}

/* Exact sums: hard entries (tiny negatives, -0, halves, near and beyond the
 * clamp, NaN) summed in any order and split over any number of ranks give
 * the same bits, within 2^-31 per addition of the true sum. */
static void exact_sums(void)
{
    enum { NV = 12, NE = 10 };
    const float hard[NE] = {-1e-10f,         -1e-30f,  -0.0f, 0.5f, -1.5f,
                            0x1p29f + 0.25f, -0x1p30f, 3e9f,  NAN,  1e-12f};
    float v[NV][NE];
    for (int j = 0; j < NV; j++)
        for (int k = 0; k < NE; k++)
            v[j][k] =
                k == j % NE ? hard[k] : (float)(4 * rng_uniform(5, RNG_STREAM_TEST, 10 + j, k) - 2);
    /* Each rank adds the vectors j = rank, rank + size, ..., in reverse. */
    fxsum_t a;
    fxsum_init(&a, NE, FXSUM_TRUNC_31);
    const int me = comm_rank(), np = comm_size();
    for (int j = NV - 1; j >= 0; j--)
        if (j % np == me) fxsum_add(&a, v[j]);
    int64_t clamps = a.clamps;
    comm_allreduce_int64(&clamps, 1, COMM_SUM);
    float out[NE];
    fxsum_reduce(&a, out, 1.0);
    /* The reference, serial, in double with the same clamping. */
    int close = 1;
    for (int k = 0; k < NE; k++) {
        double ref = 0;
        for (int j = 0; j < NV; j++) {
            const float x = v[j][k];
            ref += !(x <= 0x1p30f) ? 0x1p30 : x < -0x1p30f ? -0x1p30 : (double)x;
        }
        close &= fabs(out[k] - ref) <= NV * 0x1p-31 + fabs(ref) * 0x1p-23;
    }
    TAP_OK(close, "exact sums agree with a serial double sum (tiny negatives, -0, clamps, NaN)");
    TAP_OK(clamps == 2, "two entries beyond 2^30 were clamped (3e9 and NaN): %lld",
           (long long)clamps);
    /* Another order, one rank doing all: the same bits. */
    fxsum_t b;
    fxsum_init(&b, NE, FXSUM_TRUNC_31);
    if (me == 0)
        for (int j = 0; j < NV; j++) fxsum_add(&b, v[j]);
    float out2[NE];
    fxsum_reduce(&b, out2, 1.0);
    TAP_OK(memcmp(out, out2, sizeof out) == 0,
           "the same bits in another order and split over %d rank(s)", np);
    uint64_t h = 1469598103934665603ull;
    for (int k = 0; k < NE; k++) {
        uint32_t u;
        memcpy(&u, &out[k], 4);
        h = (h ^ u) * 1099511628211ull;
    }
    tap_diag("exact-sum checksum: %016llx", (unsigned long long)h);
    fxsum_free(&a);
    fxsum_free(&b);
}

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    exact_sums();
    gradient_check();
    int rc = tap_done();
    comm_finalize();
    return rc;
}
