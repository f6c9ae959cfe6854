/* sysroot.h - the directory a core from another machine has its files under (HEAPSCOPE_SYSROOT:
 * the CLI's --sysroot, gdb's `set sysroot`), read by whoever opens those files: the target's
 * libraries (target/target_files.c) and debug files (image/debug_file.c). */
#ifndef HS_SYSROOT_H
#define HS_SYSROOT_H

/* HEAPSCOPE_SYSROOT, or NULL when it is unset, empty or "/". */
const char *hs_sysroot(void);

#endif
