/* go_heap_globals.h - what the heap walker and the memstats reader need from the runtime beyond
 * go_rt: the size-class table of the release (runtime globals come from go_rt_global). */
#ifndef HS_GO_HEAP_GLOBALS_H
#define HS_GO_HEAP_GLOBALS_H

#include <stdint.h>

#include "go_runtime.h"

enum { GO_NUM_SIZE_CLASSES = 68, GO_PAGE_SIZE = 8192 };

/* The 68 object sizes by size class: the target's own table (runtime.class_to_size through 1.24,
 * internal/runtime/gc.SizeClassToSize from 1.25) when it reads and looks sane, else the table
 * every release 1.19-1.27 uses. Returns 1 when taken from the target, 0 for the built-in one. */
int go_size_classes(go_rt *rt, uint32_t sizes[GO_NUM_SIZE_CLASSES]);

/* A constant from DWARF or the per-release tables, else fallback. */
int64_t go_layout_const_or(const go_rt *rt, const char *name, int64_t fallback);

#endif
