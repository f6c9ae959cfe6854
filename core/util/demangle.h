/* demangle.h - C++ symbol names as people read them (libiberty's demangler). */
#ifndef HS_DEMANGLE_H
#define HS_DEMANGLE_H

/* The demangled form of an Itanium-ABI name ("_ZTV3Foo" -> "vtable for Foo"), malloc'd; NULL
 * when it is not a mangled name (or memory ran out). */
char *hs_demangle(const char *mangled);

#endif
