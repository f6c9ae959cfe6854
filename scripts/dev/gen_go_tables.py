#!/usr/bin/env python3
"""gen_go_tables.py - regenerate core/go/go_tables_<arch>.c (amd64, arm64), the per-release layouts used
for Go binaries without DWARF, from the measured offset tables (go-runtime-offsets/matrix_<arch>.txt and
const_<ver>_<arch>.txt of the project's reference), the structs measured beyond them from the
stored test executables (scripts/dev/extra_structs_<arch>.txt, made by scripts/dev/dwarfstructs;
no 1.20 column), and the wait-reason strings of each release's runtime/runtime2.go (Go
toolchains unpacked by scripts/go-toolchains.sh). The reference matrix wins where both know a
struct. Releases newer than the reference (1.27) are measured by the project itself from its
stored test executables: scripts/dev/structs_<ver>_<arch>.txt (every struct of both lists, made by
dwarfstructs STRUCTS <ver>=EXE) and const_<ver>_<arch>.txt (dwarfstructs -consts EXE, runtime and
internal packages only); they fill that release's column.

usage: gen_go_tables.py OFFSETS_DIR TOOLCHAINS_DIR [amd64|arm64] > core/go/go_tables_<arch>.c
(arm64: the stored executables are tests/cores/arm64/*/heap/exe.gz)
"""
import os
import re
import sys

VERSIONS = ["1.19", "1.20", "1.21", "1.22", "1.23", "1.24", "1.25", "1.26", "1.27"]
MEASURED = ["1.27"]  # releases the reference does not cover: scripts/dev/{structs,const}_<ver>_<arch>.txt
CONSTS = [  # constants the runtime models use when a binary has no DWARF
    "runtime._Gidle", "runtime._Grunnable", "runtime._Grunning", "runtime._Gsyscall",
    "runtime._Gwaiting", "runtime._Gdead", "runtime._Gcopystack", "runtime._Gpreempted",
    "runtime._Gscan", "runtime._Gleaked", "runtime._Gdeadextra",
    "runtime._KindSpecialProfile", "runtime._KindSpecialFinalizer",
    "runtime._KindSpecialWeakHandle", "runtime._KindSpecialCleanup",
    "runtime.mSpanInUse", "runtime.mSpanManual", "runtime.mSpanDead",
    "runtime._PageSize", "runtime.heapArenaBytes", "runtime.logHeapArenaBytes",
    "runtime.arenaL1Bits", "runtime.arenaL2Bits", "runtime.arenaBaseOffset",
    "runtime.pagesPerArena", "runtime.numSpanClasses", "runtime._NumSizeClasses",
    "runtime.minSizeForMallocHeader", "runtime.mallocHeaderSize", "runtime.maxStack",
    "runtime.fingRunningFinalizer",
    "runtime.funcID_wrapper", "internal/abi.FuncIDWrapper",
]


def parse_matrix(path):
    """{struct: {"fields": [(name, [off per VERSIONS], type)], "size": [...]}}; the columns of
    each struct are the versions its size line names, in that order."""
    structs = {}
    cur, cols = None, []
    for line in open(path):
        m = re.match(r"## (\S+) \(", line)
        if m:
            cur = {"fields": [], "size": None}
            structs[m.group(1)] = cur
            continue
        if cur is None:
            continue
        if line.startswith("size:"):
            pairs = re.findall(r"(\d\.\d+)=(-1|-|\d+)", line)
            cols = [v for v, _ in pairs]
            sizes = {v: (-1 if x in ("-", "-1") else int(x)) for v, x in pairs}
            cur["size"] = [sizes.get(v, -1) for v in VERSIONS]
            continue
        parts = line.split()
        n = len(cols)
        if len(parts) >= n + 2 and all(re.match(r"^(-|\d+)$", p) for p in parts[1:n + 1]):
            byver = dict(zip(cols, parts[1:n + 1]))
            offs = [-1 if byver.get(v, "-") == "-" else int(byver[v]) for v in VERSIONS]
            ftype = " ".join(parts[n + 1:])
            ftype = re.sub(r"\s*\(\d+\)\s*$", "", ftype)
            cur["fields"].append((parts[0], offs, ftype))
    return structs


def fill_release(structs, measured, v):
    """Takes release v's column of every struct from measured (a one-column matrix)."""
    i = VERSIONS.index(v)
    for name, m in measured.items():
        st = structs.setdefault(name, {"fields": [], "size": [-1] * len(VERSIONS)})
        st["size"][i] = m["size"][i]
        have = {f[0]: f for f in st["fields"]}
        for fname, offs, ftype in m["fields"]:
            if fname in have:
                have[fname][1][i] = offs[i]
            else:
                st["fields"].append((fname, offs, ftype))


def parse_consts(path):
    out = {}
    for line in open(path):
        m = re.match(r"(\S+) = (-?\d+)", line)
        if m:
            out[m.group(1)] = int(m.group(2))
    return out


def wait_strings(src):
    text = open(src).read()
    body = text[text.index("var waitReasonStrings"):]
    body = body[:body.index("\n}\n")]
    return dict(re.findall(r'(waitReason\w+):\s*"([^"]*)"', body))


def c_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    offdir, tcdir = sys.argv[1], sys.argv[2]
    arch = sys.argv[3] if len(sys.argv) > 3 else "amd64"
    structs = parse_matrix(os.path.join(offdir, f"matrix_{arch}.txt"))
    extra = os.path.join(os.path.dirname(os.path.abspath(__file__)), f"extra_structs_{arch}.txt")
    for name, st in parse_matrix(extra).items():
        structs.setdefault(name, st)
    here = os.path.dirname(os.path.abspath(__file__))
    for v in MEASURED:
        fill_release(structs, parse_matrix(os.path.join(here, f"structs_{v}_{arch}.txt")), v)
    consts = {v: parse_consts(os.path.join(here if v in MEASURED else offdir, f"const_{v}_{arch}.txt"))
              for v in VERSIONS}
    names = {}
    for v in VERSIONS:
        src = os.path.join(tcdir, v, "usr/share/go-" + v, "src/runtime/runtime2.go")
        if os.path.exists(src):
            names[v] = wait_strings(src)
    out = sys.stdout
    out.write(f"/* go_tables_{arch}.c - GENERATED by scripts/dev/gen_go_tables.py; do not edit.\n"
              f" * Struct layouts, constants and wait-reason strings of the Go runtime on linux/{arch} for\n"
              " * releases " + ", ".join(VERSIONS) + " (columns in that order; -1 = absent), measured from\n"
              " * the DWARF of test binaries. Used only for binaries without DWARF. */\n")
    out.write('#include "go_tables.h"\n\n')
    out.write("static const go_table_field fields[] = {\n")
    for sname, s in structs.items():
        for fname, offs, ftype in s["fields"]:
            if fname == "_":  # padding: several per struct, never looked up
                continue
            out.write(f"    {{{c_str(sname)}, {c_str(fname)}, {c_str(ftype)}, {{{', '.join(map(str, offs))}}}}},\n")
    out.write("    {0, 0, 0, {0}}\n};\n\n")
    out.write("static const go_table_size sizes[] = {\n")
    for sname, s in structs.items():
        out.write(f"    {{{c_str(sname)}, {{{', '.join(map(str, s['size']))}}}}},\n")
    out.write("    {0, {0}}\n};\n\n")
    out.write("static const go_table_const consts[] = {\n")
    for c in CONSTS:
        vals = [consts[v].get(c) for v in VERSIONS]
        if all(x is None for x in vals):
            continue
        present = [0 if x is None else 1 for x in vals]
        vals = [0 if x is None else x for x in vals]
        out.write(f"    {{{c_str(c)}, {{{', '.join(map(str, vals))}}}, {{{', '.join(map(str, present))}}}}},\n")
    out.write("    {0, {0}, {0}}\n};\n\n")
    # wait reasons: value -> string, per release
    for i, v in enumerate(VERSIONS):
        strs = names.get(v) or names.get(VERSIONS[i + 1])  # 1.20 has no packaged source: 1.21 words
        byval = {}
        for k, val in consts[v].items():
            if k.startswith("runtime.waitReason") and k[len("runtime."):] in strs:
                byval[val] = strs[k[len("runtime."):]]
        n = max(byval) + 1 if byval else 0
        out.write(f"static const char *const wait_{v.replace('.', '_')}[] = {{\n")
        for val in range(n):
            out.write(f"    {c_str(byval.get(val, ''))},\n")
        out.write("};\n")
    out.write("\nstatic const go_table_waitreasons wait[] = {\n")
    for v in VERSIONS:
        vv = v.replace(".", "_")
        out.write(f"    {{wait_{vv}, sizeof wait_{vv} / sizeof wait_{vv}[0]}},\n")
    out.write("};\n")
    out.write(f"\nconst go_tables go_tables_{arch} = {{fields, sizes, consts, wait}};\n")


main()
