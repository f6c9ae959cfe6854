/* core_target.c - opening an ELF core: the read-only mapping, header checks, PT_LOAD and
 * PT_NOTE segments, the truncation warning, and the target's ops (see core_target.h). */
#include "core_target.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core_priv.h"
#include "../util/sysroot.h"
#include "../util/elf_arch.h"

static void core_close(hs_target *t);

static const hs_target_ops core_ops = {hs_core_read, hs_core_view, core_close};

int hs_is_core_target(const hs_target *t)
{
    return t && t->ops == &core_ops;
}

const char *hs_core_target_warning(const hs_target *t)
{
    return hs_is_core_target(t) ? ((const hs_core_target *)t)->warning : NULL;
}

const char *hs_core_target_cmdline(const hs_target *t)
{
    if (!hs_is_core_target(t))
        return NULL;
    const hs_core_target *c = (const hs_core_target *)t;
    return c->psargs[0] ? c->psargs : NULL;
}

const char *hs_core_target_exe_file(const hs_target *t)
{
    if (!hs_is_core_target(t))
        return NULL;
    const hs_core_target *c = (const hs_core_target *)t;
    return c->exe ? hs_image_path(c->exe) : NULL;
}

/* Names compressed files so the user knows to unpack them; else "not an ELF file". */
static int not_elf(const char *path, const uint8_t *m, size_t size, hs_err *err)
{
    static const struct { const char *magic; size_t len; const char *how; } packs[] = {
        {"\x1f\x8b", 2, "gzip-compressed (gunzip it)"},
        {"\x28\xb5\x2f\xfd", 4, "zstd-compressed (zstd -d it, or use coredumpctl dump)"},
        {"\x04\x22\x4d\x18", 4, "lz4-compressed (lz4 -d it)"},
        {"\xfd\x37\x7a\x58\x5a", 5, "xz-compressed (xz -d it)"},
    };
    for (size_t i = 0; i < sizeof packs / sizeof packs[0]; i++)
        if (size >= packs[i].len && memcmp(m, packs[i].magic, packs[i].len) == 0)
            return hs_errf(err, "%s is %s; decompress the core first", path, packs[i].how);
    return hs_errf(err, "%s is not an ELF file (not a core dump)", path);
}

static const char *etype_name(unsigned type)
{
    switch (type) {
    case ET_REL: return "ET_REL, an object file";
    case ET_EXEC: return "ET_EXEC, an executable";
    case ET_DYN: return "ET_DYN, a shared object or PIE executable";
    default: return "unknown";
    }
}

static int map_core(hs_core_target *c, hs_err *err)
{
    struct stat st;
    c->fd = open(c->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* a FIFO must not block */
    if (c->fd < 0 || fstat(c->fd, &st) != 0)
        return hs_errf(err, "cannot open core %s: %s", c->path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return hs_errf(err, "%s is not a regular file (not a core dump)", c->path);
    if (st.st_size == 0)
        return hs_errf(err, "%s is empty (0 bytes), not a core dump", c->path);
    c->size = (size_t)st.st_size;
    void *m = mmap(NULL, c->size, PROT_READ, MAP_PRIVATE, c->fd, 0);
    if (m == MAP_FAILED)
        return hs_errf(err, "cannot map core %s: %s", c->path, strerror(errno));
    c->map = m;
    if (c->size < 4 || memcmp(c->map, ELFMAG, SELFMAG) != 0)
        return not_elf(c->path, c->map, c->size, err);
    return 0;
}

static int open_elf(hs_core_target *c, hs_err *err)
{
    if (elf_version(EV_CURRENT) == EV_NONE)
        return hs_errf(err, "libelf initialisation failed: %s", elf_errmsg(-1));
    c->elf = elf_memory((char *)c->map, c->size);
    GElf_Ehdr eh;
    if (!c->elf || elf_kind(c->elf) != ELF_K_ELF || !gelf_getehdr(c->elf, &eh))
        return hs_errf(err, "%s is not a readable ELF file (header truncated or corrupt)",
                       c->path);
    int known = eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_ident[EI_DATA] == ELFDATA2LSB &&
                (eh.e_machine == EM_X86_64 || eh.e_machine == EM_AARCH64);
    c->base.arch = eh.e_machine == EM_AARCH64 ? HS_ARCH_ARM64 : HS_ARCH_AMD64;
    if (!known)
        return hs_errf(err, "%s is a core of %s (ELF machine %u, %u-bit); heapscope reads "
                       "linux/amd64 and linux/arm64 cores only", c->path,
                       hs_elf_arch_name(eh.e_ident[EI_CLASS], eh.e_ident[EI_DATA], eh.e_machine),
                       eh.e_machine, eh.e_ident[EI_CLASS] == ELFCLASS64 ? 64 : 32);
    if (eh.e_type != ET_CORE)
        return hs_errf(err, "%s is not a core file (ELF type %s)", c->path,
                       etype_name(eh.e_type));
    return 0;
}

static void add_note(hs_core_target *c, const GElf_Phdr *ph)
{
    c->notes[c->nnotes].offset = ph->p_offset;
    c->notes[c->nnotes].size = ph->p_filesz;
    c->nnotes++;
}

static void add_segment(hs_core_target *c, const GElf_Phdr *ph)
{
    hs_core_seg *s = &c->segs[c->nsegs++];
    s->vaddr = ph->p_vaddr;
    s->memsz = ph->p_memsz;
    if (s->vaddr + s->memsz < s->vaddr) /* corrupt: clamp at the top of the address space */
        s->memsz = UINT64_MAX - s->vaddr;
    s->offset = ph->p_offset;
    s->filesz = ph->p_filesz < s->memsz ? ph->p_filesz : s->memsz;
    s->flags = ph->p_flags;
    s->avail = 0;
    if (s->offset < c->size)
        s->avail = c->size - s->offset < s->filesz ? c->size - s->offset : s->filesz;
    if (s->avail < s->filesz)
        c->nincomplete++;
}

static int segcmp(const void *a, const void *b)
{
    const hs_core_seg *x = a, *y = b;
    return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

static int load_segments(hs_core_target *c, hs_err *err)
{
    size_t n;
    if (elf_getphdrnum(c->elf, &n) != 0)
        return hs_errf(err, "core %s: unreadable program headers (%s); it is truncated or corrupt",
                       c->path, elf_errmsg(-1));
    if (n == 0 || n > c->size / sizeof(Elf64_Phdr))
        return hs_errf(err, "core %s has %zu program headers; it is truncated or corrupt",
                       c->path, n);
    c->segs = calloc(n, sizeof *c->segs);
    c->notes = calloc(n, sizeof *c->notes);
    if (!c->segs || !c->notes)
        return hs_errf(err, "out of memory reading core %s (%zu segments)", c->path, n);
    for (size_t i = 0; i < n; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(c->elf, (int)i, &ph))
            return hs_errf(err, "core %s: program header %zu is unreadable (core truncated?)",
                           c->path, i);
        if (ph.p_type == PT_LOAD && ph.p_memsz > 0)
            add_segment(c, &ph);
        else if (ph.p_type == PT_NOTE)
            add_note(c, &ph);
    }
    if (c->nsegs > 1)
        qsort(c->segs, c->nsegs, sizeof *c->segs, segcmp);
    return 0;
}

static int set_strings(hs_core_target *c, const char *path)
{
    c->path = strdup(path);
    if (!c->path || asprintf(&c->base.description, "core %s", path) < 0) {
        c->base.description = NULL;
        return -1;
    }
    return 0;
}

/* "core X is truncated: ...", or "" when it is not. */
static void truncation(const hs_core_target *c, char *out, size_t cap)
{
    out[0] = 0;
    if (c->nincomplete == 0 && !c->notes_lost)
        return;
    char segs[128] = "its end is missing (was the disk full?)";
    if (c->nincomplete)
        snprintf(segs, sizeof segs, "%zu of %zu segments are incomplete (was the disk full?); "
                 "missing memory reads as errors", c->nincomplete, c->nsegs);
    snprintf(out, cap, "core %s is truncated: %s%s", c->path, segs,
             c->notes_lost ? "; its notes (threads, registers, mappings) are gone, so "
             "goroutines that were running show where they last stopped" : "");
}

/* The libraries this machine lacks, and those it has in another build (a core from another
 * machine), a line each; "" when none. */
static void library_lines(hs_core_target *c, char *out, size_t cap)
{
    char names[400], other[400];
    size_t n = hs_core_libs_unusable(c, 0, names, sizeof names);
    size_t k = hs_core_libs_unusable(c, 1, other, sizeof other);
    const char *fix = "give --sysroot DIR (or set HEAPSCOPE_SYSROOT, or gdb's sysroot) where the process's "
                      "own copies sit at the same paths";
    int len = 0;
    out[0] = 0;
    if (n)
        len = snprintf(out, cap, "core %s names %zu librar%s not on this machine%s (%s): what is in %s "
                       "(frames, locks, classes) goes unnamed; %s", c->path, n, n == 1 ? "y" : "ies",
                       hs_sysroot() ? " nor under the sysroot" : "", names, n == 1 ? "it" : "them", fix);
    if (k && len >= 0 && (size_t)len < cap)
        snprintf(out + len, cap - (size_t)len, "%score %s was written by another build of %zu librar%s than "
                 "this machine has (%s: the build id differs): what is in %s may be misnamed; %s",
                 n ? "\nwarning: " : "", c->path, k, k == 1 ? "y" : "ies", other, k == 1 ? "it" : "them", fix);
}

/* The truncation and the libraries (library_lines), a line each. */
static void make_warning(hs_core_target *c)
{
    char cut[512], libs[1600];
    truncation(c, cut, sizeof cut);
    library_lines(c, libs, sizeof libs);
    if ((cut[0] || libs[0]) &&
        asprintf(&c->warning, "%s%s%s", cut, cut[0] && libs[0] ? "\nwarning: " : "", libs) < 0)
        c->warning = NULL;
}

int hs_core_target_open(hs_target **out, const char *core_path, hs_err *err)
{
    *out = NULL;
    hs_core_target *c = calloc(1, sizeof *c);
    if (!c)
        return hs_errf(err, "out of memory");
    c->fd = -1;
    c->base.ops = &core_ops;
    c->base.kind = "core";
    c->base.from_core = 1;
    if (set_strings(c, core_path) < 0) {
        core_close(&c->base);
        return hs_errf(err, "out of memory");
    }
    if (map_core(c, err) < 0 || open_elf(c, err) < 0 || load_segments(c, err) < 0 ||
        hs_core_build_regions(c, err) < 0 || hs_core_parse_notes(c, err) < 0 ||
        hs_core_find_exe_path(c, err) < 0) {
        core_close(&c->base);
        return -1;
    }
    make_warning(c);
    *out = &c->base;
    return 0;
}

static void core_close(hs_target *t)
{
    hs_core_target *c = (hs_core_target *)t;
    hs_core_libs_free(c);
    if (c->elf)
        elf_end(c->elf);
    if (c->map)
        munmap((void *)c->map, c->size);
    if (c->fd >= 0)
        close(c->fd);
    free(c->segs);
    free(c->windows);
    free(c->notes);
    free(c->core_regions);
    free(c->regions);
    free(c->warning);
    free(c->path);
    hs_target_free_common(t);
    free(c);
}
