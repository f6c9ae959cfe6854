/* go_version.h - Go toolchain version strings ("go1.23.5", "go1.25.12 X:greenteagc",
 * "go1.26.10-X:nogreenteagc", "go1.22rc1", "devel go1.24-abc123 ...") parsed into numbers and
 * GOEXPERIMENT tokens, and the check of whether heapscope knows the runtime of that release. */
#ifndef HS_GO_VERSION_H
#define HS_GO_VERSION_H

#include "../util/err.h"

/* The oldest and newest Go minor releases (1.N) whose runtime layouts heapscope knows. Every
 * release in between is tested against its runtime except those listed in go_version.c as
 * untested (1.20: no toolchain could be had to build test programs), which are read with a
 * warning. What users are told (heapscope --help, README) is derived from these two places. */
enum { GO_VERSION_MIN_MINOR = 19, GO_VERSION_MAX_MINOR = 27 };

typedef struct go_version {
    int major, minor, patch; /* 1, 23, 5; patch 0 for "go1.21", pre-releases and devel builds */
    int devel;               /* 1 for "devel ..." toolchains (numbers 0 when not recognisable) */
    char prerelease[16];     /* "rc1", "beta2" or "" */
    char experiments[64];    /* the X: list as written, comma-separated: "greenteagc" */
    char full[96];           /* the whole string, truncated to fit */
} go_version;

/* Parses a runtime.buildVersion / build-info version string. Fails only when s is not a Go
 * version at all; a "devel" string without a recognisable go1.N still parses (devel=1). */
int go_version_parse(const char *s, go_version *v, hs_err *err);

/* 1 when the X: list names `name` literally (so "greenteagc" does not match "nogreenteagc"),
 * else 0. It says nothing about experiments a release enables by default. */
int go_version_has_experiment(const go_version *v, const char *name);

/* 0 when the release is 1.19 .. 1.27 (1.20 included: its tables exist though it is untested),
 * else -1 with a message saying why and what to do. */
int go_version_supported(const go_version *v, hs_err *err);

/* 1 when the release is newer than the newest heapscope knows (GO_VERSION_MAX_MINOR), else 0;
 * 0 for a development toolchain whose release cannot be told. */
int go_version_newer(const go_version *v);

/* 1 when the release is supported but no test covers it (see go_version.c), else 0. */
int go_version_untested(const go_version *v);

/* Compares releases by (major, minor, patch): <0, 0, >0. */
int go_version_cmp(const go_version *v, int major, int minor, int patch);

#endif
