/* session.c - sessions, targets and running commands: the implementation of heapscope.h. */
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../image/debug_file.h"
#include "../target/core_target.h"
#include "../util/clock.h"
#include "../target/host_target.h"
#include "../target/pid_target.h"
#include "../go/go_inflight.h"

hs_session *hs_session_new(void)
{
    hs_session *s = calloc(1, sizeof(hs_session));
    if (s)
        hs_progress_init(&s->meter, NULL, NULL);
    return s;
}

void hs_session_close_target(hs_session *s)
{
    go_rt_close(s->go);
    s->go = NULL;
    hs_target_close(s->target);
    s->target = NULL;
    hs_image_close(s->exe);
    s->exe = NULL;
    free(s->target_warning);
    s->target_warning = NULL;
    free(s->core_path);
    s->core_path = NULL;
    s->copied = 0;
}

void hs_session_free(hs_session *s)
{
    if (!s)
        return;
    hs_session_close_target(s);
    free(s->debug_file);
    free(s);
}

int hs_session_set_debug_file(hs_session *s, const char *path)
{
    free(s->debug_file);
    s->debug_file = path ? strdup(path) : NULL;
    return path && !s->debug_file ? -1 : 0;
}

/* Every new target inherits the session's progress line and interrupt check (a host target may
 * bring its own check). */
static void adopt_interrupt(hs_session *s)
{
    if (s->target)
        s->target->progress = &s->meter;
    if (s->target && s->interrupted) {
        s->target->interrupted = s->interrupted;
        s->target->interrupt_ctx = s->interrupt_ctx;
    }
}

static int fail(hs_err *e, char *err, size_t errlen)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", e->msg);
    return -1;
}

/* Opens the executable (given, or the one the target records) for a freshly opened target. */
static int open_exe(hs_session *s, const char *exe_path, hs_err *e)
{
    const char *path = exe_path ? exe_path : s->target->exe_path;
    if (!path)
        return hs_errf(e, "%s does not record its executable; pass it with --exe",
                       s->target->description);
    if (hs_image_open(&s->exe, path, e) < 0)
        return exe_path ? -1 : hs_errctx(e, "the executable recorded in %s (pass another with --exe)",
                                         s->target->description);
    return hs_debug_attach(s->exe, s->debug_file, e);
}

int hs_session_open_core(hs_session *s, const char *core_path, const char *exe_path, char *err,
                         size_t errlen)
{
    hs_err e = {{0}};
    hs_session_close_target(s);
    if (hs_core_target_open(&s->target, core_path, &e) < 0 || open_exe(s, exe_path, &e) < 0 ||
        hs_core_target_set_exe(s->target, s->exe, &e) < 0) {
        hs_session_close_target(s);
        return fail(&e, err, errlen);
    }
    adopt_interrupt(s);
    s->core_path = strdup(core_path);
    const char *w = hs_core_target_warning(s->target);
    if (w && *w)
        s->target_warning = strdup(w);
    return 0;
}

int hs_session_attach_pid_snapshot(hs_session *s, int pid, const char *snapshot, char *err,
                                   size_t errlen)
{
    hs_err e = {{0}};
    hs_session_close_target(s);
    int fork = snapshot && strcmp(snapshot, "fork") == 0;
    if (snapshot && !fork && strcmp(snapshot, "copy") != 0) {
        hs_errf(&e, "--snapshot is \"fork\" or \"copy\", not \"%s\"", snapshot);
        return fail(&e, err, errlen);
    }
    if (hs_pid_target_attach_ex(&s->target, pid, s->interrupted, s->interrupt_ctx, &e) < 0 ||
        (fork && hs_pid_target_fork(s->target, &e) < 0) || open_exe(s, NULL, &e) < 0) {
        hs_session_close_target(s);
        return fail(&e, err, errlen);
    }
    adopt_interrupt(s);
    return 0;
}

int hs_session_attach_pid(hs_session *s, int pid, char *err, size_t errlen)
{
    return hs_session_attach_pid_snapshot(s, pid, NULL, err, errlen);
}

int hs_session_open_host(hs_session *s, const hs_host_target *host, char *err, size_t errlen)
{
    hs_err e = {{0}};
    hs_session_close_target(s);
    if (hs_host_target_open(&s->target, host, &e) < 0 || open_exe(s, host->exe_path, &e) < 0) {
        hs_session_close_target(s);
        return fail(&e, err, errlen);
    }
    adopt_interrupt(s);
    s->core_path = host->core_path ? strdup(host->core_path) : NULL;
    const char *w = hs_host_target_warning(s->target);
    if (w && *w)
        s->target_warning = strdup(w);
    return 0;
}

void hs_session_set_interrupt(hs_session *s, int (*interrupted)(void *ctx), void *ctx)
{
    s->interrupted = interrupted;
    s->interrupt_ctx = ctx;
    if (s->target && interrupted) {
        s->target->interrupted = interrupted;
        s->target->interrupt_ctx = ctx;
    }
}

void hs_session_set_progress(hs_session *s, void (*progress)(void *ctx, const char *text), void *ctx)
{
    s->progress = progress;
    s->progress_ctx = ctx;
}

void hs_session_set_progress_line(hs_session *s, void (*show)(void *ctx, const char *line),
                                  void *ctx)
{
    hs_progress_init(&s->meter, show, ctx);
}

void hs_session_flush(hs_session *s, strbuf *out)
{
    if (!s->progress || out->len == 0)
        return;
    hs_progress_clear(&s->meter);
    s->progress(s->progress_ctx, sb_str(out));
    out->len = 0;
    out->s[0] = 0;
}

/* A live process stopped while one of its threads is halfway through a two-step heap update
 * (go_inflight.h) is let go and stopped again, up to SETTLE_TRIES times within SETTLE_NS, so that
 * the heap and the runtime's statistics read agree as runtime.ReadMemStats would see them (a
 * heap being swept all the time, just after a collection of a big heap, would otherwise keep it
 * trying; what it reads then says which thread was where). */
#define SETTLE_TRIES 50
#define SETTLE_NS 100000000LL

static int open_go_settled(hs_session *s, hs_err *err)
{
    if (go_rt_open_opts(&s->go, s->target, s->exe, s->try_newer, err) < 0)
        return -1;
    if (strcmp(s->target->kind, "pid") != 0)
        return 0;
    int64_t until = hs_mono_ns() + SETTLE_NS;
    for (int i = 0; i < SETTLE_TRIES && hs_mono_ns() < until && go_inflight_threads(s->go, NULL, 0) > 0;
         i++)
        if (hs_pid_target_restop(s->target, err) < 0) {
            hs_session_close_target(s);
            return -1;
        }
    return 0;
}

int hs_session_go(hs_session *s, go_rt **rt, hs_err *err)
{
    if (!s->go) {
        if (open_go_settled(s, err) < 0)
            return -1;
        if (s->go->warning) { /* said with every command, like the target's own warning */
            char *w = NULL;
            if (asprintf(&w, "%s%s%s", s->target_warning ? s->target_warning : "",
                         s->target_warning ? "\nwarning: " : "", s->go->warning) >= 0) {
                free(s->target_warning);
                s->target_warning = w;
            }
        }
    }
    *rt = s->go;
    return 0;
}

/* The most memory a copy of a live process may take: HEAPSCOPE_COPY_BUDGET (bytes), else half
 * of what /proc/meminfo says is available, else 1 GiB. */
static uint64_t copy_budget(void)
{
    const char *env = getenv("HEAPSCOPE_COPY_BUDGET");
    if (env && *env)
        return strtoull(env, NULL, 10);
    FILE *f = fopen("/proc/meminfo", "re");
    unsigned long long kib = 0;
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib ? (uint64_t)kib * 1024 / 2 : 1ull << 30;
}

int hs_session_release(hs_session *s, strbuf *msgs, hs_err *err)
{
    if (!s->target || strcmp(s->target->kind, "pid") != 0)
        return 0;
    hs_pid_release r;
    int rc = hs_pid_target_release(s->target, copy_budget(), &r, err);
    if (rc < 0)
        return -1;
    s->copied = r.copied;
    if (rc == 1 && hs_pid_target_forked(s->target))
        sb_printf(msgs, "note: the fork of %s is read in place: %s\n", s->target->description,
                  r.why);
    else if (rc == 1)
        sb_printf(msgs, "note: %s stays stopped while it is read: %s\n", s->target->description,
                  r.why);
    return 0;
}

/* How long the live process of the session has been (or was) stopped. */
static void say_pause(const hs_session *s, strbuf *msgs)
{
    if (!s->target || strcmp(s->target->kind, "pid") != 0)
        return;
    int released;
    double secs = hs_pid_target_stopped(s->target, &released);
    if (released && hs_pid_target_forked(s->target) && s->copied)
        sb_printf(msgs, "%s stopped %.3f s to fork it; %.0f MiB of the fork's memory copied and "
                  "read while it ran on\n", s->target->description, secs,
                  (double)s->copied / (1 << 20));
    else if (released && hs_pid_target_forked(s->target))
        sb_printf(msgs, "%s stopped %.3f s to fork it; the fork was read while it ran on\n",
                  s->target->description, secs);
    else if (released)
        sb_printf(msgs, "%s stopped %.2f s; %.0f MiB of its memory copied and read after it "
                  "resumed\n", s->target->description, secs, (double)s->copied / (1 << 20));
    else
        sb_printf(msgs, "%s stopped %.2f s so far; it resumes when heapscope lets go of it\n",
                  s->target->description, secs);
}

static hs_result result(int status, strbuf *out, strbuf *msgs)
{
    hs_result r = {status, sb_detach(out), sb_detach(msgs)};
    return r;
}

hs_result hs_session_run(hs_session *s, int argc, const char *const *argv)
{
    strbuf out, msgs;
    sb_init(&out);
    sb_init(&msgs);
    hs_err e = {{0}};
    const hs_command *c = argc > 0 ? hs_find_command(argv[0]) : NULL;
    if (!c) {
        sb_printf(&msgs, "heapscope: unknown command \"%s\" (commands: threads-blocked, heap-top, "
                  "snapshot, snapshot-diff, heap-paths, watch, leakcheck)\n", argc > 0 ? argv[0] : "");
        return result(HS_USAGE, &out, &msgs);
    }
    hs_args a;
    if (hs_parse_args(argc, argv, c->opts, &a, &e) < 0) {
        sb_printf(&msgs, "%s: %s\nusage: %s\n", c->name, e.msg, c->summary);
        return result(HS_USAGE, &out, &msgs);
    }
    if (c->needs_target && !s->target) {
        sb_printf(&msgs, "%s: no target: give --pid PID or --core CORE [--exe EXE]\n", c->name);
        return result(HS_USAGE, &out, &msgs);
    }
    int tn = hs_opt_index(c->opts, "try-newer");
    s->try_newer = tn >= 0 && a.v[tn].present;
    hs_progress_start(&s->meter);
    int status = c->run(s, &a, &out, &msgs, &e);
    hs_progress_clear(&s->meter);
    if (s->target_warning && status == HS_OK) /* warnings qualify results; a failure is one line */
        sb_printf(&msgs, "warning: %s\n", s->target_warning);
    if (status != HS_OK && e.msg[0])
        sb_printf(&msgs, "%s: %s\n", c->name, e.msg);
    if (c->needs_target && status == HS_OK) /* a failure stays one line */
        say_pause(s, &msgs);
    return result(status, &out, &msgs);
}

void hs_result_free(hs_result *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

void hs_free(void *p) { free(p); }
