/* waits_render.c - what a group of blocked goroutines waits on and who holds it, as the line
 * under the group's state in text and as the group's "waits_on" object in JSON:
 *     waits on chan int (unbuffered) 0xc000020060, held by main.jobs
 *     waits on 3 chan int (unbuffered), reachable from nothing
 *     waits on sync.Mutex 0xc00001c030 (main.guarded.mu), held by main.srv → main.Server.acct */
#include "waits_render.h"

#include <stdio.h>
#include <string.h>

#include "json_util.h"

static void object_text(const hs_group_waits *s, strbuf *out)
{
    const hs_waits_on *f = s->first;
    int chan = f->type || f->cap >= 0;
    if (!strcmp(f->kind, "nil channel") || !strcmp(f->kind, "nothing")) {
        sb_puts(out, !strcmp(f->kind, "nothing") ? "nothing (select {})" : "a nil channel");
        return;
    }
    if (s->nobjects > 1)
        sb_printf(out, "%zu ", s->nobjects);
    sb_puts(out, s->same_type && f->type ? f->type : f->kind);
    if (chan && s->same_buffer && f->cap == 0)
        sb_puts(out, " (unbuffered)");
    else if (chan && s->same_buffer && f->cap > 0)
        sb_printf(out, " (buffer %lld of %lld)", (long long)f->len, (long long)f->cap);
    if (f->nobjects > 1)
        sb_printf(out, " (a select on %u)", f->nobjects);
    if (s->nobjects == 1 && f->addr)
        sb_printf(out, " 0x%llx", (unsigned long long)f->addr);
    if (s->nobjects == 1 && f->where)
        sb_printf(out, " (%s)", f->where);
}

static void path_text(const hs_waits_on *h, strbuf *out)
{
    sb_puts(out, h->holder);
    for (uint32_t i = 0; i < h->nsteps; i++)
        sb_printf(out, " → %s", h->steps[i]);
}

void waits_render_text(const hs_task *tasks, const hs_task_group *g, strbuf *out)
{
    hs_group_waits s;
    hs_group_waits_sum(tasks, g, &s);
    if (!s.first)
        return;
    sb_puts(out, "    waits on ");
    object_text(&s, out);
    if (s.held) {
        sb_puts(out, ", held by ");
        path_text(s.held, out);
        if (!s.same_holder)
            sb_puts(out, " (and other paths)");
    }
    const char *k = s.first->kind;
    int nothing = !strcmp(k, "nil channel") || !strcmp(k, "nothing");
    if (g->count > s.nheld && !nothing && g->first->leaked >= 0)
        sb_printf(out, "%s%s", s.held ? "; some " : ", ", g->first->leaked
                  ? "reachable from nothing" : "held only by blocked goroutines another can wake");
    sb_putc(out, '\n');
}

static cJSON *holder_json(const hs_waits_on *h)
{
    if (!h)
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "kind", h->holder_kind ? h->holder_kind : "runtime");
    cJSON_AddStringToObject(o, "root", h->holder);
    cJSON *steps = cJSON_AddArrayToObject(o, "steps");
    for (uint32_t i = 0; i < h->nsteps; i++)
        cJSON_AddItemToArray(steps, cJSON_CreateString(h->steps[i]));
    return o;
}

static void add_opt_string(cJSON *o, const char *key, const char *v)
{
    cJSON_AddItemToObject(o, key, v ? cJSON_CreateString(v) : cJSON_CreateNull());
}

cJSON *waits_render_json(const hs_task *tasks, const hs_task_group *g)
{
    hs_group_waits s;
    hs_group_waits_sum(tasks, g, &s);
    if (!s.first)
        return cJSON_CreateNull();
    const hs_waits_on *f = s.first;
    cJSON *o = cJSON_CreateObject();
    char addr[32];
    snprintf(addr, sizeof addr, "0x%llx", (unsigned long long)f->addr);
    cJSON_AddStringToObject(o, "kind", f->kind);
    add_opt_string(o, "type", s.same_type ? f->type : NULL);
    cJSON_AddNumberToObject(o, "objects", (double)s.nobjects);
    add_opt_string(o, "addr", s.nobjects == 1 && f->addr ? addr : NULL);
    add_opt_string(o, "where", s.nobjects == 1 ? f->where : NULL);
    int buffer = s.same_buffer && f->cap >= 0;
    cJSON_AddItemToObject(o, "len", buffer ? cJSON_CreateNumber((double)f->len) : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "cap", buffer ? cJSON_CreateNumber((double)f->cap) : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "held_by", holder_json(s.held));
    cJSON_AddNumberToObject(o, "held", (double)s.nheld);
    cJSON_AddBoolToObject(o, "same_holder", s.held ? s.same_holder : 1);
    return o;
}
