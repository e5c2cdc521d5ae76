/* Consensus engine: weights (doubly stochastic, symmetric), sigma by Lanczos
 * against LAPACK's exact spectrum, convergence to the exact
 * average under the sigma^r envelope, bit-identity with a serial iteration
 * (hence across rank counts), wider vectors, and dynamic average consensus. */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "samarl/comm.h"
#include "samarl/config.h"
#include "samarl/consensus.h"
#include "samarl/halo.h"
#include "samarl/partition.h"
#include "samarl/rng.h"
#include "tap.h"
#include "testgraphs.h"

void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
            double *work, const int *lwork, int *info);

static double weight(const graph_t *g, gidx_t i, gidx_t j, weights_t wt, gidx_t dmax)
{
    gidx_t di = g->xadj[i + 1] - g->xadj[i], dj = g->xadj[j + 1] - g->xadj[j];
    return wt == WEIGHTS_MAXDEGREE ? 1.0 / (1.0 + (double)dmax)
                                   : 1.0 / (1.0 + (double)(di > dj ? di : dj));
}

/* Serial x <- W x in the engine's order (self, then neighbours by gid). */
static void serial_round(const graph_t *g, weights_t wt, double *x, double *tmp)
{
    gidx_t dmax = graph_max_degree(g);
    for (gidx_t i = 0; i < g->n; i++) {
        double s = 0;
        for (gidx_t e = g->xadj[i]; e < g->xadj[i + 1]; e++) s += weight(g, i, g->adj[e], wt, dmax);
        double acc = (1.0 - s) * x[i];
        for (gidx_t e = g->xadj[i]; e < g->xadj[i + 1]; e++)
            acc += weight(g, i, g->adj[e], wt, dmax) * x[g->adj[e]];
        tmp[i] = acc;
    }
    memcpy(x, tmp, sizeof(double) * g->n);
}

/* The node weights of the weighted check: nu_i = 1 + (gid mod 5). */
static double node_weight(gidx_t gid)
{
    return 1.0 + (double)(gid % 5);
}

/* Exact sigma = max |eigenvalue of W - J| from the dense spectrum of W.
 * With node weights (nu_i = node_weight), W_ij = W0_ij min(nu_i, nu_j) / nu_i
 * and J = 1 nu' / sum nu, and the spectrum is that of the symmetric
 * D^(1/2) (W - J) D^(-1/2), D = diag(nu). */
static double exact_sigma(const graph_t *g, weights_t wt, int weighted)
{
    int n = (int)g->n, lwork = -1, info = 0;
    gidx_t dmax = graph_max_degree(g);
    double *a = calloc((size_t)n * n, sizeof(double)), *ev = malloc(sizeof(double) * n), q;
    double nsum = 0;
    for (gidx_t i = 0; i < n; i++) nsum += weighted ? node_weight(i) : 1.0;
    for (gidx_t i = 0; i < n; i++) {
        double s = 0, ni = weighted ? node_weight(i) : 1.0;
        for (gidx_t e = g->xadj[i]; e < g->xadj[i + 1]; e++) {
            gidx_t j = g->adj[e];
            double nj = weighted ? node_weight(j) : 1.0;
            double w = weight(g, i, j, wt, dmax) * fmin(ni, nj) / ni;
            a[i * n + j] = sqrt(ni) * w / sqrt(nj);
            s += w;
        }
        a[i * n + i] = 1.0 - s;
    }
    for (int i = 0; i < n; i++) /* W - J, symmetrised */
        for (int j = 0; j < n; j++)
            a[i * n + j] -= weighted ? sqrt(node_weight(i) * node_weight(j)) / nsum : 1.0 / n;
    dsyev_("N", "U", &n, a, &n, ev, &q, &lwork, &info);
    lwork = (int)q;
    double *work = malloc(sizeof(double) * lwork);
    dsyev_("N", "U", &n, a, &n, ev, work, &lwork, &info);
    if (info != 0) SAMARL_FATAL("dsyev failed: %d", info);
    double s = fmax(fabs(ev[0]), fabs(ev[n - 1]));
    free(a);
    free(ev);
    free(work);
    return s;
}

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    const int P = comm_size(), me = comm_rank();
    config_t cfg;
    config_parse(&cfg, NULL, NULL, NULL, 0);
    /* Small graphs with an exact spectrum: ring, torus, rgg (connected at
     * this radius), er, small world, complete, the IEEE 118-bus grid. */
    const int which[] = {0, 1, 3, 4, 5, -1};
    for (int t = 0; t < 6; t++)
        for (int wt = 0; wt < 2; wt++) {
            graph_t *g = NULL;
            if (which[t] >= 0) {
                g = test_graph(which[t]);
            } else {
                char path[1024];
                snprintf(path, sizeof path, "%s/data/grids/case118.graph", tap_shared());
                if (graph_load_metis(path, 0, &g) != SAMARL_OK) g = NULL;
            }
            if (!g) {
                TAP_OK(1, "# SKIP case118: input not found");
                continue;
            }
            const char *wn = wt ? "maxdegree" : "metropolis";
            if (graph_components(g, NULL) != 1) {
                graph_destroy(&g);
                continue;
            }
            int32_t *part = malloc(sizeof(int32_t) * g->n);
            partition_compute(g, &cfg, P, part);
            lgraph_t *lg = partition_distribute(me == 0 ? g : NULL, me == 0 ? part : NULL);
            halo_t *h = halo_create(lg, HALO_P2P, 2);
            consensus_t *c = consensus_create(lg, h, (weights_t)wt);

            /* Weights: rows sum to one, W_ij = W_ji, entries in [0, 1]. */
            const double *ws = consensus_self_weights(c);
            gidx_t dmax = graph_max_degree(g);
            int wok = 1;
            for (lidx_t i = 0; i < lg->n_owned; i++) {
                double s = ws[i];
                wok &= ws[i] >= 0 && ws[i] <= 1;
                for (int64_t e = lg->rowptr[i]; e < lg->rowptr[i + 1]; e++) {
                    double we = consensus_edge_weight(c, e);
                    s += we;
                    wok &= we == weight(g, lg->gid[i], lg->gid[lg->col[e]], (weights_t)wt, dmax) &&
                           we == weight(g, lg->gid[lg->col[e]], lg->gid[i], (weights_t)wt, dmax);
                }
                wok &= fabs(s - 1.0) < 1e-14;
            }
            TAP_OK(wok, "%s %s: W symmetric, rows sum to 1, self weights in [0,1]", g->name, wn);

            /* sigma: Lanczos against the dense spectrum, plain and with node
             * weights (W self-adjoint in the nu inner product). */
            double sig_exact = exact_sigma(g, (weights_t)wt, 0), res = 0;
            int64_t it = 0;
            double sig = consensus_sigma(c, 17, 200000, 1e-12, &it, &res, NULL, NULL);
            TAP_OK(fabs(sig - sig_exact) < 1e-10 && sig <= sig_exact + 1e-12 &&
                       (res <= 1e-12 * sig || res <= 64 * DBL_EPSILON),
                   "%s %s: sigma %.12f vs exact %.12f (%" PRId64 " steps, residual %.2g)", g->name,
                   wn, sig, sig_exact, it, res);
            {
                consensus_t *cw = consensus_create(lg, h, (weights_t)wt);
                double *nu = malloc(sizeof(double) * (lg->n_owned > 0 ? lg->n_owned : 1));
                for (lidx_t i = 0; i < lg->n_owned; i++) nu[i] = node_weight(lg->gid[i]);
                consensus_weight_nodes(cw, nu);
                double wexact = exact_sigma(g, (weights_t)wt, 1), wres = 0;
                int64_t wit = 0;
                double wsig = consensus_sigma(cw, 17, 200000, 1e-12, &wit, &wres, NULL, NULL);
                TAP_OK(fabs(wsig - wexact) < 1e-10 && wsig <= wexact + 1e-12,
                       "%s %s, node weights 1 + gid mod 5: sigma %.12f vs exact %.12f (%" PRId64
                       " steps)",
                       g->name, wn, wsig, wexact, wit);
                free(nu);
                consensus_destroy(&cw);
            }

            /* Averaging: mean kept, disagreement under sigma^r d0 every round,
             * and every value bit-equal to the serial iteration. */
            const lidx_t nl = lg->n_owned + lg->n_ghost;
            double *x = calloc((size_t)nl + 1, sizeof(double));
            double *xs = malloc(sizeof(double) * g->n), *tmp = malloc(sizeof(double) * g->n);
            for (gidx_t i = 0; i < g->n; i++) {
                double z[2];
                rng_normal2(5, RNG_STREAM_TEST, (uint64_t)i, 0, z);
                xs[i] = z[0] + (i % 7 == 0 ? 10.0 : 0.0);
            }
            for (lidx_t i = 0; i < lg->n_owned; i++) x[i] = xs[lg->gid[i]];
            double mean0 = 0, d0 = consensus_disagreement(c, x, &mean0);
            long double ref = 0;
            for (gidx_t i = 0; i < g->n; i++) ref += xs[i];
            int envelope = 1, bits = 1;
            const int R = 60;
            double d = d0;
            for (int r = 1; r <= R; r++) {
                consensus_mix(c, x, 1, 1);
                serial_round(g, (weights_t)wt, xs, tmp);
                d = consensus_disagreement(c, x, NULL);
                envelope &= d <= pow(sig_exact, r) * d0 * (1 + 1e-9) + 1e-14;
            }
            for (lidx_t i = 0; i < lg->n_owned; i++) bits &= tap_same_bits(x[i], xs[lg->gid[i]]);
            double mean1 = consensus_mean(c, x);
            TAP_OK(fabs(mean0 - (double)(ref / g->n)) < 1e-14, "%s %s: reproducible mean is exact",
                   g->name, wn);
            TAP_OK(envelope, "%s %s: disagreement <= sigma^r d0 for r = 1..%d (%.3g -> %.3g)",
                   g->name, wn, R, d0, d);
            TAP_OK(fabs(mean1 - mean0) < 1e-13 * (1 + fabs(mean0)), "%s %s: mean preserved to %.2g",
                   g->name, wn, mean1 - mean0);
            TAP_OK(bits, "%s %s: %d rounds on %d ranks bit-equal to the serial iteration", g->name,
                   wn, R, P);
            /* Long run: converges to the exact average. */
            int long_rounds = (int)fmin(20000, ceil(log(1e-11) / log(sig_exact)) + 10);
            consensus_mix(c, x, 1, long_rounds);
            double maxdev = 0;
            for (lidx_t i = 0; i < lg->n_owned; i++) maxdev = fmax(maxdev, fabs(x[i] - mean0));
            comm_allreduce_double(&maxdev, 1, COMM_MAX);
            TAP_OK(maxdev < 1e-9 * (1 + d0),
                   "%s %s: every agent reaches the exact average (%.2g after %d more rounds)",
                   g->name, wn, maxdev, long_rounds);

            /* Width 2 = two width-1 mixes, bit for bit. */
            double *x2 = calloc((size_t)nl * 2 + 2, sizeof(double));
            double *a = calloc((size_t)nl + 1, sizeof(double)),
                   *b = calloc((size_t)nl + 1, sizeof(double));
            for (lidx_t i = 0; i < lg->n_owned; i++) {
                a[i] = x2[2 * i] = sin((double)lg->gid[i]);
                b[i] = x2[2 * i + 1] = cos(3.0 * (double)lg->gid[i]);
            }
            consensus_mix(c, x2, 2, 7);
            consensus_mix(c, a, 1, 7);
            consensus_mix(c, b, 1, 7);
            int w2 = 1;
            for (lidx_t i = 0; i < lg->n_owned; i++)
                w2 &= tap_same_bits(x2[2 * i], a[i]) && tap_same_bits(x2[2 * i + 1], b[i]);
            TAP_OK(w2, "%s %s: mixing a width-2 vector = two width-1 mixes", g->name, wn);

            /* Dynamic average consensus: z tracks the average of a moving
             * signal r_t. The sum is kept up to rounding (each round may move
             * it by ~ (dmax+1) eps |z| per agent), and the error obeys
             * ||e_T|| <= sigma^(K T) ||e_0|| + max_t ||(I-J) dr_t|| / (1 - sigma^K). */
            double *z = calloc((size_t)nl + 1, sizeof(double)),
                   *rn = calloc((size_t)nl + 1, sizeof(double)),
                   *ro = calloc((size_t)nl + 1, sizeof(double)),
                   *dr = calloc((size_t)nl + 1, sizeof(double));
            for (lidx_t i = 0; i < lg->n_owned; i++)
                z[i] = ro[i] = 1.0 + (double)(lg->gid[i] % 5) + 0.5 * sin((double)lg->gid[i]);
            const int T = 200, K = 5;
            const double sqN = sqrt((double)g->n);
            double e0 = sqN * consensus_disagreement(c, z, NULL), dmaxdr = 0, drift = 0;
            for (int s = 1; s <= T; s++) {
                for (lidx_t i = 0; i < lg->n_owned; i++) {
                    rn[i] =
                        1.0 + (double)(lg->gid[i] % 5) + 0.5 * sin(0.01 * s + (double)lg->gid[i]);
                    dr[i] = rn[i] - ro[i];
                }
                dmaxdr = fmax(dmaxdr, sqN * consensus_disagreement(c, dr, NULL));
                consensus_track(c, z, rn, ro, 1, K);
                drift = fmax(drift, fabs(consensus_mean(c, z) - consensus_mean(c, rn)));
                memcpy(ro, rn, sizeof(double) * lg->n_owned);
            }
            double eT = sqN * consensus_disagreement(c, z, NULL);
            double sK = pow(sig_exact, K);
            double bound = pow(sK, T) * e0 + dmaxdr / (1 - sK);
            double drift_tol = 4.0 * T * K * (double)(dmax + 1) * 0x1p-52 * 6.5;
            TAP_OK(drift <= drift_tol,
                   "%s %s: tracking keeps mean(z) = mean(r) (drift %.2g <= %.2g)", g->name, wn,
                   drift, drift_tol);
            TAP_OK(eT <= bound * (1 + 1e-9) + 1e-12, "%s %s: tracking error %.3g within bound %.3g",
                   g->name, wn, eT, bound);
            free(dr);
            free(z);
            free(rn);
            free(ro);
            free(x2);
            free(a);
            free(b);
            free(x);
            free(xs);
            free(tmp);
            consensus_destroy(&c);
            halo_destroy(&h);
            lgraph_destroy(&lg);
            free(part);
            graph_destroy(&g);
        }
    config_free(&cfg);
    int rc = tap_done();
    comm_finalize();
    return rc;
}
