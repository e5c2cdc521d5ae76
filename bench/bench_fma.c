/* The core's float32 multiply-add peak: independent 512-bit (or, without
 * AVX-512, 256-bit) fused multiply-adds on registers, no memory traffic.
 * SGEMM (bench_sgemm) reaches about 90% of it; nothing with float32
 * multiply-adds can go faster, so bench/train.sh uses it for the bound on
 * samarl's training rate. Prints GFLOP/s, best of REPS. With `bf16`, the
 * same loop with AVX512-BF16 dot products (vdpbf16ps: 32 bfloat16 products
 * into 16 float sums per instruction), the cheap lower-precision route.
 * Usage: bench_fma [REPS] [bf16] */
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
enum { ACC = 12 }; /* independent chains: latency 4 x 2 ports, and spare */

/* One pass: iters x ACC multiply-adds of `lanes` floats; returns a value
 * that depends on all of them, so that none is optimised away. */
__attribute__((target("avx512f"))) static float pass512(long iters)
{
    __m512 a[ACC];
    const __m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-6f);
    for (int i = 0; i < ACC; i++) a[i] = _mm512_set1_ps((float)i);
    for (long k = 0; k < iters; k++)
#pragma GCC unroll 12
        for (int i = 0; i < ACC; i++) a[i] = _mm512_fmadd_ps(a[i], x, y);
    float s = 0;
    for (int i = 0; i < ACC; i++) s += _mm512_reduce_add_ps(a[i]);
    return s;
}

__attribute__((target("avx2,fma"))) static float pass256(long iters)
{
    __m256 a[ACC];
    const __m256 x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-6f);
    for (int i = 0; i < ACC; i++) a[i] = _mm256_set1_ps((float)i);
    for (long k = 0; k < iters; k++)
#pragma GCC unroll 12
        for (int i = 0; i < ACC; i++) a[i] = _mm256_fmadd_ps(a[i], x, y);
    float t[8], s = 0;
    for (int i = 0; i < ACC; i++) {
        _mm256_storeu_ps(t, a[i]);
        for (int j = 0; j < 8; j++) s += t[j];
    }
    return s;
}

__attribute__((target("avx512f,avx512bf16"))) static float pass_bf16(long iters)
{
    __m512 a[ACC];
    const __m512bh x = _mm512_cvtne2ps_pbh(_mm512_set1_ps(0.999f), _mm512_set1_ps(1e-3f));
    for (int i = 0; i < ACC; i++) a[i] = _mm512_set1_ps((float)i);
    for (long k = 0; k < iters; k++)
#pragma GCC unroll 12
        for (int i = 0; i < ACC; i++) a[i] = _mm512_dpbf16_ps(a[i], x, x);
    float s = 0;
    for (int i = 0; i < ACC; i++) s += _mm512_reduce_add_ps(a[i]);
    return s;
}

int main(int argc, char **argv)
{
    const int reps = argc > 1 ? atoi(argv[1]) : 5;
    const int bf16 = argc > 2 && strcmp(argv[2], "bf16") == 0;
    __builtin_cpu_init();
    if (bf16 && !__builtin_cpu_supports("avx512bf16")) {
        fprintf(stderr, "bench_fma: this CPU has no AVX512-BF16\n");
        return 1;
    }
    const int wide = __builtin_cpu_supports("avx512f");
    if (!wide && !__builtin_cpu_supports("fma")) {
        fprintf(stderr, "bench_fma: this CPU has no fused multiply-add\n");
        return 1;
    }
    const long iters = 20000000;
    const double lanes = bf16 ? 32 : wide ? 16 : 8;
    double best = 0, sink = 0;
    for (int r = 0; r < reps; r++) {
        const double t0 = now();
        sink += bf16 ? pass_bf16(iters) : wide ? pass512(iters) : pass256(iters);
        const double g = 2.0 * lanes * ACC * (double)iters / (now() - t0) / 1e9;
        if (g > best) best = g;
    }
    printf("%.2f\n", best);
    return sink == 12345.0; /* keeps the passes */
}
#else
int main(void)
{
    fprintf(stderr, "bench_fma: x86-64 only\n");
    return 1;
}
#endif
