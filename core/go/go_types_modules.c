/* go_types_modules.c - the type data ranges of every Go module in the process: read from
 * memory (runtime.firstmoduledata and its next chain, relocated as the process sees it, so PIE
 * and plugins are right), falling back to the executable's own moduledata plus the load bias. */
#include <stdlib.h>

#include "go_types_priv.h"

static int plausible(const go_moduledata *md)
{
    return md->types != 0 && md->types < md->etypes && md->etypes - md->types < (1ull << 31);
}

/* Reads the moduledata at the run-time address addr. */
static int read_module(go_types *ts, uint64_t addr, go_moduledata *md)
{
    size_t size = go_moduledata_size(&ts->rt->ver);
    uint8_t *raw = size ? malloc(size) : NULL;
    int ok = raw && hs_read(ts->t, addr, raw, size, NULL) == 0 &&
             go_moduledata_decode(raw, size, &ts->rt->ver, md) == 0 && plausible(md);
    free(raw);
    return ok ? 0 : -1;
}

int gt_modules_load(go_types *ts, hs_err *err)
{
    const go_moduledata *file = &ts->rt->md;
    uint64_t bias = ts->rt->bias;
    ts->nmods = 0;
    uint64_t addr = file->addr ? file->addr + bias : 0;
    for (size_t i = 0; addr && i < GT_MAX_MODULES; i++) {
        go_moduledata md;
        if (read_module(ts, addr, &md) < 0)
            break;
        ts->mods[ts->nmods++] = (gt_module){md.types, md.etypes};
        addr = md.next;
    }
    if (ts->nmods == 0) { /* memory unreadable here: the file's view, relocated */
        if (!plausible(file))
            return hs_errf(err, "no type data range in the moduledata of %s",
                           hs_image_path(ts->rt->exe));
        ts->mods[0] = (gt_module){file->types + bias, file->etypes + bias};
        ts->nmods = 1;
    }
    return 0;
}

const gt_module *gt_module_of(const go_types *ts, uint64_t addr)
{
    for (size_t i = 0; i < ts->nmods; i++)
        if (addr >= ts->mods[i].types && addr < ts->mods[i].etypes)
            return &ts->mods[i];
    return NULL;
}
