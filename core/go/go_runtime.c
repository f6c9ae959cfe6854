/* go_runtime.c - recognising a Go program and preparing its runtime model (see go_runtime.h). */
#include "go_runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../image/go_buildinfo.h"
#include "../target/core_target.h"
#include "go_stripped.h"
#include "go_tables.h"

uint64_t go_rt_global(const go_rt *rt, const char *name, uint64_t *size)
{
    hs_symbol s;
    if (size)
        *size = 0;
    if (hs_image_symbol(rt->exe, name, &s) == 0 && s.value) {
        if (size)
            *size = s.size;
        return s.value + rt->bias;
    }
    uint64_t a;
    if (rt->dwarf && hs_dwarf_var_addr(rt->dwarf, name, &a) == 0 && a)
        return a + rt->bias;
    return hs_image_has_symtab(rt->exe) ? 0 : go_stripped_global(rt, name);
}

static int find_globals(go_rt *rt, hs_err *err)
{
    rt->sym.allgs = go_rt_global(rt, "runtime.allgs", NULL);
    rt->sym.allglen = go_rt_global(rt, "runtime.allglen", NULL);
    rt->sym.allm = go_rt_global(rt, "runtime.allm", NULL);
    rt->sym.sched = go_rt_global(rt, "runtime.sched", NULL);
    rt->sym.build_version = go_rt_global(rt, "runtime.buildVersion", NULL);
    rt->sym.wait_reason_strings =
        go_rt_global(rt, "runtime.waitReasonStrings", &rt->sym.wait_reason_strings_size);
    if ((!rt->sym.allgs || !rt->sym.allm) && !hs_image_has_symtab(rt->exe))
        return hs_errf(err, "%s has no symbol table (built with -ldflags=-s?), no separate debug "
                       "file was found for it (build-id path, .gnu_debuglink), and runtime.%s "
                       "could not be found from the code of the runtime functions that use it: "
                       "give its debug file with --debug-file", hs_image_path(rt->exe),
                       !rt->sym.allgs ? "allgs" : "allm");
    if (!rt->sym.allgs || !rt->sym.allm)
        return hs_errf(err, "%s has a symbol table without runtime.%s: not a Go program's own "
                       "symbols?", hs_image_path(rt->exe), !rt->sym.allgs ? "allgs" : "allm");
    return 0;
}

/* Reads a Go string header {ptr, len} at addr into buf (truncated to cap-1). */
static int read_gostring(hs_target *t, uint64_t addr, char *buf, size_t cap, hs_err *err)
{
    uint64_t hdr[2];
    if (hs_read(t, addr, hdr, sizeof hdr, err) < 0)
        return -1;
    size_t n = hdr[1] < cap - 1 ? (size_t)hdr[1] : cap - 1;
    if (hs_read(t, hdr[0], buf, n, err) < 0)
        return -1;
    buf[n] = 0;
    return 0;
}

/* The version the runtime in memory reports must be the one the executable was built with. */
static int check_memory_matches(go_rt *rt, hs_err *err)
{
    if (!rt->sym.build_version)
        return 0;
    char mem[128];
    if (read_gostring(rt->t, rt->sym.build_version, mem, sizeof mem, err) < 0) {
        if (hs_core_target_warning(rt->t)) /* a truncated core: err says what was lost */
            return hs_errctx(err, "reading runtime.buildVersion of %s", rt->t->description);
        return hs_errctx(err, "reading runtime.buildVersion of %s (is %s the program that %s?)",
                         rt->t->description, hs_image_path(rt->exe),
                         rt->t->live ? "runs there" : "wrote this core");
    }
    if (strncmp(mem, rt->ver.full, strlen(mem)) != 0)
        return hs_errf(err, "%s runs %s but %s was built with %s; pass the matching executable "
                       "with --exe", rt->t->description, mem, hs_image_path(rt->exe), rt->ver.full);
    return 0;
}

static void load_wait_reasons(go_rt *rt)
{
    size_t n = (size_t)(rt->sym.wait_reason_strings_size / 16);
    if (rt->sym.wait_reason_strings && n > 0 && n < 256) {
        char **names = calloc(n, sizeof *names);
        size_t ok = 0;
        for (size_t i = 0; names && i < n; i++) {
            char buf[96];
            if (read_gostring(rt->t, rt->sym.wait_reason_strings + 16 * i, buf, sizeof buf, NULL) == 0) {
                names[i] = strdup(buf);
                ok++;
            }
        }
        if (names && ok == n) {
            rt->wait_reasons = names;
            rt->nwait_reasons = n;
            rt->wait_reasons_owned = 1;
            return;
        }
        for (size_t i = 0; names && i < n; i++)
            free(names[i]);
        free(names);
    }
    int vi = rt->ver.minor - GO_TABLE_FIRST_MINOR;
    if (vi >= 0 && vi < GO_TABLE_NVERSIONS && rt->src.tables) {
        rt->wait_reasons = (char **)rt->src.tables->wait[vi].names;
        rt->nwait_reasons = rt->src.tables->wait[vi].n;
    }
}

/* traceback.go goroutineheader: a leaked goroutine shows its wait reason (gStatusStrings'
 * "leaked" for reason 0), then " (leaked)". */
static void load_leaked_states(go_rt *rt)
{
    if (rt->off.gleaked < 0 || rt->nwait_reasons == 0)
        return;
    char **v = calloc(rt->nwait_reasons, sizeof *v);
    for (size_t i = 0; v && i < rt->nwait_reasons; i++) {
        const char *r = i && rt->wait_reasons[i] && *rt->wait_reasons[i] ? rt->wait_reasons[i] : "leaked";
        if (asprintf(&v[i], "%s (leaked)", r) < 0)
            v[i] = NULL;
    }
    rt->leaked_states = v;
}

static int compute_bias(go_rt *rt, hs_err *err)
{
    if (!hs_image_is_pie(rt->exe))
        return 0;
    if (!rt->t->auxv_entry)
        return hs_errf(err, "%s is position-independent but %s records no entry address to "
                       "relocate it", hs_image_path(rt->exe), rt->t->description);
    rt->bias = rt->t->auxv_entry - hs_image_entry(rt->exe);
    return 0;
}

/* Adds a line to the warnings said with every command on this runtime. */
static void rt_warn(go_rt *rt, const char *text)
{
    char *w = NULL;
    if (asprintf(&w, "%s%s%s", rt->warning ? rt->warning : "", rt->warning ? "\nwarning: " : "", text) >= 0) {
        free(rt->warning);
        rt->warning = w;
    }
}

/* A release newer than heapscope knows, under --try-newer: read as the newest known one, its
 * layouts from DWARF (the tables describe known releases only). */
static int read_as_newest(go_rt *rt, const hs_err *refusal, hs_err *err)
{
    if (!rt->dwarf)
        return hs_errf(err, "%s, and %s has no usable DWARF to take its layouts from (built with "
                       "-ldflags=-w?): --try-newer needs DWARF; update heapscope", refusal->msg,
                       hs_image_path(rt->exe));
    char w[256];
    snprintf(w, sizeof w, "%s is newer than this heapscope knows: read with the rules of go1.%d "
             "and the binary's DWARF (--try-newer); nothing checks these results against that runtime",
             rt->ver.full, GO_VERSION_MAX_MINOR);
    rt_warn(rt, w);
    rt->ver.major = 1;
    rt->ver.minor = GO_VERSION_MAX_MINOR;
    return 0;
}

/* The binary's DWARF, else a warning: the per-release tables stand in. */
static void open_dwarf(go_rt *rt)
{
    hs_err derr;
    if (hs_dwarf_open(&rt->dwarf, hs_image_dwarf_path(rt->exe), &derr) < 0) {
        rt->dwarf = NULL;
        char w[sizeof derr.msg + 32];
        snprintf(w, sizeof w, "DWARF not used: %s", derr.msg);
        rt_warn(rt, w);
    }
}

/* The executable must be for the target's architecture. */
static int check_arch(go_rt *rt, hs_err *err)
{
    hs_arch a = hs_image_arch(rt->exe);
    if (a != rt->t->arch)
        return hs_errf(err, "%s is a linux/%s program but %s is linux/%s: give the executable "
                       "that ran there", hs_image_path(rt->exe), hs_arch_name(a),
                       rt->t->description, hs_arch_name(rt->t->arch));
    return 0;
}

static int open_model(go_rt *rt, int try_newer, hs_err *err)
{
    char version[128], mainpath[256];
    hs_err refusal = {{0}};
    if (go_buildinfo_read(rt->exe, version, sizeof version, mainpath, sizeof mainpath, err) < 0 ||
        go_version_parse(version, &rt->ver, err) < 0)
        return -1;
    if (go_version_supported(&rt->ver, &refusal) < 0) {
        if (rt->ver.devel || !go_version_newer(&rt->ver))
            return hs_errf(err, "%s", refusal.msg);
        if (!try_newer)
            return hs_errf(err, "%s (or --try-newer to read it with the rules of go1.%d)",
                           refusal.msg, GO_VERSION_MAX_MINOR);
    }
    open_dwarf(rt);
    if (check_arch(rt, err) < 0 || (refusal.msg[0] && read_as_newest(rt, &refusal, err) < 0))
        return -1;
    if (go_version_untested(&rt->ver)) {
        char w[160];
        snprintf(w, sizeof w, "Go 1.%d is untested: no answer for it has been checked against its runtime",
                 rt->ver.minor);
        rt_warn(rt, w);
    }
    rt->src = (go_layout_src){rt->dwarf, rt->ver.minor, go_tables_for(hs_image_arch(rt->exe))};
    if (go_offsets_resolve(&rt->src, &rt->off, err) < 0 || compute_bias(rt, err) < 0)
        return -1;
    if (go_moduledata_find(rt->exe, &rt->ver, &rt->md, err) < 0 ||
        go_pcln_open(&rt->pcln, rt->exe, &rt->md, &rt->ver, err) < 0)
        return -1;
    if (find_globals(rt, err) < 0 || check_memory_matches(rt, err) < 0)
        return -1;
    load_wait_reasons(rt);
    load_leaked_states(rt);
    return 0;
}

int go_rt_open(go_rt **out, hs_target *t, hs_image *exe, hs_err *err)
{
    return go_rt_open_opts(out, t, exe, 0, err);
}

int go_rt_open_opts(go_rt **out, hs_target *t, hs_image *exe, int try_newer, hs_err *err)
{
    *out = NULL;
    go_rt *rt = calloc(1, sizeof *rt);
    if (!rt)
        return hs_errf(err, "out of memory");
    rt->t = t;
    rt->exe = exe;
    if (open_model(rt, try_newer, err) < 0) {
        go_rt_close(rt);
        return -1;
    }
    *out = rt;
    return 0;
}

void go_rt_close(go_rt *rt)
{
    if (!rt)
        return;
    if (rt->wait_reasons_owned) {
        for (size_t i = 0; i < rt->nwait_reasons; i++)
            free(rt->wait_reasons[i]);
        free(rt->wait_reasons);
    }
    for (size_t i = 0; rt->leaked_states && i < rt->nwait_reasons; i++)
        free(rt->leaked_states[i]);
    free(rt->leaked_states);
    if (rt->pcln)
        go_pcln_close(rt->pcln);
    free(rt->warning);
    hs_dwarf_close(rt->dwarf);
    free(rt);
}

const char *go_rt_wait_reason(const go_rt *rt, unsigned reason)
{
    return reason < rt->nwait_reasons ? rt->wait_reasons[reason] : NULL;
}

const char *go_rt_leaked_state(const go_rt *rt, unsigned reason)
{
    return rt->leaked_states && reason < rt->nwait_reasons ? rt->leaked_states[reason] : NULL;
}
