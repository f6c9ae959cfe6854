/* rt_world.c - a stored Go core with anchors and fuzz patches (see rt_world.h).
 *
 * A patch record: op u8, kind u8, index u8, offset u16, then
 *   op bit 7 clear: len = op & 31, len bytes written at anchor + offset;
 *   op bit 7 set:   kind2 u8, index2 u8, offset2 u16: the 8-byte address anchor2 + offset2 is
 *                   written at anchor + offset (pointers to other structures: cycles, aliases).
 *   op bits 5-6 = 3: the offset counts back from the anchor (below SPs and array starts). */
#include "rt_world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "target/core_target.h"

size_t w_kind(rt_world *w, const char *what)
{
    if (w->nkinds >= W_MAX_KINDS)
        return W_MAX_KINDS - 1;
    w->kinds[w->nkinds].what = what;
    return w->nkinds++;
}

void w_anchor(rt_world *w, const char *what, uint64_t addr)
{
    w_anchors *k = w->nkinds && w->kinds[w->nkinds - 1].what == what ? &w->kinds[w->nkinds - 1]
                                                                       : &w->kinds[w_kind(w, what)];
    if (k->n < W_MAX_ANCHORS)
        k->addr[k->n++] = addr;
}

uint64_t w_read(rt_world *w, uint64_t addr)
{
    uint64_t v = 0;
    hs_read_u64(w->core, addr, &v, NULL);
    return v;
}

uint64_t w_sym(rt_world *w, const char *name)
{
    hs_symbol s;
    return hs_image_symbol(w->exe, name, &s) == 0 ? s.value + w->rt->bias : 0;
}

#define rd w_read

static void goroutine_anchors(rt_world *w)
{
    go_rt *rt = w->rt;
    w_anchor(w, "allgs header", rt->sym.allgs);
    w_anchor(w, "allm variable", rt->sym.allm);
    uint64_t arr = rd(w, rt->sym.allgs), n = rd(w, rt->sym.allgs + 8);
    w_anchor(w, "allgs array", arr);
    for (uint64_t i = 0; i < n && i < W_MAX_ANCHORS; i++)
        w_anchor(w, "g", rd(w, arr + 8 * i));
    uint64_t m = rd(w, rt->sym.allm);
    for (int i = 0; m && i < 64; i++, m = rd(w, m + (uint64_t)rt->off.m_alllink))
        w_anchor(w, "m", m);
    for (uint64_t i = 0; i < n && i < W_MAX_ANCHORS; i++)
        w_anchor(w, "g stack", rd(w, rd(w, arr + 8 * i) + (uint64_t)rt->off.g_sched_sp));
    w_anchor(w, "sched", rt->sym.sched);
    w_anchor(w, "scratch", OV_SCRATCH_ADDR);
    for (size_t i = 0; i < w->core->nthreads; i++)
        w_anchor(w, "thread stack", w->core->threads[i].regs[HS_RSP]);
    w_anchor(w, "wait reasons", rt->sym.wait_reason_strings);
}

rt_world *w_open(const char *name)
{
    char core[4096], exe[4096];
    snprintf(core, sizeof core, "%s/%s/core", fz_test_data(), name);
    snprintf(exe, sizeof exe, "%s/%s/exe", fz_test_data(), name);
    rt_world *w = calloc(1, sizeof *w);
    hs_err err;
    if (!w)
        return NULL;
    w->name = name;
    if (hs_core_target_open(&w->core, core, &err) < 0 || hs_image_open(&w->exe, exe, &err) < 0 ||
        hs_core_target_set_exe(w->core, w->exe, &err) < 0) {
        fprintf(stderr, "fuzz: %s: %s\n", name, err.msg);
        return NULL; /* leaked on purpose: once per process */
    }
    ov_init(&w->ov, w->core);
    if (go_rt_open(&w->rt, &w->ov.base, w->exe, &err) < 0) {
        fprintf(stderr, "fuzz: %s: %s\n", name, err.msg);
        return NULL;
    }
    goroutine_anchors(w);
    return w;
}

static uint64_t anchor(const rt_world *w, uint8_t kind, uint8_t idx)
{
    const w_anchors *k = &w->kinds[kind % w->nkinds];
    return k->n ? k->addr[idx % k->n] : 0;
}

void w_apply(rt_world *w, fz_cursor *c)
{
    ov_reset(&w->ov);
    while (c->n >= 5) {
        uint8_t op = fz_u8(c), kind = fz_u8(c), idx = fz_u8(c);
        uint64_t off = fz_u16(c);
        uint64_t at = ((op >> 5) & 3) == 3 ? anchor(w, kind, idx) - off : anchor(w, kind, idx) + off;
        uint8_t bytes[OV_PATCH_MAX];
        size_t len;
        if (op & 0x80) {
            uint8_t kind2 = fz_u8(c), idx2 = fz_u8(c);
            uint64_t v = anchor(w, kind2, idx2) + fz_u16(c);
            memcpy(bytes, &v, 8);
            len = 8;
        } else {
            len = fz_bytes(c, bytes, op & 31);
        }
        if (ov_patch_add(&w->ov, at, bytes, len) < 0)
            return;
    }
}
