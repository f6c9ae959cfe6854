/* go_layout.h - where the Go runtime keeps things in one binary: struct member offsets, sizes
 * and constants, read from the binary's DWARF when present, else from the per-release tables
 * (go_tables.h). One resolver for both, queried by "type" + dotted member path. */
#ifndef HS_GO_LAYOUT_H
#define HS_GO_LAYOUT_H

#include <stdint.h>

#include "../image/dwarf_index.h"
#include "../util/arch.h"
#include "../util/err.h"
#include "go_tables.h"

typedef struct go_layout_src {
    hs_dwarf *dwarf;          /* may be NULL */
    int minor;                /* Go 1.<minor> */
    const go_tables *tables;  /* the binary's architecture's; NULL: DWARF only */
} go_layout_src;

/* The per-release tables of an architecture. */
static inline const go_tables *go_tables_for(hs_arch a)
{
    return a == HS_ARCH_ARM64 ? &go_tables_arm64 : &go_tables_amd64;
}

/* Offset of a member, e.g. ("runtime.g", "sched.sp"); -1 when the member does not exist. */
int go_layout_off(const go_layout_src *s, const char *type, const char *path, int64_t *off);
int go_layout_size(const go_layout_src *s, const char *type, int64_t *size);
int go_layout_const(const go_layout_src *s, const char *name, int64_t *val);

/* Offsets the goroutine model reads; -1 marks a member this release does not have. */
typedef struct go_offsets {
    int64_t g_size, g_stack_lo, g_stack_hi, g_m, g_sched_sp, g_sched_pc, g_sched_bp, g_syscallsp,
        g_syscallpc, g_syscallbp, g_atomicstatus, g_goid, g_waitsince, g_waitreason, g_gopc,
        g_startpc, g_waiting, g_labels, g_parent_goid, g_running_cleanups;
    int64_t m_size, m_g0, m_procid, m_gsignal, m_curg, m_id, m_alllink, m_vdso_sp, m_vdso_pc;
    int64_t sudog_g, sudog_next, sudog_elem, sudog_c, sudog_waitlink, sudog_is_select;
    int64_t sched_lastpoll;
    int64_t gscan, gdead, gwaiting, gsyscall, grunning, grunnable, gleaked, gdeadextra;
    int64_t funcid_wrapper; /* _func.funcID of compiler-generated wrappers */
} go_offsets;

/* Fills every offset; fails naming the first required member that neither DWARF nor the
 * tables know. */
int go_offsets_resolve(const go_layout_src *s, go_offsets *o, hs_err *err);

#endif
