/* cmd_snapshot.c - `snapshot -o FILE`: saves what heap-top and threads-blocked see, to compare
 * later with snapshot-diff (in this session, another one, or against a core). */
#include "../snapshot/snapshot_file.h"
#include "snapshot_take.h"

enum { O_OUT, O_TRY_NEWER };

static const hs_opt opts[] = {
    [O_OUT] = {"output", 'o', 1, "the file to write"},
    [O_TRY_NEWER] = HS_OPT_TRY_NEWER,
    {0, 0, 0, 0},
};

static int run(hs_session *s, const hs_args *a, strbuf *out, strbuf *msgs, hs_err *err)
{
    const char *path = a->v[O_OUT].arg;
    if (!path || a->npos)
        return hs_errf(err, "wants an output file: snapshot -o FILE"), HS_USAGE;
    cJSON *snap = snapshot_take(s, msgs, err);
    if (!snap)
        return HS_FAIL;
    int r = snapshot_write(snap, path, err);
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(snap, "goroutines");
    const cJSON *heap = cJSON_GetObjectItemCaseSensitive(snap, "heap");
    const cJSON *tot = heap ? cJSON_GetObjectItemCaseSensitive(heap, "totals") : NULL;
    double ntasks = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(g, "total"));
    if (r == 0 && !heap) /* a native program: threads only */
        sb_printf(out, "wrote %s: %.0f threads (no heap: native heaps are not modelled yet)\n", path,
                  ntasks);
    else if (r == 0)
        sb_printf(out, "wrote %s: %.0f live objects, %.0f bytes, %.0f goroutines\n", path,
                  cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(tot, "inuse_objects")),
                  cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(tot, "inuse_bytes")), ntasks);
    cJSON_Delete(snap);
    return r == 0 ? HS_OK : HS_FAIL;
}

const hs_command hs_cmd_snapshot = {
    "snapshot",
    "snapshot -o FILE",
    "snapshot -o FILE\n"
    "  Saves what heap-top (by type, by site when the program keeps heap-profile records, by size\n"
    "  class), the runtime statistics and threads-blocked see, with when and of what (pid,\n"
    "  executable, build id, Go version), to compare later with snapshot-diff. Of a C/C++\n"
    "  program: its threads, grouped as threads-blocked --all groups them (no heap yet).\n"
    "  -o, --output FILE  the file to write (JSON, a few kB to a few MB)\n"
    "  --try-newer        read a Go release newer than heapscope knows (see README)\n",
    opts,
    1,
    run,
};
