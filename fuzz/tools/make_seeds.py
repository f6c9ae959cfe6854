#!/usr/bin/env python3
"""make_seeds.py - writes the seed corpora fuzz/corpus/<target>/ from real inputs, small:
  core_reader  a gcore of fuzz/data/tiny (captured when gdb's gcore is here, else reused) and the
               stored Go 1.26/1.19 cores and arm64 crash cores, each cut down to its notes and a
               few bytes per segment (stacks kept around each thread's SP), plus truncated copies,
               and a core without NT_FILE of fuzz/data/native_tiny whose libraries come from
               the dynamic linker's list (linkmap-no-ntfile)
  buildinfo    small ELF executables around the build-info blobs of the stored Go executables,
               sectionless and pre-1.18 variants, and one with a cut-down pclntab, moduledata
               and symbols so the module data and pclntab readers run too
  pclntab      pclntabs of the stored Go executables cut down to ~24 functions (pcln_reduce.py)
  dwarf        a generated DWARF unit in the Go linker's shape (dwarf_gen.py) and the
               (compressed, as Go writes them) .debug_info/.debug_abbrev of a stored executable
  goroutines   a few patch-record inputs for fuzz_goroutines (see fuzz/rt_world.c)
  heap         the same for fuzz_heap (its anchors follow the goroutine ones, fuzz_heap.c)
  snapshot     snapshot files in the shape core/snapshot/snapshot_file.c reads ("base" is also
               the fixed snapshot fuzz_snapshot compares every input with)
  coderefs     runtime functions of the stored Go executables that go_stripped_table_amd64.c
               names, and their main.main and main.run, with their link-time address and the
               start of their data (fuzz_coderefs.c)
Usage: make_seeds.py TEST_DATA [OUT_DIR]   (TEST_DATA: tests/prepare_data.sh output)"""

import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import dwarf_gen  # noqa: E402
import elfw  # noqa: E402
import pcln_reduce  # noqa: E402

FUZZ = os.path.dirname(HERE)
REPO = os.path.dirname(FUZZ)
NT_PRSTATUS = 1
RSP = 112 + 19 * 8  # pr_reg[HS_RSP] in NT_PRSTATUS (x86-64)
A64_SP = 112 + 31 * 8  # pr_reg[31] = sp (arm64 user_pt_regs)


def out(corpus, name, data):
    d = os.path.join(OUT, corpus)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def thread_sps(notes, sp_at=RSP):
    sps, i = [], 0
    while i + 12 <= len(notes):
        namesz, descsz, ntype = struct.unpack_from("<III", notes, i)
        desc = i + 12 + (namesz + 3) // 4 * 4
        if ntype == NT_PRSTATUS and descsz >= sp_at + 8:
            sps.append(struct.unpack_from("<Q", notes, desc + sp_at)[0])
        i = desc + (descsz + 3) // 4 * 4
    return sps


def shrink_core(path, keep=256, stack=4096, sp_at=RSP):
    """The core's notes and, per PT_LOAD, its first `keep` bytes, or `stack` bytes from each
    thread's SP when the segment holds one (as a segment of its own)."""
    e = elfw.Elf(open(path, "rb").read())
    notes = elfw.notes_of(e)
    sps = thread_sps(notes, sp_at)
    loads = []
    for p in e.phdrs:
        if p[0] != elfw.PT_LOAD:
            continue
        vaddr, data = p[3], e.data[p[2]:p[2] + p[5]]
        inside = sorted(sp for sp in sps if vaddr <= sp < vaddr + len(data))
        if not inside:
            loads.append((vaddr, p[1], data[:keep], p[6]))
        last = vaddr
        for sp in inside:  # one segment per stack, [SP page - 4096, + stack)
            lo = max(last, (sp & ~0xFFF) - 4096)
            hi = min(vaddr + len(data), max(lo, sp & ~0xFFF) + stack)
            if lo < hi:
                loads.append((lo, p[1], data[lo - vaddr:hi - vaddr], hi - lo))
                last = hi
    return notes, loads


def tiny_core(tmp):
    """A fresh gcore of fuzz/data/tiny, or None without gdb."""
    if not shutil.which("gcore"):
        return None
    p = subprocess.Popen([os.path.join(FUZZ, "data", "tiny")], stdout=subprocess.PIPE)
    try:
        p.stdout.readline()
        time.sleep(0.2)
        subprocess.run(["gcore", "-o", os.path.join(tmp, "tiny"), str(p.pid)], check=True,
                       capture_output=True, timeout=120)
    finally:
        p.kill()
        p.wait()
    return os.path.join(tmp, "tiny.%d" % p.pid)


def core_seeds(data, tmp):
    raw = tiny_core(tmp)
    if raw:
        notes, loads = shrink_core(raw, keep=4096, stack=8192)
        b = elfw.write_core(os.path.join(tmp, "t"), notes, loads)
        out("core_reader", "tiny", b)
        out("core_reader", "tiny-truncated", b[:len(b) * 3 // 5])
    for v in ("go1.27.3", "go1.26.10", "go1.19.8"):
        path = os.path.join(data, v, "blocked", "core")
        if os.path.exists(path):
            notes, loads = shrink_core(path)
            b = elfw.write_core(os.path.join(tmp, "g"), notes, loads)
            out("core_reader", v + "-blocked", b)
            out("core_reader", v + "-blocked-truncated", b[:len(b) - 3000])
    for v in ("go1.27.3", "go1.19.8"):  # arm64 crash cores: their own registers and signal frames
        path = os.path.join(data, "arm64", v, "blocked", "core")
        if os.path.exists(path):
            notes, loads = shrink_core(path, sp_at=A64_SP)
            b = elfw.write_core(os.path.join(tmp, "a"), notes, loads, machine=183)
            out("core_reader", v + "-arm64-blocked", b)
    out("core_reader", "linkmap-no-ntfile", linkmap_core(tmp))


def linkmap_core(tmp):
    """A core with no NT_FILE of fuzz/data/native_tiny (PIE, DT_DEBUG) as loaded at BIAS: its auxv
    entry, its .dynamic page with DT_DEBUG, and a page holding r_debug and a link_map chain (the
    executable, libc at its path here, then two missing libraries that point at each other)."""
    exe = elfw.Elf(open(os.path.join(FUZZ, "data", "native_tiny"), "rb").read())
    bias, page = 0x555555554000, 0x7f0000000000
    dyn_addr = exe.sections[".dynamic"][0]
    auxv = struct.pack("<4Q", 9, bias + exe.ehdr[4], 0, 0)
    prstatus = bytearray(336)  # x86-64 struct elf_prstatus: pr_pid at 32, pr_reg at 112
    struct.pack_into("<I", prstatus, 32, 4242)
    struct.pack_into("<Q", prstatus, RSP, page + 0xf00)
    notes = elfw.note("CORE", NT_PRSTATUS, bytes(prstatus)) + elfw.note("CORE", 6, auxv)
    exe_page = bytearray(4096)
    struct.pack_into("<4Q", exe_page, dyn_addr % 4096, 21, page, 0, 0)  # DT_DEBUG, DT_NULL
    rd = bytearray(4096)
    struct.pack_into("<2Q", rd, 0, 1, page + 0x100)  # r_version, r_map
    names = {0x800: b"", 0x810: b"/lib/x86_64-linux-gnu/libc.so.6", 0x850: b"/nonexistent/a.so",
             0x870: b"/nonexistent/b.so"}
    chain = [(0x100, bias, 0x800, 0x200), (0x200, 0x7f1000000000, 0x810, 0x300),
             (0x300, 0x7f2000000000, 0x850, 0x400), (0x400, 0x7f3000000000, 0x870, 0x300)]
    for at, l_addr, name, nxt in chain:  # l_addr, l_name, l_ld, l_next
        struct.pack_into("<4Q", rd, at, l_addr, page + name, 0, page + nxt)
    for at, n in names.items():
        rd[at:at + len(n) + 1] = n + b"\0"
    loads = [(bias + (dyn_addr & ~0xFFF), 6, bytes(exe_page), 4096), (page, 6, bytes(rd), 4096)]
    return elfw.write_core(os.path.join(tmp, "l"), notes, loads)


def pcln_of(exe_path, names):
    e = elfw.Elf(open(exe_path, "rb").read())
    syms = e.symbols()
    gof = syms.get("go:func.*", syms.get("go.func.*"))[0]
    gofunc = e.window(gof)
    tab, gf = pcln_reduce.reduce(e.section_bytes(".gopclntab"), gofunc, names)
    return e, syms, tab, gf


WANTED = ["runtime.gopark", "runtime.goexit", "runtime.chanrecv", "runtime.selectgo",
          "runtime.sigpanic", "runtime.mcall", "main.", "sync.(*Mutex)"]


def pclntab_seeds(data):
    for v in ("go1.19.8", "go1.22.12", "go1.26.10", "go1.27.3"):
        exe = os.path.join(data, v, "pcln", "exe")
        if not os.path.exists(exe):
            continue
        e, syms, tab, gf = pcln_of(exe, WANTED)
        text = syms["runtime.text"][0]
        out("pclntab", v, struct.pack("<QI", text, len(gf)) + gf + tab)
        out("pclntab", v + "-nogofunc", struct.pack("<QI", 0, 0) + tab)


def buildinfo_blob(exe):
    e = elfw.Elf(open(exe, "rb").read())
    return e.section_bytes(".go.buildinfo")


def exe_with(path, blob, sections=True, extra_sections=(), extra_segments=(), symbols=()):
    data_va = 0x4d8000
    segs = [(0x401000, elfw.PF_R | elfw.PF_X, b"\xc3" * 16), (data_va, elfw.PF_R | elfw.PF_W, blob)]
    segs += list(extra_segments)
    secs = [(".go.buildinfo", data_va, blob, elfw.SHT_PROGBITS, elfw.SHF_ALLOC | elfw.SHF_WRITE)]
    secs += list(extra_sections)
    b = bytearray(elfw.write_exe(path, 0x401000, segs, secs if sections else [], symbols))
    if not sections:  # no section headers at all: the segment scan finds the blob
        struct.pack_into("<QIHHHHHH", b, 0x28, 0, 0, 64, 56, len(segs), 64, 0, 0)
    return bytes(b)


def pre118_blob(version, mod, base):
    """The pointer form: header, then Go string headers {ptr,len}, then the bytes."""
    vs, ms = version.encode(), mod.encode()
    head = b"\xff Go buildinf:" + bytes([8, 0])
    strs_at = base + 64
    ptrs = struct.pack("<QQ", base + 32, base + 48)
    hdrs = struct.pack("<QQQQ", strs_at, len(vs), strs_at + len(vs), len(ms))
    return head + ptrs + hdrs + vs + ms


def moduledata_126(tab_va, tab, gofunc_va, text):
    """A Go 1.26 runtime.moduledata (592 bytes) that agrees with the pclntab at tab_va."""
    h = struct.unpack_from("<IBBBBQQQQQQQQ", tab, 0)
    nfunc, offs = h[5], h[8:13]
    md = bytearray(592)
    w = lambda off, v: struct.pack_into("<Q", md, off, v)
    w(0, tab_va)
    w(8, tab_va + offs[0]); w(32, tab_va + offs[1]); w(56, tab_va + offs[2])
    w(80, tab_va + offs[3]); w(104, tab_va + offs[4]); w(128, tab_va + offs[4]); w(136, nfunc + 1)
    w(160, text); w(168, text + 0x1000); w(176, text); w(184, text + 0x1000)
    w(296, 0x600000); w(304, 0x600100); w(320, gofunc_va); w(328, tab_va + len(tab))
    w(336, 0); w(344, 1)  # textsectmap: len 1
    return bytes(md)


def buildinfo_seeds(data, tmp):
    p = os.path.join(tmp, "x")
    for v in ("go1.19.8", "go1.26.10", "go1.27.3"):
        exe = os.path.join(data, v, "pcln", "exe")
        if os.path.exists(exe):
            blob = buildinfo_blob(exe)
            out("buildinfo", v, exe_with(p, blob))
            out("buildinfo", v + "-nosections", exe_with(p, blob, sections=False))
    out("buildinfo", "pre118", exe_with(p, pre118_blob("go1.17.13", "path\tmain\n", 0x4d8000)))
    exe = os.path.join(data, "go1.26.10", "pcln", "exe")
    if not os.path.exists(exe):
        return
    e, syms, tab, gf = pcln_of(exe, WANTED)
    text = syms["runtime.text"][0]
    tab_va, gof_va, md_va = 0x500000, 0x580000, 0x4d9000
    md = moduledata_126(tab_va, tab, gof_va, text)
    segs = [(tab_va, elfw.PF_R, tab), (gof_va, elfw.PF_R, gf or b"\0"), (md_va, elfw.PF_R | elfw.PF_W, md)]
    secs = [(".gopclntab", tab_va, tab, elfw.SHT_PROGBITS, elfw.SHF_ALLOC),
            (".noptrdata", md_va, md, elfw.SHT_PROGBITS, elfw.SHF_ALLOC | elfw.SHF_WRITE)]
    syms_out = [("runtime.firstmoduledata", md_va, len(md)), ("runtime.text", text, 0),
                ("go:func.*", gof_va, 0)]
    out("buildinfo", "go1.26.10-module", exe_with(p, buildinfo_blob(exe), True, secs, segs, syms_out))
    out("buildinfo", "go1.26.10-module-scan", exe_with(p, buildinfo_blob(exe), False, (), segs))


G_126 = [("stack", 0), ("m", 48), ("sched", 56), ("syscallsp", 112), ("syscallpc", 120),
         ("atomicstatus", 144), ("goid", 152), ("waitsince", 176), ("waitreason", 184),
         ("gopc", 264), ("startpc", 280), ("waiting", 192), ("parentGoid", 256)]
M_126 = [("g0", 0), ("procid", 72), ("gsignal", 80), ("curg", 192), ("id", 232),
         ("alllink", 320), ("vdsoSP", 900), ("vdsoPC", 908)]


def dwarf_seeds(data, tmp):
    p = os.path.join(tmp, "d")
    info, abbrev = dwarf_gen.runtime_unit(G_126, M_126, 440, 1000), dwarf_gen.abbrev_section()
    secs = [(".debug_info", 0, info, elfw.SHT_PROGBITS, 0), (".debug_abbrev", 0, abbrev, elfw.SHT_PROGBITS, 0)]
    out("dwarf", "generated", elfw.write_exe(p, 0x401000, [(0x401000, 5, b"\xc3")], secs))
    exe = os.path.join(data, "go1.19.8", "pcln", "exe")
    if os.path.exists(exe) and shutil.which("objcopy"):
        subprocess.run(["objcopy", "-j", ".debug_info", "-j", ".debug_abbrev", exe, p], check=True)
        out("dwarf", "go1.19.8-compressed", open(p, "rb").read())


def goroutine_seeds():
    # kinds (rt_world.c): 0 allgs header, 1 allm, 2 allgs array, 3 g, 4 m, 5 g stack, 6 sched,
    # 7 scratch, 8 thread stack, 9 wait reasons
    rec = lambda op, kind, idx, off, b=b"": bytes([op, kind, idx]) + struct.pack("<H", off) + b
    ptr = lambda kind, idx, off, k2, i2, o2: rec(0x80, kind, idx, off) + bytes([k2, i2]) + struct.pack("<H", o2)
    for core in (0, 1):
        out("goroutines", "plain-%d" % core, bytes([core]))
        out("goroutines", "dup-g-%d" % core, bytes([core]) + b"".join(ptr(2, 0, 8 * i, 3, 0, 0) for i in range(8)))
        out("goroutines", "m-cycle-%d" % core, bytes([core]) + ptr(4, 1, 320, 4, 0, 0) + ptr(4, 0, 320, 4, 1, 0))
        out("goroutines", "zero-g-%d" % core, bytes([core]) + b"".join(rec(16, 3, 2, k * 16, bytes(16)) for k in range(20)))
        out("goroutines", "bad-sp-%d" % core, bytes([core]) + rec(8, 3, 5, 56, struct.pack("<Q", 0xdeadbeef000)))
        out("goroutines", "allgs-len-%d" % core, bytes([core]) + rec(8, 0, 0, 8, struct.pack("<Q", 1 << 40)))
        out("goroutines", "scratch-%d" % core, bytes([core]) + ptr(0, 0, 0, 7, 0, 0) + rec(8, 7, 0, 0, struct.pack("<Q", 0x100000000100)))


def heap_seeds():
    # kinds (fuzz_heap.c, after the ten goroutine kinds): 10 mheap, 11 allspans array, 12 span,
    # 13 alloc bits, 14 memstats, 15 mprof bucket, 16 types, 17 gcphase
    rec = lambda op, kind, idx, off, b=b"": bytes([op, kind, idx]) + struct.pack("<H", off) + b
    ptr = lambda kind, idx, off, k2, i2, o2: rec(0x80, kind, idx, off) + bytes([k2, i2]) + struct.pack("<H", o2)
    for core in (0, 1):
        for flags in (0, 6):
            out("heap", "plain-%d" % (core | flags), bytes([core | flags]))
        out("heap", "dup-span-%d" % core, bytes([core]) + b"".join(ptr(11, 0, 8 * i, 12, 0, 0) for i in range(16)))
        out("heap", "span-next-cycle-%d" % core, bytes([core]) + ptr(12, 1, 0, 12, 0, 0) + ptr(12, 0, 0, 12, 1, 0))
        out("heap", "zero-span-%d" % core, bytes([core]) + b"".join(rec(16, 12, 3, k * 16, bytes(16)) for k in range(10)))
        out("heap", "garbage-bits-%d" % core, bytes([core]) + rec(31, 13, 2, 0, b"\xff" * 31))
        out("heap", "allspans-len-%d" % core, bytes([core]) + rec(8, 10, 0, 0, struct.pack("<Q", 1 << 33)))
        out("heap", "bucket-cycle-%d" % (core | 4), bytes([core | 4]) + ptr(15, 1, 0, 15, 0, 0))
        out("heap", "gcphase-%d" % core, bytes([core]) + rec(4, 17, 0, 0, struct.pack("<I", 2)))
        # a first bucket with no frames: once copied its PCs from a NULL array (UBSan)
        out("heap", "bucket-nstk-0-%d" % (core | 4), bytes([core | 4]) + rec(8, 15, 0, 40, struct.pack("<Q", 0)))


def snapshot(taken_at, scale, groups, sites=True):
    frame = lambda fn, line: {"function": fn, "file": "/src/main.go", "line": line}
    heap = {"totals": {"inuse_objects": 100 * scale, "inuse_bytes": 6400 * scale},
            "by_type": [{"name": "main.Session", "inuse_objects": 10 * scale, "inuse_bytes": 640 * scale},
                        {"name": "[]uint8", "inuse_objects": 90, "inuse_bytes": 5760}],
            "by_size": [{"name": "64", "inuse_objects": 100 * scale, "inuse_bytes": 6400 * scale}]}
    if sites:
        heap["by_site"] = [{"name": "main.newSession", "inuse_objects": 10 * scale,
                            "inuse_bytes": 640 * scale, "frames": [frame("main.newSession", 42),
                                                                    frame("main.main", 7)]}]
    return {"format": "heapscope-snapshot", "format_version": 1, "version": "go1.26.10",
            "taken_at": taken_at,
            "target": {"description": "process 4242", "executable": "/tmp/exe", "build_id": "ab12",
                       "pid": 4242},
            "heap": heap,
            "goroutines": {"total": sum(g[1] for g in groups),
                           "groups": [{"state": st, "count": n, "frames": [frame(fn, 10)]}
                                      for st, n, fn in groups]},
            "memstats": {"heap_alloc": 6400 * scale, "heap_objects": 100 * scale, "num_gc": 3}}


CODEREF_FUNCS = ("runtime.forEachG", "runtime.allgadd", "runtime.schedinit", "runtime.checkdead",
                 "main.main", "main.run")  # the last two: program code that stores to globals


def coderefs_seeds(data):
    for v in sorted(os.listdir(data)):
        exe = os.path.join(data, v, "pcln", "exe")
        if not os.path.exists(exe):
            continue
        e = elfw.Elf(open(exe, "rb").read())
        syms = e.symbols()
        lo = min(e.sections[s][0] for s in (".noptrdata", ".data") if s in e.sections)
        for f in CODEREF_FUNCS:
            if f in syms:
                addr, size = syms[f]
                code = e.read(addr, min(size, 4096))
                head = struct.pack("<QQ", (addr & ~7) | 7, lo)
                out("coderefs", "%s-%s" % (v, f.split(".", 1)[1]), head + code)


def snapshot_seeds():
    import json
    out("snapshot", "base", json.dumps(snapshot(1795350000.5, 1, [("chan receive", 3, "main.worker")])).encode())
    out("snapshot", "grown", json.dumps(snapshot(1795350060.0, 4, [("chan receive", 30, "main.worker"),
                                                                   ("select", 2, "main.loop")])).encode())
    out("snapshot", "nosites", json.dumps(snapshot(1795350120.0, 2, [], sites=False), indent=1).encode())
    # inputs that once crashed the reader or the diff
    base = json.dumps(snapshot(1795350000.5, 1, [("chan receive", 3, "main.worker")]))
    out("snapshot", "regress-float-cast-version", base.replace('"format_version": 1,', '"format_version": 1e300,').encode())
    out("snapshot", "regress-float-cast-pid", base.replace('"pid": 4242', '"pid": 1e300').encode())
    out("snapshot", "regress-dup-memstats-key",
        base.replace('"num_gc": 3}', '"num_gc": 3, "heap_alloc": 7, "heap_alloc": 8, "heap_alloc": 9}').encode())


def main():
    global OUT
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    data = sys.argv[1]
    OUT = sys.argv[2] if len(sys.argv) > 2 else os.path.join(FUZZ, "corpus")
    with tempfile.TemporaryDirectory(prefix="hs-seeds-") as tmp:
        core_seeds(data, tmp)
        buildinfo_seeds(data, tmp)
        pclntab_seeds(data)
        dwarf_seeds(data, tmp)
        goroutine_seeds()
        heap_seeds()
        snapshot_seeds()
        coderefs_seeds(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
