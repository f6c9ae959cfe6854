/* paths_report.h - what heap-paths shows: for one type, its live objects grouped by the
 * reference chain that reaches them from a root (root first), largest first, with the bytes
 * each group keeps alive; as text for people or as JSON. */
#ifndef HS_PATHS_REPORT_H
#define HS_PATHS_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "../target/target.h"
#include "../util/strbuf.h"

/* A root as a person names it. */
typedef struct hs_path_root {
    const char *kind;     /* "global", "goroutine", "finalizer", "runtime" */
    const char *name;     /* "main.cache", "goroutine 17 main.handle", ".bss+0x1a40 (*main.T)" */
    uint64_t goroutine;   /* goroutine roots */
    const char *function; /* goroutine roots, a native stack word's: the frame's function */
    const char *variable; /* goroutine roots: the local variable, when known (else NULL) */
    uint64_t thread;      /* a native thread's roots (stack, registers): its id; else 0 */
    uint32_t frame;       /* a native stack word in a known frame (function set): its number */
    const char *file;     /* ... the frame's source file, NULL without debug information */
    int32_t line;         /* ... and line, 0 without */
} hs_path_root;

typedef struct paths_group {
    hs_path_root root;
    const char *const *steps; /* the objects passed through, root side first */
    size_t nsteps;
    uint64_t objects, bytes, retained_bytes;
} paths_group;

typedef struct paths_report {
    const char *version;
    const hs_target *target;
    const char *type;
    uint64_t objects, bytes, retained_bytes; /* all live objects of the type */
    const paths_group *groups;
    size_t ngroups;
    long limit;            /* groups to show, 0 = all */
    const char *warnings;
    const char *runtime;   /* "glibc"; NULL: "go" */
} paths_report;

void paths_render_text(const paths_report *r, strbuf *out);
void paths_render_json(const paths_report *r, strbuf *out);

#endif
