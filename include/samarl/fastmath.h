/* Element-wise float kernels: tanh, e^x and log x as plain float arithmetic
 * (no libm calls, no branches), so that loops over them vectorise; with
 * -ffp-contract=off the bits are the same in every target clone.
 * SAMARL_CLONES compiles a function for AVX-512, AVX2 and baseline x86-64,
 * picked at load time. */
#ifndef SAMARL_FASTMATH_H
#define SAMARL_FASTMATH_H

#include <stdint.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SAMARL_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SAMARL_CLONES
#endif

/* tanh x = x P(x^2) / Q(x^2) on |x| <= 7.9 (a rational fit of ours,
 * weighted for relative error: max 3.6e-7 in float), saturating beyond
 * (tanh 7.9 = 1 - 2.7e-7). 9 multiply-adds and one division. */
static inline float tanh_f(float x)
{
    x = x > 7.9f ? 7.9f : x;
    x = x < -7.9f ? -7.9f : x;
    const float x2 = x * x;
    float p = 2.772614430e-11f;
    p = p * x2 - 1.616909806e-08f;
    p = p * x2 + 1.032498585e-05f;
    p = p * x2 + 3.032194683e-03f;
    p = p * x2 + 1.302155107e-01f;
    p = p * x2 + 1.0f;
    float q = 2.437507210e-04f;
    q = q * x2 + 2.421519719e-02f;
    q = q * x2 + 4.635488093e-01f;
    q = q * x2 + 1.0f;
    return x * p / q;
}

/* e^x on [-87, 88], clamped outside (e^-87 = 1.6e-38): e^x = 2^k e^r,
 * k = round(x / ln 2), |r| <= ln2/2, e^r by its Taylor polynomial to r^7
 * (relative error 2e-8). */
static inline float exp_f(float x)
{
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
    const float shifter = 12582912.0f; /* 1.5 * 2^23: adding it rounds to integer */
    const float t = x * 1.44269504088896341f + shifter;
    const float kf = t - shifter;
    union {
        float f;
        int32_t i;
    } ut = {.f = t};
    const int32_t k = ut.i - 0x4B400000; /* the integer in t's mantissa */
    const float r = (x - kf * 0.693145751953125f) - kf * 1.42860682030941723212e-6f;
    float e = 1.0f / 5040.0f;
    e = e * r + 1.0f / 720.0f;
    e = e * r + 1.0f / 120.0f;
    e = e * r + 1.0f / 24.0f;
    e = e * r + 1.0f / 6.0f;
    e = e * r + 0.5f;
    e = e * r + 1.0f;
    e = e * r + 1.0f;
    union {
        int32_t i;
        float f;
    } two_k = {.i = (k + 127) << 23};
    return e * two_k.f;
}

/* log x for normal x > 0: x = 2^k m, m in [sqrt(1/2), sqrt 2), log m =
 * 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.172, by its series to s^9
 * (error 3e-9). */
static inline float log_pos_f(float x)
{
    union {
        float f;
        int32_t i;
    } u = {.f = x};
    /* Subtracting the bits of sqrt(1/2) puts the exponent change at sqrt 2. */
    const int32_t d = u.i - 0x3F3504F3;
    const int32_t k = d >> 23;
    u.i -= k * (1 << 23); /* m = x / 2^k (k < 0 for x < sqrt(1/2): no shift) */
    const float m = u.f;
    const float s = (m - 1.0f) / (m + 1.0f), s2 = s * s;
    float z = 1.0f / 9.0f;
    z = z * s2 + 1.0f / 7.0f;
    z = z * s2 + 1.0f / 5.0f;
    z = z * s2 + 1.0f / 3.0f;
    z = z * s2 + 1.0f;
    return 2.0f * s * z + (float)k * 0.693147180559945309f;
}

/* log(1 + x): u = 1 + x rounded to float, then log1p x = log u + (x - (u -
 * 1)) / u, the second term giving back what rounding u lost (Goldberg), so
 * small x keep their relative accuracy: log1p x = x for |x| < 2^-25. +inf and
 * NaN give themselves, -1 gives -inf, x < -1 NaN. Within 3 ulp of log1pf
 * on the environment's arguments (tests/test_policy.c). */
static inline float log1p_f(float x)
{
    const float u = 1.0f + x;
    float r = log_pos_f(u) + (x - (u - 1.0f)) / u;
    r = x <= 3.4028234e38f ? r : x;
    return x > -1.0f ? r : (x == -1.0f ? -__builtin_inff() : __builtin_nanf(""));
}

#endif
