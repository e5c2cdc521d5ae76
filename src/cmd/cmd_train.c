/* samarl train: state-augmented PPO for every agent (DESIGN.md §4). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "samarl/cli.h"
#include "samarl/comm.h"
#include "samarl/env.h"
#include "samarl/error.h"
#include "samarl/evaluate.h"
#include "samarl/h5io.h"
#include "samarl/policy.h"
#include "samarl/policyfile.h"
#include "samarl/trainer.h"
#include "samarl/version.h"

const char *const train_help =
    "usage: samarl train [-c CONFIG] [--set section.key=value ...] [-o policy.h5]\n"
    "                    [--resume policy.h5] [--dry-run] [-q]\n"
    "       samarl train --restart policy.h5.ckpt\n"
    "\n"
    "Trains every agent's state-augmented policy offline with PPO: the policy sees\n"
    "its local state and a Lagrange multiplier lambda, drawn per parallel copy as\n"
    "train.lambda_max u^k (u uniform on [0, 1], k = train.lambda_power, more draws\n"
    "near 0), and maximises r - lambda g. With policy.sharing = agent\n"
    "(the default) each agent has its own network and each rank trains its agents\n"
    "with no communication at all; with shared, one network learns from every\n"
    "agent and its gradients are summed exactly across ranks. The weights are\n"
    "bit-identical for any number of ranks.\n"
    "\n"
    "train.algo = mappo-l trains the centralised-training baseline instead:\n"
    "MAPPO-Lagrangian, the same actors on local observations, one centralised\n"
    "critic whose input is the global state (all agents' observations, O(N)\n"
    "inputs, O(N^2) work and memory per step), and one multiplier lambda updated\n"
    "by dual ascent (train.dual_lr) and fed to the actors. The final lambda is in\n"
    "the policy file (attribute lambda_final) and the JSON record; run the\n"
    "actors with samarl run --set dual.mode=fixed --set dual.lambda0=LAMBDA.\n"
    "\n"
    "The sequential trainers (happo, hatrpo, clip-happo, clip-hatrpo) also train\n"
    "env.name = spread, MPE's cooperative navigation world: its copies are split\n"
    "across the ranks (each runs every agent in its copies) and each agent is\n"
    "trained on one rank; set train.kappa = 0 (every agent sees its whole world).\n"
    "\n"
    "train.algo = altmarl trains seed 002's ALTERNATING-MARL on env.name = robots:\n"
    "a dispatcher that sees altmarl.k of the graph.agents robots each step; each\n"
    "iteration is one round of its value iteration and the robots' best response,\n"
    "stopped by the public code's 1% rule (altmarl.stop) or train.iterations. It\n"
    "learns tables, not networks (the policy file's /altmarl group).\n"
    "train.algo = altmarl-fa trains the continuous version on env.name = warehouse:\n"
    "a dispatcher network fit to the true mode from altmarl_fa.k robots' histogram,\n"
    "the robots' policy moved by one TRPO step per round ([altmarl_fa] keys).\n"
    "train.algo = netac-q and netac-v train seed 004's networked actor-critic on\n"
    "env.name = netmdp (at most 40 agents): each agent steps its own critic on its\n"
    "private reward, then averages it with its graph neighbours through the\n"
    "consensus, faults and robust rules included; netac.steps steps per iteration.\n"
    "On env.name = dr they learn on each household's observation, its\n"
    "multiplier from dual.mode beside the critics; an iteration is one episode.\n"
    "train.algo = mfq, mfac and iql train seed 004's mean-field MARL on\n"
    "env.name = ising (a spin per agent; graph.type = grid2d is the L x L torus):\n"
    "each agent's table on its up neighbours (iql: on nothing), Boltzmann actions,\n"
    "the spins exchanged with the neighbours every step; mf.steps per iteration,\n"
    "and the order parameter |N_up - N_down| / N on the progress line.\n"
    "\n"
    "Rank 0 prints a progress line: iteration, agent-steps/s, ETA, and every\n"
    "train.eval_every iterations the augmented return per agent per step at the\n"
    "fixed multipliers train.eval_lambdas (the honest progress signal: the\n"
    "training reward mixes all lambdas, and at high lambda deferring is right).\n"
    "\n"
    "options:\n"
    "  -c, --config FILE    INI configuration (without it: built-in defaults)\n"
    "  -s, --set S.K=V      override one key; repeatable\n"
    "  -o, --output FILE    the policy file to write (default policy.h5), and a\n"
    "                       JSON record beside it (policy.json)\n"
    "      --resume FILE    continue a policy file (weights, Adam state, curve) up\n"
    "                       to train.iterations in total; the file must match the\n"
    "                       configuration (agents, network, environment)\n"
    "      --restart CKPT   continue a killed job from its checkpoint (OUTPUT.ckpt,\n"
    "                       written every train.checkpoint_every iterations): same\n"
    "                       config and output as stored in it, bit-identical result\n"
    "      --dry-run        print the effective configuration and exit\n"
    "  -q, --quiet          print only the summary\n"
    "  -h, --help           this text\n"
    "\n"
    "keys: [env] all; [policy] hidden, sharing, normalize; [train] all;\n"
    "      [graph] agents (and the rest: agents are the graph's nodes); [run] seed;\n"
    "      [consensus], [faults] and dual.weights for the critics' consensus (netac,\n"
    "      train.critic_consensus); [dual] for netac's multipliers on demand response;\n"
    "      the trainer's own section ([reinforce], [altmarl], [altmarl_fa], [netac],\n"
    "      [mf]) and the environment's ([ising], [netmdp], ...).\n"
    "      'samarl config --keys' documents every key.\n"
    "\n"
    "examples:\n"
    "  mpirun -np 2 samarl train --set graph.agents=32 -o policy.h5\n"
    "  mpirun -np 2 samarl train -c configs/train.ini --set train.iterations=600 \\\n"
    "      --resume policy.h5 -o policy.h5\n"
    "  samarl eval --set graph.agents=32 --policy policy.h5      # judge it\n"
    "  mpirun -np 2 samarl train --set env.name=spread --set graph.agents=3 \\\n"
    "      --set graph.type=complete --set train.kappa=0 --set train.algo=clip-happo\n"
    "  mpirun -np 2 samarl train --set env.name=robots --set train.algo=altmarl \\\n"
    "      --set graph.agents=1000 --set graph.type=ring --set altmarl.k=5\n"
    "  mpirun -np 2 samarl train --set env.name=netmdp --set train.algo=netac-q \\\n"
    "      --set graph.agents=20 --set graph.type=ring --set graph.k=2 \\\n"
    "      --set faults.link_drop=0.2 --set consensus.aggregate=trimmed:1\n"
    "  mpirun -np 2 samarl train --set env.name=ising --set train.algo=mfq \\\n"
    "      --set graph.type=grid2d --set graph.agents=400 --set train.iterations=100\n";

/* CPU seconds of this process (beside wall time: on a shared machine it
 * shows what an iteration costs without the waits for a core). */
static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void print_evals(const train_curve_t *c)
{
    const double *r = c->eval_return + (c->n_eval - 1) * c->n_lambda;
    for (int k = 0; k < c->n_lambda; k++) printf(" R(%g)=%.4f", c->lambda[k], r[k]);
}

/* Collective. Only networks are trained. */
static void train_check(cli_opts_t *o, const config_t *cfg, void *ctx)
{
    (void)o;
    (void)ctx;
    if (cfg->policy.type != POLICY_MLP)
        comm_check(samarl_seterr("policy.type = bestresponse needs no training (it is analytic); "
                                 "set policy.type = mlp to train networks"));
}

int cmd_train(int argc, char **argv)
{
    const cli_command_t cmd = {.prog = "samarl train",
                               .help = train_help,
                               .accept = CLI_OUTPUT | CLI_RESUME | CLI_RESTART,
                               .ckpt_format = "samarl-policy",
                               .job = "training",
                               .default_output = "policy.h5",
                               .env = 1,
                               .banner = 1,
                               .check = train_check,
                               .reads = "run.seed,run.progress_every,graph,partition,halo,env,"
                                        "policy,train,dual,consensus,faults"};
    cli_opts_t o;
    config_t cfg;
    setup_t s;
    char *ck_out = NULL; /* --restart: the output the checkpoint is for */
    const char *out = cli_prologue(argc, argv, &cmd, NULL, &o, &cfg, &ck_out, &s);
    const int me = comm_rank();
    char *ckpt = cli_checkpoint_path(out);
    const int64_t ce = cfg.train.checkpoint_every;
    const int verbose = !o.quiet;
    const lgraph_t *lg = s.lg;
    env_t *env, *eenv;
    comm_check(env_check_steps(&cfg, cfg.env.horizon, "env.horizon"));
    /* iteration k is training episode k of train.copies copies */
    comm_check(env_check_episodes(&cfg, cfg.train.iterations, cfg.train.copies,
                                  "train.iterations x train.copies"));
    env_create_trained(&cfg, lg, s.halo, (int)cfg.train.copies, &env);
    env_create_trained(&cfg, lg, s.halo, (int)cfg.train.eval_copies, &eenv);
    policyset_t ps_nets, *ps = NULL; /* none for a trainer of tables */
    int batch =
        (int)(cfg.train.copies > cfg.train.eval_copies ? cfg.train.copies : cfg.train.eval_copies);
    comm_check(trainer_check_env(cfg.train.algo, &env->spec, env->ops->name));
    if (trainer_has_networks(cfg.train.algo)) {
        env_spec_t in_spec = env->spec; /* the actors' input: the observation, or wider */
        in_spec.obs_dim = trainer_input_dim(cfg.train.algo, &cfg, env);
        policyset_init(&ps_nets, &cfg, &in_spec, lg->n_owned, batch);
        ps = &ps_nets;
    }
    /* Refuses what cannot fit. */
    trainer_t *tr = trainer_create(cfg.train.algo, &cfg, env, ps);

    double lams[CONFIG_LIST_MAX];
    int nl;
    comm_check(config_parse_list(cfg.train.eval_lambdas, lams, CONFIG_LIST_MAX, &nl));
    if (!ps) nl = 1, lams[0] = 0; /* a trainer of tables evaluates its own way, once */
    train_curve_t curve;
    curve_init(&curve, lams, nl);
    policy_state_t st = {.curve = &curve, .trainer = tr};
    int64_t it0 = 0;
    const char *from = o.restart ? o.restart : o.resume;
    if (from) {
        comm_check(policyfile_read(from, &cfg, lg, env, ps, &st));
        it0 = st.iterations;
        if (me == 0 && verbose)
            printf("%s %s after %" PRId64 " iterations (Adam step %" PRId64 ")\n",
                   o.restart ? "restarting from" : "resuming", from, it0, st.adam_step);
        if (it0 >= cfg.train.iterations && me == 0)
            printf("note: %s already has %" PRId64 " iterations >= train.iterations = %" PRId64
                   "; nothing to train (raise train.iterations to continue)\n",
                   o.resume, it0, cfg.train.iterations);
    } else {
        trainer_init_fresh(tr);
    }
    if (me == 0 && verbose && !ps) {
        printf("training: %" PRIdG " agents (%s: no networks)\n", s.n, cfg.train.algo);
        trainer_print_setup(tr, stdout);
        fflush(stdout);
    } else if (me == 0 && verbose) {
        const mlp_t *net = &ps->net;
        printf("training: %" PRIdG " agents (%s networks, %d-%d-%d-%d+1, %zu parameters each), "
               "%" PRId64 " copies x %" PRId64 " steps, %" PRId64 " epochs x %" PRId64
               " minibatches, lambda = %g u^%" PRId64 "\n",
               s.n, ps->shared ? "one shared" : "per-agent", net->in, net->hidden, net->hidden,
               net->actions, net->n_params, cfg.train.copies, cfg.env.horizon, cfg.train.epochs,
               cfg.train.minibatches, cfg.train.lambda_max, cfg.train.lambda_power);
        trainer_print_setup(tr, stdout);
        fflush(stdout);
    }

    /* The curve as it grows, for watching (python3 -m samarl plot): rank 0
     * rewrites what a resumed or restarted file holds, then appends a
     * flushed line per iteration. */
    FILE *csv = NULL;
    char *csv_path = NULL;
    if (me == 0) {
        const size_t m = strlen(out) + 16;
        csv_path = xmalloc(m);
        snprintf(csv_path, m, "%s.train.csv", out);
        csv = fopen(csv_path, "w");
        if (!csv)
            fprintf(stderr,
                    "samarl train: warning: cannot write %s (%s); training goes on "
                    "without it\n",
                    csv_path, strerror(errno));
        else {
            curve_csv_header(csv, &curve);
            curve_csv_rows(csv, &curve, 0);
            fflush(csv);
        }
    }
    const int64_t E = cfg.train.eval_every, iters = cfg.train.iterations;
    const int64_t esteps = cfg.env.horizon;
    double t_start = comm_wtime(), last_print = 0;
    int64_t steps_done = 0;
    trainer_stats_t stats = {0};
    enum { IT_LIST = 1000 }; /* iteration times listed in the JSON record */
    int64_t it_end = it0; /* iterations done: train.iterations, or fewer where the trainer stops */
    double it_s[IT_LIST], sum_it = 0, cpu_it = 0;
    double ret[CONFIG_LIST_MAX], use[CONFIG_LIST_MAX];
    for (int64_t it = it0; it < iters && !trainer_done(tr); it++) {
        const double t_it = comm_wtime(), c_it = cpu_seconds();
        trainer_iteration(tr, it, &stats);
        const double dt = comm_wtime() - t_it;
        if (it - it0 < IT_LIST) it_s[it - it0] = dt;
        sum_it += dt;
        cpu_it += cpu_seconds() - c_it;
        steps_done += stats.agent_steps;
        curve_add_stats(&curve, stats.aug_reward, stats.entropy, stats.approx_kl, stats.clip_frac,
                        stats.value_loss);
        it_end = it + 1;
        const int stopped = trainer_done(tr);
        int do_eval = it == iters - 1 || stopped || (E > 0 && (it + 1) % E == 0);
        if (do_eval) {
            timer_start(TIMER_EVAL);
            double r1, u1;
            if (trainer_evaluate(tr, eenv, esteps, &r1, &u1))
                for (int k = 0; k < nl; k++) ret[k] = r1, use[k] = u1;
            else
                for (int k = 0; k < nl; k++) {
                    eval_result_t r;
                    evaluate(ps, eenv, cfg.run.seed, lams[k], esteps, 0, 0, &r);
                    ret[k] = r.ret;
                    use[k] = r.usage;
                }
            curve_add_eval(&curve, it + 1, ret, use);
            timer_stop(TIMER_EVAL);
        }
        if (csv) {
            curve_csv_rows(csv, &curve, curve.n - 1);
            fflush(csv);
        }
        /* Checkpoint: the complete training state (Adam included), written
         * atomically; --restart continues from it bit for bit. */
        if (ce > 0 && (it + 1) % ce == 0 && it + 1 < iters && !stopped) {
            timer_start(TIMER_IO);
            policy_state_t ck = st;
            ck.iterations = it + 1;
            ck.checkpoint_for = out;
            comm_check(policyfile_write(ckpt, &cfg, lg, env, ps, &ck));
            timer_stop(TIMER_IO);
        }
        double now = comm_wtime() - t_start;
        if (me == 0 && verbose && (do_eval || now - last_print > 5.0)) {
            last_print = now;
            char b[32];
            double rate = (double)steps_done / now;
            printf(
                "iter %5" PRId64 "/%" PRId64 "  %8.3g agent-steps/s  ETA %8s", it + 1, iters, rate,
                cli_duration(now / (double)(it + 1 - it0) * (double)(iters - it - 1), b, sizeof b));
            if (ps)
                printf("  aug-r %+.4f  H %.3f  kl %.4f  clip %.3f", stats.aug_reward, stats.entropy,
                       stats.approx_kl, stats.clip_frac);
            trainer_print_progress(tr, stdout);
            if (curve.n_eval > 0) print_evals(&curve);
            printf("\n");
            fflush(stdout);
        }
    }
    double wall = comm_wtime() - t_start;
    const int64_t n_it = it_end - it0;
    if (csv) fclose(csv);
    free(csv_path);

    st.iterations = it_end;
    st.weights_only = !cfg.train.save_adam;
    timer_start(TIMER_IO);
    comm_check(policyfile_write(out, &cfg, lg, env, ps, &st));
    timer_stop(TIMER_IO);
    if (me == 0 && ce > 0) remove(ckpt); /* finished: nothing left to continue */
    timer_stop(TIMER_TOTAL);
    timer_stats_t ts[TIMER_COUNT];
    timer_reduce(ts);
    const double rate = wall > 0 ? (double)steps_done / wall : 0;
    if (me == 0) {
        printf("trained %" PRId64 " iterations (%.3g agent-steps) in %.2f s: %.4g agent-steps/s, "
               "%.4g per rank\n",
               n_it, (double)steps_done, wall, rate, rate / comm_size());
        if (curve.n_eval > 0 && !ps) {
            printf("final evaluation: %.4f %s\n", curve.eval_return[curve.n_eval - 1],
                   env->reward_units);
        } else if (curve.n_eval > 0) {
            printf("final augmented return per agent per step:");
            print_evals(&curve);
            printf("\n");
        }
        trainer_print_summary(tr, stdout, n_it);
        printf("wrote %s\n", out);
        if (verbose) timer_print(stdout, ts);
        strbuf_t sb = {0};
        record_begin(&sb, "train", &cfg, &s);
        sb_printf(&sb,
                  "  \"results\": {\"iterations\": %" PRId64 ", \"agent_steps\": %" PRId64
                  ", \"wall_s\": %.6f, \"agent_steps_per_s\": %.6g, "
                  "\"agent_steps_per_s_per_rank\": %.6g",
                  n_it, steps_done, wall, rate, rate / comm_size());
        /* Time per iteration (collection and update, without the evaluations). */
        sb_printf(&sb,
                  ", \"algo\": \"%s\", \"s_per_iteration\": %.6g, "
                  "\"cpu_s_per_iteration_rank0\": %.6g, \"iteration_s\": [",
                  trainer_type(tr)->name, n_it > 0 ? sum_it / (double)n_it : 0.0,
                  n_it > 0 ? cpu_it / (double)n_it : 0.0);
        for (int64_t k = 0; k < n_it && k < IT_LIST; k++)
            sb_printf(&sb, "%s%.6g", k ? ", " : "", it_s[k]); // NOLINT(*CallAndMessage): all set
        sb_printf(&sb, "]");
        trainer_record(tr, &sb, n_it, n_it < IT_LIST ? n_it : IT_LIST);
        if (curve.n_eval > 0) {
            sb_printf(&sb, ", \"final_eval\": {");
            const double *r = curve.eval_return + (curve.n_eval - 1) * nl;
            for (int k = 0; k < nl; k++)
                sb_printf(&sb, "%s\"%g\": %.8g", k ? ", " : "", lams[k], r[k]);
            sb_printf(&sb, "}");
        }
        sb_printf(&sb, "},\n");
        record_timers(&sb, ts);
        sb_puts(&sb, "\n}\n");
        char *jp = record_path_for(out);
        int rc = record_write(jp, &sb);
        if (rc != SAMARL_OK) fprintf(stderr, "samarl train: warning: %s\n", samarl_errmsg());
        free(jp);
        sb_free(&sb);
    }
    curve_free(&curve);
    trainer_destroy(&tr);
    if (ps) policyset_free(ps);
    env_destroy(&env);
    env_destroy(&eenv);
    setup_free(&s);
    config_free(&cfg);
    cli_opts_free(&o);
    free(ckpt);
    free(ck_out);
    return 0;
}
