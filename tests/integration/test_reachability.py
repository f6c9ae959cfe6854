#!/usr/bin/env python3
"""Reachability against the Go runtime's own mark. The reach test program (tests/fixtures/go/reach)
holds objects of known types in known ways — only by a global, only by a local of a goroutine
blocked on a channel, only by a finalizer, only through an interface (any, error), only by a
sync.Pool, only by a cleanup (1.24+) — then collects garbage once: after runtime.GC() the runtime
has swept, so every allocated object is one its collector marked and runtime.MemStats.HeapObjects
(read right then) counts exactly the reachable objects. Then the program drops a known number of
objects (garbage not yet collected) and waits.

On its stored cores (every release), and on live runs and gcore cores with every toolchain here,
heapscope must find: live objects == HeapObjects - dropped (exactly on cores; a live runtime may
still allocate a little in the background, then the walk grows by as much), unreachable objects ==
exactly the dropped ones, each of the program's types counted exactly in --live (and the dropped
type in --unreachable where its allocation header types it, 1.22+), and the same split in text,
JSON, --by size and snapshots."""

import json
import os
import subprocess
import tempfile
import unittest

import hstest
from run_fixture import Fixture
from test_heap_top import program_output


def minor(version):
    return int(version.split(".")[1])


class Reachability(unittest.TestCase):
    def check(self, target, info, ms, label, exact):
        got = hstest.run_json(["heap-top"] + target)
        r = got["reachability"]
        dropped = info["dropped_objects"]
        walked = got["totals"]["inuse_objects"]
        self.assertEqual(got["objects"], "all", label)
        self.assertEqual(r["live_objects"] + r["unreachable_objects"], walked, label)
        self.assertEqual(r["live_bytes"] + r["unreachable_bytes"], got["totals"]["inuse_bytes"], label)
        if exact:
            self.assertEqual(r["unreachable_objects"], dropped, "%s: %d unreachable objects, the "
                             "program dropped %d" % (label, r["unreachable_objects"], dropped))
            self.assertEqual(r["live_objects"], ms["HeapObjects"] - dropped,
                             "%s: %d live objects, the runtime's mark kept %d (HeapObjects after GC) minus %d dropped"
                             % (label, r["live_objects"], ms["HeapObjects"], dropped))
        else:
            # a live runtime may allocate (or, rarely, drop) a few objects of its own in the
            # background after ReadMemStats, before the read
            self.assertTrue(dropped <= r["unreachable_objects"] <= dropped + 2, "%s: %d unreachable "
                            "objects, the program dropped %d" % (label, r["unreachable_objects"], dropped))
            self.assertLessEqual(abs(walked - ms["HeapObjects"]), max(16, ms["HeapObjects"] // 100), label)
        self.assertEqual(r["conservative_bytes"], 0, "%s: every goroutine is parked: no stack needs "
                         "conservative scanning" % label)
        self.check_live(target, info, r, label)
        self.check_unreachable(target, info, r, label)
        return got

    def check_live(self, target, info, r, label):
        live = hstest.run_json(["heap-top", "--live", "-n", "0"] + target)
        self.assertEqual(live["objects"], "live")
        self.assertEqual(live["totals"]["inuse_objects"], r["live_objects"], label)
        self.assertEqual(sum(x["inuse_objects"] for x in live["rows"]), r["live_objects"], label)
        rows = {x["name"]: x["inuse_objects"] for x in live["rows"]}
        for name, count in info["live_types"].items():
            self.assertEqual(rows.get(name), count, "%s: %s in --live" % (label, name))
        for name in info["unreachable_types"]:
            self.assertNotIn(name, rows, "%s: %s is garbage" % (label, name))
        sizes = hstest.run_json(["heap-top", "--live", "--by", "size", "-n", "0"] + target)
        self.assertEqual(sum(x["inuse_objects"] for x in sizes["rows"]), r["live_objects"], label)
        self.assertEqual(sum(x["inuse_bytes"] for x in sizes["rows"]), r["live_bytes"], label)

    def check_unreachable(self, target, info, r, label):
        un = hstest.run_json(["heap-top", "--unreachable", "-n", "0"] + target)
        self.assertEqual(un["totals"]["inuse_objects"], r["unreachable_objects"], label)
        rows = {x["name"]: x["inuse_objects"] for x in un["rows"]}
        self.assertEqual(rows.get("main.FinalHolder"), 1, "%s: the finalized object itself is not "
                         "kept by its finalizer" % label)
        if minor(label.split()[0][2:]) >= 22:  # Dropped has an allocation header
            self.assertEqual(rows.get("main.Dropped"), info["unreachable_types"]["main.Dropped"], label)
        status, out, err = hstest.run(["heap-top", "-n", "3"] + target)
        self.assertEqual(status, 0, err)
        self.assertIn("garbage not yet collected: %d objects" % r["unreachable_objects"], out)

    def test_stored_cores(self):
        cores = hstest.stored_or_fail(self, "reach", at_least=7)
        for ver, d in cores:
            with self.subTest(go=ver):
                with open(os.path.join(d, "dump.txt")) as f:
                    info, ms = program_output(f.read())
                self.check(["--core", os.path.join(d, "core"), "--exe", os.path.join(d, "exe")],
                           info, ms, ver, exact=True)

    def test_live_and_gcore(self):
        for v in hstest.toolchains_or_skip(self):
            with self.subTest(go=v), tempfile.TemporaryDirectory() as tmp:
                exe, ver = hstest.build_fixture(v, "reach")
                with Fixture(exe) as fx:
                    info, ms = program_output(fx.output)
                    self.check(["--pid", str(fx.pid)], info, ms, ver + " live", exact=False)
                    subprocess.run(["gcore", "-o", os.path.join(tmp, "core"), str(fx.pid)],
                                   check=True, capture_output=True, timeout=300)
                    self.check(["--core", os.path.join(tmp, "core.%d" % fx.pid)], info, ms,
                               ver + " gcore", exact=False)

    def test_snapshot_live_rows(self):
        cores = hstest.stored_or_fail(self, "reach", at_least=7)
        ver, d = cores[-1]
        with open(os.path.join(d, "dump.txt")) as f:
            info, ms = program_output(f.read())
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "s.json")
            hstest.run(["snapshot", "-o", path, "--core", os.path.join(d, "core"), "--exe",
                        os.path.join(d, "exe")], check_status=0)
            with open(path) as f:
                snap = json.load(f)
            self.assertEqual(snap["format_version"], 2)
            heap = snap["heap"]
            self.assertEqual(heap["live_totals"]["inuse_objects"], ms["HeapObjects"] - info["dropped_objects"])
            self.assertEqual(heap["reachability"]["unreachable_objects"], info["dropped_objects"])
            rows = {r["name"]: r["inuse_objects"] for r in heap["live_by_type"]}
            for name, count in info["live_types"].items():
                self.assertEqual(rows.get(name), count, "snapshot live_by_type: %s" % name)
            self.assertEqual(sum(r["inuse_objects"] for r in heap["live_by_size"]),
                             heap["live_totals"]["inuse_objects"])
            self.check_diff_prefers_live(tmp, snap)

    def check_diff_prefers_live(self, tmp, snap):
        # a second state of the same program: 500 more objects of a type, all of them garbage (a
        # growing slice's dead copies): the rows of all objects grow, the reachable ones do not
        grown = json.loads(json.dumps(snap))
        heap = grown["heap"]
        heap["by_type"].append({"name": "main.DeadCopy", "inuse_objects": 500, "inuse_bytes": 32000})
        heap["totals"]["inuse_objects"] += 500
        heap["totals"]["inuse_bytes"] += 32000
        heap["reachability"]["unreachable_objects"] += 500
        paths = [os.path.join(tmp, n) for n in ("a.json", "b.json")]
        for p, obj in zip(paths, (snap, grown)):
            with open(p, "w") as f:
                json.dump(obj, f)
        got = hstest.run_json(["snapshot-diff"] + paths)
        self.assertEqual(got["objects"], "live")
        self.assertEqual(got["totals"]["inuse_objects_delta"], 0)
        self.assertNotIn("main.DeadCopy", [r["name"] for r in got["heap"]])
        _, out, _ = hstest.run(["snapshot-diff"] + paths, check_status=0)
        self.assertIn("reachable heap", out)
        # an old snapshot (format 1, no live rows) on one side: all objects are compared
        old = json.loads(json.dumps(snap))
        old["format_version"] = 1
        for k in ("live_by_type", "live_by_size", "live_totals", "reachability"):
            del old["heap"][k]
        with open(paths[0], "w") as f:
            json.dump(old, f)
        got = hstest.run_json(["snapshot-diff"] + paths)
        self.assertEqual(got["objects"], "all")
        self.assertEqual(got["totals"]["inuse_objects_delta"], 500)
        self.assertIn("main.DeadCopy", [r["name"] for r in got["heap"]])

    def test_options(self):
        cores = hstest.stored_or_fail(self, "reach", at_least=7)
        _, d = cores[-1]
        target = ["--core", os.path.join(d, "core"), "--exe", os.path.join(d, "exe")]
        status, _, err = hstest.run(["heap-top", "--live", "--unreachable"] + target)
        self.assertEqual(status, 2, err)
        status, _, err = hstest.run(["heap-top", "--live", "--by", "site"] + target)
        self.assertEqual(status, 2, err)
        self.assertIn("--by site", err)
        status, out, err = hstest.run(["heap-top", "--live", "-n", "5"] + target)
        self.assertEqual(status, 0, err)
        self.assertIn("reachable objects (marked from every root)", out)


if __name__ == "__main__":
    hstest.main()
