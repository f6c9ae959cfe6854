/* graph.h - the object graph of a heap, for any runtime: what marking, reference paths and
 * dominators run on. A runtime model fills it; views read it; it knows no runtime.
 *
 * Objects are dense 32-bit indexes ("slots") laid out in blocks: a block is a run of equal-size
 * slots at base, base+stride, ... (a Go span); or, for objects each of its own size (the chunks of
 * a C heap), in an object table (objtable.h) instead of blocks.
 * A slot holds an object when its present bit is set. Per slot the graph keeps a type name (an
 * id in the graph's string table, 0 = unknown) and an optional flag byte for the model's own
 * use. Edges are stored in CSR form (offsets + targets), added in rising source order, each
 * optionally tagged with where in the source it was found (a byte offset). Roots are named
 * (a global "main.cache", a goroutine's frame, a finalizer, registers, the runtime's own) and
 * carry their own edges; a group number ties roots that belong together (the frames of one
 * goroutine), so a mark can leave a whole group out.
 *
 * Memory: 8 bytes per slot (type name, edge offset) and 4 per edge (8 with tags), plus one bit
 * per slot for presence, 40 bytes per block and per root (or 12 per object of a table). */
#ifndef HS_GRAPH_H
#define HS_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "../util/err.h"
#include "objtable.h"
#include "strtab.h"

typedef uint32_t hs_oid;
#define HS_NO_OBJ UINT32_MAX
#define HS_GRAPH_MAX_SLOTS (UINT32_MAX - 1u)

typedef struct hs_block {
    uint64_t base, stride; /* slot first+k lies at base + k*stride, stride bytes long */
    uint32_t first, count; /* the slots [first, first+count) */
    uint32_t untyped;      /* name for its objects of unknown type (e.g. "<noscan 48B>") */
    uint32_t divmul;       /* set by the graph (exact division by stride), ignored when added */
} hs_block;

enum hs_root_kind {
    HS_ROOT_GLOBAL,    /* a global variable, or a stretch of data/bss */
    HS_ROOT_FRAME,     /* a stack frame of a goroutine or thread */
    HS_ROOT_REGISTERS, /* the registers of a thread */
    HS_ROOT_FINALIZER, /* a finalizer or cleanup and what it keeps */
    HS_ROOT_RUNTIME,   /* the runtime's own (queues, caches) */
    HS_ROOT_NKINDS
};

typedef struct hs_root {
    uint8_t kind;         /* enum hs_root_kind */
    uint8_t conservative; /* some edges came from words that may not be pointers */
    uint32_t name;        /* string id: "main.cache", "main.handle", "finalizer", ... */
    uint32_t group;       /* roots with the same nonzero group belong together (a goroutine) */
    uint64_t addr;        /* where the root's memory starts; edge tags are offsets from here */
    uint64_t aux;         /* the model's: Go frames hold the frame's PC */
} hs_root;

typedef struct hs_graph hs_graph;

/* A graph over nslots slots (at most HS_GRAPH_MAX_SLOTS); keep_tags keeps each edge's tag.
 * NULL when out of memory. */
hs_graph *hs_graph_new(uint32_t nslots, int keep_tags);
void hs_graph_free(hs_graph *g);

uint32_t hs_graph_nslots(const hs_graph *g);
int hs_graph_keeps_tags(const hs_graph *g);
hs_strtab *hs_graph_names(const hs_graph *g);

/* ---- objects ---- */

/* Blocks are added in rising base and rising first, never overlapping in either. */
int hs_graph_add_block(hs_graph *g, const hs_block *b, hs_err *err);
/* Closes the block list and builds the address index that makes hs_graph_find fast (a table
 * per 64 MiB of address space holding blocks: 32 KiB each). Without it finding still works,
 * by binary search. */
int hs_graph_end_blocks(hs_graph *g, hs_err *err);
/* Instead of blocks: the objects of table t (as many as the graph's slots), every one present.
 * The graph takes t (and frees it, also on failure). */
int hs_graph_set_objects(hs_graph *g, hs_objtable *t, hs_err *err);
size_t hs_graph_nblocks(const hs_graph *g);
const hs_block *hs_graph_block(const hs_graph *g, size_t i);
/* The block holding slot o, or NULL. */
const hs_block *hs_graph_block_of(const hs_graph *g, hs_oid o);

/* Presence: set one slot, or copy count bits (LSB first) starting at slot first. */
void hs_graph_set_present(hs_graph *g, hs_oid o);
void hs_graph_copy_present(hs_graph *g, hs_oid first, const uint8_t *bits, uint32_t count);
int hs_graph_present(const hs_graph *g, hs_oid o);
const uint8_t *hs_graph_present_bits(const hs_graph *g);

/* The object holding addr (its start or any byte inside), or HS_NO_OBJ. */
hs_oid hs_graph_find(const hs_graph *g, uint64_t addr);
/* The same, trying block *hint first and leaving there the block it found (start with 0):
 * pointers met one after the other tend to land in the same block. */
hs_oid hs_graph_find_hint(const hs_graph *g, uint64_t addr, size_t *hint);
/* hs_graph_find_hint that also gives the object's start address. */
hs_oid hs_graph_find_start(const hs_graph *g, uint64_t addr, size_t *hint, uint64_t *start);
/* The index of the block whose slots hold addr (present or not), or SIZE_MAX; the _hint form
 * tries block *hint first and leaves the block found there. */
size_t hs_graph_block_at(const hs_graph *g, uint64_t addr);
size_t hs_graph_block_at_hint(const hs_graph *g, uint64_t addr, size_t *hint);
uint64_t hs_graph_addr(const hs_graph *g, hs_oid o);
uint64_t hs_graph_size(const hs_graph *g, hs_oid o);

/* Type names (0: unknown) and the model's flag byte (allocated on first use; NULL when out of
 * memory). */
uint32_t hs_graph_type(const hs_graph *g, hs_oid o);
void hs_graph_set_type(hs_graph *g, hs_oid o, uint32_t name);
/* The name object o counts under: its type, else its block's untyped name ("<scan 48B>"). */
uint32_t hs_graph_name(const hs_graph *g, hs_oid o);
/* The type names of all slots, for hot loops (nslots entries). */
uint32_t *hs_graph_types(hs_graph *g);
uint8_t *hs_graph_flags(hs_graph *g);

/* ---- edges ---- */

/* Adds src -> dst. Sources come in rising order (several edges per source in a row). */
int hs_graph_add_edge(hs_graph *g, hs_oid src, hs_oid dst, uint32_t tag, hs_err *err);
/* Closes the edge list; queries below need it. */
void hs_graph_end_edges(hs_graph *g);
const hs_oid *hs_graph_edges(const hs_graph *g, hs_oid o, uint32_t *n);
const uint32_t *hs_graph_edge_tags(const hs_graph *g, hs_oid o); /* NULL without tags */
uint64_t hs_graph_nedges(const hs_graph *g);

/* ---- roots ---- */

/* Adds a root (its name is interned by the caller); returns its index, or UINT32_MAX. Edges
 * added next belong to it. */
uint32_t hs_graph_add_root(hs_graph *g, const hs_root *r, hs_err *err);
int hs_graph_add_root_edge(hs_graph *g, hs_oid dst, uint32_t tag, hs_err *err);
uint32_t hs_graph_nroots(const hs_graph *g);
const hs_root *hs_graph_root(const hs_graph *g, uint32_t r);
const hs_oid *hs_graph_root_edges(const hs_graph *g, uint32_t r, uint32_t *n);
const uint32_t *hs_graph_root_edge_tags(const hs_graph *g, uint32_t r); /* NULL without tags */

/* Bytes the graph holds (for benchmarks and progress messages). */
size_t hs_graph_memory(const hs_graph *g);

#endif
