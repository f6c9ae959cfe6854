#!/usr/bin/env python3
"""Benchmark (issue: every root, the mark): heap-top --live on a core of a process with a 1 GiB
live heap of about 5 million mixed objects (tests/fixtures/go/bigheap): the object graph, every
root, the mark and the types. Target on the reference machine (2 cores): at most 1.5 s and
200 MiB peak memory. The answer is checked against what the program itself reported: reachable
and garbage objects add up to HeapObjects (the program read runtime.MemStats right after a GC
and allocates nothing after it, so what is not reachable is the handful of objects it dropped
since), and every Record and Doc it holds is counted and typed; a wrong answer fails.

usage: bench/heap_top_live_1gb.py [--small] [MiB]   (HEAPSCOPE / HS_BUILD_DIR select the binary;
                                                    --small: 48 MiB, one run, targets not judged)
"""

import json
import os
import re
import tempfile

import benchlib
from benchlib import MIB
from run_fixture import Fixture


def check_answer(got, info):
    r, rows = got["reachability"], {x["name"]: x for x in got["rows"]}
    benchlib.check("reachable + garbage objects = HeapObjects",
                   r["live_objects"] + r["unreachable_objects"], info["heap_objects"])
    benchlib.check("reachable + garbage bytes = HeapAlloc", r["live_bytes"] + r["unreachable_bytes"],
                   info["heap_alloc"])
    # what the program dropped between its last GC and the core (its output buffers): a handful
    benchlib.check("garbage objects <= 64", r["unreachable_objects"] <= 64, True)
    benchlib.check("main.Record objects (--live)", rows.get("main.Record", {}).get("inuse_objects"),
                   info["records"])
    benchlib.check("main.Doc objects (--live)", rows.get("main.Doc", {}).get("inuse_objects"), info["docs"])


def main():
    mib, small, runs, version = benchlib.bigheap_args(__doc__)
    with tempfile.TemporaryDirectory(prefix="hs-bench-") as tmp:
        exe, gover = benchlib.build("bigheap", version, os.path.join(tmp, "bin"))
        with Fixture(exe, args=[str(mib)], timeout=600) as fx:
            info = dict(fx.info)
            ms = json.loads(re.search(r"^HEAPSCOPE-MEMSTATS (.*)$", fx.output, re.M).group(1))
            info.update(heap_alloc=ms["HeapAlloc"], heap_objects=ms["HeapObjects"])
            print("program: tests/fixtures/go/bigheap, %s, HeapAlloc %.1f MiB in %d objects (runtime.MemStats)"
                  % (gover, info["heap_alloc"] / MIB, info["heap_objects"]))
            core, secs, size = benchlib.gcore(fx.pid, os.path.join(tmp, "core"))
            print("gcore: %.1f s, %.0f MiB" % (secs, size))
        argv = [benchlib.HEAPSCOPE, "heap-top", "--live", "--json", "-n", "0", "--core", core, "--exe", exe]
        secs, out = benchlib.measure(argv, runs=runs)
        rss = benchlib.peak_rss_mib(argv)
        got = json.loads(out)
        check_answer(got, info)
        r = got["reachability"]
        print("reachable: %d objects, %.1f MiB; garbage not yet collected: %d objects; typed %.1f%% of live bytes"
              % (r["live_objects"], r["live_bytes"] / MIB, r["unreachable_objects"],
                 100 * got["totals"].get("typed_share", 0)))
        judged = not small
        ok = benchlib.report("heap-top --live --core: time (median of %d)" % runs, secs, "s", 1.5, judged)
        ok &= benchlib.report("heap-top --live --core: peak memory", rss, "MiB", 200, judged)
        benchlib.finish(ok)


if __name__ == "__main__":
    main()
