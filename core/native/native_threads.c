/* native_threads.c - native threads read into neutral task records (native_threads.h). */
#include "native_threads.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "native_state.h"

/* A live thread's name from /proc/PID/task/TID/comm; NULL for a core (cores record only the
 * process's name) or when unreadable. */
static char *thread_name(const hs_target *t, int tid)
{
    if (t->from_core || !t->live || t->pid <= 0)
        return NULL;
    char path[64], buf[64];
    snprintf(path, sizeof path, "/proc/%d/task/%d/comm", t->pid, tid);
    FILE *f = fopen(path, "re");
    char *name = f && fgets(buf, sizeof buf, f) ? strndup(buf, strcspn(buf, "\n")) : NULL;
    if (f)
        fclose(f);
    return name;
}

/* Whether two stacks have the same PCs (pcs is NULL when no thread has a frame). */
static bool same_stack(const native_stack *a, const native_stack *b, const uint64_t *pcs)
{
    if (a->n != b->n || a->truncated != b->truncated)
        return false;
    return a->n == 0 || memcmp(pcs + a->first, pcs + b->first, a->n * sizeof *pcs) == 0;
}

/* Tasks with the same PCs get the same stack_id. */
static void stack_ids(hs_task *tasks, const native_stack *st, const uint64_t *pcs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        tasks[i].stack_id = (uint32_t)i;
        for (size_t j = 0; j < i; j++)
            if (tasks[j].stack_id == j && same_stack(&st[j], &st[i], pcs)) {
                tasks[i].stack_id = (uint32_t)j;
                break;
            }
    }
}

/* How many frames the stacks name (inlined calls add frames to their PC's). */
static int count_frames(native_threads *nt, size_t n, const native_stack *st, const uint64_t *pcs,
                        size_t *nframes, hs_err *err)
{
    *nframes = 0;
    for (size_t i = 0; i < n; i++) {
        for (uint32_t j = 0; j < st[i].n; j++) {
            const hs_frame *fs;
            uint32_t k;
            if (native_symbolize(nt->u, pcs[st[i].first + j], j == 0, &fs, &k, err) < 0)
                return -1;
            *nframes += k;
        }
        *nframes += st[i].truncated ? 1 : 0;
    }
    return 0;
}

static int fill(native_threads *nt, hs_target *t, const native_stack *st, const uint64_t *pcs,
                hs_err *err)
{
    size_t n = t->nthreads, nframes;
    if (count_frames(nt, n, st, pcs, &nframes, err) < 0)
        return -1;
    nt->tasks = calloc(n ? n : 1, sizeof *nt->tasks);
    nt->names = calloc(n ? n : 1, sizeof *nt->names);
    nt->frames = calloc(nframes ? nframes : 1, sizeof *nt->frames);
    nt->waits = calloc(n ? n : 1, sizeof *nt->waits);
    nt->lock_names = calloc(n ? n : 1, sizeof *nt->lock_names);
    nt->states = calloc(n ? n : 1, sizeof *nt->states);
    nt->roles = calloc(n ? n : 1, sizeof *nt->roles);
    if (!nt->tasks || !nt->names || !nt->frames || !nt->waits || !nt->lock_names || !nt->states ||
        !nt->roles)
        return hs_errf(err, "out of memory recording %zu threads", n);
    nt->n = n;
    hs_frame *f = nt->frames;
    for (size_t i = 0; i < n; i++) {
        const hs_thread *th = &t->threads[i];
        hs_task *k = &nt->tasks[i];
        k->id = (uint64_t)th->tid;
        k->tid = th->tid;
        k->wait_ns = -1;
        k->leaked = -1;
        k->frames = f;
        for (uint32_t j = 0; j < st[i].n; j++) {
            const hs_frame *fs;
            uint32_t k;
            if (native_symbolize(nt->u, pcs[st[i].first + j], j == 0, &fs, &k, err) < 0)
                return -1;
            memcpy(f, fs, k * sizeof *f);
            f += k;
        }
        if (st[i].truncated) {
            *f++ = (hs_frame){.function = "?", .file = "?"};
            nt->nfailed++;
        }
        k->nframes = (uint32_t)(f - k->frames);
        k->truncated = st[i].truncated;
        int blocked;
        k->state = native_state(th, k->frames, k->nframes, &blocked, nt->states[i], sizeof nt->states[i]);
        k->blocked = (uint8_t)blocked;
        if (native_lock_wait(t, nt->u, th, k->state, k->frames, k->nframes, &nt->waits[i],
                             nt->lock_names[i]))
            k->waits_on = &nt->waits[i];
        nt->names[i] = thread_name(t, th->tid);
        nt->roles[i] = native_go_role(k->frames, k->nframes);
    }
    stack_ids(nt->tasks, st, pcs, n);
    return 0;
}

int native_threads_read(hs_target *t, native_threads *nt, hs_err *err)
{
    return native_threads_read_in(t, NULL, nt, err);
}

int native_threads_read_in(hs_target *t, native_dwfl *shared, native_threads *nt, hs_err *err)
{
    memset(nt, 0, sizeof *nt);
    sb_init(&nt->warnings);
    if (native_unwinder_open(&nt->u, t, shared, err) < 0)
        return -1;
    native_stack *st = calloc(t->nthreads ? t->nthreads : 1, sizeof *st);
    uint64_t *pcs = NULL;
    size_t npcs = 0;
    int rc = !st ? hs_errf(err, "out of memory for %zu threads", t->nthreads)
                 : native_unwind_all(nt->u, st, &pcs, &npcs, err);
    if (rc == 0)
        rc = fill(nt, t, st, pcs, err);
    free(st);
    free(pcs);
    if (rc == 0 && native_deadlocks(nt->tasks, nt->n, &nt->deadlocks, &nt->ndeadlocks) < 0)
        rc = hs_errf(err, "out of memory finding deadlocks among %zu threads", nt->n);
    if (rc < 0) {
        native_threads_free(nt);
        return -1;
    }
    if (nt->nfailed)
        sb_printf(&nt->warnings, "the stacks of %zu thread%s could not be walked to their end "
                  "(marked ?)\n", nt->nfailed, nt->nfailed == 1 ? "" : "s");
    return 0;
}

void native_threads_free(native_threads *nt)
{
    for (size_t i = 0; nt->names && i < nt->n; i++)
        free(nt->names[i]);
    free(nt->names);
    free(nt->tasks);
    free(nt->frames);
    free(nt->waits);
    free(nt->lock_names);
    free(nt->states);
    free(nt->roles);
    native_deadlocks_free(nt->deadlocks, nt->ndeadlocks);
    native_unwinder_close(nt->u);
    sb_free(&nt->warnings);
    memset(nt, 0, sizeof *nt);
}
