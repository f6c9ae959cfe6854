/* session.h - what a session holds (a target, its executable, the runtime model opened on
 * demand) and the command table every front reaches through hs_session_run. */
#ifndef HS_SESSION_H
#define HS_SESSION_H

#include <heapscope/heapscope.h>

#include "../go/go_runtime.h"
#include "../util/progress.h"
#include "../util/strbuf.h"
#include "options.h"

struct hs_session {
    hs_target *target;
    hs_image *exe;
    go_rt *go;
    char *target_warning; /* e.g. a truncated core; repeated with every command */
    char *core_path;      /* when the target is a core */
    int (*interrupted)(void *ctx);
    void *interrupt_ctx;
    void (*progress)(void *ctx, const char *text);
    void *progress_ctx;
    hs_progress meter; /* progress lines of long work (hs_session_set_progress_line) */
    int try_newer; /* the running command was given --try-newer */
    uint64_t copied; /* bytes of a live process's memory copied when it was released */
    char *debug_file; /* --debug-file: the executable's separate debug file; NULL: look for it */
};

/* The option of every command that reads a Go runtime: a release newer than heapscope knows is
 * read with the newest rules it has and the binary's DWARF, with a warning on every result. */
#define HS_OPT_TRY_NEWER                                                                         \
    {"try-newer", 0, 0, "read a Go release newer than heapscope knows with the rules of the "  \
                        "newest one it knows and the binary's DWARF (a warning says so)"}

/* Hands what a command has written to out so far to the front now (when it asked for progress),
 * and empties out. */
void hs_session_flush(hs_session *s, strbuf *out);

/* The Go runtime model of the current target, opened on first use. */
int hs_session_go(hs_session *s, go_rt **rt, hs_err *err);

/* For a live process: copies its memory and lets it go (pid_target.h), so that a long read
 * (the heap) does not keep it stopped; says in msgs when its memory is too big to copy and it
 * stays stopped instead. Call after hs_session_go (a process caught halfway through a heap
 * update is stopped again there). No-op for other targets. */
int hs_session_release(hs_session *s, strbuf *msgs, hs_err *err);

typedef struct hs_command {
    const char *name;
    const char *summary;
    const char *usage; /* full help text */
    const hs_opt *opts;
    int needs_target;
    /* Returns HS_OK, HS_FAIL or HS_USAGE; text to stdout goes to out, messages (warnings) to msgs,
     * the failure itself to err. */
    int (*run)(hs_session *s, const hs_args *a, strbuf *out, strbuf *msgs, hs_err *err);
} hs_command;

const hs_command *hs_find_command(const char *name);

extern const hs_command hs_cmd_threads_blocked;
extern const hs_command hs_cmd_heap_top;
extern const hs_command hs_cmd_heap_paths;
extern const hs_command hs_cmd_snapshot;
extern const hs_command hs_cmd_snapshot_diff;
extern const hs_command hs_cmd_watch;
extern const hs_command hs_cmd_leakcheck;
extern const hs_command hs_cmd_heap_top;

#endif
