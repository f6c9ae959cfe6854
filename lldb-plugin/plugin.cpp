// plugin.cpp - the lldb front: `plugin load libheapscope-lldb.so` calls PluginInitialize, which
// registers every command of core's command table (heap-top, threads-blocked, ...) with its
// help. Each run hands core the current target and the command's argv, and puts core's answer
// into the command's result. Nothing here throws into lldb or touches target memory itself.
// When lldb's stderr is a terminal, long work shows how far it has got there, as in the CLI.
#include <lldb/API/SBCommandInterpreter.h>
#include <lldb/API/SBCommandReturnObject.h>
#include <lldb/API/SBDebugger.h>

#include <cstring>
#include <unistd.h>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "heapscope/heapscope.h"
#include "lldb_help.h"
#include "lldb_host.h"
#include "lldb_result.h"

namespace lldb {
// lldb 14 looks this up by its mangled name (_ZN4lldb16PluginInitializeENS_10SBDebuggerE).
__attribute__((visibility("default"))) bool PluginInitialize(lldb::SBDebugger debugger);
} // namespace lldb

namespace heapscope_lldb {
namespace {

using SessionPtr = std::unique_ptr<hs_session, decltype(&hs_session_free)>;

// Opens the session on the host target; a live pid that /proc refuses is read through lldb.
bool OpenTarget(hs_session *s, LldbHost &host, std::string &err)
{
    char msg[1024] = "";
    hs_host_target h = host.Host(host.First());
    if (hs_session_open_host(s, &h, msg, sizeof msg) == 0)
        return true;
    err = msg;
    if (host.First() != Access::Pid)
        return false;
    h = host.Host(Access::ReadMemory);
    if (hs_session_open_host(s, &h, msg, sizeof msg) == 0)
        return true;
    err += std::string("; reading through ") + LldbHost::Describe(Access::ReadMemory) +
           " instead: " + msg;
    return false;
}

// The progress line of long work on lldb's terminal: rewritten in place, erased with "".
void ProgressLine(void *, const char *line)
{
    std::string s = std::string("\r") + line + "\033[K";
    ssize_t n = write(STDERR_FILENO, s.data(), s.size());
    (void)n;
}

class Command : public lldb::SBCommandPluginInterface {
public:
    explicit Command(const char *name) : name_(name) {}

    bool DoExecute(lldb::SBDebugger debugger, char **args, lldb::SBCommandReturnObject &ret) override
    {
        try {
            return Run(debugger, args, ret);
        } catch (const std::exception &e) {
            SetFailure(name_ + ": internal error: " + e.what(), ret);
        } catch (...) {
            SetFailure(name_ + ": internal error", ret);
        }
        return false;
    }

private:
    bool Run(lldb::SBDebugger debugger, char **args, lldb::SBCommandReturnObject &ret)
    {
        std::vector<const char *> argv{name_.c_str()};
        for (char **a = args; a && *a; a++)
            argv.push_back(*a);
        LldbHost host; // outlives the session, whose callbacks point at it
        SessionPtr s(hs_session_new(), hs_session_free);
        if (!s) {
            SetFailure(name_ + ": out of memory", ret);
            return false;
        }
        if (isatty(STDERR_FILENO))
            hs_session_set_progress_line(s.get(), ProgressLine, nullptr);
        std::string target_err;
        bool have_target = host.Prepare(debugger, target_err) && OpenTarget(s.get(), host, target_err);
        hs_result r = hs_session_run(s.get(), static_cast<int>(argv.size()), argv.data());
        // Core says "no target" in CLI words (--pid/--core); say what lldb lacks instead.
        if (!have_target && r.status == HS_USAGE && r.err && std::strstr(r.err, "no target"))
            SetFailure(name_ + ": " + target_err, ret);
        else
            PutResult(r, ret);
        hs_result_free(&r);
        return ret.Succeeded();
    }

    std::string name_;
};

void AddCommands(lldb::SBDebugger debugger)
{
    lldb::SBCommandInterpreter interp = debugger.GetCommandInterpreter();
    for (size_t i = 0; i < hs_command_count(); i++) {
        const char *name = hs_command_name(i);
        if (!name)
            continue;
        CommandHelp help = SplitHelp(name);
        const char *syntax = hs_command_summary(name);
        // lldb owns the command object from here on (and deletes it with the command).
        lldb::SBCommand c = interp.AddCommand(name, new Command(name), help.brief.c_str(), syntax);
        if (c.IsValid() && !help.rest.empty())
            c.SetHelpLong(help.rest.c_str());
    }
}

} // namespace
} // namespace heapscope_lldb

bool lldb::PluginInitialize(lldb::SBDebugger debugger)
{
    try {
        heapscope_lldb::AddCommands(debugger);
        return true;
    } catch (...) {
        return false;
    }
}
