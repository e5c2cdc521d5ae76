/* samarl run: execution with dual variables agreed by consensus (DESIGN.md §5):
 * the loop over steps; the rules live in dual.c, the outputs in runfile.c. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "samarl/cli.h"
#include "samarl/comm.h"
#include "samarl/consensus.h"
#include "samarl/dual.h"
#include "samarl/env.h"
#include "samarl/error.h"
#include "samarl/h5io.h"
#include "samarl/halo.h"
#include "samarl/kinput.h"
#include "samarl/policy.h"
#include "samarl/policyfile.h"
#include "samarl/reprosum.h"
#include "samarl/runfile.h"

const char *const run_help =
    "usage: samarl run [-c CONFIG] [--policy policy.h5] [--set section.key=value ...]\n"
    "                  [-o run.h5] [--dry-run] [-q]\n"
    "       samarl run --restart run.h5.ckpt\n"
    "\n"
    "Runs every agent on its local state and its own multiplier lambda_i for\n"
    "run.days days (hourly steps) and lets the agents agree on lambda. Every\n"
    "dual.epoch steps each agent takes a dual step on its own usage u_i (the\n"
    "mean over the epoch) against its share of capacity s_i = nu_i C/N (nu_i its\n"
    "demand scale, mean 1, under dual.share = demand; 1 under equal), then, by\n"
    "dual.mode:\n"
    "  consensus        mu_i += eta (u_i - s_i), then K = dual.rounds rounds of\n"
    "                   averaging with the graph neighbours (one halo exchange\n"
    "                   each), which keep the mean of mu, so that it takes exactly\n"
    "                   the central step; lambda_i = max(0, mu_i)\n"
    "  consensus-paper  the paper's rule as written: lambda = max(0, W^K (lambda +\n"
    "                   eta (u - C/N))); drifts where agents differ in size\n"
    "  tracking         consensus with the slack replaced by a dynamic-average\n"
    "                   estimate of the network's slack (gradient tracking)\n"
    "  local            no communication: lambda_i = max(0, lambda_i + eta (u_i -\n"
    "                   C/N))  [independent learners]\n"
    "  central          one exact multiplier from a reproducible all-reduce\n"
    "  feeder           local dual ascent on each agent's local cost (env.name =\n"
    "                   drnet: lambda_i = max(0, lambda_i + eta (l_i - F)), l_i its\n"
    "                   neighbourhood's load ratio), acting on the price\n"
    "                   p_i = lambda_i + its neighbours' lambda_j (one halo exchange)\n"
    "  local-cost       the same acting on lambda_i itself, no messages (as the\n"
    "                   networked trainers train; run their policies with it)\n"
    "  fixed            lambda = dual.lambda0 throughout; none: lambda = 0\n"
    "C = env.capacity_ratio x the agents' total demand scale is the grid capacity.\n"
    "\n"
    "The policy is policy.type = mlp (networks from --policy, made by samarl train)\n"
    "or bestresponse (analytic, no file). Rank 0 prints a progress line (step,\n"
    "agent-steps/s, ETA, and over the last 24 hours the mean slack against C,\n"
    "mean lambda and served fraction) and a\n"
    "summary: average slack / C and the share of steps over capacity over the\n"
    "second half, fulfilment (served / arrived essential demand), postponers\n"
    "(agents whose backlog exceeds 24 h of their demand at the end), energy cost,\n"
    "lambda and its disagreement beside the bound B <- s^K (B + eta G), and the\n"
    "mixing check: every epoch's contraction of the disagreement at most s^K and\n"
    "the mean kept (docs/theory.md).\n"
    "\n"
    "The run file (-o, default run.h5) is parallel HDF5: /series (per-step\n"
    "network totals), /traj (per-agent float32 trajectories, output.agents and\n"
    "output.every choose how many), /agents, /graph, /summary, /timers; written\n"
    "as run.h5.partial and renamed when complete; a JSON summary goes beside it.\n"
    "Its datasets are bit-identical for any number of ranks.\n"
    "\n"
    "options:\n"
    "  -c, --config FILE    INI configuration (without it: built-in defaults)\n"
    "  -s, --set S.K=V      override one key; repeatable\n"
    "      --policy FILE    trained networks (policy.type = mlp)\n"
    "  -o, --output FILE    the run file (default run.h5); JSON summary beside it\n"
    "      --restart CKPT   continue a killed run from its checkpoint (OUTPUT.ckpt,\n"
    "                       written every run.checkpoint_every steps): same config\n"
    "                       and output as stored in it, result bit-identical to an\n"
    "                       uninterrupted run, on any number of ranks (--policy\n"
    "                       defaults to the file the run started with)\n"
    "      --dry-run        print the effective configuration and exit\n"
    "  -q, --quiet          print only the summary\n"
    "  -h, --help           this text\n"
    "\n"
    "keys: [run] days, steps, greedy, seed, progress_every, checkpoint_every;\n"
    "      [dual] all; [output] all;\n"
    "      [env] all; [policy] type, tau, defer_hours; [graph] [partition] [halo];\n"
    "      [faults] all (lost, late and silent messages, lying agents in the\n"
    "      consensus rounds; faults.link_mode = link keeps tracking exact under lost\n"
    "      links, dual.mode = tracking-ratio under lost messages);\n"
    "      consensus.aggregate (mean, trimmed:F, median, mtm:Q: the receivers' rule;\n"
    "      mtm:3 holds the price with 5% liars in every lie mode).\n"
    "      'samarl config --keys' documents every key.\n"
    "\n"
    "examples:\n"
    "  mpirun -np 2 samarl run --set policy.type=bestresponse --set graph.agents=256 \\\n"
    "      --set graph.type=ring --set graph.k=2 -o run.h5\n"
    "  mpirun -np 2 samarl run --policy policy.h5 --set graph.agents=32 \\\n"
    "      --set dual.mode=local -o local.h5\n"
    "  mpirun -np 2 samarl run --set policy.type=bestresponse --set graph.type=grid2d \\\n"
    "      --set graph.agents=10000 --set faults.byzantine=0.01 \\\n"
    "      --set consensus.aggregate=mtm:3 -o liars.h5\n"
    "  samarl info run.h5\n";

enum { SOURCE_RUN = 2 };
/* Agents observed, decided and stepped together (one batched forward for a
 * shared network, one log-softmax for per-agent networks). */
enum { RUN_BATCH = 256 };

/* Collective. --policy against policy.type; a restart's default --policy
 * is the file the run started with (its name goes to *ctx, a char *). */
static void run_check(cli_opts_t *o, const config_t *cfg, void *ctx)
{
    char **ck_policy = ctx;
    const int mlp = cfg->policy.type == POLICY_MLP;
    if (o->restart && mlp && !o->policy) {
        h5file_t *f;
        comm_check(h5io_open(o->restart, &f));
        int st = h5io_attr_read_str(f, "/", "policy", ck_policy);
        h5io_close(&f);
        comm_check(st);
        o->policy = *ck_policy;
    }
    if (mlp && !o->policy)
        comm_check(samarl_seterr(
            "policy.type = mlp needs trained networks: pass --policy FILE (made by samarl "
            "train), or --set policy.type=bestresponse for the analytic policy"));
    if (!mlp && o->policy)
        comm_check(samarl_seterr("--policy %s given but policy.type = bestresponse (which needs "
                                 "no file); drop --policy or set policy.type = mlp",
                                 o->policy));
    if (cfg->dual.start == 1 && !o->policy)
        comm_check(samarl_seterr("dual.start = policy starts each agent from the multiplier in "
                                 "the --policy file: pass --policy FILE (a networked trainer's, "
                                 "e.g. train.algo = scal-mappo-l), or dual.start = lambda0"));
}

/* Collective. Each owned agent's multiplier from the policy file's
 * /lambda_local ([N][1], row gid), into lam[n]. */
static int policy_lambdas(const char *path, const env_t *env, gidx_t N, double *lam)
{
    h5file_t *f;
    if (h5io_open(path, &f) != SAMARL_OK) return SAMARL_ERR;
    int nd = 0;
    gidx_t dims[2] = {0, 0};
    int rc = h5io_shape(f, "/lambda_local", &nd, dims);
    if (rc != SAMARL_OK || nd != 2 || dims[0] != N || dims[1] != 1) {
        samarl_clearerr();
        h5io_close(&f);
        return samarl_seterr("%s has no multiplier per agent for %" PRIdG " agents (/lambda_local "
                             "[%" PRIdG "][1]) for dual.start = policy: it was not trained by a "
                             "networked trainer (scal-mappo-l, ippo-l, mappo-l-local) on this "
                             "graph; use dual.start = lambda0",
                             path, N, N);
    }
    float *all = XNEW(float, (size_t)N);
    h5io_read_2d(f, "/lambda_local", H5IO_F32, 1, 0, N, all);
    h5io_close(&f);
    for (lidx_t i = 0; i < env->n; i++) lam[i] = all[env->gid[i]];
    free(all);
    return SAMARL_OK;
}

/* The halo carries what the dual rule exchanges. */
static int run_halo_width(const config_t *cfg)
{
    return dual_rule_of(cfg)->width;
}

int cmd_run(int argc, char **argv)
{
    const cli_command_t cmd = {.prog = "samarl run",
                               .help = run_help,
                               .accept = CLI_OUTPUT | CLI_POLICY | CLI_RESTART,
                               .ckpt_format = "samarl-run-checkpoint",
                               .job = "run",
                               .default_output = "run.h5",
                               .env = 1,
                               .banner = 1,
                               .check = run_check,
                               .halo_width = run_halo_width,
                               .reads =
                                   "run,graph,partition,halo,env,policy,dual,output,faults,"
                                   "consensus.sigma_iters,consensus.sigma_tol,consensus.aggregate"};
    cli_opts_t o;
    config_t cfg;
    setup_t s;
    char *ck_out = NULL;    /* --restart: the output the checkpoint is for */
    char *ck_policy = NULL; /* --restart: the policy file the run started with */
    const char *out = cli_prologue(argc, argv, &cmd, &ck_policy, &o, &cfg, &ck_out, &s);
    const int me = comm_rank(), verbose = !o.quiet, mlp = cfg.policy.type == POLICY_MLP;
    char *ckpt = cli_checkpoint_path(out);
    const int64_t ce = cfg.run.checkpoint_every;
    const dual_rule_t *rule = dual_rule_of(&cfg);
    const lgraph_t *lg = s.lg;
    const lidx_t n = lg->n_owned;
    const double N = (double)s.n;
    env_t *env;
    comm_check(
        env_check_steps(&cfg, cfg.run.n_steps, cfg.run.steps > 0 ? "run.steps" : "run.days x 24"));
    env_create_on_graph(&cfg, lg, s.halo, 1, &env);
    if (rule->channel >= env->spec.n_costs)
        comm_check(samarl_seterr("dual.mode = %s steps on cost channel %d, a local constraint; "
                                 "env.name = %s has none beyond the usage g: use env.name = "
                                 "drnet, or a dual.mode that steps on the shared capacity",
                                 rule->name, rule->channel, env->ops->name));
    /* Cost channels beyond g: each step's usage with the neighbours' (one
     * halo exchange), the costs, and their second-half sums per agent. */
    const int nc = env->spec.n_costs - 1;
    double *ubuf = NULL, *cbuf = NULL;
    runfile_sums_t rs = {0};
    if (nc > 0) {
        ubuf = XZNEW(double, (size_t)(n + lg->n_ghost) + 1);
        cbuf = XZNEW(double, (size_t)nc *(size_t)n + 1);
        rs.n_cost = nc;
        rs.chan2 = XZNEW(double, (size_t)nc *(size_t)n + 1);
    }
    /* A policy trained on kappa-hop inputs (train.algo = scal-mappo-l, happo)
     * reads its neighbours' observations: one exchange per step. */
    kinput_t *ki = NULL;
    env_spec_t in_spec = env->spec;
    if (mlp) {
        int64_t kk[2] = {0, 0}; /* kappa, slots */
        h5file_t *pf;
        if (h5io_open(o.policy, &pf) == SAMARL_OK) { /* collective */
            char *kind = NULL;
            if (h5io_attr_read_int64(pf, "/", "kappa", &kk[0]) != SAMARL_OK) kk[0] = 0;
            if (kk[0] > 0 && h5io_attr_read_str(pf, "/", "kappa_input", &kind) == SAMARL_OK)
                kk[1] = strcmp(kind, "slots") == 0;
            free(kind);
            h5io_close(&pf);
        }
        samarl_clearerr(); /* policyfile_read says what is wrong with the file */
        comm_bcast_int64(kk, 2, 0);
        if (kk[0] > 0) {
            comm_check(kinput_create(lg, (int)kk[0], kk[1] ? KINPUT_SLOTS : KINPUT_SHELLMEAN,
                                     env->spec.obs_dim, 1, cfg.halo.max_ghost_share, &ki));
            in_spec.obs_dim = kinput_dim(ki);
        }
    }
    policyset_t ps;
    policyset_init(&ps, &cfg, &in_spec, n, RUN_BATCH);
    if (mlp) comm_check(policyfile_read(o.policy, &cfg, lg, env, &ps, NULL));
    dual_t *dual;
    double *shares = XNEW(double, n > 0 ? n : 1);
    for (lidx_t i = 0; i < n; i++) shares[i] = env_scale(env, i);
    cli_sigma_progress_t sp = {comm_wtime(), comm_wtime()};
    dual_create(&cfg, lg, s.halo, s.n, env->capacity, shares, verbose ? cli_sigma_progress : NULL,
                &sp, &dual);
    free(shares);
    if (cfg.dual.start == 1) { /* each agent from the multiplier its trainer left */
        double *l0 = XNEW(double, n > 0 ? n : 1);
        int rc = policy_lambdas(o.policy, env, s.n, l0);
        comm_check(rc);
        rc = dual_set_start(dual, l0);
        free(l0);
        comm_check(rc);
    }
    const dual_stats_t *ds = dual_stats(dual);
    const double *lam = dual_lambda(dual);
    double *gsum = dual_usage(dual);

    int64_t t0 = 0;
    env_begin_episode(env, cfg.run.seed, ENV_NOISE_RUN, 0);
    for (lidx_t i = 0; i < n; i++) env_reset_agent(env, i);
    runfile_t *ro;
    timer_start(TIMER_IO);
    if (o.restart)
        ro = runfile_restart(o.restart, out, &cfg, &s, env, dual, &rs, &t0);
    else
        ro = runfile_create(out, &cfg, &s, env, dual);
    timer_stop(TIMER_IO);

    const int64_t T = cfg.run.n_steps;
    const double C = env->capacity;
    if (me == 0 && verbose) {
        consensus_faults_t faults;
        consensus_faults_from_config(&cfg, &faults);
        printf("run: %" PRIdG " agents, %" PRId64 " steps (%.4g days), policy %s, dual.mode %s, "
               "eta %g, epoch %" PRId64,
               s.n, T, (double)T / 24.0, config_enum_name("policy", "type", cfg.policy.type),
               rule->name, cfg.dual.eta, cfg.dual.epoch);
        if (rule->needs_consensus)
            printf(", K %" PRId64 ", sigma %.5f", cfg.dual.rounds, dual_sigma(dual, NULL, NULL));
        printf("\n  capacity C = %.6g kWh per step (%.4g x the agents' total demand scale)\n", C,
               cfg.env.capacity_ratio);
        if (consensus_faults_active(&faults))
            printf("  faults: link_drop %g (%s), agent_dropout %g (windows of %" PRId64
                   " rounds), stale %g, byzantine %g (%s), aggregate %s%s\n",
                   faults.link_drop, config_enum_name("faults", "link_mode", cfg.faults.link_mode),
                   faults.agent_dropout, faults.dropout_rounds, faults.stale, faults.byzantine,
                   config_enum_name("faults", "byzantine_mode", cfg.faults.byzantine_mode),
                   cfg.consensus.aggregate,
                   rule->needs_consensus ? "" : " (no effect: this dual.mode sends no messages)");
        if (o.restart)
            printf("restarting from %s at step %" PRId64 "/%" PRId64 "\n", o.restart, t0, T);
        fflush(stdout);
    }

    const int D = env->spec.obs_dim, Dk = in_spec.obs_dim;
    float *obsb = XNEW(float, (size_t)RUN_BATCH *(size_t)D), lfb[RUN_BATCH];
    /* kappa-hop: every agent's observation, then the inputs of a batch. */
    float *obs_all = ki ? XNEW(float, (size_t)(n > 0 ? n : 1) * (size_t)D) : NULL;
    float *xb = ki ? XNEW(float, (size_t)RUN_BATCH *(size_t)Dk) : NULL;
    float gb[RUN_BATCH], rb[RUN_BATCH], svb[RUN_BATCH], db[RUN_BATCH], pb[RUN_BATCH];
    uint8_t actb[RUN_BATCH];
    const int batched = mlp; /* best response: agent by agent */
    const double t_start = comm_wtime();
    double last_print = 0;
    const int64_t pe = cfg.run.progress_every;
    /* The progress line's 24-hour window: one step's values say little
     * (an 18:00 step serves 0.3, a night step 1.2). */
    enum { WIN = 24 };
    double w_slack[WIN], w_lam[WIN], w_srv[WIN], w_arr[WIN];
    int w_n = 0;
    reprosum_t acc[RUNFILE_N_SUMS];
    /* The per-agent terms are floats: summed into fast exact accumulators,
     * folded into acc once per step. */
    enum { F_USAGE, F_SERVED, F_ARRIVED, F_BACKLOG, F_REWARD, F_COUNT };
    reprosum_f_t *fac = XNEW(reprosum_f_t, F_COUNT);
    /* Each folds at most a rank's agents per step: fewer than 2^31. */
    _Static_assert(sizeof(lidx_t) == 4, "reprosum_f_t takes at most 2^39 terms");
    for (int64_t t = t0; t < T; t++) {
        /* Act and step. */
        for (int k = 0; k < RUNFILE_N_SUMS; k++) reprosum_init(&acc[k]);
        for (int k = 0; k < F_COUNT; k++) reprosum_f_init(&fac[k]);
        const int rec = runfile_records(ro, t);
        if (ki) {
            timer_start(TIMER_POLICY);
            for (lidx_t i0 = 0; i0 < n; i0 += RUN_BATCH) {
                const int m = n - i0 < RUN_BATCH ? (int)(n - i0) : RUN_BATCH;
                for (int q = 0; q < m; q++) lfb[q] = (float)lam[i0 + q];
                env_observe_agents(env, i0, m, t, lfb, obs_all + (size_t)i0 * (size_t)D);
            }
            timer_stop(TIMER_POLICY);
            kinput_exchange(ki, obs_all, 1);
        }
        for (lidx_t i0 = 0; i0 < n; i0 += RUN_BATCH) {
            const int m = n - i0 < RUN_BATCH ? (int)(n - i0) : RUN_BATCH;
            timer_start(TIMER_POLICY);
            for (int q = 0; q < m; q++) lfb[q] = (float)lam[i0 + q];
            if (ki) { /* the kappa-hop inputs of the batch */
                for (int q = 0; q < m; q++) kinput_build(ki, i0 + q, 1, xb + (size_t)q * Dk);
                policyset_act_agents(&ps, env, i0, m, t, xb, cfg.run.seed, SOURCE_RUN,
                                     cfg.run.greedy, actb);
            } else {
                env_observe_agents(env, i0, m, t, lfb, obsb);
                if (batched)
                    policyset_act_agents(&ps, env, i0, m, t, obsb, cfg.run.seed, SOURCE_RUN,
                                         cfg.run.greedy, actb);
                else
                    for (int q = 0; q < m; q++)
                        policyset_act(&ps, env, i0 + q, t, obsb + (size_t)q * D, &lfb[q],
                                      cfg.run.seed, SOURCE_RUN, cfg.run.greedy, &actb[q], NULL,
                                      NULL);
            }
            timer_stop(TIMER_POLICY);
            timer_start(TIMER_ENV);
            env_step_agents(env, i0, m, t, actb, gb, rb, svb, db);
            env_pending_agents(env, i0, m, pb);
            for (int q = 0; q < m; q++) {
                const lidx_t i = i0 + q;
                if (rule->channel == 0) gsum[i] += gb[q];
                if (ubuf) ubuf[i] = gb[q];
                reprosum_f_add(&fac[F_USAGE], gb[q]);
                reprosum_f_add(&fac[F_SERVED], svb[q]);
                reprosum_f_add(&fac[F_ARRIVED], db[q]);
                reprosum_f_add(&fac[F_BACKLOG], pb[q]);
                reprosum_f_add(&fac[F_REWARD], rb[q]);
            }
            if (rec) runfile_stage(ro, i0, m, gb, pb, actb, rb, lfb);
            timer_stop(TIMER_ENV);
        }
        if (nc > 0) {
            halo_exchange(s.halo, ubuf, 1); /* timed as TIMER_HALO */
            timer_start(TIMER_ENV);
            env_costs(env, t, ubuf, cbuf);
            if (rule->channel > 0) {
                const double *c = cbuf + (size_t)(rule->channel - 1) * (size_t)n;
                for (lidx_t i = 0; i < n; i++) gsum[i] += c[i];
            }
            runfile_costs_add(&rs, cbuf, n, t, T);
            timer_stop(TIMER_ENV);
        }
        timer_start(TIMER_REDUCE);
        /* The step's exact sums; cost = price x usage, term by term. */
        reprosum_f_addto(&fac[F_USAGE], 1.0f, &acc[RUNFILE_USAGE]);
        reprosum_f_addto(&fac[F_USAGE], env_price(env, 0, t), &acc[RUNFILE_COST]);
        reprosum_f_addto(&fac[F_SERVED], 1.0f, &acc[RUNFILE_SERVED]);
        reprosum_f_addto(&fac[F_ARRIVED], 1.0f, &acc[RUNFILE_ARRIVED]);
        reprosum_f_addto(&fac[F_BACKLOG], 1.0f, &acc[RUNFILE_BACKLOG]);
        reprosum_f_addto(&fac[F_REWARD], 1.0f, &acc[RUNFILE_REWARD]);
        reprosum_allreduce(acc, RUNFILE_N_SUMS);
        timer_stop(TIMER_REDUCE);
        double v[RUNFILE_SERIES];
        for (int k = 0; k < RUNFILE_N_SUMS; k++) v[k] = reprosum_value(&acc[k]);
        v[RUNFILE_LMEAN] = ds->lmean;
        v[RUNFILE_LMIN] = ds->lmin;
        v[RUNFILE_LMAX] = ds->lmax;
        v[RUNFILE_DIS] = ds->dis;
        v[RUNFILE_BOUND] = dual_bound(dual);
        v[RUNFILE_SLACK] = v[RUNFILE_USAGE] - C;
        v[RUNFILE_CAPACITY] = C;
        runfile_sums_add(&rs, v, t, T);
        timer_start(TIMER_IO);
        runfile_series(ro, v);
        if (rec) runfile_record(ro);
        timer_stop(TIMER_IO);

        const int wi = (int)(t % WIN);
        w_slack[wi] = v[RUNFILE_SLACK];
        w_lam[wi] = v[RUNFILE_LMEAN];
        w_srv[wi] = v[RUNFILE_SERVED];
        w_arr[wi] = v[RUNFILE_ARRIVED];
        if (w_n < WIN) w_n++;

        /* The multipliers of step t + 1. */
        dual_step_end(dual, t);

        if (ce > 0 && (t + 1) % ce == 0 && t + 1 < T) {
            timer_start(TIMER_IO);
            runfile_checkpoint(ro, ckpt, out, o.policy, &cfg, &s, env, dual, &rs, t + 1);
            timer_stop(TIMER_IO);
        }

        /* Progress. */
        double now = comm_wtime() - t_start;
        const int show = pe > 0 ? (t + 1) % pe == 0 || t == T - 1 : now - last_print > 5.0;
        if (me == 0 && verbose && show) {
            last_print = now;
            char b[32];
            double rate = N * (double)(t + 1 - t0) / now, sl = 0, la = 0, sv = 0, ar = 0;
            for (int k = 0; k < w_n; k++) {
                sl += w_slack[k];
                la += w_lam[k];
                sv += w_srv[k];
                ar += w_arr[k];
            }
            printf("step %6" PRId64 "/%" PRId64 "  %8.3g agent-steps/s  ETA %8s  last %2d h: slack "
                   "%+7.3f%% C  lambda %.4f  served %.4f\n",
                   t + 1, T, rate,
                   cli_duration(now / (double)(t + 1 - t0) * (double)(T - t - 1), b, sizeof b), w_n,
                   100.0 * sl / (w_n * C), la / w_n, ar > 0 ? sv / ar : 1.0);
            fflush(stdout);
        }
    }
    const double wall = comm_wtime() - t_start;
    timer_start(TIMER_IO);
    runfile_flush(ro);
    timer_stop(TIMER_IO);

    runfile_summary_t m;
    runfile_summarise(&m, &rs, &s, env, dual, T, t0, wall);
    timer_stop(TIMER_TOTAL);
    timer_stats_t ts[TIMER_COUNT];
    timer_reduce(ts);
    timer_start(TIMER_IO);
    runfile_finish(&ro, &m, ts);
    timer_stop(TIMER_IO);
    /* The run is complete: its checkpoint has nothing left to continue. */
    if (me == 0 && ce > 0) remove(ckpt);
    if (me == 0) {
        printf("ran %" PRId64 " steps x %" PRIdG " agents in %.2f s: %.4g agent-steps/s, %.4g per "
               "rank\n",
               T - t0, s.n, wall, m.rate, m.rate / comm_size());
        runfile_print_summary(&m, dual, &cfg);
        printf("wrote %s\n", out);
        if (verbose) timer_print(stdout, ts);
        runfile_write_json(out, &cfg, &s, &m, ts);
    }
    free(obsb);
    free(obs_all);
    free(xb);
    kinput_destroy(&ki);
    free(fac);
    free(ubuf);
    free(cbuf);
    free(rs.chan2);
    dual_destroy(&dual);
    policyset_free(&ps);
    env_destroy(&env);
    setup_free(&s);
    config_free(&cfg);
    cli_opts_free(&o);
    free(ckpt);
    free(ck_out);
    free(ck_policy);
    return 0;
}
