/* The MPE simple_spread world (src/env/spread.c) against steps computed
 * here by hand from PettingZoo's definition (docs/environment.md):
 *   - damping and integration order: a lone agent coasting, in both versions;
 *   - a boundary-free drift: pushed right for 60 steps it leaves [-1, 1]
 *     and its speed follows v_k = 2 (1 - 0.75^k) towards the terminal 2;
 *   - a collision: two agents 0.2 apart are pushed apart by the softplus
 *     contact force (10 = 100 x 0.1), then rewarded on the new positions;
 *   - agents pushing into each other stay in contact: reward -2 (v2: the
 *     other and itself) or -1 (v3) on the local part, collision cost 1;
 *   - the observation's layout;
 *   - a random policy's mean return at N = 3 against PettingZoo's
 *     published -115.6 (simple_spread_v2, its docs' "Average Total
 *     Reward": summed over agents and the 25 steps);
 *   - the environment (env.name = spread, env_create_copies): 10 copies
 *     split across the ranks, keyed random moves, each copy's return the
 *     same bits as the world stepped here directly, on any number of
 *     ranks; observations carry the multiplier last; refusals. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/config.h"
#include "samarl/env.h"
#include "samarl/env_spread.h"
#include "samarl/rng.h"
#include "tap.h"

static int close_to(double a, double b, double tol)
{
    return fabs(a - b) <= tol * (1 + fabs(b));
}

/* Mean and standard error of the return (sum over agents and steps) of
 * uniformly random moves over `episodes` episodes. */
static void random_return(int n, int version, int episodes, double *mean, double *se)
{
    spread_world_t w;
    spread_init(&w, n, version, SPREAD_LOCAL_RATIO);
    double s = 0, s2 = 0, *r = calloc((size_t)n, sizeof(double));
    uint8_t *act = calloc((size_t)n, 1);
    for (int e = 0; e < episodes; e++) {
        spread_reset(&w, 17, (uint64_t)e);
        double ret = 0;
        for (int t = 0; t < SPREAD_CYCLES; t++) {
            for (int i = 0; i < n; i++)
                act[i] =
                    (uint8_t)(rng_uniform(17, RNG_STREAM_TEST, (uint64_t)e, (uint64_t)(t * n + i)) *
                              SPREAD_ACTIONS);
            spread_step(&w, act, r, NULL);
            for (int i = 0; i < n; i++) ret += r[i];
        }
        s += ret;
        s2 += ret * ret;
    }
    *mean = s / episodes;
    *se = sqrt((s2 / episodes - *mean * *mean) / (episodes - 1));
    free(r);
    free(act);
    spread_free(&w);
}

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    spread_world_t w;
    double r[3], c[3];
    uint8_t a[3] = {0, 0, 0};

    /* ---- damping and the integration order ---- */
    for (int ver = SPREAD_V2; ver <= SPREAD_V3; ver++) {
        spread_init(&w, 1, ver, SPREAD_LOCAL_RATIO);
        w.pos[0] = 0.3;
        w.pos[1] = -0.2;
        w.vel[0] = 1.0;
        w.lm[0] = 5;
        w.lm[1] = 5;
        spread_step(&w, a, r, NULL);
        /* v2: v = 0.75, x = 0.3 + 0.075; v3: x = 0.3 + 0.1 (the old v), v = 0.75 */
        const double x = ver == SPREAD_V2 ? 0.375 : 0.4;
        TAP_OK(close_to(w.vel[0], 0.75, 1e-15) && close_to(w.pos[0], x, 1e-15) &&
                   w.pos[1] == -0.2 && w.vel[1] == 0,
               "v%d: a coasting agent's velocity is damped by 0.25 (0.75) and it moves to %.3f",
               ver, x);
        spread_free(&w);
    }

    /* ---- a boundary-free drift ---- */
    spread_init(&w, 1, SPREAD_V2, SPREAD_LOCAL_RATIO);
    a[0] = 2; /* right */
    double x = 0;
    for (int k = 1; k <= 60; k++) {
        spread_step(&w, a, NULL, NULL);
        x += 0.1 * 2 * (1 - pow(0.75, k));
    }
    TAP_OK(
        close_to(w.vel[0], 2 * (1 - pow(0.75, 60)), 1e-12) && close_to(w.pos[0], x, 1e-12) &&
            w.pos[0] > 1,
        "pushed right 60 steps: speed %.6f = 2 (1 - 0.75^60), at x = %.3f, past the [-1, 1] start "
        "box (no walls)",
        w.vel[0], w.pos[0]);
    spread_free(&w);

    /* ---- a collision, and the rewards on the new positions ---- */
    spread_init(&w, 2, SPREAD_V2, SPREAD_LOCAL_RATIO);
    memset(a, 0, sizeof a);
    w.pos[2] = 0.2; /* agents at (0, 0) and (0.2, 0) */
    w.lm[0] = 0;
    w.lm[1] = 1;
    w.lm[2] = 0.2;
    w.lm[3] = 1;
    const double f = spread_contact(0.2);
    TAP_OK(close_to(f, 10.0, 1e-12),
           "contact force at distance 0.2: 100 x softplus(100) x 1e-3 = %.12g", f);
    spread_step(&w, a, r, c);
    /* v = -+10 x 0.1 = -+1, x = -+0.1: at (-0.1, 0) and (0.3, 0), 0.4 apart */
    const double g = -(sqrt(0.01 + 1) + sqrt(0.01 + 1));
    TAP_OK(close_to(w.vel[0], -1.0, 1e-12) && close_to(w.vel[2], 1.0, 1e-12) &&
               close_to(w.pos[0], -0.1, 1e-12) && close_to(w.pos[2], 0.3, 1e-12),
           "two agents 0.2 apart are pushed to (-0.1, 0) and (0.3, 0) with speeds -+1");
    TAP_OK(
        close_to(r[0], 0.5 * g - 0.5, 1e-12) && close_to(r[1], 0.5 * g - 0.5, 1e-12) && c[0] == 0 &&
            c[1] == 0,
        "apart after the step: reward 0.5 x (-2 sqrt(1.01)) + 0.5 x (-1, the v2 self-collision) = "
        "%.6f, no collision cost",
        r[0]);
    spread_free(&w);

    /* ---- pushing into each other: still in contact ---- */
    for (int ver = SPREAD_V2; ver <= SPREAD_V3; ver++) {
        spread_init(&w, 2, ver, SPREAD_LOCAL_RATIO);
        w.pos[2] = 0.29;
        w.lm[0] = 0;
        w.lm[2] = 0.29;
        a[0] = 2; /* right, towards the other */
        a[1] = 1; /* left */
        spread_step(&w, a, r, c);
        const double fc = spread_contact(0.29), v = (5 - fc) * 0.1;
        const double x0 = ver == SPREAD_V2 ? v * 0.1 : 0, x1 = 0.29 - x0;
        const double gl = -(fabs(x0) + fabs(0.29 - x1)), loc = ver == SPREAD_V2 ? -2 : -1;
        TAP_OK(close_to(w.vel[0], v, 1e-12) && close_to(w.pos[0], x0, 1e-12) &&
                   close_to(w.pos[2], x1, 1e-12),
               "v%d: pushing together against the contact force %.7f: speed %.6f, at %.4f and %.4f",
               ver, fc, v, w.pos[0], w.pos[2]);
        TAP_OK(close_to(r[0], 0.5 * gl + 0.5 * loc, 1e-12) && c[0] == 1 && c[1] == 1,
               "v%d: in contact: reward %.6f (local part %g), collision cost 1 each", ver, r[0],
               loc);
        spread_free(&w);
    }

    /* ---- the observation ---- */
    spread_init(&w, 3, SPREAD_V3, SPREAD_LOCAL_RATIO);
    spread_reset(&w, 5, 9);
    w.vel[2] = 0.5;
    float o[18];
    spread_observe(&w, 1, o);
    int good = o[0] == (float)w.vel[2] && o[2] == (float)w.pos[2] && o[3] == (float)w.pos[3];
    for (int l = 0; l < 3; l++) good &= o[4 + 2 * l] == (float)(w.lm[2 * l] - w.pos[2]);
    good &= o[10] == (float)(w.pos[0] - w.pos[2]) && o[12] == (float)(w.pos[4] - w.pos[2]);
    for (int k = 14; k < 18; k++) good &= o[k] == 0;
    int inside = 1;
    for (int q = 0; q < 6; q++) inside &= fabs(w.pos[q]) < 1 && fabs(w.lm[q]) < 1;
    TAP_OK(good && inside,
           "observation of agent 1 (18 = 6N features): own velocity, position, the "
           "landmarks' and other agents' offsets, 4 zeros; starts inside [-1, 1]^2");
    spread_free(&w);

    /* ---- a random policy, N = 3 ---- */
    double m2, se2, m3, se3;
    random_return(3, SPREAD_V2, 4000, &m2, &se2);
    random_return(3, SPREAD_V3, 4000, &m3, &se3);
    printf("# random policy, N = 3, 4000 episodes: v2 %.2f +- %.2f (PettingZoo's docs: -115.6), "
           "v3 %.2f +- %.2f\n",
           m2, se2, m3, se3);
    TAP_OK(fabs(m2 - -115.6) < 3 * se2 + 0.1,
           "random policy on simple_spread_v2 (N = 3): mean return %.2f +- %.2f, PettingZoo's "
           "published -115.6 within 3 standard errors",
           m2, se2);
    TAP_OK(m3 > m2 + 30,
           "v3 (no self-collision) returns %.2f, 30 above v2 (25 steps x 3 agents x "
           "0.5 fewer collisions)",
           m3);
    /* ---- the environment: copies split across ranks ---- */
    {
        enum { N = 3, C = 10, T = 25 };
        env_register_config();
        config_t cfg;
        char *sets[] = {"env.name=spread", "spread.version=3"};
        TAP_OK(config_parse(&cfg, NULL, NULL, sets, 2) == SAMARL_OK, "config with [spread]");
        env_t *e = NULL;
        env_create_copies(&cfg, N, C, &e);
        const int B = e->copies, D = e->spec.obs_dim;
        double ret[C] = {0}, ref[C] = {0}, col[C] = {0}, rcol[C] = {0};
        double *cw = calloc((size_t)B * N, sizeof(double));
        float *obs = calloc((size_t)B * (size_t)D, sizeof(float)), *lam = calloc((size_t)B, 4);
        float *rw = calloc((size_t)B * N, sizeof(float)), *r0 = calloc((size_t)B, sizeof(float));
        uint8_t *act = calloc((size_t)B, 1);
        for (int j = 0; j < B; j++) lam[j] = 0.25f;
        env_begin_episode(e, 11, ENV_NOISE_TRAIN, 4);
        int lam_last = 1, obs_ok = 1;
        for (int t = 0; t < T; t++) {
            for (int i = 0; i < N; i++) {
                env_observe(e, i, t, lam, obs);
                for (int j = 0; j < B; j++) {
                    lam_last &= obs[(size_t)j * D + (size_t)D - 1] == 0.25f;
                    act[j] = (uint8_t)(rng_uniform(11, RNG_STREAM_TEST, (uint64_t)(e->copy0 + j),
                                                   (uint64_t)(t * N + i)) *
                                       SPREAD_ACTIONS);
                }
                env_step(e, i, t, act, NULL, r0, NULL, NULL);
            }
            env_step_world(e, t, rw, cw);
            for (int i = 0; i < N; i++)
                for (int j = 0; j < B; j++) {
                    ret[e->copy0 + j] += rw[(size_t)i * B + (size_t)j];
                    col[e->copy0 + j] += cw[(size_t)i * B + (size_t)j] + 0.05; /* the bound */
                }
        }
        comm_allreduce_double(ret, C, COMM_SUM); /* one rank adds each copy: exact */
        comm_allreduce_double(col, C, COMM_SUM);
        for (int c = 0; c < C; c++) { /* the same worlds, stepped here */
            spread_world_t w;
            spread_init(&w, N, SPREAD_V3, 0.5);
            spread_reset(&w, 11, spread_key(ENV_NOISE_TRAIN, 4, (uint64_t)c));
            uint8_t a[N];
            double r[N], hits[N];
            for (int t = 0; t < T; t++) {
                for (int i = 0; i < N; i++)
                    a[i] = (uint8_t)(rng_uniform(11, RNG_STREAM_TEST, (uint64_t)c,
                                                 (uint64_t)(t * N + i)) *
                                     SPREAD_ACTIONS);
                if (t == 0 && c >= e->copy0 && c < e->copy0 + B) {
                    float o[6 * N];
                    spread_observe(&w, 1, o);
                    env_begin_episode(e, 11, ENV_NOISE_TRAIN, 4); /* back to the start */
                    env_observe(e, 1, 0, lam, obs);
                    obs_ok &= memcmp(o, obs + (size_t)(c - e->copy0) * D, sizeof o) == 0;
                }
                spread_step(&w, a, r, hits);
                for (int i = 0; i < N; i++) {
                    ref[c] += (float)r[i];
                    rcol[c] += hits[i];
                }
            }
            spread_free(&w);
        }
        int same = 1, csame = 1;
        double ncol = 0;
        for (int c = 0; c < C; c++) {
            same &= ret[c] == ref[c];
            csame &= fabs(col[c] - rcol[c]) < 1e-9;
            ncol += rcol[c];
        }
        TAP_OK(csame && e->spec.n_costs == 2 && e->cost_bound[1] == 0.05,
               "cost channel 1 (the constrained task's): each agent's collisions minus "
               "spread.collision_bound = 0.05, every copy's as the world's (%g collisions in all)",
               ncol);
        TAP_OK(same,
               "%d copies on %d rank(s) (%d here from copy %lld): every copy's return = the "
               "world stepped directly, bit for bit (copy 0: %.6f)",
               C, comm_size(), B, (long long)e->copy0, ret[0]);
        TAP_OK(lam_last && obs_ok && D == 6 * N + 1,
               "observations: the world's 6N features, then the multiplier");
        printf("# spread env checksum: %.17g\n", ret[0] + ret[C - 1]);
        free(obs);
        free(lam);
        free(rw);
        free(cw);
        free(r0);
        free(act);
        env_destroy(&e);
        config_free(&cfg);
    }
    const int rc = tap_done();
    comm_finalize();
    return rc;
}
