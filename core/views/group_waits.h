/* group_waits.h - what the members of a task group wait on, summed up for one line: the kind
 * and type when they share them, the object when they all wait on one, the holder when they
 * share it. */
#ifndef HS_GROUP_WAITS_H
#define HS_GROUP_WAITS_H

#include <stddef.h>

#include "task_groups.h"

typedef struct hs_group_waits {
    const hs_waits_on *first; /* the first member's; NULL when no member says */
    const hs_waits_on *held;  /* the first member's whose object a root holds, or NULL */
    size_t nobjects;          /* distinct objects the members wait on */
    int same_type;            /* every member's has first's type */
    int same_buffer;          /* every member's channel has first's len and cap */
    int same_holder;          /* every held member's has held's holder and steps */
    size_t nheld;             /* members whose object a root holds */
} hs_group_waits;

/* Fills out; returns -1 when out of memory (out then has first and held alone). */
int hs_group_waits_sum(const hs_task *tasks, const hs_task_group *g, hs_group_waits *out);

#endif
