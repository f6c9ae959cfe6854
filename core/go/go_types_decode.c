/* go_types_decode.c - one type descriptor decoded and checked: the common header
 * (abi.Type / runtime._type), the kind-specific part a heap walker follows, and the pointer
 * mask. Every value read is checked against what the runtime could have written, so an address
 * that holds no descriptor is rejected instead of producing nonsense. */
#include <stdlib.h>
#include <string.h>

#include "go_types_priv.h"

#define TFLAG_GCMASK_ON_DEMAND 0x10 /* 1.24+ */
#define TFLAG_DIRECT_IFACE 0x20     /* 1.26+ */
#define KIND_DIRECT_IFACE 0x20      /* in Kind_ before 1.26 */
#define KIND_GC_PROG 0x40           /* in Kind_ before 1.24 */
#define NAME_EMBEDDED 0x08

/* Size of values of the kinds whose size the kind fixes (0: not fixed), and their pointer bytes
 * (a pointer or slice whose element is not in the Go heap, like *runtime.mcache, has none). */
static const uint8_t kind_size[27] = {0, 1, 8, 1, 2, 4, 8, 8, 1, 2, 4, 8, 8, 4, 8, 8, 16,
                                      0, 8, 8, 16, 8, 8, 24, 16, 0, 8};
static const uint8_t kind_ptrs[27] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                      0, 8, 8, 16, 8, 8, 8, 8, 0, 8};

static int valid_ptr(uint64_t p) { return p != 0 && (p & 7) == 0 && p < (1ull << 57); }

static int read_word(go_types *ts, uint64_t addr, uint64_t *v)
{
    return hs_read_u64(ts->t, addr, v, NULL);
}

/* The flag bits each release defines: anything else means this is not a descriptor. */
static int flags_known(const gt_layout *L, uint8_t tflag, uint8_t kind_raw)
{
    uint8_t tflags = L->minor >= 26 ? 0x3f : L->minor >= 22 ? 0x1f : 0x0f;
    uint8_t kinds = L->minor >= 26 ? 0x1f : L->minor >= 24 ? 0x3f : 0x7f;
    return (tflag & ~tflags) == 0 && (kind_raw & ~kinds) == 0;
}

/* The common header; returns the raw Kind_ byte, or -1. */
static int decode_header(go_types *ts, uint64_t addr, go_type *t, int32_t *str)
{
    const gt_layout *L = &ts->L;
    uint8_t h[128];
    int64_t need = L->size + 8;
    const int64_t ends[] = {L->ptrdata + 8, L->gcdata + 8, L->str + 4, L->kind + 1, L->tflag + 1};
    for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++)
        need = ends[i] > need ? ends[i] : need;
    if (need > (int64_t)sizeof h || hs_read(ts->t, addr, h, (size_t)need, NULL) < 0)
        return -1;
    uint8_t kind_raw = h[L->kind];
    t->addr = addr;
    t->size = go_le64(h + L->size);
    t->ptrdata = go_le64(h + L->ptrdata);
    t->tflag = h[L->tflag];
    t->kind = kind_raw & 0x1f;
    *str = (int32_t)go_le32(h + L->str);
    if (!flags_known(L, t->tflag, kind_raw) || t->kind == 0 || t->kind > GO_KIND_UNSAFEPTR ||
        t->size >= GT_MAX_TYPE_SIZE || t->ptrdata > t->size || (t->ptrdata & 7))
        return -1;
    int notinheap_ok = t->kind == GO_KIND_PTR || t->kind == GO_KIND_SLICE;
    if (kind_size[t->kind] && (t->size != kind_size[t->kind] ||
                               (t->ptrdata != kind_ptrs[t->kind] && !(notinheap_ok && !t->ptrdata))))
        return -1;
    t->direct_iface = L->minor >= 26 ? (t->tflag & TFLAG_DIRECT_IFACE) != 0
                                     : (kind_raw & KIND_DIRECT_IFACE) != 0;
    return kind_raw;
}

/* Array: element and length, which must account for the array's size. */
static int decode_array(go_types *ts, go_type *t)
{
    uint64_t esize;
    if (read_word(ts, t->addr + (uint64_t)ts->L.array_elem, &t->elem) < 0 ||
        read_word(ts, t->addr + (uint64_t)ts->L.array_len, &t->len) < 0 || !valid_ptr(t->elem) ||
        read_word(ts, t->elem + (uint64_t)ts->L.size, &esize) < 0)
        return -1;
    if (esize == 0)
        return t->size == 0 ? 0 : -1;
    return t->len <= t->size / esize && t->len * esize == t->size ? 0 : -1;
}

static int decode_map(go_types *ts, go_type *t)
{
    const gt_layout *L = &ts->L;
    t->swiss = (uint8_t)L->swiss;
    if (read_word(ts, t->addr + (uint64_t)L->map_key, &t->key) < 0 ||
        read_word(ts, t->addr + (uint64_t)L->map_elem, &t->elem) < 0 ||
        read_word(ts, t->addr + (uint64_t)L->map_group, &t->map_group) < 0)
        return -1;
    return valid_ptr(t->key) && valid_ptr(t->elem) && valid_ptr(t->map_group) ? 0 : -1;
}

/* Struct: the field array (names are abi.Names referenced by address). */
static int decode_struct(go_types *ts, go_type *t)
{
    const gt_layout *L = &ts->L;
    uint64_t arr, n;
    if (read_word(ts, t->addr + (uint64_t)L->struct_fields, &arr) < 0 ||
        read_word(ts, t->addr + (uint64_t)L->struct_fields + 8, &n) < 0 || n > GT_MAX_FIELDS ||
        (n && !valid_ptr(arr)))
        return -1;
    if (n == 0)
        return 0;
    size_t fsz = (size_t)L->field_size;
    uint8_t *raw = malloc((size_t)n * fsz);
    int ok = raw && hs_read(ts->t, arr, raw, (size_t)n * fsz, NULL) == 0;
    go_field *f = ok ? gt_alloc(ts, (size_t)n * sizeof *f) : NULL;
    const gt_module *m = gt_module_of(ts, t->addr);
    uint64_t prev = 0;
    for (size_t i = 0; f && i < n; i++) {
        const uint8_t *r = raw + i * fsz;
        uint8_t flags = 0;
        f[i].offset = go_le64(r + L->field_off);
        f[i].type = go_le64(r + L->field_typ);
        f[i].name = gt_name_at(ts, go_le64(r + L->field_name), m ? m->etypes : 0, &flags);
        f[i].embedded = (flags & NAME_EMBEDDED) != 0;
        if (!f[i].name || !valid_ptr(f[i].type) || f[i].offset > t->size || f[i].offset < prev)
            f = NULL;
        else
            prev = f[i].offset;
    }
    free(raw);
    if (!f)
        return -1;
    t->fields = f;
    t->nfields = (uint32_t)n;
    return 0;
}

static int decode_kind(go_types *ts, go_type *t)
{
    const gt_layout *L = &ts->L;
    uint64_t n;
    switch (t->kind) {
    case GO_KIND_PTR:
        return read_word(ts, t->addr + (uint64_t)L->ptr_elem, &t->elem) < 0 || !valid_ptr(t->elem) ? -1 : 0;
    case GO_KIND_SLICE:
        return read_word(ts, t->addr + (uint64_t)L->slice_elem, &t->elem) < 0 || !valid_ptr(t->elem) ? -1 : 0;
    case GO_KIND_CHAN:
        return read_word(ts, t->addr + (uint64_t)L->chan_elem, &t->elem) < 0 || !valid_ptr(t->elem) ? -1 : 0;
    case GO_KIND_ARRAY:
        return decode_array(ts, t);
    case GO_KIND_MAP:
        return decode_map(ts, t);
    case GO_KIND_STRUCT:
        return decode_struct(ts, t);
    case GO_KIND_INTERFACE:
        if (read_word(ts, t->addr + (uint64_t)L->iface_methods + 8, &n) < 0 || n > GT_MAX_FIELDS)
            return -1;
        t->empty_iface = n == 0;
        return 0;
    default:
        return 0;
    }
}

/* The pointer mask, when the type has a plain one (see go_type.ptrmask). */
static int decode_mask(go_types *ts, go_type *t, int kind_raw)
{
    const gt_layout *L = &ts->L;
    size_t bytes = (size_t)((t->ptrdata / 8 + 7) / 8);
    uint64_t gcdata;
    if (t->ptrdata == 0 || (L->minor <= 23 && (kind_raw & KIND_GC_PROG)))
        return 0;
    if (read_word(ts, t->addr + (uint64_t)L->gcdata, &gcdata) < 0 || gcdata == 0)
        return -1;
    if (L->minor >= 24 && (t->tflag & TFLAG_GCMASK_ON_DEMAND) &&
        (read_word(ts, gcdata, &gcdata) < 0 || gcdata == 0))
        return 0; /* not built yet (or unreadable): none */
    if (bytes > GT_MAX_MASK_BYTES)
        return 0;
    uint8_t *mask = gt_alloc(ts, bytes);
    if (!mask || hs_read(ts->t, gcdata, mask, bytes, NULL) < 0)
        return -1;
    t->ptrmask = mask;
    return 0;
}

int gt_decode(go_types *ts, uint64_t addr, go_type *t)
{
    memset(t, 0, sizeof *t);
    int32_t str;
    if (!valid_ptr(addr))
        return -1;
    int kind_raw = decode_header(ts, addr, t, &str);
    if (kind_raw < 0)
        return -1;
    t->runtime_made = gt_module_of(ts, addr) == NULL;
    t->name = gt_type_name(ts, addr, str, t->tflag);
    if (!t->name || decode_kind(ts, t) < 0 || decode_mask(ts, t, kind_raw) < 0)
        return -1;
    return 0;
}
