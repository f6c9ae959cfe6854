/* heap_top_glibc.h - heap-top on a native (C/C++) program: its glibc malloc heap. */
#ifndef HS_HEAP_TOP_GLIBC_H
#define HS_HEAP_TOP_GLIBC_H

#include "heap_top.h"

int heap_top_glibc(hs_session *s, const heap_top_options *o, strbuf *out, strbuf *msgs, hs_err *err);

#endif
