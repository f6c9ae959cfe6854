/* test_core_target.c - the ELF core target against cores built byte by byte here (known
 * registers, notes, segments, truncation, executables with build ids), against a core gdb's
 * gcore writes of a live `sleep`, and against a kernel core of a forked copy of this test. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "image/elf_image.h"
#include "target/core_target.h"
#include "hs_unit.h"

static char tmpdir[256];

/* ---- helpers ---- */

static void expect_msg(const char *msg, const char *needle)
{
    if (!strstr(msg, needle)) {
        fprintf(stderr, "message \"%s\" lacks \"%s\"\n", msg, needle);
        fail();
    }
}

static void tmp_path(char *out, const char *name)
{
    snprintf(out, PATH_MAX, "%s/%s", tmpdir, name);
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* The byte a constructed core holds at addr (salt tells segments apart). */
static uint8_t pat(uint64_t addr, unsigned salt)
{
    return (uint8_t)((addr >> 3) * 131u + (addr & 7) * 17u + salt);
}

/* ---- building cores ---- */

typedef struct tseg {
    uint64_t vaddr, memsz, filesz;
    uint32_t flags;
    uint8_t *data; /* filesz bytes */
} tseg;

typedef struct tcore {
    uint16_t type, machine;
    tseg segs[8];
    int nsegs;
    int order[8]; /* file order of the segments' bytes */
    int notes_last;
    uint8_t notes[16384];
    size_t notes_len;
    uint64_t seg_off[8], notes_off, file_size; /* filled by write_core */
} tcore;

static void tcore_init(tcore *c)
{
    memset(c, 0, sizeof *c);
    c->type = ET_CORE;
    c->machine = EM_X86_64;
    for (int i = 0; i < 8; i++)
        c->order[i] = i;
}

static uint8_t *pattern_bytes(uint64_t vaddr, uint64_t len, unsigned salt)
{
    uint8_t *p = malloc(len ? len : 1);
    assert_non_null(p);
    for (uint64_t i = 0; i < len; i++)
        p[i] = pat(vaddr + i, salt);
    return p;
}

static void add_seg(tcore *c, uint64_t vaddr, uint64_t memsz, uint64_t filesz, uint32_t flags,
                    unsigned salt)
{
    tseg *s = &c->segs[c->nsegs++];
    *s = (tseg){vaddr, memsz, filesz, flags, pattern_bytes(vaddr, filesz, salt)};
}

static void add_note(tcore *c, const char *name, uint32_t type, const void *desc, size_t len)
{
    uint32_t namesz = (uint32_t)strlen(name) + 1, descsz = (uint32_t)len;
    size_t need = 12 + ((namesz + 3) & ~3u) + ((len + 3) & ~(size_t)3);
    assert_true(c->notes_len + need <= sizeof c->notes);
    uint8_t *p = c->notes + c->notes_len;
    memset(p, 0, need);
    memcpy(p, &namesz, 4);
    memcpy(p + 4, &descsz, 4);
    memcpy(p + 8, &type, 4);
    memcpy(p + 12, name, namesz);
    memcpy(p + 12 + ((namesz + 3) & ~3u), desc, len);
    c->notes_len += need;
}

static uint64_t reg_value(int tid, int r)
{
    return 0x1000000ull * (uint64_t)tid + 0x100u * (uint64_t)r + 7;
}

/* elf_prstatus: pid at 32, pr_reg at 112; amd64's user_regs_struct is 27 words (336 bytes in
 * all), arm64's user_pt_regs 34 (392). */
static void add_prstatus_n(tcore *c, int32_t tid, int nregs, size_t size)
{
    uint8_t d[392] = {0};
    memcpy(d + 32, &tid, 4);
    for (int r = 0; r < nregs; r++) {
        uint64_t v = reg_value(tid, r);
        memcpy(d + 112 + 8 * r, &v, 8);
    }
    add_note(c, "CORE", NT_PRSTATUS, d, size);
}

static void add_prstatus(tcore *c, int32_t tid) { add_prstatus_n(c, tid, 27, 336); }
static void add_prstatus_arm64(tcore *c, int32_t tid) { add_prstatus_n(c, tid, 34, 392); }

static void add_prpsinfo(tcore *c, int32_t pid, const char *fname, const char *args)
{
    uint8_t d[136] = {0};
    memcpy(d + 24, &pid, 4);
    strncpy((char *)d + 40, fname, 16);
    strncpy((char *)d + 56, args, 80);
    add_note(c, "CORE", NT_PRPSINFO, d, sizeof d);
}

static void add_auxv(tcore *c, uint64_t phdr, uint64_t entry, uint64_t execfn)
{
    uint64_t v[] = {AT_PAGESZ, 4096, AT_PHDR, phdr, AT_ENTRY, entry, AT_EXECFN, execfn, 0, 0};
    add_note(c, "CORE", NT_AUXV, v, sizeof v);
}

typedef struct tfile { uint64_t start, end, page; const char *path; } tfile;

static void add_files(tcore *c, const tfile *f, int n)
{
    uint8_t d[4096] = {0};
    uint64_t count = (uint64_t)n, page = 4096;
    memcpy(d, &count, 8);
    memcpy(d + 8, &page, 8);
    size_t off = 16 + 24 * (size_t)n;
    for (int i = 0; i < n; i++) {
        memcpy(d + 16 + 24 * i, &f[i].start, 8);
        memcpy(d + 16 + 24 * i + 8, &f[i].end, 8);
        memcpy(d + 16 + 24 * i + 16, &f[i].page, 8);
        size_t l = strlen(f[i].path) + 1;
        memcpy(d + off, f[i].path, l);
        off += l;
    }
    add_note(c, "CORE", NT_FILE, d, off);
}

static void pwrite_all(int fd, const void *p, size_t len, uint64_t off)
{
    assert_int_equal(pwrite(fd, p, len, (off_t)off), (ssize_t)len);
}

static void write_core(tcore *c, const char *path)
{
    int nph = 1 + c->nsegs;
    uint64_t off = 64 + 56 * (uint64_t)nph;
    if (!c->notes_last) {
        c->notes_off = off;
        off += c->notes_len;
    }
    for (int k = 0; k < c->nsegs; k++) {
        int i = c->order[k];
        c->seg_off[i] = off;
        off += c->segs[i].filesz;
    }
    if (c->notes_last) {
        c->notes_off = off;
        off += c->notes_len;
    }
    c->file_size = off;
    Elf64_Ehdr eh = {0};
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = c->type;
    eh.e_machine = c->machine;
    eh.e_version = EV_CURRENT;
    eh.e_phoff = 64;
    eh.e_ehsize = 64;
    eh.e_phentsize = 56;
    eh.e_phnum = (uint16_t)nph;
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    pwrite_all(fd, &eh, sizeof eh, 0);
    Elf64_Phdr note = {PT_NOTE, 0, c->notes_off, 0, 0, c->notes_len, 0, 1};
    pwrite_all(fd, &note, sizeof note, 64);
    for (int i = 0; i < c->nsegs; i++) {
        const tseg *s = &c->segs[i];
        Elf64_Phdr ph = {PT_LOAD, s->flags, c->seg_off[i], s->vaddr, 0, s->filesz, s->memsz, 1};
        pwrite_all(fd, &ph, sizeof ph, 64 + 56 * (uint64_t)(i + 1));
        pwrite_all(fd, s->data, s->filesz, c->seg_off[i]);
    }
    pwrite_all(fd, c->notes, c->notes_len, c->notes_off);
    assert_int_equal(close(fd), 0);
}

static void tcore_free(tcore *c)
{
    for (int i = 0; i < c->nsegs; i++)
        free(c->segs[i].data);
}

/* ---- building executables: PT_LOAD text [base, base+0x2000) from file offset 0, PT_LOAD
 * data [base+0x200000, +0x2000) with 0x1000 file bytes at 0x2000; a GNU build-id note at
 * file offset 0x100 (desc at 0x110); sections .note.gnu.build-id, .text, .shstrtab. ---- */

enum { EXE_SIZE = 0x3000, ID_DESC = 0x110 };

static uint8_t exe_byte(uint64_t off, unsigned salt)
{
    return (uint8_t)(off * 7u + (off >> 8) * 3u + 0x5a + salt);
}

static void build_exe(uint8_t *f, uint16_t type, uint64_t base, const uint8_t id[20],
                      unsigned salt)
{
    for (uint64_t i = 0; i < EXE_SIZE; i++)
        f[i] = exe_byte(i, salt);
    memset(f, 0, 0x400);
    Elf64_Ehdr eh = {0};
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = type;
    eh.e_machine = EM_X86_64;
    eh.e_version = EV_CURRENT;
    eh.e_entry = base + 0x1000;
    eh.e_phoff = 64;
    eh.e_shoff = 0x300;
    eh.e_ehsize = 64;
    eh.e_phentsize = 56;
    eh.e_phnum = 2;
    eh.e_shentsize = 64;
    eh.e_shnum = 4;
    eh.e_shstrndx = 3;
    memcpy(f, &eh, sizeof eh);
    Elf64_Phdr text = {PT_LOAD, PF_R | PF_X, 0, base, base, 0x2000, 0x2000, 0x1000};
    Elf64_Phdr data = {PT_LOAD, PF_R | PF_W, 0x2000, base + 0x200000, base + 0x200000, 0x1000,
                       0x2000, 0x1000};
    memcpy(f + 64, &text, sizeof text);
    memcpy(f + 120, &data, sizeof data);
    uint32_t nh[3] = {4, 20, NT_GNU_BUILD_ID};
    memcpy(f + 0x100, nh, 12);
    memcpy(f + 0x10c, "GNU", 4);
    memcpy(f + ID_DESC, id, 20);
    static const char strtab[] = "\0.note.gnu.build-id\0.text\0.shstrtab";
    memcpy(f + 0x200, strtab, sizeof strtab);
    Elf64_Shdr sh[4] = {{0}};
    sh[1] = (Elf64_Shdr){1, SHT_NOTE, SHF_ALLOC, base + 0x100, 0x100, 36, 0, 0, 4, 0};
    sh[2] = (Elf64_Shdr){20, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, base + 0x1000, 0x1000,
                         0x1000, 0, 0, 16, 0};
    sh[3] = (Elf64_Shdr){26, SHT_STRTAB, 0, 0, 0x200, sizeof strtab, 0, 0, 1, 0};
    memcpy(f + 0x300, sh, sizeof sh);
}

static const uint8_t ID_A[20] = {0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x6f, 0x70, 0x81, 0x92, 0xa3,
                                 0xb4, 0xc5, 0xd6, 0xe7, 0xf8, 0x09, 0x10, 0x21, 0x32, 0x43};
static const uint8_t ID_B[20] = {0x3c, 0x4d, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01, 0x02};

/* ---- the standard core: two threads, pid 100, four segments ---- */

enum { TEXT = 0x400000, DATA = 0x600000, HEAP = 0xc000000000ull };

static void std_notes(tcore *c, int with_files)
{
    add_prpsinfo(c, 100, "prog", "prog --serve :8080");
    add_prstatus(c, 101);
    add_prstatus(c, 102);
    add_note(c, "LINUX", 0x202 /* NT_X86_XSTATE */, "xsave....", 9);
    add_note(c, "GDB", 1 /* NT_GDB_TDESC */, "<target/>", 10);
    add_auxv(c, TEXT + 0x40, TEXT + 0x1000, DATA + 0x100);
    if (with_files) {
        tfile f[] = {{TEXT, TEXT + 0x2000, 0, "/opt/test/prog"},
                     {DATA, DATA + 0x1000, 2, "/opt/test/prog"}};
        add_files(c, f, 2);
    }
}

/* text page dumped (first page of the ELF mapping), data in two adjacent segments whose bytes
 * are NOT adjacent in the file, and a heap. */
static void std_core(tcore *c)
{
    tcore_init(c);
    add_seg(c, TEXT, 0x2000, 0x1000, PF_R | PF_X, 1);
    add_seg(c, DATA, 0x1000, 0x1000, PF_R | PF_W, 2);
    add_seg(c, DATA + 0x1000, 0x1000, 0x1000, PF_R | PF_W, 3);
    add_seg(c, HEAP, 0x3000, 0x3000, PF_R | PF_W, 4);
    static const char execfn[] = "/usr/local/bin/prog-from-execfn";
    memcpy(c->segs[1].data + 0x100, execfn, sizeof execfn);
    c->order[0] = 0;
    c->order[1] = 2; /* DATA+0x1000 bytes come before DATA's in the file */
    c->order[2] = 1;
    c->order[3] = 3;
}

static hs_target *open_ok(const char *path)
{
    hs_target *t = NULL;
    hs_err err = {{0}};
    if (hs_core_target_open(&t, path, &err) != 0) {
        fprintf(stderr, "open %s: %s\n", path, err.msg);
        fail();
    }
    return t;
}

static void open_fails(const char *path, const char *needle)
{
    hs_target *t = NULL;
    hs_err err = {{0}};
    assert_int_equal(hs_core_target_open(&t, path, &err), -1);
    assert_null(t);
    expect_msg(err.msg, needle);
}

static void expect_bytes(hs_target *t, uint64_t addr, size_t len, unsigned salt)
{
    uint8_t buf[256];
    hs_err err = {{0}};
    assert_true(len <= sizeof buf);
    if (hs_read(t, addr, buf, len, &err) != 0) {
        fprintf(stderr, "read 0x%llx: %s\n", (unsigned long long)addr, err.msg);
        fail();
    }
    for (size_t i = 0; i < len; i++)
        assert_int_equal(buf[i], pat(addr + i, salt));
}

static void read_fails(hs_target *t, uint64_t addr, size_t len, const char *needle)
{
    uint8_t buf[256];
    hs_err err = {{0}};
    assert_int_equal(hs_read(t, addr, buf, len, &err), -1);
    expect_msg(err.msg, needle);
}

/* ---- tests on constructed cores ---- */

static void test_threads_and_notes(void **state)
{
    (void)state;
    char path[PATH_MAX];
    tmp_path(path, "std.core");
    tcore c;
    std_core(&c);
    std_notes(&c, 1);
    write_core(&c, path);
    hs_target *t = open_ok(path);
    assert_string_equal(t->kind, "core");
    assert_int_equal(t->pid, 100);
    assert_int_equal(t->live, 0);
    assert_int_equal(t->nthreads, 2);
    assert_int_equal(t->threads[0].tid, 101);
    assert_int_equal(t->threads[1].tid, 102);
    for (int r = 0; r < HS_NREGS; r++) {
        assert_true(t->threads[0].regs[r] == reg_value(101, r));
        assert_true(t->threads[1].regs[r] == reg_value(102, r));
    }
    assert_true(t->threads[1].regs[HS_RIP] == reg_value(102, 16));
    assert_true(t->auxv_entry == TEXT + 0x1000);
    assert_true(t->auxv_phdr == TEXT + 0x40);
    assert_int_equal(t->nmaps, 2);
    assert_true(t->maps[1].start == DATA && t->maps[1].end == DATA + 0x1000);
    assert_true(t->maps[1].file_offset == 2 * 4096);
    assert_string_equal(t->exe_path, "/opt/test/prog");
    assert_null(hs_core_target_warning(t));
    assert_string_equal(hs_core_target_cmdline(t), "prog --serve :8080");
    expect_msg(t->description, path);
    hs_target_close(t);
    tcore_free(&c);
}

static void test_reads(void **state)
{
    (void)state;
    char path[PATH_MAX];
    tmp_path(path, "reads.core");
    tcore c;
    std_core(&c);
    std_notes(&c, 1);
    write_core(&c, path);
    hs_target *t = open_ok(path);
    expect_bytes(t, TEXT, 64, 1);
    expect_bytes(t, TEXT + 0xfc0, 64, 1);
    expect_bytes(t, DATA + 0x200, 200, 2);
    expect_bytes(t, HEAP + 0x2f00, 256, 4);
    /* across two adjacent segments whose bytes are apart in the file */
    uint8_t buf[32];
    hs_err err = {{0}};
    assert_int_equal(hs_read(t, DATA + 0x1000 - 16, buf, 32, &err), 0);
    for (int i = 0; i < 32; i++)
        assert_int_equal(buf[i], pat(DATA + 0x1000 - 16 + (uint64_t)i, i < 16 ? 2 : 3));
    uint64_t v;
    assert_int_equal(hs_read_u64(t, HEAP + 8, &v, &err), 0);
    uint64_t want;
    uint8_t *w = (uint8_t *)&want;
    for (int i = 0; i < 8; i++)
        w[i] = pat(HEAP + 8 + (uint64_t)i, 4);
    assert_true(v == want);
    /* never partial: a read running off the end of memory fails and names the address */
    read_fails(t, HEAP + 0x3000 - 8, 16, "address 0xc000003000 is not in the core");
    read_fails(t, 0x12345000, 8, "address 0x12345000 is not in the core or the executable");
    /* not dumped (text beyond the first page) and no executable yet */
    read_fails(t, TEXT + 0x1008, 8, "pass the executable with --exe");
    read_fails(t, TEXT + 0x1008, 8, "0x401008");
    /* views: inside one segment yes, across segments apart in the file no */
    const uint8_t *p = hs_view(t, DATA + 0x10, 16);
    assert_non_null(p);
    assert_int_equal(p[0], pat(DATA + 0x10, 2));
    assert_null(hs_view(t, DATA + 0x1000 - 8, 16));
    assert_null(hs_view(t, 0x12345000, 1));
    char s[64];
    assert_int_equal(hs_read_cstr(t, DATA + 0x100, s, sizeof s, &err), 0);
    assert_string_equal(s, "/usr/local/bin/prog-from-execfn");
    hs_target_close(t);
    tcore_free(&c);
}

static void test_exe_path_fallbacks(void **state)
{
    (void)state;
    char path[PATH_MAX];
    tmp_path(path, "nofiles.core");
    tcore c;
    std_core(&c);
    std_notes(&c, 0); /* no NT_FILE: AT_EXECFN's string in memory */
    write_core(&c, path);
    hs_target *t = open_ok(path);
    assert_string_equal(t->exe_path, "/usr/local/bin/prog-from-execfn");
    assert_int_equal(t->nmaps, 0);
    hs_target_close(t);
    tcore_free(&c);

    tcore_init(&c); /* no NT_FILE, no auxv: the process name from NT_PRPSINFO */
    add_seg(&c, HEAP, 0x1000, 0x1000, PF_R | PF_W, 4);
    add_prpsinfo(&c, 4242, "server", "server -v");
    add_prstatus(&c, 4243);
    write_core(&c, path);
    t = open_ok(path);
    assert_string_equal(t->exe_path, "server");
    assert_int_equal(t->pid, 4242);
    assert_true(t->auxv_entry == 0);
    hs_target_close(t);
    tcore_free(&c);

    tcore_init(&c); /* no NT_PRPSINFO: the pid is the first thread's */
    add_seg(&c, HEAP, 0x1000, 0x1000, PF_R | PF_W, 4);
    add_prstatus(&c, 777);
    write_core(&c, path);
    t = open_ok(path);
    assert_int_equal(t->pid, 777);
    assert_null(t->exe_path);
    hs_target_close(t);
    tcore_free(&c);
}

static void test_truncated(void **state)
{
    (void)state;
    char path[PATH_MAX];
    tmp_path(path, "trunc.core");
    tcore c;
    std_core(&c);
    std_notes(&c, 1);
    write_core(&c, path);
    /* cut in the middle of the heap, the last segment in the file */
    assert_int_equal(truncate(path, (off_t)(c.seg_off[3] + 0x1800)), 0);
    hs_target *t = open_ok(path);
    const char *w = hs_core_target_warning(t);
    assert_non_null(w);
    expect_msg(w, "is truncated: 1 of 4 segments are incomplete");
    expect_msg(w, path);
    expect_bytes(t, HEAP + 0x1700, 0x100, 4);
    read_fails(t, HEAP + 0x1800, 8, "address 0xc000001800 is in the part of core");
    read_fails(t, HEAP + 0x17f8, 16, "0xc000001800");
    read_fails(t, HEAP + 0x17f8, 16, "truncation");
    assert_null(hs_view(t, HEAP + 0x17f0, 32));
    assert_int_equal(t->nthreads, 2); /* notes come first and survived */
    hs_target_close(t);

    /* cut into the second data segment: two segments incomplete */
    assert_int_equal(truncate(path, (off_t)(c.seg_off[2] + 0x10)), 0);
    t = open_ok(path);
    expect_msg(hs_core_target_warning(t), "3 of 4 segments are incomplete"); /* file order: 0, 2, 1, 3 */
    expect_bytes(t, DATA + 0x1000, 0x10, 3);
    read_fails(t, DATA, 8, "truncation");
    hs_target_close(t);
    tcore_free(&c);

    /* notes at the end, and the cut takes them away */
    std_core(&c);
    std_notes(&c, 1);
    c.notes_last = 1;
    write_core(&c, path);
    /* (gcore's layout): what memory is left is still read, with a warning and no threads */
    assert_int_equal(truncate(path, (off_t)(c.notes_off + 40)), 0);
    t = open_ok(path);
    expect_msg(hs_core_target_warning(t), "is truncated: its end is missing");
    expect_msg(hs_core_target_warning(t), "notes (threads, registers, mappings) are gone");
    assert_int_equal(t->nthreads, 0);
    expect_bytes(t, HEAP + 0x1700, 0x100, 4);
    hs_target_close(t);
    assert_int_equal(truncate(path, (off_t)c.seg_off[3]), 0);
    t = open_ok(path);
    expect_msg(hs_core_target_warning(t), "1 of 4 segments are incomplete");
    expect_msg(hs_core_target_warning(t), "notes (threads, registers, mappings) are gone");
    expect_bytes(t, DATA + 0x1000, 0x10, 3);
    read_fails(t, HEAP, 8, "truncation");
    hs_target_close(t);
    tcore_free(&c);
}

static void test_garbage(void **state)
{
    (void)state;
    char path[PATH_MAX];
    tmp_path(path, "garbage");
    uint8_t junk[65536];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof junk; i++) {
        x = x * 1103515245u + 12345u;
        junk[i] = (uint8_t)(x >> 16);
    }
    write_file(path, junk, sizeof junk);
    open_fails(path, "is not an ELF file");
    write_file(path, "", 0);
    open_fails(path, "is empty");
    write_file(path, "\x1f\x8b\x08\x00rest", 8);
    open_fails(path, "gzip-compressed");
    write_file(path, "\x7f" "ELF\x02\x01", 6);
    open_fails(path, "not a readable ELF file");
    tmp_path(path, "does-not-exist");
    open_fails(path, "cannot open core");
    open_fails(tmpdir, "not a regular file");

    uint8_t exe[EXE_SIZE];
    build_exe(exe, ET_EXEC, TEXT, ID_A, 0);
    tmp_path(path, "garbage-exe");
    write_file(path, exe, sizeof exe);
    open_fails(path, "is not a core file (ELF type ET_EXEC");

    tcore c;
    std_core(&c);
    std_notes(&c, 1);
    c.machine = EM_RISCV;
    tmp_path(path, "riscv.core");
    write_core(&c, path);
    open_fails(path, "is a core of riscv64 (ELF machine 243, 64-bit); heapscope reads linux/amd64 "
                     "and linux/arm64 cores only");
    tcore_free(&c);

    tcore_init(&c); /* a core without any thread */
    add_seg(&c, HEAP, 0x1000, 0x1000, PF_R | PF_W, 4);
    add_prpsinfo(&c, 1, "x", "x");
    write_core(&c, path);
    open_fails(path, "holds no thread state");
    tcore_free(&c);
}

/* Random corruption of a valid core: open and reads must fail cleanly or succeed, never crash
 * (the sanitizer build checks every access). */
/* An AArch64 core: its threads carry all 34 registers of user_pt_regs, pc and sp where the
 * architecture has them; an amd64-sized NT_PRSTATUS in it (too short) is no thread. */
static void test_arm64_notes(void **state)
{
    (void)state;
    char path[PATH_MAX];
    tmp_path(path, "arm64.core");
    tcore c;
    tcore_init(&c);
    c.machine = EM_AARCH64;
    add_seg(&c, HEAP, 0x1000, 0x1000, PF_R | PF_W, 4);
    add_prstatus_arm64(&c, 201);
    add_prstatus(&c, 202);
    add_prpsinfo(&c, 200, "prog", "prog");
    write_core(&c, path);
    hs_target *t = open_ok(path);
    assert_int_equal(t->arch, HS_ARCH_ARM64);
    assert_int_equal(t->nthreads, 1);
    assert_int_equal(t->threads[0].tid, 201);
    for (int r = 0; r < HS_A64_NREGS; r++)
        assert_true(t->threads[0].regs[r] == reg_value(201, r));
    assert_true(hs_thread_pc(HS_ARCH_ARM64, &t->threads[0]) == reg_value(201, 32));
    assert_true(hs_thread_sp(HS_ARCH_ARM64, &t->threads[0]) == reg_value(201, 31));
    assert_true(hs_thread_lr(HS_ARCH_ARM64, &t->threads[0]) == reg_value(201, 30));
    hs_target_close(t);
    tcore_free(&c);
}

static void test_corrupt_fields(void **state)
{
    (void)state;
    char path[PATH_MAX];
    tmp_path(path, "corrupt.core");
    tcore c;
    std_core(&c);
    std_notes(&c, 1);
    write_core(&c, path);
    size_t size = (size_t)c.file_size;
    uint8_t *orig = malloc(size), *buf = malloc(size);
    assert_non_null(orig);
    assert_non_null(buf);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(orig, 1, size, f), size);
    fclose(f);
    uint32_t x = 99;
    size_t hot = (size_t)(c.notes_off + c.notes_len); /* headers and notes */
    for (int round = 0; round < 300; round++) {
        memcpy(buf, orig, size);
        for (int k = 0; k < 8; k++) {
            x = x * 1103515245u + 12345u;
            size_t pos = (x >> 8) % hot;
            x = x * 1103515245u + 12345u;
            buf[pos] = (uint8_t)(x >> 16);
        }
        write_file(path, buf, size);
        hs_target *t = NULL;
        hs_err err = {{0}};
        if (hs_core_target_open(&t, path, &err) == 0) {
            uint8_t tmp[64];
            hs_read(t, HEAP, tmp, sizeof tmp, &err);
            hs_read(t, DATA + 0xff0, tmp, 32, &err);
            hs_read(t, UINT64_MAX - 100, tmp, 64, &err);
            hs_target_close(t);
        } else {
            assert_true(err.msg[0] != 0);
        }
    }
    free(orig);
    free(buf);
    tcore_free(&c);
}

/* ---- the executable fills what the core left out ---- */

static void write_exe(const char *name, char *path, uint16_t type, uint64_t base,
                      const uint8_t *id, unsigned salt, uint8_t *bytes)
{
    build_exe(bytes, type, base, id, salt);
    tmp_path(path, name);
    write_file(path, bytes, EXE_SIZE);
}

static hs_image *image_ok(const char *path)
{
    hs_image *img = NULL;
    hs_err err = {{0}};
    if (hs_image_open(&img, path, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        fail();
    }
    return img;
}

/* A core of the constructed executable loaded at base + bias: the first text page dumped
 * (with one byte changed so core-wins is visible), data modified in full. */
static void exe_core(tcore *c, const uint8_t *exe, uint64_t load)
{
    tcore_init(c);
    add_seg(c, load, 0x2000, 0x1000, PF_R | PF_X, 0);
    memcpy(c->segs[0].data, exe, 0x1000);
    c->segs[0].data[0x800] ^= 0xff;
    add_seg(c, load + 0x200000, 0x2000, 0x2000, PF_R | PF_W, 9);
    add_seg(c, HEAP, 0x1000, 0x1000, PF_R | PF_W, 4);
    add_prpsinfo(c, 300, "prog", "prog");
    add_prstatus(c, 300);
    add_auxv(c, load + 0x40, load + 0x1000, 0);
}

static void expect_exe_bytes(hs_target *t, uint64_t addr, const uint8_t *file, uint64_t fofs,
                             size_t len)
{
    uint8_t buf[256];
    hs_err err = {{0}};
    if (hs_read(t, addr, buf, len, &err) != 0) {
        fprintf(stderr, "read 0x%llx: %s\n", (unsigned long long)addr, err.msg);
        fail();
    }
    assert_memory_equal(buf, file + fofs, len);
}

static void test_exe_fill(void **state)
{
    (void)state;
    char cpath[PATH_MAX], epath[PATH_MAX];
    uint8_t exe[EXE_SIZE];
    write_exe("exec.bin", epath, ET_EXEC, TEXT, ID_A, 0, exe);
    tcore c;
    exe_core(&c, exe, TEXT);
    tmp_path(cpath, "exe.core");
    write_core(&c, cpath);
    hs_target *t = open_ok(cpath);
    hs_image *img = image_ok(epath);
    read_fails(t, TEXT + 0x1000, 8, "--exe");
    hs_err err = {{0}};
    assert_int_equal(hs_core_target_set_exe(t, img, &err), 0);
    expect_exe_bytes(t, TEXT + 0x1000, exe, 0x1000, 256);       /* from the executable */
    expect_exe_bytes(t, TEXT + 0x1f00, exe, 0x1f00, 256);
    expect_exe_bytes(t, TEXT + 0xf80, exe, 0xf80, 256);         /* core page + exe page */
    uint8_t b;
    assert_int_equal(hs_read(t, TEXT + 0x800, &b, 1, &err), 0); /* core wins */
    assert_int_equal(b, exe[0x800] ^ 0xff);
    expect_bytes(t, TEXT + 0x200000 + 0x100, 64, 9); /* modified data: the core's */
    const uint8_t *v = hs_view(t, TEXT + 0x1100, 16);  /* a view into the executable */
    assert_non_null(v);
    assert_memory_equal(v, exe + 0x1100, 16);
    read_fails(t, TEXT + 0x2000, 8, "not in the core or the executable");
    hs_target_close(t);
    hs_image_close(img);
    tcore_free(&c);
}

static void test_exe_pie_bias(void **state)
{
    (void)state;
    char cpath[PATH_MAX], epath[PATH_MAX];
    uint8_t exe[EXE_SIZE];
    const uint64_t load = 0x555555554000ull;
    write_exe("pie.bin", epath, ET_DYN, 0, ID_B, 5, exe);
    tcore c;
    exe_core(&c, exe, load);
    tmp_path(cpath, "pie.core");
    write_core(&c, cpath);
    hs_target *t = open_ok(cpath);
    hs_image *img = image_ok(epath);
    hs_err err = {{0}};
    assert_int_equal(hs_core_target_set_exe(t, img, &err), 0);
    expect_exe_bytes(t, load + 0x1234, exe, 0x1234, 200);
    hs_target_close(t);
    hs_image_close(img);
    tcore_free(&c);
}

static void test_build_id_mismatch(void **state)
{
    (void)state;
    char cpath[PATH_MAX], epath[PATH_MAX], other[PATH_MAX];
    uint8_t exe[EXE_SIZE], exe2[EXE_SIZE];
    write_exe("id-a.bin", epath, ET_EXEC, TEXT, ID_A, 0, exe);
    write_exe("id-b.bin", other, ET_EXEC, TEXT, ID_B, 0, exe2);
    tcore c;
    exe_core(&c, exe, TEXT); /* the core's first page carries ID_A */
    tmp_path(cpath, "id.core");
    write_core(&c, cpath);
    hs_target *t = open_ok(cpath);
    hs_image *img = image_ok(other);
    hs_err err = {{0}};
    assert_int_equal(hs_core_target_set_exe(t, img, &err), -1);
    expect_msg(err.msg, "was not written by executable");
    expect_msg(err.msg, other);
    expect_msg(err.msg, "build id 1a2b3c4d5e6f708192a3b4c5d6e7f80910213243 in the core, "
                        "3c4d00112233445566778899aabbccddeeff0102 in the file");
    expect_msg(err.msg, "pass the matching binary with --exe");
    read_fails(t, TEXT + 0x1000, 8, "--exe"); /* nothing was added */
    hs_image_close(img);

    /* an ET_EXEC linked elsewhere: the entry point gives it away */
    uint8_t exe3[EXE_SIZE];
    write_exe("elsewhere.bin", other, ET_EXEC, 0x800000, ID_A, 0, exe3);
    img = image_ok(other);
    assert_int_equal(hs_core_target_set_exe(t, img, &err), -1);
    expect_msg(err.msg, "entry point 0x401000 in the core, 0x801000 in the file");
    hs_image_close(img);

    /* a core without the note page: no check, the bytes are used */
    hs_target_close(t);
    tcore_free(&c);
    exe_core(&c, exe, TEXT);
    c.segs[0].filesz = 0;
    write_core(&c, cpath);
    t = open_ok(cpath);
    img = image_ok(epath);
    assert_int_equal(hs_core_target_set_exe(t, img, &err), 0);
    expect_exe_bytes(t, TEXT + 0x800, exe, 0x800, 16); /* now from the file */
    hs_target_close(t);
    hs_image_close(img);
    tcore_free(&c);
}

/* Lost bytes of a writable segment must not be taken from the file (it held other values);
 * lost bytes of a read-only one may. */
static void test_truncated_with_exe(void **state)
{
    (void)state;
    char cpath[PATH_MAX], epath[PATH_MAX];
    uint8_t exe[EXE_SIZE];
    write_exe("trunc-exe.bin", epath, ET_EXEC, TEXT, ID_A, 0, exe);
    tcore c;
    exe_core(&c, exe, TEXT);
    c.order[0] = 2; /* heap, data, then text in the file */
    c.order[1] = 1;
    c.order[2] = 0;
    tmp_path(cpath, "trunc-exe.core");
    write_core(&c, cpath);
    assert_int_equal(truncate(cpath, (off_t)(c.seg_off[1] + 0x800)), 0);
    hs_target *t = open_ok(cpath);
    expect_msg(hs_core_target_warning(t), "2 of 3 segments are incomplete");
    hs_image *img = image_ok(epath);
    hs_err err = {{0}};
    assert_int_equal(hs_core_target_set_exe(t, img, &err), 0);
    expect_exe_bytes(t, TEXT + 0x10, exe, 0x10, 64); /* lost text: from the file */
    expect_bytes(t, TEXT + 0x200000 + 0x700, 0x100, 9);
    read_fails(t, TEXT + 0x200000 + 0x800, 8, "lost to truncation");
    hs_target_close(t);
    hs_image_close(img);
    tcore_free(&c);
}

/* A shared library named in NT_FILE supplies its undumped pages; a library whose build id
 * differs from the core's copy is refused. */
static void test_library_fill(void **state)
{
    (void)state;
    char cpath[PATH_MAX], epath[PATH_MAX], lpath[PATH_MAX], bad[PATH_MAX];
    uint8_t exe[EXE_SIZE], lib[EXE_SIZE], badlib[EXE_SIZE];
    write_exe("main.bin", epath, ET_EXEC, TEXT, ID_A, 0, exe);
    write_exe("libgood.so", lpath, ET_DYN, 0, ID_B, 3, lib);
    write_exe("libbad.so", bad, ET_DYN, 0, ID_A, 4, badlib);
    const uint64_t L = 0x7f0000000000ull, B = 0x7f0000100000ull;
    tcore c;
    exe_core(&c, exe, TEXT);
    add_seg(&c, L, 0x3000, 0x1000, PF_R | PF_X, 0); /* lib's first page dumped */
    memcpy(c.segs[3].data, lib, 0x1000);
    add_seg(&c, B, 0x3000, 0x1000, PF_R | PF_X, 0); /* "bad" lib: the core has ID_B */
    memcpy(c.segs[4].data, lib, 0x1000);
    tfile f[] = {{TEXT, TEXT + 0x2000, 0, epath}, {L, L + 0x3000, 0, lpath},
                 {B, B + 0x3000, 0, bad}};
    add_files(&c, f, 3);
    tmp_path(cpath, "lib.core");
    write_core(&c, cpath);
    hs_target *t = open_ok(cpath);
    assert_string_equal(t->exe_path, epath);
    read_fails(t, L + 0x1000, 8, "--exe"); /* libraries only after set_exe */
    hs_image *img = image_ok(epath);
    hs_err err = {{0}};
    assert_int_equal(hs_core_target_set_exe(t, img, &err), 0);
    expect_exe_bytes(t, L + 0x1800, lib, 0x1800, 128);
    expect_exe_bytes(t, L + 0xfc0, lib, 0xfc0, 128); /* core page then library page */
    read_fails(t, B + 0x1800, 8, "build id differs");
    read_fails(t, L + 0x3000, 8, "not in the core or the executable");
    hs_target_close(t);
    hs_image_close(img);
    tcore_free(&c);
}

/* ---- real dumpers ---- */

static int find_in_path(const char *name, char *out)
{
    const char *path = getenv("PATH");
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path ? path : "/usr/bin:/bin");
    for (char *save = NULL, *d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        snprintf(out, PATH_MAX, "%s/%s", d, name);
        if (access(out, X_OK) == 0)
            return 0;
    }
    return -1;
}

static int count_tasks(int pid)
{
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/task", pid);
    DIR *d = opendir(p);
    if (!d)
        return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static int stack_range(int pid, uint64_t *lo, uint64_t *hi)
{
    char p[64], line[512];
    snprintf(p, sizeof p, "/proc/%d/maps", pid);
    FILE *f = fopen(p, "r");
    if (!f)
        return -1;
    int found = -1;
    while (fgets(line, sizeof line, f))
        if (strstr(line, "[stack]") &&
            sscanf(line, "%lx-%lx", (unsigned long *)lo, (unsigned long *)hi) == 2)
            found = 0;
    fclose(f);
    return found;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static pid_t spawn_sleep(void)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
        execlp("sleep", "sleep", "30", (char *)NULL);
        _exit(127);
    }
    char self[PATH_MAX], exe[PATH_MAX], link[64];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = 0;
    snprintf(link, sizeof link, "/proc/%d/exe", (int)pid);
    for (int i = 0; i < 500; i++) { /* until exec has happened */
        n = readlink(link, exe, sizeof exe - 1);
        if (n > 0) {
            exe[n] = 0;
            if (strcmp(exe, self) != 0)
                break;
        }
        sleep_ms(10);
    }
    sleep_ms(50);
    return pid;
}

/* Runs gcore -o prefix pid; returns the core's path in out, or -1 when gcore failed. */
static int run_gcore(const char *gcore, const char *prefix, pid_t pid, char *out, size_t cap)
{
    char pidstr[32];
    snprintf(pidstr, sizeof pidstr, "%d", (int)pid);
    pid_t g = fork();
    assert_true(g >= 0);
    if (g == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        dup2(devnull, 2);
        execl(gcore, "gcore", "-o", prefix, pidstr, (char *)NULL);
        _exit(127);
    }
    int st;
    assert_int_equal(waitpid(g, &st, 0), g);
    snprintf(out, cap, "%s.%d", prefix, (int)pid);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 && access(out, R_OK) == 0 ? 0 : -1;
}

static void read_live(pid_t pid, uint64_t addr, void *buf, size_t len)
{
    char memp[64];
    snprintf(memp, sizeof memp, "/proc/%d/mem", (int)pid);
    int fd = open(memp, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, buf, len, (off_t)addr), (ssize_t)len);
    close(fd);
}

static void test_gcore(void **state)
{
    (void)state;
    char gcore[PATH_MAX], prefix[PATH_MAX], core[PATH_MAX + 32];
    if (find_in_path("gcore", gcore) != 0)
        HS_SKIP("gcore is not installed (it comes with gdb): run scripts/setup.sh");
    pid_t pid = spawn_sleep();
    tmp_path(prefix, "gcore");
    if (run_gcore(gcore, prefix, pid, core, sizeof core) != 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        HS_SKIP("gcore could not dump pid %d here (ptrace not allowed?)", (int)pid);
    }
    uint64_t lo, hi;
    uint8_t live[256], dumped[256];
    assert_int_equal(stack_range(pid, &lo, &hi), 0);
    read_live(pid, hi - sizeof live, live, sizeof live);
    char exe[PATH_MAX], exelink[64];
    snprintf(exelink, sizeof exelink, "/proc/%d/exe", (int)pid);
    assert_non_null(realpath(exelink, exe));
    int tasks = count_tasks(pid);

    hs_target *t = open_ok(core);
    assert_int_equal((int)t->nthreads, tasks);
    assert_int_equal(t->pid, (int)pid);
    assert_int_equal(t->threads[0].tid, (int)pid);
    hs_err err = {{0}};
    assert_int_equal(hs_read(t, hi - sizeof dumped, dumped, sizeof dumped, &err), 0);
    assert_memory_equal(dumped, live, sizeof live);
    uint64_t rsp = t->threads[0].regs[HS_RSP];
    assert_true(rsp >= lo && rsp < hi);
    assert_string_equal(t->exe_path, exe);
    assert_null(hs_core_target_warning(t));
    hs_target_close(t);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

/* ---- a kernel core of a forked copy of this test (same executable, same addresses) ---- */

static volatile uint64_t kernel_marker;
static int block_pipe[2];

static void *blocked_thread(void *arg)
{
    (void)arg;
    char c;
    for (;;)
        if (read(block_pipe[0], &c, 1) <= 0)
            pause();
    return NULL;
}

static __attribute__((noinline)) int probe_function(int x)
{
    return x * 3 + 1;
}

static void crash_child(const char *dir)
{
    struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};
    if (chdir(dir) != 0 || setrlimit(RLIMIT_CORE, &rl) != 0)
        _exit(3);
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    kernel_marker = 0x600dc0de12345678ull;
    if (pipe(block_pipe) != 0)
        _exit(3);
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, blocked_thread, NULL);
    sleep_ms(100);
    signal(SIGABRT, SIG_DFL);
    abort();
}

/* The core the kernel wrote for pid, which ran in dir, under core_pattern: the pattern with
 * %p/%P as the pid, other specifiers as wildcards, relative to dir, ".PID" appended when
 * core_uses_pid says so; 0 with its path in core, or -1. */
static int find_kernel_core(const char *pattern, const char *dir, pid_t pid, char *core, size_t cap)
{
    char pat[PATH_MAX];
    size_t n = pattern[0] == '/' ? 0 : (size_t)snprintf(pat, sizeof pat, "%s/", dir);
    int has_pid = 0;
    for (const char *p = pattern; *p && n + 16 < sizeof pat; p++) {
        if (*p != '%') {
            pat[n++] = *p;
        } else if (p[1] == 'p' || p[1] == 'P') {
            n += (size_t)snprintf(pat + n, sizeof pat - n, "%d", (int)pid);
            has_pid = 1;
            p++;
        } else if (p[1]) {
            pat[n++] = p[1] == '%' ? '%' : '*';
            p++;
        }
    }
    pat[n] = 0;
    FILE *f = fopen("/proc/sys/kernel/core_uses_pid", "r");
    int uses_pid = f && fgetc(f) == '1';
    if (f)
        fclose(f);
    if (uses_pid && !has_pid)
        snprintf(pat + n, sizeof pat - n, ".%d", (int)pid);
    glob_t g;
    int found = glob(pat, 0, NULL, &g) == 0 && g.gl_pathc > 0;
    if (found)
        snprintf(core, cap, "%s", g.gl_pathv[0]);
    globfree(&g);
    return found ? 0 : -1;
}

static void test_kernel_core(void **state)
{
    (void)state;
    char dir[PATH_MAX], core[PATH_MAX + 32];
    tmp_path(dir, "kcore");
    mkdir(dir, 0755);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        crash_child(dir);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    char pattern[512];
    hs_core_pattern(pattern, sizeof pattern);
    if (pattern[0] == '|')
        HS_SKIP_PLATFORM("core-pattern-pipe", "core_pattern is \"%s\"", pattern);
    if (!WIFSIGNALED(st) || !WCOREDUMP(st) || find_kernel_core(pattern, dir, pid, core, sizeof core) != 0)
        fail_msg("no kernel core of pid %d appeared (core_pattern \"%s\", status 0x%x)", (int)pid, pattern, st);
    hs_target *t = open_ok(core);
    assert_int_equal(t->pid, (int)pid);
    assert_int_equal(t->nthreads, 3);
    int main_seen = 0;
    for (size_t i = 0; i < t->nthreads; i++)
        main_seen |= t->threads[i].tid == (int)pid;
    assert_true(main_seen);
    char self[PATH_MAX];
    assert_non_null(realpath("/proc/self/exe", self));
    assert_string_equal(t->exe_path, self);
    uint64_t v = 0;
    hs_err err = {{0}};
    assert_int_equal(hs_read_u64(t, (uint64_t)(uintptr_t)&kernel_marker, &v, &err), 0);
    assert_true(v == 0x600dc0de12345678ull);
    /* code is not dumped; the executable supplies it, placed by the PIE bias */
    uint64_t code = (uint64_t)(uintptr_t)&probe_function;
    uint8_t from_core[64];
    hs_image *img = image_ok(self);
    if (hs_core_target_set_exe(t, img, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        fail();
    }
    assert_int_equal(hs_read(t, code, from_core, sizeof from_core, &err), 0);
    assert_memory_equal(from_core, (const void *)(uintptr_t)code, sizeof from_core);
    assert_int_equal(probe_function(1), 4);
    hs_target_close(t);
    hs_image_close(img);
    unlink(core);
}

/* ---- fixture ---- */

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/hs-core-test-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_and_notes),
        cmocka_unit_test(test_reads),
        cmocka_unit_test(test_exe_path_fallbacks),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_arm64_notes),
        cmocka_unit_test(test_corrupt_fields),
        cmocka_unit_test(test_exe_fill),
        cmocka_unit_test(test_exe_pie_bias),
        cmocka_unit_test(test_build_id_mismatch),
        cmocka_unit_test(test_truncated_with_exe),
        cmocka_unit_test(test_library_fill),
        cmocka_unit_test(test_gcore),
        cmocka_unit_test(test_kernel_core),
    };
    return cmocka_run_group_tests_name("core_target", tests, setup, teardown);
}
