// lldb_registers.cpp - one lldb frame's general registers in the order Linux writes them for
// the target's architecture (amd64 `struct user_regs_struct`, arm64 `struct user_pt_regs`),
// which is what core expects of a host debugger's threads.
#include <cstring>
#include <iterator>

#include <lldb/API/SBError.h>
#include <lldb/API/SBValue.h>

#include "lldb_host.h"

namespace heapscope_lldb {

namespace {

// user_regs_struct order; lldb says "rflags" for eflags. lldb 14 has no orig_rax, fs_base or
// gs_base for a live Linux process (later releases do; a core has them): those stay 0, which
// core does not need for Go (for C, a condition variable's mutex, found through the thread
// pointer, is then "not known").
const char *const kAmd64Names[] = {
    "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9",      "r8",
    "rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "rflags", "rsp",
    "ss",  "fs_base", "gs_base", "ds", "es", "fs", "gs",
};

// user_pt_regs order: x0-x30, sp, pc, pstate (lldb: cpsr).
const char *const kArm64Names[] = {
    "x0",  "x1",  "x2",  "x3",  "x4",  "x5",  "x6",  "x7",  "x8",  "x9",  "x10", "x11",
    "x12", "x13", "x14", "x15", "x16", "x17", "x18", "x19", "x20", "x21", "x22", "x23",
    "x24", "x25", "x26", "x27", "x28", "x29", "x30", "sp",  "pc",  "cpsr",
};

} // namespace

const char *ArchOf(lldb::SBTarget target)
{
    const char *triple = target.GetTriple();
    if (triple && (std::strncmp(triple, "aarch64", 7) == 0 || std::strncmp(triple, "arm64", 5) == 0))
        return "arm64";
    return "amd64";
}

void ReadFrameRegisters(lldb::SBFrame frame, const char *arch, uint64_t regs[HS_HOST_NREGS])
{
    bool arm64 = std::strcmp(arch, "arm64") == 0;
    const char *const *names = arm64 ? kArm64Names : kAmd64Names;
    int n = arm64 ? static_cast<int>(std::size(kArm64Names)) : static_cast<int>(std::size(kAmd64Names));
    for (int i = 0; i < HS_HOST_NREGS; i++) {
        regs[i] = 0;
        if (i >= n || !frame.IsValid())
            continue;
        lldb::SBValue v = frame.FindRegister(names[i]);
        if (!v.IsValid())
            continue;
        lldb::SBError e;
        uint64_t x = v.GetValueAsUnsigned(e, 0);
        if (e.Success())
            regs[i] = x;
    }
}

} // namespace heapscope_lldb
