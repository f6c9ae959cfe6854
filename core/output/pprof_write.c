/* pprof_write.c - encoding a built profile as one profile.proto message and writing it
 * gzip-compressed with zlib, the form `go tool pprof` and runtime/pprof use (see pprof.h). */
#include "pprof_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

static void encode_mappings(hs_pprof *p, pb_buf *out)
{
    for (size_t i = 0; i < p->nmaps; i++) {
        const pp_mapping *m = &p->maps[i];
        pb_buf *b = &p->scratch;
        pb_reset(b);
        pb_u64(b, MAP_ID, i + 1);
        pb_u64(b, MAP_START, m->start);
        pb_u64(b, MAP_LIMIT, m->limit);
        pb_u64(b, MAP_OFFSET, m->offset);
        pb_i64(b, MAP_FILENAME, m->file);
        pb_i64(b, MAP_BUILD_ID, m->build_id);
        pb_bool(b, MAP_HAS_FUNCTIONS, m->has_functions); /* as runtime/pprof: this flag only */
        pb_msg(out, PF_MAPPING, b);
    }
}

static void value_type(hs_pprof *p, pb_buf *out, uint32_t field, const int64_t vt[2])
{
    pb_buf *b = &p->scratch;
    pb_reset(b);
    pb_i64(b, VT_TYPE, vt[0]);
    pb_i64(b, VT_UNIT, vt[1]);
    pb_msg(out, field, b);
}

static void encode(hs_pprof *p, pb_buf *out)
{
    for (size_t i = 0; i < p->nvalues; i++)
        value_type(p, out, PF_SAMPLE_TYPE, p->stypes[i]);
    pb_raw(out, &p->samples);
    encode_mappings(p, out);
    pb_raw(out, &p->locations);
    pb_raw(out, &p->functions);
    for (size_t i = 0; i < p->nstrs; i++)
        pb_bytes(out, PF_STRING_TABLE, p->strs[i], strlen(p->strs[i]));
    pb_i64(out, PF_TIME_NANOS, p->time_nanos);
    if (p->has_period_type)
        value_type(p, out, PF_PERIOD_TYPE, p->period_type);
    pb_i64(out, PF_PERIOD, p->period);
    pb_packed_i64(out, PF_COMMENT, p->comments, p->ncomments);
    pb_i64(out, PF_DEFAULT_SAMPLE_TYPE, p->default_type);
}

/* Deflates data into f with a gzip header and trailer (windowBits 15 + 16). */
static int gzip_to(FILE *f, const uint8_t *data, size_t len)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    uint8_t chunk[65536];
    int rc = 0, z;
    size_t done = 0;
    do {
        size_t in = len - done < (1u << 30) ? len - done : (1u << 30);
        zs.next_in = (Bytef *)(uintptr_t)(data + done);
        zs.avail_in = (uInt)in;
        done += in;
        int flush = done == len ? Z_FINISH : Z_NO_FLUSH;
        do {
            zs.next_out = chunk;
            zs.avail_out = sizeof chunk;
            z = deflate(&zs, flush);
            size_t have = sizeof chunk - zs.avail_out;
            if (z == Z_STREAM_ERROR || fwrite(chunk, 1, have, f) != have) {
                rc = -1;
                break;
            }
        } while (zs.avail_out == 0);
    } while (rc == 0 && done < len);
    if (rc == 0 && z != Z_STREAM_END)
        rc = -1;
    deflateEnd(&zs);
    return rc;
}

static int write_file(const char *path, const pb_buf *out, hs_err *err)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return hs_errf(err, "cannot create the profile %s: %s", path, strerror(errno));
    errno = 0;
    int bad = gzip_to(f, out->b ? out->b : (const uint8_t *)"", out->len) < 0;
    int saved = errno;
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        saved = errno;
    }
    if (!bad)
        return 0;
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
        remove(path); /* leave no truncated profile behind */
    return hs_errf(err, "writing the profile %s failed: %s", path,
                   saved ? strerror(saved) : "compression error");
}

int hs_pprof_write(hs_pprof *p, const char *path, hs_err *err)
{
    if (p->failed)
        return hs_errf(err, "out of memory while building the profile %s", path);
    pb_buf out = {0};
    encode(p, &out);
    if (out.oom || p->scratch.oom) {
        pb_free(&out);
        return hs_errf(err, "out of memory while encoding the profile %s", path);
    }
    int rc = write_file(path, &out, err);
    pb_free(&out);
    return rc;
}
