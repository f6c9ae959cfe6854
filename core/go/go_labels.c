/* go_labels.c - reading g.labels (see go_labels.h), checked against runtime/pprof/label.go of
 * each release. 1.24+: *labelMap = struct{ Set{ list []Label{key, value string} } }, sorted.
 * 1.19-1.23: *labelMap = map[string]string, i.e. a pointer to an *hmap, whose buckets for string
 * keys and values are {tophash [8]uint8; keys [8]string; elems [8]string; overflow *bucket}
 * (272 bytes). */
#include "go_labels.h"

#include <stdlib.h>
#include <string.h>

#include "../image/go_window.h" /* go_le64 */

#define MAX_LABELS 256
#define MAX_TEXT 4096
#define BUCKET_SIZE 272
#define MIN_TOPHASH 5 /* tophash values below it mark empty and evacuated slots */
#define MAX_CHAIN 64  /* overflow buckets followed per bucket */

typedef struct pair {
    char *key, *value;
} pair;

typedef struct lset {
    pair v[MAX_LABELS];
    int n;
} lset;

/* A Go string {ptr, len} at raw, read from the target; NULL when unreadable. */
static char *read_string(go_rt *rt, const uint8_t *raw, hs_err *err)
{
    uint64_t p = go_le64(raw), n = go_le64(raw + 8);
    if (n > MAX_TEXT) {
        hs_errf(err, "a label of %llu bytes", (unsigned long long)n);
        return NULL;
    }
    char *s = malloc(n + 1);
    if (!s || (n && hs_read(rt->t, p, s, n, err) < 0)) {
        free(s);
        return NULL;
    }
    s[n] = 0;
    for (char *c = s; c < s + n; c++)
        if (*c == HS_LABEL_US || *c == HS_LABEL_RS || *c == 0)
            *c = '?';
    return s;
}

static int add_pair(go_rt *rt, lset *l, const uint8_t *key, const uint8_t *value, hs_err *err)
{
    if (l->n == MAX_LABELS)
        return hs_errf(err, "more than %d labels", MAX_LABELS);
    pair *p = &l->v[l->n];
    if (!(p->key = read_string(rt, key, err)))
        return -1;
    if (!(p->value = read_string(rt, value, err))) {
        free(p->key);
        return -1;
    }
    l->n++;
    return 0;
}

/* 1.24+: the slice of {key, value} pairs. */
static int read_list(go_rt *rt, uint64_t ptr, lset *l, hs_err *err)
{
    uint8_t hdr[24];
    if (hs_read(rt->t, ptr, hdr, sizeof hdr, err) < 0)
        return -1;
    uint64_t arr = go_le64(hdr), n = go_le64(hdr + 8);
    if (n > MAX_LABELS)
        return hs_errf(err, "%llu labels", (unsigned long long)n);
    for (uint64_t i = 0; i < n; i++) {
        uint8_t kv[32];
        if (hs_read(rt->t, arr + 32 * i, kv, sizeof kv, err) < 0 || add_pair(rt, l, kv, kv + 16, err) < 0)
            return -1;
    }
    return 0;
}

/* The live entries of one bucket chain of a map[string]string. */
static int read_chain(go_rt *rt, uint64_t b, lset *l, hs_err *err)
{
    uint8_t buf[BUCKET_SIZE];
    for (int hop = 0; b && hop < MAX_CHAIN; hop++) {
        if (hs_read(rt->t, b, buf, sizeof buf, err) < 0)
            return -1;
        for (int i = 0; i < 8; i++)
            if (buf[i] >= MIN_TOPHASH && add_pair(rt, l, buf + 8 + 16 * i, buf + 136 + 16 * i, err) < 0)
                return -1;
        b = go_le64(buf + 264);
    }
    return 0;
}

static int64_t hmap_off(go_rt *rt, const char *field, int64_t fallback)
{
    int64_t off;
    return go_layout_off(&rt->src, "runtime.hmap", field, &off) == 0 ? off : fallback;
}

/* 1.19-1.23: every bucket, and the old buckets of a map still growing (their entries not yet
 * moved keep a tophash >= MIN_TOPHASH). */
static int read_map(go_rt *rt, uint64_t ptr, lset *l, hs_err *err)
{
    uint8_t h[48], w[8];
    if (hs_read(rt->t, ptr, w, sizeof w, err) < 0) /* *labelMap: the map, itself an *hmap */
        return -1;
    if (!go_le64(w))
        return 0;
    if (hs_read(rt->t, go_le64(w), h, sizeof h, err) < 0)
        return -1;
    unsigned flags = h[hmap_off(rt, "flags", 8)], B = h[hmap_off(rt, "B", 9)];
    uint64_t buckets = go_le64(h + hmap_off(rt, "buckets", 16));
    uint64_t old = go_le64(h + hmap_off(rt, "oldbuckets", 24));
    if (B > 8)
        return hs_errf(err, "a label map of 2^%u buckets", B);
    for (uint64_t i = 0; buckets && i < (1u << B); i++)
        if (read_chain(rt, buckets + i * BUCKET_SIZE, l, err) < 0)
            return -1;
    unsigned oldB = (flags & 8) || B == 0 ? B : B - 1; /* flags&8: sameSizeGrow */
    for (uint64_t i = 0; old && i < (1u << oldB); i++)
        if (read_chain(rt, old + i * BUCKET_SIZE, l, err) < 0)
            return -1;
    return 0;
}

static int by_key(const void *a, const void *b)
{
    return strcmp(((const pair *)a)->key, ((const pair *)b)->key);
}

int go_labels_read(go_rt *rt, uint64_t ptr, strbuf *out, hs_err *err)
{
    if (!ptr)
        return 0;
    lset *l = calloc(1, sizeof *l);
    if (!l)
        return hs_errf(err, "out of memory for labels");
    int r = rt->ver.minor >= 24 ? read_list(rt, ptr, l, err) : read_map(rt, ptr, l, err);
    qsort(l->v, (size_t)l->n, sizeof l->v[0], by_key);
    for (int i = 0; r == 0 && i < l->n; i++) {
        if (i)
            sb_putc(out, HS_LABEL_RS);
        sb_printf(out, "%s%c%s", l->v[i].key, HS_LABEL_US, l->v[i].value);
    }
    int n = l->n;
    for (int i = 0; i < l->n; i++) {
        free(l->v[i].key);
        free(l->v[i].value);
    }
    free(l);
    return r < 0 ? -1 : n;
}
