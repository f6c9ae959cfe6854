/* json_util.c - cJSON helpers (see json_util.h). */
#include "json_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

cJSON *json_frame(const hs_frame *f)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "function", f->function ? f->function : "?");
    cJSON_AddStringToObject(o, "file", f->file ? f->file : "?");
    cJSON_AddNumberToObject(o, "line", f->line);
    if (f->inlined)
        cJSON_AddBoolToObject(o, "inlined", 1);
    if (f->wrapper)
        cJSON_AddBoolToObject(o, "wrapper", 1);
    return o;
}

cJSON *json_frames(const hs_frame *frames, const char *const *names, uint32_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (uint32_t i = 0; i < n; i++) {
        hs_frame f = frames[i];
        if (names && names[i])
            f.function = names[i];
        cJSON_AddItemToArray(a, json_frame(&f));
    }
    return a;
}

cJSON *json_target(const hs_target *t)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "kind", t->kind);
    cJSON_AddStringToObject(o, "description", t->description ? t->description : "");
    if (t->pid)
        cJSON_AddNumberToObject(o, "pid", t->pid);
    if (t->exe_path)
        cJSON_AddStringToObject(o, "executable", t->exe_path);
    return o;
}

cJSON *json_lines(const char *text)
{
    cJSON *a = cJSON_CreateArray();
    while (text && *text) {
        const char *nl = strchr(text, '\n');
        size_t len = nl ? (size_t)(nl - text) : strlen(text);
        char *line = strndup(text, len);
        if (line && *line)
            cJSON_AddItemToArray(a, cJSON_CreateString(line));
        free(line);
        text += len + (nl ? 1 : 0);
    }
    return a;
}

void json_add_u64(cJSON *o, const char *key, uint64_t v)
{
    char num[24];
    snprintf(num, sizeof num, "%llu", (unsigned long long)v);
    cJSON_AddRawToObject(o, key, num);
}

void json_emit(cJSON *obj, strbuf *out)
{
    char *s = cJSON_PrintUnformatted(obj);
    if (s) {
        sb_puts(out, s);
        sb_putc(out, '\n');
        free(s);
    }
    cJSON_Delete(obj);
}

int json_write_file(const cJSON *obj, const char *path, hs_err *err)
{
    char *text = cJSON_PrintUnformatted(obj);
    char tmp[4096];
    if (!text)
        return hs_errf(err, "out of memory formatting %s", path);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int ok = f && fputs(text, f) >= 0 && fputc('\n', f) != EOF;
    ok = (f && fclose(f) == 0) && ok;
    free(text);
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        remove(tmp);
        return hs_errf(err, "cannot write %s: %s", path, strerror(e));
    }
    return 0;
}
