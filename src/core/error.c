/* Error messages for bad input, fatal-error reporting and checked allocation. */
#include "samarl/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char errbuf[4096];

/* Until the communication layer registers itself (comm_init), a fatal error
 * is reported as rank 0 at time 0 and ends this process alone. */
static int no_rank(void)
{
    return 0;
}
static double no_clock(void)
{
    return 0.0;
}
static void no_cleanup(void) {}
static void exit_abort(int code)
{
    exit(code);
}
static error_runtime_t runtime = {no_rank, no_clock, no_cleanup, exit_abort};
static double error_t0 = 0.0;

void samarl_error_set_runtime(const error_runtime_t *rt)
{
    runtime = *rt;
    error_t0 = runtime.clock();
}

static const char *progname = "samarl";

void samarl_set_progname(const char *name)
{
    progname = name;
}

const char *samarl_progname(void)
{
    return progname;
}

int samarl_seterr(const char *fmt, ...)
{
    /* Format aside first: the arguments may include samarl_errmsg(). */
    char tmp[sizeof errbuf];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    memcpy(errbuf, tmp, sizeof errbuf);
    return SAMARL_ERR;
}

int samarl_adderr(const char *fmt, ...)
{
    char out[sizeof errbuf];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, sizeof out, fmt, ap);
    va_end(ap);
    size_t lp = strlen(out), lo = strlen(errbuf);
    if (lp + lo >= sizeof out) lo = sizeof out - 1 - lp;
    memcpy(out + lp, errbuf, lo);
    out[lp + lo] = '\0';
    memcpy(errbuf, out, sizeof errbuf);
    return SAMARL_ERR;
}

int samarl_seterr_unknown(const char *key, const char *value, const char *what,
                          const char *const *names, int n)
{
    char list[512];
    size_t used = 0;
    list[0] = '\0';
    for (int k = 0; k < n && used < sizeof list; k++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", k ? ", " : "", names[k]);
    return samarl_seterr("%s = '%s' is not %s; expected one of: %s ('samarl list' describes them)",
                         key, value, what, list);
}

const char *samarl_errmsg(void)
{
    return errbuf;
}

void samarl_clearerr(void)
{
    errbuf[0] = '\0';
}

void samarl_fatal(const char *file, const char *func, int line, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    double t = runtime.clock() - error_t0;
    fprintf(stderr, "[%d] %.3fs %s:%s():%d %s\n", runtime.rank(), t, file, func, line, msg);
    fflush(stderr);
    runtime.cleanup();
    runtime.abort(1);
    exit(1); /* an abort hook that returned */
}

void *samarl_malloc(size_t n, const char *file, const char *func, int line)
{
    void *p = malloc(n ? n : 1);
    if (!p) samarl_fatal(file, func, line, "out of memory allocating %zu bytes", n);
    return p;
}

void *samarl_calloc(size_t count, size_t size, const char *file, const char *func, int line)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p) samarl_fatal(file, func, line, "out of memory allocating %zu x %zu bytes", count, size);
    return p;
}

void *samarl_realloc(void *p, size_t n, const char *file, const char *func, int line)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) samarl_fatal(file, func, line, "out of memory reallocating to %zu bytes", n);
    return q;
}

char *samarl_strdup(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = xmalloc(n);
    memcpy(d, s, n);
    return d;
}
