/* ALTERNATING-MARL's continuous k-sweep on the warehouse task
 * (src/train/altmarl_fa.c), with the public code's protocol
 * (run_experiment.py): per k, TRAIN_SEEDS trainings of ROUNDS rounds, the
 * best by evaluate(20 rollouts, 50 steps, seed 0); its return over 10
 * evaluation seeds x 30 rollouts x 50 steps; the dispatcher's mode accuracy
 * on 1000 fresh starts (seed 99) and over 5 x 500 (seeds 0-4, the
 * figure's); the return with a random dispatcher and the trained robots;
 * then the fully random baseline (10 seeds x 30 rollouts).
 *
 *   mpirun -np P bench_altmarl_fa N TRAIN_SEEDS ROUNDS REWARD.csv ACC.csv RUNTIME.csv K...
 *
 * The robots are dealt round-robin across the ranks (any split gives the
 * same bits). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "samarl/altmarl_fa.h"
#include "samarl/comm.h"
#include "samarl/error.h"

enum { EVAL_SEEDS = 10, EVAL_ROLLOUTS = 30, EVAL_STEPS = 50 };

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    if (argc < 8) {
        if (comm_rank() == 0)
            fprintf(stderr, "usage: bench_altmarl_fa N TRAIN_SEEDS ROUNDS REWARD.csv ACC.csv "
                            "RUNTIME.csv K...\n");
        comm_finalize();
        return 2;
    }
    const gidx_t n = atoll(argv[1]);
    const int train_seeds = atoi(argv[2]), rounds = atoi(argv[3]);
    const int P = comm_size(), me = comm_rank();
    gidx_t *gid = XNEW(gidx_t, (size_t)n);
    lidx_t m = 0;
    for (gidx_t g = me; g < n; g += P) gid[m++] = g;
    FILE *fr = NULL, *fa = NULL, *ft = NULL;
    if (me == 0) {
        fr = fopen(argv[4], "w");
        fa = fopen(argv[5], "w");
        ft = fopen(argv[6], "w");
        if (!fr || !fa || !ft) SAMARL_FATAL("cannot write %s, %s or %s", argv[4], argv[5], argv[6]);
        fprintf(fr, "env,n_agents,k,seed,reward\n");
        fprintf(fa, "env,n_agents,k,accuracy_1000,accuracy_mean_5x500,accuracy_std_5x500,"
                    "random_dispatcher_reward\n");
        fprintf(ft, "env,n_agents,k,train_seed,rounds,train_s,select_value,values\n");
    }
    warehouse_t w;
    warehouse_init(&w);
    fa_t best = {0};
    for (int q = 7; q < argc; q++) {
        fa_params_t c;
        fa_params_default(&c);
        c.k = atoi(argv[q]);
        double best_v = -INFINITY;
        for (int ts = 0; ts < train_seeds; ts++) {
            fa_t a;
            comm_check(fa_init(&a, &w, &c, n, m, gid, (uint64_t)(ts + 1), "k"));
            comm_barrier();
            const double t0 = comm_wtime();
            for (int r = 0; r < rounds; r++) fa_round(&a);
            comm_barrier();
            const double t1 = comm_wtime();
            const double v = fa_evaluate(&a, 0, 20, EVAL_STEPS, 0, NULL);
            if (me == 0) {
                fprintf(ft, "warehouse,%lld,%d,%d,%d,%.4g,%.6g,", (long long)n, (int)c.k, ts,
                        rounds, t1 - t0, v);
                for (int r = 0; r < a.rounds; r++)
                    fprintf(ft, "%s%.4f", r ? ";" : "", a.history[r]);
                fprintf(ft, "\n");
                fflush(ft);
                printf("k %2d seed %d: %d rounds in %.1f s, select value %.2f\n", (int)c.k, ts,
                       rounds, t1 - t0, v);
                fflush(stdout);
            }
            if (v > best_v) {
                best_v = v;
                fa_free(&best);
                best = a;
            } else {
                fa_free(&a);
            }
        }
        double mean = 0, vs[EVAL_SEEDS];
        for (int s = 0; s < EVAL_SEEDS; s++) {
            vs[s] = fa_evaluate(&best, (uint64_t)s, EVAL_ROLLOUTS, EVAL_STEPS, 0, NULL);
            mean += vs[s] / EVAL_SEEDS;
            if (me == 0)
                fprintf(fr, "warehouse,%lld,%d,%d,%.10g\n", (long long)n, (int)c.k, s, vs[s]);
        }
        double sd = 0;
        for (int s = 0; s < EVAL_SEEDS; s++) sd += (vs[s] - mean) * (vs[s] - mean) / EVAL_SEEDS;
        const double acc = fa_mode_accuracy(&best, 99, 1000);
        double am = 0, as = 0, a5[5];
        for (int s = 0; s < 5; s++) am += (a5[s] = fa_mode_accuracy(&best, (uint64_t)s, 500)) / 5;
        for (int s = 0; s < 5; s++) as += (a5[s] - am) * (a5[s] - am) / 5;
        double rd = 0;
        for (int s = 0; s < EVAL_SEEDS; s++)
            rd += fa_evaluate(&best, (uint64_t)s, EVAL_ROLLOUTS, EVAL_STEPS, FA_RANDOM_G, NULL) /
                  EVAL_SEEDS;
        if (me == 0) {
            fprintf(fa, "warehouse,%lld,%d,%.4f,%.4f,%.4f,%.4f\n", (long long)n, (int)c.k, acc, am,
                    sqrt(as), rd);
            fflush(fr);
            fflush(fa);
            printf("k %2d: reward %.2f +- %.2f, mode accuracy %.1f%% (5x500: %.1f +- %.1f%%), "
                   "random dispatcher %.2f\n",
                   (int)c.k, mean, sqrt(sd), 100 * acc, 100 * am, 100 * sqrt(as), rd);
            fflush(stdout);
        }
    }
    /* the fully random baseline: every rollout's return */
    double all[EVAL_SEEDS * EVAL_ROLLOUTS], mean = 0, sd = 0;
    for (int s = 0; s < EVAL_SEEDS; s++)
        fa_evaluate(&best, (uint64_t)s, EVAL_ROLLOUTS, EVAL_STEPS, FA_RANDOM_G | FA_RANDOM_L,
                    all + s * EVAL_ROLLOUTS);
    for (int j = 0; j < EVAL_SEEDS * EVAL_ROLLOUTS; j++)
        mean += all[j] / (EVAL_SEEDS * EVAL_ROLLOUTS);
    for (int j = 0; j < EVAL_SEEDS * EVAL_ROLLOUTS; j++)
        sd += (all[j] - mean) * (all[j] - mean) / (EVAL_SEEDS * EVAL_ROLLOUTS);
    if (me == 0) {
        printf("random: %.2f +- %.2f over %d rollouts\n", mean, sqrt(sd),
               EVAL_SEEDS * EVAL_ROLLOUTS);
        fprintf(fa, "warehouse,%lld,random,,,,%.4f\n", (long long)n, mean);
        fprintf(ft, "# random baseline: %.4f +- %.4f\n", mean, sqrt(sd));
        fclose(fr);
        fclose(fa);
        fclose(ft);
    }
    fa_free(&best);
    free(gid);
    comm_finalize();
    return 0;
}
