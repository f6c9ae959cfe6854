"""Shared pieces of the benchmarks: locating heapscope and Go, building the Go programs, timing a
command with its peak memory (ru_maxrss of the child, via wait4), checking the answers against
what the Go program itself reported, and printing figures in one set of units (MiB, s).

Every benchmark takes --small: a quick run on a small input, which the test suite runs
(ctest -L bench) so the benchmarks cannot rot; it checks the answers and prints the figures,
but does not judge the targets, which are set for the full size."""

import glob
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(HERE)
BUILD_DIR = os.environ.get("HS_BUILD_DIR", os.path.join(SOURCE_DIR, "build"))
HEAPSCOPE = os.environ.get("HEAPSCOPE", os.path.join(BUILD_DIR, "heapscope"))
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "tools"))

MIB = 1 << 20
failures = []


def toolchain_root(version):
    """GOROOT of an unpacked Go release ("1.26")."""
    tcdir = os.environ.get("GO_TOOLCHAINS_DIR", os.path.expanduser("~/.cache/go-toolchains"))
    return os.path.join(tcdir, version, "usr", "lib", "go-" + version)


def newest_go():
    """The newest Go release unpacked by scripts/go-toolchains.sh, e.g. "1.26"."""
    tcdir = os.environ.get("GO_TOOLCHAINS_DIR", os.path.expanduser("~/.cache/go-toolchains"))
    roots = glob.glob(os.path.join(tcdir, "1.*/usr/lib/go-1.*/bin/go"))
    versions = sorted((int(r.split("/go-1.")[1].split("/")[0]) for r in roots), reverse=True)
    if not versions:
        sys.exit("no Go toolchain: run scripts/setup.sh --all-go")
    return "1.%d" % versions[0]


def build(program, version, outdir):
    script = os.path.join(SOURCE_DIR, "tests", "tools", "build_fixture.sh")
    out = subprocess.run([script, version, program, outdir], check=True, capture_output=True,
                         text=True)
    return os.path.join(outdir, "exe"), out.stdout.strip()


def measure(argv, runs=5):
    """Runs argv `runs` times; returns (median seconds, last stdout)."""
    times, out = [], b""
    for _ in range(runs):
        t0 = time.monotonic()
        p = subprocess.run(argv, capture_output=True)
        times.append(time.monotonic() - t0)
        if p.returncode != 0:
            sys.exit("%s failed: %s" % (" ".join(argv), p.stderr.decode()[-2000:]))
        out = p.stdout
    return statistics.median(times), out


def peak_rss_mib(argv):
    """Peak RSS of one run of argv, in MiB (GNU time-free: a fork + wait4)."""
    pid = os.fork()
    if pid == 0:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 1)
        os.execv(argv[0], argv)
    _, status, ru = os.wait4(pid, 0)
    if status != 0:
        sys.exit("%s failed (status %d)" % (" ".join(argv), status))
    return ru.ru_maxrss / 1024


def measure_json(label, argv, runs, check_answer):
    """Runs argv (a --json command) `runs` times, checks its answer with check_answer(label,
    parsed JSON) and measures its peak memory once more; returns (median seconds, MiB, JSON)."""
    secs, out = measure(argv, runs=runs)
    got = json.loads(out)
    check_answer(label, got)
    return secs, peak_rss_mib(argv), got


def gcore(pid, prefix):
    """gcore of pid; returns (core path, seconds, MiB)."""
    t0 = time.monotonic()
    subprocess.run(["gcore", "-o", prefix, str(pid)], check=True, capture_output=True, timeout=1800)
    core = "%s.%d" % (prefix, pid)
    return core, time.monotonic() - t0, os.path.getsize(core) / MIB


def check(what, got, want):
    """Compares one answer with what the program itself reported; a difference fails the run."""
    ok = got == want
    print("check %-52s %14s  program says %-14s %s" % (what, got, want, "ok" if ok else "WRONG"))
    if not ok:
        failures.append(what)
    return ok


def report(name, value, unit, target, judged=True, better="lower"):
    """Prints one figure against its target; returns False when a judged target is missed."""
    ok = value <= target if better == "lower" else value >= target
    verdict = ("ok" if ok else "MISSED") if judged else "(target not judged)"
    print("%-48s %10.3f %-3s target %s %g %s  %s" % (name, value, unit, "<" if better == "lower" else ">",
                                                     target, unit, verdict))
    return ok or not judged


def report_run(label, secs, runs, mib, secs_target, mib_target, judged=True):
    """The time (median of runs) and peak memory of one command against their targets."""
    ok = report("%s: time (median of %d)" % (label, runs), secs, "s", secs_target, judged)
    return report("%s: peak memory" % label, mib, "MiB", mib_target, judged) and ok


def finish(targets_met):
    """Exits 1 when an answer was wrong or a judged target missed."""
    if failures:
        print("WRONG ANSWERS: %s" % ", ".join(failures))
    sys.exit(0 if targets_met and not failures else 1)


def bigheap_args(usage):
    """(MiB, small, runs, Go release) for the benchmarks on tests/fixtures/go/bigheap: [--small]
    [MiB], 1024 by default, 48 with --small (one run instead of five); the newest Go here."""
    mib, small = args(1024, usage)
    if small and len(sys.argv) == 2:
        mib = 48
    return mib, small, 1 if small else 5, newest_go()


def args(default, usage):
    """(size, small) from argv: [--small] [SIZE]."""
    a = sys.argv[1:]
    small = "--small" in a
    a = [x for x in a if x != "--small"]
    if len(a) > 1 or (a and not a[0].isdigit()):
        sys.exit(usage)
    return (int(a[0]) if a else default), small
