#!/usr/bin/env python3
"""Generates core/go/go_stripped_table_amd64.c: for each Go release with a toolchain here, how to
find each runtime global heapscope reads in a binary without symbols (-ldflags=-s) from the
instructions of runtime functions that every Go program links.

For each release a minimal program (its runtime is the one every program has; functions a
bigger program adds are never chosen) is built with symbols and disassembled (objdump, at
generation time only). In each runtime function, the distinct RIP-relative addresses it
reaches inside the module's data and bss are listed in order of first use; a global G is then
"the K-th such address of function F, minus ADDEND" (ADDEND: the offset of the field F touches).
Up to three such (F, K, ADDEND) are kept per global, functions with the fewest data references
first (the least code that could change between patch releases); heapscope decodes them with
capstone and trusts a global only when the candidates that decode agree and it lies in the
section recorded here.

usage: scripts/dev/gen_stripped_globals.py > core/go/go_stripped_table_amd64.c
"""

import collections
import os
import re
import subprocess
import sys
import tempfile

GLOBALS = [
    "runtime.allgs", "runtime.allglen", "runtime.allm", "runtime.sched", "runtime.buildVersion",
    "runtime.waitReasonStrings", "runtime.mheap_", "runtime.gcphase", "runtime.allp",
    "runtime.mcache0", "runtime.emptymspan", "runtime.allfin", "runtime.gcCleanups",
    "runtime.disableMemoryProfiling", "runtime.mbuckets", "runtime.MemProfileRate",
    "runtime.mProfCycle", "runtime.memstats", "runtime.gcController", "runtime.semtable",
]
SECTIONS = [".noptrdata", ".data", ".bss", ".noptrbss"]
TOOLCHAINS = os.environ.get("GO_TOOLCHAINS_DIR", os.path.expanduser("~/.cache/go-toolchains"))
PROGRAM = 'package main\n\nfunc main() { println("x") }\n'


def build(minor, tmp):
    go = "%s/1.%d/usr/lib/go-1.%d/bin/go" % (TOOLCHAINS, minor, minor)
    if not os.path.exists(go):
        return None
    src = os.path.join(tmp, "src%d" % minor)
    os.makedirs(src)
    with open(os.path.join(src, "main.go"), "w") as f:
        f.write(PROGRAM)
    exe = os.path.join(tmp, "exe%d" % minor)
    env = dict(os.environ, GOTOOLCHAIN="local", GO111MODULE="off", CGO_ENABLED="0", GOFLAGS="",
               GOROOT=os.path.dirname(os.path.dirname(go)), GOCACHE=os.path.join(tmp, "cache"))
    subprocess.run([go, "build", "-o", exe, "."], cwd=src, env=env, check=True)
    return exe


def sections(exe):
    out = {}
    for line in subprocess.run(["readelf", "-SW", exe], capture_output=True, text=True).stdout.splitlines():
        m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)", line)
        if m and m.group(1) in SECTIONS:
            out[m.group(1)] = (int(m.group(2), 16), int(m.group(2), 16) + int(m.group(3), 16))
    return out


def symbols(exe):
    out = {}
    for line in subprocess.run(["nm", "-S", exe], capture_output=True, text=True).stdout.splitlines():
        p = line.split()
        if len(p) == 4:
            out[p[3]] = (int(p[0], 16), int(p[1], 16))
    return out


def data_refs(exe, lo, hi):
    """Per runtime function, the distinct RIP-relative data addresses in order of first use."""
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", exe], capture_output=True,
                         text=True, check=True).stdout
    func, refs = None, collections.defaultdict(list)
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]+ <(.*)>:$", line)
        if m:
            func = m.group(1)
            continue
        m = re.search(r"# ([0-9a-f]+) <", line)
        if func and m and "(%rip)" in line:
            a = int(m.group(1), 16)
            if lo <= a < hi and a not in refs[func]:
                refs[func].append(a)
    return refs


def candidates(exe):
    secs, syms = sections(exe), symbols(exe)
    lo, hi = min(s[0] for s in secs.values()), max(s[1] for s in secs.values())
    refs = data_refs(exe, lo, hi)
    table = {}
    for g in GLOBALS:
        if g not in syms:
            continue
        addr, size = syms[g]
        sec = next(i for i, s in enumerate(SECTIONS) if s in secs and secs[s][0] <= addr < secs[s][1])
        found = []
        for f, lst in refs.items():
            if not f.startswith("runtime.") or '"' in f:
                continue
            for k, a in enumerate(lst):
                if 0 <= a - addr < max(size, 1) and k < 256:
                    found.append((len(lst), k, f, a - addr))
        found.sort()
        table[g] = (sec, [(f, k, add) for _, k, f, add in found[:3]])
    return table


def main():
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for minor in range(19, 28):
            exe = build(minor, tmp)
            if not exe:
                continue
            for g, (sec, cands) in candidates(exe).items():
                for f, k, add in cands:
                    rows.append('    {%d, "%s", %d, "%s", %d, %d},' % (minor, g, sec, f, k, add))
    print("/* go_stripped_table_amd64.c - generated by scripts/dev/gen_stripped_globals.py: where")
    print(" * each runtime global heapscope reads is referenced by runtime functions every Go")
    print(" * program links, per release (see go_stripped.h). Do not edit. */")
    print('#include "go_stripped.h"\n')
    print("const go_global_ref go_global_refs[] = {")
    print("\n".join(rows))
    print("};\n")
    print("const size_t go_global_nrefs = sizeof go_global_refs / sizeof go_global_refs[0];")


if __name__ == "__main__":
    main()
