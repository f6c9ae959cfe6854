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

#endif
