#!/usr/bin/env python3
"""The gdb plugin when things go wrong: corrupt cores (runtime metadata pointing nowhere, a
garbage heap), a core with the wrong executable, no target at all, a bad option, and Ctrl-C
in the middle of a long walk. Each time the command must end in a plain gdb error (never a
Python traceback), and gdb and the inferior must stay as they were: the next command answers."""

import fcntl
import os
import pty
import random
import re
import shutil
import select
import signal
import struct
import subprocess
import termios
import tempfile
import time
import unittest

import gdbmi
import hstest
from run_fixture import Fixture


def load_segments(core):
    """[(file offset, vaddr, filesz)] of the core's PT_LOAD segments, from binutils' readelf."""
    out = subprocess.run(["readelf", "-lW", core], capture_output=True, text=True, check=True).stdout
    segs = []
    for m in re.finditer(r"^\s*LOAD\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+0x[0-9a-f]+\s+(0x[0-9a-f]+)", out, re.M):
        segs.append(tuple(int(x, 16) for x in m.groups()))
    return segs


def symbol(exe, name):
    """A symbol's address, from binutils' nm."""
    out = subprocess.run(["nm", exe], capture_output=True, text=True, check=True).stdout
    m = re.search(r"^([0-9a-f]+) \w %s$" % re.escape(name), out, re.M)
    assert m, name
    return int(m.group(1), 16)


def patch(core, segs, vaddr, data):
    for off, va, size in segs:
        if va <= vaddr and vaddr + len(data) <= va + size:
            with open(core, "r+b") as f:
                f.seek(off + vaddr - va)
                f.write(data)
            return
    raise AssertionError("0x%x is not in the core's file-backed segments" % vaddr)


class Errors(unittest.TestCase):
    def setUp(self):
        why = gdbmi.missing()
        if why:
            self.skipTest(why)
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def newest_core(self):
        cores = hstest.stored_or_fail(self, "blocked")
        _, d = cores[-1]
        core = os.path.join(self.tmp.name, "core")
        shutil.copy(os.path.join(d, "core"), core)
        return os.path.join(d, "exe"), core

    def still_usable(self, b, i):
        """Command i failed cleanly and the commands after it answered."""
        self.assertNotIn("Traceback", b.text)
        self.assertIn("LWP", b.out(i + 1))                       # info threads
        self.assertIn("goroutines", b.out(i + 4).splitlines()[0])  # and on a good core again

    def run_on(self, exe, core):
        d = hstest.stored_cores("blocked")[-1][1]
        return gdbmi.Batch(["threads-blocked", "info threads", "file " + os.path.join(d, "exe"),
                            "core-file " + os.path.join(d, "core"), "threads-blocked -n 1"],
                           args=[exe, core])

    def test_runtime_metadata_pointing_nowhere(self):
        exe, core = self.newest_core()
        segs = load_segments(core)
        patch(core, segs, symbol(exe, "runtime.allgs"), (0xdead0000).to_bytes(8, "little") +
              (5000).to_bytes(8, "little") * 2)
        patch(core, segs, symbol(exe, "runtime.allglen"), (5000).to_bytes(8, "little"))
        b = gdbmi.Batch(["threads-blocked", "info threads", "threads-blocked --json"], args=[exe, core])
        self.assertRegex(b.out(0), r"^threads-blocked: .*0xdead0000")
        self.assertIn("LWP", b.out(1))
        self.assertNotIn('{"command"', b.out(2))
        self.assertNotIn("Traceback", b.text)

    def test_garbage_heap(self):
        # every writable segment past the executable's filled with random bytes: whatever core
        # makes of it, it answers (report or error) and gdb goes on
        exe, core = self.newest_core()
        rnd = random.Random(5)
        for off, va, size in load_segments(core):
            if va >= 0x1000000 and 0 < size <= (64 << 20):
                patch(core, [(off, va, size)], va, rnd.randbytes(size))
        b = self.run_on(exe, core)
        first = b.out(0)
        self.assertTrue(first.startswith("threads-blocked: ") or "goroutines" in first, first)
        self.still_usable(b, 0)

    def test_wrong_executable(self):
        cores = hstest.stored_or_fail(self, "blocked", 2)
        (_, old), (_, new) = cores[0], cores[-1]
        b = self.run_on(os.path.join(old, "exe"), os.path.join(new, "core"))
        self.assertIn("was not written by executable", b.out(0))
        self.still_usable(b, 0)

    def test_no_target_and_bad_options(self):
        b = gdbmi.Batch(["threads-blocked", "threads-blocked --bogus", 'threads-blocked "unbalanced',
                         "help threads-blocked", "heapscope", "complete threads-blocked --j",
                         "complete threads-blocked -", "complete threads-blocked --min-wait ",
                         "echo alive\\n"])
        self.assertIn("gdb has no process or core to look at", b.out(0))
        self.assertIn("unknown option --bogus", b.out(1))
        self.assertIn("threads-blocked", b.out(2))
        self.assertIn("--min-wait DUR", b.out(3))
        self.assertIn("current inferior", b.out(3))
        self.assertIn("threads-blocked [", b.out(4))
        self.assertEqual(b.out(5).split(), ["threads-blocked", "--json"])
        self.assertIn("threads-blocked --all", b.out(6))
        self.assertIn("threads-blocked --limit", b.out(6))
        self.assertEqual(b.out(7).strip(), "")
        self.assertEqual(b.out(8).strip(), "alive")
        self.assertNotIn("Traceback", b.text)

    def test_library_missing(self):
        # a ~/.gdbinit that sources the script of a deleted build: a message, gdb goes on
        script = os.path.join(self.tmp.name, "heapscope.gdb")
        with open(gdbmi.PLUGIN) as f:
            text = f.read().replace(gdbmi.LIBRARY, os.path.join(self.tmp.name, "gone.so"))
        with open(script, "w") as f:
            f.write(text)
        b = gdbmi.Batch(["echo alive\\n"], source=script)
        self.assertIn("gone.so does not exist", b.text)
        self.assertEqual(b.out(0).strip(), "alive")


class Terminal:
    """gdb on a pseudo-terminal, as a person runs it (the pager is on)."""

    def __init__(self, args, rows=20):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            argv = [gdbmi.GDB, "-nx", "-q", "-iex", "set auto-load python-scripts off"] + args
            os.execvpe(argv[0], argv, gdbmi.gdb_env())
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, 200, 0, 0))
        self.seen = ""

    def expect(self, text, timeout=60):
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                raise AssertionError("no %r from gdb; it showed:\n%s" % (text, self.seen[-3000:]))
            try:
                self.seen += os.read(self.fd, 1 << 16).decode("utf-8", "replace")
            except OSError:
                raise AssertionError("gdb went away; it showed:\n%s" % self.seen[-3000:])
        before, self.seen = self.seen.split(text, 1)
        return before

    def type(self, line):
        os.write(self.fd, line.encode())

    def close(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        os.close(self.fd)


class Pager(unittest.TestCase):
    def test_long_output_pages_and_q_stops_it(self):
        why = gdbmi.missing()
        if why:
            self.skipTest(why)
        cores = hstest.stored_or_fail(self, "blocked")
        _, d = cores[-1]
        t = Terminal([os.path.join(d, "exe"), os.path.join(d, "core")])
        try:
            t.expect("(gdb) ")
            t.type("source %s\n" % gdbmi.PLUGIN)
            t.expect("(gdb) ")
            t.type("threads-blocked -n 0\n")
            shown = t.expect("--Type <RET> for more")
            self.assertIn("goroutines", shown)
            t.type("q\n")
            after = t.expect("(gdb) ")
            t.type("info threads\n")
            self.assertIn("LWP", t.expect("(gdb) "))
            self.assertNotIn("Traceback", shown + after)
            self.assertNotIn("runtime.goexit", after)  # the rest was not printed
        finally:
            t.close()


class CtrlC(unittest.TestCase):
    """SIGINT to gdb (what Ctrl-C sends) while threads-blocked walks 100,000 goroutines read
    through gdbserver (about 10 s on 2 cores): the command ends with "interrupted", the program
    stays stopped under gdb, and gdb answers the next commands, including a full walk."""

    N = 100000

    def setUp(self):
        why = gdbmi.missing() or (None if gdbmi.GDBSERVER else "gdbserver is not installed")
        if why:
            self.skipTest(why)
        tcs = hstest.toolchains_or_skip(self)
        self.exe, self.ver = hstest.build_fixture(list(tcs)[-1], "manyblocked")

    def interrupt(self, mi, delays):
        """Starts threads-blocked and sends SIGINT after each delay in turn until one lands
        while the walk runs; returns that reply (None if every walk finished first)."""
        for delay in delays:
            pending = mi.start('-interpreter-exec console "threads-blocked --json"')
            time.sleep(delay)
            mi.proc.send_signal(signal.SIGINT)
            r = pending.wait()
            if r.cls == "error":
                return r
        return None

    def test_ctrl_c(self):
        with Fixture(self.exe, args=[str(self.N)], timeout=300) as fx, \
                gdbmi.GdbServer(fx.pid) as gs, gdbmi.MI() as mi:
            self.assertEqual(mi.console("source " + gdbmi.PLUGIN).cls, "done")
            r = mi.send("-target-select remote 127.0.0.1:%d" % gs.port)
            self.assertIn(r.cls, ("done", "connected"), r.msg)
            r = self.interrupt(mi, [2.0, 1.0, 0.5])
            self.assertIsNotNone(r, "threads-blocked always finished before SIGINT arrived")
            self.assertIn("interrupted", r.msg)
            self.assertNotIn("Traceback", "\n".join(mi.records))
            r = mi.console("info threads")
            self.assertEqual(r.cls, "done", r.msg)
            self.assertIn("Thread %d." % fx.pid, r.console)
            with open("/proc/%d/status" % fx.pid) as f:
                self.assertRegex(f.read(), r"State:\s+t")  # still stopped under gdbserver
            r = mi.console("threads-blocked --json")
            self.assertEqual(r.cls, "done", r.msg)
            got = gdbmi.first_json(r.console)
            self.assertEqual(got["total"], fx.info["num_goroutine"])
            self.assertEqual(mi.send("-target-detach").cls, "done")

    def test_ctrl_c_typed_in_a_terminal(self):
        with Fixture(self.exe, args=[str(self.N)], timeout=300) as fx, \
                gdbmi.GdbServer(fx.pid) as gs:
            t = Terminal([self.exe])
            try:
                t.expect("(gdb) ")
                t.type("source %s\n" % gdbmi.PLUGIN)
                t.expect("(gdb) ")
                t.type("target remote 127.0.0.1:%d\n" % gs.port)
                t.expect("(gdb) ", timeout=120)
                for delay in (2.0, 1.0, 0.5):
                    t.type("threads-blocked -n 1\n")
                    time.sleep(delay)
                    t.type("\x03")  # Ctrl-C: the terminal sends SIGINT to gdb
                    out = t.expect("(gdb) ", timeout=120)
                    if "interrupted" in out:
                        break
                self.assertIn("threads-blocked: interrupted", out)
                self.assertNotIn("Traceback", out)
                t.type("info threads\n")
                self.assertIn("Thread %d." % fx.pid, t.expect("(gdb) "))
                t.type("detach\n")
                t.expect("(gdb) ")
            finally:
                t.close()


if __name__ == "__main__":
    hstest.main()
