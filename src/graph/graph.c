/* Global graph: CSR construction, validation, components and fingerprint
 * (the generators in graph_gen.c and the loaders in graph_io.c build on it;
 * graph_source.c picks one from the config). */
#include "samarl/graph.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/error.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* Sort edge pairs by (min, max) with two stable counting sorts: O(n + m). */
static void sort_pairs(gidx_t n, gidx_t m, gidx_t *uv)
{
    gidx_t *tmp = XNEW(gidx_t, 2 * m), *cnt = XZNEW(gidx_t, n + 1);
    for (int pass = 1; pass >= 0; pass--) { /* by max, then (stably) by min */
        memset(cnt, 0, sizeof(gidx_t) * (size_t)(n + 1));
        for (gidx_t e = 0; e < m; e++) cnt[uv[2 * e + pass] + 1]++;
        for (gidx_t i = 0; i < n; i++) cnt[i + 1] += cnt[i];
        for (gidx_t e = 0; e < m; e++) {
            gidx_t at = cnt[uv[2 * e + pass]]++;
            tmp[2 * at] = uv[2 * e];
            tmp[2 * at + 1] = uv[2 * e + 1];
        }
        memcpy(uv, tmp, sizeof(gidx_t) * (size_t)(2 * m));
    }
    free(tmp);
    free(cnt);
}

int graph_from_edges(gidx_t n, gidx_t m, const gidx_t *uv_in, graph_t **out)
{
    if (n < 1) return samarl_seterr("empty graph: no vertices");
    gidx_t *uv = XNEW(gidx_t, 2 * m);
    for (gidx_t e = 0; e < m; e++) {
        gidx_t a = uv_in[2 * e], b = uv_in[2 * e + 1];
        if (a < 0 || b < 0 || a >= n || b >= n) {
            free(uv);
            return samarl_seterr("edge %" PRIdG " (%" PRIdG ", %" PRIdG
                                 ") has an id outside 0..%" PRIdG,
                                 e, a, b, n - 1);
        }
        uv[2 * e] = a < b ? a : b;
        uv[2 * e + 1] = a < b ? b : a;
    }
    sort_pairs(n, m, uv);

    graph_t *g = XZNEW(graph_t, 1);
    g->n = n;
    g->m = m;
    g->xadj = XZNEW(gidx_t, n + 1);
    g->adj = XNEW(gidx_t, 2 * m);
    for (gidx_t e = 0; e < m; e++) {
        g->xadj[uv[2 * e] + 1]++;
        g->xadj[uv[2 * e + 1] + 1]++;
    }
    for (gidx_t i = 0; i < n; i++) g->xadj[i + 1] += g->xadj[i];
    gidx_t *fill = XNEW(gidx_t, n);
    memcpy(fill, g->xadj, sizeof(gidx_t) * (size_t)n);
    /* Pairs sorted by (u, v), u < v: first every row's lower neighbours in
     * ascending order, then its higher ones, so rows come out sorted. */
    for (gidx_t e = 0; e < m; e++) g->adj[fill[uv[2 * e + 1]]++] = uv[2 * e];
    for (gidx_t e = 0; e < m; e++) g->adj[fill[uv[2 * e]]++] = uv[2 * e + 1];
    free(fill);
    free(uv);
    *out = g;
    return SAMARL_OK;
}

gidx_t graph_find(const gidx_t *a, gidx_t len, gidx_t key)
{
    gidx_t lo = 0, hi = len;
    while (lo < hi) {
        gidx_t mid = lo + (hi - lo) / 2;
        if (a[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (lo < len && a[lo] == key) ? lo : -1;
}

int graph_validate(const graph_t *g, const char *what)
{
    if (g->n < 1) return samarl_seterr("%s: empty graph (no vertices)", what);
    if (g->xadj[0] != 0)
        return samarl_seterr("%s: xadj[0] = %" PRIdG ", expected 0", what, g->xadj[0]);
    if (g->xadj[g->n] != 2 * g->m)
        return samarl_seterr("%s: adjacency holds %" PRIdG " entries, expected 2m = %" PRIdG, what,
                             g->xadj[g->n], 2 * g->m);
    /* All offsets first: a row that reaches past 2m must be refused before
     * any row is read through it. */
    for (gidx_t u = 0; u < g->n; u++)
        if (g->xadj[u + 1] < g->xadj[u])
            return samarl_seterr("%s: row offsets decrease at vertex %" PRIdG " (xadj[%" PRIdG
                                 "] = %" PRIdG ", xadj[%" PRIdG "] = %" PRIdG ")",
                                 what, u, u, g->xadj[u], u + 1, g->xadj[u + 1]);
    for (gidx_t u = 0; u < g->n; u++) {
        for (gidx_t e = g->xadj[u]; e < g->xadj[u + 1]; e++) {
            gidx_t v = g->adj[e];
            if (v < 0 || v >= g->n)
                return samarl_seterr("%s: vertex %" PRIdG " has neighbour %" PRIdG
                                     " outside 0..%" PRIdG,
                                     what, u, v, g->n - 1);
            if (v == u) return samarl_seterr("%s: self-loop at vertex %" PRIdG, what, u);
            if (e > g->xadj[u] && g->adj[e - 1] >= v)
                return samarl_seterr(g->adj[e - 1] == v ? "%s: duplicate edge %" PRIdG "-%" PRIdG
                                                        : "%s: neighbours of vertex %" PRIdG
                                                          " are not sorted (at %" PRIdG ")",
                                     what, u, v);
        }
    }
    for (gidx_t u = 0; u < g->n; u++)
        for (gidx_t e = g->xadj[u]; e < g->xadj[u + 1]; e++) {
            gidx_t v = g->adj[e];
            if (graph_find(g->adj + g->xadj[v], g->xadj[v + 1] - g->xadj[v], u) < 0)
                return samarl_seterr("%s: asymmetric edge: %" PRIdG " lists %" PRIdG " but %" PRIdG
                                     " does not list %" PRIdG,
                                     what, u, v, v, u);
        }
    return SAMARL_OK;
}

gidx_t graph_components(const graph_t *g, gidx_t *largest)
{
    gidx_t *comp = XNEW(gidx_t, g->n), *queue = XNEW(gidx_t, g->n);
    for (gidx_t i = 0; i < g->n; i++) comp[i] = -1;
    gidx_t nc = 0, big = 0;
    for (gidx_t s = 0; s < g->n; s++) {
        if (comp[s] >= 0) continue;
        gidx_t head = 0, tail = 0;
        queue[tail++] = s;
        comp[s] = nc;
        while (head < tail) {
            gidx_t u = queue[head++];
            for (gidx_t e = g->xadj[u]; e < g->xadj[u + 1]; e++)
                if (comp[g->adj[e]] < 0) {
                    comp[g->adj[e]] = nc;
                    queue[tail++] = g->adj[e];
                }
        }
        if (tail > big) big = tail;
        nc++;
    }
    free(comp);
    free(queue);
    if (largest) *largest = big;
    return nc;
}

gidx_t graph_max_degree(const graph_t *g)
{
    gidx_t d = 0;
    for (gidx_t i = 0; i < g->n; i++)
        if (g->xadj[i + 1] - g->xadj[i] > d) d = g->xadj[i + 1] - g->xadj[i];
    return d;
}

static inline uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t graph_fingerprint(const graph_t *g)
{
    uint64_t h = mix64((uint64_t)g->n ^ 0x5a4d41524cULL);
    for (gidx_t u = 0; u < g->n; u++) {
        h = mix64(h ^ (uint64_t)(g->xadj[u + 1] - g->xadj[u]));
        for (gidx_t e = g->xadj[u]; e < g->xadj[u + 1]; e++) h = mix64(h + (uint64_t)g->adj[e]);
    }
    return h;
}

void graph_destroy(graph_t **gp)
{
    graph_t *g = *gp;
    if (!g) return;
    free(g->xadj);
    free(g->adj);
    free(g->vwgt);
    free(g->adjwgt);
    free(g);
    *gp = NULL;
}
