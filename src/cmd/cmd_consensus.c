/* samarl consensus: a study of average consensus on the configured graph. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "samarl/blockmap.h"
#include "samarl/cli.h"
#include "samarl/comm.h"
#include "samarl/consensus.h"
#include "samarl/error.h"
#include "samarl/h5io.h"
#include "samarl/rng.h"
#include "samarl/version.h"

const char *const consensus_help =
    "usage: samarl consensus [-c CONFIG] [--set section.key=value ...] [-o FILE.h5]\n"
    "                        [--dry-run] [-q]\n"
    "\n"
    "A study of the consensus engine on the configured graph. Every agent starts\n"
    "with a random value (keyed by run.seed and its gid, so independent of the\n"
    "rank count) and averages with its neighbours for consensus.rounds rounds,\n"
    "x <- W x, one halo exchange per round. It prints\n"
    "  - sigma = max|eigenvalue of W - J|, the contraction per round (Lanczos,\n"
    "    at most consensus.sigma_iters steps; 0 skips it),\n"
    "  - every consensus.report_every rounds: the disagreement ||x - mean||/sqrt(N)\n"
    "    beside the envelope sigma^r * d0 it must stay under, the time per round,\n"
    "    rounds per second and the time left,\n"
    "  - a summary: exact mean kept (mass conservation), final disagreement,\n"
    "    time and bytes exchanged per round, a checksum of the final values.\n"
    "The final values are bit-identical on 1, 2, 3, ... ranks (same checksum).\n"
    "\n"
    "options:\n"
    "  -c, --config FILE   INI configuration (without it: built-in defaults)\n"
    "  -s, --set S.K=V     override one key; repeatable (--set graph.agents=100000)\n"
    "  -o, --output FILE   write /consensus (curve, final values) and /graph to\n"
    "                      HDF5, and a JSON run record beside it (out.h5 -> out.json)\n"
    "      --dry-run       print the effective configuration and exit\n"
    "  -q, --quiet         print only the summary\n"
    "  -h, --help          this text\n"
    "\n"
    "keys: [run] seed; [graph] all; [partition] all; [halo] method;\n"
    "      [dual] weights; [consensus] rounds, report_every, init, sigma_iters,\n"
    "      sigma_tol; [faults] all (lost, late and silent messages: the mean then\n"
    "      drifts). 'samarl config --keys' documents every key.\n"
    "\n"
    "examples:\n"
    "  mpirun -np 4 samarl consensus --set graph.type=rgg --set graph.agents=100000 \\\n"
    "      --set graph.degree=16\n"
    "  mpirun -np 2 samarl consensus --set graph.type=file \\\n"
    "      --set graph.path=case2383wp.graph -o study.h5\n"
    "  mpirun -np 2 samarl consensus --set graph.type=ring --set graph.k=1 \\\n"
    "      --set consensus.rounds=2000 --set consensus.report_every=200\n";

/* Order-independent checksum of the final values: a sum (mod 2^64) of a
 * hash of (gid, bits), so it is the same for any partition. */
static uint64_t checksum(const lgraph_t *lg, const double *x)
{
    uint64_t h = 0;
    for (lidx_t i = 0; i < lg->n_owned; i++) {
        uint64_t b;
        memcpy(&b, &x[i], sizeof b);
        uint64_t z = b ^ ((uint64_t)lg->gid[i] * 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        h += z ^ (z >> 31);
    }
    /* Sum the 32-bit halves separately: exact in int64 for any rank count. */
    int64_t p[2] = {(int64_t)(h & 0xffffffffu), (int64_t)(h >> 32)};
    comm_allreduce_int64(p, 2, COMM_SUM);
    return ((uint64_t)p[1] << 32) + (uint64_t)p[0];
}

static void write_output(const char *path, const config_t *cfg, const setup_t *s, const double *x,
                         int64_t nrep, const int64_t *rounds, const double *dis,
                         const double *bound, double sigma, double mean0, double mean1,
                         uint64_t sum)
{
    timer_start(TIMER_IO);
    const lgraph_t *lg = s->lg;
    h5file_t *f;
    comm_check(h5io_create(path, &f));
    blockmap_t *bm = blockmap_create(lg);
    gidx_t lo = blockmap_lo(bm), cnt = blockmap_count(bm);
    double *blk = XNEW(double, cnt > 0 ? cnt : 1);
    int32_t *iblk = XNEW(int32_t, cnt > 0 ? cnt : 1);
    int32_t *ival = XNEW(int32_t, lg->n_owned > 0 ? lg->n_owned : 1);
    blockmap_forward(bm, x, blk, sizeof(double));
    h5io_write_1d(f, "/consensus/final", H5IO_F64, s->n, lo, cnt, blk, "1",
                  "value of each agent after the last round, indexed by gid");
    for (lidx_t i = 0; i < lg->n_owned; i++) ival[i] = comm_rank();
    blockmap_forward(bm, ival, iblk, sizeof(int32_t));
    h5io_write_1d(f, "/graph/partition", H5IO_I32, s->n, lo, cnt, iblk, "rank",
                  "MPI rank that owned each agent in this run");
    for (lidx_t i = 0; i < lg->n_owned; i++) ival[i] = lg->degree[i];
    blockmap_forward(bm, ival, iblk, sizeof(int32_t));
    h5io_write_1d(f, "/graph/degree", H5IO_I32, s->n, lo, cnt, iblk, "1",
                  "number of neighbours of each agent");
    const int root = comm_rank() == 0;
    h5io_write_1d(f, "/consensus/round", H5IO_I64, nrep, 0, root ? nrep : 0, rounds, "1",
                  "round at which each disagreement was measured");
    h5io_write_1d(f, "/consensus/disagreement", H5IO_F64, nrep, 0, root ? nrep : 0, dis, "1",
                  "||x - mean||/sqrt(N) after each reported round");
    h5io_write_1d(f, "/consensus/bound", H5IO_F64, nrep, 0, root ? nrep : 0, bound, "1",
                  "sigma^round * initial disagreement (the theoretical envelope)");
    /* Dimension scales (what netCDF tools and xarray read as dimensions):
     * the reported rounds, and each group's agents by gid. */
    h5io_dim_make_scale(f, "/consensus/round");
    h5io_dim_attach(f, "/consensus/disagreement", 0, "/consensus/round");
    h5io_dim_attach(f, "/consensus/bound", 0, "/consensus/round");
    h5io_dim_scale(f, "/consensus/agent", s->n, 0, 1, "1", "agent gid");
    h5io_dim_attach(f, "/consensus/final", 0, "/consensus/agent");
    consensus_faults_write(f, bm, cfg, lg);
    h5io_dim_scale(f, "/graph/agent", s->n, 0, 1, "1", "agent gid");
    h5io_dim_attach(f, "/graph/partition", 0, "/graph/agent");
    h5io_dim_attach(f, "/graph/degree", 0, "/graph/agent");
    if (h5io_exists(f, "/graph/byzantine"))
        h5io_dim_attach(f, "/graph/byzantine", 0, "/graph/agent");
    char *text = config_format(cfg, 0), fp[24], cs[24];
    snprintf(fp, sizeof fp, "%016" PRIx64, s->fingerprint);
    snprintf(cs, sizeof cs, "%016" PRIx64, sum);
    h5io_write_identity(f, "samarl-consensus", SAMARL_CONSENSUS_FORMAT_VERSION);
    h5io_attr_int64(f, "/", "n_agents", s->n, "1");
    h5io_attr_int64(f, "/", "n_ranks", comm_size(), "1");
    h5io_attr_int64(f, "/", "seed", (int64_t)cfg->run.seed, NULL);
    h5io_attr_str(f, "/", "config", text);
    h5io_attr_str(f, "/graph", "name", s->graph_name);
    h5io_attr_str(f, "/graph", "fingerprint", fp);
    h5io_attr_int64(f, "/graph", "n_edges", s->m, "1");
    h5io_attr_int64(f, "/graph", "edge_cut", s->edge_cut, "1");
    h5io_attr_int64(f, "/graph", "components", s->components, "1");
    h5io_attr_double(f, "/graph", "sigma", sigma, "1");
    h5io_attr_double(f, "/consensus", "sigma", sigma, "1");
    h5io_attr_int64(f, "/consensus", "n_agents", s->n, "1");
    h5io_attr_int64(f, "/consensus", "n_ranks", comm_size(), "1");
    h5io_attr_int64(f, "/consensus", "edge_cut", s->edge_cut, "1");
    h5io_attr_int64(f, "/consensus", "rounds", cfg->consensus.rounds, "1");
    h5io_attr_str(f, "/consensus", "weights",
                  config_enum_name("dual", "weights", cfg->dual.weights));
    h5io_attr_double(f, "/consensus", "mean_initial", mean0, "1");
    h5io_attr_double(f, "/consensus", "mean_final", mean1, "1");
    h5io_attr_str(f, "/consensus", "checksum", cs);
    h5io_attr_double(f, "/consensus", "faults_link_drop", cfg->faults.link_drop, "1");
    h5io_attr_double(f, "/consensus", "faults_agent_dropout", cfg->faults.agent_dropout, "1");
    h5io_attr_int64(f, "/consensus", "faults_dropout_rounds", cfg->faults.dropout_rounds, "1");
    h5io_attr_double(f, "/consensus", "faults_stale", cfg->faults.stale, "1");
    free(text);
    free(blk);
    free(iblk);
    free(ival);
    blockmap_destroy(&bm);
    comm_check(h5io_commit(&f));
    timer_stop(TIMER_IO);
}

int cmd_consensus(int argc, char **argv)
{
    const cli_command_t cmd = {.prog = "samarl consensus",
                               .help = consensus_help,
                               .accept = CLI_OUTPUT,
                               .banner = 1,
                               .reads =
                                   "run.seed,graph,partition,halo,dual.weights,consensus,faults"};
    cli_opts_t o;
    config_t cfg;
    setup_t s;
    cli_prologue(argc, argv, &cmd, NULL, &o, &cfg, NULL, &s);
    const int me = comm_rank(), verbose = !o.quiet;
    const lgraph_t *lg = s.lg;
    consensus_t *c = consensus_create(lg, s.halo, (weights_t)cfg.dual.weights);
    consensus_faults_t faults;
    consensus_faults_from_config(&cfg, &faults);
    comm_check(consensus_faults_check(&faults, lg->n_global));

    double sigma = NAN, sres = 0.0;
    int64_t sit = 0;
    if (cfg.consensus.sigma_iters > 0) {
        cli_sigma_progress_t sp = {comm_wtime(), comm_wtime()};
        sigma = consensus_sigma(c, cfg.run.seed, cfg.consensus.sigma_iters, cfg.consensus.sigma_tol,
                                &sit, &sres, verbose ? cli_sigma_progress : NULL, &sp);
        if (me == 0 && verbose)
            printf("sigma: %.10g (%s after %" PRId64 " Lanczos steps, residual %.2g)\n", sigma,
                   consensus_sigma_converged(sigma, sres, cfg.consensus.sigma_tol)
                       ? "converged"
                       : "NOT converged",
                   sit, sres);
    }

    if (me == 0 && verbose && s.components > 1)
        printf("note: %" PRIdG " components: each converges to its own mean, sigma is 1 and the "
               "disagreement does not vanish\n",
               s.components);

    /* Initial values keyed by (seed, gid): the same on any rank count. */
    const lidx_t nl = lg->n_owned + lg->n_ghost;
    double *x = XZNEW(double, nl > 0 ? nl : 1);
    for (lidx_t i = 0; i < lg->n_owned; i++) {
        if (cfg.consensus.init == INIT_NORMAL) {
            double z[2];
            rng_normal2(cfg.run.seed, RNG_STREAM_CONSENSUS_INIT, (uint64_t)lg->gid[i], 0, z);
            x[i] = z[0];
        } else {
            x[i] = rng_uniform(cfg.run.seed, RNG_STREAM_CONSENSUS_INIT, (uint64_t)lg->gid[i], 0);
        }
    }
    const int64_t R = cfg.consensus.rounds, M = cfg.consensus.report_every;
    const int64_t nrep = 1 + (R + M - 1) / M;
    int64_t *rep_round = XNEW(int64_t, nrep);
    double *rep_dis = XNEW(double, nrep), *rep_bound = XNEW(double, nrep);
    double mean0 = 0.0;
    double d0 = consensus_disagreement(c, x, &mean0);
    rep_round[0] = 0;
    rep_dis[0] = d0;
    rep_bound[0] = d0;
    const double bytes_round = 8.0 * (double)halo_send_count(s.halo);
    double bytes_total = bytes_round;
    comm_allreduce_double(&bytes_total, 1, COMM_SUM);
    if (me == 0 && verbose) {
        printf("consensus: %s weights, %" PRId64 " rounds, initial values %s (mean %.12g, "
               "disagreement %.6g)\n",
               config_enum_name("dual", "weights", cfg.dual.weights), R,
               config_enum_name("consensus", "init", cfg.consensus.init), mean0, d0);
        if (consensus_faults_active(&faults))
            printf("faults: link_drop %g, agent_dropout %g (windows of %" PRId64
                   " rounds), stale %g, byzantine %g (%s), aggregate %s: the mean drifts, "
                   "sigma^r d0 is no bound\n",
                   faults.link_drop, faults.agent_dropout, faults.dropout_rounds, faults.stale,
                   faults.byzantine,
                   config_enum_name("faults", "byzantine_mode", cfg.faults.byzantine_mode),
                   cfg.consensus.aggregate);
        printf("%9s %14s %14s %8s %12s %11s %9s\n", "round", "disagreement", "sigma^r*d0", "ratio",
               "time/round", "rounds/s", "ETA");
        printf("%9d %14.6e %14.6e %8.4f\n", 0, d0, d0, 1.0);
        fflush(stdout);
    }
    int64_t k = 1;
    double t_start = comm_wtime();
    for (int64_t done = 0; done < R; k++) {
        int64_t chunk = R - done < M ? R - done : M;
        timer_start(TIMER_CONSENSUS);
        consensus_mix_faulty(c, x, 1, (int)chunk, done, &faults);
        timer_stop(TIMER_CONSENSUS);
        done += chunk;
        double d = consensus_disagreement(c, x, NULL);
        rep_round[k] = done;
        rep_dis[k] = d;
        rep_bound[k] = isnan(sigma) ? NAN : pow(sigma, (double)done) * d0;
        if (me == 0 && verbose) {
            double el = comm_wtime() - t_start, per = timer_seconds(TIMER_CONSENSUS) / (double)done;
            char b1[32], b2[32];
            printf("%9" PRId64 " %14.6e %14.6e %8.4f %12s %11.4g %9s\n", done, d, rep_bound[k],
                   isnan(sigma) || rep_bound[k] == 0 ? NAN : d / rep_bound[k],
                   cli_duration(per, b1, sizeof b1), per > 0 ? 1.0 / per : 0.0,
                   cli_duration(el / (double)done * (double)(R - done), b2, sizeof b2));
            fflush(stdout);
        }
    }
    double mean1 = 0.0;
    double dR = consensus_disagreement(c, x, &mean1);
    double maxdev = 0.0;
    for (lidx_t i = 0; i < lg->n_owned; i++)
        if (fabs(x[i] - mean0) > maxdev) maxdev = fabs(x[i] - mean0);
    comm_allreduce_double(&maxdev, 1, COMM_MAX);
    uint64_t sum = checksum(lg, x);
    timer_stop(TIMER_TOTAL);

    /* Per-round time across ranks. */
    double per_round = R > 0 ? timer_seconds(TIMER_CONSENSUS) / (double)R : 0.0;
    double pr[3] = {per_round, per_round, per_round};
    comm_allreduce_double(&pr[0], 1, COMM_MIN);
    comm_allreduce_double(&pr[1], 1, COMM_SUM);
    comm_allreduce_double(&pr[2], 1, COMM_MAX);
    pr[1] /= comm_size();
    double bytes_max = bytes_round;
    comm_allreduce_double(&bytes_max, 1, COMM_MAX);
    timer_stats_t ts[TIMER_COUNT];

    if (o.output)
        write_output(o.output, &cfg, &s, x, nrep, rep_round, rep_dis, rep_bound, sigma, mean0,
                     mean1, sum);
    timer_reduce(ts);
    if (me == 0) {
        char b[32];
        printf("summary:\n");
        printf("  n_agents:            %" PRIdG "\n", s.n);
        printf("  n_ranks:             %d\n", comm_size());
        printf("  graph:               %s\n", s.graph_name);
        printf("  edges:               %" PRIdG "\n", s.m);
        printf("  edge_cut:            %" PRIdG "\n", s.edge_cut);
        printf("  sigma:               %.10g\n", sigma);
        printf("  rounds:              %" PRId64 "\n", R);
        printf("  mean_initial:        %.17g\n", mean0);
        printf("  mean_final:          %.17g\n", mean1);
        printf("  mean_drift:          %.3g\n", mean1 - mean0);
        printf("  disagreement_final:  %.6e\n", dR);
        printf("  max_deviation:       %.6e\n", maxdev);
        printf("  time_per_round:      %s (min %.3g s, max %.3g s across ranks)\n",
               cli_duration(pr[1], b, sizeof b), pr[0], pr[2]);
        printf("  bytes_per_round:     %.0f total, %.0f max per rank\n", bytes_total, bytes_max);
        printf("  checksum:            %016" PRIx64 "\n", sum);
        if (o.output) printf("  output:              %s\n", o.output);
        if (verbose) timer_print(stdout, ts);
        fflush(stdout);
    }
    int st = SAMARL_OK;
    if (o.output && me == 0) {
        strbuf_t sb = {0};
        record_begin(&sb, "consensus", &cfg, &s);
        char sg[32];
        if (isfinite(sigma))
            snprintf(sg, sizeof sg, "%.17g", sigma);
        else
            snprintf(sg, sizeof sg, "null");
        sb_printf(&sb,
                  "  \"results\": {\"sigma\": %s, \"sigma_iterations\": %" PRId64
                  ", \"sigma_residual\": %.6g, \"rounds\": %" PRId64
                  ", \"disagreement_initial\": %.17g, \"disagreement_final\": %.17g, "
                  "\"mean_initial\": %.17g, \"mean_final\": %.17g, \"max_deviation\": %.17g, "
                  "\"time_per_round_s\": [%.9g, %.9g, %.9g], \"bytes_per_round\": %.0f, "
                  "\"checksum\": \"%016" PRIx64 "\"},\n",
                  sg, sit, sres, R, d0, dR, mean0, mean1, maxdev, pr[0], pr[1], pr[2], bytes_total,
                  sum);
        record_timers(&sb, ts);
        sb_puts(&sb, "\n}\n");
        char *rp = record_path_for(o.output);
        st = record_write(rp, &sb);
        free(rp);
        sb_free(&sb);
    }
    comm_check_root(st, 0);

    free(x);
    free(rep_round);
    free(rep_dis);
    free(rep_bound);
    consensus_destroy(&c);
    setup_free(&s);
    config_free(&cfg);
    cli_opts_free(&o);
    return 0;
}
