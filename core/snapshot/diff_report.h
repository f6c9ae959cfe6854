/* diff_report.h - snapshot-diff rendered as text for people or as the JSON object DESIGN.md
 * specifies. */
#ifndef HS_DIFF_REPORT_H
#define HS_DIFF_REPORT_H

#include "../util/strbuf.h"
#include "snapshot_diff.h"

void diff_render_text(const snap_diff *d, long limit, strbuf *out);
void diff_render_json(const snap_diff *d, long limit, strbuf *out);

#endif
