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

static double number(const cJSON *o, const char *key)
{
    return cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* "wrote F: N live objects, B bytes, G goroutines"; a native program: its heap's blocks and its
 * threads, or its threads and why there is no heap. */
static void say_written(const cJSON *snap, const char *path, strbuf *out)
{
    const cJSON *heap = cJSON_GetObjectItemCaseSensitive(snap, "heap");
    const cJSON *tot = cJSON_GetObjectItemCaseSensitive(heap, "totals");
    const char *version = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(heap, "version"));
    double tasks = number(cJSON_GetObjectItemCaseSensitive(snap, "goroutines"), "total");
    if (!heap)
        sb_printf(out, "wrote %s: %.0f threads (no heap: %s)\n", path, tasks,
                  cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(snap, "heap_unavailable")));
    else if (version) /* a native program's glibc heap */
        sb_printf(out, "wrote %s: %.0f in-use blocks, %.0f bytes (%s heap), %.0f threads\n", path,
                  number(tot, "inuse_objects"), number(tot, "inuse_bytes"), version, tasks);
    else
        sb_printf(out, "wrote %s: %.0f live objects, %.0f bytes, %.0f goroutines\n", path,
                  number(tot, "inuse_objects"), number(tot, "inuse_bytes"), tasks);
}

static int run(hs_session *s, const hs_args *a, strbuf *out, strbuf *msgs, hs_err *err)
{
    const char *path = a->v[O_OUT].arg;
    if (!path || a->npos)
        return hs_errf(err, "wants an output file: snapshot -o FILE"), HS_USAGE;
    cJSON *snap = snapshot_take(s, msgs, err);
    if (!snap)
        return HS_FAIL;
    int r = snapshot_write(snap, path, err);
    if (r == 0)
        say_written(snap, path, out);
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
    "  program: its glibc malloc heap as heap-top --by type and --by size count it (C++\n"
    "  classes, other blocks by size), mallinfo2, and its threads, grouped as threads-blocked\n"
    "  --all groups them.\n"
    "  -o, --output FILE  the file to write (JSON, a few kB to a few MB)\n"
    "  --try-newer        read a Go release newer than heapscope knows (see README)\n",
    opts,
    1,
    run,
};
