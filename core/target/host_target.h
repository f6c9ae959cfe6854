/* host_target.h - a target a host debugger (gdb, lldb) holds: threads and registers as the
 * debugger gives them; memory from /proc/PID/mem for a native live inferior (the debugger is
 * the ptracer, so this process may read it; we never ptrace), from the core file mapped directly
 * for a core, and otherwise through the debugger's read callback behind a block cache.
 * Reopen the target after the inferior has run: cached bytes are not refreshed. */
#ifndef HS_HOST_TARGET_H
#define HS_HOST_TARGET_H

#include "heapscope/heapscope.h"
#include "target.h"

int hs_host_target_open(hs_target **out, const hs_host_target *host, hs_err *err);

/* The core's warning (truncation) when the host target reads a core, else NULL. */
const char *hs_host_target_warning(const hs_target *t);

/* The core target a host target reads (a debugger holding a core file), else NULL. */
hs_target *hs_host_target_core(hs_target *t);

#endif
