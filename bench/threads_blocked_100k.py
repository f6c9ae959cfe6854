#!/usr/bin/env python3
"""Benchmark (issues: foundation, leak verdict): threads-blocked on a process with 100,000 blocked
goroutines, on its gcore core and on the live process, leak verdicts included (the heap marked
from every root). Target on the reference machine (2 cores): under 1 s and under 150 MiB peak
memory for the core (100 MiB before verdicts). The answer is checked against what the program
itself reported (runtime.NumGoroutine, and how many goroutines it blocked each way, in which
function): a wrong answer fails the benchmark.

usage: bench/threads_blocked_100k.py [--small] [N]    (HEAPSCOPE / HS_BUILD_DIR select the
                                                      binary; --small: 5000, one run, targets
                                                      not judged)
"""

import json
import os
import sys
import tempfile

import benchlib
from run_fixture import Fixture


def check_answer(label, got, info):
    benchlib.check("%s: goroutines = runtime.NumGoroutine" % label, got["total"], info["num_goroutine"])
    for kind, fn in sorted(info["functions"].items()):
        n = sum(g["count"] for g in got["groups"] if any(f["function"] == fn for f in g["frames"]))
        benchlib.check("%s: blocked in %s" % (label, fn), n, info["counts"][kind])


def main():
    n, small = benchlib.args(100000, __doc__)
    if small and len(sys.argv) == 2:
        n = 5000
    runs = 1 if small else 5
    version = benchlib.newest_go()
    with tempfile.TemporaryDirectory(prefix="hs-bench-") as tmp:
        exe, gover = benchlib.build("manyblocked", version, os.path.join(tmp, "bin"))
        print("program: tests/fixtures/go/manyblocked, %d goroutines, %s" % (n, gover))
        with Fixture(exe, args=[str(n)], timeout=300) as fx:
            info = fx.info
            core, secs, size = benchlib.gcore(fx.pid, os.path.join(tmp, "core"))
            print("gcore: %.1f s, %.0f MiB" % (secs, size))
            live = [benchlib.HEAPSCOPE, "threads-blocked", "--json", "-n", "0", "--pid", str(fx.pid)]
            live_s, out = benchlib.measure(live, runs=1 if small else 3)
            check_answer("--pid", json.loads(out), info)
            live_rss = benchlib.peak_rss_mib(live)
        argv = [benchlib.HEAPSCOPE, "threads-blocked", "--json", "-n", "0", "--core", core, "--exe", exe]
        secs, out = benchlib.measure(argv, runs=runs)
        rss = benchlib.peak_rss_mib(argv)
        check_answer("--core", json.loads(out), info)
        judged = not small
        ok = benchlib.report("threads-blocked --core: time (median of %d)" % runs, secs, "s", 1.0, judged)
        ok &= benchlib.report("threads-blocked --core: peak memory", rss, "MiB", 150, judged)
        benchlib.report("threads-blocked --pid: time (median of %d)" % (1 if small else 3), live_s, "s", 1.0, judged)
        benchlib.report("threads-blocked --pid: peak memory", live_rss, "MiB", 100, judged)
        benchlib.finish(ok)


if __name__ == "__main__":
    main()
