/* go_heap_globals.c - the size-class table (see go_heap_globals.h). */
#include "go_heap_globals.h"

#include <string.h>

/* runtime/sizeclasses.go (internal/runtime/gc from 1.25): identical in 1.19 .. 1.27. */
static const uint16_t builtin_sizes[GO_NUM_SIZE_CLASSES] = {
    0, 8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288, 320,
    352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536, 1792,
    2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472,
    9728, 10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576, 27264,
    28672, 32768};

/* A size table must start at 0, rise strictly, and keep every size a multiple of 8. */
static int sane_sizes(const uint16_t *v)
{
    if (v[0] != 0)
        return 0;
    for (int i = 1; i < GO_NUM_SIZE_CLASSES; i++)
        if (v[i] <= v[i - 1] || v[i] % 8 != 0)
            return 0;
    return 1;
}

int go_size_classes(go_rt *rt, uint32_t sizes[GO_NUM_SIZE_CLASSES])
{
    static const char *const names[] = {"runtime.class_to_size", "internal/runtime/gc.SizeClassToSize"};
    uint16_t v[GO_NUM_SIZE_CLASSES];
    int from_target = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !from_target; i++) {
        uint64_t a = go_rt_global(rt, names[i], NULL);
        from_target = a && hs_read(rt->t, a, v, sizeof v, NULL) == 0 && sane_sizes(v);
    }
    if (!from_target)
        memcpy(v, builtin_sizes, sizeof v);
    for (int i = 0; i < GO_NUM_SIZE_CLASSES; i++)
        sizes[i] = v[i];
    return from_target;
}

int64_t go_layout_const_or(const go_rt *rt, const char *name, int64_t fallback)
{
    int64_t v;
    return go_layout_const(&rt->src, name, &v) == 0 ? v : fallback;
}
