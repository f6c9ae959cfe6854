/* paths_render.c - heap-paths as text (a small tree per group: counts, then the root and each
 * step indented under it) and as the JSON object its issue specifies. */
#include "../util/human.h"
#include "json_util.h"
#include "paths_report.h"

static size_t shown(const paths_report *r)
{
    return r->limit > 0 && (size_t)r->limit < r->ngroups ? (size_t)r->limit : r->ngroups;
}

void paths_render_text(const paths_report *r, strbuf *out)
{
    char n[32], b[48], k[48];
    hs_format_count(r->objects, n, sizeof n);
    hs_format_bytes(r->bytes, b, sizeof b);
    hs_format_bytes(r->retained_bytes, k, sizeof k);
    sb_printf(out, "%s: %s live object%s, %s, keeping %s alive; %zu reference path%s from roots "
              "(shortest, root first):\n", r->type, n, r->objects == 1 ? "" : "s", b, k, r->ngroups,
              r->ngroups == 1 ? "" : "s");
    for (size_t i = 0; i < shown(r); i++) {
        const paths_group *g = &r->groups[i];
        hs_format_count(g->objects, n, sizeof n);
        hs_format_bytes(g->bytes, b, sizeof b);
        hs_format_bytes(g->retained_bytes, k, sizeof k);
        sb_printf(out, "\n%s object%s, %s (keeping %s alive)\n  %s  [%s]\n", n, g->objects == 1 ? "" : "s",
                  b, k, g->root.name, g->root.kind);
        for (size_t s = 0; s < g->nsteps; s++)
            sb_printf(out, "  %*s└─ %s\n", (int)(2 * s), "", g->steps[s]);
        sb_printf(out, "  %*s└─ %s\n", (int)(2 * g->nsteps), "", r->type);
    }
    if (shown(r) < r->ngroups)
        sb_printf(out, "\n...%zu more paths; use -n 0 to show all\n", r->ngroups - shown(r));
}

static cJSON *root_json(const hs_path_root *p)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "kind", p->kind);
    if (p->thread) { /* a native thread's: the frame holding the word, when known */
        json_add_u64(o, "thread", p->thread);
        if (p->function) {
            json_add_u64(o, "frame", p->frame);
            cJSON_AddStringToObject(o, "function", p->function);
            cJSON_AddItemToObject(o, "file", p->file ? cJSON_CreateString(p->file) : cJSON_CreateNull());
            cJSON_AddItemToObject(o, "line", p->line ? cJSON_CreateNumber(p->line) : cJSON_CreateNull());
        }
    } else if (p->function) {
        json_add_u64(o, "goroutine", p->goroutine);
        cJSON_AddStringToObject(o, "function", p->function);
        cJSON_AddItemToObject(o, "variable", p->variable ? cJSON_CreateString(p->variable) : cJSON_CreateNull());
    }
    cJSON_AddStringToObject(o, "name", p->name);
    return o;
}

void paths_render_json(const paths_report *r, strbuf *out)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "command", "heap-paths");
    cJSON_AddStringToObject(o, "runtime", r->runtime ? r->runtime : "go");
    cJSON_AddStringToObject(o, "version", r->version);
    cJSON_AddItemToObject(o, "target", json_target(r->target));
    cJSON_AddStringToObject(o, "type", r->type);
    json_add_u64(o, "objects", r->objects);
    json_add_u64(o, "bytes", r->bytes);
    json_add_u64(o, "retained_bytes", r->retained_bytes);
    cJSON *paths = cJSON_AddArrayToObject(o, "paths");
    for (size_t i = 0; i < shown(r); i++) {
        const paths_group *g = &r->groups[i];
        cJSON *p = cJSON_CreateObject();
        cJSON_AddItemToObject(p, "root", root_json(&g->root));
        cJSON *steps = cJSON_AddArrayToObject(p, "steps");
        for (size_t s = 0; s < g->nsteps; s++)
            cJSON_AddItemToArray(steps, cJSON_CreateString(g->steps[s]));
        json_add_u64(p, "objects", g->objects);
        json_add_u64(p, "bytes", g->bytes);
        json_add_u64(p, "retained_bytes", g->retained_bytes);
        cJSON_AddItemToArray(paths, p);
    }
    json_add_u64(o, "paths_total", r->ngroups);
    cJSON_AddItemToObject(o, "warnings", json_lines(r->warnings));
    json_emit(o, out);
}
