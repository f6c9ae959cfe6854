#!/usr/bin/env python3
"""Capture a core of a running Go test program and compact it, then check the result with gdb.

gcore (`gcore -o PREFIX PID`) also dumps Go's PROT_NONE address-space reservations as all-zero
read-only segments, so a trivial program's core is ~1.2 GB of zeros. compact() rewrites a core so
every PT_LOAD whose bytes are all zero gets p_filesz = 0 (what the kernel writes for memory it
does not dump), drops those bytes, and lays the remaining segments and the notes (byte for byte)
out again. Section headers, which gcore adds and core readers ignore, are dropped (as in kernel
cores), except the one that carries the program-header count of a PN_XNUM core.

Kernel cores: run the program with RLIMIT_CORE unlimited and GOTRACEBACK=crash, send SIGQUIT;
possible only when /proc/sys/kernel/core_pattern names a file (any specifiers; no "|" pipe).

Cores of another architecture (--qemu qemu-aarch64-static): the program runs under qemu-user with
GOTRACEBACK=crash; on SIGQUIT qemu writes the guest's ELF core itself (qemu_<exe>_<date>_<pid>.core
in the working directory, whatever core_pattern says), then dumps its own host core, dropped. Such
cores are checked with gdb-multiarch; the host thread ids of the qemu process are not the core's.

CLI:
  make_core.py --exe EXE --outdir DIR [--kernel | --qemu QEMU] [--running] [--keep-original] [-- ARGS...]
      runs EXE (a test program printing READY), captures, compacts and checks; writes DIR/core,
      DIR/dump.txt (what the program printed), DIR/capture.json
  make_core.py --exe EXE --pid PID --out CORE     gcore of an already running process
  make_core.py --compact IN OUT                   compaction only
  make_core.py --self-test                        compaction of synthetic cores, checked with readelf
"""

import argparse
import glob
import json
import mmap
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import census  # noqa: E402
import run_fixture  # noqa: E402

PT_LOAD, PT_NOTE, PN_XNUM = 1, 4, 0xFFFF
EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
PHDR = struct.Struct("<IIQQQQQQ")
SHDR = struct.Struct("<IIQQQQIIQQ")
CHUNK = 16 << 20
ZEROS = bytes(CHUNK)
GDB_ARGS = ["-nx", "-batch", "-iex", "set auto-load no", "-iex", "set debuginfod enabled off"]
EM_X86_64 = 62


class CoreError(Exception):
    pass


# ---------------------------------------------------------------- compaction

def _read_phdrs(mm):
    if len(mm) < EHDR.size or mm[:4] != b"\x7fELF" or mm[4] != 2 or mm[5] != 1:
        raise CoreError("not a 64-bit little-endian ELF file")
    eh = list(EHDR.unpack_from(mm, 0))
    if eh[1] != 4:
        raise CoreError("ELF type %d is not ET_CORE" % eh[1])
    phoff, shoff, phentsize, phnum, shentsize = eh[5], eh[6], eh[9], eh[10], eh[11]
    if phentsize != PHDR.size:
        raise CoreError("unexpected program header size %d" % phentsize)
    xnum = phnum == PN_XNUM
    if xnum:
        if shoff == 0 or shoff + SHDR.size > len(mm) or shentsize != SHDR.size:
            raise CoreError("PN_XNUM core without a readable section header 0")
        phnum = SHDR.unpack_from(mm, shoff)[7]
    if phoff + phnum * PHDR.size > len(mm):
        raise CoreError("program headers run past the end of the file")
    phdrs = [list(PHDR.unpack_from(mm, phoff + i * PHDR.size)) for i in range(phnum)]
    for p in phdrs:
        if p[2] + p[5] > len(mm):
            raise CoreError("segment at offset %#x size %#x runs past the end of the file" % (p[2], p[5]))
    return eh, phdrs, xnum


def _all_zero(mm, off, size):
    end = off + size
    while off < end:
        n = min(CHUNK, end - off)
        if mm[off:off + n] != ZEROS[:n]:
            return False
        off += n
    return True


def _copy(src, dst, off, size):
    src.seek(off)
    while size > 0:
        buf = src.read(min(CHUNK, size))
        if not buf:
            raise CoreError("short read at %#x" % off)
        dst.write(buf)
        size -= len(buf)


def _new_offset(pos, p):
    """First offset >= pos that keeps a segment's alignment (vaddr congruence for loads)."""
    align = p[7] if p[7] > 1 else 1
    if p[0] == PT_LOAD and align > 1:
        want = p[3] % align
        return pos + ((want - pos) % align)
    return (pos + align - 1) // align * align


def compact(src_path, dst_path):
    """Write a compacted copy of core src_path to dst_path; returns a dict of figures."""
    with open(src_path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        eh, phdrs, xnum = _read_phdrs(mm)
        zeroed = 0
        for p in phdrs:
            if p[0] == PT_LOAD and p[5] > 0 and _all_zero(mm, p[2], p[5]):
                zeroed += p[5]
                p[5] = 0
        pos = EHDR.size + len(phdrs) * PHDR.size
        order = sorted(range(len(phdrs)), key=lambda i: phdrs[i][2])
        spans = []
        for i in order:
            p = phdrs[i]
            if p[5] == 0:
                p[2] = pos  # as the kernel does for segments it does not dump
                continue
            new = _new_offset(pos, p)
            spans.append((new, p[2], p[5]))
            p[2], pos = new, new + p[5]
        shoff = 0
        if xnum:
            shoff = pos = (pos + 7) // 8 * 8
        eh[5], eh[6] = EHDR.size, shoff
        eh[11], eh[12], eh[13] = (SHDR.size, 1, 0) if xnum else (0, 0, 0)
        with open(dst_path, "wb") as out:
            out.write(EHDR.pack(*eh))
            for p in phdrs:
                out.write(PHDR.pack(*p))
            for new, old, size in spans:
                out.write(b"\0" * (new - out.tell()))
                _copy(f, out, old, size)
            if xnum:
                out.write(b"\0" * (shoff - out.tell()))
                out.write(SHDR.pack(0, 0, 0, 0, 0, 0, 0, len(phdrs), 0, 0))
        return {"original_bytes": len(mm), "compacted_bytes": os.path.getsize(dst_path),
                "zero_segment_bytes_dropped": zeroed, "segments": len(phdrs)}


# ---------------------------------------------------------------- capture

def capture_gcore(pid, prefix, timeout=600):
    """gcore -o PREFIX PID; returns the core's path (PREFIX.PID)."""
    r = subprocess.run(["gcore", "-o", prefix, str(pid)], capture_output=True, text=True, timeout=timeout)
    path = "%s.%d" % (prefix, pid)
    if r.returncode != 0 or not os.path.exists(path):
        raise CoreError("gcore of pid %d failed (status %d): %s" % (pid, r.returncode, r.stderr[-2000:]))
    return path


def core_pattern():
    """/proc/sys/kernel/core_pattern, or HS_TEST_CORE_PATTERN when set (the harness self-test
    pretends a piped pattern with it, to prove such a skip is named and counted)."""
    if "HS_TEST_CORE_PATTERN" in os.environ:
        return os.environ["HS_TEST_CORE_PATTERN"]
    with open("/proc/sys/kernel/core_pattern") as f:
        return f.read().strip()


def kernel_core_glob(cwd, pid, comm):
    """A glob of where the kernel writes the core of pid, or (None, reason) when the pattern
    pipes cores to a program -- a platform condition listed in tests/skip_reasons.txt."""
    pattern = core_pattern()
    if pattern.startswith("|"):
        return None, census.platform("core-pattern-pipe", "core_pattern is %r" % pattern)
    out, i = "", 0
    while i < len(pattern):
        c = pattern[i]
        if c != "%" or i + 1 == len(pattern):
            out += glob.escape(c)
        else:
            spec = pattern[i + 1]
            out += {"p": str(pid), "P": str(pid), "e": glob.escape(comm[:15]), "%": "%"}.get(spec, "*")
            i += 1
        i += 1
    with open("/proc/sys/kernel/core_uses_pid") as f:
        if not re.search(r"%[pP]", pattern) and f.read().strip() != "0":
            out += ".%d" % pid
    return os.path.join(glob.escape(cwd), out), None


def capture_qemu(exe, workdir, qemu, args=(), timeout=120, quiet=True):
    """Run exe under qemu-user (qemu names the emulator, e.g. qemu-aarch64-static) with
    GOTRACEBACK=crash in workdir, SIGQUIT it once READY, and return (guest core path, fixture,
    crash traceback text). Raises CoreError when qemu wrote no guest core."""
    fx = run_fixture.Fixture(qemu, [os.path.abspath(exe)] + list(args), env={"GOTRACEBACK": "crash"},
                             cwd=workdir, core_limit=True, timeout=timeout, quiet=quiet)
    fx.start()
    try:
        fx.signal(signal.SIGQUIT)
        status = fx.wait(timeout)
        found = glob.glob(os.path.join(glob.escape(workdir), "qemu_*.core"))
        if len(found) != 1:
            raise CoreError("%s wrote %d guest cores after SIGQUIT (exit status %s)" % (qemu, len(found), status))
        fx.threads_at_capture = None  # the qemu process's host threads, not the guest's
        return found[0], fx, fx.stderr_text()
    finally:
        fx.stop()


def capture_kernel(exe, workdir, args=(), timeout=120, quiet=True):
    """Run exe with GOTRACEBACK=crash in workdir, SIGQUIT it once READY (and, with quiet, once
    every thread sleeps), and return (core path, fixture, crash traceback text), or (None, None,
    reason) where core_pattern pipes cores away (a listed platform skip). Raises CoreError when
    the kernel should have written a core and did not."""
    fx = run_fixture.Fixture(exe, args, env={"GOTRACEBACK": "crash"}, cwd=workdir, core_limit=True,
                             timeout=timeout, quiet=quiet)
    fx.start()
    try:
        with open("/proc/%d/comm" % fx.pid) as f:
            comm = f.read().strip()
        where, why = kernel_core_glob(workdir, fx.pid, comm)
        if where is None:
            return None, None, why
        threads = fx.thread_ids()
        fx.signal(signal.SIGQUIT)
        status = fx.wait(timeout)
        found = sorted(glob.glob(where), key=os.path.getmtime)
        if not found:
            raise CoreError("no core at %s after SIGQUIT (exit status %s, core_pattern %r)"
                            % (where, status, core_pattern()))
        fx.threads_at_capture = threads
        return found[-1], fx, fx.stderr_text()
    finally:
        fx.stop()


# ---------------------------------------------------------------- gdb checks

def gdb(exe, core, commands, timeout=300):
    """gdb's batch output; gdb-multiarch for a core of another architecture than x86-64."""
    with open(core, "rb") as f:
        machine = EHDR.unpack(f.read(EHDR.size))[2]
    argv = ["gdb" if machine == EM_X86_64 else "gdb-multiarch"] + GDB_ARGS
    for c in commands:
        argv += ["-ex", c]
    r = subprocess.run(argv + [exe, core], capture_output=True, text=True, timeout=timeout)
    return r.stdout + r.stderr


def gdb_threads(exe, core):
    """LWP ids gdb lists for the core with `info threads`."""
    out = gdb(exe, core, ["info threads"])
    return sorted(int(x) for x in re.findall(r"^\*?\s+\d+\s+(?:Thread 0x[0-9a-f]+ \()?LWP (\d+)\b", out, re.M)), out


def gdb_values(exe, core, marker_check=True):
    """Values read with gdb: the marker global, the heap object it points to, and the top of
    every thread's stack (so stack and heap memory are compared, not only static data)."""
    cmds = ["thread apply all x/4gx $sp"]
    if marker_check:
        cmds = ["set language c", "x/gx &'main.markerValue'",
                "x/gx *(unsigned long *)&'main.markerBox'"] + cmds
    out = gdb(exe, core, cmds)
    # gdb numbers threads differently per session; compare by LWP and memory only
    keep = [re.sub(r"^Thread \d+ ", "Thread ", ln) for ln in out.splitlines()
            if re.match(r"^0x[0-9a-f]+.*:\s", ln) or ln.startswith("Thread ")]
    return keep, out


def readelf_notes(core):
    """binutils' view of the notes, without the line that names their file offset."""
    r = subprocess.run(["readelf", "-nW", core], capture_output=True, text=True, timeout=300)
    if r.returncode != 0 or "NT_PRSTATUS" not in r.stdout:
        raise CoreError("readelf -n %s failed: %s" % (core, r.stderr[-1000:]))
    return [ln for ln in r.stdout.splitlines() if "file offset" not in ln]


def verify(exe, original, compacted, expect_lwps=None, marker=None):
    """Check the compacted core with gdb against the original; returns a dict of findings."""
    lwps_c, out_c = gdb_threads(exe, compacted)
    lwps_o, _ = gdb_threads(exe, original) if original else (lwps_c, "")
    if not lwps_c or lwps_c != lwps_o:
        raise CoreError("gdb lists threads %s in the compacted core, %s in the original:\n%s"
                        % (lwps_c, lwps_o, out_c[-3000:]))
    if expect_lwps is not None and sorted(expect_lwps) != lwps_c:
        raise CoreError("gdb lists threads %s, the process had %s" % (lwps_c, sorted(expect_lwps)))
    if original and readelf_notes(original) != readelf_notes(compacted):
        raise CoreError("readelf -n shows different notes in the compacted core")
    vals_c, raw_c = gdb_values(exe, compacted, marker is not None)
    vals_o, _ = gdb_values(exe, original, marker is not None) if original else (vals_c, "")
    if vals_c != vals_o:
        raise CoreError("gdb reads different memory from the compacted core:\n%s\n-- original:\n%s"
                        % ("\n".join(vals_c), "\n".join(vals_o)))
    result = {"gdb_threads": lwps_c, "gdb_memory_lines_compared": sum(1 for v in vals_c if v.startswith("0x"))}
    if marker is not None:
        got = [int(w, 16) for ln in vals_c[:2] for w in [ln.split(":")[1].split()[0]]]
        if got != [marker, marker]:
            raise CoreError("gdb reads marker %s, expected %#x twice:\n%s" % (got, marker, raw_c[-2000:]))
        result["gdb_marker"] = "%#x" % marker
    return result


def write_info(capture_path, dest, fields):
    """dest/info.json of a stored core: what the program printed in HEAPSCOPE-INFO, how the
    core was captured (capture.json of run_and_capture) and sizes, then fields."""
    with open(capture_path) as f:
        cap = json.load(f)
    info = dict(cap.pop("info"))
    info.pop("exe", None)
    info.update({"origin": cap["origin"], "gotraceback": cap["gotraceback"], "pid": cap["pid"],
                 "threads": cap["threads"], "gdb_check": {k: cap[k] for k in cap if k.startswith("gdb_")},
                 "core_bytes": {"captured": cap["original_bytes"], "compacted": cap["compacted_bytes"],
                                "gzipped": os.path.getsize(os.path.join(dest, "core.gz"))}})
    info.update(fields)
    with open(os.path.join(dest, "info.json"), "w") as f:
        json.dump(info, f, indent=1, sort_keys=True)
        f.write("\n")


# ---------------------------------------------------------------- self-test

def _synthetic_core(path, segments, xnum=False):
    """A minimal ET_CORE file: a PT_NOTE with one NT_PRSTATUS-typed note, then PT_LOADs with the
    given byte strings (vaddr 0x10000 apart); with xnum, e_phnum=PN_XNUM and section 0 counts."""
    note = struct.pack("<III", 5, 8, 1) + b"CORE\0\0\0\0" + b"\x11" * 8
    n = 1 + len(segments)
    pos = EHDR.size + n * PHDR.size
    phdrs, blobs = [(PT_NOTE, 4, pos, 0, 0, len(note), 0, 4)], [note]
    pos += len(note)
    for i, data in enumerate(segments):
        phdrs.append((PT_LOAD, 6, pos, 0x10000 * (i + 1), 0, len(data), len(data), 1))
        blobs.append(data)
        pos += len(data)
    shoff = pos if xnum else 0
    eh = (b"\x7fELF\x02\x01\x01" + b"\0" * 9, 4, 62, 1, 0, EHDR.size, shoff, 0, EHDR.size, PHDR.size,
          PN_XNUM if xnum else n, SHDR.size if xnum else 0, 1 if xnum else 0, 0)
    with open(path, "wb") as f:
        f.write(EHDR.pack(*eh) + b"".join(PHDR.pack(*p) for p in phdrs) + b"".join(blobs))
        if xnum:
            f.write(SHDR.pack(0, 0, 0, 0, 0, 0, 0, n, 0, 0))


def self_test():
    """Compacts synthetic cores and checks the result with readelf (binutils) and by reading
    every segment back; returns 0 or raises."""
    segs = [b"\0" * 8192, b"data" * 1000, b"\0" * 100 + b"x", b"\0" * 4096, b"tail"]
    with tempfile.TemporaryDirectory() as d:
        for xnum in (False, True):
            src, dst = os.path.join(d, "in"), os.path.join(d, "out")
            _synthetic_core(src, segs, xnum)
            fig = compact(src, dst)
            assert fig["zero_segment_bytes_dropped"] == 8192 + 4096, fig
            with open(dst, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
                _, phdrs, got_xnum = _read_phdrs(mm)
                assert got_xnum == xnum and len(phdrs) == 1 + len(segs)
                assert mm[phdrs[0][2]:phdrs[0][2] + phdrs[0][5]] == open(src, "rb").read()[
                    EHDR.size + len(phdrs) * PHDR.size:][:phdrs[0][5]], "note changed"
                for p, data in zip(phdrs[1:], segs):
                    body = mm[p[2]:p[2] + p[5]]
                    assert p[6] == len(data) and (body == data or (p[5] == 0 and not any(data))), p
            out = subprocess.run(["readelf", "-lW", dst], capture_output=True, text=True, check=True).stdout
            assert out.count("LOAD") == len(segs) and "0x000000 0x002000" in out, out
    print("make_core self-test: ok")
    return 0


# ---------------------------------------------------------------- CLI

def run_and_capture(exe, outdir, kernel=False, keep_original=False, args=(), quiet=True, qemu=None):
    os.makedirs(outdir, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="hs-core-", dir=outdir)
    try:
        t0 = time.monotonic()
        if kernel or qemu:
            if qemu:
                raw, fx, crash = capture_qemu(exe, tmp, qemu, args, quiet=quiet)
            else:
                raw, fx, crash = capture_kernel(exe, tmp, args, quiet=quiet)
            if raw is None:
                return {"skipped": "kernel core not possible: %s" % crash}
            threads, origin = fx.threads_at_capture, "qemu" if qemu else "kernel"
            with open(os.path.join(outdir, "crash.txt"), "w") as f:
                f.write(crash)
        else:
            with run_fixture.Fixture(exe, args) as fx:
                threads = fx.thread_ids()
                raw = capture_gcore(fx.pid, os.path.join(tmp, "core"))
            origin = "gcore"
        t_capture = time.monotonic() - t0
        with open(os.path.join(outdir, "dump.txt"), "w") as f:
            f.write(fx.output)
        core = os.path.join(outdir, "core")
        figures = compact(raw, core)
        marker = fx.info.get("marker_value")
        figures.update(verify(exe, raw, core, threads, marker))
        threads = threads or figures["gdb_threads"]
        if keep_original:
            os.replace(raw, os.path.join(outdir, "core.original"))
        figures.update({"origin": origin, "pid": fx.pid, "threads": threads, "exe": os.path.abspath(exe),
                        "capture_seconds": round(t_capture, 1),
                        "gotraceback": "crash" if kernel or qemu else "default", "info": fx.info})
        with open(os.path.join(outdir, "capture.json"), "w") as f:
            json.dump(figures, f, indent=1, sort_keys=True)
        return figures
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description="capture, compact and check a core of a Go test program")
    ap.add_argument("--exe")
    ap.add_argument("--outdir")
    ap.add_argument("--kernel", action="store_true", help="kernel core via SIGQUIT and GOTRACEBACK=crash")
    ap.add_argument("--qemu", metavar="QEMU", help="a core of the guest via qemu-user QEMU, GOTRACEBACK=crash and SIGQUIT")
    ap.add_argument("--keep-original", action="store_true")
    ap.add_argument("--running", action="store_true",
                    help="the program keeps goroutines running: do not wait for every thread to sleep")
    ap.add_argument("--pid", type=int)
    ap.add_argument("--out")
    ap.add_argument("--compact", nargs=2, metavar=("IN", "OUT"))
    ap.add_argument("--self-test", action="store_true", help="check compaction on synthetic cores")
    ap.add_argument("args", nargs="*")
    a = ap.parse_args(argv)
    try:
        if a.self_test:
            return self_test()
        if a.compact:
            print(json.dumps(compact(*a.compact)))
        elif a.pid and a.exe and a.out:
            threads = sorted(int(t) for t in os.listdir("/proc/%d/task" % a.pid))
            tmp = tempfile.mkdtemp(prefix="hs-core-", dir=os.path.dirname(os.path.abspath(a.out)))
            try:
                raw = capture_gcore(a.pid, os.path.join(tmp, "core"))
                figures = compact(raw, a.out)
                figures.update(verify(a.exe, raw, a.out, threads))
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
            print(json.dumps(figures))
        elif a.exe and a.outdir:
            figures = run_and_capture(a.exe, a.outdir, a.kernel, a.keep_original, a.args,
                                      quiet=not a.running, qemu=a.qemu)
            figures.pop("info", None)
            print(json.dumps(figures))
            if "skipped" in figures:
                print("make_core: %s" % figures["skipped"], file=sys.stderr)
        else:
            ap.error("give --compact IN OUT, or --exe with --pid and --out, or --exe with --outdir")
    except (CoreError, run_fixture.FixtureError, subprocess.TimeoutExpired, OSError) as e:
        print("make_core: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
