/* go_types_layout.c - where each release keeps the members of its type descriptors: the
 * runtime's own structs (runtime._type, structtype, ... in 1.19-1.20; internal/abi.Type,
 * StructType, ... from 1.21; runtime.itab until 1.22, abi.ITab from 1.23; three map descriptor
 * layouts), resolved through go_layout (DWARF first, else the per-release tables). */
#include <stddef.h>

#include "go_types_priv.h"

typedef struct gt_want {
    int lo, hi;      /* releases 1.lo .. 1.hi */
    int swiss;       /* -1 any, else only when maps are (1) or are not (0) swiss tables */
    size_t slot;     /* offsetof(gt_layout, ...) */
    const char *type, *path;
} gt_want;

#define OLD 19, 20, -1
#define NEW 21, 99, -1
#define W(r, slot, type, path) {r, offsetof(gt_layout, slot), type, path}
#define R(lo, hi, sw, slot, type, path) {lo, hi, sw, offsetof(gt_layout, slot), type, path}

static const gt_want wants[] = {
    W(OLD, size, "runtime._type", "size"), W(OLD, ptrdata, "runtime._type", "ptrdata"),
    W(OLD, tflag, "runtime._type", "tflag"), W(OLD, kind, "runtime._type", "kind"),
    W(OLD, gcdata, "runtime._type", "gcdata"), W(OLD, str, "runtime._type", "str"),
    W(OLD, ptr_elem, "runtime.ptrtype", "elem"), W(OLD, slice_elem, "runtime.slicetype", "elem"),
    W(OLD, array_elem, "runtime.arraytype", "elem"), W(OLD, array_len, "runtime.arraytype", "len"),
    W(OLD, chan_elem, "runtime.chantype", "elem"),
    W(OLD, map_key, "runtime.maptype", "key"), W(OLD, map_elem, "runtime.maptype", "elem"),
    W(OLD, map_group, "runtime.maptype", "bucket"),
    W(OLD, struct_fields, "runtime.structtype", "fields"),
    W(OLD, field_name, "runtime.structfield", "name"), W(OLD, field_typ, "runtime.structfield", "typ"),
    W(OLD, field_off, "runtime.structfield", "offset"),
    W(OLD, iface_methods, "runtime.interfacetype", "mhdr"),
    W(NEW, size, "internal/abi.Type", "Size_"), W(NEW, ptrdata, "internal/abi.Type", "PtrBytes"),
    W(NEW, tflag, "internal/abi.Type", "TFlag"), W(NEW, kind, "internal/abi.Type", "Kind_"),
    W(NEW, gcdata, "internal/abi.Type", "GCData"), W(NEW, str, "internal/abi.Type", "Str"),
    W(NEW, ptr_elem, "internal/abi.PtrType", "Elem"),
    W(NEW, slice_elem, "internal/abi.SliceType", "Elem"),
    W(NEW, array_elem, "internal/abi.ArrayType", "Elem"),
    W(NEW, array_len, "internal/abi.ArrayType", "Len"),
    W(NEW, chan_elem, "internal/abi.ChanType", "Elem"),
    W(NEW, struct_fields, "internal/abi.StructType", "Fields"),
    W(NEW, field_name, "internal/abi.StructField", "Name"),
    W(NEW, field_typ, "internal/abi.StructField", "Typ"),
    W(NEW, field_off, "internal/abi.StructField", "Offset"),
    W(NEW, iface_methods, "internal/abi.InterfaceType", "Methods"),
    /* maps: hmap descriptors through 1.23, swiss ones from 1.24 (1.24-1.25 unless noswissmap) */
    R(21, 23, -1, map_key, "internal/abi.MapType", "Key"),
    R(21, 23, -1, map_elem, "internal/abi.MapType", "Elem"),
    R(21, 23, -1, map_group, "internal/abi.MapType", "Bucket"),
    R(24, 25, 0, map_key, "internal/abi.OldMapType", "Key"),
    R(24, 25, 0, map_elem, "internal/abi.OldMapType", "Elem"),
    R(24, 25, 0, map_group, "internal/abi.OldMapType", "Bucket"),
    R(24, 25, 1, map_key, "internal/abi.SwissMapType", "Key"),
    R(24, 25, 1, map_elem, "internal/abi.SwissMapType", "Elem"),
    R(24, 25, 1, map_group, "internal/abi.SwissMapType", "Group"),
    R(26, 99, -1, map_key, "internal/abi.MapType", "Key"),
    R(26, 99, -1, map_elem, "internal/abi.MapType", "Elem"),
    R(26, 99, -1, map_group, "internal/abi.MapType", "Group"),
    R(19, 22, -1, itab_inter, "runtime.itab", "inter"),
    R(19, 22, -1, itab_type, "runtime.itab", "_type"),
    R(23, 99, -1, itab_inter, "internal/abi.ITab", "Inter"),
    R(23, 99, -1, itab_type, "internal/abi.ITab", "Type"),
};

static int swiss_maps(const go_version *v)
{
    if (v->minor >= 26)
        return 1;
    return v->minor >= 24 && !go_version_has_experiment(v, "noswissmap");
}

int gt_layout_resolve(go_types *ts, hs_err *err)
{
    gt_layout *L = &ts->L;
    const go_layout_src *src = &ts->rt->src;
    L->minor = ts->rt->ver.minor;
    L->swiss = swiss_maps(&ts->rt->ver);
    for (size_t i = 0; i < sizeof wants / sizeof wants[0]; i++) {
        const gt_want *w = &wants[i];
        if (L->minor < w->lo || L->minor > w->hi || (w->swiss >= 0 && w->swiss != L->swiss))
            continue;
        int64_t *off = (int64_t *)((char *)L + w->slot);
        if (go_layout_off(src, w->type, w->path, off) < 0)
            return hs_errf(err, "the layout of Go type descriptors is unknown for go1.%d without "
                           "DWARF (%s.%s); rebuild the program without -ldflags=-w",
                           L->minor, w->type, w->path);
        if (*off < 0 || *off > 120) /* every member sits in the first words of its struct */
            return hs_errf(err, "implausible offset %lld of %s.%s in %s", (long long)*off,
                           w->type, w->path, hs_image_path(ts->rt->exe));
    }
    const char *field = L->minor <= 20 ? "runtime.structfield" : "internal/abi.StructField";
    if (go_layout_size(src, field, &L->field_size) < 0 || L->field_size <= 0 ||
        L->field_size > 256 || L->field_name + 8 > L->field_size ||
        L->field_typ + 8 > L->field_size || L->field_off + 8 > L->field_size)
        return hs_errf(err, "the size of %s is unknown or implausible for go1.%d", field, L->minor);
    return 0;
}
