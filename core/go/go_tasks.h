/* go_tasks.h - goroutines as neutral task records (views/records.h) for the views. */
#ifndef HS_GO_TASKS_H
#define HS_GO_TASKS_H

#include "../views/records.h"
#include "go_goroutines.h"

/* One task per goroutine, same order; frames point into gs->stacks. Free with free(). */
int go_tasks_build(const go_rt *rt, go_goroutines *gs, hs_task **out, hs_err *err);

#endif
