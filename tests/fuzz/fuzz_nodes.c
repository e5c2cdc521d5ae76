/* libFuzzer harness for the nodes CSV reader (nodes_load): whatever it
 * accepts has unique named columns, finite values and an 'id' column that
 * places every row 0..n-1 exactly once; it reads the same when the graph has
 * n agents and is refused when it has n + 1. */
#include "fuzz_table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size, "nodes.csv");
    nodes_t *nd = NULL, *again = NULL;
    samarl_clearerr();
    if (nodes_load(path, 0, &nd) != SAMARL_OK) {
        FUZZ_CHECK(nd == NULL && samarl_errmsg()[0] != '\0');
        return 0;
    }
    FUZZ_CHECK(!fuzz_has_nul(data, size));
    fuzz_check_table(nd);
    const double *id = nodes_column(nd, "id");
    FUZZ_CHECK(id != NULL);
    for (gidx_t r = 0; r < nd->n; r++) FUZZ_CHECK(id[r] == (double)r);

    FUZZ_CHECK(nodes_load(path, nd->n, &again) == SAMARL_OK);
    fuzz_check_same_table(nd, again);
    nodes_destroy(&again);
    FUZZ_CHECK(nodes_load(path, nd->n + 1, &again) == SAMARL_ERR && again == NULL);
    nodes_destroy(&nd);
    return 0;
}
