/* fuzz_buildinfo.c - libFuzzer target: the input is an executable. It is opened as an image
 * (sections, segments, symbols, build id, the .gnu_debuglink its debug file is looked for by),
 * its Go build information is read and parsed, and,
 * when that names a release heapscope knows, the module data is found, the pclntab opened
 * from the file as go_rt_open would, and runtime globals looked for in the code of the runtime
 * functions that reference them (go_stripped.c, capstone) as for a binary without symbols. Seeds: fuzz/corpus/buildinfo (small ELF files made by
 * fuzz/tools/make_seeds.py around the build-info blobs of real Go executables). */
#include <string.h>

#include "fuzz_util.h"
#include "image/debug_file.h"
#include "image/elf_image.h"
#include "image/go_buildinfo.h"
#include "image/go_moduledata.h"
#include "image/go_pclntab.h"
#include "image/go_version.h"
#include "go/go_stripped.h"

static const char *const symbols[] = {"runtime.firstmoduledata", "runtime.allgs", "runtime.text",
                                      "go:func.*", "runtime.buildVersion", NULL};

static unsigned image_probes(const hs_image *img)
{
    unsigned sum = 0;
    hs_symbol sym;
    for (const char *const *s = symbols; *s; s++)
        if (hs_image_symbol(img, *s, &sym) == 0) {
            uint8_t buf[64];
            sum += hs_image_read(img, sym.value, buf, sizeof buf, NULL) == 0 ? buf[7] : 1;
            sum += hs_image_view(img, sym.value, 8) != NULL;
        }
    size_t len;
    uint64_t vaddr;
    const uint8_t *id = hs_image_build_id(img, &len, &vaddr);
    sum += len ? id[len - 1] : 0;
    const hs_section *sec = hs_image_section(img, ".go.buildinfo");
    const uint8_t *b = hs_image_section_bytes(img, sec);
    sum += b && sec->size ? b[sec->size - 1] : 0;
    return sum;
}

/* Looks for the image's debug file (build id, .gnu_debuglink) as a session does. */
static unsigned debug_probe(hs_image *img)
{
    hs_err err = {{0}};
    hs_debug_attach(img, NULL, &err);
    return hs_image_debug(img) != NULL;
}

static unsigned pcln_probes(const hs_image *img, const go_version *v)
{
    go_moduledata md;
    go_pcln *p = NULL;
    unsigned sum = 0;
    if (go_moduledata_find(img, v, &md, NULL) < 0 || go_pcln_open(&p, img, &md, v, NULL) < 0)
        return 0;
    go_func f;
    go_srcframe fr[8];
    uint64_t n = go_pcln_nfunc(p);
    for (uint64_t i = 0; i < n && i < 64; i++)
        if (go_pcln_func_at(p, i, &f) == 0)
            sum += (unsigned)go_pcln_frames(p, f.entry, fr, 8) + (unsigned)strlen(go_pcln_name(p, &f));
    /* the runtime globals of a binary without symbols, from the code of runtime functions */
    go_rt rt = {.exe = (hs_image *)img, .ver = *v, .md = md, .pcln = p};
    sum += go_stripped_global(&rt, "runtime.allgs") != 0;
    sum += go_stripped_global(&rt, "runtime.mheap_") != 0;
    go_pcln_close(p);
    return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fz_file(data, size);
    hs_image *img = NULL;
    hs_err err;
    if (!path || hs_image_open(&img, path, &err) < 0)
        return 0;
    volatile unsigned sink = image_probes(img) + debug_probe(img);
    char version[128], mainpath[256];
    go_version v;
    if (go_buildinfo_read(img, version, sizeof version, mainpath, sizeof mainpath, &err) == 0 &&
        go_version_parse(version, &v, &err) == 0) {
        sink += (unsigned)strlen(mainpath) + (unsigned)go_version_has_experiment(&v, "greenteagc");
        if (go_version_supported(&v, &err) == 0)
            sink += pcln_probes(img, &v);
    }
    (void)sink;
    hs_image_close(img);
    return 0;
}
