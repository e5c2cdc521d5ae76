/* Rollout buffers, collection and advantages (see rollout.h). */
#include "rollout.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/error.h"
#include "samarl/rng.h"

#include "ppo_common.h"

/* One rollout's float arrays (observations [D][S], then logp, val, rew,
 * adv, ret), each padded to 64 bytes, in floats. */
static size_t obs_floats(size_t S, int D)
{
    return (S * (size_t)D + 15) / 16 * 16;
}
static size_t col_floats(size_t S)
{
    return (S + 15) / 16 * 16;
}

double rollout_bytes(size_t S, int D)
{
    return (double)(obs_floats(S, D) + 5 * col_floats(S)) * sizeof(float) +
           (double)S * (sizeof(uint8_t) + sizeof(int32_t)) + (double)sizeof(rollout_t);
}

void rollouts_init(rollouts_t *rs, const config_t *cfg, env_t *env, policyset_t *ps, int n)
{
    memset(rs, 0, sizeof *rs);
    rs->cfg = cfg;
    rs->env = env;
    rs->ps = ps;
    rs->T = (int)cfg->env.horizon;
    rs->B = env->copies;
    rs->S = rs->T * rs->B;
    rs->D = ps->net.in; /* the observation, or a trainer's kappa-hop input */
    rs->n = n;
    rs->ro = XZNEW(rollout_t, n);
    /* Two pools (floats and actions): a shared network keeps a rollout per
     * agent, and eight small allocations per agent cost more in malloc
     * overhead than their data. */
    const size_t S = (size_t)rs->S, sx = obs_floats(S, rs->D), sf = col_floats(S);
    rs->floats = alloc_floats((size_t)n * (sx + 5 * sf));
    rs->acts = XNEW(uint8_t, (size_t)n * S);
    for (int k = 0; k < n; k++) {
        rollout_t *ro = &rs->ro[k];
        float *f = rs->floats + (size_t)k * (sx + 5 * sf);
        ro->x = f;
        ro->logp = f + sx;
        ro->val = f + sx + sf;
        ro->rew = f + sx + 2 * sf;
        ro->adv = f + sx + 3 * sf;
        ro->ret = f + sx + 4 * sf;
        ro->act = rs->acts + (size_t)k * S;
    }
    rs->lam = alloc_floats((size_t)rs->B);
    rs->obs = alloc_floats((size_t)rs->B * (size_t)rs->D);
    rs->g = alloc_floats((size_t)rs->B);
    rs->r = alloc_floats((size_t)rs->B);
    const lidx_t na = env->n > 0 ? env->n : 1;
    rs->rew = XZNEW(double, na);
    rs->usage = XZNEW(double, na);
}

void rollouts_free(rollouts_t *rs)
{
    free(rs->ro);
    free(rs->floats);
    free(rs->acts);
    free(rs->lam);
    free(rs->obs);
    free(rs->g);
    free(rs->r);
    free(rs->rew);
    free(rs->usage);
    memset(rs, 0, sizeof *rs);
}

/* u^k by repeated products (the same bits everywhere): k = 1 is uniform on
 * [0, 1], larger k puts more draws near 0. */
static double lambda_draw(double u, int64_t k)
{
    double v = u;
    for (int64_t q = 1; q < k; q++) v *= u;
    return v;
}

void rollouts_collect(rollouts_t *rs, lidx_t i, rollout_t *ro, int64_t it, int draw_lambda,
                      int with_value)
{
    env_t *e = rs->env;
    policyset_t *ps = rs->ps;
    const config_t *cfg = rs->cfg;
    const uint64_t seed = cfg->run.seed, gid = (uint64_t)e->gid[i];
    const int B = rs->B;
    const size_t S = (size_t)rs->S;
    const int64_t hold = cfg->train.lambda_resample > 0 ? cfg->train.lambda_resample : rs->T;
    float *lam = rs->lam, *g = rs->g, *r = rs->r;
    double rsum = 0, usum = 0;
    /* The samples learn r / a_i (train.reward_scale); the sums stay in $. */
    const float inv_scale =
        cfg->train.reward_scale == REWARD_SCALE_AGENT ? 1.0f / env_scale(e, i) : 1.0f;
    env_reset_agent(e, i);
    for (int t = 0; t < rs->T; t++) {
        if (draw_lambda && t % hold == 0)
            for (int j = 0; j < B; j++)
                lam[j] = (float)(cfg->train.lambda_max *
                                 lambda_draw(rng_uniform(seed, RNG_STREAM_LAMBDA, gid,
                                                         (((uint64_t)it * (uint64_t)B + (uint64_t)j)
                                                          << 20) |
                                                             (uint64_t)(t / hold)),
                                             cfg->train.lambda_power));
        env_observe(e, i, t, lam, rs->obs);
        const size_t s0 = (size_t)t * B;
        policyset_act(ps, e, i, t, rs->obs, lam, seed, PPO_SOURCE_TRAIN, 0, ro->act + s0,
                      ro->logp + s0, with_value ? ro->val + s0 : NULL);
        for (int c = 0; c < rs->D; c++)
            memcpy(ro->x + (size_t)c * S + s0, ps->work.x + (size_t)c * ps->work.ld,
                   sizeof(float) * (size_t)B);
        env_step(e, i, t, ro->act + s0, g, r, NULL, NULL);
        for (int j = 0; j < B; j++) {
            const float rw = r[j] - lam[j] * g[j];
            ro->rew[s0 + j] = rw * inv_scale;
            rsum += rw;
            usum += g[j];
        }
    }
    rs->rew[i] = rsum;
    rs->usage[i] = usum;
}

void rollout_advantages(rollout_t *ro, int T, int B, double gamma, double gae_lambda)
{
    rollout_gae(ro, T, B, gamma, gae_lambda);
    rollout_normalise(ro->adv, T * B);
}

void rollout_gae(rollout_t *ro, int T, int B, double gamma, double gae_lambda)
{
    const double gl = gamma * gae_lambda;
    const float *val = ro->val, *rew = ro->rew;
    float *adv = ro->adv, *ret = ro->ret;
    for (int j = 0; j < B; j++) {
        double last = 0;
        for (int t = T - 1; t >= 0; t--) {
            const size_t s = (size_t)t * B + j;
            const double nv = t + 1 < T ? val[s + B] : val[s];
            const double delta = rew[s] + gamma * nv - val[s];
            last = delta + gl * last;
            adv[s] = (float)last;
            ret[s] = (float)(last + val[s]);
        }
    }
}

void rollout_normalise(float *adv, int S)
{
    double sum = 0, sq = 0;
    for (int s = 0; s < S; s++) sum += adv[s];
    const double mean = sum / S;
    for (int s = 0; s < S; s++) sq += (adv[s] - mean) * (adv[s] - mean);
    const double sd = S > 1 ? sqrt(sq / (S - 1)) : 0.0;
    for (int s = 0; s < S; s++) adv[s] = (float)((adv[s] - mean) / (sd + 1e-8));
}

/* ---- the global state of the centralised critics -------------------------------- */

void state_gather_init(state_gather_t *g, lidx_t n, gidx_t N, int D, size_t S)
{
    g->D = D;
    g->S = S;
    g->rec = 8 + sizeof(float) * (size_t)D * S;
    g->send = XNEW(unsigned char, (size_t)(n > 0 ? n : 1) * g->rec);
    g->recv = XNEW(unsigned char, (size_t)N * g->rec);
    g->counts = XNEW(int64_t, comm_size());
    comm_allgather_int64((int64_t)n, g->counts);
}

void state_gather_free(state_gather_t *g)
{
    free(g->send);
    free(g->recv);
    free(g->counts);
}

void state_gather(state_gather_t *g, const rollout_t *ro, lidx_t n, const gidx_t *gid, gidx_t N,
                  float *dst, size_t ld)
{
    const size_t S = g->S, rec = g->rec, D = (size_t)g->D;
    for (lidx_t i = 0; i < n; i++) {
        const int64_t id = (int64_t)gid[i];
        unsigned char *r = g->send + (size_t)i * rec;
        memcpy(r, &id, sizeof id);
        memcpy(r + 8, ro[i].x, sizeof(float) * D * S);
    }
    comm_allgatherv_bytes(g->send, (int64_t)n, g->recv, g->counts, rec);
    for (gidx_t k = 0; k < N; k++) {
        const unsigned char *r = g->recv + (size_t)k * rec;
        int64_t id;
        memcpy(&id, r, sizeof id);
        SAMARL_ASSERT(id >= 0 && id < N);
        /* Records are floats after an int64 (rec is a multiple of 4): aligned. */
        // cppcheck-suppress invalidPointerCast ; the bytes are floats, copied in as such
        const float *xk = (const float *)(r + 8);
        for (size_t c = 0; c < D; c++) {
            const float *src = xk + c * S;
            float *out = dst + (size_t)id * D + c;
            for (size_t s = 0; s < S; s++) out[s * ld] = src[s];
        }
    }
}
