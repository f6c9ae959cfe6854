#!/usr/bin/env python3
"""Progress lines of long work, and Ctrl-C during it, as a person at a terminal sees them: the CLI
runs with its stderr on a pseudo-terminal (Python's pty module), with
HEAPSCOPE_PROGRESS_DELAY_MS=0 so that every report shows at once, instead of the first after a
second and then four a second (each phase of these small targets shows, however fast). Targets: a
stored Go core (heap-top, the walk over spans, the mark, typing objects; threads-blocked, the
goroutines), tests/fixtures/c/many_blocks.cpp with 2,000,000 blocks live (heap-top --pid: copying
its memory) and from a gcore core (heap-top --live: the glibc heap walk and the mark; --by root:
dominators too; heap-paths: reference paths). Checked: progress lines (carriage return, a phase,
erase to the end of the line) appear on the terminal and the line is cleared at the end; stdout is
byte for byte what a run without a terminal prints; with stderr a pipe nothing is added to it;
SIGINT (what Ctrl-C sends) once a progress line shows stops the command with one line saying it
was interrupted and status 130 (128 + SIGINT, as the CLI ends on any signal). gdb (the Python
plugin) and lldb show the same lines on their terminal."""

import os
import pty
import re
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest

import gdbmi
import hstest
import test_lldb_plugin as lldbt

SOURCE = os.path.join(hstest.SOURCE_DIR, "tests", "fixtures", "c", "many_blocks.cpp")
BLOCKS = "2000000"
NOW = {"HEAPSCOPE_PROGRESS_DELAY_MS": "0"}  # every report shows: every phase, at any speed
LINE = re.compile(rb"\r([^\r\x1b]*)\x1b\[K")  # one progress line as the CLI writes it


def env(extra):
    return dict(os.environ, **extra)


def piped(args, extra=NOW):
    """The CLI with stdout and stderr pipes: (status, stdout, stderr) as bytes."""
    p = subprocess.run([hstest.HEAPSCOPE] + args, capture_output=True, env=env(extra), timeout=600)
    return p.returncode, p.stdout, p.stderr


class Terminal:
    """The CLI (or argv0 with args) with stderr on a pseudo-terminal and stdout a pipe."""

    def __init__(self, args, extra=NOW, argv0=None):
        self.master, slave = pty.openpty()
        self.p = subprocess.Popen([argv0 or hstest.HEAPSCOPE] + args, stdout=subprocess.PIPE,
                                  stderr=slave,
                                  stdin=subprocess.DEVNULL, env=env(extra))
        os.close(slave)
        self.err = b""
        self.out = []  # stdout, read alongside so that neither stream can fill up and block it
        self.reader = threading.Thread(target=lambda: self.out.append(self.p.stdout.read()))
        self.reader.start()

    def read_until(self, pattern, timeout):
        """Reads the terminal until pattern shows (True) or it closes or time runs out."""
        end = time.monotonic() + timeout
        while not pattern.search(self.err) and time.monotonic() < end:
            if not select.select([self.master], [], [], 0.05)[0]:
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:  # EIO: every writer closed the terminal
                return False
            if not data:
                return False
            self.err += data
        return bool(pattern.search(self.err))

    def finish(self):
        """(status, stdout, what the terminal showed)."""
        self.read_until(re.compile(rb"(?!)"), 600)
        self.p.wait(timeout=600)
        self.reader.join()
        os.close(self.master)
        return self.p.returncode, self.out[0], self.err


class Progress(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="hs-progress-")
        exe = os.path.join(cls.tmp, "many_blocks")
        subprocess.run(["g++", "-O2", "-pthread", "-o", exe, SOURCE], check=True)
        cls.p = p = subprocess.Popen([exe, BLOCKS], stdout=subprocess.PIPE, text=True)
        for line in p.stdout:
            if line.startswith("ready"):
                break
        subprocess.run(["gcore", "-o", os.path.join(cls.tmp, "core"), str(p.pid)], check=True,
                       capture_output=True, timeout=600)
        cls.core = os.path.join(cls.tmp, "core.%d" % p.pid)

    @classmethod
    def tearDownClass(cls):
        cls.p.kill()
        cls.p.wait()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def go_core(self):
        _, d = hstest.stored_or_fail(self, "heap")[-1]
        return ["--core", os.path.join(d, "core"), "--exe", os.path.join(d, "exe")]

    def same_as_piped(self, args, phases):
        """Runs args on a terminal and with pipes; checks the lines, and that nothing else
        differs."""
        code, out, err = piped(args)
        self.assertEqual(code, 0, err)
        self.assertNotIn(b"\r", err)
        self.assertNotIn(b"\x1b", err)
        t = Terminal(args)
        tcode, tout, terr = t.finish()
        self.assertEqual(tcode, 0, terr)
        self.assertEqual(tout, out, "stdout differs when stderr is a terminal")
        shown = [m.group(1).decode() for m in LINE.finditer(terr)]
        self.assertTrue(shown, "no progress line on the terminal: %r" % terr[:500])
        self.assertEqual(shown[-1], "", "the last progress line was not cleared: %r" % shown)
        for phase in phases:
            self.assertTrue(any(s.startswith(phase + " ") for s in shown),
                            "no %r among %r" % (phase, shown))
        for s in shown[:-1]:
            self.assertRegex(s, r"^[a-z][a-z :]* [0-9][0-9.]*([kM]|%| [KMG]?i?B)?(/[0-9.]+[kM]?)?$")
        # what the terminal showed besides progress: the pipe run's stderr (ends of line as a
        # terminal translates them)
        rest = LINE.sub(b"", terr).replace(b"\r\n", b"\n")
        self.assertEqual(rest, err)
        return shown

    def test_go_heap_walk(self):
        shown = self.same_as_piped(["heap-top", "--json"] + self.go_core(),
                                   ["reading spans", "marking objects", "typing objects"])
        print("go: %r" % sorted(set(s.rstrip("0123456789.kMGiB %/") for s in shown)))

    def test_go_goroutines(self):
        _, d = hstest.stored_or_fail(self, "blocked")[-1]
        self.same_as_piped(["threads-blocked", "--json", "--core", os.path.join(d, "core"), "--exe",
                            os.path.join(d, "exe")], ["reading goroutines"])

    def test_glibc_walk_and_mark(self):
        shown = self.same_as_piped(["heap-top", "--live", "--json", "-n", "5", "--core", self.core],
                                   ["walking the glibc heap", "marking objects"])
        print("glibc --live: %r" % sorted(set(s.rstrip("0123456789.kMGiB %/") for s in shown)))

    def test_dominators(self):
        shown = self.same_as_piped(["heap-top", "--by", "root", "--json", "--core", self.core],
                                   ["marking objects", "dominators"])
        print("glibc --by root: %r" % sorted(set(s.rstrip("0123456789.kMGiB %/") for s in shown)))

    def test_live_copy(self):
        """A live process: its memory copied, then walked; the line is cleared before the rest."""
        t = Terminal(["heap-top", "-n", "3", "--pid", str(self.p.pid)])
        code, out, err = t.finish()
        self.assertEqual(code, 0, err)
        self.assertIn(b"glibc", out)
        shown = [m.group(1).decode() for m in LINE.finditer(err)]
        self.assertTrue(any(s.startswith("copying the process's memory ") for s in shown), shown)
        self.assertTrue(any(s.startswith("walking the glibc heap ") for s in shown), shown)
        self.assertEqual(shown[-1], "")
        rest = LINE.sub(b"", err).replace(b"\r\n", b"\n").decode()
        self.assertRegex(rest, r"^process %d stopped [0-9.]+ s; [0-9]+ MiB of its memory copied"
                         % self.p.pid)
        print("live: %r" % sorted(set(s.rstrip("0123456789.kMGiB %/") for s in shown)))

    def test_gdb(self):
        """In gdb the line goes to gdb's terminal, as in the CLI; gdb's output is unchanged."""
        why = gdbmi.missing()
        if why:
            self.skipTest(why)
        _, d = hstest.stored_or_fail(self, "heap")[-1]
        args = ["-nx", "-batch", "-iex", "set auto-load python-scripts off", os.path.join(d, "exe"),
                os.path.join(d, "core"), "-ex", "source " + gdbmi.PLUGIN, "-ex", "heap-top -n 5"]
        t = Terminal(args, dict(gdbmi.gdb_env(), **NOW), argv0=gdbmi.GDB)
        code, out, err = t.finish()
        self.assertEqual(code, 0, err)
        shown = [m.group(1).decode() for m in LINE.finditer(err)]
        self.assertTrue(any(s.startswith("reading spans ") for s in shown), err)
        self.assertEqual(shown[-1], "")
        p = subprocess.run([gdbmi.GDB] + args, capture_output=True,
                           env=dict(gdbmi.gdb_env(), **NOW),
                           timeout=600)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(out, p.stdout)
        self.assertNotIn(b"\x1b", p.stderr)
        print("gdb: %r" % shown)

    def test_lldb(self):
        """In lldb too: the line on lldb's terminal, lldb's output unchanged."""
        lldbt.skip_unless_lldb(self)
        _, d = hstest.stored_or_fail(self, "heap")[-1]
        exe, core = os.path.join(d, "exe"), os.path.join(d, "core")
        args = ["--no-lldbinit", "-b", "-o", 'plugin load "%s"' % lldbt.PLUGIN, "-o",
                'target create "%s" --core "%s"' % (exe, core), "-o", "heap-top -n 5"]
        env = lldbt.plugin_env(NOW)
        t = Terminal(args, env, argv0=lldbt.LLDB)
        code, out, err = t.finish()
        self.assertEqual(code, 0, err)
        shown = [m.group(1).decode() for m in LINE.finditer(err)]
        self.assertTrue(any(s.startswith("reading spans ") for s in shown), err)
        self.assertEqual(shown[-1], "")
        p = subprocess.run([lldbt.LLDB] + args, capture_output=True, env=env, timeout=600,
                           stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(out, p.stdout)
        self.assertNotIn(b"\x1b", p.stderr)
        print("lldb: %r" % shown)

    def test_reference_paths(self):
        shown = self.same_as_piped(["heap-paths", "Record", "--json", "--core", self.core],
                                   ["reference paths: objects"])
        print("glibc heap-paths: %r" % sorted(set(s.rstrip("0123456789.kMGiB %/") for s in shown)))

    def test_quiet_on_a_pipe_and_by_default(self):
        """With stderr a pipe, and with the default delay on a short run, stderr is as before."""
        args = ["heap-top", "-n", "3"] + self.go_core()
        code, out, err = piped(args, {})
        self.assertEqual(code, 0, err)
        self.assertEqual(piped(args), (code, out, err))
        t = Terminal(args, {"HEAPSCOPE_PROGRESS_DELAY_MS": "60000"})
        tcode, tout, terr = t.finish()
        self.assertEqual((tcode, tout), (code, out))
        self.assertEqual(terr.replace(b"\r\n", b"\n"), err)

    def test_ctrl_c(self):
        """SIGINT once progress shows: one line, status 130 (a try that finished first is
        retried)."""
        args = ["heap-top", "--by", "root", "--json", "--core", self.core]
        for attempt in range(5):
            t = Terminal(args)
            self.assertTrue(t.read_until(LINE, 120), "no progress line: %r" % t.err)
            t.p.send_signal(signal.SIGINT)
            code, out, err = t.finish()
            if code == 0:
                continue
            self.assertEqual(code, 128 + signal.SIGINT, err)
            self.assertEqual(out, b"")
            rest = LINE.sub(b"", err).replace(b"\r\n", b"\n").decode()
            self.assertEqual(len(rest.splitlines()), 1, rest)
            self.assertIn("interrupted", rest)
            print("interrupted on try %d: %r" % (attempt + 1, rest))
            return
        self.fail("heap-top --by root always finished before SIGINT arrived")


if __name__ == "__main__":
    hstest.main()
