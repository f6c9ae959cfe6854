/* options.c - option parsing shared by all commands (see options.h). */
#include "options.h"

#include <stdlib.h>
#include <string.h>

int hs_opt_index(const hs_opt *spec, const char *name)
{
    for (int i = 0; spec[i].name; i++)
        if (strcmp(spec[i].name, name) == 0)
            return i;
    return -1;
}

static int find_opt(const hs_opt *spec, const char *a, size_t len, char sh)
{
    for (int i = 0; spec[i].name; i++) {
        if (sh ? spec[i].short_name == sh
               : strlen(spec[i].name) == len && strncmp(spec[i].name, a, len) == 0)
            return i;
    }
    return -1;
}

/* Handles one option word at argv[*i]; advances *i past a separate value. */
static int parse_one(int argc, const char *const *argv, int *i, const hs_opt *spec, hs_args *out,
                     hs_err *err)
{
    const char *a = argv[*i];
    const char *val = NULL;
    int idx;
    if (a[1] == '-') {
        const char *eq = strchr(a + 2, '=');
        idx = find_opt(spec, a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2), 0);
        if (eq)
            val = eq + 1;
    } else {
        idx = find_opt(spec, NULL, 0, a[1]);
        if (a[2])
            val = a + 2;
    }
    if (idx < 0)
        return hs_errf(err, "unknown option %s", a);
    if (idx >= 32)
        return hs_errf(err, "internal error: too many options");
    if (spec[idx].has_arg && !val) {
        if (*i + 1 >= argc)
            return hs_errf(err, "option %s needs a value", a);
        val = argv[++*i];
    } else if (!spec[idx].has_arg && val) {
        return hs_errf(err, "option --%s takes no value", spec[idx].name);
    }
    out->v[idx].present = 1;
    out->v[idx].arg = val;
    if (spec[idx].has_arg == HS_OPT_REPEAT) {
        if (out->nrep == HS_MAX_REPEATED)
            return hs_errf(err, "option --%s given too often (at most %d values)", spec[idx].name,
                           HS_MAX_REPEATED);
        out->rep_opt[out->nrep] = idx;
        out->rep[out->nrep++] = val;
    }
    return 0;
}

const char *hs_opt_repeated(const hs_args *a, int opt, size_t i)
{
    for (size_t k = 0; k < a->nrep; k++)
        if (a->rep_opt[k] == opt && i-- == 0)
            return a->rep[k];
    return NULL;
}

int hs_parse_args(int argc, const char *const *argv, const hs_opt *spec, hs_args *out, hs_err *err)
{
    memset(out, 0, sizeof *out);
    int only_pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_pos && strcmp(a, "--") == 0) {
            only_pos = 1;
        } else if (!only_pos && a[0] == '-' && a[1]) {
            if (parse_one(argc, argv, &i, spec, out, err) < 0)
                return -1;
        } else {
            if (out->npos == HS_MAX_POSITIONAL)
                return hs_errf(err, "too many arguments");
            out->pos[out->npos++] = a;
        }
    }
    return 0;
}

int hs_opt_uint(const char *name, const char *arg, long *out, hs_err *err)
{
    char *end;
    long v = strtol(arg, &end, 10);
    if (!*arg || *end || v < 0)
        return hs_errf(err, "--%s wants a non-negative number, not \"%s\"", name, arg);
    *out = v;
    return 0;
}
