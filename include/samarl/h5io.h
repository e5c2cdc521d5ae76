/* Parallel HDF5 I/O: the only module that calls HDF5.
 *
 * Files are written collectively through MPI-IO (collective metadata, and
 * collective data transfers: each rank writes one contiguous block, ranks
 * with nothing to write join with an empty selection). A file is created
 * under a temporary name (PATH.partial) and renamed to PATH only when
 * complete, so a failed run never leaves a file that looks finished.
 * Every dataset carries 'units' and 'description' attributes. */
#ifndef SAMARL_H5IO_H
#define SAMARL_H5IO_H

#include <stdint.h>
#include <stdio.h>

#include "samarl/types.h"

typedef struct h5file h5file_t;

typedef enum { H5IO_F64, H5IO_F32, H5IO_I32, H5IO_I64 } h5io_type_t;

/* Collective. Create PATH.partial for writing. SAMARL_ERR (on every rank)
 * when PATH cannot be written, e.g. its directory is missing. */
int h5io_create(const char *path, h5file_t **f);
/* Collective. SAMARL_ERR (every rank) when PATH could not be created: check
 * before long work, so that a bad output path costs seconds. */
int h5io_check_writable(const char *path);
/* Collective. Close and rename PATH.partial to PATH. */
int h5io_commit(h5file_t **f);
/* Collective. Open an existing file read-only; SAMARL_ERR (every rank) if it
 * is missing or not HDF5. */
int h5io_open(const char *path, h5file_t **f);
/* Collective. */
void h5io_close(h5file_t **f);
/* Collective. Reopen PATH.partial, left by a run that died after a
 * checkpoint, for writing; h5io_commit finishes it. SAMARL_ERR (every rank)
 * when it is missing or damaged. */
int h5io_reopen_partial(const char *path, h5file_t **f);
/* Collective. Everything written so far reaches the file (metadata too). */
void h5io_flush(h5file_t *f);
/* Keep PATH.partial when the job fails from now on (it is what a restart
 * continues); by default a failing job removes it. */
void h5io_keep_partial(h5file_t *f);

/* Collective (same arguments on every rank). obj is "/" or an object path;
 * missing groups on the way are created. */
void h5io_group(h5file_t *f, const char *path);
void h5io_attr_str(h5file_t *f, const char *obj, const char *name, const char *value);
/* A number with its units: they are written beside it as the string
 * attribute NAME_units ("1" for counts and ratios); NULL writes none (for
 * identifiers such as seeds, and a checkpoint's internal state). */
void h5io_attr_double(h5file_t *f, const char *obj, const char *name, double v, const char *units);
void h5io_attr_int64(h5file_t *f, const char *obj, const char *name, int64_t v, const char *units);

/* Collective. A 1-D dataset of n_global elements; this rank writes
 * data[0..count) at [offset, offset+count). Blocks must not overlap. */
void h5io_write_1d(h5file_t *f, const char *path, h5io_type_t t, gidx_t n_global, gidx_t offset,
                   gidx_t count, const void *data, const char *units, const char *description);

/* Collective. A dimension scale (HDF5 H5DS, what netCDF and xarray read as
 * a dimension and its coordinate): a 1-D int64 dataset at `path` holding
 * first, first + stride, ... (n values), named by its last path component.
 * h5io_dim_attach makes it dimension `dim` of dataset `dset`. */
void h5io_dim_scale(h5file_t *f, const char *path, gidx_t n, int64_t first, int64_t stride,
                    const char *units, const char *description);
void h5io_dim_attach(h5file_t *f, const char *dset, int dim, const char *scale);
/* Collective. Makes the 1-D dataset at `path` a dimension scale of its own
 * values (e.g. the rounds a study reported at), named by its last path
 * component. */
void h5io_dim_make_scale(h5file_t *f, const char *path);
/* Collective. Whether an object exists at `path` (0 where a parent group is missing). */
int h5io_exists(h5file_t *f, const char *path);

/* Collective. A 2-D dataset [n_rows][width]; this rank writes rows
 * [offset, offset+count) from data[count][width]. */
void h5io_write_2d(h5file_t *f, const char *path, h5io_type_t t, gidx_t n_rows, gidx_t width,
                   gidx_t offset, gidx_t count, const void *data, const char *units,
                   const char *description);

/* Collective. An empty 2-D dataset [n_rows][width] with its attributes, to be
 * written in slabs of slab_cols columns by h5io_write_cols (chunked one slab
 * wide when that is narrower than the table). */
void h5io_create_2d(h5file_t *f, const char *path, h5io_type_t t, gidx_t n_rows, gidx_t width,
                    gidx_t slab_cols, const char *units, const char *description);
/* Collective. Rows [offset, offset+count), columns [col0, col0+ncols) of a
 * 2-D dataset from/to data[count][ncols]: large per-agent tables move in
 * slabs of columns, so no full-size copy is ever needed. */
void h5io_write_cols(h5file_t *f, const char *path, h5io_type_t t, gidx_t offset, gidx_t count,
                     gidx_t col0, gidx_t ncols, const void *data);
void h5io_read_cols(h5file_t *f, const char *path, h5io_type_t t, gidx_t offset, gidx_t count,
                    gidx_t col0, gidx_t ncols, void *data);

/* Datasets appended to in blocks of rows (time steps): [rows][width] (1-D
 * [rows] when width is 0), chunked chunk_rows rows by up to ~1 MiB, with
 * 'units' and 'description' attributes; extendible. Collective.
 * total_rows = 0: created empty, each append extends it. total_rows > 0:
 * created at that size with all space allocated up front, so that
 * appending writes raw data only and never metadata: a
 * file flushed with h5io_flush stays readable however the job dies later,
 * which is what a checkpointed run continues from. deflate > 0: shuffle and
 * gzip at that level (chunks then change size as they are written, which
 * is metadata: not for a file a checkpoint continues). */
typedef struct h5series h5series_t;
h5series_t *h5io_series_create(h5file_t *f, const char *path, h5io_type_t t, gidx_t width,
                               int deflate, gidx_t chunk_rows, gidx_t total_rows, const char *units,
                               const char *description);
/* Collective. A series created with total_rows > 0, in a reopened file (h5io_reopen_partial)
 * with its first `rows` rows already written. */
h5series_t *h5io_series_reopen(h5file_t *f, const char *path, h5io_type_t t, gidx_t width,
                               gidx_t rows);
/* Collective. Append n_rows (same on every rank); this rank writes
 * columns [col0, col0 + ncols) of the new rows from data[n_rows][ncols].
 * 1-D: a rank with ncols > 0 writes data[n_rows]; the others pass 0. */
void h5io_series_append(h5series_t *s, gidx_t n_rows, gidx_t col0, gidx_t ncols, const void *data);
gidx_t h5io_series_rows(const h5series_t *s);
void h5io_series_close(h5series_t **s);

/* Collective. Reading; the functions returning int report a missing or
 * mistyped object as SAMARL_ERR with a message (on every rank). */
int h5io_attr_read_str(h5file_t *f, const char *obj, const char *name, char **value);
int h5io_attr_read_int64(h5file_t *f, const char *obj, const char *name, int64_t *v);
int h5io_attr_read_double(h5file_t *f, const char *obj, const char *name, double *v);
int h5io_length_1d(h5file_t *f, const char *path, gidx_t *n);
void h5io_read_1d(h5file_t *f, const char *path, h5io_type_t t, gidx_t offset, gidx_t count,
                  void *data);

/* Collective. Shape of a 1-D (dims[1] = 0) or 2-D dataset of numbers (any
 * other type is refused, so that reading it cannot fail). */
int h5io_shape(h5file_t *f, const char *path, int *ndims, gidx_t dims[2]);
/* Collective. Rows [offset, offset+count) of a [rows][width] dataset. */
void h5io_read_2d(h5file_t *f, const char *path, h5io_type_t t, gidx_t width, gidx_t offset,
                  gidx_t count, void *data);

/* Not collective: print what a file holds (groups, datasets with shapes,
 * types, units; attributes) for `samarl info`. */
int h5io_describe(const char *path, FILE *out);

/* HDF5 library version ("1.10.8"). */
const char *h5io_library_version(void);

/* Collective. The identity every samarl HDF5 file carries at its root:
 * format, format_version, samarl_version, git_sha. */
void h5io_write_identity(h5file_t *f, const char *format, int64_t version);

#endif
