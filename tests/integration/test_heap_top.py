#!/usr/bin/env python3
"""heap-top against the Go runtime's own account of the same heap: the heap test program
(tests/fixtures/go/heap) allocates known numbers of objects of known types, collects garbage,
writes its own heap profile and reads runtime.MemStats last. On its stored cores (every release)
and on live runs with every toolchain here, heapscope must find the same totals, the same
statistics, the program's own types counted exactly, and the same live objects per size class."""

import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import hstest
from run_fixture import Fixture

# runtime.MemStats field -> (heap-top's memstats key, allowed relative difference on a live run;
# a stored core must match exactly). The program allocates nothing after ReadMemStats, but a live
# runtime may still allocate a few bytes in the background, and the scavenger returns idle memory
# to the OS and grows stacks at any time (None: not comparable on a live run).
MEMSTATS = {"HeapAlloc": ("heap_alloc", 0.01), "HeapObjects": ("heap_objects", 0.01),
            "TotalAlloc": ("total_alloc", 0.01), "Mallocs": ("mallocs", 0.01),
            "Frees": ("frees", 0.01), "HeapSys": ("heap_sys", 0.05),
            "HeapInuse": ("heap_inuse", 0.05), "NumGC": ("num_gc", 0), "NextGC": ("next_gc", 0),
            "LastGC": ("last_gc", 0), "PauseTotalNs": ("pause_total_ns", 0),
            "HeapIdle": ("heap_idle", None), "HeapReleased": ("heap_released", None),
            "Sys": ("sys", None), "StackInuse": ("stack_inuse", None)}


def near(got, want, rel):
    return abs(got - want) <= rel * max(want, 1)


def program_output(text):
    info = json.loads(re.search(r"^HEAPSCOPE-INFO (.*)$", text, re.M).group(1))
    ms = json.loads(re.search(r"^HEAPSCOPE-MEMSTATS (.*)$", text, re.M).group(1))
    return info, ms


class HeapTop(unittest.TestCase):
    def check(self, target, info, ms, label, exact=False):
        got = hstest.run_json(["heap-top"] + target)
        self.assertEqual(got["command"], "heap-top")
        self.assertEqual(got["version"], info["go_version"])
        self.assertEqual(got["by"], "type")
        tot = got["totals"]
        # the walk counts what ReadMemStats counted (exactly, in every stored core so far)
        self.assertTrue(near(tot["inuse_bytes"], ms["HeapAlloc"], 0.01),
                        "%s: walked %d bytes, HeapAlloc %d" % (label, tot["inuse_bytes"], ms["HeapAlloc"]))
        self.assertTrue(near(tot["inuse_objects"], ms["HeapObjects"], 0.01),
                        "%s: walked %d objects, HeapObjects %d" % (label, tot["inuse_objects"], ms["HeapObjects"]))
        for field, (key, rel) in MEMSTATS.items():
            rel = 0 if exact else rel
            if key in got["memstats"] and rel is not None:
                self.assertTrue(near(got["memstats"][key], ms[field], rel), "%s: %s is %d, the runtime said %d"
                                % (label, field, got["memstats"][key], ms[field]))
        for key in ("heap_alloc", "heap_objects", "total_alloc", "mallocs", "frees", "num_gc"):
            self.assertIn(key, got["memstats"], label)
        rows = {r["name"]: r for r in got["rows"]}
        for name, count in info["types"].items():
            self.assertIn(name, rows, "%s: no row for %s" % (label, name))
            self.assertEqual(rows[name]["inuse_objects"], count, "%s: %s" % (label, name))
        self.assertEqual(sum(r["inuse_bytes"] for r in got["rows"]), tot["inuse_bytes"])
        self.assertEqual(sum(r["inuse_objects"] for r in got["rows"]), tot["inuse_objects"])
        self.check_sizes(target, ms, label, exact)
        return got

    def check_sizes(self, target, ms, label, exact):
        got = hstest.run_json(["heap-top", "--by", "size"] + target)
        live = {size: m - f for size, m, f in ms["BySize"] if size}
        rows = {r["elem_size"]: r for r in got["rows"] if r["size_class"] > 0}
        diff = sum(abs((rows[s]["inuse_objects"] if s in rows else 0) - n) for s, n in live.items())
        # a stored core holds exactly what ReadMemStats saw; a live runtime may allocate a little
        self.assertLessEqual(diff, 0 if exact else max(2, sum(live.values()) // 100),
                             "%s: live objects per size class differ from runtime.MemStats.BySize by %d"
                             % (label, diff))

    def test_stored_cores(self):
        cores = hstest.stored_or_fail(self, "heap")
        for ver, d in cores:
            with self.subTest(go=ver):
                with open(os.path.join(d, "dump.txt")) as f:
                    info, ms = program_output(f.read())
                self.check(["--core", os.path.join(d, "core"), "--exe", os.path.join(d, "exe")],
                           info, ms, ver, exact=True)
                got = hstest.run_json(["heap-top", "--core", os.path.join(d, "core"),
                                       "--exe", os.path.join(d, "exe")])
                self.assertEqual(got["totals"]["inuse_bytes"], ms["HeapAlloc"], ver)
                self.assertEqual(got["totals"]["inuse_objects"], ms["HeapObjects"], ver)

    def test_live_and_gcore(self):
        tcs = hstest.toolchains_or_skip(self)
        for v in tcs:
            with self.subTest(go=v), tempfile.TemporaryDirectory() as tmp:
                exe, ver = hstest.build_fixture(v, "heap")
                with Fixture(exe, args=[os.path.join(tmp, "heap.pprof")]) as fx:
                    info, ms = program_output(fx.output)
                    self.check(["--pid", str(fx.pid)], info, ms, ver + " live")
                    subprocess.run(["gcore", "-o", os.path.join(tmp, "core"), str(fx.pid)],
                                   check=True, capture_output=True, timeout=300)
                    self.check(["--core", os.path.join(tmp, "core.%d" % fx.pid)], info, ms, ver + " gcore")

    def test_text_and_options(self):
        cores = hstest.stored_or_fail(self, "heap")
        ver, d = cores[-1]
        target = ["--core", os.path.join(d, "core"), "--exe", os.path.join(d, "exe")]
        status, out, err = hstest.run(["heap-top", "-n", "5"] + target)
        self.assertEqual(status, 0, err)
        self.assertIn("HeapAlloc", out)
        self.assertIn("main.Small", out)
        self.assertIn("use -n 0 to show all", out)
        got = hstest.run_json(["heap-top", "-n", "3"] + target)
        self.assertEqual(len(got["rows"]), 3)
        status, _, err = hstest.run(["heap-top", "--by", "color"] + target)
        self.assertEqual(status, 2)


if __name__ == "__main__":
    hstest.main()
