/* The networked random MDP (env_netmdp.h) and the networked actor-critic
 * trainers (src/train/netac.c, netac-q and netac-v) against a serial
 * reference:
 *   - the model: every transition row a distribution, features in [0, 1),
 *     mean rewards in [0, reward_max), the same values on every call and
 *     other values under another key; next-state draws follow the row;
 *   - netac-q, netac-v and the central baseline trained through the trainer
 *     interface on a ring of 8 agents scattered over the ranks give, step
 *     for step, the team reward and critic spread of a plain serial loop
 *     over all agents with the Metropolis-weighted average written out
 *     (self term, then neighbours in gid order), bit for bit, on any number
 *     of ranks. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/config.h"
#include "samarl/env.h"
#include "samarl/env_netmdp.h"
#include "samarl/error.h"
#include "samarl/graph.h"
#include "samarl/halo.h"
#include "samarl/partition.h"
#include "samarl/reprosum.h"
#include "samarl/rng.h"
#include "samarl/tmlp.h"
#include "samarl/trainer.h"
#include "tap.h"

enum { N = 8, RING_K = 2, STEPS = 40, ITS = 3 };
#define SHARED ((uint64_t)1 << 62)

static void model_checks(void)
{
    netmdp_t m, m2;
    netmdp_init(&m, 7, 20, 20, 10, 5, 4.0, 0.5);
    netmdp_init(&m2, 8, 20, 20, 10, 5, 4.0, 0.5);
    int rows = 1, ranges = 1, same = 1, differ = 0, tried = 0;
    for (int s = 0; s < 20; s++)
        for (uint64_t a = 0; a < 64; a += 7) {
            double p[20], phi[10], phi_b[10], v[5], tot = 0;
            netmdp_row(&m, s, a << 14, p);
            for (int q = 0; q < 20; q++) tot += p[q], ranges &= p[q] > 0 && p[q] < 1;
            rows &= fabs(tot - 1) < 1e-12;
            netmdp_phi(&m, s, a << 14, phi);
            netmdp_phi(&m, s, a << 14, phi_b);
            netmdp_varphi(&m, s, (int)(a & 1), (int)(a % 20), v);
            for (int q = 0; q < 10; q++) ranges &= phi[q] >= 0 && phi[q] < 1;
            for (int q = 0; q < 5; q++) ranges &= v[q] >= 0 && v[q] < 1;
            same &= !memcmp(phi, phi_b, sizeof phi);
            const double r = netmdp_reward_mean(&m, s, a << 14, (int)(a % 20));
            ranges &= r >= 0 && r < 4;
            differ += r != netmdp_reward_mean(&m2, s, a << 14, (int)(a % 20));
            tried++;
        }
    TAP_OK(rows && ranges && same && differ == tried,
           "netmdp: rows sum to 1, features in [0, 1), mean rewards in [0, 4), the same on every "
           "call, another key another MDP (%d of %d rewards differ)",
           differ, tried);
    double p[20], h[20] = {0};
    const int D = 40000;
    netmdp_row(&m, 3, 0x5a5a5, p);
    for (int d = 0; d < D; d++)
        h[netmdp_next(&m, 3, 0x5a5a5, rng_uniform(1, RNG_STREAM_TEST, 0, (uint64_t)d))] += 1.0 / D;
    double worst = 0;
    for (int q = 0; q < 20; q++) worst = fmax(worst, fabs(h[q] - p[q]));
    TAP_OK(worst < 0.012, "netmdp: %d next-state draws follow the row (largest gap %.4f)", D,
           worst);
}

/* ---- the serial reference --------------------------------------------------------- */

enum { WMAX = 1024 };

typedef struct ref {
    const netmdp_t *m;
    int value, central, P, K, W, Wn, H;
    double rate;
    tmlp_t net;
    uint64_t seed;
    double w[N][WMAX], theta[N][NETMDP_MAX_VARPHI], mu[N];
    double wc[WMAX], muc;
    double wself[N], wn[N][2 * RING_K];
    int nb[N][2 * RING_K], deg[N];
    int s;
    uint64_t a;
    int64_t t;
} ref_t;

static void ref_policy(const ref_t *x, int i, int s, double p[2], double vf[2][NETMDP_MAX_VARPHI])
{
    double z[2];
    for (int b = 0; b < 2; b++) {
        netmdp_varphi(x->m, s, b, i, vf[b]);
        z[b] = 0;
        for (int q = 0; q < x->K; q++) z[b] += x->theta[i][q] * vf[b][q];
    }
    const double mx = z[0] > z[1] ? z[0] : z[1], e0 = exp(z[0] - mx), e1 = exp(z[1] - mx);
    p[0] = e0 / (e0 + e1);
    p[1] = e1 / (e0 + e1);
}

static uint64_t ref_act(const ref_t *x, int s, int64_t t)
{
    uint64_t bits = 0;
    for (int i = 0; i < N; i++) {
        double p[2], vf[2][NETMDP_MAX_VARPHI];
        ref_policy(x, i, s, p, vf);
        if (rng_uniform(x->seed, RNG_STREAM_ACTION, (uint64_t)i, (uint64_t)t) >= p[0])
            bits |= (uint64_t)1 << i;
    }
    return bits;
}

static double ref_dot(const double *a, const double *b, int n)
{
    double s = 0;
    for (int q = 0; q < n; q++) s += a[q] * b[q];
    return s;
}

/* A critic function: w . f, or the network w (in float) at f. */
static double ref_crit(const ref_t *x, const double *w, const double *f)
{
    if (!x->H) return ref_dot(w, f, x->P);
    float wf[WMAX], xf[NETMDP_MAX_PHI], h1[64], h2[64], y;
    for (int q = 0; q < x->Wn; q++) wf[q] = (float)w[q];
    for (int q = 0; q < x->P; q++) xf[q] = (float)f[q];
    tmlp_forward(&x->net, wf, 1, xf, h1, h2, &y);
    return y;
}

static void ref_crit_step(const ref_t *x, double *w, const double *f, double step)
{
    if (!x->H) {
        for (int q = 0; q < x->P; q++) w[q] += step * f[q];
        return;
    }
    float wf[WMAX], xf[NETMDP_MAX_PHI], h1[64], h2[64], y;
    double g[WMAX] = {0}, one = 1.0;
    for (int q = 0; q < x->Wn; q++) wf[q] = (float)w[q];
    for (int q = 0; q < x->P; q++) xf[q] = (float)f[q];
    tmlp_forward(&x->net, wf, 1, xf, h1, h2, &y);
    tmlp_backward(&x->net, wf, 1, xf, h1, h2, &one, g);
    for (int q = 0; q < x->Wn; q++) w[q] += step * g[q];
}

static void ref_init(ref_t *x, const netmdp_t *m, int value, int central, int H, double rate,
                     uint64_t seed, const graph_t *g)
{
    memset(x, 0, sizeof *x);
    x->m = m;
    x->value = value;
    x->central = central;
    x->P = m->n_phi;
    x->K = m->n_varphi;
    x->H = H;
    x->rate = rate;
    x->Wn = x->P;
    if (H) {
        tmlp_shape(&x->net, x->P, H, 1);
        x->Wn = (int)x->net.n_params;
    }
    x->W = value ? 2 * x->Wn : x->Wn;
    SAMARL_ASSERT(x->W <= WMAX);
    x->seed = seed;
    for (int i = 0; i < N; i++) x->deg[i] = (int)(g->xadj[i + 1] - g->xadj[i]);
    for (int i = 0; i < N; i++) { /* Metropolis weights, neighbours ascending */
        double sum = 0;
        for (int e = 0; e < x->deg[i]; e++) {
            const int j = (int)g->adj[g->xadj[i] + e],
                      d = x->deg[i] > x->deg[j] ? x->deg[i] : x->deg[j];
            x->nb[i][e] = j;
            sum += x->wn[i][e] = 1.0 / (1.0 + (double)d);
        }
        x->wself[i] = 1.0 - sum;
    }
    if (!H) {
        for (int q = 0; q < x->W; q++) x->wc[q] = 1.0 / x->P;
    } else {
        float wf[WMAX];
        for (int k = 0; k < x->W / x->Wn; k++) {
            tmlp_init(&x->net, wf, seed, RNG_STREAM_INIT, ((uint64_t)1 << 62) | (uint64_t)k);
            for (int q = 0; q < x->Wn; q++) x->wc[k * x->Wn + q] = wf[q];
        }
    }
    for (int i = 0; i < N; i++) {
        for (int q = 0; q < x->W; q++) x->w[i][q] = x->wc[q];
        for (int q = 0; q < x->K; q++) x->theta[i][q] = 1.0 / x->K;
    }
    x->s =
        (int)rng_pick(rng_uniform(seed, RNG_STREAM_ACTION, SHARED, RNG_MAX_STEP - 1), m->n_states);
    x->a = ref_act(x, x->s, 0);
}

static double ref_step(ref_t *x)
{
    const netmdp_t *m = x->m;
    const int K = x->K, W = x->W, Wn = x->Wn, s = x->s;
    const uint64_t a = x->a;
    const int64_t t = x->t;
    const double bw = x->rate * pow((double)(t + 1), -0.65), bt = pow((double)(t + 1), -0.85);
    double r[N];
    for (int i = 0; i < N; i++) r[i] = netmdp_reward(m, x->seed, s, a, i, (uint64_t)t);
    reprosum_t rs;
    reprosum_init(&rs);
    for (int i = 0; i < N; i++) reprosum_add(&rs, r[i]);
    const double team = reprosum_value(&rs) / N;
    const int s2 =
        netmdp_next(m, s, a, rng_uniform(x->seed, RNG_STREAM_ACTION, SHARED, (uint64_t)t));
    const uint64_t a2 = ref_act(x, s2, t + 1);
    double phi[NETMDP_MAX_PHI], phi2[NETMDP_MAX_PHI], pv[NETMDP_MAX_PHI], pv2[NETMDP_MAX_PHI];
    netmdp_phi(m, s, a, phi);
    netmdp_phi(m, s2, a2, phi2);
    netmdp_phi_v(m, s, pv);
    netmdp_phi_v(m, s2, pv2);
    const double *f = x->value ? pv : phi, *f2 = x->value ? pv2 : phi2;
    const double dc = team - x->muc + ref_crit(x, x->wc, f2) - ref_crit(x, x->wc, f);
    for (int i = 0; i < N; i++) {
        const int ai = (int)((a >> i) & 1);
        double p[2], vf[2][NETMDP_MAX_VARPHI];
        ref_policy(x, i, s, p, vf);
        double *w = x->central ? x->wc : x->w[i];
        const double mu = x->central ? x->muc : x->mu[i];
        double adv;
        if (!x->value) {
            double po[NETMDP_MAX_PHI];
            netmdp_phi(m, s, a ^ ((uint64_t)1 << i), po);
            adv = p[1 - ai] * (ref_crit(x, w, phi) - ref_crit(x, w, po));
        } else {
            adv = (x->central ? team : ref_crit(x, w + Wn, phi)) - mu + ref_crit(x, w, pv2) -
                  ref_crit(x, w, pv);
        }
        for (int q = 0; q < K; q++)
            x->theta[i][q] += bt * adv * (vf[ai][q] - p[0] * vf[0][q] - p[1] * vf[1][q]);
        if (x->central) continue;
        const double d = r[i] - mu + ref_crit(x, w, f2) - ref_crit(x, w, f);
        if (!x->value) {
            ref_crit_step(x, w, phi, bw * d);
        } else {
            const double e = r[i] - ref_crit(x, w + Wn, phi);
            ref_crit_step(x, w, pv, bw * d);
            ref_crit_step(x, w + Wn, phi, bw * e);
        }
        x->mu[i] = (1 - bw) * mu + bw * r[i];
    }
    if (x->central) {
        ref_crit_step(x, x->wc, f, bw * dc);
        x->muc = (1 - bw) * x->muc + bw * team;
    } else { /* one round of y_i = W_ii w_i + sum_j W_ij w_j */
        static double y[N][WMAX];
        for (int i = 0; i < N; i++)
            for (int q = 0; q < W; q++) {
                double acc = x->wself[i] * x->w[i][q];
                for (int e = 0; e < x->deg[i]; e++) acc += x->wn[i][e] * x->w[x->nb[i][e]][q];
                y[i][q] = acc;
            }
        memcpy(x->w, y, sizeof y);
    }
    x->s = s2;
    x->a = a2;
    x->t = t + 1;
    return team;
}

static double ref_spread(const ref_t *x)
{
    if (x->central) return 0;
    double mean[WMAX], worst = 0;
    for (int q = 0; q < x->W; q++) {
        reprosum_t rs;
        reprosum_init(&rs);
        for (int i = 0; i < N; i++) reprosum_add(&rs, x->w[i][q]);
        mean[q] = reprosum_value(&rs) / N;
    }
    for (int i = 0; i < N; i++) {
        double d = 0;
        for (int q = 0; q < x->W; q++) d += pow(x->w[i][q] - mean[q], 2);
        worst = d > worst ? d : worst;
    }
    const double norm = sqrt(ref_dot(mean, mean, x->W));
    return norm > 0 ? sqrt(worst) / norm : 0;
}

/* ---- the trainer through its interface ---------------------------------------------- */

static void against_reference(const char *algo, int central, int H)
{
    char a[64], c[64], h[64];
    snprintf(a, sizeof a, "train.algo=%s", algo);
    snprintf(c, sizeof c, "netac.central=%s", central ? "true" : "false");
    snprintf(h, sizeof h, "netac.critic_hidden=%d", H);
    const double rate = H ? 0.1 : 1.0; /* networks want a smaller critic step */
    char *sets[] = {"env.name=netmdp",
                    a,
                    c,
                    "graph.agents=8",
                    "netac.steps=40",
                    "run.seed=5",
                    "netmdp.seed=3",
                    h,
                    H ? "netac.critic_rate=0.1" : "netac.rounds=1"};
    config_t cfg;
    comm_check(config_parse(&cfg, NULL, NULL, sets, 9));
    const int P = comm_size(), me = comm_rank();
    graph_t *g = NULL, *gref = NULL;
    int32_t *part = NULL;
    if (graph_ring(N, RING_K, &gref) != SAMARL_OK) SAMARL_FATAL("%s", samarl_errmsg());
    if (me == 0) {
        if (graph_ring(N, RING_K, &g) != SAMARL_OK) SAMARL_FATAL("%s", samarl_errmsg());
        part = malloc(sizeof(int32_t) * N);
        for (gidx_t v = 0; v < N; v++) part[v] = (int32_t)((v * 5) % N % P);
    }
    lgraph_t *lg = partition_distribute(g, part);
    if (me == 0) graph_destroy(&g);
    free(part);
    halo_t *halo = halo_create(lg, HALO_P2P, 1);
    env_t *env = NULL;
    env_create_trained(&cfg, lg, halo, 1, &env);
    trainer_t *t = trainer_create(algo, &cfg, env, NULL);
    trainer_init_fresh(t);
    ref_t r;
    ref_init(&r, env_model(env, ENV_MODEL_NETMDP), strcmp(algo, "netac-v") == 0, central, H, rate,
             5, gref);
    int same = 1;
    double last = 0, spread = 0;
    for (int it = 0; it < ITS; it++) {
        trainer_stats_t st;
        trainer_iteration(t, it, &st);
        double sum = 0;
        for (int k = 0; k < STEPS; k++) sum += ref_step(&r);
        last = sum / STEPS;
        spread = ref_spread(&r);
        same &= st.aug_reward == last && st.value_loss == spread &&
                st.agent_steps == (int64_t)N * STEPS;
    }
    TAP_OK(same && isfinite(last) && (central || spread > 0),
           "%s%s, %s critics on %d rank(s): %d steps of team reward and critic spread = the "
           "serial reference's, bit for bit (last %.6f, spread %.3g)",
           algo, central ? " (central critic)" : "",
           H ? (r.W > 256 ? "wide network" : "network") : "linear", P, ITS * STEPS, last, spread);
    trainer_destroy(&t);
    env_destroy(&env);
    halo_destroy(&halo);
    lgraph_destroy(&lg);
    graph_destroy(&gref);
    config_free(&cfg);
}

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    env_register_config(); /* the sections [netmdp] and [netac], as the programs do */
    trainer_register_config();
    model_checks();
    against_reference("netac-q", 0, 0);
    against_reference("netac-v", 0, 0);
    against_reference("netac-q", 1, 0);
    against_reference("netac-v", 1, 0);
    against_reference("netac-q", 0, 4);  /* 69 parameters */
    against_reference("netac-v", 0, 12); /* 2 x 301: consensed in slices of 256 */
    against_reference("netac-v", 1, 4);
    const int rc = tap_done();
    comm_finalize();
    return rc;
}
