/* go_stackscan.h - scanning one goroutine's stack the way the collector's scanstack does: words
 * of frames (by stack maps, or conservatively), pointers into the stack itself queued until the
 * stack objects they reach are scanned (precise pointers first), and in the end one graph root
 * per frame holding what that frame (with its stack objects) points to in the heap. */
#ifndef HS_GO_STACKSCAN_H
#define HS_GO_STACKSCAN_H

#include "go_heapgraph_priv.h"

typedef struct ss_frame {
    uint64_t lpc, sp, fp;
    uint32_t name;         /* string id */
    enum hs_root_kind kind;
    uint8_t conservative;
    uint8_t typed;         /* its variables may be typed from DWARF (a precise Go frame) */
} ss_frame;

typedef struct ss_edge {
    uint32_t frame;
    hs_oid o;
    uint32_t tag;
} ss_edge;

typedef struct ss_obj {  /* a stack object */
    uint64_t addr, mask;  /* mask: link-time address of its pointer mask */
    int32_t size, ptrdata;
    uint32_t frame;
    uint8_t done;
} ss_obj;

typedef struct ss_slot {
    uint32_t frame;
    uint64_t addr, value;
} ss_slot;

typedef struct go_stackscan {
    hg_build *b;
    uint64_t lo, hi;        /* the goroutine's stack */
    const uint8_t *mem;     /* its bytes [mem_lo, hi) when read in one piece, else NULL */
    uint64_t mem_lo;
    uint8_t *own;           /* our copy when the target gave no view */
    size_t capown;
    ss_frame *frames;
    uint32_t nframes, capframes;
    ss_edge *edges;
    size_t nedges, capedges;
    ss_obj *objs;
    size_t nobjs, capobjs;
    uint64_t *pq, *cq;      /* pointers into the stack: precise, conservative */
    size_t npq, ncq, cappq, capcq;
    ss_slot *slots;         /* live pointer slots of precise frames */
    size_t nslots, capslots;
    uint64_t conservative_bytes;
    int oom;
} go_stackscan;

/* Starts a goroutine: its stack bounds, and the lowest address its frames use. */
void ss_begin(go_stackscan *s, uint64_t lo, uint64_t hi, uint64_t sp);
void ss_free(go_stackscan *s);

/* A new frame (returns its index). */
uint32_t ss_frame_add(go_stackscan *s, const ss_frame *f);

/* The word at addr (0 when unreadable). */
uint64_t ss_word(go_stackscan *s, uint64_t addr);

/* Scans n words from addr for frame f: those whose bit is set in mask, or all of them when mask
 * is NULL (conservative). */
void ss_scan(go_stackscan *s, uint32_t f, uint64_t addr, uint64_t n, const uint8_t *mask,
             int conservative);
/* One word value found for frame f, tag bytes from the frame's SP (registers: the register's
 * number). */
void ss_value(go_stackscan *s, uint32_t f, uint64_t v, uint64_t tag, int conservative);

/* A stack object of frame f. */
void ss_object(go_stackscan *s, uint32_t f, uint64_t addr, int32_t size, int32_t ptrdata,
               uint64_t mask);

/* Scans the stack objects the queued pointers reach, until none is left. */
void ss_drain(go_stackscan *s);

/* Adds one root per frame that points into the heap (group: the goroutine's), and records the
 * precise frames for typing in the heap graph. -1 out of memory (err set). */
int ss_emit(go_stackscan *s, uint32_t group, hs_err *err);

#endif
