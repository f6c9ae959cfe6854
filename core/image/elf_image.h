/* elf_image.h - an executable or shared object on disk: its sections, load segments, symbols
 * and notes, read with libelf from a read-only mapping. Addresses are link-time (unrelocated). */
#ifndef HS_ELF_IMAGE_H
#define HS_ELF_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "../util/arch.h"
#include "../util/err.h"

typedef struct hs_section {
    const char *name;
    uint64_t addr, offset, size;
    uint32_t type;
    uint64_t flags;
} hs_section;

typedef struct hs_segment {
    uint64_t vaddr, memsz, offset, filesz;
    uint32_t flags;
} hs_segment;

typedef struct hs_symbol {
    const char *name;
    uint64_t value, size;
} hs_symbol;

typedef struct hs_image hs_image;

int hs_image_open(hs_image **out, const char *path, hs_err *err);
/* The same without its symbols (hs_image_symbols and lookups find none): for a file whose bytes,
 * segments and build id are all that is read (a core's libraries). */
int hs_image_open_bare(hs_image **out, const char *path, hs_err *err);
void hs_image_close(hs_image *img);

const char *hs_image_path(const hs_image *img);
int hs_image_is_pie(const hs_image *img);      /* ET_DYN */
hs_arch hs_image_arch(const hs_image *img);    /* what it runs on (e_machine) */
uint64_t hs_image_entry(const hs_image *img);
const uint8_t *hs_image_bytes(const hs_image *img, size_t *size);

/* NT_GNU_BUILD_ID bytes (len 0 when absent) and the note's link-time address. */
const uint8_t *hs_image_build_id(const hs_image *img, size_t *len, uint64_t *note_vaddr);

const hs_section *hs_image_section(const hs_image *img, const char *name);
/* File bytes of a section (NULL for NOBITS, compressed or out-of-file sections). */
const uint8_t *hs_image_section_bytes(const hs_image *img, const hs_section *s);

size_t hs_image_nsegments(const hs_image *img);
/* run-time minus link-time addresses of a module whose first mapping (file offset 0) starts at
 * map_start: 0 for a fixed-address executable. */
uint64_t hs_image_load_bias(const hs_image *img, uint64_t map_start);
const hs_segment *hs_image_segment(const hs_image *img, size_t i);

/* A separate debug file (debug_file.h) for img, which takes it over (NULL: none). Symbols and
 * DWARF come from it where img has none of its own; bytes always come from img. */
void hs_image_set_debug(hs_image *img, hs_image *debug);
const hs_image *hs_image_debug(const hs_image *img);
/* 1 when img has DWARF (a .debug_info section with contents). */
int hs_image_has_dwarf(const hs_image *img);
/* The file to read DWARF from: img's own, else its debug file's when that has some. */
const char *hs_image_dwarf_path(const hs_image *img);

/* Looks a symbol up in .symtab (or .dynsym; a debug file's .symtab when img has none); returns 0
 * and fills *sym, -1 when absent. */
int hs_image_symbol(const hs_image *img, const char *name, hs_symbol *sym);
int hs_image_has_symtab(const hs_image *img);
/* Every symbol, in name order (for walks over address ranges); valid while img is open. */
const hs_symbol *hs_image_symbols(const hs_image *img, size_t *n);

/* Reads link-time address range from the file's load segments (bytes beyond filesz read as 0). */
int hs_image_read(const hs_image *img, uint64_t vaddr, void *buf, size_t len, hs_err *err);
/* Pointer into the file mapping for [vaddr, vaddr+len) when wholly file-backed, else NULL. */
const uint8_t *hs_image_view(const hs_image *img, uint64_t vaddr, size_t len);

#endif
