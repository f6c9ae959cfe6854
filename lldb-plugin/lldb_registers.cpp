// lldb_registers.cpp - one lldb frame's general registers in the order of Linux
// `struct user_regs_struct`, which is what core expects of a host debugger's threads.
#include <lldb/API/SBError.h>
#include <lldb/API/SBValue.h>

#include "lldb_host.h"

namespace heapscope_lldb {

namespace {

// user_regs_struct order; lldb says "rflags" for eflags. lldb 14 has no orig_rax, fs_base or
// gs_base on Linux (later releases do): those stay 0, which core does not need for Go.
const char *const kRegNames[HS_HOST_NREGS] = {
    "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9",      "r8",
    "rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "rflags", "rsp",
    "ss",  "fs_base", "gs_base", "ds", "es", "fs", "gs",
};

} // namespace

void ReadFrameRegisters(lldb::SBFrame frame, uint64_t regs[HS_HOST_NREGS])
{
    for (int i = 0; i < HS_HOST_NREGS; i++) {
        regs[i] = 0;
        if (!frame.IsValid())
            continue;
        lldb::SBValue v = frame.FindRegister(kRegNames[i]);
        if (!v.IsValid())
            continue;
        lldb::SBError e;
        uint64_t x = v.GetValueAsUnsigned(e, 0);
        if (e.Success())
            regs[i] = x;
    }
}

} // namespace heapscope_lldb
