/* go_pclntab.h - the Go PC/line table (pclntab, Go 1.18+ format): function lookup by PC,
 * names, the pcsp/pcfile/pcln/pcdata value tables, funcdata, and logical (inlining-expanded)
 * source frames. Read-only after opening; every read is bounds-checked, so a corrupt table
 * yields errors or "?" names, never a crash or an endless loop.
 *
 * Speed: value-table lookups walk a varint stream from the function entry. Callers that
 * symbolize many PCs (threads-blocked over 100,000 goroutines) use the *_cached variants with
 * a go_pcache: a caller-owned set-associative cache of (table, pc - entry) -> value. The go_pcln
 * itself holds no mutable state, so one go_pcln may be shared by threads that each own a
 * cache; a NULL cache means "no cache". A cache remembers which go_pcln it serves and resets
 * itself when handed another; reset it yourself (go_pcache_reset) after closing that go_pcln,
 * since a new one may be allocated at the same address. */
#ifndef HS_GO_PCLNTAB_H
#define HS_GO_PCLNTAB_H

#include <stddef.h>
#include <stdint.h>

#include "../util/err.h"
#include "elf_image.h"
#include "go_moduledata.h"
#include "go_version.h"

/* ---- header ---- */

enum { GO_PCLN_MAGIC_118 = 0xfffffff0u, GO_PCLN_MAGIC_120 = 0xfffffff1u };
enum { GO_PCLN_HEADER_SIZE = 72 };

typedef struct go_pcln_header {
    uint32_t magic;
    int ver;           /* 118 (Go 1.18-1.19 layouts) or 120 (Go 1.20+) */
    uint8_t minlc, ptrsize;
    uint64_t nfunc, nfiles;
    uint64_t textstart; /* 0 in Go 1.26 (use moduledata.text) */
    uint64_t funcname_off, cu_off, filetab_off, pctab_off, pcln_off; /* from the header */
} go_pcln_header;

/* Parses and checks a pcHeader at p (len bytes of table available): magic, pads, minLC 1 and
 * pointer size 8 (linux/amd64), nfunc and every offset within len. */
int go_pcln_header_parse(const uint8_t *p, size_t len, go_pcln_header *h, hs_err *err);

/* ---- opening ---- */

typedef struct go_pcln go_pcln;

/* Opens the pclntab of an executable: section .gopclntab, else md->pcheader. md supplies the
 * text start (required for 1.26, which writes 0 in the header) and gofunc (funcdata base);
 * v (optional) is cross-checked with the table's magic. img must outlive the go_pcln. */
int go_pcln_open(go_pcln **out, const hs_image *img, const go_moduledata *md,
                 const go_version *v, hs_err *err);

/* Bytes to open a table from (a file, or a copy read from a process). Not copied: they must
 * outlive the go_pcln. */
typedef struct go_pcln_bytes {
    const uint8_t *tab;      /* the table, from the pcHeader on */
    size_t tab_len;
    uint64_t tab_addr;       /* its address (pcHeader) */
    const uint8_t *gofunc;   /* go:func.* data that funcdata offsets point into; may be NULL */
    size_t gofunc_len;
    uint64_t gofunc_addr;    /* moduledata.gofunc */
    uint64_t text;           /* moduledata.text; 0 = take pcHeader.textStart */
    const go_version *v;     /* optional, cross-checked with the magic */
} go_pcln_bytes;

int go_pcln_open_bytes(go_pcln **out, const go_pcln_bytes *src, hs_err *err);
void go_pcln_close(go_pcln *p);

const go_pcln_header *go_pcln_hdr(const go_pcln *p);
uint64_t go_pcln_text(const go_pcln *p);
uint64_t go_pcln_nfunc(const go_pcln *p);

/* ---- value-table cache (caller-owned; zero-initialise or go_pcache_reset before use) ---- */

/* 16384 entries of 16 bytes (256 KiB) in 4-way sets: room for the value lookups of several
 * thousand distinct PCs. */
enum { GO_PCACHE_SIZE = 16384, GO_PCACHE_WAYS = 4 };

typedef struct go_pcache_entry {
    uint64_t pc;  /* pc - function entry */
    uint32_t off; /* value-table offset in pctab (top bit: pc not covered); 0 = empty */
    int32_t val;
} go_pcache_entry;

typedef struct go_pcache {
    go_pcache_entry e[GO_PCACHE_SIZE];
    const go_pcln *owner;
    uint64_t hits, misses;
} go_pcache;

void go_pcache_reset(go_pcache *c);

/* ---- functions ---- */

enum {
    GO_PCDATA_UNSAFEPOINT = 0, GO_PCDATA_STACKMAPINDEX = 1, GO_PCDATA_INLTREEINDEX = 2,
    GO_PCDATA_ARGLIVEINDEX = 3,
    GO_FUNCDATA_ARGSPOINTERMAPS = 0, GO_FUNCDATA_LOCALSPOINTERMAPS = 1,
    GO_FUNCDATA_STACKOBJECTS = 2, GO_FUNCDATA_INLTREE = 3, GO_FUNCDATA_OPENCODEDDEFERINFO = 4,
    GO_FUNCDATA_ARGINFO = 5, GO_FUNCDATA_ARGLIVEINFO = 6, GO_FUNCDATA_WRAPINFO = 7,
    GO_FUNCFLAG_TOPFRAME = 1, GO_FUNCFLAG_SPWRITE = 2, GO_FUNCFLAG_ASM = 4,
};

/* A function's _func record, decoded (a value: copy freely; valid while its go_pcln is open). */
typedef struct go_func {
    uint64_t entry, end;  /* [entry, end): end is the next function's entry */
    uint32_t funcoff;     /* offset of the _func record in pclntable */
    int32_t nameoff, args;
    uint32_t deferreturn, pcsp, pcfile, pcln, npcdata, cuoff;
    int32_t startline;    /* 0 before Go 1.20 */
    uint8_t funcid, flag, nfuncdata;
} go_func;

/* 0 and *f for the function containing pc, -1 when pc is in no Go function. */
int go_pcln_find(const go_pcln *p, uint64_t pc, go_func *f);
/* The i-th function (0 <= i < nfunc), in address order. */
int go_pcln_func_at(const go_pcln *p, uint64_t i, go_func *f);
/* Linear search by raw name (for runtime functions in stripped binaries); 0 or -1. */
int go_pcln_func_by_name(const go_pcln *p, const char *name, go_func *f);

/* Raw name as stored ("main.F[go.shape.int]"), or "?" when the name offset is corrupt. The
 * string lives in the table. */
const char *go_pcln_name(const go_pcln *p, const go_func *f);
/* funcnametab string at nameoff, or "?". */
const char *go_pcln_name_at(const go_pcln *p, int32_t nameoff);

/* SP delta at pc (bytes below the frame's entry SP; amd64: CFA = sp + delta + 8). 0 found,
 * -1 when pc is outside the table (*sp = -1). */
int go_pcln_spdelta(const go_pcln *p, const go_func *f, uint64_t pc, int32_t *sp);
int go_pcln_spdelta_cached(const go_pcln *p, const go_func *f, uint64_t pc, int32_t *sp,
                           go_pcache *cache);
/* PCDATA table `table` at pc; 0 found, -1 without that table or outside it (*val = -1). */
int go_pcln_pcdata(const go_pcln *p, const go_func *f, uint32_t table, uint64_t pc,
                   int32_t *val);
int go_pcln_pcdata_cached(const go_pcln *p, const go_func *f, uint32_t table, uint64_t pc,
                          int32_t *val, go_pcache *cache);
/* File and line of the innermost source position at pc; -1 with "?", 0 when unknown. */
int go_pcln_fileline(const go_pcln *p, const go_func *f, uint64_t pc, const char **file,
                     int32_t *line, go_pcache *cache);

/* FUNCDATA idx: its address (moduledata.gofunc + offset), or 0 when absent. */
uint64_t go_pcln_funcdata(const go_pcln *p, const go_func *f, uint32_t idx);
/* The funcdata's bytes when they lie in the gofunc window given at open (len available in
 * *avail), else NULL. */
const uint8_t *go_pcln_funcdata_bytes(const go_pcln *p, const go_func *f, uint32_t idx,
                                      size_t *avail);

uint8_t go_pcln_funcid(const go_pcln *p, const go_func *f); /* numbering varies by release */
uint8_t go_pcln_flag(const go_pcln *p, const go_func *f);   /* GO_FUNCFLAG_* */
int32_t go_pcln_args(const go_pcln *p, const go_func *f);
uint32_t go_pcln_deferreturn(const go_pcln *p, const go_func *f);

/* ---- logical frames ---- */

typedef struct go_srcframe {
    const char *func;  /* raw name, in the table */
    const char *file;  /* "?" when unknown */
    int32_t line;      /* 0 when unknown */
    int inlined;       /* 1 for a frame of an inlined call */
    uint64_t entry;    /* entry of the physical function that holds pc */
    uint8_t funcid;    /* of the (inlined or physical) function */
} go_srcframe;

/* The logical frames at pc, innermost first, expanding inlined calls through
 * PCDATA_InlTreeIndex and FUNCDATA_InlTree; the last frame is the physical function. Pass pc-1
 * for a return address. Returns the number of frames stored (at most max), -1 when pc is in
 * no Go function. */
int go_pcln_frames(const go_pcln *p, uint64_t pc, go_srcframe *out, int max);
int go_pcln_frames_cached(const go_pcln *p, uint64_t pc, go_srcframe *out, int max,
                          go_pcache *cache);

/* Like the runtime's funcNameForPrint: "main.F[go.shape.int]" -> "main.F[...]". */
void go_func_name_for_print(const char *raw, char *out, size_t cap);

#endif
