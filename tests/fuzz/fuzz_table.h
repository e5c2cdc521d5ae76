/* What every table the CSV reader (table_load) accepts must satisfy. */
#ifndef SAMARL_FUZZ_TABLE_H
#define SAMARL_FUZZ_TABLE_H

#include <math.h>

#include "fuzz.h"
#include "samarl/nodes.h"

static inline void fuzz_check_table(const nodes_t *t)
{
    FUZZ_CHECK(t->n >= 1 && t->ncols >= 1 && t->ncols <= 256 && t->names && t->values);
    for (int c = 0; c < t->ncols; c++) {
        FUZZ_CHECK(t->names[c] && t->names[c][0] != '\0');
        for (int d = 0; d < c; d++) FUZZ_CHECK(strcmp(t->names[c], t->names[d]) != 0);
        FUZZ_CHECK(nodes_column(t, t->names[c]) == t->values + (size_t)c * (size_t)t->n);
        for (gidx_t r = 0; r < t->n; r++) FUZZ_CHECK(isfinite(t->values[(size_t)c * t->n + r]));
    }
}

/* Same columns and values. */
static inline void fuzz_check_same_table(const nodes_t *a, const nodes_t *b)
{
    FUZZ_CHECK(a->n == b->n && a->ncols == b->ncols);
    for (int c = 0; c < a->ncols; c++) FUZZ_CHECK(strcmp(a->names[c], b->names[c]) == 0);
    FUZZ_CHECK(memcmp(a->values, b->values, sizeof(double) * (size_t)a->n * a->ncols) == 0);
}

#endif
