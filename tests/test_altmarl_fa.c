/* ALTERNATING-MARL with networks (altmarl_fa.h) and what it stands on:
 *   - tmlp: the gradient and the forward-mode product J v against central
 *     finite differences, a sample's outputs the same alone and in a batch,
 *     one Adam step and the gradient clip against hand-computed values;
 *   - the warehouse task: bins (numpy.histogram's edges), rewards and moves
 *     at hand-computed points, the keyed split a bijection (so exactly
 *     floor(0.55 n) robots start in the main cluster), two distinct bins;
 *   - a short training (n = 500, k = 20) on the ranks: the dispatcher finds
 *     the mode better than chance and the trained system beats the random
 *     one, with a checksum the .t compares across rank counts. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/altmarl_fa.h"
#include "samarl/comm.h"
#include "samarl/error.h"
#include "samarl/rng.h"
#include "samarl/tmlp.h"
#include "tap.h"

static void check_tmlp(void)
{
    tmlp_t t;
    tmlp_shape(&t, 3, 8, 2);
    TAP_OK(t.n_params == (size_t)(3 * 8 + 8 + 8 * 8 + 8 + 8 * 2 + 2),
           "tmlp 3-8-8-2: %zu parameters", t.n_params);
    const size_t P = t.n_params;
    float *p = malloc(sizeof(float) * P), *q = malloc(sizeof(float) * P);
    tmlp_init(&t, p, 5, RNG_STREAM_TEST, 1);
    int bounded = 1;
    for (size_t k = 0; k < P; k++)
        bounded &= fabsf(p[k]) <= (k < t.w2 ? 1 / sqrtf(3) : 1 / sqrtf(8));
    TAP_OK(bounded, "tmlp_init: every parameter within nn.Linear's 1/sqrt(fan_in)");
    enum { N = 4 };
    float x[N * 3], y[N * 2], y1[2], h1[N * 8], h2[N * 8];
    for (int k = 0; k < N * 3; k++) x[k] = (float)(rng_uniform(1, RNG_STREAM_TEST, 2, k) * 2 - 1);
    tmlp_forward(&t, p, N, x, h1, h2, y);
    tmlp_forward(&t, p, 1, x + 2 * 3, NULL, NULL, y1);
    TAP_OK(memcmp(y1, y + 2 * 2, sizeof y1) == 0, "tmlp: a sample's outputs alone = in a batch");
    double c[N * 2], *g = calloc(P, sizeof(double)), *v = malloc(sizeof(double) * P);
    for (int k = 0; k < N * 2; k++) c[k] = rng_uniform(1, RNG_STREAM_TEST, 3, k) - 0.5;
    tmlp_backward(&t, p, N, x, h1, h2, c, g);
    /* L(p) = sum c . y: d L / d p by central differences */
    double worst = 0, gmax = 0;
    const float eps = 1e-2f;
    for (size_t k = 0; k < P; k++) {
        double L[2];
        for (int sgn = 0; sgn < 2; sgn++) {
            memcpy(q, p, sizeof(float) * P);
            q[k] += sgn ? -eps : eps;
            tmlp_forward(&t, q, N, x, NULL, NULL, y);
            L[sgn] = 0;
            for (int m = 0; m < N * 2; m++) L[sgn] += c[m] * y[m];
        }
        const double fd = (L[0] - L[1]) / (2 * (double)eps);
        worst = fmax(worst, fabs(fd - g[k]));
        gmax = fmax(gmax, fabs(g[k]));
    }
    TAP_OK(worst < 2e-3 * gmax, "tmlp_backward = central differences (largest gap %.2g of %.2g)",
           worst, gmax);
    for (size_t k = 0; k < P; k++) v[k] = rng_uniform(1, RNG_STREAM_TEST, 4, k) - 0.5;
    double jy[N * 2], yp[N * 2];
    tmlp_forward(&t, p, N, x, h1, h2, y);
    tmlp_jvp(&t, p, N, x, h1, h2, v, jy);
    for (int sgn = 0; sgn < 2; sgn++) {
        for (size_t k = 0; k < P; k++) q[k] = (float)(p[k] + (sgn ? -1 : 1) * 1e-2 * v[k]);
        tmlp_forward(&t, q, N, x, NULL, NULL, y);
        for (int m = 0; m < N * 2; m++) yp[m] = sgn ? (yp[m] - y[m]) / 2e-2 : y[m];
    }
    worst = gmax = 0;
    for (int m = 0; m < N * 2; m++) {
        worst = fmax(worst, fabs(yp[m] - jy[m]));
        gmax = fmax(gmax, fabs(jy[m]));
    }
    TAP_OK(worst < 2e-3 * gmax, "tmlp_jvp = central differences along v (largest gap %.2g of %.2g)",
           worst, gmax);
    float a = 1.0f;
    double ga = 0.5, m = 0, s2 = 0, gc[2] = {3, 4};
    tmlp_adam(1, &a, &ga, &m, &s2, 0, 0.1);
    tmlp_clip(2, gc, 1.0);
    TAP_OK(fabsf(a - 0.9f) < 1e-6f && fabs(gc[0] - 0.6) < 1e-6 && fabs(gc[1] - 0.8) < 1e-6,
           "Adam's first step moves by lr (1 -> %.7f); clip_grad_norm (3, 4) -> (%.4f, %.4f)", a,
           gc[0], gc[1]);
    free(p), free(q), free(g), free(v);
}

static void check_warehouse(void)
{
    warehouse_t w;
    warehouse_init(&w);
    TAP_OK(warehouse_bin(&w, -2.0) == 0 && warehouse_bin(&w, -1.2) == 1 &&
               warehouse_bin(&w, -1.2000001) == 0 && warehouse_bin(&w, 2.0) == 4 &&
               warehouse_bin(&w, 0.0) == 2 && w.target[0] == -1.6 &&
               fabs(w.target[3] - 0.8) < 1e-15,
           "bins: edges -2, -1.2, ..., 2 as numpy.histogram (left-closed, the last closed); "
           "targets the centres");
    TAP_OK(warehouse_rg(&w, 1.6, 4) == 5.0 &&
               fabs(warehouse_rg(&w, 1.3, 4) - 5 * exp(-0.5)) < 1e-12 &&
               fabs(warehouse_rl(&w, 0.2, 0.0, 1) - (10 * exp(-0.5) - 0.25)) < 1e-12 &&
               warehouse_rl(&w, 0.5, 0.5, 0) == 10.0,
           "rewards: r_g = 5 exp(-d^2 / 0.18), r_l = 10 exp(-d^2 / 0.08) - 5 |offset|");
    TAP_OK(fabs(warehouse_step_global(&w, 0.0, 4, 0.0) - 0.96) < 1e-12 &&
               fabs(warehouse_step_global(&w, 0.0, 0, 1.0) - (-0.96 + 0.08)) < 1e-12 &&
               warehouse_step_local(&w, 1.99, 1, 1.0) == 2.0 &&
               fabs(warehouse_step_local(&w, 0.1, 2, -1.0) - 0.01) < 1e-12,
           "moves: s_g + 0.6 (target - s_g) + 0.08 z; s_l + offset + 0.04 z, clipped to [-2, 2]");
    int bij = 1;
    const int ns[3] = {7, 500, 1000};
    for (int q = 0; q < 3; q++) {
        char *seen = calloc((size_t)ns[q], 1);
        for (int g = 0; g < ns[q]; g++) {
            const gidx_t y = warehouse_perm(9, 77, ns[q], g);
            bij &= y >= 0 && y < ns[q] && !seen[y];
            if (y >= 0 && y < ns[q]) seen[y] = 1;
        }
        free(seen);
    }
    int distinct = 1;
    for (uint64_t ep = 0; ep < 200; ep++) {
        warehouse_start_t st;
        warehouse_start(&w, 9, ep, 500, &st);
        distinct &= st.main != st.second && st.main >= 0 && st.main < 5 && st.second >= 0 &&
                    st.second < 5 && st.n_main == 275 && st.sg >= -1 && st.sg < 1;
    }
    TAP_OK(bij && distinct,
           "starts: the keyed split a bijection of [0, n) (n = 7, 500, 1000), so floor(0.55 "
           "n) = 275 of 500 start in the main cluster; two distinct bins; s_g in [-1, 1)");
}

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    check_tmlp();
    check_warehouse();
    const gidx_t n = 500;
    const int P = comm_size(), me = comm_rank();
    gidx_t *gid = XNEW(gidx_t, (size_t)n);
    lidx_t m = 0;
    for (gidx_t g = 0; g < n; g++)
        if ((int)((g * 7) % P) == me) gid[m++] = g;
    warehouse_t w;
    warehouse_init(&w);
    fa_params_t c;
    fa_params_default(&c);
    c.k = 20;
    c.hidden = 16;
    c.g_samples = 400;
    c.l_episodes = 16;
    c.judge_rollouts = 4;
    fa_t a;
    comm_check(fa_init(&a, &w, &c, n, m, gid, 3, "altmarl_fa"));
    for (int r = 0; r < 3; r++) fa_round(&a);
    const double acc = fa_mode_accuracy(&a, 7, 300);
    const double v = fa_evaluate(&a, 5, 8, 50, 0, NULL);
    const double rnd = fa_evaluate(&a, 5, 8, 50, FA_RANDOM_G | FA_RANDOM_L, NULL);
    TAP_OK(acc > 0.5,
           "k = 20, 3 rounds: the dispatcher finds the true mode in %.0f%% of 300 "
           "starts (chance: 20%%)",
           100 * acc);
    TAP_OK(v > rnd + 20, "the trained system's return %.2f, the random one's %.2f", v, rnd);
    double sum = v + 3 * acc + 7 * a.history[0] + 11 * a.history[2];
    for (size_t q = 0; q < a.pnet.n_params; q++) sum += a.pp[q] * (double)(q % 13);
    if (me == 0) printf("# altmarl-fa checksum: %.17g\n", sum);
    fa_free(&a);
    free(gid);
    comm_finalize();
    return tap_done();
}
