/* fuzz_native_threads.c - libFuzzer target: what the native unwinder reads from a core. The
 * input is a list of patches laid over a stored kernel core of fuzz/data/native_tiny.c
 * (native_tiny.core.gz: 4 threads blocked on a mutex, read, sleep, join) and over a copy of that
 * executable: its notes (NT_PRSTATUS registers, NT_FILE mappings), its segments (thread stacks),
 * the executable's .eh_frame and .eh_frame_hdr (CFI). The patched core is opened as a target, its
 * executable's mapping pointed at the patched copy, and native_threads_read unwinds, names and
 * locks every thread; the result is rendered as text and JSON. Seeds: fuzz/corpus/native_threads.
 * One libdwfl session serves every input (native_dwfl), so libc, which no input patches, is read
 * once (its debug file's DWARF decompressed once); the patched executable is written to one of two
 * files in turn, so its module is never one libdwfl kept from the input before. */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "fuzz_util.h"
#include "native/native_threads.h"
#include "output/native_report.h"
#include "target/core_target.h"

typedef struct area {
    size_t off, len; /* bytes of the file a patch may land in */
    int exe;         /* 1: the executable, 0: the core */
} area;

/* What a patch's first byte picks (modulo A_COUNT); loads are picked by a second byte. */
enum { A_NOTES, A_LOAD, A_EH_FRAME, A_EH_FRAME_HDR, A_CORE, A_EXE, A_CUT, A_COUNT };
enum { MAX_LOADS = 64, MAX_PATCHES = 16, PATCH_MAX = 16 };
static uint8_t *core0, *exe0, *core, *exe;
static size_t core_len, exe_len;
static area fixed[A_COUNT], loads[MAX_LOADS];
static size_t nloads;
static int exe_fds[2] = {-1, -1}, exe_turn;
static char exe_path[64];
static native_dwfl *session;

static uint8_t *gunzip(const char *path, size_t *len)
{
    gzFile f = gzopen(path, "rb");
    size_t cap = 1 << 20, n = 0;
    uint8_t *buf = f ? malloc(cap) : NULL;
    for (int r = 1; buf && r > 0; n += (size_t)(r > 0 ? r : 0)) {
        if (n == cap && !(buf = realloc(buf, cap *= 2)))
            break;
        r = gzread(f, buf + n, (unsigned)(cap - n));
    }
    if (f)
        gzclose(f);
    *len = n;
    return buf;
}

/* The core's PT_NOTE and PT_LOAD segments (non-empty), the executable's CFI sections, both whole
 * files (the seed files are ours: their headers are trusted). */
static void find_areas(void)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)core0;
    for (int i = 0; i < eh->e_phnum; i++) {
        const Elf64_Phdr *ph = (const Elf64_Phdr *)(core0 + eh->e_phoff + (size_t)i * eh->e_phentsize);
        if (ph->p_filesz == 0 || ph->p_offset + ph->p_filesz > core_len)
            continue;
        if (ph->p_type == PT_NOTE)
            fixed[A_NOTES] = (area){ph->p_offset, ph->p_filesz, 0};
        else if (ph->p_type == PT_LOAD && nloads < MAX_LOADS)
            loads[nloads++] = (area){ph->p_offset, ph->p_filesz, 0};
    }
    const Elf64_Ehdr *xh = (const Elf64_Ehdr *)exe0;
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(exe0 + xh->e_shoff);
    const char *names = (const char *)exe0 + sh[xh->e_shstrndx].sh_offset;
    for (int i = 0; i < xh->e_shnum; i++) {
        const char *name = names + sh[i].sh_name;
        if (!strcmp(name, ".eh_frame") || !strcmp(name, ".eh_frame_hdr"))
            fixed[name[9] ? A_EH_FRAME_HDR : A_EH_FRAME] = (area){sh[i].sh_offset, sh[i].sh_size, 1};
    }
    fixed[A_CORE] = fixed[A_CUT] = (area){0, core_len, 0};
    fixed[A_EXE] = (area){0, exe_len, 1};
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char path[4096];
    snprintf(path, sizeof path, "%s/data/native_tiny.core.gz", fz_source_dir());
    core0 = gunzip(path, &core_len);
    snprintf(path, sizeof path, "%s/data/native_tiny", fz_source_dir());
    exe0 = gunzip(path, &exe_len); /* gzread reads a plain file as it is */
    exe_fds[0] = memfd_create("fuzz-exe", MFD_CLOEXEC);
    exe_fds[1] = memfd_create("fuzz-exe", MFD_CLOEXEC);
    hs_err err;
    if (!core0 || !exe0 || core_len < sizeof(Elf64_Ehdr) || exe_len < sizeof(Elf64_Ehdr) ||
        exe_fds[0] < 0 || exe_fds[1] < 0 || native_dwfl_new(&session, &err) < 0) {
        fprintf(stderr, "fuzz_native_threads: cannot read %s/data/native_tiny{,.core.gz}\n", fz_source_dir());
        abort();
    }
    core = malloc(core_len);
    exe = malloc(exe_len);
    find_areas();
    setenv("DEBUGINFOD_URLS", "", 1);
    return 0;
}

/* Patches: u8 area (A_*; A_LOAD takes a u8 load index), u32 offset in it, u8 length (1..16),
 * the bytes. A_CUT ends the core at the offset instead. Returns the core's length. */
static size_t apply(const uint8_t *data, size_t size)
{
    fz_cursor c = {data, size};
    memcpy(core, core0, core_len);
    memcpy(exe, exe0, exe_len);
    size_t cut = core_len;
    for (int i = 0; i < MAX_PATCHES && c.n > 0; i++) {
        unsigned kind = fz_u8(&c) % A_COUNT;
        const area *a = kind == A_LOAD && nloads ? &loads[fz_u8(&c) % nloads] : &fixed[kind];
        if (a->len == 0)
            continue;
        size_t off = a->off + fz_u32(&c) % a->len, len = 1 + fz_u8(&c) % PATCH_MAX;
        if (kind == A_CUT) {
            cut = off < cut ? off : cut;
            continue;
        }
        uint8_t *file = a->exe ? exe : core;
        size_t end = a->exe ? exe_len : core_len;
        fz_bytes(&c, file + off, len < end - off ? len : end - off);
    }
    return cut;
}

/* What bad input may do to a stack: end it early, with a `?` frame that the warning counts;
 * never leave a walk unbounded, nor a thread with no frame at all. */
static void check(const native_threads *nt)
{
    size_t truncated = 0;
    for (size_t i = 0; i < nt->n; i++) {
        const hs_task *k = &nt->tasks[i];
        if (k->nframes > (NATIVE_MAX_FRAMES + 1) * (NATIVE_MAX_INLINED + 1))
            abort();
        if (k->truncated && (k->nframes == 0 || strcmp(k->frames[k->nframes - 1].function, "?") != 0))
            abort();
        if (k->nframes == 0) /* a stack libdwfl did not walk is cut, not empty */
            abort();
        truncated += k->truncated;
    }
    if (truncated != nt->nfailed || (truncated && !strstr(sb_str(&nt->warnings), "(marked ?)")))
        abort();
}

/* The patched executable into the other file than the last input's, named by exe_path. */
static int write_exe(void)
{
    int fd = exe_fds[exe_turn ^= 1];
    snprintf(exe_path, sizeof exe_path, "/proc/self/fd/%d", fd);
    if (ftruncate(fd, 0) != 0 || pwrite(fd, exe, exe_len, 0) != (ssize_t)exe_len)
        return -1;
    return 0;
}

/* The executable's mappings (named by the core's NT_FILE) point at the patched copy. */
static void redirect_exe(hs_target *t, char **saved)
{
    const char *orig = t->nmaps ? t->maps[0].path : NULL;
    for (size_t i = 0; i < t->nmaps; i++) {
        saved[i] = t->maps[i].path;
        if (orig && t->maps[i].path && !strcmp(t->maps[i].path, orig))
            t->maps[i].path = exe_path;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t len = apply(data, size);
    const char *path = fz_file(core, len);
    hs_target *t = NULL;
    hs_err err;
    if (!path || write_exe() < 0 || hs_core_target_open(&t, path, &err) < 0)
        return 0;
    char **saved = calloc(t->nmaps ? t->nmaps : 1, sizeof *saved);
    if (saved) {
        redirect_exe(t, saved);
        native_threads nt;
        if (native_threads_read_in(t, session, &nt, &err) == 0) {
            check(&nt);
            hs_task_groups groups;
            if (hs_task_groups_build(nt.tasks, nt.n, &(hs_group_filter){.all = 1, .system = 1}, &groups) == 0) {
                strbuf out;
                sb_init(&out);
                native_report r = {t, &nt, &groups, 0, 1, (int)(size & 1)};
                native_render_text(&r, &out);
                native_render_json(&r, &out);
                sb_free(&out);
                hs_task_groups_free(&groups);
            }
            native_threads_free(&nt);
        }
        for (size_t i = 0; i < t->nmaps; i++)
            t->maps[i].path = saved[i];
        free(saved);
    }
    hs_target_close(t);
    return 0;
}
