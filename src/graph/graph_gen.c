/* Graph generators: ring lattice, 2-D torus, random geometric, Erdos-Renyi,
 * Watts-Strogatz small world and complete graphs. Each is a pure function of
 * its parameters and seed (counter-based draws keyed by vertex), so the graph
 * is the same whatever the number of ranks. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/error.h"
#include "samarl/graph.h"
#include "samarl/rng.h"

/* A growable list of edge pairs. */
typedef struct {
    gidx_t *uv;
    gidx_t m, cap;
} edges_t;

static void edges_push(edges_t *e, gidx_t u, gidx_t v)
{
    if (e->m == e->cap) {
        e->cap = e->cap ? 2 * e->cap : 1024;
        e->uv = xrealloc(e->uv, sizeof(gidx_t) * 2 * (size_t)e->cap);
    }
    e->uv[2 * e->m] = u;
    e->uv[2 * e->m + 1] = v;
    e->m++;
}

static int finish(gidx_t n, edges_t *e, graph_t **g, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int finish(gidx_t n, edges_t *e, graph_t **g, const char *fmt, ...)
{
    int rc = graph_from_edges(n, e->m, e->uv, g);
    free(e->uv);
    if (rc != SAMARL_OK) return rc;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf((*g)->name, sizeof(*g)->name, fmt, ap);
    va_end(ap);
    return SAMARL_OK;
}

int graph_ring(gidx_t n, gidx_t k, graph_t **g)
{
    if (k < 1 || n < 2 * k + 1)
        return samarl_seterr("a ring with k = %" PRIdG " neighbours per side needs at least %" PRIdG
                             " agents (got %" PRIdG ")",
                             k, 2 * k + 1, n);
    edges_t e = {0};
    for (gidx_t i = 0; i < n; i++)
        for (gidx_t j = 1; j <= k; j++) edges_push(&e, i, (i + j) % n);
    return finish(n, &e, g, "ring(N=%" PRIdG ",k=%" PRIdG ")", n, k);
}

int graph_grid2d(gidx_t n, gidx_t rows, graph_t **g)
{
    if (rows == 0) { /* the divisor of n closest to sqrt(n), from below */
        for (gidx_t r = (gidx_t)sqrt((double)n); r >= 1; r--)
            if (n % r == 0) {
                rows = r;
                break;
            }
    }
    if (rows < 1 || n % rows != 0)
        return samarl_seterr("graph.rows = %" PRIdG " does not divide graph.agents = %" PRIdG
                             " for a grid2d torus",
                             rows, n);
    gidx_t cols = n / rows;
    if (rows < 3 || cols < 3)
        return samarl_seterr("graph.agents = %" PRIdG " makes a %" PRIdG " x %" PRIdG
                             " torus; grid2d needs at least 3 rows and 3 columns (choose N = rows "
                             "x cols with both >= 3, or set graph.rows)",
                             n, rows, cols);
    edges_t e = {0};
    for (gidx_t r = 0; r < rows; r++)
        for (gidx_t c = 0; c < cols; c++) {
            gidx_t i = r * cols + c;
            edges_push(&e, i, r * cols + (c + 1) % cols);
            edges_push(&e, i, ((r + 1) % rows) * cols + c);
        }
    return finish(n, &e, g, "grid2d(N=%" PRIdG ",%" PRIdG "x%" PRIdG ")", n, rows, cols);
}

/* Points uniform in the unit square, joined when closer than r. Vertices are
 * numbered in cell order (cells of side >= r, row by row), so that gids are
 * spatially local and so are the sparse kernels' memory accesses. */
int graph_rgg(gidx_t n, double r, uint64_t seed, graph_t **g)
{
    if (!(r > 0.0)) return samarl_seterr("rgg radius must be positive (got %g)", r);
    gidx_t cells = (gidx_t)floor(1.0 / r);
    gidx_t cmax = (gidx_t)sqrt((double)n) + 1; /* at most ~n cells */
    if (cells > cmax) cells = cmax;
    if (cells < 1) cells = 1;
    const double side = 1.0 / (double)cells;
    double *x = XNEW(double, n), *y = XNEW(double, n);
    gidx_t *cell = XNEW(gidx_t, n), *start = XZNEW(gidx_t, cells * cells + 1);
    for (gidx_t i = 0; i < n; i++) {
        double u[2];
        rng_uniform2(seed, RNG_STREAM_GRAPH, (uint64_t)i, 0, u);
        gidx_t cx = (gidx_t)(u[0] / side), cy = (gidx_t)(u[1] / side);
        if (cx >= cells) cx = cells - 1;
        if (cy >= cells) cy = cells - 1;
        cell[i] = cy * cells + cx;
        x[i] = u[0];
        y[i] = u[1];
        start[cell[i] + 1]++;
    }
    for (gidx_t c = 0; c < cells * cells; c++) start[c + 1] += start[c];
    /* Stable counting sort by cell: new id = position. */
    double *px = XNEW(double, n), *py = XNEW(double, n);
    gidx_t *fill = XNEW(gidx_t, cells * cells);
    memcpy(fill, start, sizeof(gidx_t) * (size_t)(cells * cells));
    for (gidx_t i = 0; i < n; i++) {
        gidx_t at = fill[cell[i]]++;
        px[at] = x[i];
        py[at] = y[i];
    }
    free(fill);
    free(x);
    free(y);
    free(cell);
    const double r2 = r * r;
    edges_t e = {0};
    for (gidx_t cy = 0; cy < cells; cy++)
        for (gidx_t cx = 0; cx < cells; cx++) {
            gidx_t c = cy * cells + cx;
            for (gidx_t i = start[c]; i < start[c + 1]; i++)
                for (gidx_t dy = -1; dy <= 1; dy++)
                    for (gidx_t dx = -1; dx <= 1; dx++) {
                        gidx_t nx = cx + dx, ny = cy + dy;
                        if (nx < 0 || ny < 0 || nx >= cells || ny >= cells) continue;
                        gidx_t d = ny * cells + nx;
                        for (gidx_t j = start[d]; j < start[d + 1]; j++) {
                            if (j <= i) continue; /* each pair once */
                            double ddx = px[i] - px[j], ddy = py[i] - py[j];
                            if (ddx * ddx + ddy * ddy < r2) edges_push(&e, i, j);
                        }
                    }
        }
    free(px);
    free(py);
    free(start);
    return finish(n, &e, g, "rgg(N=%" PRIdG ",r=%.6g,seed=%" PRIu64 ")", n, r, seed);
}

/* G(n, p) in O(n + m): for each u, jump over the non-neighbours v > u with
 * geometrically distributed gaps (Batagelj & Brandes 2005), with draws keyed
 * by u so the result does not depend on evaluation order. */
int graph_er(gidx_t n, double p, uint64_t seed, graph_t **g)
{
    if (!(p >= 0.0 && p <= 1.0)) return samarl_seterr("er edge probability %g outside [0, 1]", p);
    edges_t e = {0};
    if (p > 0.0) {
        const double lq = log1p(-p);
        for (gidx_t u = 0; u < n - 1; u++) {
            gidx_t v = u;
            uint64_t draw = 0;
            for (;;) {
                if (p >= 1.0) {
                    v++;
                } else {
                    double w = rng_uniform(seed, RNG_STREAM_GRAPH, (uint64_t)u, draw++);
                    double skip = floor(log(w) / lq);
                    if (skip >= (double)(n - v)) break;
                    v += 1 + (gidx_t)skip;
                }
                if (v >= n) break;
                edges_push(&e, u, v);
            }
        }
    }
    return finish(n, &e, g, "er(N=%" PRIdG ",p=%.6g,seed=%" PRIu64 ")", n, p, seed);
}

/* Open-addressing set of undirected edges keyed by min*n+max (tombstones on
 * delete), for the rewiring of the small-world generator. */
typedef struct {
    uint64_t *slot; /* 0 empty, 1 deleted, key+2 otherwise */
    uint64_t mask;
} edgeset_t;

static uint64_t edge_key(gidx_t n, gidx_t a, gidx_t b)
{
    return a < b ? (uint64_t)a * (uint64_t)n + (uint64_t)b
                 : (uint64_t)b * (uint64_t)n + (uint64_t)a;
}

static uint64_t hash_key(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return k;
}

static int edgeset_has(const edgeset_t *s, uint64_t key)
{
    for (uint64_t h = hash_key(key) & s->mask;; h = (h + 1) & s->mask) {
        if (s->slot[h] == 0) return 0;
        if (s->slot[h] == key + 2) return 1;
    }
}

static void edgeset_add(edgeset_t *s, uint64_t key)
{
    for (uint64_t h = hash_key(key) & s->mask;; h = (h + 1) & s->mask)
        if (s->slot[h] <= 1) {
            s->slot[h] = key + 2;
            return;
        }
}

static void edgeset_del(edgeset_t *s, uint64_t key)
{
    for (uint64_t h = hash_key(key) & s->mask;; h = (h + 1) & s->mask) {
        if (s->slot[h] == 0) return;
        if (s->slot[h] == key + 2) {
            s->slot[h] = 1;
            return;
        }
    }
}

/* Watts-Strogatz: a ring lattice (k per side) whose edges (i, i+j) are, lap by
 * lap (j = 1..k), rewired with probability p to (i, t) for a uniform t that
 * is neither i nor already a neighbour of i. */
int graph_smallworld(gidx_t n, gidx_t k, double p, uint64_t seed, graph_t **g)
{
    if (k < 1 || n < 2 * k + 1)
        return samarl_seterr("a small world with k = %" PRIdG
                             " neighbours per side needs at least %" PRIdG " agents (got %" PRIdG
                             ")",
                             k, 2 * k + 1, n);
    if (!(p >= 0.0 && p <= 1.0)) return samarl_seterr("rewiring probability %g outside [0, 1]", p);
    const gidx_t m = n * k;
    gidx_t *other = XNEW(gidx_t, m); /* edge (i, j) = (i, other[i*k + j-1]) */
    uint64_t cap = 16;
    while (cap < (uint64_t)(4 * m)) cap <<= 1;
    edgeset_t set = {XZNEW(uint64_t, cap), cap - 1};
    for (gidx_t i = 0; i < n; i++)
        for (gidx_t j = 1; j <= k; j++) {
            other[i * k + j - 1] = (i + j) % n;
            edgeset_add(&set, edge_key(n, i, (i + j) % n));
        }
    const uint64_t max_tries = 64;
    for (gidx_t j = 1; j <= k; j++)
        for (gidx_t i = 0; i < n; i++) {
            if (rng_uniform(seed, RNG_STREAM_GRAPH_REWIRE, (uint64_t)i, (uint64_t)j) >= p) continue;
            for (uint64_t t = 0; t < max_tries; t++) {
                rng_block_t b =
                    rng_block(seed, RNG_STREAM_GRAPH_TARGET, (uint64_t)i, ((uint64_t)j << 24) | t);
                gidx_t target = (gidx_t)rng_below(b.v[0], b.v[1], (uint64_t)n);
                if (target == i || edgeset_has(&set, edge_key(n, i, target))) continue;
                edgeset_del(&set, edge_key(n, i, other[i * k + j - 1]));
                edgeset_add(&set, edge_key(n, i, target));
                other[i * k + j - 1] = target;
                break;
            }
        }
    free(set.slot);
    edges_t e = {0};
    for (gidx_t i = 0; i < n; i++)
        for (gidx_t j = 0; j < k; j++) edges_push(&e, i, other[i * k + j]);
    free(other);
    return finish(n, &e, g, "smallworld(N=%" PRIdG ",k=%" PRIdG ",p=%.6g,seed=%" PRIu64 ")", n, k,
                  p, seed);
}

int graph_complete(gidx_t n, graph_t **g)
{
    edges_t e = {0};
    for (gidx_t i = 0; i < n; i++)
        for (gidx_t j = i + 1; j < n; j++) edges_push(&e, i, j);
    return finish(n, &e, g, "complete(N=%" PRIdG ")", n);
}
