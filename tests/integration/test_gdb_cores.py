#!/usr/bin/env python3
"""The gdb plugin on cores (`gdb EXE CORE`, `core-file`): the stored cores of every supported Go
release and a fresh gcore of a running program. gdb must say exactly what the CLI says on the
same core, and that must match the goroutine dump the runtime printed."""

import json
import os
import subprocess
import tempfile
import unittest

import gdbmi
import hstest
import rtdump
from groups import (assert_same_groups, blocked_fixture_groups, groups_from_heapscope_json)
from run_fixture import Fixture


def load(d):
    with open(os.path.join(d, "dump.txt")) as f:
        parsed = rtdump.parse_program_output(f.read())
    with open(os.path.join(d, "info.json")) as f:
        return parsed, json.load(f)


class Cores(unittest.TestCase):
    def setUp(self):
        why = gdbmi.missing()
        if why:
            self.skipTest(why)

    def same_as_cli(self, exe, core, ver, b, json_at=0, text_at=1):
        cli = hstest.run_json(["threads-blocked", "--core", core, "--exe", exe])
        got = b.json(json_at)
        assert_same_groups(groups_from_heapscope_json(cli, ver), groups_from_heapscope_json(got, ver),
                           expected_name="CLI", actual_name="gdb")
        self.assertEqual(got["total"], cli["total"])
        _, text, _ = hstest.run(["threads-blocked", "-n", "0", "--core", core, "--exe", exe],
                                check_status=0)
        self.assertEqual(b.out(text_at).strip("\n"), text.strip("\n"))
        self.assertNotIn("Traceback", b.text)
        return got

    def test_heap_commands(self):
        # heap-top needs DWARF for typed globals: gdb has elfutils' libdw loaded, whose dwarf_*
        # functions must not stand in for libdwarf's (the result would differ from the CLI's)
        cores = hstest.stored_or_fail(self, "heap")
        for ver, d in cores[:1] + cores[-1:]:
            with self.subTest(go=ver), tempfile.TemporaryDirectory() as tmp:
                exe, core = os.path.join(d, "exe"), os.path.join(d, "core")
                snap = os.path.join(tmp, "gdb.json")
                b = gdbmi.Batch(["heap-top --json", "heap-top --by size --json",
                                 "snapshot -o " + snap, "info threads"], args=[exe, core])
                for i, by in ((0, []), (1, ["--by", "size"])):
                    cli = hstest.run_json(["heap-top"] + by + ["--core", core, "--exe", exe])
                    got = b.json(i)
                    self.assertEqual(got["rows"], cli["rows"])
                    self.assertEqual(got["totals"], cli["totals"])
                    self.assertEqual(got["memstats"], cli["memstats"])
                self.assertNotIn("DWARF not used", b.text)
                # a snapshot taken in gdb compares with one the CLI takes
                cli_snap = os.path.join(os.path.dirname(snap), "cli.json")
                hstest.run(["snapshot", "-o", cli_snap, "--core", core, "--exe", exe], check_status=0)
                diff = hstest.run_json(["snapshot-diff", snap, cli_snap])
                self.assertEqual(diff["heap"], [])
                self.assertIn("LWP", b.out(3))

    def test_stored_cores(self):
        cores = hstest.stored_or_fail(self, "blocked")
        for ver, d in cores:
            with self.subTest(go=ver):
                exe, core = os.path.join(d, "exe"), os.path.join(d, "core")
                b = gdbmi.Batch(["threads-blocked --json", "threads-blocked -n 0",
                                 "python print(heapscope_gdb.commands.LAST['kind'])", "info threads"],
                                args=[exe, core])
                got = self.same_as_cli(exe, core, ver, b)
                parsed, info = load(d)
                self.assertEqual(got["total"], info["num_goroutine"])
                assert_same_groups(blocked_fixture_groups(parsed, info), groups_from_heapscope_json(got, ver))
                self.assertEqual(b.out(2).strip(), "core")
                self.assertIn("LWP", b.out(3))

    def test_relative_paths_and_core_file_command(self):
        cores = hstest.stored_or_fail(self, "blocked")
        ver, d = cores[-1]
        # gdb started in the core's directory with relative names; the core opened later
        argv = [gdbmi.GDB, "-nx", "-batch", "-iex", "set auto-load python-scripts off", "exe",
                "-ex", "source " + gdbmi.PLUGIN, "-ex", "core-file core", "-ex", "echo @@\\n",
                "-ex", "threads-blocked -n 0"]
        p = subprocess.run(argv, cwd=d, capture_output=True, text=True, timeout=120, env=gdbmi.gdb_env())
        got = p.stdout.split("@@\n", 1)[1]
        _, text, _ = hstest.run(["threads-blocked", "-n", "0", "--core", os.path.join(d, "core"),
                                 "--exe", os.path.join(d, "exe")], check_status=0)
        self.assertEqual(got.strip("\n"), text.strip("\n"), p.stderr[-2000:])

    def test_fresh_gcore(self):
        tcs = hstest.toolchains_or_skip(self)
        v = list(tcs)[-1]
        exe, ver = hstest.build_fixture(v, "blocked")
        with Fixture(exe) as fx, tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["gcore", "-o", os.path.join(tmp, "core"), str(fx.pid)], check=True,
                           capture_output=True, timeout=300)
            core = os.path.join(tmp, "core.%d" % fx.pid)
            b = gdbmi.Batch(["threads-blocked --json", "threads-blocked -n 0"], args=[exe, core])
            got = self.same_as_cli(exe, core, ver, b)
            assert_same_groups(blocked_fixture_groups(fx.goroutines, fx.info),
                               groups_from_heapscope_json(got, ver))


if __name__ == "__main__":
    hstest.main()
