/* Per-agent attributes from a nodes CSV file (one row per agent), such as
 * the bus tables of transmission-grid cases (NAME.nodes.csv):
 *   id,bus,type,pd_mw,qd_mvar
 * A header row names the columns; an 'id' column (0-based gid) is required
 * and every agent 0..N-1 must appear exactly once; every cell is numeric. */
#ifndef SAMARL_NODES_H
#define SAMARL_NODES_H

#include "samarl/types.h"

typedef struct nodes {
    gidx_t n;       /* rows = agents */
    int ncols;      /* columns, 'id' included */
    char **names;   /* [ncols] */
    double *values; /* [ncols][n], column-major, row placed at its id */
} nodes_t;

/* Not collective. n_expected > 0: the file must hold exactly that many rows. */
int nodes_load(const char *path, gidx_t n_expected, nodes_t **out);
/* The same reader for any numeric CSV with a header row: with_id as above;
 * without, rows keep their file order. `what` names the file in messages
 * ("profiles"). */
int table_load(const char *path, const char *what, int with_id, gidx_t n_expected, nodes_t **out);
/* A column by name (NULL if absent). */
const double *nodes_column(const nodes_t *nd, const char *name);
void nodes_destroy(nodes_t **nd);

#endif
