/* native_names.c - what the native unwinder's PCs and data addresses are called (native_unwind.h):
 * ELF symbols (C++ demangled by libiberty), source lines from the unit that holds the PC, inlined
 * calls (native_inline.c), cached per PC; glibc's condition-variable layout, looked up once. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/demangle.h"
#include "native_symbols.h"

const char *native_intern(native_unwinder *u, const char *s)
{
    uint32_t id = hs_strtab_intern(u->strs, s);
    return id == UINT32_MAX ? NULL : hs_strtab_str(u->strs, id);
}

static const char *module_name(Dwfl_Module *mod, Dwarf_Addr *start)
{
    const char *mainfile = NULL;
    const char *name = dwfl_module_info(mod, NULL, start, NULL, NULL, NULL, &mainfile, NULL);
    return mainfile ? mainfile : name ? name : "?";
}

/* A function's name as people read it: a C++ symbol demangled by libiberty
 * ("ns::Worker::run(int)"), a symbol version cut ("read@GLIBC_2.2.5" -> "read"), and the ".abi0"
 * of a Go assembly function's symbol ("runtime.futex.abi0"; Go's traceback and gdb omit it). */
const char *native_readable(native_unwinder *u, const char *name)
{
    char buf[4096];
    const char *at = strchr(name, '@');
    size_t len = strlen(name);
    if (at && at > name) {
        snprintf(buf, sizeof buf, "%.*s", (int)(at - name), name);
        name = buf;
    } else if (len > 5 && strcmp(name + len - 5, ".abi0") == 0) {
        snprintf(buf, sizeof buf, "%.*s", (int)(len - 5), name);
        name = buf;
    }
    char *dm = strncmp(name, "_Z", 2) == 0 ? hs_demangle(name) : NULL;
    const char *s = native_intern(u, dm ? dm : name);
    free(dm);
    return s;
}

/* The frame of a PC outside every inlined call: the ELF symbol, else module+offset. */
static const char *symbol_name(native_unwinder *u, Dwfl_Module *mod, uint64_t key)
{
    Dwarf_Addr start = 0;
    const char *modname = module_name(mod, &start);
    GElf_Off off;
    GElf_Sym sym;
    const char *name = dwfl_module_addrinfo(mod, key, &off, &sym, NULL, NULL, NULL);
    if (name)
        return native_readable(u, name);
    char buf[4096];
    const char *base = strrchr(modname, '/');
    snprintf(buf, sizeof buf, "%s+0x%" PRIx64, base ? base + 1 : modname, key - start);
    return native_intern(u, buf);
}

int native_module_of(native_unwinder *u, uint64_t pc, const char **module, uint64_t *offset)
{
    Dwfl_Module *mod = dwfl_addrmodule(u->dwfl, pc);
    if (!mod)
        return -1;
    Dwarf_Addr start = 0;
    const char *modname = module_name(mod, &start), *base = strrchr(modname, '/');
    *module = native_intern(u, base ? base + 1 : modname);
    *offset = pc - start;
    return *module ? 0 : -1;
}

static int lookup(native_unwinder *u, uint64_t key, pc_entry *e)
{
    hs_frame *f = e->frames;
    Dwfl_Module *mod = dwfl_addrmodule(u->dwfl, key);
    e->n = 1;
    if (!mod) {
        char buf[40];
        snprintf(buf, sizeof buf, "0x%" PRIx64, key);
        f->function = native_intern(u, buf);
        f->file = native_intern(u, "?");
        return f->function && f->file ? 0 : -1;
    }
    Dwarf_Addr start = 0;
    const char *modname = module_name(mod, &start);
    Dwarf_Die cu;
    Dwarf_Addr bias = 0;
    int has_cu = native_cu(mod, key, &cu, &bias) == 0, lineno = 0;
    const char *src = NULL;
    if (has_cu)
        native_line(&cu, bias, key, &src, &lineno);
    f->file = native_intern(u, src ? src : modname);
    f->line = src ? lineno : 0;
    if (has_cu && native_inlined(u, &cu, bias, key, e) < 0)
        return -1;
    hs_frame *outer = &e->frames[e->n - 1];
    outer->function = symbol_name(u, mod, key);
    for (uint32_t i = 0; i < e->n; i++)
        if (!e->frames[i].function || !e->frames[i].file)
            return -1;
    return 0;
}

int native_symbolize(native_unwinder *u, uint64_t pc, int innermost, const hs_frame **frames,
                     uint32_t *n, hs_err *err)
{
    uint64_t key = innermost || pc == 0 ? pc : pc - 1;
    pc_entry *e;
    HASH_FIND(hh, u->cache, &key, sizeof key, e);
    if (!e) {
        e = calloc(1, sizeof *e);
        if (!e || lookup(u, key, e) < 0) {
            free(e);
            return hs_errf(err, "out of memory naming frame 0x%" PRIx64, pc);
        }
        e->key = key;
        HASH_ADD(hh, u->cache, key, sizeof e->key, e);
    }
    *frames = e->frames;
    *n = e->n;
    return 0;
}

int native_condvar_layout(native_unwinder *u, uint64_t *cleanup_off, uint64_t *routine)
{
    if (!u->cv_state)
        u->cv_state = native_condvar_layout_find(u->dwfl, &u->cv_cleanup_off, &u->cv_routine) == 0 ? 1 : -1;
    *cleanup_off = u->cv_cleanup_off;
    *routine = u->cv_routine;
    return u->cv_state > 0 ? 0 : -1;
}

typedef struct below {
    uint64_t addr, start;
    Dwfl_Module *mod;
} below;

static int module_below_cb(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr start,
                           void *arg)
{
    (void)userdata;
    (void)name;
    below *b = arg;
    if (start <= b->addr && (!b->mod || start > b->start)) {
        b->mod = mod;
        b->start = start;
    }
    return DWARF_CB_OK;
}

/* The module at addr, else the one starting last below it: a module spans its file's mappings,
 * and the .bss beyond them (an anonymous mapping; a core's NT_FILE does not list it) is still
 * named by its symbols. */
static Dwfl_Module *module_of_data(native_unwinder *u, uint64_t addr)
{
    Dwfl_Module *mod = dwfl_addrmodule(u->dwfl, addr);
    below b = {addr, 0, NULL};
    if (!mod)
        dwfl_getmodules(u->dwfl, module_below_cb, &b, 0);
    return mod ? mod : b.mod;
}

int native_data_symbol(native_unwinder *u, uint64_t addr, char *buf, size_t cap, uint64_t *offset)
{
    Dwfl_Module *mod = module_of_data(u, addr);
    GElf_Off off;
    GElf_Sym sym;
    const char *name = mod ? dwfl_module_addrinfo(mod, addr, &off, &sym, NULL, NULL, NULL) : NULL;
    if (!name || (sym.st_size ? off >= sym.st_size : off != 0))
        return 0;
    *offset = off;
    if (off)
        snprintf(buf, cap, "%s+0x%" PRIx64, name, (uint64_t)off);
    else
        snprintf(buf, cap, "%s", name);
    return 1;
}
