/* go_window.h - the run of file-backed bytes of an executable that starts at a link-time
 * address: what the Go image readers scan and decode in place, always with its length. */
#ifndef HS_GO_WINDOW_H
#define HS_GO_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#include "elf_image.h"

/* Bytes of the file from vaddr to the end of the file-backed part of the load segment that
 * holds it (*len set), or NULL (*len 0) when vaddr is in no segment's file bytes. */
const uint8_t *go_image_window(const hs_image *img, uint64_t vaddr, size_t *len);

/* Little-endian loads from a byte pointer (the caller has checked the bounds). */
static inline uint32_t go_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t go_le64(const uint8_t *p)
{
    return (uint64_t)go_le32(p) | (uint64_t)go_le32(p + 4) << 32;
}

#endif
