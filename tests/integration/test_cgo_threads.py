#!/usr/bin/env python3
"""threads-blocked --threads on a Go program with cgo (tests/fixtures/go/cgoblocked, built with
CGO_ENABLED=1): the goroutines as always, then every native thread of the process, live and from
a gcore core. Oracles outside heapscope: the program's record (which tid holds the C mutex and
which blocks in pthread_mutex_lock, read, sleep; the mutex's address), /proc/PID/task/*/syscall
(the call each thread is in, and that every thread is listed), and gdb's `thread apply all bt`
on the core (each thread's frames: names of the Go functions, file and line of every frame)."""

import os
import re
import subprocess
import tempfile
import shutil
import time
import unittest

import hstest
from test_native_threads import gdb_backtraces, read_record

# role -> (state, syscall numbers /proc may show, role of heapscope's group)
ROLES = {
    "cgo_lock": ("mutex", {202}, "cgo call"),
    "cgo_read": ("read", {0}, "cgo call"),
    "cgo_sleep": ("sleep", {230, 35, 219}, "cgo call"),  # 219: restarted after a ptrace stop
}
# what Go's own threads may be in (they wake and sleep on their own, so /proc's view of them is
# not compared call for call): idle Ms and sysmon's timed wait in futex, the netpoller in
# epoll_wait, sysmon in nanosleep, or running (--all shows those)
GO_STATES = {"futex", "epoll_wait", "sleep", "running"}


class Program:
    def __init__(self, exe):
        self.p = subprocess.Popen([exe], stdout=subprocess.PIPE, text=True)
        self.roles, self.locks = read_record(self.p.stdout)
        self.tid = {r: t for t, r in self.roles.items()}

    def syscalls(self):
        nrs = {}
        for tid in os.listdir("/proc/%d/task" % self.p.pid):
            with open("/proc/%d/task/%s/syscall" % (self.p.pid, tid)) as f:
                first = f.read().split()[0]
            nrs[int(tid)] = int(first) if first.lstrip("-").isdigit() else None
        return nrs

    def settled(self, timeout=20):
        """/proc's view once every recorded thread is in its call."""
        deadline = time.time() + timeout
        while True:
            nrs = self.syscalls()
            if all(nrs.get(self.tid[r]) in ROLES[r][1] for r in ROLES) and \
                    nrs.get(self.tid["holder"]) == 202:  # parked with its goroutine (see below)
                return nrs
            if time.time() > deadline:
                raise AssertionError("threads not in their calls: %r" % nrs)
            time.sleep(0.05)

    def close(self):
        self.p.kill()
        self.p.wait()


class CgoThreads(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not shutil.which("gcc"):
            raise unittest.SkipTest("cgo needs gcc")
        if not hstest.toolchains():
            raise unittest.SkipTest("no Go toolchains under %s (scripts/setup.sh --all-go)"
                                    % hstest.TOOLCHAINS)
        cls.version = list(hstest.toolchains())[-1]
        cls.tmp = tempfile.mkdtemp(prefix="hs-cgo-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def check_report(self, prog, report, nrs, after):
        """nrs and after: /proc's threads before and after the read (Go may start a thread, an M,
        in between): every thread of both is in the report once, and no other."""
        self.assertEqual(report["runtime"], "go")
        self.assertTrue(any(f["function"] == "main._Cfunc_fx_cgo_read"
                            for g in report["groups"] for f in g["frames"]))
        threads = report["threads"]
        by_tid = {t: g for g in threads["groups"] for t in g["threads"]}
        self.assertLessEqual(set(nrs) & set(after), set(by_tid))
        self.assertLessEqual(set(by_tid), set(nrs) | set(after))
        self.assertEqual(threads["total"], sum(len(g["threads"]) for g in threads["groups"]))
        for tid, g in by_tid.items():
            role = prog.roles.get(tid)
            if role in ROLES:
                state, _, kind = ROLES[role]
                self.assertEqual((g["state"], g["role"]), (state, kind), role)
            else:  # Go's own threads, the holder's locked one among them
                self.assertEqual(g["role"], "go runtime", tid)
                self.assertIn(g["state"], GO_STATES, tid)
        # the holder's thread is parked with its goroutine (stoplockedm) in futex, as /proc says
        self.assertEqual((nrs[prog.tid["holder"]], by_tid[prog.tid["holder"]]["state"]), (202, "futex"))
        waits = {w["thread"]: w for g in threads["groups"] for w in g["waits_on"]}
        w = waits[prog.tid["cgo_lock"]]
        self.assertEqual((w["kind"], w["name"], int(w["addr"], 16), w["owner"]),
                         ("mutex", "hs_lock", prog.locks["hs_lock"], prog.tid["holder"]))
        self.assertEqual(set(waits), {prog.tid["cgo_lock"]})

    def check_gdb(self, exe, core, report):
        """Every thread's frames as far as heapscope walks them: Go function names (gdb names an
        assembly function without its .abi0) and file:line of each, equal to gdb's."""
        gdb = gdb_backtraces(exe, core)
        for g in report["threads"]["groups"]:
            ours = [(f["function"], f["file"] if f["line"] else None, f["line"]) for f in g["frames"]]
            for tid in g["threads"]:
                theirs = gdb[tid][:len(ours)]
                self.assertEqual([f[1:] for f in ours], [f[1:] for f in theirs], tid)
                go = lambda fs: [f[0] for f in fs if f[0].startswith(("runtime.", "main."))]
                self.assertEqual(go(ours), go(theirs), tid)

    def test_live_and_core(self):
        exe, ver = hstest.build_fixture(self.version, "cgoblocked", cgo=True)
        prog = Program(exe)
        try:
            nrs = prog.settled()
            report = hstest.run_json(["threads-blocked", "--threads", "--all", "--pid", str(prog.p.pid)])
            self.check_report(prog, report, nrs, prog.syscalls())
            code, out, err = hstest.run(["threads-blocked", "--threads", "--pid", str(prog.p.pid)])
            self.assertEqual(code, 0, err)
            after = prog.syscalls()
            m = re.search(r"native threads, process %d: (\d+) threads" % prog.p.pid, out)
            self.assertTrue(m, out)
            self.assertGreaterEqual(int(m.group(1)), len(set(nrs) & set(after)))
            self.assertLessEqual(int(m.group(1)), len(set(nrs) | set(after)))
            self.assertRegex(out, r"1 thread \[mutex\] \(cgo call\):\n    1 thread waits on mutex "
                             r"hs_lock \(0x%x\), held by thread %d" % (prog.locks["hs_lock"],
                                                                         prog.tid["holder"]))
            nrs = prog.settled()
            base = os.path.join(self.tmp, "core")
            subprocess.run(["gcore", "-o", base, str(prog.p.pid)], check=True, capture_output=True,
                           timeout=120)
            core = "%s.%d" % (base, prog.p.pid)
            after = prog.settled()
            report = hstest.run_json(["threads-blocked", "--threads", "--all", "--core", core])
            self.check_report(prog, report, nrs, after)
            self.check_gdb(exe, core, report)
            # without --threads the JSON is the goroutines' alone
            self.assertNotIn("threads", hstest.run_json(["threads-blocked", "--core", core]))
        finally:
            prog.close()


if __name__ == "__main__":
    hstest.main()
