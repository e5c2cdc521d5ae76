/* Communication layer: the only file that calls MPI (see comm.h). */
#include "samarl/comm.h"

#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "samarl/error.h"

/* Every MPI call goes through this: a failure aborts with MPI's own words. */
#define MPI_CHECK(call)                                                                            \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        if (rc_ != MPI_SUCCESS) {                                                                  \
            char s_[MPI_MAX_ERROR_STRING];                                                         \
            int len_ = 0;                                                                          \
            MPI_Error_string(rc_, s_, &len_);                                                      \
            samarl_fatal(__FILE__, __func__, __LINE__, "%s failed: %s", #call, s_);                \
        }                                                                                          \
    } while (0)

/* Largest element count passed to one MPI call (counts are C ints). */
#define CHUNK ((int64_t)1 << 30)

static int world_rank = 0, world_size = 1, initialised = 0;

/* ---- set-up and tear-down ---------------------------------------------- */

void comm_init(int *argc, char ***argv)
{
    MPI_CHECK(MPI_Init(argc, argv));
    initialised = 1;
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &world_rank));
    MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &world_size));
    samarl_error_set_runtime(
        &(error_runtime_t){comm_rank, comm_wtime, comm_cleanup_run, comm_abort});
}

int comm_mpi_state(void)
{
    int up = 0, down = 0;
    MPI_CHECK(MPI_Finalized(&down));
    if (down) return COMM_MPI_DOWN;
    MPI_CHECK(MPI_Initialized(&up));
    return up ? COMM_MPI_UP : COMM_MPI_NONE;
}

void comm_adopt(void)
{
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &world_rank));
    MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &world_size));
    samarl_error_set_runtime(
        &(error_runtime_t){comm_rank, comm_wtime, comm_cleanup_run, comm_abort});
}

void comm_finalize(void)
{
    if (!initialised) return;
    fflush(stdout);
    fflush(stderr);
    MPI_CHECK(MPI_Finalize());
    initialised = 0;
}

int comm_rank(void)
{
    return world_rank;
}

int comm_size(void)
{
    return world_size;
}

double comm_wtime(void)
{
    return MPI_Wtime();
}

void comm_barrier(void)
{
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
}

const char *comm_library_version(void)
{
    static char v[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    if (!v[0]) {
        MPI_Get_library_version(v, &len);
        /* Keep the first line: the rest is build detail. */
        v[strcspn(v, "\n,")] = '\0';
    }
    return v;
}

/* ---- collective error handling ----------------------------------------- */

static char **cleanup_paths;
static int n_cleanup;

void comm_cleanup_add(const char *path)
{
    cleanup_paths = xrealloc(cleanup_paths, sizeof(char *) * (size_t)(n_cleanup + 1));
    cleanup_paths[n_cleanup++] = samarl_strdup(path);
}

void comm_cleanup_remove(const char *path)
{
    for (int i = 0; i < n_cleanup; i++) {
        if (strcmp(cleanup_paths[i], path) == 0) {
            free(cleanup_paths[i]);
            cleanup_paths[i] = cleanup_paths[--n_cleanup];
            return;
        }
    }
}

void comm_cleanup_run(void)
{
    for (int i = 0; i < n_cleanup; i++) {
        unlink(cleanup_paths[i]); /* every rank tries; one succeeds */
        free(cleanup_paths[i]);
    }
    n_cleanup = 0;
}

static void exchanges_destroy_all(void);

void comm_exit(int code)
{
    comm_cleanup_run();
    fflush(stdout);
    fflush(stderr);
    exchanges_destroy_all();
    if (initialised) MPI_Finalize();
    exit(code);
}

void comm_abort(int code)
{
    fflush(stdout);
    fflush(stderr);
    if (initialised) MPI_Abort(MPI_COMM_WORLD, code);
    exit(code);
}

void comm_check(int status)
{
    int key = status != SAMARL_OK ? world_rank : INT_MAX, lowest = INT_MAX;
    MPI_CHECK(MPI_Allreduce(&key, &lowest, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD));
    if (lowest == INT_MAX) return;
    if (world_rank == lowest) {
        fprintf(stderr, "%s: error: %s\n", samarl_progname(), samarl_errmsg());
        fflush(stderr);
    }
    comm_exit(1);
}

void comm_check_root(int status, int root)
{
    int st = status;
    MPI_CHECK(MPI_Bcast(&st, 1, MPI_INT, root, MPI_COMM_WORLD));
    if (st == SAMARL_OK) return;
    if (world_rank == root) {
        fprintf(stderr, "%s: error: %s\n", samarl_progname(), samarl_errmsg());
        fflush(stderr);
    }
    comm_exit(1);
}

/* ---- broadcast ---------------------------------------------------------- */

static void bcast_chunked(void *buf, size_t n, size_t elem, MPI_Datatype t, int root)
{
    char *p = buf;
    for (size_t off = 0; off < n; off += (size_t)CHUNK) {
        size_t c = n - off < (size_t)CHUNK ? n - off : (size_t)CHUNK;
        MPI_CHECK(MPI_Bcast(p + off * elem, (int)c, t, root, MPI_COMM_WORLD));
    }
}

void comm_bcast_bytes(void *buf, size_t n, int root)
{
    bcast_chunked(buf, n, 1, MPI_BYTE, root);
}

void comm_bcast_int64(int64_t *buf, size_t n, int root)
{
    bcast_chunked(buf, n, sizeof *buf, MPI_INT64_T, root);
}

void comm_bcast_int32(int32_t *buf, size_t n, int root)
{
    bcast_chunked(buf, n, sizeof *buf, MPI_INT32_T, root);
}

void comm_bcast_double(double *buf, size_t n, int root)
{
    bcast_chunked(buf, n, sizeof *buf, MPI_DOUBLE, root);
}

char *comm_bcast_string(const char *s, int root)
{
    int64_t len = (world_rank == root) ? (s ? (int64_t)strlen(s) : -1) : 0;
    comm_bcast_int64(&len, 1, root);
    if (len < 0) return NULL;
    char *out = xmalloc((size_t)len + 1);
    /* On the root len >= 0 means s != NULL. */
    if (world_rank == root) memcpy(out, s, (size_t)len); // NOLINT(*NonNullParamChecker)
    comm_bcast_bytes(out, (size_t)len, root);
    out[len] = '\0';
    return out;
}

/* ---- reductions ---------------------------------------------------------- */

static MPI_Op mpi_op(comm_op_t op)
{
    switch (op) {
    case COMM_SUM:
        return MPI_SUM;
    case COMM_MIN:
        return MPI_MIN;
    case COMM_MAX:
        return MPI_MAX;
    }
    SAMARL_FATAL("unknown reduction %d", (int)op);
}

void comm_allreduce_int64(int64_t *buf, size_t n, comm_op_t op)
{
    SAMARL_ASSERT(n <= (size_t)CHUNK);
    MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MPI_INT64_T, mpi_op(op), MPI_COMM_WORLD));
}

void comm_allreduce_double(double *buf, size_t n, comm_op_t op)
{
    SAMARL_ASSERT(n <= (size_t)CHUNK);
    MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MPI_DOUBLE, mpi_op(op), MPI_COMM_WORLD));
}

void comm_maxloc_double(double v, double *out, int *rank)
{
    struct {
        double v;
        int r;
    } in = {v, world_rank}, res;
    MPI_CHECK(MPI_Allreduce(&in, &res, 1, MPI_DOUBLE_INT, MPI_MAXLOC, MPI_COMM_WORLD));
    if (out) *out = res.v;
    if (rank) *rank = res.r;
}

/* ---- gather / scatter / all-to-all --------------------------------------- */

/* Root-to-all and all-to-root transfers of arbitrary size: point-to-point in
 * chunks, so no count or displacement ever overflows an int. `root_buf`
 * holds counts[r] elements per rank r in rank order; `mine` this rank's n. */
enum { TAG_SCATTER = 7001, TAG_GATHER = 7002, TAG_PING = 7003 };

static void rooted_chunked(int to_all, void *root_buf, const int64_t *counts, void *mine, int64_t n,
                           int root, size_t elem, MPI_Datatype t)
{
    const int tag = to_all ? TAG_SCATTER : TAG_GATHER;
    if (world_rank == root) {
        char *p = root_buf;
        int64_t nreq = 0;
        for (int r = 0; r < world_size; r++)
            nreq += r == root ? 0 : (counts[r] + CHUNK - 1) / CHUNK;
        MPI_Request *req = XNEW(MPI_Request, nreq);
        int64_t k = 0;
        for (int r = 0; r < world_size; r++) {
            if (r == root) {
                SAMARL_ASSERT(counts[r] == n);
                if (to_all)
                    memcpy(mine, p, (size_t)n * elem);
                else
                    memcpy(p, mine, (size_t)n * elem);
            } else {
                for (int64_t off = 0; off < counts[r]; off += CHUNK) {
                    int64_t c = counts[r] - off < CHUNK ? counts[r] - off : CHUNK;
                    char *at = p + (size_t)off * elem;
                    if (to_all)
                        MPI_CHECK(MPI_Isend(at, (int)c, t, r, tag, MPI_COMM_WORLD, &req[k++]));
                    else
                        MPI_CHECK(MPI_Irecv(at, (int)c, t, r, tag, MPI_COMM_WORLD, &req[k++]));
                }
            }
            p += (size_t)counts[r] * elem;
        }
        MPI_CHECK(MPI_Waitall((int)nreq, req, MPI_STATUSES_IGNORE));
        free(req);
    } else {
        char *p = mine;
        for (int64_t off = 0; off < n; off += CHUNK) {
            int64_t c = n - off < CHUNK ? n - off : CHUNK;
            char *at = p + (size_t)off * elem;
            if (to_all)
                MPI_CHECK(MPI_Recv(at, (int)c, t, root, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
            else
                MPI_CHECK(MPI_Send(at, (int)c, t, root, tag, MPI_COMM_WORLD));
        }
    }
}

void comm_scatterv_int64(const int64_t *send, const int64_t *counts, int64_t *recv, int64_t n,
                         int root)
{
    rooted_chunked(1, (void *)send, counts, recv, n, root, sizeof(int64_t), MPI_INT64_T);
}

void comm_scatterv_int32(const int32_t *send, const int64_t *counts, int32_t *recv, int64_t n,
                         int root)
{
    rooted_chunked(1, (void *)send, counts, recv, n, root, sizeof(int32_t), MPI_INT32_T);
}

void comm_gatherv_int32(const int32_t *send, int64_t n, int32_t *recv, const int64_t *counts,
                        int root)
{
    rooted_chunked(0, recv, counts, (void *)send, n, root, sizeof(int32_t), MPI_INT32_T);
}

void comm_alltoall_int64(const int64_t *send, int64_t *recv)
{
    MPI_CHECK(MPI_Alltoall(send, 1, MPI_INT64_T, recv, 1, MPI_INT64_T, MPI_COMM_WORLD));
}

void comm_alltoallv_bytes(const void *send, const int64_t *sendcounts, void *recv,
                          const int64_t *recvcounts, size_t elem)
{
    int *sc = XNEW(int, world_size), *sd = XNEW(int, world_size);
    int *rc = XNEW(int, world_size), *rd = XNEW(int, world_size);
    int64_t so = 0, ro = 0;
    for (int r = 0; r < world_size; r++) {
        if (so + sendcounts[r] > INT_MAX || ro + recvcounts[r] > INT_MAX)
            SAMARL_FATAL("all-to-all of more than %d elements per rank is not supported", INT_MAX);
        sc[r] = (int)sendcounts[r];
        sd[r] = (int)so;
        rc[r] = (int)recvcounts[r];
        rd[r] = (int)ro;
        so += sendcounts[r];
        ro += recvcounts[r];
    }
    MPI_Datatype t;
    MPI_CHECK(MPI_Type_contiguous((int)elem, MPI_BYTE, &t));
    MPI_CHECK(MPI_Type_commit(&t));
    MPI_CHECK(MPI_Alltoallv(send, sc, sd, t, recv, rc, rd, t, MPI_COMM_WORLD));
    MPI_CHECK(MPI_Type_free(&t));
    free(sc);
    free(sd);
    free(rc);
    free(rd);
}

void comm_allgather_int64(int64_t v, int64_t *all)
{
    MPI_CHECK(MPI_Allgather(&v, 1, MPI_INT64_T, all, 1, MPI_INT64_T, MPI_COMM_WORLD));
}

void comm_send_int64(const int64_t *buf, int64_t n, int dest, int tag)
{
    if (n > INT_MAX) SAMARL_FATAL("a message of %" PRId64 " int64 is not supported", n);
    MPI_CHECK(MPI_Send(buf, (int)n, MPI_INT64_T, dest, tag, MPI_COMM_WORLD));
}

void comm_recv_int64(int64_t *buf, int64_t n, int src, int tag)
{
    if (n > INT_MAX) SAMARL_FATAL("a message of %" PRId64 " int64 is not supported", n);
    MPI_CHECK(MPI_Recv(buf, (int)n, MPI_INT64_T, src, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
}

void comm_allgatherv_bytes(const void *send, int64_t n, void *recv, const int64_t *counts,
                           size_t elem)
{
    int *rc = XNEW(int, world_size), *rd = XNEW(int, world_size);
    int64_t ro = 0;
    if (elem > INT_MAX) SAMARL_FATAL("all-gather of %zu-byte elements is not supported", elem);
    for (int r = 0; r < world_size; r++) {
        if (ro + counts[r] > INT_MAX)
            SAMARL_FATAL("all-gather of more than %d elements is not supported", INT_MAX);
        rc[r] = (int)counts[r];
        rd[r] = (int)ro;
        ro += counts[r];
    }
    SAMARL_ASSERT(n == counts[world_rank]);
    MPI_Datatype t;
    MPI_CHECK(MPI_Type_contiguous((int)elem, MPI_BYTE, &t));
    MPI_CHECK(MPI_Type_commit(&t));
    MPI_CHECK(MPI_Allgatherv(send, (int)n, t, recv, rc, rd, t, MPI_COMM_WORLD));
    MPI_CHECK(MPI_Type_free(&t));
    free(rc);
    free(rd);
}

static double mem_available(void)
{
    const char *s = getenv("SAMARL_MEM_AVAILABLE");
    if (s && *s) return strtod(s, NULL);
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f) return -1;
    char line[256];
    double kb = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %lf kB", &kb) == 1) break;
    fclose(f);
    return kb < 0 ? -1 : kb * 1024.0;
}

int comm_memory_fits(double need, double *node_need, int *node_ranks, double *avail)
{
    /* Ranks on one node share its memory: their needs add up. */
    MPI_Comm node;
    MPI_CHECK(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, world_rank, MPI_INFO_NULL,
                                  &node));
    MPI_CHECK(MPI_Comm_size(node, node_ranks));
    MPI_CHECK(MPI_Allreduce(&need, node_need, 1, MPI_DOUBLE, MPI_SUM, node));
    MPI_CHECK(MPI_Comm_free(&node));
    *avail = mem_available();
    return *avail < 0 || *node_need <= 0.9 * *avail;
}

/* ---- neighbour exchange -------------------------------------------------- */

struct comm_exchange {
    comm_exchange_kind_t kind;
    int n_nbr, max_width;
    int *nbr;
    lidx_t *send_ptr, *recv_ptr;
    double *sendbuf, *recvbuf;
    MPI_Comm comm; /* a private context: a dup of world, or the graph comm */
    /* P2P: persistent requests per width (receives first, then sends). */
    MPI_Request **preq;
    /* NEIGHBOR: counts and displacements for the width in flight. */
    int *sc, *sd, *rc, *rd;
    MPI_Request req;
    int width_in_flight;
};

/* The exchanges not yet destroyed. An early exit (comm_exit after a failed
 * comm_check) destroys them before MPI_Finalize: a communicator still open
 * at MPI_Finalize is torn down only in part, and its attribute table leaks. */
static comm_exchange_t **live_ex;
static int n_live_ex;

static void exchanges_destroy_all(void)
{
    while (n_live_ex > 0) {
        comm_exchange_t *ex = live_ex[n_live_ex - 1];
        comm_exchange_destroy(&ex); /* removes it from live_ex */
    }
    free(live_ex);
    live_ex = NULL;
}

comm_exchange_t *comm_exchange_create(comm_exchange_kind_t kind, int n_nbr, const int *nbr,
                                      const lidx_t *send_ptr, const lidx_t *recv_ptr, int max_width)
{
    SAMARL_ASSERT(max_width >= 1);
    comm_exchange_t *ex = XZNEW(comm_exchange_t, 1);
    ex->kind = kind;
    ex->n_nbr = n_nbr;
    ex->max_width = max_width;
    ex->nbr = XNEW(int, n_nbr + 1);
    ex->send_ptr = XNEW(lidx_t, n_nbr + 1);
    ex->recv_ptr = XNEW(lidx_t, n_nbr + 1);
    if (n_nbr) memcpy(ex->nbr, nbr, sizeof(int) * (size_t)n_nbr);
    memcpy(ex->send_ptr, send_ptr, sizeof(lidx_t) * (size_t)(n_nbr + 1));
    memcpy(ex->recv_ptr, recv_ptr, sizeof(lidx_t) * (size_t)(n_nbr + 1));
    ex->sendbuf = XNEW(double, (size_t)send_ptr[n_nbr] * (size_t)max_width);
    ex->recvbuf = XNEW(double, (size_t)recv_ptr[n_nbr] * (size_t)max_width);
    ex->width_in_flight = 0;
    if (kind == COMM_EXCHANGE_NEIGHBOR) {
/* MPI_UNWEIGHTED is a sentinel pointer; GCC 12 mistakes it for a buffer.
 * (Clang has no such warning, and would warn about the unknown name.) */
#pragma GCC diagnostic push
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wstringop-overread"
#endif
        MPI_CHECK(MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, n_nbr, ex->nbr, MPI_UNWEIGHTED,
                                                 n_nbr, ex->nbr, MPI_UNWEIGHTED, MPI_INFO_NULL, 0,
                                                 &ex->comm));
#pragma GCC diagnostic pop
        MPI_CHECK(MPI_Comm_set_errhandler(ex->comm, MPI_ERRORS_RETURN));
        ex->sc = XNEW(int, n_nbr + 1);
        ex->sd = XNEW(int, n_nbr + 1);
        ex->rc = XNEW(int, n_nbr + 1);
        ex->rd = XNEW(int, n_nbr + 1);
    } else {
        MPI_CHECK(MPI_Comm_dup(MPI_COMM_WORLD, &ex->comm));
        ex->preq = XZNEW(MPI_Request *, max_width + 1);
    }
    live_ex = xrealloc(live_ex, sizeof(comm_exchange_t *) * (size_t)(n_live_ex + 1));
    live_ex[n_live_ex++] = ex;
    return ex;
}

double *comm_exchange_sendbuf(comm_exchange_t *ex)
{
    return ex->sendbuf;
}

double *comm_exchange_recvbuf(comm_exchange_t *ex)
{
    return ex->recvbuf;
}

/* Persistent requests for one width, made on first use and kept. */
static MPI_Request *p2p_requests(comm_exchange_t *ex, int w)
{
    if (ex->preq[w]) return ex->preq[w];
    MPI_Request *r = XNEW(MPI_Request, 2 * ex->n_nbr + 1);
    for (int k = 0; k < ex->n_nbr; k++) {
        int rn = (ex->recv_ptr[k + 1] - ex->recv_ptr[k]) * w;
        int sn = (ex->send_ptr[k + 1] - ex->send_ptr[k]) * w;
        MPI_CHECK(MPI_Recv_init(ex->recvbuf + (size_t)ex->recv_ptr[k] * w, rn, MPI_DOUBLE,
                                ex->nbr[k], w, ex->comm, &r[k]));
        MPI_CHECK(MPI_Send_init(ex->sendbuf + (size_t)ex->send_ptr[k] * w, sn, MPI_DOUBLE,
                                ex->nbr[k], w, ex->comm, &r[ex->n_nbr + k]));
    }
    ex->preq[w] = r;
    return r;
}

void comm_exchange_start(comm_exchange_t *ex, int width)
{
    SAMARL_ASSERT(width >= 1 && width <= ex->max_width && ex->width_in_flight == 0);
    ex->width_in_flight = width;
    if (ex->kind == COMM_EXCHANGE_P2P) {
        if (ex->n_nbr == 0) return;
        MPI_Request *r = p2p_requests(ex, width);
        MPI_CHECK(MPI_Startall(2 * ex->n_nbr, r));
    } else {
        for (int k = 0; k < ex->n_nbr; k++) {
            ex->sc[k] = (ex->send_ptr[k + 1] - ex->send_ptr[k]) * width;
            ex->sd[k] = ex->send_ptr[k] * width;
            ex->rc[k] = (ex->recv_ptr[k + 1] - ex->recv_ptr[k]) * width;
            ex->rd[k] = ex->recv_ptr[k] * width;
        }
        MPI_CHECK(MPI_Ineighbor_alltoallv(ex->sendbuf, ex->sc, ex->sd, MPI_DOUBLE, ex->recvbuf,
                                          ex->rc, ex->rd, MPI_DOUBLE, ex->comm, &ex->req));
    }
}

int comm_exchange_test(comm_exchange_t *ex)
{
    int done = 1;
    if (ex->width_in_flight == 0) return 1;
    if (ex->kind == COMM_EXCHANGE_P2P) {
        if (ex->n_nbr)
            MPI_CHECK(MPI_Testall(2 * ex->n_nbr, ex->preq[ex->width_in_flight], &done,
                                  MPI_STATUSES_IGNORE));
    } else {
        MPI_CHECK(MPI_Test(&ex->req, &done, MPI_STATUS_IGNORE));
    }
    return done;
}

void comm_exchange_wait(comm_exchange_t *ex)
{
    SAMARL_ASSERT(ex->width_in_flight > 0);
    if (ex->kind == COMM_EXCHANGE_P2P) {
        if (ex->n_nbr)
            MPI_CHECK(
                MPI_Waitall(2 * ex->n_nbr, ex->preq[ex->width_in_flight], MPI_STATUSES_IGNORE));
    } else {
        /* ex->req is comm_exchange_start's MPI_Ineighbor_alltoallv. */
        MPI_CHECK(MPI_Wait(&ex->req, MPI_STATUS_IGNORE)); // NOLINT(*MPI-Checker)
    }
    ex->width_in_flight = 0;
}

void comm_exchange_destroy(comm_exchange_t **exp)
{
    comm_exchange_t *ex = *exp;
    if (!ex) return;
    for (int i = 0; i < n_live_ex; i++)
        if (live_ex[i] == ex) {
            live_ex[i] = live_ex[--n_live_ex];
            break;
        }
    if (ex->preq) {
        for (int w = 1; w <= ex->max_width; w++) {
            if (!ex->preq[w]) continue;
            for (int k = 0; k < 2 * ex->n_nbr; k++) MPI_CHECK(MPI_Request_free(&ex->preq[w][k]));
            free(ex->preq[w]);
        }
        free(ex->preq);
    }
    MPI_CHECK(MPI_Comm_free(&ex->comm));
    free(ex->sc);
    free(ex->sd);
    free(ex->rc);
    free(ex->rd);
    free(ex->nbr);
    free(ex->send_ptr);
    free(ex->recv_ptr);
    free(ex->sendbuf);
    free(ex->recvbuf);
    free(ex);
    *exp = NULL;
}

/* ---- machine limits ------------------------------------------------------ */

double comm_pingpong(size_t bytes, int iters)
{
    double lat = 0.0;
    if (world_size < 2) return 0.0;
    char *buf = xcalloc(bytes ? bytes : 1, 1);
    comm_barrier();
    for (int pass = 0; pass < 2; pass++) { /* pass 0 warms up */
        double t0 = MPI_Wtime();
        for (int i = 0; i < iters; i++) {
            if (world_rank == 0) {
                MPI_CHECK(MPI_Send(buf, (int)bytes, MPI_BYTE, 1, TAG_PING, MPI_COMM_WORLD));
                MPI_CHECK(MPI_Recv(buf, (int)bytes, MPI_BYTE, 1, TAG_PING, MPI_COMM_WORLD,
                                   MPI_STATUS_IGNORE));
            } else if (world_rank == 1) {
                MPI_CHECK(MPI_Recv(buf, (int)bytes, MPI_BYTE, 0, TAG_PING, MPI_COMM_WORLD,
                                   MPI_STATUS_IGNORE));
                MPI_CHECK(MPI_Send(buf, (int)bytes, MPI_BYTE, 0, TAG_PING, MPI_COMM_WORLD));
            }
        }
        lat = (MPI_Wtime() - t0) / (2.0 * iters);
    }
    free(buf);
    comm_bcast_double(&lat, 1, 0);
    return lat;
}
