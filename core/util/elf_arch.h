/* elf_arch.h - the name Go gives the architecture an ELF header is built for (GOARCH), so a
 * refusal says "arm64", not "ELF class 2, machine 183". */
#ifndef HS_ELF_ARCH_H
#define HS_ELF_ARCH_H

/* GOARCH-style name for an ELF class (EI_CLASS), data encoding (EI_DATA) and e_machine;
 * "an unknown architecture" when none applies. */
const char *hs_elf_arch_name(unsigned elf_class, unsigned data, unsigned machine);

#endif
