/* go_mprof.c - reading the Go runtime's memory-profile buckets (runtime.mbuckets) and combining
 * each bucket's memRecord cycles as runtime.MemProfile does (see go_mprof.h).
 *
 * A bucket is {next, allnext, typ, hash, size, nstk} followed by nstk return PCs and, for
 * typ 1 (memProfile), a memRecord {active, future[3]} of memRecordCycle {allocs, frees,
 * alloc_bytes, free_bytes} (1.27: {allocs, frees}; bytes are counts times the bucket's size,
 * as MemProfile computes them). runtime.mProfCycle holds cycle<<1 | flushed. MemProfile first
 * flushes future[cycle % 3] into active and reports active; when no bucket has any published
 * count (no GC finished yet) it reports active plus all three future cycles instead. */
#include "go_mprof_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../image/go_window.h" /* go_le64 */

#define MAX_BUCKETS (1u << 24) /* more means a corrupt list */
#define MAX_STACK_OLD 32       /* runtime.maxStack before Go 1.23 */
#define MAX_STACK 1024         /* runtime.maxProfStackDepth from Go 1.23 */
#define MEM_PROFILE 1          /* bucketType memProfile */

typedef struct layout {
    int64_t hdr, allnext, typ, nstk, size; /* runtime.bucket */
    int64_t rec, active, future;           /* runtime.memRecord */
    int64_t cyc, allocs, frees, abytes, fbytes; /* runtime.memRecordCycle; bytes -1 from 1.27 */
} layout;

typedef struct cyc {
    uint64_t allocs, frees, abytes, fbytes;
} cyc;

typedef struct walk {
    go_rt *rt;
    go_mprof *p;
    layout l;
    uint32_t maxstk;
    uint8_t *buf;  /* one bucket: header, stack and record */
    cyc *all;      /* per record: active plus every future cycle */
    size_t *pcoff; /* per record: where its stack starts in p->pcs */
    uint64_t *addr; /* per record: the bucket's address */
} walk;


static int resolve_layout(const go_rt *rt, layout *l, hs_err *err)
{
    struct { int64_t *slot; const char *type, *path; } offs[] = {
        {&l->allnext, "runtime.bucket", "allnext"}, {&l->typ, "runtime.bucket", "typ"},
        {&l->nstk, "runtime.bucket", "nstk"}, {&l->active, "runtime.memRecord", "active"},
        {&l->future, "runtime.memRecord", "future"}, {&l->allocs, "runtime.memRecordCycle", "allocs"},
        {&l->frees, "runtime.memRecordCycle", "frees"}, {&l->size, "runtime.bucket", "size"},
    };
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++)
        if (go_layout_off(&rt->src, offs[i].type, offs[i].path, offs[i].slot) < 0)
            return hs_errf(err, "the Go runtime in this binary has no %s.%s (unexpected layout for "
                           "go1.%d)", offs[i].type, offs[i].path, rt->ver.minor);
    /* 1.27 keeps counts only (MemProfile multiplies them by the bucket's size); both or neither */
    if (go_layout_off(&rt->src, "runtime.memRecordCycle", "alloc_bytes", &l->abytes) < 0 ||
        go_layout_off(&rt->src, "runtime.memRecordCycle", "free_bytes", &l->fbytes) < 0)
        l->abytes = l->fbytes = -1;
    if (go_layout_size(&rt->src, "runtime.bucket", &l->hdr) < 0 ||
        go_layout_size(&rt->src, "runtime.memRecord", &l->rec) < 0 ||
        go_layout_size(&rt->src, "runtime.memRecordCycle", &l->cyc) < 0)
        return hs_errf(err, "the size of runtime.bucket or runtime.memRecord is unknown for go1.%d",
                       rt->ver.minor);
    int ok = l->hdr >= 48 && l->hdr <= 256 && l->cyc >= 16 && l->cyc <= 256 && l->rec <= 1024 &&
             l->allnext + 8 <= l->hdr && l->typ + 8 <= l->hdr && l->nstk + 8 <= l->hdr &&
             l->size >= 0 && l->size + 8 <= l->hdr &&
             l->active + l->cyc <= l->rec && l->future + 3 * l->cyc <= l->rec &&
             l->allocs + 8 <= l->cyc && l->frees + 8 <= l->cyc && l->abytes + 8 <= l->cyc &&
             l->fbytes + 8 <= l->cyc && l->active >= 0 && l->future >= 0;
    return ok ? 0 : hs_errf(err, "implausible layout of runtime.bucket/memRecord for go1.%d",
                            rt->ver.minor);
}

/* One memRecordCycle; size is the bucket's object size, for releases that keep no byte counts. */
static cyc read_cyc(const layout *l, const uint8_t *rec, int64_t off, uint64_t size)
{
    const uint8_t *c = rec + off;
    uint64_t a = go_le64(c + l->allocs), f = go_le64(c + l->frees);
    if (l->abytes < 0)
        return (cyc){a, f, a * size, f * size};
    return (cyc){a, f, go_le64(c + l->abytes), go_le64(c + l->fbytes)};
}

static void add(cyc *a, const cyc *b)
{
    a->allocs += b->allocs;
    a->frees += b->frees;
    a->abytes += b->abytes;
    a->fbytes += b->fbytes;
}

static int grow(walk *w, uint64_t nstk)
{
    go_mprof *p = w->p;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 256;
        go_mprof_record *v = realloc(p->v, cap * sizeof *v);
        cyc *a = v ? realloc(w->all, cap * sizeof *a) : NULL;
        size_t *o = a ? realloc(w->pcoff, cap * sizeof *o) : NULL;
        uint64_t *ad = o ? realloc(w->addr, cap * sizeof *ad) : NULL;
        if (v)
            p->v = v;
        if (a)
            w->all = a;
        if (o)
            w->pcoff = o;
        if (!ad)
            return -1;
        w->addr = ad;
        p->cap = cap;
    }
    if (p->npcs + nstk > p->cappcs) {
        size_t cap = p->cappcs ? p->cappcs : 4096;
        while (cap < p->npcs + nstk)
            cap *= 2;
        uint64_t *v = realloc(p->pcs, cap * sizeof *v);
        if (!v)
            return -1;
        p->pcs = v;
        p->cappcs = cap;
    }
    return 0;
}

/* Appends the record of bucket b, whose header, stack and memRecord are in w->buf. */
static int add_record(walk *w, uint64_t b, uint64_t nstk, hs_err *err)
{
    if (grow(w, nstk) < 0)
        return hs_errf(err, "out of memory for %zu heap-profile records", w->p->n + 1);
    go_mprof *p = w->p;
    const layout *l = &w->l;
    const uint8_t *rec = w->buf + l->hdr + 8 * nstk;
    uint64_t size = go_le64(w->buf + l->size);
    cyc c = read_cyc(l, rec, l->active, size), all = c;
    for (int i = 0; i < 3; i++) {
        cyc f = read_cyc(l, rec, l->future + i * l->cyc, size);
        if ((uint32_t)i == p->cycle % 3)
            add(&c, &f);
        add(&all, &f);
    }
    if (nstk) /* p->pcs is still NULL before the first stack */
        memcpy(p->pcs + p->npcs, w->buf + l->hdr, 8 * nstk);
    w->pcoff[p->n] = p->npcs;
    w->addr[p->n] = b;
    w->all[p->n] = all;
    p->v[p->n++] = (go_mprof_record){NULL, (uint32_t)nstk, c.allocs, c.abytes, c.frees, c.fbytes};
    p->npcs += nstk;
    return 0;
}

/* Reads the bucket at b; sets *next to its allnext link. */
static int read_bucket(walk *w, uint64_t b, uint64_t *next, hs_err *err)
{
    const layout *l = &w->l;
    if (b % 8 != 0)
        return hs_errf(err, "misaligned bucket address 0x%llx", (unsigned long long)b);
    if (hs_read(w->rt->t, b, w->buf, (size_t)l->hdr, err) < 0)
        return hs_errctx(err, "reading the bucket at 0x%llx", (unsigned long long)b);
    uint64_t typ = go_le64(w->buf + l->typ), nstk = go_le64(w->buf + l->nstk);
    if (typ != MEM_PROFILE || nstk > w->maxstk)
        return hs_errf(err, "the bucket at 0x%llx is corrupt (type %llu, %llu PCs)",
                       (unsigned long long)b, (unsigned long long)typ, (unsigned long long)nstk);
    if (hs_read(w->rt->t, b + (uint64_t)l->hdr, w->buf + l->hdr, 8 * nstk + (size_t)l->rec, err) < 0)
        return hs_errctx(err, "reading the bucket at 0x%llx", (unsigned long long)b);
    *next = go_le64(w->buf + l->allnext);
    return add_record(w, b, nstk, err);
}

/* The list loops with period lam: keep the records before the first bucket read twice. */
static void drop_repeats(walk *w, uint64_t lam)
{
    for (size_t i = (size_t)lam; i < w->p->n; i++)
        if (w->addr[i] == w->addr[i - lam]) {
            w->p->n = i;
            w->p->npcs = w->pcoff[i];
            return;
        }
}

/* Follows allnext from head, bounded, with Brent's cycle check. A failure after the first
 * bucket keeps what was read, with a warning. */
static int walk_list(walk *w, uint64_t head, hs_err *err)
{
    uint64_t mark = head, steps = 0, power = 1;
    for (uint64_t b = head, next = 0; b; b = next) {
        hs_err e;
        if ((w->p->n & 1023) == 1023 && hs_interrupted(w->rt->t))
            return hs_errf(err, "interrupted");
        if (w->p->n >= MAX_BUCKETS || read_bucket(w, b, &next, &e) < 0) {
            if (w->p->n >= MAX_BUCKETS)
                snprintf(e.msg, sizeof e.msg, "more than %u buckets", MAX_BUCKETS);
            if (w->p->n == 0)
                return hs_errf(err, "reading runtime.mbuckets: %s", e.msg);
            sb_printf(&w->p->warnings, "heap-profile records cut short after %zu: %s\n", w->p->n, e.msg);
            return 0;
        }
        if (next == mark) {
            drop_repeats(w, steps + 1);
            sb_printf(&w->p->warnings, "heap-profile records cut short after %zu: the bucket list "
                      "loops back to 0x%llx\n", w->p->n, (unsigned long long)next);
            return 0;
        }
        if (++steps == power) {
            mark = next;
            power *= 2;
            steps = 0;
        }
    }
    return 0;
}

/* Why a program keeps no usable buckets, as a one-line message. With profiling compiled out
 * (the linker's runtime.disableMemoryProfiling) a bucket or two may still exist: allocations
 * sampled during runtime start-up, before schedinit zeroes MemProfileRate (seen in 1.25+). */
static int no_records(const go_mprof *p, int disabled, hs_err *err)
{
    const char *why = disabled ? "memory profiling was compiled out (it does not link runtime/pprof)"
                      : p->rate == 0 ? "runtime.MemProfileRate is 0"
                                     : "no allocation was sampled yet";
    return hs_errf(err, "this program keeps no heap-profile records: %s; use --by type", why);
}

static int profiling_disabled(go_rt *rt)
{
    uint8_t disabled = 0;
    uint64_t a = go_rt_global(rt, "runtime.disableMemoryProfiling", NULL);
    if (a && hs_read(rt->t, a, &disabled, 1, NULL) < 0)
        disabled = 0;
    return disabled != 0;
}

/* Reads the rate and cycle, and the head of the bucket list (0 when empty). */
static int read_globals(go_rt *rt, go_mprof *p, uint64_t *head, hs_err *err)
{
    uint64_t mb = go_rt_global(rt, "runtime.mbuckets", NULL), rate = go_rt_global(rt, "runtime.MemProfileRate", NULL);
    uint64_t cycle = go_rt_global(rt, "runtime.mProfCycle", NULL);
    if (!mb || !rate || !cycle)
        return hs_errf(err, "%s has no runtime.mbuckets, runtime.MemProfileRate or "
                       "runtime.mProfCycle symbol", hs_image_path(rt->exe));
    int64_t off; /* mProfCycleHolder{value atomic.Uint32}: offset 0 in every release */
    if (go_layout_off(&rt->src, "runtime.mProfCycleHolder", "value", &off) < 0 || off < 0 || off > 8)
        off = 0;
    uint32_t v;
    if (hs_read(rt->t, rate, &p->rate, 8, err) < 0 || hs_read_u64(rt->t, mb, head, err) < 0 ||
        hs_read_u32(rt->t, cycle + (uint64_t)off, &v, err) < 0)
        return hs_errctx(err, "reading the heap-profile globals");
    p->cycle = v >> 1;
    return 0;
}

/* No record has a published count yet (no GC finished): report every cycle, as MemProfile does. */
static void publish_if_clear(walk *w)
{
    go_mprof *p = w->p;
    for (size_t i = 0; i < p->n; i++)
        if (p->v[i].alloc_objects || p->v[i].free_objects)
            return;
    for (size_t i = 0; i < p->n; i++) {
        p->v[i].alloc_objects = w->all[i].allocs;
        p->v[i].alloc_bytes = w->all[i].abytes;
        p->v[i].free_objects = w->all[i].frees;
        p->v[i].free_bytes = w->all[i].fbytes;
    }
}

static int read_all(go_rt *rt, go_mprof *p, hs_err *err)
{
    uint64_t head;
    walk w = {rt, p, {0}, rt->ver.minor < 23 ? MAX_STACK_OLD : MAX_STACK, NULL, NULL, NULL, NULL};
    if (resolve_layout(rt, &w.l, err) < 0 || read_globals(rt, p, &head, err) < 0)
        return -1;
    int disabled = profiling_disabled(rt);
    if (!head || disabled)
        return no_records(p, disabled, err);
    if (p->rate == 0)
        sb_printf(&p->warnings, "runtime.MemProfileRate is 0: allocations made since profiling was "
                  "turned off are not in these records\n");
    w.buf = malloc((size_t)(w.l.hdr + w.l.rec) + 8 * (size_t)w.maxstk);
    int rc = w.buf ? walk_list(&w, head, err) : hs_errf(err, "out of memory");
    if (rc == 0) {
        publish_if_clear(&w);
        for (size_t i = 0; i < p->n; i++)
            p->v[i].stack = p->pcs + w.pcoff[i];
    }
    free(w.buf);
    free(w.all);
    free(w.pcoff);
    free(w.addr);
    return rc;
}

int go_mprof_read(go_rt *rt, go_mprof **out, hs_err *err)
{
    *out = NULL;
    go_mprof *p = calloc(1, sizeof *p);
    if (!p)
        return hs_errf(err, "out of memory");
    p->rt = rt;
    sb_init(&p->warnings);
    if (read_all(rt, p, err) < 0) {
        go_mprof_close(p);
        return -1;
    }
    *out = p;
    return 0;
}

void go_mprof_close(go_mprof *p)
{
    if (!p)
        return;
    go_mprof_sites_free(p->sites);
    free(p->v);
    free(p->pcs);
    sb_free(&p->warnings);
    free(p);
}

size_t go_mprof_count(const go_mprof *p) { return p->n; }

const go_mprof_record *go_mprof_get(const go_mprof *p, size_t i) { return i < p->n ? &p->v[i] : NULL; }

int64_t go_mprof_rate(const go_mprof *p) { return p->rate; }

uint32_t go_mprof_cycle(const go_mprof *p) { return p->cycle; }

const char *go_mprof_warnings(const go_mprof *p) { return sb_str(&p->warnings); }

void go_mprof_scale(uint64_t count, uint64_t bytes, int64_t rate, double *scount, double *sbytes)
{
    if (count == 0 || bytes == 0) {
        *scount = *sbytes = 0;
        return;
    }
    if (rate <= 1) { /* every allocation recorded (1), or unknown: no adjustment */
        *scount = (double)count;
        *sbytes = (double)bytes;
        return;
    }
    double avg = (double)bytes / (double)count;
    double scale = 1 / (1 - exp(-avg / (double)rate));
    *scount = (double)count * scale;
    *sbytes = (double)bytes * scale;
}
