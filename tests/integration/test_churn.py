#!/usr/bin/env python3
"""heap-top's header (runtime.MemStats) and its heap walk under allocation churn: the churn test
program (tests/fixtures/go/churn) allocates without pause with GOGC=10, so the collector, the
sweepers and the per-P span caches are always at work. A live read is stopped again while a
thread is halfway through one of the runtime's two-step heap updates, so header and walk agree
exactly on every read; a core cannot be, so a difference there comes with a note naming the
thread and the runtime function, which gdb's own backtrace of that thread must show. A core
taken by gdb at a breakpoint inside that window (mcache.refill: the old span uncached, its
allocations not yet counted) must get that note."""

import json
import os
import re
import subprocess
import tempfile
import unittest

import hstest
from run_fixture import Fixture

NOTE = re.compile(r"note: (.*) when core .* was taken: the heap walk")
INSIDE = re.compile(r"thread (\d+) was inside ([^\s;]+)")


def releases(test):
    """The oldest release the issue names (1.21) and the newest here."""
    tcs = hstest.toolchains_or_skip(test)
    return sorted({tcs[-1]} | ({"1.21"} & set(tcs)), key=lambda v: int(v.split(".")[1]))


def gdb_threads(exe, core):
    """{lwp: backtrace text} from gdb's own `thread apply all bt` of a core."""
    p = subprocess.run(["gdb", "-nx", "-batch", "-ex", "set pagination off", "-ex",
                        "thread apply all bt 40", exe, core], capture_output=True, text=True,
                       timeout=300)
    out, cur = {}, None
    for line in p.stdout.splitlines():
        m = re.match(r"Thread \d+ \(.*LWP (\d+)\)", line)
        if m:
            cur = int(m.group(1))
            out[cur] = ""
        elif cur is not None:
            out[cur] += line + "\n"
    return out


def heap_top(target):
    status, out, err = hstest.run(["heap-top", "--by", "size", "--json"] + target)
    if status != 0:
        raise AssertionError(err)
    got = json.loads(out)
    return got, err, got["totals"]["inuse_objects"] - got["memstats"]["heap_objects"]


class Churn(unittest.TestCase):
    def check_note(self, err, exe, core, what):
        """The note's threads are inside the functions it names, by gdb's backtraces."""
        m = NOTE.search(err)
        self.assertIsNotNone(m, "%s: header and walk differ without a note:\n%s" % (what, err))
        bts = gdb_threads(exe, core)
        named = INSIDE.findall(m.group(1))
        self.assertTrue(named, what)
        for tid, func in named:
            self.assertIn(int(tid), bts, "%s: gdb knows no LWP %s" % (what, tid))
            self.assertIn(func, bts[int(tid)], "%s: gdb's backtrace of LWP %s" % (what, tid))
        return named

    def test_live_and_gcore(self):
        """20 live reads and 5 gcore cores per release: the header equals the walk on every live
        read; on a core it does, or the note says which thread was in flight."""
        for v in releases(self):
            with self.subTest(go=v), tempfile.TemporaryDirectory() as tmp:
                exe, ver = hstest.build_fixture(v, "churn")
                with Fixture(exe, env={"GOGC": "10"}, quiet=False) as fx:
                    for n in range(25):
                        target, core = ["--pid", str(fx.pid)], None
                        if n >= 20:
                            subprocess.run(["gcore", "-o", tmp + "/core", str(fx.pid)],
                                           check=True, capture_output=True, timeout=300)
                            core = "%s/core.%d" % (tmp, fx.pid)
                            target = ["--core", core, "--exe", exe]
                        got, err, diff = heap_top(target)
                        what = "%s %s read %d" % (ver, target[0][2:], n)
                        self.assertNotIn("warning", err, what)
                        self.assertGreater(got["memstats"]["num_gc"], 0, what)
                        same = diff == 0 and (got["memstats"]["heap_alloc"] ==
                                              got["totals"]["inuse_bytes"])
                        if core and not same:
                            self.check_note(err, exe, core, what)
                        else:
                            self.assertTrue(same, "%s: header %s, walk %s\n%s" % (
                                what, got["memstats"], got["totals"], err))
                            self.assertNotIn("note:", err, what)
                        if core:
                            os.unlink(core)

    def test_core_in_refill_window(self):
        """gdb stops the program in mcache.refill after it uncached the full span and before it
        counted that span's allocations: the walk finds more objects than the statistics, and the
        note names the thread gdb stopped there."""
        for v in releases(self):
            with self.subTest(go=v), tempfile.TemporaryDirectory() as tmp:
                exe, ver = hstest.build_fixture(v, "churn")
                src = os.path.join(hstest.toolchains()[v], "src", "runtime", "mcache.go")
                line = refill_count_line(src)
                core = tmp + "/core"
                with Fixture(exe, env={"GOGC": "10"}, quiet=False) as fx:
                    p = subprocess.run(
                        ["gdb", "-nx", "-batch", "-p", str(fx.pid), "-ex", "set pagination off",
                         "-ex", "break mcache.go:%d" % line, "-ex", "continue", "-ex",
                         "info threads", "-ex", "gcore " + core, "-ex", "detach"],
                        capture_output=True, text=True, timeout=300)
                self.assertTrue(os.path.exists(core), p.stdout + p.stderr)
                stopped = re.search(r"^\* \d+\s+\S*.*?LWP (\d+)", p.stdout, re.M)
                self.assertIsNotNone(stopped, p.stdout)
                got, err, diff = heap_top(["--core", core, "--exe", exe])
                self.assertGreater(diff, 0, "%s: walk minus header\n%s" % (ver, err))
                named = self.check_note(err, exe, core, ver)
                self.assertIn((stopped.group(1), "runtime.(*mcache).refill"), named, err)


def refill_count_line(src):
    """The line of mcache.refill where it starts counting the uncached span's allocations."""
    with open(src) as f:
        lines = f.read().split("\n")
    start = next(i for i, l in enumerate(lines) if l.startswith("func (c *mcache) refill("))
    for i in range(start, len(lines)):
        if "memstats.heapStats.acquire()" in lines[i]:
            return i + 1
    raise AssertionError("no heapStats.acquire in mcache.refill of " + src)


if __name__ == "__main__":
    hstest.main()
