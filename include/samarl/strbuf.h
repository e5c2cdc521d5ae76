/* A growable string for building text (config dumps, JSON records). */
#ifndef SAMARL_STRBUF_H
#define SAMARL_STRBUF_H

#include <stddef.h>

typedef struct {
    char *s; /* always NUL-terminated once anything was appended */
    size_t len, cap;
} strbuf_t;

void sb_printf(strbuf_t *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_puts(strbuf_t *sb, const char *s);
/* A JSON string literal (quoted, escaped). */
void sb_json_string(strbuf_t *sb, const char *s);
/* Hand over the string (caller frees); the buffer is empty afterwards. */
char *sb_take(strbuf_t *sb);
void sb_free(strbuf_t *sb);

/* Levenshtein distance of a and b, ignoring case (99 for strings over 40
 * characters): for "did you mean" hints. */
int str_edit_distance(const char *a, const char *b);

#endif
