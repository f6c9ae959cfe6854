/* overlay_target.c - a stored core with fuzz patches laid over it (see overlay_target.h). */
#include "overlay_target.h"

#include <string.h>

static int in_scratch(uint64_t addr, size_t len)
{
    return addr >= OV_SCRATCH_ADDR && addr - OV_SCRATCH_ADDR <= OV_SCRATCH_SIZE &&
           len <= OV_SCRATCH_SIZE - (addr - OV_SCRATCH_ADDR);
}

static void apply(const ov_target *ov, uint64_t addr, uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < ov->npatches; i++) {
        const ov_patch *p = &ov->patches[i];
        uint64_t lo = p->addr > addr ? p->addr : addr;
        uint64_t pend = p->addr + p->len, end = addr + len;
        if (pend < p->addr)
            pend = UINT64_MAX;
        uint64_t hi = pend < end ? pend : end;
        if (lo < hi)
            memcpy(buf + (lo - addr), p->bytes + (lo - p->addr), (size_t)(hi - lo));
    }
}

static int ov_read(hs_target *t, uint64_t addr, void *buf, size_t len, hs_err *err)
{
    ov_target *ov = (ov_target *)t;
    if (ov->max_reads && ++ov->reads > ov->max_reads)
        return hs_errf(err, "fuzz read budget spent at 0x%llx", (unsigned long long)addr);
    if (in_scratch(addr, len)) {
        memcpy(buf, ov->scratch + (addr - OV_SCRATCH_ADDR), len);
        return 0;
    }
    if (ov->under->ops->read(ov->under, addr, buf, len, err) < 0)
        return -1;
    apply(ov, addr, buf, len);
    return 0;
}

/* Views are served only where no patch lies, so readers also take their view paths. */
static const void *ov_view(hs_target *t, uint64_t addr, size_t len)
{
    ov_target *ov = (ov_target *)t;
    if (in_scratch(addr, len))
        return ov->scratch + (addr - OV_SCRATCH_ADDR);
    for (size_t i = 0; i < ov->npatches; i++) {
        const ov_patch *p = &ov->patches[i];
        if (p->addr < addr + len && addr < p->addr + p->len)
            return NULL;
    }
    return hs_view(ov->under, addr, len);
}

static void ov_close(hs_target *t) { (void)t; /* the overlay is not owned by its users */ }

static const hs_target_ops ov_ops = {ov_read, ov_view, ov_close};

void ov_init(ov_target *ov, hs_target *under)
{
    memset(ov, 0, sizeof *ov);
    ov->base = *under;
    ov->base.ops = &ov_ops;
    ov->under = under;
}

void ov_reset(ov_target *ov)
{
    ov->npatches = 0;
    ov->reads = 0;
    memset(ov->scratch, 0, sizeof ov->scratch);
}

int ov_patch_add(ov_target *ov, uint64_t addr, const uint8_t *bytes, size_t len)
{
    if (len > OV_PATCH_MAX)
        len = OV_PATCH_MAX;
    if (in_scratch(addr, len)) {
        memcpy(ov->scratch + (addr - OV_SCRATCH_ADDR), bytes, len);
        return 0;
    }
    if (ov->npatches >= OV_MAX_PATCHES)
        return -1;
    ov_patch *p = &ov->patches[ov->npatches++];
    p->addr = addr;
    p->len = (uint32_t)len;
    memcpy(p->bytes, bytes, len);
    return 0;
}
