// lldb_host.cpp - the selected lldb target as an hs_host_target (see lldb_host.h): checks that
// there is a stopped process or a core, copies every thread's registers, and picks how core
// reads memory: /proc/PID/mem for a process traced from this lldb, the core file lldb has
// mapped, else lldb's ReadMemory (remote stubs, or when the core file cannot be told).
#include "lldb_host.h"

#include <lldb/API/SBError.h>
#include <lldb/API/SBFileSpec.h>
#include <lldb/API/SBThread.h>

#include <climits>
#include <cstdlib>
#include <cstring>

namespace heapscope_lldb {

namespace {

const char *const kNoTarget =
    "no target: attach to a process (process attach -p PID), or load a core "
    "(target create EXE --core CORE)";

std::string ExecutablePath(lldb::SBTarget target)
{
    lldb::SBFileSpec fs = target.GetExecutable();
    char path[PATH_MAX];
    if (!fs.IsValid() || !fs.Exists() || fs.GetPath(path, sizeof path) == 0)
        return "";
    return path;
}

} // namespace

bool LldbHost::CheckProcess(std::string &err)
{
    if (!target_.IsValid()) {
        err = kNoTarget;
        return false;
    }
    process_ = target_.GetProcess();
    if (!process_.IsValid()) {
        err = "the target has no process: attach to one (process attach -p PID), launch it, or "
              "load a core (target create EXE --core CORE)";
        return false;
    }
    lldb::StateType st = process_.GetState();
    if (st == lldb::eStateStopped || st == lldb::eStateCrashed || st == lldb::eStateSuspended)
        return true;
    const char *name = lldb::SBDebugger::StateAsCString(st);
    if (st == lldb::eStateRunning || st == lldb::eStateStepping)
        err = "the process is running: stop it first (process interrupt, or Pause in VS Code) "
              "and run the command again";
    else
        err = std::string("the process is not stopped but ") + (name ? name : "in an unknown state") +
              ": attach to a live process or load a core first";
    return false;
}

bool LldbHost::Prepare(lldb::SBDebugger debugger, std::string &err)
{
    interp_ = debugger.GetCommandInterpreter();
    target_ = debugger.GetSelectedTarget();
    if (!CheckProcess(err))
        return false;
    exe_ = ExecutablePath(target_);
    ChooseAccess();
    CollectThreads();
    if (first_ == Access::ReadMemory && exe_.empty()) { // no /proc/PID/exe, no core to ask
        err = "lldb has no local copy of the program's executable: create the target from it "
              "(target create EXE, then gdb-remote HOST:PORT; or target create EXE --core CORE)";
        return false;
    }
    return true;
}

void LldbHost::CollectThreads()
{
    uint32_t n = process_.GetNumThreads();
    threads_.clear();
    threads_.reserve(n);
    bool syscalls_from_proc = std::strcmp(ArchOf(target_), "amd64") == 0 && pid_ > 0 && TracedFromHere(pid_);
    for (uint32_t i = 0; i < n; i++) {
        lldb::SBThread th = process_.GetThreadAtIndex(i);
        if (!th.IsValid())
            continue;
        hs_host_thread t{};
        t.tid = static_cast<int32_t>(th.GetThreadID());
        lldb::SBFrame frame = th.GetFrameAtIndex(0);
        ReadFrameRegisters(frame, ArchOf(target_), t.regs);
        // lldb 14 has no orig_rax (the call a native thread is in): the kernel tells a local pid's
        if (syscalls_from_proc && !frame.FindRegister("orig_rax").IsValid())
            t.regs[kAmd64OrigRax] = SyscallFromProc(pid_, t.tid);
        threads_.push_back(t);
    }
}

void LldbHost::ChooseAccess()
{
    const char *forced = std::getenv("HEAPSCOPE_LLDB_MEMORY"); // "lldb": always ReadMemory
    const char *plugin = process_.GetPluginName();
    bool is_core = plugin && std::strcmp(plugin, "elf-core") == 0;
    pid_ = is_core ? 0 : static_cast<int>(process_.GetProcessID());
    first_ = Access::ReadMemory;
    if (forced && std::strcmp(forced, "lldb") == 0)
        return;
    if (is_core) {
        core_ = FindMappedCoreFile();
        if (!core_.empty())
            first_ = Access::CoreFile;
    } else if (pid_ > 0 && TracedFromHere(pid_)) {
        first_ = Access::Pid;
    }
}

hs_host_target LldbHost::Host(Access access)
{
    hs_host_target h{};
    h.exe_path = exe_.empty() ? nullptr : exe_.c_str();
    h.interrupted = InterruptedCb;
    h.ctx = this;
    h.arch = ArchOf(target_);
    if (access != Access::CoreFile) { // a core file brings its own threads (NT_PRSTATUS)
        h.threads = threads_.data();
        h.nthreads = threads_.size();
    }
    if (access == Access::Pid)
        h.pid = pid_;
    else if (access == Access::CoreFile)
        h.core_path = core_.c_str();
    else if (access == Access::ReadMemory)
        h.read_memory = ReadMemoryCb;
    return h;
}

const char *LldbHost::Describe(Access a)
{
    switch (a) {
    case Access::Pid: return "/proc/PID/mem";
    case Access::CoreFile: return "the core file";
    case Access::ReadMemory: return "lldb's SBProcess::ReadMemory";
    default: return "nothing";
    }
}

// Called from core (C): nothing may escape, an exception counts as a failed read.
int LldbHost::ReadMemoryCb(void *ctx, uint64_t addr, void *buf, size_t len)
{
    try {
        LldbHost *self = static_cast<LldbHost *>(ctx);
        return ReadTargetMemory(self->target_, self->process_, addr, buf, len) ? 0 : -1;
    } catch (...) {
        return -1;
    }
}

int LldbHost::InterruptedCb(void *ctx)
{
    try {
        return static_cast<LldbHost *>(ctx)->interp_.WasInterrupted() ? 1 : 0;
    } catch (...) {
        return 1;
    }
}

} // namespace heapscope_lldb
