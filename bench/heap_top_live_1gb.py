#!/usr/bin/env python3
"""Benchmark (issue: reachability): heap-top --live on a core of a process with a 1 GB live heap
of about 5 million mixed objects (tests/fixtures/go/bigheap): the object graph, every root, the
mark and the types. Target on the reference machine (2 cores): at most 1.5 s and 200 MB peak
memory. Checks its answer: every Record the program holds is reachable and typed, and the
reachable objects are what runtime.MemStats counted after the program's last GC (less the few
objects the program itself dropped after reading it: its JSON line).

usage: bench/heap_top_live_1gb.py [MiB]        (HEAPSCOPE / HS_BUILD_DIR select the binary)
       bench/heap_top_live_1gb.py --core CORE --exe EXE --info JSON   (an existing core)
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import benchlib
from run_fixture import Fixture


def check(got, info):
    r = got["reachability"]
    rows = {x["name"]: x["inuse_objects"] for x in got["rows"]}
    problems = []
    if rows.get("main.Record") != info["records"]:
        problems.append("main.Record in --live: %s, the program holds %d" % (rows.get("main.Record"), info["records"]))
    if abs(r["live_objects"] - info["heap_objects"]) > 64:
        problems.append("%d live objects, HeapObjects after the GC %d" % (r["live_objects"], info["heap_objects"]))
    if got["totals"]["typed_share"] < 0.99:
        problems.append("typed share of live bytes %.3f" % got["totals"]["typed_share"])
    return problems


def run(core, exe, info):
    argv = [benchlib.HEAPSCOPE, "heap-top", "--live", "--json", "--core", core, "--exe", exe]
    secs, out = benchlib.measure(argv, runs=5)
    rss = benchlib.peak_rss_mib(argv)
    got = json.loads(out)
    r = got["reachability"]
    print("reachable: %d objects, %.0f MB; garbage not yet collected: %d objects; typed %.1f%% of live bytes"
          % (r["live_objects"], r["live_bytes"] / 1e6, r["unreachable_objects"], 100 * got["totals"]["typed_share"]))
    problems = check(got, info)
    for p in problems:
        print("WRONG ANSWER: " + p)
    ok = benchlib.report("heap-top --live --core: time (median of 5)", secs, "s", 1.5)
    ok &= benchlib.report("heap-top --live --core: peak memory", rss, "MiB", 200)
    return ok and not problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mib", nargs="?", type=int, default=1024)
    ap.add_argument("--core")
    ap.add_argument("--exe")
    ap.add_argument("--info", help="the program's HEAPSCOPE-INFO object (JSON)")
    a = ap.parse_args()
    print("load average: %.2f %.2f %.2f" % os.getloadavg())
    if a.core:
        sys.exit(0 if run(a.core, a.exe, json.loads(a.info)) else 1)
    version = benchlib.newest_go()
    with tempfile.TemporaryDirectory(prefix="hs-bench-") as tmp:
        exe, gover = benchlib.build("bigheap", version, os.path.join(tmp, "bin"))
        with Fixture(exe, args=[str(a.mib)], timeout=600) as fx:
            print("program: tests/fixtures/go/bigheap, %s, HeapAlloc %.0f MB in %d objects (runtime.MemStats)"
                  % (gover, fx.info["heap_alloc"] / 1e6, fx.info["heap_objects"]))
            t0 = time.monotonic()
            subprocess.run(["gcore", "-o", os.path.join(tmp, "core"), str(fx.pid)], check=True,
                           capture_output=True, timeout=1800)
            core = os.path.join(tmp, "core.%d" % fx.pid)
            print("gcore: %.1f s, %.0f MB" % (time.monotonic() - t0, os.path.getsize(core) / 1e6))
            info = fx.info
        sys.exit(0 if run(core, exe, info) else 1)


if __name__ == "__main__":
    main()
