/* The machine's single-core SGEMM rate (OpenBLAS, one thread): the peak the
 * training benchmark reports against, through samarl's own BLAS module. Prints GFLOP/s for square n
 * x n products, best of several repetitions. Usage: bench_sgemm [n] [reps] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "samarl/linalg.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    const int n = argc > 1 ? atoi(argv[1]) : 1536, reps = argc > 2 ? atoi(argv[2]) : 5;
    float *a = malloc(sizeof(float) * (size_t)n * n), *b = malloc(sizeof(float) * (size_t)n * n);
    float *c = malloc(sizeof(float) * (size_t)n * n);
    for (size_t k = 0; k < (size_t)n * n; k++) {
        a[k] = (float)(k % 17) * 0.01f;
        b[k] = (float)(k % 13) * 0.02f;
        c[k] = 0;
    }
    double best = 0;
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        linalg_sgemm(0, 0, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n); /* one thread, as samarl */
        double g = 2.0 * n * (double)n * n / (now() - t0) / 1e9;
        if (g > best) best = g;
    }
    printf("%.2f\n", best);
    free(a);
    free(b);
    free(c);
    return 0;
}
