/* leakcheck.h - the CLI's `heapscope leakcheck [OPTIONS] -- PROGRAM [ARGS]` (leakcheck.c). */
#ifndef HS_CLI_LEAKCHECK_H
#define HS_CLI_LEAKCHECK_H

#include <heapscope/heapscope.h>

/* argv as main got it (argv[1] is "leakcheck"); returns heapscope's exit status. */
int leakcheck_main(int argc, char **argv);

#endif
