/* policy.h5 reading and writing (see policyfile.h). */
#include "samarl/policyfile.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/blockmap.h"
#include "samarl/comm.h"
#include "samarl/error.h"
#include "samarl/cli.h"
#include "samarl/h5io.h"
#include "samarl/trainer.h"
#include "samarl/version.h"

/* ---- training curve ---------------------------------------------------------- */

void curve_init(train_curve_t *c, const double *lambda, int n_lambda)
{
    memset(c, 0, sizeof *c);
    c->n_lambda = n_lambda;
    memcpy(c->lambda, lambda, sizeof(double) * (size_t)n_lambda);
}

void curve_free(train_curve_t *c)
{
    free(c->aug_reward);
    free(c->entropy);
    free(c->approx_kl);
    free(c->clip_frac);
    free(c->value_loss);
    free(c->eval_iteration);
    free(c->eval_return);
    free(c->eval_usage);
    memset(c, 0, sizeof *c);
}

static void curve_reserve(train_curve_t *c, int64_t n)
{
    if (n <= c->cap) return;
    c->cap = n > 2 * c->cap ? n : 2 * c->cap;
    size_t b = sizeof(double) * (size_t)c->cap;
    c->aug_reward = xrealloc(c->aug_reward, b);
    c->entropy = xrealloc(c->entropy, b);
    c->approx_kl = xrealloc(c->approx_kl, b);
    c->clip_frac = xrealloc(c->clip_frac, b);
    c->value_loss = xrealloc(c->value_loss, b);
}

static void curve_reserve_eval(train_curve_t *c, int64_t n)
{
    if (n <= c->eval_cap) return;
    c->eval_cap = n > 2 * c->eval_cap ? n : 2 * c->eval_cap;
    c->eval_iteration = xrealloc(c->eval_iteration, sizeof(int64_t) * (size_t)c->eval_cap);
    size_t b = sizeof(double) * (size_t)c->eval_cap * (size_t)c->n_lambda;
    c->eval_return = xrealloc(c->eval_return, b);
    c->eval_usage = xrealloc(c->eval_usage, b);
}

void curve_add_stats(train_curve_t *c, double aug, double ent, double kl, double clip, double vl)
{
    curve_reserve(c, c->n + 1);
    c->aug_reward[c->n] = aug;
    c->entropy[c->n] = ent;
    c->approx_kl[c->n] = kl;
    c->clip_frac[c->n] = clip;
    c->value_loss[c->n] = vl;
    c->n++;
}

void curve_csv_header(FILE *f, const train_curve_t *c)
{
    fprintf(f, "iteration,aug_reward,entropy,approx_kl,clip_frac,value_loss");
    for (int k = 0; k < c->n_lambda; k++) fprintf(f, ",return_at_%g", c->lambda[k]);
    for (int k = 0; k < c->n_lambda; k++) fprintf(f, ",usage_at_%g", c->lambda[k]);
    fprintf(f, "\n");
}

void curve_csv_rows(FILE *f, const train_curve_t *c, int64_t k0)
{
    int64_t e = 0;
    for (int64_t k = k0; k < c->n; k++) {
        fprintf(f, "%" PRId64 ",%.17g,%.17g,%.17g,%.17g,%.17g", k + 1, c->aug_reward[k],
                c->entropy[k], c->approx_kl[k], c->clip_frac[k], c->value_loss[k]);
        while (e < c->n_eval && c->eval_iteration[e] < k + 1) e++;
        const int has = e < c->n_eval && c->eval_iteration[e] == k + 1;
        for (int q = 0; q < 2; q++) {
            const double *v = q ? c->eval_usage : c->eval_return;
            for (int j = 0; j < c->n_lambda; j++)
                if (has)
                    fprintf(f, ",%.17g", v[(size_t)e * (size_t)c->n_lambda + (size_t)j]);
                else
                    fprintf(f, ",");
        }
        fprintf(f, "\n");
    }
}

void curve_add_eval(train_curve_t *c, int64_t it, const double *ret, const double *usage)
{
    curve_reserve_eval(c, c->n_eval + 1);
    c->eval_iteration[c->n_eval] = it;
    memcpy(c->eval_return + c->n_eval * c->n_lambda, ret, sizeof(double) * (size_t)c->n_lambda);
    memcpy(c->eval_usage + c->n_eval * c->n_lambda, usage, sizeof(double) * (size_t)c->n_lambda);
    c->n_eval++;
}

/* ---- writing ----------------------------------------------------------------- */

/* Per-agent tables move between the owned order and the file's gid order in
 * slabs of columns of about SLAB_BYTES over all ranks, so that a rank never
 * holds more than a slab of copies beside its networks (a million per-agent
 * networks are 6 GB; whole-table copies would double that). The slab width
 * depends only on the global sizes: every rank makes the same passes. */
#define SLAB_BYTES ((gidx_t)1 << 26)

/* SAMARL_IO_SLAB_BYTES overrides the slab size (smaller: less memory, more
 * collective passes); the tests use it to exercise many slabs. */
static gidx_t slab_bytes(void)
{
    const char *s = getenv("SAMARL_IO_SLAB_BYTES");
    char *end;
    long long v = s ? strtoll(s, &end, 10) : 0;
    return s && *s && !*end && v > 0 ? (gidx_t)v : SLAB_BYTES;
}

static int slab_cols(gidx_t rows, int width)
{
    gidx_t c = slab_bytes() / ((gidx_t)sizeof(float) * (rows > 0 ? rows : 1));
    if (c < 8) c = 8;
    return c < width ? (int)c : width;
}

double policyfile_move_bytes(gidx_t n_local, gidx_t n_global, int width)
{
    if (n_global <= 0) return 0;
    const double table = (double)n_global * (double)slab_cols(n_global, width) * sizeof(float);
    /* The packed slab, its redistributed copy, and the MPI-IO and HDF5
     * buffers under a collective write: about four slabs (measured). */
    return 4 * table * (double)n_local / (double)n_global;
}

/* Per-net rows [n_nets][stride] <-> the file's [rows][width] at gid, one
 * slab of columns at a time (writing: create the dataset, then pack,
 * redistribute, write; reading: the reverse). */
static void move_rows(h5file_t *f, blockmap_t *bm, gidx_t n_global, int shared, lidx_t n_nets,
                      const char *path, float *net_rows, size_t stride, int width, int writing,
                      const char *units, const char *desc)
{
    if (shared) {
        if (writing)
            h5io_write_2d(f, path, H5IO_F32, 1, width, 0, comm_rank() == 0, net_rows, units, desc);
        else
            h5io_read_2d(f, path, H5IO_F32, width, 0, 1, net_rows);
        return;
    }
    const lidx_t n = n_nets;
    const gidx_t cnt = blockmap_count(bm);
    const int sc = slab_cols(n_global, width);
    float *packed = XNEW(float, (size_t)(n > 0 ? n : 1) * (size_t)sc);
    float *blk = XNEW(float, (size_t)(cnt > 0 ? cnt : 1) * (size_t)sc);
    if (writing) h5io_create_2d(f, path, H5IO_F32, n_global, width, sc, units, desc);
    for (int c0 = 0; c0 < width; c0 += sc) {
        const int nc = width - c0 < sc ? width - c0 : sc;
        const size_t bytes = sizeof(float) * (size_t)nc;
        if (writing) {
            for (lidx_t i = 0; i < n; i++)
                memcpy(packed + (size_t)i * nc, net_rows + (size_t)i * stride + c0, bytes);
            blockmap_forward(bm, packed, blk, bytes);
            h5io_write_cols(f, path, H5IO_F32, blockmap_lo(bm), cnt, c0, nc, blk);
        } else {
            h5io_read_cols(f, path, H5IO_F32, blockmap_lo(bm), cnt, c0, nc, blk);
            blockmap_backward(bm, blk, packed, bytes);
            for (lidx_t i = 0; i < n; i++)
                memcpy(net_rows + (size_t)i * stride + c0, packed + (size_t)i * nc, bytes);
        }
    }
    free(blk);
    free(packed);
}

#define PARAM_DESC "index into a network's flat parameter vector (the layout of /params)"

/* ---- dimension scales (what netCDF tools and xarray read as dimensions) ---- */

/* The scale at `path` (values first, first + 1, ...), made the first time it is asked for. */
static void dim_scale_once(h5file_t *f, const char *path, gidx_t n, int64_t first, const char *desc)
{
    if (!h5io_exists(f, path)) h5io_dim_scale(f, path, n, first, 1, "1", desc);
}

/* A [rows][width] dataset's dimensions: /net (the networks) and `col`. */
static void row_dims(h5file_t *f, int shared, gidx_t n_global, const char *path, int width,
                     const char *col, const char *col_desc)
{
    dim_scale_once(f, "/net", shared ? 1 : n_global, 0,
                   "network: the gid of the agent it acts for (0: the one shared network)");
    dim_scale_once(f, col, width, 0, col_desc);
    h5io_dim_attach(f, path, 0, "/net");
    h5io_dim_attach(f, path, 1, col);
}

/* A per-iteration series' dimension: the iterations completed, last - n + 1
 * .. last (a curve that a --resume could not continue restarts there). Series
 * of one length share /train/iteration; one of another length gets its own
 * scale, PATH_iteration. */
static void iteration_dim(h5file_t *f, const char *path, int64_t n, int64_t last)
{
    char scale[160] = "/train/iteration";
    gidx_t len = -1;
    if (h5io_exists(f, scale) && (h5io_length_1d(f, scale, &len) != SAMARL_OK || len != n))
        snprintf(scale, sizeof scale, "%s_iteration", path);
    dim_scale_once(f, scale, n, last - n + 1, "iterations completed");
    h5io_dim_attach(f, path, 0, scale);
}

static void put_rows(h5file_t *f, blockmap_t *bm, gidx_t n_global, const policyset_t *ps,
                     const char *path, const float *src, size_t stride, int width,
                     const char *units, const char *desc, const char *col, const char *col_desc)
{
    move_rows(f, bm, n_global, ps->shared, ps->n_nets, path, (float *)src, stride, width, 1, units,
              desc);
    row_dims(f, ps->shared, n_global, path, width, col, col_desc);
}

static void get_rows(h5file_t *f, blockmap_t *bm, gidx_t n_global, const policyset_t *ps,
                     const char *path, float *dst, size_t stride, int width)
{
    move_rows(f, bm, n_global, ps->shared, ps->n_nets, path, dst, stride, width, 0, NULL, NULL);
}

static void put_agents(h5file_t *f, blockmap_t *bm, gidx_t n_global, const char *path,
                       const float *v, lidx_t n, const char *units, const char *desc)
{
    gidx_t cnt = blockmap_count(bm);
    float *blk = XNEW(float, cnt > 0 ? cnt : 1);
    (void)n;
    blockmap_forward(bm, v, blk, sizeof(float));
    h5io_write_1d(f, path, H5IO_F32, n_global, blockmap_lo(bm), cnt, blk, units, desc);
    free(blk);
    dim_scale_once(f, "/agents/agent", n_global, 0, "agent gid");
    h5io_dim_attach(f, path, 0, "/agents/agent");
}

static void put_series(h5file_t *f, const char *path, int64_t n, const double *v, const char *units,
                       const char *desc)
{
    h5io_write_1d(f, path, H5IO_F64, n, 0, comm_rank() == 0 ? n : 0, v, units, desc);
}

static int check_dataset(h5file_t *f, const char *path, const char *name, gidx_t rows,
                         gidx_t width);

/* ---- the open file a trainer saves into and loads from (policyfile.h) ----------- */

struct pfio {
    h5file_t *f;
    blockmap_t *bm;
    const char *path;
    gidx_t n_global;
    const policyset_t *ps;
    int64_t iterations;
    int weights_only;
};

const char *pfio_path(const pfio_t *io)
{
    return io->path;
}
struct h5file *pfio_h5(pfio_t *io)
{
    return io->f;
}
int64_t pfio_iterations(const pfio_t *io)
{
    return io->iterations;
}
int pfio_weights_only(const pfio_t *io)
{
    return io->weights_only;
}

void pfio_put_rows(pfio_t *io, const char *name, const float *rows, const char *units,
                   const char *desc)
{
    const mlp_t *net = &io->ps->net;
    put_rows(io->f, io->bm, io->n_global, io->ps, name, rows, net->stride, (int)net->n_params,
             units, desc, "/param", PARAM_DESC);
}

int pfio_check_rows(pfio_t *io, const char *name)
{
    return check_dataset(io->f, io->path, name, io->ps->shared ? 1 : io->n_global,
                         (gidx_t)io->ps->net.n_params);
}

void pfio_get_rows(pfio_t *io, const char *name, float *rows)
{
    const mlp_t *net = &io->ps->net;
    get_rows(io->f, io->bm, io->n_global, io->ps, name, rows, net->stride, (int)net->n_params);
}

void pfio_put_table(pfio_t *io, const char *name, const float *rows, int width, const char *units,
                    const char *desc)
{
    char col[128];
    snprintf(col, sizeof col, "%s_column", name);
    put_rows(io->f, io->bm, io->n_global, io->ps, name, rows, (size_t)width, width, units, desc,
             col, "column of the table beside it");
}

/* Per-agent tables whatever the sharing: where the networks are per agent
 * they lie like pfio_put_table's (dimension /net); beside one shared
 * network, on the agents' dimension /agents/agent. */
static void agent_rows(pfio_t *io, const char *name, float *rows, lidx_t n, int width, int writing,
                       const char *units, const char *desc)
{
    move_rows(io->f, io->bm, io->n_global, 0, n, name, rows, (size_t)width, width, writing, units,
              desc);
    if (!writing) return;
    char col[128];
    snprintf(col, sizeof col, "%s_column", name);
    if (!io->ps->shared) {
        row_dims(io->f, 0, io->n_global, name, width, col, "column of the table beside it");
        return;
    }
    dim_scale_once(io->f, "/agents/agent", io->n_global, 0, "agent gid");
    dim_scale_once(io->f, col, width, 0, "column of the table beside it");
    h5io_dim_attach(io->f, name, 0, "/agents/agent");
    h5io_dim_attach(io->f, name, 1, col);
}

void pfio_put_agent_table(pfio_t *io, const char *name, const float *rows, lidx_t n, int width,
                          const char *units, const char *desc)
{
    agent_rows(io, name, (float *)rows, n, width, 1, units, desc);
}

int pfio_check_agent_table(pfio_t *io, const char *name, int width)
{
    return check_dataset(io->f, io->path, name, io->n_global, width);
}

void pfio_get_agent_table(pfio_t *io, const char *name, float *rows, lidx_t n, int width)
{
    agent_rows(io, name, rows, n, width, 0, NULL, NULL);
}

int pfio_check_table(pfio_t *io, const char *name, int width)
{
    return check_dataset(io->f, io->path, name, io->ps->shared ? 1 : io->n_global, width);
}

void pfio_get_table(pfio_t *io, const char *name, float *rows, int width)
{
    get_rows(io->f, io->bm, io->n_global, io->ps, name, rows, (size_t)width, width);
}

void pfio_put_series(pfio_t *io, const char *name, int64_t n, const double *v, const char *units,
                     const char *desc)
{
    put_series(io->f, name, n, v, units, desc);
    iteration_dim(io->f, name, n, io->iterations);
}

int policyfile_write(const char *path, const config_t *cfg, const lgraph_t *lg, const env_t *e,
                     const policyset_t *ps, const policy_state_t *st)
{
    h5file_t *f;
    if (h5io_create(path, &f) != SAMARL_OK) return SAMARL_ERR;
    blockmap_t *bm = blockmap_create(lg);
    const gidx_t N = lg->n_global;
    const mlp_t *net = ps ? &ps->net : NULL; /* none: a trainer of tables (its save writes them) */
    const int P = net ? (int)net->n_params : 0;
    if (net) {
        put_rows(f, bm, N, ps, "/params", ps->params, net->stride, P, "1",
                 "network parameters: W1[in][H], b1[H], W2[H][H], b2[H], Wh[H][A+1], bh[A+1] "
                 "(row = agent gid, or the one shared network)",
                 "/param", PARAM_DESC);
        put_rows(f, bm, N, ps, "/obs_mean", ps->obs_mean, net->in, net->in, "1",
                 "observation shift: x' = (x - obs_mean) * obs_scale", "/feature",
                 "observation feature (the multiplier last)");
        put_rows(f, bm, N, ps, "/obs_scale", ps->obs_istd, net->in, net->in, "1",
                 "observation scale: x' = (x - obs_mean) * obs_scale", "/feature", NULL);
    }
    env_table_t tb;
    for (int k = 0; env_table(e, k, &tb); k++) {
        char name[96];
        snprintf(name, sizeof name, "/agents/%s", tb.name);
        put_agents(f, bm, N, name, tb.data, e->n, tb.units,
                   tb.policy_description ? tb.policy_description : tb.description);
    }
    if (st && st->curve) {
        const train_curve_t *c = st->curve;
        put_series(f, "/train/aug_reward", c->n, c->aug_reward, e->reward_units,
                   "mean augmented reward r - lambda g while training (lambda = lambda_max u^k, k "
                   "= train.lambda_power)");
        put_series(f, "/train/entropy", c->n, c->entropy, "nats", "mean policy entropy");
        put_series(f, "/train/approx_kl", c->n, c->approx_kl, "nats",
                   "mean log pi_old - log pi in the last epoch");
        put_series(f, "/train/clip_frac", c->n, c->clip_frac, "1",
                   "share of samples with a clipped ratio in the last epoch");
        /* The value head's targets: PopArt-normalised (train.value_norm),
         * else returns in $ divided by a_i (train.reward_scale = agent). */
        put_series(f, "/train/value_loss", c->n, c->value_loss,
                   cfg->train.value_norm                          ? "1"
                   : cfg->train.reward_scale == REWARD_SCALE_NONE ? "$^2"
                                                                  : "($/a_i)^2",
                   "mean squared value error in the last epoch, in the units of the value "
                   "targets (normalised under train.value_norm; returns divided by each agent's "
                   "demand scale a_i under train.reward_scale = agent)");
        put_series(f, "/train/eval_lambda", c->n_lambda, c->lambda, e->lambda_units,
                   "fixed multipliers of the evaluations (train.eval_lambdas)");
        const int root = comm_rank() == 0;
        h5io_write_1d(f, "/train/eval_iteration", H5IO_I64, c->n_eval, 0, root ? c->n_eval : 0,
                      c->eval_iteration, "1", "iterations completed at each evaluation");
        if (c->n_eval > 0) {
            h5io_write_2d(f, "/train/eval_return", H5IO_F64, c->n_eval, c->n_lambda, 0,
                          root ? c->n_eval : 0, c->eval_return, e->reward_units,
                          "augmented return per agent per step at each fixed lambda");
            h5io_write_2d(f, "/train/eval_usage", H5IO_F64, c->n_eval, c->n_lambda, 0,
                          root ? c->n_eval : 0, c->eval_usage, e->usage_units,
                          "grid draw per agent per step at each fixed lambda");
        }
        static const char *const per_iteration[] = {"/train/aug_reward", "/train/entropy",
                                                    "/train/approx_kl", "/train/clip_frac",
                                                    "/train/value_loss"};
        for (size_t k = 0; k < sizeof per_iteration / sizeof per_iteration[0]; k++)
            iteration_dim(f, per_iteration[k], c->n, st->iterations);
        h5io_dim_make_scale(f, "/train/eval_iteration");
        h5io_dim_make_scale(f, "/train/eval_lambda");
        for (int k = 0; k < 2 && c->n_eval > 0; k++) {
            const char *p = k ? "/train/eval_usage" : "/train/eval_return";
            h5io_dim_attach(f, p, 0, "/train/eval_iteration");
            h5io_dim_attach(f, p, 1, "/train/eval_lambda");
        }
    }
    if (st && st->trainer) {
        pfio_t io = {f, bm, path, N, ps, st->iterations, st->weights_only};
        trainer_save(st->trainer, &io);
    } else {
        h5io_attr_int64(f, "/", "adam_step", 0, "1");
    }
    char *text = config_format(cfg, 0), fp[24];
    snprintf(fp, sizeof fp, "%016" PRIx64, env_fingerprint(e));
    h5io_write_identity(f, "samarl-policy", SAMARL_POLICY_FORMAT_VERSION);
    h5io_attr_int64(f, "/", "n_agents", N, "1");
    h5io_attr_int64(f, "/", "n_nets", !ps ? 0 : ps->shared ? 1 : N, "1");
    h5io_attr_str(f, "/", "sharing", !ps ? "none" : ps->shared ? "shared" : "agent");
    h5io_attr_int64(f, "/", "hidden", net ? net->hidden : 0, "1");
    h5io_attr_int64(f, "/", "n_inputs", net ? net->in : 0, "1");
    h5io_attr_int64(f, "/", "n_actions", net ? net->actions : e->n_levels, "1");
    h5io_attr_int64(f, "/", "n_params", P, "1");
    h5io_attr_str(f, "/", "env_fingerprint", fp);
    h5io_attr_int64(f, "/", "iterations", st ? st->iterations : 0, "1");
    h5io_attr_int64(f, "/", "seed", (int64_t)cfg->run.seed, NULL);
    h5io_attr_str(f, "/", "config", text);
    if (st && st->checkpoint_for) h5io_attr_str(f, "/", "checkpoint_for", st->checkpoint_for);
    free(text);
    blockmap_destroy(&bm);
    return h5io_commit(&f);
}

/* ---- reading ----------------------------------------------------------------- */

/* The "key = value" lines of one section of an effective-config text. */
static void section_lines(const char *text, const char *section, char ***lines, int *n)
{
    *lines = NULL;
    *n = 0;
    char head[64];
    snprintf(head, sizeof head, "[%s]", section);
    int in = 0;
    const char *p = text;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len && p[0] == '[') {
            in = strlen(head) == len && strncmp(p, head, len) == 0;
        } else if (in && len && p[0] != ';' && p[0] != '#') {
            *lines = xrealloc(*lines, sizeof(char *) * (size_t)(*n + 1));
            char *l = xmalloc(len + 1);
            memcpy(l, p, len);
            l[len] = '\0';
            (*lines)[(*n)++] = l;
        }
        p += len + (e != NULL);
    }
}

/* " (env keys that differ: kappa = 0.05 -> 0.1, ...)" */
static void env_diff(const char *old_text, const config_t *cfg, char *out, size_t cap)
{
    char *now = config_format(cfg, 0);
    char **a, **b;
    int na, nb;
    section_lines(old_text, "env", &a, &na);
    section_lines(now, "env", &b, &nb);
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < nb && used < cap; i++) {
        int same = 0;
        for (int j = 0; j < na; j++) same |= strcmp(a[j], b[i]) == 0;
        if (same) continue;
        char key[64];
        size_t kl = strcspn(b[i], " =");
        snprintf(key, sizeof key, "%.*s", (int)(kl < 63 ? kl : 63), b[i]);
        const char *old = "(absent)";
        for (int j = 0; j < na; j++)
            if (strncmp(a[j], key, kl) == 0 && (a[j][kl] == ' ' || a[j][kl] == '=')) old = a[j];
        used += (size_t)snprintf(out + used, cap - used, "%s '%s' -> '%s'",
                                 used ? ";" : " (differing [env] lines:", old, b[i]);
    }
    if (used && used < cap) snprintf(out + used, cap - used, ")");
    for (int i = 0; i < na; i++) free(a[i]);
    for (int i = 0; i < nb; i++) free(b[i]);
    free(a);
    free(b);
    free(now);
}

static int expect_int(h5file_t *f, const char *path, const char *name, int64_t want,
                      const char *what)
{
    int64_t v;
    if (h5io_attr_read_int64(f, "/", name, &v) != SAMARL_OK)
        return samarl_seterr("%s: not a samarl policy file: %s", path, samarl_errmsg());
    if (v != want)
        return samarl_seterr("%s: made for %s = %" PRId64 ", but this configuration has %" PRId64
                             " (train a policy for this configuration, or use the matching one)",
                             path, what, v, want);
    return SAMARL_OK;
}

static int check_dataset(h5file_t *f, const char *path, const char *name, gidx_t rows, gidx_t width)
{
    int nd;
    gidx_t dims[2];
    if (h5io_shape(f, name, &nd, dims) != SAMARL_OK)
        return samarl_seterr("%s: not a complete policy file: %s", path, samarl_errmsg());
    if (nd != 2)
        return samarl_seterr("%s: dataset %s has 1 dimension [%" PRIdG "], expected 2 [%" PRIdG
                             "][%" PRIdG "]",
                             path, name, dims[0], rows, width);
    if (dims[0] != rows || dims[1] != width)
        return samarl_seterr("%s: dataset %s has shape [%" PRIdG "][%" PRIdG "], expected [%" PRIdG
                             "][%" PRIdG "]",
                             path, name, dims[0], dims[1], rows, width);
    return SAMARL_OK;
}

static int read_header(h5file_t *f, const char *path, const config_t *cfg, const env_t *e,
                       const policyset_t *ps, policy_state_t *st)
{
    char *s = NULL;
    if (h5io_attr_read_str(f, "/", "format", &s) != SAMARL_OK)
        return samarl_seterr("%s: not a samarl policy file (%s; expected the string attribute "
                             "format = samarl-policy, as written by samarl train)",
                             path, samarl_errmsg());
    int bad = strcmp(s, "samarl-policy") != 0;
    if (bad)
        samarl_seterr("%s: format is '%s', expected 'samarl-policy' (a file written by "
                      "samarl train)",
                      path, s);
    free(s);
    if (bad) return SAMARL_ERR;
    int64_t version;
    if (h5io_attr_read_int64(f, "/", "format_version", &version) != SAMARL_OK)
        return samarl_seterr("%s: not a samarl policy file: %s", path, samarl_errmsg());
    if (version != SAMARL_POLICY_FORMAT_VERSION)
        return samarl_seterr("%s: format_version %" PRId64 ", but this samarl %s reads version %d "
                             "(use the samarl that wrote it, or train again)",
                             path, version, SAMARL_VERSION, SAMARL_POLICY_FORMAT_VERSION);
    if (expect_int(f, path, "n_agents", e->n_global, "the number of agents (graph.agents)"))
        return SAMARL_ERR;
    int64_t n_nets;
    if (h5io_attr_read_int64(f, "/", "n_nets", &n_nets) != SAMARL_OK) return SAMARL_ERR;
    if (!ps || n_nets == 0) {
        if (ps)
            return samarl_seterr("%s holds the tables of a trainer without networks (n_nets = 0, "
                                 "train.algo = altmarl), not policies samarl can run: its tables "
                                 "are in the file's trainer group",
                                 path);
        if (n_nets != 0)
            return samarl_seterr("%s holds %" PRId64 " trained network(s), and train.algo = %s "
                                 "learns tables, not networks: expected a file it wrote",
                                 path, n_nets, cfg->train.algo);
    }
    if (ps &&
        (expect_int(f, path, "hidden", ps->net.hidden, "policy.hidden") ||
         expect_int(f, path, "n_inputs", ps->net.in,
                    "the input size (the observation's features; a kappa-hop input has more: "
                    "train.kappa, train.kappa_input)") ||
         expect_int(f, path, "n_actions", ps->net.actions, "the number of actions (env.levels)") ||
         expect_int(f, path, "n_params", (int64_t)ps->net.n_params, "the parameter count")))
        return SAMARL_ERR;
    if (h5io_attr_read_str(f, "/", "sharing", &s) != SAMARL_OK) return SAMARL_ERR;
    const char *want = !ps ? "none" : ps->shared ? "shared" : "agent";
    bad = strcmp(s, want) != 0;
    if (bad)
        samarl_seterr("%s: trained with policy.sharing = %s, but this configuration has %s", path,
                      s, want);
    free(s);
    if (bad) return SAMARL_ERR;
    char fp[24], *ftext = NULL;
    snprintf(fp, sizeof fp, "%016" PRIx64, env_fingerprint(e));
    if (h5io_attr_read_str(f, "/", "env_fingerprint", &s) != SAMARL_OK) return SAMARL_ERR;
    bad = strcmp(s, fp) != 0;
    if (bad) {
        char diff[1024] = "";
        if (h5io_attr_read_str(f, "/", "config", &ftext) == SAMARL_OK) {
            env_diff(ftext, cfg, diff, sizeof diff);
            free(ftext);
        }
        samarl_seterr("%s: trained for a different environment (fingerprint %s, this "
                      "configuration's is %s): the [env] keys, or the contents of env.nodes or "
                      "env.profiles, differ%s",
                      path, s, fp, diff);
    }
    free(s);
    if (bad) return SAMARL_ERR;
    const gidx_t rows = !ps ? 0 : ps->shared ? 1 : e->n_global;
    const int P = ps ? (int)ps->net.n_params : 0;
    if (ps && (check_dataset(f, path, "/params", rows, P) ||
               check_dataset(f, path, "/obs_mean", rows, ps->net.in) ||
               check_dataset(f, path, "/obs_scale", rows, ps->net.in)))
        return SAMARL_ERR;
    if (st && (h5io_attr_read_int64(f, "/", "iterations", &st->iterations) ||
               h5io_attr_read_int64(f, "/", "adam_step", &st->adam_step)))
        return SAMARL_ERR;
    return SAMARL_OK;
}

/* Is `name` a dataset of numbers of shape [rows] (width 0) or [rows][width]? */
static int has_shape(h5file_t *f, const char *name, gidx_t rows, gidx_t width)
{
    int nd;
    gidx_t dims[2];
    return h5io_shape(f, name, &nd, dims) == SAMARL_OK && dims[0] == rows && dims[1] == width;
}

static void read_curve(h5file_t *f, train_curve_t *c, int64_t iterations)
{
    gidx_t n = 0, ne = 0, nl = 0;
    /* Every dataset read below is checked first: reading a missing one, or
     * strings, would be a fatal HDF5 error. */
    if (h5io_length_1d(f, "/train/aug_reward", &n) != SAMARL_OK ||
        h5io_length_1d(f, "/train/eval_iteration", &ne) != SAMARL_OK ||
        h5io_length_1d(f, "/train/eval_lambda", &nl) != SAMARL_OK || n != iterations ||
        nl != c->n_lambda || !has_shape(f, "/train/entropy", n, 0) ||
        !has_shape(f, "/train/approx_kl", n, 0) || !has_shape(f, "/train/clip_frac", n, 0) ||
        !has_shape(f, "/train/value_loss", n, 0) ||
        (ne > 0 && (!has_shape(f, "/train/eval_return", ne, nl) ||
                    !has_shape(f, "/train/eval_usage", ne, nl)))) {
        samarl_clearerr();
        return; /* an older or different curve: start a new one */
    }
    curve_reserve(c, n);
    h5io_read_1d(f, "/train/aug_reward", H5IO_F64, 0, n, c->aug_reward);
    h5io_read_1d(f, "/train/entropy", H5IO_F64, 0, n, c->entropy);
    h5io_read_1d(f, "/train/approx_kl", H5IO_F64, 0, n, c->approx_kl);
    h5io_read_1d(f, "/train/clip_frac", H5IO_F64, 0, n, c->clip_frac);
    h5io_read_1d(f, "/train/value_loss", H5IO_F64, 0, n, c->value_loss);
    c->n = n;
    curve_reserve_eval(c, ne > 0 ? ne : 1);
    h5io_read_1d(f, "/train/eval_iteration", H5IO_I64, 0, ne, c->eval_iteration);
    if (ne > 0) {
        h5io_read_2d(f, "/train/eval_return", H5IO_F64, nl, 0, ne, c->eval_return);
        h5io_read_2d(f, "/train/eval_usage", H5IO_F64, nl, 0, ne, c->eval_usage);
    }
    c->n_eval = ne;
}

/* A NaN or inf in a network (training diverged, or the file is damaged)
 * would make its agent act on garbage without a word: refuse it. */
static int check_finite(const char *path, const char *name, const float *rows, size_t stride,
                        int width, const policyset_t *ps, const lgraph_t *lg)
{
    for (lidx_t i = 0; i < ps->n_nets; i++)
        for (int k = 0; k < width; k++)
            if (!isfinite(rows[(size_t)i * stride + (size_t)k]))
                return samarl_seterr("%s: dataset %s holds %g in row %" PRIdG ", column %d "
                                     "(expected finite numbers: did the training diverge?)",
                                     path, name, rows[(size_t)i * stride + (size_t)k],
                                     ps->shared ? 0 : lg->gid[i], k);
    return SAMARL_OK;
}

int policyfile_read(const char *path, const config_t *cfg, const lgraph_t *lg, const env_t *e,
                    policyset_t *ps, policy_state_t *st)
{
    h5file_t *f;
    if (h5io_open(path, &f) != SAMARL_OK) return SAMARL_ERR;
    if (read_header(f, path, cfg, e, ps, st) != SAMARL_OK) {
        h5io_close(&f);
        return SAMARL_ERR;
    }
    blockmap_t *bm = blockmap_create(lg);
    const int P = ps ? (int)ps->net.n_params : 0;
    if (ps) {
        get_rows(f, bm, lg->n_global, ps, "/params", ps->params, ps->net.stride, P);
        get_rows(f, bm, lg->n_global, ps, "/obs_mean", ps->obs_mean, ps->net.in, ps->net.in);
        get_rows(f, bm, lg->n_global, ps, "/obs_scale", ps->obs_istd, ps->net.in, ps->net.in);
    }
    if (st && st->curve) read_curve(f, st->curve, st->iterations);
    int rc = SAMARL_OK;
    if (st && st->trainer) {
        pfio_t io = {f, bm, path, lg->n_global, ps, st->iterations, 0};
        rc = trainer_load(st->trainer, &io);
    }
    blockmap_destroy(&bm);
    h5io_close(&f);
    /* Not collective: the caller's comm_check combines every rank's verdict. */
    if (!ps) return rc;
    if (!rc) rc = check_finite(path, "/params", ps->params, ps->net.stride, P, ps, lg);
    if (!rc) rc = check_finite(path, "/obs_mean", ps->obs_mean, ps->net.in, ps->net.in, ps, lg);
    if (!rc) rc = check_finite(path, "/obs_scale", ps->obs_istd, ps->net.in, ps->net.in, ps, lg);
    return rc;
}
