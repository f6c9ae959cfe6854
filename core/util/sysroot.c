/* sysroot.c - the sysroot from the environment (sysroot.h). */
#include <stdlib.h>
#include <string.h>

#include "sysroot.h"

const char *hs_sysroot(void)
{
    const char *s = getenv("HEAPSCOPE_SYSROOT");
    return s && *s && strcmp(s, "/") != 0 ? s : NULL;
}
