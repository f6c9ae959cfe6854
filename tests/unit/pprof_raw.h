/* pprof_raw.h - test helper shared by test_pprof.c and test_go_mprof.c: finds a `go` command
 * and reads a profile back through `go tool pprof -raw` (the independent decoder), parsed into
 * sample types, samples (values, location ids, label text) and locations (address, lines with
 * function, file, line and start line). */
#ifndef HS_TEST_PPROF_RAW_H
#define HS_TEST_PPROF_RAW_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { RAW_MAXV = 8 };

typedef struct raw_line {
    char *func, *file;
    long line, start;
} raw_line;

typedef struct raw_loc {
    unsigned long id;
    uint64_t addr;
    int mapping;
    raw_line *lines;
    int nlines;
} raw_loc;

typedef struct raw_sample {
    int64_t v[RAW_MAXV];
    int nv;
    unsigned long *locs;
    int nlocs;
    char labels[256]; /* label lines, trimmed, joined by ';' */
} raw_sample;

typedef struct raw_profile {
    char period_type[64], types[256];
    int64_t period;
    raw_sample *s;
    size_t ns;
    raw_loc *l;
    size_t nl;
    char mapping1[512]; /* the first Mappings line */
} raw_profile;

/* A usable `go` command: $HS_GO, else `go` on PATH, else the unpacked 1.26 toolchain. */
static inline int raw_find_go(char *out, size_t cap)
{
    const char *env = getenv("HS_GO"), *home = getenv("HOME"), *path = getenv("PATH");
    if (env && access(env, X_OK) == 0) {
        snprintf(out, cap, "%s", env);
        return 0;
    }
    for (const char *p = path; p && *p;) {
        const char *c = strchr(p, ':');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        snprintf(out, cap, "%.*s/go", (int)n, p);
        if (n && access(out, X_OK) == 0)
            return 0;
        p = c ? c + 1 : p + n;
    }
    snprintf(out, cap, "%s/.cache/go-toolchains/1.26/usr/lib/go-1.26/bin/go", home ? home : "/root");
    return access(out, X_OK) == 0 ? 0 : -1;
}

/* Runs cmd (stderr discarded) and returns its stdout (free it), with the exit status. */
static inline char *raw_run(const char *cmd, int *status)
{
    *status = -1;
    char full[8192 + 64];
    snprintf(full, sizeof full, "GOTOOLCHAIN=local GOFLAGS= %.8192s 2>/dev/null", cmd);
    FILE *f = popen(full, "r");
    if (!f)
        return NULL;
    size_t len = 0, cap = 65536;
    char *buf = malloc(cap);
    size_t k;
    while (buf && (k = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += k;
        if (cap - len < 2) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    int st = pclose(f);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    if (buf)
        buf[len] = 0;
    return buf;
}

/* "name file:line:col s=N" */
static inline void raw_parse_line(char *t, raw_line *l)
{
    memset(l, 0, sizeof *l);
    while (*t == ' ')
        t++;
    char *sp = strchr(t, ' '), *s = strrchr(t, ' ');
    if (!sp || !s || s == sp)
        return;
    *sp = 0;
    *s = 0;
    l->func = strdup(t);
    l->start = strtol(s + 1 + 2, NULL, 10);
    char *c2 = strrchr(sp + 1, ':');
    if (!c2)
        return;
    *c2 = 0;
    char *c1 = strrchr(sp + 1, ':');
    if (!c1)
        return;
    *c1 = 0;
    l->line = strtol(c1 + 1, NULL, 10);
    l->file = strdup(sp + 1);
}

static inline void raw_add_line(raw_loc *loc, char *text)
{
    raw_line *v = realloc(loc->lines, (loc->nlines + 1) * sizeof *v);
    if (!v)
        return;
    loc->lines = v;
    raw_parse_line(text, &loc->lines[loc->nlines++]);
}

static inline void raw_location(raw_profile *p, char *ln)
{
    char *colon = strchr(ln, ':'), *rest;
    unsigned long id = strtoul(ln, NULL, 10);
    if (colon && id && colon[1] == ' ' && colon[2] == '0' && colon[3] == 'x') {
        raw_loc *v = realloc(p->l, (p->nl + 1) * sizeof *v);
        if (!v)
            return;
        p->l = v;
        raw_loc *loc = &p->l[p->nl++];
        memset(loc, 0, sizeof *loc);
        loc->id = id;
        loc->addr = strtoull(colon + 2, &rest, 16);
        while (*rest == ' ')
            rest++;
        if (rest[0] == 'M' && rest[1] == '=') {
            loc->mapping = (int)strtol(rest + 2, &rest, 10);
            while (*rest == ' ')
                rest++;
        }
        if (*rest)
            raw_add_line(loc, rest);
    } else if (p->nl) {
        raw_add_line(&p->l[p->nl - 1], ln);
    }
}

/* A label line under the last sample, e.g. "bytes:[512]". */
static inline void raw_label_line(raw_profile *p, char *ln)
{
    if (!p->ns)
        return;
    raw_sample *s = &p->s[p->ns - 1];
    char *t = ln + strspn(ln, " ");
    size_t have = strlen(s->labels);
    snprintf(s->labels + have, sizeof s->labels - have, "%s%s", have ? ";" : "", t);
}

static inline int raw_new_sample(raw_profile *p, char *ln)
{
    char *colon = strchr(ln, ':');
    if (!colon || strchr(ln, '[') || strspn(ln, " -0123456789") != (size_t)(colon - ln))
        return 0;
    raw_sample *v = realloc(p->s, (p->ns + 1) * sizeof *v);
    if (!v)
        return 0;
    p->s = v;
    raw_sample *s = &p->s[p->ns++];
    memset(s, 0, sizeof *s);
    char *q = ln;
    while (s->nv < RAW_MAXV && q < colon) {
        char *e;
        long long x = strtoll(q, &e, 10);
        if (e == q || e > colon)
            break;
        s->v[s->nv++] = x;
        q = e;
    }
    for (q = colon + 1;;) {
        char *e;
        unsigned long id = strtoul(q, &e, 10);
        if (e == q)
            break;
        unsigned long *nl = realloc(s->locs, (s->nlocs + 1) * sizeof *nl);
        if (!nl)
            break;
        s->locs = nl;
        s->locs[s->nlocs++] = id;
        q = e;
    }
    return 1;
}

static inline void raw_parse(raw_profile *p, char *out)
{
    int mode = 0; /* 1 samples, 2 locations, 3 mappings */
    for (char *ln = strtok(out, "\n"); ln; ln = strtok(NULL, "\n")) {
        if (!strncmp(ln, "PeriodType: ", 12))
            snprintf(p->period_type, sizeof p->period_type, "%s", ln + 12);
        else if (!strncmp(ln, "Period: ", 8))
            p->period = strtoll(ln + 8, NULL, 10);
        else if (!strcmp(ln, "Samples:"))
            mode = 1;
        else if (!strcmp(ln, "Locations"))
            mode = 2;
        else if (!strcmp(ln, "Mappings"))
            mode = 3;
        else if (mode == 1 && !p->types[0])
            snprintf(p->types, sizeof p->types, "%s", ln);
        else if (mode == 1 && !raw_new_sample(p, ln))
            raw_label_line(p, ln);
        else if (mode == 2)
            raw_location(p, ln);
        else if (mode == 3 && !p->mapping1[0])
            snprintf(p->mapping1, sizeof p->mapping1, "%s", ln);
    }
}

/* Reads profile through `go tool pprof -raw`; 0, or -1 when the tool fails. */
static inline int raw_read(const char *go, const char *profile, raw_profile *p)
{
    memset(p, 0, sizeof *p);
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%.4000s' tool pprof -raw -symbolize=none '%.4000s'", go, profile);
    int st;
    char *out = raw_run(cmd, &st);
    if (!out || st != 0) {
        free(out);
        return -1;
    }
    raw_parse(p, out);
    free(out);
    return 0;
}

static inline const raw_loc *raw_loc_by_id(const raw_profile *p, unsigned long id)
{
    for (size_t i = 0; i < p->nl; i++)
        if (p->l[i].id == id)
            return &p->l[i];
    return NULL;
}

static inline void raw_free(raw_profile *p)
{
    for (size_t i = 0; i < p->ns; i++)
        free(p->s[i].locs);
    for (size_t i = 0; i < p->nl; i++) {
        for (int k = 0; k < p->l[i].nlines; k++) {
            free(p->l[i].lines[k].func);
            free(p->l[i].lines[k].file);
        }
        free(p->l[i].lines);
    }
    free(p->s);
    free(p->l);
    memset(p, 0, sizeof *p);
}

#endif
