/* The config-driven graph build: graph.type picks a generator (graph_gen.c)
 * or a loader (graph_io.c), and the result is validated and checked for
 * connectivity. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "samarl/error.h"
#include "samarl/graph.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

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
