/* go_dwarf_synth.h - Go types pieced together from DWARF for values the runtime keeps no type
 * descriptor for: a global of type []*T, [3][]*T or struct{ p *T } usually has none (nothing in
 * the program needs it at run time) though T has one. The pieces are go_type records with
 * synthesized addresses (top bit set) that resolve like real descriptors, so a heap walker can
 * follow such values with the same scan plans. */
#ifndef HS_GO_DWARF_SYNTH_H
#define HS_GO_DWARF_SYNTH_H

#include "go_types.h"

#define GO_SYNTH_BIT (1ull << 63)

typedef struct go_synth go_synth;

go_synth *go_synth_new(go_rt *rt, go_types *ts);
void go_synth_free(go_synth *s);

/* The type of values the DWARF type entry `off` describes: the runtime's own descriptor when
 * DWARF names one, else a synthesized one; NULL when such values hold nothing to follow. */
const go_type *go_synth_dwarf(go_synth *s, uint64_t off);
/* A descriptor address, real or synthesized. */
const go_type *go_synth_get(go_synth *s, uint64_t addr);

#endif
