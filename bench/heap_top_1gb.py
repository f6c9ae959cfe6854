#!/usr/bin/env python3
"""Benchmark (issue: heap-top): heap-top --by type on a core of a process with a 1 GiB live heap
of millions of mixed objects (tests/fixtures/go/bigheap). Target on the reference machine
(2 cores): under 2 s and under 200 MiB peak memory. Also prints the share of bytes typed, and
the same figures on the live process. The answer is checked against what the program itself
reported (runtime.MemStats after a GC, and how many objects of its own types it keeps): a wrong
answer fails the benchmark.

usage: bench/heap_top_1gb.py [--small] [MiB]    (HEAPSCOPE / HS_BUILD_DIR select the binary;
                                                --small: 48 MiB, one run, targets not judged)
"""

import json
import os
import re
import tempfile

import benchlib
from benchlib import MIB
from run_fixture import Fixture


def check_answer(label, got, info):
    tot, rows = got["totals"], {r["name"]: r for r in got["rows"]}
    benchlib.check("%s: objects walked = HeapObjects" % label, tot["inuse_objects"], info["heap_objects"])
    benchlib.check("%s: bytes walked = HeapAlloc" % label, tot["inuse_bytes"], info["heap_alloc"])
    benchlib.check("%s: main.Record objects" % label, rows.get("main.Record", {}).get("inuse_objects"),
                   info["records"])
    benchlib.check("%s: main.Doc objects" % label, rows.get("main.Doc", {}).get("inuse_objects"), info["docs"])


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
            live = [benchlib.HEAPSCOPE, "heap-top", "--json", "-n", "0", "--pid", str(fx.pid)]
            live_s, out = benchlib.measure(live, runs=1 if small else 3)
            check_answer("--pid", json.loads(out), info)
            live_rss = benchlib.peak_rss_mib(live)
        argv = [benchlib.HEAPSCOPE, "heap-top", "--json", "-n", "0", "--core", core, "--exe", exe]
        secs, out = benchlib.measure(argv, runs=runs)
        rss = benchlib.peak_rss_mib(argv)
        got = json.loads(out)
        check_answer("--core", got, info)
        tot = got["totals"]
        print("heap walked: %.1f MiB in %d objects; %d rows; typed share of bytes %.1f%%"
              % (tot["inuse_bytes"] / MIB, tot["inuse_objects"], got["rows_total"],
                 100 * tot.get("typed_share", 0)))
        for r in got["rows"][:8]:
            print("    %10.1f MiB %10d  %s" % (r["inuse_bytes"] / MIB, r["inuse_objects"], r["name"]))
        judged = not small
        ok = benchlib.report("heap-top --by type --core: time (median of %d)" % runs, secs, "s", 2.0, judged)
        ok &= benchlib.report("heap-top --by type --core: peak memory", rss, "MiB", 200, judged)
        benchlib.report("heap-top --by type --pid: time (median of %d)" % (1 if small else 3), live_s, "s", 2.0, judged)
        benchlib.report("heap-top --by type --pid: peak memory", live_rss, "MiB", 200, judged)
        benchlib.finish(ok)


if __name__ == "__main__":
    main()
