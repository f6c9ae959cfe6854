/* waits_render.h - the "waits on ..., held by ..." part of a threads-blocked group, as text and
 * JSON (see waits_render.c). */
#ifndef HS_WAITS_RENDER_H
#define HS_WAITS_RENDER_H

#include <cjson/cJSON.h>

#include "../util/strbuf.h"
#include "../views/group_waits.h"

/* One line ("    waits on ...\n"); nothing when no member says what it waits on. */
void waits_render_text(const hs_task *tasks, const hs_task_group *g, strbuf *out);
/* {"kind","type","objects","addr","where","len","cap","held_by":{"kind","root","steps"}|null,
 * "held","same_holder"}, or JSON null. */
cJSON *waits_render_json(const hs_task *tasks, const hs_task_group *g);

#endif
