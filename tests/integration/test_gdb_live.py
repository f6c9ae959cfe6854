#!/usr/bin/env python3
"""The gdb plugin (build/heapscope.gdb) on live Go programs: attached with `gdb -p PID` for every
Go release on this machine, and started under gdb and stopped at a breakpoint. Answers must
match the runtime's own goroutine dump and the CLI on the same process; gdb must stay usable
and, once gdb detaches, the program must run on untraced."""

import unittest

import gdbmi
import hstest
import rtdump
from groups import (assert_same_groups, blocked_fixture_groups, groups_from_dump,
                    groups_from_heapscope_json)
from run_fixture import Fixture


def proc_status(pid):
    with open("/proc/%d/status" % pid) as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


class Live(unittest.TestCase):
    def setUp(self):
        why = gdbmi.missing()
        if why:
            self.skipTest(why)
        self.tcs = hstest.toolchains_or_skip(self)

    def test_attach_every_release(self):
        for v in self.tcs:
            with self.subTest(go=v):
                exe, ver = hstest.build_fixture(v, "blocked")
                with Fixture(exe) as fx:
                    threads = fx.thread_ids()
                    b = gdbmi.Batch(["thread 2", "frame 1", "threads-blocked --json",
                                     "threads-blocked -n 0", "info threads", "frame",
                                     "python print(heapscope_gdb.commands.LAST['kind'])"],
                                    args=["-p", str(fx.pid)])
                    got = b.json(2)
                    self.assertEqual(got["version"], fx.info["go_version"])
                    self.assertEqual(got["total"], fx.info["num_goroutine"])
                    assert_same_groups(blocked_fixture_groups(fx.goroutines, fx.info),
                                       groups_from_heapscope_json(got, ver))
                    text = b.out(3)
                    self.assertIn("%d goroutines" % fx.info["num_goroutine"], text.splitlines()[0])
                    for fn in fx.info["functions"].values():
                        self.assertIn(fn, text)
                    # gdb answers afterwards, with the user's thread and frame still selected
                    self.assertEqual(b.out(4).count('"exe"'), len(threads), b.out(4))
                    self.assertRegex(b.out(4), r"\n\* 2 ")
                    self.assertEqual(b.out(5).splitlines()[0], b.out(1).splitlines()[0])
                    self.assertEqual(b.out(6).strip(), "native")
                    self.assertNotIn("Traceback", b.text)
                    # detached: running on, not traced, same threads
                    st = proc_status(fx.pid)
                    self.assertEqual(st["TracerPid"], "0")
                    self.assertNotIn(st["State"][0], "tT")
                    self.assertEqual(fx.thread_ids(), threads)
                    # the CLI on the same (unchanged) process sees the same groups
                    cli = hstest.run_json(["threads-blocked", "--pid", str(fx.pid)])
                    assert_same_groups(groups_from_heapscope_json(cli, ver),
                                       groups_from_heapscope_json(got, ver), expected_name="CLI",
                                       actual_name="gdb")

    def test_program_run_under_gdb(self):
        # started by gdb, stopped at a breakpoint in the goroutine that printed the dump: that
        # goroutine is running on a thread, so its stack comes from gdb's registers
        v = list(self.tcs)[-1]
        exe, ver = hstest.build_fixture(v, "blocked")
        b = gdbmi.Batch(["threads-blocked --json", "threads-blocked --all --json", "info threads",
                         "kill"],
                        args=[exe, "-ex", "set startup-with-shell off", "-ex", "break main.parkChannel",
                              "-ex", "run"], timeout=300)
        goroutines = rtdump.parse(rtdump.dump_section(b.text))
        running = {g.id for g in goroutines if g.state == "running"}
        self.assertEqual(len(running), 1, "the reporter runs while it prints the dump")
        got = b.json(0)
        self.assertEqual(got["total"], len(goroutines))
        assert_same_groups(groups_from_dump(goroutines, skip_ids=running),
                           groups_from_heapscope_json(got, ver))
        alls = b.json(1)
        mine = [g for g in alls["groups"] if running & set(g["goroutine_ids"])]
        self.assertEqual(len(mine), 1, alls["groups"])
        fns = [f["function"] for f in mine[0]["frames"]]
        self.assertEqual(fns[:3], ["main.parkChannel", "main.reporterPark", "main.reporter"])
        self.assertRegex(b.out(2), r"(?m)^\* \d+ .* main\.parkChannel ")  # still selected
        self.assertNotIn("Traceback", b.text)


if __name__ == "__main__":
    hstest.main()
