#!/usr/bin/env python3
"""Live reads that let the service go on: heapscope copies a stopped process's memory, lets it
go, and reads the copy, stating how long it was stopped. The service (tests/fixtures/go/
mapservice: a map of pointers, 1,000 parked goroutines, 2 goroutines replacing entries) keeps a
heartbeat goroutine that records the longest gap between its 1 ms wake-ups: the pause heapscope
states must be what the service lived through. A read of the process while it is job-stopped
(SIGSTOP) must equal gdb's gcore core of it in the same state, copied or read in place.
With --snapshot fork the service is stopped only to be forked: the stated pause is again the
heartbeat's, the fork's read equals the gcore core, and 50 snapshots under load (os/exec 50
times a second, a real-time signal answered one by one) leave every signal delivered, every
exec successful, no zombie and no extra descriptor."""

import json
import os
import re
import signal
import subprocess
import queue
import tempfile
import threading
import time
import unittest

import hstest
from run_fixture import Fixture

PAUSE = re.compile(r"process (\d+) stopped (\d+\.\d+) s; (\d+) MiB of its memory copied")
FORKED = re.compile(r"process (\d+) stopped (\d+\.\d+) s to fork it; ")
MIB = 32
RT_SIGNAL = 40


def service(test, *more):
    exe, ver = hstest.build_fixture(hstest.toolchains_or_skip(test)[-1], "mapservice")
    return exe, ver, Fixture(exe, args=[str(MIB)] + list(more), timeout=300, quiet=False)


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


def min_fds(pid, samples=5):
    """The fewest descriptors the process held over a few looks (its execs open some briefly)."""
    n = []
    for _ in range(samples):
        n.append(len(os.listdir("/proc/%d/fd" % pid)))
        time.sleep(0.01)
    return min(n)


def lasting_clones(pid):
    """Child processes of pid that are copies of it (its fork, by its name), seen twice."""
    def look():
        with open("/proc/%d/comm" % pid) as f:
            comm = f.read()
        found = set()
        for d in os.listdir("/proc"):
            try:
                with open("/proc/%s/stat" % d) as f:
                    st = f.read()
                with open("/proc/%s/comm" % d) as f:
                    if int(st.rsplit(")", 1)[1].split()[1]) == pid and f.read() == comm:
                        found.add(int(d))
            except (OSError, ValueError):
                pass
        return found
    first = look()
    time.sleep(0.1)
    return first & look()


class Lines:
    """Reads the service's stdout in a thread: SIG lines, LOAD and GAP lines, each kept apart."""

    def __init__(self, fx):
        self.fx, self.sig, self.other = fx, queue.Queue(), queue.Queue()
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        for raw in iter(self.fx.proc.stdout.readline, b""):
            line = raw.decode().strip()
            (self.sig if line.startswith("SIG ") else self.other).put(line)

    def ask(self):
        """(execs, failed execs, longest heartbeat gap in s) since the last ask."""
        os.kill(self.fx.pid, signal.SIGUSR1)
        load = self.other.get(timeout=10).split()
        gap = self.other.get(timeout=10).split()
        return int(load[1]), int(load[2]), int(gap[1]) / 1e9


def read_gcore(test, fx, exe, tmp, args):
    """heapscope ARGS on gdb's gcore core of the (stopped) service, made comparable."""
    subprocess.run(["gcore", "-o", tmp + "/core", str(fx.pid)], check=True, capture_output=True,
                   timeout=600)
    status, out, err = hstest.run(args + ["--core", "%s/core.%d" % (tmp, fx.pid), "--exe", exe])
    test.assertEqual(status, 0, err)
    return comparable(json.loads(out))


def comparable(got):
    """What a read of the same memory must give, whatever read it."""
    return {"totals": got["totals"], "memstats": got["memstats"],
            "rows": got["rows"], "reachability": got.get("reachability")}


class LiveReads(unittest.TestCase):
    def test_stated_pause_is_the_services(self):
        """heap-top (the long read: types, the mark) and threads-blocked (the verdicts' mark):
        the pause heapscope states matches the service's own longest heartbeat gap over the read."""
        exe, ver, fx = service(self)
        with fx:
            for cmd in (["heap-top"], ["heap-top", "--by", "size"], ["threads-blocked"]):
                heartbeat_gap(fx)
                status, out, err = hstest.run(cmd + ["--pid", str(fx.pid)])
                self.assertEqual(status, 0, err)
                gap = heartbeat_gap(fx)
                what = "%s %s: %s; heartbeat gap %.3f s" % (ver, " ".join(cmd), err.strip(), gap)
                # threads-blocked too: its goroutines are read in place, then the copy is
                # taken and the verdicts' heap mark reads it while the service runs on
                m = PAUSE.search(err)
                self.assertIsNotNone(m, what)
                self.assertEqual(int(m.group(1)), fx.pid, what)
                self.assertGreater(int(m.group(3)), MIB // 2, what)
                stated = float(m.group(2))
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
                from_core = read_gcore(self, fx, exe, tmp, args)
            finally:
                os.kill(fx.pid, signal.SIGCONT)
            self.assertEqual(copied["totals"], from_core["totals"], ver)
            self.assertEqual(copied["memstats"], from_core["memstats"], ver)
            self.assertEqual(copied["reachability"], from_core["reachability"], ver)
            self.assertEqual(copied["rows"], from_core["rows"], ver)
            self.assertEqual(in_place, from_core, ver)
            self.assertGreater(heartbeat_gap(fx), 0, ver)  # it runs on after SIGCONT


class ForkSnapshot(unittest.TestCase):
    def test_fork_pause_is_the_services(self):
        """--snapshot fork: heap-top and threads-blocked state a pause of milliseconds, which
        is the service's own longest heartbeat gap over the read."""
        exe, ver, fx = service(self)
        with fx:
            for cmd in (["heap-top"], ["heap-top", "--live"], ["threads-blocked"]):
                heartbeat_gap(fx)
                status, out, err = hstest.run(cmd + ["--pid", str(fx.pid), "--snapshot", "fork"])
                self.assertEqual(status, 0, err)
                gap = heartbeat_gap(fx)
                what = "%s %s: %s; heartbeat gap %.3f s" % (ver, " ".join(cmd), err.strip(), gap)
                m = FORKED.search(err)
                self.assertIsNotNone(m, what)
                self.assertEqual(int(m.group(1)), fx.pid, what)
                stated = float(m.group(2))
                self.assertGreaterEqual(gap, stated - 0.01, what)
                self.assertLessEqual(gap, 2 * stated + 0.25, what)
                self.assertLess(stated, 1.0, what)  # a fork of 32 MiB, not a copy

    def test_fork_equals_gcore(self):
        """The service job-stopped: heap-top --live read from its fork equals gdb's gcore core
        of it, and it is left stopped as it was."""
        exe, ver, fx = service(self)
        with fx, tempfile.TemporaryDirectory() as tmp:
            os.kill(fx.pid, signal.SIGSTOP)
            try:
                wait_state(fx.pid, "T")
                args = ["heap-top", "--live", "--json", "-n", "0"]
                status, out, err = hstest.run(args + ["--pid", str(fx.pid), "--snapshot", "fork"])
                self.assertEqual(status, 0, err)
                self.assertRegex(err, FORKED, err)
                forked = comparable(json.loads(out))
                wait_state(fx.pid, "T")
                self.assertEqual(lasting_clones(fx.pid), set(), ver)
                from_core = read_gcore(self, fx, exe, tmp, args)
            finally:
                os.kill(fx.pid, signal.SIGCONT)
            self.assertEqual(forked, from_core, ver)

    def test_fifty_snapshots_under_load(self):
        """50 fork snapshots while the service runs /bin/true 50 times a second and answers a
        real-time signal sent again as soon as the last one was answered: every signal is
        answered, no exec fails, no fork of it is left (no zombie), no descriptor is left."""
        exe, ver, fx = service(self, "load")
        with fx:
            lines = Lines(fx)
            lines.ask()
            fds = min_fds(fx.pid)
            stop, lost, sent = threading.Event(), [], [0]

            def signaller():
                while not stop.is_set():
                    os.kill(fx.pid, RT_SIGNAL)
                    sent[0] += 1
                    try:
                        got = lines.sig.get(timeout=10)
                    except queue.Empty:
                        lost.append(sent[0])
                        return
                    if got != "SIG %d" % sent[0]:
                        lost.append(got)
                        return
                    time.sleep(0.002)

            t = threading.Thread(target=signaller)
            start = time.monotonic()
            t.start()
            try:
                for i in range(50):
                    cmd = ["threads-blocked"] if i % 2 else ["heap-top", "--by", "size"]
                    status, out, err = hstest.run(cmd + ["--pid", str(fx.pid), "--snapshot", "fork"])
                    self.assertEqual(status, 0, err)
                    self.assertRegex(err, FORKED, err)
            finally:
                stop.set()
                t.join()
            elapsed = time.monotonic() - start
            execs, failed, _ = lines.ask()
            self.assertEqual(lost, [], "%s: a signal was not answered (of %d sent)" % (ver, sent[0]))
            self.assertGreater(sent[0], 50, ver)
            self.assertEqual(failed, 0, ver)
            self.assertGreater(execs, 25 * elapsed, ver)  # it went on running at about 50/s
            self.assertEqual(lasting_clones(fx.pid), set(), ver)
            self.assertLessEqual(min_fds(fx.pid), fds, ver)


if __name__ == "__main__":
    hstest.main()
