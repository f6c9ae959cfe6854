/* native_render.c - threads-blocked of a native process as text and JSON (native_report.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "json_util.h"
#include "native_report.h"
#include "threads_report.h"

#define TEXT_MAX_FRAMES 40
#define TEXT_MAX_IDS 10
#define TEXT_MAX_LOCKS 10

static const char *name_of(const native_report *r, size_t task)
{
    return r->nt->names[task];
}

static size_t task_index(const native_report *r, int32_t tid)
{
    for (size_t i = 0; i < r->nt->n; i++)
        if (r->nt->tasks[i].tid == tid)
            return i;
    return (size_t)-1;
}

static void thread_text(const native_report *r, int32_t tid, strbuf *out)
{
    sb_printf(out, "thread %d", tid);
    size_t i = task_index(r, tid);
    if (i != (size_t)-1 && name_of(r, i))
        sb_printf(out, " (%s)", name_of(r, i));
}

/* A lock's name, and its address unless the name is one ("heap block 0x..."). */
static void lock_text(const char *kind, const char *name, uint64_t addr, strbuf *out)
{
    sb_printf(out, "%s %s", kind, name);
    if (!strstr(name, "0x"))
        sb_printf(out, " (0x%" PRIx64 ")", addr);
}

static void deadlocks_text(const native_report *r, strbuf *out)
{
    size_t n = r->nt->ndeadlocks;
    if (!n)
        return;
    sb_puts(out, n == 1 ? "\nFound one deadlock:\n" : "\n");
    for (size_t c = 0; c < n; c++) {
        const native_deadlock *d = &r->nt->deadlocks[c];
        if (n > 1)
            sb_printf(out, "Deadlock %zu of %zu:\n", c + 1, n);
        sb_puts(out, "=============================\n");
        for (size_t k = 0; k < d->n; k++) {
            sb_puts(out, "  ");
            thread_text(r, d->threads[k], out);
            sb_puts(out, " waits for ");
            lock_text(r->nt->tasks[task_index(r, d->threads[k])].waits_on->kind, d->names[k],
                      d->mutexes[k], out);
            sb_puts(out, " held by ");
            thread_text(r, d->threads[(k + 1) % d->n], out);
            sb_puts(out, k + 1 < d->n ? ";\n" : "\n");
        }
    }
    sb_printf(out, "Found %zu deadlock%s.\n", n, n == 1 ? "" : "s");
}

static int same_wait(const hs_waits_on *a, const hs_waits_on *b)
{
    return a->addr == b->addr && a->owner_tid == b->owner_tid && !strcmp(a->kind, b->kind) &&
           a->relock_addr == b->relock_addr && a->relock_owner == b->relock_owner;
}

/* ", held by thread T" or, for a condition variable (which no thread holds), the mutex its
 * waiters re-take and who holds that now. */
static void holder_text(const native_report *r, const hs_waits_on *w, strbuf *out)
{
    int cond = !strcmp(w->kind, "condition variable");
    if (cond && !w->relock_addr) {
        sb_puts(out, ", the mutex re-taken on waking is not known (libc without debug information)");
        return;
    }
    int32_t owner = cond ? w->relock_owner : w->owner_tid;
    if (cond) {
        sb_puts(out, ", then re-take ");
        lock_text("mutex", w->relock_name, w->relock_addr, out);
    }
    sb_puts(out, owner > 0 ? ", held by " : cond ? ", unlocked now" : ", holder unknown");
    if (owner > 0)
        thread_text(r, owner, out);
}

/* "    N threads wait on mutex g_held (0x...), held by thread T" per distinct lock of a group. */
static void waits_text(const native_report *r, const hs_task_group *g, strbuf *out)
{
    size_t lines = 0;
    for (size_t i = 0; i < g->count; i++) {
        const hs_waits_on *w = r->nt->tasks[g->members[i]].waits_on;
        int seen = !w;
        for (size_t j = 0; j < i && !seen; j++) {
            const hs_waits_on *o = r->nt->tasks[g->members[j]].waits_on;
            seen = o && same_wait(o, w);
        }
        if (seen)
            continue;
        if (lines++ == TEXT_MAX_LOCKS) {
            sb_puts(out, "    ...and other locks\n");
            return;
        }
        size_t same = 0;
        for (size_t j = i; j < g->count; j++) {
            const hs_waits_on *o = r->nt->tasks[g->members[j]].waits_on;
            same += o && same_wait(o, w);
        }
        sb_printf(out, "    %zu thread%s wait%s on ", same, same == 1 ? "" : "s", same == 1 ? "s" : "");
        lock_text(w->kind, w->holder, w->addr, out);
        holder_text(r, w, out);
        sb_putc(out, '\n');
    }
}

static void frames_text(const hs_task *t, strbuf *out)
{
    for (uint32_t i = 0; i < t->nframes && i < TEXT_MAX_FRAMES; i++) {
        const hs_frame *f = &t->frames[i];
        if (f->line > 0)
            sb_printf(out, "    %s\n        %s:%d\n", f->function, f->file, f->line);
        else
            sb_printf(out, "    %s\n        %s\n", f->function, f->file);
    }
    if (t->nframes > TEXT_MAX_FRAMES)
        sb_printf(out, "    ...%u more frames\n", (unsigned)(t->nframes - TEXT_MAX_FRAMES));
}

static void ids_text(const native_report *r, const hs_task_group *g, strbuf *out)
{
    sb_puts(out, g->count == 1 ? "    thread" : "    threads");
    for (size_t i = 0; i < g->count && i < TEXT_MAX_IDS; i++) {
        sb_printf(out, " %d", r->nt->tasks[g->members[i]].tid);
        if (name_of(r, g->members[i]))
            sb_printf(out, " (%s)", name_of(r, g->members[i]));
    }
    if (g->count > TEXT_MAX_IDS)
        sb_printf(out, " ... (%zu more)", g->count - TEXT_MAX_IDS);
    sb_putc(out, '\n');
}

static size_t shown_groups(const native_report *r)
{
    size_t n = r->groups->n;
    return r->limit > 0 && (size_t)r->limit < n ? (size_t)r->limit : n;
}

void native_render_text(const native_report *r, strbuf *out)
{
    const hs_task_groups *gs = r->groups;
    sb_printf(out, "native threads, %s: %zu threads; %zu %s in %zu group%s\n",
              r->target->description, r->nt->n, gs->ntasks, r->all ? "shown" : "blocked", gs->n,
              gs->n == 1 ? "" : "s");
    if (r->target->from_core)
        sb_puts(out, "(a core records no thread names)\n");
    deadlocks_text(r, out);
    size_t shown = shown_groups(r);
    for (size_t i = 0; i < shown; i++) {
        const hs_task_group *g = &gs->v[i];
        sb_printf(out, "\n%zu thread%s [%s]", g->count, g->count == 1 ? "" : "s", g->first->state);
        if (r->mixed)
            sb_printf(out, " (%s)", r->nt->roles[g->members[0]]);
        sb_puts(out, ":\n");
        waits_text(r, g, out);
        frames_text(g->first, out);
        if (g->first->truncated)
            sb_puts(out, "    ...the stack could not be walked further\n");
        ids_text(r, g, out);
    }
    threads_render_rest_text(gs, shown, "threads", out);
}

static cJSON *hex(uint64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "0x%" PRIx64, v);
    return cJSON_CreateString(buf);
}

static cJSON *frames_json(const hs_task *t)
{
    cJSON *a = cJSON_CreateArray();
    for (uint32_t i = 0; i < t->nframes; i++) {
        const hs_frame *f = &t->frames[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "function", f->function);
        cJSON_AddStringToObject(o, "file", f->file);
        cJSON_AddItemToObject(o, "line", f->line > 0 ? cJSON_CreateNumber(f->line) : cJSON_CreateNull());
        if (f->inlined)
            cJSON_AddBoolToObject(o, "inlined", 1);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

static cJSON *wait_json(const hs_waits_on *w)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "kind", w->kind);
    cJSON_AddItemToObject(o, "addr", hex(w->addr));
    cJSON_AddStringToObject(o, "name", w->holder);
    cJSON_AddStringToObject(o, "name_kind", w->holder_kind);
    cJSON_AddItemToObject(o, "owner", w->owner_tid > 0 ? cJSON_CreateNumber(w->owner_tid) : cJSON_CreateNull());
    if (!strcmp(w->kind, "condition variable") && w->relock_addr) {
        cJSON *m = cJSON_AddObjectToObject(o, "mutex");
        cJSON_AddItemToObject(m, "addr", hex(w->relock_addr));
        cJSON_AddStringToObject(m, "name", w->relock_name);
        cJSON_AddItemToObject(m, "owner", w->relock_owner > 0 ? cJSON_CreateNumber(w->relock_owner)
                                                              : cJSON_CreateNull());
    } else if (!strcmp(w->kind, "condition variable")) {
        cJSON_AddNullToObject(o, "mutex");
    }
    return o;
}

static cJSON *group_json(const native_report *r, const hs_task_group *g)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "state", g->first->state);
    if (r->mixed)
        cJSON_AddStringToObject(o, "role", r->nt->roles[g->members[0]]);
    cJSON_AddNumberToObject(o, "count", (double)g->count);
    cJSON_AddItemToObject(o, "frames", frames_json(g->first));
    if (g->first->truncated)
        cJSON_AddBoolToObject(o, "truncated", 1);
    cJSON *ids = cJSON_AddArrayToObject(o, "threads");
    cJSON *names = cJSON_AddArrayToObject(o, "names");
    cJSON *waits = cJSON_AddArrayToObject(o, "waits_on");
    for (size_t i = 0; i < g->count; i++) {
        const hs_task *t = &r->nt->tasks[g->members[i]];
        const char *name = name_of(r, g->members[i]);
        cJSON_AddItemToArray(ids, cJSON_CreateNumber(t->tid));
        cJSON_AddItemToArray(names, name ? cJSON_CreateString(name) : cJSON_CreateNull());
        if (t->waits_on) {
            cJSON *w = wait_json(t->waits_on);
            cJSON_AddNumberToObject(w, "thread", t->tid);
            cJSON_AddItemToArray(waits, w);
        }
    }
    return o;
}

static cJSON *deadlocks_json(const native_report *r)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t c = 0; c < r->nt->ndeadlocks; c++) {
        const native_deadlock *d = &r->nt->deadlocks[c];
        cJSON *o = cJSON_CreateObject(), *th = cJSON_AddArrayToObject(o, "threads"),
              *mu = cJSON_AddArrayToObject(o, "mutexes"), *nm = cJSON_AddArrayToObject(o, "names");
        for (size_t k = 0; k < d->n; k++) {
            cJSON_AddItemToArray(th, cJSON_CreateNumber(d->threads[k]));
            cJSON_AddItemToArray(mu, hex(d->mutexes[k]));
            cJSON_AddItemToArray(nm, cJSON_CreateString(d->names[k]));
        }
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

void native_report_json(const native_report *r, cJSON *o)
{
    cJSON_AddNumberToObject(o, "total", (double)r->nt->n);
    cJSON_AddNumberToObject(o, "shown", (double)r->groups->ntasks);
    cJSON *groups = cJSON_AddArrayToObject(o, "groups");
    size_t shown = shown_groups(r);
    for (size_t i = 0; i < shown; i++)
        cJSON_AddItemToArray(groups, group_json(r, &r->groups->v[i]));
    cJSON_AddNumberToObject(o, "groups_total", (double)r->groups->n);
    cJSON_AddItemToObject(o, "deadlocks", deadlocks_json(r));
    cJSON_AddItemToObject(o, "warnings", json_lines(sb_str(&r->nt->warnings)));
}

void native_render_json(const native_report *r, strbuf *out)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "command", "threads-blocked");
    cJSON_AddStringToObject(o, "runtime", "native");
    cJSON_AddItemToObject(o, "target", json_target(r->target));
    native_report_json(r, o);
    json_emit(o, out);
}
