/* native_inline.c - the functions DWARF says are inlined at a PC, as frames (native_symbols.h):
 * the innermost function-like scope from dwarf_getscopes, its physical nesting from
 * dwarf_getscopes_die (what eu-stack does), each caller's line from DW_AT_call_file/_line. */
#include <dwarf.h>
#include <stdlib.h>

#include "libdw_bound.h"
#include "native_symbols.h"

static int function_like(Dwarf_Die *die)
{
    int tag = libdw_tag(die);
    return tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine || tag == DW_TAG_entry_point;
}

/* The DIE that declares an inlined function (through its abstract origin and, for a member
 * defined outside its class, its specification): its scopes name its namespaces and classes. */
static int declaration(Dwarf_Die *die, Dwarf_Die *out)
{
    Dwarf_Attribute a;
    *out = *die;
    for (int hop = 0; hop < 4; hop++) {
        if (!libdw_attr(out, DW_AT_abstract_origin, &a) && !libdw_attr(out, DW_AT_specification, &a))
            return 0;
        if (!dwarf_formref_die(&a, out))
            return -1;
    }
    return 0;
}

/* An inlined function's name as gdb prints it: its DWARF name qualified by the namespaces and
 * classes around its declaration ("std::mutex::lock"), without parameters. */
static const char *inlined_name(native_unwinder *u, Dwarf_Die *die)
{
    Dwarf_Die decl, *scopes = NULL;
    const char *name = libdw_diename(die);
    int n = declaration(die, &decl) == 0 ? dwarf_getscopes_die(&decl, &scopes) : 0;
    char buf[1024] = "";
    size_t len = 0;
    for (int i = n - 1; i > 0 && len < sizeof buf; i--) {
        int tag = libdw_tag(&scopes[i]);
        const char *scope = libdw_diename(&scopes[i]);
        if (scope && (tag == DW_TAG_namespace || tag == DW_TAG_class_type ||
                      tag == DW_TAG_structure_type || tag == DW_TAG_union_type))
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%s::", scope);
    }
    free(scopes);
    if (len < sizeof buf)
        snprintf(buf + len, sizeof buf - len, "%s", name ? name : "??");
    return native_intern(u, buf);
}

/* The place an inlined call was made, into the caller's frame c (file unknown: "?"). */
static void call_site(native_unwinder *u, Dwarf_Die *die, Dwarf_Files *files, size_t nfiles,
                      hs_frame *c)
{
    Dwarf_Attribute a;
    Dwarf_Word file = 0, line = 0;
    const char *path = NULL;
    if (files && libdw_formudata(libdw_attr(die, DW_AT_call_file, &a), &file) == 0 && file < nfiles)
        path = dwarf_filesrc(files, file, NULL, NULL);
    if (libdw_formudata(libdw_attr(die, DW_AT_call_line, &a), &line) != 0 || line > INT32_MAX)
        line = 0;
    c->file = native_intern(u, path ? path : "?");
    c->line = path ? (int32_t)line : 0;
}

int native_cu(Dwfl_Module *mod, uint64_t key, Dwarf_Die *cu, Dwarf_Addr *bias)
{
    Dwarf_Die *d = dwfl_module_addrdie(mod, key, bias);
    if (d && dwarf_haspc(d, key - *bias) > 0) {
        *cu = *d;
        return 0;
    }
    for (d = NULL; (d = dwfl_module_nextcu(mod, d, bias));)
        if (dwarf_haspc(d, key - *bias) > 0) {
            *cu = *d;
            return 0;
        }
    return -1;
}

void native_line(Dwarf_Die *cu, Dwarf_Addr bias, uint64_t key, const char **file, int *line)
{
    Dwarf_Line *l = dwarf_getsrc_die(cu, key - bias);
    *file = l ? libdw_linesrc(l, NULL, NULL) : NULL;
    if (!*file || libdw_lineno(l, line) != 0)
        *line = 0;
}

int native_inlined(native_unwinder *u, Dwarf_Die *cudie, Dwarf_Addr bias, uint64_t key, pc_entry *e)
{
    Dwarf_Die *scopes = NULL, *phys = NULL;
    int n = dwarf_getscopes(cudie, key - bias, &scopes), i = 0;
    while (i < n && !function_like(&scopes[i]))
        i++;
    int m = i < n ? dwarf_getscopes_die(&scopes[i], &phys) : 0;
    free(scopes);
    Dwarf_Files *files = NULL;
    size_t nfiles = 0;
    if (m > 0 && dwarf_getsrcfiles(cudie, &files, &nfiles) != 0)
        files = NULL;
    for (int j = 0; j < m && e->n <= NATIVE_MAX_INLINED; j++) {
        int tag = libdw_tag(&phys[j]);
        if (tag == DW_TAG_subprogram)
            break;
        if (tag != DW_TAG_inlined_subroutine)
            continue; /* a lexical block */
        hs_frame *f = &e->frames[e->n - 1], *caller = &e->frames[e->n++];
        f->function = inlined_name(u, &phys[j]);
        f->inlined = 1;
        call_site(u, &phys[j], files, nfiles, caller);
        if (!f->function || !caller->file) {
            free(phys);
            return -1;
        }
    }
    free(phys);
    return 0;
}
