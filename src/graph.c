/* Global graph: CSR construction, validation, components, fingerprint and the
 * config-driven build (generators in graph_gen.c, loaders in graph_io.c). */
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

/* Largest complete graph we build: N(N-1) adjacency entries at most 2^28. */
#define COMPLETE_MAX_N 16384

static int ends_with(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

/* A loader's complaint about a file whose name says it is in the other
 * format ("the header announces 2 edges, but 1 vertices ..." for an edge
 * list read as METIS) ends with the key to change. */
static int format_hint(const config_t *cfg)
{
    const char *p = cfg->graph.path;
    const int metis = cfg->graph.format == GRAPH_FORMAT_METIS;
    const int looks_edges = ends_with(p, ".edges") || ends_with(p, ".edgelist") ||
                            ends_with(p, ".el") || ends_with(p, ".txt");
    const int looks_metis = ends_with(p, ".graph") || ends_with(p, ".metis");
    if (metis ? !looks_edges : !looks_metis) return SAMARL_ERR;
    char msg[4096];
    snprintf(msg, sizeof msg, "%s", samarl_errmsg());
    return samarl_seterr("%s (read with graph.format = %s; is it %s? then set graph.format = %s)",
                         msg, metis ? "metis" : "edgelist",
                         metis ? "an edge list" : "a METIS graph", metis ? "edgelist" : "metis");
}

int graph_build(const config_t *cfg, graph_t **out, gidx_t *components)
{
    const gidx_t n = cfg->graph.agents, k = cfg->graph.k;
    graph_t *g = NULL;
    int rc = SAMARL_OK;
    switch ((graph_type_t)cfg->graph.type) {
    case GRAPH_RING:
    case GRAPH_SMALLWORLD:
        if (n < 2 * k + 1)
            return samarl_seterr("graph.k = %" PRIdG " needs graph.agents >= 2k+1 = %" PRIdG
                                 " for a %s (got %" PRIdG "): neighbours would repeat",
                                 k, 2 * k + 1,
                                 cfg->graph.type == GRAPH_RING ? "ring" : "small world", n);
        rc = cfg->graph.type == GRAPH_RING
                 ? graph_ring(n, k, &g)
                 : graph_smallworld(n, k, cfg->graph.p, cfg->graph.seed, &g);
        break;
    case GRAPH_GRID2D:
        rc = graph_grid2d(n, cfg->graph.rows, &g);
        break;
    case GRAPH_RGG: {
        double r = cfg->graph.radius;
        if (r <= 0.0) /* expected degree (n-1) pi r^2, ignoring the boundary */
            r = n > 1 ? sqrt(cfg->graph.degree / (M_PI * (double)(n - 1))) : 1.0;
        rc = graph_rgg(n, r, cfg->graph.seed, &g);
        break;
    }
    case GRAPH_ER: {
        double p = config_is_set(cfg, "graph", "p")
                       ? cfg->graph.p
                       : (n > 1 ? cfg->graph.degree / (double)(n - 1) : 0);
        if (p > 1.0)
            return samarl_seterr("graph.degree = %g is more than graph.agents - 1 = %" PRIdG
                                 " for an Erdos-Renyi graph",
                                 cfg->graph.degree, n - 1);
        rc = graph_er(n, p, cfg->graph.seed, &g);
        break;
    }
    case GRAPH_COMPLETE:
        if (n > COMPLETE_MAX_N)
            return samarl_seterr("graph.type = complete with graph.agents = %" PRIdG
                                 " needs N(N-1) = %.3g adjacency entries; at most N = %d is "
                                 "supported",
                                 n, (double)n * (double)(n - 1), COMPLETE_MAX_N);
        rc = graph_complete(n, &g);
        break;
    case GRAPH_FILE: {
        gidx_t expect = config_is_set(cfg, "graph", "agents") ? n : 0;
        rc = cfg->graph.format == GRAPH_FORMAT_METIS
                 ? graph_load_metis(cfg->graph.path, expect, &g)
                 : graph_load_edgelist(cfg->graph.path, expect, &g);
        if (rc != SAMARL_OK) return format_hint(cfg);
        break;
    }
    }
    if (rc != SAMARL_OK) return rc;
    if (graph_validate(g, g->name) != SAMARL_OK) {
        graph_destroy(&g);
        return SAMARL_ERR;
    }
    if (g->m == 0 && g->n > 1 && !cfg->graph.allow_disconnected) {
        samarl_seterr("graph %s has no edges: consensus needs a connected graph", g->name);
        graph_destroy(&g);
        return SAMARL_ERR;
    }
    gidx_t largest = 0, nc = graph_components(g, &largest);
    if (nc > 1 && !cfg->graph.allow_disconnected) {
        samarl_seterr("graph %s is disconnected: %" PRIdG " connected components (largest %" PRIdG
                      " of %" PRIdG " agents); agents in different components can never agree "
                      "on a multiplier. Use a connected graph (e.g. a larger graph.degree or "
                      "graph.radius), or set graph.allow_disconnected = true",
                      g->name, nc, largest, g->n);
        graph_destroy(&g);
        return SAMARL_ERR;
    }
    if (components) *components = nc;
    *out = g;
    return SAMARL_OK;
}
