#!/usr/bin/env python3
"""heap-paths, heap-top --by root and --retained on a C++ program's glibc heap. tests/fixtures/c/glibc_holders.cpp
holds known structures from globals (a std::vector<Node*> g_cache, a linked list g_list of Item, a
struct g_holder whose word at offset 0x18 points to an Extra) and a Widget from a thread's stack,
and prints its own record: counts, the chunk bytes each global keeps (from malloc_usable_size),
the thread's id. Oracles outside heapscope: that record and the fixture's source (which global
holds what, at which offset). Built -g, without -g, and stripped with a debug file (the
globals' names then come from it); read live and from a gcore core; the Widget's root named by its
thread and the frame of widget_thread (line from the fixture's marker comment, frame number from
gdb's backtrace, module offset checked against nm without -g); heap-paths --pprof read back
by go tool pprof."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import hstest
import test_glibc_heap  # its Program: the fixture's record in .rec
import test_heap_top  # go_binary, for go tool pprof
import test_holders  # raw_profile: a heap-paths profile's stacks
import test_native_threads  # gdb_backtraces: gdb's own frames of a core

SOURCE = os.path.join(hstest.SOURCE_DIR, "tests", "fixtures", "c", "glibc_holders.cpp")


def marker_line(marker):
    """The number of the fixture's line that holds the comment marker."""
    with open(SOURCE) as f:
        lines = [i + 1 for i, text in enumerate(f) if "// " + marker in text]
    assert len(lines) == 1, (marker, lines)
    return lines[0]


def nm_function(exe, name):
    """(address, size) of function name (demangled) in exe's symbol table, by nm."""
    out = subprocess.run(["nm", "-C", "-S", exe], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        parts = line.split(None, 3)
        if len(parts) == 4 and parts[3] == name:
            return int(parts[0], 16), int(parts[1], 16)
    raise AssertionError("%s not in nm %s" % (name, exe))


class GlibcHolders(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="hs-holders-")
        cls.exes = hstest.build_native(cls.tmp, "g++", SOURCE, "glibc_holders")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def paths(self, target, cls):
        report = hstest.run_json(["heap-paths", cls, "--json"] + target)
        self.assertEqual((report["command"], report["runtime"], report["type"]), ("heap-paths", "glibc", cls))
        self.assertTrue(report["version"].startswith("glibc 2."), report["version"])
        return report

    def check_paths(self, prog, target, variant="g"):
        rec = prog.rec
        nodes = self.paths(target, "Node")
        self.assertEqual(nodes["objects"], rec["cache_nodes"])
        # one path: g_cache's buffer, then the nodes (its end pointer, just past the buffer, points
        # at the next chunk's header: no block)
        self.assertEqual([(p["root"]["kind"], p["root"]["name"], len(p["steps"]), p["objects"])
                          for p in nodes["paths"]], [("global", "g_cache", 1, rec["cache_nodes"])])
        self.assertRegex(nodes["paths"][0]["steps"][0], r"^<malloc \d+ B>$")
        items = self.paths(target, "Item")
        self.assertEqual(items["objects"], rec["list_items"])
        self.assertEqual({p["root"]["name"] for p in items["paths"]}, {"g_list"})
        self.assertEqual({tuple(p["steps"]) for p in items["paths"]}, {(), ("Item",)})  # a list: one step
        self.assertEqual(items["retained_bytes"], rec["list_bytes"])
        extra = self.paths(target, "Extra")
        self.assertEqual([(p["root"]["name"], p["steps"], p["bytes"]) for p in extra["paths"]],
                         [("g_holder+0x18", [], rec["extra_bytes"])])
        self.check_widget(prog, target, variant)

    def check_widget(self, prog, target, variant):
        """The Widget's root: its thread and the frame of widget_thread, which holds it in a local.
        Oracles: the fixture's source (the line marked "widget frame", where widget_thread calls
        pause), gdb's backtrace of the same process (the frame's number) and, without debug
        information, nm (the function's address range holds the module+offset named)."""
        tid = prog.rec["widget_thread"]
        widget = self.paths(target, "Widget")
        self.assertEqual([(p["root"]["kind"], p["root"]["thread"], p["bytes"]) for p in widget["paths"]],
                         [("thread", tid, prog.rec["widget_bytes"])])
        root = widget["paths"][0]["root"]
        self.assertEqual((root["function"], root["frame"]), ("widget_thread(void*)", prog.widget_frame))
        head = "thread %d frame #%d widget_thread(void*)" % (tid, prog.widget_frame)
        if variant == "nog":  # no line: the module and the return address's call in it
            self.assertEqual((root["file"], root["line"]), (None, None))
            m = re.fullmatch(re.escape(head) + r" \(glibc_holders_nog\+0x([0-9a-f]+)\)", root["name"])
            self.assertIsNotNone(m, root["name"])
            start, size = nm_function(self.exes[variant], "widget_thread(void*)")
            self.assertTrue(start <= int(m.group(1), 16) < start + size, (root["name"], start, size))
        else:  # -g, or stripped with its debug file
            line = marker_line("widget frame")
            self.assertEqual((os.path.basename(root["file"]), root["line"]), ("glibc_holders.cpp", line))
            self.assertEqual(root["name"], "%s (glibc_holders.cpp:%d)" % (head, line))

    def check_by_root(self, prog, target):
        rec = prog.rec
        report = hstest.run_json(["heap-top", "--by", "root", "--json", "-n", "0"] + target)
        self.assertEqual((report["runtime"], report["by"]), ("glibc", "root"))
        rows = {r["name"]: r for r in report["rows"]}
        got = {n: (rows[n]["kind"], rows[n]["retained_objects"], rows[n]["retained_bytes"])
               for n in ("g_cache", "g_list", "g_holder") if n in rows}
        self.assertEqual(got, {"g_cache": ("global", rec["cache_nodes"] + 1, rec["cache_bytes"]),
                               "g_list": ("global", rec["list_items"], rec["list_bytes"]),
                               "g_holder": ("global", 1, rec["extra_bytes"])})
        thread = rows.get("thread %d" % rec["widget_thread"])
        self.assertIsNotNone(thread, sorted(rows))
        self.assertEqual(thread["kind"], "thread")
        self.assertGreaterEqual(thread["retained_bytes"], rec["widget_bytes"])

    def check_retained(self, prog, target):
        """heap-top --retained: what each class's objects alone keep alive, against the fixture's
        own sums (the g_list Items keep each other, each Node only itself; the vector's buffer,
        a block named by its size, keeps every Node), over every block and over the live ones."""
        rec = prog.rec
        for reach in ([], ["--live"]):
            report = hstest.run_json(["heap-top", "--retained", "--json", "-n", "0"] + reach + target)
            rows = {r["name"]: r for r in report["rows"]}
            got = {n: (rows[n]["inuse_objects"], rows[n]["retained_objects"], rows[n]["retained_bytes"])
                   for n in ("Item", "Extra", "Widget")}
            self.assertEqual(got, {"Item": (rec["list_items"], rec["list_items"], rec["list_bytes"]),
                                   "Extra": (1, 1, rec["extra_bytes"]),
                                   "Widget": (1, 1, rec["widget_bytes"])}, reach)
            buffer = [r for r in report["rows"] if r.get("retained_bytes") == rec["cache_bytes"]]
            self.assertEqual([(r["name"].startswith("<malloc "), r["inuse_objects"], r["retained_objects"])
                              for r in buffer], [(True, 1, rec["cache_nodes"] + 1)], reach)
            self.assertEqual((rows["Node"]["retained_objects"], rows["Node"]["retained_bytes"]),
                             (rec["cache_nodes"], rec["cache_bytes"] - buffer[0]["inuse_bytes"]), reach)

    def core_and_frame(self, prog, variant):
        """A gcore core of prog, and the number gdb gives widget_thread's frame in it (prog's
        widget_frame)."""
        core = hstest.gcore(prog.p.pid, self.tmp)
        frames = test_native_threads.gdb_backtraces(self.exes[variant], core)[prog.rec["widget_thread"]]
        numbers = [i for i, f in enumerate(frames) if f[0].startswith("widget_thread")]
        self.assertEqual(len(numbers), 1, frames)
        prog.widget_frame = numbers[0]
        return core

    def check_text(self, prog, target):
        """The text names the Widget's root as the JSON does, with its kind."""
        code, out, err = hstest.run(["heap-paths", "Widget"] + target)
        self.assertEqual(code, 0, err)
        line = marker_line("widget frame")
        root = "thread %d frame #%d widget_thread(void*) (glibc_holders.cpp:%d)" % (
            prog.rec["widget_thread"], prog.widget_frame, line)
        self.assertIn("\n  %s  [thread]\n  └─ Widget\n" % root, out)

    def test_live_and_core(self):
        prog = test_glibc_heap.Program(self.exes["g"])
        try:
            target = ["--pid", str(prog.p.pid)]
            core = self.core_and_frame(prog, "g")
            self.check_paths(prog, target)
            self.check_by_root(prog, target)
            self.check_retained(prog, target)
            self.check_text(prog, ["--core", core])
            self.check_paths(prog, ["--core", core])
            self.check_by_root(prog, ["--core", core])
            self.check_retained(prog, ["--core", core])
            os.unlink(core)
        finally:
            prog.close()

    def test_builds(self):
        """Without -g (the symbol table names the globals) and stripped (its debug file does);
        live and from a core."""
        for variant in ("nog", "stripped"):
            with self.subTest(variant=variant):
                prog = test_glibc_heap.Program(self.exes[variant])
                try:
                    core = self.core_and_frame(prog, variant)
                    for target in (["--pid", str(prog.p.pid)], ["--core", core]):
                        self.check_paths(prog, target, variant)
                        self.check_by_root(prog, target)
                    os.unlink(core)
                finally:
                    prog.close()

    def test_profile(self):
        go = test_heap_top.go_binary(self)
        prog = test_glibc_heap.Program(self.exes["g"])
        try:
            target = ["--pid", str(prog.p.pid)]
            path = os.path.join(self.tmp, "paths.pb.gz")
            hstest.run(["heap-paths", "--pprof", path] + target, check_status=0)
            prof = test_holders.raw_profile(go, path)
            items = {k: v for k, v in prof.items() if k[0] == "Item"}
            self.assertEqual(set(items), {("Item", "g_list"), ("Item", "Item", "g_list")})
            self.assertEqual([sum(v[0] for v in items.values()), sum(v[1] for v in items.values())],
                             [prog.rec["list_items"], prog.rec["list_bytes"]])
            nodes = [(k[-1], v[0]) for k, v in prof.items() if k[0] == "Node"]
            self.assertEqual(nodes, [("g_cache", prog.rec["cache_nodes"])])
            self.assertEqual(prof.get(("Extra", "g_holder+0x18")), [1, prog.rec["extra_bytes"]])
            # every reachable block is in the profile once
            live = hstest.run_json(["heap-top", "--live"] + target)["totals"]
            self.assertEqual([sum(v[0] for v in prof.values()), sum(v[1] for v in prof.values())],
                             [live["inuse_objects"], live["inuse_bytes"]])
        finally:
            prog.close()

    def test_text_and_refusals(self):
        prog = test_glibc_heap.Program(self.exes["g"])
        try:
            target = ["--pid", str(prog.p.pid)]
            code, out, err = hstest.run(["heap-paths", "Extra"] + target)
            self.assertEqual(code, 0, err)
            self.assertRegex(out, r"^Extra: 1 live object, %d B" % prog.rec["extra_bytes"])
            self.assertIn("\n  g_holder+0x18  [global]\n  └─ Extra", out)
            code, out, err = hstest.run(["heap-paths", "Nod"] + target)
            self.assertEqual((code, len(err.strip().splitlines())), (1, 1), err)
            self.assertIn("no live object of type Nod; closest: Node", err)
            code, out, err = hstest.run(["heap-top", "--by", "root"] + target)
            self.assertEqual(code, 0, err)
            self.assertRegex(out, r"\n +[\d.]+ KiB +[\d.]+%% +[\d.]+%% +%d  g_cache\n" % (prog.rec["cache_nodes"] + 1))
        finally:
            prog.close()


if __name__ == "__main__":
    hstest.main()
