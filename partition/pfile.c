/* Partition files: what samarl-partition writes and partition.method = file
 * reads. The partition array is written and read collectively in contiguous
 * gid blocks; rank 0 holds the whole array before and after. */
#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/error.h"
#include "samarl/h5io.h"
#include "samarl/partition.h"
#include "samarl/version.h"

int partition_write(const char *path, const graph_t *g, const int32_t *part, const part_stats_t *s,
                    const config_t *cfg)
{
    const int P = comm_size(), me = comm_rank();
    /* Scalars every rank needs to write identical metadata. */
    int64_t hdr[5] = {0, 0, 0, 0, 0};
    double imb = 0.0;
    if (me == 0) {
        hdr[0] = g->n;
        hdr[1] = g->m;
        hdr[2] = s->nparts;
        hdr[3] = s->edge_cut;
        hdr[4] = (int64_t)graph_fingerprint(g);
        imb = s->imbalance;
    }
    comm_bcast_int64(hdr, 5, 0);
    comm_bcast_double(&imb, 1, 0);
    char *gname = comm_bcast_string(me == 0 ? g->name : NULL, 0);
    const gidx_t n = hdr[0];
    const int nparts = (int)hdr[2];

    h5file_t *f;
    if (h5io_create(path, &f) != SAMARL_OK) {
        free(gname);
        return SAMARL_ERR;
    }
    /* Scatter gid blocks of the partition, then one collective write. */
    int64_t *counts = NULL;
    if (me == 0) {
        counts = XNEW(int64_t, P);
        for (int r = 0; r < P; r++)
            counts[r] = partition_block_lo(n, r + 1, P) - partition_block_lo(n, r, P);
    }
    gidx_t lo = partition_block_lo(n, me, P), cnt = partition_block_lo(n, me + 1, P) - lo;
    int32_t *blk = XNEW(int32_t, cnt);
    comm_scatterv_int32(part, counts, blk, cnt, 0);
    h5io_write_1d(f, "/partition", H5IO_I32, n, lo, cnt, blk, "rank",
                  "part (MPI rank) that owns each agent, indexed by gid");
    /* Dimension scales, for netCDF tools and xarray: agents by gid, parts, hops. */
    h5io_dim_scale(f, "/agent", n, 0, 1, "1", "agent gid");
    h5io_dim_attach(f, "/partition", 0, "/agent");
    free(blk);
    free(counts);

    const char *names[4] = {"owned", "ghosts", "send", "neighbours"};
    const char *desc[4] = {"agents owned by each part",
                           "distinct off-part neighbours (receive volume)",
                           "(agent, other part) pairs (send volume)", "neighbouring parts"};
    for (int k = 0; k < 4; k++) {
        const int64_t *v = me == 0 ? (k == 0   ? s->owned
                                      : k == 1 ? s->ghosts
                                      : k == 2 ? s->send
                                               : s->neighbours)
                                   : NULL;
        char dpath[64];
        snprintf(dpath, sizeof dpath, "/stats/%s", names[k]);
        h5io_write_1d(f, dpath, H5IO_I64, nparts, 0, me == 0 ? nparts : 0, v,
                      k == 3 ? "ranks" : "agents", desc[k]);
        if (k == 0) h5io_dim_scale(f, "/stats/part", nparts, 0, 1, "1", "part (MPI rank)");
        h5io_dim_attach(f, dpath, 0, "/stats/part");
    }
    /* kappa-hop layers, only when asked for (samarl-partition --hops). */
    int64_t hops = me == 0 ? s->hops : 0;
    comm_bcast_int64(&hops, 1, 0);
    if (hops > 0) {
        h5io_write_2d(f, "/halo/ghosts_per_hop", H5IO_I64, nparts, hops, 0, me == 0 ? nparts : 0,
                      me == 0 ? s->ghosts_per_hop : NULL, "agents",
                      "ghosts of each part (row) at exactly h hops from its agents (column h-1, "
                      "h = 1..hops): the kappa-hop halo's layers; one exchange of one double per "
                      "agent receives 8 x (row sum) bytes");
        h5io_attr_int64(f, "/halo/ghosts_per_hop", "hops", hops, "1");
        h5io_dim_scale(f, "/halo/part", nparts, 0, 1, "1", "part (MPI rank)");
        h5io_dim_scale(f, "/halo/hop", hops, 1, 1, "1", "hops from the part's agents");
        h5io_dim_attach(f, "/halo/ghosts_per_hop", 0, "/halo/part");
        h5io_dim_attach(f, "/halo/ghosts_per_hop", 1, "/halo/hop");
    }
    char fp[32];
    snprintf(fp, sizeof fp, "%016" PRIx64, (uint64_t)hdr[4]);
    char *text = config_format(cfg, 0);
    h5io_write_identity(f, "samarl-partition", SAMARL_PARTITION_FORMAT_VERSION);
    h5io_attr_str(f, "/", "graph", gname);
    h5io_attr_str(f, "/", "graph_fingerprint", fp);
    h5io_attr_int64(f, "/", "n_agents", n, "1");
    h5io_attr_int64(f, "/", "n_edges", hdr[1], "1");
    h5io_attr_int64(f, "/", "n_parts", nparts, "1");
    h5io_attr_int64(f, "/", "edge_cut", hdr[3], "1");
    h5io_attr_double(f, "/", "imbalance", imb, "1");
    h5io_attr_str(f, "/", "method", config_enum_name("partition", "method", cfg->partition.method));
    h5io_attr_int64(f, "/", "seed", (int64_t)cfg->partition.seed, NULL);
    h5io_attr_int64(f, "/", "ufactor", cfg->partition.ufactor, "1");
    h5io_attr_str(f, "/", "config", text);
    free(text);
    free(gname);
    return h5io_commit(&f);
}

int partition_read(const char *path, gidx_t n, uint64_t fingerprint, int nparts, int32_t **out)
{
    const int P = comm_size(), me = comm_rank();
    h5file_t *f;
    if (h5io_open(path, &f) != SAMARL_OK) return samarl_adderr("partition.file: ");
    char *format = NULL, *fp = NULL;
    int64_t fn = 0, fparts = 0;
    int rc = SAMARL_OK;
    if (h5io_attr_read_str(f, "/", "format", &format) != SAMARL_OK ||
        strcmp(format, "samarl-partition") != 0) {
        rc = samarl_seterr("partition.file '%s' is not a samarl partition file (format '%s'); "
                           "write one with samarl-partition",
                           path, format ? format : "missing");
        goto done;
    }
    int64_t version = 0;
    if (h5io_attr_read_int64(f, "/", "format_version", &version) != SAMARL_OK) {
        rc = samarl_adderr("partition.file: ");
        goto done;
    }
    if (version != SAMARL_PARTITION_FORMAT_VERSION) {
        rc = samarl_seterr("partition.file '%s' has format_version %" PRId64 ", but this samarl "
                           "reads version %d: rerun samarl-partition",
                           path, version, SAMARL_PARTITION_FORMAT_VERSION);
        goto done;
    }
    if (h5io_attr_read_int64(f, "/", "n_agents", &fn) != SAMARL_OK ||
        h5io_attr_read_int64(f, "/", "n_parts", &fparts) != SAMARL_OK ||
        h5io_attr_read_str(f, "/", "graph_fingerprint", &fp) != SAMARL_OK) {
        rc = samarl_adderr("partition.file: ");
        goto done;
    }
    if (fn != n) {
        rc = samarl_seterr("partition.file '%s' was made for %" PRId64
                           " agents but the graph has %" PRIdG,
                           path, fn, n);
        goto done;
    }
    char want[32];
    snprintf(want, sizeof want, "%016" PRIx64, fingerprint);
    if (strcmp(fp, want) != 0) {
        rc = samarl_seterr("partition.file '%s' was made for a different graph (fingerprint %s, "
                           "this graph %s): rerun samarl-partition with this config",
                           path, fp, want);
        goto done;
    }
    if (fparts != nparts) {
        rc =
            samarl_seterr("partition.file '%s' has %" PRId64 " parts but the job runs on %d ranks: "
                          "rerun samarl-partition --parts %d, or run on %" PRId64 " ranks",
                          path, fparts, nparts, nparts, fparts);
        goto done;
    }
    gidx_t len = 0;
    if (h5io_length_1d(f, "/partition", &len) != SAMARL_OK) {
        rc = samarl_adderr("partition.file: ");
        goto done;
    }
    if (len != n) {
        rc = samarl_seterr("partition.file '%s': /partition has %" PRIdG
                           " entries, expected %" PRIdG,
                           path, len, n);
        goto done;
    }
    {
        gidx_t lo = partition_block_lo(n, me, P), cnt = partition_block_lo(n, me + 1, P) - lo;
        int32_t *blk = XNEW(int32_t, cnt);
        h5io_read_1d(f, "/partition", H5IO_I32, lo, cnt, blk);
        int64_t bad = -1;
        for (gidx_t i = 0; i < cnt && bad < 0; i++)
            if (blk[i] < 0 || blk[i] >= nparts) bad = lo + i;
        int64_t worst = bad;
        comm_allreduce_int64(&worst, 1, COMM_MAX);
        if (worst >= 0) {
            free(blk);
            rc = samarl_seterr("partition.file '%s': agent %" PRId64 " has a part outside 0..%d",
                               path, worst, nparts - 1);
            goto done;
        }
        int64_t *counts = NULL;
        int32_t *part = NULL;
        if (me == 0) {
            counts = XNEW(int64_t, P);
            for (int r = 0; r < P; r++)
                counts[r] = partition_block_lo(n, r + 1, P) - partition_block_lo(n, r, P);
            part = XNEW(int32_t, n);
        }
        comm_gatherv_int32(blk, cnt, part, counts, 0);
        free(blk);
        free(counts);
        *out = part;
    }
done:
    free(format);
    free(fp);
    h5io_close(&f);
    return rc;
}
