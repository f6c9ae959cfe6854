/* demangle.c - hs_demangle through libiberty's cplus_demangle (Debian's libiberty-dev). */
#include "demangle.h"

#include <libiberty/demangle.h>

char *hs_demangle(const char *mangled)
{
    return cplus_demangle(mangled, DMGL_PARAMS | DMGL_ANSI | DMGL_TYPES);
}
