/* Graph loaders: METIS .graph files and edge lists. Every complaint names the
 * file, the line and what was expected. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/error.h"
#include "samarl/graph.h"

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int is_blank(const char *s)
{
    for (; *s; s++)
        if (!isspace((unsigned char)*s)) return 0;
    return 1;
}

/* Next integer token of *p (advancing it): 1 got one, 0 end of line, -1 junk. */
static int next_int(char **p, long long *out)
{
    char *s = *p;
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') s++;
    if (!*s) {
        *p = s;
        return 0;
    }
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (end == s || errno || (*end && !isspace((unsigned char)*end))) {
        *p = s;
        return -1;
    }
    *out = v;
    *p = end;
    return 1;
}

/* The offending token, for messages. */
static const char *token_at(const char *s, char *buf, size_t n)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t i = 0;
    while (s[i] && !isspace((unsigned char)s[i]) && i + 1 < n) {
        buf[i] = s[i];
        i++;
    }
    buf[i] = '\0';
    return buf;
}

/* Sort one row's neighbours (and their weights) by id: insertion sort, rows
 * are short. */
static void sort_row(gidx_t *a, int32_t *w, gidx_t len)
{
    for (gidx_t i = 1; i < len; i++) {
        gidx_t v = a[i];
        int32_t wv = w ? w[i] : 0;
        gidx_t j = i - 1;
        while (j >= 0 && a[j] > v) {
            a[j + 1] = a[j];
            if (w) w[j + 1] = w[j];
            j--;
        }
        a[j + 1] = v;
        if (w) w[j + 1] = wv;
    }
}

/* METIS graph format (METIS 5 manual, section 4.1.1): '%' comment lines, a
 * header "n m [fmt [ncon]]", then one line per vertex listing [size]
 * [ncon weights] and its 1-based neighbours, each followed by an edge weight
 * when fmt says so. An empty line is a vertex without neighbours. */
int graph_load_metis(const char *path, gidx_t n_expected, graph_t **out)
{
    FILE *f = fopen(path, "r");
    if (!f) return samarl_seterr("cannot open graph file '%s': %s", path, strerror(errno));
    char *line = NULL, tok[64];
    size_t cap = 0;
    long lineno = 0, header_line = 0;
    long long n = -1, m = -1, ncon = 0;
    int has_vsize = 0, has_vwgt = 0, has_ewgt = 0;
    graph_t *g = NULL;
    long *vline = NULL; /* line of each vertex, for messages */
    gidx_t nv = 0, vcap = 0, cap_adj = 0, nadj = 0;
    int rc = SAMARL_OK;

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        rc = samarl_seterr(__VA_ARGS__);                                                           \
        goto done;                                                                                 \
    } while (0)

    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (memchr(line, '\0', (size_t)len))
            FAIL("%s:%ld: a NUL byte: is it a text file?", path, lineno);
        if (line[0] == '%') continue;
        char *p = line;
        if (n < 0) { /* header: "n m [fmt [ncon]]" */
            if (is_blank(line)) continue;
            header_line = lineno;
            char *save = NULL, *t[5];
            int nt = 0;
            for (char *s = strtok_r(line, " \t\r\n", &save); s && nt < 5;
                 s = strtok_r(NULL, " \t\r\n", &save))
                t[nt++] = s;
            if (nt < 2 || nt > 4)
                FAIL("%s:%ld: bad header: expected 'n m [fmt [ncon]]', got %d fields", path, lineno,
                     nt);
            long long vals[4] = {0, 0, 0, 0};
            for (int i = 0; i < nt; i++) {
                char *q = t[i];
                if (i == 2) continue; /* fmt is digits, read as written */
                if (next_int(&q, &vals[i]) != 1 || *q)
                    FAIL("%s:%ld: bad header field '%s': expected 'n m [fmt [ncon]]' (integers)",
                         path, lineno, t[i]);
            }
            n = vals[0];
            m = vals[1];
            if (n < 0 || m < 0)
                FAIL("%s:%ld: header has negative counts (n = %lld, m = %lld)", path, lineno, n, m);
            if (n == 0) FAIL("%s:%ld: empty graph: the header says n = 0 vertices", path, lineno);
            if (n > 2147483647LL)
                FAIL("%s:%ld: n = %lld vertices is more than METIS (32-bit) can partition", path,
                     lineno, n);
            const char *fmt = nt >= 3 ? t[2] : "0";
            size_t lf = strlen(fmt);
            if (lf > 3 || strspn(fmt, "01") != lf)
                FAIL("%s:%ld: fmt '%s' must be up to three 0/1 digits (vertex sizes, vertex "
                     "weights, edge weights)",
                     path, lineno, fmt);
            char f3[4] = "000";
            memcpy(f3 + 3 - lf, fmt, lf); // NOLINT(*not-null-terminated-result): f3[3] stays '\0'
            has_vsize = f3[0] == '1';
            has_vwgt = f3[1] == '1';
            has_ewgt = f3[2] == '1';
            ncon = has_vwgt ? 1 : 0;
            if (nt == 4) {
                if (!has_vwgt)
                    FAIL("%s:%ld: ncon = %lld given but fmt '%s' has no vertex weights", path,
                         lineno, vals[3], fmt);
                if (vals[3] < 1 || vals[3] > 64)
                    FAIL("%s:%ld: ncon = %lld outside 1..64", path, lineno, vals[3]);
                ncon = vals[3];
            }
            if (m > n * (n - 1) / 2)
                FAIL("%s:%ld: the header announces %lld edges, but %lld vertices can have at most "
                     "%lld (n(n-1)/2)",
                     path, lineno, m, n, n * (n - 1) / 2);
            if (n_expected > 0 && n != n_expected)
                FAIL("%s:%ld: the graph has %lld vertices but graph.agents = %" PRIdG, path, lineno,
                     n, n_expected);
            /* Arrays grow with the lines actually read: a header that
             * promises more than the file holds gets a message, not an
             * allocation failure. */
            g = XZNEW(graph_t, 1);
            g->n = n;
            vcap = n < 4096 ? n : 4096;
            g->xadj = XZNEW(gidx_t, vcap + 1);
            g->ncon = (int)ncon;
            if (ncon) g->vwgt = XNEW(int32_t, vcap * ncon);
            vline = XNEW(long, vcap);
            cap_adj = (2 * m < (1 << 20) ? 2 * m : (1 << 20)) + 16;
            g->adj = XNEW(gidx_t, cap_adj);
            if (has_ewgt) g->adjwgt = XNEW(int32_t, cap_adj);
            continue;
        }
        /* a vertex line */
        if (nv == n) {
            if (is_blank(line)) continue; /* trailing blank lines */
            FAIL("%s:%ld: more vertex lines than the %lld the header announces (line %ld)", path,
                 lineno, n, header_line);
        }
        if (nv == vcap) {
            vcap = 2 * vcap < n ? 2 * vcap : n;
            g->xadj = xrealloc(g->xadj, sizeof(gidx_t) * (size_t)(vcap + 1));
            vline = xrealloc(vline, sizeof(long) * (size_t)vcap);
            if (ncon) g->vwgt = xrealloc(g->vwgt, sizeof(int32_t) * (size_t)(vcap * ncon));
        }
        vline[nv] = lineno;
        long long val;
        int r;
        char *at; /* start of the token being read, for messages */
        if (has_vsize) {
            at = p;
            r = next_int(&p, &val);
            if (r != 1 || val < 0)
                FAIL("%s:%ld: vertex %" PRIdG ": expected its size (an integer >= 0), got '%s'",
                     path, lineno, nv + 1, r == 0 ? "end of line" : token_at(at, tok, sizeof tok));
        }
        for (long long c = 0; c < ncon; c++) {
            at = p;
            r = next_int(&p, &val);
            if (r != 1 || val < 0 || val > 2147483647LL)
                FAIL("%s:%ld: vertex %" PRIdG ": expected weight %lld of %lld (an integer >= 0), "
                     "got '%s'",
                     path, lineno, nv + 1, c + 1, ncon,
                     r == 0 ? "end of line" : token_at(at, tok, sizeof tok));
            g->vwgt[nv * ncon + c] = (int32_t)val;
        }
        while ((r = next_int(&p, &val)) == 1) {
            if (val < 1 || val > n)
                FAIL("%s:%ld: vertex %" PRIdG " lists neighbour %lld, outside 1..%lld", path,
                     lineno, nv + 1, val, n);
            if (val == nv + 1)
                FAIL("%s:%ld: vertex %" PRIdG " lists itself (self-loop)", path, lineno, nv + 1);
            if (nadj == cap_adj) {
                cap_adj *= 2;
                g->adj = xrealloc(g->adj, sizeof(gidx_t) * (size_t)cap_adj);
                if (has_ewgt) g->adjwgt = xrealloc(g->adjwgt, sizeof(int32_t) * (size_t)cap_adj);
            }
            g->adj[nadj] = val - 1;
            if (has_ewgt) {
                long long w;
                at = p;
                int rw = next_int(&p, &w);
                if (rw != 1 || w < 1 || w > 2147483647LL)
                    FAIL("%s:%ld: vertex %" PRIdG ": expected an edge weight (integer >= 1) after "
                         "neighbour %lld, got '%s'",
                         path, lineno, nv + 1, val,
                         rw == 0 ? "end of line" : token_at(at, tok, sizeof tok));
                g->adjwgt[nadj] = (int32_t)w;
            }
            nadj++;
        }
        if (r == -1)
            FAIL("%s:%ld: vertex %" PRIdG ": '%s' is not an integer", path, lineno, nv + 1,
                 token_at(p, tok, sizeof tok));
        g->xadj[++nv] = nadj;
    }
    if (n < 0) FAIL("%s: no header line 'n m [fmt [ncon]]' (empty file?)", path);
    if (nv < n)
        FAIL("%s:%ld: the header announces %lld vertices but the file has %" PRIdG " vertex lines",
             path, header_line, n, nv);

    /* Rows sorted, then duplicates, then symmetry, then the edge count. */
    for (gidx_t u = 0; u < n; u++) {
        gidx_t *a = g->adj + g->xadj[u], len = g->xadj[u + 1] - g->xadj[u];
        sort_row(a, g->adjwgt ? g->adjwgt + g->xadj[u] : NULL, len);
        for (gidx_t i = 1; i < len; i++)
            if (a[i] == a[i - 1])
                FAIL("%s:%ld: vertex %" PRIdG " lists neighbour %" PRIdG " twice (duplicate edge)",
                     path, vline[u], u + 1, a[i] + 1);
    }
    for (gidx_t u = 0; u < n; u++)
        for (gidx_t e = g->xadj[u]; e < g->xadj[u + 1]; e++) {
            gidx_t v = g->adj[e];
            gidx_t at = graph_find(g->adj + g->xadj[v], g->xadj[v + 1] - g->xadj[v], u);
            if (at < 0)
                FAIL("%s:%ld: vertex %" PRIdG " lists neighbour %" PRIdG ", but vertex %" PRIdG
                     " (line %ld) does not list %" PRIdG
                     " (asymmetric edge: both ends must list each other)",
                     path, vline[u], u + 1, v + 1, v + 1, vline[v], u + 1);
            if (g->adjwgt && g->adjwgt[e] != g->adjwgt[g->xadj[v] + at])
                FAIL("%s:%ld: edge %" PRIdG "-%" PRIdG " has weight %d here but %d on line %ld",
                     path, vline[u], u + 1, v + 1, g->adjwgt[e], g->adjwgt[g->xadj[v] + at],
                     vline[v]);
        }
    if (nadj != 2 * m)
        FAIL("%s:%ld: the header announces %lld edges but the vertex lines hold %" PRIdG, path,
             header_line, m, nadj / 2);
    g->m = m;
    snprintf(g->name, sizeof g->name, "%s", base_name(path));

done:
#undef FAIL
    free(line);
    free(vline);
    fclose(f);
    if (rc != SAMARL_OK) {
        graph_destroy(&g);
        return rc;
    }
    *out = g;
    return SAMARL_OK;
}

/* Edge list: "u v" or "u v w" per line, 0-based ids, each undirected edge
 * once; '#' and '%' start comment lines. */
int graph_load_edgelist(const char *path, gidx_t n_expected, graph_t **out)
{
    FILE *f = fopen(path, "r");
    if (!f) return samarl_seterr("cannot open edge list '%s': %s", path, strerror(errno));
    char *line = NULL, tok[64];
    size_t cap = 0;
    long lineno = 0, nmax_line = 0;
    gidx_t m = 0, mcap = 1024, nmax = -1;
    gidx_t *uv = XNEW(gidx_t, 2 * mcap);
    long *eline = XNEW(long, mcap);
    int32_t *w = NULL;
    int weighted = -1; /* unknown until the first edge */
    int rc = SAMARL_OK;
    graph_t *g = NULL;

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        rc = samarl_seterr(__VA_ARGS__);                                                           \
        goto done;                                                                                 \
    } while (0)

    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (memchr(line, '\0', (size_t)len))
            FAIL("%s:%ld: a NUL byte: is it a text file?", path, lineno);
        char *p = line;
        while (*p == ' ' || *p == '\t') p++;
        if (*p == '#' || *p == '%' || is_blank(p)) continue;
        long long a, b, c;
        /* On junk next_int leaves p at the token, so the message can quote it. */
        if (next_int(&p, &a) != 1)
            FAIL("%s:%ld: expected 'u v' or 'u v weight' (0-based integer ids), got '%s'", path,
                 lineno, token_at(p, tok, sizeof tok));
        int rb = next_int(&p, &b);
        if (rb == 0)
            FAIL("%s:%ld: only one column ('%lld'): expected 'u v' or 'u v weight'", path, lineno,
                 a);
        if (rb == -1)
            FAIL("%s:%ld: expected 'u v' or 'u v weight' (0-based integer ids), got '%s' for v",
                 path, lineno, token_at(p, tok, sizeof tok));
        int rcw = next_int(&p, &c);
        if (rcw == -1)
            FAIL("%s:%ld: '%s' is not an integer weight", path, lineno,
                 token_at(p, tok, sizeof tok));
        if (rcw == 1 && next_int(&p, &c) != 0)
            FAIL("%s:%ld: too many columns: expected 'u v' or 'u v weight'", path, lineno);
        int has_w = rcw == 1;
        if (weighted < 0) weighted = has_w;
        if (weighted != has_w)
            FAIL("%s:%ld: %s weight column, but line %ld %s; give every edge a weight or none",
                 path, lineno, has_w ? "has a" : "has no", eline[0],
                 weighted ? "has one" : "has none");
        if (has_w && (c < 1 || c > 2147483647LL))
            FAIL("%s:%ld: edge weight %lld must be an integer >= 1", path, lineno, c);
        if (a < 0 || b < 0)
            FAIL("%s:%ld: negative vertex id in '%lld %lld' (ids are 0-based)", path, lineno, a, b);
        if (n_expected > 0 && (a >= n_expected || b >= n_expected))
            FAIL("%s:%ld: vertex id %lld is out of range: graph.agents = %" PRIdG
                 " allows 0..%" PRIdG,
                 path, lineno, a >= n_expected ? a : b, n_expected, n_expected - 1);
        if (a > 2147483646LL || b > 2147483646LL)
            FAIL("%s:%ld: vertex id %lld is beyond what METIS (32-bit) can partition", path, lineno,
                 a > b ? a : b);
        if (a == b) FAIL("%s:%ld: self-loop %lld-%lld", path, lineno, a, b);
        if (m == mcap) {
            mcap *= 2;
            uv = xrealloc(uv, sizeof(gidx_t) * 2 * (size_t)mcap);
            eline = xrealloc(eline, sizeof(long) * (size_t)mcap);
            if (w) w = xrealloc(w, sizeof(int32_t) * (size_t)mcap);
        }
        if (has_w && !w) w = XNEW(int32_t, mcap);
        uv[2 * m] = a < b ? a : b;
        uv[2 * m + 1] = a < b ? b : a;
        eline[m] = lineno;
        if (has_w) w[m] = (int32_t)c;
        if (a > nmax || b > nmax) nmax_line = lineno;
        if (a > nmax) nmax = a;
        if (b > nmax) nmax = b;
        m++;
    }
    gidx_t n = n_expected > 0 ? n_expected : nmax + 1;
    if (n < 1 || (m == 0 && n_expected <= 0)) FAIL("%s: empty graph: no edges found", path);
    /* N is the largest id + 1: one stray id must not make the loader
     * allocate for billions of agents that no edge reaches. */
    if (n_expected <= 0 && n > 2 * m)
        FAIL("%s:%ld: vertex id %" PRIdG " makes N = %" PRIdG " agents, but %" PRIdG
             " edges reach at most %" PRIdG " of them: ids must number the agents 0..N-1 "
             "(renumber them, or set graph.agents = N for agents without edges)",
             path, nmax_line, nmax, n, m, 2 * m);

    rc = graph_from_edges(n, m, uv, &g);
    if (rc != SAMARL_OK) goto done;
    /* Duplicates: find the two lines that give the same edge. */
    for (gidx_t u = 0; u < n; u++)
        for (gidx_t e = g->xadj[u] + 1; e < g->xadj[u + 1]; e++)
            if (g->adj[e] == g->adj[e - 1]) {
                gidx_t v = g->adj[e], a = u < v ? u : v, b = u < v ? v : u;
                long l1 = 0, l2 = 0;
                for (gidx_t i = 0; i < m; i++)
                    if (uv[2 * i] == a && uv[2 * i + 1] == b) {
                        if (!l1)
                            l1 = eline[i];
                        else if (!l2)
                            l2 = eline[i];
                    }
                FAIL("%s:%ld: duplicate edge %" PRIdG "-%" PRIdG
                     " (also on line %ld; list each undirected edge once)",
                     path, l2, a, b, l1);
            }
    if (w) { /* weights in CSR order: match each row entry to its edge */
        g->adjwgt = XNEW(int32_t, 2 * m);
        /* Rows are sorted; each edge (a,b) sits at find_in_row in both rows. */
        for (gidx_t i = 0; i < m; i++) {
            gidx_t a = uv[2 * i], b = uv[2 * i + 1];
            g->adjwgt[g->xadj[a] +
                      graph_find(g->adj + g->xadj[a], g->xadj[a + 1] - g->xadj[a], b)] = w[i];
            g->adjwgt[g->xadj[b] +
                      graph_find(g->adj + g->xadj[b], g->xadj[b + 1] - g->xadj[b], a)] = w[i];
        }
    }
    snprintf(g->name, sizeof g->name, "%s", base_name(path));

done:
#undef FAIL
    free(line);
    free(uv);
    free(eline);
    free(w);
    fclose(f);
    if (rc != SAMARL_OK) {
        graph_destroy(&g);
        return rc;
    }
    *out = g;
    return SAMARL_OK;
}
