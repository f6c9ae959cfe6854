/* native_absent.c - the native-threads model where libdw cannot be loaded beside libdwarf (the
 * shared library the gdb and lldb fronts load, and the unit tests; see CMakeLists.txt): every
 * read fails saying where native threads are read. */
#include <string.h>

#include "native_threads.h"

int native_threads_read(hs_target *t, native_threads *nt, hs_err *err)
{
    memset(nt, 0, sizeof *nt);
    return hs_errf(err, "native threads of %s are read by the heapscope CLI only so far "
                        "(heapscope threads-blocked --pid PID or --core CORE)", t->description);
}

void native_threads_free(native_threads *nt) { memset(nt, 0, sizeof *nt); }
