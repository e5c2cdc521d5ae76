/* The trainer registry (trainer.h): it lists ppo and mappo-l, finds them by
 * the names train.algo accepts and nothing else, every entry has the
 * operations samarl train calls, and every trainer, driven only through the
 * interface, trains a tiny case to finite statistics with the same bits on
 * any number of ranks (the checksum is compared across rank counts by
 * tests/trainer.t). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/config.h"
#include "samarl/env.h"
#include "samarl/policy.h"
#include "samarl/trainer.h"
#include "../src/train/ppo_common.h"
#include "samarl/rng.h"
#include "tap.h"

enum { NAGENTS = 5 };

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t k = 0; k < n; k++) h = (h ^ b[k]) * 1099511628211ull;
    return h;
}

/* Two iterations of trainer `name` with `sharing` through the interface;
 * returns a checksum of the statistics and of agent 0's (or the shared)
 * network. */
static uint64_t train_tiny(const char *name, const char *sharing)
{
    char algo[64], share[64];
    snprintf(algo, sizeof algo, "train.algo=%s", name);
    snprintf(share, sizeof share, "policy.sharing=%s", sharing);
    char *sets[] = {algo,
                    share,
                    "graph.agents=5",
                    "env.horizon=8",
                    "train.copies=4",
                    "train.minibatches=2",
                    "train.epochs=2",
                    "policy.hidden=8",
                    "train.critic_hidden=8",
                    "train.iterations=2"};
    config_t cfg;
    TAP_OK(config_parse(&cfg, NULL, NULL, sets, 10) == SAMARL_OK, "%s, %s: the config parses", name,
           sharing);
    const int P = comm_size(), me = comm_rank();
    gidx_t gid[NAGENTS];
    lidx_t n = 0;
    for (gidx_t g = me; g < NAGENTS; g += P) gid[n++] = g;
    env_t *e;
    env_create(&cfg, NAGENTS, n, gid, (int)cfg.train.copies, &e);
    policyset_t ps;
    policyset_init(&ps, &cfg, &e->spec, n, (int)cfg.train.copies);
    trainer_t *t = trainer_create(name, &cfg, e, &ps);
    TAP_OK(strcmp(trainer_type(t)->name, name) == 0, "trainer_create(\"%s\") makes a %s trainer",
           name, name);
    trainer_init_fresh(t);
    uint64_t h = 1469598103934665603ull;
    int finite = 1, steps = 1;
    for (int64_t it = 0; it < cfg.train.iterations; it++) {
        trainer_stats_t st = {0};
        trainer_iteration(t, it, &st);
        const double v[5] = {st.aug_reward, st.entropy, st.approx_kl, st.clip_frac, st.value_loss};
        for (int k = 0; k < 5; k++) finite &= isfinite(v[k]);
        steps &= st.agent_steps == (int64_t)NAGENTS * cfg.train.copies * cfg.env.horizon;
        h = mix(h, v, sizeof v);
    }
    TAP_OK(finite, "%s, %s: every statistic is finite", name, sharing);
    TAP_OK(steps, "%s, %s: agent_steps counts every agent's samples", name, sharing);
    /* The network of gid 0 (or the shared one), from the rank that holds it. */
    uint64_t w = 0;
    if (n > 0 && gid[0] == 0) w = mix(h, policyset_params(&ps, 0), sizeof(float) * ps.net.n_params);
    double wd = (double)(w >> 11);
    comm_allreduce_double(&wd, 1, COMM_SUM);
    trainer_destroy(&t);
    TAP_OK(t == NULL, "trainer_destroy sets the handle to NULL");
    policyset_free(&ps);
    env_destroy(&e);
    config_free(&cfg);
    return (uint64_t)wd;
}

/* The clipped surrogate's per-sample weights (ppo_common.h): NULL and all
 * ones give the same bits, weights 2 give exactly twice the surrogate's
 * gradient (no entropy bonus), and positive weights act as advantages
 * scaled by them, to rounding. */
static void surrogate_weights(void)
{
    enum { M = 37, K = 5, LD = 48 };
    static float out[K * LD], lsm[K * LD], psm[K * LD], d0[(K + 1) * LD], d1[(K + 1) * LD];
    float lp_old[M], adv[M], advw[M], w[M], ones[M], twos[M], hsm[M], lpa[M], gpl[M];
    uint8_t act[M], clipped[M];
    for (int r = 0; r < M; r++) {
        for (int k = 0; k < K; k++)
            out[k * LD + r] =
                (float)(4 * rng_uniform(3, RNG_STREAM_TEST, 1, (uint64_t)(r * K + k)) - 2);
        act[r] = (uint8_t)(rng_uniform(3, RNG_STREAM_TEST, 2, (uint64_t)r) * K);
        /* log pi(a) near the current one, so that some ratios clip and some do not */
        double mx = -INFINITY, se = 0;
        for (int k = 0; k < K; k++) mx = fmax(mx, out[k * LD + r]);
        for (int k = 0; k < K; k++) se += exp(out[k * LD + r] - mx);
        lp_old[r] = (float)(out[act[r] * LD + r] - mx - log(se) +
                            0.6 * rng_uniform(3, RNG_STREAM_TEST, 3, (uint64_t)r) - 0.3);
        adv[r] = (float)(4 * rng_uniform(3, RNG_STREAM_TEST, 4, (uint64_t)r) - 2);
        w[r] = (float)(0.25 + 2 * rng_uniform(3, RNG_STREAM_TEST, 5, (uint64_t)r));
        advw[r] = adv[r] * w[r];
        ones[r] = 1.0f;
        twos[r] = 2.0f;
    }
    ppo_batch_t b = {.act = act,
                     .lp_old = lp_old,
                     .adv = adv,
                     .weight = NULL,
                     .lsm = lsm,
                     .psm = psm,
                     .hsm = hsm,
                     .lpa = lpa,
                     .gpl = gpl,
                     .clipped = clipped};
    ppo_surrogate(&b, out, LD, M, K, 0.2, 0.01, d0);
    b.weight = ones;
    ppo_surrogate(&b, out, LD, M, K, 0.2, 0.01, d1);
    int same = 1;
    for (int k = 0; k < K; k++) same &= memcmp(d0 + k * LD, d1 + k * LD, sizeof(float) * M) == 0;
    TAP_OK(same, "surrogate: weights of 1 give the bits of no weights");
    int clipped_some = 0;
    for (int r = 0; r < M; r++) clipped_some += clipped[r];
    b.weight = NULL;
    ppo_surrogate(&b, out, LD, M, K, 0.2, 0.0, d0);
    b.weight = twos;
    ppo_surrogate(&b, out, LD, M, K, 0.2, 0.0, d1);
    int twice = 1;
    for (int k = 0; k < K; k++)
        for (int r = 0; r < M; r++) twice &= d1[k * LD + r] == 2.0f * d0[k * LD + r];
    TAP_OK(twice, "surrogate: weights of 2 give exactly twice the gradient (%d of %d clipped)",
           clipped_some, M);
    b.weight = w;
    ppo_surrogate(&b, out, LD, M, K, 0.2, 0.0, d0);
    b.weight = NULL;
    b.adv = advw;
    ppo_surrogate(&b, out, LD, M, K, 0.2, 0.0, d1);
    double worst = 0;
    for (int k = 0; k < K; k++)
        for (int r = 0; r < M; r++) {
            const double e = fabs(d0[k * LD + r] - d1[k * LD + r]) / (fabs(d1[k * LD + r]) + 1e-6);
            worst = e > worst ? e : worst;
        }
    TAP_OK(worst < 1e-5, "surrogate: weights w act as advantages w A (relative error %.2g < 1e-5)",
           worst);
}

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    trainer_register_config(); /* as the programs do, before any configuration */
    surrogate_weights();
    const int nt = trainer_count();
    TAP_OK(nt >= 2, "the registry holds %d trainers", nt);
    TAP_OK(trainer_find("ppo") != NULL, "it lists ppo");
    TAP_OK(trainer_find("mappo-l") != NULL, "it lists mappo-l");
    TAP_OK(trainer_find("nope") == NULL && trainer_find("") == NULL && trainer_find("PPO") == NULL,
           "an unknown name finds nothing (names are exact)");
    TAP_OK(trainer_at(-1) == NULL && trainer_at(nt) == NULL, "trainer_at is NULL out of range");
    for (int k = 0; k < nt; k++) {
        const trainer_ops_t *o = trainer_at(k);
        TAP_OK(o->name && *o->name && o->summary && *o->summary && !strchr(o->summary, '\n'),
               "trainer %s: a name and a one-line summary", o->name);
        TAP_OK(o->create && o->destroy && o->init_fresh && o->iteration && o->save && o->load,
               "trainer %s: create, destroy, init_fresh, iteration, save and load", o->name);
        TAP_OK(trainer_find(o->name) == o, "trainer_find(\"%s\") finds it", o->name);
        /* The config accepts every registered name for train.algo. */
        char set[64];
        snprintf(set, sizeof set, "train.algo=%s", o->name);
        char *sets[] = {set};
        config_t cfg;
        const int ok = config_parse(&cfg, NULL, NULL, sets, 1) == SAMARL_OK;
        TAP_OK(ok, "train.algo = %s is accepted by the config", o->name);
        if (ok) {
            TAP_OK(strcmp(cfg.train.algo, o->name) == 0, "and names trainer %s back", o->name);
            config_free(&cfg);
        }
    }
    /* The trainers of environments whose costs read neighbours need the
     * graph and one network per agent: tests/scal.t trains them on DR-net
     * through samarl train; the trainers of a model (altmarl, altmarl-fa,
     * netac-q, netac-v, mfq, mfac, iql) simulate it themselves and have their own tests. */
    for (int k = 0; k < nt; k++)
        for (int s = 0; s < 2 && !trainer_at(k)->env_caps && !trainer_at(k)->model; s++) {
            const char *name = trainer_at(k)->name, *sharing = s ? "shared" : "agent";
            const uint64_t h = train_tiny(name, sharing);
            tap_diag("checksum %s %s: %016llx", name, sharing, (unsigned long long)h);
        }
    int rc = tap_done();
    comm_finalize();
    return rc;
}
