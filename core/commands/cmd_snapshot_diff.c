/* cmd_snapshot_diff.c - `snapshot-diff OLD NEW`: what grew or appeared between two snapshots. */
#include <string.h>

#include "../snapshot/diff_report.h"
#include "session.h"

enum { O_LIMIT, O_JSON, O_FORCE };

static const hs_opt opts[] = {
    [O_LIMIT] = {"limit", 'n', 1, "show at most N rows per table (text default 15; 0 = all)"},
    [O_JSON] = {"json", 0, 0, "one JSON object instead of text"},
    [O_FORCE] = {"force", 0, 0, "compare snapshots of different executables anyway"},
    {0, 0, 0, 0},
};

static int run(hs_session *s, const hs_args *a, strbuf *out, strbuf *msgs, hs_err *err)
{
    (void)s;
    (void)msgs;
    long limit = a->v[O_JSON].present ? 0 : 15;
    if (a->npos != 2)
        return hs_errf(err, "wants two snapshot files: snapshot-diff OLD NEW"), HS_USAGE;
    if (a->v[O_LIMIT].present && hs_opt_uint("limit", a->v[O_LIMIT].arg, &limit, err) < 0)
        return HS_USAGE;
    snapshot old, new;
    if (snapshot_load(a->pos[0], &old, err) < 0)
        return HS_FAIL;
    if (snapshot_load(a->pos[1], &new, err) < 0) {
        snapshot_free(&old);
        return HS_FAIL;
    }
    snapshot both[2] = {old, new};
    snapshot_use_live_all(both, 2); /* reachable rows, when both snapshots have them */
    old = both[0];
    new = both[1];
    int status = HS_FAIL;
    snap_diff d;
    if (!snapshot_same_program(&old, &new) && !a->v[O_FORCE].present) {
        hs_errf(err, "%s (%s, %s) and %s (%s, %s) come from different executables; compare them "
                "anyway with --force", old.path, old.executable ? old.executable : "?", old.version,
                new.path, new.executable ? new.executable : "?", new.version);
    } else if (snapshot_diff(&old, &new, &d, err) == 0) {
        (a->v[O_JSON].present ? diff_render_json : diff_render_text)(&d, limit, out);
        snap_diff_free(&d);
        status = HS_OK;
    }
    snapshot_free(&old);
    snapshot_free(&new);
    return status;
}

const hs_command hs_cmd_snapshot_diff = {
    "snapshot-diff",
    "snapshot-diff OLD NEW [-n N] [--json] [--force]",
    "snapshot-diff OLD NEW [-n N] [--json] [--force]\n"
    "  What grew or appeared between two snapshots (written by `snapshot -o FILE`): heap rows by\n"
    "  type and by allocation site, largest growth in bytes first, goroutine groups that appeared,\n"
    "  grew or shrank, and the runtime statistics that changed. Of a C/C++ program: the C++\n"
    "  classes and block sizes of its glibc heap, its thread groups, and mallinfo2's fields.\n"
    "  When both snapshots hold rows of reachable objects (heapscope marks a Go heap when it\n"
    "  takes one), those are compared, so garbage not yet collected does not look like growth.\n"
    "  -n, --limit N    show at most N rows per table (text default 15; 0 = all)\n"
    "  --json           one JSON object instead of text\n"
    "  --force          compare snapshots of different executables anyway\n",
    opts,
    0,
    run,
};
