#!/usr/bin/env python3
"""VS Code's C/C++ extension (cppdbg) on gdb: the vscode/launch.json templates replayed over
gdb's MI exactly as MIEngine sends them -- the template's setupCommands, MIEngine's own set-up,
then -target-attach PID (attach template) or -target-select core (core template) -- followed by
what a user types in the Debug Console (`-exec threads-blocked --json` becomes
-interpreter-exec console "threads-blocked --json"). The console stream must carry the answer.
The same templates for C and C++ programs (CppdbgNative): tests/fixtures/c/native_blocked.c's
threads against its own record of which thread waits on what, and tests/fixtures/c/
glibc_heap.cpp's heap against its printed class counts and glibc's mallinfo2."""

import json
import os
import tempfile
import unittest

import gdbmi
import hstest
from groups import assert_same_groups, blocked_fixture_groups, groups_from_heapscope_json
from native_programs import NativePrograms
from run_fixture import Fixture

LAUNCH = os.path.join(hstest.SOURCE_DIR, "vscode", "launch.json")


def template(request, key):
    with open(LAUNCH) as f:
        confs = json.load(f)["configurations"]
    found = [c for c in confs if c["type"] == "cppdbg" and c["request"] == request and key in c]
    assert found, "no cppdbg %s template with %s in %s" % (request, key, LAUNCH)
    assert found[0]["MIMode"] == "gdb"
    return found[0]


class Cppdbg(unittest.TestCase):
    def setUp(self):
        why = gdbmi.missing()
        if why:
            self.skipTest(why)
        self.workspace = tempfile.TemporaryDirectory()
        os.symlink(hstest.BUILD_DIR, os.path.join(self.workspace.name, "build"))

    def tearDown(self):
        self.workspace.cleanup()

    def setup(self, mi, conf, exe):
        """The template's setupCommands, then what MIEngine adds before attaching/opening."""
        for c in conf["setupCommands"]:
            r = mi.setup_command(c["text"].replace("${workspaceFolder}", self.workspace.name))
            if not c.get("ignoreFailures"):
                self.assertEqual(r.cls, "done", "%s: %s" % (c["text"], r.msg))
        self.assertEqual(mi.send('-interpreter-exec console "set pagination off"').cls, "done")
        mi.console("set debuginfod enabled off")  # MIEngine ignores its failure too
        self.assertEqual(mi.send("-gdb-set auto-solib-add on").cls, "done")
        r = mi.send("-file-exec-and-symbols " + exe)
        self.assertEqual(r.cls, "done", r.msg)

    def user_commands(self, mi, want, ver):
        """Debug Console: -exec threads-blocked --json, -exec heap-top (text and JSON), a bad
        option, info threads. Returns (threads-blocked JSON, heap-top JSON, heap-top text)."""
        r = mi.console("threads-blocked --json")
        self.assertEqual(r.cls, "done", r.msg)
        got = gdbmi.first_json(r.console)
        assert_same_groups(want, groups_from_heapscope_json(got, ver))
        listing = mi.console("heapscope").console
        for name in ("threads-blocked", "heap-top", "heap-paths", "snapshot", "snapshot-diff"):
            self.assertIn(name, listing)
        r = mi.console("heap-top --json")
        self.assertEqual(r.cls, "done", r.msg)
        heap = gdbmi.first_json(r.console)
        r = mi.console("heap-top -n 0")
        self.assertEqual(r.cls, "done", r.msg)
        heap_text = r.console
        r = mi.console("threads-blocked --no-such-option")
        self.assertEqual(r.cls, "error")
        self.assertIn("unknown option", r.msg)
        r = mi.console("info threads")
        self.assertEqual(r.cls, "done", r.msg)
        self.assertIn("LWP", r.console)
        self.assertNotIn("Traceback", "\n".join(mi.records))
        return got, heap, heap_text

    def same_heap(self, heap, heap_text, target):
        """heap-top through MI equals the CLI's on the same target: rows, totals, statistics,
        and the text a user reads in the Debug Console."""
        cli = hstest.run_json(["heap-top"] + target)
        for key in ("version", "totals", "memstats", "rows"):
            self.assertEqual(heap[key], cli[key], key)
        self.assertEqual(heap["totals"]["inuse_objects"], cli["memstats"]["heap_objects"])
        _, text, _ = hstest.run(["heap-top", "-n", "0"] + target, check_status=0)
        self.assertEqual(heap_text.strip("\n").splitlines()[1:], text.strip("\n").splitlines()[1:])

    def test_attach_template(self):
        conf = template("attach", "processId")
        self.assertEqual(conf["processId"], "${command:pickProcess}")
        tcs = hstest.toolchains_or_skip(self)
        exe, ver = hstest.build_fixture(list(tcs)[-1], "blocked")
        with Fixture(exe) as fx, gdbmi.MI() as mi:
            self.setup(mi, conf, exe)
            r = mi.send("-target-attach %d" % fx.pid)
            self.assertEqual(r.cls, "done", r.msg)
            got, heap, heap_text = self.user_commands(mi, blocked_fixture_groups(fx.goroutines, fx.info), ver)
            self.assertEqual(got["total"], fx.info["num_goroutine"])
            self.assertEqual(mi.send("-target-detach").cls, "done")
            with open("/proc/%d/status" % fx.pid) as f:
                self.assertIn("TracerPid:\t0\n", f.read())
            # the parked program allocates nothing: the CLI, once gdb has let go, sees the same heap
            self.same_heap(heap, heap_text, ["--pid", str(fx.pid)])

    def test_core_template(self):
        conf = template("launch", "coreDumpPath")
        cores = hstest.stored_or_fail(self, "blocked")
        ver, d = cores[-1]
        exe, core = os.path.join(d, "exe"), os.path.join(d, "core")
        cli = hstest.run_json(["threads-blocked", "--core", core, "--exe", exe])
        with gdbmi.MI() as mi:
            self.setup(mi, conf, exe)
            r = mi.send("-target-select core " + core)
            self.assertIn(r.cls, ("done", "connected"), r.msg)
            got, heap, heap_text = self.user_commands(mi, groups_from_heapscope_json(cli, ver), ver)
            self.assertEqual(got["total"], cli["total"])
            self.same_heap(heap, heap_text, ["--core", core, "--exe", exe])


class CppdbgNative(NativePrograms, unittest.TestCase):
    """The templates as they are, attaching to a C program and a C++ program and opening their
    gcore cores; the oracles are the programs' own records (native_programs.py)."""
    setUp, tearDown, setup = Cppdbg.setUp, Cppdbg.tearDown, Cppdbg.setup

    def answer(self, mi, command):
        r = mi.console(command)
        self.assertEqual(r.cls, "done", r.msg)
        self.assertNotIn("Traceback", "\n".join(mi.records))
        return gdbmi.first_json(r.console)

    def test_attach_template(self):
        conf = template("attach", "processId")
        for exe, start, command, check in self.programs():
            with self.subTest(program=os.path.basename(exe)):
                prog = start(exe)
                try:
                    with gdbmi.MI() as mi:
                        self.setup(mi, conf, exe)
                        r = mi.send("-target-attach %d" % prog.p.pid)
                        self.assertEqual(r.cls, "done", r.msg)
                        check(prog, self.answer(mi, command), True)
                        self.assertEqual(mi.send("-target-detach").cls, "done")
                    with open("/proc/%d/status" % prog.p.pid) as f:
                        self.assertIn("TracerPid:\t0\n", f.read())
                finally:
                    prog.close()

    def test_core_template(self):
        conf = template("launch", "coreDumpPath")
        for exe, start, command, check in self.programs():
            with self.subTest(program=os.path.basename(exe)):
                prog, core = self.core_of(exe, start)
                with gdbmi.MI() as mi:
                    self.setup(mi, conf, exe)
                    r = mi.send("-target-select core " + core)
                    self.assertIn(r.cls, ("done", "connected"), r.msg)
                    check(prog, self.answer(mi, command), False)
                os.unlink(core)

if __name__ == "__main__":
    hstest.main()
