/* task_groups.h - tasks grouped by (state, leak verdict, stack), largest group first: what
 * threads-blocked shows. */
#ifndef HS_TASK_GROUPS_H
#define HS_TASK_GROUPS_H

#include <stddef.h>
#include <stdint.h>

#include "records.h"

typedef struct hs_creator_count {
    hs_frame frame;
    size_t count;
} hs_creator_count;

typedef struct hs_labels_count {
    const char *labels; /* an hs_task's label set */
    size_t count;
} hs_labels_count;

typedef struct hs_task_group {
    const hs_task *first;     /* state, leak verdict, frames and truncation are those of every member */
    size_t count;
    int64_t max_wait_ns;      /* -1 when no member has a recorded wait */
    size_t *members;          /* indices into the task array */
    hs_creator_count *creators;
    size_t ncreators;
    hs_labels_count *labelsets; /* the distinct label sets of its members, most common first */
    size_t nlabelsets;
} hs_task_group;

typedef struct hs_group_filter {
    int all;             /* include tasks that are not blocked (running, runnable) */
    int system;          /* include the runtime's own tasks */
    int64_t min_wait_ns; /* 0: no filter; else only tasks known to wait at least this long */
    const char *label;   /* NULL: no filter; else "KEY=VALUE": only tasks carrying that label */
    int leaked_only;     /* only leaked tasks */
    int verdicts;        /* (for the collector) work out the leak verdicts */
    int waits_on;        /* (for the collector, with verdicts) name what each waits on */
    const char *const *ignore; /* leave out tasks with a frame of one of these functions */
    size_t nignore;
} hs_group_filter;

typedef struct hs_task_groups {
    hs_task_group *v;
    size_t n;
    size_t ntasks; /* tasks in all groups */
} hs_task_groups;

int hs_task_groups_build(const hs_task *tasks, size_t n, const hs_group_filter *f,
                         hs_task_groups *out);
void hs_task_groups_free(hs_task_groups *g);

/* The pairs of a label set (hs_task.labels), in order: start with *pos = labels, then each call
 * gives the next key and value (not NUL-terminated) and returns 1; 0 at the end. */
int hs_labels_next(const char **pos, const char **key, size_t *nkey, const char **value,
                   size_t *nvalue);

/* 1 when the label set holds KEY=VALUE (kv as the user wrote it), else 0. */
int hs_labels_has(const char *labels, const char *kv);

#endif
