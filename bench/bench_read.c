/* Read bandwidth per rank with every rank reading at once: the limit of a
 * phase that only streams memory in, such as per-agent networks acting
 * (6 KB of weights per agent-step, nothing written back). STREAM's triad
 * (bench_consensus) also writes, so it is not that limit. Each rank sums
 * its own array of MB megabytes (far beyond the caches) as 64-bit words,
 * REPS times; prints the slowest rank's best rate in GB/s.
 * Usage: mpirun -np R bench_read [MB] [REPS] */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    const size_t mb = argc > 1 ? (size_t)atol(argv[1]) : 1024;
    const int reps = argc > 2 ? atoi(argv[2]) : 5;
    const size_t n = mb * 1024 * 1024 / sizeof(uint64_t);
    uint64_t *a = malloc(n * sizeof(uint64_t));
    if (!a) {
        fprintf(stderr, "bench_read: cannot allocate %zu MB\n", mb);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (size_t k = 0; k < n; k++) a[k] = k * 0x9E3779B97F4A7C15ULL;
    double best = 0;
    uint64_t sink = 0;
    for (int r = 0; r < reps; r++) {
        MPI_Barrier(MPI_COMM_WORLD);
        const double t0 = MPI_Wtime();
        uint64_t s[8] = {0};
        for (size_t k = 0; k + 8 <= n; k += 8)
            for (int j = 0; j < 8; j++) s[j] ^= a[k + j];
        const double dt = MPI_Wtime() - t0;
        for (int j = 0; j < 8; j++) sink ^= s[j];
        const double rate = (double)(n * sizeof(uint64_t)) / dt / 1e9;
        if (rate > best) best = rate;
    }
    double worst;
    MPI_Allreduce(&best, &worst, 1, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);
    int me;
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    if (me == 0) printf("%.2f\n", worst);
    if (sink == 42) fprintf(stderr, "(unlikely)\n"); /* keep the sums */
    free(a);
    MPI_Finalize();
    return 0;
}
