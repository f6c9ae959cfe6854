/* core_exe.c - completing a core with its executable: where the executable was loaded (the
 * PIE load bias from AT_ENTRY), whether it is the executable that wrote the core (entry point,
 * build id), and its file bytes for the addresses the dumper left out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_priv.h"
#include "core_target.h"

static int mismatch(const hs_core_target *c, const hs_image *exe, const char *what,
                    const char *in_core, const char *in_file, hs_err *err)
{
    return hs_errf(err, "core %s was not written by executable %s (%s %s in the core, %s in "
                   "the file); pass the matching binary with --exe", c->path, hs_image_path(exe),
                   what, in_core, in_file);
}

static int entry_mismatch(const hs_core_target *c, const hs_image *exe, hs_err *err)
{
    char a[32], b[32];
    snprintf(a, sizeof a, "0x%llx", (unsigned long long)c->base.auxv_entry);
    snprintf(b, sizeof b, "0x%llx", (unsigned long long)hs_image_entry(exe));
    return mismatch(c, exe, "entry point", a, b, err);
}

/* Lowest load address of the executable's segments (link-time). */
static uint64_t lowest_vaddr(const hs_image *exe)
{
    uint64_t lo = UINT64_MAX;
    for (size_t i = 0; i < hs_image_nsegments(exe); i++)
        if (hs_image_segment(exe, i)->vaddr < lo)
            lo = hs_image_segment(exe, i)->vaddr;
    return lo == UINT64_MAX ? 0 : lo;
}

/* Without an auxv: the recorded executable's mapping of file offset 0 gives the bias. */
static int bias_from_files(const hs_core_target *c, const hs_image *exe, uint64_t *bias)
{
    const hs_target *t = &c->base;
    for (size_t i = 0; t->exe_path && i < t->nmaps; i++)
        if (t->maps[i].file_offset == 0 && strcmp(t->maps[i].path, t->exe_path) == 0) {
            *bias = t->maps[i].start - (lowest_vaddr(exe) & ~(uint64_t)0xfff);
            return 0;
        }
    return -1;
}

static int load_bias(const hs_core_target *c, const hs_image *exe, uint64_t *bias, hs_err *err)
{
    uint64_t entry = hs_image_entry(exe), at_entry = c->base.auxv_entry;
    if (!hs_image_is_pie(exe)) {
        *bias = 0;
        return at_entry && at_entry != entry ? entry_mismatch(c, exe, err) : 0;
    }
    if (at_entry) {
        *bias = at_entry - entry;
        return (*bias & 0xfff) != 0 ? entry_mismatch(c, exe, err) : 0;
    }
    if (bias_from_files(c, exe, bias) == 0)
        return 0;
    return hs_errf(err, "cannot tell where PIE executable %s was loaded: core %s has no "
                   "auxiliary vector (NT_AUXV) and no mapping of the file", hs_image_path(exe),
                   c->path);
}

static void hex(char *out, size_t cap, const uint8_t *p, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 3 <= cap; i++)
        k += (size_t)snprintf(out + k, cap - k, "%02x", p[i]);
    out[k] = 0;
}

/* Kernel cores keep the first page of every ELF mapping, which holds the build-id note: when
 * the core has those bytes they must equal the file's build id. */
static int check_build_id(const hs_core_target *c, const hs_image *exe, uint64_t bias,
                          hs_err *err)
{
    size_t len;
    uint64_t vaddr;
    const uint8_t *id = hs_image_build_id(exe, &len, &vaddr);
    if (len == 0)
        return 0;
    const uint8_t *in_core = hs_core_bytes(c, vaddr + bias, len);
    if (!in_core || memcmp(in_core, id, len) == 0)
        return 0;
    char a[160], b[160];
    hex(a, sizeof a, in_core, len);
    hex(b, sizeof b, id, len);
    return mismatch(c, exe, "build id", a, b, err);
}

int hs_core_target_set_exe(hs_target *t, hs_image *exe, hs_err *err)
{
    if (!hs_is_core_target(t))
        return hs_errf(err, "an executable can only be added to a core target, not to %s",
                       t->description ? t->description : t->kind);
    hs_core_target *c = (hs_core_target *)t;
    uint64_t bias = 0;
    if (hs_image_arch(exe) != t->arch)
        return hs_errf(err, "%s is a linux/%s program but core %s is linux/%s: give the "
                       "executable that ran there with --exe", hs_image_path(exe),
                       hs_arch_name(hs_image_arch(exe)), c->path, hs_arch_name(t->arch));
    if (load_bias(c, exe, &bias, err) < 0 || check_build_id(c, exe, bias, err) < 0)
        return -1;
    size_t n = hs_image_nsegments(exe), k = 0, fsize;
    const uint8_t *bytes = hs_image_bytes(exe, &fsize);
    hs_core_region *pieces = calloc(n + 1, sizeof *pieces);
    if (!pieces)
        return hs_errf(err, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const hs_segment *s = hs_image_segment(exe, i);
        uint64_t start = s->vaddr + bias;
        if (s->filesz == 0 || start + s->filesz < start)
            continue;
        pieces[k++] = (hs_core_region){start, start + s->filesz, bytes + s->offset, 0};
    }
    int rc = hs_core_add_fill(c, pieces, k, err);
    free(pieces);
    if (rc < 0)
        return -1;
    c->exe = exe;
    c->exe_bias = bias;
    return hs_core_maps_from_linkmap(c, err);
}
