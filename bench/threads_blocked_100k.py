#!/usr/bin/env python3
"""Benchmark (issue: foundation): threads-blocked on a process with 100,000 blocked goroutines,
on its gcore core and on the live process. Target on the reference machine (2 cores): under 1 s
and under 100 MB peak memory for the core.

usage: bench/threads_blocked_100k.py [N]      (HEAPSCOPE / HS_BUILD_DIR select the binary)
"""

import os
import subprocess
import sys
import tempfile
import time

import benchlib
from run_fixture import Fixture


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    version = benchlib.newest_go()
    with tempfile.TemporaryDirectory(prefix="hs-bench-") as tmp:
        exe, gover = benchlib.build("manyblocked", version, os.path.join(tmp, "bin"))
        print("program: tests/fixtures/go/manyblocked, %d goroutines, %s" % (n, gover))
        with Fixture(exe, args=[str(n)], timeout=300) as fx:
            t0 = time.monotonic()
            subprocess.run(["gcore", "-o", os.path.join(tmp, "core"), str(fx.pid)], check=True,
                           capture_output=True, timeout=900)
            core = os.path.join(tmp, "core.%d" % fx.pid)
            print("gcore: %.1f s, %.0f MB" % (time.monotonic() - t0, os.path.getsize(core) / 1e6))
            live = [benchlib.HEAPSCOPE, "threads-blocked", "--json", "--pid", str(fx.pid)]
            live_s, _ = benchlib.measure(live, runs=3)
            live_rss = benchlib.peak_rss_mib(live)
        argv = [benchlib.HEAPSCOPE, "threads-blocked", "--json", "--core", core, "--exe", exe]
        secs, out = benchlib.measure(argv, runs=5)
        rss = benchlib.peak_rss_mib(argv)
        total = __import__("json").loads(out)["total"]
        print("goroutines counted by heapscope: %d" % total)
        ok = benchlib.report("threads-blocked --core: time (median of 5)", secs, "s", 1.0)
        ok &= benchlib.report("threads-blocked --core: peak memory", rss, "MiB", 100)
        benchlib.report("threads-blocked --pid: time (median of 3)", live_s, "s", 1.0)
        benchlib.report("threads-blocked --pid: peak memory", live_rss, "MiB", 100)
        sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
