/* Environment DR-v1 (see env_dr.h): env.name = dr. */
#include "samarl/env_dr.h"

#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/error.h"
#include "samarl/fastmath.h"
#include "samarl/nodes.h"
#include "samarl/reprosum.h"
#include "samarl/rng.h"

#define TWO_PI 6.283185307179586
/* Noise counter: (episode * copies + copy) in the high bits, step pairs in
 * the low 19 (each Philox block gives the normals of two steps). */

/* ---- tables ----------------------------------------------------------------- */

/* The synthetic daily shape of DESIGN.md §3, normalised to mean 1. */
static void synthetic_tables(const config_t *cfg, dr_env_t *e)
{
    e->n_hours = 24;
    e->n_columns = 1;
    e->shape = XNEW(float, 24);
    e->price = XNEW(float, 24);
    double raw[24], sum = 0;
    for (int h = 0; h < 24; h++) {
        double a = (h - 8) / 1.5, b = (h - 19) / 2.0;
        raw[h] = 0.6 + 0.35 * exp(-0.5 * a * a) + 0.9 * exp(-0.5 * b * b);
        sum += raw[h];
    }
    for (int h = 0; h < 24; h++) {
        e->shape[h] = (float)(raw[h] * 24.0 / sum);
        e->price[h] =
            (float)(h >= cfg->env.peak_start && h < cfg->env.peak_end ? cfg->env.price_high
                                                                      : cfg->env.price_low);
    }
}

/* "a, b, c": a table's column names for an error message (cut at size). */
static void column_list(const nodes_t *t, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int c = 0; c < t->ncols && used < size; c++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", c ? ", " : "", t->names[c]);
}

/* Rank 0: a CityLearn-format profile file -> shape[column][hour] normalised
 * to mean 1 per column, and price[hour]. */
int env_load_profiles(const char *path, dr_env_t *e)
{
    nodes_t *t;
    if (table_load(path, "profiles", 0, 0, &t) != SAMARL_OK) return SAMARL_ERR;
    int rc = SAMARL_OK;
    const double *price = nodes_column(t, "price");
    int k = 0;
    char name[32];
    for (;; k++) {
        snprintf(name, sizeof name, "load_b%d", k + 1);
        if (!nodes_column(t, name)) break;
    }
    if (!price || k == 0) {
        char cols[256];
        column_list(t, cols, sizeof cols);
        rc = samarl_seterr("%s: expected a CityLearn-format profile with columns 'price' and "
                           "'load_b1', 'load_b2', ... (one per building); %s%s%s (the file has: "
                           "%s)",
                           path, price ? "" : "no 'price' column", !price && !k ? ", " : "",
                           k ? "" : "no 'load_b1' column", cols);
        goto done;
    }
    /* Buildings after a gap in the numbering would be dropped without a word. */
    for (int c = 0; c < t->ncols; c++) {
        const char *nm = t->names[c];
        char *end = NULL;
        /* strtoll, not sscanf's %d: load_b4294967298 must not wrap to 2. */
        long long b = strncmp(nm, "load_b", 6) == 0 && isdigit((unsigned char)nm[6])
                          ? strtoll(nm + 6, &end, 10)
                          : 0;
        if (b > 0 && !*end && b > k) {
            rc = samarl_seterr("%s: column %s, but no load_b%d: buildings must be numbered "
                               "load_b1..load_bK without gaps",
                               path, t->names[c], k + 1);
            goto done;
        }
    }
    if (t->n < 24 || t->n % 24) {
        rc = samarl_seterr("%s: %" PRIdG " hourly rows, expected a whole number of days "
                           "(a multiple of 24)",
                           path, t->n);
        goto done;
    }
    e->n_hours = (int)t->n;
    e->n_columns = k;
    e->shape = XNEW(float, (size_t)k *(size_t)t->n);
    e->price = XNEW(float, t->n);
    for (gidx_t r = 0; r < t->n; r++) {
        if (price[r] < 0) {
            rc = samarl_seterr("%s: data row %" PRIdG ": price %g is negative (expected >= 0)",
                               path, r + 1, price[r]);
            goto done;
        }
        if (price[r] > FLT_MAX) { /* prices are floats from here on */
            rc = samarl_seterr("%s: data row %" PRIdG ": price %g is too large (at most %g)", path,
                               r + 1, price[r], FLT_MAX);
            goto done;
        }
        e->price[r] = (float)price[r];
    }
    for (int c = 0; c < k; c++) {
        snprintf(name, sizeof name, "load_b%d", c + 1);
        const double *col = nodes_column(t, name);
        double sum = 0;
        for (gidx_t r = 0; r < t->n; r++) {
            if (col[r] < 0) {
                rc = samarl_seterr("%s: data row %" PRIdG ": %s = %g is negative (loads must be "
                                   ">= 0)",
                                   path, r + 1, name, col[r]);
                goto done;
            }
            sum += col[r];
        }
        if (!(sum > 0)) {
            rc =
                samarl_seterr("%s: column %s is all zero (a building needs some load)", path, name);
            goto done;
        }
        if (!isfinite(sum)) {
            rc = samarl_seterr("%s: column %s: the loads are too large (their sum overflows)", path,
                               name);
            goto done;
        }
        double mean = sum / (double)t->n;
        for (gidx_t r = 0; r < t->n; r++)
            e->shape[(size_t)c * (size_t)t->n + (size_t)r] = (float)(col[r] / mean);
    }
done:
    nodes_destroy(&t);
    return rc;
}

/* Rank 0: scales a_i = load_i / mean(load) from a nodes file. */
static int load_scales(const config_t *cfg, gidx_t n_global, double *scale)
{
    nodes_t *nd;
    if (nodes_load(cfg->env.nodes, n_global, &nd) != SAMARL_OK) return SAMARL_ERR;
    int rc = SAMARL_OK;
    const double *load = nodes_column(nd, cfg->env.nodes_column);
    if (!load) {
        char cols[512];
        column_list(nd, cols, sizeof cols);
        rc = samarl_seterr("%s: no column '%s' (env.nodes_column); the file has: %s",
                           cfg->env.nodes, cfg->env.nodes_column, cols);
        goto done;
    }
    double sum = 0, neg = 0;
    gidx_t n_neg = 0;
    for (gidx_t i = 0; i < n_global; i++) {
        if (load[i] < 0 && cfg->env.negative_loads == NEGATIVE_LOADS_ERROR) {
            rc = samarl_seterr("%s: agent %" PRIdG ": %s = %g is negative (loads must be >= 0 "
                               "under env.negative_loads = error; 'clip' counts them as zero)",
                               cfg->env.nodes, i, cfg->env.nodes_column, load[i]);
            goto done;
        }
        if (load[i] < 0) {
            n_neg++;
            neg += load[i];
            continue;
        }
        sum += load[i];
    }
    static int noted; /* once per process: train and eval create the environment twice */
    if (n_neg > 0 && !noted++)
        fprintf(stderr,
                "samarl: note: %s: %" PRIdG " agents have a negative %s (%.4g in all, generators "
                "at load buses); clipped to zero load (env.negative_loads = clip)\n",
                cfg->env.nodes, n_neg, cfg->env.nodes_column, neg);
    if (!(sum > 0)) {
        rc = samarl_seterr("%s: every %s is zero (expected some load)", cfg->env.nodes,
                           cfg->env.nodes_column);
        goto done;
    }
    double mean = sum / (double)n_global;
    for (gidx_t i = 0; i < n_global; i++) {
        double a = (load[i] > 0 ? load[i] : 0) / mean;
        scale[i] = a < cfg->env.min_scale ? cfg->env.min_scale : a;
    }
done:
    nodes_destroy(&nd);
    return rc;
}

/* The profile and nodes files, read and checked as dr_create reads them. */
int dr_check_inputs(const config_t *cfg, gidx_t n_global)
{
    int rc = SAMARL_OK;
    if (cfg->env.profiles[0]) {
        dr_env_t tmp;
        memset(&tmp, 0, sizeof tmp);
        rc = env_load_profiles(cfg->env.profiles, &tmp);
        free(tmp.shape);
        free(tmp.price);
    }
    if (rc == SAMARL_OK && cfg->env.nodes[0]) {
        double *scale = XNEW(double, n_global);
        rc = load_scales(cfg, n_global, scale);
        free(scale);
    }
    return rc;
}

/* ---- creation --------------------------------------------------------------- */

void *dr_create(const config_t *cfg, env_t *env)
{
    dr_env_t *e = XZNEW(dr_env_t, 1);
    const lidx_t n = env->n;
    const gidx_t n_global = env->n_global, *gid = env->gid;
    const int copies = env->copies;
    e->n = n;
    e->copies = copies;
    e->n_global = n_global;
    e->gid = gid;
    double lv[CONFIG_LIST_MAX];
    comm_check(config_parse_list(cfg->env.levels, lv, ENV_MAX_LEVELS, &e->n_levels));
    for (int k = 0; k < e->n_levels; k++) e->levels[k] = (float)lv[k];
    e->kappa = (float)cfg->env.kappa;
    e->noise = (float)cfg->env.noise;
    e->noise_clip = (float)cfg->env.noise_clip;

    /* Tables: synthetic, or a profile file read on rank 0 and broadcast. */
    e->from_profiles = cfg->env.profiles[0] != '\0';
    if (e->from_profiles) {
        int rc = comm_rank() == 0 ? env_load_profiles(cfg->env.profiles, e) : SAMARL_OK;
        comm_check_root(rc, 0);
        int64_t dims[2] = {e->n_hours, e->n_columns};
        comm_bcast_int64(dims, 2, 0);
        if (comm_rank() != 0) {
            e->n_hours = (int)dims[0];
            e->n_columns = (int)dims[1];
            e->shape = XNEW(float, dims[0] * dims[1]);
            e->price = XNEW(float, dims[0]);
        }
        comm_bcast_bytes(e->shape, sizeof(float) * (size_t)(dims[0] * dims[1]), 0);
        comm_bcast_bytes(e->price, sizeof(float) * (size_t)dims[0], 0);
    } else {
        synthetic_tables(cfg, e);
    }

    /* Scales from a nodes file: rank 0 reads, every rank keeps its agents. */
    double *scale = NULL;
    if (cfg->env.nodes[0]) {
        scale = XNEW(double, n_global);
        int rc = comm_rank() == 0 ? load_scales(cfg, n_global, scale) : SAMARL_OK;
        comm_check_root(rc, 0);
        comm_bcast_double(scale, (size_t)n_global, 0);
    }

    const lidx_t nn = n > 0 ? n : 1;
    e->a = XNEW(float, nn);
    e->inv_a = XNEW(float, nn);
    e->beta = XNEW(float, nn);
    e->column = XZNEW(int32_t, nn);
    e->offset = XZNEW(int32_t, nn);
    const double sd = cfg->env.heterogeneity;
    const uint64_t seed = cfg->env.seed;
    double *ad = XNEW(double, nn);
    for (lidx_t i = 0; i < n; i++) {
        const uint64_t g = (uint64_t)gid[i];
        double z[2], u[2];
        rng_normal2(seed, RNG_STREAM_ENV_AGENT, g, 0, z);
        rng_uniform2(seed, RNG_STREAM_ENV_AGENT, g, 1, u);
        double a = scale ? scale[g] : exp(sd * z[0] - 0.5 * sd * sd);
        e->a[i] = (float)a;
        ad[i] = e->a[i];
        e->inv_a[i] = 1.0f / e->a[i];
        e->beta[i] = (float)(cfg->env.beta_min + (cfg->env.beta_max - cfg->env.beta_min) * u[0]);
        if (e->from_profiles) {
            e->column[i] = (int32_t)(g % (uint64_t)e->n_columns);
            /* A whole number of days into the profiles: n_hours / 24 rounds down on purpose. */
            e->offset[i] = 24 * (int32_t)(u[1] * (e->n_hours / 24)); // NOLINT(*integer-division)
        }
    }
    free(scale);
    e->sum_scale = reprosum_global(ad, (size_t)n);
    e->capacity = cfg->env.capacity_ratio * e->sum_scale;
    free(ad);

    for (int h = 0; h < 24; h++) {
        e->sin_h[h] = (float)sin(TWO_PI * h / 24.0);
        e->cos_h[h] = (float)cos(TWO_PI * h / 24.0);
    }
    e->start = XZNEW(int64_t, copies);
    e->b = XZNEW(float, (size_t)nn *(size_t)copies);
    e->d = XZNEW(float, (size_t)nn *(size_t)copies);
    e->z_spare = XZNEW(float, (size_t)nn *(size_t)copies);
    e->z_ctr = XZNEW(uint64_t, (size_t)nn * (size_t)copies);
    env->spec = (env_spec_t){.obs_dim = DR_OBS,
                             .action_kind = ENV_ACTION_DISCRETE,
                             .n_levels = e->n_levels,
                             .n_costs = 1,
                             .reward_kind = ENV_REWARD_AGENT,
                             .hops = 0,
                             .split = ENV_SPLIT_AGENTS};
    env->capacity = e->capacity;
    return e;
}

void dr_destroy(void *impl)
{
    dr_env_t *e = impl;
    free(e->a);
    free(e->inv_a);
    free(e->beta);
    free(e->column);
    free(e->offset);
    free(e->shape);
    free(e->price);
    free(e->start);
    free(e->b);
    free(e->d);
    free(e->z_spare);
    free(e->z_ctr);
    free(e);
}

/* ---- dynamics --------------------------------------------------------------- */

static const uint32_t noise_streams[] = {RNG_STREAM_NOISE_TRAIN, RNG_STREAM_NOISE_EVAL,
                                         RNG_STREAM_NOISE_RUN, RNG_STREAM_NOISE_PROBE};

void dr_begin_episode(env_t *env, uint64_t run_seed, env_noise_t src, uint64_t episode)
{
    dr_env_t *e = env->impl;
    e->seed = run_seed;
    e->stream = noise_streams[src];
    e->episode = episode;
    memset(e->z_ctr, 0, sizeof(uint64_t) * (size_t)(e->n > 0 ? e->n : 1) * (size_t)e->copies);
    SAMARL_ASSERT((episode + 1) * (uint64_t)e->copies < ((uint64_t)1 << (48 - DR_STEP_BITS + 1)));
    const int days = e->n_hours / 24;
    for (int j = 0; j < e->copies; j++)
        e->start[j] =
            days > 1
                ? 24 * rng_pick(rng_uniform(run_seed, RNG_STREAM_ENV_START, (uint64_t)j, episode),
                                days)
                : 0;
}

static inline int64_t hour_index(const dr_env_t *e, int j, int64_t t)
{
    return (e->start[j] + t) % e->n_hours;
}

float dr_price(const env_t *env, int j, int64_t t)
{
    const dr_env_t *e = env->impl;
    return e->price[hour_index(e, j, t)];
}

/* y[q] = log(1 + x[q] s[q]) (s: a scale per element, or one for all with
 * ds = 0), vectorised: the same bits in every clone and in training and
 * execution, as every caller comes here. */
SAMARL_CLONES
static void log1p_scaled(const float *x, const float *sc, int ds, float *y, int n)
{
    if (ds)
        for (int q = 0; q < n; q++) y[q] = log1p_f(x[q] * sc[q]);
    else
        for (int q = 0; q < n; q++) y[q] = log1p_f(x[q] * sc[0]);
}

enum { ENV_BATCH = 64 };

/* The demand arriving at step t for agents i0 .. i0+m-1 x copies j0 ..
 * j0+nj-1 (m = 1 or nj = 1, m nj <= ENV_BATCH), into e->d:
 *   d = a_i shape(column_i, hour + offset_i) max(0, 1 + noise clip(eps, +-noise_clip)),
 * eps standard normal from a Philox block keyed by (gid, episode, copy,
 * t / 2): Box-Muller gives two normals per block, for steps 2u and 2u + 1,
 * and the second is kept with its counter for the odd step. The blocks
 * still to draw are drawn together (rng_blocks). */
static void demand_block(dr_env_t *e, lidx_t i0, int m, int j0, int nj, int64_t t)
{
    SAMARL_ASSERT(t < ((int64_t)1 << DR_STEP_BITS) && (m == 1 || nj == 1) && m * nj <= ENV_BATCH);
    const int B = e->copies, odd = (int)(t & 1);
    const int64_t nh = e->n_hours;
    int need[ENV_BATCH], nd = 0;
    size_t qs[ENV_BATCH];
    int64_t g[ENV_BATCH], h[ENV_BATCH];
    uint64_t ctr[ENV_BATCH], w01[ENV_BATCH], w23[ENV_BATCH];
    float eps[ENV_BATCH];
    for (int c = 0; c < nj; c++) h[c] = hour_index(e, j0 + c, t);
    for (int a = 0; a < m; a++)
        for (int c = 0; c < nj; c++) {
            const int k = a * nj + c;
            const size_t q = (size_t)(i0 + a) * (size_t)B + (size_t)(j0 + c);
            const uint64_t cc =
                ((e->episode * (uint64_t)B + (uint64_t)(j0 + c)) << (DR_STEP_BITS - 1)) |
                ((uint64_t)t >> 1);
            if (odd && e->z_ctr[q] == cc + 1) {
                eps[k] = e->z_spare[q];
            } else {
                need[nd] = k;
                qs[nd] = q;
                g[nd] = e->gid[i0 + a];
                ctr[nd++] = cc;
            }
        }
    if (nd > 0) rng_blocks(e->seed, e->stream, g, ctr, nd, w01, w23);
    for (int r = 0; r < nd; r++) {
        // cppcheck-suppress uninitvar ; need[0..nd) and qs[0..nd) were set above
        const int k = need[r];
        // cppcheck-suppress uninitvar ; as need
        const size_t q = qs[r];
        double z[2];
        rng_normal2_64(w01[r], w23[r], z);
        eps[k] = (float)z[odd];
        e->z_spare[q] = (float)z[1];
        e->z_ctr[q] = ctr[r] + 1;
    }
    for (int a = 0; a < m; a++) {
        const lidx_t i = i0 + a;
        const size_t col = (size_t)e->column[i] * (size_t)nh;
        for (int c = 0; c < nj; c++) {
            float x = eps[a * nj + c];
            if (x > e->noise_clip) x = e->noise_clip;
            if (x < -e->noise_clip) x = -e->noise_clip;
            int64_t row = h[c] + e->offset[i]; /* both in [0, n_hours) */
            if (row >= nh) row -= nh;
            /* floored at 0: demand cannot be negative when noise x noise_clip > 1 */
            const float f = 1.0f + e->noise * x;
            e->d[(size_t)i * (size_t)B + (size_t)(j0 + c)] =
                e->a[i] * e->shape[col + (size_t)row] * (f > 0.0f ? f : 0.0f);
        }
    }
}

void dr_reset_agent(env_t *env, lidx_t i)
{
    dr_env_t *e = env->impl;
    const int B = e->copies;
    for (int j = 0; j < B; j++) e->b[(size_t)i * B + j] = 0.0f;
    for (int j0 = 0; j0 < B; j0 += ENV_BATCH)
        demand_block(e, i, 1, j0, B - j0 < ENV_BATCH ? B - j0 : ENV_BATCH, 0);
}

void dr_observe(const env_t *env, lidx_t i, int64_t t, const float *lambda, float *obs)
{
    const dr_env_t *e = env->impl;
    const int B = e->copies;
    const float ia = e->inv_a[i];
    const float *b = e->b + (size_t)i * B, *d = e->d + (size_t)i * B;
    float lb[ENV_BATCH];
    for (int j0 = 0; j0 < B; j0 += ENV_BATCH) {
        const int nj = B - j0 < ENV_BATCH ? B - j0 : ENV_BATCH;
        log1p_scaled(b + j0, &ia, 0, lb, nj);
        for (int j = j0; j < j0 + nj; j++) {
            int64_t hi = hour_index(e, j, t);
            float *o = obs + (size_t)j * DR_OBS;
            o[0] = lb[j - j0];
            o[1] = d[j] * ia;
            o[2] = e->sin_h[hi % 24];
            o[3] = e->cos_h[hi % 24];
            o[4] = e->price[hi];
            o[5] = lambda[j];
        }
    }
}

void dr_step(env_t *env, lidx_t i, int64_t t, const uint8_t *action, float *usage, float *reward,
             float *served, float *arrived)
{
    dr_env_t *e = env->impl;
    const int B = e->copies;
    const float a = e->a[i], ia = e->inv_a[i], ba = e->beta[i] * a, kappa = e->kappa;
    float *b = e->b + (size_t)i * B, *d = e->d + (size_t)i * B;
    float c[ENV_BATCH], x[ENV_BATCH], lx[ENV_BATCH];
    for (int j0 = 0; j0 < B; j0 += ENV_BATCH) {
        const int nj = B - j0 < ENV_BATCH ? B - j0 : ENV_BATCH;
        for (int q = 0; q < nj; q++) {
            const int j = j0 + q;
            SAMARL_ASSERT(action[j] < e->n_levels);
            const float P = b[j] + d[j];
            c[q] = e->levels[action[j]] * a;
            const float s = c[q] < P ? c[q] : P;
            x[q] = c[q] - s; /* surplus */
            b[j] = P - s;    /* new backlog */
            if (usage) usage[j] = c[q];
            if (served) served[j] = s;
            if (arrived) arrived[j] = d[j];
        }
        if (reward) {
            log1p_scaled(x, &ia, 0, lx, nj);
            for (int q = 0; q < nj; q++) {
                const int j = j0 + q;
                reward[j] = ba * lx[q] - e->price[hour_index(e, j, t)] * c[q] - kappa * b[j];
            }
        }
        demand_block(e, i, 1, j0, nj, t + 1);
    }
}

/* Rewards and usage grow as a_i: with the observations divided by a_i, r / a_i is the same
 * problem for every household, and a_i is its fair share of the capacity. */
float dr_scale(const env_t *env, lidx_t i)
{
    const dr_env_t *e = env->impl;
    return e->a[i];
}

/* ---- one copy, a run of agents (samarl run's inner loop) ------------------- */

void dr_observe_agents(const env_t *env, lidx_t i0, int m, int64_t t, const float *lambda,
                       float *obs)
{
    const dr_env_t *e = env->impl;
    SAMARL_ASSERT(e->copies == 1 && i0 >= 0 && i0 + m <= e->n);
    const int64_t hi = hour_index(e, 0, t);
    const float sh = e->sin_h[hi % 24], ch = e->cos_h[hi % 24], p = e->price[hi];
    float lb[ENV_BATCH];
    for (int q = 0; q < m; q++) {
        const lidx_t i = i0 + q;
        if (q % ENV_BATCH == 0)
            log1p_scaled(e->b + i, e->inv_a + i, 1, lb, m - q < ENV_BATCH ? m - q : ENV_BATCH);
        float *o = obs + (size_t)q * DR_OBS;
        o[0] = lb[q % ENV_BATCH];
        o[1] = e->d[i] * e->inv_a[i];
        o[2] = sh;
        o[3] = ch;
        o[4] = p;
        o[5] = lambda[q];
    }
}

void dr_step_agents(env_t *env, lidx_t i0, int m, int64_t t, const uint8_t *action, float *usage,
                    float *reward, float *served, float *arrived)
{
    dr_env_t *e = env->impl;
    SAMARL_ASSERT(e->copies == 1 && i0 >= 0 && i0 + m <= e->n);
    const float p = e->price[hour_index(e, 0, t)], kappa = e->kappa;
    float x[ENV_BATCH], lx[ENV_BATCH];
    for (int q0 = 0; q0 < m; q0 += ENV_BATCH) {
        const int nq = m - q0 < ENV_BATCH ? m - q0 : ENV_BATCH;
        for (int q = q0; q < q0 + nq; q++) {
            const lidx_t i = i0 + q;
            SAMARL_ASSERT(action[q] < e->n_levels);
            const float P = e->b[i] + e->d[i];
            const float c = e->levels[action[q]] * e->a[i];
            const float s = c < P ? c : P;
            x[q - q0] = c - s;
            usage[q] = c;
            served[q] = s;
            arrived[q] = e->d[i];
            e->b[i] = P - s;
        }
        log1p_scaled(x, e->inv_a + i0 + q0, 1, lx, nq);
        for (int q = q0; q < q0 + nq; q++) {
            const lidx_t i = i0 + q;
            const float ba = e->beta[i] * e->a[i];
            reward[q] = ba * lx[q - q0] - p * usage[q] - kappa * e->b[i];
        }
    }
    for (int q0 = 0; q0 < m; q0 += ENV_BATCH)
        demand_block(e, i0 + q0, m - q0 < ENV_BATCH ? m - q0 : ENV_BATCH, 0, 1, t + 1);
}

/* The analytic best-response policy (DESIGN.md §3): level scores with a
 * convex cost for what is left pending; softmax with temperature tau * a_i
 * sampled with the uniforms u[copy] (tau = 0: argmax). */
void dr_bestresponse(const env_t *env, lidx_t i, int64_t t, const float *lambda, double tau,
                     double defer_hours, const double *u, uint8_t *action)
{
    const dr_env_t *e = env->impl;
    const int B = e->copies, K = e->n_levels;
    const double a = e->a[i], ba = (double)e->beta[i] * a, kH = e->kappa * defer_hours;
    const float *b = e->b + (size_t)i * B, *d = e->d + (size_t)i * B;
    for (int j = 0; j < B; j++) {
        const double P = (double)b[j] + (double)d[j];
        const double cost = e->price[hour_index(e, j, t)] + lambda[j];
        double score[ENV_MAX_LEVELS], best = -INFINITY;
        int arg = 0;
        for (int k = 0; k < K; k++) {
            double c = e->levels[k] * a, s = c < P ? c : P, bn = P - s, x = c - s;
            score[k] = ba * log1p(x / a) - cost * c - kH * bn * (1.0 + bn / (defer_hours * a));
            if (score[k] > best) {
                best = score[k];
                arg = k;
            }
        }
        if (tau <= 0) {
            action[j] = (uint8_t)arg;
            continue;
        }
        const double temp = tau * a;
        double w[ENV_MAX_LEVELS], sum = 0;
        for (int k = 0; k < K; k++) sum += w[k] = exp((score[k] - best) / temp);
        double target = u[j] * sum, acc = 0;
        int k = 0;
        for (; k < K - 1; k++) {
            acc += w[k]; // NOLINT(*uninitialized.Assign): w[0..K) is set above
            if (target < acc) break;
        }
        action[j] = (uint8_t)k;
    }
}

/* ---- fingerprint ------------------------------------------------------------ */

uint64_t dr_fingerprint(const env_t *env)
{
    const dr_env_t *e = env->impl;
    uint64_t h = 0;
    for (lidx_t i = 0; i < e->n; i++) {
        uint64_t z = env_hash_gid(e->gid[i]);
        z = env_hash_bytes(z, &e->a[i], sizeof(float));
        z = env_hash_bytes(z, &e->beta[i], sizeof(float));
        z = env_hash_bytes(z, &e->column[i], sizeof(int32_t));
        z = env_hash_bytes(z, &e->offset[i], sizeof(int32_t));
        h += z;
    }
    h = env_hash_allsum(h);
    /* Everything shared. */
    h = env_hash_bytes(h, &e->n_global, sizeof e->n_global);
    h = env_hash_bytes(h, &e->n_levels, sizeof e->n_levels);
    h = env_hash_bytes(h, e->levels, sizeof(float) * (size_t)e->n_levels);
    h = env_hash_bytes(h, &e->kappa, sizeof e->kappa);
    h = env_hash_bytes(h, &e->noise, sizeof e->noise);
    h = env_hash_bytes(h, &e->noise_clip, sizeof e->noise_clip);
    h = env_hash_bytes(h, e->shape, sizeof(float) * (size_t)e->n_hours * (size_t)e->n_columns);
    h = env_hash_bytes(h, e->price, sizeof(float) * (size_t)e->n_hours);
    return h;
}

/* ---- what the rest of samarl sees -------------------------------------------- */

int dr_table(const env_t *env, int k, env_table_t *out)
{
    const dr_env_t *e = env->impl;
    switch (k) {
    case 0:
        *out = (env_table_t){"scale", "kWh/h", "demand scale a_i of each agent", e->a, NULL};
        return 1;
    case 1:
        *out = (env_table_t){"beta", "$/kWh", "utility weight beta_i of each agent", e->beta,
                             "utility weight beta_i"};
        return 1;
    default:
        return 0;
    }
}

/* The checkpoint holds the backlog, the demand drawn for the next step and
 * Box-Muller's kept normal with its counter, in this order. */
int dr_field(env_t *env, int k, env_field_t *out)
{
    dr_env_t *e = env->impl;
    switch (k) {
    case 0:
        *out = (env_field_t){"backlog", e->b, ENV_FIELD_F32};
        return 1;
    case 1:
        *out = (env_field_t){"demand", e->d, ENV_FIELD_F32};
        return 1;
    case 2:
        *out = (env_field_t){"z_spare", e->z_spare, ENV_FIELD_F32};
        return 1;
    case 3:
        *out = (env_field_t){"z_counter", e->z_ctr, ENV_FIELD_I64};
        return 1;
    default:
        return 0;
    }
}

void dr_pending_agents(const env_t *env, lidx_t i0, int m, float *out)
{
    const dr_env_t *e = env->impl;
    for (int q = 0; q < m; q++) out[q] = e->b[(size_t)(i0 + q) * (size_t)e->copies];
}

/* A postponer: a backlog above 24 hours of the agent's demand scale. */
int dr_stuck(const env_t *env, lidx_t i)
{
    const dr_env_t *e = env->impl;
    return e->b[(size_t)i * (size_t)e->copies] > 24.0f * e->a[i];
}

dr_env_t *env_dr(const env_t *e)
{
    SAMARL_ASSERT(e->ops == &env_dr_ops || e->ops == &env_drnet_ops);
    return e->impl;
}

const env_ops_t env_dr_ops = {
    .name = "dr",
    .summary = "DR-v1 demand response: households defer essential demand under a shared grid "
               "capacity (DESIGN.md 3)",
    .create = dr_create,
    /* demand_block numbers steps in DR_STEP_BITS bits and draws step t + 1's demand at step t */
    .max_steps = DR_MAX_STEPS,
    /* dr_begin_episode: (episode + 1) x copies below 2^(48 - DR_STEP_BITS + 1) */
    .max_episode_copies = DR_MAX_EPISODE_COPIES,
    .check_inputs = dr_check_inputs,
    .destroy = dr_destroy,
    .begin_episode = dr_begin_episode,
    .reset_agent = dr_reset_agent,
    .observe = dr_observe,
    .step = dr_step,
    .observe_agents = dr_observe_agents,
    .step_agents = dr_step_agents,
    .fingerprint = dr_fingerprint,
    .table = dr_table,
    .field = dr_field,
    .pending_agents = dr_pending_agents,
    .stuck = dr_stuck,
    .price = dr_price,
    .scale = dr_scale,
    .analytic = dr_bestresponse,
};
