/* module_symbols.c - each mapped module once, with its symbols (module_symbols.h). */
#include <limits.h>
#include <string.h>

#include "../image/debug_file.h"
#include "../target/target_files.h"
#include "module_symbols.h"

int glibc_each_module(hs_target *t, int (*fn)(void *ctx, const hs_mapping *m, const hs_symbol *syms,
                                              size_t n, uint64_t bias),
                      void *ctx)
{
    for (size_t i = 0; i < t->nmaps; i++) {
        int first = 1; /* each module once: its mapping at file offset 0 */
        for (size_t j = 0; j < i && first; j++)
            first = strcmp(t->maps[j].path, t->maps[i].path) != 0;
        hs_image *img;
        hs_err e;
        char file[PATH_MAX];
        if (!first || t->maps[i].file_offset != 0 ||
            hs_image_open(&img, hs_target_file(t, t->maps[i].path, file), &e) < 0)
            continue;
        if (!hs_image_has_symtab(img)) /* a stripped module's symbols from its debug file */
            hs_debug_attach(img, NULL, &e);
        size_t n;
        const hs_symbol *s = hs_image_symbols(img, &n);
        int rc = fn(ctx, &t->maps[i], s, n, hs_image_load_bias(img, t->maps[i].start));
        hs_image_close(img);
        if (rc)
            return rc;
    }
    return 0;
}
