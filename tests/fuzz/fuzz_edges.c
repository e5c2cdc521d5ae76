/* libFuzzer harness for the edge-list reader (graph_load_edgelist): whatever
 * it accepts is a valid simple graph on largest id + 1 vertices; with
 * graph.agents = that size it reads the same, with one more it gains an
 * isolated vertex, with one less it is refused (the largest id is used). */
#include "fuzz_graph.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size, "edges");
    graph_t *g = NULL, *h = NULL;
    samarl_clearerr();
    if (graph_load_edgelist(path, 0, &g) != SAMARL_OK) {
        FUZZ_CHECK(g == NULL && samarl_errmsg()[0] != '\0');
        return 0;
    }
    FUZZ_CHECK(!fuzz_has_nul(data, size));
    fuzz_check_graph(g);
    FUZZ_CHECK(g->m >= 1 && g->ncon == 0);
    FUZZ_CHECK(g->xadj[g->n] > g->xadj[g->n - 1]); /* the largest id has an edge */

    FUZZ_CHECK(graph_load_edgelist(path, g->n, &h) == SAMARL_OK);
    fuzz_check_same_graph(g, h);
    graph_destroy(&h);
    if (g->n < 2147483647) {
        FUZZ_CHECK(graph_load_edgelist(path, g->n + 1, &h) == SAMARL_OK);
        FUZZ_CHECK(h->n == g->n + 1);
        fuzz_check_same_graph(g, h);
        graph_destroy(&h);
    }
    if (g->n > 1) FUZZ_CHECK(graph_load_edgelist(path, g->n - 1, &h) == SAMARL_ERR && h == NULL);
    graph_destroy(&g);
    return 0;
}
