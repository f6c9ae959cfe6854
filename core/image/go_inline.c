/* go_inline.c - logical source frames at a PC, expanding inlined calls (see go_pclntab.h).
 * PCDATA_InlTreeIndex at a pc gives the index of the innermost inlined call in the function's
 * FUNCDATA_InlTree (-1: none). Each tree entry names the called function and gives parentPc,
 * the offset from entry of an instruction whose position is the call site; resolving the
 * index again there gives the caller, until -1 leaves the physical function. The file and
 * line of every frame come from pcfile/pcln at the pc the frame was resolved at. Entry layout:
 * Go 1.20+ {funcID u8, _[3], nameOff i32, parentPc i32, startLine i32}; Go 1.18-1.19
 * {parent i16, funcID u8, _, file i32, line i32, func_ i32, parentPc i32}. */
#include "go_pcln_internal.h"

#include <string.h>

/* Entry ix of the inline tree (avail bytes at tree), or NULL when outside it. */
static const uint8_t *inl_entry(const go_pcln *p, const uint8_t *tree, size_t avail, int32_t ix)
{
    if (!tree || ix < 0 || ((uint64_t)ix + 1) * p->inl_size > avail)
        return NULL;
    return tree + (size_t)ix * p->inl_size;
}

static void physical(const go_pcln *p, const go_func *f, go_srcframe *fr)
{
    fr->func = go_pcln_name(p, f);
    fr->inlined = 0;
    fr->funcid = f->funcid;
}

int go_pcln_frames(const go_pcln *p, uint64_t pc, go_srcframe *out, int max)
{
    return go_pcln_frames_cached(p, pc, out, max, NULL);
}

int go_pcln_frames_cached(const go_pcln *p, uint64_t pc, go_srcframe *out, int max,
                          go_pcache *cache)
{
    go_func f;
    if (go_pcln_find(p, pc, &f) < 0)
        return -1;
    size_t avail;
    const uint8_t *tree = go_pcln_funcdata_bytes(p, &f, GO_FUNCDATA_INLTREE, &avail);
    int32_t ix = -1;
    if (tree)
        go_pcln_pcdata_cached(p, &f, GO_PCDATA_INLTREEINDEX, pc, &ix, cache);
    int n = 0;
    while (n < max) { /* bounded by max even if corrupt parentPcs form a cycle */
        go_srcframe *fr = &out[n++];
        go_pcln_fileline(p, &f, pc, &fr->file, &fr->line, cache);
        fr->entry = f.entry;
        const uint8_t *e = inl_entry(p, tree, avail, ix);
        if (!e) {
            physical(p, &f, fr);
            break;
        }
        fr->func = go_pcln_name_at(p, (int32_t)go_le32(e + p->inl_nameoff));
        fr->inlined = 1;
        fr->funcid = e[p->inl_funcid];
        int32_t parent = (int32_t)go_le32(e + p->inl_parentpc);
        ix = -1;
        if (parent >= 0 && (uint64_t)parent < f.end - f.entry) {
            pc = f.entry + (uint64_t)parent;
            go_pcln_pcdata_cached(p, &f, GO_PCDATA_INLTREEINDEX, pc, &ix, cache);
        }
    }
    return n;
}

void go_func_name_for_print(const char *raw, char *out, size_t cap)
{
    if (!cap)
        return;
    const char *open = strchr(raw, '['), *close = strrchr(raw, ']');
    if (!open || !close || close <= open) {
        size_t n = strnlen(raw, cap - 1);
        memcpy(out, raw, n);
        out[n] = 0;
        return;
    }
    /* name[:i] + "[...]" + name[j+1:], truncated to cap */
    size_t a = (size_t)(open - raw), used = 0;
    const char *parts[3] = {raw, "[...]", close + 1};
    size_t lens[3] = {a, 5, strlen(close + 1)};
    for (int k = 0; k < 3; k++) {
        size_t n = lens[k] < cap - 1 - used ? lens[k] : cap - 1 - used;
        memcpy(out + used, parts[k], n);
        used += n;
    }
    out[used] = 0;
}
