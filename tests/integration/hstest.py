"""Shared helpers for heapscope's integration tests: where the binaries and data are, running
the CLI, the Go toolchains on this machine, and building the Go test programs with each.

Environment (set by tests/integration/CMakeLists.txt):
  HEAPSCOPE      the CLI binary            HS_TEST_DATA   unpacked stored cores
  HS_BUILD_DIR   the build tree            HS_SOURCE_DIR  the repository
"""

import glob
import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("HS_SOURCE_DIR", os.path.abspath(os.path.join(HERE, "..", "..")))
BUILD_DIR = os.environ.get("HS_BUILD_DIR", os.path.join(SOURCE_DIR, "build"))
HEAPSCOPE = os.environ.get("HEAPSCOPE", os.path.join(BUILD_DIR, "heapscope"))
TEST_DATA = os.environ.get("HS_TEST_DATA", os.path.join(BUILD_DIR, "test-data"))
TOOLCHAINS = os.environ.get("GO_TOOLCHAINS_DIR", os.path.expanduser("~/.cache/go-toolchains"))
SKIP = 77  # ctest SKIP_RETURN_CODE

sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "tools"))
sys.path.insert(0, HERE)


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


def stored_cores(program):
    """[(goversion, dir)] of the stored cores of one test program, oldest release first."""
    out = []
    for d in sorted(glob.glob(os.path.join(TEST_DATA, "go*", program))):
        out.append((os.path.basename(os.path.dirname(d)), d))
    return out


def toolchains():
    """{"1.21": GOROOT, ...} for every Go release unpacked on this machine."""
    found = {}
    for root in glob.glob(os.path.join(TOOLCHAINS, "1.*", "usr", "lib", "go-1.*")):
        if os.access(os.path.join(root, "bin", "go"), os.X_OK):
            found[os.path.basename(root)[3:]] = root
    return dict(sorted(found.items(), key=lambda kv: int(kv[0].split(".")[1])))


def toolchains_or_skip(test):
    """The Go releases unpacked on this machine, oldest first; skips test when there are none."""
    tcs = list(toolchains())
    if not tcs:
        test.skipTest("no Go toolchains under %s (scripts/setup.sh --all-go)" % TOOLCHAINS)
    return tcs


def build_fixture(version, program, ldflags="", experiment=""):
    """Builds tests/fixtures/go/PROGRAM with Go VERSION (cached per build tree), optionally
    with linker flags ("-w", "-s -w") or a GOEXPERIMENT; returns (exe path, exact go version)."""
    variant = program + ("-" + ldflags.replace(" ", "").replace("-", "") if ldflags else "")
    variant += "-" + experiment if experiment else ""
    outdir = os.path.join(BUILD_DIR, "test-fixtures", version, variant)
    script = os.path.join(SOURCE_DIR, "tests", "tools", "build_fixture.sh")
    env = dict(os.environ, GO_LDFLAGS=ldflags)
    env.pop("GOEXPERIMENT", None)
    if experiment:
        env["GOEXPERIMENT"] = experiment
    p = subprocess.run([script, version, program, outdir], capture_output=True, text=True,
                       timeout=600, env=env)
    if p.returncode != 0:
        raise AssertionError("building %s with Go %s failed:\n%s" % (program, version, p.stderr))
    return os.path.join(outdir, "exe"), p.stdout.strip()


def main():
    """unittest.main, but exit with SKIP when every test was skipped."""
    prog = unittest.main(exit=False, verbosity=2)
    r = prog.result
    if r.testsRun and len(r.skipped) == r.testsRun:
        sys.exit(SKIP)
    sys.exit(0 if r.wasSuccessful() else 1)
