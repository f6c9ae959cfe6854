/* leakcheck.h - the CLI's `heapscope leakcheck [OPTIONS] -- PROGRAM [ARGS]` (leakcheck.c). */
#ifndef HS_CLI_LEAKCHECK_H
#define HS_CLI_LEAKCHECK_H

#include <heapscope/heapscope.h>

/* 1 when argv (as main got it) names a program to run after "--"; otherwise leakcheck is an
 * ordinary command on --pid/--core: it checks that target as it is. */
int leakcheck_runs_program(int argc, char **argv);

/* argv as main got it (argv[1] is "leakcheck"); returns heapscope's exit status. */
int leakcheck_main(int argc, char **argv);

#endif
