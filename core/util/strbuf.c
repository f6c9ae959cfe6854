/* strbuf.c - growable string (see strbuf.h). Allocation failure aborts: core cannot report
 * anything without memory for its own text. */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void sb_grow(strbuf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s)
        abort();
    b->s = s;
    b->cap = cap;
}

void sb_init(strbuf *b)
{
    b->s = NULL;
    b->len = b->cap = 0;
}

void sb_free(strbuf *b)
{
    free(b->s);
    sb_init(b);
}

void sb_putn(strbuf *b, const char *s, size_t n)
{
    sb_grow(b, n);
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

void sb_putc(strbuf *b, char c) { sb_putn(b, &c, 1); }

void sb_puts(strbuf *b, const char *s) { sb_putn(b, s, strlen(s)); }

void sb_printf(strbuf *b, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n > 0) {
        sb_grow(b, (size_t)n);
        vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap2);
        b->len += (size_t)n;
    }
    va_end(ap2);
}

void sb_pad_to(strbuf *b, size_t line_start, size_t width)
{
    while (b->len - line_start < width)
        sb_putc(b, ' ');
}

char *sb_detach(strbuf *b)
{
    char *s = b->s ? b->s : strdup("");
    sb_init(b);
    return s;
}

const char *sb_str(const strbuf *b) { return b->s ? b->s : ""; }

void sb_capped_line(strbuf *b, size_t *count, size_t max, const char *fmt, ...)
{
    if ((*count)++ >= max)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    sb_puts(b, line);
    sb_putc(b, '\n');
}
