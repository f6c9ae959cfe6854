/* pprof.h - writing gzipped profile.proto files that `go tool pprof` reads: sample types,
 * samples with value vectors and stacks of locations (each with its inlined frames), and labels.
 * Strings, functions and locations are deduplicated. */
#ifndef HS_PPROF_H
#define HS_PPROF_H

#include <stddef.h>
#include <stdint.h>

#include "../util/err.h"
#include "../views/records.h"

typedef struct hs_pprof hs_pprof;

/* nvalues sample types, e.g. {"alloc_objects","count"}, {"alloc_space","bytes"}, ... */
hs_pprof *hs_pprof_new(const char *const (*sample_types)[2], size_t nvalues);
void hs_pprof_free(hs_pprof *p);

/* Period type and period (e.g. "space"/"bytes", rate), and the default sample type. */
void hs_pprof_set_period(hs_pprof *p, const char *type, const char *unit, int64_t period);
void hs_pprof_set_default(hs_pprof *p, const char *sample_type);
void hs_pprof_set_time(hs_pprof *p, int64_t unix_nanos);
void hs_pprof_add_comment(hs_pprof *p, const char *comment);

/* A mapping (an executable's text as loaded); locations whose address falls inside it refer
 * to it. has_functions: the profile's locations are already symbolized (pprof will not try).
 * Returns the mapping id, 0 on failure. */
uint64_t hs_pprof_add_mapping(hs_pprof *p, uint64_t start, uint64_t limit, uint64_t file_offset,
                              const char *file, const char *build_id, int has_functions);

/* One location: its address and its logical frames, innermost first (inlined ones before the
 * physical function, as hs_frame lists them). Returns the location id, 0 on failure. */
uint64_t hs_pprof_location(hs_pprof *p, uint64_t address, const hs_frame *frames, size_t n);

/* The same with everything a Function can carry: system_name (NULL: same as name) and the
 * function's start line (0: unknown). Functions are deduplicated on all four fields. */
typedef struct hs_pprof_line {
    const char *name, *system_name, *file;
    int64_t line, start_line;
} hs_pprof_line;
uint64_t hs_pprof_location_lines(hs_pprof *p, uint64_t address, const hs_pprof_line *lines,
                                 size_t n);
/* A location that stands for a name only (e.g. a type in a by-type profile). */
uint64_t hs_pprof_name_location(hs_pprof *p, const char *name);

/* A sample: location ids innermost first, nvalues values, optional string labels. */
int hs_pprof_sample(hs_pprof *p, const uint64_t *locs, size_t nlocs, const int64_t *values,
                    const char *const (*labels)[2], size_t nlabels);

/* A sample with general labels: a string label (str != NULL) or a numeric one (num, with an
 * optional unit such as "bytes"). */
typedef struct hs_pprof_label {
    const char *key, *str;
    int64_t num;
    const char *unit;
} hs_pprof_label;
int hs_pprof_sample_labels(hs_pprof *p, const uint64_t *locs, size_t nlocs, const int64_t *values,
                           const hs_pprof_label *labels, size_t nlabels);

/* Encodes, gzips and writes the profile to path; fails naming the file (or "out of memory"
 * when an earlier call could not allocate). */
int hs_pprof_write(hs_pprof *p, const char *path, hs_err *err);

#endif
