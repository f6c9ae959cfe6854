/* pprof_internal.h - the state of a profile being built (pprof.c) and written (pprof_write.c):
 * a string table, deduplicated functions and locations already encoded as profile.proto
 * messages, mappings, and the encoded samples. */
#ifndef HS_PPROF_INTERNAL_H
#define HS_PPROF_INTERNAL_H

#include <uthash.h>

#include "pprof.h"
#include "pprof_proto.h"

/* profile.proto field numbers (github.com/google/pprof proto/profile.proto) */
enum {
    PF_SAMPLE_TYPE = 1, PF_SAMPLE = 2, PF_MAPPING = 3, PF_LOCATION = 4, PF_FUNCTION = 5,
    PF_STRING_TABLE = 6, PF_TIME_NANOS = 9, PF_PERIOD_TYPE = 11, PF_PERIOD = 12,
    PF_COMMENT = 13, PF_DEFAULT_SAMPLE_TYPE = 14,
    VT_TYPE = 1, VT_UNIT = 2,
    SAMPLE_LOCATION = 1, SAMPLE_VALUE = 2, SAMPLE_LABEL = 3,
    LABEL_KEY = 1, LABEL_STR = 2, LABEL_NUM = 3, LABEL_NUM_UNIT = 4,
    MAP_ID = 1, MAP_START = 2, MAP_LIMIT = 3, MAP_OFFSET = 4, MAP_FILENAME = 5, MAP_BUILD_ID = 6,
    MAP_HAS_FUNCTIONS = 7, MAP_HAS_FILENAMES = 8, MAP_HAS_LINE_NUMBERS = 9,
    MAP_HAS_INLINE_FRAMES = 10,
    LOC_ID = 1, LOC_MAPPING_ID = 2, LOC_ADDRESS = 3, LOC_LINE = 4,
    LINE_FUNCTION_ID = 1, LINE_LINE = 2,
    FN_ID = 1, FN_NAME = 2, FN_SYSTEM_NAME = 3, FN_FILENAME = 4, FN_START_LINE = 5,
};

typedef struct pp_str {
    UT_hash_handle hh;
    int64_t idx;
    char s[];
} pp_str;

typedef struct pp_key { /* a deduplicated function or location: id by its key bytes */
    UT_hash_handle hh;
    uint64_t id;
    size_t klen;
    unsigned char key[];
} pp_key;

typedef struct pp_fnkey { /* a function by the pointers of its strings (see pprof_loc.c) */
    const char *name, *sys, *file;
    int64_t start_line;
} pp_fnkey;

typedef struct pp_fnptr {
    UT_hash_handle hh;
    pp_fnkey key;
    uint64_t id;
    int64_t str[3]; /* string indices of name, system name, file: checked on every hit */
} pp_fnptr;

typedef struct pp_mapping {
    uint64_t start, limit, offset;
    int64_t file, build_id;
    int has_functions;
} pp_mapping;

struct hs_pprof {
    size_t nvalues;
    int64_t (*stypes)[2]; /* string indices of each sample type and unit */
    pp_str *strmap;
    const char **strs;    /* by index; strs[0] = "" */
    size_t nstrs, capstrs;
    pp_key *fns, *locs;
    uint64_t nfns, nlocs;
    pp_fnptr *fnptrs; /* fast path: function id by the pointers of its strings */
    pp_mapping *maps;
    size_t nmaps;
    pb_buf samples, locations, functions, scratch, scratch2;
    int64_t period_type[2], period, default_type, time_nanos;
    int has_period_type;
    int64_t *comments;
    size_t ncomments;
    int failed; /* an allocation failed somewhere: writing reports it */
};

int64_t pp_string(hs_pprof *p, const char *s);

#endif
