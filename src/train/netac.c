/* train.algo = netac-q and netac-v: the networked actor-critic algorithms of
 * Zhang, Yang, Liu, Zhang and Basar (ICML 2018, arXiv 1802.08757; seed 004,
 * issue 23) on env.name = netmdp, with linear critics (or small networks on
 * the same features, netac.critic_hidden) consensed over the communication
 * graph (docs/training.md states every step and step size with its source).
 *
 * Continuing task, every step t, every agent i in parallel; s the global
 * state, a the joint action (N bits, one all-reduce), r^i agent i's private
 * reward, beta_w = critic_rate (t + 1)^-critic_decay, beta_th = actor_rate
 * (t + 1)^-actor_decay (two time scales, beta_th / beta_w -> 0):
 *   netac-q (Algorithm 1, action-value critics Q(s, a; w_i) = w_i . phi(s, a)):
 *     delta_i = r^i - mu_i + Q(s', a'; w_i) - Q(s, a; w_i)
 *     A_i     = Q(s, a; w_i) - sum_b pi_i(b | s) Q(s, (b, a_-i); w_i)
 *     theta_i += beta_th A_i psi_i,  psi_i = grad log pi_i(a_i | s)
 *     w~_i     = w_i + beta_w delta_i phi(s, a);  mu_i <- (1 - beta_w) mu_i + beta_w r^i
 *   netac-v (Algorithm 2, state-value critics V(s; v_i) = v_i . phi_v(s) and a
 *     model of the team-average reward rbar(s, a; l_i) = l_i . phi(s, a)):
 *     delta_i  = r^i - mu_i + V(s'; v_i) - V(s; v_i)
 *     delta~_i = rbar(s, a; l_i) - mu_i + V(s'; v_i) - V(s; v_i)
 *     theta_i += beta_th delta~_i psi_i
 *     v~_i = v_i + beta_w delta_i phi_v(s);  l~_i = l_i + beta_w (r^i - rbar(s, a; l_i)) phi(s, a)
 *   then w_i (netac-q) or (v_i, l_i) (netac-v) <- one round (netac.rounds) of
 *   the engine's consensus over the graph, with its faults and robust rules
 *   ([faults], consensus.aggregate).
 * netac.central = true is the baseline the paper's analysis compares with: one
 * critic on the exact team-average reward (an exact all-reduce), no
 * consensus, the same actors and features.
 *
 * The actors are softmax over the two actions of theta_i . varphi(s, b, i).
 * Every draw is keyed by (run.seed, gid, t) and every sum over agents is
 * exact (reprosum, integer all-reduce), so a run is the same on any number
 * of ranks. The trainer simulates the model itself (no networks of the
 * engine's policy set: its tables are the actors, critics and averages of
 * every agent). Memory is bounded by the model's 40 agents.
 *
 * On an engine environment split by agents whose one cost is the usage g
 * (demand response: env.name = dr) the same steps run on each agent's own observation o_i (lambda
 * last) instead of the global state: features f = [o_i, 1], critics
 * Q(o, a; w_i) = w_{i,a} . f (netac-q), V(o; v_i) = v_i . f and
 * rbar(o, a; l_i) = l_{i,a} . f (netac-v), actors softmax_b theta_{i,b} . f
 * over the environment's actions. An iteration is one episode of
 * env.horizon steps in train.copies copies (each step's updates are the
 * mean over the copies); the episode's last step bootstraps from its first
 * observation (the next day starts as this one did). The reward learnt is
 * seed 000's augmented r_i - lambda_i g_i (over the agent's scale under
 * train.reward_scale = agent), lambda_i from the engine's dual rule
 * (dual.mode, on the usage g; consensus and tracking mix it with the
 * neighbours through the same consensus and faults as the critics): the
 * critics are consensed beside lambda. Linear critics only there. */
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/blockmap.h"
#include "samarl/comm.h"
#include "samarl/config.h"
#include "samarl/consensus.h"
#include "samarl/dual.h"
#include "samarl/env.h"
#include "samarl/env_netmdp.h"
#include "samarl/error.h"
#include "samarl/h5io.h"
#include "samarl/halo.h"
#include "samarl/policyfile.h"
#include "samarl/reprosum.h"
#include "samarl/rng.h"
#include "samarl/strbuf.h"
#include "samarl/tmlp.h"
#include "samarl/trainer.h"

/* [netac]: the trainers' own keys. */
typedef struct netac_config {
    int64_t steps, rounds, critic_hidden;
    double critic_rate, critic_decay, actor_rate, actor_decay;
    int central;
} netac_config_t;

static const config_key_t netac_keys[] = {
    {"netac", "steps", CONFIG_INT, offsetof(netac_config_t, steps), "1000", 1, 1 << 30, 0, 0, NULL,
     "train.algo = netac-q, netac-v on env.name = netmdp: simulated steps per iteration (the "
     "task is continuing: train.iterations x netac.steps steps in all; on demand response an "
     "iteration is one episode of env.horizon steps)"},
    {"netac", "rounds", CONFIG_INT, offsetof(netac_config_t, rounds), "1", 1, 1000, 0, 0, NULL,
     "train.algo = netac-q, netac-v: consensus rounds over the critics per step (the paper: 1)"},
    {"netac", "critic_rate", CONFIG_REAL, offsetof(netac_config_t, critic_rate), "1", 0, 1e6, 0, 0,
     NULL,
     "train.algo = netac-q, netac-v: the critics' step size beta_w = critic_rate (t + "
     "1)^-critic_decay"},
    {"netac", "critic_decay", CONFIG_REAL, offsetof(netac_config_t, critic_decay), "0.65", 0, 1, 0,
     0, NULL, "train.algo = netac-q, netac-v: the critics' step-size exponent"},
    {"netac", "actor_rate", CONFIG_REAL, offsetof(netac_config_t, actor_rate), "1", 0, 1e6, 0, 0,
     NULL,
     "train.algo = netac-q, netac-v: the actors' step size beta_th = actor_rate (t + "
     "1)^-actor_decay"},
    {"netac", "actor_decay", CONFIG_REAL, offsetof(netac_config_t, actor_decay), "0.85", 0, 1, 0, 0,
     NULL,
     "train.algo = netac-q, netac-v: the actors' step-size exponent (above critic_decay: the "
     "actors move on the slower time scale)"},
    {"netac", "critic_hidden", CONFIG_INT, offsetof(netac_config_t, critic_hidden), "0", 0, 64, 0,
     0, NULL,
     "train.algo = netac-q, netac-v: 0 for linear critics (the paper's analysis); H for small "
     "networks on the same features, features -> tanh(H) -> tanh(H) -> 1, every parameter "
     "consensed"},
    {"netac", "central", CONFIG_BOOL, offsetof(netac_config_t, central), "false", 0, 0, 0, 0, NULL,
     "train.algo = netac-q, netac-v: the centralised baseline, one critic on the exact "
     "team-average reward and no consensus"},
};
static const config_section_t netac_section = {
    "netac", netac_keys, (int)(sizeof netac_keys / sizeof netac_keys[0]), sizeof(netac_config_t)};

/* The shared draws (the next state) sit at a gid no agent has. */
#define NETAC_SHARED ((uint64_t)1 << 62)

typedef struct netac {
    const netmdp_t *m;
    netac_config_t c;
    int value;      /* 0: netac-q, 1: netac-v */
    int P, K, W;    /* critic features, actor features, critic width (2 Wn for netac-v) */
    int Wn;         /* parameters of one critic function: P (linear) or the network's */
    tmlp_t net;     /* the critic network (netac.critic_hidden > 0) */
    float *wf, *xf; /* [Wn], [P] a network's parameters and input in float */
    double *g;      /* [Wn] its gradient */
    uint64_t seed;  /* run.seed: actions, the next state, the rewards' noise */
    lidx_t n;       /* agents on this rank */
    const gidx_t *gid;
    gidx_t N;
    halo_t *halo;
    consensus_t *cons;
    consensus_faults_t f;
    double *w;                 /* [n + ghosts][W]: critics (netac-v: v then l) */
    double *theta;             /* [n][K] */
    double *mu;                /* [n] */
    double *wc, muc;           /* [W], the central critic (netac.central) */
    double *r;                 /* [n] scratch */
    lidx_t nghost;             /* the graph's ghosts (the consensus vectors' tail) */
    double *slice;             /* [n + ghosts][256] a slice of wide critics */
    int s;                     /* the state at step t */
    uint64_t a;                /* the joint action at step t */
    int64_t t;                 /* steps done */
    double team, disagreement; /* the last iteration's mean team reward, critic spread */
    int64_t liars;             /* agents that misbehave in the consensus (faults.byzantine) */
    int64_t rows, cap;
    double *history; /* [cap] each iteration's mean team reward */
    /* An engine environment (env mode; NULL m): */
    env_t *env;
    int steps;                  /* steps per iteration: netac.steps, or env.horizon */
    int D, L, C, Pv;            /* observation features, actions, copies, D + 1 */
    int off_l;                  /* netac-v: where the team-reward model starts in a critic row */
    int agent_scale;            /* train.reward_scale = agent */
    float *obs, *obs2, *obs0;   /* [n][C][D] at t, t + 1, the episode's first */
    uint8_t *act, *act2, *act0; /* [n][C] */
    float *lamf, *gu, *rw;      /* [C] scratch */
    double *rr, *fe, *fe2, *pb; /* [n][C] learnt rewards; [Pv], [Pv], [L] */
    double *dth, *dw, *tc, *ug; /* [K], [W], [C], [n] scratch */
    reprosum_t *acc;            /* [W + C] the central critic's sums */
    dual_t *dual;               /* the multipliers (dual.mode) */
    halo_t *dhalo;
    blockmap_t *bm;
    double usage, usum;       /* the last iteration's mean usage; its sum so far */
    double lam_mean, lam_max; /* the multipliers after the last iteration */
} netac_t;

static double beta(double rate, double decay, int64_t t)
{
    return rate * pow((double)(t + 1), -decay);
}

/* pi_i(. | s) over the two actions into p[2]; varphi(s, b, i) into vf[2][K]. */
static void policy(const netac_t *x, lidx_t i, int s, double p[2], double vf[2][NETMDP_MAX_VARPHI])
{
    double z[2];
    for (int b = 0; b < 2; b++) {
        netmdp_varphi(x->m, s, b, (int)x->gid[i], vf[b]);
        z[b] = 0;
        for (int q = 0; q < x->K; q++) z[b] += x->theta[i * x->K + q] * vf[b][q];
    }
    const double mx = z[0] > z[1] ? z[0] : z[1], e0 = exp(z[0] - mx), e1 = exp(z[1] - mx);
    p[0] = e0 / (e0 + e1);
    p[1] = e1 / (e0 + e1);
}

/* Every agent's action at state s and step t, as the joint action's bits. */
static uint64_t act(const netac_t *x, int s, int64_t t)
{
    int64_t bits = 0;
    for (lidx_t i = 0; i < x->n; i++) {
        double p[2], vf[2][NETMDP_MAX_VARPHI];
        policy(x, i, s, p, vf);
        const double u = rng_uniform(x->seed, RNG_STREAM_ACTION, (uint64_t)x->gid[i], (uint64_t)t);
        if (u >= p[0]) bits |= (int64_t)1 << x->gid[i];
    }
    comm_allreduce_int64(&bits, 1, COMM_SUM); /* distinct bits: the sum is their union */
    return (uint64_t)bits;
}

static double dot(const double *x, const double *y, int n)
{
    double s = 0;
    for (int q = 0; q < n; q++) s += x[q] * y[q];
    return s;
}

/* A critic function's value at features f: w . f, or the network with
 * parameters w (rounded to float, as it runs) at input f. */
static double crit(netac_t *x, const double *w, const double *f)
{
    if (!x->c.critic_hidden) return dot(w, f, x->P);
    for (int q = 0; q < x->Wn; q++) x->wf[q] = (float)w[q];
    for (int q = 0; q < x->P; q++) x->xf[q] = (float)f[q];
    float h1[TMLP_MAX_HIDDEN], h2[TMLP_MAX_HIDDEN], y;
    tmlp_forward(&x->net, x->wf, 1, x->xf, h1, h2, &y);
    return y;
}

/* w += step x the gradient of the critic function at features f. */
static void crit_step(netac_t *x, double *w, const double *f, double step)
{
    if (!x->c.critic_hidden) {
        for (int q = 0; q < x->P; q++) w[q] += step * f[q];
        return;
    }
    for (int q = 0; q < x->Wn; q++) x->wf[q] = (float)w[q];
    for (int q = 0; q < x->P; q++) x->xf[q] = (float)f[q];
    float h1[TMLP_MAX_HIDDEN], h2[TMLP_MAX_HIDDEN], y;
    tmlp_forward(&x->net, x->wf, 1, x->xf, h1, h2, &y);
    const double one = 1.0;
    memset(x->g, 0, sizeof(double) * (size_t)x->Wn);
    tmlp_backward(&x->net, x->wf, 1, x->xf, h1, h2, &one, x->g);
    for (int q = 0; q < x->Wn; q++) w[q] += step * x->g[q];
}

/* The critics' consensus: rounds of the engine's averaging on every
 * parameter, in slices of at most 256 columns (the faults' keys hold a
 * column in 8 bits; every slice travels in the same messages, so it meets
 * the same losses). */
static void mix(netac_t *x, int64_t round0)
{
    const int W = x->W;
    if (W <= 256) {
        consensus_mix_faulty(x->cons, x->w, W, (int)x->c.rounds, round0, &x->f);
        return;
    }
    consensus_faults_t f = x->f;
    for (int c0 = 0; c0 < W; c0 += 256) {
        const int cw = W - c0 < 256 ? W - c0 : 256;
        for (size_t i = 0; i < (size_t)x->n; i++)
            memcpy(x->slice + i * cw, x->w + i * W + c0, sizeof(double) * (size_t)cw);
        f.col0 = c0; /* a liar's noise per column of the whole critic */
        consensus_mix_faulty(x->cons, x->slice, cw, (int)x->c.rounds, round0, &f);
        for (size_t i = 0; i < (size_t)x->n; i++)
            memcpy(x->w + i * W + c0, x->slice + i * cw, sizeof(double) * (size_t)cw);
    }
}

/* One step of the chosen algorithm; returns the team-average reward. */
static double step(netac_t *x)
{
    const netmdp_t *m = x->m;
    const int K = x->K, W = x->W, Wn = x->Wn, s = x->s;
    const uint64_t a = x->a;
    const int64_t t = x->t;
    const double bw = beta(x->c.critic_rate, x->c.critic_decay, t),
                 bt = beta(x->c.actor_rate, x->c.actor_decay, t);
    for (lidx_t i = 0; i < x->n; i++)
        x->r[i] = netmdp_reward(m, x->seed, s, a, (int)x->gid[i], (uint64_t)t);
    const double team = reprosum_global(x->r, (size_t)x->n) / (double)x->N;
    const int s2 =
        netmdp_next(m, s, a, rng_uniform(x->seed, RNG_STREAM_ACTION, NETAC_SHARED, (uint64_t)t));
    const uint64_t a2 = act(x, s2, t + 1);
    double phi[NETMDP_MAX_PHI], phi2[NETMDP_MAX_PHI], pv[NETMDP_MAX_PHI], pv2[NETMDP_MAX_PHI];
    netmdp_phi(m, s, a, phi);
    if (!x->value) {
        netmdp_phi(m, s2, a2, phi2);
    } else {
        netmdp_phi_v(m, s, pv);
        netmdp_phi_v(m, s2, pv2);
    }
    /* the central critic: the exact team reward, replicated */
    double dc = 0;
    if (x->c.central) {
        dc = x->value ? team - x->muc + crit(x, x->wc, pv2) - crit(x, x->wc, pv)
                      : team - x->muc + crit(x, x->wc, phi2) - crit(x, x->wc, phi);
    }
    for (lidx_t i = 0; i < x->n; i++) {
        const int ai = (int)((a >> x->gid[i]) & 1);
        double p[2], vf[2][NETMDP_MAX_VARPHI];
        policy(x, i, s, p, vf);
        double *w = x->c.central ? x->wc : x->w + (size_t)i * W;
        const double mu = x->c.central ? x->muc : x->mu[i];
        double adv;
        if (!x->value) { /* the local advantage from agent i's action-value critic */
            double phi_o[NETMDP_MAX_PHI];
            netmdp_phi(m, s, a ^ ((uint64_t)1 << x->gid[i]), phi_o);
            adv = p[1 - ai] * (crit(x, w, phi) - crit(x, w, phi_o));
        } else { /* the TD error with the team-reward model (central: the team reward) */
            const double rbar = x->c.central ? team : crit(x, w + Wn, phi);
            adv = rbar - mu + crit(x, w, pv2) - crit(x, w, pv);
        }
        for (int q = 0; q < K; q++) /* psi = varphi(a_i) - E_pi varphi */
            x->theta[i * K + q] += bt * adv * (vf[ai][q] - p[0] * vf[0][q] - p[1] * vf[1][q]);
        if (x->c.central) continue;
        if (!x->value) {
            const double d = x->r[i] - mu + crit(x, w, phi2) - crit(x, w, phi);
            crit_step(x, w, phi, bw * d);
        } else {
            const double d = x->r[i] - mu + crit(x, w, pv2) - crit(x, w, pv);
            const double e = x->r[i] - crit(x, w + Wn, phi);
            crit_step(x, w, pv, bw * d);
            crit_step(x, w + Wn, phi, bw * e);
        }
        x->mu[i] = (1 - bw) * mu + bw * x->r[i];
    }
    if (x->c.central) {
        crit_step(x, x->wc, x->value ? pv : phi, bw * dc);
        x->muc = (1 - bw) * x->muc + bw * team;
    } else {
        mix(x, t * x->c.rounds);
    }
    x->s = s2;
    x->a = a2;
    x->t = t + 1;
    return team;
}

/* ---- engine environments (env mode) ----------------------------------------- */

/* f = [o, 1]. */
static void feats(const netac_t *x, const float *o, double *f)
{
    for (int q = 0; q < x->D; q++) f[q] = o[q];
    f[x->D] = 1;
}

/* pi_i(. | f) = softmax_b theta_{i,b} . f into p[L]. */
static void env_policy(const netac_t *x, lidx_t i, const double *f, double *p)
{
    const int Pv = x->Pv, L = x->L;
    double mx = -HUGE_VAL, z = 0;
    for (int b = 0; b < L; b++) {
        p[b] = dot(x->theta + (size_t)i * x->K + (size_t)b * Pv, f, Pv);
        mx = p[b] > mx ? p[b] : mx;
    }
    for (int b = 0; b < L; b++) z += p[b] = exp(p[b] - mx);
    for (int b = 0; b < L; b++) p[b] /= z;
}

/* Agent i's actions act[C] at its observations obs[C][D], drawn at global
 * step t (keyed by gid and t x C + copy). */
static void env_act(netac_t *x, lidx_t i, const float *obs, int64_t t, uint8_t *act)
{
    for (int j = 0; j < x->C; j++) {
        feats(x, obs + (size_t)j * x->D, x->fe);
        env_policy(x, i, x->fe, x->pb);
        const double u = rng_uniform(x->seed, RNG_STREAM_ACTION, (uint64_t)x->gid[i],
                                     (uint64_t)t * (uint64_t)x->C + (uint64_t)j);
        double c = 0;
        int b = 0;
        for (; b < x->L - 1; b++)
            if (u < (c += x->pb[b])) break;
        act[j] = (uint8_t)b;
    }
}

/* Agent i's observations at step k of the episode under its multiplier. */
static void env_obs(netac_t *x, lidx_t i, int k, float *obs)
{
    const float l = x->dual ? (float)dual_lambda(x->dual)[i] : 0.0f;
    for (int j = 0; j < x->C; j++) x->lamf[j] = l;
    env_observe(x->env, i, k, x->lamf, obs);
}

/* Step k of the episode for every agent and copy; returns the team-average
 * reward (the environment's, without the multiplier). */
static double step_env(netac_t *x, int k)
{
    env_t *e = x->env;
    const int C = x->C, D = x->D, L = x->L, Pv = x->Pv, K = x->K, W = x->W;
    const int64_t t = x->t;
    const int central = x->c.central;
    const double bw = beta(x->c.critic_rate, x->c.critic_decay, t),
                 bt = beta(x->c.actor_rate, x->c.actor_decay, t);
    const size_t CD = (size_t)C * D;
    double *gsum = x->dual ? dual_usage(x->dual) : NULL;
    for (lidx_t i = 0; i < x->n; i++) {
        const double l = x->dual ? dual_lambda(x->dual)[i] : 0,
                     inv = x->agent_scale ? 1.0 / env_scale(e, i) : 1.0;
        env_step(e, i, k, x->act + (size_t)i * C, x->gu, x->rw, NULL, NULL);
        double rs = 0, gs = 0;
        for (int j = 0; j < C; j++) {
            x->rr[(size_t)i * C + j] = ((double)x->rw[j] - l * (double)x->gu[j]) * inv;
            rs += x->rw[j];
            gs += x->gu[j];
        }
        x->r[i] = rs / C;
        x->ug[i] = gs / C;
        if (gsum) gsum[i] += gs / C;
    }
    reprosum_t sums[2]; /* the team's reward and usage: one exact reduction */
    reprosum_init(&sums[0]);
    reprosum_init(&sums[1]);
    reprosum_add_array(&sums[0], x->r, (size_t)x->n);
    reprosum_add_array(&sums[1], x->ug, (size_t)x->n);
    reprosum_allreduce(sums, 2);
    const double team = reprosum_value(&sums[0]) / (double)x->N;
    x->usum += reprosum_value(&sums[1]) / (double)x->N;
    if (x->dual) dual_step_end(x->dual, t); /* the multipliers of step t + 1 */
    if (central) {                          /* the team's learnt reward per copy, exactly */
        for (int j = 0; j < C; j++) reprosum_init(&x->acc[W + j]);
        for (lidx_t i = 0; i < x->n; i++)
            for (int j = 0; j < C; j++) reprosum_add(&x->acc[W + j], x->rr[(size_t)i * C + j]);
        reprosum_allreduce(x->acc + W, C);
        for (int j = 0; j < C; j++) x->tc[j] = reprosum_value(&x->acc[W + j]) / (double)x->N;
        for (int q = 0; q < W; q++) reprosum_init(&x->acc[q]);
    }
    for (lidx_t i = 0; i < x->n; i++) { /* the next observations and actions */
        if (k + 1 < x->steps) {
            env_obs(x, i, k + 1, x->obs2 + (size_t)i * CD);
            env_act(x, i, x->obs2 + (size_t)i * CD, t + 1, x->act2 + (size_t)i * C);
        } else { /* the next day starts as this one did */
            memcpy(x->obs2 + (size_t)i * CD, x->obs0 + (size_t)i * CD, sizeof(float) * CD);
            memcpy(x->act2 + (size_t)i * C, x->act0 + (size_t)i * C, (size_t)C);
        }
    }
    for (lidx_t i = 0; i < x->n; i++) {
        const double *w = central ? x->wc : x->w + (size_t)i * W;
        const double mu = central ? x->muc : x->mu[i];
        double rsum = 0;
        memset(x->dth, 0, sizeof(double) * (size_t)K);
        memset(x->dw, 0, sizeof(double) * (size_t)W);
        for (int j = 0; j < C; j++) {
            const int a = x->act[(size_t)i * C + j], a2 = x->act2[(size_t)i * C + j];
            feats(x, x->obs + (size_t)i * CD + (size_t)j * D, x->fe);
            feats(x, x->obs2 + (size_t)i * CD + (size_t)j * D, x->fe2);
            env_policy(x, i, x->fe, x->pb);
            const double rj = central ? x->tc[j] : x->rr[(size_t)i * C + j];
            double adv;
            if (!x->value) { /* the local advantage from the action-value critic */
                const double qa = dot(w + (size_t)a * Pv, x->fe, Pv);
                double qbar = 0;
                for (int b = 0; b < L; b++) qbar += x->pb[b] * dot(w + (size_t)b * Pv, x->fe, Pv);
                adv = qa - qbar;
                const double d = rj - mu + dot(w + (size_t)a2 * Pv, x->fe2, Pv) - qa;
                for (int q = 0; q < Pv; q++) x->dw[(size_t)a * Pv + q] += d * x->fe[q];
            } else { /* the TD error with the team-reward model (central: the team's reward) */
                const double v = dot(w, x->fe, Pv), v2 = dot(w, x->fe2, Pv);
                const double rbar = central ? rj : dot(w + x->off_l + (size_t)a * Pv, x->fe, Pv);
                adv = rbar - mu + v2 - v;
                const double d = rj - mu + v2 - v;
                for (int q = 0; q < Pv; q++) x->dw[q] += d * x->fe[q];
                if (!central)
                    for (int q = 0; q < Pv; q++)
                        x->dw[x->off_l + (size_t)a * Pv + q] += (rj - rbar) * x->fe[q];
            }
            for (int b = 0; b < L; b++) { /* psi = grad log pi(a | o) */
                const double c = adv * ((b == a) - x->pb[b]);
                for (int q = 0; q < Pv; q++) x->dth[(size_t)b * Pv + q] += c * x->fe[q];
            }
            rsum += rj;
        }
        double *th = x->theta + (size_t)i * K;
        for (int q = 0; q < K; q++) th[q] += bt / C * x->dth[q];
        if (central) {
            for (int q = 0; q < W; q++) reprosum_add(&x->acc[q], x->dw[q]);
        } else {
            double *wi = x->w + (size_t)i * W;
            for (int q = 0; q < W; q++) wi[q] += bw / C * x->dw[q];
            x->mu[i] = (1 - bw) * mu + bw * (rsum / C);
        }
    }
    if (central) { /* one critic: the mean gradient over every agent and copy */
        reprosum_allreduce(x->acc, W);
        double tm = 0;
        for (int q = 0; q < W; q++)
            x->wc[q] += bw * reprosum_value(&x->acc[q]) / ((double)x->N * C);
        for (int j = 0; j < C; j++) tm += x->tc[j];
        x->muc = (1 - bw) * x->muc + bw * (tm / C);
    } else {
        mix(x, t * x->c.rounds);
    }
    float *o = x->obs;
    x->obs = x->obs2;
    x->obs2 = o;
    uint8_t *ac = x->act;
    x->act = x->act2;
    x->act2 = ac;
    x->t = t + 1;
    return team;
}

/* Collective. The multipliers' mean (exact) and largest value. */
static void lam_stats(netac_t *x)
{
    const double *l = dual_lambda(x->dual);
    x->lam_mean = reprosum_global(l, (size_t)x->n) / (double)x->N;
    x->lam_max = 0;
    for (lidx_t i = 0; i < x->n; i++) x->lam_max = l[i] > x->lam_max ? l[i] : x->lam_max;
    comm_allreduce_double(&x->lam_max, 1, COMM_MAX);
}

/* Iteration it: episode it of every copy, from its start. */
static double episode_env(netac_t *x, int64_t it)
{
    const size_t CD = (size_t)x->C * x->D;
    env_begin_episode(x->env, x->seed, ENV_NOISE_TRAIN, (uint64_t)it);
    for (lidx_t i = 0; i < x->n; i++) {
        env_reset_agent(x->env, i);
        env_obs(x, i, 0, x->obs + (size_t)i * CD);
        env_act(x, i, x->obs + (size_t)i * CD, x->t, x->act + (size_t)i * x->C);
    }
    memcpy(x->obs0, x->obs, sizeof(float) * CD * (size_t)x->n);
    memcpy(x->act0, x->act, (size_t)x->C * (size_t)x->n);
    double sum = 0;
    x->usum = 0;
    for (int k = 0; k < x->steps; k++) sum += step_env(x, k);
    x->usage = x->usum / x->steps;
    lam_stats(x);
    return sum / x->steps;
}

/* The largest relative distance of an agent's critic from the agents' mean
 * critic, max_i |w_i - wbar| / |wbar| (0 with the central critic). */
static double disagreement(const netac_t *x)
{
    if (x->c.central) return 0;
    const int W = x->W;
    double *mean = XNEW(double, (size_t)W);
    reprosum_t *acc = XNEW(reprosum_t, (size_t)W); /* every column's exact sum, one reduction */
    for (int q = 0; q < W; q++) reprosum_init(&acc[q]);
    for (lidx_t i = 0; i < x->n; i++)
        for (int q = 0; q < W; q++) reprosum_add(&acc[q], x->w[(size_t)i * W + q]);
    reprosum_allreduce(acc, W);
    for (int q = 0; q < W; q++) mean[q] = reprosum_value(&acc[q]) / (double)x->N;
    free(acc);
    double worst = 0;
    for (lidx_t i = 0; i < x->n; i++) {
        double d = 0;
        for (int q = 0; q < W; q++) d += pow(x->w[(size_t)i * W + q] - mean[q], 2);
        worst = d > worst ? d : worst;
    }
    comm_allreduce_double(&worst, 1, COMM_MAX);
    const double norm = sqrt(dot(mean, mean, W));
    free(mean);
    return norm > 0 ? sqrt(worst) / norm : 0;
}

/* Env mode's shape and its refusals (collective): an environment of agents
 * with discrete actions and private rewards, linear critics, a dual rule on
 * the usage; the memory it needs. */
static void env_shape(netac_t *x, const config_t *cfg, env_t *env)
{
    const char *name = x->value ? "netac-v" : "netac-q";
    const env_spec_t *sp = &env->spec;
    const dual_rule_t *rule = dual_rule_of(cfg);
    int rc = SAMARL_OK;
    if (sp->action_kind != ENV_ACTION_DISCRETE) /* a team's reward still comes per agent */
        rc = samarl_seterr("train.algo = %s on env.name = %s: expected discrete actions "
                           "(softmax actors over the environment's levels)",
                           name, env->ops->name);
    else if (x->c.critic_hidden)
        rc = samarl_seterr("netac.critic_hidden = %" PRId64 " is built for env.name = netmdp; on "
                           "env.name = %s the critics are linear in the observation: use "
                           "netac.critic_hidden = 0",
                           x->c.critic_hidden, env->ops->name);
    else if (rule->channel != 0)
        rc = samarl_seterr("train.algo = %s prices the usage g (cost channel 0), and dual.mode = "
                           "%s steps on cost channel %d: use dual.mode = none, fixed, local, "
                           "central, sampled, consensus, consensus-paper or tracking",
                           name, rule->name, rule->channel);
    comm_check(rc);
    x->D = sp->obs_dim;
    x->L = env->n_levels;
    x->C = env->copies;
    x->Pv = x->D + 1;
    x->P = x->Pv;
    x->K = x->L * x->Pv;
    x->Wn = x->Pv;
    x->W = x->value ? x->Pv + x->L * x->Pv : x->L * x->Pv;
    x->off_l = x->Pv;
    x->steps = (int)cfg->env.horizon;
    x->agent_scale = cfg->train.reward_scale == REWARD_SCALE_AGENT;
    /* every owned and ghost agent's critic row, the actors, averages,
     * three observations and actions per copy, the dual's state */
    const double n = (double)env->n, ng = n + (double)env->lg->n_ghost;
    const double need = ng * x->W * 8.0 * 2 + n * (x->K + 8.0) * 8 +
                        n * x->C * (3.0 * x->D * 4 + 3 + 8) + ng * 8 * 8;
    double node_need, avail;
    int node_ranks;
    if (!comm_memory_fits(need, &node_need, &node_ranks, &avail))
        rc = samarl_seterr("train.algo = %s on env.name = %s needs about %.3g GB more memory on "
                           "this node (%d rank%s: every agent's critics, actor and %d copies' "
                           "observations), but MemAvailable is %.3g GB: spread the agents over "
                           "more nodes, or lower train.copies",
                           name, env->ops->name, node_need / 1e9, node_ranks,
                           node_ranks > 1 ? "s" : "", x->C, avail / 1e9);
    comm_check(rc);
}

/* Env mode's buffers and its multipliers (dual.mode, shares by the agents'
 * scales as samarl run's). */
static void env_alloc(netac_t *x, const config_t *cfg, env_t *env)
{
    const size_t n1 = (size_t)x->n + 1, nC = (size_t)x->n * x->C + 1, C = (size_t)x->C;
    x->env = env;
    x->obs = XZNEW(float, nC * x->D);
    x->obs2 = XZNEW(float, nC * x->D);
    x->obs0 = XZNEW(float, nC * x->D);
    x->act = XZNEW(uint8_t, nC);
    x->act2 = XZNEW(uint8_t, nC);
    x->act0 = XZNEW(uint8_t, nC);
    x->lamf = XZNEW(float, C);
    x->gu = XZNEW(float, C);
    x->rw = XZNEW(float, C);
    x->rr = XZNEW(double, nC);
    x->fe = XZNEW(double, (size_t)x->Pv);
    x->fe2 = XZNEW(double, (size_t)x->Pv);
    x->pb = XZNEW(double, (size_t)x->L);
    x->dth = XZNEW(double, (size_t)x->K);
    x->dw = XZNEW(double, (size_t)x->W);
    x->tc = XZNEW(double, C);
    x->ug = XZNEW(double, n1);
    x->acc = XZNEW(reprosum_t, (size_t)x->W + C);
    double *shares = XNEW(double, n1);
    for (lidx_t i = 0; i < x->n; i++) shares[i] = env_scale(env, i);
    x->dhalo = halo_create(env->lg, (halo_method_t)cfg->halo.method, dual_rule_of(cfg)->width);
    dual_create(cfg, env->lg, x->dhalo, env->n_global, env->capacity, shares, NULL, NULL, &x->dual);
    free(shares);
    x->bm = blockmap_create(env->lg);
}

static void *netac_create_as(const config_t *cfg, env_t *env, int value)
{
    const netmdp_t *m = env_model(env, ENV_MODEL_NETMDP);
    SAMARL_ASSERT(env->lg); /* made on the graph */
    netac_t *x = XZNEW(netac_t, 1);
    x->m = m;
    x->c = *(const netac_config_t *)config_section_values(cfg, "netac");
    x->value = value;
    if (m) {
        x->P = m->n_phi;
        x->K = m->n_varphi;
        x->Wn = m->n_phi;
        if (x->c.critic_hidden) {
            tmlp_shape(&x->net, m->n_phi, (int)x->c.critic_hidden, 1);
            x->Wn = (int)x->net.n_params;
        }
        x->W = value ? 2 * x->Wn : x->Wn;
        x->off_l = x->Wn;
        x->steps = (int)x->c.steps;
        x->C = 1;
    } else {
        env_shape(x, cfg, env);
    }
    x->wf = XNEW(float, (size_t)x->Wn);
    x->xf = XNEW(float, (size_t)x->P);
    x->g = XNEW(double, (size_t)x->Wn);
    x->seed = cfg->run.seed;
    x->n = env->n;
    x->gid = env->gid;
    x->N = env->n_global;
    /* steps (x copies) key the draws (48-bit Philox counters), rounds the faults (a liar's
     * noise keys round x 256 + column) */
    const int64_t per = x->C > x->c.rounds ? x->C : x->c.rounds;
    if (cfg->train.iterations >= ((int64_t)1 << 40) / x->steps / per)
        comm_check(samarl_seterr("train.iterations = %" PRId64 " x %d steps x %" PRId64
                                 " (netac.rounds, or train.copies if more): expected fewer than "
                                 "2^40 (the keys of the draws and faults)",
                                 cfg->train.iterations, x->steps, per));
    const lidx_t ghosts = env->lg->n_ghost;
    x->nghost = ghosts;
    x->halo = halo_create(env->lg, (halo_method_t)cfg->halo.method, x->W < 256 ? x->W : 256);
    if (x->W > 256) x->slice = XNEW(double, (size_t)(x->n + ghosts) * 256 + 1);
    x->cons = consensus_create(env->lg, x->halo, (weights_t)cfg->dual.weights);
    consensus_faults_from_config(cfg, &x->f);
    comm_check(consensus_faults_check(&x->f, env->n_global));
    for (lidx_t i = 0; i < x->n; i++) x->liars += consensus_byzantine(&x->f, x->gid[i]);
    comm_allreduce_int64(&x->liars, 1, COMM_SUM);
    x->w = XZNEW(double, (size_t)(x->n + ghosts) * x->W + 1);
    x->theta = XZNEW(double, (size_t)x->n * x->K + 1);
    x->mu = XZNEW(double, (size_t)x->n + 1);
    x->r = XZNEW(double, (size_t)x->n + 1);
    x->wc = XZNEW(double, (size_t)x->W);
    if (!m) env_alloc(x, cfg, env);
    return x;
}

static void *netac_q_create(const config_t *cfg, env_t *env, policyset_t *ps)
{
    (void)ps; /* no networks (no_networks) */
    return netac_create_as(cfg, env, 0);
}

static void *netac_v_create(const config_t *cfg, env_t *env, policyset_t *ps)
{
    (void)ps;
    return netac_create_as(cfg, env, 1);
}

static void netac_destroy(void *self)
{
    netac_t *x = self;
    consensus_destroy(&x->cons);
    halo_destroy(&x->halo);
    free(x->w);
    free(x->theta);
    free(x->mu);
    free(x->r);
    free(x->wc);
    free(x->wf);
    free(x->xf);
    free(x->g);
    free(x->slice);
    free(x->history);
    if (x->env) {
        dual_destroy(&x->dual);
        halo_destroy(&x->dhalo);
        blockmap_destroy(&x->bm);
        free(x->obs);
        free(x->obs2);
        free(x->obs0);
        free(x->act);
        free(x->act2);
        free(x->act0);
        free(x->lamf);
        free(x->gu);
        free(x->rw);
        free(x->rr);
        free(x->fe);
        free(x->fe2);
        free(x->pb);
        free(x->dth);
        free(x->dw);
        free(x->tc);
        free(x->ug);
        free(x->acc);
    }
    free(x);
}

/* The reproduction's start: critics 1/P, actors 1/K (uniform policies, the
 * features being the same for both actions on average), averages 0; the
 * state drawn at the shared key, the first actions by the policies. */
static void netac_init_fresh(void *self)
{
    netac_t *x = self;
    x->t = 0;
    if (!x->m) return; /* env mode: every critic, actor (uniform) and average 0 */
    if (!x->c.critic_hidden) {
        for (size_t q = 0; q < (size_t)x->n * x->W; q++) x->w[q] = 1.0 / x->P;
        for (int q = 0; q < x->W; q++) x->wc[q] = 1.0 / x->P;
    } else { /* nn.Linear's initialisation, the same for every agent: they start agreed */
        for (int k = 0; k < x->W / x->Wn; k++) {
            tmlp_init(&x->net, x->wf, x->seed, RNG_STREAM_INIT, ((uint64_t)1 << 62) | (uint64_t)k);
            for (int q = 0; q < x->Wn; q++) x->wc[k * x->Wn + q] = x->wf[q];
        }
        for (lidx_t i = 0; i < x->n; i++)
            memcpy(x->w + (size_t)i * x->W, x->wc, sizeof(double) * (size_t)x->W);
    }
    for (size_t q = 0; q < (size_t)x->n * x->K; q++) x->theta[q] = 1.0 / x->K;
    x->s = (int)rng_pick(rng_uniform(x->seed, RNG_STREAM_ACTION, NETAC_SHARED, RNG_MAX_STEP - 1),
                         x->m->n_states);
    x->a = act(x, x->s, 0);
    x->t = 0;
}

static void netac_iteration(void *self, int64_t it, trainer_stats_t *st)
{
    netac_t *x = self;
    SAMARL_ASSERT(it == x->rows && x->t == it * x->steps);
    if (x->m) {
        double sum = 0;
        for (int64_t k = 0; k < x->steps; k++) sum += step(x);
        x->team = sum / (double)x->steps;
    } else {
        x->team = episode_env(x, it);
    }
    x->disagreement = disagreement(x);
    if (x->rows == x->cap) {
        x->cap = x->cap ? 2 * x->cap : 64;
        x->history = xrealloc(x->history, sizeof(double) * (size_t)x->cap);
    }
    x->history[x->rows++] = x->team;
    *st = (trainer_stats_t){0};
    st->aug_reward = x->team;
    st->value_loss = x->disagreement;
    st->agent_steps = (int64_t)x->N * x->steps * x->C;
}

/* The training curve: the last iteration's mean team reward (a continuing
 * task: the policies are judged where they run). */
static void netac_eval(void *self, env_t *eval_env, int64_t steps, double *ret, double *usage)
{
    (void)eval_env;
    (void)steps;
    *ret = ((netac_t *)self)->team;
    *usage = ((netac_t *)self)->usage;
}

/* Owned rows [n][w] into the whole table [N][w] on every rank (exact: one
 * nonzero term per entry). */
static double *gather_rows(const netac_t *x, const double *rows, int w)
{
    double *all = XZNEW(double, (size_t)x->N *w);
    for (lidx_t i = 0; i < x->n; i++)
        memcpy(all + (size_t)x->gid[i] * w, rows + (size_t)i * w, sizeof(double) * (size_t)w);
    comm_allreduce_double(all, (size_t)x->N * w, COMM_SUM);
    return all;
}

static void netac_save(void *self, pfio_t *io)
{
    const netac_t *x = self;
    h5file_t *f = pfio_h5(io);
    const gidx_t cnt = comm_rank() == 0 ? x->N : 0;
    h5io_group(f, "/netac");
    double *w = gather_rows(x, x->w, x->W), *th = gather_rows(x, x->theta, x->K),
           *mu = gather_rows(x, x->mu, 1);
    h5io_write_2d(f, "/netac/critic", H5IO_F64, x->N, x->W, 0, cnt, w, "1",
                  x->value ? "each agent's state-value critic v_i [features] then its "
                             "team-reward model l_i [features], after the last consensus"
                           : "each agent's action-value critic w_i, after the last consensus");
    h5io_write_2d(f, "/netac/actor", H5IO_F64, x->N, x->K, 0, cnt, th, "1",
                  "each agent's actor theta_i: pi_i(b | s) = softmax_b theta_i . varphi(s, b, i)");
    h5io_write_1d(f, "/netac/mu", H5IO_F64, x->N, 0, cnt, mu, "1",
                  "each agent's running average of its reward");
    h5io_write_1d(f, "/netac/central_critic", H5IO_F64, x->W, 0, comm_rank() == 0 ? x->W : 0, x->wc,
                  "1", "the central critic (netac.central = true; else its start)");
    pfio_put_series(io, "/netac/team_reward", x->rows, x->history, "1",
                    "each iteration's mean team-average reward over its steps");
    h5io_attr_int64(f, "/netac", "state", x->s, "1");
    h5io_attr_int64(f, "/netac", "action", (int64_t)x->a, "1");
    h5io_attr_int64(f, "/netac", "steps_done", x->t, "1");
    h5io_attr_double(f, "/netac", "central_mu", x->muc, "1");
    h5io_attr_double(f, "/netac", "disagreement", x->disagreement, "1");
    if (x->env) { /* the multipliers and their epoch's sums (dual.h's checkpoint) */
        h5io_attr_double(f, "/netac", "usage", x->usage, "1");
        dual_write_state(x->dual, f, x->bm, x->N);
        dual_write_stats(x->dual, f); /* central and sampled carry their lambda here */
    }
    h5io_attr_int64(f, "/", "adam_step", 0, "1");
    free(w);
    free(th);
    free(mu);
}

static int netac_load(void *self, pfio_t *io)
{
    netac_t *x = self;
    h5file_t *f = pfio_h5(io);
    const char *path = pfio_path(io);
    if (!h5io_exists(f, "/netac"))
        return samarl_seterr("%s: no /netac group (expected a file written by train.algo = "
                             "netac-q or netac-v)",
                             path);
    int64_t s, a, t;
    if (h5io_attr_read_int64(f, "/netac", "state", &s) ||
        h5io_attr_read_int64(f, "/netac", "action", &a) ||
        h5io_attr_read_int64(f, "/netac", "steps_done", &t) ||
        h5io_attr_read_double(f, "/netac", "central_mu", &x->muc))
        return SAMARL_ERR;
    int nd;
    gidx_t dims[2];
    if (h5io_shape(f, "/netac/critic", &nd, dims) || nd != 2 || dims[0] != x->N || dims[1] != x->W)
        return samarl_seterr("%s: /netac/critic is not [%" PRIdG "][%d] (expected %s's critics "
                             "of these features)",
                             path, x->N, x->W, x->value ? "netac-v" : "netac-q");
    const int64_t it = pfio_iterations(io);
    if (t != it * x->steps)
        return samarl_seterr("%s: %" PRId64 " steps done in %" PRId64
                             " iterations, and this run takes %d per iteration (%s; expected the "
                             "same steps per iteration to continue)",
                             path, t, it, x->steps, x->m ? "netac.steps" : "env.horizon");
    if (x->env) {
        if (h5io_attr_read_double(f, "/netac", "usage", &x->usage)) return SAMARL_ERR;
        int rc = dual_check_state(x->dual, f, path, x->N);
        if (rc == SAMARL_OK) rc = dual_read_stats(x->dual, f);
        if (rc != SAMARL_OK) return rc;
    }
    double *w = XNEW(double, (size_t)x->N * x->W), *th = XNEW(double, (size_t)x->N * x->K),
           *mu = XNEW(double, (size_t)x->N);
    h5io_read_2d(f, "/netac/critic", H5IO_F64, x->W, 0, x->N, w);
    h5io_read_2d(f, "/netac/actor", H5IO_F64, x->K, 0, x->N, th);
    h5io_read_1d(f, "/netac/mu", H5IO_F64, 0, x->N, mu);
    h5io_read_1d(f, "/netac/central_critic", H5IO_F64, 0, x->W, x->wc);
    for (lidx_t i = 0; i < x->n; i++) {
        memcpy(x->w + (size_t)i * x->W, w + (size_t)x->gid[i] * x->W, sizeof(double) * x->W);
        memcpy(x->theta + (size_t)i * x->K, th + (size_t)x->gid[i] * x->K, sizeof(double) * x->K);
        x->mu[i] = mu[x->gid[i]];
    }
    free(w);
    free(th);
    free(mu);
    x->cap = it > 64 ? it : 64;
    x->history = xrealloc(x->history, sizeof(double) * (size_t)x->cap);
    h5io_read_1d(f, "/netac/team_reward", H5IO_F64, 0, it, x->history);
    x->rows = it;
    x->team = it ? x->history[it - 1] : 0;
    x->s = (int)s;
    x->a = (uint64_t)a;
    x->t = t;
    if (x->env) {
        dual_read_state(x->dual, f, x->bm);
        lam_stats(x);
    }
    return SAMARL_OK;
}

static void netac_print_setup(void *self, FILE *out)
{
    const netac_t *x = self;
    if (x->env) {
        fprintf(out,
                "%s: %" PRIdG " agents of env.name = %s, %s critics linear in %d observation "
                "features and a bias%s, softmax actors over %d actions; an iteration is one "
                "episode of %d steps in %d copies; lambda by dual.mode = %s\n",
                x->value ? "netac-v" : "netac-q", x->N, x->env->ops->name,
                x->value ? "state-value and team-reward" : "action-value", x->D,
                x->c.central ? " (central: one critic on the exact team reward)" : ", consensed",
                x->L, x->steps, x->C, dual_rule(x->dual)->name);
        return;
    }
    fprintf(out,
            "%s: %" PRIdG
            " agents on %d states, %s critics of %d features%s, actors of %d, %" PRId64
            " steps per iteration\n",
            x->value ? "netac-v" : "netac-q", x->N, x->m->n_states,
            x->value ? "state-value and team-reward" : "action-value", x->P,
            x->c.central ? " (central: one critic on the exact team reward)" : " consensed", x->K,
            x->c.steps);
}

static void netac_print_progress(void *self, FILE *out)
{
    const netac_t *x = self;
    fprintf(out, "  team %.4f  critic spread %.2e", x->team, x->disagreement);
    if (x->env)
        fprintf(out, "  usage %.4f  lambda %.4f (max %.4f)", x->usage, x->lam_mean, x->lam_max);
}

static void netac_record(void *self, strbuf_t *sb, int64_t n_it, int64_t n_list)
{
    (void)n_it;
    (void)n_list;
    const netac_t *x = self;
    sb_printf(sb,
              ", \"netac\": {\"critic\": \"%s\", \"steps\": %" PRId64
              ", \"team_reward\": %.10g, \"disagreement\": %.6g, \"state\": %d, "
              "\"byzantine_agents\": %" PRId64 "}",
              x->c.central ? "central" : "consensus", x->t, x->team, x->disagreement, x->s,
              x->liars);
    if (x->env) /* on an engine environment: its usage and the multipliers */
        sb_printf(sb,
                  ", \"netac_env\": {\"usage\": %.10g, \"lambda_mean\": %.10g, "
                  "\"lambda_max\": %.10g, \"capacity_per_agent\": %.10g, \"dual\": \"%s\", "
                  "\"copies\": %d}",
                  x->usage, x->lam_mean, x->lam_max, x->env->capacity / (double)x->N,
                  dual_rule(x->dual)->name, x->C);
}

/* The two algorithms share everything but create (and one [netac] section). */
#define NETAC_OPS(NAME, SUMMARY, CREATE)                                                           \
    {                                                                                              \
        .name = NAME, .summary = SUMMARY, .model = ENV_MODEL_NETMDP, .agents_too = 1,              \
        .env_caps = 0, .no_networks = 1, .config = &netac_section, .create = CREATE,               \
        .destroy = netac_destroy, .init_fresh = netac_init_fresh, .iteration = netac_iteration,    \
        .save = netac_save, .load = netac_load, .evaluate = netac_eval,                            \
        .print_setup = netac_print_setup, .print_progress = netac_print_progress,                  \
        .record = netac_record                                                                     \
    }

const trainer_ops_t trainer_netac_q =
    NETAC_OPS("netac-q",
              "Zhang et al. 2018, Algorithm 1: networked actor-critic, action-value critics "
              "consensed with neighbours (seed 004; env.name = netmdp, or demand response)",
              netac_q_create);
const trainer_ops_t trainer_netac_v =
    NETAC_OPS("netac-v",
              "Zhang et al. 2018, Algorithm 2: networked actor-critic, state-value critics and "
              "team-reward models consensed (seed 004; env.name = netmdp, or demand response)",
              netac_v_create);
