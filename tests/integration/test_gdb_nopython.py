#!/usr/bin/env python3
"""build/heapscope-nopython.gdb, the commands for a gdb without Python (Debian's gdb-minimal):
gcore of the current inferior + the CLI through `shell`. Same answers as the CLI and the runtime
dump on a live process, a core and a gdbserver target; slots and temporary cores are cleaned up.
Runs with this machine's gdb (the script uses no Python) and with Debian's gdb-minimal, a real
gdb without Python, which the ctest set-up step prepare-tools unpacks into the build tree
(HS_GDB_MINIMAL; scripts/test-tools.sh, since the package conflicts with gdb)."""

import glob
import os
import unittest

import gdbmi
import hstest
from groups import assert_same_groups, blocked_fixture_groups, groups_from_heapscope_json
from run_fixture import Fixture

SLOTS = os.path.join(hstest.BUILD_DIR, "gdb-nopython-slots")


def gdbs():
    return [gdbmi.GDB, hstest.GDB_MINIMAL]


class NoPython(unittest.TestCase):
    def setUp(self):
        why = gdbmi.missing(python=False)
        if why:
            self.skipTest(why)
        if not os.access(hstest.GDB_MINIMAL, os.X_OK):
            self.fail("no gdb-minimal at HS_GDB_MINIMAL=%r: run ctest -R prepare-tools "
                      "(scripts/test-tools.sh gdb-minimal BUILD/tools/gdb-minimal)" % hstest.GDB_MINIMAL)
        self.assertTrue(gdbmi.has_python(gdbmi.GDB), "%s has no Python" % gdbmi.GDB)
        self.assertFalse(gdbmi.has_python(hstest.GDB_MINIMAL), "%s is not a gdb without Python"
                         % hstest.GDB_MINIMAL)

    def batch(self, gdb, commands, args):
        b = gdbmi.Batch(commands, args=args, gdb=gdb, source=gdbmi.NOPYTHON, timeout=600)
        self.assertEqual(os.listdir(SLOTS) if os.path.isdir(SLOTS) else [], [],
                         "slots left behind; gdb said:\n" + b.text[-3000:])
        return b

    def fixture(self):
        tcs = hstest.toolchains_or_skip(self)
        return hstest.build_fixture(list(tcs)[-1], "blocked")

    def test_live(self):
        exe, ver = self.fixture()
        for g in gdbs():
            with self.subTest(gdb=g), Fixture(exe) as fx:
                b = self.batch(g, ["threads-blocked --json", "threads-blocked -n 0", "info threads",
                                   "help threads-blocked"], ["-p", str(fx.pid)])
                got = b.json(0)
                self.assertEqual(got["total"], fx.info["num_goroutine"])
                assert_same_groups(blocked_fixture_groups(fx.goroutines, fx.info),
                                   groups_from_heapscope_json(got, ver))
                for fn in fx.info["functions"].values():
                    self.assertIn(fn, b.out(1))
                self.assertIn("LWP", b.out(2))
                self.assertIn("--min-wait DUR", b.out(3))
                with open("/proc/%d/status" % fx.pid) as f:
                    self.assertIn("TracerPid:\t0\n", f.read())

    def test_core(self):
        cores = hstest.stored_or_fail(self, "blocked")
        for g in gdbs():
            for ver, d in cores[::max(1, len(cores) - 1)]:  # oldest and newest release
                with self.subTest(gdb=g, go=ver):
                    exe, core = os.path.join(d, "exe"), os.path.join(d, "core")
                    b = self.batch(g, ["threads-blocked -n 0", "threads-blocked --bogus", "echo alive\\n"],
                                   [exe, core])
                    _, text, _ = hstest.run(["threads-blocked", "-n", "0", "--core", core, "--exe", exe],
                                            check_status=0)
                    self.assertEqual(b.out(0).strip("\n"), text.strip("\n"))
                    self.assertIn("unknown option --bogus", b.out(1))
                    self.assertEqual(b.out(2).strip(), "alive")

    def test_gdbserver(self):
        if not gdbmi.GDBSERVER:
            self.skipTest("gdbserver is not installed")
        exe, ver = self.fixture()
        for g in gdbs():
            with self.subTest(gdb=g), Fixture(exe) as fx, gdbmi.GdbServer(fx.pid) as gs:
                # gcore reads the whole process through gdbserver: a loaded machine may answer
                # more slowly than gdb's default 2 s packet timeout
                b = self.batch(g, ["set remotetimeout 60", "target remote 127.0.0.1:%d" % gs.port,
                                   "threads-blocked --json", "detach"], [])
                got = b.json(2)
                assert_same_groups(blocked_fixture_groups(fx.goroutines, fx.info),
                                   groups_from_heapscope_json(got, ver))

    def test_no_target(self):
        for g in gdbs():
            with self.subTest(gdb=g):
                b = self.batch(g, ["threads-blocked", "echo alive\\n"], [])
                self.assertIn("gdb has no process or core to look at", b.out(0))
                self.assertEqual(b.out(1).strip(), "alive")


if __name__ == "__main__":
    hstest.main()
