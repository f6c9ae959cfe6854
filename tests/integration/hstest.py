"""Shared helpers for heapscope's integration tests: where the binaries, data and tools are,
running the CLI, the Go toolchains on this machine, building the Go test programs with each,
and main(), which runs a test file, counts its tests and subtests for the census and applies
the suite's one rule for skips (tests/tools/census.py, tests/skip_reasons.txt).

Environment (set by tests/integration/CMakeLists.txt):
  HEAPSCOPE      the CLI binary            HS_TEST_DATA   unpacked stored cores
  HS_BUILD_DIR   the build tree            HS_SOURCE_DIR  the repository
  HS_CENSUS_DIR  where records go          HS_CENSUS_NAME this entry's name in ctest
  HS_DLV         Delve (pinned; scripts/test-tools.sh)
  HS_GDB_MINIMAL Debian's gdb-minimal unpacked into the build tree
  HS_STRICT_SKIPS=1 (scripts/test.sh): a skip whose reason is not listed fails
"""

import glob
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("HS_SOURCE_DIR", os.path.abspath(os.path.join(HERE, "..", "..")))
BUILD_DIR = os.path.abspath(os.environ.get("HS_BUILD_DIR", os.path.join(SOURCE_DIR, "build")))
HEAPSCOPE = os.environ.get("HEAPSCOPE", os.path.join(BUILD_DIR, "heapscope"))
TEST_DATA = os.environ.get("HS_TEST_DATA", os.path.join(BUILD_DIR, "test-data"))
TOOLCHAINS = os.environ.get("GO_TOOLCHAINS_DIR", os.path.expanduser("~/.cache/go-toolchains"))
SKIP = 77  # ctest SKIP_RETURN_CODE

sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "tools"))
sys.path.insert(0, HERE)
import census  # noqa: E402

TOOLS_DIR = os.environ.get("HEAPSCOPE_TOOLS_DIR", os.path.expanduser("~/.cache/heapscope-tools"))
DLV = os.environ.get("HS_DLV") or os.path.join(TOOLS_DIR, "bin", "dlv")
GDB_MINIMAL = os.environ.get("HS_GDB_MINIMAL", "")
PREPARE_DATA = "ctest --test-dir %s -R prepare-test-data (tests/prepare_data.sh)" % BUILD_DIR


def run(args, timeout=120, check_status=None):
    """Runs the CLI; returns (status, stdout, stderr)."""
    p = subprocess.run([HEAPSCOPE] + list(args), capture_output=True, text=True, timeout=timeout)
    if check_status is not None and p.returncode != check_status:
        raise AssertionError("heapscope %s exited %d (wanted %d)\nstdout: %s\nstderr: %s" % (
            " ".join(args), p.returncode, check_status, p.stdout[-3000:], p.stderr[-3000:]))
    return p.returncode, p.stdout, p.stderr


def run_json(args, timeout=120):
    _, out, _ = run(list(args) + ["--json"], timeout=timeout, check_status=0)
    return json.loads(out)


def stored_cores(program, arch=""):
    """[(goversion, dir)] of the stored cores of one test program, oldest release first; arch
    "arm64" for those under tests/cores/arm64 (amd64 ones are at the top)."""
    out = []
    for d in sorted(glob.glob(os.path.join(TEST_DATA, arch, "go*", program))):
        out.append((os.path.basename(os.path.dirname(d)), d))
    return out


def toolchains():
    """{"1.21": GOROOT, ...} for every Go release unpacked on this machine."""
    found = {}
    for root in glob.glob(os.path.join(TOOLCHAINS, "1.*", "usr", "lib", "go-1.*")):
        if os.access(os.path.join(root, "bin", "go"), os.X_OK):
            found[os.path.basename(root)[3:]] = root
    return dict(sorted(found.items(), key=lambda kv: int(kv[0].split(".")[1])))


def stored_or_fail(test, program, at_least=1, arch=""):
    """stored_cores(program, arch), failing the test (never skipping) when fewer than at_least
    releases are unpacked: missing data means the suite would check less than it claims."""
    cores = stored_cores(program, arch)
    if len(cores) < at_least:
        test.fail("%d stored %s cores under %s (want at least %d): run %s"
                  % (len(cores), program, TEST_DATA, at_least, PREPARE_DATA))
    return cores


def platform_skip(test, key, detail):
    """Skips test for a platform condition listed in tests/skip_reasons.txt under key."""
    test.skipTest(census.platform(key, detail))


def toolchains_or_skip(test):
    """The Go releases unpacked on this machine, oldest first; skips test when there are none."""
    tcs = list(toolchains())
    if not tcs:
        test.skipTest("no Go toolchains under %s (scripts/setup.sh --all-go)" % TOOLCHAINS)
    return tcs


def build_fixture(version, program, ldflags="", experiment="", cgo=False):
    """Builds tests/fixtures/go/PROGRAM with Go VERSION (cached per build tree), optionally
    with linker flags ("-w", "-s -w"), a GOEXPERIMENT or cgo (CGO_ENABLED=1, needs gcc); returns
    (exe path, exact go version)."""
    variant = program + ("-" + ldflags.replace(" ", "").replace("-", "") if ldflags else "")
    variant += "-" + experiment if experiment else ""
    variant += "-cgo" if cgo else ""
    outdir = os.path.join(BUILD_DIR, "test-fixtures", version, variant)
    script = os.path.join(SOURCE_DIR, "tests", "tools", "build_fixture.sh")
    env = dict(os.environ, GO_LDFLAGS=ldflags, HS_FIXTURE_CGO="1" if cgo else "0")
    env.pop("GOEXPERIMENT", None)
    if experiment:
        env["GOEXPERIMENT"] = experiment
    p = subprocess.run([script, version, program, outdir], capture_output=True, text=True,
                       timeout=600, env=env)
    if p.returncode != 0:
        raise AssertionError("building %s with Go %s failed:\n%s" % (program, version, p.stderr))
    return os.path.join(outdir, "exe"), p.stdout.strip()


def build_native(tmp, compiler, source, name, cflags=(), variants=("g", "nog", "stripped")):
    """Builds a C/C++ fixture three ways (or those of variants) into tmp: {"g": -g, "nog": no
    debug information, "stripped": -g then stripped, its symbols in NAME_stripped.debug found by
    .gnu_debuglink}."""
    exes = {}
    for variant, flags in [("g", ["-g"]), ("nog", []), ("stripped", ["-g"])]:
        if variant not in variants:
            continue
        exe = os.path.join(tmp, name + "_" + variant)
        subprocess.run([compiler, "-O2", "-pthread"] + list(cflags) + flags + ["-o", exe, source], check=True)
        if variant == "stripped":
            for argv in (["objcopy", "--only-keep-debug", exe, exe + ".debug"], ["strip", "-s", exe],
                         ["objcopy", "--add-gnu-debuglink=" + exe + ".debug", exe]):
                subprocess.run(argv, check=True, cwd=tmp)
        exes[variant] = exe
    return exes


def watch_growing(test, pid, wdir, grow):
    """`watch --pid PID --count 2 --interval 2s --json` with grow() called once its first
    snapshot is written; returns the JSON it printed."""
    w = subprocess.Popen([HEAPSCOPE, "watch", "--pid", str(pid), "--interval", "2s", "--count", "2",
                          "--dir", wdir, "--json"], stdout=subprocess.PIPE, text=True)
    first = os.path.join(wdir, "snapshot-00.json")
    deadline = time.time() + 60
    while not os.path.exists(first) and time.time() < deadline:
        time.sleep(0.05)
    grow()
    out, _ = w.communicate(timeout=120)
    test.assertEqual(w.returncode, 0)
    return json.loads(out)


def gcore(pid, tmp):
    """A core of the live process pid written by gdb's gcore into tmp; returns its path."""
    base = os.path.join(tmp, "core")
    subprocess.run(["gcore", "-o", base, str(pid)], check=True, capture_output=True, timeout=120)
    return "%s.%d" % (base, pid)


def kernel_core(test, start, sig, tmp):
    """The core the kernel writes when the process start(cwd) returns (a Popen run with an
    unlimited RLIMIT_CORE in cwd) gets signal sig; skips when cores are piped to a program."""
    with open("/proc/sys/kernel/core_pattern") as f:
        pattern = f.read().strip()
    if pattern.startswith("|"):
        platform_skip(test, "core-pattern-pipe", pattern)
    cwd = tempfile.mkdtemp(dir=tmp)
    p = start(cwd)
    os.kill(p.pid, sig)
    p.wait(timeout=120)
    cores = [os.path.join(cwd, f) for f in os.listdir(cwd)]
    test.assertEqual(len(cores), 1, "core_pattern %r wrote %r" % (pattern, cores))
    return cores[0]


class CensusResult(unittest.TextTestResult):
    """Counts tests and subtests apart, and keeps each skip's reason. Under HS_STRICT_SKIPS a
    skip whose reason is not on the list is recorded as a failure instead."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.outcome = {}  # test id -> "passed" | "failed" | "skipped"
        self.sub = census.counts()
        self.sub_ok = {}   # test id -> subtests that passed
        self.skips = []
        self.failed_ids = []

    def _mark(self, test, what):
        tid = test.id()
        if what == "failed" or self.outcome.get(tid) != "failed":
            self.outcome[tid] = what
        if what == "failed":
            self.failed_ids.append(tid)

    def startTest(self, test):
        super().startTest(test)
        self.outcome.setdefault(test.id(), "passed")

    def addError(self, test, err):
        super().addError(test, err)
        self._owner_mark(test)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._owner_mark(test)

    def _owner_mark(self, test):
        if isinstance(test, unittest.case._SubTest):
            self.sub["failed"] += 1
            self.failed_ids.append(test.id())
            self._mark(test.test_case, "failed")
        else:
            self._mark(test, "failed")

    def addSubTest(self, test, subtest, err):
        if err is None:
            self.sub["run"] += 1
            self.sub["passed"] += 1
            self.sub_ok[test.id()] = self.sub_ok.get(test.id(), 0) + 1
        else:
            self.sub["run"] += 1
            self.sub["failed"] += 1
            self.failed_ids.append(subtest.id())
            self._mark(test, "failed")
        super().addSubTest(test, subtest, err)

    def addSkip(self, test, reason):
        is_sub = isinstance(test, unittest.case._SubTest)
        if census.strict() and not census.listed_key(reason):
            try:
                raise AssertionError(census.unlisted_message(reason))
            except AssertionError:
                err = sys.exc_info()
            if is_sub:
                self.sub["run"] += 1
            self.addFailure(test, err)
            return
        super().addSkip(test, reason)
        self.skips.append({"test": test.id(), "reason": reason})
        if is_sub:
            self.sub["run"] += 1
            self.sub["skipped"] += 1
        elif test.id() in self.outcome or not isinstance(test, unittest.TestCase):
            self._mark(test, "skipped")  # includes a skipped setUpClass (an _ErrorHolder)

    def tests_counts(self):
        """Counts of tests; a test whose every subtest skipped counts as skipped."""
        c = census.counts()
        skipped_subs = {}
        for s in self.skips:
            owner = s["test"].split(" ", 1)[0]
            skipped_subs[owner] = skipped_subs.get(owner, 0) + 1
        for tid, what in self.outcome.items():
            if what == "passed" and skipped_subs.get(tid) and not self.sub_ok.get(tid):
                what = "skipped"
            c["run"] += 1
            c[what] += 1
        return c


def main(module="__main__"):
    """Runs the tests of module (unittest.main, verbose), writes this entry's census record,
    and exits 0 when all passed, SKIP (77) only when every test was skipped and nothing
    failed, 1 otherwise: a failure is never turned into a skip."""
    runner = unittest.TextTestRunner(verbosity=2, resultclass=CensusResult)
    prog = unittest.main(module=module, exit=False, testRunner=runner)
    r = prog.result
    tests = r.tests_counts()
    if not r.wasSuccessful() or tests["failed"]:
        status = 1
    elif tests["run"] and tests["skipped"] == tests["run"]:
        status = SKIP
    else:
        status = 0
    name = os.environ.get("HS_CENSUS_NAME") or "integration/" + os.path.basename(sys.argv[0])
    census.write_record(name, "python", tests, r.sub, r.skips, sorted(set(r.failed_ids)), status)
    sys.exit(status)
