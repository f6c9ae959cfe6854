/* user_frame.c - the first frame of the user's own code in a stored goroutine stack.
 *
 * A frame belongs to the Go distribution when its file lies under the GOROOT the runtime's own
 * frames were compiled from (".../src/" before "runtime/..."). Where files tell nothing (built
 * with -trimpath, or no runtime frame to learn GOROOT from) the import path decides, as the go
 * command does: a standard package's first path element has no dot ("net/http", "internal/poll"),
 * and "main" is the program's own. */
#include <string.h>

#include "user_frame.h"

static const char *field(const cJSON *frame, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(frame, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Length of the GOROOT source prefix (through "/src/") learned from a runtime frame, 0 if none. */
static size_t goroot_prefix(const cJSON *frames, const char **prefix)
{
    const cJSON *f;
    cJSON_ArrayForEach(f, frames) {
        const char *fn = field(f, "function"), *file = field(f, "file");
        if (!fn || !file || strncmp(fn, "runtime.", 8) != 0)
            continue;
        const char *at = strstr(file, "/src/runtime/");
        if (at) {
            *prefix = file;
            return (size_t)(at - file) + 5;
        }
    }
    return 0;
}

/* Whether fn's import path is a standard one: no dot in its first element, and not "main".
 * The path ends at the first dot after its last slash, before any receiver or type arguments. */
static int std_by_name(const char *fn)
{
    size_t n = strcspn(fn, "[(");
    size_t last_slash = 0;
    for (size_t i = 0; i < n; i++)
        if (fn[i] == '/')
            last_slash = i;
    size_t path_end = last_slash + strcspn(fn + last_slash, ".");
    size_t first_elem = strcspn(fn, "/");
    if (first_elem > path_end)
        first_elem = path_end;
    if (path_end == 4 && strncmp(fn, "main", 4) == 0)
        return 0;
    return memchr(fn, '.', first_elem) == NULL;
}

static int is_distribution(const cJSON *frame, const char *root, size_t nroot)
{
    const char *fn = field(frame, "function"), *file = field(frame, "file");
    if (!fn)
        return 1;
    if (nroot && file && file[0] == '/')
        return strncmp(file, root, nroot) == 0;
    return std_by_name(fn);
}

const cJSON *snapshot_user_frame(const cJSON *frames)
{
    if (!cJSON_IsArray(frames))
        return NULL;
    const char *root = NULL;
    size_t nroot = goroot_prefix(frames, &root);
    const cJSON *f, *outside_runtime = NULL;
    cJSON_ArrayForEach(f, frames) {
        if (!is_distribution(f, root, nroot))
            return f;
        const char *fn = field(f, "function");
        if (!outside_runtime && fn && strncmp(fn, "runtime.", 8) != 0)
            outside_runtime = f;
    }
    return outside_runtime ? outside_runtime : cJSON_GetArrayItem(frames, 0);
}
