/* What every graph a loader accepts must satisfy, checked here from the
 * arrays themselves (not only through graph_validate, which could share a
 * loader's blind spot); and equality of two loads of one file. */
#ifndef SAMARL_FUZZ_GRAPH_H
#define SAMARL_FUZZ_GRAPH_H

#include "fuzz.h"
#include "samarl/graph.h"

static inline void fuzz_check_graph(const graph_t *g)
{
    FUZZ_CHECK(graph_validate(g, "fuzz") == SAMARL_OK);
    FUZZ_CHECK(g->n >= 1 && g->n <= 2147483647 && g->m >= 0);
    FUZZ_CHECK(g->xadj[0] == 0 && g->xadj[g->n] == 2 * g->m);
    FUZZ_CHECK(g->name[0] != '\0');
    FUZZ_CHECK(g->ncon >= 0 && g->ncon <= 64 && (g->ncon == 0) == (g->vwgt == NULL));
    for (gidx_t u = 0; u < g->n; u++) {
        FUZZ_CHECK(g->xadj[u] <= g->xadj[u + 1]);
        for (int c = 0; c < g->ncon; c++) FUZZ_CHECK(g->vwgt[u * g->ncon + c] >= 0);
        for (gidx_t e = g->xadj[u]; e < g->xadj[u + 1]; e++) {
            gidx_t v = g->adj[e];
            FUZZ_CHECK(v >= 0 && v < g->n && v != u);         /* in range, no self-loop */
            FUZZ_CHECK(e == g->xadj[u] || g->adj[e - 1] < v); /* sorted, no duplicate */
            gidx_t back = graph_find(g->adj + g->xadj[v], g->xadj[v + 1] - g->xadj[v], u);
            FUZZ_CHECK(back >= 0); /* symmetric ... */
            if (g->adjwgt) {       /* ... with one weight per edge */
                FUZZ_CHECK(g->adjwgt[e] >= 1);
                FUZZ_CHECK(g->adjwgt[e] == g->adjwgt[g->xadj[v] + back]);
            }
        }
    }
    gidx_t largest = 0, nc = graph_components(g, &largest);
    FUZZ_CHECK(nc >= 1 && nc <= g->n && largest >= 1 && largest <= g->n);
}

/* Same vertices, edges and weights; the first n vertices when b has more
 * (an edge list read with a larger graph.agents), which must be isolated. */
static inline void fuzz_check_same_graph(const graph_t *a, const graph_t *b)
{
    FUZZ_CHECK(b->n >= a->n && a->m == b->m && a->ncon == b->ncon);
    FUZZ_CHECK((a->adjwgt == NULL) == (b->adjwgt == NULL));
    for (gidx_t u = 0; u <= a->n; u++) FUZZ_CHECK(a->xadj[u] == b->xadj[u]);
    for (gidx_t u = a->n; u < b->n; u++) FUZZ_CHECK(b->xadj[u + 1] == b->xadj[u]);
    for (gidx_t e = 0; e < 2 * a->m; e++) {
        FUZZ_CHECK(a->adj[e] == b->adj[e]);
        FUZZ_CHECK(!a->adjwgt || a->adjwgt[e] == b->adjwgt[e]);
    }
    for (gidx_t k = 0; k < a->n * a->ncon; k++) FUZZ_CHECK(a->vwgt[k] == b->vwgt[k]);
}

#endif
