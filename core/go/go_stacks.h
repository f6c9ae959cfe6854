/* go_stacks.h - interned call stacks: each distinct sequence of lookup PCs (link-time, already
 * backed up into the call instruction where that applies) is stored once and named by an id,
 * so 100,000 goroutines parked at the same place share one stack and one symbolization. */
#ifndef HS_GO_STACKS_H
#define HS_GO_STACKS_H

#include <stdint.h>

#include "../image/go_pclntab.h"
#include "../views/records.h"

typedef struct go_stacks go_stacks;

go_stacks *go_stacks_new(void);
void go_stacks_free(go_stacks *s);

/* Returns the id of this stack (adding it when new), or UINT32_MAX when out of memory. */
uint32_t go_stacks_intern(go_stacks *s, const uint64_t *pcs, uint32_t n, int truncated);
const uint64_t *go_stacks_pcs(const go_stacks *s, uint32_t id, uint32_t *n, int *truncated);
uint32_t go_stacks_count(const go_stacks *s);

/* Logical frames of a stack (inlined calls expanded), innermost first, with function names as
 * the runtime prints them ("main.F[...]"); valid until go_stacks_free. */
const hs_frame *go_stacks_frames(go_stacks *s, const go_pcln *p, uint32_t id, uint32_t *n);

/* The funcID this release gives compiler-generated wrappers (-1: unknown), for hs_frame.wrapper. */
void go_stacks_set_wrapper_funcid(go_stacks *s, int funcid);

#endif
