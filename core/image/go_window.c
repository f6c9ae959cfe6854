/* go_window.c - file-backed byte runs of an executable by link-time address (see go_window.h). */
#include "go_window.h"

const uint8_t *go_image_window(const hs_image *img, uint64_t vaddr, size_t *len)
{
    *len = 0;
    size_t n = hs_image_nsegments(img);
    for (size_t i = 0; i < n; i++) {
        const hs_segment *s = hs_image_segment(img, i);
        if (!s || vaddr < s->vaddr || vaddr - s->vaddr >= s->filesz)
            continue;
        size_t avail = (size_t)(s->filesz - (vaddr - s->vaddr));
        const uint8_t *p = hs_image_view(img, vaddr, avail);
        if (p)
            *len = avail;
        return p;
    }
    return NULL;
}
