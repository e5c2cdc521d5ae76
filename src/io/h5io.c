/* Parallel HDF5 I/O (see h5io.h). This module calls HDF5 and no other does;
 * it uses MPI_COMM_WORLD only as a handle for HDF5's MPI-IO driver and
 * otherwise talks to other ranks through comm.h. */
#include "samarl/h5io.h"

#include <errno.h>
#include <fcntl.h>
#include <hdf5_hl.h>
#include <hdf5.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "samarl/comm.h"
#include "samarl/error.h"
#include "samarl/strbuf.h"
#include "samarl/version.h"

struct h5file {
    hid_t id;
    char *path; /* final name */
    char *tmp;  /* PATH.partial while writing, NULL when reading */
};

/* Largest piece moved by one collective transfer (MPI-IO counts are ints). */
#define PIECE_BYTES ((int64_t)1 << 30)
#define SERIES_CHUNK_BYTES ((gidx_t)1 << 20)

static void h5_init(void)
{
    static int done;
    if (done) return;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* we check every return ourselves */
    done = 1;
}

static void h5_fail(const char *what, const char *file, const char *func, int line)
{
    H5Eprint2(H5E_DEFAULT, stderr);
    samarl_fatal(file, func, line, "HDF5 call failed: %s", what);
}

static hid_t chk_id(hid_t id, const char *what, const char *file, const char *func, int line)
{
    if (id < 0) h5_fail(what, file, func, line);
    return id;
}

static void chk_err(herr_t e, const char *what, const char *file, const char *func, int line)
{
    if (e < 0) h5_fail(what, file, func, line);
}

#define H5ID(x) chk_id((x), #x, __FILE__, __func__, __LINE__)
#define H5OK(x) chk_err((x), #x, __FILE__, __func__, __LINE__)

static hid_t file_type(h5io_type_t t)
{
    switch (t) {
    case H5IO_F64:
        return H5T_IEEE_F64LE;
    case H5IO_F32:
        return H5T_IEEE_F32LE;
    case H5IO_I32:
        return H5T_STD_I32LE;
    case H5IO_I64:
        return H5T_STD_I64LE;
    }
    SAMARL_FATAL("bad type %d", (int)t);
}

static hid_t mem_type(h5io_type_t t)
{
    switch (t) {
    case H5IO_F64:
        return H5T_NATIVE_DOUBLE;
    case H5IO_F32:
        return H5T_NATIVE_FLOAT;
    case H5IO_I32:
        return H5T_NATIVE_INT32;
    case H5IO_I64:
        return H5T_NATIVE_INT64;
    }
    SAMARL_FATAL("bad type %d", (int)t);
}

static size_t type_size(h5io_type_t t)
{
    return (t == H5IO_F64 || t == H5IO_I64) ? 8 : 4;
}

static hid_t parallel_fapl(void)
{
    hid_t fapl = H5ID(H5Pcreate(H5P_FILE_ACCESS));
    H5OK(H5Pset_fapl_mpio(fapl, MPI_COMM_WORLD, MPI_INFO_NULL));
    H5OK(H5Pset_all_coll_metadata_ops(fapl, 1));
    H5OK(H5Pset_coll_metadata_write(fapl, 1));
    return fapl;
}

/* Rank 0: create and remove PATH.partial, the name the output is written
 * under. As root access() says yes to /proc or a read-only mount; only
 * creating a file tells, and it must tell before the run, not after. */
static int try_create(const char *path)
{
    size_t n = strlen(path) + 16;
    char *tmp = xmalloc(n);
    snprintf(tmp, n, "%s.partial", path);
    int rc = SAMARL_OK, fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0666), err = errno;
    struct stat st;
    if (fd >= 0) {
        close(fd);
        unlink(tmp);
    } else if (err != EEXIST) {
        rc = samarl_seterr("cannot write '%s': cannot create '%s': %s", path, tmp, strerror(err));
    } else if (stat(tmp, &st) != 0 || !S_ISREG(st.st_mode)) {
        /* A killed run's leftover file is overwritten; anything else is in the way. */
        rc = samarl_seterr("cannot write '%s': '%s' exists and is not a file", path, tmp);
    }
    free(tmp);
    return rc;
}

/* Rank 0: can PATH be created? (directory exists and is writable) */
static int check_writable(const char *path)
{
    /* (Also keeps the strcpy below in bounds: "." needs two bytes.) */
    if (!*path) return samarl_seterr("cannot write '': the output path is empty");
    char *dir = samarl_strdup(path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        strcpy(dir, "."); // NOLINT(*insecureAPI.strcpy): path is not empty: 2 bytes at least
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    struct stat st;
    int rc = SAMARL_OK;
    if (stat(dir, &st) != 0)
        rc = samarl_seterr("cannot write '%s': directory '%s' does not exist", path, dir);
    else if (!S_ISDIR(st.st_mode))
        rc = samarl_seterr("cannot write '%s': '%s' is not a directory", path, dir);
    else if (access(dir, W_OK) != 0)
        rc = samarl_seterr("cannot write '%s': directory '%s' is not writable (%s)", path, dir,
                           strerror(errno));
    else if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        rc = samarl_seterr("cannot write '%s': it is a directory", path);
    else
        rc = try_create(path);
    free(dir);
    return rc;
}

/* Every rank gets rank 0's verdict (the message stays on rank 0, which is
 * the rank comm_check prints from). */
static int agree(int st)
{
    int32_t s = st;
    comm_bcast_int32(&s, 1, 0);
    return s;
}

int h5io_check_writable(const char *path)
{
    return agree(comm_rank() == 0 ? check_writable(path) : SAMARL_OK);
}

int h5io_create(const char *path, h5file_t **out)
{
    h5_init();
    if (agree(comm_rank() == 0 ? check_writable(path) : SAMARL_OK) != SAMARL_OK) return SAMARL_ERR;
    h5file_t *f = XZNEW(h5file_t, 1);
    f->path = samarl_strdup(path);
    size_t n = strlen(path) + 16;
    f->tmp = xmalloc(n);
    snprintf(f->tmp, n, "%s.partial", path);
    hid_t fapl = parallel_fapl();
    f->id = H5Fcreate(f->tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5OK(H5Pclose(fapl));
    int64_t bad = f->id < 0;
    comm_allreduce_int64(&bad, 1, COMM_MAX);
    if (bad) {
        samarl_seterr("cannot create HDF5 file '%s'", f->tmp);
        if (f->id >= 0) H5Fclose(f->id);
        free(f->path);
        free(f->tmp);
        free(f);
        return SAMARL_ERR;
    }
    comm_cleanup_add(f->tmp);
    *out = f;
    return SAMARL_OK;
}

int h5io_commit(h5file_t **fp)
{
    h5file_t *f = *fp;
    H5OK(H5Fclose(f->id));
    comm_barrier();
    int st = SAMARL_OK;
    if (comm_rank() == 0 && rename(f->tmp, f->path) != 0)
        st = samarl_seterr("cannot rename '%s' to '%s': %s", f->tmp, f->path, strerror(errno));
    st = agree(st);
    if (st == SAMARL_OK) comm_cleanup_remove(f->tmp);
    free(f->path);
    free(f->tmp);
    free(f);
    *fp = NULL;
    return st;
}

int h5io_reopen_partial(const char *path, h5file_t **out)
{
    h5_init();
    size_t n = strlen(path) + 16;
    char *tmp = xmalloc(n);
    snprintf(tmp, n, "%s.partial", path);
    int st = SAMARL_OK;
    if (comm_rank() == 0) {
        if (access(tmp, F_OK) != 0 && access(path, F_OK) == 0)
            st = samarl_seterr("'%s' is complete: the job finished after this checkpoint was "
                               "written, so there is nothing to restart",
                               path);
        else if (access(tmp, R_OK | W_OK) != 0)
            st = samarl_seterr("cannot continue '%s': %s (the run's unfinished output; without "
                               "it the run has to start again)",
                               tmp, strerror(errno));
        else if (H5Fis_hdf5(tmp) <= 0)
            st = samarl_seterr("cannot continue '%s': not an HDF5 file, or damaged", tmp);
    }
    hid_t id = -1;
    if (agree(st) == SAMARL_OK) {
        hid_t fapl = parallel_fapl();
        id = H5Fopen(tmp, H5F_ACC_RDWR, fapl);
        H5OK(H5Pclose(fapl));
        int64_t bad = id < 0;
        comm_allreduce_int64(&bad, 1, COMM_MAX);
        if (bad) {
            if (id >= 0) H5Fclose(id);
            st = samarl_seterr("cannot continue '%s': HDF5 cannot open it (damaged?)", tmp);
        }
    }
    if (st != SAMARL_OK) {
        free(tmp);
        return SAMARL_ERR;
    }
    h5file_t *f = XZNEW(h5file_t, 1);
    f->id = id;
    f->path = samarl_strdup(path);
    f->tmp = tmp;
    *out = f;
    return SAMARL_OK;
}

void h5io_flush(h5file_t *f)
{
    H5OK(H5Fflush(f->id, H5F_SCOPE_GLOBAL));
}

void h5io_keep_partial(h5file_t *f)
{
    if (f->tmp) comm_cleanup_remove(f->tmp);
}

int h5io_open(const char *path, h5file_t **out)
{
    h5_init();
    int st = SAMARL_OK;
    struct stat sb;
    if (comm_rank() == 0) {
        if (access(path, R_OK) != 0 || stat(path, &sb) != 0)
            st = samarl_seterr("cannot open '%s': %s", path, strerror(errno));
        else if (S_ISDIR(sb.st_mode))
            st = samarl_seterr("'%s' is a directory (expected an HDF5 file)", path);
        else if (H5Fis_hdf5(path) <= 0)
            st = samarl_seterr("'%s' is not an HDF5 file (or it is damaged)", path);
    }
    if (agree(st) != SAMARL_OK) return SAMARL_ERR;
    hid_t fapl = parallel_fapl();
    hid_t id = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    H5OK(H5Pclose(fapl));
    int64_t bad = id < 0;
    comm_allreduce_int64(&bad, 1, COMM_MAX);
    if (bad) {
        if (id >= 0) H5Fclose(id);
        return samarl_seterr("cannot open HDF5 file '%s' (damaged or truncated?)", path);
    }
    h5file_t *f = XZNEW(h5file_t, 1);
    f->id = id;
    f->path = samarl_strdup(path);
    *out = f;
    return SAMARL_OK;
}

void h5io_close(h5file_t **fp)
{
    h5file_t *f = *fp;
    if (!f) return;
    H5OK(H5Fclose(f->id));
    free(f->path);
    free(f->tmp);
    free(f);
    *fp = NULL;
}

static hid_t link_plist(void)
{
    hid_t lcpl = H5ID(H5Pcreate(H5P_LINK_CREATE));
    H5OK(H5Pset_create_intermediate_group(lcpl, 1));
    return lcpl;
}

void h5io_group(h5file_t *f, const char *path)
{
    if (H5Lexists(f->id, path, H5P_DEFAULT) > 0) return;
    hid_t lcpl = link_plist();
    hid_t g = H5ID(H5Gcreate2(f->id, path, lcpl, H5P_DEFAULT, H5P_DEFAULT));
    H5OK(H5Gclose(g));
    H5OK(H5Pclose(lcpl));
}

/* Open obj for attaching attributes, creating it as a group if missing. */
static hid_t open_obj(h5file_t *f, const char *obj)
{
    if (strcmp(obj, "/") != 0 && H5Lexists(f->id, obj, H5P_DEFAULT) <= 0) h5io_group(f, obj);
    return H5ID(H5Oopen(f->id, obj, H5P_DEFAULT));
}

static void write_attr(h5file_t *f, const char *obj, const char *name, hid_t type, const void *val)
{
    hid_t o = open_obj(f, obj);
    if (H5Aexists(o, name) > 0) H5OK(H5Adelete(o, name));
    hid_t sp = H5ID(H5Screate(H5S_SCALAR));
    hid_t a = H5ID(H5Acreate2(o, name, type, sp, H5P_DEFAULT, H5P_DEFAULT));
    H5OK(H5Awrite(a, type, val));
    H5OK(H5Aclose(a));
    H5OK(H5Sclose(sp));
    H5OK(H5Oclose(o));
}

static hid_t vlen_string_type(void)
{
    hid_t t = H5ID(H5Tcopy(H5T_C_S1));
    H5OK(H5Tset_size(t, H5T_VARIABLE));
    H5OK(H5Tset_cset(t, H5T_CSET_UTF8));
    return t;
}

void h5io_attr_str(h5file_t *f, const char *obj, const char *name, const char *value)
{
    hid_t t = vlen_string_type();
    const char *v = value ? value : "";
    write_attr(f, obj, name, t, &v);
    H5OK(H5Tclose(t));
}

/* HDF5 has no attributes on attributes: a number's units go beside it as
 * the string attribute NAME_units. */
static void attr_units(h5file_t *f, const char *obj, const char *name, const char *units)
{
    if (!units) return;
    char n[256];
    SAMARL_ASSERT((size_t)snprintf(n, sizeof n, "%s_units", name) < sizeof n);
    h5io_attr_str(f, obj, n, units);
}

void h5io_attr_double(h5file_t *f, const char *obj, const char *name, double v, const char *units)
{
    write_attr(f, obj, name, H5T_NATIVE_DOUBLE, &v);
    attr_units(f, obj, name, units);
}

void h5io_attr_int64(h5file_t *f, const char *obj, const char *name, int64_t v, const char *units)
{
    write_attr(f, obj, name, H5T_NATIVE_INT64, &v);
    attr_units(f, obj, name, units);
}

/* Collective transfer of rows [offset, offset+count), columns [col0,
 * col0+ncols), of a dataset with `width` columns (1-D when width is 0;
 * then col0 = 0, ncols = 0), data packed [count][ncols], in pieces of at
 * most PIECE_BYTES per rank; every rank takes part in every piece. */
static void transfer(hid_t dset, h5io_type_t t, gidx_t offset, gidx_t count, gidx_t width,
                     gidx_t col0, gidx_t ncols, void *data, int writing)
{
    const int rank = width > 0 ? 2 : 1;
    const gidx_t w = width > 0 ? ncols : 1;
    SAMARL_ASSERT(width == 0 || (col0 >= 0 && ncols >= 1 && col0 + ncols <= width));
    const size_t es = type_size(t) * (size_t)w;
    int64_t pieces = count > 0 ? ((int64_t)count * (int64_t)es + PIECE_BYTES - 1) / PIECE_BYTES : 0;
    comm_allreduce_int64(&pieces, 1, COMM_MAX);
    hid_t dxpl = H5ID(H5Pcreate(H5P_DATASET_XFER));
    H5OK(H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE));
    hid_t fspace = H5ID(H5Dget_space(dset));
    gidx_t per = pieces ? (count + pieces - 1) / pieces : 0;
    for (int64_t k = 0; k < pieces; k++) {
        gidx_t lo = k * per, cnt = count - lo < per ? count - lo : per;
        if (cnt < 0) cnt = 0;
        hsize_t c[2] = {(hsize_t)cnt, (hsize_t)w}, o[2] = {(hsize_t)(offset + lo), (hsize_t)col0};
        hsize_t one[2] = {1, 1};
        hid_t mspace = H5ID(H5Screate_simple(rank, cnt ? c : one, NULL));
        if (cnt) {
            H5OK(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, o, NULL, c, NULL));
        } else {
            H5OK(H5Sselect_none(fspace));
            H5OK(H5Sselect_none(mspace));
        }
        char *p = (char *)data + (size_t)lo * es;
        if (writing)
            H5OK(H5Dwrite(dset, mem_type(t), mspace, fspace, dxpl, cnt ? p : NULL));
        else
            H5OK(H5Dread(dset, mem_type(t), mspace, fspace, dxpl, cnt ? p : NULL));
        H5OK(H5Sclose(mspace));
    }
    H5OK(H5Sclose(fspace));
    H5OK(H5Pclose(dxpl));
}

static void transfer_rows(hid_t dset, h5io_type_t t, gidx_t offset, gidx_t count, gidx_t width,
                          void *data, int writing)
{
    transfer(dset, t, offset, count, width, 0, width, data, writing);
}

/* A fixed-size dataset, never filled (every element is written):
 * contiguous, or with slab_cols < width chunked one slab of columns wide and
 * ~1 MiB, so that a rank's rows of one slab are whole chunks on disk instead
 * of one short piece per row. */
static hid_t create_fixed(h5file_t *f, const char *path, h5io_type_t t, gidx_t n_global,
                          gidx_t width, gidx_t slab_cols)
{
    hsize_t dims[2] = {(hsize_t)n_global, (hsize_t)width};
    hid_t space = H5ID(H5Screate_simple(width > 0 ? 2 : 1, dims, NULL));
    hid_t lcpl = link_plist();
    hid_t dcpl = H5ID(H5Pcreate(H5P_DATASET_CREATE));
    H5OK(H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER));
    if (width > 0 && slab_cols < width && n_global > 0) {
        gidx_t cr = SERIES_CHUNK_BYTES / ((gidx_t)type_size(t) * slab_cols);
        hsize_t chunk[2] = {(hsize_t)(cr < 1          ? 1
                                      : cr < n_global ? cr
                                                      : n_global),
                            (hsize_t)slab_cols};
        H5OK(H5Pset_chunk(dcpl, 2, chunk));
    }
    hid_t dset = H5ID(H5Dcreate2(f->id, path, file_type(t), space, lcpl, dcpl, H5P_DEFAULT));
    H5OK(H5Pclose(dcpl));
    H5OK(H5Pclose(lcpl));
    H5OK(H5Sclose(space));
    return dset;
}

static void write_rows(h5file_t *f, const char *path, h5io_type_t t, gidx_t n_global, gidx_t width,
                       gidx_t offset, gidx_t count, const void *data, const char *units,
                       const char *description)
{
    SAMARL_ASSERT(offset >= 0 && count >= 0 && offset + count <= n_global);
    hid_t dset = create_fixed(f, path, t, n_global, width, width);
    transfer_rows(dset, t, offset, count, width, (void *)data, 1);
    H5OK(H5Dclose(dset));
    h5io_attr_str(f, path, "units", units);
    h5io_attr_str(f, path, "description", description);
}

void h5io_write_2d(h5file_t *f, const char *path, h5io_type_t t, gidx_t n_rows, gidx_t width,
                   gidx_t offset, gidx_t count, const void *data, const char *units,
                   const char *description)
{
    SAMARL_ASSERT(width > 0);
    write_rows(f, path, t, n_rows, width, offset, count, data, units, description);
}

static int is_numeric(hid_t dset)
{
    hid_t t = H5ID(H5Dget_type(dset));
    H5T_class_t c = H5Tget_class(t);
    H5OK(H5Tclose(t));
    return c == H5T_INTEGER || c == H5T_FLOAT;
}

int h5io_shape(h5file_t *f, const char *path, int *ndims, gidx_t dims[2])
{
    if (H5Lexists(f->id, path, H5P_DEFAULT) <= 0)
        return samarl_seterr("'%s' has no dataset '%s'", f->path, path);
    hid_t o = H5ID(H5Oopen(f->id, path, H5P_DEFAULT));
    int rc = SAMARL_OK;
    if (H5Iget_type(o) != H5I_DATASET) {
        rc = samarl_seterr("'%s': '%s' is not a dataset", f->path, path);
    } else if (!is_numeric(o)) {
        /* Reading strings as numbers would fail inside HDF5, a fatal error. */
        rc = samarl_seterr("'%s': dataset '%s' does not hold numbers (expected integers or "
                           "floats)",
                           f->path, path);
    } else {
        hid_t sp = H5ID(H5Dget_space(o));
        hsize_t d[8];
        int nd = H5Sget_simple_extent_dims(sp, d, NULL);
        if (nd < 1 || nd > 2) {
            rc = samarl_seterr("'%s': dataset '%s' has %d dimensions, expected 1 or 2", f->path,
                               path, nd);
        } else {
            *ndims = nd;
            dims[0] = (gidx_t)d[0];
            dims[1] = nd > 1 ? (gidx_t)d[1] : 0;
        }
        H5OK(H5Sclose(sp));
    }
    H5OK(H5Oclose(o));
    return rc;
}

void h5io_read_2d(h5file_t *f, const char *path, h5io_type_t t, gidx_t width, gidx_t offset,
                  gidx_t count, void *data)
{
    hid_t dset = H5ID(H5Dopen2(f->id, path, H5P_DEFAULT));
    transfer_rows(dset, t, offset, count, width, data, 0);
    H5OK(H5Dclose(dset));
}

void h5io_create_2d(h5file_t *f, const char *path, h5io_type_t t, gidx_t n_rows, gidx_t width,
                    gidx_t slab_cols, const char *units, const char *description)
{
    SAMARL_ASSERT(n_rows >= 0 && width > 0 && slab_cols >= 1);
    H5OK(H5Dclose(create_fixed(f, path, t, n_rows, width, slab_cols)));
    h5io_attr_str(f, path, "units", units);
    h5io_attr_str(f, path, "description", description);
}

/* Rows [offset, offset+count) x columns [col0, col0+ncols) of an existing
 * 2-D dataset; its width comes from the open dataset. */
static void transfer_cols(h5file_t *f, const char *path, h5io_type_t t, gidx_t offset, gidx_t count,
                          gidx_t col0, gidx_t ncols, void *data, int writing)
{
    hid_t dset = H5ID(H5Dopen2(f->id, path, H5P_DEFAULT));
    hid_t sp = H5ID(H5Dget_space(dset));
    hsize_t d[2];
    SAMARL_ASSERT(H5Sget_simple_extent_ndims(sp) == 2);
    H5OK(H5Sget_simple_extent_dims(sp, d, NULL));
    H5OK(H5Sclose(sp));
    SAMARL_ASSERT(offset >= 0 && count >= 0 && (hsize_t)(offset + count) <= d[0]);
    transfer(dset, t, offset, count, (gidx_t)d[1], col0, ncols, data, writing);
    H5OK(H5Dclose(dset));
}

void h5io_write_cols(h5file_t *f, const char *path, h5io_type_t t, gidx_t offset, gidx_t count,
                     gidx_t col0, gidx_t ncols, const void *data)
{
    transfer_cols(f, path, t, offset, count, col0, ncols, (void *)data, 1);
}

void h5io_read_cols(h5file_t *f, const char *path, h5io_type_t t, gidx_t offset, gidx_t count,
                    gidx_t col0, gidx_t ncols, void *data)
{
    transfer_cols(f, path, t, offset, count, col0, ncols, data, 0);
}

void h5io_write_1d(h5file_t *f, const char *path, h5io_type_t t, gidx_t n_global, gidx_t offset,
                   gidx_t count, const void *data, const char *units, const char *description)
{
    write_rows(f, path, t, n_global, 0, offset, count, data, units, description);
}

void h5io_dim_scale(h5file_t *f, const char *path, gidx_t n, int64_t first, int64_t stride,
                    const char *units, const char *description)
{
    const int root = comm_rank() == 0;
    int64_t *v = XNEW(int64_t, root && n > 0 ? (size_t)n : 1);
    for (gidx_t k = 0; root && k < n; k++) v[k] = first + stride * (int64_t)k;
    h5io_write_1d(f, path, H5IO_I64, n, 0, root ? n : 0, v, units, description);
    free(v);
    h5io_dim_make_scale(f, path);
}

void h5io_dim_make_scale(h5file_t *f, const char *path)
{
    const char *slash = strrchr(path, '/');
    hid_t d = H5ID(H5Dopen2(f->id, path, H5P_DEFAULT));
    H5OK(H5DSset_scale(d, slash ? slash + 1 : path));
    H5OK(H5Dclose(d));
}

int h5io_exists(h5file_t *f, const char *path)
{
    /* H5Lexists fails on a path whose parent is missing: ask of every
     * component in turn ("/a", then "/a/b", ...). */
    char buf[1024];
    const size_t len = strlen(path);
    SAMARL_ASSERT(len < sizeof buf);
    memcpy(buf, path, len + 1);
    for (size_t k = 1; k <= len; k++) {
        if (k < len && buf[k] != '/') continue;
        buf[k] = '\0';
        htri_t e = H5Lexists(f->id, buf, H5P_DEFAULT);
        H5OK(e < 0 ? -1 : 0);
        if (k < len) buf[k] = '/';
        if (e <= 0) return 0;
    }
    return 1;
}

void h5io_dim_attach(h5file_t *f, const char *dset, int dim, const char *scale)
{
    hid_t d = H5ID(H5Dopen2(f->id, dset, H5P_DEFAULT));
    hid_t s = H5ID(H5Dopen2(f->id, scale, H5P_DEFAULT));
    H5OK(H5DSattach_scale(d, s, (unsigned)dim));
    H5OK(H5Dclose(s));
    H5OK(H5Dclose(d));
}

/* ---- extendible datasets --------------------------------------------------- */

struct h5series {
    h5file_t *f;
    hid_t dset;
    h5io_type_t t;
    gidx_t width; /* 0: 1-D */
    gidx_t rows;  /* written so far */
    gidx_t total; /* fixed size (0: extendible) */
};

/* Chunks of about 1 MiB: chunk_rows rows by as many columns as fit. */

h5series_t *h5io_series_create(h5file_t *f, const char *path, h5io_type_t t, gidx_t width,
                               int deflate, gidx_t chunk_rows, gidx_t total_rows, const char *units,
                               const char *description)
{
    SAMARL_ASSERT(width >= 0 && chunk_rows >= 1 && total_rows >= 0);
    const int rank = width > 0 ? 2 : 1;
    hsize_t dims[2] = {(hsize_t)total_rows, (hsize_t)width};
    hsize_t maxd[2] = {H5S_UNLIMITED, (hsize_t)width};
    gidx_t cols = width > 0 ? SERIES_CHUNK_BYTES / ((gidx_t)type_size(t) * chunk_rows) : 1;
    if (cols < 1) cols = 1;
    if (width > 0 && cols > width) cols = width;
    hsize_t chunk[2] = {(hsize_t)chunk_rows, (hsize_t)cols};
    hid_t space = H5ID(H5Screate_simple(rank, dims, maxd));
    hid_t lcpl = link_plist();
    hid_t dcpl = H5ID(H5Pcreate(H5P_DATASET_CREATE));
    H5OK(H5Pset_chunk(dcpl, rank, chunk));
    H5OK(H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER)); /* every element gets written */
    if (deflate > 0) {
        H5OK(H5Pset_shuffle(dcpl)); /* float bytes grouped: they compress far better */
        H5OK(H5Pset_deflate(dcpl, (unsigned)deflate));
    }
    if (total_rows > 0) H5OK(H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY));
    h5series_t *s = XZNEW(h5series_t, 1);
    s->f = f;
    s->t = t;
    s->width = width;
    s->total = total_rows;
    s->dset = H5ID(H5Dcreate2(f->id, path, file_type(t), space, lcpl, dcpl, H5P_DEFAULT));
    H5OK(H5Pclose(dcpl));
    H5OK(H5Pclose(lcpl));
    H5OK(H5Sclose(space));
    h5io_attr_str(f, path, "units", units);
    h5io_attr_str(f, path, "description", description);
    return s;
}

h5series_t *h5io_series_reopen(h5file_t *f, const char *path, h5io_type_t t, gidx_t width,
                               gidx_t rows)
{
    h5series_t *s = XZNEW(h5series_t, 1);
    s->f = f;
    s->t = t;
    s->width = width;
    s->rows = rows;
    s->dset = H5ID(H5Dopen2(f->id, path, H5P_DEFAULT));
    hid_t space = H5ID(H5Dget_space(s->dset));
    hsize_t dims[2] = {0, 0}, maxd[2] = {0, 0};
    const int rank = H5Sget_simple_extent_dims(space, dims, maxd);
    H5OK(H5Sclose(space));
    SAMARL_ASSERT(rank == (width > 0 ? 2 : 1) && rows <= (gidx_t)dims[0]);
    s->total = (gidx_t)dims[0];
    return s;
}

void h5io_series_append(h5series_t *s, gidx_t n_rows, gidx_t col0, gidx_t ncols, const void *data)
{
    SAMARL_ASSERT(n_rows >= 0 && col0 >= 0 && ncols >= 0);
    if (n_rows == 0) return;
    const int rank = s->width > 0 ? 2 : 1;
    if (s->width > 0) SAMARL_ASSERT(col0 + ncols <= s->width);
    if (s->total > 0) {
        SAMARL_ASSERT(s->rows + n_rows <= s->total);
    } else {
        hsize_t dims[2] = {(hsize_t)(s->rows + n_rows), (hsize_t)s->width};
        H5OK(H5Dset_extent(s->dset, dims));
    }
    hid_t fspace = H5ID(H5Dget_space(s->dset));
    hid_t dxpl = H5ID(H5Pcreate(H5P_DATASET_XFER));
    H5OK(H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE));
    const int mine = ncols > 0;
    hsize_t c[2] = {(hsize_t)n_rows, (hsize_t)(rank == 2 ? ncols : 1)};
    hsize_t o[2] = {(hsize_t)s->rows, (hsize_t)col0}, one[2] = {1, 1};
    hid_t mspace = H5ID(H5Screate_simple(rank, mine ? c : one, NULL));
    if (mine) {
        H5OK(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, o, NULL, c, NULL));
    } else {
        H5OK(H5Sselect_none(fspace));
        H5OK(H5Sselect_none(mspace));
    }
    H5OK(H5Dwrite(s->dset, mem_type(s->t), mspace, fspace, dxpl, mine ? data : NULL));
    H5OK(H5Sclose(mspace));
    H5OK(H5Sclose(fspace));
    H5OK(H5Pclose(dxpl));
    s->rows += n_rows;
}

gidx_t h5io_series_rows(const h5series_t *s)
{
    return s->rows;
}

void h5io_series_close(h5series_t **sp)
{
    h5series_t *s = *sp;
    if (!s) return;
    H5OK(H5Dclose(s->dset));
    free(s);
    *sp = NULL;
}

static int attr_open(h5file_t *f, const char *obj, const char *name, hid_t *o, hid_t *a)
{
    if (strcmp(obj, "/") != 0 && H5Lexists(f->id, obj, H5P_DEFAULT) <= 0)
        return samarl_seterr("'%s' has no object '%s'", f->path, obj);
    *o = H5ID(H5Oopen(f->id, obj, H5P_DEFAULT));
    if (H5Aexists(*o, name) <= 0) {
        H5Oclose(*o);
        return samarl_seterr("'%s': %s has no attribute '%s'", f->path, obj, name);
    }
    *a = H5ID(H5Aopen(*o, name, H5P_DEFAULT));
    return SAMARL_OK;
}

int h5io_attr_read_str(h5file_t *f, const char *obj, const char *name, char **value)
{
    hid_t o = H5I_INVALID_HID, a = H5I_INVALID_HID;
    if (attr_open(f, obj, name, &o, &a) != SAMARL_OK) return SAMARL_ERR;
    hid_t t = H5ID(H5Aget_type(a));
    int rc = SAMARL_OK;
    if (H5Tget_class(t) != H5T_STRING) {
        rc = samarl_seterr("'%s': attribute %s of %s is not a string", f->path, name, obj);
    } else if (H5Tis_variable_str(t) > 0) {
        hid_t mt = vlen_string_type();
        char *s = NULL;
        H5OK(H5Aread(a, mt, &s));
        *value = samarl_strdup(s ? s : "");
        H5free_memory(s);
        H5OK(H5Tclose(mt));
    } else {
        size_t n = H5Tget_size(t);
        char *s = xcalloc(n + 1, 1);
        H5OK(H5Aread(a, t, s));
        *value = s;
    }
    H5OK(H5Tclose(t));
    H5OK(H5Aclose(a));
    H5OK(H5Oclose(o));
    return rc;
}

static int read_num_attr(h5file_t *f, const char *obj, const char *name, hid_t mt, void *v)
{
    hid_t o = H5I_INVALID_HID, a = H5I_INVALID_HID;
    if (attr_open(f, obj, name, &o, &a) != SAMARL_OK) return SAMARL_ERR;
    hid_t t = H5ID(H5Aget_type(a));
    H5T_class_t c = H5Tget_class(t);
    int rc = SAMARL_OK;
    if (c != H5T_INTEGER && c != H5T_FLOAT)
        rc = samarl_seterr("'%s': attribute %s of %s is not a number", f->path, name, obj);
    else
        H5OK(H5Aread(a, mt, v));
    H5OK(H5Tclose(t));
    H5OK(H5Aclose(a));
    H5OK(H5Oclose(o));
    return rc;
}

int h5io_attr_read_int64(h5file_t *f, const char *obj, const char *name, int64_t *v)
{
    return read_num_attr(f, obj, name, H5T_NATIVE_INT64, v);
}

int h5io_attr_read_double(h5file_t *f, const char *obj, const char *name, double *v)
{
    return read_num_attr(f, obj, name, H5T_NATIVE_DOUBLE, v);
}

int h5io_length_1d(h5file_t *f, const char *path, gidx_t *n)
{
    int nd = 0;
    gidx_t dims[2];
    if (h5io_shape(f, path, &nd, dims) != SAMARL_OK) return SAMARL_ERR;
    if (nd != 1)
        return samarl_seterr("'%s': dataset '%s' has %d dimensions, expected 1", f->path, path, nd);
    *n = dims[0];
    return SAMARL_OK;
}

void h5io_read_1d(h5file_t *f, const char *path, h5io_type_t t, gidx_t offset, gidx_t count,
                  void *data)
{
    hid_t dset = H5ID(H5Dopen2(f->id, path, H5P_DEFAULT));
    transfer_rows(dset, t, offset, count, 0, data, 0);
    H5OK(H5Dclose(dset));
}

const char *h5io_library_version(void)
{
    static char v[32];
    unsigned maj, min, rel;
    H5get_libversion(&maj, &min, &rel);
    snprintf(v, sizeof v, "%u.%u.%u", maj, min, rel);
    return v;
}

/* ---- samarl info ---------------------------------------------------------- */

static void print_attr_value(hid_t a, FILE *out)
{
    hid_t t = H5Aget_type(a), sp = H5Aget_space(a);
    hssize_t npts = H5Sget_simple_extent_npoints(sp);
    H5T_class_t c = H5Tget_class(t);
    if (c == H5T_STRING) {
        char *s = NULL;
        if (H5Tis_variable_str(t) > 0) {
            hid_t mt = vlen_string_type();
            if (H5Aread(a, mt, &s) >= 0 && s) {
                /* Multi-line text (the config): first line and a line count. */
                const char *nl = strchr(s, '\n');
                size_t lines = 0;
                for (const char *q = s; *q; q++) lines += *q == '\n';
                if (nl)
                    fprintf(out, "\"%.*s ...\" (%zu lines)", (int)(nl - s), s, lines);
                else
                    fprintf(out, "\"%s\"", s);
                H5free_memory(s);
            }
            H5Tclose(mt);
        } else {
            size_t n = H5Tget_size(t);
            s = xcalloc(n + 1, 1);
            if (H5Aread(a, t, s) >= 0) fprintf(out, "\"%s\"", s);
            free(s);
        }
    } else if ((c == H5T_INTEGER || c == H5T_FLOAT) && npts == 1) {
        if (c == H5T_INTEGER) {
            long long v = 0;
            H5Aread(a, H5T_NATIVE_LLONG, &v);
            fprintf(out, "%lld", v);
        } else {
            double v = 0;
            H5Aread(a, H5T_NATIVE_DOUBLE, &v);
            fprintf(out, "%.10g", v);
        }
    } else {
        fprintf(out, "(%lld values)", (long long)npts);
    }
    H5Sclose(sp);
    H5Tclose(t);
}

static herr_t attr_cb(hid_t loc, const char *name, const H5A_info_t *info, void *data)
{
    (void)info;
    FILE *out = data;
    if (strcmp(name, "units") == 0 || strcmp(name, "description") == 0) return 0;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0) return 0;
    fprintf(out, "      @%s = ", name);
    print_attr_value(a, out);
    fprintf(out, "\n");
    H5Aclose(a);
    return 0;
}

static const char *type_name(hid_t t)
{
    H5T_class_t c = H5Tget_class(t);
    size_t s = H5Tget_size(t);
    if (c == H5T_FLOAT) return s == 8 ? "float64" : "float32";
    if (c == H5T_INTEGER) return s == 8 ? "int64" : (s == 4 ? "int32" : "int");
    if (c == H5T_STRING) return "string";
    return "other";
}

static void describe_obj(hid_t file, const char *path, FILE *out)
{
    hid_t o = H5Oopen(file, path, H5P_DEFAULT);
    if (o < 0) return;
    H5I_type_t kind = H5Iget_type(o);
    if (kind == H5I_DATASET) {
        hid_t sp = H5Dget_space(o), t = H5Dget_type(o);
        hsize_t dims[8];
        int nd = H5Sget_simple_extent_dims(sp, dims, NULL);
        fprintf(out, "  %-36s %-8s [", path, type_name(t));
        for (int i = 0; i < nd; i++)
            fprintf(out, "%s%llu", i ? ", " : "", (unsigned long long)dims[i]);
        fprintf(out, "]");
        for (int which = 0; which < 2; which++) {
            const char *an = which ? "description" : "units";
            if (H5Aexists(o, an) > 0) {
                hid_t a = H5Aopen(o, an, H5P_DEFAULT);
                fprintf(out, which ? "  " : "  (");
                hid_t at = H5Aget_type(a);
                char *s = NULL;
                hid_t mt = vlen_string_type();
                if (H5Tis_variable_str(at) > 0 && H5Aread(a, mt, &s) >= 0 && s) {
                    fprintf(out, "%s", s);
                    H5free_memory(s);
                }
                H5Tclose(mt);
                H5Tclose(at);
                fprintf(out, which ? "" : ")");
                H5Aclose(a);
            }
        }
        fprintf(out, "\n");
        H5Sclose(sp);
        H5Tclose(t);
        H5Aiterate2(o, H5_INDEX_NAME, H5_ITER_INC, NULL, attr_cb, out);
    } else if (kind == H5I_GROUP) {
        fprintf(out, "  %s\n", path);
        H5Aiterate2(o, H5_INDEX_NAME, H5_ITER_INC, NULL, attr_cb, out);
        H5G_info_t gi;
        if (H5Gget_info(o, &gi) >= 0) {
            for (hsize_t i = 0; i < gi.nlinks; i++) {
                char name[512];
                if (H5Lget_name_by_idx(o, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name,
                                       H5P_DEFAULT) < 0)
                    continue;
                char child[1024];
                snprintf(child, sizeof child, "%s%s%s", path, strcmp(path, "/") ? "/" : "", name);
                describe_obj(file, child, out);
            }
        }
    }
    H5Oclose(o);
}

int h5io_describe(const char *path, FILE *out)
{
    h5_init();
    struct stat st;
    if (access(path, R_OK) != 0 || stat(path, &st) != 0)
        return samarl_seterr("cannot open '%s': %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return samarl_seterr("'%s' is a directory (expected an HDF5 file)", path);
    if (H5Fis_hdf5(path) <= 0) return samarl_seterr("'%s' is not an HDF5 file", path);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return samarl_seterr("cannot open HDF5 file '%s'", path);
    fprintf(out, "%s\n", path);
    describe_obj(f, "/", out);
    H5Fclose(f);
    return SAMARL_OK;
}

void h5io_write_identity(h5file_t *f, const char *format, int64_t version)
{
    h5io_attr_str(f, "/", "format", format);
    h5io_attr_int64(f, "/", "format_version", version, NULL);
    h5io_attr_str(f, "/", "samarl_version", SAMARL_VERSION);
    h5io_attr_str(f, "/", "git_sha", samarl_git_sha());
}
