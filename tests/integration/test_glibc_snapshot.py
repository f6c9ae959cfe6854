#!/usr/bin/env python3
"""snapshot, snapshot-diff and watch of C/C++ programs' glibc malloc heaps. The oracle is the
program's own record: tests/fixtures/c/glibc_growing.cpp allocates known objects when told to
("more N": N Order, 2N Widget, N malloc(200) blocks, one 1 MiB mmapped block) and prints what it
holds, with glibc's own chunk size of each (malloc_usable_size). Between two snapshots the diff must
show exactly those deltas -- by class, by chunk size, in all -- and nothing else; watch must flag
the classes that grew in its interval. Snapshots of a live process and of a gcore core compare
alike, also when gdb or lldb takes them. A static binary (no glibc heap) still gets its threads recorded, with why there is no heap."""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

import gdbmi
import hstest
import test_lldb_plugin as lldbp

GROWING = os.path.join(hstest.SOURCE_DIR, "tests", "fixtures", "c", "glibc_growing.cpp")


class Growing:
    """glibc_growing running: more(n) has it allocate and report; rec is its latest report."""

    def __init__(self, exe):
        self.p = subprocess.Popen([exe], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.read()

    def read(self):
        self.classes, self.blocks = {}, {}
        for line in self.p.stdout:
            f = line.split()
            if f[0] == "ready":
                return self
            if f[0] == "class":
                self.classes[f[1]] = (int(f[2]), int(f[3]))  # count, bytes
            else:
                self.blocks[f[0]] = (int(f[1]), int(f[2]))   # chunk size, count
        raise AssertionError("glibc_growing ended")

    def more(self, n):
        before = (dict(self.classes), dict(self.blocks))
        self.p.stdin.write("more %d\n" % n)
        self.p.stdin.flush()
        self.read()
        return before

    def close(self):
        self.p.kill()
        self.p.wait()


def expected(old, new):
    """From two of the program's reports: {row name: (objects delta, bytes delta)} by type and by
    size, and the totals' deltas."""
    (ocls, oblk), (ncls, nblk) = old, new
    by_type, by_size = {}, {}

    def add(table, name, dn, db):
        n, b = table.get(name, (0, 0))
        table[name] = (n + dn, b + db)

    for name, (count, size) in ncls.items():
        dn, db = count - ocls[name][0], size - ocls[name][1]
        add(by_type, name, dn, db)
        add(by_size, "%d B" % (db // dn), dn, db)  # one chunk size per class
    for kind, fmt, sfmt in (("block", "<malloc %d B>", "%d B"), ("mmapped", "<malloc %d B mmapped>", "%d B mmapped")):
        size, count = nblk[kind]
        dn = count - oblk[kind][1]
        add(by_type, fmt % size, dn, dn * size)
        add(by_size, sfmt % size, dn, dn * size)
    total = (sum(v[0] for v in by_type.values()), sum(v[1] for v in by_type.values()))
    return by_type, by_size, total


class GlibcSnapshot(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="hs-glibc-snap-")
        cls.exe = os.path.join(cls.tmp, "glibc_growing")
        subprocess.run(["g++", "-O2", "-g", "-o", cls.exe, GROWING], check=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def snapshot(self, name, target):
        path = os.path.join(self.tmp, name)
        code, out, err = hstest.run(["snapshot", "-o", path] + target)
        self.assertEqual(code, 0, err)
        self.assertRegex(out, r"^wrote .*: \d+ in-use blocks, \d+ bytes \(glibc 2\.\d+ heap\), 1 threads\n$")
        return path

    def check_diff(self, a, b, want):
        by_type, by_size, total = want
        d = hstest.run_json(["snapshot-diff", a, b])
        self.assertEqual((d["runtime"], d["heap_runtime"]), ("native", "glibc"))
        rows = lambda key: {r["name"]: (r["inuse_objects_delta"], r["inuse_bytes_delta"]) for r in d[key]}
        self.assertEqual(rows("heap"), by_type)
        self.assertEqual(rows("heap_by_size"), by_size)
        t = d["totals"]
        self.assertEqual((t["inuse_objects_delta"], t["inuse_bytes_delta"], t["threads_delta"]), total + (0,))
        self.assertEqual(d["goroutines"], [])
        self.assertEqual(d["memstats"]["hblks"]["delta"], by_type[[k for k in by_type if "mmapped" in k][0]][0])
        code, out, err = hstest.run(["snapshot-diff", a, b])
        self.assertEqual(code, 0, err)
        self.assertRegex(out, r"\nglibc heap \+[\d.]+ [KM]iB \(\+%d blocks\), threads \+0\n" % total[0])
        self.assertIn("\nmallinfo2 changes: ", out)
        self.assertRegex(out, r"\n +\+\d+ B +\+%d +\S+ B  Order\n" % by_type["Order"][0])
        return d

    def test_snapshot_diff(self):
        prog = Growing(self.exe)
        try:
            a = self.snapshot("a.json", ["--pid", str(prog.p.pid)])
            old = prog.more(5)
            b = self.snapshot("b.json", ["--pid", str(prog.p.pid)])
            want = expected(old, (prog.classes, prog.blocks))
        finally:
            prog.close()
        self.assertEqual({k: v[0] for k, v in want[0].items() if k in ("Order", "Widget")},
                         {"Order": 5, "Widget": 10})
        self.check_diff(a, b, want)
        with open(b) as f:
            snap = json.load(f)
        self.assertEqual((snap["runtime"], snap["heap"]["runtime"]), ("native", "glibc"))
        self.assertEqual(snap["memstats"]["hblks"], prog.blocks["mmapped"][1])
        objs = {r["name"]: r["inuse_objects"] for r in snap["heap"]["by_type"]}
        self.assertEqual({c: objs[c] for c in prog.classes}, {c: v[0] for c, v in prog.classes.items()})
        self.assertEqual(len(snap["goroutines"]["groups"]), 1)

    def test_core_against_live(self):
        """A live snapshot, then a snapshot of a gcore core taken after more 4."""
        prog = Growing(self.exe)
        try:
            a = self.snapshot("live.json", ["--pid", str(prog.p.pid)])
            old = prog.more(4)
            core = hstest.gcore(prog.p.pid, self.tmp)
            b = self.snapshot("core.json", ["--core", core])
            want = expected(old, (prog.classes, prog.blocks))
        finally:
            prog.close()
        self.check_diff(a, b, want)
        os.unlink(core)

    def in_front(self, front):
        """front(name, args) takes a snapshot attached ("pid", the pid) and on a core ("core",
        its path); the program grows by more 3 between them."""
        prog = Growing(self.exe)
        try:
            a = front("front-live.json", "pid", prog.p.pid)
            old = prog.more(3)
            core = hstest.gcore(prog.p.pid, self.tmp)
            b = front("front-core.json", "core", core)
            want = expected(old, (prog.classes, prog.blocks))
        finally:
            prog.close()
        self.check_diff(a, b, want)
        os.unlink(core)

    def test_gdb(self):
        why = gdbmi.missing()
        if why:
            self.skipTest(why)

        def front(name, kind, what):
            path = os.path.join(self.tmp, name)
            args = ["-p", str(what)] if kind == "pid" else [self.exe, what]
            out = gdbmi.Batch(["snapshot -o " + path], args=args).out(0)
            self.assertRegex(out, r"wrote .*: \d+ in-use blocks, \d+ bytes \(glibc 2\.\d+ heap\), 1 threads")
            return path

        self.in_front(front)

    def test_lldb(self):
        lldbp.skip_unless_lldb(self)

        def front(name, kind, what):
            path = os.path.join(self.tmp, name)
            first = ("process attach --pid %d" % what if kind == "pid"
                     else 'target create "%s" --core "%s"' % (self.exe, what))
            status, out, err = lldbp.lldb_batch([first, "snapshot -o " + path])
            self.assertRegex(out, r"wrote .*: \d+ in-use blocks, \d+ bytes \(glibc 2\.\d+ heap\), 1 threads",
                             err[-2000:])
            return path

        self.in_front(front)

    def test_watch(self):
        """watch --count 2: the program grows once, between the two snapshots; each class that
        grew is flagged, from the bytes it held at the first snapshot to those at the second."""
        prog = Growing(self.exe)
        wdir = os.path.join(self.tmp, "watch")
        try:
            before = dict(prog.classes)
            d = hstest.watch_growing(self, prog.p.pid, wdir, lambda: prog.more(7))
        finally:
            prog.close()
        rising = {t["name"]: (t["first"], t["last"]) for t in d["rising"]["types"]}
        self.assertEqual({c: rising.get(c) for c in prog.classes},
                         {c: (before[c][1], prog.classes[c][1]) for c in prog.classes})
        size, count = prog.blocks["block"]
        self.assertEqual(rising["<malloc %d B>" % size][1], size * count)
        self.assertEqual(d["untyped_bytes_per_second"], 0)
        code, out, err = hstest.run(["snapshot-diff"] + [os.path.join(wdir, "snapshot-0%d.json" % i) for i in (0, 1)])
        self.assertEqual(code, 0, err)

    def test_static_binary(self):
        """No glibc heap (a static binary): the snapshot keeps the threads and says why."""
        static = os.path.join(self.tmp, "static")
        subprocess.run(["gcc", "-static", "-O2", "-x", "c", "-o", static, "-"], check=True,
                       input="#include <stdlib.h>\n#include <unistd.h>\nint main(void){"
                       "void *p = malloc(100); (void)p; write(1, \"ready\\n\", 6); pause();}", text=True)
        p = subprocess.Popen([static], stdout=subprocess.PIPE, text=True)
        try:
            p.stdout.readline()
            path = os.path.join(self.tmp, "static.json")
            code, out, err = hstest.run(["snapshot", "-o", path, "--pid", str(p.pid)])
        finally:
            p.kill()
            p.wait()
        self.assertEqual(code, 0, err)
        self.assertRegex(out, r"^wrote .*: 1 threads \(no heap: .*maps no glibc.*\)\n$")
        with open(path) as f:
            snap = json.load(f)
        self.assertNotIn("heap", snap)
        self.assertIn("maps no glibc", snap["heap_unavailable"])
        d = hstest.run_json(["snapshot-diff", path, path])
        self.assertNotIn("heap", d)
        self.assertEqual(d["totals"]["threads_delta"], 0)


if __name__ == "__main__":
    hstest.main()
