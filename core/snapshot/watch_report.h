/* watch_report.h - a series of snapshots taken by `watch`: each step's growth as it arrives,
 * then what rose in every interval, as text or JSON. */
#ifndef HS_WATCH_REPORT_H
#define HS_WATCH_REPORT_H

#include "../util/strbuf.h"
#include "snapshot_trend.h"

typedef struct watch_series {
    snapshot *snaps;
    double *pauses; /* seconds the process was stopped for each snapshot */
    size_t n, cap;
    snap_trend trend;
    int have_trend;
} watch_series;

void watch_series_init(watch_series *w);
/* Loads the snapshot just written to path. */
int watch_series_add(watch_series *w, const char *path, double pause, hs_err *err);
int watch_series_trend(watch_series *w, hs_err *err);
void watch_series_free(watch_series *w);

void watch_render_step(const watch_series *w, strbuf *out);
void watch_render_summary(const watch_series *w, strbuf *out);
void watch_render_json(const watch_series *w, strbuf *out);

#endif
