/* command_table.c - the one table of commands; every front reaches commands through it, so a
 * command and its options mean the same in the CLI, gdb and lldb. */
#include <string.h>

#include "session.h"

static const hs_command *const commands[] = {
    &hs_cmd_heap_top,
    &hs_cmd_heap_paths,
    &hs_cmd_threads_blocked,
    &hs_cmd_snapshot,
    &hs_cmd_snapshot_diff,
    &hs_cmd_watch,
    &hs_cmd_leakcheck,
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

const hs_command *hs_find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

size_t hs_command_count(void) { return NCOMMANDS; }

const char *hs_command_name(size_t i) { return i < NCOMMANDS ? commands[i]->name : NULL; }

const char *hs_command_summary(const char *name)
{
    const hs_command *c = hs_find_command(name);
    return c ? c->summary : NULL;
}

const char *hs_command_help(const char *name)
{
    const hs_command *c = hs_find_command(name);
    return c ? c->usage : NULL;
}

const char *hs_command_option(const char *name, size_t i)
{
    const hs_command *c = hs_find_command(name);
    if (!c)
        return NULL;
    for (size_t k = 0; c->opts[k].name; k++)
        if (k == i)
            return c->opts[k].name;
    return NULL;
}
