/* native_dwfl.c - the libdwfl session native unwinders read modules through (native_unwind.h
 * native_dwfl_new): its callbacks, its debug-file search in heapscope's debug-file directories,
 * and the amd64 header its unwinding backend comes from. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../image/debug_file.h"
#include "native_symbols.h"

int native_dwfl_new(native_dwfl **out, hs_err *err)
{
    *out = NULL;
    native_dwfl *d = calloc(1, sizeof *d);
    /* libdwfl's search, in heapscope's debug-file directories: a debuglink next to the module
     * (""), in its .debug/, then each DIR by build id and DIR/<its directory>/ */
    const char *dirs = hs_debug_dirs();
    size_t len = strlen(":.debug:") + strlen(dirs) + 1;
    if (!d || !(d->debuginfo_path = malloc(len))) {
        free(d);
        return hs_errf(err, "out of memory opening the native unwinder");
    }
    snprintf(d->debuginfo_path, len, ":.debug:%s", dirs);
    d->callbacks.find_elf = dwfl_linux_proc_find_elf; /* opens a module by its path */
    d->callbacks.find_debuginfo = dwfl_standard_find_debuginfo;
    d->callbacks.section_address = dwfl_offline_section_address;
    d->callbacks.debuginfo_path = &d->debuginfo_path;
    if (!(d->dwfl = dwfl_begin(&d->callbacks))) {
        native_dwfl_free(d);
        return hs_errf(err, "starting libdwfl: %s", dwfl_errmsg(-1));
    }
    Elf64_Ehdr *h = &d->arch_header;
    memcpy(h->e_ident, ELFMAG, SELFMAG);
    h->e_ident[EI_CLASS] = ELFCLASS64;
    h->e_ident[EI_DATA] = ELFDATA2LSB;
    h->e_ident[EI_VERSION] = EV_CURRENT;
    h->e_type = ET_CORE;
    h->e_machine = EM_X86_64;
    h->e_version = EV_CURRENT;
    h->e_ehsize = sizeof *h;
    if (!(d->arch_elf = elf_memory((char *)h, sizeof *h))) {
        native_dwfl_free(d);
        return hs_errf(err, "starting libdwfl: %s", elf_errmsg(-1));
    }
    *out = d;
    return 0;
}

void native_dwfl_free(native_dwfl *d)
{
    if (!d)
        return;
    if (d->dwfl)
        dwfl_end(d->dwfl);
    if (d->arch_elf)
        elf_end(d->arch_elf);
    free(d->debuginfo_path);
    free(d);
}
