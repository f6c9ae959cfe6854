#!/usr/bin/env python3
"""The goroutine leak verdict of threads-blocked, against a program whose leaks are known by
construction (tests/fixtures/go/leaks): a channel only the waiter holds, a nil channel, select {},
a mutex only the waiter can reach, a dropped WaitGroup — leaked; a channel a global holds, one a
sleeping goroutine holds, one only a blocked but wakeable goroutine holds (the fixpoint) — not.
Every release, live and from a gcore core: each group's verdict and count as the program built
them, the header's total, --leaked, --fail-on-leak (exit 3; 0 for a program with no leak). On
Go 1.26 (GOEXPERIMENT=goroutineleakprofile) and 1.27 the runtime's own goroutineleak profile of
the same process, written after the core was taken, names the same goroutines."""

import os
import re
import signal
import subprocess
import tempfile
import time
import unittest

import hstest
from run_fixture import Fixture


def by_function(got):
    """{(first main.* function, leaked): count} of a threads-blocked JSON object."""
    out = {}
    for g in got["groups"]:
        fn = main_function(g)
        if fn and fn != "main.main":
            key = (fn, g["leaked"])
            out[key] = out.get(key, 0) + g["count"]
    return out


def expected(info):
    want = {(fn, True): n for fn, n in info["leaked"].items()}
    want.update({(fn, False): n for fn, n in info["not_leaked"].items()})
    want[("main.holder", None)] = 1  # asleep: no verdict applies
    return want


def leak_profile(path):
    """{main.* function: count} of a goroutineleak profile in text form (debug=1)."""
    text = open(path).read()
    total = int(re.search(r"^goroutineleak profile: total (\d+)", text, re.M).group(1))
    out = {}
    for block in text.split("\n\n"):
        m = re.search(r"^(\d+) @", block, re.M)
        fns = re.findall(r"#\s+0x[0-9a-f]+\s+(main\.\w+)\+", block)
        if m and fns:
            out[fns[0]] = out.get(fns[0], 0) + int(m.group(1))
    return total, out


def main_function(group):
    return next((f["function"] for f in group["frames"] if f["function"].startswith("main.")), None)


class Leaks(unittest.TestCase):
    def check_waits_on(self, got, info, label, stripped=False):
        """Each group's waits_on against what the program says of its own objects: kind,
        channel type and buffer, the object's address (%p), the field it is, and the global
        whose path holds it (or none: reachable from nothing)."""
        seen = set()
        for g in got["groups"]:
            fn = main_function(g)
            want = info["waits_on"].get(fn)
            if not want:
                continue
            seen.add(fn)
            w, where = g["waits_on"], "%s %s" % (label, fn)
            self.assertIsNotNone(w, where)
            self.assertEqual(w["kind"], want["kind"], where)
            for key in ("type", "len", "cap", "where"):
                if key in want:
                    self.assertEqual(w[key], want[key], "%s %s" % (where, key))
            if "addrs" in want:
                self.assertEqual(w["objects"], len(want["addrs"]), where)
                if len(want["addrs"]) == 1:
                    self.assertEqual(int(w["addr"], 16), int(want["addrs"][0], 16), where)
            if "root" in want and want["root"] is None:
                self.assertIsNone(w["held_by"], where)
            elif "root" in want and stripped:  # no symbols: named by its place in data or bss
                self.assertEqual(w["held_by"]["kind"], "global", where)
                self.assertRegex(w["held_by"]["root"], r"^\.(bss|data)\+0x[0-9a-f]+", where)
            elif "root" in want:
                self.assertEqual(w["held_by"]["kind"], "global", where)
                self.assertEqual(w["held_by"]["root"], want["root"], where)
                self.assertEqual(w["held_by"]["steps"], want.get("steps", []), where)
        self.assertEqual(seen, set(info["waits_on"]), label)

    def check(self, target, info, label):
        got = hstest.run_json(["threads-blocked", "-n", "0"] + target)
        self.assertEqual(by_function(got), expected(info), label)
        self.check_waits_on(got, info, label)
        self.assertEqual(got["leaked"], sum(info["leaked"].values()), label)
        only = hstest.run_json(["threads-blocked", "--leaked", "-n", "0"] + target)
        self.assertTrue(only["groups"] and all(g["leaked"] is True for g in only["groups"]), label)
        self.assertEqual(sum(g["count"] for g in only["groups"]), sum(info["leaked"].values()), label)
        status, out, err = hstest.run(["threads-blocked", "--fail-on-leak"] + target)
        self.assertEqual(status, 3, label + err)
        self.assertIn("%d goroutines leaked" % sum(info["leaked"].values()), err + out)
        self.assertIn("[chan receive, leaked", out)
        self.assertIn("waits on 3 chan int (unbuffered), reachable from nothing", out)
        self.assertIn("held by main.srv → main.server.queue", out)

    def test_every_release_live_and_gcore(self):
        for v in hstest.toolchains_or_skip(self):
            with self.subTest(go=v), tempfile.TemporaryDirectory() as tmp:
                exe, ver = hstest.build_fixture(v, "leaks")
                with Fixture(exe, args=[os.path.join(tmp, "leak.txt")]) as fx:
                    self.check(["--pid", str(fx.pid)], fx.info, ver + " live")
                    subprocess.run(["gcore", "-o", os.path.join(tmp, "core"), str(fx.pid)],
                                   check=True, capture_output=True, timeout=300)
                self.check(["--core", os.path.join(tmp, "core.%d" % fx.pid), "--exe", exe], fx.info, ver + " gcore")

    def test_stripped(self):
        """-s -w: no symbols, no DWARF. The runtime's globals (the semaphore table among them,
        for sync waits before 1.26) are found from its code; verdicts and objects as with
        symbols, holders named by their place."""
        tcs = hstest.toolchains_or_skip(self)
        for v in sorted({tcs[0], "1.25", tcs[-1]} & set(tcs)):
            with self.subTest(go=v):
                exe, ver = hstest.build_fixture(v, "leaks", ldflags="-s -w")
                with Fixture(exe, args=["/dev/null"]) as fx:
                    got = hstest.run_json(["threads-blocked", "-n", "0", "--pid", str(fx.pid)])
                self.assertEqual(by_function(got), expected(fx.info), ver + " -s -w")
                self.check_waits_on(got, fx.info, ver + " -s -w", stripped=True)

    def test_runtime_goroutineleak_profile(self):
        """1.26 with the experiment, and 1.27: the runtime's detector, run after the core was
        taken, finds the goroutines heapscope's verdict found in the core."""
        tcs = [v for v in hstest.toolchains_or_skip(self) if int(v.split(".")[1]) >= 26]
        if not tcs:
            self.fail("no Go 1.26 or newer here: scripts/setup.sh --all-go")
        for v in tcs:
            with self.subTest(go=v), tempfile.TemporaryDirectory() as tmp:
                exp = "goroutineleakprofile" if v == "1.26" else ""
                exe, ver = hstest.build_fixture(v, "leaks", experiment=exp)
                prof = os.path.join(tmp, "leak.txt")
                with Fixture(exe, args=[prof]) as fx:
                    subprocess.run(["gcore", "-o", os.path.join(tmp, "core"), str(fx.pid)],
                                   check=True, capture_output=True, timeout=300)
                    os.kill(fx.pid, signal.SIGUSR1)
                    for _ in range(100):
                        if os.path.exists(prof) and os.path.getsize(prof) > 0:
                            break
                        time.sleep(0.1)
                    time.sleep(0.3)
                    after = hstest.run_json(["threads-blocked", "-n", "0", "--pid", str(fx.pid)])
                core = ["--core", os.path.join(tmp, "core.%d" % fx.pid), "--exe", exe]
                got = hstest.run_json(["threads-blocked", "-n", "0"] + core)
                total, funcs = leak_profile(prof)
                ours = {fn: n for (fn, leaked), n in by_function(got).items() if leaked}
                self.assertEqual(got["leaked"], total, ver)
                self.assertEqual(ours, funcs, ver)
                # once the runtime marked them, they show as leaked by its word too
                marked = {fn: n for (fn, leaked), n in by_function(after).items() if leaked}
                self.assertEqual(marked, funcs, ver)

    def test_debuggers_fail_on_leak(self):
        """In gdb and lldb, on a gcore core: the verdict and what each group waits on as the CLI
        shows them, and --fail-on-leak makes the command fail, so a batch run exits non-zero."""
        import gdbmi
        import test_lldb_plugin as lldb
        v = hstest.toolchains_or_skip(self)[-1]
        with tempfile.TemporaryDirectory() as tmp:
            exe, ver = hstest.build_fixture(v, "leaks")
            with Fixture(exe, args=[os.path.join(tmp, "leak.txt")]) as fx:
                subprocess.run(["gcore", "-o", os.path.join(tmp, "core"), str(fx.pid)],
                               check=True, capture_output=True, timeout=300)
            core = os.path.join(tmp, "core.%d" % fx.pid)
            n = sum(fx.info["leaked"].values())
            lldb.skip_unless_lldb(self)
            status, out, err = lldb.lldb_batch(['target create "%s" --core "%s"' % (exe, core),
                                                "threads-blocked --fail-on-leak -n 0"])
            self.assertIn("waits on 3 chan int (unbuffered), reachable from nothing", out)
            self.assertIn("threads-blocked: %d goroutines leaked" % n, out + err)
            self.assertNotEqual(status, 0, err[-2000:])
            problem = gdbmi.missing()
            if problem:
                self.skipTest(problem)  # only [asan-gdb] is allowed (tests/skip_reasons.txt)
            b = gdbmi.Batch(["threads-blocked -n 0", "threads-blocked --fail-on-leak -n 0"],
                            args=[exe, core])
            self.assertIn("waits on 3 chan int (unbuffered), reachable from nothing", b.out(0))
            self.assertIn("%d goroutines leaked: blocked on objects" % n, b.out(0))
            self.assertIn("held by main.srv → main.server.queue", b.out(1))
            self.assertIn("threads-blocked: %d goroutines leaked" % n, b.out(1))
            # gdb -batch exits with the status of its last command: here the failing one
            p = subprocess.run([gdbmi.GDB, "-nx", "-batch", "-ex", "source " + gdbmi.PLUGIN,
                                "-ex", "threads-blocked --fail-on-leak", exe, core],
                               capture_output=True, text=True, timeout=300, env=gdbmi.gdb_env())
            self.assertIn("threads-blocked: %d goroutines leaked" % n, p.stderr)
            self.assertNotEqual(p.returncode, 0, p.stderr[-2000:])

    def test_no_leak_exit_zero(self):
        v = hstest.toolchains_or_skip(self)[-1]
        exe, ver = hstest.build_fixture(v, "holders")
        with Fixture(exe) as fx:
            status, out, err = hstest.run(["threads-blocked", "--fail-on-leak", "--pid", str(fx.pid)])
            self.assertEqual(status, 0, err)
            self.assertNotIn("leaked", out)


if __name__ == "__main__":
    hstest.main()
