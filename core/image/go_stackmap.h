/* go_stackmap.h - the stack maps the Go compiler leaves in a function's funcdata, decoded from
 * untrusted bytes with every length checked:
 *   FUNCDATA_LocalsPointerMaps / ArgsPointerMaps: runtime.stackmap {n int32; nbit int32;
 *     bytedata [n][(nbit+7)/8]uint8}: entry i (PCDATA_StackMapIndex at the PC) says which of
 *     nbit words are live pointers (locals below varp, arguments from argp);
 *   FUNCDATA_StackObjects: {n uintptr; [n]stackObjectRecord{off, size, ptrdata int32;
 *     gcdataoff uint32}}: address-taken locals, each with its own pointer mask at
 *     moduledata.rodata + gcdataoff (ptrdata < 0 before 1.24: a GC program instead).
 * Same layout in every release 1.19-1.27 (runtime/symtab.go, stack.go). */
#ifndef HS_GO_STACKMAP_H
#define HS_GO_STACKMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct go_bitvec {
    uint32_t n;          /* words described */
    const uint8_t *bits; /* (n+7)/8 bytes, LSB first; NULL when n == 0 */
} go_bitvec;

enum { GO_STACKMAP_OK = 0, GO_STACKMAP_EMPTY = 1, GO_STACKMAP_BAD = -1 };

/* Entry idx of the stackmap at p (avail bytes readable there). GO_STACKMAP_EMPTY when the map
 * describes no words (nbit == 0: nothing to scan); GO_STACKMAP_BAD when p is NULL, the header is
 * implausible, idx is outside [0, n), or the entry runs past avail. */
int go_stackmap_entry(const uint8_t *p, size_t avail, int32_t idx, go_bitvec *out);

typedef struct go_stackobj_rec {
    int32_t off;       /* from varp when negative, else from argp */
    int32_t size;
    int32_t ptrdata;   /* bytes holding pointers; negative: a GC program (before 1.24) */
    uint32_t gcdataoff;
} go_stackobj_rec;

/* The number of records of a FUNCDATA_StackObjects at p (avail bytes), or -1 when it does not
 * fit; records are then read with go_stackobj_at (i < count). */
long go_stackobj_count(const uint8_t *p, size_t avail);
void go_stackobj_at(const uint8_t *p, long i, go_stackobj_rec *r);

#endif
