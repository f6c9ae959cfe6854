/* go_types_arena.c - the bump allocator that owns every string, field array and cache entry a
 * go_types object hands out; everything is freed at once by go_types_close. */
#include <stdlib.h>
#include <string.h>

#include "go_types_priv.h"

#define GT_BLOCK (64u * 1024u)

static gt_block *new_block(size_t cap)
{
    gt_block *b = malloc(sizeof *b + cap);
    if (b) {
        b->next = NULL;
        b->used = 0;
        b->cap = cap;
    }
    return b;
}

void *gt_alloc(go_types *ts, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (n == 0 || n > ((size_t)1 << 40))
        return NULL;
    gt_block *b = ts->arena;
    if (!b || b->cap - b->used < n) {
        if (n > GT_BLOCK / 4) { /* big: a block of its own, behind the current one */
            gt_block *big = new_block(n);
            if (!big)
                return NULL;
            big->used = n;
            if (b) {
                big->next = b->next;
                b->next = big;
            } else {
                ts->arena = big;
            }
            return big->data;
        }
        b = new_block(GT_BLOCK);
        if (!b)
            return NULL;
        b->next = ts->arena;
        ts->arena = b;
    }
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

char *gt_strndup(go_types *ts, const char *s, size_t n)
{
    char *p = gt_alloc(ts, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = 0;
    }
    return p;
}

void gt_arena_free(go_types *ts)
{
    for (gt_block *b = ts->arena, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    ts->arena = NULL;
}
