/* ALTERNATING-MARL's k-sweep on the robots task (src/train/altmarl.c):
 * for each k, train (the alternation) and evaluate with the public
 * protocol, the n local agents split across the ranks; rows of
 *   reward CSV:  env,n_agents,k,seed,reward
 *   runtime CSV: env,n_agents,k,rounds,train_s,eval_s,agent_steps_per_s,bytes_per_step
 * (rank 0 writes them). Usage:
 *   mpirun -np 2 build/bench/bench_altmarl N KMIN KMAX SEEDS ROLLOUTS HORIZON REWARD.csv
 * RUNTIME.csv [K...] with K... the k values instead of KMIN..KMAX.
 * Environment: ALTMARL_ROUNDS caps the alternation (default 5, the public
 * code's); ALTMARL_NOSTOP=1 runs every round (no 1% stopping rule). */
#include <stdio.h>
#include <stdlib.h>

#include "samarl/altmarl.h"
#include "samarl/comm.h"
#include "samarl/error.h"

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    if (argc < 9) {
        if (comm_rank() == 0)
            fprintf(stderr, "usage: bench_altmarl N KMIN KMAX SEEDS ROLLOUTS HORIZON REWARD.csv "
                            "RUNTIME.csv [K...]\n");
        comm_finalize();
        return 2;
    }
    const gidx_t n = atoll(argv[1]);
    const int kmin = atoi(argv[2]), kmax = atoi(argv[3]), seeds = atoi(argv[4]),
              rollouts = atoi(argv[5]), horizon = atoi(argv[6]);
    int nk = argc > 9 ? argc - 9 : kmax - kmin + 1;
    int *ks = XNEW(int, (size_t)nk);
    for (int q = 0; q < nk; q++) ks[q] = argc > 9 ? atoi(argv[9 + q]) : kmin + q;
    const int P = comm_size(), me = comm_rank();
    const gidx_t lo = n * me / P, hi = n * (me + 1) / P; /* a block of the agents */
    gidx_t *gid = XNEW(gidx_t, (size_t)(hi - lo + 1));
    for (gidx_t g = lo; g < hi; g++) gid[g - lo] = g;
    FILE *fr = NULL, *ft = NULL;
    if (me == 0) {
        fr = fopen(argv[7], "w");
        ft = fopen(argv[8], "w");
        if (!fr || !ft) SAMARL_FATAL("cannot write %s or %s", argv[7], argv[8]);
        fprintf(fr, "env,n_agents,k,seed,reward\n");
        fprintf(ft, "env,n_agents,k,rounds,train_s,eval_s,agent_steps_per_s,bytes_per_step\n");
    }
    robots_t env;
    robots_init(&env);
    for (int q = 0; q < nk; q++) {
        altmarl_t a;
        altmarl_pop_t pop;
        comm_check(altmarl_init(&a, &env, ks[q], n, 1, "k"));
        comm_check(altmarl_pop_init(&pop, n, ks[q], (lidx_t)(hi - lo), gid));
        const char *mr = getenv("ALTMARL_ROUNDS"); /* the alternation's cap (default 5) */
        if (mr) a.max_rounds = atoi(mr);
        if (getenv("ALTMARL_NOSTOP")) a.stop = 0; /* every round, no 1% stopping rule */
        comm_barrier();
        const double t0 = comm_wtime();
        altmarl_train(&a, &pop);
        comm_barrier();
        const double t1 = comm_wtime();
        int64_t bytes = 0;
        double mean = 0;
        for (int s = 0; s < seeds; s++) {
            const double v = altmarl_evaluate(&a, &pop, (uint64_t)s, rollouts, horizon, &bytes);
            mean += v / seeds;
            if (me == 0) fprintf(fr, "robots,%lld,%d,%d,%.17g\n", (long long)n, ks[q], s, v);
        }
        const double t2 = comm_wtime();
        const double steps = (double)seeds * rollouts * horizon * (double)n;
        if (me == 0) {
            fprintf(ft, "robots,%lld,%d,%d,%.6g,%.6g,%.6g,%lld\n", (long long)n, ks[q], a.rounds,
                    t1 - t0, t2 - t1, steps / (t2 - t1), (long long)bytes);
            fflush(fr);
            fflush(ft);
            printf("n %lld k %2d: %d rounds, train %.3f s, reward %.3f (eval %.2f s, %.3g "
                   "agent-steps/s); judged:",
                   (long long)n, ks[q], a.rounds, t1 - t0, mean, t2 - t1, steps / (t2 - t1));
            for (int r = 0; r < a.rounds; r++) printf(" %.2f", a.history[r]);
            printf("\n");
            fflush(stdout);
        }
        altmarl_pop_free(&pop);
        altmarl_free(&a);
    }
    if (me == 0) {
        fclose(fr);
        fclose(ft);
    }
    free(gid);
    free(ks);
    comm_finalize();
    return 0;
}
