#!/usr/bin/env python3
"""heap-top on C/C++ programs in gdb and lldb: the plugins' answers on glibc malloc heaps, attached
to the live process and on a gcore core of it. Oracles outside heapscope, as in test_glibc_heap.py:
tests/fixtures/c/glibc_heap.cpp prints its class counts and glibc's own mallinfo2() (every field
equal, so the mmapped chunks -- hblks, hblkhd -- counted on cores too, where the debugger's core
is read through its file's segments), and tests/fixtures/c/glibc_leaks.cpp prints which blocks it
dropped every pointer to (heap-top --unreachable and --live, by class)."""

import os
import shutil
import subprocess
import tempfile
import unittest

import gdbmi
import hstest
import test_glibc_heap as gh
import test_lldb_plugin as lldbp

COMMANDS = ["heap-top --json", "heap-top --unreachable --json", "heap-top --live --json"]


def by_name(report):
    return {r["name"]: r["inuse_objects"] for r in report["rows"]}


class GlibcFronts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="hs-glibc-fronts-")
        cls.heap = os.path.join(cls.tmp, "glibc_heap")
        cls.leaks = os.path.join(cls.tmp, "glibc_leaks")
        for exe, src in ((cls.heap, gh.SOURCE), (cls.leaks, gh.LEAKS)):
            subprocess.run(["g++", "-O2", "-g", "-pthread", "-o", exe, src], check=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def check_leaks(self, prog, reports):
        """heap-top, --unreachable and --live of glibc_leaks against what it says it dropped."""
        every, gone, live = reports
        leaked = {f[1]: int(f[2]) for f in prog.lines if f[0] == "class" and f[3] == "leaked"}
        kept = {f[1]: int(f[2]) for f in prog.lines if f[0] == "class" and f[3] == "reachable"}
        self.assertEqual({c: by_name(every)[c] for c in prog.classes}, prog.classes)
        self.assertEqual({c: by_name(gone).get(c) for c in leaked}, leaked)
        self.assertEqual(gone["totals"]["inuse_objects"], sum(leaked.values()) + prog.rec["blocks"])
        self.assertEqual(gone["reachability"]["unreachable_objects"], gone["totals"]["inuse_objects"])
        self.assertFalse(set(kept) & set(by_name(gone)), gone["rows"])
        self.assertEqual({c: by_name(live).get(c) for c in kept}, kept)
        self.assertFalse(set(leaked) & set(by_name(live)), live["rows"])

    def both(self, run):
        """run(prog, exe, target) on glibc_heap and glibc_leaks, live ("pid") and on a gcore core."""
        for exe in (self.heap, self.leaks):
            prog = gh.Program(exe)
            try:
                reports = run(exe, "pid", prog.p.pid)
                core = hstest.gcore(prog.p.pid, self.tmp)
                for target, got in (("pid", reports), ("core", run(exe, "core", core))):
                    with self.subTest(exe=os.path.basename(exe), target=target):
                        if exe == self.heap:
                            gh.check_report(self, prog, got[0])
                            self.assertEqual(got[1]["reachability"]["unreachable_objects"], 0)
                        else:
                            self.check_leaks(prog, got)
                os.unlink(core)
            finally:
                prog.close()

    def test_gdb(self):
        why = gdbmi.missing()
        if why:
            self.skipTest(why)

        def run(exe, kind, what):
            args = ["-p", str(what)] if kind == "pid" else [exe, what]
            b = gdbmi.Batch(COMMANDS, args=args)
            return [b.json(i) for i in range(len(COMMANDS))]

        self.both(run)

    def test_lldb(self):
        lldbp.skip_unless_lldb(self)

        def run(exe, kind, what):
            first = ("process attach --pid %d" % what if kind == "pid"
                     else 'target create "%s" --core "%s"' % (exe, what))
            status, out, err = lldbp.lldb_batch([first] + COMMANDS + (["detach"] if kind == "pid" else []))
            reports = lldbp.json_results(out)
            self.assertEqual(len(reports), len(COMMANDS), "lldb exited %d\n%s\n%s" % (status, out[-3000:], err[-3000:]))
            return reports

        self.both(run)


if __name__ == "__main__":
    hstest.main()
