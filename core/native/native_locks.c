/* native_locks.c - mutex and rwlock owners, and deadlock cycles (native_locks.h). */
#include "native_locks.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "native_state.h"

/* struct __pthread_mutex_s: __lock 0, __owner 8, __kind 16. */
#define MUTEX_OWNER 8
#define MUTEX_KIND 16
#define MUTEX_KIND_ROBUST 16
#define MUTEX_KIND_PI 32
#define FUTEX_TID_MASK 0x3fffffffu
/* struct __pthread_rwlock_arch_t: __cur_writer 24; waiters block on +0, +8 or +12. */
#define RWLOCK_SIZE 56
#define RWLOCK_CUR_WRITER 24
/* pthread_cond_t: __g_signals[2] at 40 (waiters block there). */
#define COND_SIGNALS 40
/* A thread's stack is taken to be the 8 MiB above its stack pointer (glibc's default size). */
#define STACK_SPAN (8u << 20)

static int known_tid(const hs_target *t, uint32_t tid)
{
    for (size_t i = 0; i < t->nthreads; i++)
        if ((uint32_t)t->threads[i].tid == tid)
            return 1;
    return 0;
}

static int32_t mutex_owner(hs_target *t, uint64_t m)
{
    uint32_t lock, owner, kind;
    hs_err e;
    if (hs_read_u32(t, m, &lock, &e) < 0 || hs_read_u32(t, m + MUTEX_OWNER, &owner, &e) < 0 ||
        hs_read_u32(t, m + MUTEX_KIND, &kind, &e) < 0 || lock == 0)
        return 0;
    if (kind & (MUTEX_KIND_ROBUST | MUTEX_KIND_PI))
        owner = lock & FUTEX_TID_MASK;
    return owner <= INT32_MAX ? (int32_t)owner : 0;
}

static int32_t rwlock_writer(hs_target *t, uint64_t rw)
{
    uint32_t w;
    hs_err e;
    return hs_read_u32(t, rw + RWLOCK_CUR_WRITER, &w, &e) < 0 || w > INT32_MAX ? 0 : (int32_t)w;
}

/* The rwlock whose futex word is at word: from the symbol naming it, else the first of the words
 * a waiter of its kind blocks on (a writer +12 or +8, a reader +8 or +0) whose __cur_writer is a
 * thread of the process, else the first. */
static uint64_t rwlock_base(hs_target *t, native_unwinder *u, uint64_t word, int writer)
{
    char buf[8];
    uint64_t off;
    if (native_data_symbol(u, word, buf, sizeof buf, &off) && off < RWLOCK_SIZE)
        return word - off;
    static const uint64_t writer_words[] = {12, 8}, reader_words[] = {8, 0};
    const uint64_t *c = writer ? writer_words : reader_words;
    for (int i = 0; i < 2; i++)
        if (word >= c[i] && known_tid(t, (uint32_t)rwlock_writer(t, word - c[i])))
            return word - c[i];
    return word >= c[0] ? word - c[0] : word;
}

static int has_frame(const hs_frame *frames, uint32_t n, const char *part)
{
    for (uint32_t i = 0; i < n; i++)
        if (strstr(frames[i].function, part))
            return 1;
    return 0;
}

/* Where the file of mapping m would have offset 0: its first mapping's start. */
static uint64_t module_base(const hs_target *t, const hs_mapping *m)
{
    uint64_t base = m->start - m->file_offset;
    for (size_t j = 0; j < t->nmaps; j++)
        if (t->maps[j].file_offset == 0 && t->maps[j].path && !strcmp(t->maps[j].path, m->path) &&
            t->maps[j].start <= m->start)
            base = t->maps[j].start;
    return base;
}

/* The module whose data or bss holds addr: that of the region addr lies in; NULL if none. */
static const hs_mapping *module_at(hs_target *t, uint64_t addr)
{
    hs_region *r = NULL;
    size_t n = 0;
    hs_err e;
    const hs_mapping *found = NULL;
    if (hs_target_regions(t, &r, &n, &e) == 0)
        for (size_t i = 0; i < n && !found; i++)
            if (r[i].start <= addr && addr < r[i].end)
                found = hs_target_module_of(t, r[i].start, r[i].end);
    free(r);
    return found;
}

/* "data of libfoo.so+0x40" when addr lies in a module's data or bss (a module whose symbols are
 * not known: its file is not on this machine, or has no symbol there). */
static int module_data(hs_target *t, uint64_t addr, char *name, size_t cap)
{
    const hs_mapping *m = module_at(t, addr);
    if (!m)
        return 0;
    const char *base = strrchr(m->path, '/');
    snprintf(name, cap, "data of %s+0x%" PRIx64, base ? base + 1 : m->path, addr - module_base(t, m));
    return 1;
}

/* The symbol naming addr, else the module or the stack it lies in, else "heap block ADDR". */
static void name_object(hs_target *t, native_unwinder *u, uint64_t addr, hs_waits_on *w,
                        char *name, size_t cap)
{
    uint64_t off;
    if (native_data_symbol(u, addr, name, cap, &off) || module_data(t, addr, name, cap)) {
        w->holder_kind = "global";
        return;
    }
    const hs_thread *best = NULL;
    for (size_t i = 0; i < t->nthreads; i++) {
        uint64_t sp = t->threads[i].regs[HS_RSP];
        if (sp <= addr && addr - sp < STACK_SPAN &&
            (!best || sp > best->regs[HS_RSP]))
            best = &t->threads[i];
    }
    if (best) {
        snprintf(name, cap, "stack of thread %d", best->tid);
        w->holder_kind = "stack";
    } else {
        snprintf(name, cap, "heap block 0x%" PRIx64, addr);
        w->holder_kind = "heap";
    }
}

/* A condition variable's waiter: the cond (its waiters block on __g_signals[g], at +40 or +44)
 * and the mutex it re-takes. */
static void condvar_wait(hs_target *t, native_unwinder *u, const hs_thread *th, hs_waits_on *w,
                         char (*names)[128])
{
    uint64_t word = th->regs[HS_RDI];
    w->kind = "condition variable";
    w->addr = word - (word % 8 == 0 ? COND_SIGNALS : COND_SIGNALS + 4);
    w->relock_addr = native_condvar_mutex(t, u, th, word);
    if (!w->relock_addr)
        return;
    hs_waits_on m = {0};
    name_object(t, u, w->relock_addr, &m, names[1], sizeof names[1]);
    w->relock_name = names[1];
    w->relock_owner = mutex_owner(t, w->relock_addr);
}

int native_lock_wait(hs_target *t, native_unwinder *u, const hs_thread *th, const char *state,
                     const hs_frame *frames, uint32_t nframes, hs_waits_on *w, char (*names)[128])
{
    int mutex = !strcmp(state, "mutex"), rwlock = !strcmp(state, "rwlock");
    int cond = !strcmp(state, "condition variable");
    if ((!mutex && !rwlock && !cond) || (int64_t)th->regs[HS_ORIG_RAX] != NATIVE_SYS_FUTEX)
        return 0;
    memset(w, 0, sizeof *w);
    uint64_t word = th->regs[HS_RDI];
    w->nobjects = 1;
    w->len = w->cap = -1;
    if (cond) {
        condvar_wait(t, u, th, w, names);
    } else {
        w->kind = mutex ? "mutex" : "rwlock";
        w->addr = mutex ? word : rwlock_base(t, u, word, has_frame(frames, nframes, "wrlock"));
        w->owner_tid = mutex ? mutex_owner(t, w->addr) : rwlock_writer(t, w->addr);
    }
    name_object(t, u, w->addr, w, names[0], sizeof names[0]);
    w->holder = names[0];
    return 1;
}

static ptrdiff_t task_of(const hs_task *tasks, size_t n, int32_t tid)
{
    for (size_t i = 0; i < n; i++)
        if (tasks[i].tid == tid)
            return (ptrdiff_t)i;
    return -1;
}

/* The task a task waits for (the owner of its lock), or -1. */
static ptrdiff_t waits_for(const hs_task *tasks, size_t n, size_t i)
{
    const hs_waits_on *w = tasks[i].waits_on;
    return w && w->owner_tid > 0 ? task_of(tasks, n, w->owner_tid) : -1;
}

static int add_cycle(const hs_task *tasks, size_t n, size_t start, native_deadlock **out,
                     size_t *nout)
{
    size_t len = 1, lo = start;
    for (ptrdiff_t j = waits_for(tasks, n, start); (size_t)j != start; j = waits_for(tasks, n, (size_t)j)) {
        len++;
        if (tasks[j].tid < tasks[lo].tid)
            lo = (size_t)j;
    }
    native_deadlock *grown = realloc(*out, (*nout + 1) * sizeof **out);
    if (!grown)
        return -1;
    *out = grown;
    native_deadlock *d = &grown[(*nout)++];
    d->n = len;
    d->threads = malloc(len * sizeof *d->threads);
    d->mutexes = malloc(len * sizeof *d->mutexes);
    d->names = malloc(len * sizeof *d->names);
    if (!d->threads || !d->mutexes || !d->names)
        return -1;
    size_t k = 0;
    for (size_t j = lo; k < len; j = (size_t)waits_for(tasks, n, j), k++) {
        d->threads[k] = tasks[j].tid;
        d->mutexes[k] = tasks[j].waits_on->addr;
        d->names[k] = tasks[j].waits_on->holder;
    }
    return 0;
}

int native_deadlocks(const hs_task *tasks, size_t n, native_deadlock **out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    /* each task waits for at most one: follow the chains, colouring 1 on the current walk */
    uint8_t *colour = calloc(n ? n : 1, 1);
    if (!colour)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        ptrdiff_t j = (ptrdiff_t)i;
        while (j >= 0 && colour[j] == 0) {
            colour[j] = 1;
            j = waits_for(tasks, n, (size_t)j);
        }
        if (j >= 0 && colour[j] == 1)
            rc = add_cycle(tasks, n, (size_t)j, out, nout);
        for (ptrdiff_t k = (ptrdiff_t)i; k >= 0 && colour[k] == 1; k = waits_for(tasks, n, (size_t)k))
            colour[k] = 2;
    }
    free(colour);
    if (rc < 0) {
        native_deadlocks_free(*out, *nout);
        *out = NULL;
        *nout = 0;
    }
    return rc;
}

void native_deadlocks_free(native_deadlock *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(d[i].threads);
        free(d[i].mutexes);
        free(d[i].names);
    }
    free(d);
}
