#!/usr/bin/env python3
"""Binaries without symbols or DWARF (-ldflags="-s -w", as goreleaser and Kubernetes ship them),
every release: heapscope finds the runtime from pclntab and the runtime's own code, and answers
as the runtime says — live and on a gcore core: heap-top's totals against runtime.MemStats
(HeapAlloc, HeapObjects), its statistics against the runtime's, objects per size class against
MemStats.BySize; threads-blocked's groups against the program's own runtime.Stack dump. The
share of bytes typed without DWARF is printed for each release (types come from allocation
headers and typed pointers, not from globals' DWARF)."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import hstest
import test_heap_top as th
from groups import assert_same_groups, blocked_fixture_groups, groups_from_heapscope_json
from run_fixture import Fixture

STRIP = "-s -w"


class Stripped(unittest.TestCase):
    def check_heap(self, target, info, ms, label):
        got = hstest.run_json(["heap-top"] + target)
        self.assertEqual(got["version"], info["go_version"], label)
        tot = got["totals"]
        self.assertTrue(th.near(tot["inuse_bytes"], ms["HeapAlloc"], 0.01),
                        "%s: walked %d bytes, HeapAlloc %d" % (label, tot["inuse_bytes"], ms["HeapAlloc"]))
        self.assertTrue(th.near(tot["inuse_objects"], ms["HeapObjects"], 0.01),
                        "%s: walked %d objects, HeapObjects %d" % (label, tot["inuse_objects"], ms["HeapObjects"]))
        for field, (key, rel) in th.MEMSTATS.items():
            if key in got["memstats"] and rel is not None:
                self.assertTrue(th.near(got["memstats"][key], ms[field], rel), "%s: %s is %d, the runtime said %d"
                                % (label, field, got["memstats"][key], ms[field]))
        for key in ("heap_alloc", "heap_objects", "mallocs", "frees", "num_gc"):
            self.assertIn(key, got["memstats"], label)
        th.HeapTop.check_sizes(self, target, ms, label, False)
        typed = sum(r["inuse_bytes"] for r in got["rows"] if not r["name"].startswith("<"))
        sys.stderr.write("%s: %.1f%% of the bytes typed without symbols or DWARF\n"
                         % (label, 100.0 * typed / max(tot["inuse_bytes"], 1)))

    def test_heap_live_and_gcore(self):
        for v in hstest.toolchains_or_skip(self):
            with self.subTest(go=v), tempfile.TemporaryDirectory() as tmp:
                exe, ver = hstest.build_fixture(v, "heap", ldflags=STRIP)
                self.assertIsNone(subprocess.run(["nm", exe], capture_output=True).stdout.strip() or None,
                                  "%s: not stripped" % exe)
                with Fixture(exe, args=[os.path.join(tmp, "heap.pprof")]) as fx:
                    info, ms = th.program_output(fx.output)
                    self.check_heap(["--pid", str(fx.pid)], info, ms, ver + " -s -w live")
                    subprocess.run(["gcore", "-o", os.path.join(tmp, "core"), str(fx.pid)],
                                   check=True, capture_output=True, timeout=300)
                core = ["--core", os.path.join(tmp, "core.%d" % fx.pid), "--exe", exe]
                self.check_heap(core, info, ms, ver + " -s -w gcore")

    def test_strip_unneeded(self):
        """A binary stripped after the build (strip --strip-unneeded: no .symtab, no DWARF)."""
        v = hstest.toolchains_or_skip(self)[-1]
        with tempfile.TemporaryDirectory() as tmp:
            full, ver = hstest.build_fixture(v, "heap")
            exe = os.path.join(tmp, "exe")
            shutil.copy(full, exe)
            subprocess.run(["strip", "--strip-unneeded", exe], check=True)
            with Fixture(exe, args=[os.path.join(tmp, "heap.pprof")]) as fx:
                info, ms = th.program_output(fx.output)
                self.check_heap(["--pid", str(fx.pid)], info, ms, ver + " strip --strip-unneeded")

    def test_threads_live_and_gcore(self):
        for v in hstest.toolchains_or_skip(self):
            with self.subTest(go=v), tempfile.TemporaryDirectory() as tmp:
                exe, ver = hstest.build_fixture(v, "blocked", ldflags=STRIP)
                with Fixture(exe) as fx:
                    want = blocked_fixture_groups(fx.goroutines, fx.info)
                    got = hstest.run_json(["threads-blocked", "--pid", str(fx.pid)])
                    self.assertEqual(got["total"], fx.info["num_goroutine"], ver)
                    assert_same_groups(want, groups_from_heapscope_json(got, ver))
                    subprocess.run(["gcore", "-o", os.path.join(tmp, "core"), str(fx.pid)],
                                   check=True, capture_output=True, timeout=300)
                got = hstest.run_json(["threads-blocked", "--core", os.path.join(tmp, "core.%d" % fx.pid),
                                       "--exe", exe])
                self.assertEqual(got["total"], fx.info["num_goroutine"], ver + " gcore")
                assert_same_groups(want, groups_from_heapscope_json(got, ver))


if __name__ == "__main__":
    hstest.main()
