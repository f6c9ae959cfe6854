/* target_files.c - which file on this machine holds what a target mapped from a path
 * (target_files.h): a core's executable from where it was given (--exe), a core's libraries
 * under the sysroot when one is set and holds them (a core from another machine, as gdb's `set
 * sysroot`), else the path itself; and the libraries a core names that this machine lacks. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core_target.h"
#include "target_files.h"

const char *hs_sysroot(void)
{
    const char *s = getenv("HEAPSCOPE_SYSROOT");
    return s && *s && strcmp(s, "/") != 0 ? s : NULL;
}

const char *hs_target_file(const hs_target *t, const char *path, char *buf)
{
    if (!t || !path || path[0] != '/')
        return path;
    const char *exe = hs_core_target_exe_file(t);
    if (exe && t->exe_path && !strcmp(path, t->exe_path) && strcmp(exe, path) && realpath(exe, buf))
        return buf;
    const char *root = t->from_core ? hs_sysroot() : NULL;
    char under[PATH_MAX]; /* made absolute: libdwfl opens what it is given from anywhere */
    if (root && (size_t)snprintf(under, sizeof under, "%s%s", root, path) < sizeof under &&
        access(under, R_OK) == 0 && realpath(under, buf))
        return buf;
    return path;
}

int hs_target_is_library(const hs_target *t, const hs_mapping *m)
{
    const char *base = m->path ? strrchr(m->path, '/') : NULL;
    if (!base || m->file_offset != 0 || (t->exe_path && !strcmp(m->path, t->exe_path)))
        return 0;
    const char *so = strstr(base, ".so");
    if (!so || (so[3] != 0 && so[3] != '.'))
        return 0;
    for (const hs_mapping *e = t->maps; e < m; e++) /* mapped from its start once, but be sure */
        if (e->file_offset == 0 && e->path && !strcmp(e->path, m->path))
            return 0;
    return 1;
}

size_t hs_target_missing_libs(const hs_target *t, char *names, size_t cap)
{
    size_t n = 0, len = 0;
    char buf[PATH_MAX];
    if (cap)
        names[0] = 0;
    for (size_t i = 0; t && t->from_core && i < t->nmaps; i++) {
        const hs_mapping *m = &t->maps[i];
        if (!hs_target_is_library(t, m) || access(hs_target_file(t, m->path, buf), R_OK) == 0)
            continue;
        int w = len < cap ? snprintf(names + len, cap - len, "%s%s", n ? ", " : "", m->path) : 0;
        len += w > 0 ? (size_t)w : 0;
        n++;
    }
    return n;
}
