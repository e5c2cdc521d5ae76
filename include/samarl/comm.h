/* Communication layer: the only module that calls MPI. Everything else uses
 * these typed wrappers. Every MPI return code is checked; a failure aborts
 * the job with MPI's error string.
 *
 * "Collective" in a comment means every rank of the job must call the
 * function, in the same order, with matching arguments. */
#ifndef SAMARL_COMM_H
#define SAMARL_COMM_H

#include <stddef.h>
#include <stdint.h>

#include "samarl/types.h"

/* ---- set-up and tear-down ---------------------------------------------- */

/* Collective. Initialises MPI (errors returned, not fatal inside MPI). */
void comm_init(int *argc, char ***argv);
/* Collective. Finalises MPI (not an MPI that comm_adopt took over). */
void comm_finalize(void);
/* Whether MPI is not started yet, running, or finalised in this process
 * (for a library inside a host program, such as the step API). */
enum { COMM_MPI_NONE, COMM_MPI_UP, COMM_MPI_DOWN };
int comm_mpi_state(void);
/* Use an MPI the host program started (comm_init without MPI_Init): rank,
 * size and the error handling; the host finalises it. */
void comm_adopt(void);
int comm_rank(void);
int comm_size(void);
/* Seconds since an arbitrary origin (MPI_Wtime). */
double comm_wtime(void);
/* Collective. */
void comm_barrier(void);
/* The MPI library's version string. */
const char *comm_library_version(void);

/* ---- collective error handling ----------------------------------------- */

/* Collective. Combines every rank's status: if any rank failed, the lowest
 * failing rank prints "samarl: error: <its message>", every rank removes the
 * files registered with comm_cleanup_add(), finalises MPI and exits with
 * status 1. Returns only when all ranks succeeded. */
void comm_check(int status);
/* Collective. As comm_check, but the status is known on `root` only. */
void comm_check_root(int status, int root);
/* Collective. Clean exit of every rank with `code` (after cleanup). */
__attribute__((__noreturn__)) void comm_exit(int code);
/* Not collective. Kills the whole job (internal failures only). */
__attribute__((__noreturn__)) void comm_abort(int code);
/* A file to delete if the job exits on an error (temporary output). */
void comm_cleanup_add(const char *path);
void comm_cleanup_remove(const char *path);
/* Delete the registered files now (rank-local; used on the way out). */
void comm_cleanup_run(void);

/* ---- broadcast ---------------------------------------------------------- */

/* Collective. */
void comm_bcast_bytes(void *buf, size_t n, int root);
void comm_bcast_int64(int64_t *buf, size_t n, int root);
void comm_bcast_int32(int32_t *buf, size_t n, int root);
void comm_bcast_double(double *buf, size_t n, int root);
/* Collective. Returns a malloc'd copy of root's string on every rank (NULL
 * stays NULL). */
char *comm_bcast_string(const char *s, int root);

/* ---- reductions ---------------------------------------------------------- */

typedef enum { COMM_SUM, COMM_MIN, COMM_MAX } comm_op_t;

/* Collective, in place. Integer sums are exact, hence reproducible. */
void comm_allreduce_int64(int64_t *buf, size_t n, comm_op_t op);
/* Collective, in place. Floating-point SUM here depends on the rank count:
 * use it for timings and statistics only, never for values that feed back
 * into the dynamics (use reprosum for those). MIN/MAX are exact. */
void comm_allreduce_double(double *buf, size_t n, comm_op_t op);
/* Collective. Maximum of v over ranks and the lowest rank that has it. */
void comm_maxloc_double(double v, double *max, int *rank);

/* ---- gather / scatter / all-to-all --------------------------------------- */

/* Collective. Root sends counts[r] elements to rank r (contiguous, in rank
 * order); each rank receives n elements. counts is read on root only. */
void comm_scatterv_int64(const int64_t *send, const int64_t *counts, int64_t *recv, int64_t n,
                         int root);
void comm_scatterv_int32(const int32_t *send, const int64_t *counts, int32_t *recv, int64_t n,
                         int root);
/* Collective. Inverse of scatterv: rank r's n elements land at root in rank
 * order; counts is read on root only. */
void comm_gatherv_int32(const int32_t *send, int64_t n, int32_t *recv, const int64_t *counts,
                        int root);
/* Collective. Exchange one int64 with every rank. */
void comm_alltoall_int64(const int64_t *send, int64_t *recv);
/* Collective. Exchange elements of `elem` bytes: sendcounts[r] to rank r,
 * recvcounts[r] from rank r, both packed in rank order. */
void comm_alltoallv_bytes(const void *send, const int64_t *sendcounts, void *recv,
                          const int64_t *recvcounts, size_t elem);

/* Collective. all[r] = rank r's v, on every rank. */
void comm_allgather_int64(int64_t v, int64_t *all);
/* Collective. Every rank's n elements of `elem` bytes land on every rank,
 * packed in rank order in recv; counts[r] (rank r's n) known on every rank. */
void comm_allgatherv_bytes(const void *send, int64_t n, void *recv, const int64_t *counts,
                           size_t elem);
/* Point to point (not collective): n int64 to rank `dest` with `tag`, and
 * from rank `src`; messages between a pair with one tag arrive in order
 * (the sequential trainers pass their factor along the agent order). */
void comm_send_int64(const int64_t *buf, int64_t n, int dest, int tag);
void comm_recv_int64(int64_t *buf, int64_t n, int src, int tag);

/* Collective. Whether the `need` bytes more of every rank on this node fit
 * in 90% of the node's MemAvailable (/proc/meminfo; SAMARL_MEM_AVAILABLE, in
 * bytes, overrides it for tests). *node_need gets the sum over the node's
 * ranks, *node_ranks their number and *avail the bytes available (-1 when
 * unknown, which counts as fits).
 * The trainers call it before allocating their buffers, so that a run too
 * big for its nodes is refused with the figures instead of being killed. */
int comm_memory_fits(double need, double *node_need, int *node_ranks, double *avail);

/* ---- neighbour exchange (the mechanics under the halo exchange) ----------- */

typedef enum {
    COMM_EXCHANGE_P2P,     /* persistent MPI_Send_init/MPI_Recv_init requests */
    COMM_EXCHANGE_NEIGHBOR /* MPI-3 distributed graph + MPI_Ineighbor_alltoallv */
} comm_exchange_kind_t;

typedef struct comm_exchange comm_exchange_t;

/* Collective. A symmetric exchange of doubles with n_nbr neighbour ranks
 * (ascending, each listing the other). Neighbour k's outgoing data occupies
 * sendbuf[send_ptr[k]*w .. send_ptr[k+1]*w) and its incoming data
 * recvbuf[recv_ptr[k]*w .. recv_ptr[k+1]*w), for widths w <= max_width. */
comm_exchange_t *comm_exchange_create(comm_exchange_kind_t kind, int n_nbr, const int *nbr,
                                      const lidx_t *send_ptr, const lidx_t *recv_ptr,
                                      int max_width);
double *comm_exchange_sendbuf(comm_exchange_t *ex);
double *comm_exchange_recvbuf(comm_exchange_t *ex);
/* Start sending sendbuf and receiving into recvbuf with `width` doubles per
 * entry. Collective over the neighbours. */
void comm_exchange_start(comm_exchange_t *ex, int width);
/* Give MPI a chance to progress the exchange; returns 1 once complete. */
int comm_exchange_test(comm_exchange_t *ex);
/* Complete the exchange started last. */
void comm_exchange_wait(comm_exchange_t *ex);
/* Collective. */
void comm_exchange_destroy(comm_exchange_t **ex);

/* ---- machine limits ------------------------------------------------------ */

/* Collective. One-way latency (seconds) of a `bytes` message between ranks 0
 * and 1 measured by ping-pong (0 on a single rank). */
double comm_pingpong(size_t bytes, int iters);

#endif
