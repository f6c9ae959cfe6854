/* go_labels.h - a goroutine's pprof labels (g.labels: what pprof.Do and SetGoroutineLabels
 * attach, inherited by the goroutines it starts), read in every release: 1.19-1.23 keep a
 * map[string]string, 1.24+ a struct holding a slice of {key, value} sorted by key. */
#ifndef HS_GO_LABELS_H
#define HS_GO_LABELS_H

#include <stdint.h>

#include "../util/strbuf.h"
#include "../views/records.h" /* HS_LABEL_US, HS_LABEL_RS */
#include "go_runtime.h"

/* Appends the label set g.labels points at (ptr; 0 = none) to out, encoded as hs_task.labels is
 * (keys sorted, as runtime/pprof orders them; a US or RS byte inside a key or value is read as
 * '?'). Returns the number of labels, or -1 when the runtime's memory cannot be read as a label
 * set (err says why). */
int go_labels_read(go_rt *rt, uint64_t ptr, strbuf *out, hs_err *err);

#endif
