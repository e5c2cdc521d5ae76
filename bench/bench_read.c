/* Read bandwidth per rank with every rank reading at once: the limit of a
 * phase that only streams memory in, such as per-agent networks acting
 * (6 KB of weights per agent-step, nothing written back). STREAM's triad
 * (bench_consensus) also writes, so it is not that limit. Each rank sums
 * its own array of MB megabytes (far beyond the caches), REPS times;
 * prints the slowest rank's best rate in GB/s.
 * Usage: mpirun -np R bench_read [MB] [REPS] */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
/* 512-bit loads, four accumulators: a scalar loop issues too few loads to
 * keep the memory system busy (10 against 14.6 GB/s on the development
 * machine), and the policy kernels read with 512-bit loads too. */
__attribute__((target("avx512f"))) static uint64_t sum512(const uint64_t *a, size_t n)
{
    __m512i s0 = _mm512_setzero_si512(), s1 = s0, s2 = s0, s3 = s0;
    size_t k = 0;
    for (; k + 32 <= n; k += 32) {
        s0 = _mm512_xor_si512(s0, _mm512_load_si512(a + k));
        s1 = _mm512_xor_si512(s1, _mm512_load_si512(a + k + 8));
        s2 = _mm512_xor_si512(s2, _mm512_load_si512(a + k + 16));
        s3 = _mm512_xor_si512(s3, _mm512_load_si512(a + k + 24));
    }
    s0 = _mm512_xor_si512(_mm512_xor_si512(s0, s1), _mm512_xor_si512(s2, s3));
    uint64_t out[8], x = 0;
    _mm512_storeu_si512(out, s0);
    for (int j = 0; j < 8; j++) x ^= out[j];
    for (; k < n; k++) x ^= a[k];
    return x;
}
static int have512(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
}
#else
static uint64_t sum512(const uint64_t *a, size_t n)
{
    (void)a, (void)n;
    return 0;
}
static int have512(void)
{
    return 0;
}
#endif

static uint64_t sum_scalar(const uint64_t *a, size_t n)
{
    uint64_t s[8] = {0}, x = 0;
    size_t k = 0;
    for (; k + 8 <= n; k += 8)
        for (int j = 0; j < 8; j++) s[j] ^= a[k + j];
    for (int j = 0; j < 8; j++) x ^= s[j];
    for (; k < n; k++) x ^= a[k];
    return x;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    const size_t mb = argc > 1 ? (size_t)atol(argv[1]) : 1024;
    const int reps = argc > 2 ? atoi(argv[2]) : 5;
    const size_t n = mb * 1024 * 1024 / sizeof(uint64_t);
    uint64_t *a = aligned_alloc(64, n * sizeof(uint64_t));
    if (!a) {
        fprintf(stderr, "bench_read: cannot allocate %zu MB\n", mb);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (size_t k = 0; k < n; k++) a[k] = k * 0x9E3779B97F4A7C15ULL;
    double best = 0;
    uint64_t sink = 0;
    const int wide = have512();
    for (int r = 0; r < reps; r++) {
        MPI_Barrier(MPI_COMM_WORLD);
        const double t0 = MPI_Wtime();
        sink ^= wide ? sum512(a, n) : sum_scalar(a, n);
        const double dt = MPI_Wtime() - t0;
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
