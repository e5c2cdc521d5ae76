/* Philox4x32-10 for many counters at once (see rng.h): the same blocks as
 * rng_block, eight at a time in AVX-512 registers where the CPU has them.
 *
 * Each 32-bit word of the counter lives in the low half of a 64-bit lane,
 * so one vpmuludq gives the full 32 x 32 -> 64-bit product of a round, its
 * high word by a shift and its low word by a mask. The key schedule is the
 * same for every lane. The hot loops draw one block per agent-step (action
 * sampling) or per two agent-steps (demand noise); scalar, a block costs
 * about as much as the rest of the environment step. */
#include "samarl/rng.h"

#include "samarl/error.h"

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_RNG_AVX512 1
#include <immintrin.h>

#define TGT __attribute__((target("avx512f")))

static int avx512_ok = -1;

static int have_avx512(void)
{
    if (avx512_ok < 0) {
        __builtin_cpu_init();
        avx512_ok = __builtin_cpu_supports("avx512f") ? 1 : 0;
    }
    return avx512_ok;
}

/* Blocks for lanes k < n (n <= 8): counter words from gid[k] and step[k],
 * as rng_block lays them out; the output words paired into
 * w01 = v0 << 32 | v1 and w23 = v2 << 32 | v3. */
TGT static void philox8(const uint32_t key[2], uint32_t stream, const int64_t *gid,
                        const uint64_t *step, int n, uint64_t *w01, uint64_t *w23)
{
    const __mmask8 mk = (__mmask8)((1u << n) - 1u);
    const __m512i lo32 = _mm512_set1_epi64(0xffffffffLL);
    const __m512i m0 = _mm512_set1_epi64(0xD2511F53LL), m1 = _mm512_set1_epi64(0xCD9E8D57LL);
    const __m512i g = _mm512_maskz_loadu_epi64(mk, gid), st = _mm512_maskz_loadu_epi64(mk, step);
    __m512i c0 = _mm512_and_si512(g, lo32), c1 = _mm512_srli_epi64(g, 32);
    __m512i c2 = _mm512_and_si512(st, lo32);
    __m512i c3 =
        _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi64(st, 32), _mm512_set1_epi64(0xffff)),
                        _mm512_set1_epi64((int64_t)stream << 16));
    uint32_t k0 = key[0], k1 = key[1];
    for (int r = 0; r < 10; r++) {
        const __m512i p0 = _mm512_mul_epu32(m0, c0), p1 = _mm512_mul_epu32(m1, c2);
        const __m512i K0 = _mm512_set1_epi64((int64_t)k0), K1 = _mm512_set1_epi64((int64_t)k1);
        c0 = _mm512_xor_si512(_mm512_xor_si512(_mm512_srli_epi64(p1, 32), c1), K0);
        c1 = _mm512_and_si512(p1, lo32);
        c2 = _mm512_xor_si512(_mm512_xor_si512(_mm512_srli_epi64(p0, 32), c3), K1);
        c3 = _mm512_and_si512(p0, lo32);
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    _mm512_mask_storeu_epi64(w01, mk, _mm512_or_si512(_mm512_slli_epi64(c0, 32), c1));
    if (w23) _mm512_mask_storeu_epi64(w23, mk, _mm512_or_si512(_mm512_slli_epi64(c2, 32), c3));
}
#else
static int have_avx512(void)
{
    return 0;
}
#endif

void rng_blocks(uint64_t seed, uint32_t stream, const int64_t *gid, const uint64_t *step, int n,
                uint64_t *w01, uint64_t *w23)
{
    SAMARL_ASSERT(n >= 0);
#ifdef HAVE_RNG_AVX512
    if (have_avx512()) {
        const uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
        for (int k = 0; k < n; k += 8)
            philox8(key, stream, gid + k, step + k, n - k < 8 ? n - k : 8, w01 + k,
                    w23 ? w23 + k : NULL);
        return;
    }
#endif
    for (int k = 0; k < n; k++) {
        const rng_block_t b = rng_block(seed, stream, (uint64_t)gid[k], step[k]);
        w01[k] = (uint64_t)b.v[0] << 32 | b.v[1];
        if (w23) w23[k] = (uint64_t)b.v[2] << 32 | b.v[3];
    }
}
