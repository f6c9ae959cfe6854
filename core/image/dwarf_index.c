/* dwarf_index.c - named top-level DWARF entries indexed once, queried by name (see dwarf_index.h). */
#include "dwarf_index.h"
#include "dwarf_priv.h"

#include <dlfcn.h>
#include <dwarf.h>
#include <libdwarf.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    const char *name; /* points into libdwarf's section data, valid until dwarf_finish */
    Dwarf_Off off;
    Dwarf_Half tag;
} entry;

struct hs_dwarf {
    Dwarf_Debug dbg;
    entry *entries;
    size_t n, cap;
};

#define MAX_DIES_PER_CU 5000000u /* bound on a corrupt sibling chain */

static int add_entry(hs_dwarf *d, const char *name, Dwarf_Off off, Dwarf_Half tag)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 4096;
        entry *e = realloc(d->entries, cap * sizeof *e);
        if (!e)
            return -1;
        d->entries = e;
        d->cap = cap;
    }
    d->entries[d->n++] = (entry){name, off, tag};
    return 0;
}

static int wanted_tag(Dwarf_Half tag)
{
    switch (tag) {
    case DW_TAG_structure_type: case DW_TAG_typedef: case DW_TAG_base_type:
    case DW_TAG_pointer_type: case DW_TAG_array_type: case DW_TAG_constant:
    case DW_TAG_variable: case DW_TAG_subroutine_type: case DW_TAG_subprogram:
        return 1;
    default:
        return 0;
    }
}

static void index_die(hs_dwarf *d, Dwarf_Die die)
{
    Dwarf_Error e = NULL;
    Dwarf_Half tag;
    char *name = NULL;
    Dwarf_Off off;
    if (dwarf_tag(die, &tag, &e) != DW_DLV_OK || !wanted_tag(tag))
        goto out;
    if (dwarf_diename(die, &name, &e) != DW_DLV_OK || !name)
        goto out;
    if (dwarf_dieoffset(die, &off, &e) == DW_DLV_OK)
        add_entry(d, name, off, tag);
out:
    if (e)
        dwarf_dealloc_error(d->dbg, e);
}

/* The DIE after die among its siblings, or NULL at the end or on an error; frees die. */
static Dwarf_Die next_sibling(const hs_dwarf *d, Dwarf_Die die)
{
    Dwarf_Die next = NULL;
    Dwarf_Error e = NULL;
    int r = dwarf_siblingof_b(d->dbg, die, 1, &next, &e);
    dwarf_dealloc_die(die);
    if (e)
        dwarf_dealloc_error(d->dbg, e);
    return r == DW_DLV_OK ? next : NULL;
}

static void index_cu(hs_dwarf *d, Dwarf_Die cu)
{
    Dwarf_Error e = NULL;
    Dwarf_Die child = NULL;
    if (dwarf_child(cu, &child, &e) != DW_DLV_OK)
        goto out;
    for (unsigned i = 0; child && i < MAX_DIES_PER_CU; i++) {
        index_die(d, child);
        child = next_sibling(d, child);
    }
    if (child)
        dwarf_dealloc_die(child);
out:
    if (e)
        dwarf_dealloc_error(d->dbg, e);
}

static int entry_cmp(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (int)x->tag - (int)y->tag;
}

static void build_index(hs_dwarf *d)
{
    Dwarf_Error e = NULL;
    for (;;) {
        Dwarf_Unsigned hl, abbr, next, toff;
        Dwarf_Half ver, asz, lsz, esz, htype;
        Dwarf_Sig8 sig;
        int r = dwarf_next_cu_header_d(d->dbg, 1, &hl, &ver, &abbr, &asz, &lsz, &esz, &sig, &toff,
                                       &next, &htype, &e);
        if (r != DW_DLV_OK)
            break;
        Dwarf_Die cu = NULL;
        if (dwarf_siblingof_b(d->dbg, NULL, 1, &cu, &e) == DW_DLV_OK) {
            index_cu(d, cu);
            dwarf_dealloc_die(cu);
        }
    }
    if (e)
        dwarf_dealloc_error(d->dbg, e);
    if (d->n)
        qsort(d->entries, d->n, sizeof *d->entries, entry_cmp);
}

/* libdwarf aborts on an error when no handler and no error pointer is given; this handler makes
 * every such error a plain DW_DLV_ERROR return. */
static void ignore_dwarf_error(Dwarf_Error e, Dwarf_Ptr arg)
{
    (void)e;
    (void)arg;
}

/* 1 when libdwarf's functions are libdwarf's: inside a host that already loaded elfutils' libdw
 * (gdb does), same-named functions of that library can be bound in their place. */
static int libdwarf_is_ours(void)
{
    Dl_info lib, self;
    if (!dladdr((void *)(uintptr_t)dwarf_child, &lib) || !lib.dli_fname)
        return 0;
    if (strstr(lib.dli_fname, "libdwarf"))
        return 1;
    return dladdr((void *)(uintptr_t)libdwarf_is_ours, &self) && self.dli_fname &&
           strcmp(self.dli_fname, lib.dli_fname) == 0; /* linked in statically */
}

int hs_dwarf_open(hs_dwarf **out, const char *path, hs_err *err)
{
    *out = NULL;
    if (!libdwarf_is_ours())
        return hs_errf(err, "libdwarf's functions are shadowed by another library in this process "
                       "(elfutils' libdw?): heapscope links libdwarf statically and hidden "
                       "(CMakeLists.txt); rebuild it");
    hs_dwarf *d = calloc(1, sizeof *d);
    if (!d)
        return hs_errf(err, "out of memory");
    Dwarf_Error e = NULL;
    int r = dwarf_init_path(path, NULL, 0, DW_DLC_READ, DW_GROUPNUMBER_ANY, ignore_dwarf_error, NULL, &d->dbg,
                            NULL, 0, NULL, &e);
    if (r == DW_DLV_NO_ENTRY) {
        free(d);
        return 0;
    }
    if (r != DW_DLV_OK) {
        hs_errf(err, "reading DWARF of %s: %s", path, e ? dwarf_errmsg(e) : "unknown libdwarf error");
        if (e)
            dwarf_dealloc_error(NULL, e);
        free(d);
        return -1;
    }
    build_index(d);
    if (d->n == 0) {
        hs_dwarf_close(d);
        return 0;
    }
    *out = d;
    return 0;
}

void hs_dwarf_close(hs_dwarf *d)
{
    if (!d)
        return;
    if (d->dbg)
        dwarf_finish(d->dbg, NULL);
    free(d->entries);
    free(d);
}

/* Finds an entry with this name and one of the tags (0-terminated list, in preference order). */
static const entry *find(const hs_dwarf *d, const char *name, const Dwarf_Half *tags)
{
    for (; *tags; tags++) {
        entry key = {name, 0, *tags};
        const entry *e = bsearch(&key, d->entries, d->n, sizeof key, entry_cmp);
        if (e)
            return e;
    }
    return NULL;
}

static int die_at(const hs_dwarf *d, Dwarf_Off off, Dwarf_Die *die)
{
    Dwarf_Error e = NULL;
    int r = dwarf_offdie_b(d->dbg, off, 1, die, &e);
    if (e)
        dwarf_dealloc_error(d->dbg, e);
    return r == DW_DLV_OK ? 0 : -1;
}

/* Reads an unsigned/signed constant attribute. */
static int attr_int(const hs_dwarf *d, Dwarf_Die die, Dwarf_Half at, int64_t *v)
{
    Dwarf_Error e = NULL;
    Dwarf_Attribute a = NULL;
    int ok = -1;
    if (dwarf_attr(die, at, &a, &e) == DW_DLV_OK) {
        Dwarf_Signed s;
        Dwarf_Unsigned u;
        if (dwarf_formsdata(a, &s, &e) == DW_DLV_OK) {
            *v = s;
            ok = 0;
        } else {
            if (e) {
                dwarf_dealloc_error(d->dbg, e);
                e = NULL;
            }
            if (dwarf_formudata(a, &u, &e) == DW_DLV_OK) {
                *v = (int64_t)u;
                ok = 0;
            }
        }
        dwarf_dealloc_attribute(a);
    }
    if (e)
        dwarf_dealloc_error(d->dbg, e);
    return ok;
}

static int attr_ref(const hs_dwarf *d, Dwarf_Die die, Dwarf_Half at, Dwarf_Off *off)
{
    Dwarf_Error e = NULL;
    Dwarf_Attribute a = NULL;
    int ok = -1;
    if (dwarf_attr(die, at, &a, &e) == DW_DLV_OK) {
        if (dwarf_global_formref(a, off, &e) == DW_DLV_OK)
            ok = 0;
        dwarf_dealloc_attribute(a);
    }
    if (e)
        dwarf_dealloc_error(d->dbg, e);
    return ok;
}

/* Follows typedefs from a type DIE offset to the underlying type (bounded). */
static Dwarf_Off strip_typedefs(const hs_dwarf *d, Dwarf_Off off)
{
    for (int i = 0; i < 16; i++) {
        Dwarf_Die die;
        if (die_at(d, off, &die) < 0)
            return off;
        Dwarf_Half tag = 0;
        Dwarf_Off next = 0;
        int again = dwarf_tag(die, &tag, NULL) == DW_DLV_OK && tag == DW_TAG_typedef &&
                    attr_ref(d, die, DW_AT_type, &next) == 0;
        dwarf_dealloc_die(die);
        if (!again)
            return off;
        off = next;
    }
    return off;
}

/* Finds the member named `name` (length len) of the struct at off; fills offset and type. */
static int find_member(const hs_dwarf *d, Dwarf_Off off, const char *name, size_t len,
                       int64_t *moff, Dwarf_Off *mtype)
{
    Dwarf_Die st, child = NULL;
    if (die_at(d, off, &st) < 0)
        return -1;
    int found = -1;
    if (dwarf_child(st, &child, NULL) == DW_DLV_OK) {
        for (unsigned i = 0; child && i < 100000; i++) {
            char *n = NULL;
            if (dwarf_diename(child, &n, NULL) == DW_DLV_OK && n && strlen(n) == len &&
                memcmp(n, name, len) == 0 && attr_int(d, child, DW_AT_data_member_location, moff) == 0) {
                found = attr_ref(d, child, DW_AT_type, mtype) == 0 ? 0 : (*mtype = 0, 0);
                break;
            }
            child = next_sibling(d, child);
        }
    }
    if (child)
        dwarf_dealloc_die(child);
    dwarf_dealloc_die(st);
    return found;
}

static const Dwarf_Half type_tags[] = {DW_TAG_structure_type, DW_TAG_typedef, DW_TAG_base_type,
                                       DW_TAG_pointer_type, DW_TAG_array_type, 0};

int hs_dwarf_member_offset(hs_dwarf *d, const char *type, const char *path, int64_t *off)
{
    const entry *e = d ? find(d, type, type_tags) : NULL;
    if (!e)
        return -1;
    Dwarf_Off cur = strip_typedefs(d, e->off);
    int64_t total = 0;
    for (const char *p = path; *p;) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        int64_t m;
        Dwarf_Off mt;
        if (find_member(d, cur, p, len, &m, &mt) < 0 || m < 0 || m > INT32_MAX)
            return -1; /* absent, or an offset no struct has (corrupt DWARF) */
        total += m;
        cur = strip_typedefs(d, mt);
        p += len + (dot ? 1 : 0);
    }
    *off = total;
    return 0;
}

int hs_dwarf_type_size(hs_dwarf *d, const char *type, int64_t *size)
{
    const entry *e = d ? find(d, type, type_tags) : NULL;
    Dwarf_Die die;
    if (!e || die_at(d, strip_typedefs(d, e->off), &die) < 0)
        return -1;
    int r = attr_int(d, die, DW_AT_byte_size, size);
    dwarf_dealloc_die(die);
    return r;
}

int hs_dwarf_const(hs_dwarf *d, const char *name, int64_t *val)
{
    static const Dwarf_Half tags[] = {DW_TAG_constant, 0};
    const entry *e = d ? find(d, name, tags) : NULL;
    Dwarf_Die die;
    if (!e || die_at(d, e->off, &die) < 0)
        return -1;
    int r = attr_int(d, die, DW_AT_const_value, val);
    dwarf_dealloc_die(die);
    return r;
}

/* The address of a DW_OP_addr location: Go writes it as a DW_FORM_block1 (libdwarf reads that
 * with dwarf_formblock; DW_FORM_exprloc, which other producers use, with dwarf_formexprloc). */
static int var_location(const hs_dwarf *d, Dwarf_Die die, uint64_t *addr)
{
    int ok = -1;
    Dwarf_Attribute a = NULL;
    Dwarf_Error e = NULL; /* with NULL, libdwarf keeps each failed form's error until dwarf_finish */
    if (dwarf_attr(die, DW_AT_location, &a, NULL) != DW_DLV_OK)
        return -1;
    Dwarf_Unsigned len = 0;
    Dwarf_Ptr data = NULL;
    Dwarf_Block *blk = NULL;
    if (dwarf_formexprloc(a, &len, &data, &e) != DW_DLV_OK) {
        data = NULL;
        if (e)
            dwarf_dealloc_error(d->dbg, e);
        e = NULL;
        if (dwarf_formblock(a, &blk, &e) == DW_DLV_OK) {
            len = blk->bl_len;
            data = blk->bl_data;
        }
    }
    if (data && len == 9 && ((uint8_t *)data)[0] == DW_OP_addr) {
        memcpy(addr, (uint8_t *)data + 1, 8);
        ok = 0;
    }
    if (blk)
        dwarf_dealloc(d->dbg, blk, DW_DLA_BLOCK);
    dwarf_dealloc_attribute(a);
    if (e)
        dwarf_dealloc_error(d->dbg, e);
    return ok;
}

int hs_dwarf_var_addr(hs_dwarf *d, const char *name, uint64_t *addr)
{
    static const Dwarf_Half tags[] = {DW_TAG_variable, 0};
    const entry *e = d ? find(d, name, tags) : NULL;
    Dwarf_Die die;
    if (!e || die_at(d, e->off, &die) < 0)
        return -1;
    int ok = var_location(d, die, addr);
    dwarf_dealloc_die(die);
    return ok;
}

/* ---- global variables and their Go runtime types ---- */

/* What a type entry says about values of the type, found once per type entry. */
typedef struct type_facts {
    Dwarf_Off off; /* the type entry (0: empty slot) */
    uint64_t size, rtype;
    int has_rtype, go_kind;
} type_facts;

/* An address-class attribute (DW_FORM_addr) or, failing that, an unsigned constant. */
static int attr_addr(const hs_dwarf *d, Dwarf_Die die, Dwarf_Half at, uint64_t *v)
{
    Dwarf_Error e = NULL;
    Dwarf_Attribute a = NULL;
    int ok = -1;
    if (dwarf_attr(die, at, &a, &e) == DW_DLV_OK) {
        Dwarf_Addr addr;
        Dwarf_Unsigned u;
        if (dwarf_formaddr(a, &addr, &e) == DW_DLV_OK) {
            *v = addr;
            ok = 0;
        } else {
            if (e) {
                dwarf_dealloc_error(d->dbg, e);
                e = NULL;
            }
            if (dwarf_formudata(a, &u, &e) == DW_DLV_OK) {
                *v = u;
                ok = 0;
            }
        }
        dwarf_dealloc_attribute(a);
    }
    if (e)
        dwarf_dealloc_error(d->dbg, e);
    return ok;
}

/* Follows typedefs from the type entry at off (bounded) to the first entry carrying
 * DW_AT_go_runtime_type: Go's linker puts it on the definition a named type's typedef names. */
static void find_type_facts(const hs_dwarf *d, Dwarf_Off off, type_facts *tf)
{
    tf->off = off;
    for (int i = 0; i < 8; i++) {
        Dwarf_Die die;
        if (die_at(d, off, &die) < 0)
            return;
        int64_t size;
        if (!tf->size && attr_int(d, die, DW_AT_byte_size, &size) == 0 && size > 0)
            tf->size = (uint64_t)size;
        uint64_t rt = 0;
        if (attr_addr(d, die, HS_DW_AT_GO_RUNTIME_TYPE, &rt) == 0 && rt != 0) {
            int64_t kind;
            tf->rtype = rt;
            tf->has_rtype = 1;
            tf->go_kind = attr_int(d, die, HS_DW_AT_GO_KIND, &kind) == 0 ? (int)kind : 0;
            dwarf_dealloc_die(die);
            return;
        }
        Dwarf_Half tag = 0;
        Dwarf_Off next = 0;
        int again = dwarf_tag(die, &tag, NULL) == DW_DLV_OK && tag == DW_TAG_typedef &&
                    attr_ref(d, die, DW_AT_type, &next) == 0;
        dwarf_dealloc_die(die);
        if (!again)
            return;
        off = next;
    }
}

/* Open-addressing table of type facts keyed by type entry offset (lives for one walk). */
typedef struct facts_table {
    type_facts *slots;
    size_t mask;
} facts_table;

static const type_facts *facts_for(const hs_dwarf *d, facts_table *t, Dwarf_Off off)
{
    size_t i = (size_t)(off * 0x9E3779B97F4A7C15ull >> 20) & t->mask;
    for (size_t probes = 0; probes <= t->mask; probes++, i = (i + 1) & t->mask) {
        type_facts *s = &t->slots[i];
        if (s->off == off)
            return s;
        if (s->off == 0) {
            find_type_facts(d, off, s);
            return s;
        }
    }
    return NULL; /* full: cannot happen, the table has twice as many slots as variables */
}

/* One variable: its location, its type's facts; 1 when it is a global with an address. */
static int read_global(const hs_dwarf *d, const entry *e, facts_table *t, hs_dwarf_global *g)
{
    Dwarf_Die die;
    if (die_at(d, e->off, &die) < 0)
        return 0;
    uint64_t addr;
    Dwarf_Off type = 0;
    int ok = var_location(d, die, &addr) == 0;
    if (ok && attr_ref(d, die, DW_AT_type, &type) < 0)
        type = 0;
    dwarf_dealloc_die(die);
    if (!ok)
        return 0;
    *g = (hs_dwarf_global){e->name, addr, 0, 0, 0, 0, type};
    const type_facts *f = type ? facts_for(d, t, type) : NULL;
    if (f) {
        g->size = f->size;
        g->has_rtype = f->has_rtype;
        g->rtype = f->rtype;
        g->go_kind = f->go_kind;
    }
    return 1;
}

long hs_dwarf_globals(hs_dwarf *d, hs_dwarf_global_fn fn, void *ctx, hs_err *err)
{
    if (!d)
        return 0;
    size_t nvars = 0;
    for (size_t i = 0; i < d->n; i++)
        nvars += d->entries[i].tag == DW_TAG_variable;
    size_t cap = 64;
    while (cap < 2 * nvars)
        cap *= 2;
    facts_table t = {calloc(cap, sizeof *t.slots), cap - 1};
    if (!t.slots)
        return hs_errf(err, "out of memory listing %zu DWARF variables", nvars);
    long seen = 0;
    for (size_t i = 0; i < d->n; i++) {
        hs_dwarf_global g;
        if (d->entries[i].tag != DW_TAG_variable || !read_global(d, &d->entries[i], &t, &g))
            continue;
        seen++;
        if (fn(ctx, &g))
            break;
    }
    free(t.slots);
    return seen;
}

/* ---- type entries, for values whose runtime type must be pieced together from DWARF ---- */

static const char *die_name(const hs_dwarf *d, Dwarf_Die die)
{
    char *n = NULL;
    Dwarf_Error e = NULL;
    if (dwarf_diename(die, &n, &e) != DW_DLV_OK)
        n = NULL;
    if (e)
        dwarf_dealloc_error(d->dbg, e);
    return n;
}

/* The element count of an array entry: its subrange child's DW_AT_count (or upper bound + 1). */
static uint64_t array_count(const hs_dwarf *d, Dwarf_Die die)
{
    Dwarf_Die child = NULL;
    int64_t v = 0;
    if (dwarf_child(die, &child, NULL) != DW_DLV_OK)
        return 0;
    if (attr_int(d, child, DW_AT_count, &v) < 0 && attr_int(d, child, DW_AT_upper_bound, &v) == 0)
        v++;
    dwarf_dealloc_die(child);
    return v > 0 ? (uint64_t)v : 0;
}

static void describe(const hs_dwarf *d, Dwarf_Die die, hs_dwarf_type *t)
{
    Dwarf_Half tag = 0;
    int64_t v;
    Dwarf_Off ref;
    if (dwarf_tag(die, &tag, NULL) == DW_DLV_OK)
        t->tag = tag;
    t->name = die_name(d, die);
    if (attr_int(d, die, DW_AT_byte_size, &v) == 0 && v > 0)
        t->size = (uint64_t)v;
    if (attr_int(d, die, HS_DW_AT_GO_KIND, &v) == 0)
        t->go_kind = (int)v;
    if (attr_addr(d, die, HS_DW_AT_GO_RUNTIME_TYPE, &t->rtype) == 0 && t->rtype)
        t->has_rtype = 1;
    if (attr_ref(d, die, HS_DW_AT_GO_ELEM, &ref) == 0)
        t->elem = ref;
    else if ((tag == DW_TAG_pointer_type || tag == DW_TAG_array_type) &&
             attr_ref(d, die, DW_AT_type, &ref) == 0)
        t->elem = ref;
    if (tag == DW_TAG_array_type)
        t->count = array_count(d, die);
}

int hs_dwarf_type_at(hs_dwarf *d, uint64_t off, hs_dwarf_type *t)
{
    for (int i = 0; d && i < 8; i++) {
        Dwarf_Die die;
        if (die_at(d, off, &die) < 0)
            return -1;
        memset(t, 0, sizeof *t);
        t->off = off;
        describe(d, die, t);
        Dwarf_Off next = 0;
        int follow = t->tag == DW_TAG_typedef && !t->has_rtype && attr_ref(d, die, DW_AT_type, &next) == 0;
        dwarf_dealloc_die(die);
        if (!follow)
            return 0;
        off = next;
    }
    return -1;
}

long hs_dwarf_members(hs_dwarf *d, uint64_t off, hs_dwarf_member *out, size_t max)
{
    Dwarf_Die st, child = NULL;
    if (!d || die_at(d, off, &st) < 0)
        return -1;
    Dwarf_Half tag = 0;
    long n = -1;
    if (dwarf_tag(st, &tag, NULL) == DW_DLV_OK && tag == DW_TAG_structure_type) {
        n = 0;
        if (dwarf_child(st, &child, NULL) != DW_DLV_OK)
            child = NULL;
        for (unsigned i = 0; child && i < 100000 && (size_t)n < max; i++) {
            int64_t moff;
            Dwarf_Off type;
            if (attr_int(d, child, DW_AT_data_member_location, &moff) == 0 &&
                attr_ref(d, child, DW_AT_type, &type) == 0 && moff >= 0)
                out[n++] = (hs_dwarf_member){die_name(d, child), (uint64_t)moff, type};
            child = next_sibling(d, child);
        }
        if (child)
            dwarf_dealloc_die(child);
    }
    dwarf_dealloc_die(st);
    return n;
}

/* ---- for the other DWARF readers (dwarf_priv.h) ---- */

Dwarf_Debug hs_dwarf_debug(const hs_dwarf *d) { return d->dbg; }

int hs_dwarf_attr_int(const hs_dwarf *d, Dwarf_Die die, Dwarf_Half at, int64_t *v)
{
    return attr_int(d, die, at, v);
}

int hs_dwarf_attr_ref(const hs_dwarf *d, Dwarf_Die die, Dwarf_Half at, uint64_t *off)
{
    Dwarf_Off o;
    if (attr_ref(d, die, at, &o) < 0)
        return -1;
    *off = o;
    return 0;
}

int hs_dwarf_subprogram(const hs_dwarf *d, const char *name, uint64_t *off)
{
    static const Dwarf_Half tags[] = {DW_TAG_subprogram, 0};
    const entry *e = d ? find(d, name, tags) : NULL;
    if (!e)
        return -1;
    *off = e->off;
    return 0;
}
