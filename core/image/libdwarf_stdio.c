/* libdwarf_stdio.c - the stdout/stderr that libdwarf's objects refer to once renamed
 * (cmake/hs_libdwarf.cmake): hidden, so the shared library holds no non-PIC reference to libc's. */
#include <stdio.h>

__attribute__((visibility("hidden"))) FILE *hs_libdwarf_stdout;
__attribute__((visibility("hidden"))) FILE *hs_libdwarf_stderr;

__attribute__((constructor)) static void hs_libdwarf_stdio_init(void)
{
    hs_libdwarf_stdout = stdout;
    hs_libdwarf_stderr = stderr;
}
