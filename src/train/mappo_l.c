/* train.algo = mappo-l, MAPPO-Lagrangian: the centralised-training baseline
 * that samarl's state-augmented training is compared against.
 *
 * Actors: the same networks as ppo (per agent, or one shared), acting on
 * their local observations, whose multiplier input is the current global
 * lambda, so the trained actors are ordinary samarl policy files.
 *
 * Critic: ONE centralised value network, as in the reference MAPPO
 * implementation (on-policy share_obs per agent): agent i's value is
 * V(s, o_i) where s is the global state, the concatenation of all N agents'
 * normalised observations (gid order), and o_i agent i's own; the input has
 * 6N + 6 features. Two tanh hidden layers of train.critic_hidden units, MSE
 * on the GAE returns, its own Adam. Its samples are stored per agent, as
 * share_obs is in the reference buffer: N agents x S samples x (6N + 6)
 * floats, O(N^2) memory, and evaluating it for every agent costs O(N^2) per
 * step. (A first layer factored into a global part computed once per step
 * and an own part would cut the arithmetic's constant, and a buffer holding
 * s once per step the memory, but the critic's input stays O(N).)
 *
 * Lagrangian: one multiplier lambda >= 0 on the capacity constraint; the
 * reward is r_i - lambda g_i; after each iteration's update, dual ascent on
 * the iteration's rollouts: lambda <- max(0, lambda + dual_lr (mean over
 * steps and copies of sum_i g_i - C) / N), from dual.lambda0.
 *
 * Ranks: each holds its agents' actors and samples and a replica of the
 * critic; the normalised observations are all-gathered once per iteration,
 * and every critic gradient is the exact (fixed-point, 2^-31 resolution)
 * sum of per-agent gradients, so the actors, the critic and lambda are
 * bit-identical on any number of ranks. */

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/critic.h"
#include "samarl/error.h"
#include "samarl/h5io.h"
#include "samarl/policyfile.h"
#include "samarl/reprosum.h"
#include "samarl/timer.h"
#include "samarl/trainer.h"

#include "ppo_common.h"

/* Key of the critic's initial weights: no gid (nor ppo's shared network,
 * UINT64_MAX) uses it. */
#define CRITIC_KEY (UINT64_MAX - 1)

typedef struct mappo {
    const config_t *cfg;
    env_t *env;
    policyset_t *ps;
    int S, mb, n_mb;
    lidx_t n; /* agents on this rank */
    gidx_t N; /* agents in all */
    int D;    /* observation features */
    int G;    /* global-state features, D * N */
    double lambda;
    ppo_actors_t a; /* the actors, their Adam state and statistics */
    rollouts_t rs;  /* this iteration's samples of every agent of the rank */
    /* The centralised critic. */
    critic_t cn;
    size_t ldx;                  /* floats per share_obs row: cn.in rounded up to 16 */
    float *share;                /* [n][S][ldx] share_obs: global state, then own observation */
    float *gstate;               /* [S][G] the global state of every sample */
    state_gather_t gather;       /* its all-gather */
    float *cp, *cm, *cv, *cgrad; /* critic parameters, Adam moments, gradient */
    int64_t c_step;
    float *xc, *cret; /* [mb][ldx], [mb] a critic minibatch */
    critic_work_t cw;
    fxsum_t csum;
    int32_t *perm;         /* [n][S] the critic's minibatch orders */
    double critic_s;       /* this iteration's seconds in the critic */
    double critic_s_total; /* and all iterations' */
    double usage_ratio;    /* the last iteration's mean sum_i g_i / C */
    double *lam_hist;      /* the multiplier after each iteration, from the first */
    int64_t n_hist, hist_cap;
} mappo_t;

/* ---- sizes and the memory guard ------------------------------------------------ */

static size_t round16(size_t n)
{
    return (n + 15) / 16 * 16;
}

static double mappo_bytes(const config_t *cfg, int D, int64_t n_global, int64_t n_local)
{
    const double S = (double)cfg->train.copies * (double)cfg->env.horizon;
    const double mb = floor(S / (double)cfg->train.minibatches);
    const double G = (double)D * (double)n_global;
    const double ldx = (double)round16((size_t)G + (size_t)D);
    const double H = (double)cfg->train.critic_hidden;
    const double Pc = (G + D) * H + H * H + 3 * H + 1;
    const double rec = 8.0 + 4.0 * D * S;
    double b = (double)n_local * S * ldx * 4;             /* share_obs */
    b += S * G * 4;                                       /* global state */
    b += ((double)n_local + (double)n_global) * rec;      /* all-gather records */
    b += (double)n_local * S * (4.0 * D + 1 + 5 * 4 + 4); /* samples, perm */
    b += Pc * (4 * 4 + 16);                               /* critic, Adam, gradient, exact sum */
    b += mb * ldx * 4 + mb * H * 4 * 4;                   /* critic minibatch */
    return b;
}

/* Collective. Refuse before allocating when the buffers would not fit. */
static void memory_guard(const config_t *cfg, int D, gidx_t N, lidx_t n)
{
    const double need = mappo_bytes(cfg, D, N, n);
    double node_need, avail;
    int node_ranks, rc = SAMARL_OK;
    if (!comm_memory_fits(need, &node_need, &node_ranks, &avail)) {
        const double S = (double)cfg->train.copies * (double)cfg->env.horizon;
        rc = samarl_seterr(
            "train.algo = mappo-l with N = %" PRIdG " agents needs about %.3g GB of memory on "
            "this node (%d rank%s, %.3g GB on this one; the centralised critic's share_obs "
            "buffer alone is %" PRIdG " agents x %.0f samples x %" PRIdG
            " inputs x 4 bytes, growing as N^2), "
            "but MemAvailable is %.3g GB: use fewer agents, train.copies or env.horizon, or more "
            "nodes",
            N, node_need / 1e9, node_ranks, node_ranks > 1 ? "s" : "", need / 1e9, N, S,
            (gidx_t)D * N + D, avail / 1e9);
    }
    comm_check(rc);
}

/* ---- creation ------------------------------------------------------------------- */

static void *mappo_create(const config_t *cfg, env_t *env, policyset_t *ps)
{
    memory_guard(cfg, env->spec.obs_dim, env->n_global, env->n);
    mappo_t *p = XZNEW(mappo_t, 1);
    p->cfg = cfg;
    p->env = env;
    p->ps = ps;
    ppo_actors_init(&p->a, cfg, env, ps, 0, FXSUM_TRUNC_31);
    rollouts_init(&p->rs, cfg, env, ps, env->n > 0 ? env->n : 1);
    p->S = p->a.S;
    p->mb = p->a.mb;
    p->n_mb = p->a.n_mb;
    p->n = env->n;
    p->N = env->n_global;
    p->D = env->spec.obs_dim;
    SAMARL_ASSERT((int64_t)p->D * p->N + p->D < 2147483647);
    p->G = (int)(p->D * p->N);
    const size_t n1 = (size_t)(p->n > 0 ? p->n : 1), S = (size_t)p->S;
    p->perm = XNEW(int32_t, n1 * S);
    critic_shape(&p->cn, p->G + p->D, (int)cfg->train.critic_hidden);
    p->ldx = round16((size_t)p->cn.in);
    p->share = alloc_floats(n1 * S * p->ldx);
    p->gstate = alloc_floats(S * (size_t)p->G);
    state_gather_init(&p->gather, p->n, p->N, p->D, S);
    const size_t Pc = p->cn.n_params;
    p->cp = alloc_floats(Pc);
    p->cm = alloc_floats(Pc);
    p->cv = alloc_floats(Pc);
    p->cgrad = alloc_floats(Pc);
    p->xc = alloc_floats((size_t)p->mb * p->ldx);
    p->cret = alloc_floats((size_t)p->mb);
    critic_work_init(&p->cw, &p->cn, p->mb);
    fxsum_init(&p->csum, Pc, FXSUM_TRUNC_31);
    p->lambda = cfg->dual.lambda0;
    p->hist_cap = 64;
    p->lam_hist = XNEW(double, p->hist_cap);
    return p;
}

static void mappo_destroy(void *self)
{
    mappo_t *p = self;
    ppo_actors_free(&p->a);
    rollouts_free(&p->rs);
    free(p->lam_hist);
    free(p->perm);
    free(p->share);
    free(p->gstate);
    state_gather_free(&p->gather);
    free(p->cp);
    free(p->cm);
    free(p->cv);
    free(p->cgrad);
    free(p->xc);
    free(p->cret);
    critic_work_free(&p->cw);
    fxsum_free(&p->csum);
    free(p);
}

static void mappo_init_fresh(void *self)
{
    mappo_t *p = self;
    policyset_init_fresh(p->ps, p->env, p->cfg);
    critic_init(&p->cn, p->cp, p->cfg->run.seed, CRITIC_KEY);
    p->a.adam_step = p->c_step = 0;
    p->lambda = p->cfg->dual.lambda0;
}

/* ---- the global state and the critic's values ----------------------------------- */

/* Collective. Every rank gets every agent's normalised observations (one
 * all-gather per iteration), lays them out as the global state of each
 * sample, gstate[s][D * gid + c], and fills its agents' share_obs
 * rows: the global state, then the agent's own observation. */
static void build_share_obs(mappo_t *p)
{
    const size_t S = (size_t)p->S, G = (size_t)p->G;
    const int D = p->D;
    state_gather(&p->gather, p->rs.ro, p->n, p->env->gid, p->N, p->gstate, G);
    for (lidx_t i = 0; i < p->n; i++) {
        float *sh = p->share + (size_t)i * S * p->ldx;
        const float *xi = p->rs.ro[i].x;
        for (size_t s = 0; s < S; s++) {
            float *row = sh + s * p->ldx;
            memcpy(row, p->gstate + s * G, sizeof(float) * G);
            for (int c = 0; c < D; c++) row[G + (size_t)c] = xi[(size_t)c * S + s];
        }
    }
}

/* Critic values of agent i's samples (in chunks of a minibatch's size, so
 * the shapes never depend on the rank count), then GAE and per-agent
 * normalised advantages, as ppo. */
static void values_and_advantages(mappo_t *p, lidx_t i)
{
    const size_t S = (size_t)p->S;
    rollout_t *ro = &p->rs.ro[i];
    const float *sh = p->share + (size_t)i * S * p->ldx;
    for (size_t c0 = 0; c0 < S; c0 += (size_t)p->mb) {
        const int m = (int)(S - c0 < (size_t)p->mb ? S - c0 : (size_t)p->mb);
        critic_forward(&p->cn, p->cp, sh + c0 * p->ldx, p->ldx, m, &p->cw);
        memcpy(ro->val + c0, p->cw.v, sizeof(float) * (size_t)m);
    }
    rollout_advantages(ro, p->rs.T, p->rs.B, p->cfg->train.gamma, p->cfg->train.gae_lambda);
}

/* ---- updates --------------------------------------------------------------------- */

/* Critic gradient (mean squared error to the returns) of agent i's
 * minibatch b into p->cgrad. */
static void critic_grad(mappo_t *p, lidx_t i, const int32_t *perm, int b, int last_epoch)
{
    const int m = p->mb;
    const size_t S = (size_t)p->S, o = (size_t)i * S, D = (size_t)p->cn.in;
    const int32_t *ix = perm + (size_t)b * m;
    const float *sh = p->share + o * p->ldx, *ret = p->rs.ro[i].ret;
    for (int r = 0; r < m; r++) {
        memcpy(p->xc + (size_t)r * p->ldx, sh + (size_t)ix[r] * p->ldx, sizeof(float) * D);
        p->cret[r] = ret[ix[r]];
    }
    critic_forward(&p->cn, p->cp, p->xc, p->ldx, m, &p->cw);
    double vl = 0;
    const float k2 = 2.0f / (float)m;
    for (int r = 0; r < m; r++) {
        const float d = p->cw.v[r] - p->cret[r];
        p->cw.dv[r] = k2 * d;
        vl += (double)d * d;
    }
    critic_backward(&p->cn, p->cp, p->xc, p->ldx, m, &p->cw, p->cgrad);
    if (last_epoch) p->a.st_vl[i] += vl;
}

static void shuffle_all(mappo_t *p, int64_t it, int ep)
{
    const int epochs = (int)p->cfg->train.epochs;
    for (lidx_t i = 0; i < p->n; i++)
        ppo_shuffle(p->perm + (size_t)i * p->S, p->S, p->cfg->run.seed, (uint64_t)p->env->gid[i],
                    (uint64_t)it * (uint64_t)epochs + (uint64_t)ep);
}

/* Per-agent actors: agent after agent, all epochs (its weights stay hot,
 * nothing is exchanged). Shared: one step per minibatch on the exact sum
 * over every agent. */
static void update_actors(mappo_t *p, int64_t it, double lr)
{
    if (p->ps->shared) {
        ppo_update_shared(&p->a, p->rs.ro, it, lr);
        return;
    }
    for (lidx_t i = 0; i < p->n; i++) ppo_update_agent(&p->a, i, &p->rs.ro[i], NULL, it, lr);
    ppo_actors_agents_done(&p->a);
}

/* The critic: one Adam step per minibatch on the exact mean over every
 * agent's share of the minibatch. */
static void update_critic(mappo_t *p, int64_t it, double lr)
{
    const int epochs = (int)p->cfg->train.epochs;
    const size_t Pc = p->cn.n_params, S = (size_t)p->S;
    for (int ep = 0; ep < epochs; ep++) {
        shuffle_all(p, it, ep);
        for (int b = 0; b < p->n_mb; b++) {
            for (lidx_t i = 0; i < p->n; i++) {
                critic_grad(p, i, p->perm + (size_t)i * S, b, ep == epochs - 1);
                fxsum_add(&p->csum, p->cgrad);
            }
            fxsum_reduce(&p->csum, p->cgrad, (double)p->N);
            ppo_clip_grad(p->cgrad, Pc, p->cfg->train.max_grad_norm);
            p->c_step++;
            adam_update(p->cp, p->cgrad, p->cm, p->cv, Pc, p->c_step, lr);
        }
    }
}

static void mappo_iteration(void *self, int64_t it, trainer_stats_t *st)
{
    mappo_t *p = self;
    env_t *e = p->env;
    const double lr = ppo_lr_at(p->cfg, it);
    const double lam = p->lambda;
    ppo_actors_begin(&p->a);
    for (int j = 0; j < p->rs.B; j++) p->rs.lam[j] = (float)lam;
    p->critic_s = 0;

    timer_start(TIMER_COLLECT);
    env_begin_episode(e, p->cfg->run.seed, ENV_NOISE_TRAIN, (uint64_t)it);
    for (lidx_t i = 0; i < p->n; i++) rollouts_collect(&p->rs, i, &p->rs.ro[i], it, 0, 0);
    double t0 = comm_wtime();
    build_share_obs(p);
    for (lidx_t i = 0; i < p->n; i++) values_and_advantages(p, i);
    p->critic_s += comm_wtime() - t0;
    timer_stop(TIMER_COLLECT);

    timer_start(TIMER_UPDATE);
    update_actors(p, it, lr);
    t0 = comm_wtime();
    update_critic(p, it, lr);
    p->critic_s += comm_wtime() - t0;
    timer_stop(TIMER_UPDATE);

    ppo_warn_clamps(p->csum.clamps + p->a.gsum.clamps, it);
    p->csum.clamps = p->a.gsum.clamps = 0;

    /* Statistics and the dual step: exact sums over all agents. */
    ppo_actors_stats(&p->a, &p->rs, st);
    const double N = (double)p->N, S = (double)p->S;
    const double total =
        reprosum_global(p->rs.usage, (size_t)p->n) / S; /* mean over steps of sum_i g_i */
    const double C = e->capacity;
    double l = lam + p->cfg->train.dual_lr * (total - C) / N;
    p->lambda = l > 0 ? l : 0.0;
    p->usage_ratio = C > 0 ? total / C : 0.0;
    p->critic_s_total += p->critic_s;
    if (p->n_hist == p->hist_cap) {
        p->hist_cap = 2 * p->hist_cap + 64;
        p->lam_hist = xrealloc(p->lam_hist, sizeof(double) * (size_t)p->hist_cap);
    }
    p->lam_hist[p->n_hist++] = p->lambda;
}

/* ---- the trainer's state in the policy file, and its reports -------------------- */

/* The actors' Adam state (as ppo's), the critic with its own Adam state
 * (/critic), the multiplier after each iteration (/train/lambda) and the
 * one the next iteration uses (root attribute lambda_final). */
static void mappo_save(void *self, pfio_t *io)
{
    const mappo_t *p = self;
    h5file_t *f = pfio_h5(io);
    ppo_adam_save(io, p->a.m, p->a.v, p->a.adam_step);
    const size_t n = p->cn.n_params;
    const gidx_t cnt = comm_rank() == 0 ? (gidx_t)n : 0;
    h5io_write_1d(f, "/critic/params", H5IO_F32, (gidx_t)n, 0, cnt, p->cp, "1",
                  "mappo-l: the centralised critic's parameters");
    h5io_write_1d(f, "/critic/adam_m", H5IO_F32, (gidx_t)n, 0, cnt, p->cm, "1",
                  "mappo-l: the critic's Adam first moments");
    h5io_write_1d(f, "/critic/adam_v", H5IO_F32, (gidx_t)n, 0, cnt, p->cv, "1",
                  "mappo-l: the critic's Adam second moments");
    h5io_attr_int64(f, "/critic", "critic_step", p->c_step, "1");
    h5io_dim_scale(f, "/critic/param", (gidx_t)n, 0, 1, "1",
                   "index into the critic's flat parameter vector");
    h5io_dim_attach(f, "/critic/params", 0, "/critic/param");
    h5io_dim_attach(f, "/critic/adam_m", 0, "/critic/param");
    h5io_dim_attach(f, "/critic/adam_v", 0, "/critic/param");
    pfio_put_series(io, "/train/lambda", p->n_hist, p->lam_hist, "$/kWh",
                    "mappo-l: the global multiplier after each iteration (dual ascent)");
    h5io_attr_str(f, "/", "algo", "mappo-l");
    h5io_attr_double(f, "/", "lambda_final",
                     p->n_hist > 0 ? p->lam_hist[p->n_hist - 1] : p->cfg->dual.lambda0, "$/kWh");
}

static int mappo_load(void *self, pfio_t *io)
{
    mappo_t *p = self;
    h5file_t *f = pfio_h5(io);
    const char *path = pfio_path(io);
    if (ppo_adam_load(io, p->a.m, p->a.v, &p->a.adam_step) != SAMARL_OK) return SAMARL_ERR;
    gidx_t n = -1, nl = -1;
    int rc = h5io_length_1d(f, "/critic/params", &n);
    if (rc != SAMARL_OK)
        return samarl_seterr("%s has no centralised critic (/critic/params): it was not trained "
                             "with train.algo = mappo-l, or with a samarl before 0.2",
                             path);
    if (n != (gidx_t)p->cn.n_params)
        return samarl_seterr("%s: the critic has %" PRIdG " parameters, this configuration's "
                             "%zu (train.critic_hidden differs?)",
                             path, n, p->cn.n_params);
    if (h5io_length_1d(f, "/train/lambda", &nl) != SAMARL_OK ||
        h5io_attr_read_int64(f, "/critic", "critic_step", &p->c_step) != SAMARL_OK ||
        h5io_attr_read_double(f, "/", "lambda_final", &p->lambda) != SAMARL_OK)
        return SAMARL_ERR;
    gidx_t nm = -1, nv = -1;
    if (h5io_length_1d(f, "/critic/adam_m", &nm) != SAMARL_OK ||
        h5io_length_1d(f, "/critic/adam_v", &nv) != SAMARL_OK)
        return SAMARL_ERR;
    if (nm != n || nv != n)
        return samarl_seterr("%s: /critic/adam_m and adam_v have %" PRIdG " and %" PRIdG
                             " entries, expected %" PRIdG " like /critic/params",
                             path, nm, nv, n);
    if (nl != pfio_iterations(io))
        return samarl_seterr("%s: /train/lambda has %" PRIdG " entries for %" PRId64 " iterations",
                             path, nl, pfio_iterations(io));
    h5io_read_1d(f, "/critic/params", H5IO_F32, 0, n, p->cp);
    h5io_read_1d(f, "/critic/adam_m", H5IO_F32, 0, n, p->cm);
    h5io_read_1d(f, "/critic/adam_v", H5IO_F32, 0, n, p->cv);
    p->hist_cap = nl + 64;
    p->lam_hist = xrealloc(p->lam_hist, sizeof(double) * (size_t)p->hist_cap);
    h5io_read_1d(f, "/train/lambda", H5IO_F64, 0, nl, p->lam_hist);
    p->n_hist = nl;
    return SAMARL_OK;
}

static void mappo_print_setup(void *self, FILE *out)
{
    const mappo_t *p = self;
    const critic_t *cn = &p->cn;
    fprintf(out,
            "mappo-l: centralised critic %d-%d-%d-1 (%zu parameters) on the global state, "
            "about %.4g MB of buffers on rank 0; one lambda from %g by dual ascent "
            "(step %g)\n",
            cn->in, cn->hidden, cn->hidden, cn->n_params,
            mappo_bytes(p->cfg, p->D, p->N, p->n) / 1e6, p->cfg->dual.lambda0,
            p->cfg->train.dual_lr);
}

static void mappo_print_progress(void *self, FILE *out)
{
    const mappo_t *p = self;
    fprintf(out, "  lambda %.4f  g/C %.3f", p->lambda, p->usage_ratio);
}

static void mappo_print_summary(void *self, FILE *out, int64_t n_it)
{
    const mappo_t *p = self;
    fprintf(out,
            "mappo-l: lambda = %.6g after %" PRId64 " iterations (sum of usage / C = %.4f "
            "in the last); run the actors at it with --set dual.mode=fixed --set "
            "dual.lambda0=%.6g\n",
            p->lambda, n_it, p->usage_ratio, p->lambda);
}

static void mappo_record(void *self, strbuf_t *sb, int64_t n_it, int64_t n_list)
{
    const mappo_t *p = self;
    const critic_t *cn = &p->cn;
    sb_printf(sb,
              ", \"lambda_final\": %.10g, \"usage_ratio_final\": %.10g, "
              "\"critic_inputs\": %d, \"critic_hidden\": %d, "
              "\"critic_params\": %zu, \"critic_s_per_iteration\": %.6g, "
              "\"buffer_bytes_rank0\": %.6g, \"lambda\": [",
              p->lambda, p->usage_ratio, cn->in, cn->hidden, cn->n_params,
              n_it > 0 ? p->critic_s_total / (double)n_it : 0.0,
              mappo_bytes(p->cfg, p->D, p->N, p->n));
    const int64_t it0 = p->n_hist - n_it;
    for (int64_t k = 0; k < n_list; k++)
        sb_printf(sb, "%s%.8g", k ? ", " : "", p->lam_hist[it0 + k]);
    sb_printf(sb, "]");
}

const trainer_ops_t trainer_mappo_l = {
    .name = "mappo-l",
    .summary = "MAPPO-Lagrangian, the centralised-training baseline: local actors, one critic "
               "on the global state, one lambda by dual ascent",
    .create = mappo_create,
    .destroy = mappo_destroy,
    .init_fresh = mappo_init_fresh,
    .iteration = mappo_iteration,
    .save = mappo_save,
    .load = mappo_load,
    .print_setup = mappo_print_setup,
    .print_progress = mappo_print_progress,
    .print_summary = mappo_print_summary,
    .record = mappo_record,
};
