/* TAP output for samarl's C tests. Verdicts are collective: every rank
 * evaluates the condition, the verdicts are combined (a test passes only if
 * it passes on every rank) and rank 0 prints "ok N - name". */
#ifndef SAMARL_TESTS_TAP_H
#define SAMARL_TESTS_TAP_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samarl/comm.h"
#include "samarl/error.h"

static int tap_count, tap_failures;

/* Collective. */
__attribute__((unused)) static int tap_ok_at(int cond, const char *file, int line, const char *fmt,
                                             ...) __attribute__((format(printf, 4, 5)));
__attribute__((unused)) static int tap_ok_at(int cond, const char *file, int line, const char *fmt,
                                             ...)
{
    int64_t v[2] = {cond ? 1 : 0, cond ? -1 : comm_rank()};
    comm_allreduce_int64(&v[0], 1, COMM_MIN);
    comm_allreduce_int64(&v[1], 1, COMM_MAX); /* a failing rank, or -1 */
    tap_count++;
    if (!v[0]) tap_failures++;
    if (comm_rank() == 0) {
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        printf("%sok %d - %s\n", v[0] ? "" : "not ", tap_count, msg);
        if (!v[0]) printf("#   failed at %s:%d (rank %d)\n", file, line, (int)v[1]);
        fflush(stdout);
    }
    return (int)v[0];
}
#define TAP_OK(cond, ...) tap_ok_at((cond), __FILE__, __LINE__, __VA_ARGS__)

/* Collective. n checks that cannot run here, reported as skipped. */
__attribute__((unused)) static void tap_skip(int n, const char *why)
{
    for (int k = 0; k < n; k++) {
        tap_count++;
        if (comm_rank() == 0) printf("ok %d # skip %s\n", tap_count, why);
    }
    if (comm_rank() == 0) fflush(stdout);
}

/* Rank 0 prints a diagnostic line. */
static void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((unused)) static void tap_diag(const char *fmt, ...)
{
    if (comm_rank() != 0) return;
    va_list ap;
    va_start(ap, fmt);
    printf("# ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
}

/* |a - b| <= tol * max(1, |a|, |b|) */
static inline int tap_close(double a, double b, double tol)
{
    double s = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
    return fabs(a - b) <= tol * (s > 1.0 ? s : 1.0);
}

static inline int tap_same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* Collective. Print the plan; returns the process exit status. */
__attribute__((unused)) static int tap_done(void)
{
    if (comm_rank() == 0) {
        printf("1..%d\n", tap_count);
        fflush(stdout);
    }
    return tap_failures ? 1 : 0;
}

/* Path of the shared data directory (SAMARL_SHARED, default ../shared). */
static inline const char *tap_shared(void)
{
    const char *s = getenv("SAMARL_SHARED");
    return s && *s ? s : "../shared";
}

#endif
