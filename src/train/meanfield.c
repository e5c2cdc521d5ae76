/* Mean-field MARL on the Ising model (seed 004, issue 24): train.algo = mfq
 * (MF-Q), mfac (MF-AC) and iql (independent Q-learning, the paper's
 * comparison), as the mean-field paper's public code runs them (Yang et al.,
 * ICML 2018; mlii/mfrl main_MFQ_Ising.py):
 *
 *  - agent i's state is the number of its neighbours whose spin is up,
 *    k_i in 0 .. d_i: with the spin as the action, that is the neighbours'
 *    mean action, the mean field (iql: one state, no neighbour information);
 *  - its table Q_i[k][a] (a: 0 down, 1 up) starts at 0 and, after each step,
 *    Q_i[k][a] += lr (r_i - Q_i[k][a]) with the step's reward (the code
 *    learns the immediate reward: no bootstrap), for every agent (act_rate
 *    1; below 1 each agent updates with that probability);
 *  - actions are Boltzmann, P(a) ~ exp(Q_i[k][a] / tau), tau = max(mf.temperature,
 *    tau_start x tau_decay^(floor(t / tau_every) + 1)): the code's schedule,
 *    0.3 x 0.99 per 2000 steps floored at its temperature 1, so tau = 1
 *    throughout by default;
 *  - mfac: a softmax actor pi_i(a | k) = softmax(theta_i[k]) acts, the same
 *    table is its critic, and theta_i[k] += actor_lr (e_a - pi) (Q_i[k][a] -
 *    sum_b pi(b) Q_i[k][b]) after the critic's step.
 *
 * Every agent moves at once; the spins are exchanged with a one-hop halo
 * each step. Draws are keyed by (run.seed, gid, step), the sums over agents
 * exact: the same bits on any number of ranks. An iteration is mf.steps
 * steps; the order parameter |N_up - N_down| / N is recorded at each
 * iteration's end, and its largest value over all steps with the first
 * step it reached 0.9. */
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/blockmap.h"
#include "samarl/comm.h"
#include "samarl/env_ising.h"
#include "samarl/error.h"
#include "samarl/h5io.h"
#include "samarl/halo.h"
#include "samarl/partition.h"
#include "samarl/reprosum.h"
#include "samarl/rng.h"
#include "samarl/trainer.h"

enum { MF_Q, MF_AC, MF_IQL };
static const char *const kind_name[] = {"mfq", "mfac", "iql"};

typedef struct mf_config {
    int64_t steps, tau_every;
    double lr, actor_lr, temperature, tau_start, tau_decay, act_rate;
} mf_config_t;

static const config_key_t mf_keys[] = {
    {"mf", "steps", CONFIG_INT, offsetof(mf_config_t, steps), "100", 1, 100000000, 0, 0, NULL,
     "train.algo = mfq, mfac, iql: steps per iteration (every agent moves once per step)"},
    {"mf", "lr", CONFIG_REAL, offsetof(mf_config_t, lr), "0.1", 0, 1, 1, 0, NULL,
     "train.algo = mfq, mfac, iql: Q_i[k][a] += lr (r_i - Q_i[k][a]) after each step (the "
     "mean-field code's learning rate, 0.1)"},
    {"mf", "actor_lr", CONFIG_REAL, offsetof(mf_config_t, actor_lr), "0.1", 0, 1e6, 0, 0, NULL,
     "train.algo = mfac: the actor's step, theta_i[k] += actor_lr (e_a - pi) advantage"},
    {"mf", "temperature", CONFIG_REAL, offsetof(mf_config_t, temperature), "1", 0, 1e6, 1, 0, NULL,
     "train.algo = mfq, iql: the Boltzmann temperature's floor (the code's temperature, 1)"},
    {"mf", "tau_start", CONFIG_REAL, offsetof(mf_config_t, tau_start), "0.3", 0, 1e6, 1, 0, NULL,
     "train.algo = mfq, iql: the temperature schedule's start (the code: 0.3, below its floor, "
     "so the temperature is the floor throughout)"},
    {"mf", "tau_decay", CONFIG_REAL, offsetof(mf_config_t, tau_decay), "0.99", 0, 1, 1, 0, NULL,
     "train.algo = mfq, iql: the schedule's factor every tau_every steps (the code: 0.99)"},
    {"mf", "tau_every", CONFIG_INT, offsetof(mf_config_t, tau_every), "2000", 1, INT64_MAX, 0, 0,
     NULL, "train.algo = mfq, iql: steps between the schedule's factors (the code: 2000)"},
    {"mf", "act_rate", CONFIG_REAL, offsetof(mf_config_t, act_rate), "1", 0, 1, 1, 0, NULL,
     "train.algo = mfq, mfac, iql: the probability that an agent updates its table after a "
     "step (the code: 1, every agent)"},
};
static const config_section_t mf_section = {
    "mf", mf_keys, (int)(sizeof mf_keys / sizeof mf_keys[0]), sizeof(mf_config_t)};

typedef struct mf {
    int kind;
    mf_config_t c;
    ising_t m;
    const lgraph_t *lg;
    halo_t *halo;
    blockmap_t *bm;
    uint64_t seed;
    lidx_t n;
    gidx_t N;
    int S;         /* states per agent: max degree + 1 (iql: 1) */
    double *spin;  /* [n + ghosts] 0 / 1 (the halo moves doubles) */
    double *q;     /* [n][S][2] */
    double *theta; /* mfac: [n][S][2] */
    double *r;     /* [n] the step's rewards */
    int *k;        /* [n] the step's states */
    int64_t t;     /* steps done */
    double reward, order, order_max, tau;
    int64_t order_max_step, first09; /* -1: not yet */
    double *hist;                    /* [cap][2]: each iteration's mean reward and final order */
    int64_t rows, cap;
} mf_t;

/* Step t's draws: 2t the action, 2t + 1 the update's; the start's spins at
 * the last counter. */
static double draw(const mf_t *x, lidx_t i, uint64_t c)
{
    return rng_uniform(x->seed, RNG_STREAM_MEANFIELD, (uint64_t)x->lg->gid[i], c);
}

static double temperature(const mf_t *x, int64_t t)
{
    const double s = x->c.tau_start * pow(x->c.tau_decay, (double)(t / x->c.tau_every + 1));
    return s > x->c.temperature ? s : x->c.temperature;
}

/* The temperature that acts at step t: the schedule's, or 1 for MF-AC's
 * softmax actor (its record reports it). */
static double step_tau(const mf_t *x, int64_t t)
{
    return x->kind == MF_AC ? 1.0 : temperature(x, t);
}

static int up_neighbours(const mf_t *x, lidx_t i)
{
    int up = 0;
    for (int64_t e = x->lg->rowptr[i]; e < x->lg->rowptr[i + 1]; e++)
        up += x->spin[x->lg->col[e]] > 0.5;
    return up;
}

/* Collective: the order parameter of the current spins (exact integer sums). */
static double order_parameter(const mf_t *x)
{
    int64_t ups = 0;
    for (lidx_t i = 0; i < x->n; i++) ups += x->spin[i] > 0.5;
    comm_allreduce_int64(&ups, 1, COMM_SUM);
    return fabs((double)(2 * ups - x->N)) / (double)x->N;
}

/* P(up) under table row v[2]: Boltzmann at tau, or the actor's softmax. */
static double p_up(const double *v, double tau)
{
    return 1.0 / (1.0 + exp((v[0] - v[1]) / tau));
}

/* Collective. One step of every agent: act, exchange the spins, reward, learn. */
static double step(mf_t *x)
{
    const int64_t t = x->t;
    const double tau = step_tau(x, t);
    for (lidx_t i = 0; i < x->n; i++) {
        const int k = x->kind == MF_IQL ? 0 : up_neighbours(x, i);
        x->k[i] = k;
        const double *v = (x->kind == MF_AC ? x->theta : x->q) + ((size_t)i * x->S + k) * 2;
        x->r[i] = draw(x, i, 2 * (uint64_t)t) < p_up(v, tau); /* the action, until all chose */
    }
    for (lidx_t i = 0; i < x->n; i++) x->spin[i] = x->r[i];
    halo_exchange(x->halo, x->spin, 1);
    for (lidx_t i = 0; i < x->n; i++) {
        const int ai = x->spin[i] > 0.5, deg = (int)(x->lg->rowptr[i + 1] - x->lg->rowptr[i]);
        const double r = ising_reward(&x->m, 2 * ai - 1, up_neighbours(x, i), deg);
        x->r[i] = r;
        if (x->c.act_rate < 1 && !(draw(x, i, 2 * (uint64_t)t + 1) < x->c.act_rate)) continue;
        double *qv = x->q + ((size_t)i * x->S + x->k[i]) * 2;
        qv[ai] += x->c.lr * (r - qv[ai]);
        if (x->kind == MF_AC) { /* the actor on the critic's advantage */
            double *th = x->theta + ((size_t)i * x->S + x->k[i]) * 2;
            const double pu = p_up(th, 1.0), pi[2] = {1 - pu, pu};
            const double adv = qv[ai] - (pi[0] * qv[0] + pi[1] * qv[1]);
            for (int b = 0; b < 2; b++) th[b] += x->c.actor_lr * ((b == ai) - pi[b]) * adv;
        }
    }
    x->tau = tau;
    x->t++;
    const double o = order_parameter(x);
    if (o > x->order_max) {
        x->order_max = o;
        x->order_max_step = x->t;
    }
    if (x->first09 < 0 && o >= 0.9) x->first09 = x->t;
    x->order = o;
    return reprosum_global(x->r, (size_t)x->n) / (double)x->N;
}

static void *mf_create_as(const config_t *cfg, env_t *env, int kind)
{
    const ising_t *m = env_model(env, ENV_MODEL_ISING);
    SAMARL_ASSERT(m && env->lg);
    mf_t *x = XZNEW(mf_t, 1);
    x->kind = kind;
    x->c = *(const mf_config_t *)config_section_values(cfg, "mf");
    x->m = *m;
    x->lg = env->lg;
    x->seed = cfg->run.seed;
    x->n = env->n;
    x->N = env->n_global;
    x->S = kind == MF_IQL ? 1 : m->max_degree + 1;
    const int64_t total = cfg->train.iterations;
    int rc = SAMARL_OK;
    if (total > (int64_t)((RNG_MAX_STEP / 2 - 1) / (uint64_t)x->c.steps))
        rc = samarl_seterr("train.iterations = %" PRId64 " x mf.steps = %" PRId64
                           ": expected fewer than 2^47 steps (the keys of the draws)",
                           total, x->c.steps);
    /* tables, spins with ghosts, rewards and states */
    const double nl = (double)env->n + (double)env->lg->n_ghost;
    const double need =
        (double)env->n * (x->S * 2.0 * 8 * (kind == MF_AC ? 2 : 1) + 16) + nl * 8 * 2;
    double node_need, avail;
    int node_ranks;
    if (rc == SAMARL_OK && !comm_memory_fits(need, &node_need, &node_ranks, &avail))
        rc = samarl_seterr("train.algo = %s needs about %.3g GB more memory on this node (%d "
                           "rank%s: every agent's table and spin), but MemAvailable is %.3g GB: "
                           "spread the agents over more nodes",
                           kind_name[kind], node_need / 1e9, node_ranks, node_ranks > 1 ? "s" : "",
                           avail / 1e9);
    comm_check(rc);
    const size_t n1 = (size_t)x->n + 1;
    x->spin = XZNEW(double, (size_t)nl + 1);
    x->q = XZNEW(double, n1 *(size_t)x->S * 2);
    if (kind == MF_AC) x->theta = XZNEW(double, n1 *(size_t)x->S * 2);
    x->r = XZNEW(double, n1);
    x->k = XZNEW(int, n1);
    x->halo = halo_create(env->lg, (halo_method_t)cfg->halo.method, 1);
    x->bm = blockmap_create(env->lg);
    x->first09 = -1;
    return x;
}

static void *mfq_create(const config_t *cfg, env_t *env, policyset_t *ps)
{
    (void)ps;
    return mf_create_as(cfg, env, MF_Q);
}
static void *mfac_create(const config_t *cfg, env_t *env, policyset_t *ps)
{
    (void)ps;
    return mf_create_as(cfg, env, MF_AC);
}
static void *iql_create(const config_t *cfg, env_t *env, policyset_t *ps)
{
    (void)ps;
    return mf_create_as(cfg, env, MF_IQL);
}

static void mf_destroy(void *self)
{
    mf_t *x = self;
    halo_destroy(&x->halo);
    blockmap_destroy(&x->bm);
    free(x->spin);
    free(x->q);
    free(x->theta);
    free(x->r);
    free(x->k);
    free(x->hist);
    free(x);
}

/* Collective. Tables at 0 and spins up or down at random, as the code's reset. */
static void mf_init_fresh(void *self)
{
    mf_t *x = self;
    for (lidx_t i = 0; i < x->n; i++) x->spin[i] = draw(x, i, RNG_MAX_STEP - 1) < 0.5;
    halo_exchange(x->halo, x->spin, 1);
    x->t = 0;
    x->order = x->order_max = order_parameter(x);
    x->order_max_step = 0;
    x->first09 = x->order >= 0.9 ? 0 : -1;
    x->tau = step_tau(x, 0);
}

static void mf_iteration(void *self, int64_t it, trainer_stats_t *st)
{
    mf_t *x = self;
    SAMARL_ASSERT(it == x->rows && x->t == it * x->c.steps);
    double sum = 0;
    for (int64_t s = 0; s < x->c.steps; s++) sum += step(x);
    x->reward = sum / (double)x->c.steps;
    if (x->rows == x->cap) {
        x->cap = x->cap ? 2 * x->cap : 64;
        x->hist = xrealloc(x->hist, sizeof(double) * 2 * (size_t)x->cap);
    }
    x->hist[2 * x->rows] = x->reward;
    x->hist[2 * x->rows + 1] = x->order;
    x->rows++;
    *st = (trainer_stats_t){0};
    st->aug_reward = x->reward;
    st->agent_steps = (int64_t)x->N * x->c.steps;
}

/* The training curve: the last iteration's mean reward, and its final
 * order parameter in the usage column. */
static void mf_eval(void *self, env_t *eval_env, int64_t steps, double *ret, double *usage)
{
    (void)eval_env;
    (void)steps;
    *ret = ((mf_t *)self)->reward;
    *usage = ((mf_t *)self)->order;
}

static void mf_save(void *self, pfio_t *io)
{
    const mf_t *x = self;
    h5file_t *f = pfio_h5(io);
    h5io_group(f, "/mf");
    h5io_attr_str(f, "/mf", "algo", kind_name[x->kind]);
    h5io_attr_int64(f, "/mf", "steps_done", x->t, "1");
    h5io_attr_int64(f, "/mf", "order_max_step", x->order_max_step, "1");
    h5io_attr_int64(f, "/mf", "first_order_09_step", x->first09, "1");
    h5io_attr_double(f, "/mf", "order_max", x->order_max, "1");
    blockmap_write_rows_h5(x->bm, f, "/mf/q", x->N, 2 * x->S, x->q, "1",
                           "each agent's table Q_i[k][a], k its up neighbours (iql: one k), a "
                           "down (0) or up (1)");
    if (x->theta)
        blockmap_write_rows_h5(x->bm, f, "/mf/theta", x->N, 2 * x->S, x->theta, "1",
                               "mfac: each agent's actor pi_i(a | k) = softmax(theta_i[k])");
    blockmap_write_h5(x->bm, f, "/mf/spin", H5IO_F64, x->N, x->spin, "1",
                      "each agent's spin after the last step (0 down, 1 up)");
    double *r = XNEW(double, (size_t)x->rows + 1), *o = XNEW(double, (size_t)x->rows + 1);
    for (int64_t k = 0; k < x->rows; k++) r[k] = x->hist[2 * k], o[k] = x->hist[2 * k + 1];
    pfio_put_series(io, "/mf/reward", x->rows, r, "1",
                    "each iteration's mean reward per agent and step");
    pfio_put_series(io, "/mf/order", x->rows, o, "1",
                    "the order parameter |N_up - N_down| / N at each iteration's end");
    free(r);
    free(o);
    h5io_attr_int64(f, "/", "adam_step", 0, "1");
}

static int mf_load(void *self, pfio_t *io)
{
    mf_t *x = self;
    h5file_t *f = pfio_h5(io);
    const char *path = pfio_path(io);
    if (!h5io_exists(f, "/mf"))
        return samarl_seterr("%s: no /mf group (expected a file written by train.algo = %s)", path,
                             kind_name[x->kind]);
    char *algo = NULL;
    int64_t t;
    if (h5io_attr_read_str(f, "/mf", "algo", &algo)) return SAMARL_ERR;
    const int same = strcmp(algo, kind_name[x->kind]) == 0;
    int rc = same ? SAMARL_OK
                  : samarl_seterr("%s was written by train.algo = %s, and this run is %s", path,
                                  algo, kind_name[x->kind]);
    free(algo);
    if (rc != SAMARL_OK) return rc;
    if (h5io_attr_read_int64(f, "/mf", "steps_done", &t) ||
        h5io_attr_read_int64(f, "/mf", "order_max_step", &x->order_max_step) ||
        h5io_attr_read_int64(f, "/mf", "first_order_09_step", &x->first09) ||
        h5io_attr_read_double(f, "/mf", "order_max", &x->order_max))
        return SAMARL_ERR;
    const int64_t it = pfio_iterations(io);
    if (t != it * x->c.steps)
        return samarl_seterr("%s: %" PRId64 " steps done in %" PRId64 " iterations, and this run "
                             "takes mf.steps = %" PRId64 " per iteration (expected the same to "
                             "continue)",
                             path, t, it, x->c.steps);
    const char *tabs[2] = {"/mf/q", "/mf/theta"};
    for (int k = 0; k < (x->theta ? 2 : 1); k++) {
        int nd = 0;
        gidx_t dims[2] = {0, 0};
        if (!h5io_exists(f, tabs[k]) || h5io_shape(f, tabs[k], &nd, dims) || nd != 2 ||
            dims[0] != x->N || dims[1] != 2 * x->S)
            return samarl_seterr("%s: %s is not [%" PRIdG "][%d] (expected %s's tables for a graph "
                                 "whose largest degree is %d)",
                                 path, tabs[k], x->N, 2 * x->S, kind_name[x->kind],
                                 x->m.max_degree);
    }
    gidx_t len = -1;
    if (h5io_length_1d(f, "/mf/spin", &len) || len != x->N)
        return samarl_seterr("%s: /mf/spin has %" PRIdG " entries, expected %" PRIdG, path, len,
                             x->N);
    blockmap_read_rows_h5(x->bm, f, "/mf/q", 2 * x->S, x->q);
    if (x->theta) blockmap_read_rows_h5(x->bm, f, "/mf/theta", 2 * x->S, x->theta);
    blockmap_read_h5(x->bm, f, "/mf/spin", H5IO_F64, x->spin);
    halo_exchange(x->halo, x->spin, 1);
    x->cap = it > 64 ? it : 64;
    x->hist = xrealloc(x->hist, sizeof(double) * 2 * (size_t)x->cap);
    double *r = XNEW(double, (size_t)it + 1), *o = XNEW(double, (size_t)it + 1);
    h5io_read_1d(f, "/mf/reward", H5IO_F64, 0, it, r);
    h5io_read_1d(f, "/mf/order", H5IO_F64, 0, it, o);
    for (int64_t k = 0; k < it; k++) x->hist[2 * k] = r[k], x->hist[2 * k + 1] = o[k];
    free(r);
    free(o);
    x->rows = it;
    x->t = t;
    x->reward = it ? x->hist[2 * (it - 1)] : 0;
    x->order = order_parameter(x);
    x->tau = step_tau(x, t > 0 ? t - 1 : 0);
    return SAMARL_OK;
}

static void mf_print_setup(void *self, FILE *out)
{
    const mf_t *x = self;
    static const char *const what[] = {
        "MF-Q: Boltzmann on Q_i[up neighbours][spin]",
        "MF-AC: a softmax actor and Q_i[up neighbours][spin]",
        "independent Q-learning: Q_i[spin], no neighbour information"};
    fprintf(out,
            "%s: %" PRIdG " spins (coupling %g, field %g, largest degree %d); %s; lr %g, "
            "%" PRId64 " steps per iteration\n",
            kind_name[x->kind], x->N, x->m.coupling, x->m.field, x->m.max_degree, what[x->kind],
            x->c.lr, x->c.steps);
}

static void mf_print_progress(void *self, FILE *out)
{
    const mf_t *x = self;
    fprintf(out, "  order %.4f (max %.4f at step %" PRId64 ")  reward %.4f", x->order, x->order_max,
            x->order_max_step, x->reward);
}

static void mf_print_summary(void *self, FILE *out, int64_t n_it)
{
    (void)n_it;
    const mf_t *x = self;
    fprintf(out, "%s: order parameter %.4f after %" PRId64 " steps, largest %.4f at step %" PRId64,
            kind_name[x->kind], x->order, x->t, x->order_max, x->order_max_step);
    if (x->first09 >= 0)
        fprintf(out, "; first reached 0.9 at step %" PRId64 "\n", x->first09);
    else
        fprintf(out, "; never reached 0.9\n");
}

static void mf_record(void *self, strbuf_t *sb, int64_t n_it, int64_t n_list)
{
    (void)n_it;
    const mf_t *x = self;
    sb_printf(sb,
              ", \"mf\": {\"algo\": \"%s\", \"steps\": %" PRId64 ", \"order\": %.10g, "
              "\"order_max\": %.10g, \"order_max_step\": %" PRId64
              ", \"first_order_09_step\": %" PRId64 ", \"reward\": %.10g, \"temperature\": %.10g, "
              "\"orders\": [",
              kind_name[x->kind], x->t, x->order, x->order_max, x->order_max_step, x->first09,
              x->reward, x->tau);
    const int64_t m = x->rows < n_list ? x->rows : n_list;
    for (int64_t k = 0; k < m; k++) sb_printf(sb, "%s%.6g", k ? ", " : "", x->hist[2 * k + 1]);
    sb_printf(sb, "]}");
}

#define MF_OPS(NAME, SUMMARY, CREATE)                                                              \
    {                                                                                              \
        .name = NAME, .summary = SUMMARY, .model = ENV_MODEL_ISING, .no_networks = 1,              \
        .config = &mf_section, .create = CREATE, .destroy = mf_destroy,                            \
        .init_fresh = mf_init_fresh, .iteration = mf_iteration, .save = mf_save, .load = mf_load,  \
        .evaluate = mf_eval, .print_setup = mf_print_setup, .print_progress = mf_print_progress,   \
        .print_summary = mf_print_summary, .record = mf_record                                     \
    }

const trainer_ops_t trainer_mfq =
    MF_OPS("mfq",
           "mean-field Q-learning (Yang et al. 2018): Q_i on its neighbours' mean spin, "
           "Boltzmann actions (seed 004; env.name = ising)",
           mfq_create);
const trainer_ops_t trainer_mfac =
    MF_OPS("mfac",
           "mean-field actor-critic (Yang et al. 2018): a softmax actor on the neighbours' mean "
           "spin and its Q critic (seed 004; env.name = ising)",
           mfac_create);
const trainer_ops_t trainer_iql =
    MF_OPS("iql",
           "independent Q-learning: Q_i on its own spin only, the mean-field paper's comparison "
           "(seed 004; env.name = ising)",
           iql_create);
