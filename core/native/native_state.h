/* native_state.h - what a native thread is doing, in the words a C programmer uses: from the
 * system call it is in (orig_rax: NT_PRSTATUS in a core, the ptrace registers live) and, for futex
 * waits and restarted calls, its libc frames. */
#ifndef HS_NATIVE_STATE_H
#define HS_NATIVE_STATE_H

#include <stdint.h>

#include "../target/target.h"
#include "../views/records.h"

/* The syscall numbers of amd64 the states below rest on. */
enum { NATIVE_SYS_FUTEX = 202 };

/* "mutex", "rwlock", "condition variable", "read", "write", "poll", "select", "epoll_wait",
 * "accept", "sleep", "futex", "syscall NAME" (or "syscall N"), or "running" when the thread is
 * in no system call (then *blocked is 0). The string is static or kept in buf. */
const char *native_state(const hs_thread *th, const hs_frame *frames, uint32_t nframes,
                         int *blocked, char *buf, size_t cap);

/* What a thread of a Go program with cgo is doing, from its frames: "cgo call" (C code called
 * from Go: a cgo-generated _Cfunc_ wrapper or runtime.asmcgocall below it), "go runtime" (one of
 * Go's own threads, an M idle or in a system call in runtime code) or "C" (no Go frames: a thread
 * C code started). */
const char *native_go_role(const hs_frame *frames, uint32_t nframes);

/* 1 when fn (an ELF symbol) is where a Go thread's own stack ends: the runtime switches stacks
 * there (runtime.mcall, runtime.systemstack, runtime.asmcgocall: the goroutine's frames beyond are
 * shown with the goroutines) or starts the thread (runtime.mstart, cgo's crosscall1, whose
 * assembly has no CFI). A walk stops there without a `?`. */
int native_go_stack_end(const char *fn);

#endif
