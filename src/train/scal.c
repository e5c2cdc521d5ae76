/* train.algo = scal-mappo-l, ippo-l and happo: decentralised trainers on an
 * environment whose costs read graph neighbours (seed 001, Scal-MAPPO-L;
 * docs/training.md). One engine, three presets:
 *
 *   scal-mappo-l  kappa-hop actors and critics (train.kappa), a reward and a
 *                 cost critic per agent, a multiplier lambda_i >= 0 per agent
 *                 on its local cost, the sequential update
 *   ippo-l        the same with kappa = 0 and independent updates (no factor)
 *   happo         the sequential update on the reward alone (no cost critic,
 *                 lambda = 0), kappa-hop per-agent critics (HAPPO's critic is
 *                 centralised: a deviation, docs/training.md)
 *   mappo-l-local MAPPO-L as the paper compares against it (the MACPO code's
 *                 separated runner): scal-mappo-l's actors, multipliers and
 *                 sequential update, but each agent's reward and cost critics
 *                 read the global state, every agent's own observation
 *                 (N x D inputs, gid order), all-gathered once per iteration;
 *                 O(N^2) arithmetic and critic memory, refused by the memory
 *                 guard before it allocates
 *
 * Each iteration: a joint episode of train.copies copies, step by step over
 * every agent (one exchange of the observations over the kappa-hop halo for
 * the inputs x_i, kinput.h, and one of the usage over the one-hop halo for
 * the costs); per agent GAE advantages of the reward A_i and of the cost
 * A_i^c from its critics, normalised per agent, and the Lagrangian advantage
 * A_i - lambda_i A_i^c; the actors' update in the order of train.order, each
 * agent's clipped surrogate weighted per sample by the factor, the product of
 * pi_new(a_j) / pi_old(a_j) over the agents j updated before it
 * (train.factor = prod; clip1 caps it at 1; none: 1, and the agents update
 * independently); the critics (mean squared error to the GAE returns, own
 * Adam); then lambda_i <- max(0, lambda_i + train.dual_lr x the mean cost
 * of agent i over the iteration's samples).
 *
 * policy.sharing = shared: one actor for every agent, updated each minibatch
 * on the exact mean of every agent's gradient (as ppo's shared network), so
 * there is no order and no factor; the critics and multipliers stay per
 * agent. An option; the paper's setting is a network per agent.
 *
 * Determinism: the factor is carried as an exact fixed-point sum of log
 * ratios (int64, 2^-32 units) from agent to agent along the order, passed
 * between ranks with the order; the order is the same permutation of all
 * gids on every rank; every other computation is per agent and keyed by its
 * gid. So the trained networks, critics and multipliers are bit-identical on
 * any number of ranks. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/critic.h"
#include "samarl/error.h"
#include "samarl/h5io.h"
#include "samarl/halo.h"
#include "samarl/khop.h"
#include "samarl/kinput.h"
#include "samarl/rng.h"
#include "samarl/partition.h"
#include "samarl/policyfile.h"
#include "samarl/consensus.h"
#include "samarl/reprosum.h"
#include "samarl/timer.h"
#include "samarl/trainer.h"

#include "ppo_common.h"
#include "seqfactor.h"
#include "trpo.h"

typedef enum {
    PRESET_SCAL,
    PRESET_IPPO,
    PRESET_HAPPO,
    PRESET_MAPPO_LOCAL,
    PRESET_HATRPO,
    PRESET_CLIP_HAPPO,
    PRESET_CLIP_HATRPO
} preset_t;
/* The config's order (train.factor = prod|clip1|none). */
enum { FACTOR_PROD = SEQF_PROD, FACTOR_CLIP1 = SEQF_CLIP1, FACTOR_NONE = SEQF_NONE };
enum { ORDER_RANDOM, ORDER_FIXED, ORDER_COLOUR };
enum { SOURCE_EVAL = 4, TAG_FACTOR = 7101 };
/* Keys of the order's permutation and of the critics' draws: no gid uses them. */
#define ORDER_KEY (UINT64_MAX - 7)
#define CRITIC_SALT 0x5ca1c417ULL

typedef struct scal {
    const config_t *cfg;
    env_t *env;
    policyset_t *ps;
    preset_t preset;
    const char *name;
    int kappa, constrained, factor, order, nbhd;
    int has_costs; /* the environment has a local cost: measured even where not constrained */
    int D, Dk, B, T, S, Beval;
    int central; /* mappo-l-local: the critics read the global state */
    int Dc;      /* the critics' inputs: Dk, or N x D when central */
    lidx_t n;
    gidx_t N;
    kinput_t *ki;
    ppo_actors_t a;
    rollouts_t rs;
    /* Costs [n][S]: the samples, the cost critic's values, advantages, returns. */
    float *cost, *cval, *cadv, *cret;
    /* Critics: reward (and cost), per agent, with Adam. */
    critic_t cn;
    int n_crit;
    size_t ldx, Pc;
    float *cp, *cm, *cv, *cgrad; /* [n][n_crit][Pc], gradient [Pc] */
    float *xs, *xc,
        *ct; /* [S][ldx] an agent's (or the global) inputs, [mb][ldx], [mb] a minibatch */
    /* Central critics: one all-gather of every agent's own observations. */
    state_gather_t gather;
    double gather_bytes; /* received over all ranks per iteration */
    int32_t *cperm;      /* [S] */
    critic_work_t cw;
    int64_t c_step;
    /* train.critic_consensus: the critics averaged with the graph neighbours'. */
    consensus_t *ccons;
    halo_t *chalo;
    consensus_faults_t cfaults;
    double *cmix;         /* [n + ghosts][256] a slice of the critics' parameters */
    double critic_spread; /* max_i |c_i - c_bar| / |c_bar| of the reward critics, last iteration */
    float *lambda;        /* [n] */
    /* The joint episode's scratch. */
    float *obs_all, *xb, *lam_b, *g_b, *r_b; /* [n][B][D], [B][Dk], [B] x 3 */
    uint8_t *act_b;
    double *usage, *costb; /* [n + ghosts][B], [n][B] */
    double *costx, *lamx; /* neighbourhood Lagrangian: [n + ghosts][B] costs, [n + ghosts] lambda */
    halo_t *uhalo;
    /* The sequential update. */
    int32_t *sigma, *owner, *local_of; /* [N] order, owner rank, local index (or -1) */
    int64_t *L;                        /* [S] the factor's log, 2^-32 units */
    int64_t *dL;                       /* [S] colour order: a class's log ratios */
    int64_t *w_fx;                     /* [S] an agent's log ratios */
    /* train.critic = factored: the team's advantage, the exact sum over
     * every agent of its critic's advantage (SEQF_ONE units) [S]. */
    int factored;
    int64_t *team;
    /* train.critic = central: one critic on the global state (every
     * agent's own observation, all-gathered; N x D inputs), replicated on
     * every rank and trained on the team reward, the mean of the agents'
     * rewards; its advantage is every agent's. */
    int cc;
    critic_t ccn;
    critic_work_t ccw;
    float *ccp, *ccm, *ccv, *ccgrad, *gxs, *gxc; /* params, Adam, gradient, [S][ldg], [mb][ldg] */
    size_t ldg;
    float *tval, *trew, *tadv, *tret; /* [S] the team's values, rewards, advantages, returns */
    int32_t *colour;                  /* [n] colour order: each agent's class */
    int n_colours;
    float *w, *lp0, *lp1; /* [S] */
    /* This iteration's and the run's statistics. */
    double team_reward, viol_mean, viol_max, cost_mean, lam_mean, lam_max;
    double ev_reward, ev_viol_mean, ev_viol_max;
    int64_t bytes_step, handoffs, clamps;
    double wait_s, wait_total;
    /* The factor's weights: the sum over this iteration's updates of their
     * effective sample share (sum w)^2 / (S sum w^2), the updates counted,
     * and the largest |log w|. */
    double ess_sum, logw_max, ess_mean;
    int64_t ess_n;
    /* hatrpo, clip-hatrpo: one trust-region step per agent (trpo.h) instead
     * of PPO's epochs; this iteration's steps accepted and their mean KL. */
    int trust;
    trpo_t tr;
    trpo_opts_t tro;
    int64_t trpo_acc, trpo_n;
    /* Per position in the order (the strict orders: N positions; colour:
     * one per class, the class's largest value): this iteration's
     * variance of the weighted advantage w_s A_s, largest weight used,
     * largest factor before any clip, and the update's KL (the k3
     * estimate, mean of r - 1 - log r over the samples); then the whole
     * run's, [4][rows][n_pos], as /train/positions holds them. */
    int n_pos;
    double *pos;  /* [4][n_pos] */
    double *hist; /* [POS_N][hist_cap][n_pos] */
    int64_t hist_rows, hist_cap;
    /* An environment of joint copies (env->world, e.g. spread): every rank
     * runs all N agents in its block of the copies, acting with `act`,
     * every agent's actor, gathered from the owners before each episode
     * (records of the gid, the parameters, the normalisation and the
     * multiplier, prec bytes each); each sample then goes to its agent's
     * owner (one all-to-all: records of D + 4 floats, the input, action,
     * log-prob, reward and cost), into the rollouts at t C + its copy's
     * global index. */
    int copies;
    policyset_t act;
    int64_t *own_n, *wcopies, *wcopy0; /* [ranks]: agents trained, training world's copies */
    int64_t *sbase, *scount, *rcount;  /* [N] an agent's first record sent; [ranks] records */
    float *sbuf, *rbuf, *wobs, *wlp, *wrew, *wlam; /* ..., [N] every agent's multiplier */
    unsigned char *pbuf_s, *pbuf_r;
    size_t prec;
    double *wsum;    /* [3][N][copies] the episode's rewards, usage, cost per agent and copy */
    double *wcost;   /* [N][copies] a step's cost channel 1 (spread: collisions - the bound) */
    double ev_world; /* the evaluation's cost channel 1 + its bound per agent per step */
} scal_t;

enum { POS_VAR, POS_WEIGHT, POS_FACTOR, POS_KL, POS_N };
static const char *const pos_names[POS_N] = {"adv_variance", "max_weight", "max_factor", "kl"};
static const char *const pos_desc[POS_N] = {
    "per iteration (row) and position in the update order (column): the variance over the "
    "agent's samples of its weighted advantage w_s A_s",
    "the largest weight w_s the agent's surrogate used (the factor after any clip)",
    "the largest factor, the product of the earlier agents' ratios, before any clip",
    "the agent's update's KL(pi_old || pi_new), the mean over its samples of r - 1 - log r"};

/* ---- presets and sizes ------------------------------------------------------------- */

static int preset_constrained(preset_t p)
{
    return p == PRESET_SCAL || p == PRESET_IPPO || p == PRESET_MAPPO_LOCAL;
}

static int preset_trust(preset_t p)
{
    return p == PRESET_HATRPO || p == PRESET_CLIP_HATRPO;
}

static int preset_clipped(preset_t p)
{
    return p == PRESET_CLIP_HAPPO || p == PRESET_CLIP_HATRPO;
}

static int preset_kappa(preset_t p, const config_t *cfg)
{
    return p == PRESET_IPPO ? 0 : (int)cfg->train.kappa;
}

static kinput_kind_t input_kind(const config_t *cfg, int kappa)
{
    return kappa == 0 ? KINPUT_OWN : cfg->train.kappa_input == 1 ? KINPUT_SLOTS : KINPUT_SHELLMEAN;
}

/* Collective. The kappa-hop input of cfg on env's graph; refused on every
 * rank when its halo would not fit (halo.max_ghost_share). */
static kinput_t *make_input(const config_t *cfg, env_t *env, int kappa, int copies)
{
    kinput_t *ki = NULL;
    SAMARL_ASSERT(env->lg);
    int rc = kinput_create(env->lg, kappa, input_kind(cfg, kappa), env->spec.obs_dim, copies,
                           cfg->halo.max_ghost_share, &ki);
    if (rc != SAMARL_OK) { /* the halo's guard speaks of halo.hops: here it is train.kappa */
        char msg[1024], out[1200];
        snprintf(msg, sizeof msg, "%s", samarl_errmsg());
        size_t o = 0;
        for (const char *c = msg; *c && o + 16 < sizeof out;) {
            if (strncmp(c, "halo.hops", 9) == 0) {
                o += (size_t)snprintf(out + o, sizeof out - o, "train.kappa");
                c += 9;
            } else {
                out[o++] = *c++;
            }
        }
        out[o] = '\0';
        rc = samarl_seterr("%s", out);
    }
    comm_check(rc);
    return ki;
}

static int copies_max(const config_t *cfg)
{
    return (int)(cfg->train.copies > cfg->train.eval_copies ? cfg->train.copies
                                                            : cfg->train.eval_copies);
}

static size_t round16(size_t n)
{
    return (n + 15) / 16 * 16;
}

/* Bytes training adds on a rank beside the actors: every agent's rollout
 * and costs, critics with Adam, the actors' Adam, the halos' buffers. */
static double scal_bytes(const config_t *cfg, int Dk, int Dc, int D, gidx_t N, int n_crit,
                         int hidden, lidx_t n, lidx_t ghosts, int actor_stride, int positions)
{
    const double S = (double)cfg->train.copies * (double)cfg->env.horizon, B = copies_max(cfg);
    const double Pc = (double)Dc * hidden + (double)hidden * hidden + 3.0 * hidden + 1;
    double b = (double)n * rollout_bytes((size_t)S, Dk);                   /* rollouts */
    b += (double)n * S * 4 * 4;                                            /* costs */
    b += (double)n * n_crit * Pc * 4 * 3;                                  /* critics, Adam */
    b += (double)n * actor_stride * 4 * 2;                                 /* actors' Adam */
    b += S * round16((size_t)(Dc > Dk ? Dc : Dk)) * 4 * 2;                 /* an agent's inputs */
    b += S * 8 * 2;                                                        /* the factor */
    b += (double)n * B * D * 4 + ((double)n + ghosts) * B * (8 + 4.0 * D); /* halos */
    if (Dc != Dk) b += ((double)n + (double)N) * (8 + 4.0 * D * S);        /* the all-gather */
    b += (double)positions * (POS_N * 8.0 + POS_N * 8.0 * (double)cfg->train.iterations);
    if (env_splits_copies(cfg)) { /* every agent's actor; the samples sent and received */
        const double Pa = (double)D * hidden + (double)hidden * hidden + 3.0 * hidden + 8;
        b += (double)N * (Pa + 2.0 * D) * 4 * 3 + (double)N * B * D * 4;
        b += ((double)N + (double)n) * S * (D + 3.0) * 4;
    }
    if (cfg->train.critic_consensus > 0) /* a slice of the critics and its halo's buffers */
        b += ((double)n + ghosts) * 256 * 8 * 3;
    if (cfg->train.critic == 2) { /* the central critic: the all-gather, its state, its inputs */
        const double G = (double)D * (double)N;
        b += ((double)n + (double)N) * (8 + 4.0 * D * S) + S * G * 4 * 2;
        b += (G * hidden + (double)hidden * hidden + 3.0 * hidden + 1) * 4 * 4;
    }
    return b;
}

/* ---- the trainer's own keys and its refusals ---------------------------------------- */

static int check_config(preset_t preset, const char *name, const env_t *env)
{
    if (preset_constrained(preset) && env->spec.n_costs < 2)
        return samarl_seterr("train.algo = %s constrains each agent's local cost (cost channel "
                             "1), and env.name = %s has none beyond the usage g: use env.name "
                             "= drnet, or train.algo = happo (no constraint)",
                             name, env->ops->name);
    if (!env->lg)
        return samarl_seterr("train.algo = %s needs the agents' graph (env_create_on_graph)", name);
    return SAMARL_OK;
}

/* An environment of joint copies: every agent observes its whole world. */
static int check_copies(preset_t preset, const config_t *cfg, const env_t *env)
{
    if (!env->world) return SAMARL_OK;
    if (preset_kappa(preset, cfg) > 0)
        return samarl_seterr("env.name = %s: every agent observes its whole world (the "
                             "environment's joint copies are split across ranks, not its agents), "
                             "so a kappa-hop input does not apply: --set train.kappa=0",
                             env->ops->name);
    if (preset_constrained(preset) && cfg->train.lagrangian == 0)
        return samarl_seterr("train.lagrangian = neighbourhood prices the costs of an agent's "
                             "graph neighbours, and env.name = %s's agents have none (its joint "
                             "copies are split across ranks, not its agents): --set "
                             "train.lagrangian=own",
                             env->ops->name);
    if (env->world->ops->scale && cfg->train.reward_scale == REWARD_SCALE_AGENT)
        return samarl_seterr("env.name = %s scales its agents' rewards, which training on joint "
                             "copies does not do yet: --set train.reward_scale=none",
                             env->ops->name);
    return SAMARL_OK;
}

static const char *const preset_names[] = {
    "scal-mappo-l", "ippo-l", "happo", "mappo-l-local", "hatrpo", "clip-happo", "clip-hatrpo"};

static int scal_input_dim(preset_t preset, const config_t *cfg, env_t *env)
{
    comm_check(check_config(preset, preset_names[preset], env));
    comm_check(check_copies(preset, cfg, env));
    const int kappa = preset_kappa(preset, cfg);
    if (kappa == 0 || !env->lg) return env->spec.obs_dim;
    kinput_t *ki = make_input(cfg, env, kappa, 1);
    const int d = kinput_dim(ki);
    kinput_destroy(&ki);
    return d;
}

/* ---- the colour order: a colouring of the 2 kappa-hop graph --------------------------- */

/* Collective. Colour every owned agent so that no two agents within `hops`
 * hops share a colour (agents further apart share no input), by
 * Jones-Plassmann rounds: an uncoloured agent whose priority (a hash of
 * run.seed and its gid, ties by gid) is the highest among its uncoloured
 * neighbours within `hops` takes the smallest colour none of them has; one
 * exchange of the colours per round. The colours are a function of the
 * graph and the seed, the same on any number of ranks. Returns the number
 * of colours. */
static int colour_graph(scal_t *p, const lgraph_t *lg, int hops, const config_t *cfg)
{
    if (hops == 0) return 1; /* no shared inputs: one class */
    khop_t *k = NULL;
    int rc = khop_create(lg, hops, KHOP_METHOD_DEFAULT, 1, cfg->halo.max_ghost_share, 0, &k);
    if (rc != SAMARL_OK)
        rc = samarl_seterr("train.order = colour colours the %d-hop graph (2 x train.kappa): %s",
                           hops, samarl_errmsg());
    comm_check(rc);
    const lidx_t n = k->n_owned, nl = n + k->n_ghost;
    double *col = XNEW(double, (size_t)nl + 1), *pri = XNEW(double, (size_t)nl + 1);
    for (lidx_t i = 0; i < n; i++) {
        col[i] = -1;
        const rng_block_t b =
            rng_block(cfg->run.seed, RNG_STREAM_PERM, (uint64_t)k->gid[i], UINT64_MAX - 3);
        pri[i] = (double)((((uint64_t)b.v[0] << 32) | b.v[1]) >> 11); /* 53 bits: exact */
    }
    khop_exchange_doubles(k, pri, 1);
    int64_t left = n, maxc = 0;
    comm_allreduce_int64(&left, 1, COMM_SUM);
    uint8_t *used = XZNEW(uint8_t, (size_t)(k->nb_ptr[n] + 2));
    while (left > 0) {
        khop_exchange_doubles(k, col, 1);
        int64_t mine = 0;
        for (lidx_t i = 0; i < n; i++) {
            if (col[i] >= 0) continue;
            int top = 1;
            const int64_t lo = k->nb_ptr[i] + 1, hi = k->nb_ptr[i + 1];
            for (int64_t e = lo; e < hi && top; e++) {
                const lidx_t j = k->nb_idx[e];
                if (col[j] < 0 && (pri[j] > pri[i] || (pri[j] == pri[i] && k->gid[j] > k->gid[i])))
                    top = 0;
            }
            if (!top) {
                mine++;
                continue;
            }
            const int64_t deg = hi - lo;
            memset(used, 0, (size_t)deg + 2);
            for (int64_t e = lo; e < hi; e++) {
                const double c = col[k->nb_idx[e]];
                if (c >= 0 && c <= (double)deg) used[(int64_t)c] = 1;
            }
            int64_t c = 0;
            while (used[c]) c++;
            col[i] = (double)c;
            if (c > maxc) maxc = c;
        }
        left = mine;
        comm_allreduce_int64(&left, 1, COMM_SUM);
    }
    /* The invariant, checked: no two agents within `hops` share a colour. */
    khop_exchange_doubles(k, col, 1);
    for (lidx_t i = 0; i < n; i++) {
        for (int64_t e = k->nb_ptr[i] + 1; e < k->nb_ptr[i + 1]; e++)
            SAMARL_ASSERT(col[k->nb_idx[e]] != col[i]);
        p->colour[i] = (int32_t)col[i];
    }
    comm_allreduce_int64(&maxc, 1, COMM_MAX);
    free(used);
    free(col);
    free(pri);
    khop_destroy(&k);
    return (int)maxc + 1;
}

/* The per-position history with room for cap rows, the recorded ones
 * kept; rows never recorded read NaN. */
static void hist_alloc(scal_t *p, int64_t cap)
{
    const size_t np = (size_t)p->n_pos;
    if (cap < 1) cap = 1;
    double *h = XNEW(double, (size_t)POS_N *(size_t)cap *np);
    for (size_t q = 0; q < (size_t)POS_N * (size_t)cap * np; q++) h[q] = NAN;
    for (int k = 0; k < POS_N && p->hist; k++)
        memcpy(h + (size_t)k * (size_t)cap * np, p->hist + (size_t)k * (size_t)p->hist_cap * np,
               sizeof(double) * (size_t)p->hist_rows * np);
    free(p->hist);
    p->hist = h;
    p->hist_cap = cap;
}

/* ---- an environment of joint copies (spread) ---------------------------------------- */

/* Collective. The copies' bookkeeping (scal_t.copies): the ranks' agents
 * and copies, where each agent's samples go, the buffers. */
static void copies_init(scal_t *p)
{
    const env_t *w = p->env->world;
    const int P = comm_size(), me = comm_rank();
    const size_t N = (size_t)p->N, T = (size_t)p->T, Bw = (size_t)w->copies, R = (size_t)p->D + 4;
    SAMARL_ASSERT(!p->nbhd && p->kappa == 0 && p->Dk == p->D && p->env->spec.n_costs <= 2);
    p->copies = 1;
    policyset_init(&p->act, p->cfg, &p->env->spec, (lidx_t)N, p->Beval);
    p->own_n = XZNEW(int64_t, (size_t)P);
    p->wcopies = XZNEW(int64_t, (size_t)P);
    p->wcopy0 = XZNEW(int64_t, (size_t)P);
    p->scount = XZNEW(int64_t, (size_t)P);
    p->rcount = XZNEW(int64_t, (size_t)P);
    p->sbase = XZNEW(int64_t, N);
    for (size_t g = 0; g < N; g++) p->own_n[p->owner[g]]++;
    comm_allgather_int64(w->copies, p->wcopies);
    for (int r = 1; r < P; r++) p->wcopy0[r] = p->wcopy0[r - 1] + p->wcopies[r - 1];
    SAMARL_ASSERT(p->wcopy0[me] == w->copy0);
    int64_t off = 0; /* to each rank its agents in gid order, T x Bw records each */
    for (int q = 0; q < P; q++) {
        for (size_t g = 0; g < N; g++)
            if (p->owner[g] == q) {
                p->sbase[g] = off;
                off += (int64_t)(T * Bw);
            }
        p->scount[q] = p->own_n[q] * (int64_t)(T * Bw);
        p->rcount[q] = (int64_t)p->n * (int64_t)T * p->wcopies[q];
    }
    p->sbuf = alloc_floats(N * T * Bw * R);
    p->rbuf = alloc_floats((size_t)(p->n > 0 ? p->n : 1) * (size_t)p->S * R);
    p->wobs = alloc_floats((size_t)p->Beval * (size_t)p->D);
    p->wlp = alloc_floats((size_t)p->Beval);
    p->wrew = alloc_floats(N * (size_t)p->Beval);
    p->wlam = alloc_floats(N);
    p->wsum = XZNEW(double, 3 * N * (size_t)p->Beval);
    p->wcost = XZNEW(double, N *(size_t)p->Beval);
    const size_t in = (size_t)p->ps->net.in;
    p->prec = sizeof(int64_t) + sizeof(float) * (p->ps->net.n_params + 2 * in + 1);
    p->pbuf_s = XNEW(unsigned char, (size_t)(p->n > 0 ? p->n : 1) * p->prec);
    p->pbuf_r = XNEW(unsigned char, N * p->prec);
    /* received over all ranks per iteration: the other ranks' samples and actors */
    double away = 0; /* records of a rank's agents from the other ranks' copies */
    for (int q = 0; q < P; q++)
        away += (double)p->own_n[q] * (double)T * (double)(p->B - p->wcopies[q]);
    p->gather_bytes +=
        away * (double)R * sizeof(float) + (double)(P - 1) * (double)N * (double)p->prec;
}

static void copies_free(scal_t *p)
{
    if (!p->copies) return;
    policyset_free(&p->act);
    free(p->own_n);
    free(p->wcopies);
    free(p->wcopy0);
    free(p->scount);
    free(p->rcount);
    free(p->sbase);
    free(p->sbuf);
    free(p->rbuf);
    free(p->wobs);
    free(p->wlp);
    free(p->wrew);
    free(p->wlam);
    free(p->wsum);
    free(p->wcost);
    free(p->pbuf_s);
    free(p->pbuf_r);
}

/* Collective. Every agent's actor (parameters and normalisation; a shared
 * network's are the same on every rank already) and multiplier from its
 * owner into p->act and p->wlam. */
static void copies_gather_actors(scal_t *p)
{
    const policyset_t *ps = p->ps;
    policyset_t *act = &p->act;
    const int sh = ps->shared;
    const size_t in = (size_t)ps->net.in, np = sh ? 0 : ps->net.n_params, ni = sh ? 0 : in;
    if (sh) {
        memcpy(act->params, ps->params, sizeof(float) * ps->net.n_params);
        memcpy(act->obs_mean, ps->obs_mean, sizeof(float) * in);
        memcpy(act->obs_istd, ps->obs_istd, sizeof(float) * in);
    }
    for (lidx_t i = 0; i < p->n; i++) {
        unsigned char *r = p->pbuf_s + (size_t)i * p->prec;
        const int64_t g = (int64_t)p->env->gid[i];
        memcpy(r, &g, sizeof g);
        r += sizeof g;
        if (!sh) {
            memcpy(r, policyset_params(ps, i), sizeof(float) * np);
            memcpy(r + sizeof(float) * np, ps->obs_mean + (size_t)i * in, sizeof(float) * in);
            memcpy(r + sizeof(float) * (np + in), ps->obs_istd + (size_t)i * in,
                   sizeof(float) * in);
        }
        memcpy(r + sizeof(float) * (np + 2 * ni), &p->lambda[i], sizeof(float));
    }
    comm_allgatherv_bytes(p->pbuf_s, p->n, p->pbuf_r, p->own_n, p->prec);
    for (gidx_t k = 0; k < p->N; k++) {
        const unsigned char *r = p->pbuf_r + (size_t)k * p->prec;
        int64_t g;
        memcpy(&g, r, sizeof g);
        SAMARL_ASSERT(g >= 0 && g < p->N);
        r += sizeof g;
        if (!sh) {
            memcpy(policyset_params(act, (lidx_t)g), r, sizeof(float) * np);
            memcpy(act->obs_mean + (size_t)g * in, r + sizeof(float) * np, sizeof(float) * in);
            memcpy(act->obs_istd + (size_t)g * in, r + sizeof(float) * (np + in),
                   sizeof(float) * in);
        }
        memcpy(&p->wlam[g], r + sizeof(float) * (np + 2 * ni), sizeof(float));
    }
}

/* Collective. One episode of an environment of joint copies (v a view; its
 * world steps): every agent acts with its actor in each of the rank's
 * copies, then the world moves. The sums of the reward, the usage and the
 * world's cost over every agent and copy, exact (the same bits on any
 * number of ranks), into tot[3]. keep (training): each sample to its agent's owner, into
 * the rollouts at s = t C + its copy's global index. */
static void world_episode(scal_t *p, env_t *v, int64_t T, env_noise_t src, uint64_t episode,
                          int keep, double *tot)
{
    env_t *w = v->world;
    policyset_t *act = &p->act;
    const int B = w->copies, D = p->D;
    const size_t N = (size_t)p->N, Bz = (size_t)B, R = (size_t)D + 4, ld = (size_t)act->work.ld;
    const uint64_t seed = p->cfg->run.seed;
    const int source = keep ? PPO_SOURCE_TRAIN : SOURCE_EVAL;
    SAMARL_ASSERT(B <= p->Beval && (!keep || (B == p->wcopies[comm_rank()] && T == p->T)));
    copies_gather_actors(p);
    double *rs = p->wsum, *gs = p->wsum + N * Bz, *cs = p->wsum + 2 * N * Bz;
    memset(p->wsum, 0, sizeof(double) * 3 * N * Bz);
    env_begin_episode(w, seed, src, episode);
    for (size_t g = 0; g < N; g++) env_reset_agent(w, (lidx_t)g);
    for (int64_t t = 0; t < T; t++) {
        for (size_t g = 0; g < N; g++) {
            timer_start(TIMER_POLICY);
            for (size_t j = 0; j < Bz; j++) p->lam_b[j] = p->wlam[g];
            env_observe(w, (lidx_t)g, t, p->lam_b, p->wobs);
            policyset_act(act, w, (lidx_t)g, t, p->wobs, p->lam_b, seed, source, 0, p->act_b,
                          p->wlp, NULL);
            if (keep) {
                float *rec = p->sbuf + ((size_t)p->sbase[g] + (size_t)t * Bz) * R;
                for (size_t j = 0; j < Bz; j++, rec += R) {
                    for (int c = 0; c < D; c++) rec[c] = act->work.x[(size_t)c * ld + j];
                    rec[D] = (float)p->act_b[j];
                    rec[D + 1] = p->wlp[j];
                }
            }
            timer_stop(TIMER_POLICY);
            timer_start(TIMER_ENV);
            env_step(w, (lidx_t)g, t, p->act_b, p->g_b, NULL, NULL, NULL);
            for (size_t j = 0; j < Bz; j++) gs[g * Bz + j] += p->g_b[j];
            timer_stop(TIMER_ENV);
        }
        timer_start(TIMER_ENV);
        env_step_world(w, t, p->wrew, p->wcost);
        for (size_t g = 0; g < N; g++)
            for (size_t j = 0; j < Bz; j++) {
                const float r = p->wrew[g * Bz + j];
                rs[g * Bz + j] += r;
                const double c = p->has_costs ? p->wcost[g * Bz + j] : 0.0;
                cs[g * Bz + j] += c;
                if (keep) {
                    float *rec = p->sbuf + ((size_t)p->sbase[g] + (size_t)t * Bz + j) * R;
                    rec[D + 2] = r;
                    rec[D + 3] = (float)c;
                }
            }
        timer_stop(TIMER_ENV);
    }
    tot[0] = reprosum_global(rs, N * Bz);
    tot[1] = reprosum_global(gs, N * Bz);
    tot[2] = reprosum_global(cs, N * Bz);
    if (!keep) return;
    timer_start(TIMER_HALO);
    comm_alltoallv_bytes(p->sbuf, p->scount, p->rbuf, p->rcount, R * sizeof(float));
    timer_stop(TIMER_HALO);
    const int me = comm_rank();
    const size_t S = (size_t)p->S, C = (size_t)p->B;
    const float *rec = p->rbuf;
    for (int r = 0; r < comm_size(); r++) /* rank r's copies of my agents, in gid order */
        for (size_t g = 0; g < N; g++) {
            if (p->owner[g] != me) continue;
            rollout_t *ro = &p->rs.ro[p->local_of[g]];
            for (int64_t t = 0; t < T; t++)
                for (int64_t j = 0; j < p->wcopies[r]; j++, rec += R) {
                    const size_t s = (size_t)t * C + (size_t)(p->wcopy0[r] + j);
                    for (int c = 0; c < D; c++) ro->x[(size_t)c * S + s] = rec[c];
                    ro->act[s] = (uint8_t)rec[D];
                    ro->logp[s] = rec[D + 1];
                    ro->rew[s] = rec[D + 2];
                    p->cost[(size_t)p->local_of[g] * S + s] = rec[D + 3];
                }
        }
}

/* ---- creation --------------------------------------------------------------------- */

static void *scal_create(preset_t preset, const char *name, const config_t *cfg, env_t *env,
                         policyset_t *ps)
{
    comm_check(check_config(preset, name, env));
    comm_check(check_copies(preset, cfg, env));
    const int kappa = preset_kappa(preset, cfg);
    kinput_t *ki = make_input(cfg, env, kappa, copies_max(cfg));
    SAMARL_ASSERT(kinput_dim(ki) == ps->net.in);
    const int constrained = preset_constrained(preset), n_crit = constrained ? 2 : 1;
    if (cfg->train.critic == 2 && (constrained || preset == PRESET_MAPPO_LOCAL))
        comm_check(samarl_seterr("train.critic = central is one critic on the team reward for the "
                                 "unconstrained sequential trainers (happo, hatrpo, clip-happo, "
                                 "clip-hatrpo); train.algo = %s keeps a critic per agent%s: use "
                                 "train.critic = local or factored",
                                 name, constrained ? " for its local cost" : ""));
    if (preset_trust(preset) && ps->shared)
        comm_check(samarl_seterr("train.algo = %s takes a trust-region step per agent's network, "
                                 "and policy.sharing = shared has one network for every agent: "
                                 "use policy.sharing = none (the paper's setting), or "
                                 "train.algo = %s",
                                 name, preset == PRESET_HATRPO ? "happo" : "clip-happo"));
    const lidx_t ghosts = env->lg->n_ghost;
    const int central = preset == PRESET_MAPPO_LOCAL;
    const double G = (double)env->spec.obs_dim * (double)env->n_global;
    {
        const int Dc = central ? (G < 2147483647.0 ? (int)G : INT32_MAX) : ps->net.in;
        const int seq = preset != PRESET_IPPO && !ps->shared &&
                        (preset_clipped(preset) || cfg->train.factor != FACTOR_NONE);
        const double need = scal_bytes(cfg, ps->net.in, Dc, env->spec.obs_dim, env->n_global,
                                       n_crit, (int)cfg->train.critic_hidden, env->n, ghosts,
                                       (int)ps->net.stride, seq ? (int)env->n_global : 0);
        double node_need, avail;
        int node_ranks, rc = SAMARL_OK;
        if (!comm_memory_fits(need, &node_need, &node_ranks, &avail))
            rc = samarl_seterr(
                "train.algo = %s with train.kappa = %d needs about %.3g GB more memory on this "
                "node (%d rank%s, %.3g GB on this one: every agent's rollout of %d inputs, its "
                "critics of %d inputs%s and their Adam state), but MemAvailable is %.3g GB: "
                "%s",
                name, kappa, node_need / 1e9, node_ranks, node_ranks > 1 ? "s" : "", need / 1e9,
                ps->net.in, Dc, central ? " (the global state, N x D: growing as N^2)" : "",
                avail / 1e9,
                central ? "use fewer agents, train.copies or env.horizon, or the kappa-hop "
                          "critics of train.algo = scal-mappo-l"
                        : "lower train.kappa, train.copies or env.horizon, or spread the agents "
                          "over more nodes");
        if (rc != SAMARL_OK) kinput_destroy(&ki);
        comm_check(rc);
    }
    scal_t *p = XZNEW(scal_t, 1);
    p->cfg = cfg;
    p->env = env;
    p->ps = ps;
    p->preset = preset;
    p->name = name;
    p->kappa = kappa;
    p->ki = ki;
    p->constrained = constrained;
    p->n_crit = n_crit;
    /* One shared actor has no sequence: it updates on every agent's samples at once. */
    p->factor = preset == PRESET_IPPO || ps->shared ? FACTOR_NONE
                : preset_clipped(preset)            ? FACTOR_CLIP1
                                                    : cfg->train.factor;
    p->trust = preset_trust(preset);
    p->order = cfg->train.order;
    p->nbhd = constrained && cfg->train.lagrangian == 0;
    p->has_costs = env->spec.n_costs > 1;
    p->central = central;
    p->n = env->n;
    p->N = env->n_global;
    p->D = env->spec.obs_dim;
    p->Dk = ps->net.in;
    p->B = env->copies;
    p->Beval = copies_max(cfg);
    ppo_actors_init(&p->a, cfg, env, ps, 0, FXSUM_NEAREST_32);
    rollouts_init(&p->rs, cfg, env, ps, p->n > 0 ? p->n : 1);
    p->T = p->rs.T;
    p->S = p->rs.S;
    const size_t n1 = (size_t)(p->n > 0 ? p->n : 1), S = (size_t)p->S;
    p->cost = alloc_floats(n1 * S * 4);
    p->cval = p->cost + n1 * S;
    p->cadv = p->cval + n1 * S;
    p->cret = p->cadv + n1 * S;
    p->Dc = central ? (int)G : p->Dk;
    critic_shape(&p->cn, p->Dc, (int)cfg->train.critic_hidden);
    p->Pc = p->cn.n_params;
    p->ldx = round16((size_t)p->Dc);
    if (central) {
        state_gather_init(&p->gather, p->n, p->N, p->D, S);
        p->gather_bytes = (double)(comm_size() - 1) * (double)p->N * (double)p->gather.rec;
    }
    const size_t nc = n1 * (size_t)n_crit * p->Pc;
    p->cp = alloc_floats(nc);
    p->cm = alloc_floats(nc);
    p->cv = alloc_floats(nc);
    p->cgrad = alloc_floats(p->Pc);
    p->xs = alloc_floats(S * p->ldx);
    p->xc = alloc_floats((size_t)p->a.mb * p->ldx);
    p->ct = alloc_floats((size_t)p->a.mb);
    p->cperm = XNEW(int32_t, S);
    critic_work_init(&p->cw, &p->cn, p->a.mb);
    p->lambda = alloc_floats(n1);
    const size_t Bm = (size_t)p->Beval;
    p->obs_all = alloc_floats(n1 * Bm * (size_t)p->D);
    p->xb = alloc_floats(Bm * (size_t)p->Dk);
    p->lam_b = alloc_floats(Bm);
    p->g_b = alloc_floats(Bm);
    p->r_b = alloc_floats(Bm);
    p->act_b = XNEW(uint8_t, Bm);
    p->usage = XZNEW(double, ((size_t)p->n + (size_t)ghosts + 1) * Bm);
    p->costb = XZNEW(double, n1 *Bm);
    if (p->has_costs && !env->world) p->uhalo = halo_create(env->lg, HALO_P2P, p->Beval);
    if (cfg->train.critic_consensus > 0) {
        if (cfg->train.critic == 2 || env->world)
            comm_check(samarl_seterr(
                "train.critic_consensus = %" PRId64 " averages every agent's critic with its "
                "neighbours', and %s (expected a critic per agent on the agents' graph: "
                "train.critic = local or factored, an environment split by agents)",
                cfg->train.critic_consensus,
                cfg->train.critic == 2 ? "train.critic = central keeps one critic"
                                       : "this environment's agents "
                                         "move in joint copies"));
        const size_t W = (size_t)p->n_crit * p->Pc;
        p->chalo = halo_create(env->lg, (halo_method_t)cfg->halo.method, W < 256 ? (int)W : 256);
        p->ccons = consensus_create(env->lg, p->chalo, (weights_t)cfg->dual.weights);
        consensus_faults_from_config(cfg, &p->cfaults);
        comm_check(consensus_faults_check(&p->cfaults, env->n_global));
        p->cmix = XZNEW(double, ((size_t)p->n + (size_t)ghosts + 1) * 256);
    }
    if (p->nbhd) {
        p->costx = XZNEW(double, ((size_t)p->n + (size_t)ghosts + 1) * Bm);
        p->lamx = XZNEW(double, (size_t)p->n + (size_t)ghosts + 1);
    }
    /* The order's bookkeeping: every gid's owner and local index. */
    const size_t N = (size_t)p->N;
    p->sigma = XNEW(int32_t, N);
    p->owner = XNEW(int32_t, N);
    p->local_of = XNEW(int32_t, N);
    int64_t *own = XZNEW(int64_t, N);
    for (lidx_t i = 0; i < p->n; i++) own[env->gid[i]] = comm_rank() + 1;
    comm_allreduce_int64(own, N, COMM_SUM);
    for (size_t g = 0; g < N; g++) {
        p->owner[g] = (int32_t)(own[g] - 1);
        p->local_of[g] = -1;
    }
    free(own);
    for (lidx_t i = 0; i < p->n; i++) p->local_of[env->gid[i]] = i;
    p->L = XZNEW(int64_t, S);
    p->w_fx = XZNEW(int64_t, S);
    p->factored = cfg->train.critic == 1;
    p->cc = cfg->train.critic == 2;
    if (p->factored || p->cc) p->team = XZNEW(int64_t, S);
    if (p->cc) {
        const int G = (int)((gidx_t)p->D * p->N);
        critic_shape(&p->ccn, G, (int)cfg->train.critic_hidden);
        critic_work_init(&p->ccw, &p->ccn, p->a.mb);
        p->ccp = alloc_floats(p->ccn.n_params);
        p->ccm = alloc_floats(p->ccn.n_params);
        p->ccv = alloc_floats(p->ccn.n_params);
        p->ccgrad = alloc_floats(p->ccn.n_params);
        p->ldg = round16((size_t)G);
        p->gxs = alloc_floats(S * p->ldg);
        p->gxc = alloc_floats((size_t)p->a.mb * p->ldg);
        p->tval = alloc_floats(4 * S);
        p->trew = p->tval + S;
        p->tadv = p->trew + S;
        p->tret = p->tadv + S;
        state_gather_init(&p->gather, p->n, p->N, p->D, S);
        p->gather_bytes = (double)(comm_size() - 1) * (double)p->N * (double)p->gather.rec;
    }
    if (p->order == ORDER_COLOUR && p->factor != FACTOR_NONE) {
        p->dL = XZNEW(int64_t, S);
        p->colour = XZNEW(int32_t, n1);
        p->n_colours = colour_graph(p, env->lg, 2 * kappa, cfg);
    }
    p->w = alloc_floats(S);
    p->lp0 = alloc_floats(S);
    p->lp1 = alloc_floats(S);
    if (p->trust) {
        trpo_init(&p->tr, &ps->net, p->S, p->a.mb);
        p->tro = trpo_defaults();
        p->tro.delta = cfg->train.kl_threshold;
    }
    if (p->factor != FACTOR_NONE) {
        p->n_pos = p->order == ORDER_COLOUR ? p->n_colours : (int)p->N;
        p->pos = XZNEW(double, (size_t)POS_N *(size_t)p->n_pos);
        hist_alloc(p, cfg->train.iterations);
    }
    if (env->world) copies_init(p);
    return p;
}

static void scal_destroy(void *self)
{
    scal_t *p = self;
    kinput_destroy(&p->ki);
    if (p->ccons) consensus_destroy(&p->ccons);
    if (p->chalo) halo_destroy(&p->chalo);
    free(p->cmix);
    ppo_actors_free(&p->a);
    rollouts_free(&p->rs);
    free(p->cost);
    free(p->cp);
    free(p->cm);
    free(p->cv);
    free(p->cgrad);
    free(p->xs);
    free(p->xc);
    free(p->ct);
    free(p->cperm);
    if (p->central) state_gather_free(&p->gather);
    critic_work_free(&p->cw);
    free(p->lambda);
    free(p->obs_all);
    free(p->xb);
    free(p->lam_b);
    free(p->g_b);
    free(p->r_b);
    free(p->act_b);
    free(p->usage);
    free(p->costb);
    free(p->costx);
    free(p->lamx);
    halo_destroy(&p->uhalo);
    free(p->sigma);
    free(p->owner);
    free(p->local_of);
    free(p->L);
    free(p->dL);
    free(p->w_fx);
    free(p->team);
    if (p->cc) {
        critic_work_free(&p->ccw);
        free(p->ccp);
        free(p->ccm);
        free(p->ccv);
        free(p->ccgrad);
        free(p->gxs);
        free(p->gxc);
        free(p->tval);
        state_gather_free(&p->gather);
    }
    free(p->colour);
    free(p->w);
    free(p->lp0);
    free(p->lp1);
    if (p->trust) trpo_free(&p->tr);
    free(p->pos);
    free(p->hist);
    copies_free(p);
    free(p);
}

static float *critic_params(const scal_t *p, float *base, lidx_t i, int k)
{
    return base + ((size_t)i * (size_t)p->n_crit + (size_t)k) * p->Pc;
}

/* train.critic_consensus rounds of the engine's averaging on every agent's
 * critic parameters [n_crit][Pc], in slices of at most 256 columns (every
 * slice in the same messages: the same faults), global rounds numbered
 * it x rounds. */
static void critics_consense(scal_t *p, int64_t it)
{
    const int64_t R = p->cfg->train.critic_consensus;
    const size_t W = (size_t)p->n_crit * p->Pc;
    for (size_t c0 = 0; c0 < W; c0 += 256) {
        const size_t cw = W - c0 < 256 ? W - c0 : 256;
        for (lidx_t i = 0; i < p->n; i++) {
            const float *src = critic_params(p, p->cp, i, 0) + c0;
            for (size_t q = 0; q < cw; q++) p->cmix[(size_t)i * cw + q] = src[q];
        }
        consensus_faults_t f = p->cfaults;
        f.col0 = (int64_t)c0; /* a liar's noise per column of the whole critic */
        consensus_mix_faulty(p->ccons, p->cmix, (int)cw, (int)R, it * R, &f);
        for (lidx_t i = 0; i < p->n; i++) {
            float *dst = critic_params(p, p->cp, i, 0) + c0;
            for (size_t q = 0; q < cw; q++) dst[q] = (float)p->cmix[(size_t)i * cw + q];
        }
    }
}

/* The reward critics' spread, max_i |c_i - c_bar| / |c_bar| (exact sums). */
static double critics_spread(const scal_t *p)
{
    const size_t Pc = p->Pc;
    double *mean = XNEW(double, Pc), worst = 0, norm = 0;
    reprosum_t *acc = XNEW(reprosum_t, Pc); /* every column's exact sum, one reduction */
    for (size_t q = 0; q < Pc; q++) reprosum_init(&acc[q]);
    for (lidx_t i = 0; i < p->n; i++)
        for (size_t q = 0; q < Pc; q++) reprosum_add(&acc[q], critic_params(p, p->cp, i, 0)[q]);
    reprosum_allreduce(acc, (int)Pc);
    for (size_t q = 0; q < Pc; q++) {
        mean[q] = reprosum_value(&acc[q]) / (double)p->N;
        norm += mean[q] * mean[q];
    }
    free(acc);
    for (lidx_t i = 0; i < p->n; i++) {
        double d = 0;
        for (size_t q = 0; q < Pc; q++) d += pow(critic_params(p, p->cp, i, 0)[q] - mean[q], 2);
        worst = d > worst ? d : worst;
    }
    comm_allreduce_double(&worst, 1, COMM_MAX);
    free(mean);
    return norm > 0 ? sqrt(worst / norm) : 0;
}

static void scal_init_fresh(void *self)
{
    scal_t *p = self;
    const int blocks = p->kappa == 0 ? 1
                       : input_kind(p->cfg, p->kappa) == KINPUT_SLOTS
                           ? 1 + (int)kinput_max_neighbours(p->ki)
                           : p->kappa + 1;
    policyset_init_fresh_blocks(p->ps, p->env, p->cfg, blocks);
    for (lidx_t i = 0; i < p->n; i++) {
        for (int k = 0; k < p->n_crit; k++)
            critic_init(
                &p->cn, critic_params(p, p->cp, i, k), p->cfg->run.seed,
                /* consensed critics start agreed: keyed by the critic, not the agent */
                ((p->ccons ? (uint64_t)p->N + 1 : (uint64_t)p->env->gid[i]) << 2 | (uint64_t)k) ^
                    CRITIC_SALT);
        p->lambda[i] = p->constrained ? (float)p->cfg->dual.lambda0 : 0.0f;
    }
    if (p->cc) { /* the central critic: keyed by no agent's gid */
        critic_init(&p->ccn, p->ccp, p->cfg->run.seed, ((uint64_t)p->N << 2) ^ CRITIC_SALT);
        memset(p->ccm, 0, sizeof(float) * p->ccn.n_params);
        memset(p->ccv, 0, sizeof(float) * p->ccn.n_params);
    }
    const size_t nc = (size_t)p->n * (size_t)p->n_crit * p->Pc;
    memset(p->cm, 0, sizeof(float) * nc);
    memset(p->cv, 0, sizeof(float) * nc);
    p->a.adam_step = p->c_step = 0;
}

/* ---- the joint episode -------------------------------------------------------------- */

/* Collective. The neighbourhood Lagrangian's cost samples of the step at
 * s0: q_i = lambda_i c_i + sum over the neighbours j in gid order of
 * lambda_j c_j (one exchange of the costs). */
static void priced_costs(scal_t *p, int B, size_t s0)
{
    const lgraph_t *lg = p->env->lg;
    const size_t S = (size_t)p->S, Bz = (size_t)B;
    memcpy(p->costx, p->costb, sizeof(double) * (size_t)p->n * Bz);
    halo_exchange(p->uhalo, p->costx, B); /* timed as TIMER_HALO */
    for (lidx_t i = 0; i < p->n; i++)
        for (size_t j = 0; j < Bz; j++) {
            double q = p->lamx[i] * p->costx[(size_t)i * Bz + j];
            for (int64_t k = lg->rowptr[i]; k < lg->rowptr[i + 1]; k++)
                q += p->lamx[lg->col[k]] * p->costx[(size_t)lg->col[k] * Bz + j];
            p->cost[(size_t)i * S + s0 + j] = (float)q;
        }
}

/* Collective. One episode of env (copies B) with every agent acting on its
 * kappa-hop input and its multiplier: with keep, into the rollouts and the
 * cost samples (training); without, only the sums (evaluation). Per-agent
 * sums of the reward and the cost channel into rsum[i], csum[i]. */
static void joint_episode(scal_t *p, env_t *e, int64_t T, env_noise_t src, uint64_t episode,
                          int keep, double *rsum, double *csum, double *gsum)
{
    const config_t *cfg = p->cfg;
    policyset_t *ps = p->ps;
    const int B = e->copies, D = p->D, Dk = p->Dk;
    const size_t S = (size_t)p->S, BD = (size_t)B * (size_t)D;
    const uint64_t seed = cfg->run.seed;
    const int source = keep ? PPO_SOURCE_TRAIN : SOURCE_EVAL;
    env_begin_episode(e, seed, src, episode);
    for (lidx_t i = 0; i < p->n; i++) {
        env_reset_agent(e, i);
        rsum[i] = csum[i] = gsum[i] = 0;
    }
    if (p->nbhd && keep) { /* the neighbours' multipliers, for the priced costs */
        for (lidx_t i = 0; i < p->n; i++) p->lamx[i] = p->lambda[i];
        halo_exchange(p->uhalo, p->lamx, 1);
    }
    for (int64_t t = 0; t < T; t++) {
        timer_start(TIMER_POLICY);
        for (lidx_t i = 0; i < p->n; i++) {
            for (int j = 0; j < B; j++) p->lam_b[j] = p->lambda[i];
            env_observe(e, i, t, p->lam_b, p->obs_all + (size_t)i * BD);
        }
        timer_stop(TIMER_POLICY);
        kinput_exchange(p->ki, p->obs_all, B);
        for (lidx_t i = 0; i < p->n; i++) {
            timer_start(TIMER_POLICY);
            rollout_t *ro = &p->rs.ro[i];
            const size_t s0 = (size_t)t * (size_t)B;
            for (int j = 0; j < B; j++) p->lam_b[j] = p->lambda[i];
            kinput_build(p->ki, i, B, p->xb);
            uint8_t *act = keep ? ro->act + s0 : p->act_b;
            policyset_act(ps, e, i, t, p->xb, p->lam_b, seed, source, 0, act,
                          keep ? ro->logp + s0 : NULL, NULL);
            if (keep)
                for (int c = 0; c < Dk; c++)
                    memcpy(ro->x + (size_t)c * S + s0, ps->work.x + (size_t)c * ps->work.ld,
                           sizeof(float) * (size_t)B);
            timer_stop(TIMER_POLICY);
            timer_start(TIMER_ENV);
            env_step(e, i, t, act, p->g_b, p->r_b, NULL, NULL);
            const float inv_scale =
                cfg->train.reward_scale == REWARD_SCALE_AGENT ? 1.0f / env_scale(e, i) : 1.0f;
            for (int j = 0; j < B; j++) {
                if (keep) ro->rew[s0 + (size_t)j] = p->r_b[j] * inv_scale;
                p->usage[(size_t)i * (size_t)B + (size_t)j] = p->g_b[j];
                rsum[i] += p->r_b[j];
                gsum[i] += p->g_b[j];
            }
            timer_stop(TIMER_ENV);
        }
        if (p->has_costs) {
            halo_exchange(p->uhalo, p->usage, B); /* timed as TIMER_HALO */
            timer_start(TIMER_ENV);
            env_costs(e, t, p->usage, p->costb);
            for (lidx_t i = 0; i < p->n; i++)
                for (int j = 0; j < B; j++) {
                    const double c = p->costb[(size_t)i * (size_t)B + (size_t)j];
                    if (keep && !p->nbhd)
                        p->cost[(size_t)i * S + (size_t)t * (size_t)B + (size_t)j] = (float)c;
                    csum[i] += c;
                }
            timer_stop(TIMER_ENV);
            if (p->nbhd && keep) priced_costs(p, B, (size_t)t * (size_t)B);
        }
    }
}

/* Collective. Mean over agents of max(0, mean cost) / F and its largest,
 * and the mean cost, from per-agent sums over n samples each. */
static void violations(const scal_t *p, const double *csum, double n, double *vmean, double *vmax,
                       double *cmean)
{
    const size_t nl = (size_t)p->n;
    double *v = XNEW(double, nl + 1), *c = XNEW(double, nl + 1), mx = 0;
    const double F = p->env->cost_bound[1] > 0 ? p->env->cost_bound[1] : 1.0;
    for (size_t i = 0; i < nl; i++) {
        c[i] = csum[i] / n;
        v[i] = (c[i] > 0 ? c[i] : 0) / F;
        if (v[i] > mx) mx = v[i];
    }
    comm_allreduce_double(&mx, 1, COMM_MAX);
    *vmean = reprosum_global(v, nl) / (double)p->N;
    *cmean = reprosum_global(c, nl) / (double)p->N;
    *vmax = mx;
    free(v);
    free(c);
}

/* ---- critics ---------------------------------------------------------------------- */

/* Agent i's inputs, sample-major, into p->xs (central critics: the global
 * state, already there). */
static void inputs_rows(scal_t *p, const rollout_t *ro)
{
    if (p->central) return;
    const size_t S = (size_t)p->S;
    for (int c = 0; c < p->Dk; c++) {
        const float *src = ro->x + (size_t)c * S;
        for (size_t s = 0; s < S; s++) p->xs[s * p->ldx + (size_t)c] = src[s];
    }
}

/* A critic and what it reads: the shape, its work, the inputs of every
 * sample xs[S][ldx] (in features each), a minibatch's buffer xc[mb][ldx]
 * and the gradient [n_params]. The agents' critics share one; the
 * central critic (train.critic = central) has its own. */
typedef struct critic_on {
    const critic_t *cn;
    critic_work_t *cw;
    const float *xs;
    size_t ldx;
    int in;
    float *xc, *grad;
} critic_on_t;

/* The critic with parameters cp on every sample (chunks of a minibatch's
 * size, so the shapes never depend on the rank count) into v[S]. */
static void values_on(scal_t *p, const critic_on_t *c, const float *cp, float *v)
{
    const size_t S = (size_t)p->S, mb = (size_t)p->a.mb;
    for (size_t c0 = 0; c0 < S; c0 += mb) {
        const int m = (int)(S - c0 < mb ? S - c0 : mb);
        critic_forward(c->cn, cp, c->xs + c0 * c->ldx, c->ldx, m, c->cw);
        memcpy(v + c0, c->cw->v, sizeof(float) * (size_t)m);
    }
}

/* All epochs of the critic (cp with Adam moments cm, cv; minibatches
 * keyed by key) on the returns ret[S]; returns the last epoch's summed
 * squared error. */
static double update_on(scal_t *p, const critic_on_t *c, float *cp, float *cm, float *cv,
                        uint64_t key, const float *ret, int64_t it, double lr)
{
    const config_t *cfg = p->cfg;
    const int epochs = (int)cfg->train.epochs, mb = p->a.mb, n_mb = p->a.n_mb;
    const size_t P = c->cn->n_params;
    double vl = 0;
    int64_t step = p->c_step;
    for (int ep = 0; ep < epochs; ep++) {
        ppo_shuffle(p->cperm, p->S, cfg->run.seed, key,
                    (uint64_t)it * (uint64_t)epochs + (uint64_t)ep);
        for (int b = 0; b < n_mb; b++) {
            const int32_t *ix = p->cperm + (size_t)b * (size_t)mb;
            for (int r = 0; r < mb; r++) {
                memcpy(c->xc + (size_t)r * c->ldx, c->xs + (size_t)ix[r] * c->ldx,
                       sizeof(float) * (size_t)c->in);
                p->ct[r] = ret[ix[r]];
            }
            critic_forward(c->cn, cp, c->xc, c->ldx, mb, c->cw);
            const float k2 = 2.0f / (float)mb;
            for (int r = 0; r < mb; r++) {
                const float d = c->cw->v[r] - p->ct[r];
                c->cw->dv[r] = k2 * d;
                if (ep == epochs - 1) vl += (double)d * d;
            }
            critic_backward(c->cn, cp, c->xc, c->ldx, mb, c->cw, c->grad);
            ppo_clip_grad(c->grad, P, cfg->train.max_grad_norm);
            adam_update(cp, c->grad, cm, cv, P, ++step, lr);
        }
    }
    return vl;
}

/* The agents' critics: critic k of agent i (p->xs holds its inputs). */
static critic_on_t local_on(scal_t *p)
{
    return (critic_on_t){.cn = &p->cn,
                         .cw = &p->cw,
                         .xs = p->xs,
                         .ldx = p->ldx,
                         .in = p->Dc,
                         .xc = p->xc,
                         .grad = p->cgrad};
}

/* The central critic (train.critic = central; p->gxs holds the state). */
static critic_on_t central_on(scal_t *p)
{
    return (critic_on_t){.cn = &p->ccn,
                         .cw = &p->ccw,
                         .xs = p->gxs,
                         .ldx = p->ldg,
                         .in = p->ccn.in,
                         .xc = p->gxc,
                         .grad = p->ccgrad};
}

static void critic_values(scal_t *p, lidx_t i, int k, float *v)
{
    const critic_on_t c = local_on(p);
    values_on(p, &c, critic_params(p, p->cp, i, k), v);
}

static double critic_update(scal_t *p, lidx_t i, int k, const float *ret, int64_t it, double lr)
{
    const critic_on_t c = local_on(p);
    const uint64_t gid = (uint64_t)p->env->gid[i];
    return update_on(p, &c, critic_params(p, p->cp, i, k), critic_params(p, p->cm, i, k),
                     critic_params(p, p->cv, i, k), (gid << 2 | (uint64_t)k) ^ CRITIC_SALT, ret, it,
                     lr);
}

/* ---- the team's signal ------------------------------------------------------------- */

/* x[S] of one agent into the team's exact sum (p->team; each term within
 * SEQF_MAX / N, so N of them cannot overflow; saturations counted). */
static void team_add(scal_t *p, const float *x)
{
    for (int s = 0; s < p->S; s++)
        p->team[s] += seqf_term((double)x[s], SEQF_MAX / p->N, &p->clamps);
}

/* Collective. The mean over every agent of what team_add summed, into out[S]. */
static void team_mean(scal_t *p, float *out)
{
    comm_allreduce_int64(p->team, (size_t)p->S, COMM_SUM);
    for (int s = 0; s < p->S; s++) out[s] = (float)((double)p->team[s] / SEQF_ONE / (double)p->N);
}

/* ---- the sequential update --------------------------------------------------------- */

/* log pi_i(a_s | x_s) of agent i's current network on every sample of ro
 * (chunks of a minibatch's size) into lp[S]. */
static void log_probs(scal_t *p, lidx_t i, const rollout_t *ro, float *lp)
{
    ppo_actors_t *a = &p->a;
    const size_t S = (size_t)p->S, mb = (size_t)a->mb, ld = (size_t)a->work.ld;
    const float *par = policyset_params(p->ps, i);
    const int K = a->net.actions;
    for (size_t c0 = 0; c0 < S; c0 += mb) {
        const int m = (int)(S - c0 < mb ? S - c0 : mb);
        for (int c = 0; c < p->Dk; c++)
            memcpy(a->work.x + (size_t)c * ld, ro->x + (size_t)c * S + c0,
                   sizeof(float) * (size_t)m);
        mlp_forward(&a->net, par, m, &a->work);
        log_softmax_cols(a->work.out, ld, m, K, a->lsm, a->psm, NULL);
        for (int r = 0; r < m; r++) lp[c0 + (size_t)r] = a->lsm[(size_t)ro->act[c0 + r] * ld + r];
    }
}

/* Agent i's update, at position pos of the order (-1: none), weighted by
 * the factor in p->L (seqfactor.h): PPO's epochs, or one trust-region
 * step; its log ratios log pi_new - log pi_old per sample, in the factor's
 * fixed point, into d; its diagnostics into p->pos (the largest at a
 * position) where there is a record. */
static void update_weighted(scal_t *p, lidx_t i, int pos, int64_t it, double lr, int64_t *d)
{
    rollout_t *ro = &p->rs.ro[i];
    const size_t S = (size_t)p->S;
    double mf, mw, sw = 0, sw2 = 0, wa = 0, wa2 = 0;
    seqf_weights(p->factor, p->L, p->S, p->w, &mf, &mw);
    for (size_t s = 0; s < S; s++) {
        const double lw = fabs((double)p->L[s] / SEQF_ONE), x = (double)p->w[s] * ro->adv[s];
        if (lw > p->logw_max) p->logw_max = lw;
        sw += p->w[s];
        sw2 += (double)p->w[s] * p->w[s];
        wa += x;
        wa2 += x * x;
    }
    p->ess_sum += sw2 > 0 ? sw * sw / ((double)S * sw2) : 0;
    p->ess_n++;
    log_probs(p, i, ro, p->lp0);
    if (p->trust) {
        const trpo_batch_t b = {
            .x = ro->x, .ldx = S, .S = p->S, .act = ro->act, .adv = ro->adv, .weight = p->w};
        trpo_result_t r;
        trpo_step(&p->tr, policyset_params(p->ps, i), &b, &p->tro, &r);
        p->trpo_acc += r.accepted;
        p->trpo_n++;
    } else {
        ppo_update_agent(&p->a, i, ro, p->w, it, lr);
    }
    log_probs(p, i, ro, p->lp1);
    double kl = 0, k1 = 0;
    for (size_t s = 0; s < S; s++) {
        const double dl = (double)(p->lp1[s] - p->lp0[s]);
        d[s] = seqf_log(dl);
        kl += expm1(dl) - dl;
        k1 -= dl;
    }
    if (p->trust) { /* the training statistics PPO's epochs would keep: per sample of an epoch */
        const trpo_batch_t b = {.x = ro->x, .ldx = S, .S = p->S, .act = ro->act, .adv = ro->adv};
        const double per_epoch = (double)p->a.n_mb * p->a.mb;
        p->a.st_ent[i] = trpo_entropy(&p->tr, policyset_params(p->ps, i), &b) * per_epoch;
        p->a.st_kl[i] = k1 / (double)S * per_epoch;
    }
    const double v[POS_N] = {[POS_VAR] = wa2 / (double)S - (wa / (double)S) * (wa / (double)S),
                             [POS_WEIGHT] = mw,
                             [POS_FACTOR] = mf,
                             [POS_KL] = kl / (double)S};
    for (int k = 0; k < POS_N && p->pos && pos >= 0; k++) {
        double *q = p->pos + (size_t)k * (size_t)p->n_pos + (size_t)pos;
        if (v[k] > *q) *q = v[k];
    }
}

/* Strict order: the factor times agent i's ratios, for the next agent. */
static void update_in_sequence(scal_t *p, lidx_t i, int pos, int64_t it, double lr)
{
    update_weighted(p, i, pos, it, lr, p->w_fx);
    for (int s = 0; s < p->S; s++) p->L[s] = seqf_add(p->L[s], p->w_fx[s], &p->clamps);
}

/* Colour order: agent i's ratios join its class's, for the next class. */
static void update_in_class(scal_t *p, lidx_t i, int pos, int64_t it, double lr)
{
    update_weighted(p, i, pos, it, lr, p->w_fx);
    for (int s = 0; s < p->S; s++) p->dL[s] = seqf_add(p->dL[s], p->w_fx[s], &p->clamps);
}

/* Collective. This iteration's per-position diagnostics, the same on
 * every rank (one agent per position, or a class's largest: maxima of
 * non-negative values, exact), appended as row it of the run's. */
static void positions_record(scal_t *p, int64_t it)
{
    const size_t np = (size_t)p->n_pos;
    comm_allreduce_double(p->pos, POS_N * np, COMM_MAX);
    if (it + 1 > p->hist_cap) hist_alloc(p, it + 1 > 2 * p->hist_cap ? it + 1 : 2 * p->hist_cap);
    for (int k = 0; k < POS_N; k++)
        for (size_t m = 0; m < np; m++)
            p->hist[((size_t)k * (size_t)p->hist_cap + (size_t)it) * np + m] =
                p->pos[(size_t)k * np + m];
    if (it + 1 > p->hist_rows) p->hist_rows = it + 1;
}

/* Collective (along the order). The actors: independent updates (factor
 * none), or one agent after another in the order of the iteration, the
 * factor passed to the next agent's rank with the order. */
static void update_actors(scal_t *p, int64_t it, double lr)
{
    const int me = comm_rank();
    p->handoffs = 0;
    p->wait_s = 0;
    p->ess_sum = p->logw_max = 0;
    p->ess_n = 0;
    p->trpo_acc = p->trpo_n = 0;
    if (p->pos) memset(p->pos, 0, sizeof(double) * POS_N * (size_t)p->n_pos);
    if (p->ps->shared) { /* one network: every minibatch one step on all agents' samples */
        ppo_update_shared(&p->a, p->rs.ro, it, lr);
        return;
    }
    if (p->factor == FACTOR_NONE) {
        if (p->trust) { /* independent trust-region steps: weights 1 */
            memset(p->L, 0, sizeof(int64_t) * (size_t)p->S);
            for (lidx_t i = 0; i < p->n; i++) update_weighted(p, i, -1, it, lr, p->w_fx);
            ppo_actors_agents_done(&p->a);
            return;
        }
        for (lidx_t i = 0; i < p->n; i++) ppo_update_agent(&p->a, i, &p->rs.ro[i], NULL, it, lr);
        ppo_actors_agents_done(&p->a);
        return;
    }
    if (p->order == ORDER_COLOUR) { /* classes in a keyed order, each all at once */
        int32_t *cls = XNEW(int32_t, (size_t)p->n_colours);
        ppo_shuffle(cls, p->n_colours, p->cfg->run.seed, ORDER_KEY - 1, (uint64_t)it);
        memset(p->L, 0, sizeof(int64_t) * (size_t)p->S);
        for (int c = 0; c < p->n_colours; c++) {
            memset(p->dL, 0, sizeof(int64_t) * (size_t)p->S);
            for (lidx_t i = 0; i < p->n; i++)
                if (p->colour[i] == cls[c]) update_in_class(p, i, c, it, lr);
            const double t0 = comm_wtime();
            comm_allreduce_int64(p->dL, (size_t)p->S, COMM_SUM); /* exact: order-free */
            p->wait_s += comm_wtime() - t0;
            for (int s = 0; s < p->S; s++) p->L[s] = seqf_add(p->L[s], p->dL[s], &p->clamps);
        }
        free(cls);
        ppo_actors_agents_done(&p->a);
        return;
    }
    const gidx_t N = p->N;
    if (p->order == ORDER_RANDOM)
        ppo_shuffle(p->sigma, (int)N, p->cfg->run.seed, ORDER_KEY, (uint64_t)it);
    else
        for (gidx_t m = 0; m < N; m++) p->sigma[m] = (int32_t)m;
    memset(p->L, 0, sizeof(int64_t) * (size_t)p->S);
    for (gidx_t m = 0; m < N; m++) {
        const int32_t g = p->sigma[m];
        if (p->owner[g] != me) continue;
        if (m > 0 && p->owner[p->sigma[m - 1]] != me) {
            const double t0 = comm_wtime();
            comm_recv_int64(p->L, p->S, p->owner[p->sigma[m - 1]], TAG_FACTOR);
            p->wait_s += comm_wtime() - t0;
        }
        update_in_sequence(p, p->local_of[g], (int)m, it, lr);
        if (m + 1 < N && p->owner[p->sigma[m + 1]] != me) {
            comm_send_int64(p->L, p->S, p->owner[p->sigma[m + 1]], TAG_FACTOR);
            p->handoffs++;
        }
    }
    ppo_actors_agents_done(&p->a);
    int64_t h = p->handoffs;
    comm_allreduce_int64(&h, 1, COMM_SUM);
    p->handoffs = h;
}

/* ---- an iteration ---------------------------------------------------------------------- */

static void scal_iteration(void *self, int64_t it, trainer_stats_t *st)
{
    scal_t *p = self;
    const config_t *cfg = p->cfg;
    const double lr = ppo_lr_at(cfg, it);
    const size_t S = (size_t)p->S, n1 = (size_t)(p->n > 0 ? p->n : 1);
    double *rsum = XZNEW(double, n1), *csum = XZNEW(double, n1), *gsum = XZNEW(double, n1);
    ppo_actors_begin(&p->a);

    timer_start(TIMER_COLLECT);
    if (p->copies) { /* the world's copies, then each agent's samples at its owner */
        double tot[3];
        world_episode(p, p->env, p->T, ENV_NOISE_TRAIN, (uint64_t)it, 1, tot);
        for (lidx_t i = 0; i < p->n; i++)
            for (size_t s = 0; s < S; s++) {
                rsum[i] += p->rs.ro[i].rew[s];
                csum[i] += p->cost[(size_t)i * S + s];
            }
    } else {
        joint_episode(p, p->env, p->T, ENV_NOISE_TRAIN, (uint64_t)it, 1, rsum, csum, gsum);
    }
    if (p->central) /* the global state: every agent's own observation, as its actor saw it */
        state_gather(&p->gather, p->rs.ro, p->n, p->env->gid, p->N, p->xs, p->ldx);
    /* Values, advantages, the Lagrangian advantage; the critics' targets. */
    if (p->team) memset(p->team, 0, sizeof(int64_t) * S);
    for (lidx_t i = 0; i < p->n && !p->cc; i++) { /* the agents' critics */
        rollout_t *ro = &p->rs.ro[i];
        inputs_rows(p, ro);
        critic_values(p, i, 0, ro->val);
        rollout_gae(ro, p->T, p->B, cfg->train.gamma, cfg->train.gae_lambda);
        if (p->factored) team_add(p, ro->adv);
        if (p->constrained) {
            rollout_t c = {.val = p->cval + (size_t)i * S,
                           .rew = p->cost + (size_t)i * S,
                           .adv = p->cadv + (size_t)i * S,
                           .ret = p->cret + (size_t)i * S};
            critic_values(p, i, 1, c.val);
            rollout_gae(&c, p->T, p->B, cfg->train.gamma, cfg->train.gae_lambda);
        }
    }
    const float *team_adv = NULL; /* every agent's advantage, where the team's */
    if (p->cc) { /* the team reward's advantage from the central critic on the state */
        for (lidx_t i = 0; i < p->n; i++) team_add(p, p->rs.ro[i].rew);
        team_mean(p, p->trew);
        state_gather(&p->gather, p->rs.ro, p->n, p->env->gid, p->N, p->gxs, p->ldg);
        const critic_on_t c = central_on(p);
        values_on(p, &c, p->ccp, p->tval);
        rollout_t tr = {.val = p->tval, .rew = p->trew, .adv = p->tadv, .ret = p->tret};
        rollout_gae(&tr, p->T, p->B, cfg->train.gamma, cfg->train.gae_lambda);
        team_adv = p->tadv;
    }
    if (p->factored) { /* the team's advantage (1/N) sum_i A_i; p->w is free until the update */
        team_mean(p, p->w);
        team_adv = p->w;
    }
    for (lidx_t i = 0; i < p->n && team_adv; i++)
        memcpy(p->rs.ro[i].adv, team_adv, sizeof(float) * S);
    for (lidx_t i = 0; i < p->n; i++) {
        rollout_t *ro = &p->rs.ro[i];
        if (p->constrained) {
            /* A_i - lambda_i A_i^c (own), or A_i - A_i^q (neighbourhood: the
             * multipliers are in q), in their units, then normalised. */
            const float *cadv = p->cadv + (size_t)i * S;
            const float l = p->nbhd ? 1.0f : p->lambda[i];
            for (size_t s = 0; s < S; s++) ro->adv[s] -= l * cadv[s];
        }
        rollout_normalise(ro->adv, p->S);
        p->rs.rew[i] = rsum[i] - (double)p->lambda[i] * csum[i];
        p->rs.usage[i] = gsum[i];
    }
    timer_stop(TIMER_COLLECT);

    timer_start(TIMER_UPDATE);
    update_actors(p, it, lr);
    if (p->pos) positions_record(p, it);
    if (p->trust) {
        int64_t t[2] = {p->trpo_acc, p->trpo_n};
        comm_allreduce_int64(t, 2, COMM_SUM);
        p->trpo_acc = t[0];
        p->trpo_n = t[1];
    }
    if (p->cc) { /* replicated: the same state, returns and steps on every rank */
        const critic_on_t c = central_on(p);
        const double vl = update_on(p, &c, p->ccp, p->ccm, p->ccv,
                                    ((uint64_t)p->N << 2) ^ CRITIC_SALT, p->tret, it, lr);
        for (lidx_t i = 0; i < p->n; i++) p->a.st_vl[i] += vl;
    }
    for (lidx_t i = 0; i < p->n && !p->cc; i++) {
        inputs_rows(p, &p->rs.ro[i]);
        double vl = critic_update(p, i, 0, p->rs.ro[i].ret, it, lr);
        if (p->constrained) vl += critic_update(p, i, 1, p->cret + (size_t)i * S, it, lr);
        p->a.st_vl[i] += vl;
    }
    p->c_step += cfg->train.epochs * p->a.n_mb;
    if (p->ccons) critics_consense(p, it);
    /* the spread: every iteration with consensed critics, else at the last */
    if (!p->cc && (p->ccons || it + 1 == cfg->train.iterations))
        p->critic_spread = critics_spread(p);
    timer_stop(TIMER_UPDATE);
    ppo_warn_clamps(p->clamps, it);
    p->clamps = 0;

    /* Statistics (exact sums), then the multipliers' step. */
    ppo_actors_stats(&p->a, &p->rs, st);
    const double NS = (double)p->N * (double)S;
    p->team_reward = reprosum_global(rsum, (size_t)p->n) / NS;
    if (p->has_costs) violations(p, csum, (double)S, &p->viol_mean, &p->viol_max, &p->cost_mean);
    if (p->constrained) {
        double lm[2] = {0, 0};
        for (lidx_t i = 0; i < p->n; i++) {
            const double l = p->lambda[i] + cfg->train.dual_lr * (csum[i] / (double)S);
            p->lambda[i] = (float)(l > 0 ? l : 0);
            if (p->lambda[i] > lm[1]) lm[1] = p->lambda[i];
        }
        comm_allreduce_double(&lm[1], 1, COMM_MAX);
        double *lv = XNEW(double, n1);
        for (lidx_t i = 0; i < p->n; i++) lv[i] = p->lambda[i];
        lm[0] = reprosum_global(lv, (size_t)p->n) / (double)p->N;
        free(lv);
        p->lam_mean = lm[0];
        p->lam_max = lm[1];
    }
    int64_t b = /* an environment of copies exchanges nothing per step */
        p->copies
            ? 0
            : kinput_bytes_per_exchange(p->ki, p->B) +
                  (p->uhalo
                       ? (1 + p->nbhd) * halo_send_count(p->uhalo) * p->B * (int64_t)sizeof(double)
                       : 0);
    comm_allreduce_int64(&b, 1, COMM_SUM);
    p->bytes_step = b;
    p->wait_total += p->wait_s;
    {
        double e[2] = {p->ess_sum, (double)p->ess_n}, mx = p->logw_max;
        comm_allreduce_double(e, 2, COMM_SUM); /* diagnostics: not part of the state */
        comm_allreduce_double(&mx, 1, COMM_MAX);
        p->ess_mean = e[1] > 0 ? e[0] / e[1] : 1.0;
        p->logw_max = mx;
    }
    free(rsum);
    free(csum);
    free(gsum);
}

/* The training curve's evaluation: one joint episode of the evaluation
 * environment at the agents' multipliers; the team reward and the usage
 * per agent per step (and the violations, for the reports). */
static void scal_evaluate(void *self, env_t *ee, int64_t steps, double *ret, double *usage)
{
    scal_t *p = self;
    if (p->copies) { /* every agent of every copy of the evaluation's world */
        double tot[3];
        world_episode(p, ee, steps, ENV_NOISE_EVAL, 0, 0, tot);
        const double n = (double)steps * (double)ee->copies, NS = (double)p->N * n;
        *ret = p->ev_reward = tot[0] / NS;
        *usage = tot[1] / NS;
        if (p->has_costs) { /* each agent's violation: its cost over every copy, exact */
            const double F = p->env->cost_bound[1] > 0 ? p->env->cost_bound[1] : 1.0;
            const size_t B = (size_t)ee->world->copies;
            const double *cs = p->wsum + 2 * (size_t)p->N * B;
            double vs = 0, vm = 0;
            for (gidx_t g = 0; g < p->N; g++) {
                const double c = reprosum_global(cs + (size_t)g * B, B) / n;
                const double v = (c > 0 ? c : 0) / F;
                vs += v;
                vm = v > vm ? v : vm;
            }
            p->ev_viol_mean = vs / (double)p->N;
            p->ev_viol_max = vm;
            p->ev_world = tot[2] / NS + p->env->cost_bound[1];
        }
        return;
    }
    const size_t n1 = (size_t)(p->n > 0 ? p->n : 1);
    double *rsum = XZNEW(double, n1), *csum = XZNEW(double, n1), *gsum = XZNEW(double, n1);
    joint_episode(p, ee, steps, ENV_NOISE_EVAL, 0, 0, rsum, csum, gsum);
    const double n = (double)steps * (double)ee->copies, NS = (double)p->N * n;
    *ret = reprosum_global(rsum, (size_t)p->n) / NS;
    *usage = reprosum_global(gsum, (size_t)p->n) / NS;
    p->ev_reward = *ret;
    if (p->has_costs) {
        double cm;
        violations(p, csum, n, &p->ev_viol_mean, &p->ev_viol_max, &cm);
    }
    free(rsum);
    free(csum);
    free(gsum);
}

/* ---- the trainer's state in the policy file, and its reports ------------------------ */

/* The actors' Adam state (as ppo's), every agent's critics with their Adam
 * state (/critic_local/params, adam_m, adam_v: [agents][critics x params],
 * reward critic first; attribute critic_step), the multipliers
 * (/lambda_local) and root attributes algo, kappa, kappa_input. */
static void scal_save(void *self, pfio_t *io)
{
    const scal_t *p = self;
    h5file_t *f = pfio_h5(io);
    const int width = p->n_crit * (int)p->Pc;
    ppo_adam_save(io, p->a.m, p->a.v, p->a.adam_step);
    h5io_group(f, "/critic_local");
    pfio_put_agent_table(io, "/critic_local/params", p->cp, p->n, width, "1",
                         "each agent's critics' parameters: reward critic, then cost critic");
    if (!pfio_weights_only(io)) {
        pfio_put_agent_table(io, "/critic_local/adam_m", p->cm, p->n, width, "1",
                             "the critics' Adam first moments");
        pfio_put_agent_table(io, "/critic_local/adam_v", p->cv, p->n, width, "1",
                             "the critics' Adam second moments");
    }
    h5io_attr_int64(f, "/critic_local", "critic_step", p->c_step, "1");
    pfio_put_agent_table(io, "/lambda_local", p->lambda, p->n, 1, "1",
                         "each agent's multiplier on its local cost");
    if (p->cc) { /* replicated: rank 0 writes it */
        const gidx_t P = (gidx_t)p->ccn.n_params, cnt = comm_rank() == 0 ? P : 0;
        h5io_group(f, "/critic_central");
        h5io_write_1d(f, "/critic_central/params", H5IO_F32, P, 0, cnt, p->ccp, "1",
                      "the central critic's parameters (train.critic = central: the team "
                      "reward's value on the global state)");
        if (!pfio_weights_only(io)) {
            h5io_write_1d(f, "/critic_central/adam_m", H5IO_F32, P, 0, cnt, p->ccm, "1",
                          "its Adam first moments");
            h5io_write_1d(f, "/critic_central/adam_v", H5IO_F32, P, 0, cnt, p->ccv, "1",
                          "its Adam second moments");
        }
    }
    h5io_attr_str(f, "/", "algo", p->name);
    h5io_attr_int64(f, "/", "kappa", p->kappa, "hops");
    if (p->n_pos > 0 && p->hist_rows > 0) { /* rows of the history are contiguous */
        const size_t np = (size_t)p->n_pos;
        h5io_group(f, "/positions");
        for (int k = 0; k < POS_N; k++) {
            char path[64];
            snprintf(path, sizeof path, "/positions/%s", pos_names[k]);
            h5io_write_2d(f, path, H5IO_F64, p->hist_rows, p->n_pos, 0,
                          comm_rank() == 0 ? p->hist_rows : 0,
                          p->hist + (size_t)k * (size_t)p->hist_cap * np,
                          k == POS_KL ? "nats" : "1", pos_desc[k]);
        }
        h5io_attr_str(f, "/positions", "columns",
                      p->order == ORDER_COLOUR ? "the colour classes in the order they updated "
                                                 "(each value the class's largest)"
                                               : "positions in the update order");
    }
    h5io_attr_str(f, "/", "kappa_input",
                  p->kappa == 0                                  ? "own"
                  : input_kind(p->cfg, p->kappa) == KINPUT_SLOTS ? "slots"
                                                                 : "shellmean");
}

static int scal_load(void *self, pfio_t *io)
{
    scal_t *p = self;
    h5file_t *f = pfio_h5(io);
    const int width = p->n_crit * (int)p->Pc;
    if (ppo_adam_load(io, p->a.m, p->a.v, &p->a.adam_step) != SAMARL_OK) return SAMARL_ERR;
    int64_t kappa = -1;
    if (h5io_attr_read_int64(f, "/", "kappa", &kappa) != SAMARL_OK) {
        samarl_clearerr();
        return samarl_seterr("%s was not trained with train.algo = %s (no kappa, no local "
                             "critics): continue it with the trainer that wrote it",
                             pfio_path(io), p->name);
    }
    char *algo = NULL;
    if (h5io_attr_read_str(f, "/", "algo", &algo) != SAMARL_OK) return SAMARL_ERR;
    const int same = strcmp(algo, p->name) == 0;
    if (!same) {
        samarl_seterr("%s was trained with train.algo = %s, this configuration has %s: continue "
                      "it with --set train.algo=%s (the critics differ)",
                      pfio_path(io), algo, p->name, algo);
        free(algo);
        return SAMARL_ERR;
    }
    free(algo);
    if (kappa != p->kappa)
        return samarl_seterr("%s was trained with train.kappa = %" PRId64 ", this configuration "
                             "has %d: --set train.kappa=%" PRId64,
                             pfio_path(io), kappa, p->kappa, kappa);
    if (pfio_check_agent_table(io, "/critic_local/params", width) ||
        pfio_check_agent_table(io, "/critic_local/adam_m", width) ||
        pfio_check_agent_table(io, "/critic_local/adam_v", width) ||
        pfio_check_agent_table(io, "/lambda_local", 1) ||
        h5io_attr_read_int64(f, "/critic_local", "critic_step", &p->c_step))
        return SAMARL_ERR;
    pfio_get_agent_table(io, "/critic_local/params", p->cp, p->n, width);
    pfio_get_agent_table(io, "/critic_local/adam_m", p->cm, p->n, width);
    pfio_get_agent_table(io, "/critic_local/adam_v", p->cv, p->n, width);
    pfio_get_agent_table(io, "/lambda_local", p->lambda, p->n, 1);
    if (p->cc) {
        const char *const names[3] = {"/critic_central/params", "/critic_central/adam_m",
                                      "/critic_central/adam_v"};
        float *const dst[3] = {p->ccp, p->ccm, p->ccv};
        for (int k = 0; k < 3; k++) {
            gidx_t len = 0;
            if (h5io_length_1d(f, names[k], &len) != SAMARL_OK) {
                samarl_clearerr();
                return samarl_seterr("%s has no central critic (%s): it was trained with another "
                                     "train.critic; continue it with that one",
                                     pfio_path(io), names[k]);
            }
            if (len != (gidx_t)p->ccn.n_params)
                return samarl_seterr("%s: %s has %" PRId64 " parameters, this run's central critic "
                                     "%zu (train.critic_hidden or the agents differ)",
                                     pfio_path(io), names[k], (int64_t)len, p->ccn.n_params);
            h5io_read_1d(f, names[k], H5IO_F32, 0, len, dst[k]);
        }
    } else if (h5io_exists(f, "/critic_central")) {
        return samarl_seterr("%s was trained with train.critic = central: continue it with "
                             "--set train.critic=central",
                             pfio_path(io));
    }
    p->hist_rows = 0;
    /* The record of the file's iterations (another length: a file
     * written otherwise; its rows are not this run's, and are left). */
    gidx_t rows = -1, dims[2];
    int nd = 0;
    if (p->n_pos > 0 && h5io_exists(f, "/positions")) {
        if (h5io_shape(f, "/positions/kl", &nd, dims) == SAMARL_OK && nd == 2)
            rows = dims[0];
        else
            samarl_clearerr();
    }
    if (p->n_pos > 0 && rows == pfio_iterations(io)) {
        for (int k = 0; k < POS_N; k++) {
            char path[64];
            snprintf(path, sizeof path, "/positions/%s", pos_names[k]);
            if (h5io_shape(f, path, &nd, dims) != SAMARL_OK) return SAMARL_ERR;
            if (nd != 2 || dims[1] != p->n_pos)
                return samarl_seterr("%s: %s has %" PRId64 " columns, this run has %d positions "
                                     "(train.order or the agents differ)",
                                     pfio_path(io), path, (int64_t)dims[1], p->n_pos);
            if (k == 0) { /* room for the rows read and this run's */
                p->hist_rows = 0;
                hist_alloc(p,
                           dims[0] > p->cfg->train.iterations ? dims[0] : p->cfg->train.iterations);
                p->hist_rows = dims[0];
            }
            if (dims[0] != p->hist_rows)
                return samarl_seterr("%s: the /positions tables differ in length", pfio_path(io));
            h5io_read_2d(f, path, H5IO_F64, p->n_pos, 0, dims[0],
                         p->hist + (size_t)k * (size_t)p->hist_cap * (size_t)p->n_pos);
        }
    }
    return SAMARL_OK;
}

static const char *factor_name(int f)
{
    return f == FACTOR_PROD ? "prod" : f == FACTOR_CLIP1 ? "clip1" : "none";
}

static void scal_print_setup(void *self, FILE *out)
{
    const scal_t *p = self;
    fprintf(
        out,
        "%s: kappa %d (%s input, %d features, up to %" PRId64 " neighbours), %s critic%s "
        "%d-%d-%d-1 per agent%s, %s, factor %s, order %s%s; about %.4g MB of buffers on rank 0\n",
        p->name, p->kappa,
        p->kappa == 0                                  ? "own"
        : input_kind(p->cfg, p->kappa) == KINPUT_SLOTS ? "slots"
                                                       : "shellmean",
        p->Dk, kinput_max_neighbours(p->ki), p->constrained ? "reward and cost" : "reward",
        p->constrained ? "s" : "", p->cn.in, p->cn.hidden, p->cn.hidden,
        p->central    ? " on the global state"
        : p->factored ? " (factored: the team advantage)"
        : p->cc       ? " unused: one central critic on the global state learns the team reward"
                      : "",
        p->ps->shared ? "one shared actor updated on every agent's samples at once"
                      : "an actor per agent",
        factor_name(p->factor),
        p->order == ORDER_RANDOM  ? "random"
        : p->order == ORDER_FIXED ? "gid"
                                  : "colour",
        p->constrained ? ", a multiplier per agent on its local cost" : "",
        scal_bytes(p->cfg, p->Dk, p->Dc, p->D, p->N, p->n_crit, p->cn.hidden, p->n,
                   p->env->lg->n_ghost, (int)p->ps->net.stride, p->n_pos) /
            1e6);
    if (p->copies)
        fprintf(out,
                "%s: %d joint copies split across %d ranks (%" PRId64 " on rank 0), every "
                "agent's actor gathered and every sample sent to its agent's rank: %.4g MB per "
                "iteration over all ranks\n",
                p->env->ops->name, p->B, comm_size(), p->wcopies[0], p->gather_bytes / 1e6);
}

static void scal_print_progress(void *self, FILE *out)
{
    const scal_t *p = self;
    fprintf(out, "  team-r %+.4f", p->team_reward);
    if (p->has_costs) fprintf(out, "  viol %.4f (max %.3f)", p->viol_mean, p->viol_max);
    if (p->constrained) fprintf(out, "  lambda %.4f (max %.3f)", p->lam_mean, p->lam_max);
    if (p->factor != FACTOR_NONE)
        fprintf(out, "  ESS %.3f  |log w| %.2f  wait %.2fs", p->ess_mean, p->logw_max, p->wait_s);
    if (p->trust) fprintf(out, "  TR steps %" PRId64 "/%" PRId64, p->trpo_acc, p->trpo_n);
}

static void scal_print_summary(void *self, FILE *out, int64_t n_it)
{
    const scal_t *p = self;
    fprintf(out, "%s: after %" PRId64 " iterations, evaluation team reward %.6g %s", p->name, n_it,
            p->ev_reward, p->env->reward_units);
    if (p->has_costs)
        fprintf(out, ", violation of the %s bound mean %.4f max %.4f (of the bound)",
                p->env->cost_name[1], p->ev_viol_mean, p->ev_viol_max);
    if (p->constrained) fprintf(out, ", lambda mean %.4g", p->lam_mean);
    if (p->copies && p->has_costs)
        fprintf(out, ", %s %.6g %s", p->env->cost_name[1], p->ev_world, p->env->cost_units[1]);
    fprintf(out, "; %" PRId64 " bytes per step over all ranks\n", p->bytes_step);
}

static void scal_record(void *self, strbuf_t *sb, int64_t n_it, int64_t n_list)
{
    const scal_t *p = self;
    (void)n_list;
    sb_printf(sb,
              ", \"kappa\": %d, \"inputs\": %d, \"factor\": \"%s\", \"order\": \"%s\", "
              "\"team_reward\": %.10g, \"eval_team_reward\": %.10g, "
              "\"violation_mean\": %.10g, \"violation_max\": %.10g, "
              "\"eval_violation_mean\": %.10g, \"eval_violation_max\": %.10g, "
              "\"lambda_local_mean\": %.10g, \"lambda_local_max\": %.10g, "
              "\"bytes_per_step\": %" PRId64 ", \"bytes_per_iteration\": %.10g, "
              "\"handoffs\": %" PRId64 ", \"seq_wait_s_per_iteration\": %.6g, "
              "\"colours\": %d, \"factor_ess_mean\": %.6g, \"factor_log_max\": %.6g, "
              "\"critic_inputs\": %d, \"critic_params\": %zu, \"buffer_bytes_rank0\": %.6g, "
              "\"update\": \"%s\", \"trpo_accepted\": %" PRId64 ", \"trpo_steps\": %" PRId64
              ", \"positions\": %d, \"critic\": \"%s\", \"critic_consensus\": %" PRId64
              ", \"critic_spread\": %.6g",
              p->kappa, p->Dk, factor_name(p->factor),
              p->order == ORDER_RANDOM  ? "random"
              : p->order == ORDER_FIXED ? "fixed"
                                        : "colour",
              p->team_reward, p->ev_reward, p->viol_mean, p->viol_max, p->ev_viol_mean,
              p->ev_viol_max, p->lam_mean, p->lam_max, p->bytes_step,
              (double)p->bytes_step * (double)p->T + (double)p->handoffs * p->S * 8.0 +
                  p->gather_bytes,
              p->handoffs, n_it > 0 ? p->wait_total / (double)n_it : 0.0, p->n_colours, p->ess_mean,
              p->logw_max, p->Dc, p->Pc,
              scal_bytes(p->cfg, p->Dk, p->Dc, p->D, p->N, p->n_crit, p->cn.hidden, p->n,
                         p->env->lg->n_ghost, (int)p->ps->net.stride, p->n_pos),
              p->trust ? "trpo" : "ppo", p->trpo_acc, p->trpo_n, p->n_pos,
              p->cc         ? "central"
              : p->factored ? "factored"
                            : "local",
              p->cfg->train.critic_consensus, p->critic_spread);
    if (p->copies && p->has_costs) /* the cost channel's quantity: its value plus the bound */
        sb_printf(sb, ", \"eval_%s\": %.10g", p->env->cost_name[1], p->ev_world);
    /* The last iteration per position (up to 1024 of them; /positions has all). */
    if (p->n_pos > 0 && p->n_pos <= 1024 && p->hist_rows > 0) {
        const size_t np = (size_t)p->n_pos, row = (size_t)(p->hist_rows - 1);
        for (int k = 0; k < POS_N; k++) {
            sb_printf(sb, ", \"last_%s\": [", pos_names[k]);
            for (size_t m = 0; m < np; m++) {
                const double v = p->hist[((size_t)k * (size_t)p->hist_cap + row) * np + m];
                if (isfinite(v))
                    sb_printf(sb, "%s%.6g", m ? ", " : "", v);
                else
                    sb_printf(sb, "%snull", m ? ", " : "");
            }
            sb_printf(sb, "]");
        }
    }
}

/* ---- the presets ------------------------------------------------------------------------ */

#define PRESET(fn, P, NAME)                                                                        \
    static void *fn##_create(const config_t *cfg, env_t *env, policyset_t *ps)                     \
    {                                                                                              \
        return scal_create(P, NAME, cfg, env, ps);                                                 \
    }                                                                                              \
    static int fn##_input_dim(const config_t *cfg, env_t *env)                                     \
    {                                                                                              \
        return scal_input_dim(P, cfg, env);                                                        \
    }
PRESET(smappo, PRESET_SCAL, "scal-mappo-l")
PRESET(ippo, PRESET_IPPO, "ippo-l")
PRESET(happo, PRESET_HAPPO, "happo")
PRESET(mlocal, PRESET_MAPPO_LOCAL, "mappo-l-local")
PRESET(hatrpo, PRESET_HATRPO, "hatrpo")
PRESET(chappo, PRESET_CLIP_HAPPO, "clip-happo")
PRESET(chatrpo, PRESET_CLIP_HATRPO, "clip-hatrpo")

#define OPS(fn, NAME, SUMMARY)                                                                     \
    {                                                                                              \
        .name = NAME, .summary = SUMMARY,                                                          \
        .env_caps = TRAINER_CAN_HOPS | TRAINER_CAN_COSTS | TRAINER_CAN_COPIES,                     \
        .consensed_critics = 1, .input_dim = fn##_input_dim, .create = fn##_create,                \
        .destroy = scal_destroy, .init_fresh = scal_init_fresh, .iteration = scal_iteration,       \
        .save = scal_save, .load = scal_load, .evaluate = scal_evaluate,                           \
        .print_setup = scal_print_setup, .print_progress = scal_print_progress,                    \
        .print_summary = scal_print_summary, .record = scal_record                                 \
    }

const trainer_ops_t trainer_scal_mappo_l =
    OPS(smappo, "scal-mappo-l",
        "Scal-MAPPO-L (seed 001): kappa-hop actors and critics, a multiplier per agent on its "
        "local cost, sequential updates with the HAPPO factor");
const trainer_ops_t trainer_ippo_l =
    OPS(ippo, "ippo-l",
        "independent PPO-Lagrangian: own observation, own critics and multiplier, simultaneous "
        "updates (kappa = 0, no factor)");
const trainer_ops_t trainer_happo =
    OPS(happo, "happo",
        "HAPPO: sequential updates with the factor on the reward alone (no constraint), "
        "kappa-hop per-agent critics");
const trainer_ops_t trainer_mappo_l_local =
    OPS(mlocal, "mappo-l-local",
        "MAPPO-L with a multiplier per agent on its local cost (Scal-MAPPO-L's baseline): "
        "kappa-hop actors, sequential updates, each agent's critics on the global state");
const trainer_ops_t trainer_hatrpo =
    OPS(hatrpo, "hatrpo",
        "HATRPO: happo's sequential update with one trust-region step per agent (conjugate "
        "gradient on the Fisher matrix of the mean KL, line search within train.kl_threshold)");
const trainer_ops_t trainer_clip_happo =
    OPS(chappo, "clip-happo",
        "clip-HAPPO (seed 003): happo with each sample's factor clipped at 1, min(factor, 1), "
        "the unclipped factor carried on");
const trainer_ops_t trainer_clip_hatrpo =
    OPS(chatrpo, "clip-hatrpo",
        "clip-HATRPO (seed 003): hatrpo with each sample's factor clipped at 1, min(factor, 1), "
        "the unclipped factor carried on");
