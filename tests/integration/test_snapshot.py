#!/usr/bin/env python3
"""snapshot, snapshot-diff and watch against a program that leaks at known rates
(tests/fixtures/go/leaker: main.LeakedRecord objects and goroutines stuck in main.stuckWorker,
both following the wall clock) while churning garbage and keeping a flat working set. Two
snapshots seconds apart, of the live process and of two cores, must show the leaked type first
with the delta the program itself counted (its main.leaked and main.started, read from its
memory around each live snapshot and from each core), the stuck goroutine group likewise, and
no other known type growing beyond noise; watch must flag exactly the leak, at the rate the
program leaked meanwhile. (The program catches up with the wall clock when it was starved, so
its own counts, not rate x elapsed, are the oracle on a loaded machine.)"""

import json
import os
import shutil
import struct
import subprocess
import tempfile
import time
import unittest

import hstest
from run_fixture import Fixture

RATE, GRATE = 400, 25
# Runtime structures that grow with every stuck goroutine, and the slice holding the leak.
FOLLOWERS = {"runtime.g", "runtime.sudog", "[]*main.LeakedRecord"}


def group_is_stuck(frames):
    return any(f["function"] == "main.stuckWorker" for f in frames)


class Counters:
    """The leaker's own counts, len(main.leaked) and main.started, read from its memory (a
    live process through /proc/PID/mem, or a core) at the addresses its symbol table gives."""

    def __init__(self, exe):
        out = subprocess.run(["nm", exe], capture_output=True, text=True, check=True).stdout
        syms = {l.split()[-1]: int(l.split()[0], 16) for l in out.splitlines() if len(l.split()) == 3}
        self.leaked_len, self.started = syms["main.leaked"] + 8, syms["main.started"]

    def live(self, pid):
        with open("/proc/%d/mem" % pid, "rb") as f:
            return tuple(self._u64(f, a) for a in (self.leaked_len, self.started))

    def core(self, path):
        from test_hostile_memory import Core
        c = Core(path)
        return c.u64(self.leaked_len), c.u64(self.started)

    @staticmethod
    def _u64(f, addr):
        f.seek(addr)
        return struct.unpack("<Q", f.read(8))[0]


class Snapshots(unittest.TestCase):
    def setUp(self):
        tcs = hstest.toolchains_or_skip(self)
        self.versions = sorted({list(tcs)[0], list(tcs)[-1]})
        self.tmp = tempfile.mkdtemp(prefix="hs-snap-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def snap(self, name, target):
        path = os.path.join(self.tmp, name)
        status, out, err = hstest.run(["snapshot", "-o", path] + target)
        self.assertEqual(status, 0, err)
        with open(path) as f:
            obj = json.load(f)
        self.assertEqual(obj["format"], "heapscope-snapshot")
        return path

    def check_diff(self, a, b, label, records, goroutines):
        """records, goroutines: (least, most) the program itself counted between a and b."""
        d = hstest.run_json(["snapshot-diff", a, b])
        self.assertEqual(d["command"], "snapshot-diff")
        dt = d["elapsed_seconds"]
        self.assertGreater(dt, 1.0, label)
        top = d["heap"][0]
        self.assertEqual(top["name"], "main.LeakedRecord", "%s: %s" % (label, d["heap"][:3]))
        self.assertGreater(records[0], 0, label)
        self.assertTrue(records[0] <= top["inuse_objects_delta"] <= records[1],
                        "%s: %d records leaked, the program counted %s" % (label, top["inuse_objects_delta"], records))
        stuck = [g for g in d["goroutines"] if group_is_stuck(g["frames"])]
        self.assertEqual(len(stuck), 1, "%s: %s" % (label, d["goroutines"]))
        self.assertEqual(stuck[0]["state"], "chan receive")
        # a goroutine the program started may not have parked yet (+-1 at each end)
        self.assertTrue(goroutines[0] - 1 <= stuck[0]["count_delta"] <= goroutines[1] + 1,
                        "%s: %d goroutines stuck, the program started %s" % (label, stuck[0]["count_delta"], goroutines))
        others = [g for g in d["goroutines"] if not group_is_stuck(g["frames"]) and g["count_delta"] > 1]
        self.assertEqual(others, [], label)
        for row in d["heap"][1:]:
            if row["name"].startswith("<") or row["name"] in FOLLOWERS:
                continue  # unknown types: garbage awaiting GC; followers grow with the leak
            self.assertLess(row["inuse_bytes_delta"], 0.1 * top["inuse_bytes_delta"],
                            "%s: %s grew too" % (label, row))
        # who holds the growth: the global slice, alone (the records and, once in a while, a
        # bigger backing array in place of the old one)
        roots = d["heap_by_root"]
        self.assertEqual(roots[0]["name"], "main.leaked", "%s: %s" % (label, roots[:3]))
        self.assertTrue(records[0] - 1 <= roots[0]["retained_objects_delta"] <= records[1] + 1,
                        "%s: main.leaked keeps %d more objects alive, the program leaked %s"
                        % (label, roots[0]["retained_objects_delta"], records))
        # the text names the group by the program's own function, as a reader of the stack would
        status, out, err = hstest.run(["snapshot-diff", a, b])
        self.assertEqual(status, 0, err)
        lines = [l for l in out.split("goroutine groups that changed:")[-1].splitlines() if "[chan receive]" in l]
        self.assertTrue(lines and " main.stuckWorker " in lines[0], "%s: %s" % (label, out))
        return d

    def test_live_and_cores(self):
        for v in self.versions:
            with self.subTest(go=v):
                exe, _ = hstest.build_fixture(v, "leaker")
                counts = Counters(exe)
                with Fixture(exe, args=[str(RATE), str(GRATE)], quiet=False) as fx:
                    time.sleep(1)
                    a0 = counts.live(fx.pid)
                    a = self.snap("live-a.json", ["--pid", str(fx.pid)])
                    a1 = counts.live(fx.pid)
                    time.sleep(3)
                    b0 = counts.live(fx.pid)
                    b = self.snap("live-b.json", ["--pid", str(fx.pid)])
                    b1 = counts.live(fx.pid)
                    self.check_diff(a, b, v + " live", (b0[0] - a1[0], b1[0] - a0[0]), (b0[1] - a1[1], b1[1] - a0[1]))
                    cores = []
                    for i in range(2):
                        prefix = os.path.join(self.tmp, "core%d" % i)
                        subprocess.run(["gcore", "-o", prefix, str(fx.pid)], check=True,
                                       capture_output=True, timeout=300)
                        cores.append("%s.%d" % (prefix, fx.pid))
                        time.sleep(3 if i == 0 else 0)
                ca = self.snap("core-a.json", ["--core", cores[0]])
                cb = self.snap("core-b.json", ["--core", cores[1]])
                (ra, ga), (rb, gb) = counts.core(cores[0]), counts.core(cores[1])
                self.check_diff(ca, cb, v + " cores", (rb - ra, rb - ra), (gb - ga, gb - ga))
                # a live snapshot compared with a core of the same program
                d = hstest.run_json(["snapshot-diff", a, cb])
                self.assertGreater(d["elapsed_seconds"], 0)

    def test_watch(self):
        v = self.versions[-1]
        exe, _ = hstest.build_fixture(v, "leaker")
        counts = Counters(exe)
        with Fixture(exe, args=[str(RATE), str(GRATE)], quiet=False) as fx:
            time.sleep(1)
            before, t0 = counts.live(fx.pid), time.monotonic()
            got = hstest.run_json(["watch", "--pid", str(fx.pid), "--interval", "1.5s", "--count", "4",
                                   "--dir", os.path.join(self.tmp, "w")], timeout=120)
            after, t1 = counts.live(fx.pid), time.monotonic()
            st = open("/proc/%d/status" % fx.pid).read()
        # the rates the program kept over the whole watch (its own counts over the test's clock)
        rates = [(after[i] - before[i]) / (t1 - t0) for i in range(2)]
        self.assertIn("TracerPid:\t0", st)
        self.assertEqual(len(got["snapshots"]), 4)
        for s in got["snapshots"]:
            self.assertLess(s["pause_seconds"], 2.0)
            self.assertTrue(os.path.exists(s["path"]))
        types = [t["name"] for t in got["rising"]["types"]]
        self.assertEqual(types[0], "main.LeakedRecord", types)
        self.assertLessEqual(set(types), {"main.LeakedRecord"} | FOLLOWERS, types)
        rate = got["rising"]["types"][0]["objects_per_second"]
        self.assertLess(abs(rate - rates[0]), 0.1 * rates[0], "watch %.1f/s, the program %.1f/s" % (rate, rates[0]))
        roots = got["rising"]["roots"]
        self.assertEqual(roots[0]["name"], "main.leaked", roots)
        self.assertLess(abs(roots[0]["objects_per_second"] - rates[0]), 0.1 * rates[0], roots[0])
        groups = got["rising"]["goroutines"]
        self.assertEqual(len(groups), 1, groups)
        self.assertTrue(group_is_stuck(groups[0]["frames"]))
        self.assertLess(abs(groups[0]["count_per_second"] - rates[1]), 0.1 * rates[1] + 0.5,
                        "watch %.1f/s, the program %.1f/s" % (groups[0]["count_per_second"], rates[1]))

    def test_different_programs_refused(self):
        cores = hstest.stored_or_fail(self, "heap", 2)
        snaps = []
        for ver, d in cores[-2:]:
            snaps.append(self.snap(ver + ".json", ["--core", os.path.join(d, "core"), "--exe", os.path.join(d, "exe")]))
        status, out, err = hstest.run(["snapshot-diff"] + snaps)
        self.assertEqual(status, 1, out)
        self.assertIn("--force", err)
        status, out, err = hstest.run(["snapshot-diff", "--force"] + snaps)
        self.assertEqual(status, 0, err)

    def test_bad_snapshot_files(self):
        good = self.snap("good.json", ["--core"] + self.stored_target())
        cases = {"empty": "", "notjson": "{{{", "array": "[]", "other": '{"format":"x"}',
                 "newer": json.dumps({"format": "heapscope-snapshot", "format_version": 99})}
        with open(good) as f:
            obj = json.load(f)
        obj["heap"]["by_type"][0]["inuse_bytes"] = "lots"
        cases["badrow"] = json.dumps(obj)
        for name, text in cases.items():
            path = os.path.join(self.tmp, name + ".json")
            with open(path, "w") as f:
                f.write(text)
            status, out, err = hstest.run(["snapshot-diff", good, path])
            self.assertEqual(status, 1, name)
            self.assertEqual(len(err.strip().splitlines()), 1, err)
            self.assertIn(path, err)

    def stored_target(self):
        cores = hstest.stored_or_fail(self, "heap")
        d = cores[-1][1]
        return [os.path.join(d, "core"), "--exe", os.path.join(d, "exe")]


if __name__ == "__main__":
    hstest.main()
