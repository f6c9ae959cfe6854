// lldb_procfs.cpp - what this (lldb's) process can learn from /proc about its target: whether a
// live pid is traced from here (so /proc/PID/mem is readable and is the process lldb shows),
// which core file lldb has mapped, and which system call a thread is in. lldb 14's SB API names
// none of them.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "lldb_host.h"

namespace heapscope_lldb {

namespace {

// A "Name:\tvalue" number from /proc/PID/status, or -1.
long StatusField(long pid, const char *name)
{
    std::ifstream f("/proc/" + std::to_string(pid) + "/status");
    std::string line, key = std::string(name) + ":";
    while (std::getline(f, line)) {
        if (line.compare(0, key.size(), key) == 0)
            return std::strtol(line.c_str() + key.size(), nullptr, 10);
    }
    return -1;
}

// True when path is a regular file starting with a 64-bit little-endian ELF header of type
// ET_CORE (the only bytes of the file the front looks at).
bool IsElfCore(const std::string &path)
{
    struct stat st;
    if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 64)
        return false;
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    unsigned char h[18];
    bool ok = pread(fd, h, sizeof h, 0) == static_cast<ssize_t>(sizeof h);
    close(fd);
    return ok && std::memcmp(h, "\177ELF", 4) == 0 && h[4] == 2 && h[5] == 1 && h[16] == 4 &&
           h[17] == 0;
}

// The path of a /proc/self/maps line (after five fields), or "" for anonymous mappings.
std::string MapsPath(const std::string &line)
{
    std::istringstream in(line);
    std::string field;
    for (int i = 0; i < 5; i++)
        if (!(in >> field))
            return "";
    if (field == "0") // inode 0: anonymous, [heap], [stack], ...
        return "";
    std::string rest;
    std::getline(in >> std::ws, rest);
    return rest.empty() || rest[0] != '/' ? "" : rest;
}

} // namespace

uint64_t SyscallFromProc(int pid, int tid)
{
    std::ifstream f("/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) + "/syscall");
    long long nr = -1;
    if (!(f >> nr)) // "running", or no such thread
        nr = -1;
    return static_cast<uint64_t>(nr);
}

bool TracedFromHere(int pid)
{
    long tracer = StatusField(pid, "TracerPid");
    if (tracer <= 0)
        return false;
    long me = static_cast<long>(getpid());
    return tracer == me || StatusField(tracer, "PPid") == me;
}

// lldb's elf-core process maps the whole core file (read-only data of lldb's core module), so
// it shows in /proc/self/maps. Exactly one mapped ELF core is taken as the target's; none or
// several (more than one core target, or a stale one) give "" and the caller reads through
// lldb instead, which is always correct, only slower.
std::string FindMappedCoreFile()
{
    std::ifstream maps("/proc/self/maps");
    std::set<std::string> paths, cores;
    std::string line;
    for (int n = 0; n < 100000 && std::getline(maps, line); n++) {
        std::string p = MapsPath(line);
        if (!p.empty() && p.find(" (deleted)") == std::string::npos)
            paths.insert(p);
    }
    for (const std::string &p : paths)
        if (IsElfCore(p))
            cores.insert(p);
    return cores.size() == 1 ? *cores.begin() : "";
}

} // namespace heapscope_lldb
