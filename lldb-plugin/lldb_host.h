// lldb_host.h - the lldb front's view of the current target: turns lldb's selected target
// (a live process, a core, a remote gdb-remote/lldb-server connection) into the hs_host_target
// that core reads from. Holds no analysis logic: threads, registers, paths and callbacks only.
#ifndef HEAPSCOPE_LLDB_HOST_H
#define HEAPSCOPE_LLDB_HOST_H

#include <lldb/API/SBCommandInterpreter.h>
#include <lldb/API/SBDebugger.h>
#include <lldb/API/SBFrame.h>
#include <lldb/API/SBProcess.h>
#include <lldb/API/SBTarget.h>

#include <string>
#include <vector>

#include "heapscope/heapscope.h"

namespace heapscope_lldb {

// How core gets at the target's memory.
enum class Access { None, Pid, CoreFile, ReadMemory };

class LldbHost {
public:
    LldbHost() = default;
    LldbHost(const LldbHost &) = delete; // core's callbacks hold a pointer to it
    LldbHost &operator=(const LldbHost &) = delete;

    // Looks at the debugger's selected target; false with a user-facing message in err when
    // there is nothing to analyse (no target, no process, process running or gone).
    bool Prepare(lldb::SBDebugger debugger, std::string &err);

    // The hs_host_target for the chosen access (Pid, CoreFile or ReadMemory).
    hs_host_target Host(Access access);

    // The access Prepare chose (a live pid that /proc refuses is then read through lldb).
    Access First() const { return first_; }
    static const char *Describe(Access a);

private:
    static int ReadMemoryCb(void *ctx, uint64_t addr, void *buf, size_t len);
    static int InterruptedCb(void *ctx);
    bool CheckProcess(std::string &err);
    void CollectThreads();
    void ChooseAccess();

    lldb::SBCommandInterpreter interp_;
    lldb::SBTarget target_;
    lldb::SBProcess process_;
    std::string exe_, core_;
    std::vector<hs_host_thread> threads_;
    int pid_ = 0;
    Access first_ = Access::None;
};

// All len bytes at addr from the process (the core lldb read, the remote stub), or where the
// process has none, from a read-only section of a module lldb loaded. False if not all read.
bool ReadTargetMemory(lldb::SBTarget target, lldb::SBProcess process, uint64_t addr, void *buf,
                      size_t len);

// Registers of one lldb frame in Linux user_regs_struct order (0 where lldb has none).
// The target's architecture as core names it: "arm64" or "amd64".
const char *ArchOf(lldb::SBTarget target);
void ReadFrameRegisters(lldb::SBFrame frame, const char *arch, uint64_t regs[HS_HOST_NREGS]);

// The core file lldb has open (mapped into this process) for the current elf-core process, or
// "" when it cannot be told for certain (then memory comes through SBProcess::ReadMemory).
std::string FindMappedCoreFile();

// The number of the system call thread tid of pid is in, from /proc/PID/task/TID/syscall (what
// amd64's orig_rax holds: -1 when in none or unreadable).
uint64_t SyscallFromProc(int pid, int tid);
// orig_rax's place in user_regs_struct (core's HS_ORIG_RAX)
constexpr int kAmd64OrigRax = 15;

// True when pid is a process on this machine that this process may read through /proc:
// lldb (this process) or an lldb-server it started is its tracer.
bool TracedFromHere(int pid);

} // namespace heapscope_lldb

#endif
