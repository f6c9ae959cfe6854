/* options.h - command options parsed the same way in every front: "--name value",
 * "--name=value", "-n 5", "-n5", flags, and positional arguments, with no global state. */
#ifndef HS_OPTIONS_H
#define HS_OPTIONS_H

#include <stddef.h>

#include "../util/err.h"

typedef struct hs_opt {
    const char *name; /* long name without dashes */
    char short_name;  /* 0 if none */
    int has_arg;      /* 0: a flag; 1: takes a value; HS_OPT_REPEAT: a value, and may be repeated */
    const char *help; /* "-n N  show at most N groups" for the usage text */
} hs_opt;

typedef struct hs_optval {
    int present;
    const char *arg;
} hs_optval;

#define HS_MAX_POSITIONAL 8
#define HS_MAX_REPEATED 32
#define HS_OPT_REPEAT 2


typedef struct hs_args {
    hs_optval v[32];               /* indexed like the spec */
    const char *pos[HS_MAX_POSITIONAL];
    size_t npos;
    /* every value of the HS_OPT_REPEAT options, in order, with the option's index */
    const char *rep[HS_MAX_REPEATED];
    int rep_opt[HS_MAX_REPEATED];
    size_t nrep;
} hs_args;

/* Parses argv[1..] (argv[0] is the command name). Fails on unknown options and missing values. */
int hs_parse_args(int argc, const char *const *argv, const hs_opt *spec, hs_args *out, hs_err *err);
/* Index of a long option in the spec, for reading out->v. */
int hs_opt_index(const hs_opt *spec, const char *name);
/* The i-th value given to the HS_OPT_REPEAT option of index opt, NULL past the last. */
const char *hs_opt_repeated(const hs_args *a, int opt, size_t i);
/* Parses a non-negative integer option value. */
int hs_opt_uint(const char *name, const char *arg, long *out, hs_err *err);

#endif
