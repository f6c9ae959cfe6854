// lldb_help.cpp - splits core's help text for lldb's help (see lldb_help.h).
#include "lldb_help.h"

#include <sstream>

#include "heapscope/heapscope.h"

namespace heapscope_lldb {

CommandHelp SplitHelp(const char *name)
{
    const char *help = hs_command_help(name);
    const char *summary = hs_command_summary(name);
    std::istringstream in(help ? help : "");
    std::string line;
    CommandHelp h;
    std::getline(in, line); // the usage line
    bool in_brief = true;
    while (std::getline(in, line)) {
        size_t b = line.find_first_not_of(" \t");
        if (in_brief && (b == std::string::npos || line[b] == '-'))
            in_brief = false;
        if (in_brief) {
            size_t e = line.find_last_not_of(" \t\r");
            h.brief += (h.brief.empty() ? "" : " ") + line.substr(b, e - b + 1);
        } else if (!(h.rest.empty() && b == std::string::npos)) {
            h.rest += line + "\n";
        }
    }
    if (h.brief.empty())
        h.brief = summary ? summary : name;
    return h;
}

} // namespace heapscope_lldb
