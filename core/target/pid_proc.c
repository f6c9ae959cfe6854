/* pid_proc.c - reading /proc/PID: status fields, threads, maps, auxv and the executable path
 * of a live process (see pid_proc.h). Every file is untrusted text: bounded reads, checked
 * parses. */
#include "pid_proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reads at most cap-1 bytes of a /proc file, NUL-terminated; -1 when it cannot be opened. */
static ssize_t read_small(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t n = 0;
    while (n + 1 < cap) {
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = 0;
    return (ssize_t)n;
}

/* State letter from a stat line: the field after the last ')' of the command name. */
static char stat_state(const char *path)
{
    char buf[1024];
    if (read_small(path, buf, sizeof buf) <= 0)
        return 0;
    const char *p = strrchr(buf, ')');
    return p && p[1] == ' ' && p[2] ? p[2] : 0;
}

int hs_proc_alive(int pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    char s = stat_state(path);
    if (s != 'Z' && s != 'X')
        return s != 0;
    /* a zombie leader (it called pthread_exit) while other threads still run */
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    DIR *d = opendir(path);
    int alive = 0;
    for (struct dirent *e; d && !alive && (e = readdir(d)) != NULL;) {
        char *end;
        long tid = strtol(e->d_name, &end, 10);
        char st = *end || tid <= 0 || tid > INT_MAX ? 0 : hs_proc_task_state(pid, (int)tid);
        alive = st != 0 && st != 'Z' && st != 'X';
    }
    if (d)
        closedir(d);
    return alive;
}

char hs_proc_task_state(int pid, int tid)
{
    char path[96];
    snprintf(path, sizeof path, "/proc/%d/task/%d/stat", pid, tid);
    return stat_state(path);
}

int hs_proc_status_int(int pid, int tid, const char *key, int *val)
{
    char path[96], buf[8192];
    if (tid > 0)
        snprintf(path, sizeof path, "/proc/%d/task/%d/status", pid, tid);
    else
        snprintf(path, sizeof path, "/proc/%d/status", pid);
    if (read_small(path, buf, sizeof buf) <= 0)
        return -1;
    size_t klen = strlen(key);
    for (char *line = buf; *line;) {
        if (strncmp(line, key, klen) == 0 && line[klen] == ':')
            return sscanf(line + klen + 1, "%d", val) == 1 ? 0 : -1;
        char *nl = strchr(line, '\n');
        if (!nl)
            break;
        line = nl + 1;
    }
    return -1;
}

static int tid_cmp(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int hs_proc_tasks(int pid, int **tids, size_t *n, hs_err *err)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    *tids = NULL;
    *n = 0;
    DIR *d = opendir(path);
    if (!d)
        return hs_errf(err, "no process with pid %d", pid);
    size_t cap = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        char *end;
        long tid = strtol(e->d_name, &end, 10);
        if (*end || tid <= 0 || tid > INT_MAX)
            continue;
        if (*n == cap) {
            int *grown = realloc(*tids, (cap = cap ? cap * 2 : 64) * sizeof *grown);
            if (!grown) {
                closedir(d);
                return hs_errf(err, "out of memory listing threads of process %d", pid);
            }
            *tids = grown;
        }
        (*tids)[(*n)++] = (int)tid;
    }
    closedir(d);
    if (*n)
        qsort(*tids, *n, sizeof **tids, tid_cmp);
    for (size_t i = 1; i < *n; i++) /* the leader first */
        if ((*tids)[i] == pid) {
            memmove(*tids + 1, *tids, i * sizeof **tids);
            (*tids)[0] = pid;
            break;
        }
    return 0;
}

static void proc_dir(int pid, int tid, char *buf, size_t cap)
{
    if (tid <= 0 || tid == pid)
        snprintf(buf, cap, "/proc/%d", pid);
    else
        snprintf(buf, cap, "/proc/%d/task/%d", pid, tid);
}

int hs_proc_io_tid(int pid)
{
    char st = hs_proc_task_state(pid, pid);
    if (st != 'Z' && st != 'X')
        return pid;
    int *tids, io = pid;
    size_t n;
    hs_err ignored;
    if (hs_proc_tasks(pid, &tids, &n, &ignored) < 0)
        return pid;
    for (size_t i = 0; i < n && io == pid; i++) {
        st = hs_proc_task_state(pid, tids[i]);
        if (st != 0 && st != 'Z' && st != 'X')
            io = tids[i];
    }
    free(tids);
    return io;
}

int hs_proc_each_map(int pid, int tid, hs_proc_map_fn fn, void *ctx, hs_err *err)
{
    char dir[64], path[80];
    proc_dir(pid, tid, dir, sizeof dir);
    snprintf(path, sizeof path, "%s/maps", dir);
    FILE *f = fopen(path, "re");
    if (!f)
        return hs_errf(err, "cannot read %s: %s", path, strerror(errno));
    char *line = NULL, perms[8];
    size_t linecap = 0;
    int rc = 0;
    while (rc == 0 && getline(&line, &linecap, f) > 0) {
        unsigned long long start, end, off;
        int pos = 0;
        if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %n", &start, &end, perms, &off, &pos) != 4 || !pos)
            continue;
        char *name = line + pos;
        name[strcspn(name, "\n")] = 0;
        if (fn(ctx, start, end, perms, off, name) < 0)
            rc = hs_errf(err, "out of memory reading %s", path);
    }
    free(line);
    fclose(f);
    return rc;
}

typedef struct maps_ctx {
    hs_target *t;
    size_t cap;
} maps_ctx;

static int add_file_map(void *ctx, uint64_t start, uint64_t end, const char *perms, uint64_t off,
                        const char *name)
{
    (void)perms;
    maps_ctx *m = ctx;
    return name[0] == '/' ? hs_target_add_map(m->t, &m->cap, (hs_mapping){start, end, off, (char *)name}) : 0;
}

int hs_proc_maps(int pid, int tid, hs_target *t, hs_err *err)
{
    maps_ctx m = {t, t->nmaps};
    return hs_proc_each_map(pid, tid, add_file_map, &m, err);
}

void hs_proc_auxv(int pid, int tid, hs_target *t)
{
    char dir[64], path[80];
    uint64_t v[1024];
    proc_dir(pid, tid, dir, sizeof dir);
    snprintf(path, sizeof path, "%s/auxv", dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = read(fd, v, sizeof v);
    close(fd);
    for (ssize_t i = 0; n > 0 && (i + 2) * 8 <= n && v[i] != 0; i += 2) {
        if (v[i] == HS_AT_ENTRY)
            t->auxv_entry = v[i + 1];
        else if (v[i] == HS_AT_PHDR)
            t->auxv_phdr = v[i + 1];
    }
}

char *hs_proc_exe_path(int pid, int tid)
{
    char dir[64], link[80], buf[PATH_MAX];
    proc_dir(pid, tid, dir, sizeof dir);
    snprintf(link, sizeof link, "%s/exe", dir);
    if (realpath(link, buf))
        return strdup(buf);
    ssize_t n = readlink(link, buf, sizeof buf - 1);
    if (n <= 0)
        return NULL;
    buf[n] = 0;
    static const char deleted[] = " (deleted)";
    size_t dl = sizeof deleted - 1;
    if ((size_t)n > dl && strcmp(buf + n - dl, deleted) == 0)
        return strdup(link); /* still opens the deleted file while the process lives */
    return strdup(buf);
}
