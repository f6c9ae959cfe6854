/* go_roots_data.c - the global roots: each module's data and bss sections, read word by word
 * through the pointer masks the runtime built at start (moduledata.gcdatamask/gcbssmask, as
 * markrootBlock reads them), with one root per global variable the symbol table names, and one
 * per pointer word no symbol covers (named after the section: all of them in a stripped binary). */
#include <stdlib.h>
#include <string.h>

#include "../image/go_window.h"
#include "go_heapgraph_priv.h"

#define MAX_MODULES 64
#define MAX_SECTION (1ull << 32)

typedef struct sym_range {
    uint64_t lo, hi; /* run-time addresses */
    const char *name;
} sym_range;

typedef struct section {
    const char *name; /* "data" or "bss" */
    uint64_t lo, hi, mask, nbits;
} section;

static int by_addr(const void *a, const void *b)
{
    const sym_range *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* The executable's symbols inside [lo, hi) (run-time addresses), sorted, overlaps dropped. */
static sym_range *symbols_in(const go_rt *rt, uint64_t lo, uint64_t hi, size_t *n)
{
    size_t all, k = 0;
    const hs_symbol *s = hs_image_symbols(rt->exe, &all);
    sym_range *v = malloc((all + 1) * sizeof *v);
    if (!v) {
        *n = 0;
        return NULL;
    }
    for (size_t i = 0; i < all; i++) {
        uint64_t a = s[i].value + rt->bias;
        if (s[i].size && a >= lo && a < hi)
            v[k++] = (sym_range){a, a + s[i].size < hi ? a + s[i].size : hi, s[i].name};
    }
    if (k > 1)
        qsort(v, k, sizeof *v, by_addr);
    size_t m = 0;
    for (size_t i = 0; i < k; i++)
        if (m == 0 || v[i].lo >= v[m - 1].hi)
            v[m++] = v[i];
    *n = m;
    return v;
}

static int flush(hg_build *b, const char *name, uint64_t addr, hs_err *err)
{
    return hg_flush(b, HS_ROOT_GLOBAL, name, 0, addr, 0, 0, err) == UINT32_MAX ? -1 : 0;
}

/* Scans one section: words whose mask bit is set, grouped into roots by symbol. */
static int scan_section(hg_build *b, const section *sec, const sym_range *syms, size_t nsyms,
                        hs_err *err)
{
    uint64_t len = sec->hi - sec->lo, nwords = len / 8;
    if (sec->nbits < nwords)
        nwords = sec->nbits;
    uint8_t *mem = malloc((size_t)len + 1), *mask = malloc((size_t)(nwords + 7) / 8 + 1);
    int r = 0;
    if (!mem || !mask)
        r = hs_errf(err, "out of memory reading the %s section", sec->name);
    else if (hs_read(b->rt->t, sec->lo, mem, (size_t)len, NULL) < 0 ||
             hs_read(b->rt->t, sec->mask, mask, (size_t)(nwords + 7) / 8, NULL) < 0)
        hg_warn(b, "the %s section [0x%llx, 0x%llx) or its pointer mask is unreadable: its "
                "global variables are not roots", sec->name, (unsigned long long)sec->lo,
                (unsigned long long)sec->hi);
    else {
        size_t si = 0;
        long cur = -2;     /* symbol whose words are pending, -1 for words outside symbols */
        uint64_t base = 0; /* where the pending root starts */
        for (uint64_t w = 0; w < nwords && r == 0; w++) {
            uint64_t a = sec->lo + 8 * w;
            while (si < nsyms && syms[si].hi <= a)
                si++;
            long in = si < nsyms && syms[si].lo <= a ? (long)si : -1;
            if (in != cur || in < 0) { /* a word no symbol covers is a root of its own */
                if (cur != -2)
                    r = flush(b, cur >= 0 ? syms[cur].name : sec->name, base, err);
                cur = in;
                base = in >= 0 ? syms[in].lo : a;
            }
            if (r == 0 && (mask[w / 8] >> (w % 8) & 1) &&
                hg_pend_word(b, go_le64(mem + 8 * w), a - base, err) < 0)
                r = -1;
        }
        if (r == 0 && cur != -2)
            r = flush(b, cur >= 0 ? syms[cur].name : sec->name, base, err);
    }
    free(mem);
    free(mask);
    return r;
}

static int module_roots(hg_build *b, const go_moduledata *md, int first, hs_err *err)
{
    section secs[2] = {{"data", md->data, md->edata, md->gcdata_ptr, md->gcdata_n},
                       {"bss", md->bss, md->ebss, md->gcbss_ptr, md->gcbss_n}};
    for (int i = 0; i < 2; i++) {
        const section *s = &secs[i];
        if (s->hi <= s->lo)
            continue;
        if (s->hi - s->lo > MAX_SECTION || !s->mask) {
            hg_warn(b, "module %s section [0x%llx, 0x%llx): %s; its global variables are not "
                    "roots", s->name, (unsigned long long)s->lo, (unsigned long long)s->hi,
                    s->mask ? "implausibly large" : "the runtime has built no pointer mask");
            continue;
        }
        size_t nsyms = 0;
        sym_range *syms = first ? symbols_in(b->rt, s->lo, s->hi, &nsyms) : NULL;
        uint64_t before = hs_graph_nroots(b->g);
        int r = scan_section(b, s, syms, nsyms, err);
        free(syms);
        if (r < 0)
            return -1;
        for (uint32_t k = (uint32_t)before; k < hs_graph_nroots(b->g); k++) {
            uint32_t n;
            hs_graph_root_edges(b->g, k, &n);
            b->out->st.roots_data += n;
        }
    }
    return 0;
}

int hg_roots_data(hg_build *b, hs_err *err)
{
    go_rt *rt = b->rt;
    size_t size = go_moduledata_size(&rt->ver);
    uint8_t *raw = size ? malloc(size) : NULL;
    uint64_t at = rt->md.addr + rt->bias;
    int r = 0;
    if (!raw)
        return hs_errf(err, "no moduledata layout for go1.%d", rt->ver.minor);
    for (int i = 0; at && i < MAX_MODULES && r == 0; i++) {
        go_moduledata md;
        if (hs_read(rt->t, at, raw, size, NULL) < 0 || go_moduledata_decode(raw, size, &rt->ver, &md) < 0) {
            hg_warn(b, "moduledata at 0x%llx unreadable: the global variables of %s are not roots",
                    (unsigned long long)at, i ? "a plugin" : "the program");
            break;
        }
        r = module_roots(b, &md, i == 0, err);
        at = md.next;
    }
    free(raw);
    return r;
}
