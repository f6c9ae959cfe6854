#!/usr/bin/env python3
"""Generates core/go/go_stripped_table_<arch>.c (amd64, arm64): for each Go release with a toolchain
here, how to find each runtime global heapscope reads in a binary without symbols (-ldflags=-s)
from the instructions of runtime functions that every Go program links.

For each release a minimal program (its runtime is the one every program has; functions a
bigger program adds are never chosen) is built with symbols and disassembled (objdump, or
aarch64-linux-gnu-objdump from binutils-aarch64-linux-gnu, at generation time only). In each
runtime function, the distinct addresses it reaches inside the module's data and bss (amd64:
RIP-relative operands; arm64: an ADRP and the ADD or load/store right after it that uses its
register, as go_stripped.c decodes them) are listed in order of first use; a global G is then
"the K-th such address of function F, minus ADDEND" (ADDEND: the offset of the field F touches).
Up to three such (F, K, ADDEND) are kept per global, functions with the fewest data references
first (the least code that could change between patch releases); heapscope decodes them with
capstone and trusts a global only when the candidates that decode agree and it lies in the
section recorded here.

usage: scripts/dev/gen_stripped_globals.py [amd64|arm64] > core/go/go_stripped_table_<arch>.c
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


def build(minor, tmp, arch):
    go = "%s/1.%d/usr/lib/go-1.%d/bin/go" % (TOOLCHAINS, minor, minor)
    if not os.path.exists(go):
        return None
    src = os.path.join(tmp, "src%d%s" % (minor, arch))
    os.makedirs(src)
    with open(os.path.join(src, "main.go"), "w") as f:
        f.write(PROGRAM)
    exe = os.path.join(tmp, "exe%d%s" % (minor, arch))
    env = dict(os.environ, GOTOOLCHAIN="local", GO111MODULE="off", CGO_ENABLED="0", GOFLAGS="", GOARCH=arch,
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


def imm(text):
    """The value of an immediate operand as objdump prints it: #0x5a0, #1440, #0x1, lsl #12."""
    m = re.match(r"#(-?(?:0x[0-9a-f]+|\d+))(?:, lsl #(\d+))?", text.strip())
    return int(m.group(1), 0) << int(m.group(2) or 0) if m else None


def a64_target(insn, reg, page):
    """The address an instruction right after ADRP reg, page reaches through reg, or None."""
    mnem, _, ops = insn.partition("\t")
    parts = [p.strip() for p in ops.split("//")[0].split(",")]
    if mnem == "add" and len(parts) >= 3 and parts[1] == reg:
        off = imm(", ".join(parts[2:]))
        return None if off is None else page + off
    m = re.search(r"\[%s(?:, ([^\]]*))?\]" % reg, ops)
    if not m:
        return None
    off = imm(m.group(1)) if m.group(1) and m.group(1).startswith("#") else 0
    return page + off


def data_refs_arm64(exe, lo, hi):
    """Per runtime function, the distinct ADRP-pair data addresses in order of first use."""
    out = subprocess.run(["aarch64-linux-gnu-objdump", "-d", "--no-show-raw-insn", exe],
                         capture_output=True, text=True, check=True).stdout
    func, refs, adrp = None, collections.defaultdict(list), None
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]+ <(.*)>:$", line)
        if m:
            func, adrp = m.group(1), None
            continue
        m = re.match(r"^\s+[0-9a-f]+:\t(.*)$", line)
        if not func or not m:
            continue
        insn, prev, adrp = m.group(1), adrp, None
        a = re.match(r"adrp\t(\w+), ([0-9a-f]+)", insn)
        if a:
            adrp = (a.group(1), int(a.group(2), 16))
            continue
        t = a64_target(insn, *prev) if prev else None
        if t is not None and lo <= t < hi and t not in refs[func]:
            refs[func].append(t)
    return refs


def candidates(exe, arch):
    secs, syms = sections(exe), symbols(exe)
    lo, hi = min(s[0] for s in secs.values()), max(s[1] for s in secs.values())
    refs = (data_refs_arm64 if arch == "arm64" else data_refs)(exe, lo, hi)
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
    arch = sys.argv[1] if len(sys.argv) > 1 else "amd64"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for minor in range(19, 28):
            exe = build(minor, tmp, arch)
            if not exe:
                continue
            for g, (sec, cands) in candidates(exe, arch).items():
                for f, k, add in cands:
                    rows.append('    {%d, "%s", %d, "%s", %d, %d},' % (minor, g, sec, f, k, add))
    print("/* go_stripped_table_%s.c - generated by scripts/dev/gen_stripped_globals.py: where" % arch)
    print(" * each runtime global heapscope reads is referenced by runtime functions every Go")
    print(" * program links, per release (see go_stripped.h). Do not edit. */")
    print('#include "go_stripped.h"\n')
    print("const go_global_ref go_global_refs_%s[] = {" % arch)
    print("\n".join(rows))
    print("};\n")
    print("const size_t go_global_nrefs_%s = sizeof go_global_refs_%s / sizeof go_global_refs_%s[0];"
          % (arch, arch, arch))


if __name__ == "__main__":
    main()
