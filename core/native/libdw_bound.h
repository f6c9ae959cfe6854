/* libdw_bound.h - the libdw functions whose names libdwarf also defines (dwarf_tag, dwarf_attr,
 * ...), bound to libdw's versioned symbols: the CLI links libdwarf statically (CMakeLists.txt),
 * and a plain call by name from this executable would reach libdwarf's function. */
#ifndef HS_LIBDW_BOUND_H
#define HS_LIBDW_BOUND_H

#include <elfutils/libdw.h>

int libdw_tag(Dwarf_Die *die);
Dwarf_Attribute *libdw_attr(Dwarf_Die *die, unsigned int name, Dwarf_Attribute *result);
int libdw_formudata(Dwarf_Attribute *attr, Dwarf_Word *value);
const char *libdw_diename(Dwarf_Die *die);
int libdw_lineno(Dwarf_Line *line, int *linep);
int libdw_child(Dwarf_Die *die, Dwarf_Die *result);
int libdw_siblingof(Dwarf_Die *die, Dwarf_Die *result);
const char *libdw_linesrc(Dwarf_Line *line, Dwarf_Word *mtime, Dwarf_Word *length);

__asm__(".symver libdw_tag, dwarf_tag@ELFUTILS_0.122");
__asm__(".symver libdw_attr, dwarf_attr@ELFUTILS_0.122");
__asm__(".symver libdw_formudata, dwarf_formudata@ELFUTILS_0.122");
__asm__(".symver libdw_diename, dwarf_diename@ELFUTILS_0.122");
__asm__(".symver libdw_lineno, dwarf_lineno@ELFUTILS_0.122");
__asm__(".symver libdw_child, dwarf_child@ELFUTILS_0.122");
__asm__(".symver libdw_siblingof, dwarf_siblingof@ELFUTILS_0.122");
__asm__(".symver libdw_linesrc, dwarf_linesrc@ELFUTILS_0.122");

#endif
