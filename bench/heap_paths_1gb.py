#!/usr/bin/env python3
"""Benchmark (issue: who holds it): on a core of a process with a 1 GiB live heap of about 5
million mixed objects (tests/fixtures/go/bigheap), `heap-top --by root` (the graph, every root,
the mark, types and the dominator tree) and `heap-paths --pprof FILE` (the shortest-path forest
and a profile of all live memory by reference path). Target on the reference machine (2 cores):
each at most 2 s and 250 MiB peak memory (goref takes 12.9 s and 273 MB for its reference profile
of the same core). The answers are checked against what the program reported: main.blobs alone
keeps alive its backing array and every blob; reachable and garbage objects add up to HeapObjects;
the profile holds every reachable object once, and every main.Doc the program made.

usage: bench/heap_paths_1gb.py [--small] [MiB]   (HEAPSCOPE / HS_BUILD_DIR select the binary;
                                                 --small: 48 MiB, one run, targets not judged)
"""

import json
import os
import re
import subprocess
import tempfile

import benchlib
from benchlib import MIB
from run_fixture import Fixture


def profile_totals(go, path):
    """(objects, bytes, {leaf name: objects}) of a heap-paths profile, read by go tool pprof -raw."""
    text = subprocess.run([go, "tool", "pprof", "-raw", path], capture_output=True, text=True,
                          check=True, env=dict(os.environ, GOTOOLCHAIN="local")).stdout
    samples, locs = text.split("\nLocations\n", 1)
    names = {int(m.group(1)): m.group(3) or m.group(2)
             for m in re.finditer(r"^\s+(\d+): 0x0 M=\d+ (.*?) :0:0 s=0(?:\((.*)\))?$", locs, re.M)}
    objects = size = 0
    leaves = {}
    for m in re.finditer(r"^\s+(\d+)\s+(\d+): ([\d ]+)$", samples, re.M):
        objects += int(m.group(1))
        size += int(m.group(2))
        leaf = names[int(m.group(3).split()[0])]
        leaves[leaf] = leaves.get(leaf, 0) + int(m.group(1))
    return objects, size, leaves


def main():
    mib, small, runs, version = benchlib.bigheap_args(__doc__)
    go = os.path.join(benchlib.toolchain_root(version), "bin", "go")
    with tempfile.TemporaryDirectory(prefix="hs-bench-") as tmp:
        exe, gover = benchlib.build("bigheap", version, os.path.join(tmp, "bin"))
        with Fixture(exe, args=[str(mib)], timeout=600) as fx:
            info = dict(fx.info)
            ms = json.loads(re.search(r"^HEAPSCOPE-MEMSTATS (.*)$", fx.output, re.M).group(1))
            print("program: tests/fixtures/go/bigheap, %s, %d records, %d docs, %d blobs"
                  % (gover, info["records"], info["docs"], info["blobs"]))
            core, secs, size = benchlib.gcore(fx.pid, os.path.join(tmp, "core"))
            print("gcore: %.1f s, %.0f MiB" % (secs, size))
        target = ["--core", core, "--exe", exe]
        by_root = [benchlib.HEAPSCOPE, "heap-top", "--by", "root", "--json", "-n", "0"] + target
        secs_root, out = benchlib.measure(by_root, runs=runs)
        rss_root = benchlib.peak_rss_mib(by_root)
        got = json.loads(out)
        rows = {r["name"]: r for r in got["rows"]}
        benchlib.check("main.blobs keeps its backing array and every blob",
                       rows.get("main.blobs", {}).get("retained_objects"), info["blobs"] + 1)
        live = got["reachability"]
        benchlib.check("reachable + garbage objects = HeapObjects",
                       live["live_objects"] + live["unreachable_objects"], ms["HeapObjects"])
        print("reachable: %d objects, %.1f MiB; top roots: %s" % (
            live["live_objects"], live["live_bytes"] / MIB,
            ", ".join("%s %.1f MiB" % (r["name"], r["retained_bytes"] / MIB) for r in got["rows"][:4])))
        prof = os.path.join(tmp, "paths.pb.gz")
        paths = [benchlib.HEAPSCOPE, "heap-paths", "--pprof", prof] + target
        secs_paths, _ = benchlib.measure(paths, runs=runs)
        rss_paths = benchlib.peak_rss_mib(paths)
        objects, nbytes, leaves = profile_totals(go, prof)
        benchlib.check("profile objects = reachable objects", objects, live["live_objects"])
        benchlib.check("profile bytes = reachable bytes", nbytes, live["live_bytes"])
        benchlib.check("main.Doc objects in the profile", leaves.get("main.Doc"), info["docs"])
        judged = not small
        ok = benchlib.report_run("heap-top --by root --core", secs_root, runs, rss_root, 2.0, 250, judged)
        ok &= benchlib.report_run("heap-paths --pprof --core", secs_paths, runs, rss_paths, 2.0, 250, judged)
        benchlib.finish(ok)


if __name__ == "__main__":
    main()
