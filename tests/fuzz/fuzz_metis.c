/* libFuzzer harness for the METIS graph reader (graph_load_metis): whatever
 * it accepts is a valid simple graph, reads the same with graph.agents set
 * to its size, and is refused with any other size. */
#include "fuzz_graph.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size, "graph");
    graph_t *g = NULL, *h = NULL;
    samarl_clearerr();
    if (graph_load_metis(path, 0, &g) != SAMARL_OK) {
        FUZZ_CHECK(g == NULL && samarl_errmsg()[0] != '\0');
        return 0;
    }
    FUZZ_CHECK(!fuzz_has_nul(data, size));
    fuzz_check_graph(g);

    FUZZ_CHECK(graph_load_metis(path, g->n, &h) == SAMARL_OK);
    fuzz_check_same_graph(g, h);
    graph_destroy(&h);
    FUZZ_CHECK(graph_load_metis(path, g->n + 1, &h) == SAMARL_ERR && h == NULL);
    graph_destroy(&g);
    return 0;
}
