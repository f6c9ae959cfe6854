// lldb_memory.cpp - target memory through lldb's SB API, for targets core cannot read itself
// (remote stubs; a core whose file lldb has not mapped). The process's bytes come first. A core
// lacks the read-only file-backed segments that the kernel or gcore did not dump (Go's .text,
// .rodata, .gopclntab); those, and only those, are taken from the module files lldb loaded.
// Writable sections never come from files: their file bytes are stale, and a truncated core
// must read as missing, not as the program's initial data.
#include <lldb/API/SBAddress.h>
#include <lldb/API/SBError.h>
#include <lldb/API/SBSection.h>

#include "lldb_host.h"

namespace heapscope_lldb {

namespace {

// True when [addr, addr+len) lies inside one read-only section of a loaded module.
bool InReadOnlySection(lldb::SBTarget target, uint64_t addr, size_t len)
{
    lldb::SBAddress where(addr, target);
    lldb::SBSection sec = where.GetSection();
    if (!sec.IsValid())
        return false;
    uint32_t perm = sec.GetPermissions();
    if ((perm & lldb::ePermissionsWritable) || !(perm & lldb::ePermissionsReadable))
        return false;
    lldb::addr_t start = sec.GetLoadAddress(target);
    uint64_t size = sec.GetByteSize();
    if (start == LLDB_INVALID_ADDRESS || addr < start || addr - start > size)
        return false;
    return len <= size - (addr - start);
}

} // namespace

bool ReadTargetMemory(lldb::SBTarget target, lldb::SBProcess process, uint64_t addr, void *buf,
                      size_t len)
{
    lldb::SBError e;
    if (process.ReadMemory(addr, buf, len, e) == len && e.Success())
        return true;
    if (!InReadOnlySection(target, addr, len))
        return false;
    lldb::SBError fe;
    lldb::SBAddress where(addr, target);
    return target.ReadMemory(where, buf, len, fe) == len && fe.Success();
}

} // namespace heapscope_lldb
