/* target_files.c - which file on this machine holds what a target mapped from a path
 * (target_files.h): a core's executable from where it was given (--exe), a core's libraries
 * under the sysroot when one is set and holds them (a core from another machine, as gdb's `set
 * sysroot`), else the path itself. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/sysroot.h"
#include "core_target.h"
#include "target_files.h"

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
