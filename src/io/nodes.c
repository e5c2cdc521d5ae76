/* Nodes CSV loader (see nodes.h). */
#include "samarl/nodes.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/error.h"

/* Split a CSV line in place at commas (no quoting: cells are numbers). */
static int split(char *line, char **cells, int max)
{
    size_t len = strlen(line);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
    int n = 0;
    char *s = line;
    for (;;) {
        char *comma = strchr(s, ',');
        if (n < max) cells[n] = s;
        n++;
        if (!comma) break;
        *comma = '\0';
        s = comma + 1;
    }
    /* Trim blanks around each cell. */
    for (int i = 0; i < n && i < max; i++) {
        char *c = cells[i];
        while (*c == ' ' || *c == '\t') c++;
        char *e = c + strlen(c);
        while (e > c && (e[-1] == ' ' || e[-1] == '\t')) *--e = '\0';
        cells[i] = c;
    }
    return n;
}

/* Offset of the first byte in the file's first 4 kB that no text CSV holds
 * (a control character but tab, CR, LF), or -1: binary data (an HDF5 file
 * given by mistake) gets one plain message, not a parse error about it. */
static long binary_at(FILE *f)
{
    unsigned char buf[4096];
    if (fseek(f, 0, SEEK_SET) != 0) return -1; /* a pipe: read it as it comes */
    size_t n = fread(buf, 1, sizeof buf, f);
    rewind(f);
    for (size_t i = 0; i < n; i++)
        if ((buf[i] < 0x20 && buf[i] != '\t' && buf[i] != '\r' && buf[i] != '\n') || buf[i] == 0x7f)
            return (long)i;
    return -1;
}

/* "a, b, c" of the header's names, for messages. */
static const char *column_list(const nodes_t *nd, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int c = 0; c < nd->ncols && nd->names[c] && used < n; c++)
        used += (size_t)snprintf(buf + used, n - used, "%s%s", c ? ", " : "", nd->names[c]);
    return buf;
}

int nodes_load(const char *path, gidx_t n_expected, nodes_t **out)
{
    return table_load(path, "nodes", 1, n_expected, out);
}

int table_load(const char *path, const char *what, int with_id, gidx_t n_expected, nodes_t **out)
{
    FILE *f = fopen(path, "r");
    if (!f) return samarl_seterr("cannot open %s file '%s': %s", what, path, strerror(errno));
    enum { MAXCOLS = 256 };
    char *line = NULL, *cells[MAXCOLS], cols[256];
    size_t cap = 0;
    long lineno = 0, header_line = 0, *row_line = NULL;
    int rc = SAMARL_OK, ncols = 0, idcol = -1;
    nodes_t *nd = XZNEW(nodes_t, 1);
    gidx_t rows = 0, rcap = 1024;
    double *raw = NULL; /* row-major while reading */

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        rc = samarl_seterr(__VA_ARGS__);                                                           \
        goto done;                                                                                 \
    } while (0)

    long bin = binary_at(f);
    if (bin >= 0) FAIL("%s: binary data at byte %ld, expected a text CSV file", path, bin);
    /* Header. */
    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (memchr(line, '\0', (size_t)len))
            FAIL("%s:%ld: a NUL byte: is it a text file?", path, lineno);
        /* Spreadsheets write a UTF-8 byte-order mark before the first name. */
        if (lineno == 1 && strncmp(line, "\xEF\xBB\xBF", 3) == 0)
            memmove(line, line + 3, strlen(line) - 2);
        if (line[strspn(line, " \t\r\n")] == '\0' || line[0] == '#') continue;
        header_line = lineno;
        ncols = split(line, cells, MAXCOLS);
        if (ncols > MAXCOLS) FAIL("%s:%ld: more than %d columns", path, lineno, MAXCOLS);
        /* Count the names now so that nodes_destroy frees those made before
         * a bad one. */
        nd->names = XZNEW(char *, ncols);
        nd->ncols = ncols;
        for (int c = 0; c < ncols; c++) {
            if (!cells[c][0]) FAIL("%s:%ld: column %d has an empty name", path, lineno, c + 1);
            for (int d = 0; d < c; d++)
                if (strcmp(nd->names[d], cells[c]) == 0)
                    FAIL("%s:%ld: column '%s' appears twice", path, lineno, cells[c]);
            nd->names[c] = samarl_strdup(cells[c]);
            if (strcmp(cells[c], "id") == 0) idcol = c;
        }
        break;
    }
    if (!ncols)
        FAIL("%s: empty file: expected a header row naming the columns%s", path,
             with_id ? " (with 'id')" : "");
    if (!with_id) idcol = -1;
    if (with_id && idcol < 0)
        FAIL("%s:%ld: no 'id' column in the header (it has: %s; expected comma-separated names "
             "such as 'id,bus,type,pd_mw,qd_mvar')",
             path, lineno, column_list(nd, cols, sizeof cols));

    raw = XNEW(double, rcap *ncols);
    row_line = XNEW(long, rcap);
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (memchr(line, '\0', (size_t)len))
            FAIL("%s:%ld: a NUL byte: is it a text file?", path, lineno);
        if (line[strspn(line, " \t\r\n")] == '\0' || line[0] == '#') continue;
        int nc = split(line, cells, MAXCOLS);
        if (nc != ncols)
            FAIL("%s:%ld: %d fields, expected %d as in the header (line %ld)", path, lineno, nc,
                 ncols, header_line);
        if (rows == rcap) {
            rcap *= 2;
            raw = xrealloc(raw, sizeof(double) * (size_t)(rcap * ncols));
            row_line = xrealloc(row_line, sizeof(long) * (size_t)rcap);
        }
        for (int c = 0; c < ncols; c++) {
            char *end;
            errno = 0;
            double v = strtod(cells[c], &end);
            if (!cells[c][0] || *end || errno == ERANGE || !isfinite(v))
                FAIL("%s:%ld: column '%s': '%s' is not a finite number", path, lineno, nd->names[c],
                     cells[c]);
            raw[rows * ncols + c] = v;
        }
        row_line[rows] = lineno;
        rows++;
    }
    if (n_expected > 0 && rows != n_expected)
        FAIL("%s: %" PRIdG " agent rows, but the graph has %" PRIdG
             " agents (one row per agent expected)",
             path, rows, n_expected);
    if (rows == 0) FAIL("%s: no data rows after the header", path);
    if (!with_id) { /* rows in file order */
        nd->n = rows;
        nd->values = XNEW(double, (size_t)rows *(size_t)ncols);
        for (gidx_t r = 0; r < rows; r++)
            for (int c = 0; c < ncols; c++)
                nd->values[(size_t)c * (size_t)rows + (size_t)r] = raw[r * ncols + c];
        goto done;
    }

    nd->n = rows;
    nd->values = XNEW(double, (size_t)rows *(size_t)ncols);
    long *seen = XZNEW(long, rows);
    for (gidx_t r = 0; r < rows; r++) {
        double idv = raw[r * ncols + idcol];
        if (idv != floor(idv) || idv < 0 || idv >= (double)rows) {
            free(seen);
            FAIL("%s:%ld: id %g is not an integer in 0..%" PRIdG, path, row_line[r], idv, rows - 1);
        }
        gidx_t id = (gidx_t)idv;
        if (seen[id]) {
            long first = seen[id];
            free(seen);
            FAIL("%s:%ld: id %" PRIdG " appears twice (first on line %ld)", path, row_line[r], id,
                 first);
        }
        seen[id] = row_line[r];
        for (int c = 0; c < ncols; c++)
            nd->values[(size_t)c * (size_t)rows + (size_t)id] = raw[r * ncols + c];
    }
    free(seen);

done:
#undef FAIL
    free(line);
    free(raw);
    free(row_line);
    fclose(f);
    if (rc != SAMARL_OK) {
        nodes_destroy(&nd);
        return rc;
    }
    *out = nd;
    return SAMARL_OK;
}

const double *nodes_column(const nodes_t *nd, const char *name)
{
    for (int c = 0; c < nd->ncols; c++)
        if (strcmp(nd->names[c], name) == 0) return nd->values + (size_t)c * (size_t)nd->n;
    return NULL;
}

void nodes_destroy(nodes_t **ndp)
{
    nodes_t *nd = *ndp;
    if (!nd) return;
    for (int c = 0; c < nd->ncols; c++) free(nd->names ? nd->names[c] : NULL);
    free(nd->names);
    free(nd->values);
    free(nd);
    *ndp = NULL;
}
