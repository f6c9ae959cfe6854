// lldb_help.h - core's help text for a command, split the way lldb shows help: a one-paragraph
// description (listed by `help`), and the rest (the options) for `help COMMAND`.
#ifndef HEAPSCOPE_LLDB_HELP_H
#define HEAPSCOPE_LLDB_HELP_H

#include <string>

namespace heapscope_lldb {

struct CommandHelp {
    std::string brief; // the description's first paragraph on one line (lldb wraps it)
    std::string rest;  // the lines after it (option list), as core wrote them
};

// From hs_command_help(name): its first line is the usage line (lldb's "Syntax:", taken from
// hs_command_summary), then the description up to a blank line or the first option line.
CommandHelp SplitHelp(const char *name);

} // namespace heapscope_lldb

#endif
