// lldb_result.cpp - puts what core returned (hs_result) into an lldb command's return object:
// the text or JSON verbatim into the output, "warning: " lines as lldb warnings, and the rest
// of the messages as the command's error, which marks the command failed.
#include "lldb_result.h"

#include <lldb/API/SBDefines.h>

#include <cstring>
#include <string>

namespace heapscope_lldb {

namespace {

const char kWarning[] = "warning: ";

// Out verbatim: PutCString does not interpret '%' the way Printf would.
void PutOutput(const char *out, lldb::SBCommandReturnObject &ret)
{
    size_t len = out ? std::strlen(out) : 0;
    for (size_t off = 0; off < len;) {
        size_t n = len - off < (1u << 30) ? len - off : (1u << 30);
        ret.PutCString(out + off, static_cast<int>(n));
        off += n;
    }
}

} // namespace

void PutResult(const hs_result &r, lldb::SBCommandReturnObject &ret)
{
    PutOutput(r.out, ret);
    std::string errors, msgs = r.err ? r.err : "";
    for (size_t pos = 0; pos < msgs.size();) {
        size_t nl = msgs.find('\n', pos);
        std::string line = msgs.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        pos = nl == std::string::npos ? msgs.size() : nl + 1;
        if (line.compare(0, sizeof kWarning - 1, kWarning) == 0)
            ret.AppendWarning(line.c_str() + sizeof kWarning - 1);
        else if (!line.empty())
            errors += (errors.empty() ? "" : "\n") + line;
    }
    if (r.status == HS_OK) {
        if (!errors.empty()) // messages that are not warnings, on success: show them as such
            ret.AppendWarning(errors.c_str());
        ret.SetStatus(lldb::eReturnStatusSuccessFinishResult);
        return;
    }
    SetFailure(errors.empty() ? "the command failed without saying why" : errors, ret);
}

void SetFailure(const std::string &message, lldb::SBCommandReturnObject &ret)
{
    ret.SetError(message.c_str()); // lldb adds "error: " and marks the command failed
    ret.SetStatus(lldb::eReturnStatusFailed);
}

} // namespace heapscope_lldb
