/* samarl eval: policies at fixed multipliers, beside the best response. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "samarl/cli.h"
#include "samarl/comm.h"
#include "samarl/env.h"
#include "samarl/error.h"
#include "samarl/evaluate.h"
#include "samarl/h5io.h"
#include "samarl/policy.h"
#include "samarl/policyfile.h"
#include "samarl/version.h"

const char *const eval_help =
    "usage: samarl eval [-c CONFIG] [--set section.key=value ...] [--policy policy.h5]\n"
    "                   [--lambda L1,L2,...] [-o curve.csv] [-q]\n"
    "\n"
    "Evaluates policies at fixed Lagrange multipliers: for each lambda every agent\n"
    "acts with that lambda (no dual dynamics) for eval.steps steps (default one\n"
    "episode, env.horizon) in eval.copies copies, and samarl prints per lambda\n"
    "  usage    grid draw per agent per step (kWh),\n"
    "  served   served / arrived essential demand,\n"
    "  return   augmented reward r - lambda g per agent per step ($),\n"
    "for the policy (policy.type = mlp from --policy, or bestresponse) beside the\n"
    "analytic best-response policy on the same demand draws. A good trained\n"
    "policy draws less as lambda grows and returns at least what the best\n"
    "response does.\n"
    "\n"
    "options:\n"
    "  -c, --config FILE    INI configuration (the one the policy was trained with)\n"
    "  -s, --set S.K=V      override one key; repeatable\n"
    "      --policy FILE    trained policies (samarl train); needed for mlp\n"
    "      --lambda LIST    multipliers, e.g. 0,0.1,0.2 (default eval.lambdas)\n"
    "  -o, --output FILE    write the response curve as CSV: lambda,usage,served,\n"
    "                       return,best_usage,best_served,best_return\n"
    "      --dry-run        print the effective configuration and exit\n"
    "  -q, --quiet          print only the table\n"
    "  -h, --help           this text\n"
    "\n"
    "examples:\n"
    "  samarl eval --set graph.agents=32 --policy policy.h5 --lambda 0,0.1,0.2,0.3\n"
    "  mpirun -np 2 samarl eval -c train.ini --policy policy.h5 -o curve.csv\n"
    "  /usr/bin/python3 scripts/plot_eval.py curve.csv curve.png\n";

/* Rank 0: write the curve to PATH.partial, then rename. */
static int write_csv(const char *path, int n, const double *lam, const eval_result_t *pol,
                     const eval_result_t *br)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.partial", path);
    FILE *f = fopen(tmp, "w");
    if (!f) return samarl_seterr("cannot write '%s': %s", path, strerror(errno));
    fprintf(f, "lambda,usage,served,return,best_usage,best_served,best_return\n");
    for (int k = 0; k < n; k++)
        fprintf(f, "%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", lam[k], pol[k].usage,
                pol[k].served, pol[k].ret, br[k].usage, br[k].served, br[k].ret);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return samarl_seterr("cannot write '%s': %s", path, strerror(errno));
    }
    return SAMARL_OK;
}

/* The multipliers to evaluate: --lambda, else eval.lambdas. */
typedef struct eval_lambdas {
    double lam[CONFIG_LIST_MAX];
    int nl;
} eval_lambdas_t;

/* Collective. --lambda parsed into *ctx (an eval_lambdas_t); --policy
 * against policy.type. */
static void eval_check(cli_opts_t *o, const config_t *cfg, void *ctx)
{
    eval_lambdas_t *el = ctx;
    if (o->lambda) {
        if (config_parse_list(o->lambda, el->lam, CONFIG_LIST_MAX, &el->nl) != SAMARL_OK)
            comm_check(samarl_seterr("--lambda '%s': %s", o->lambda, samarl_errmsg()));
        for (int k = 0; k < el->nl; k++)
            if (el->lam[k] < 0)
                comm_check(
                    samarl_seterr("--lambda: %g is negative (multipliers are >= 0)", el->lam[k]));
    } else {
        comm_check(config_parse_list(cfg->eval.lambdas, el->lam, CONFIG_LIST_MAX, &el->nl));
    }
    if (cfg->policy.type == POLICY_MLP && !o->policy)
        comm_check(samarl_seterr("policy.type = mlp needs --policy FILE (from samarl train); or "
                                 "evaluate the analytic policy with --set "
                                 "policy.type=bestresponse"));
}

int cmd_eval(int argc, char **argv)
{
    const cli_command_t cmd = {.prog = "samarl eval",
                               .help = eval_help,
                               .accept = CLI_OUTPUT | CLI_POLICY | CLI_LAMBDA,
                               .env = 1,
                               .check = eval_check,
                               .reads = "run.seed,graph,partition,halo,env,policy,eval"};
    cli_opts_t o;
    config_t cfg;
    setup_t s;
    eval_lambdas_t el;
    cli_prologue(argc, argv, &cmd, &el, &o, &cfg, NULL, &s);
    const int me = comm_rank(), verbose = !o.quiet, nl = el.nl;
    const double *lam = el.lam;
    const lgraph_t *lg = s.lg;
    env_t *env;
    comm_check(env_check_steps(&cfg, cfg.eval.steps > 0 ? cfg.eval.steps : cfg.env.horizon,
                               cfg.eval.steps > 0 ? "eval.steps" : "env.horizon"));
    env_create_on_graph(&cfg, lg, s.halo, (int)cfg.eval.copies, &env);
    if (env->spec.hops > 0 || env->spec.n_costs > 1)
        comm_check(samarl_seterr("samarl eval evaluates policies agent by agent on one cost "
                                 "channel; env.name = %s has costs that read graph neighbours: "
                                 "evaluate it with samarl run (its summary reports the "
                                 "violations of every cost channel)",
                                 env->ops->name));
    policyset_t ps, br;
    policyset_init(&ps, &cfg, &env->spec, lg->n_owned, (int)cfg.eval.copies);
    /* The best response beside it, where the environment has one (else its
     * columns are NaN). */
    const int has_best = env->spec.analytic;
    config_t brc = cfg;
    brc.policy.type = has_best ? POLICY_BESTRESPONSE : POLICY_MLP;
    policyset_init(&br, &brc, &env->spec, lg->n_owned, (int)cfg.eval.copies);
    if (cfg.policy.type == POLICY_MLP)
        comm_check(policyfile_read(o.policy, &cfg, lg, env, &ps, NULL));

    const int64_t steps = cfg.eval.steps > 0 ? cfg.eval.steps : cfg.env.horizon;
    eval_result_t *pol = XNEW(eval_result_t, nl), *best = XNEW(eval_result_t, nl);
    if (me == 0) {
        printf("evaluating %s for %" PRIdG " agents x %" PRId64 " copies x %" PRId64
               " steps at %d multipliers%s\n",
               cfg.policy.type == POLICY_MLP ? o.policy : "bestresponse", s.n, cfg.eval.copies,
               steps, nl, cfg.eval.greedy ? " (greedy)" : "");
        printf("%8s | %10s %8s %10s | %10s %8s %10s | %8s\n", "lambda", "usage", "served", "return",
               "best_usage", "b_served", "b_return", "gap");
        fflush(stdout);
    }
    for (int k = 0; k < nl; k++) {
        evaluate(&ps, env, cfg.run.seed, lam[k], steps, cfg.eval.greedy, 0, &pol[k]);
        if (has_best)
            evaluate(&br, env, cfg.run.seed, lam[k], steps, cfg.eval.greedy, 0, &best[k]);
        else
            best[k] = (eval_result_t){.usage = NAN, .served = NAN, .ret = NAN};
        if (me == 0) {
            double gap = (pol[k].ret - best[k].ret) / fabs(best[k].ret);
            printf("%8.4g | %10.5f %8.5f %10.5f | %10.5f %8.5f %10.5f | %+7.2f%%\n", lam[k],
                   pol[k].usage, pol[k].served, pol[k].ret, best[k].usage, best[k].served,
                   best[k].ret, 100.0 * gap);
            fflush(stdout);
        }
    }
    if (me == 0 && verbose)
        printf("usage: kWh per agent per step; return: (r - lambda g) $ per agent per step; gap: "
               "return relative to the best response\n");
    if (o.output) {
        comm_check_root(me == 0 ? write_csv(o.output, nl, lam, pol, best) : SAMARL_OK, 0);
        if (me == 0) printf("wrote %s\n", o.output);
    }
    free(pol);
    free(best);
    policyset_free(&ps);
    policyset_free(&br);
    env_destroy(&env);
    setup_free(&s);
    config_free(&cfg);
    cli_opts_free(&o);
    return 0;
}
