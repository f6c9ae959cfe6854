/* arch.h - the architectures heapscope reads (an executable's, a target's), by Go's names. */
#ifndef HS_ARCH_H
#define HS_ARCH_H

typedef enum hs_arch { HS_ARCH_AMD64, HS_ARCH_ARM64 } hs_arch;

/* "amd64", "arm64". */
static inline const char *hs_arch_name(hs_arch a) { return a == HS_ARCH_ARM64 ? "arm64" : "amd64"; }

#endif
