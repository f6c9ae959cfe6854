/* go_version.c - parsing and support checks of Go version strings (see go_version.h). */
#include "go_version.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <heapscope/heapscope.h>

/* Releases in GO_VERSION_MIN_MINOR..GO_VERSION_MAX_MINOR that no test covers: their tables come
 * from the reference's measured offsets, but no test program of theirs was ever run. */
static const int untested_minors[] = {20};
#define N_UNTESTED (sizeof untested_minors / sizeof untested_minors[0])

/* Reads up to 6 decimal digits at *p; returns -1 when there are none. */
static int read_num(const char **p)
{
    int n = 0, digits = 0;
    while (isdigit((unsigned char)**p) && digits < 6) {
        n = n * 10 + (**p - '0');
        (*p)++;
        digits++;
    }
    return digits ? n : -1;
}

/* Parses "1.N[.P|rcK|betaK]" at p (just after "go"); returns 0 or -1. */
static int parse_release(const char *p, go_version *v)
{
    if ((v->major = read_num(&p)) < 0)
        return -1;
    if (*p != '.')
        return 0; /* "go1" */
    p++;
    if ((v->minor = read_num(&p)) < 0)
        return -1;
    if (*p == '.') {
        p++;
        if ((v->patch = read_num(&p)) < 0)
            return -1;
    } else if (isalpha((unsigned char)*p)) {
        size_t n = 0;
        while (isalnum((unsigned char)p[n]) && n + 1 < sizeof v->prerelease)
            n++;
        memcpy(v->prerelease, p, n);
        v->prerelease[n] = 0;
    }
    return 0;
}

/* Copies the X: list ("X:a,b") that follows a space or dash, if any. */
static void parse_experiments(const char *s, go_version *v)
{
    for (const char *x = strstr(s, "X:"); x; x = strstr(x + 2, "X:")) {
        if (x == s || (x[-1] != ' ' && x[-1] != '-'))
            continue;
        x += 2;
        size_t n = strcspn(x, " \t\n");
        if (n >= sizeof v->experiments)
            n = sizeof v->experiments - 1;
        memcpy(v->experiments, x, n);
        v->experiments[n] = 0;
        return;
    }
}

int go_version_parse(const char *s, go_version *v, hs_err *err)
{
    memset(v, 0, sizeof *v);
    if (!s)
        return hs_errf(err, "missing Go version string");
    while (*s == ' ')
        s++;
    snprintf(v->full, sizeof v->full, "%s", s);
    parse_experiments(s, v);
    if (strncmp(s, "devel", 5) == 0) {
        v->devel = 1;
        const char *g = strstr(s, "go1.");
        go_version tmp = {0};
        if (g && parse_release(g + 2, &tmp) == 0) {
            v->major = tmp.major;
            v->minor = tmp.minor;
        }
        return 0;
    }
    if (strncmp(s, "go", 2) != 0 || parse_release(s + 2, v) < 0) {
        memset(v, 0, sizeof *v);
        return hs_errf(err, "'%.80s' is not a Go version string (expected e.g. go1.23.5)", s);
    }
    return 0;
}

int go_version_has_experiment(const go_version *v, const char *name)
{
    size_t n = strlen(name);
    if (!n)
        return 0;
    for (const char *p = v->experiments; *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && strncmp(p, name, n) == 0)
            return 1;
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}

int go_version_cmp(const go_version *v, int major, int minor, int patch)
{
    if (v->major != major)
        return v->major < major ? -1 : 1;
    if (v->minor != minor)
        return v->minor < minor ? -1 : 1;
    if (v->patch != patch)
        return v->patch < patch ? -1 : 1;
    return 0;
}

int go_version_supported(const go_version *v, hs_err *err)
{
    /* The release as written, without the experiment suffix. */
    char rel[96];
    snprintf(rel, sizeof rel, "%s", v->full);
    if (!v->devel) {
        rel[strcspn(rel, " \t\n")] = 0;
        char *x = strstr(rel, "-X:");
        if (x)
            *x = 0;
    }
    if (v->devel && v->major == 0)
        return hs_errf(err, "built with a development Go toolchain (%s) whose release heapscope "
                       "cannot tell; heapscope knows go1.%d–go1.%d", v->full,
                       GO_VERSION_MIN_MINOR, GO_VERSION_MAX_MINOR);
    if (v->major < 1 || (v->major == 1 && v->minor < GO_VERSION_MIN_MINOR))
        return hs_errf(err, "built with %s, older than the oldest supported release go1.%d",
                       rel, GO_VERSION_MIN_MINOR);
    if (go_version_newer(v))
        return hs_errf(err, "built with %s, newer than this heapscope knows (go1.%d–go1.%d); "
                       "update heapscope", rel, GO_VERSION_MIN_MINOR, GO_VERSION_MAX_MINOR);
    return 0;
}

int go_version_newer(const go_version *v)
{
    return v->major > 1 || (v->major == 1 && v->minor > GO_VERSION_MAX_MINOR);
}

int go_version_untested(const go_version *v)
{
    for (size_t i = 0; v->major == 1 && i < N_UNTESTED; i++)
        if (v->minor == untested_minors[i])
            return 1;
    return 0;
}

static int minor_untested(int minor)
{
    go_version v = {.major = 1, .minor = minor};
    return go_version_untested(&v);
}

/* "Go 1.19, 1.21–1.26 on linux/amd64 (Go 1.20 is read but untested); linux/arm64 ...": the
 * tested releases as ranges, from the constants above. */
size_t hs_runtimes_supported(char *buf, size_t cap)
{
    size_t n = (size_t)snprintf(buf, cap, "Go ");
    const char *sep = "";
    for (int m = GO_VERSION_MIN_MINOR; m <= GO_VERSION_MAX_MINOR; m++) {
        if (minor_untested(m))
            continue;
        int last = m;
        while (last < GO_VERSION_MAX_MINOR && !minor_untested(last + 1))
            last++;
        if (n < cap && last > m)
            n += (size_t)snprintf(buf + n, cap - n, "%s1.%d\xe2\x80\x93" "1.%d", sep, m, last); /* en dash */
        else if (n < cap)
            n += (size_t)snprintf(buf + n, cap - n, "%s1.%d", sep, m);
        sep = ", ";
        m = last;
    }
    if (n < cap)
        n += (size_t)snprintf(buf + n, cap - n, " on linux/amd64");
    for (size_t i = 0; i < N_UNTESTED && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s1.%d", i ? ", " : " (Go ", untested_minors[i]);
    if (N_UNTESTED && n < cap)
        n += (size_t)snprintf(buf + n, cap - n, " %s read but untested)", N_UNTESTED > 1 ? "are" : "is");
    if (n < cap) /* arm64: the same releases, with or without DWARF */
        n += (size_t)snprintf(buf + n, cap - n, "; linux/arm64 programs of the same releases");
    return n;
}
