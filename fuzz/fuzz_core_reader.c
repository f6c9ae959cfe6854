/* fuzz_core_reader.c - libFuzzer target: the input is an ELF core file. It is opened as a core
 * target (headers, PT_LOAD/PT_NOTE segments, NT_PRSTATUS/NT_PRPSINFO/NT_AUXV/NT_FILE notes),
 * then read where a runtime model would read (thread stacks and PCs, mapping and segment edges,
 * the auxv entry, strings), completed with a fixed executable (fuzz/data/tiny, or the Go 1.26
 * test executable; fuzz/data/native_tiny when the core's auxv entry is that PIE's, so a core
 * without NT_FILE has its libraries read from the dynamic linker's list) and read again.
 * Seeds: fuzz/corpus/core_reader. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "target/core_priv.h"
#include "target/core_target.h"

static hs_image *exes[3];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char path[4096];
    hs_err err;
    snprintf(path, sizeof path, "%s/data/tiny", fz_source_dir());
    if (hs_image_open(&exes[0], path, &err) < 0)
        fprintf(stderr, "fuzz_core_reader: %s (continuing without it)\n", err.msg);
    snprintf(path, sizeof path, "%s/go1.26.10/blocked/exe", fz_test_data());
    if (hs_image_open(&exes[1], path, &err) < 0)
        exes[1] = NULL; /* the stored cores are optional here */
    snprintf(path, sizeof path, "%s/data/native_tiny", fz_source_dir());
    if (hs_image_open(&exes[2], path, &err) < 0)
        fprintf(stderr, "fuzz_core_reader: %s (continuing without it)\n", err.msg);
    return 0;
}

/* Reads len bytes at addr (and a view of them); the result only feeds the sanitizers. */
static unsigned probe(hs_target *t, uint64_t addr, size_t len)
{
    uint8_t buf[256];
    hs_err err;
    unsigned sum = 0;
    if (len > sizeof buf)
        len = sizeof buf;
    if (hs_read(t, addr, buf, len, &err) == 0)
        for (size_t i = 0; i < len; i++)
            sum += buf[i];
    const uint8_t *v = hs_view(t, addr, len);
    if (v && len)
        sum += v[len - 1];
    return sum;
}

static unsigned exercise(hs_target *t)
{
    hs_core_target *c = (hs_core_target *)t;
    unsigned sum = 0;
    for (size_t i = 0; i < t->nthreads && i < 64; i++) {
        sum += probe(t, t->threads[i].regs[HS_RSP], 64);
        sum += probe(t, t->threads[i].regs[HS_RIP], 16);
    }
    for (size_t i = 0; i < t->nmaps && i < 64; i++) {
        sum += probe(t, t->maps[i].start, 32);
        sum += probe(t, t->maps[i].end - 8, 16); /* crosses into whatever follows */
    }
    for (size_t i = 0; i < c->nsegs && i < 64; i++) {
        const hs_core_seg *s = &c->segs[i];
        sum += probe(t, s->vaddr, 8);
        sum += probe(t, s->vaddr + s->filesz - 4, 8);
        sum += probe(t, s->vaddr + s->memsz - 100, 200);
    }
    sum += probe(t, t->auxv_entry, 16) + probe(t, t->auxv_phdr, 56);
    char s[128];
    hs_err err;
    if (t->auxv_phdr && hs_read_cstr(t, t->auxv_phdr, s, sizeof s, &err) == 0)
        sum += (unsigned)strlen(s);
    return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fz_file(data, size);
    hs_target *t = NULL;
    hs_err err;
    if (!path || hs_core_target_open(&t, path, &err) < 0)
        return 0;
    volatile unsigned sink = exercise(t);
    const char *w = hs_core_target_warning(t), *cmd = hs_core_target_cmdline(t);
    sink += (w ? (unsigned)strlen(w) : 0) + (cmd ? (unsigned)strlen(cmd) : 0);
    sink += t->exe_path ? (unsigned)strlen(t->exe_path) : 0;
    hs_image *exe = exes[size & 1] ? exes[size & 1] : exes[0];
    if (exes[2] && t->auxv_entry && (t->auxv_entry & 0xfff) == (hs_image_entry(exes[2]) & 0xfff))
        exe = exes[2];
    if (exe && hs_core_target_set_exe(t, exe, &err) == 0)
        sink += exercise(t);
    (void)sink;
    hs_target_close(t);
    return 0;
}
