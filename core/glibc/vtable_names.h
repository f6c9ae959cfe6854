/* vtable_names.h - C++ class names of heap blocks: a block whose first word points into a
 * `_ZTV...` symbol (a vtable) of any loaded module is an object of that class. */
#ifndef HS_VTABLE_NAMES_H
#define HS_VTABLE_NAMES_H

#include <stdint.h>

#include "../target/target.h"
#include "../util/err.h"

typedef struct vtable_names vtable_names;

/* Reads the symbols of every module the target maps (a module that cannot be opened is left
 * out). */
int vtable_names_open(vtable_names **out, hs_target *t, hs_err *err);
/* The class whose vtable holds addr ("Foo", "ns::Bar<int>"), NULL when none does; the name
 * lives as long as v. */
const char *vtable_names_lookup(vtable_names *v, uint64_t addr);
/* How many vtables the modules define. */
size_t vtable_names_count(const vtable_names *v);
void vtable_names_close(vtable_names *v);

#endif
