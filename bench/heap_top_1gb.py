#!/usr/bin/env python3
"""Benchmark (issue: heap-top): heap-top --by type on a core of a process with a 1 GB live heap
of millions of mixed objects (tests/fixtures/go/bigheap). Target on the reference machine
(2 cores): under 2 s and under 200 MB peak memory. Also prints the share of bytes typed, and
the same figures on the live process.

usage: bench/heap_top_1gb.py [MiB]          (HEAPSCOPE / HS_BUILD_DIR select the binary)
"""

import json
import os
import subprocess
import sys
import tempfile
import time

import benchlib
from run_fixture import Fixture


def main():
    mib = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
    version = benchlib.newest_go()
    with tempfile.TemporaryDirectory(prefix="hs-bench-") as tmp:
        exe, gover = benchlib.build("bigheap", version, os.path.join(tmp, "bin"))
        with Fixture(exe, args=[str(mib)], timeout=600) as fx:
            print("program: tests/fixtures/go/bigheap, %s, HeapAlloc %.0f MB in %d objects (runtime.MemStats)"
                  % (gover, fx.info["heap_alloc"] / 1e6, fx.info["heap_objects"]))
            t0 = time.monotonic()
            subprocess.run(["gcore", "-o", os.path.join(tmp, "core"), str(fx.pid)], check=True,
                           capture_output=True, timeout=1800)
            core = os.path.join(tmp, "core.%d" % fx.pid)
            print("gcore: %.1f s, %.0f MB" % (time.monotonic() - t0, os.path.getsize(core) / 1e6))
            live = [benchlib.HEAPSCOPE, "heap-top", "--json", "--pid", str(fx.pid)]
            live_s, _ = benchlib.measure(live, runs=3)
            live_rss = benchlib.peak_rss_mib(live)
        argv = [benchlib.HEAPSCOPE, "heap-top", "--json", "--core", core, "--exe", exe]
        secs, out = benchlib.measure(argv, runs=5)
        rss = benchlib.peak_rss_mib(argv)
        got = json.loads(out)
        tot = got["totals"]
        print("heap walked: %.0f MB in %d objects; %d rows; typed share of bytes %.1f%%"
              % (tot["inuse_bytes"] / 1e6, tot["inuse_objects"], got["rows_total"],
                 100 * tot.get("typed_share", 0)))
        for r in got["rows"][:8]:
            print("    %10.1f MB %10d  %s" % (r["inuse_bytes"] / 1e6, r["inuse_objects"], r["name"]))
        ok = benchlib.report("heap-top --by type --core: time (median of 5)", secs, "s", 2.0)
        ok &= benchlib.report("heap-top --by type --core: peak memory", rss, "MiB", 200)
        benchlib.report("heap-top --by type --pid: time (median of 3)", live_s, "s", 2.0)
        benchlib.report("heap-top --by type --pid: peak memory", live_rss, "MiB", 200)
        sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
