#!/usr/bin/env python3
"""Live attach leaves the process as it was. tests/fixtures/go/server answers requests whose
replies depend only on what its connection sent before; a client keeps sending while heapscope
attaches, reads and detaches again and again (threads-blocked, heap-top when it exists), and is
killed with SIGINT, SIGTERM and SIGKILL in the middle of reads. Afterwards the replies must equal those of
an unobserved run of the same program, the process must run (not stopped, not traced), have as
many threads as before, and have received no signal; heapscope must have exited 130/143 with
"interrupted" after each signal. Built with the newest and the oldest Go toolchain here."""

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest

import hstest
from run_fixture import Fixture

REQUESTS = 5000     # the unobserved run's; the observed client stops when heapscope is done
PACE = 0.005         # seconds between requests of the observed client
IDLE = "100000"      # parked goroutines: a read takes long enough to be interrupted mid-way
TIMEOUT = 120


class Client(threading.Thread):
    """Sends `req i` for i in range(n), one at a time, until stopped, and records every reply."""

    def __init__(self, port, n=REQUESTS, pace=0.0):
        super().__init__(daemon=True)
        self.port, self.n, self.pace = port, n, pace
        self.replies, self.error = [], None
        self.stop = threading.Event()

    def run(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=TIMEOUT) as s:
                f = s.makefile("rw", newline="\n")
                for i in range(self.n):
                    if self.stop.is_set():
                        break
                    f.write("req %d-%s\n" % (i, "x" * (i % 17)))
                    f.flush()
                    self.replies.append(f.readline().rstrip("\n"))
                    time.sleep(self.pace)
        except OSError as e:
            self.error = e


def ask(port, line):
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as s:
        f = s.makefile("rw", newline="\n")
        f.write(line + "\n")
        f.flush()
        return f.readline().rstrip("\n")


def port_of(fx):
    for line in fx.output.splitlines():
        if line.startswith("PORT "):
            return int(line.split()[1])
    raise AssertionError("server printed no PORT line: %r" % fx.output)


def proc_status(pid):
    with open("/proc/%d/status" % pid) as f:
        return dict(l.rstrip("\n").split(":\t", 1) for l in f if ":\t" in l)


def thread_states(pid):
    out = {}
    for t in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/stat" % (pid, t)) as f:
                out[int(t)] = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            pass
    return out


def has_heap_top():
    return subprocess.run([hstest.HEAPSCOPE, "help", "heap-top"], capture_output=True).returncode == 0


class LiveUntouched(unittest.TestCase):
    def versions(self):
        tcs = hstest.toolchains_or_skip(self)
        return sorted({tcs[-1], tcs[0]}, key=lambda v: int(v.split(".")[1]))

    def unobserved(self, exe):
        with Fixture(exe, ["-idle", IDLE], quiet=False) as fx:
            c = Client(port_of(fx))
            c.start()
            c.join(TIMEOUT)
            self.assertIsNone(c.error)
            self.assertEqual(ask(port_of(fx), "signals"), "signals 0")
            return c.replies

    def interrupt(self, pid, sig, delay):
        """Starts a read, signals heapscope after delay seconds; returns True when the signal
        interrupted it."""
        p = subprocess.Popen([hstest.HEAPSCOPE, "threads-blocked", "--pid", str(pid)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(delay)
        p.send_signal(sig)
        out, err = p.communicate(timeout=TIMEOUT)
        if p.returncode == 0:  # finished before the signal arrived
            return False
        self.assertEqual(p.returncode, 128 + sig, "after %s: %s" % (signal.Signals(sig).name, err))
        self.assertIn("interrupted", err)
        return True

    def observe(self, fx, rnd):
        """What heapscope does to the running program: reads, and reads cut short."""
        pid = fx.pid
        took = []
        for _ in range(3):
            start = time.monotonic()
            code, out, err = hstest.run(["threads-blocked", "--pid", str(pid)], timeout=TIMEOUT)
            took.append(time.monotonic() - start)
            self.assertEqual(code, 0, err)
            self.assertIn("goroutines", out)
        if has_heap_top():
            code, _, err = hstest.run(["heap-top", "--pid", str(pid)], timeout=TIMEOUT)
            self.assertEqual(code, 0, err)
        hits = {signal.SIGINT: 0, signal.SIGTERM: 0}
        for sig in [signal.SIGINT, signal.SIGTERM] * 3:  # somewhere inside a read
            hits[sig] += self.interrupt(pid, sig, rnd.uniform(0.1, 0.7) * min(took))
        for sig, n in hits.items():
            self.assertGreater(n, 0, "no %s landed during a read" % signal.Signals(sig).name)
        # SIGKILL cannot be caught: the kernel detaches heapscope's tracees as it dies
        p = subprocess.Popen([hstest.HEAPSCOPE, "threads-blocked", "--pid", str(pid)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rnd.uniform(0.1, 0.7) * min(took))
        p.kill()
        p.wait(TIMEOUT)
        return sum(hits.values())

    def check_running(self, pid, threads_before):
        st = proc_status(pid)
        self.assertEqual(st["TracerPid"], "0")
        states = thread_states(pid)
        self.assertFalse([t for t, s in states.items() if s in "tT"], "stopped threads: %s" % states)
        self.assertEqual(len(states), threads_before, "thread count changed")

    def test_untouched(self):
        for version in self.versions():
            with self.subTest(go=version):
                exe, _ = hstest.build_fixture(version, "server")
                expected = self.unobserved(exe)
                self.assertEqual(len(expected), REQUESTS)
                rnd = random.Random(version)
                with Fixture(exe, ["-idle", IDLE], quiet=False) as fx:
                    port = port_of(fx)
                    c = Client(port, pace=PACE)
                    c.start()
                    time.sleep(0.5)
                    threads_before = len(thread_states(fx.pid))
                    interrupted = self.observe(fx, rnd)
                    self.check_running(fx.pid, threads_before)
                    time.sleep(0.3)  # a few more requests after the last detach
                    c.stop.set()
                    c.join(TIMEOUT)
                    self.assertFalse(c.is_alive(), "client hung")
                    self.assertIsNone(c.error)
                    self.assertEqual(ask(port, "signals"), "signals 0")
                    self.check_running(fx.pid, threads_before)
                    self.assertIsNone(fx.proc.poll(), "the program exited")
                self.assertGreater(len(c.replies), 100)
                self.assertLess(len(c.replies), len(expected), "the client ran out of requests")
                self.assertEqual(c.replies, expected[:len(c.replies)])
                print("go%s: %d replies equal the unobserved run's; %d of 6 signals interrupted a "
                      "read; %d threads before and after" % (version, len(c.replies), interrupted,
                                                            threads_before), file=sys.stderr)


if __name__ == "__main__":
    hstest.main()
