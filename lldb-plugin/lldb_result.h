// lldb_result.h - core's answer (hs_result) into an lldb command's SBCommandReturnObject.
#ifndef HEAPSCOPE_LLDB_RESULT_H
#define HEAPSCOPE_LLDB_RESULT_H

#include <lldb/API/SBCommandReturnObject.h>

#include <string>

#include "heapscope/heapscope.h"

namespace heapscope_lldb {

// Output verbatim, warnings as lldb warnings, errors (status not HS_OK) as the command's error.
void PutResult(const hs_result &r, lldb::SBCommandReturnObject &ret);

// Marks the command failed with message (lldb prints it after "error: ").
void SetFailure(const std::string &message, lldb::SBCommandReturnObject &ret);

} // namespace heapscope_lldb

#endif
