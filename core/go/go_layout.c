/* go_layout.c - Go runtime layouts from DWARF or the per-release tables (see go_layout.h). */
#include "go_layout.h"

#include <stddef.h>
#include <string.h>

static int table_index(const go_layout_src *s)
{
    int i = s->minor - GO_TABLE_FIRST_MINOR;
    return s->tables && i >= 0 && i < GO_TABLE_NVERSIONS ? i : -1;
}

static const go_table_field *table_field(const go_tables *tb, const char *type, const char *field,
                                         size_t len)
{
    for (const go_table_field *f = tb->fields; f->type; f++)
        if (strcmp(f->type, type) == 0 && strlen(f->field) == len && memcmp(f->field, field, len) == 0)
            return f;
    return NULL;
}

/* Walks a dotted path through the tables, following each member's recorded type. */
static int table_off(const go_tables *tb, int vi, const char *type, const char *path, int64_t *off)
{
    int64_t total = 0;
    const char *cur = type;
    for (const char *p = path; *p;) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        const go_table_field *f = table_field(tb, cur, p, len);
        if (!f || f->off[vi] < 0)
            return -1;
        total += f->off[vi];
        cur = f->field_type;
        p += len + (dot ? 1 : 0);
    }
    *off = total;
    return 0;
}

int go_layout_off(const go_layout_src *s, const char *type, const char *path, int64_t *off)
{
    if (s->dwarf && hs_dwarf_member_offset(s->dwarf, type, path, off) == 0)
        return 0;
    int vi = table_index(s);
    return vi < 0 ? -1 : table_off(s->tables, vi, type, path, off);
}

int go_layout_size(const go_layout_src *s, const char *type, int64_t *size)
{
    if (s->dwarf && hs_dwarf_type_size(s->dwarf, type, size) == 0)
        return 0;
    int vi = table_index(s);
    for (const go_table_size *t = vi >= 0 ? s->tables->sizes : NULL; t && t->type; t++)
        if (strcmp(t->type, type) == 0 && t->size[vi] >= 0) {
            *size = t->size[vi];
            return 0;
        }
    return -1;
}

int go_layout_const(const go_layout_src *s, const char *name, int64_t *val)
{
    if (s->dwarf && hs_dwarf_const(s->dwarf, name, val) == 0)
        return 0;
    int vi = table_index(s);
    for (const go_table_const *c = vi >= 0 ? s->tables->consts : NULL; c && c->name; c++)
        if (strcmp(c->name, name) == 0 && c->present[vi]) {
            *val = c->val[vi];
            return 0;
        }
    return -1;
}

typedef struct want {
    size_t slot; /* offsetof(go_offsets, ...) */
    const char *type, *path;
    int required;
} want;

#define W(field, type, path, req) {offsetof(go_offsets, field), type, path, req}

static const want wanted[] = {
    W(g_stack_lo, "runtime.g", "stack.lo", 1), W(g_stack_hi, "runtime.g", "stack.hi", 1),
    W(g_m, "runtime.g", "m", 1), W(g_sched_sp, "runtime.g", "sched.sp", 1),
    W(g_sched_pc, "runtime.g", "sched.pc", 1), W(g_sched_bp, "runtime.g", "sched.bp", 1),
    W(g_syscallsp, "runtime.g", "syscallsp", 1), W(g_syscallpc, "runtime.g", "syscallpc", 1),
    W(g_syscallbp, "runtime.g", "syscallbp", 0), W(g_atomicstatus, "runtime.g", "atomicstatus", 1),
    W(g_goid, "runtime.g", "goid", 1), W(g_waitsince, "runtime.g", "waitsince", 1),
    W(g_waitreason, "runtime.g", "waitreason", 1), W(g_gopc, "runtime.g", "gopc", 1),
    W(g_startpc, "runtime.g", "startpc", 1), W(g_waiting, "runtime.g", "waiting", 1),
    W(g_labels, "runtime.g", "labels", 0), W(g_parent_goid, "runtime.g", "parentGoid", 0),
    W(g_running_cleanups, "runtime.g", "runningCleanups", 0),
    W(m_g0, "runtime.m", "g0", 1), W(m_procid, "runtime.m", "procid", 1),
    W(m_gsignal, "runtime.m", "gsignal", 1), W(m_curg, "runtime.m", "curg", 1),
    W(m_id, "runtime.m", "id", 1), W(m_alllink, "runtime.m", "alllink", 1),
    W(m_vdso_sp, "runtime.m", "vdsoSP", 0), W(m_vdso_pc, "runtime.m", "vdsoPC", 0),
    W(sudog_g, "runtime.sudog", "g", 1), W(sudog_next, "runtime.sudog", "next", 1),
    W(sudog_elem, "runtime.sudog", "elem", 1), W(sudog_c, "runtime.sudog", "c", 1),
    W(sudog_waitlink, "runtime.sudog", "waitlink", 1),
    W(sudog_is_select, "runtime.sudog", "isSelect", 1),
    W(sched_lastpoll, "runtime.schedt", "lastpoll", 0),
};

typedef struct want_const {
    size_t slot;
    const char *name;
    int64_t fallback; /* the value every release 1.19-1.27 uses; -1 = absent unless found */
} want_const;

#define C(field, name, fb) {offsetof(go_offsets, field), name, fb}

static const want_const wanted_consts[] = {
    C(gscan, "runtime._Gscan", 0x1000), C(gdead, "runtime._Gdead", 6),
    C(gwaiting, "runtime._Gwaiting", 4), C(gsyscall, "runtime._Gsyscall", 3),
    C(grunning, "runtime._Grunning", 2), C(grunnable, "runtime._Grunnable", 1),
    C(gleaked, "runtime._Gleaked", -1), C(gdeadextra, "runtime._Gdeadextra", -1),
    C(funcid_wrapper, "internal/abi.FuncIDWrapper", -1),
};

/* 1.26 made sudog.elem and sudog.c maybeTraceablePtr{vp, vu} structs (c embeds one in
 * maybeTraceableChan) whose value is the second word (vp may be nil while leak detection runs):
 * point at that word. */
static void sudog_values(const go_layout_src *s, go_offsets *o)
{
    if (s->minor < 26)
        return;
    if (o->sudog_elem >= 0)
        o->sudog_elem += 8;
    if (o->sudog_c >= 0)
        o->sudog_c += 8;
}

int go_offsets_resolve(const go_layout_src *s, go_offsets *o, hs_err *err)
{
    for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++) {
        const want *w = &wanted[i];
        int64_t *slot = (int64_t *)((char *)o + w->slot);
        if (go_layout_off(s, w->type, w->path, slot) < 0) {
            if (w->required)
                return hs_errf(err, "the Go runtime in this binary has no %s.%s (unexpected layout "
                               "for go1.%d)", w->type, w->path, s->minor);
            *slot = -1;
        }
    }
    if (go_layout_size(s, "runtime.g", &o->g_size) < 0 || go_layout_size(s, "runtime.m", &o->m_size) < 0)
        return hs_errf(err, "the size of runtime.g or runtime.m is unknown for go1.%d", s->minor);
    /* the goroutine walker reads g fields from one copy of the struct: keep them inside it */
    if (o->g_size <= 0 || o->g_size > 65536)
        return hs_errf(err, "implausible size %lld of runtime.g", (long long)o->g_size);
    for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++) {
        int64_t v = *(int64_t *)((char *)o + wanted[i].slot);
        int64_t width = strcmp(wanted[i].path, "waitreason") == 0 ? 1 : 8;
        if (strcmp(wanted[i].type, "runtime.g") == 0 &&
            ((wanted[i].required && v < 0) || (v >= 0 && v > o->g_size - width)))
            return hs_errf(err, "runtime.g.%s at offset %lld lies outside runtime.g (%lld bytes)",
                           wanted[i].path, (long long)v, (long long)o->g_size);
    }
    for (size_t i = 0; i < sizeof wanted_consts / sizeof wanted_consts[0]; i++) {
        int64_t *slot = (int64_t *)((char *)o + wanted_consts[i].slot);
        if (go_layout_const(s, wanted_consts[i].name, slot) < 0)
            *slot = wanted_consts[i].fallback;
    }
    sudog_values(s, o);
    if (o->funcid_wrapper < 0 && go_layout_const(s, "runtime.funcID_wrapper", &o->funcid_wrapper) < 0)
        o->funcid_wrapper = -1; /* before 1.21 the constant lived in runtime */
    return 0;
}
