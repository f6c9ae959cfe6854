#!/usr/bin/env python3
"""threads-blocked of native (C) programs in gdb and lldb, and snapshot / snapshot-diff of a native
program. The oracles are those of test_native_threads.py: the fixture's own record of which tid
plays which role and where each lock is (states, owners, deadlock cycles by construction), and
gdb's own `thread apply all bt` on the same core; here the answer comes from the gdb plugin
(`gdb -p PID`, `gdb EXE CORE`) and the lldb plugin (`lldb -p PID`, `lldb -c CORE EXE`). For the
snapshots, tests/fixtures/c/native_growing.c starts as many threads blocked on its lock as it is
told between two snapshots: the diff must show exactly that many more."""

import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

import gdbmi
import hstest
import test_lldb_plugin as lldbp
import test_native_threads as nt

GROWING = os.path.join(hstest.SOURCE_DIR, "tests", "fixtures", "c", "native_growing.c")
check_report = nt.NativeThreads.check_report
check_gdb_bt = nt.NativeThreads.check_gdb
gcore = nt.NativeThreads.gcore


def wait_in_futex(pid, tids, timeout=20, main=False):
    """Until every thread of tids is in futex (202) by /proc/PID/task/TID/syscall, and with main
    the main thread back in read (0) for its next command: it may still be in the write of
    "ready" when the line has already arrived here."""
    deadline = time.time() + timeout
    want = {t: "202" for t in tids}
    if main:
        want[pid] = "0"
    while True:
        nrs = {}
        for t in want:
            with open("/proc/%d/task/%d/syscall" % (pid, t)) as f:
                nrs[t] = f.read().split()[0]
        if nrs == want:
            return
        if time.time() > deadline:
            raise AssertionError("threads not in their calls: %r" % nrs)
        time.sleep(0.05)


class NativeFronts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="hs-native-fronts-")
        cls.exe = os.path.join(cls.tmp, "native_blocked")
        subprocess.run(["gcc", "-O2", "-g", "-pthread", "-o", cls.exe, nt.SOURCE], check=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def cli_text(self, target):
        code, out, err = hstest.run(["threads-blocked"] + target, timeout=60)
        self.assertEqual(code, 0, err)
        return out

    def test_gdb(self):
        why = gdbmi.missing()
        if why:
            self.skipTest(why)
        prog = nt.Program(self.exe)
        try:
            b = gdbmi.Batch(["threads-blocked --json", "threads-blocked"], args=["-p", str(prog.p.pid)])
            check_report(self, prog, b.json(0), live=True)
            prog.wait_in_calls(stopped=True)
            self.assertEqual(b.out(1).strip(), self.cli_text(["--pid", str(prog.p.pid)]).strip())
            prog.wait_in_calls(stopped=True)
            core = gcore(self, prog)
            b = gdbmi.Batch(["threads-blocked --json", "threads-blocked"], args=[self.exe, core])
            report = b.json(0)
            check_report(self, prog, report, live=False)
            check_gdb_bt(self, prog, self.exe, core, report)
            self.assertEqual(b.out(1).strip(), self.cli_text(["--core", core]).strip())
        finally:
            prog.close()

    def test_lldb(self):
        lldbp.skip_unless_lldb(self)
        prog = nt.Program(self.exe)
        try:
            cmds = ["process attach --pid %d" % prog.p.pid, "threads-blocked --json", "detach"]
            report = lldbp.one_json(self, *lldbp.lldb_batch(cmds))
            check_report(self, prog, report, live=True, fs_base=False)
            prog.wait_in_calls(stopped=True)
            core = gcore(self, prog)
            cmds = ['target create "%s" --core "%s"' % (self.exe, core), "threads-blocked --json"]
            report = lldbp.one_json(self, *lldbp.lldb_batch(cmds))
            check_report(self, prog, report, live=False)
        finally:
            prog.close()

    def growing(self):
        exe = os.path.join(self.tmp, "native_growing")
        subprocess.run(["gcc", "-O2", "-g", "-pthread", "-o", exe, GROWING], check=True)
        return Growing(exe)

    def test_snapshot_diff(self):
        prog, snaps = self.growing(), []
        try:
            for n in (0, 3, 2):
                prog.more(n)
                path = os.path.join(self.tmp, "snap%d.json" % len(snaps))
                code, out, err = hstest.run(["snapshot", "-o", path, "--pid", str(prog.p.pid)])
                self.assertEqual(code, 0, err)
                snaps.append(path)
        finally:
            prog.close()
        for (a, b), (delta, change) in zip([(0, 1), (1, 2)], [(3, "appeared"), (2, "grew")]):
            d = hstest.run_json(["snapshot-diff", snaps[a], snaps[b]])
            self.assertEqual(d["runtime"], "native")
            self.assertEqual(d["totals"]["threads_delta"], delta)
            self.assertEqual([(g["state"], g["count_delta"], g["change"]) for g in d["goroutines"]
                              if waiting(g)], [("mutex", delta, change)], d)
            self.assertEqual(len(d["goroutines"]), 1, d)  # nothing else changed
            code, out, err = hstest.run(["snapshot-diff", snaps[a], snaps[b]])
            self.assertIn("thread groups that changed:", out)
        with open(snaps[2]) as f:
            self.assertEqual(json.load(f)["goroutines"]["total"], 2 + len(prog.waiters))  # main, idle

    def test_watch(self):
        """watch flags the waiters' group, which grows between its two snapshots."""
        prog = self.growing()
        wdir = os.path.join(self.tmp, "watch")
        try:
            prog.more(1)
            d = hstest.watch_growing(self, prog.p.pid, wdir, lambda: prog.more(3))
        finally:
            prog.close()
        self.assertEqual([(g["first"], g["last"]) for g in d["rising"]["goroutines"] if waiting(g)],
                         [(1, 4)], d["rising"])


def waiting(group):
    return any(f["function"] == "fx_waiter" for f in group["frames"])


class Growing:
    """tests/fixtures/c/native_growing.c running: more(n) has n more threads block on its lock."""

    def __init__(self, exe):
        self.p = subprocess.Popen([exe], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.waiters = set()
        self.read()

    def more(self, n):
        """more(0): nothing to start, nothing to wait for."""
        if n:
            self.p.stdin.write("more %d\n" % n)
            self.p.stdin.flush()
            self.read()

    def read(self):
        for line in self.p.stdout:
            if line.startswith("thread "):
                self.waiters.add(int(line.split()[1]))
            if line.strip() == "ready":
                break
        wait_in_futex(self.p.pid, self.waiters, main=True)

    def close(self):
        self.p.kill()
        self.p.wait()

if __name__ == "__main__":
    hstest.main()
