/* Shared by the libFuzzer harnesses (tests/fuzz/README.md): the input goes
 * to a file, because the loaders read paths, and a broken invariant aborts
 * so that libFuzzer records the input as a crash. */
#ifndef SAMARL_FUZZ_H
#define SAMARL_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "samarl/error.h"

/* A broken invariant: say which, with the loader's last message, and abort. */
#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant '%s' broken (last message: %s)\n", __FILE__,         \
                    __LINE__, #cond, samarl_errmsg());                                             \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static char fuzz_path[512];

static inline void fuzz_unlink(void)
{
    unlink(fuzz_path);
}

/* Write the input to a per-process file in /dev/shm (memory, not disk; TMPDIR
 * where there is none) and return its path. The name ends in `ext` so that
 * messages read like the real thing. */
static inline const char *fuzz_file(const uint8_t *data, size_t size, const char *ext)
{
    if (!fuzz_path[0]) {
        const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
        snprintf(fuzz_path, sizeof fuzz_path, "%s/samarl-fuzz-%ld.%s", dir ? dir : "/tmp",
                 (long)getpid(), ext);
        atexit(fuzz_unlink);
    }
    FILE *f = fopen(fuzz_path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        perror(fuzz_path);
        abort();
    }
    return fuzz_path;
}

/* 1 if the input holds a NUL byte: the text loaders must refuse such a file
 * rather than read a line only up to the NUL. */
static inline int fuzz_has_nul(const uint8_t *data, size_t size)
{
    return memchr(data, 0, size) != NULL;
}

#endif
