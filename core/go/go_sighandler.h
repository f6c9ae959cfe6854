/* go_sighandler.h - a thread stopped inside the Go runtime's signal handler (on its m's gsignal
 * stack: a GOTRACEBACK=crash core, a live process caught while handling a signal): which m it
 * is, and the PC and SP the signal interrupted, where its real stack goes on. */
#ifndef HS_GO_SIGHANDLER_H
#define HS_GO_SIGHANDLER_H

#include <stdint.h>

#include "go_runtime.h"
#include "go_unwind.h"

/* The m whose thread is tid, from runtime.allm (0 when none is). */
uint64_t go_m_of_thread(go_rt *rt, int32_t tid);

/* When thread th (run by m) is on m.gsignal's stack: 0 and the PC, SP and (arm64) link
 * register the signal interrupted; -1 when it is not, or the signal frame cannot be read. */
int go_signal_interrupted(go_rt *rt, go_unwinder *u, uint64_t m, const hs_thread *th,
                          uint64_t *pc, uint64_t *sp, uint64_t *lr);

#endif
