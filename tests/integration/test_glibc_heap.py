#!/usr/bin/env python3
"""heap-top on C/C++ programs: glibc malloc heaps, live, from gcore cores and from kernel cores.
tests/fixtures/c/glibc_heap.cpp holds objects of known classes (inheritance, a template, multiple
inheritance, an over-aligned class) made by main and 4 threads (5 arenas, or 1 that all share),
a list of plain mallocs, blocks freed into each thread's tcache and into fastbins, and mmapped
blocks, plain and aligned (memalign, aligned_alloc, posix_memalign, one grown by realloc); it
prints its class counts, the bytes it freed into tcaches, and glibc's own mallinfo2(). Oracles
outside heapscope: glibc's mallinfo2 (every field equal; in-use bytes = uordblks + hblkhd exactly
with tcache off, less what the program freed into tcaches with it on) and the program's own
counts. Built -g, without -g, and stripped with a debug file; libc read with and without
libc6-dbg's symbols (tcaches found through each thread's TLS, or by their shape). Bad input: corrupt chunk headers, a fastbin
loop, another allocator (jemalloc), a static binary, flags that need the mark. Leaks:
tests/fixtures/c/glibc_leaks.cpp drops its only pointers to some blocks; --unreachable counts
exactly the blocks valgrind calls definitely and indirectly lost, by class."""
import glob
import re

import os
import resource
import shutil
import signal
import subprocess
import tempfile
import unittest

import hstest
import test_heap_top  # go_binary, for go tool pprof
import test_holders  # raw_profile: a profile's samples

SOURCE = os.path.join(hstest.SOURCE_DIR, "tests", "fixtures", "c", "glibc_heap.cpp")
LEAKS = os.path.join(hstest.SOURCE_DIR, "tests", "fixtures", "c", "glibc_leaks.cpp")
TCACHE_OFF = "glibc.malloc.tcache_count=0"
ONE_ARENA = "glibc.malloc.arena_max=1"
NO_LIBC_SYMBOLS = {"HEAPSCOPE_DEBUG_FILE_DIRECTORY": "/nonexistent"}
JEMALLOC = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"
# the arm64 fixture runs under qemu-user with the cross toolchain's libc, loaded from its own path
# (LD_LIBRARY_PATH) so the dynamic linker records a path this machine has (scripts/setup.sh)
A64_CXX = "aarch64-linux-gnu-g++"
A64_ROOT = "/usr/aarch64-linux-gnu"
QEMU_A64 = ["qemu-aarch64-static", "-L", A64_ROOT, "-E", "LD_LIBRARY_PATH=%s/lib" % A64_ROOT]


class Program:
    """The fixture running, with what it printed before "ready" (exe: a path, or an argv that
    ends with one)."""

    def __init__(self, exe, tcache=True, arg=None, cwd=None, env=None):
        e = dict(os.environ, **(env or {}))
        if not tcache:
            e["GLIBC_TUNABLES"] = TCACHE_OFF
        argv = (exe if isinstance(exe, list) else [exe]) + ([arg] if arg else [])
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True,
                                  cwd=cwd, env=e, preexec_fn=lambda: resource.setrlimit(
                                      resource.RLIMIT_CORE, (resource.RLIM_INFINITY,) * 2))
        self.classes, self.mallinfo, self.rec, self.lines = {}, {}, {}, []
        for line in self.p.stdout:
            f = line.split()
            self.lines.append(f)
            if f[0] == "ready":
                break
            if f[0] == "class":
                self.classes[f[1]] = int(f[2])
            elif f[0] == "mallinfo":
                self.mallinfo[f[1]] = int(f[2])
            else:
                self.rec[f[0]] = int(f[1])

    def close(self):
        self.p.kill()
        self.p.wait()


def with_env(env, fn):
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        return fn()
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def check_report(self, prog, report, tcache=True, arenas=None):
    """heap-top --json of the fixture against glibc's mallinfo2 and the program's own counts (also
    from the gdb and lldb fronts: test_glibc_fronts.py)."""
    self.assertEqual((report["runtime"], report["by"]), ("glibc", "type"))
    self.assertTrue(report["version"].startswith("glibc 2."), report["version"])
    ms, mi = report["memstats"], prog.mallinfo
    self.assertEqual({k: ms[k] for k in mi}, mi)
    self.assertEqual(ms["arenas"], arenas or prog.rec["threads"] + 1)
    self.assertEqual(ms["tcache_bytes"], prog.rec["tcache_bytes"])
    if not tcache:
        self.assertEqual(prog.rec["tcache_bytes"], 0)
    self.assertEqual(report["totals"]["inuse_bytes"],
                     mi["uordblks"] + mi["hblkhd"] - prog.rec["tcache_bytes"])
    rows = {r["name"]: r for r in report["rows"]}
    self.assertEqual({c: rows[c]["inuse_objects"] for c in prog.classes if c in rows}, prog.classes)
    self.assertEqual(sum(r["inuse_bytes"] for r in report["rows"]), report["totals"]["inuse_bytes"])
    self.assertEqual(report["warnings"], [])
    return report


class GlibcHeap(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="hs-glibc-")
        cls.exes = hstest.build_native(cls.tmp, "g++", SOURCE, "glibc_heap")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def gcore(self, prog):
        return hstest.gcore(prog.p.pid, self.tmp)

    def check(self, prog, target, tcache=True, arenas=None):
        return check_report(self, prog, hstest.run_json(["heap-top"] + target), tcache, arenas)

    def test_live_and_gcore(self):
        for tcache in (False, True):
            with self.subTest(tcache=tcache):
                prog = Program(self.exes["g"], tcache=tcache)
                try:
                    self.check(prog, ["--pid", str(prog.p.pid)], tcache)
                    core = self.gcore(prog)
                    self.check(prog, ["--core", core], tcache)
                    # the program keeps a pointer to every block it has not freed (its tcaches'
                    # too, through each thread's TLS: the main thread's lies in a mapping the
                    # kernel merges with mmapped chunks)
                    for target in (["--pid", str(prog.p.pid)], ["--core", core]):
                        gone = hstest.run_json(["heap-top", "--unreachable"] + target)
                        self.assertEqual(gone["reachability"]["unreachable_objects"], 0, gone["rows"])
                    os.unlink(core)
                finally:
                    prog.close()

    def test_kernel_core(self):
        """A core the kernel writes when the program aborts (SIGABRT)."""
        progs = []

        def start(cwd):
            progs.append(Program(self.exes["g"], cwd=cwd))
            return progs[0].p

        try:
            core = hstest.kernel_core(self, start, signal.SIGABRT, self.tmp)
        finally:
            for p in progs:
                p.close()
        self.check(progs[0], ["--core", core])

    def test_builds_and_libc_symbols(self):
        """Without -g, stripped (symbols in a debug file), and libc without libc6-dbg's symbol
        table (main_arena found by scanning libc's data)."""
        for variant in ("nog", "stripped", "g-nolibcdbg"):
            with self.subTest(variant=variant):
                env = NO_LIBC_SYMBOLS if "nolibc" in variant else {}
                prog = Program(self.exes[variant.split("-")[0]])
                try:
                    report = with_env(env, lambda: self.check(prog, ["--pid", str(prog.p.pid)]))
                    how = "a scan of libc's data" if env else "libc's symbol table"
                    self.assertIn("main_arena from %s" % how, report["notes"][0])
                finally:
                    prog.close()

    def test_threads_share_an_arena(self):
        """arena_max=1: main and the 4 threads share main_arena, so 4 of the 5 tcaches lie anywhere
        in its heap, not first; found through each thread's TLS with libc6-dbg's symbols (the idle
        thread has none), by their shape without; live and from a gcore core."""
        prog = Program(self.exes["g"], env={"GLIBC_TUNABLES": ONE_ARENA})
        try:
            core = self.gcore(prog)
            for env, how in (({}, "through each thread's TLS"), (NO_LIBC_SYMBOLS, "by their shape")):
                for target in (["--pid", str(prog.p.pid)], ["--core", core]):
                    with self.subTest(how=how, target=target[0]):
                        report = with_env(env, lambda: self.check(prog, target, arenas=1))
                        self.assertIn("freed into %d tcaches (found %s)" % (prog.rec["threads"] + 1, how),
                                      report["notes"][0])
        finally:
            prog.close()

    def test_arm64_qemu_core(self):
        """linux/arm64: the fixture cross-built and run under qemu-user, which writes the guest's
        core as the program aborts after printing its record. qemu's core names no files, so libc
        is found through the dynamic linker's list in memory; it has no thread pointer, so the
        tcaches are found by their shape. Checked as every amd64 read is, against the program's
        own mallinfo2 and class counts."""
        for tool in (A64_CXX, QEMU_A64[0]):
            if not shutil.which(tool):
                self.fail("%s is missing: run scripts/setup.sh" % tool)
        exe = os.path.join(self.tmp, "glibc_heap_arm64")
        subprocess.run([A64_CXX, "-O2", "-g", "-pthread", "-o", exe, SOURCE], check=True)
        work = tempfile.mkdtemp(dir=self.tmp)
        prog = Program(QEMU_A64 + [exe], arg="abort", cwd=work)
        try:
            prog.p.wait(timeout=60)
            cores = glob.glob(os.path.join(work, "qemu_*.core"))
            self.assertEqual(len(cores), 1, os.listdir(work))
            report = self.check(prog, ["--core", cores[0], "--exe", exe])
            self.assertIn("(found by their shape)", report["notes"][0])
            # the native unwinder walks amd64 only: heap-paths names the Circles' global (the
            # fixture keeps them in g_keep) and says that stack words get no frame
            code, out, err = hstest.run(["heap-paths", "Circle", "--core", cores[0], "--exe", exe])
            self.assertEqual(code, 0, err)
            self.assertRegex(out, r"g_keep\+0x[0-9a-f]+")
            self.assertIn("warning: stack roots named by thread only, not by frame:", err)
        finally:
            prog.close()
            shutil.rmtree(work, ignore_errors=True)

    def test_by_size_and_text(self):
        prog = Program(self.exes["g"], tcache=False)
        try:
            report = hstest.run_json(["heap-top", "--by", "size", "--pid", str(prog.p.pid)])
            self.assertEqual(report["totals"]["inuse_bytes"],
                             prog.mallinfo["uordblks"] + prog.mallinfo["hblkhd"])
            self.assertIn("2101248 B mmapped", {r["name"] for r in report["rows"]})
            code, out, err = hstest.run(["heap-top", "--pid", str(prog.p.pid)])
            self.assertEqual(code, 0, err)
            self.assertRegex(out, r"glibc 2\.\d+, process %d: .* in \d+ allocated blocks" % prog.p.pid)
            self.assertRegex(out, r"\n.*% +200  app::Box<int>\n")
            self.assertIn("mallinfo2: arena", out)
            # --by root, --retained: test_glibc_holders.py
            code, _, err = hstest.run(["heap-top", "--pid", str(prog.p.pid), "--by", "site"])
            self.assertEqual((code, len(err.strip().splitlines())), (2, 1), err)
            self.assertIn("not available on a glibc malloc heap", err)
            # --pprof, read back by go tool pprof: a sample per class or size, the program's
            # class counts, and in all as much as mallinfo2 says is in use (tcache off)
            path = os.path.join(self.tmp, "classes.pb.gz")
            code, _, err = hstest.run(["heap-top", "--pid", str(prog.p.pid), "--pprof", path])
            self.assertEqual(code, 0, err)
            self.assertIn("wrote %s (go tool pprof %s)" % (path, path), err)
            prof = test_holders.raw_profile(test_heap_top.go_binary(self), path)
            self.assertEqual({k[0]: v[0] for k, v in prof.items() if k[0] in prog.classes}, prog.classes)
            self.assertEqual(sum(v[1] for v in prof.values()), prog.mallinfo["uordblks"] + prog.mallinfo["hblkhd"])
        finally:
            prog.close()

    def test_corrupt(self):
        """A chunk header overwritten: the rest of that heap is skipped with a warning; a fastbin
        that loops: the list ends there with a warning. Never a crash or an endless walk."""
        for arg, tcache, want in (("corrupt", True, "has a corrupt size 0x123456789abcdef"),
                                  ("loop", False, "the list loops")):
            with self.subTest(arg=arg):
                prog = Program(self.exes["g"], tcache=tcache, arg=arg)
                try:
                    for target in (["--pid", str(prog.p.pid)], ["--core", self.gcore(prog)]):
                        report = hstest.run_json(["heap-top"] + target, timeout=60)
                        self.assertTrue(any(want in w for w in report["warnings"]), report["warnings"])
                        self.assertGreater(report["totals"]["inuse_objects"], 0)
                finally:
                    prog.close()

    def test_other_allocators(self):
        """jemalloc preloaded, and a static binary: one line saying what was found and that only
        glibc malloc is read."""
        static = os.path.join(self.tmp, "static")
        subprocess.run(["gcc", "-static", "-O2", "-x", "c", "-o", static, "-"], check=True,
                       input="#include <stdlib.h>\n#include <unistd.h>\nint main(void){"
                       "void *p = malloc(100); (void)p; write(1, \"ready 0\\n\", 8); pause();}", text=True)
        cases = [(static, {}, "maps no glibc"), (self.exes["g"], {"LD_PRELOAD": JEMALLOC}, "libjemalloc")]
        for exe, env, want in cases:
            with self.subTest(exe=exe, env=env):
                prog = Program(exe, env=env)
                try:
                    code, out, err = hstest.run(["heap-top", "--pid", str(prog.p.pid)])
                    self.assertEqual((code, out, len(err.strip().splitlines())), (1, "", 1), err)
                    self.assertIn(want, err)
                    self.assertIn("only glibc malloc heaps are read", err)
                finally:
                    prog.close()


    def test_leaked_as_valgrind(self):
        """--unreachable against valgrind's leak check of the same program (which exits under
        valgrind): the same number of lost blocks, live and from a gcore core; by class: all
        50 Leaky, the Outer and its 10 Inner; --live and --unreachable add up to every block."""
        exe = os.path.join(self.tmp, "glibc_leaks")
        subprocess.run(["g++", "-O2", "-g", "-o", exe, LEAKS], check=True)
        vg = subprocess.run(["valgrind", "--leak-check=full", exe, "exit"], capture_output=True,
                            text=True, timeout=300).stderr
        lost = sum(int(re.search(r"%s lost: [\d,]+ bytes in ([\d,]+) blocks" % k, vg).group(1).replace(",", ""))
                   for k in ("definitely", "indirectly"))
        self.assertEqual(lost, 50 + 20 + 1 + 10, vg)
        prog = Program(exe)
        try:
            for target in (["--pid", str(prog.p.pid)], ["--core", self.gcore(prog)]):
                gone = hstest.run_json(["heap-top", "--unreachable"] + target)
                self.assertEqual(gone["totals"]["inuse_objects"], lost)
                self.assertEqual(gone["reachability"]["unreachable_objects"], lost)
                rows = {r["name"]: r["inuse_objects"] for r in gone["rows"]}
                self.assertEqual((rows["Leaky"], rows["Outer"], rows["Inner"]), (50, 1, 10))
                self.assertNotIn("Kept", rows)
                live = hstest.run_json(["heap-top", "--live"] + target)
                self.assertEqual({r["name"]: r["inuse_objects"] for r in live["rows"]}["Kept"], 30)
                every = hstest.run_json(["heap-top"] + target)
                arena_headers = sum(r["inuse_bytes"] for r in every["rows"] if r["inuse_objects"] == 0)
                self.assertEqual(live["totals"]["inuse_bytes"] + gone["totals"]["inuse_bytes"] + arena_headers,
                                 every["totals"]["inuse_bytes"])
        finally:
            prog.close()


if __name__ == "__main__":
    hstest.main()
