/* core_priv.h - the ELF core target's private state, shared by core_target.c (open/close),
 * core_notes.c (threads, auxv, files), core_regions.c (the address -> bytes table),
 * core_read.c (reads and views), core_exe.c (filling from the executable), core_libs.c
 * (filling from shared libraries) and core_linkmap.c (libraries of a core without NT_FILE). */
#ifndef HS_CORE_PRIV_H
#define HS_CORE_PRIV_H

#include <libelf.h>
#include <stddef.h>
#include <stdint.h>

#include "../image/elf_image.h"
#include "target.h"

/* One PT_LOAD of the core. avail = bytes of the segment actually present in the file. */
typedef struct hs_core_seg {
    uint64_t vaddr, memsz, offset, filesz, avail;
    uint32_t flags;
} hs_core_seg;

/* Readable bytes [start, end) at ptr (inside the core or the executable mapping). */
typedef struct hs_core_region {
    uint64_t start, end;
    const uint8_t *ptr;
    int from_core;
} hs_core_region;

/* A file named in NT_FILE, opened on first need. */
typedef struct hs_core_lib {
    char *path;
    hs_image *img;
    int state;  /* 1 open and usable, -1 unusable */
    int other;  /* unusable as another build than the process had (its build id differs) */
    char *why;  /* why unusable, for messages */
} hs_core_lib;

typedef struct hs_core_target {
    hs_target base;
    char *path;
    int fd;
    const uint8_t *map;
    size_t size;
    Elf *elf;
    hs_core_seg *segs; /* sorted by vaddr */
    size_t nsegs, nincomplete;
    int notes_lost; /* truncation took the notes (gcore writes them last): no threads, no maps */
    hs_core_region *core_regions; /* from the core alone, sorted, disjoint */
    size_t ncore_regions;
    hs_core_region *regions; /* core + executable, sorted, disjoint */
    size_t nregions;
    size_t last; /* index of the last region hit (a hint) */
    size_t touched;     /* bytes (whole fault windows) of the core mapping touched since the last trim */
    uint64_t last_page; /* the fault window touched last */
    uint64_t *windows;  /* a bit per fault window of the mapping: touched since the last trim */
    char *warning;
    hs_image *exe; /* borrowed */
    uint64_t exe_bias;
    hs_core_lib *libs;
    size_t nlibs;
    struct { uint64_t offset, size; } *notes; /* PT_NOTE segments as declared */
    size_t nnotes;
    uint64_t auxv_execfn;
    char fname[17];   /* NT_PRPSINFO pr_fname */
    char psargs[81];  /* NT_PRPSINFO pr_psargs */
} hs_core_target;

/* core_notes.c: threads, pid, auxv, NT_FILE mappings from every PT_NOTE. */
int hs_core_parse_notes(hs_core_target *c, hs_err *err);
/* core_notes.c: fills c->base.exe_path from the notes (after the regions exist). */
int hs_core_find_exe_path(hs_core_target *c, hs_err *err);

/* core_regions.c */
/* Index of the first region in the sorted r[0..n) whose end is above addr (n when none). */
size_t hs_core_region_index(const hs_core_region *r, size_t n, uint64_t addr);
int hs_core_build_regions(hs_core_target *c, hs_err *err);
/* Adds pieces [start,end) -> ptr wherever no core region exists and the address is not in a
 * truncated writable core segment; rebuilds c->regions. */
int hs_core_add_fill(hs_core_target *c, const hs_core_region *pieces, size_t n, hs_err *err);
/* core_read.c: the target's read and view ops. */
int hs_core_read(hs_target *t, uint64_t addr, void *buf, size_t len, hs_err *err);
const void *hs_core_view(hs_target *t, uint64_t addr, size_t len);
/* core_regions.c: core-only bytes at [addr, addr+len), or NULL. */
const uint8_t *hs_core_bytes(const hs_core_target *c, uint64_t addr, size_t len);
/* The core segment holding addr, or NULL. */
const hs_core_seg *hs_core_seg_at(const hs_core_target *c, uint64_t addr);
/* 1 when bytes at addr may come from a file: not dumped on purpose, or lost from a segment that
 * was not writable (so the file still holds what memory held). *zone_end is where this answer
 * may change (a segment boundary). */
int hs_core_fillable(const hs_core_target *c, uint64_t addr, uint64_t *zone_end);

/* core_libs.c: bytes for a gap at addr from a shared library named in NT_FILE; copies up to
 * max bytes and returns how many (0 when no file supplies addr). */
size_t hs_core_lib_fill(hs_core_target *c, uint64_t addr, uint8_t *buf, size_t max);
void hs_core_libs_free(hs_core_target *c);
/* How many of the shared libraries the core names are not on this machine (at their path or
 * under the sysroot), or with other, are here but another build than the process had (their
 * build id differs from the one in the core); their paths, comma-separated, into names (cut at
 * cap). */
size_t hs_core_libs_unusable(hs_core_target *c, int other, char *names, size_t cap);
/* core_linkmap.c: when the core names no files (no NT_FILE), mappings of the shared libraries
 * the dynamic linker lists in memory (needs the executable: its DT_DEBUG). */
int hs_core_maps_from_linkmap(hs_core_target *c, hs_err *err);

#endif
