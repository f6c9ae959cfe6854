/* native_condvar.c - the mutex a thread waiting on a glibc condition variable re-takes when woken
 * (native_locks.h). pthread_cond_wait keeps it only on the waiter's stack, in the cleanup buffer
 * it pushes (glibc 2.36 nptl/pthread_cond_wait.c: struct _condvar_cleanup_buffer {wseq, cond,
 * mutex, private}, routine __condvar_cleanup_waiting); the thread's struct pthread points at that
 * buffer from its `cleanup` member, whose offset only libc's DWARF gives (libc6-dbg). */
#include <dwarf.h>
#include <string.h>

#include "libdw_bound.h"
#include "native_locks.h"
#include "native_symbols.h"

#define CLEANUP_ARG 8  /* struct _pthread_cleanup_buffer: __routine 0, __arg 8 */
#define CVBUF_COND 8   /* struct _condvar_cleanup_buffer: cond 8, mutex 16 */
#define CVBUF_MUTEX 16

static int find_libc(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr start, void *arg)
{
    (void)userdata;
    (void)start;
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    if (strncmp(base, "libc.so", 7) != 0 && strncmp(base, "libc-", 5) != 0)
        return DWARF_CB_OK;
    *(Dwfl_Module **)arg = mod;
    return DWARF_CB_ABORT;
}

static int named(Dwarf_Die *die, int tag, const char *name)
{
    const char *n = libdw_tag(die) == tag ? libdw_diename(die) : NULL;
    return n && !strcmp(n, name);
}

/* The offset of `cleanup` in the struct pthread the unit (pthread_create.c, which fills every
 * member) defines. */
static int cleanup_offset(Dwarf_Die *cu, uint64_t *off)
{
    Dwarf_Die d, m;
    Dwarf_Attribute a;
    Dwarf_Word w;
    for (int r = libdw_child(cu, &d); r == 0; r = libdw_siblingof(&d, &d)) {
        if (!named(&d, DW_TAG_structure_type, "pthread") || libdw_child(&d, &m) != 0)
            continue;
        do
            if (named(&m, DW_TAG_member, "cleanup") &&
                libdw_formudata(libdw_attr(&m, DW_AT_data_member_location, &a), &w) == 0) {
                *off = w;
                return 0;
            }
        while (libdw_siblingof(&m, &m) == 0);
    }
    return -1;
}

int native_condvar_layout_find(Dwfl *dwfl, uint64_t *cleanup_off, uint64_t *routine)
{
    Dwfl_Module *libc = NULL;
    dwfl_getmodules(dwfl, find_libc, &libc, 0);
    int nsyms = libc ? dwfl_module_getsymtab(libc) : -1;
    *routine = 0;
    for (int i = 0; i < nsyms && !*routine; i++) {
        GElf_Sym sym;
        GElf_Addr addr;
        const char *n = dwfl_module_getsym_info(libc, i, &sym, &addr, NULL, NULL, NULL);
        if (n && !strcmp(n, "__condvar_cleanup_waiting"))
            *routine = addr;
    }
    Dwarf_Addr bias;
    for (Dwarf_Die *cu = NULL; *routine && (cu = dwfl_module_nextcu(libc, cu, &bias));) {
        const char *n = libdw_diename(cu), *base = n ? strrchr(n, '/') : NULL;
        if (n && !strcmp(base ? base + 1 : n, "pthread_create.c"))
            return cleanup_offset(cu, cleanup_off);
    }
    return -1;
}

uint64_t native_condvar_mutex(hs_target *t, native_unwinder *u, const hs_thread *th, uint64_t word)
{
    uint64_t off, routine, buf, fn, cvbuf, cond, mutex;
    hs_err e;
    if (native_condvar_layout(u, &off, &routine) < 0 ||
        hs_read_u64(t, th->regs[HS_FS_BASE] + off, &buf, &e) < 0 || hs_read_u64(t, buf, &fn, &e) < 0 ||
        fn != routine || hs_read_u64(t, buf + CLEANUP_ARG, &cvbuf, &e) < 0 ||
        hs_read_u64(t, cvbuf + CVBUF_COND, &cond, &e) < 0 || word - cond < 40 || word - cond > 44 ||
        hs_read_u64(t, cvbuf + CVBUF_MUTEX, &mutex, &e) < 0)
        return 0;
    return mutex;
}
