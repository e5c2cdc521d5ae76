/* Computing a partition (METIS k-way or contiguous blocks) and its
 * statistics. The only file that calls METIS. */
#include <metis.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/error.h"
#include "samarl/partition.h"

gidx_t partition_block_lo(gidx_t n, int r, int P)
{
    return (gidx_t)(((__int128)n * r) / P);
}

int partition_block_owner(gidx_t n, gidx_t gid, int P)
{
    return (int)(((__int128)(gid + 1) * P - 1) / n);
}

const char *partition_metis_version(void)
{
    static char v[32];
    snprintf(v, sizeof v, "%d.%d.%d", METIS_VER_MAJOR, METIS_VER_MINOR, METIS_VER_SUBMINOR);
    return v;
}

static const char *metis_status(int rc)
{
    switch (rc) {
    case METIS_ERROR_INPUT:
        return "input error";
    case METIS_ERROR_MEMORY:
        return "out of memory";
    case METIS_ERROR:
        return "error";
    default:
        return "unknown status";
    }
}

/* METIS may leave parts empty when there are few agents per part. Give each
 * empty part the highest-gid agent of the currently largest part, so that
 * every rank owns something (deterministically: ties go to the lowest part). */
static void fill_empty_parts(gidx_t n, int nparts, int32_t *part)
{
    gidx_t *size = XZNEW(gidx_t, nparts);
    for (gidx_t i = 0; i < n; i++) size[part[i]]++;
    for (int p = 0; p < nparts; p++) {
        if (size[p] > 0) continue;
        int big = 0;
        for (int q = 1; q < nparts; q++)
            if (size[q] > size[big]) big = q;
        SAMARL_ASSERT(size[big] > 1);
        for (gidx_t i = n - 1; i >= 0; i--)
            if (part[i] == big) {
                part[i] = p;
                break;
            }
        size[big]--;
        size[p]++;
    }
    free(size);
}

static int partition_metis(const graph_t *g, int nparts, uint64_t seed, int64_t ufactor,
                           int32_t *part)
{
    if (g->n > IDX_MAX || 2 * g->m > IDX_MAX)
        return samarl_seterr("graph too large for METIS with %d-bit indices (n = %" PRIdG
                             ", 2m = %" PRIdG ")",
                             IDXTYPEWIDTH, g->n, 2 * g->m);
    idx_t nvtxs = (idx_t)g->n, ncon = g->ncon ? g->ncon : 1, np = nparts, objval = 0;
    idx_t *xadj = XNEW(idx_t, g->n + 1), *adjncy = XNEW(idx_t, 2 * g->m + 1);
    idx_t *vwgt = NULL, *adjwgt = NULL, *where = XNEW(idx_t, g->n);
    for (gidx_t i = 0; i <= g->n; i++) xadj[i] = (idx_t)g->xadj[i];
    for (gidx_t e = 0; e < 2 * g->m; e++) adjncy[e] = (idx_t)g->adj[e];
    if (g->vwgt) {
        vwgt = XNEW(idx_t, g->n * g->ncon);
        for (gidx_t i = 0; i < g->n * g->ncon; i++) vwgt[i] = g->vwgt[i];
    }
    if (g->adjwgt) {
        adjwgt = XNEW(idx_t, 2 * g->m + 1);
        for (gidx_t e = 0; e < 2 * g->m; e++) adjwgt[e] = g->adjwgt[e];
    }
    idx_t opt[METIS_NOPTIONS];
    METIS_SetDefaultOptions(opt);
    opt[METIS_OPTION_SEED] = (idx_t)(seed % 2147483647u);
    opt[METIS_OPTION_UFACTOR] = (idx_t)ufactor;
    opt[METIS_OPTION_NUMBERING] = 0;
    opt[METIS_OPTION_OBJTYPE] = METIS_OBJTYPE_CUT;
    int rc = METIS_PartGraphKway(&nvtxs, &ncon, xadj, adjncy, vwgt, NULL, adjwgt, &np, NULL, NULL,
                                 opt, &objval, where);
    if (rc != METIS_OK)
        SAMARL_FATAL("METIS_PartGraphKway failed (%s) on %s with %d parts", metis_status(rc),
                     g->name, nparts);
    for (gidx_t i = 0; i < g->n; i++) {
        if (where[i] < 0 || where[i] >= nparts)
            SAMARL_FATAL("METIS returned part %" PRIDX " for vertex %" PRIdG ", outside 0..%d",
                         where[i], i, nparts - 1);
        part[i] = (int32_t)where[i];
    }
    free(xadj);
    free(adjncy);
    free(vwgt);
    free(adjwgt);
    free(where);
    fill_empty_parts(g->n, nparts, part);
    return SAMARL_OK;
}

int partition_compute(const graph_t *g, const config_t *cfg, int nparts, int32_t *part)
{
    if (nparts < 1) return samarl_seterr("number of parts must be >= 1 (got %d)", nparts);
    if ((gidx_t)nparts > g->n)
        return samarl_seterr("more ranks than agents: %d parts for %" PRIdG
                             " agents (use at most %" PRIdG " ranks, or a larger graph)",
                             nparts, g->n, g->n);
    if (nparts == 1) {
        memset(part, 0, sizeof(int32_t) * (size_t)g->n);
        return SAMARL_OK;
    }
    switch ((partition_method_t)cfg->partition.method) {
    case PARTITION_METIS:
        return partition_metis(g, nparts, cfg->partition.seed, cfg->partition.ufactor, part);
    case PARTITION_BLOCK:
        for (gidx_t i = 0; i < g->n; i++) part[i] = partition_block_owner(g->n, i, nparts);
        return SAMARL_OK;
    case PARTITION_FILE:
        break;
    }
    SAMARL_FATAL("partition_compute called for partition.method = file");
}

static minavgmax_t summarise(const int64_t *v, int n)
{
    minavgmax_t s = {(double)v[0], 0.0, (double)v[0]};
    for (int i = 0; i < n; i++) {
        if ((double)v[i] < s.min) s.min = (double)v[i];
        if ((double)v[i] > s.max) s.max = (double)v[i];
        s.avg += (double)v[i];
    }
    s.avg /= n;
    return s;
}

void partition_stats(const graph_t *g, const int32_t *part, int nparts, part_stats_t *s)
{
    memset(s, 0, sizeof *s);
    s->nparts = nparts;
    s->n = g->n;
    s->m = g->m;
    s->owned = XZNEW(int64_t, nparts);
    s->ghosts = XZNEW(int64_t, nparts);
    s->send = XZNEW(int64_t, nparts);
    s->neighbours = XZNEW(int64_t, nparts);
    for (gidx_t i = 0; i < g->n; i++) s->owned[part[i]]++;
    /* Visit vertices part by part so that "last part that counted v" marks
     * give distinct counts in one pass. */
    gidx_t *start = XZNEW(gidx_t, nparts + 1), *order = XNEW(gidx_t, g->n);
    for (gidx_t i = 0; i < g->n; i++) start[part[i] + 1]++;
    for (int p = 0; p < nparts; p++) start[p + 1] += start[p];
    gidx_t *fill = XNEW(gidx_t, nparts);
    memcpy(fill, start, sizeof(gidx_t) * (size_t)nparts);
    for (gidx_t i = 0; i < g->n; i++) order[fill[part[i]]++] = i;
    free(fill);
    int32_t *ghost_mark = XNEW(int32_t, g->n);
    gidx_t *part_mark_v = XNEW(gidx_t, nparts);
    int32_t *part_mark_p = XNEW(int32_t, nparts);
    for (gidx_t i = 0; i < g->n; i++) ghost_mark[i] = -1;
    for (int q = 0; q < nparts; q++) part_mark_v[q] = -1, part_mark_p[q] = -1;
    for (int p = 0; p < nparts; p++)
        for (gidx_t k = start[p]; k < start[p + 1]; k++) {
            gidx_t u = order[k];
            for (gidx_t e = g->xadj[u]; e < g->xadj[u + 1]; e++) {
                gidx_t v = g->adj[e];
                int q = part[v];
                if (q == p) continue;
                if (u < v) s->edge_cut++;
                if (ghost_mark[v] != p) {
                    ghost_mark[v] = p;
                    s->ghosts[p]++;
                }
                if (part_mark_v[q] != u) {
                    part_mark_v[q] = u;
                    s->send[p]++;
                }
                if (part_mark_p[q] != p) {
                    part_mark_p[q] = p;
                    s->neighbours[p]++;
                }
            }
        }
    free(start);
    free(order);
    free(ghost_mark);
    free(part_mark_v);
    free(part_mark_p);
    for (int p = 0; p < nparts; p++) s->halo_total += s->ghosts[p];
    s->s_owned = summarise(s->owned, nparts);
    s->s_ghosts = summarise(s->ghosts, nparts);
    s->s_send = summarise(s->send, nparts);
    s->s_neighbours = summarise(s->neighbours, nparts);
    s->imbalance = s->s_owned.max / ((double)g->n / nparts);
}

void partition_stats_print(FILE *f, const part_stats_t *s)
{
    fprintf(f, "partition statistics:\n");
    fprintf(f, "  parts:            %d\n", s->nparts);
    fprintf(f, "  agents:           %" PRIdG "\n", s->n);
    fprintf(f, "  edges:            %" PRIdG "\n", s->m);
    fprintf(f, "  edge_cut:         %" PRIdG " (%.2f%% of edges)\n", s->edge_cut,
            s->m ? 100.0 * (double)s->edge_cut / (double)s->m : 0.0);
    fprintf(f, "  imbalance:        %.4f (largest part / average)\n", s->imbalance);
    fprintf(f, "  %-17s %10s %12s %10s\n", "per rank:", "min", "avg", "max");
    const struct {
        const char *name;
        minavgmax_t v;
    } rows[] = {{"owned agents", s->s_owned},
                {"ghosts (recv)", s->s_ghosts},
                {"send volume", s->s_send},
                {"neighbour ranks", s->s_neighbours}};
    for (int i = 0; i < 4; i++)
        fprintf(f, "    %-15s %10.0f %12.2f %10.0f\n", rows[i].name, rows[i].v.min, rows[i].v.avg,
                rows[i].v.max);
    fprintf(f, "  halo_volume:      %" PRIdG " agents per exchange (%" PRIdG " bytes per double)\n",
            s->halo_total, s->halo_total * 8);
}

void partition_stats_free(part_stats_t *s)
{
    free(s->owned);
    free(s->ghosts);
    free(s->send);
    free(s->neighbours);
    free(s->ghosts_per_hop);
    memset(s, 0, sizeof *s);
}
