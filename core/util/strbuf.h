/* strbuf.h - a growable, always NUL-terminated string used for every piece of text core returns. */
#ifndef HS_STRBUF_H
#define HS_STRBUF_H

#include <stddef.h>

typedef struct strbuf {
    char *s;
    size_t len, cap;
} strbuf;

void sb_init(strbuf *b);
void sb_free(strbuf *b);
void sb_putc(strbuf *b, char c);
void sb_puts(strbuf *b, const char *s);
void sb_putn(strbuf *b, const char *s, size_t n);
void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Pads with spaces up to column width (counted in bytes since the last newline). */
void sb_pad_to(strbuf *b, size_t line_start, size_t width);
/* Adds one line (printf-style, the newline added) when fewer than max lines were added through
 * *count so far; counts every call, so a summary can say how many more there were. */
void sb_capped_line(strbuf *b, size_t *count, size_t max, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Hands the buffer to the caller (free() it); the strbuf is left empty. */
char *sb_detach(strbuf *b);
const char *sb_str(const strbuf *b);

#endif
