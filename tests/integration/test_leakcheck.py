#!/usr/bin/env python3
"""heapscope leakcheck [OPTIONS] -- PROGRAM: the program runs under a plain tracer and is read as
it exits. Oracles are outside heapscope: the counts the programs build by construction and what
the Go runtime itself prints just before the end (runtime.NumGoroutine), the program's own exit
status and output run without heapscope, /proc's TracerPid of a forked child. Programs:
tests/fixtures/go/leakcheckpkg (a go test package: TestClean, TestLeaky) run with
`go test -exec`, and tests/fixtures/go/leakexit (ends by exit, os.Exit, a signal, a panic; forks;
waits for SIGINT; holds a heap), with the oldest and the newest Go release on this machine."""

import json
import os
import re
import signal
import subprocess
import tempfile
import time
import unittest

import hstest

PKG = os.path.join(hstest.SOURCE_DIR, "tests", "fixtures", "go", "leakcheckpkg")
NOT_GO = "is not a Go program; not checked"


def releases(test):
    """The oldest and the newest Go release unpacked here (one when there is one)."""
    tcs = hstest.toolchains_or_skip(test)
    return sorted({tcs[0], tcs[-1]}, key=lambda v: int(v.split(".")[1]))


def leakcheck(opts, program, timeout=120, env=None):
    """Runs heapscope leakcheck OPTS -- PROGRAM; returns the CompletedProcess."""
    return subprocess.run([hstest.HEAPSCOPE, "leakcheck"] + opts + ["--"] + program,
                          capture_output=True, text=True, timeout=timeout, env=env)


def direct(program, timeout=120):
    return subprocess.run(program, capture_output=True, text=True, timeout=timeout)


def num_goroutine(stderr, prefix=""):
    """The count the program printed from runtime.NumGoroutine() just before its end."""
    m = re.search(r"^%sNumGoroutine (\d+)$" % re.escape(prefix), stderr, re.M)
    assert m, "the program printed no NumGoroutine line:\n" + stderr
    return int(m.group(1))


def by_function(report, suffix):
    """(count, leaked verdict) of the JSON groups with a frame whose function ends in suffix."""
    count, verdicts = 0, set()
    for g in report["groups"]:
        if any(f["function"].endswith(suffix) for f in g["frames"]):
            count += g["count"]
            verdicts.add(g["leaked"])
    return count, verdicts


def check_contract(test, report):
    """The JSON object leakcheck --json writes: threads-blocked's fields and groups, plus its own."""
    for key, kind in [("command", str), ("program", str), ("exit_status", int), ("checked", bool)]:
        test.assertIsInstance(report[key], kind, key)
    test.assertEqual(report["command"], "leakcheck")
    if not report["checked"]:
        test.assertIsInstance(report["not_checked"], str)
        return
    for key, kind in [("alive", int), ("groups", list), ("runtime", str), ("version", str),
                      ("total", int), ("ignored_functions", list), ("heap_over", bool)]:
        test.assertIsInstance(report[key], kind, key)
    test.assertEqual(report["alive"], sum(g["count"] for g in report["groups"]))
    for g in report["groups"]:
        test.assertIsInstance(g["state"], str)
        test.assertIsInstance(g["count"], int)
        test.assertIn(g["leaked"], (True, False, None))
        for f in g["frames"]:
            test.assertIsInstance(f["function"], str)
            test.assertIsInstance(f["file"], str)
            test.assertIsInstance(f["line"], int)


def go_env(version, tmp):
    root = hstest.toolchains()[version]
    return dict(os.environ, GOROOT=root, GOTOOLCHAIN="local", GO111MODULE="off", CGO_ENABLED="0",
                GOFLAGS="", GOPATH=os.path.join(tmp, "gopath"),
                GOCACHE=os.path.join(os.path.expanduser("~/.cache/heapscope-gocache"), version),
                PATH=os.path.join(root, "bin") + os.pathsep + os.environ["PATH"])


class GoTestExec(unittest.TestCase):
    def go_test(self, version, tmp, run, report, workers=4):
        env = dict(go_env(version, tmp), LEAKY_WORKERS=str(workers))
        execute = "%s leakcheck --json %s --" % (hstest.HEAPSCOPE, report)
        return subprocess.run(["go", "test", "-count=1", "-exec", execute, "-run", run, "."],
                              cwd=PKG, capture_output=True, text=True, timeout=600, env=env)

    def test_clean_passes_leaky_fails(self):
        for v in releases(self):
            with self.subTest(go=v), tempfile.TemporaryDirectory() as tmp:
                report = os.path.join(tmp, "report.json")
                p = self.go_test(v, tmp, "TestClean", report)
                self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
                self.assertNotIn("leakcheck:", p.stdout + p.stderr)
                clean = json.load(open(report))
                check_contract(self, clean)
                self.assertTrue(clean["checked"])
                self.assertEqual(clean["alive"], 0)
                os.remove(report)
                p = self.go_test(v, tmp, "TestLeaky", report, workers=4)
                out = p.stdout + p.stderr
                self.assertNotEqual(p.returncode, 0, out)
                self.assertIn("PASS", out)  # the tests themselves passed: the leak fails the run
                # the runtime counted main, the test's goroutine and the workers before the end
                self.assertEqual(num_goroutine(out, "TestLeaky ") - 2, 4, out)
                self.assertRegex(out, r"leakcheck: 4 goroutines leaked \([^)]*leakyWorker\)")
                leaky = json.load(open(report))
                check_contract(self, leaky)
                self.assertEqual(leaky["alive"], 4)
                self.assertEqual(by_function(leaky, ".leakyWorker"), (4, {True}))


class Programs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.exes = {}
        cls.tmp = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def exe(self, v):
        if v not in self.exes:
            self.exes[v] = hstest.build_fixture(v, "leakexit")[0]
        return self.exes[v]

    def test_leaks_counted_and_ignored(self):
        for v in releases(self):
            with self.subTest(go=v):
                exe, report = self.exe(v), os.path.join(self.tmp.name, "leak.json")
                p = leakcheck(["--json", report], [exe, "leak", "3"])
                self.assertEqual(p.returncode, 3, p.stderr)
                alive = num_goroutine(p.stderr) - 1  # all but main
                self.assertEqual(alive, 6, p.stderr)
                self.assertIn("leakcheck: 6 goroutines leaked (main.leakyWorker, main.sleeper)\n",
                              p.stderr)
                got = json.load(open(report))
                check_contract(self, got)
                self.assertEqual(by_function(got, "main.leakyWorker"), (3, {True}))
                self.assertEqual(by_function(got, "main.sleeper"), (3, {None}))  # sleep: no verdict
                p = leakcheck(["--ignore", "main.sleeper", "--json", report], [exe, "leak", "3"])
                self.assertEqual(p.returncode, 3, p.stderr)
                self.assertIn("leakcheck: 3 goroutines leaked (main.leakyWorker)\n", p.stderr)
                got = json.load(open(report))
                self.assertEqual(got["alive"], 3)
                self.assertIn("main.sleeper", got["ignored_functions"])
                p = leakcheck(["--ignore", "main.sleeper", "--ignore=main.leakyWorker"], [exe, "leak", "3"])
                self.assertEqual(p.returncode, 0, p.stderr)

    def test_exit_as_without_heapscope(self):
        """exit 0, os.Exit(5), SIGTERM, SIGKILL, a panic: status and output as run directly;
        a failing program is not checked, and its failure is not masked."""
        for v in releases(self):
            exe = self.exe(v)
            for args, status in [(["clean"], 0), (["exit", "5"], 5), (["signal", "TERM"], -15),
                                 (["signal", "KILL"], -9), (["panic"], 2)]:
                with self.subTest(go=v, program=args):
                    plain = direct([exe] + args)
                    report = os.path.join(self.tmp.name, "exit.json")
                    traced = leakcheck(["--json", report], [exe] + args)
                    self.assertEqual(plain.returncode, status)
                    self.assertEqual(traced.returncode, status, traced.stderr)
                    self.assertEqual(traced.stdout, plain.stdout)
                    self.assertEqual(traced.stderr, plain.stderr)
                    got = json.load(open(report))
                    check_contract(self, got)
                    self.assertEqual(got["checked"], status == 0)
                    want = status if status >= 0 else 128 - status
                    self.assertEqual(got["exit_status"], want)

    def test_fork_child_untraced(self):
        for v in releases(self):
            with self.subTest(go=v):
                done = os.path.join(self.tmp.name, "child-done-" + v)
                env = dict(os.environ, LEAKEXIT_CHILD_DONE=done)
                p = subprocess.Popen([hstest.HEAPSCOPE, "leakcheck", "--", self.exe(v), "fork"],
                                     stderr=subprocess.PIPE, text=True, env=env)
                line = p.stderr.readline()
                child = int(re.match(r"CHILD (\d+)", line).group(1))
                tracer = self.tracer_pid(child)
                rest = p.stderr.read()
                self.assertEqual(p.wait(timeout=60), 0, rest)  # the parent left nothing behind
                self.assertEqual(tracer, 0)
                for _ in range(100):  # the child runs on by itself and finishes its work
                    if os.path.exists(done):
                        break
                    time.sleep(0.05)
                self.assertEqual(open(done).read(), "done\n")

    @staticmethod
    def tracer_pid(pid):
        with open("/proc/%d/status" % pid) as f:
            return int(re.search(r"^TracerPid:\s+(\d+)", f.read(), re.M).group(1))

    def test_sigint_forwarded(self):
        for v in releases(self):
            with self.subTest(go=v):
                p = subprocess.Popen([hstest.HEAPSCOPE, "leakcheck", "--", self.exe(v), "wait"],
                                     stderr=subprocess.PIPE, text=True)
                self.assertEqual(p.stderr.readline(), "READY\n")
                self.assertEqual(self.tracer_pid(self.child_of(p.pid)), p.pid)
                p.send_signal(signal.SIGINT)
                rest = p.stderr.read()
                self.assertEqual(p.wait(timeout=60), 0, rest)  # it caught SIGINT and exited 0
                self.assertIn("got interrupt\n", rest)
                self.assertEqual(rest.count("got interrupt"), 1)
        # a program that does not catch it dies of it, and so does heapscope
        p = subprocess.Popen([hstest.HEAPSCOPE, "leakcheck", "--", "sleep", "30"])
        time.sleep(0.3)
        p.send_signal(signal.SIGINT)
        self.assertEqual(p.wait(timeout=30), -signal.SIGINT)

    @staticmethod
    def child_of(pid):
        for _ in range(100):
            try:
                with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
                    kids = f.read().split()
                if kids:
                    return int(kids[0])
            except OSError:
                pass
            time.sleep(0.02)
        raise AssertionError("heapscope %d started no program" % pid)

    def test_heap_max(self):
        for v in releases(self):
            with self.subTest(go=v):
                report = os.path.join(self.tmp.name, "heap.json")
                p = leakcheck(["--heap", "--heap-max", "1MiB", "--json", report], [self.exe(v), "heap", "2048"])
                self.assertEqual(p.returncode, 3, p.stderr)
                self.assertRegex(p.stderr, r"leakcheck: live heap [0-9.]+ MiB exceeds --heap-max 1.00 MiB")
                got = json.load(open(report))
                check_contract(self, got)
                self.assertTrue(got["heap_over"])
                first = got["heap"]["rows"][0]  # the program's own types first
                self.assertEqual((first["name"], first["inuse_objects"]), ("main.Blob", 2048))
                p = leakcheck(["--heap-max", "64MiB"], [self.exe(v), "heap", "2048"])
                self.assertEqual(p.returncode, 0, p.stderr)

    def test_not_go(self):
        for program, status in [(["true"], 0), (["false"], 1), (["sh", "-c", "echo out; exit 7"], 7)]:
            with self.subTest(program=program):
                p = leakcheck([], program)
                self.assertEqual(p.returncode, status)
                self.assertEqual(p.stdout, direct(program).stdout)
                self.assertEqual(p.stderr.count(NOT_GO), 1 if status == 0 else 0, p.stderr)

    def test_usage(self):
        marker = os.path.join(self.tmp.name, "ran")
        for opts in [["--heap-max", "lots"], ["--bogus"], ["extra"]]:
            with self.subTest(opts=opts):
                p = leakcheck(opts, ["touch", marker])
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertFalse(os.path.exists(marker))  # refused before the program ran
        p = subprocess.run([hstest.HEAPSCOPE, "leakcheck", "true"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn("the program goes after --", p.stderr)
        p = subprocess.run([hstest.HEAPSCOPE, "leakcheck", "--"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn("give the program after --", p.stderr)
        p = leakcheck([], ["/nonexistent/program"])
        self.assertEqual(p.returncode, 127)
        self.assertIn("cannot run /nonexistent/program", p.stderr)


if __name__ == "__main__":
    hstest.main()
