/* core_notes.c - the notes of an ELF core: threads and registers (NT_PRSTATUS), process name
 * and pid (NT_PRPSINFO), the auxiliary vector (NT_AUXV) and mapped files (NT_FILE), as the
 * kernel and gdb's gcore write them; unknown notes are skipped. Layouts are linux/amd64 and
 * linux/arm64 (the same but for the registers). */
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#include "core_priv.h"

/* struct elf_prstatus (x86-64 and arm64 alike up to pr_reg): pr_pid at 32, pr_reg at 112
 * (user_regs_struct, user_pt_regs). */
enum { PRSTATUS_PID = 32, PRSTATUS_REGS = 112 };
/* struct elf_prpsinfo (x86-64 and arm64): pr_pid at 24, pr_fname[16] at 40, pr_psargs[80] at 56. */
enum { PRPSINFO_PID = 24, PRPSINFO_FNAME = 40, PRPSINFO_PSARGS = 56, PRPSINFO_MIN = 136 };

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static int32_t get_i32(const uint8_t *p)
{
    int32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static int add_thread(hs_core_target *c, const uint8_t *d, size_t size, size_t *cap)
{
    hs_target *t = &c->base;
    size_t nregs = (size_t)hs_arch_nregs(t->arch);
    if (size < PRSTATUS_REGS + nregs * 8)
        return 0;
    if (t->nthreads == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        hs_thread *th = realloc(t->threads, ncap * sizeof *th);
        if (!th)
            return -1;
        t->threads = th;
        *cap = ncap;
    }
    hs_thread *th = &t->threads[t->nthreads++];
    memset(th, 0, sizeof *th);
    th->tid = get_i32(d + PRSTATUS_PID);
    memcpy(th->regs, d + PRSTATUS_REGS, nregs * 8);
    return 0;
}

static void read_prpsinfo(hs_core_target *c, const uint8_t *d, size_t size)
{
    if (size < PRPSINFO_MIN)
        return;
    c->base.pid = get_i32(d + PRPSINFO_PID);
    memcpy(c->fname, d + PRPSINFO_FNAME, 16);
    c->fname[16] = 0;
    memcpy(c->psargs, d + PRPSINFO_PSARGS, 80);
    c->psargs[80] = 0;
}

static void read_auxv(hs_core_target *c, const uint8_t *d, size_t size)
{
    for (size_t off = 0; off + 16 <= size; off += 16) {
        uint64_t type = get_u64(d + off), val = get_u64(d + off + 8);
        if (type == 0)
            break;
        if (type == HS_AT_ENTRY)
            c->base.auxv_entry = val;
        else if (type == HS_AT_PHDR)
            c->base.auxv_phdr = val;
        else if (type == HS_AT_EXECFN)
            c->auxv_execfn = val;
    }
}

static int mapcmp(const void *a, const void *b)
{
    const hs_mapping *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* NT_FILE: count, page_size, count x {start, end, offset in pages}, then count paths. */
static int read_files(hs_core_target *c, const uint8_t *d, size_t size)
{
    hs_target *t = &c->base;
    if (size < 16 || t->maps)
        return 0;
    uint64_t count = get_u64(d), page = get_u64(d + 8);
    if (count > (size - 16) / 24)
        count = (size - 16) / 24;
    if (page == 0 || (page & (page - 1)) != 0 || page > (1u << 30))
        page = 4096;
    t->maps = calloc(count + 1, sizeof *t->maps);
    if (!t->maps)
        return -1;
    const char *s = (const char *)d + 16 + count * 24, *end = (const char *)d + size;
    for (uint64_t i = 0; i < count && s < end; i++) {
        const uint8_t *e = d + 16 + i * 24;
        const char *nul = memchr(s, 0, (size_t)(end - s));
        size_t plen = nul ? (size_t)(nul - s) : (size_t)(end - s);
        uint64_t pages = get_u64(e + 16);
        hs_mapping m = {get_u64(e), get_u64(e + 8), pages * page, strndup(s, plen)};
        s += plen + 1;
        if (!m.path)
            return -1;
        if (m.end <= m.start || pages > UINT64_MAX / page) {
            free(m.path);
            continue;
        }
        t->maps[t->nmaps++] = m;
    }
    if (t->nmaps > 1)
        qsort(t->maps, t->nmaps, sizeof *t->maps, mapcmp);
    return 0;
}

static int parse_chunk(hs_core_target *c, Elf_Data *d, size_t *cap)
{
    size_t off = 0, next, name_off, desc_off;
    GElf_Nhdr nh;
    while ((next = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
        const uint8_t *desc = (const uint8_t *)d->d_buf + desc_off;
        const char *name = (const char *)d->d_buf + name_off;
        /* the kernel and gdb name these notes "CORE"; Delve's `dump` leaves the name empty */
        int core = (nh.n_namesz == 5 && memcmp(name, "CORE", 5) == 0) || nh.n_namesz == 0;
        int rc = 0;
        if (core && nh.n_type == NT_PRSTATUS)
            rc = add_thread(c, desc, nh.n_descsz, cap);
        else if (core && nh.n_type == NT_PRPSINFO)
            read_prpsinfo(c, desc, nh.n_descsz);
        else if (core && nh.n_type == NT_AUXV)
            read_auxv(c, desc, nh.n_descsz);
        else if (core && nh.n_type == NT_FILE)
            rc = read_files(c, desc, nh.n_descsz);
        if (rc < 0)
            return -1;
        off = next;
    }
    return 0;
}

int hs_core_parse_notes(hs_core_target *c, hs_err *err)
{
    size_t cap = 0;
    int clipped = 0;
    for (size_t i = 0; i < c->nnotes; i++) {
        uint64_t off = c->notes[i].offset, size = c->notes[i].size;
        if (off >= c->size) {
            clipped = 1;
            continue;
        }
        if (size > c->size - off) {
            size = c->size - off;
            clipped = 1;
        }
        Elf_Data *d = size ? elf_getdata_rawchunk(c->elf, (int64_t)off, size, ELF_T_NHDR) : NULL;
        if (d && parse_chunk(c, d, &cap) < 0)
            return hs_errf(err, "out of memory reading the notes of core %s", c->path);
    }
    if (c->base.nthreads == 0 && (clipped || c->nincomplete)) {
        c->notes_lost = 1; /* what memory is left can still be read; the warning says what is not */
        return 0;
    }
    if (c->base.nthreads == 0)
        return hs_errf(err, "core %s holds no thread state (NT_PRSTATUS notes); it is not a "
                       "process core dump", c->path);
    if (c->base.pid == 0)
        c->base.pid = c->base.threads[0].tid;
    return 0;
}

static int set_exe_path(hs_core_target *c, const char *path)
{
    c->base.exe_path = strdup(path);
    return c->base.exe_path ? 0 : -1;
}

int hs_core_find_exe_path(hs_core_target *c, hs_err *err)
{
    const hs_target *t = &c->base;
    uint64_t keys[2] = {t->auxv_phdr, t->auxv_entry};
    for (size_t k = 0; k < 2; k++)
        for (size_t i = 0; keys[k] && i < t->nmaps; i++)
            if (keys[k] >= t->maps[i].start && keys[k] < t->maps[i].end && t->maps[i].path[0])
                return set_exe_path(c, t->maps[i].path) < 0 ? hs_errf(err, "out of memory") : 0;
    char buf[4096];
    hs_err ignored;
    if (c->auxv_execfn && hs_read_cstr(&c->base, c->auxv_execfn, buf, sizeof buf, &ignored) == 0 &&
        buf[0])
        return set_exe_path(c, buf) < 0 ? hs_errf(err, "out of memory") : 0;
    if (c->fname[0])
        return set_exe_path(c, c->fname) < 0 ? hs_errf(err, "out of memory") : 0;
    return 0;
}
