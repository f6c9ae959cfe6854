#!/usr/bin/env python3
"""The gdb plugin on a remote target: gdbserver attached to a live Go program on loopback,
gdb connected with `target remote`. Memory comes through gdb (the read callback, in 64 KiB
blocks) and threads from gdb; the answers must match the runtime's dump and the CLI."""

import json
import sys
import unittest

import gdbmi
import hstest
from groups import assert_same_groups, blocked_fixture_groups, groups_from_heapscope_json
from run_fixture import Fixture


class Remote(unittest.TestCase):
    def setUp(self):
        why = gdbmi.missing() or (None if gdbmi.GDBSERVER else "gdbserver is not installed")
        if why:
            self.skipTest(why)
        self.tcs = hstest.toolchains_or_skip(self)

    def test_gdbserver_every_release(self):
        for v in self.tcs:
            with self.subTest(go=v):
                exe, ver = hstest.build_fixture(v, "blocked")
                with Fixture(exe) as fx, gdbmi.GdbServer(fx.pid) as gs:
                    b = gdbmi.Batch(["target remote 127.0.0.1:%d" % gs.port, "threads-blocked --json",
                                     "python print(json.dumps(heapscope_gdb.commands.LAST))",
                                     "threads-blocked -n 0", "info threads", "detach"],
                                    args=["-ex", "python import json"])
                    got = b.json(1)
                    self.assertEqual(got["total"], fx.info["num_goroutine"])
                    assert_same_groups(blocked_fixture_groups(fx.goroutines, fx.info),
                                       groups_from_heapscope_json(got, ver))
                    last = json.loads(b.out(2))
                    self.assertEqual(last["kind"], "remote")
                    self.assertGreater(last["reads"], 0)  # memory came through gdb
                    print("gdbserver, go%s, %d goroutines: %.3f s, %d reads, %d bytes"
                          % (v, got["total"], last["seconds"], last["reads"], last["read_bytes"]),
                          file=sys.stderr)
                    for fn in fx.info["functions"].values():
                        self.assertIn(fn, b.out(3))
                    self.assertIn("Thread %d." % fx.pid, b.out(4))
                    self.assertNotIn("Traceback", b.text)
                    gs.proc.wait(timeout=30)  # gdbserver leaves once gdb detached
                    cli = hstest.run_json(["threads-blocked", "--pid", str(fx.pid)])
                    assert_same_groups(groups_from_heapscope_json(cli, ver),
                                       groups_from_heapscope_json(got, ver), expected_name="CLI",
                                       actual_name="gdb")

    def test_running_target(self):
        """After `continue &` the program runs under gdbserver: every command says so in one line,
        as on a native attach, instead of gdb's own error surfacing as an internal one."""
        v = self.tcs[-1]
        exe, ver = hstest.build_fixture(v, "blocked")
        with Fixture(exe) as fx, gdbmi.GdbServer(fx.pid) as gs:
            b = gdbmi.Batch(["target remote 127.0.0.1:%d" % gs.port, "continue &",
                             "threads-blocked -n 1", "heap-top -n 1", "snapshot -o /dev/null"])
            for i in (2, 3, 4):
                lines = [l for l in b.out(i).splitlines() if l.strip()]
                self.assertEqual(len(lines), 1, b.out(i))
                self.assertIn("the program is running: stop it first", lines[0])
                self.assertIn(b.commands[i].split()[0] + ": ", lines[0])
            self.assertNotIn("internal error", b.text)
            self.assertNotIn("Traceback", b.text)


if __name__ == "__main__":
    hstest.main()
