/* elf_image.c - executables and shared objects on disk, read with libelf (see elf_image.h). */
#include "elf_image.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/elf_arch.h"

struct hs_image {
    char *path;
    int fd;
    uint8_t *map;
    size_t size;
    Elf *elf;
    int pie;
    hs_arch arch;
    uint64_t entry;
    hs_section *sections;
    size_t nsections;
    hs_segment *segments;
    size_t nsegments;
    hs_symbol *symbols; /* sorted by name */
    size_t nsymbols;
    int has_symtab;
    uint8_t build_id[64];
    size_t build_id_len;
    uint64_t build_id_vaddr;
    hs_image *debug; /* its separate debug file (debug_file.c), owned; NULL when none */
};

static int load_sections(hs_image *img, hs_err *err)
{
    size_t shstrndx, n;
    if (elf_getshdrnum(img->elf, &n) != 0 || elf_getshdrstrndx(img->elf, &shstrndx) != 0)
        return hs_errf(err, "%s: unreadable ELF section headers (%s)", img->path, elf_errmsg(-1));
    img->sections = calloc(n ? n : 1, sizeof *img->sections);
    if (!img->sections)
        return hs_errf(err, "out of memory");
    Elf_Scn *scn = NULL;
    while ((scn = elf_nextscn(img->elf, scn)) != NULL) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || img->nsections >= n)
            continue;
        const char *name = elf_strptr(img->elf, shstrndx, sh.sh_name);
        hs_section *s = &img->sections[img->nsections++];
        s->name = name ? name : "";
        s->addr = sh.sh_addr;
        s->offset = sh.sh_offset;
        s->size = sh.sh_size;
        s->type = sh.sh_type;
        s->flags = sh.sh_flags;
    }
    return 0;
}

static int load_segments(hs_image *img, hs_err *err)
{
    size_t n;
    if (elf_getphdrnum(img->elf, &n) != 0)
        return hs_errf(err, "%s: unreadable ELF program headers (%s)", img->path, elf_errmsg(-1));
    img->segments = calloc(n ? n : 1, sizeof *img->segments);
    if (!img->segments)
        return hs_errf(err, "out of memory");
    for (size_t i = 0; i < n; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(img->elf, (int)i, &ph) || ph.p_type != PT_LOAD)
            continue;
        if (ph.p_offset > img->size || ph.p_filesz > img->size - ph.p_offset)
            return hs_errf(err, "%s: load segment at 0x%llx lies beyond the end of the file "
                           "(truncated executable?)", img->path, (unsigned long long)ph.p_vaddr);
        hs_segment *s = &img->segments[img->nsegments++];
        s->vaddr = ph.p_vaddr;
        s->memsz = ph.p_memsz;
        s->offset = ph.p_offset;
        s->filesz = ph.p_filesz;
        s->flags = ph.p_flags;
    }
    return 0;
}

static int symcmp(const void *a, const void *b)
{
    return strcmp(((const hs_symbol *)a)->name, ((const hs_symbol *)b)->name);
}

static void load_symbols_from(hs_image *img, uint32_t type)
{
    Elf_Scn *scn = NULL;
    while ((scn = elf_nextscn(img->elf, scn)) != NULL) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != type || sh.sh_entsize == 0)
            continue;
        Elf_Data *d = elf_getdata(scn, NULL);
        if (!d)
            continue;
        size_t n = sh.sh_size / sh.sh_entsize;
        hs_symbol *syms = realloc(img->symbols, (img->nsymbols + n + 1) * sizeof *syms);
        if (!syms)
            return;
        img->symbols = syms;
        for (size_t i = 0; i < n; i++) {
            GElf_Sym sym;
            if (!gelf_getsym(d, (int)i, &sym) || sym.st_name == 0 || sym.st_shndx == SHN_UNDEF)
                continue;
            const char *name = elf_strptr(img->elf, sh.sh_link, sym.st_name);
            if (!name || !*name)
                continue;
            img->symbols[img->nsymbols++] = (hs_symbol){name, sym.st_value, sym.st_size};
        }
        if (type == SHT_SYMTAB)
            img->has_symtab = 1;
    }
}

static void load_build_id(hs_image *img)
{
    for (size_t i = 0; i < img->nsections; i++) {
        const hs_section *s = &img->sections[i];
        if (s->type != SHT_NOTE || s->offset > img->size || s->size > img->size - s->offset)
            continue;
        const uint8_t *p = img->map + s->offset, *end = p + s->size;
        while (end - p >= 12) {
            uint32_t namesz, descsz, type;
            memcpy(&namesz, p, 4);
            memcpy(&descsz, p + 4, 4);
            memcpy(&type, p + 8, 4);
            size_t nlen = (namesz + 3u) & ~3u, dlen = (descsz + 3u) & ~3u;
            if (nlen > (size_t)(end - p - 12) || dlen > (size_t)(end - p - 12) - nlen)
                break;
            const uint8_t *desc = p + 12 + nlen;
            if (type == 3 /* NT_GNU_BUILD_ID */ && namesz == 4 && memcmp(p + 12, "GNU", 4) == 0 &&
                descsz <= sizeof img->build_id) {
                memcpy(img->build_id, desc, descsz);
                img->build_id_len = descsz;
                img->build_id_vaddr = s->addr + (uint64_t)(desc - (img->map + s->offset));
                return;
            }
            p += 12 + nlen + dlen;
        }
    }
}

static int open_elf(hs_image *img, hs_err *err)
{
    if (elf_version(EV_CURRENT) == EV_NONE)
        return hs_errf(err, "libelf initialisation failed: %s", elf_errmsg(-1));
    img->elf = elf_memory((char *)img->map, img->size);
    if (!img->elf || elf_kind(img->elf) != ELF_K_ELF)
        return hs_errf(err, "%s is not an ELF file", img->path);
    GElf_Ehdr eh;
    if (!gelf_getehdr(img->elf, &eh))
        return hs_errf(err, "%s: unreadable ELF header (%s)", img->path, elf_errmsg(-1));
    int known = eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_ident[EI_DATA] == ELFDATA2LSB &&
                (eh.e_machine == EM_X86_64 || eh.e_machine == EM_AARCH64);
    img->arch = eh.e_machine == EM_AARCH64 ? HS_ARCH_ARM64 : HS_ARCH_AMD64;
    if (!known)
        return hs_errf(err, "%s is a program for %s (ELF machine %u, %u-bit); heapscope reads "
                       "linux/amd64 and linux/arm64 programs only", img->path,
                       hs_elf_arch_name(eh.e_ident[EI_CLASS], eh.e_ident[EI_DATA], eh.e_machine),
                       eh.e_machine, eh.e_ident[EI_CLASS] == ELFCLASS64 ? 64 : 32);
    if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
        return hs_errf(err, "%s is not an executable (ELF type %u)", img->path, eh.e_type);
    img->pie = eh.e_type == ET_DYN;
    img->entry = eh.e_entry;
    return 0;
}

/* Opens path; with symbols, also its symbol table (sorted: the costly part for a big library). */
static int image_open(hs_image **out, const char *path, int symbols, hs_err *err)
{
    *out = NULL;
    hs_image *img = calloc(1, sizeof *img);
    if (!img)
        return hs_errf(err, "out of memory");
    img->fd = -1;
    img->path = strdup(path);
    /* O_NONBLOCK: a FIFO named by a core or a user must not block the open */
    img->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    if (img->fd < 0 || fstat(img->fd, &st) != 0) {
        hs_errf(err, "cannot open executable %s: %s", path, strerror(errno));
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        hs_errf(err, "%s is not a regular file (not an executable)", path);
        goto fail;
    }
    img->size = (size_t)st.st_size;
    if (img->size < 64) {
        hs_errf(err, "%s is too small to be an ELF executable (%zu bytes)", path, img->size);
        goto fail;
    }
    img->map = mmap(NULL, img->size, PROT_READ, MAP_PRIVATE, img->fd, 0);
    if (img->map == MAP_FAILED) {
        img->map = NULL;
        hs_errf(err, "cannot map %s: %s", path, strerror(errno));
        goto fail;
    }
    if (open_elf(img, err) < 0 || load_sections(img, err) < 0 || load_segments(img, err) < 0)
        goto fail;
    if (symbols) {
        load_symbols_from(img, SHT_SYMTAB);
        if (!img->has_symtab)
            load_symbols_from(img, SHT_DYNSYM);
        if (img->nsymbols)
            qsort(img->symbols, img->nsymbols, sizeof *img->symbols, symcmp);
    }
    load_build_id(img);
    *out = img;
    return 0;
fail:
    hs_image_close(img);
    return -1;
}

int hs_image_open(hs_image **out, const char *path, hs_err *err)
{
    return image_open(out, path, 1, err);
}

int hs_image_open_bare(hs_image **out, const char *path, hs_err *err)
{
    return image_open(out, path, 0, err);
}

void hs_image_close(hs_image *img)
{
    if (!img)
        return;
    if (img->elf)
        elf_end(img->elf);
    if (img->map)
        munmap(img->map, img->size);
    if (img->fd >= 0)
        close(img->fd);
    hs_image_close(img->debug);
    free(img->sections);
    free(img->segments);
    free(img->symbols);
    free(img->path);
    free(img);
}

void hs_image_set_debug(hs_image *img, hs_image *debug)
{
    hs_image_close(img->debug);
    img->debug = debug;
}

const hs_image *hs_image_debug(const hs_image *img) { return img->debug; }

int hs_image_has_dwarf(const hs_image *img)
{
    const hs_section *s = hs_image_section(img, ".debug_info");
    if (!s)
        s = hs_image_section(img, ".zdebug_info");
    return s && s->type != SHT_NOBITS && s->size > 0;
}

const char *hs_image_dwarf_path(const hs_image *img)
{
    return !hs_image_has_dwarf(img) && img->debug && hs_image_has_dwarf(img->debug)
               ? img->debug->path : img->path;
}

/* Where symbols come from: the image's own .symtab, else its debug file's. */
static const hs_image *symbol_source(const hs_image *img)
{
    return !img->has_symtab && img->debug && img->debug->has_symtab ? img->debug : img;
}

const char *hs_image_path(const hs_image *img) { return img->path; }
int hs_image_is_pie(const hs_image *img) { return img->pie; }
hs_arch hs_image_arch(const hs_image *img) { return img->arch; }
uint64_t hs_image_entry(const hs_image *img) { return img->entry; }

const uint8_t *hs_image_bytes(const hs_image *img, size_t *size)
{
    *size = img->size;
    return img->map;
}

const uint8_t *hs_image_build_id(const hs_image *img, size_t *len, uint64_t *note_vaddr)
{
    *len = img->build_id_len;
    if (note_vaddr)
        *note_vaddr = img->build_id_vaddr;
    return img->build_id;
}

const hs_section *hs_image_section(const hs_image *img, const char *name)
{
    for (size_t i = 0; i < img->nsections; i++)
        if (strcmp(img->sections[i].name, name) == 0)
            return &img->sections[i];
    return NULL;
}

const uint8_t *hs_image_section_bytes(const hs_image *img, const hs_section *s)
{
    if (!s || s->type == SHT_NOBITS || (s->flags & SHF_COMPRESSED) || s->offset > img->size ||
        s->size > img->size - s->offset)
        return NULL;
    return img->map + s->offset;
}

size_t hs_image_nsegments(const hs_image *img) { return img->nsegments; }

const hs_segment *hs_image_segment(const hs_image *img, size_t i)
{
    return i < img->nsegments ? &img->segments[i] : NULL;
}

int hs_image_has_symtab(const hs_image *img) { return symbol_source(img)->has_symtab; }

const hs_symbol *hs_image_symbols(const hs_image *img, size_t *n)
{
    img = symbol_source(img);
    *n = img->nsymbols;
    return img->symbols;
}

int hs_image_symbol(const hs_image *img, const char *name, hs_symbol *sym)
{
    img = symbol_source(img);
    if (!img->nsymbols)
        return -1;
    hs_symbol key = {name, 0, 0};
    const hs_symbol *s = bsearch(&key, img->symbols, img->nsymbols, sizeof key, symcmp);
    if (!s)
        return -1;
    *sym = *s;
    return 0;
}

const uint8_t *hs_image_view(const hs_image *img, uint64_t vaddr, size_t len)
{
    for (size_t i = 0; i < img->nsegments; i++) {
        const hs_segment *s = &img->segments[i];
        if (vaddr >= s->vaddr && vaddr - s->vaddr <= s->filesz && len <= s->filesz - (vaddr - s->vaddr))
            return img->map + s->offset + (vaddr - s->vaddr);
    }
    return NULL;
}

int hs_image_read(const hs_image *img, uint64_t vaddr, void *buf, size_t len, hs_err *err)
{
    for (size_t i = 0; i < img->nsegments; i++) {
        const hs_segment *s = &img->segments[i];
        if (vaddr < s->vaddr || vaddr - s->vaddr > s->memsz || len > s->memsz - (vaddr - s->vaddr))
            continue;
        uint64_t off = vaddr - s->vaddr;
        size_t from_file = off < s->filesz ? (size_t)(s->filesz - off) : 0;
        if (from_file > len)
            from_file = len;
        if (from_file) /* past the file's part of the segment, not even a pointer is formed */
            memcpy(buf, img->map + s->offset + off, from_file);
        memset((uint8_t *)buf + from_file, 0, len - from_file);
        return 0;
    }
    return hs_errf(err, "address 0x%llx (+%zu) is not in any load segment of %s",
                   (unsigned long long)vaddr, len, img->path);
}

uint64_t hs_image_load_bias(const hs_image *img, uint64_t map_start)
{
    uint64_t low = UINT64_MAX;
    for (size_t i = 0; i < img->nsegments; i++)
        if (img->segments[i].vaddr < low)
            low = img->segments[i].vaddr;
    return img->pie && low != UINT64_MAX ? map_start - (low & ~(uint64_t)0xfff) : 0;
}
