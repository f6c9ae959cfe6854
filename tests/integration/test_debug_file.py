#!/usr/bin/env python3
"""Separate debug information, as gdb finds it: the heap test program built normally, then split
the way distributions ship binaries (objcopy --only-keep-debug, objcopy --strip-all): heapscope
reads the stripped binary with its debug file found next to it through .gnu_debuglink, in its
.debug/ directory, under a debug-file directory by build id, or given with --debug-file — and
answers as the runtime says (MemStats, the program's own object counts), live and on a gcore
core. Without a debug file it still reads the binary (see test_stripped.py) but types fewer
bytes; another program's debug file is refused in one line. A C program's threads (the native
model, libdwfl) are named with their files and lines from a debug file under a debug-file
directory by build id, as gdb names them with the unstripped binary, and without that directory
carry no lines."""

import os
import shutil
import subprocess
import tempfile
import unittest

import hstest
import test_heap_top as th
import test_native_threads as nt
from run_fixture import Fixture
from test_glibc_heap import with_env


def split(exe, where, link=True):
    """A stripped copy of exe in where/ (svc) and its debug file (svc.debug); returns both."""
    os.makedirs(where, exist_ok=True)
    svc, dbg = os.path.join(where, "svc"), os.path.join(where, "svc.debug")
    shutil.copy(exe, svc)
    subprocess.run(["objcopy", "--only-keep-debug", svc, dbg], check=True)
    subprocess.run(["objcopy", "--strip-all", svc], check=True)
    if link:
        subprocess.run(["objcopy", "--add-gnu-debuglink=" + dbg, svc], check=True, cwd=where)
    return svc, dbg


def build_id(path):
    out = subprocess.run(["readelf", "-n", path], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if "Build ID:" in line:
            return line.split("Build ID:")[1].strip()
    return None


def typed_bytes(got):
    return sum(r["inuse_bytes"] for r in got["rows"] if not r["name"].startswith("<"))


class DebugFile(unittest.TestCase):
    check = th.HeapTop.check
    check_sizes = th.HeapTop.check_sizes

    def versions(self):
        tcs = hstest.toolchains_or_skip(self)
        return [tcs[0], tcs[-1]]  # the oldest and the newest release

    def test_debuglink_live_and_gcore(self):
        for v in self.versions():
            with self.subTest(go=v), tempfile.TemporaryDirectory() as tmp:
                exe, ver = hstest.build_fixture(v, "heap")
                svc, dbg = split(exe, os.path.join(tmp, "bin"))
                with Fixture(svc, args=[os.path.join(tmp, "heap.pprof")]) as fx:
                    info, ms = th.program_output(fx.output)
                    self.check(["--pid", str(fx.pid)], info, ms, ver + " live, .gnu_debuglink")
                    subprocess.run(["gcore", "-o", os.path.join(tmp, "core"), str(fx.pid)],
                                   check=True, capture_output=True, timeout=300)
                core = ["--core", os.path.join(tmp, "core.%d" % fx.pid), "--exe", svc]
                self.check(core, info, ms, ver + " gcore, .gnu_debuglink")
                # in .debug/ next to the binary
                os.makedirs(os.path.join(tmp, "bin", ".debug"))
                os.rename(dbg, os.path.join(tmp, "bin", ".debug", "svc.debug"))
                self.check(core, info, ms, ver + " gcore, .debug/")
                # given, with the link gone; without it, the binary reads (its runtime found
                # from its code) but types fewer bytes: no DWARF names the globals' types
                subprocess.run(["objcopy", "--remove-section=.gnu_debuglink", svc], check=True)
                given = core + ["--debug-file", os.path.join(tmp, "bin", ".debug", "svc.debug")]
                with_debug = self.check(given, info, ms, ver + " gcore, --debug-file")
                without = hstest.run_json(["heap-top"] + core)
                self.assertEqual(without["totals"]["inuse_objects"], with_debug["totals"]["inuse_objects"])
                self.assertLess(typed_bytes(without), typed_bytes(with_debug), ver)

    def test_build_id_directory(self):
        v = self.versions()[-1]
        with tempfile.TemporaryDirectory() as tmp:
            exe, ver = hstest.build_fixture(v, "heap")
            svc, dbg = split(exe, os.path.join(tmp, "bin"), link=False)
            bid = build_id(svc)
            self.assertIsNotNone(bid, "%s: the Go linker wrote no GNU build id" % ver)
            root = os.path.join(tmp, "debug")
            os.makedirs(os.path.join(root, ".build-id", bid[:2]))
            os.rename(dbg, os.path.join(root, ".build-id", bid[:2], bid[2:] + ".debug"))
            old = os.environ.get("HEAPSCOPE_DEBUG_FILE_DIRECTORY")
            os.environ["HEAPSCOPE_DEBUG_FILE_DIRECTORY"] = "/nonexistent:" + root
            try:
                with Fixture(svc, args=[os.path.join(tmp, "heap.pprof")]) as fx:
                    info, ms = th.program_output(fx.output)
                    self.check(["--pid", str(fx.pid)], info, ms, ver + " live, build-id path")
            finally:
                if old is None:
                    del os.environ["HEAPSCOPE_DEBUG_FILE_DIRECTORY"]
                else:
                    os.environ["HEAPSCOPE_DEBUG_FILE_DIRECTORY"] = old

    def test_native_build_id_directory(self):
        """tests/fixtures/c/native_blocked.c built -g, stripped, its debug file at
        DIR/.build-id/xx/yyyy.debug: with HEAPSCOPE_DEBUG_FILE_DIRECTORY naming DIR (and
        /usr/lib/debug, for libc6-dbg's condition-variable layout) the fixture's record holds, and
        every thread's own frames have gdb's functions and lines (gdb given the unstripped
        binary); without the variable no frame of the program has a file or a line."""
        with tempfile.TemporaryDirectory() as tmp:
            full = os.path.join(tmp, "native_blocked")
            subprocess.run(["gcc", "-O2", "-g", "-pthread", "-o", full, nt.SOURCE], check=True)
            svc, dbg = split(full, os.path.join(tmp, "bin"), link=False)
            bid = build_id(svc)
            root = os.path.join(tmp, "debug")
            os.makedirs(os.path.join(root, ".build-id", bid[:2]))
            os.rename(dbg, os.path.join(root, ".build-id", bid[:2], bid[2:] + ".debug"))
            prog = nt.Program(svc)
            try:
                prog.wait_in_calls()
                core = hstest.gcore(prog.p.pid, tmp)
            finally:
                prog.close()
            env = {"HEAPSCOPE_DEBUG_FILE_DIRECTORY": "/nonexistent:%s:/usr/lib/debug" % root}
            report = with_env(env, lambda: hstest.run_json(["threads-blocked", "--core", core]))
            nt.NativeThreads.check_report(self, prog, report, live=False)
            nt.NativeThreads.check_gdb(self, prog, full, core, report)
            own = [f for g in report["groups"] for f in g["frames"] if f["function"].startswith("fx_")]
            self.assertTrue(own and all(f["file"] == nt.SOURCE and f["line"] for f in own), own)
            without = hstest.run_json(["threads-blocked", "--core", core])
            frames = [f for g in without["groups"] for f in g["frames"] if f.get("file") in (svc, nt.SOURCE)]
            self.assertTrue(frames, without["groups"])
            self.assertEqual([f for f in frames if f.get("line") or f["file"] == nt.SOURCE], [])

    def test_another_programs_debug_file_is_refused(self):
        v = self.versions()[-1]
        with tempfile.TemporaryDirectory() as tmp:
            exe, ver = hstest.build_fixture(v, "heap")
            other, _ = hstest.build_fixture(v, "blocked")
            svc, dbg = split(exe, os.path.join(tmp, "bin"), link=False)
            _, wrong = split(other, os.path.join(tmp, "other"), link=False)
            with Fixture(svc, args=[os.path.join(tmp, "heap.pprof")]) as fx:
                status, _, err = hstest.run(["heap-top", "--pid", str(fx.pid), "--debug-file", wrong])
                self.assertEqual(status, 1, err)
                self.assertIn("is not the debug file of", err)
                self.assertEqual(len(err.strip().splitlines()), 1, err)


if __name__ == "__main__":
    hstest.main()
