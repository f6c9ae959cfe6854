/* elf_arch.c - GOARCH names for ELF machine numbers. */
#include <elf.h>

#include "elf_arch.h"

#ifndef EM_LOONGARCH
#define EM_LOONGARCH 258
#endif

const char *hs_elf_arch_name(unsigned elf_class, unsigned data, unsigned machine)
{
    int is64 = elf_class == ELFCLASS64, le = data == ELFDATA2LSB;
    switch (machine) {
    case EM_X86_64:
        return is64 ? "amd64" : "x32 (amd64 with 32-bit pointers)";
    case EM_386:
        return "386";
    case EM_AARCH64:
        return "arm64";
    case EM_ARM:
        return "arm";
    case EM_RISCV:
        return is64 ? "riscv64" : "riscv32";
    case EM_PPC64:
        return le ? "ppc64le" : "ppc64";
    case EM_PPC:
        return "ppc";
    case EM_S390:
        return "s390x";
    case EM_MIPS:
        return is64 ? (le ? "mips64le" : "mips64") : (le ? "mipsle" : "mips");
    case EM_LOONGARCH:
        return "loong64";
    case EM_SPARCV9:
        return "sparc64";
    default:
        return "an unknown architecture";
    }
}
