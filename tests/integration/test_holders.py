#!/usr/bin/env python3
"""Who holds what (heap-paths, heap-top --by root, --retained), against a program whose holders
are known by construction (tests/fixtures/go/holders): a struct field chain through a global, a
global map, a cycle held by one root, a closure, a channel buffer, two globals sharing an object,
a goroutine's local and a finalizer. Every release, live and from a gcore core: each type's
objects are in exactly the path groups the program built (root, steps, counts from the program),
each root keeps alive exactly the objects and bytes the program allocated for it (sizes from the
program's unsafe.Sizeof, rounded to Go's size classes), and go tool pprof reads the reference-path
profile with those stacks. A -w binary (no DWARF) names its roots and answers the same by root.
Bad input: a type that does not exist is refused naming the closest."""

import json
import os
import re
import subprocess
import tempfile
import unittest

import gdbmi
import hstest
import test_heap_top as th
import test_lldb_plugin as tl
from run_fixture import Fixture

CLASSES = [8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288,
           320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536,
           1792, 2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192,
           9472, 9728, 10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576,
           27264, 28672, 32768]


def cls(size):
    """The bytes a Go allocation of size bytes takes: its size class."""
    return next(c for c in CLASSES if c >= size)


def expected_roots(info):
    """{root name: (objects, bytes)} that each root alone keeps alive, from the program's sizes."""
    s, ptr = info["sizes"], info["sizes"]["pointer"]
    c = info["counts"]
    return {
        "main.srv": (3 + c["main.Item"], cls(s["main.Server"]) + cls(s["main.Registry"]) +
                     cls(c["main.Item"] * ptr) + c["main.Item"] * cls(s["main.Item"])),
        "main.ring": (c["main.RingNode"], c["main.RingNode"] * cls(s["main.RingNode"])),
        # the closure: its function word and the captured slice header (4 words)
        "main.fn": (2 + c["main.Widget"], cls(4 * ptr) + cls(c["main.Widget"] * ptr) +
                    c["main.Widget"] * cls(s["main.Widget"])),
        "main.left": (1, cls(s["main.Pair"])),
        "main.right": (1, cls(s["main.Pair"])),
        "finalizer of main.Fin": (1, cls(s["main.Payload"])),
    }


# {type: [(root kind, root name or None, steps, objects)]} of every path group the program built:
# steps name each object passed through by its type, and a struct's by the field the path leaves by
def expected_paths(info):
    c = info["counts"]
    return {
        "main.Item": [("global", "main.srv", ["main.Server.Reg", "main.Registry.Items", "[]*main.Item"], c["main.Item"])],
        "main.Session": [("global", "main.cache", ["map[string]*main.Session"], c["main.Session"])],
        "main.RingNode": [("global", "main.ring", [], 1), ("global", "main.ring", ["main.RingNode.Next"], c["main.RingNode"] - 1)],
        "main.Msg": [("global", "main.ch", ["chan *main.Msg", "[]*main.Msg"], c["main.Msg"])],
        "main.Job": [("goroutine", None, ["[]*main.Job"], c["main.Job"])],
        "main.Payload": [("finalizer", "finalizer of main.Fin", [], 1)],
    }


def raw_profile(go, path):
    """{stack (names, leaf first): [objects, bytes]} of a heap-paths profile (go tool pprof -raw)."""
    text = th.pprof(go, "-raw", path)
    samples, locs = text.split("\nLocations\n", 1)
    # pprof prints a name it shortens (one with "(*T)" in it) shortened, then in full in parentheses
    names = {int(m.group(1)): m.group(3) or m.group(2)
             for m in re.finditer(r"^\s+(\d+): 0x0 M=\d+ (.*?) :0:0 s=0(?:\((.*)\))?$", locs, re.M)}
    out = {}
    for m in re.finditer(r"^\s+(\d+)\s+(\d+): ([\d ]+)$", samples, re.M):
        stack = tuple(names[int(x)] for x in m.group(3).split())
        v = out.setdefault(stack, [0, 0])
        v[0] += int(m.group(1))
        v[1] += int(m.group(2))
    return out


class Holders(unittest.TestCase):
    def check_by_root(self, target, info, label, exact_cache=True):
        got = hstest.run_json(["heap-top", "--by", "root", "-n", "0"] + target)
        self.assertEqual(got["by"], "root")
        rows = {r["name"]: r for r in got["rows"]}
        for name, (objects, size) in expected_roots(info).items():
            self.assertIn(name, rows, "%s: no row for %s" % (label, name))
            self.assertEqual((rows[name]["retained_objects"], rows[name]["retained_bytes"]), (objects, size),
                             "%s: %s keeps alive" % (label, name))
            self.assertIn(rows[name]["kind"], ("global", "finalizer"), label)
        s, c = info["sizes"], info["counts"]
        # the channel: its hchan (the runtime's size differs by release), the buffer, the Msgs
        ch = rows["main.ch"]
        self.assertEqual(ch["retained_objects"], 2 + c["main.Msg"], label)
        rest = ch["retained_bytes"] - cls(info["chan_cap"] * s["pointer"]) - c["main.Msg"] * cls(s["main.Msg"])
        self.assertIn(rest, (96, 112), "%s: main.ch's hchan" % label)
        hold = [r for r in got["rows"] if r["kind"] == "goroutine" and r["name"].endswith(" main.hold")]
        self.assertEqual(len(hold), 1, "%s: one goroutine row for main.hold: %s" % (label, hold))
        self.assertEqual((hold[0]["retained_objects"], hold[0]["retained_bytes"]),
                         (1 + c["main.Job"], cls(c["main.Job"] * s["pointer"]) + c["main.Job"] * cls(s["main.Job"])),
                         label)
        self.assertEqual(hold[0]["name"], "goroutine %d main.hold" % hold[0]["goroutine"], label)
        # the map's internals vary by release: at least the Sessions
        cache = rows["main.cache"]
        self.assertGreaterEqual(cache["retained_objects"], 1 + c["main.Session"], label)
        self.assertGreaterEqual(cache["retained_bytes"], c["main.Session"] * cls(s["main.Session"]), label)
        # nobody alone keeps what two roots share
        self.assertNotIn("main.Shared", [r["name"] for r in got["rows"]], label)
        return got

    def check_paths(self, target, info, label):
        for typ, want in expected_paths(info).items():
            got = hstest.run_json(["heap-paths", typ] + target)
            self.assertEqual(got["command"], "heap-paths")
            have = sorted((p["root"]["kind"], p["root"]["name"] if want[0][1] else None, p["steps"], p["objects"])
                          for p in got["paths"])
            self.assertEqual(have, sorted(want), "%s: paths of %s" % (label, typ))
            self.assertEqual(got["objects"], info["counts"][typ], "%s: %s" % (label, typ))
            self.assertEqual(got["bytes"], info["counts"][typ] * cls(info["sizes"][typ]), "%s: %s" % (label, typ))
        # the goroutine's local, named as DWARF names it (its pointer word: the compiler's "jobs.ptr")
        job = hstest.run_json(["heap-paths", "main.Job"] + target)["paths"][0]["root"]
        self.assertEqual((job["function"], job["variable"]), ("main.hold", "jobs"), label)
        self.assertEqual(job["name"], "goroutine %d main.hold: jobs" % job["goroutine"], label)
        # the shared object: held through one of the two Pairs (the one a breadth-first walk meets
        # first), and kept alive by neither alone
        shared = hstest.run_json(["heap-paths", "main.Shared"] + target)
        self.assertEqual(len(shared["paths"]), 1, label)
        self.assertIn(shared["paths"][0]["root"]["name"], ("main.left", "main.right"), label)
        self.assertEqual(shared["paths"][0]["steps"], ["main.Pair.S"], label)
        # retained per group: the ring's head keeps the whole ring, the rest of it nothing more
        ring = hstest.run_json(["heap-paths", "main.RingNode"] + target)
        by_steps = {len(p["steps"]): p["retained_bytes"] for p in ring["paths"]}
        self.assertEqual(by_steps, {0: info["counts"]["main.RingNode"] * cls(info["sizes"]["main.RingNode"]), 1: 0}, label)
        if int(info["go_version"].split(".")[1]) < 23:
            return  # DWARF lists a closure's captured variables from 1.23: before, Widgets are untyped
        widget = hstest.run_json(["heap-paths", "main.Widget"] + target)["paths"]
        self.assertEqual([(p["root"]["name"], p["steps"][-1], len(p["steps"]), p["objects"]) for p in widget],
                         [("main.fn", "[]*main.Widget", 2, info["counts"]["main.Widget"])], label)
    def check_profile(self, target, info, tmp, label):
        go = th.go_binary(self)
        path = os.path.join(tmp, "paths.pb.gz")
        hstest.run(["heap-paths", "--pprof", path] + target, check_status=0)
        prof = raw_profile(go, path)
        s, c = info["sizes"], info["counts"]
        self.assertEqual(prof.get(("main.Item", "[]*main.Item", "main.Registry.Items", "main.Server.Reg", "main.srv")),
                         [c["main.Item"], c["main.Item"] * cls(s["main.Item"])], label)
        jobs = [(k, v) for k, v in prof.items() if k[0] == "main.Job"]
        self.assertEqual(len(jobs), 1, label)
        self.assertEqual(jobs[0][0][1], "[]*main.Job", label)
        self.assertRegex(jobs[0][0][2], r"^goroutine \d+ main\.hold: jobs$", label)
        self.assertEqual(jobs[0][1], [c["main.Job"], c["main.Job"] * cls(s["main.Job"])], label)
        # every live object is in the profile once: its totals are heap-top --live's
        live = hstest.run_json(["heap-top", "--live"] + target)["totals"]
        self.assertEqual([sum(v[0] for v in prof.values()), sum(v[1] for v in prof.values())],
                         [live["inuse_objects"], live["inuse_bytes"]], label)

    def test_every_release_live_and_gcore(self):
        for v in hstest.toolchains_or_skip(self):
            with self.subTest(go=v), tempfile.TemporaryDirectory() as tmp:
                exe, ver = hstest.build_fixture(v, "holders")
                with Fixture(exe) as fx:
                    info = fx.info
                    target = ["--pid", str(fx.pid)]
                    self.check_by_root(target, info, ver + " live")
                    self.check_paths(target, info, ver + " live")
                    subprocess.run(["gcore", "-o", os.path.join(tmp, "core"), str(fx.pid)],
                                   check=True, capture_output=True, timeout=300)
                core = ["--core", os.path.join(tmp, "core.%d" % fx.pid), "--exe", exe]
                self.check_by_root(core, info, ver + " gcore")
                self.check_paths(core, info, ver + " gcore")
                self.check_profile(core, info, tmp, ver + " gcore")

    def test_retained_column(self):
        """heap-top --retained: Items keep only themselves; the Registry keeps its Items."""
        v = hstest.toolchains_or_skip(self)[-1]
        exe, ver = hstest.build_fixture(v, "holders")
        with Fixture(exe) as fx:
            got = hstest.run_json(["heap-top", "--retained", "-n", "0", "--pid", str(fx.pid)])
            rows = {r["name"]: r for r in got["rows"]}
            s, c = fx.info["sizes"], fx.info["counts"]
            item = c["main.Item"] * cls(s["main.Item"])
            self.assertEqual(rows["main.Item"]["retained_bytes"], item, ver)
            self.assertEqual(rows["main.Registry"]["retained_bytes"],
                             cls(s["main.Registry"]) + cls(c["main.Item"] * s["pointer"]) + item, ver)
            self.assertEqual(rows["main.RingNode"]["retained_bytes"], c["main.RingNode"] * cls(s["main.RingNode"]), ver)

    def test_without_dwarf(self):
        """-ldflags=-w: the symbol table names the roots; types come from the code."""
        v = hstest.toolchains_or_skip(self)[-1]
        exe, ver = hstest.build_fixture(v, "holders", ldflags="-w")
        with Fixture(exe) as fx:
            target = ["--pid", str(fx.pid)]
            self.check_by_root(target, fx.info, ver + " -w")
            got = hstest.run_json(["heap-paths", "main.Item"] + target)
            self.assertEqual([(p["root"]["name"], p["objects"]) for p in got["paths"]],
                             [("main.srv", fx.info["counts"]["main.Item"])], ver)

    def test_without_symbols(self):
        """-ldflags="-s -w": a global is named by its place and the type it points to (typed by
        the code that stores it), as heap-paths and --by root both say."""
        v = hstest.toolchains_or_skip(self)[-1]
        exe, ver = hstest.build_fixture(v, "holders", ldflags="-s -w")
        with Fixture(exe) as fx:
            target = ["--pid", str(fx.pid)]
            got = hstest.run_json(["heap-paths", "main.Item"] + target)["paths"]
            self.assertEqual(len(got), 1, got)
            self.assertRegex(got[0]["root"]["name"], r"^\.bss\+0x[0-9a-f]+ \(\*main\.Server\)$", ver)
            self.assertEqual(got[0]["steps"], ["main.Server.Reg", "main.Registry.Items", "[]*main.Item"], ver)
            rows = {r["name"]: r for r in hstest.run_json(["heap-top", "--by", "root", "-n", "0"] + target)["rows"]}
            want = expected_roots(fx.info)["main.srv"]
            self.assertEqual((rows[got[0]["root"]["name"]]["retained_objects"],
                              rows[got[0]["root"]["name"]]["retained_bytes"]), want, ver)

    def test_in_gdb_and_lldb(self):
        """The same commands in gdb and lldb on a gcore core say what the CLI says."""
        v = hstest.toolchains_or_skip(self)[-1]
        exe, ver = hstest.build_fixture(v, "holders")
        with tempfile.TemporaryDirectory() as tmp:
            with Fixture(exe) as fx:
                subprocess.run(["gcore", "-o", os.path.join(tmp, "core"), str(fx.pid)],
                               check=True, capture_output=True, timeout=300)
            core = os.path.join(tmp, "core.%d" % fx.pid)
            cmds = ["heap-paths main.Item --json", "heap-top --by root -n 0 --json"]
            cli = [hstest.run_json(c.split()[:-1] + ["--core", core, "--exe", exe]) for c in cmds]
            why = gdbmi.missing()
            if why:
                self.skipTest(why)  # only [asan-gdb] is allowed (tests/skip_reasons.txt)
            b = gdbmi.Batch(cmds, args=[exe, core])
            for i in range(2):
                self.assertEqual(tl.without_target(b.json(i)), tl.without_target(cli[i]), "gdb: " + cmds[i])
            tl.skip_unless_lldb(self)
            st, out, err = tl.lldb_batch(['target create "%s" --core "%s"' % (exe, core)] + cmds)
            objs = tl.json_results(out)
            self.assertEqual(len(objs), 2, err[-3000:])
            for i in range(2):
                self.assertEqual(tl.without_target(objs[i]), tl.without_target(cli[i]), "lldb: " + cmds[i])

    def test_unknown_type(self):
        v = hstest.toolchains_or_skip(self)[-1]
        exe, ver = hstest.build_fixture(v, "holders")
        with Fixture(exe) as fx:
            status, out, err = hstest.run(["heap-paths", "main.Sesion", "--pid", str(fx.pid)])
            self.assertEqual(status, 1, err)
            self.assertIn("no live object of type main.Sesion; closest: main.Session", err)
            self.assertEqual(out, "")
            status, _, err = hstest.run(["heap-paths", "--pid", str(fx.pid)])
            self.assertEqual(status, 2, err)
            self.assertIn("wants a TYPE", err)


if __name__ == "__main__":
    hstest.main()
