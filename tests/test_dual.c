/* Dual-update rules (dual.h): the registry, every rule's epoch update on a
 * small graph against its formula written out serially here over all
 * agents, the statistics, and a checkpoint round trip; on 1..4 ranks. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "samarl/blockmap.h"
#include "samarl/comm.h"
#include "samarl/config.h"
#include "samarl/consensus.h"
#include "samarl/dual.h"
#include "samarl/h5io.h"
#include "samarl/halo.h"
#include "samarl/partition.h"
#include "tap.h"

/* Tolerance of the comparisons with the serial formulas: the rules sum in
 * another order (exact sums, the engine's row order), so agreement is to
 * rounding, far below any difference a wrong formula makes. */
#define TOL 1e-12

enum { N_AGENTS = 23, EPOCHS = 4 };
static const double ETA = 0.3, LAMBDA0 = 0.04, CAPACITY = 23.0; /* share C / N = 1 */
static const int64_t T0 = 3, K = 4;

/* Usage of agent g at step t: some agents under their share, some over, and
 * the network below capacity in the first epochs and above in the last, so
 * that max(0, .) both clamps and passes. */
static double usage(gidx_t g, int64_t t)
{
    const int64_t epoch = t / T0;
    return 0.35 + 0.9 * (double)((g * 7) % N_AGENTS) / (double)(N_AGENTS - 1) +
           0.12 * (double)epoch;
}

static double weight(const graph_t *g, gidx_t i, gidx_t j)
{
    gidx_t di = g->xadj[i + 1] - g->xadj[i], dj = g->xadj[j + 1] - g->xadj[j];
    return 1.0 / (1.0 + (double)(di > dj ? di : dj));
}

/* Share weights of the weighted case (any positive scale), and the same
 * normalised to mean 1 as dual.c does. */
static double share_of(gidx_t g)
{
    return 0.05 + 3.0 * (double)((g * 5) % 7) / 6.0;
}
static double NU[N_AGENTS];

/* Serial x <- W^K x, Metropolis weights 1/(1+max(d_i,d_j)), scaled by
 * min(nu_i, nu_j) / nu_i where nu is given (consensus_weight_nodes). */
static void serial_mix_nu(const graph_t *g, const double *nu, double *x, int rounds)
{
    double *tmp = malloc(sizeof(double) * (size_t)g->n);
    for (int r = 0; r < rounds; r++) {
        for (gidx_t i = 0; i < g->n; i++) {
            double s = 0, acc = 0;
            for (gidx_t e = g->xadj[i]; e < g->xadj[i + 1]; e++) {
                const gidx_t j = g->adj[e];
                double w = weight(g, i, j);
                if (nu) w *= (nu[i] < nu[j] ? nu[i] : nu[j]) / nu[i];
                s += w;
                acc += w * x[j];
            }
            tmp[i] = (1.0 - s) * x[i] + acc;
        }
        memcpy(x, tmp, sizeof(double) * (size_t)g->n);
    }
    free(tmp);
}

static void serial_mix(const graph_t *g, double *x, int rounds)
{
    serial_mix_nu(g, NULL, x, rounds);
}

static double pos(double v)
{
    return v > 0 ? v : 0;
}

/* The serial state of every agent and the rule's update, written out. */
typedef struct {
    double lam[N_AGENTS], mu[N_AGENTS], y[N_AGENTS], sold[N_AGENTS], u[N_AGENTS];
    double w[N_AGENTS], held[N_AGENTS]; /* tracking-ratio: the weight mass, held changes */
    const double *nu;                   /* share weights (mean 1), NULL: equal */
    int wmix;                           /* dual.mixing = weighted: steps divided by nu, W_nu */
} ref_t;

static void ref_epoch(const char *rule, const graph_t *g, ref_t *r)
{
    const double s = CAPACITY / N_AGENTS;
    if (!strcmp(rule, "local")) {
        for (int i = 0; i < N_AGENTS; i++) r->lam[i] = pos(r->lam[i] + ETA * (r->u[i] - s));
    } else if (!strcmp(rule, "central") || !strcmp(rule, "sampled")) { /* sampled: k = N */
        double tot = 0;
        for (int i = 0; i < N_AGENTS; i++) tot += r->u[i];
        const double l = pos(r->lam[0] + ETA * (tot - CAPACITY) / N_AGENTS);
        for (int i = 0; i < N_AGENTS; i++) r->lam[i] = l;
    } else if (!strcmp(rule, "consensus-paper")) {
        for (int i = 0; i < N_AGENTS; i++) r->lam[i] += ETA * (r->u[i] - s);
        serial_mix(g, r->lam, (int)K);
        for (int i = 0; i < N_AGENTS; i++) r->lam[i] = pos(r->lam[i]);
    } else if (!strcmp(rule, "consensus")) {
        for (int i = 0; i < N_AGENTS; i++) {
            const double nu = r->nu ? r->nu[i] : 1.0;
            r->mu[i] += ETA * (r->u[i] - s * nu) / (r->wmix ? nu : 1.0);
        }
        serial_mix_nu(g, r->wmix ? r->nu : NULL, r->mu, (int)K);
        for (int i = 0; i < N_AGENTS; i++) r->lam[i] = pos(r->mu[i]);
    } else if (!strcmp(rule, "tracking")) {
        for (int i = 0; i < N_AGENTS; i++) {
            const double nu = r->nu ? r->nu[i] : 1.0;
            const double sl = (r->u[i] - s * nu) / (r->wmix ? nu : 1.0);
            r->y[i] += sl - r->sold[i];
            r->sold[i] = sl;
            r->mu[i] += ETA * r->y[i];
        }
        serial_mix_nu(g, r->wmix ? r->nu : NULL, r->y, (int)K);
        serial_mix_nu(g, r->wmix ? r->nu : NULL, r->mu, (int)K);
        for (int i = 0; i < N_AGENTS; i++) r->lam[i] = pos(r->mu[i]);
    } else if (!strcmp(rule, "tracking-ratio")) { /* mu and y as masses, plain push-sum */
        double deg = 0;
        for (int i = 0; i < N_AGENTS; i++) deg += (double)(g->xadj[i + 1] - g->xadj[i]);
        for (int i = 0; i < N_AGENTS; i++) {
            const double sl = r->u[i] - s * (r->nu ? r->nu[i] : 1.0);
            const double wlow =
                0.25 * (double)(g->xadj[i + 1] - g->xadj[i] + 1) / (1 + deg / N_AGENTS);
            r->held[i] += sl - r->sold[i];
            r->sold[i] = sl;
            if (r->w[i] >= wlow) r->y[i] += r->held[i], r->held[i] = 0;
            r->mu[i] += ETA * r->y[i];
        }
        double *m[3] = {r->mu, r->y, r->w}, next[N_AGENTS];
        for (int k = 0; k < (int)K; k++)
            for (int q = 0; q < 3; q++) {
                for (int j = 0; j < N_AGENTS; j++) {
                    next[j] = m[q][j] / (double)(g->xadj[j + 1] - g->xadj[j] + 1);
                    for (gidx_t e = g->xadj[j]; e < g->xadj[j + 1]; e++) {
                        const gidx_t i = g->adj[e];
                        next[j] += m[q][i] / (double)(g->xadj[i + 1] - g->xadj[i] + 1);
                    }
                }
                memcpy(m[q], next, sizeof next);
            }
        for (int i = 0; i < N_AGENTS; i++) r->lam[i] = pos(r->mu[i] / r->w[i]);
    } /* none and fixed: nothing moves */
}

static void make_config_mixing(config_t *cfg, const char *mode, const char *mixing)
{
    char sets[9][64];
    char *argv[9];
    snprintf(sets[0], sizeof sets[0], "dual.mode=%s", mode);
    snprintf(sets[1], sizeof sets[1], "dual.eta=%.17g", ETA);
    snprintf(sets[2], sizeof sets[2], "dual.lambda0=%.17g", LAMBDA0);
    snprintf(sets[3], sizeof sets[3], "dual.epoch=%" PRId64, T0);
    snprintf(sets[4], sizeof sets[4], "dual.rounds=%" PRId64, K);
    snprintf(sets[5], sizeof sets[5], "consensus.sigma_iters=5000");
    snprintf(sets[6], sizeof sets[6], "consensus.sigma_tol=1e-14");
    snprintf(sets[7], sizeof sets[7], "dual.mixing=%s", mixing);
    snprintf(sets[8], sizeof sets[8], "dual.sample_k=%d", N_AGENTS); /* sampled: every agent */
    for (int k = 0; k < 9; k++) argv[k] = sets[k];
    if (config_parse(cfg, NULL, NULL, argv, 9) != SAMARL_OK)
        SAMARL_FATAL("config: %s", samarl_errmsg());
}

static void make_config(config_t *cfg, const char *mode)
{
    make_config_mixing(cfg, mode, "plain");
}

/* Collective. Every owned agent's multiplier within TOL of the reference,
 * and the statistics those of the reference's multipliers. */
static int agrees(const dual_t *d, const lgraph_t *lg, const ref_t *r)
{
    const double *lam = dual_lambda(d);
    int ok = 1;
    for (lidx_t i = 0; i < lg->n_owned; i++) ok &= tap_close(lam[i], r->lam[lg->gid[i]], TOL);
    double mean = 0, mn = r->lam[0], mx = r->lam[0], sq = 0;
    for (int i = 0; i < N_AGENTS; i++) {
        mean += r->lam[i] / N_AGENTS;
        mn = r->lam[i] < mn ? r->lam[i] : mn;
        mx = r->lam[i] > mx ? r->lam[i] : mx;
    }
    for (int i = 0; i < N_AGENTS; i++) sq += (r->lam[i] - mean) * (r->lam[i] - mean);
    const dual_stats_t *st = dual_stats(d);
    ok &= tap_close(st->lmean, mean, TOL) && tap_close(st->lmin, mn, TOL) &&
          tap_close(st->lmax, mx, TOL) && fabs(st->dis - sqrt(sq / N_AGENTS)) <= TOL;
    return ok;
}

/* Feed steps t0 .. t1-1 of usage to d (and, per epoch, to the reference). */
static void steps(dual_t *d, const lgraph_t *lg, const char *rule, const graph_t *g, ref_t *r,
                  int64_t t0, int64_t t1)
{
    double *gsum = dual_usage(d);
    for (int64_t t = t0; t < t1; t++) {
        for (lidx_t i = 0; i < lg->n_owned; i++) gsum[i] += usage(lg->gid[i], t);
        dual_step_end(d, t);
        if ((t + 1) % T0 == 0) {
            for (int i = 0; i < N_AGENTS; i++) {
                double sum = 0;
                for (int64_t k = t + 1 - T0; k <= t; k++) sum += usage(i, k);
                r->u[i] = sum / (double)T0;
            }
            ref_epoch(rule, g, r);
        }
    }
}

static int same_state(const dual_t *a, const dual_t *b, lidx_t n)
{
    const dual_stats_t *sa = dual_stats(a), *sb = dual_stats(b);
    int ok = tap_same_bits(sa->lmean, sb->lmean) && tap_same_bits(sa->lmin, sb->lmin) &&
             tap_same_bits(sa->lmax, sb->lmax) && tap_same_bits(sa->dis, sb->dis) &&
             tap_same_bits(sa->gmax, sb->gmax);
    for (lidx_t i = 0; i < n; i++) ok &= tap_same_bits(dual_lambda(a)[i], dual_lambda(b)[i]);
    return ok;
}

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    const int P = comm_size(), me = comm_rank();

    /* ---- registry ---- */
    static const char *const names[] = {"none",       "fixed",           "local",         "central",
                                        "sampled",    "consensus",       "tracking",      "feeder",
                                        "local-cost", "consensus-paper", "tracking-ratio"};
    enum { N_NAMES = 11 };
    int n_rules = 0, found = 1;
    while (dual_rule_at(n_rules)) n_rules++;
    for (int k = 0; k < N_NAMES; k++) {
        const dual_rule_t *r = dual_rule_find(names[k]);
        found &= r != NULL && !strcmp(r->name, names[k]) && r->start != NULL && r->summary != NULL;
    }
    TAP_OK(n_rules == N_NAMES && found,
           "the registry lists the eleven rules (%d), each found by name", n_rules);
    TAP_OK(!dual_rule_find("pushsum") && !dual_rule_find("") && !dual_rule_find("Consensus"),
           "an unknown rule name is refused");
    int every = 1;
    for (int k = 0; k < N_NAMES; k++) {
        config_t c;
        make_config(&c, names[k]);
        every &= dual_rule_of(&c) == dual_rule_find(names[k]);
        config_free(&c);
    }
    TAP_OK(every, "every value of dual.mode names its rule");
    const dual_rule_t *tr = dual_rule_find("tracking"), *co = dual_rule_find("consensus"),
                      *cp = dual_rule_find("consensus-paper");
    int shape = tr->width == 2 && co->width == 1 && cp->width == 1 && tr->needs_consensus &&
                co->needs_consensus && cp->needs_consensus && tr->uses_shares && co->uses_shares &&
                !cp->uses_shares;
    for (int k = 0; k < 4; k++) {
        const dual_rule_t *r = dual_rule_find(names[k]);
        shape &= r->width == 1 && !r->needs_consensus && !r->uses_shares;
    }
    const dual_rule_t *fe = dual_rule_find("feeder");
    shape &= fe->width == 1 && !fe->needs_consensus && !fe->uses_shares && fe->channel == 1 &&
             fe->price_hops == 1;
    for (int k = 0; k < 7; k++) shape &= dual_rule_find(names[k])->channel == 0;
    TAP_OK(shape, "widths (2 for tracking), which rules mix, which step against shares, which "
                  "step on a local cost and act on the neighbourhood's price (feeder)");

    /* ---- updates against the formulas ---- */
    graph_t *g = NULL;
    if (graph_smallworld(N_AGENTS, 2, 0.3, 11, &g) != SAMARL_OK)
        SAMARL_FATAL("graph: %s", samarl_errmsg());
    config_t cfg;
    make_config(&cfg, "consensus");
    int32_t *part = malloc(sizeof(int32_t) * (size_t)g->n);
    partition_compute(g, &cfg, P, part);
    config_free(&cfg);
    lgraph_t *lg = partition_distribute(me == 0 ? g : NULL, me == 0 ? part : NULL);
    halo_t *h = halo_create(lg, HALO_P2P, 3);

    int64_t pid = getpid();
    comm_bcast_int64(&pid, 1, 0);
    const char *tmpdir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char path[1024];
    snprintf(path, sizeof path, "%s/samarl_test_dual_%" PRId64 ".ckpt", tmpdir, pid);

    double shsum = 0;
    for (int i = 0; i < N_AGENTS; i++) shsum += share_of(i);
    for (int i = 0; i < N_AGENTS; i++) NU[i] = share_of(i) * N_AGENTS / shsum;
    double *shares = malloc(sizeof(double) * (size_t)(lg->n_owned > 0 ? lg->n_owned : 1));
    for (lidx_t i = 0; i < lg->n_owned; i++) shares[i] = share_of(lg->gid[i]);
    /* Every rule with equal shares, and the rules that take shares with
     * shares, under plain (1) and weighted (2) mixing. */
    static const struct {
        const char *rule;
        int shares; /* 0 equal, 1 shares + plain mixing, 2 shares + weighted */
    } cases[] = {{"none", 0},           {"fixed", 0},         {"local", 0},
                 {"central", 0},        {"sampled", 0},       {"consensus", 0},
                 {"consensus", 1},      {"consensus", 2},     {"tracking", 0},
                 {"tracking", 1},       {"tracking", 2},      {"consensus-paper", 0},
                 {"tracking-ratio", 0}, {"tracking-ratio", 1}};
    static const char *const variant[] = {"", " (shares)", " (shares, weighted mixing)"};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const char *rule = cases[k].rule;
        const int wtd = cases[k].shares;
        make_config_mixing(&cfg, rule, wtd == 2 ? "weighted" : "plain");
        dual_t *d;
        dual_create(&cfg, lg, h, N_AGENTS, CAPACITY, wtd ? shares : NULL, NULL, NULL, &d);
        ref_t r;
        memset(&r, 0, sizeof r);
        r.nu = wtd ? NU : NULL;
        r.wmix = wtd == 2;
        const double l0 = strcmp(rule, "none") != 0 ? LAMBDA0 : 0.0;
        for (int i = 0; i < N_AGENTS; i++) r.lam[i] = r.mu[i] = l0, r.w[i] = 1.0;
        TAP_OK(agrees(d, lg, &r), "%s: every agent starts at %g", rule, l0);
        int ok = 1, moved = 0, clamped = 0;
        for (int e = 0; e < EPOCHS; e++) {
            steps(d, lg, rule, g, &r, e * T0, (e + 1) * T0);
            ok &= agrees(d, lg, &r);
            for (int i = 0; i < N_AGENTS; i++) {
                moved |= r.lam[i] != l0;
                clamped |= r.lam[i] == 0;
            }
        }
        TAP_OK(ok, "%s%s: %d epochs of the update = the formula (to %g), statistics too", rule,
               variant[wtd], EPOCHS, TOL);
        if (strcmp(rule, "none") != 0 && strcmp(rule, "fixed") != 0)
            TAP_OK(moved && clamped, "%s: the multipliers moved and max(0, .) clamped", rule);
        const double bound = dual_bound(d);
        const dual_stats_t *ds = dual_stats(d);
        const double rhoK = dual_contraction_bound(d);
        if (dual_rule(d)->needs_consensus && !dual_rule(d)->running_sums) {
            TAP_OK(isfinite(bound) && bound >= 0 && rhoK > 0 && rhoK < 1,
                   "%s%s: bound %g, sigma^K %g", rule, variant[wtd], bound, rhoK);
            TAP_OK(ds->cmax > 0 && ds->cmax <= rhoK * (1 + 1e-9) && ds->drift <= 1e-14,
                   "%s%s: every epoch's contraction %.6f <= sigma^K %.6f, the mean kept "
                   "(moved %.2g)",
                   rule, variant[wtd], ds->cmax, rhoK, ds->drift);
        } else {
            TAP_OK(isnan(bound) && isnan(ds->cmax), "%s: no bound or contraction (NaN)", rule);
        }

        /* Checkpoint: a state saved mid-run and loaded into a fresh one
         * continues with the same bits as the uninterrupted state. */
        steps(d, lg, rule, g, &r, EPOCHS * T0, EPOCHS * T0 + 1); /* mid-epoch */
        blockmap_t *bm = blockmap_create(lg);
        h5file_t *f;
        comm_check(h5io_create(path, &f));
        dual_write_stats(d, f);
        dual_write_state(d, f, bm, N_AGENTS);
        comm_check(h5io_commit(&f));
        dual_t *d2;
        dual_create(&cfg, lg, h, N_AGENTS, CAPACITY, wtd ? shares : NULL, NULL, NULL, &d2);
        comm_check(h5io_open(path, &f));
        int st = dual_read_stats(d2, f);
        if (st == SAMARL_OK) st = dual_check_state(d2, f, path, N_AGENTS);
        if (st == SAMARL_OK) dual_read_state(d2, f, bm);
        int refused = dual_check_state(d2, f, path, N_AGENTS + 1) == SAMARL_ERR &&
                      strstr(samarl_errmsg(), "has 23 entries, expected 24") != NULL;
        h5io_close(&f);
        if (me == 0) remove(path);
        ref_t r2 = r;
        const int64_t t1 = EPOCHS * T0 + 1, t2 = t1 + 2 * T0;
        steps(d, lg, rule, g, &r, t1, t2);
        steps(d2, lg, rule, g, &r2, t1, t2);
        TAP_OK(st == SAMARL_OK && same_state(d, d2, lg->n_owned) && agrees(d2, lg, &r2),
               "%s: saved mid-epoch, loaded, continued: the same bits", rule);
        TAP_OK(refused, "%s: a checkpoint for another number of agents is refused", rule);
        blockmap_destroy(&bm);
        dual_destroy(&d2);
        dual_destroy(&d);
        TAP_OK(d == NULL, "%s: dual_destroy clears the caller's pointer", rule);
        config_free(&cfg);
    }

    /* ---- the mixing check fails on broken weights ---- */
    for (int wm = 0; wm < 2; wm++) {
        make_config_mixing(&cfg, "consensus", wm ? "weighted" : "plain");
        dual_t *d;
        dual_create(&cfg, lg, h, N_AGENTS, CAPACITY, shares, NULL, NULL, &d);
        /* Break W: a third of the rows put more weight on themselves than
         * what makes their row sum one. */
        double *ws = (double *)consensus_self_weights(dual_consensus(d));
        for (lidx_t i = 0; i < lg->n_owned; i++)
            if (lg->gid[i] % 3 == 0) ws[i] += 0.4;
        ref_t r;
        memset(&r, 0, sizeof r);
        steps(d, lg, "consensus", g, &r, 0, EPOCHS * T0);
        const dual_stats_t *st = dual_stats(d);
        TAP_OK(st->cmax > dual_contraction_bound(d) * (1 + 1e-9) || st->drift > 1e-14,
               "%s mixing: broken weights fail the check: contraction %.6f vs sigma^K %.6f, "
               "mean moved %.3g",
               wm ? "weighted" : "plain", st->cmax, dual_contraction_bound(d), st->drift);
        TAP_OK(st->drift > 1e-6, "%s mixing: broken weights move the mean (%.3g)",
               wm ? "weighted" : "plain", st->drift);
        dual_destroy(&d);
        config_free(&cfg);
    }

    free(shares);
    halo_destroy(&h);
    lgraph_destroy(&lg);
    graph_destroy(&g);
    free(part);
    int rc = tap_done();
    comm_finalize();
    return rc;
}
