#!/usr/bin/env python3
"""Benchmark (issue 20): threads-blocked on a C process with 1,000 threads blocked on a condition
variable in 20 groups (tests/fixtures/c/many_native.c), live and on its gcore core, beside
`gdb -batch -ex 'thread apply all bt'` on the same targets. Target: under 0.5 s and under 100 MiB
for each of heapscope's runs. The answer is checked against the program's construction: every
thread seen, 20 groups of N/20 condition-variable waiters; a wrong answer fails the benchmark.

usage: bench/native_threads_1000.py [--small] [N]    (--small: 100 threads, one run, targets not
                                                      judged)
"""

import json
import os
import subprocess
import tempfile

import benchlib

SOURCE = os.path.join(benchlib.SOURCE_DIR, "tests", "fixtures", "c", "many_native.c")


def check_answer(label, got, n):
    benchlib.check("%s: threads" % label, got["total"], n + 1)
    waiters = [g for g in got["groups"] if g["state"] == "condition variable"]
    benchlib.check("%s: condition-variable groups" % label, len(waiters), 20)
    benchlib.check("%s: waiters per group" % label, sorted({g["count"] for g in waiters}),
                   sorted({n // 20 + (1 if k < n % 20 else 0) for k in range(20)}))


def gdb_figures(label, argv, runs):
    secs, _ = benchlib.measure(argv, runs=runs)
    rss = benchlib.peak_rss_mib(argv)
    print("%-48s %10.3f s    %8.1f MiB   (for comparison)" % (label, secs, rss))


def main():
    n, small = benchlib.args(1000, __doc__)
    if small:
        n = 100 if len(os.sys.argv) == 2 else n
    runs = 1 if small else 5
    judged = not small
    with tempfile.TemporaryDirectory(prefix="hs-bench-") as tmp:
        exe = os.path.join(tmp, "many_native")
        subprocess.run(["gcc", "-O2", "-g", "-pthread", "-o", exe, SOURCE], check=True)
        print("program: tests/fixtures/c/many_native.c, %d threads + main" % n)
        p = subprocess.Popen([exe, str(n)], stdout=subprocess.PIPE, text=True)
        try:
            for line in p.stdout:
                if line.strip() == "ready":
                    break
            live = [benchlib.HEAPSCOPE, "threads-blocked", "--json", "-n", "0", "--pid", str(p.pid)]
            live_s, out = benchlib.measure(live, runs=runs)
            check_answer("--pid", json.loads(out), n)
            live_rss = benchlib.peak_rss_mib(live)
            gdb_figures("gdb -p: thread apply all bt (median of %d)" % runs,
                        ["/usr/bin/gdb", "-nx", "-batch", "-ex", "thread apply all bt", "-p", str(p.pid)], runs)
            core, secs, size = benchlib.gcore(p.pid, os.path.join(tmp, "core"))
            print("gcore: %.1f s, %.0f MiB" % (secs, size))
        finally:
            p.kill()
            p.wait()
        argv = [benchlib.HEAPSCOPE, "threads-blocked", "--json", "-n", "0", "--core", core]
        core_s, out = benchlib.measure(argv, runs=runs)
        check_answer("--core", json.loads(out), n)
        core_rss = benchlib.peak_rss_mib(argv)
        gdb_figures("gdb core: thread apply all bt (median of %d)" % runs,
                    ["/usr/bin/gdb", "-nx", "-batch", "-ex", "thread apply all bt", exe, core], runs)
        ok = benchlib.report_run("threads-blocked --core", core_s, runs, core_rss, 0.5, 100, judged)
        ok &= benchlib.report_run("threads-blocked --pid", live_s, runs, live_rss, 0.5, 100, judged)
        benchlib.finish(ok)


if __name__ == "__main__":
    main()
