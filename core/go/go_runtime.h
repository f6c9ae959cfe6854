/* go_runtime.h - the Go runtime model of one target: which release, where its globals and
 * tables are, and how its structures are laid out. Built once per session; goroutine and heap
 * walkers read through it. */
#ifndef HS_GO_RUNTIME_H
#define HS_GO_RUNTIME_H

#include <stdint.h>

#include "../image/dwarf_index.h"
#include "../image/elf_image.h"
#include "../image/go_moduledata.h"
#include "../image/go_pclntab.h"
#include "../image/go_version.h"
#include "../target/target.h"
#include "go_layout.h"

typedef struct go_rt {
    hs_target *t;
    hs_image *exe;
    hs_dwarf *dwarf; /* NULL when the binary has no DWARF */
    go_version ver;
    go_layout_src src;
    go_offsets off;
    uint64_t bias; /* run-time address = link-time address + bias (PIE) */
    go_moduledata md;
    go_pcln *pcln;
    struct {
        uint64_t allgs, allglen, allm, sched, build_version, wait_reason_strings;
        uint64_t wait_reason_strings_size;
    } sym; /* run-time addresses; 0 when absent */
    char *warning;       /* e.g. DWARF unusable, tables used instead; NULL when none */
    char **wait_reasons; /* index = waitReason value */
    size_t nwait_reasons;
    int wait_reasons_owned;
    char **leaked_states; /* "<reason> (leaked)" per wait reason; NULL without _Gleaked (1.26+) */
} go_rt;

/* Recognises a Go program and its release, and prepares the model. Fails with a one-line
 * message for non-Go programs, unsupported releases, and binaries that do not match the memory. */
int go_rt_open(go_rt **out, hs_target *t, hs_image *exe, hs_err *err);

/* go_rt_open; with try_newer, a release newer than heapscope knows is read with the rules of the
 * newest one it knows, its layouts from the binary's DWARF (refused without DWARF), and a
 * warning (rt->warning) saying so. */
int go_rt_open_opts(go_rt **out, hs_target *t, hs_image *exe, int try_newer, hs_err *err);
void go_rt_close(go_rt *rt);

/* A runtime global's run-time address, from .symtab, else DWARF; 0 when neither has it. size
 * (may be NULL) gets the symbol's size, 0 when unknown. */
uint64_t go_rt_global(const go_rt *rt, const char *name, uint64_t *size);

/* Converts a run-time PC to the link-time PC pclntab knows. */
static inline uint64_t go_rt_linkpc(const go_rt *rt, uint64_t pc) { return pc - rt->bias; }

/* The runtime's words for a wait reason ("chan receive"), or NULL if unknown. */
const char *go_rt_wait_reason(const go_rt *rt, unsigned reason);

/* How the runtime prints a _Gleaked goroutine's state ("chan receive (leaked)"; "leaked
 * (leaked)" for reason 0), or NULL if unknown. */
const char *go_rt_leaked_state(const go_rt *rt, unsigned reason);

#endif
