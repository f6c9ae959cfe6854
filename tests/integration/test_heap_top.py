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


def go_binary(test):
    """A go binary for `go tool pprof` (the newest toolchain here)."""
    tcs = hstest.toolchains()
    if not tcs:
        test.fail("no Go toolchain for go tool pprof: run scripts/setup.sh --all-go")
    return os.path.join(list(tcs.values())[-1], "bin", "go")


def pprof(go, *args):
    p = subprocess.run([go, "tool", "pprof"] + list(args), capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, GOTOOLCHAIN="local", GOFLAGS=""))
    if p.returncode != 0:
        raise AssertionError("go tool pprof %s failed: %s" % (" ".join(args), p.stderr[-2000:]))
    return p.stdout


def profile_sites(go, path):
    """{stack: [alloc_objects, alloc_bytes, inuse_objects, inuse_bytes]} of a heap profile, read
    with go tool pprof -raw; a stack is ((function, line), ...) innermost first, inlined calls
    expanded (as heapscope's rows list their frames)."""
    text = pprof(go, "-raw", path)
    samples, locs = text.split("\nLocations\n", 1)
    lines = {}
    current = None
    for line in locs.splitlines():
        # function names may hold spaces (a generic instantiation over "interface {}")
        m = re.match(r"^\s+(\d+): 0x[0-9a-f]+ M=\d+ (.+) (\S+):(\d+):\d+ s=\d+", line)
        if m:
            current = lines.setdefault(int(m.group(1)), [])
            current.append((m.group(2), int(m.group(4))))
            continue
        m = re.match(r"^\s+(.+) (\S+):(\d+):\d+ s=\d+$", line)  # an inlined call of the same location
        if m and current is not None:
            current.append((m.group(1), int(m.group(3))))
        elif not line.startswith(" "):
            current = None
    out = {}
    for m in re.finditer(r"^\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+): ([\d ]+)$", samples, re.M):
        # a location pprof prints without function or line (seen once, in a runtime stack) is
        # "?": only stacks through main.allocate are compared
        stack = tuple(fl for loc in m.group(5).split() for fl in lines.get(int(loc), [("?", 0)]))
        v = out.setdefault(stack, [0, 0, 0, 0])
        for i in range(4):
            v[i] += int(m.group(i + 1))
    return out


def top(go, path, index, focus):
    """go tool pprof -top from its "Showing nodes" line on (the header names files and times)."""
    out = pprof(go, "-top", "-relative_percentages", "-nodecount=1000", "-nodefraction=0",
                "-symbolize=none", "-sample_index=" + index, "-focus=" + focus, path)
    return out[out.index("Showing nodes"):]


def near(got, want, rel):
    return abs(got - want) <= rel * max(want, 1)


def program_output(text):
    info = json.loads(re.search(r"^HEAPSCOPE-INFO (.*)$", text, re.M).group(1))
    ms = json.loads(re.search(r"^HEAPSCOPE-MEMSTATS (.*)$", text, re.M).group(1))
    return info, ms


class HeapChecks:
    """heap-top of a target against the heap program's own output (a mixin of TestCase; also
    for the arm64 cores of test_arm64.py)."""

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

    def check_sites(self, target, profile, label, tops=True, generic=False):
        """heap-top --by site and --pprof FILE through the CLI, against the program's own heap
        profile (MemProfileRate=1, written by runtime/pprof): every allocation site of the
        program (stacks through main.allocate) has the profile's allocation counts exactly and
        no more in use than the profile (all of it where main.* allocated it directly and the
        profile shows nothing freed); and
        go tool pprof -top reads heapscope's file as it reads the program's. (The core or the
        process is looked at after the profile was written: sites may have freed objects
        since, and later allocations add sites.)"""
        go = go_binary(self)
        want = profile_sites(go, profile)
        got = hstest.run_json(["heap-top", "--by", "site", "-n", "0"] + target)
        self.assertEqual(got["by"], "site")
        have = {}
        for r in got["rows"]:
            stack = tuple((f["function"], f["line"]) for f in r["frames"])
            v = have.setdefault(stack, [0, 0, 0, 0])
            for i, k in enumerate(("alloc_objects", "alloc_bytes", "inuse_objects", "inuse_bytes")):
                v[i] += r[k]
        self.assertEqual(sum(r["inuse_bytes"] for r in got["rows"]), got["sites_totals"]["inuse_bytes"])
        # the program's own sites; heapscope lists the sites with objects in use
        mine = {k: v for k, v in want.items() if any(f == "main.allocate" for f, _ in k) and v[2]}
        self.assertGreaterEqual(len(mine), 10, "%s: too few program sites in the profile" % label)
        whole = 0
        for stack, v in sorted(mine.items()):
            where = "%s: %s" % (label, " <- ".join("%s:%d" % fl for fl in stack[:4]))
            if stack[0][0].startswith("main.") and v[0] == v[2] and v[1] == v[3]:
                # the program's own objects, all kept from globals: still all in use (the
                # library's, e.g. fmt's pooled printers, may be freed after the profile)
                self.assertIn(stack, have, "%s: no row" % where)
                self.assertEqual(have[stack], v, where)
                whole += 1
            elif stack in have:
                self.assertEqual(have[stack][:2], v[:2], "%s: allocations" % where)
                self.assertLessEqual(have[stack][2:], v[2:], "%s: in use" % where)
        self.assertGreaterEqual(whole, 8, label)
        # generic code's sites carry the names runtime/pprof wrote (main.pick[go.shape.*uint8])
        if generic:  # built from today's fixture (stored cores predate main.pick)
            picks = [k for k in mine if k[0][0].startswith("main.pick[")]
            self.assertEqual(len(picks), 1, "%s: main.pick's site in the profile: %s" % (label, picks))
            self.assertIn(picks[0], have, "%s: no row named as pprof names %s" % (label, picks[0][0]))
        _, text, _ = hstest.run(["heap-top", "--by", "site", "-n", "3"] + target, check_status=0)
        self.assertIn("main.allocate", text)
        with tempfile.TemporaryDirectory() as tmp:
            ours = os.path.join(tmp, "heapscope.pb.gz")
            status, _, err = hstest.run(["heap-top", "--by", "site", "--pprof", ours] + target)
            self.assertEqual(status, 0, err)
            if not tops:
                self.assertIn("main.allocate", pprof(go, "-top", "-symbolize=none", ours))
                return
            # anchored: pprof also matches -focus against file and mapping paths
            for index, focus in (("alloc_space", "^main\\.allocate$"),
                                 ("inuse_space", "^main\\.build$|^strings\\.Repeat$")):
                theirs = top(go, profile, index, focus)
                self.assertIn("main.", theirs)
                self.assertEqual(top(go, ours, index, focus), theirs, "%s: -top -sample_index=%s" % (label, index))


class HeapTop(HeapChecks, unittest.TestCase):
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
                self.check_sites(["--core", os.path.join(d, "core"), "--exe", os.path.join(d, "exe")],
                                 os.path.join(d, "heap.pprof"), ver)

    def test_live_and_gcore(self):
        tcs = hstest.toolchains_or_skip(self)
        for v in tcs:
            with self.subTest(go=v), tempfile.TemporaryDirectory() as tmp:
                exe, ver = hstest.build_fixture(v, "heap")
                profile = os.path.join(tmp, "heap.pprof")
                with Fixture(exe, args=[profile]) as fx:
                    info, ms = program_output(fx.output)
                    self.check(["--pid", str(fx.pid)], info, ms, ver + " live")
                    newest = v == tcs[-1]  # go tool pprof -top in full once; the rest are on the stored cores
                    self.check_sites(["--pid", str(fx.pid)], profile, ver + " live", tops=newest, generic=True)
                    subprocess.run(["gcore", "-o", os.path.join(tmp, "core"), str(fx.pid)],
                                   check=True, capture_output=True, timeout=300)
                    core = ["--core", os.path.join(tmp, "core.%d" % fx.pid)]
                    self.check(core, info, ms, ver + " gcore")
                    self.check_sites(core, profile, ver + " gcore", tops=newest, generic=True)

    # GOEXPERIMENTs users ship that change the heap, per release: the collector's span layout
    # (nogreenteagc), map groups laid out keys-then-values (mapsplitgroup), malloc without the
    # size-specialized entry points (nosizespecializedmalloc)
    EXPERIMENTS = {"1.27": ("nogreenteagc", "mapsplitgroup", "nosizespecializedmalloc")}

    def test_experiments(self):
        tcs = hstest.toolchains_or_skip(self)
        builds = [(v, x) for v in tcs for x in self.EXPERIMENTS.get(v, ())]
        self.assertTrue(builds or tuple(map(int, tcs[-1].split("."))) < (1, 27),
                        "no experiment builds for the newest Go release %s" % tcs[-1])
        for v, x in builds:
            with self.subTest(go=v, experiment=x), tempfile.TemporaryDirectory() as tmp:
                exe, ver = hstest.build_fixture(v, "heap", experiment=x)
                profile = os.path.join(tmp, "heap.pprof")
                with Fixture(exe, args=[profile]) as fx:
                    info, ms = program_output(fx.output)
                    self.assertIn("X:" + x, info["go_version"])  # runtime.Version() names it
                    label = "%s live" % info["go_version"]
                    got = self.check(["--pid", str(fx.pid)], info, ms, label)
                    # the requests' 1000-byte values are reached only through the map's groups
                    rows = {r["name"]: r for r in got["rows"]}
                    self.assertGreaterEqual(rows.get("[]uint8", {}).get("inuse_objects", 0),
                                            info["requests"], "%s: map values untyped" % label)
                    self.check_sites(["--pid", str(fx.pid)], profile, label, tops=False, generic=True)

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
