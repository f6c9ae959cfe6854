/* pid_copy.c - the memory copy of pid_copy.h: the readable mappings from /proc/PID/maps, the
 * pages each holds from /proc/PID/pagemap (bit 63 present, bit 62 swapped), each mapping copied
 * into an anonymous mapping of its own size (MAP_NORESERVE: pages never written stay free) by
 * batches of up to IOV_BATCH runs of pages per process_vm_readv, and page by page through
 * /proc/PID/mem where a batch stops short. The runs are shared out among one thread per CPU
 * (at most MAX_WORKERS): most of the time goes to faulting in the copy's own pages. The thread
 * that called reports the bytes all of them have copied to the progress line as it goes. */
#include "pid_copy.h"
#include "pid_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

enum { PAGE = 4096, PM_CHUNK = 65536, IOV_BATCH = 1024, MAX_WORKERS = 4 };
#define RUN_MAX (4u << 20) /* longer runs are cut, so that the workers' shares come out even */
#define BATCH_BYTES (64u << 20) /* a batch is read when it holds this much (progress moves) */
#define MAX_SPAN (64ull << 30) /* anonymous address space scanned page by page for a copy, at most:
                                  a sanitizer's 16 TiB shadow would take minutes to scan */

typedef struct region {
    uint64_t start, end;
    int file;      /* file-backed: every page has contents, resident or not */
    uint8_t *data; /* end - start bytes */
    uint8_t *bad;  /* a bit per page that could not be read; NULL when none */
} region;

typedef struct run {
    uint64_t addr, len;
    region *r;
} run;

struct hs_memcopy {
    int pid, memfd;
    region *r;
    size_t n;
    uint64_t copied;
    run *runs;
    size_t nruns, capruns;
    pthread_mutex_t slow; /* the page-by-page path marks pages in shared bitmaps */
    _Atomic uint64_t done; /* bytes copied so far, by every worker */
    hs_progress *prog;
};

typedef struct batch {
    struct iovec local[IOV_BATCH], remote[IOV_BATCH];
    size_t nb;
    uint64_t bytes;
} batch;

static int skipped(const char *name)
{
    return !strcmp(name, "[vvar]") || !strcmp(name, "[vvar_vclock]") || !strcmp(name, "[vsyscall]");
}

static int add_region(hs_memcopy *c, size_t *cap, uint64_t start, uint64_t end, int file)
{
    if (c->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        region *v = realloc(c->r, ncap * sizeof *v);
        if (!v)
            return -1;
        c->r = v;
        *cap = ncap;
    }
    c->r[c->n++] = (region){start, end, file, NULL, NULL};
    return 0;
}

typedef struct list_ctx {
    hs_memcopy *c;
    size_t cap;
} list_ctx;

static int list_one(void *ctx, uint64_t start, uint64_t end, const char *perms, uint64_t off,
                    const char *name)
{
    (void)off;
    list_ctx *l = ctx;
    /* a shared mapping (a database file mapped by the program, shared memory) is not the
     * process's own state to freeze, and may be gigabytes: read live when asked for */
    if (perms[0] != 'r' || perms[3] == 's' || end <= start || skipped(name))
        return 0;
    return add_region(l->c, &l->cap, start, end, name[0] == '/');
}

/* The readable mappings of c->pid, in address order. */
static int list_regions(hs_memcopy *c, hs_err *err)
{
    list_ctx l = {c, 0};
    return hs_proc_each_map(c->pid, c->pid, list_one, &l, err);
}

/* Calls fn for each run of pages of r that hold data (all of them without a pagemap). */
typedef int (*run_fn)(hs_memcopy *c, region *r, uint64_t addr, uint64_t len);

static int each_run(hs_memcopy *c, int pmfd, region *r, uint64_t *pm, run_fn fn)
{
    if (r->file || pmfd < 0)
        return fn(c, r, r->start, r->end - r->start);
    uint64_t run = 0, runlen = 0;
    for (uint64_t a = r->start; a < r->end;) {
        size_t k = (size_t)((r->end - a) / PAGE);
        if (k > PM_CHUNK)
            k = PM_CHUNK;
        ssize_t got = pread(pmfd, pm, k * 8, (off_t)(a / PAGE * 8));
        if (got <= 0) /* no pagemap here: take the rest whole */
            return (runlen ? fn(c, r, run, runlen) : 0) | fn(c, r, a, r->end - a);
        k = (size_t)got / 8;
        for (size_t i = 0; i < k; i++, a += PAGE) {
            if (pm[i] >> 62) { /* present or swapped */
                if (!runlen)
                    run = a;
                runlen += PAGE;
            } else if (runlen) {
                if (fn(c, r, run, runlen) < 0)
                    return -1;
                runlen = 0;
            }
        }
    }
    return runlen ? fn(c, r, run, runlen) : 0;
}

static void mark_bad(region *r, uint64_t addr)
{
    size_t npages = (size_t)((r->end - r->start) / PAGE), p = (size_t)((addr - r->start) / PAGE);
    if (!r->bad)
        r->bad = calloc((npages + 7) / 8, 1);
    if (r->bad)
        r->bad[p / 8] |= (uint8_t)(1u << (p % 8));
}

/* One run the batch could not read: page by page through /proc/PID/mem. */
static void slow_run(hs_memcopy *c, region *r, uint64_t addr, uint64_t len)
{
    for (uint64_t a = addr; a < addr + len; a += PAGE) {
        uint8_t *dst = r->data + (a - r->start);
        if (c->memfd < 0 || pread(c->memfd, dst, PAGE, (off_t)a) != PAGE) {
            memset(dst, 0, PAGE);
            mark_bad(r, a);
        }
    }
}

/* Which region holds run i of the batch (the batch is in address order). */
static region *region_of(hs_memcopy *c, uint64_t addr)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->r[mid].end <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return &c->r[lo];
}

static void flush(hs_memcopy *c, batch *b)
{
    size_t i = 0;
    while (i < b->nb) {
        ssize_t got = process_vm_readv(c->pid, &b->local[i], b->nb - i, &b->remote[i], b->nb - i, 0);
        size_t done = got > 0 ? (size_t)got : 0;
        while (i < b->nb && done >= b->remote[i].iov_len)
            done -= b->remote[i++].iov_len;
        if (i < b->nb) { /* run i stopped short: the rest of it page by page */
            uint64_t a = (uint64_t)(uintptr_t)b->remote[i].iov_base + done / PAGE * PAGE;
            uint64_t end = (uint64_t)(uintptr_t)b->remote[i].iov_base + b->remote[i].iov_len;
            pthread_mutex_lock(&c->slow);
            slow_run(c, region_of(c, a), a, end - a);
            pthread_mutex_unlock(&c->slow);
            i++;
        }
    }
    b->nb = 0;
}

static int collect_run(hs_memcopy *c, region *r, uint64_t addr, uint64_t len)
{
    for (uint64_t off = 0; off < len; off += RUN_MAX) {
        if (c->nruns == c->capruns) {
            size_t cap = c->capruns ? c->capruns * 2 : 4096;
            run *v = realloc(c->runs, cap * sizeof *v);
            if (!v)
                return -1;
            c->runs = v;
            c->capruns = cap;
        }
        uint64_t n = len - off < RUN_MAX ? len - off : RUN_MAX;
        c->runs[c->nruns++] = (run){addr + off, n, r};
        c->copied += n;
    }
    return 0;
}

typedef struct worker {
    hs_memcopy *c;
    size_t from, to; /* runs */
    pthread_t th;
    batch *b;
    int reports; /* the calling thread: tells the progress line */
} worker;

/* Reads the worker's batch and counts it. */
static void send(worker *w)
{
    flush(w->c, w->b);
    uint64_t done = atomic_fetch_add(&w->c->done, w->b->bytes) + w->b->bytes;
    w->b->bytes = 0;
    if (w->reports)
        hs_progress_update(w->c->prog, done);
}

static void *copy_share(void *arg)
{
    worker *w = arg;
    batch *b = w->b;
    for (size_t i = w->from; i < w->to; i++) {
        const run *u = &w->c->runs[i];
        b->local[b->nb] = (struct iovec){u->r->data + (u->addr - u->r->start), (size_t)u->len};
        b->remote[b->nb] = (struct iovec){(void *)(uintptr_t)u->addr, (size_t)u->len};
        b->bytes += u->len;
        if (++b->nb == IOV_BATCH || b->bytes >= BATCH_BYTES)
            send(w);
    }
    send(w);
    return NULL;
}

/* Shares the runs out by bytes among up to MAX_WORKERS threads (this one included). */
static int copy_all(hs_memcopy *c, hs_err *err)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t nw = cpus < 1 ? 1 : cpus > MAX_WORKERS ? MAX_WORKERS : (size_t)cpus;
    worker w[MAX_WORKERS];
    batch *b = calloc(nw, sizeof *b);
    if (!b)
        return hs_errf(err, "out of memory");
    uint64_t share = c->copied / nw + 1, sum = 0;
    size_t i = 0;
    for (size_t k = 0; k < nw; k++) {
        w[k] = (worker){.c = c, .from = i, .b = &b[k], .reports = k == 0};
        while (i < c->nruns && (sum < share * (k + 1) || k == nw - 1))
            sum += c->runs[i++].len;
        w[k].to = i;
    }
    hs_progress_phase(c->prog, "copying the process's memory", c->copied, HS_PROG_BYTES);
    size_t started = 1;
    for (; started < nw; started++)
        if (pthread_create(&w[started].th, NULL, copy_share, &w[started]) != 0)
            break;
    copy_share(&w[0]);
    for (size_t k = started; k < nw; k++) /* threads that could not start: their share here */
        copy_share(&w[k]);
    for (size_t k = 1; k < started; k++)
        pthread_join(w[k].th, NULL);
    free(b);
    return 0;
}

static int walk(hs_memcopy *c, run_fn fn, hs_err *err)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/pagemap", c->pid);
    int pmfd = open(path, O_RDONLY | O_CLOEXEC);
    uint64_t *pm = malloc(PM_CHUNK * sizeof *pm);
    int rc = pm ? 0 : hs_errf(err, "out of memory");
    for (size_t i = 0; rc == 0 && i < c->n; i++)
        if (each_run(c, pmfd, &c->r[i], pm, fn) < 0)
            rc = hs_errf(err, "out of memory copying process %d", c->pid);
    free(pm);
    if (pmfd >= 0)
        close(pmfd);
    return rc;
}

/* Maps an anonymous copy area for each region. */
static int map_regions(hs_memcopy *c, hs_err *err)
{
    for (size_t i = 0; i < c->n; i++) {
        void *m = mmap(NULL, c->r[i].end - c->r[i].start, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (m == MAP_FAILED)
            return hs_errf(err, "cannot map %llu bytes for a copy of process %d: %s",
                           (unsigned long long)(c->r[i].end - c->r[i].start), c->pid,
                           strerror(errno));
        c->r[i].data = m;
    }
    return 0;
}

/* The regions and the runs of pages to copy; 1 (err says why) when the anonymous mappings
 * span more than MAX_SPAN. */
static int plan(hs_memcopy *c, hs_err *err)
{
    if (list_regions(c, err) < 0)
        return -1;
    uint64_t span = 0;
    for (size_t i = 0; i < c->n; i++)
        span += c->r[i].file ? 0 : c->r[i].end - c->r[i].start;
    if (span > MAX_SPAN) {
        hs_errf(err, "its readable memory spans %llu GiB of address space, more than heapscope "
                "scans for a copy (%llu GiB)", (unsigned long long)(span >> 30),
                (unsigned long long)(MAX_SPAN >> 30));
        return 1;
    }
    return walk(c, collect_run, err);
}

int hs_memcopy_take(hs_memcopy **out, int pid, uint64_t budget, uint64_t *need, hs_progress *prog,
                    hs_err *err)
{
    *out = NULL;
    *need = 0;
    hs_memcopy *c = calloc(1, sizeof *c);
    if (!c)
        return hs_errf(err, "out of memory");
    c->pid = pid;
    c->prog = prog;
    pthread_mutex_init(&c->slow, NULL);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/mem", pid);
    c->memfd = open(path, O_RDONLY | O_CLOEXEC);
    int rc = plan(c, err);
    *need = c->copied;
    if (rc == 0 && c->copied > budget)
        rc = 1;
    if (rc == 0 && (rc = map_regions(c, err)) == 0)
        rc = copy_all(c, err);
    if (c->memfd >= 0)
        close(c->memfd);
    c->memfd = -1;
    if (rc != 0) {
        hs_memcopy_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

uint64_t hs_memcopy_size(const hs_memcopy *c) { return c->copied; }

static int page_bad(const region *r, uint64_t addr)
{
    size_t p = (size_t)((addr - r->start) / PAGE);
    return r->bad && (r->bad[p / 8] >> (p % 8)) & 1;
}

int hs_memcopy_read(const hs_memcopy *c, uint64_t addr, void *buf, size_t len, uint64_t *bad)
{
    uint8_t *o = buf;
    while (len > 0) {
        const region *r = region_of((hs_memcopy *)c, addr);
        if (r == c->r + c->n || addr < r->start) {
            *bad = addr;
            return -1;
        }
        size_t n = r->end - addr < len ? (size_t)(r->end - addr) : len;
        for (uint64_t a = addr & ~(uint64_t)(PAGE - 1); r->bad && a < addr + n; a += PAGE)
            if (page_bad(r, a)) {
                *bad = a > addr ? a : addr;
                return -1;
            }
        memcpy(o, r->data + (addr - r->start), n);
        o += n;
        addr += n;
        len -= n;
    }
    return 0;
}

const void *hs_memcopy_view(const hs_memcopy *c, uint64_t addr, size_t len)
{
    const region *r = region_of((hs_memcopy *)c, addr);
    if (r == c->r + c->n || addr < r->start || r->end - addr < len || r->bad)
        return NULL;
    return r->data + (addr - r->start);
}

void hs_memcopy_free(hs_memcopy *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        if (c->r[i].data)
            munmap(c->r[i].data, c->r[i].end - c->r[i].start);
        free(c->r[i].bad);
    }
    free(c->r);
    free(c->runs);
    pthread_mutex_destroy(&c->slow);
    free(c);
}
