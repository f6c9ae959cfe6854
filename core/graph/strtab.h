/* strtab.h - interned strings named by dense 32-bit ids: the type and root names of an object
 * graph. Each distinct string is stored once; id 0 is the empty string ("no name"). */
#ifndef HS_STRTAB_H
#define HS_STRTAB_H

#include <stddef.h>
#include <stdint.h>

typedef struct hs_strtab hs_strtab;

hs_strtab *hs_strtab_new(void);
void hs_strtab_free(hs_strtab *t);

/* The id of s (added when new); 0 for NULL or "", UINT32_MAX when out of memory. */
uint32_t hs_strtab_intern(hs_strtab *t, const char *s);
/* The string of an id ("" for 0 and for ids never handed out); valid until hs_strtab_free. */
const char *hs_strtab_str(const hs_strtab *t, uint32_t id);
/* Ids handed out so far, plus one (id 0): every id is below it. */
uint32_t hs_strtab_count(const hs_strtab *t);

#endif
