#!/usr/bin/env python3
"""Live reads that let the service go on: heapscope copies a stopped process's memory, lets it
go, and reads the copy, stating how long it was stopped. The service (tests/fixtures/go/
mapservice: a map of pointers, 1,000 parked goroutines, 2 goroutines replacing entries) keeps a
heartbeat goroutine that records the longest gap between its 1 ms wake-ups: the pause heapscope
states must be what the service lived through. A read of the process while it is job-stopped
(SIGSTOP) must equal gdb's gcore core of it in the same state, copied or read in place."""

import json
import os
import re
import signal
import subprocess
import tempfile
import time
import unittest

import hstest
from run_fixture import Fixture

PAUSE = re.compile(r"process (\d+) stopped (\d+\.\d+) s; (\d+) MiB of its memory copied")
MIB = 32


def service(test):
    exe, ver = hstest.build_fixture(hstest.toolchains_or_skip(test)[-1], "mapservice")
    return exe, ver, Fixture(exe, args=[str(MIB)], timeout=300, quiet=False)


def heartbeat_gap(fx):
    """The longest gap (s) between the service's heartbeats since it was last asked."""
    os.kill(fx.pid, signal.SIGUSR1)
    while True:
        line = fx.proc.stdout.readline().decode()
        if line.startswith("GAP "):
            return int(line.split()[1]) / 1e9


def wait_state(pid, want, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open("/proc/%d/stat" % pid) as f:
            if f.read().rsplit(")", 1)[1].split()[0] == want:
                return
        time.sleep(0.01)
    raise AssertionError("process %d never reached state %s" % (pid, want))


def comparable(got):
    """What a read of the same memory must give, whatever read it."""
    return {"totals": got["totals"], "memstats": got["memstats"],
            "rows": got["rows"], "reachability": got.get("reachability")}


class LiveReads(unittest.TestCase):
    def test_stated_pause_is_the_services(self):
        """heap-top (the long read: types, the mark) and threads-blocked: the pause heapscope
        states matches the service's own longest heartbeat gap over the read."""
        exe, ver, fx = service(self)
        with fx:
            for cmd in (["heap-top"], ["heap-top", "--by", "size"], ["threads-blocked"]):
                heartbeat_gap(fx)
                status, out, err = hstest.run(cmd + ["--pid", str(fx.pid)])
                self.assertEqual(status, 0, err)
                gap = heartbeat_gap(fx)
                what = "%s %s: %s; heartbeat gap %.3f s" % (ver, " ".join(cmd), err.strip(), gap)
                if cmd[0] == "heap-top":
                    m = PAUSE.search(err)
                    self.assertIsNotNone(m, what)
                    self.assertEqual(int(m.group(1)), fx.pid, what)
                    self.assertGreater(int(m.group(3)), MIB // 2, what)
                else:  # little to read: the process stays stopped until heapscope is done
                    m = re.search(r"process \d+ stopped (\d+\.\d+) s so far", err)
                    self.assertIsNotNone(m, what)
                stated = float(m.group(2) if cmd[0] == "heap-top" else m.group(1))
                # the service was stopped at least as long as stated (less the 1 ms sleep and
                # clock rounding), and not much longer than heapscope says
                self.assertGreaterEqual(gap, stated - 0.01, what)
                self.assertLessEqual(gap, 2 * stated + 0.25, what)

    def test_copy_equals_gcore(self):
        """The service job-stopped: heap-top --live read from a copy, read in place (a copy
        budget of 1 byte) and from gdb's gcore core of it give the same rows, totals and
        statistics."""
        exe, ver, fx = service(self)
        with fx, tempfile.TemporaryDirectory() as tmp:
            os.kill(fx.pid, signal.SIGSTOP)
            try:
                wait_state(fx.pid, "T")
                args = ["heap-top", "--live", "--json", "-n", "0"]
                status, out, err = hstest.run(args + ["--pid", str(fx.pid)])
                self.assertEqual(status, 0, err)
                self.assertRegex(err, PAUSE, err)
                copied = comparable(json.loads(out))
                env_run = subprocess.run([hstest.HEAPSCOPE] + args + ["--pid", str(fx.pid)],
                                         capture_output=True, text=True, timeout=600,
                                         env=dict(os.environ, HEAPSCOPE_COPY_BUDGET="1"))
                self.assertEqual(env_run.returncode, 0, env_run.stderr)
                self.assertIn("stays stopped while it is read", env_run.stderr)
                in_place = comparable(json.loads(env_run.stdout))
                wait_state(fx.pid, "T")  # heapscope left it as it was: stopped
                subprocess.run(["gcore", "-o", tmp + "/core", str(fx.pid)], check=True,
                               capture_output=True, timeout=600)
                core = "%s/core.%d" % (tmp, fx.pid)
                status, out, err = hstest.run(args + ["--core", core, "--exe", exe])
                self.assertEqual(status, 0, err)
                from_core = comparable(json.loads(out))
            finally:
                os.kill(fx.pid, signal.SIGCONT)
            self.assertEqual(copied["totals"], from_core["totals"], ver)
            self.assertEqual(copied["memstats"], from_core["memstats"], ver)
            self.assertEqual(copied["reachability"], from_core["reachability"], ver)
            self.assertEqual(copied["rows"], from_core["rows"], ver)
            self.assertEqual(in_place, from_core, ver)
            self.assertGreater(heartbeat_gap(fx), 0, ver)  # it runs on after SIGCONT


if __name__ == "__main__":
    hstest.main()
