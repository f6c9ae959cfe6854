#!/usr/bin/env python3
"""Start a Go test program (tests/fixtures/go/*), wait for its READY line, and hand back its pid,
everything it printed, the runtime's own goroutine dump (parsed by tests/integration/rtdump.py)
and its HEAPSCOPE-INFO object; the program is killed when the context exits.

    with run_fixture.Fixture("build/exe") as fx:
        fx.pid, fx.output, fx.dump_text, fx.goroutines, fx.info

CLI:  run_fixture.py [--timeout S] [--hold] [--json] EXE [ARGS...]
      prints the pid and the goroutine count per state; --hold keeps it running until SIGINT
      or SIGTERM (then kills it).
"""

import argparse
import json
import os
import resource
import selectors
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import rtdump  # noqa: E402

INFO_PREFIX = "HEAPSCOPE-INFO "
READY = "READY"


class FixtureError(Exception):
    pass


def _unlimited_core():
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


class Fixture:
    """A running test program. env entries are added to the current environment; core_limit
    lifts RLIMIT_CORE (for kernel cores); cwd is where the program runs (and a kernel core lands)."""

    def __init__(self, exe, args=(), env=None, timeout=60.0, cwd=None, core_limit=False, quiet=True):
        exe = os.path.abspath(exe) if os.sep in exe else exe  # cwd may differ from ours
        self.exe, self.args, self.timeout, self.cwd = exe, list(args), timeout, cwd
        self.quiet = quiet
        self.env = dict(os.environ, **(env or {}))
        self.core_limit = core_limit
        self.proc = None
        self.pid = None
        self.output = ""
        self.dump_text = ""
        self.goroutines = []
        self.info = {}
        self._stderr = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        self._stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([self.exe] + self.args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=self._stderr, env=self.env,
                                     cwd=self.cwd, preexec_fn=_unlimited_core if self.core_limit else None)
        self.pid = self.proc.pid
        try:
            self.output = self._read_until_ready()
            self._parse_output()
            if self.quiet:
                self.wait_quiet()
        except BaseException:
            self.stop()
            raise

    def _read_until_ready(self):
        deadline = time.monotonic() + self.timeout
        buf = b""
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        try:
            while not (buf.endswith(b"\n" + READY.encode() + b"\n") or buf == READY.encode() + b"\n"):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise FixtureError("%s: no READY line within %.0fs; stderr: %s"
                                       % (self.exe, self.timeout, self.stderr_text()[-2000:]))
                if not sel.select(left):
                    continue
                chunk = os.read(self.proc.stdout.fileno(), 1 << 20)
                if not chunk:
                    raise FixtureError("%s exited (status %s) before READY; stderr: %s"
                                       % (self.exe, self.proc.wait(), self.stderr_text()[-2000:]))
                buf += chunk
        finally:
            sel.close()
        return buf.decode("utf-8", "replace")

    def _parse_output(self):
        for line in self.output.splitlines():
            if line.startswith(INFO_PREFIX):
                self.info = json.loads(line[len(INFO_PREFIX):])
        if rtdump.DUMP_BEGIN in self.output.splitlines():
            self.dump_text = rtdump.dump_section(self.output)
            self.goroutines = rtdump.parse(self.dump_text)

    def thread_states(self):
        """{tid: state letter} from /proc/PID/task/*/stat ("S" sleeping, "R" running, ...)."""
        out = {}
        for t in os.listdir("/proc/%d/task" % self.pid):
            try:
                with open("/proc/%d/task/%s/stat" % (self.pid, t)) as f:
                    out[int(t)] = f.read().rsplit(")", 1)[1].split()[0]
            except OSError:
                pass  # the thread exited meanwhile
        return out

    def wait_quiet(self, timeout=10.0, polls=3, interval=0.02):
        """Wait until every thread of the program sleeps in the kernel for `polls` looks in a
        row, so the goroutine that printed READY has parked too (it is on a running thread
        until it parks). Raises FixtureError if that does not happen within timeout."""
        deadline, calm = time.monotonic() + timeout, 0
        while calm < polls:
            if time.monotonic() > deadline:
                raise FixtureError("%s: threads never all slept: %s" % (self.exe, self.thread_states()))
            states = self.thread_states()
            calm = calm + 1 if states and all(s in "SDt" for s in states.values()) else 0
            time.sleep(interval)

    def stderr_text(self):
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout):
        """Wait for the program to exit; returns its status (negative: killed by that signal)."""
        return self.proc.wait(timeout=timeout)

    def thread_ids(self):
        return sorted(int(t) for t in os.listdir("/proc/%d/task" % self.pid))

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None


def state_counts(goroutines):
    counts = {}
    for g in goroutines:
        counts[g.state] = counts.get(g.state, 0) + 1
    return counts


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--hold", action="store_true", help="keep the program running until Ctrl-C")
    ap.add_argument("--json", action="store_true", help="print a JSON summary")
    ap.add_argument("exe")
    ap.add_argument("args", nargs=argparse.REMAINDER)
    a = ap.parse_args(argv)
    try:
        with Fixture(a.exe, a.args, timeout=a.timeout) as fx:
            summary = {"pid": fx.pid, "goroutines": len(fx.goroutines),
                       "states": state_counts(fx.goroutines), "info": fx.info}
            if a.json:
                print(json.dumps(summary, indent=1, sort_keys=True))
            else:
                print("pid %d, %d goroutines in the dump" % (fx.pid, len(fx.goroutines)))
                for st, n in sorted(summary["states"].items(), key=lambda kv: -kv[1]):
                    print("%6d  %s" % (n, st))
            sys.stdout.flush()
            if a.hold:  # until SIGINT or SIGTERM; the program is killed on the way out
                def leave(*_):
                    raise SystemExit(0)
                signal.signal(signal.SIGINT, leave)
                signal.signal(signal.SIGTERM, leave)
                signal.pause()
    except FixtureError as e:
        print("run_fixture: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
