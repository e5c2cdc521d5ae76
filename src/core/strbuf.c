/* Growable strings (see strbuf.h). */
#include "samarl/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <ctype.h>
#include <string.h>

#include "samarl/error.h"

static void reserve(strbuf_t *sb, size_t extra)
{
    if (sb->len + extra + 1 <= sb->cap) return;
    size_t cap = sb->cap ? sb->cap : 256;
    while (cap < sb->len + extra + 1) cap *= 2;
    sb->s = xrealloc(sb->s, cap);
    sb->cap = cap;
}

void sb_printf(strbuf_t *sb, const char *fmt, ...)
{
    va_list ap, ap2;
    reserve(sb, 128);
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(sb->s + sb->len, sb->cap - sb->len, fmt, ap);
    va_end(ap);
    if (n < 0) SAMARL_FATAL("bad format '%s'", fmt);
    if ((size_t)n >= sb->cap - sb->len) { /* did not fit: grow and format again */
        reserve(sb, (size_t)n);
        vsnprintf(sb->s + sb->len, (size_t)n + 1, fmt, ap2);
    }
    va_end(ap2);
    sb->len += (size_t)n;
}

void sb_puts(strbuf_t *sb, const char *s)
{
    size_t n = strlen(s);
    reserve(sb, n);
    memcpy(sb->s + sb->len, s, n + 1);
    sb->len += n;
}

void sb_json_string(strbuf_t *sb, const char *s)
{
    sb_puts(sb, "\"");
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        switch (*p) {
        case '"':
            sb_puts(sb, "\\\"");
            break;
        case '\\':
            sb_puts(sb, "\\\\");
            break;
        case '\n':
            sb_puts(sb, "\\n");
            break;
        case '\t':
            sb_puts(sb, "\\t");
            break;
        case '\r':
            sb_puts(sb, "\\r");
            break;
        default:
            if (*p < 0x20)
                sb_printf(sb, "\\u%04x", *p);
            else {
                char c[2] = {(char)*p, 0};
                sb_puts(sb, c);
            }
        }
    }
    sb_puts(sb, "\"");
}

char *sb_take(strbuf_t *sb)
{
    char *s = sb->s ? sb->s : samarl_strdup("");
    sb->s = NULL;
    sb->len = sb->cap = 0;
    return s;
}

void sb_free(strbuf_t *sb)
{
    free(sb->s);
    sb->s = NULL;
    sb->len = sb->cap = 0;
}

int str_edit_distance(const char *a, const char *b)
{
    int la = (int)strlen(a), lb = (int)strlen(b);
    if (la > 40 || lb > 40) return 99;
    int d[41][41];
    for (int i = 0; i <= la; i++) d[i][0] = i;
    for (int j = 0; j <= lb; j++) d[0][j] = j;
    for (int i = 1; i <= la; i++)
        for (int j = 1; j <= lb; j++) {
            int c = d[i - 1][j - 1] +
                    (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
            if (d[i - 1][j] + 1 < c) c = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < c) c = d[i][j - 1] + 1;
            d[i][j] = c;
        }
    return d[la][lb];
}
