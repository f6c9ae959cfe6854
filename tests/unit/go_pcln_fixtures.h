/* go_pcln_fixtures.h - helpers shared by test_go_buildinfo.c and test_go_pclntab.c: the stored
 * pclntab fixtures ($HS_TEST_DATA/go1.XX.Y/pcln/{exe,oracle.txt,runtime.txt}, made by
 * tests/tools/make_pcln_fixtures.sh) and their oracle files (tab-separated lines written by
 * the Go standard library and the Go runtime, see tests/tools/pclnoracle). */
#ifndef HS_TEST_GO_PCLN_FIXTURES_H
#define HS_TEST_GO_PCLN_FIXTURES_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { FX_MAX = 32, FX_MAXF = 8 };

typedef struct fx {
    char name[256];     /* "go1.26.10": the toolchain's own `go env GOVERSION` */
    char dir[1024];
    char exe[1100];
} fx;

/* One oracle file, split into lines and tab-separated fields (in place). */
typedef struct fx_line {
    int nf;
    char *f[FX_MAXF];
} fx_line;

typedef struct fx_oracle {
    char *buf;
    fx_line *lines;
    size_t n;
} fx_oracle;

/* The data directory, or NULL when it is missing (need_fixtures then fails the test). */
static inline const char *fx_data_dir(void)
{
    const char *d = getenv("HS_TEST_DATA");
    struct stat st;
    if (!d || stat(d, &st) != 0 || !S_ISDIR(st.st_mode))
        return NULL;
    return d;
}

static int fx_cmp(const void *a, const void *b)
{
    return strcmp(((const fx *)a)->name, ((const fx *)b)->name);
}

/* Lists DIR/go*\/SUB/exe (names "PREFIXgo1.X.Y"); returns how many (sorted by name). */
static inline size_t fx_list_in(const char *dir, const char *sub, const char *prefix, fx *out,
                                size_t max)
{
    size_t n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL && n < max) {
        if (strncmp(e->d_name, "go1.", 4) != 0 || strlen(e->d_name) >= 64)
            continue;
        fx *f = &out[n];
        snprintf(f->name, sizeof f->name, "%s%s", prefix, e->d_name);
        snprintf(f->dir, sizeof f->dir, "%s/%s/%s", dir, e->d_name, sub);
        snprintf(f->exe, sizeof f->exe, "%s/exe", f->dir);
        if (access(f->exe, R_OK) == 0)
            n++;
    }
    if (d)
        closedir(d);
    qsort(out, n, sizeof *out, fx_cmp);
    return n;
}

/* Lists DATA/go*\/pcln fixtures that have an exe; returns how many (sorted by name). */
static inline size_t fx_list(const char *data, fx *out, size_t max)
{
    return fx_list_in(data, "pcln", "", out, max);
}

static inline void fx_oracle_free(fx_oracle *o)
{
    free(o->buf);
    free(o->lines);
    memset(o, 0, sizeof *o);
}

/* Reads DIR/NAME; returns 0 or -1. */
static inline int fx_oracle_read(const fx *f, const char *name, fx_oracle *o)
{
    char path[1200];
    memset(o, 0, sizeof *o);
    snprintf(path, sizeof path, "%s/%s", f->dir, name);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return -1;
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    o->buf = malloc((size_t)size + 1);
    size_t got = o->buf ? fread(o->buf, 1, (size_t)size, fp) : 0;
    fclose(fp);
    if (!o->buf || got != (size_t)size)
        return fx_oracle_free(o), -1;
    o->buf[size] = 0;
    size_t cap = 1;
    for (long i = 0; i < size; i++)
        cap += o->buf[i] == '\n';
    o->lines = calloc(cap, sizeof *o->lines);
    for (char *line = strtok(o->buf, "\n"); line && o->lines && o->n < cap;
         line = strtok(NULL, "\n")) {
        fx_line *l = &o->lines[o->n++];
        for (char *p = line; p && l->nf < FX_MAXF;) {
            l->f[l->nf++] = p;
            p = strchr(p, '\t');
            if (p)
                *p++ = 0;
        }
    }
    return o->lines ? 0 : -1;
}

/* The first line whose field 0 is kind (and field 1 is key, when key is not NULL). */
static inline const fx_line *fx_find(const fx_oracle *o, const char *kind, const char *key)
{
    for (size_t i = 0; i < o->n; i++) {
        const fx_line *l = &o->lines[i];
        if (strcmp(l->f[0], kind) == 0 && (!key || (l->nf > 1 && strcmp(l->f[1], key) == 0)))
            return l;
    }
    return NULL;
}

static inline unsigned long long fx_num(const char *s)
{
    return strtoull(s, NULL, 0);
}

/* Value (field 2) of a "sym" or "section" line, 0 when absent; size (field 3) into *size. */
static inline unsigned long long fx_addr(const fx_oracle *o, const char *kind, const char *name,
                                         unsigned long long *size)
{
    const fx_line *l = fx_find(o, kind, name);
    if (size)
        *size = l && l->nf > 3 ? fx_num(l->f[3]) : 0;
    return l && l->nf > 2 ? fx_num(l->f[2]) : 0;
}

/* Copies src to a new temporary file made from the mkstemp template tmpl; 0 or -1. */
static inline int fx_copy(const char *src, char *tmpl)
{
    FILE *in = fopen(src, "rb");
    int fd = mkstemp(tmpl);
    if (!in || fd < 0) {
        if (in)
            fclose(in);
        return -1;
    }
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (write(fd, buf, n) != (ssize_t)n)
            break;
    fclose(in);
    close(fd);
    return 0;
}

/* Overwrites len bytes at file offset off. */
static inline int fx_patch(const char *path, long off, const void *bytes, size_t len)
{
    FILE *fp = fopen(path, "r+b");
    if (!fp)
        return -1;
    int ok = fseek(fp, off, SEEK_SET) == 0 && fwrite(bytes, 1, len, fp) == len;
    fclose(fp);
    return ok ? 0 : -1;
}

/* Removes the section headers of an ELF64 file (e_shoff, e_shnum, e_shstrndx = 0), as some
 * strippers and packers do: what remains is found through program headers only. */
static inline int fx_drop_section_headers(const char *path)
{
    unsigned char zero[8] = {0};
    return fx_patch(path, 0x28, zero, 8) < 0 || fx_patch(path, 0x3c, zero, 4) < 0 ? -1 : 0;
}

#endif
