/* Input loaders: METIS .graph files, edge lists, nodes and profile CSV files
 * accept good input and refuse each kind of malformed input with a message that
 * names the file, the line and what was expected; graph_validate and the
 * connectivity policy of graph_build on hand-made defects. Serial. */
#include <stdarg.h>

#include "samarl/comm.h"
#include "samarl/config.h"
#include "samarl/env.h"
#include "samarl/env_dr.h"
#include "samarl/error.h"
#include "samarl/graph.h"
#include "samarl/nodes.h"
#include "tap.h"

#define DATA "tests/data"

/* Path of a file under tests/data (tests run from the repository root);
 * rotating buffers so that a few can be live at once. */
static const char *data(const char *rel)
{
    static char buf[4][512];
    static int slot;
    char *b = buf[slot++ % 4];
    snprintf(b, sizeof buf[0], "%s/%s", DATA, rel);
    return b;
}

/* rc is SAMARL_ERR and the stored message holds every non-NULL phrase. */
static int failed_with(int rc, const char *a, const char *b, const char *c)
{
    const char *m = samarl_errmsg();
    return rc == SAMARL_ERR && (!a || strstr(m, a)) && (!b || strstr(m, b)) && (!c || strstr(m, c));
}

/* Load a METIS file that must be refused; the phrases must all be in the
 * message, and no graph may come back. */
static void graph_bad(int (*load)(const char *, gidx_t, graph_t **), const char *kind,
                      const char *file, gidx_t n_expected, const char *where, const char *p1,
                      const char *p2, const char *what)
{
    graph_t *g = NULL;
    samarl_clearerr();
    int rc = load(data(file), n_expected, &g);
    TAP_OK(failed_with(rc, where, p1, p2) && g == NULL, "%s %s: %s [%s]", kind, what, file,
           samarl_errmsg());
    graph_destroy(&g);
}

static void metis_bad(const char *file, gidx_t n_expected, const char *where, const char *p1,
                      const char *p2, const char *what)
{
    graph_bad(graph_load_metis, "metis", file, n_expected, where, p1, p2, what);
}

static void edges_bad(const char *file, gidx_t n_expected, const char *where, const char *p1,
                      const char *p2, const char *what)
{
    graph_bad(graph_load_edgelist, "edgelist", file, n_expected, where, p1, p2, what);
}

static void nodes_bad(const char *file, gidx_t n_expected, const char *where, const char *p1,
                      const char *p2, const char *what)
{
    nodes_t *nd = NULL;
    samarl_clearerr();
    int rc = nodes_load(data(file), n_expected, &nd);
    TAP_OK(failed_with(rc, where, p1, p2) && nd == NULL, "nodes %s: %s [%s]", what, file,
           samarl_errmsg());
    nodes_destroy(&nd);
}

/* Row u of g equals the list given (length len, then the ids). */
static int row_is(const graph_t *g, gidx_t u, int len, ...)
{
    if (g->xadj[u + 1] - g->xadj[u] != len) return 0;
    va_list ap;
    va_start(ap, len);
    int ok = 1;
    for (int i = 0; i < len; i++)
        if (g->adj[g->xadj[u] + i] != (gidx_t)va_arg(ap, int)) ok = 0;
    va_end(ap);
    return ok;
}

/* Edge weights of row u in CSR order. */
static int wrow_is(const graph_t *g, gidx_t u, int len, ...)
{
    if (!g->adjwgt || g->xadj[u + 1] - g->xadj[u] != len) return 0;
    va_list ap;
    va_start(ap, len);
    int ok = 1;
    for (int i = 0; i < len; i++)
        if (g->adjwgt[g->xadj[u] + i] != va_arg(ap, int)) ok = 0;
    va_end(ap);
    return ok;
}

static int vwgt_is(const graph_t *g, const int *w)
{
    if (!g->vwgt) return 0;
    for (gidx_t i = 0; i < g->n * g->ncon; i++)
        if (g->vwgt[i] != w[i]) return 0;
    return 1;
}

/* ---- METIS .graph --------------------------------------------------------- */

static void metis_good(void)
{
    graph_t *g = NULL;
    int rc = graph_load_metis(data("good/comments.graph"), 0, &g);
    TAP_OK(rc == SAMARL_OK && g->n == 5 && g->m == 5 && graph_validate(g, "c") == SAMARL_OK,
           "metis: '%%' comment lines skipped (header, between vertex lines) [%s]",
           rc ? samarl_errmsg() : "");
    if (rc == SAMARL_OK) {
        TAP_OK(row_is(g, 2, 3, 0, 1, 3) && row_is(g, 4, 1, 3) && g->ncon == 0 && !g->vwgt &&
                   !g->adjwgt && strcmp(g->name, "comments.graph") == 0,
               "metis: rows sorted, 0-based, no weights, named after the file (%s)", g->name);
    }
    graph_destroy(&g);
    TAP_OK(graph_load_metis(data("good/comments.graph"), 5, &g) == SAMARL_OK && g->n == 5,
           "metis: n_expected = n accepted");
    graph_destroy(&g);

    rc = graph_load_metis(data("good/isolated.graph"), 0, &g);
    gidx_t big = 0;
    TAP_OK(rc == SAMARL_OK && g->n == 5 && g->m == 2 && row_is(g, 2, 0) && row_is(g, 3, 1, 4) &&
               graph_components(g, &big) == 3 && big == 2,
           "metis: an empty line is a vertex without neighbours");
    graph_destroy(&g);
    rc = graph_load_metis(data("good/isolated_last.graph"), 0, &g);
    TAP_OK(rc == SAMARL_OK && g->n == 3 && g->m == 1 && row_is(g, 2, 0),
           "metis: a trailing empty line is the last vertex, isolated");
    graph_destroy(&g);
    rc = graph_load_metis(data("good/crlf.graph"), 0, &g);
    TAP_OK(rc == SAMARL_OK && g->n == 3 && g->m == 2 && row_is(g, 1, 2, 0, 2),
           "metis: CRLF line ends accepted [%s]", rc ? samarl_errmsg() : "");
    graph_destroy(&g);

    /* Edge weights travel with their neighbours when rows are sorted. */
    const char *ew[] = {"good/ewgt1.graph", "good/ewgt001.graph"};
    for (int k = 0; k < 2; k++) {
        rc = graph_load_metis(data(ew[k]), 0, &g);
        TAP_OK(rc == SAMARL_OK && g->n == 3 && g->m == 3 && g->ncon == 0 && !g->vwgt &&
                   row_is(g, 0, 2, 1, 2) && wrow_is(g, 0, 2, 5, 7) && wrow_is(g, 1, 2, 5, 2) &&
                   wrow_is(g, 2, 2, 7, 2),
               "metis fmt %s: edge weights sorted with their rows [%s]", k ? "001" : "1",
               rc ? samarl_errmsg() : "");
        graph_destroy(&g);
    }
    rc = graph_load_metis(data("good/vwgt10.graph"), 0, &g);
    TAP_OK(rc == SAMARL_OK && g->ncon == 1 && vwgt_is(g, (int[]){4, 6, 8}) && !g->adjwgt &&
               row_is(g, 1, 2, 0, 2),
           "metis fmt 10: one vertex weight each [%s]", rc ? samarl_errmsg() : "");
    graph_destroy(&g);
    rc = graph_load_metis(data("good/vwgt010.graph"), 0, &g);
    TAP_OK(rc == SAMARL_OK && g->ncon == 2 && vwgt_is(g, (int[]){4, 1, 6, 2, 8, 3}) && !g->adjwgt &&
               g->m == 2,
           "metis fmt 010 with ncon 2: two weights per vertex [%s]", rc ? samarl_errmsg() : "");
    graph_destroy(&g);
    rc = graph_load_metis(data("good/vsize100.graph"), 0, &g);
    TAP_OK(rc == SAMARL_OK && g->ncon == 0 && !g->vwgt && !g->adjwgt && g->m == 2 &&
               row_is(g, 1, 2, 0, 2),
           "metis fmt 100: vertex sizes read and skipped [%s]", rc ? samarl_errmsg() : "");
    graph_destroy(&g);
    rc = graph_load_metis(data("good/both11.graph"), 0, &g);
    TAP_OK(rc == SAMARL_OK && g->ncon == 1 && vwgt_is(g, (int[]){4, 6, 8}) &&
               wrow_is(g, 1, 2, 5, 7) && wrow_is(g, 2, 1, 7),
           "metis fmt 11: vertex and edge weights [%s]", rc ? samarl_errmsg() : "");
    graph_destroy(&g);
    rc = graph_load_metis(data("good/all111.graph"), 0, &g);
    TAP_OK(rc == SAMARL_OK && g->ncon == 2 && vwgt_is(g, (int[]){4, 1, 6, 2, 8, 3}) &&
               wrow_is(g, 1, 2, 5, 7) && row_is(g, 1, 2, 0, 2),
           "metis fmt 111 with ncon 2: sizes, two weights, edge weights [%s]",
           rc ? samarl_errmsg() : "");
    graph_destroy(&g);
}

static void metis_errors(void)
{
    metis_bad("bad/selfloop.graph", 0, "selfloop.graph:4:", "vertex 2 lists itself", "self-loop",
              "self-loop");
    metis_bad("bad/dupnbr.graph", 0, "dupnbr.graph:3:", "lists neighbour 1 twice", "duplicate",
              "duplicate neighbour");
    metis_bad("bad/asym.graph", 0, "asym.graph:2:", "vertex 3 (line 4) does not list 1",
              "asymmetric", "asymmetric edge names both lines");
    metis_bad("bad/range0.graph", 0, "range0.graph:3:", "neighbour 0, outside 1..3", NULL,
              "neighbour id 0");
    metis_bad("bad/range_n1.graph", 0, "range_n1.graph:4:", "neighbour 4, outside 1..3", NULL,
              "neighbour id n+1");
    metis_bad("bad/m_mismatch.graph", 0, "m_mismatch.graph:2:", "announces 3 edges", "hold 2",
              "header m does not match the lines");
    metis_bad("bad/few_lines.graph", 0, "few_lines.graph:1:", "announces 4 vertices",
              "3 vertex lines", "fewer vertex lines than n");
    metis_bad("bad/many_lines.graph", 0, "many_lines.graph:4:", "more vertex lines", "2",
              "more vertex lines than n");
    metis_bad("bad/n0.graph", 0, "n0.graph:1:", "empty graph", "n = 0", "n = 0");
    metis_bad("bad/nonint.graph", 0, "nonint.graph:3:", "'3.5' is not an integer", "vertex 2",
              "non-integer neighbour");
    metis_bad("bad/nonint_word.graph", 0, "nonint_word.graph:3:", "'x3' is not an integer", NULL,
              "word for a neighbour");
    metis_bad("bad/fmt_digit.graph", 0, "fmt_digit.graph:1:", "fmt '012'", "0/1 digits",
              "fmt with a digit other than 0/1");
    metis_bad("bad/fmt_long.graph", 0, "fmt_long.graph:1:", "fmt '1011'", "three", "fmt too long");
    metis_bad("bad/neg_n.graph", 0, "neg_n.graph:1:", "negative counts", "n = -3", "negative n");
    metis_bad("bad/neg_m.graph", 0, "neg_m.graph:1:", "negative counts", "m = -2", "negative m");
    metis_bad("bad/empty.graph", 0, "empty.graph", "no header line", "empty file", "empty file");
    metis_bad("bad/comments_only.graph", 0, "comments_only.graph", "no header line", NULL,
              "comments only");
    metis_bad("bad/ewgt_mismatch.graph", 0,
              "ewgt_mismatch.graph:2:", "edge 1-2 has weight 5 here but 6 on line 3", NULL,
              "edge weights differ at the ends");
    metis_bad("bad/ewgt_missing.graph", 0, "ewgt_missing.graph:2:", "expected an edge weight",
              "got 'end of line'", "edge weight missing");
    metis_bad("bad/ewgt_zero.graph", 0, "ewgt_zero.graph:2:", "integer >= 1", "got '0'",
              "edge weight 0");
    metis_bad("bad/vwgt_missing.graph", 0, "vwgt_missing.graph:3:", "vertex 2: expected weight 1",
              "got 'end of line'", "vertex weight missing");
    metis_bad("bad/vwgt_negative.graph", 0, "vwgt_negative.graph:2:", "expected weight 1 of 1",
              "got '-4'", "negative vertex weight");
    metis_bad("bad/ncon_nofmt.graph", 0, "ncon_nofmt.graph:1:", "ncon = 2", "has no vertex weights",
              "ncon without vertex weights");
    metis_bad("bad/ncon_range.graph", 0, "ncon_range.graph:1:", "ncon = 65 outside 1..64", NULL,
              "ncon out of range");
    metis_bad("bad/header_short.graph", 0, "header_short.graph:2:", "bad header",
              "'n m [fmt [ncon]]'", "one-field header");
    metis_bad("bad/header_long.graph", 0, "header_long.graph:1:", "bad header", "5 fields",
              "five-field header");
    metis_bad("bad/header_word.graph", 0, "header_word.graph:1:", "'two'", "integers",
              "word in the header");
    /* A lying header must give a message, not an allocation failure. */
    metis_bad("bad/huge_m.graph", 0, "huge_m.graph:1:", "99999999999999 edges", "at most 3",
              "header m more than n(n-1)/2");
    metis_bad("bad/huge_n.graph", 0, "huge_n.graph:1:", "announces 2000000000 vertices",
              "2 vertex lines", "header n far beyond the file");
    /* Found by fuzzing: the rest of a line after a NUL byte went unread. */
    metis_bad("bad/nul.graph", 0, "nul.graph:4:", "a NUL byte", "text file",
              "a NUL byte (it hid a neighbour)");
    metis_bad("good/comments.graph", 6, "comments.graph:3:", "has 5 vertices", "graph.agents = 6",
              "n_expected mismatch");
    metis_bad("bad/no-such-file.graph", 0, "cannot open graph file", "no-such-file.graph",
              "No such file", "missing file");
}

/* The real transmission grids, read in place; skipped without ../shared. */
static void metis_real_grids(void)
{
    static const struct {
        const char *name;
        gidx_t n, m;
    } grids[] = {{"case118", 118, 179},
                 {"case300", 300, 409},
                 {"case2383wp", 2383, 2886},
                 {"case_ACTIVSg2000", 2000, 2667}};
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/data/grids", tap_shared());
    char path[1200];
    snprintf(path, sizeof path, "%s/case118.graph", dir);
    FILE *probe = fopen(path, "r");
    int have = probe != NULL;
    if (probe) fclose(probe);
    for (int k = 0; k < 4; k++) {
        if (!have) {
            TAP_OK(1, "real grid %s # SKIP %s not found", grids[k].name, dir);
            continue;
        }
        graph_t *g = NULL;
        snprintf(path, sizeof path, "%s/%s.graph", dir, grids[k].name);
        int rc = graph_load_metis(path, grids[k].n, &g);
        gidx_t big = 0;
        TAP_OK(rc == SAMARL_OK && g->n == grids[k].n && g->m == grids[k].m &&
                   graph_validate(g, grids[k].name) == SAMARL_OK && graph_components(g, &big) == 1,
               "real grid %s: n = %" PRIdG ", m = %" PRIdG ", valid and connected [%s]",
               grids[k].name, grids[k].n, grids[k].m, rc ? samarl_errmsg() : "");
        graph_destroy(&g);
    }
}

/* ---- edge lists ------------------------------------------------------------- */

static void edgelist_good(void)
{
    graph_t *g = NULL;
    int rc = graph_load_edgelist(data("good/weighted.edges"), 0, &g);
    TAP_OK(rc == SAMARL_OK && g->n == 4 && g->m == 4 && graph_validate(g, "w") == SAMARL_OK &&
               strcmp(g->name, "weighted.edges") == 0,
           "edgelist: '#' and '%%' comments, blank lines, tabs; n = largest id + 1 [%s]",
           rc ? samarl_errmsg() : "");
    if (rc == SAMARL_OK)
        TAP_OK(row_is(g, 2, 3, 0, 1, 3) && wrow_is(g, 2, 3, 5, 4, 1) && wrow_is(g, 0, 2, 3, 5) &&
                   wrow_is(g, 3, 1, 1),
               "edgelist: weights land at both ends of their edge");
    graph_destroy(&g);

    rc = graph_load_edgelist(data("good/plain.edges"), 0, &g);
    TAP_OK(rc == SAMARL_OK && g->n == 5 && g->m == 3 && !g->adjwgt && row_is(g, 3, 0) &&
               row_is(g, 2, 2, 1, 4),
           "edgelist: without weights; an id in no edge is an isolated vertex");
    graph_destroy(&g);
    rc = graph_load_edgelist(data("good/plain.edges"), 8, &g);
    TAP_OK(rc == SAMARL_OK && g->n == 8 && g->m == 3 && row_is(g, 7, 0),
           "edgelist: n_expected sets n beyond the largest id");
    graph_destroy(&g);
}

static void edgelist_errors(void)
{
    edges_bad("bad/selfloop.edges", 0, "selfloop.edges:3:", "self-loop 2-2", NULL, "self-loop");
    edges_bad("bad/dup_rev.edges", 0, "dup_rev.edges:4:", "duplicate edge 1-2", "also on line 2",
              "duplicate edge written the other way round");
    edges_bad("bad/dup_same.edges", 0, "dup_same.edges:2:", "duplicate edge 0-1", "also on line 1",
              "duplicate edge written the same way");
    edges_bad("bad/range.edges", 5, "range.edges:2:", "vertex id 5 is out of range", "allows 0..4",
              "id out of range for n_expected");
    edges_bad("bad/id32.edges", 0, "id32.edges:2:", "vertex id 3000000000", "32-bit",
              "id beyond 32 bits");
    edges_bad("bad/huge_id.edges", 0, "huge_id.edges:4:", "N = 2000000001 agents",
              "set graph.agents", "an id far beyond the edges fails before allocating for it");
    edges_bad("bad/negative.edges", 0, "negative.edges:2:", "negative vertex id", "0-based",
              "negative id");
    edges_bad("bad/nonint.edges", 0, "nonint.edges:2:", "'x'", "expected 'u v'",
              "non-integer second id");
    edges_bad("bad/nonint_first.edges", 0, "nonint_first.edges:2:", "'foo'", "expected 'u v'",
              "non-integer first id");
    edges_bad("bad/one_column.edges", 0, "one_column.edges:2:", "expected 'u v'", "'7'",
              "one column");
    edges_bad("bad/nonint_weight.edges", 0,
              "nonint_weight.edges:2:", "'w' is not an integer weight", NULL, "non-integer weight");
    edges_bad("bad/mixed_nw.edges", 0, "mixed_nw.edges:2:", "has no weight column",
              "but line 1 has one", "weights, then a line without");
    edges_bad("bad/mixed_wn.edges", 0, "mixed_wn.edges:2:", "has a weight column",
              "but line 1 has none", "no weights, then a line with one");
    edges_bad("bad/columns.edges", 0, "columns.edges:2:", "too many columns", NULL, "four columns");
    edges_bad("bad/weight_zero.edges", 0, "weight_zero.edges:1:", "edge weight 0", ">= 1",
              "weight 0");
    edges_bad("bad/empty.edges", 0, "empty.edges", "empty graph", "no edges", "empty file");
    edges_bad("bad/comments_only.edges", 0, "comments_only.edges", "no edges", NULL,
              "comments only");
    /* Found by fuzzing: the rest of a line after a NUL byte went unread. */
    edges_bad("bad/nul.edges", 0, "nul.edges:2:", "a NUL byte", "text file",
              "a NUL byte (it hid a weight)");
    edges_bad("bad/no-such-file.edges", 0, "cannot open edge list", "no-such-file.edges", NULL,
              "missing file");
}

/* ---- graph_validate, components, connectivity policy ------------------------- */

/* A triangle 0-1-2 plus vertex 3 joined to 2: edges 01 02 12 23. */
static gidx_t good_xadj[] = {0, 2, 4, 7, 8};
static gidx_t good_adj[] = {1, 2, 0, 2, 0, 1, 3, 2};

static void validate_case(const gidx_t *xadj, const gidx_t *adj, gidx_t n, gidx_t m, const char *p1,
                          const char *p2, const char *what)
{
    /* Every hand-made adjacency here has 8 entries, like good_adj. */
    gidx_t x[16], a[8];
    memcpy(x, xadj, sizeof(gidx_t) * (size_t)(n + 1));
    memcpy(a, adj, sizeof a);
    graph_t g = {.n = n, .m = m, .xadj = x, .adj = a};
    samarl_clearerr();
    int rc = graph_validate(&g, "hand-made");
    TAP_OK(failed_with(rc, "hand-made: ", p1, p2), "validate refuses %s [%s]", what,
           samarl_errmsg());
}

static void validate_tests(void)
{
    graph_t g = {.n = 4, .m = 4, .xadj = good_xadj, .adj = good_adj};
    TAP_OK(graph_validate(&g, "ok") == SAMARL_OK, "validate accepts a simple graph");
    gidx_t big = 0;
    TAP_OK(graph_components(&g, &big) == 1 && big == 4, "one component of 4");

    gidx_t zx[1] = {0};
    graph_t empty = {.n = 0, .m = 0, .xadj = zx, .adj = good_adj};
    samarl_clearerr();
    TAP_OK(failed_with(graph_validate(&empty, "hand-made"), "hand-made: ", "empty graph", NULL),
           "validate refuses n = 0 [%s]", samarl_errmsg());

    validate_case(good_xadj, good_adj, 4, 5, "holds 8 entries", "2m = 10", "m not matching xadj");
    validate_case((gidx_t[]){0, 2, 1, 7, 8}, good_adj, 4, 4, "row offsets decrease at vertex 1",
                  NULL, "decreasing offsets");
    /* xadj[1] beyond 2m: must be caught before any row is read. */
    validate_case((gidx_t[]){0, 12, 4, 7, 8}, good_adj, 4, 4, "row offsets decrease",
                  "xadj[1] = 12", "an offset beyond the adjacency");
    validate_case((gidx_t[]){1, 2, 4, 7, 8}, good_adj, 4, 4, "xadj[0] = 1", NULL, "xadj[0] not 0");
    validate_case(good_xadj, (gidx_t[]){1, 2, 0, 2, 0, 1, 4, 2}, 4, 4,
                  "vertex 2 has neighbour 4 outside 0..3", NULL, "neighbour id n");
    validate_case(good_xadj, (gidx_t[]){1, 2, 0, 2, 0, 1, -1, 2}, 4, 4,
                  "vertex 2 has neighbour -1 outside 0..3", NULL, "negative neighbour id");
    validate_case(good_xadj, (gidx_t[]){1, 2, 0, 1, 0, 1, 3, 2}, 4, 4, "self-loop at vertex 1",
                  NULL, "self-loop");
    validate_case(good_xadj, (gidx_t[]){1, 1, 0, 2, 0, 1, 3, 2}, 4, 4, "duplicate edge 0-1", NULL,
                  "duplicate neighbour");
    validate_case(good_xadj, (gidx_t[]){2, 1, 0, 2, 0, 1, 3, 2}, 4, 4,
                  "neighbours of vertex 0 are not sorted", NULL, "unsorted row");
    /* 0 lists 3 instead of 2: then 0-3 is one-way. */
    validate_case(good_xadj, (gidx_t[]){1, 3, 0, 2, 0, 1, 3, 2}, 4, 4,
                  "asymmetric edge: 0 lists 3 but 3 does not list 0", NULL, "one-way edge");

    /* Components and the connectivity policy on a file with two. */
    graph_t *h = NULL;
    int rc = graph_load_metis(data("good/twocomp.graph"), 0, &h);
    big = 0;
    TAP_OK(rc == SAMARL_OK && graph_components(h, &big) == 2 && big == 3,
           "components of triangle + edge: 2, the largest 3");
    graph_destroy(&h);

    config_t cfg;
    char path_set[600];
    snprintf(path_set, sizeof path_set, "graph.path=%s", data("good/twocomp.graph"));
    char *sets[] = {"graph.type=file", path_set, "graph.allow_disconnected=false"};
    rc = config_parse(&cfg, NULL, NULL, sets, 3);
    samarl_clearerr();
    int rb = rc == SAMARL_OK ? graph_build(&cfg, &h, NULL) : SAMARL_ERR;
    TAP_OK(rc == SAMARL_OK &&
               failed_with(rb, "twocomp.graph is disconnected", "2 connected components",
                           "allow_disconnected") &&
               h == NULL,
           "graph_build refuses a disconnected file, counting components [%s]", samarl_errmsg());
    config_free(&cfg);
    sets[2] = "graph.allow_disconnected=true";
    rc = config_parse(&cfg, NULL, NULL, sets, 3);
    rb = rc == SAMARL_OK ? graph_build(&cfg, &h, NULL) : SAMARL_ERR;
    TAP_OK(rb == SAMARL_OK && h->n == 5 && h->m == 4,
           "graph_build accepts it with graph.allow_disconnected = true");
    graph_destroy(&h);
    config_free(&cfg);

    /* graph.agents, when set, must match a file graph. */
    char *sets2[] = {"graph.type=file", path_set, "graph.allow_disconnected=true",
                     "graph.agents=7"};
    rc = config_parse(&cfg, NULL, NULL, sets2, 4);
    samarl_clearerr();
    rb = rc == SAMARL_OK ? graph_build(&cfg, &h, NULL) : SAMARL_ERR;
    TAP_OK(failed_with(rb, "twocomp.graph:2:", "has 5 vertices", "graph.agents = 7"),
           "graph_build passes graph.agents to the loader [%s]", samarl_errmsg());
    config_free(&cfg);

    /* An edge list through graph_build, with a structural error. */
    char epath[600];
    snprintf(epath, sizeof epath, "graph.path=%s", data("good/weighted.edges"));
    char *sets3[] = {"graph.type=file", epath, "graph.format=edgelist"};
    rc = config_parse(&cfg, NULL, NULL, sets3, 3);
    rb = rc == SAMARL_OK ? graph_build(&cfg, &h, NULL) : SAMARL_ERR;
    TAP_OK(rb == SAMARL_OK && h->n == 4 && h->m == 4, "graph_build reads graph.format = edgelist");
    graph_destroy(&h);
    config_free(&cfg);
    snprintf(epath, sizeof epath, "graph.path=%s", data("bad/dup_rev.edges"));
    rc = config_parse(&cfg, NULL, NULL, sets3, 3);
    samarl_clearerr();
    rb = rc == SAMARL_OK ? graph_build(&cfg, &h, NULL) : SAMARL_ERR;
    TAP_OK(failed_with(rb, "dup_rev.edges:4:", "duplicate edge", NULL) && h == NULL,
           "graph_build reports the loader's message [%s]", samarl_errmsg());
    config_free(&cfg);
}

/* ---- nodes CSV ---------------------------------------------------------------- */

static void nodes_tests(void)
{
    nodes_t *nd = NULL;
    char path[1024];
    snprintf(path, sizeof path, "%s/data/grids/case118.nodes.csv", tap_shared());
    FILE *f = fopen(path, "r");
    if (!f) {
        TAP_OK(1, "nodes: real case118.nodes.csv # SKIP %s not found", path);
    } else {
        fclose(f);
        int rc = nodes_load(path, 118, &nd);
        const double *pd = rc == SAMARL_OK ? nodes_column(nd, "pd_mw") : NULL;
        const double *bus = rc == SAMARL_OK ? nodes_column(nd, "bus") : NULL;
        const double *id = rc == SAMARL_OK ? nodes_column(nd, "id") : NULL;
        TAP_OK(rc == SAMARL_OK && nd->n == 118 && nd->ncols == 5 && pd && bus && id &&
                   pd[0] == 51.0 && bus[0] == 1.0 && bus[117] == 118.0 && pd[117] == 33.0 &&
                   id[117] == 117.0 && !nodes_column(nd, "nope"),
               "nodes: real case118 (118 rows, pd_mw[0] = 51, bus[117] = 118) [%s]",
               rc ? samarl_errmsg() : "");
        nodes_destroy(&nd);
    }

    int rc = nodes_load(data("good/nodes.csv"), 3, &nd);
    const double *pd = rc == SAMARL_OK ? nodes_column(nd, "pd_mw") : NULL;
    const double *bus = rc == SAMARL_OK ? nodes_column(nd, "bus") : NULL;
    TAP_OK(rc == SAMARL_OK && nd->n == 3 && nd->ncols == 3 && pd && bus && pd[0] == -20.0 &&
               pd[1] == 7.0 && pd[2] == 1.5 && bus[0] == 10.0 && bus[2] == 30.0,
           "nodes: rows placed at their id; blanks, comment rows and padded cells accepted [%s]",
           rc ? samarl_errmsg() : "");
    nodes_destroy(&nd);
    rc = nodes_load(data("good/nodes_crlf.csv"), 0, &nd);
    pd = rc == SAMARL_OK ? nodes_column(nd, "pd_mw") : NULL;
    TAP_OK(rc == SAMARL_OK && nd->n == 2 && pd && pd[0] == 4.5 && pd[1] == 3.25,
           "nodes: CRLF, 'id' not first, n_expected 0 takes the row count [%s]",
           rc ? samarl_errmsg() : "");
    nodes_destroy(&nd);

    nodes_bad("bad/nodes_norow.csv", 4, "nodes_norow.csv: 3 agent rows", "the graph has 4 agents",
              NULL, "row count not matching the graph");
    nodes_bad("good/nodes.csv", 2, "nodes.csv: 3 agent rows", "the graph has 2 agents", NULL,
              "more rows than agents");
    nodes_bad("bad/nodes_noid.csv", 0, "nodes_noid.csv:1:", "no 'id' column", NULL,
              "missing id column");
    nodes_bad("bad/nodes_dupid.csv", 3, "nodes_dupid.csv:4:", "id 0 appears twice",
              "first on line 2", "duplicate id");
    nodes_bad("bad/nodes_idrange.csv", 2, "nodes_idrange.csv:3:", "id 3", "0..1",
              "id out of range");
    nodes_bad("bad/nodes_idfrac.csv", 2, "nodes_idfrac.csv:2:", "id 0.5 is not an integer", NULL,
              "fractional id");
    nodes_bad("bad/nodes_nonnum.csv", 2, "nodes_nonnum.csv:3:", "column 'pd_mw'",
              "'abc' is not a finite number", "non-numeric cell");
    nodes_bad("bad/nodes_nan.csv", 2, "nodes_nan.csv:2:", "column 'pd_mw'", "'nan'", "NaN cell");
    nodes_bad("bad/nodes_emptycell.csv", 2, "nodes_emptycell.csv:2:", "column 'pd_mw'", "'' is not",
              "empty cell");
    nodes_bad("bad/nodes_ragged.csv", 2, "nodes_ragged.csv:3:", "2 fields, expected 3",
              "header (line 1)", "short row");
    nodes_bad("bad/nodes_long.csv", 2, "nodes_long.csv:3:", "3 fields, expected 2",
              "header (line 1)", "long row");
    nodes_bad("bad/nodes_empty.csv", 0, "nodes_empty.csv: empty file", "header row", NULL,
              "empty file");
    nodes_bad("bad/nodes_headeronly.csv", 0, "nodes_headeronly.csv", "no data rows", NULL,
              "header only");
    nodes_bad("bad/nodes_dupcol.csv", 0, "nodes_dupcol.csv:1:", "column 'x' appears twice", NULL,
              "duplicate column name");
    nodes_bad("bad/nodes_emptycol.csv", 0, "nodes_emptycol.csv:1:", "column 2 has an empty name",
              NULL, "empty column name");
    nodes_bad("bad/nodes_nul.csv", 0, "nodes_nul.csv:1003:", "a NUL byte", "text file",
              "a NUL byte (it hid a cell)");
    nodes_bad("bad/no-such-file.csv", 0, "cannot open nodes file", "no-such-file.csv", NULL,
              "missing file");
}

/* ---- env.profiles CSV ---------------------------------------------------------- */

static void profiles_bad(const char *file, const char *p1, const char *p2, const char *what)
{
    dr_env_t e;
    memset(&e, 0, sizeof e);
    samarl_clearerr();
    int rc = env_load_profiles(data(file), &e);
    TAP_OK(failed_with(rc, file + 4, p1, p2), "profiles %s: %s [%s]", what, file, samarl_errmsg());
    free(e.shape);
    free(e.price);
}

static void profiles_tests(void)
{
    dr_env_t e;
    memset(&e, 0, sizeof e);
    int rc = env_load_profiles(data("good/profiles.csv"), &e);
    TAP_OK(rc == SAMARL_OK && e.n_hours == 24 && e.n_columns == 1 && e.price[16] == 0.54f &&
               e.shape[0] == 0.5f && e.shape[2] == 1.5f,
           "profiles: one day, one building, its load shape of mean 1 [%s]",
           rc ? samarl_errmsg() : "");
    free(e.shape);
    free(e.price);
    /* Found by fuzzing: values that are finite doubles but not finite
     * tables (an infinite float price, a load sum that overflows). */
    profiles_bad("bad/prof_price_huge.csv", "data row 6: price 1e+39 is too large", NULL,
                 "a price beyond float range");
    profiles_bad("bad/prof_load_huge.csv", "column load_b1", "sum overflows",
                 "loads whose sum overflows");
}

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    metis_good();
    metis_errors();
    metis_real_grids();
    edgelist_good();
    edgelist_errors();
    validate_tests();
    nodes_tests();
    profiles_tests();
    int rc = tap_done();
    comm_finalize();
    return rc;
}
