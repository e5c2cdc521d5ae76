/* Counter-based random numbers: Philox4x32-10 (Salmon et al., SC'11).
 *
 * Every draw is a pure function of (seed, stream, gid, step): no generator
 * state, so an agent's random numbers do not depend on which rank holds it
 * or on the order in which agents are visited. Counter layout (128 bits):
 *   c0,c1 = gid (64 bits), c2 = step bits 0..31,
 *   c3 = step bits 32..47 | stream << 16
 * and the 64-bit key is the seed. Distinct (stream, gid, step) triples map to
 * distinct counters, so streams never overlap. Each block gives 4 x 32 bits. */
#ifndef SAMARL_RNG_H
#define SAMARL_RNG_H

#include <math.h>
#include <stdint.h>

/* Streams: one per call site, listed here so that none is used twice. */
enum rng_stream {
    RNG_STREAM_GRAPH = 1,       /* generator coordinates / edge draws */
    RNG_STREAM_GRAPH_REWIRE,    /* small-world rewiring decisions */
    RNG_STREAM_GRAPH_TARGET,    /* small-world rewiring targets */
    RNG_STREAM_CONSENSUS_INIT,  /* initial values of the consensus study */
    RNG_STREAM_SIGMA,           /* start vector of the sigma (Lanczos) estimate */
    RNG_STREAM_ENV_AGENT,       /* agents' parameters (env.seed) */
    RNG_STREAM_ENV_START,       /* episode start days (gid = copy) */
    RNG_STREAM_NOISE_TRAIN,     /* demand noise: training episodes */
    RNG_STREAM_NOISE_EVAL,      /* demand noise: evaluation episodes */
    RNG_STREAM_NOISE_RUN,       /* demand noise: execution */
    RNG_STREAM_NOISE_PROBE,     /* demand noise: the normalisation probe */
    RNG_STREAM_ACTION,          /* action sampling */
    RNG_STREAM_LAMBDA,          /* training multipliers */
    RNG_STREAM_PERM,            /* minibatch shuffles */
    RNG_STREAM_INIT,            /* network initial weights */
    RNG_STREAM_FAULT_LINK,      /* consensus message loss and lateness (gid: sender, receiver) */
    RNG_STREAM_FAULT_DROPOUT,   /* consensus silent agents (step = dropout window) */
    RNG_STREAM_KSAMPLE,         /* k-of-n subsampling (gid: episode; step: step x 2^24 + draw) */
    RNG_STREAM_ALTMARL,         /* ALTERNATING-MARL's rollouts and L-LEARN's count vectors */
    RNG_STREAM_WAREHOUSE,       /* the warehouse task's starts, moves and robot actions */
    RNG_STREAM_FAULT_BYZANTINE, /* misbehaving consensus agents: who, and their noise */
    RNG_STREAM_NETMDP,       /* the networked random MDP: its tables (key netmdp.seed), its noise */
    RNG_STREAM_MEANFIELD,    /* the Ising trainers' starting spins, actions and updates */
    RNG_STREAM_TEST = 0xfff0 /* tests only */
};

#define RNG_MAX_STEP ((uint64_t)1 << 48)

typedef struct {
    uint32_t v[4];
} rng_block_t;

static inline void rng_mulhilo32(uint32_t a, uint32_t b, uint32_t *hi, uint32_t *lo)
{
    uint64_t p = (uint64_t)a * b;
    *hi = (uint32_t)(p >> 32);
    *lo = (uint32_t)p;
}

/* The raw bijection: 10 rounds of Philox on a 128-bit counter, 64-bit key. */
static inline rng_block_t rng_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2])
{
    uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
    uint32_t k0 = key[0], k1 = key[1];
    for (int r = 0; r < 10; r++) {
        uint32_t hi0, lo0, hi1, lo1;
        rng_mulhilo32(0xD2511F53u, c0, &hi0, &lo0);
        rng_mulhilo32(0xCD9E8D57u, c2, &hi1, &lo1);
        c0 = hi1 ^ c1 ^ k0;
        c1 = lo1;
        c2 = hi0 ^ c3 ^ k1;
        c3 = lo0;
        k0 += 0x9E3779B9u; /* Weyl key schedule */
        k1 += 0xBB67AE85u;
    }
    rng_block_t b = {{c0, c1, c2, c3}};
    return b;
}

/* 128 random bits for (seed, stream, gid, step). step < 2^48, stream < 2^16. */
static inline rng_block_t rng_block(uint64_t seed, uint32_t stream, uint64_t gid, uint64_t step)
{
    uint32_t ctr[4] = {(uint32_t)gid, (uint32_t)(gid >> 32), (uint32_t)step,
                       (uint32_t)((step >> 32) & 0xffffu) | (stream << 16)};
    uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    return rng_philox4x32_10(ctr, key);
}

/* A double in (0, 1] from 64 random bits (53 used): (x + 0.5) 2^-53 rounds
 * to 1.0 when all 53 bits are set (probability 2^-53), so an index drawn
 * as u x n goes through rng_pick. */
static inline double rng_u01(uint32_t hi, uint32_t lo)
{
    uint64_t x = (((uint64_t)hi << 32) | lo) >> 11;
    return ((double)x + 0.5) * 0x1.0p-53;
}

/* Two uniforms in (0, 1). */
static inline void rng_uniform2(uint64_t seed, uint32_t stream, uint64_t gid, uint64_t step,
                                double u[2])
{
    rng_block_t b = rng_block(seed, stream, gid, step);
    u[0] = rng_u01(b.v[0], b.v[1]);
    u[1] = rng_u01(b.v[2], b.v[3]);
}

/* floor(u n) for a draw u in (0, 1], kept below n (u = 1.0 gives n - 1). */
static inline int64_t rng_pick(double u, int64_t n)
{
    const int64_t i = (int64_t)(u * (double)n);
    return i < n ? i : n - 1;
}

static inline double rng_uniform(uint64_t seed, uint32_t stream, uint64_t gid, uint64_t step)
{
    rng_block_t b = rng_block(seed, stream, gid, step);
    return rng_u01(b.v[0], b.v[1]);
}

/* Two independent standard normals (Box-Muller on one block). */
static inline void rng_normal2_of(rng_block_t b, double z[2])
{
    const double u0 = rng_u01(b.v[0], b.v[1]), u1 = rng_u01(b.v[2], b.v[3]);
    double r = sqrt(-2.0 * log(u0));
    double t = 6.283185307179586 * u1;
    z[0] = r * cos(t);
    z[1] = r * sin(t);
}

static inline void rng_normal2(uint64_t seed, uint32_t stream, uint64_t gid, uint64_t step,
                               double z[2])
{
    rng_normal2_of(rng_block(seed, stream, gid, step), z);
}

/* n blocks at once, lane k for (gid[k], step[k]), with rng_block's bits
 * (SIMD where the CPU has it), as pairs of words: w01[k] = v[0] << 32 |
 * v[1], w23[k] = v[2] << 32 | v[3] (w23 may be NULL). rng_u01_64(w01[k])
 * is rng_uniform's draw and rng_normal2_64(w01[k], w23[k]) rng_normal2's. */
void rng_blocks(uint64_t seed, uint32_t stream, const int64_t *gid, const uint64_t *step, int n,
                uint64_t *w01, uint64_t *w23);

static inline double rng_u01_64(uint64_t w)
{
    return ((double)(w >> 11) + 0.5) * 0x1.0p-53;
}

static inline void rng_normal2_64(uint64_t w01, uint64_t w23, double z[2])
{
    rng_block_t b = {{(uint32_t)(w01 >> 32), (uint32_t)w01, (uint32_t)(w23 >> 32), (uint32_t)w23}};
    rng_normal2_of(b, z);
}

/* An integer uniform in [0, n), n >= 1, from 64 random bits (bias < n/2^64). */
static inline uint64_t rng_below(uint32_t hi, uint32_t lo, uint64_t n)
{
    uint64_t x = ((uint64_t)hi << 32) | lo;
    return (uint64_t)(((unsigned __int128)x * n) >> 64);
}

#endif
