/* Error reporting: fatal errors that abort every rank, and status messages
 * for bad input that the caller turns into a collective, clean exit.
 *
 * Two kinds of failure, two mechanisms (as in PETSc: check vs assert):
 *  - bad input (files, config values, command line): the function stores a
 *    message with samarl_seterr() and returns SAMARL_ERR; the caller passes
 *    the status to comm_check(), which makes every rank exit non-zero
 *    together after one rank prints the message;
 *  - internal failure (MPI, HDF5, METIS, out of memory, broken invariant):
 *    SAMARL_FATAL prints "[rank] time file:function():line message" and
 *    aborts the whole job. */
#ifndef SAMARL_ERROR_H
#define SAMARL_ERROR_H

#include <stddef.h>

#define SAMARL_OK 0
#define SAMARL_ERR (-1)

/* Store a message for the current failure (printf format). Returns SAMARL_ERR
 * so that callers can write `return samarl_seterr(...)`. Not collective. */
int samarl_seterr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prefix the stored message with more context ("reading 'x.graph': ..."). */
int samarl_adderr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Store "KEY = 'VALUE' is not WHAT; expected one of: a, b, c ('samarl list'
 * describes them)" for a name no registry entry has (names[0..n)), and
 * return SAMARL_ERR. */
int samarl_seterr_unknown(const char *key, const char *value, const char *what,
                          const char *const *names, int n);

/* The stored message ("" if none). */
const char *samarl_errmsg(void);
void samarl_clearerr(void);

/* Abort every rank with "[rank] time file:function():line message". */
__attribute__((__noreturn__)) void samarl_fatal(const char *file, const char *func, int line,
                                                const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define SAMARL_FATAL(...) samarl_fatal(__FILE__, __func__, __LINE__, __VA_ARGS__)

/* Internal invariant; always on (cheap, and a wrong answer is worse). */
#define SAMARL_ASSERT(cond)                                                                        \
    do {                                                                                           \
        if (!(cond)) SAMARL_FATAL("internal error: assertion '%s' failed", #cond);                 \
    } while (0)

/* Allocation that never returns NULL: failure is fatal and says how much. */
void *samarl_malloc(size_t n, const char *file, const char *func, int line);
void *samarl_calloc(size_t count, size_t size, const char *file, const char *func, int line);
void *samarl_realloc(void *p, size_t n, const char *file, const char *func, int line);
char *samarl_strdup(const char *s);

#define xmalloc(n) samarl_malloc((n), __FILE__, __func__, __LINE__)
#define xcalloc(c, s) samarl_calloc((c), (s), __FILE__, __func__, __LINE__)
#define xrealloc(p, n) samarl_realloc((p), (n), __FILE__, __func__, __LINE__)
/* Typed array allocation: T *a = XNEW(T, n). */
#define XNEW(T, n) ((T *)samarl_malloc(sizeof(T) * (size_t)(n), __FILE__, __func__, __LINE__))
#define XZNEW(T, n) ((T *)samarl_calloc((size_t)(n), sizeof(T), __FILE__, __func__, __LINE__))

/* What a fatal error needs from the communication layer, which sits above
 * this module: the rank and clock for the message, the clean-up of a run's
 * partial outputs, and the abort of every rank. comm_init registers them
 * (and the time origin becomes the moment it does). */
typedef struct error_runtime {
    int (*rank)(void);
    double (*clock)(void);
    void (*cleanup)(void);
    void (*abort)(int code);
} error_runtime_t;
void samarl_error_set_runtime(const error_runtime_t *rt);

/* The program name that prefixes user-facing errors ("samarl"). */
void samarl_set_progname(const char *name);
const char *samarl_progname(void);

#endif
