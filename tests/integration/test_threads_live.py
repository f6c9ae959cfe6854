#!/usr/bin/env python3
"""threads-blocked on live Go programs built with every Go release on this machine, and on a
gcore of each, compared with the goroutine dump the runtime printed; the process must go on
exactly as before (not stopped, not traced) after heapscope detaches."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import hstest
import make_core
import rtdump
from groups import (assert_same_groups, blocked_fixture_groups, check_waits, groups_from_dump,
                    groups_from_heapscope_json)
from run_fixture import Fixture


def proc_status(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            fields[k] = v.strip()
    return fields


class Live(unittest.TestCase):
    def versions(self):
        return hstest.toolchains_or_skip(self)

    def check_groups(self, got, fx, ver):
        self.assertEqual(got["version"], fx.info["go_version"])
        self.assertEqual(got["total"], fx.info["num_goroutine"])
        want = blocked_fixture_groups(fx.goroutines, fx.info)
        assert_same_groups(want, groups_from_heapscope_json(got, ver))

    def test_running_goroutines(self):
        # spinners never park: their stacks come from the registers of the threads running them
        for v in self.versions():
            with self.subTest(go=v), tempfile.TemporaryDirectory() as tmp:
                exe, ver = hstest.build_fixture(v, "spinning")
                with Fixture(exe, args=["2"], quiet=False) as fx:
                    subprocess.run(["gcore", "-o", tmp + "/core", str(fx.pid)], check=True,
                                   capture_output=True, timeout=300)
                    for target in (["--pid", str(fx.pid)], ["--core", "%s/core.%d" % (tmp, fx.pid)]):
                        got = hstest.run_json(["threads-blocked", "--all"] + target)
                        spinning = [g for g in got["groups"]
                                    if any(f["function"] == "main.spin" for f in g["frames"])]
                        self.assertEqual(sum(g["count"] for g in spinning), 2, got["groups"])
                        for g in spinning:
                            self.assertIn(g["state"], ("running", "runnable"))
                            user = [f["function"] for f in g["frames"]
                                    if f["function"].startswith("main.") and not f.get("wrapper")]
                            self.assertEqual(user, ["main.spin"])
                        parked = [g for g in got["groups"]
                                  if any(f["function"] == "main.park" for f in g["frames"])]
                        self.assertEqual([g["state"] for g in parked], ["select (no cases)"])

    def test_crash_core_every_frame(self):
        # GOTRACEBACK=crash prints every goroutine, runtime frames and wrappers included, just
        # before the kernel writes the core; spinners caught running are preempted first
        for v in self.versions():
            with self.subTest(go=v), tempfile.TemporaryDirectory() as tmp:
                exe, ver = hstest.build_fixture(v, "spinning")
                core, fx, text = make_core.capture_kernel(exe, tmp, args=["2"], quiet=False)
                if core is None:
                    self.skipTest(text)  # core_pattern pipes (a listed platform reason)
                want = {g.id: (g.state, [(f.function, f.line) for f in g.frames])
                        for g in rtdump.parse(text) if g.id != 0}
                got = hstest.run_json(["threads-blocked", "--all", "--core", core])
                have = {i: (g["state"], [(f["function"], f["line"]) for f in g["frames"]])
                        for g in got["groups"] for i in g["goroutine_ids"]}
                self.assertGreaterEqual(len(want), 8, text[-3000:])
                self.assertEqual(sum(1 for s, fr in want.values() if ("main.spin" in dict(fr))), 2)
                for gid in sorted(want):
                    self.assertEqual(have.get(gid), want[gid], "goroutine %d" % gid)
                running = sum(1 for s, _ in want.values() if s == "running")
                print("go%s: %d goroutines equal the crash dump, %d of them running (their stacks "
                      "from the signal frame)" % (v, len(want), running), file=sys.stderr)

    def test_delve_dump(self):
        # a core written by Delve's `dump` command (Delve users' way to a core); Delve is the
        # pinned one scripts/test-tools.sh installs
        if not os.access(hstest.DLV, os.X_OK):
            self.skipTest("Delve is not installed at %s: run scripts/setup.sh --all-go" % hstest.DLV)
        v = list(self.versions())[-1]
        exe, ver = hstest.build_fixture(v, "blocked")
        with Fixture(exe) as fx, tempfile.TemporaryDirectory() as tmp:
            core = os.path.join(tmp, "dlv.core")
            p = subprocess.run([hstest.DLV, "attach", str(fx.pid), "--allow-non-terminal-interactive=true"],
                               input="dump %s\nquit\nn\n" % core, capture_output=True, text=True, timeout=120)
            self.assertTrue(os.path.exists(core), "dlv wrote no core:\n%s%s" % (p.stdout[-2000:], p.stderr[-2000:]))
            got = hstest.run_json(["threads-blocked", "--core", core, "--exe", exe])
            self.check_groups(got, fx, ver)
            st = proc_status(fx.pid)  # Delve detached and the program goes on
            self.assertEqual(st["TracerPid"], "0")
            self.assertNotIn(st["State"][0], "tT")

    def test_kernel_core(self):
        # a core written by the kernel (GOTRACEBACK=crash + SIGQUIT) rather than by gdb
        for v in self.versions():
            with self.subTest(go=v), tempfile.TemporaryDirectory() as tmp:
                exe, ver = hstest.build_fixture(v, "blocked")
                core, fx, why = make_core.capture_kernel(exe, tmp)
                if core is None:
                    self.skipTest(why)
                got = hstest.run_json(["threads-blocked", "--core", core])
                self.check_groups(got, fx, ver)

    def test_without_dwarf(self):
        # -w drops DWARF: layouts come from heapscope's per-release tables instead
        for v in self.versions():
            with self.subTest(go=v):
                exe, ver = hstest.build_fixture(v, "blocked", ldflags="-w")
                with Fixture(exe) as fx:
                    got = hstest.run_json(["threads-blocked", "--pid", str(fx.pid)])
                    self.check_groups(got, fx, ver)

    def test_leaked_goroutines(self):
        # 1.26's leak-detecting GC (GOEXPERIMENT=goroutineleakprofile; on by default from 1.27,
        # where the experiment is gone) moves goroutines blocked on unreachable channels to
        # _Gleaked; the runtime prints "[chan receive (leaked)]"
        versions = [v for v in self.versions() if tuple(map(int, v.split("."))) >= (1, 26)]
        if not versions:
            self.skipTest("needs Go 1.26 (scripts/setup.sh --all-go)")
        for v in versions:
            with self.subTest(go=v), tempfile.TemporaryDirectory() as tmp:
                exp = "goroutineleakprofile" if v == "1.26" else ""
                exe, ver = hstest.build_fixture(v, "leakprofile", experiment=exp)
                with Fixture(exe, args=["3"]) as fx:
                    for g in fx.goroutines:
                        g.state += " (leaked)" if g.leaked else ""
                    main = fx.info["main_goid"]
                    want = groups_from_dump(fx.goroutines, skip_ids={main})
                    self.assertEqual(sum(n for k, n in want.items() if k[0].endswith("(leaked)")),
                                     fx.info["leaked"], fx.dump_text)
                    subprocess.run(["gcore", "-o", tmp + "/core", str(fx.pid)], check=True,
                                   capture_output=True, timeout=300)
                    for target in (["--pid", str(fx.pid)], ["--core", "%s/core.%d" % (tmp, fx.pid)]):
                        got = hstest.run_json(["threads-blocked"] + target)
                        got["groups"] = [g for g in got["groups"] if main not in g["goroutine_ids"]]
                        assert_same_groups(want, groups_from_heapscope_json(got, ver))

    def test_live_and_gcore(self):
        for v in self.versions():
            with self.subTest(go=v):
                exe, ver = hstest.build_fixture(v, "blocked")
                with Fixture(exe) as fx:
                    threads = fx.thread_ids()
                    before = time.monotonic_ns()  # the clock of the runtime's nanotime
                    got = hstest.run_json(["threads-blocked", "--pid", str(fx.pid)])
                    after = time.monotonic_ns()
                    self.check_groups(got, fx, ver)
                    self.assertEqual(got["wait_clock"], "live")
                    # waits are measured to the moment of the read
                    check_waits(got, fx.info, now_ns=(before, after))
                    st = proc_status(fx.pid)
                    self.assertEqual(st["TracerPid"], "0")
                    self.assertNotIn(st["State"][0], "tT")
                    self.assertEqual(fx.thread_ids(), threads)
                    with tempfile.TemporaryDirectory() as tmp:
                        subprocess.run(["gcore", "-o", os.path.join(tmp, "core"), str(fx.pid)],
                                       check=True, capture_output=True, timeout=300)
                        taken = time.monotonic_ns()
                        core = os.path.join(tmp, "core.%d" % fx.pid)
                        got = hstest.run_json(["threads-blocked", "--core", core])
                        self.check_groups(got, fx, ver)
                        self.assertEqual(got["wait_clock"], "core")
                        # a core's waits run to the last time the runtime recorded, before it was taken
                        check_waits(got, fx.info, now_ns=(float("-inf"), taken))


if __name__ == "__main__":
    hstest.main()
