"""Shared pieces of the benchmarks: locating heapscope and Go, building the Go programs, and
timing a command with its peak memory (ru_maxrss of the child, via wait4)."""

import glob
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


def newest_go():
    """The newest Go release unpacked by scripts/go-toolchains.sh, e.g. "1.26"."""
    roots = glob.glob(os.path.expanduser("~/.cache/go-toolchains/1.*/usr/lib/go-1.*/bin/go"))
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


def report(name, value, unit, target, better="lower"):
    ok = value <= target if better == "lower" else value >= target
    print("%-44s %10.3f %-4s target %s %g %s  %s" % (name, value, unit, "<" if better == "lower" else ">",
                                                      target, unit, "ok" if ok else "MISSED"))
    return ok
