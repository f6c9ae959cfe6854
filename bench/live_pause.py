#!/usr/bin/env python3
"""Benchmark (issue: live reads that stop a service for milliseconds): how long heapscope keeps
a live service stopped. The service (tests/fixtures/go/mapservice) holds its data in a map of
pointers to 112-byte structs, parks 1,000 goroutines, keeps 2 goroutines replacing entries and
a heartbeat goroutine that records the longest gap between its 1 ms wake-ups. For heap-top
(default, --by site, --live) and threads-blocked on the live process: the pause heapscope states
("process N stopped 0.41 s") and the heartbeat's longest gap over the read (the service's own
measure), beside the time of the same command on a gcore core of it. Targets (issue 19) at 256
MiB and 1 GiB: a live read stops the service at most 2 s, by the heartbeat; with --snapshot fork
(stopped only to be forked) at most 20 ms at 256 MiB and 150 ms at 1 GiB. The answer is
checked: the live read's totals equal runtime.MemStats read at the same instant, and every
live entry of the map is counted as a reachable main.Item.

usage: bench/live_pause.py [--small] [MiB...]   (default 256 1024; --small: 32 MiB, one run,
                                                targets not judged)
"""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

import benchlib
from run_fixture import Fixture

COMMANDS = [["heap-top", "--json"], ["heap-top", "--by", "site", "--json"],
            ["heap-top", "--live", "--json"], ["threads-blocked", "--json"]]
PAUSE = re.compile(r"stopped (\d+\.\d+) s")


def gap(fx):
    """The service's longest heartbeat gap (s) since it was last asked."""
    os.kill(fx.pid, signal.SIGUSR1)
    while True:
        line = fx.proc.stdout.readline().decode()
        if line.startswith("GAP "):
            return int(line.split()[1]) / 1e9


def live(fx, cmd, how):
    gap(fx)
    p = subprocess.run([benchlib.HEAPSCOPE] + cmd + ["--pid", str(fx.pid)] + how,
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("%s failed: %s" % (" ".join(cmd), p.stderr[-2000:]))
    m = PAUSE.search(p.stderr)
    if not m:
        sys.exit("%s: no pause stated in: %s" % (" ".join(cmd), p.stderr[-2000:]))
    return float(m.group(1)), gap(fx), json.loads(p.stdout)


def check_answer(cmd, got, entries):
    if cmd == ["heap-top", "--json"]:
        t, ms = got["totals"], got["memstats"]
        benchlib.check("live read: walk objects = MemStats HeapObjects", t["inuse_objects"],
                       ms["heap_objects"])
        benchlib.check("live read: walk bytes = MemStats HeapAlloc", t["inuse_bytes"], ms["heap_alloc"])
        return
    if cmd != ["heap-top", "--live", "--json"]:
        return
    rows = {x["name"]: x for x in got["rows"]}
    # every entry of the map is reachable; the churners hold at most 2 more while replacing
    items = rows.get("main.Item", {}).get("inuse_objects", 0)
    benchlib.check("reachable main.Item within 2 of the map's entries", abs(items - entries) <= 2, True)


def one_size(mib, runs, judged, tmp, exe, gover):
    ok = True
    with Fixture(exe, args=[str(mib)], timeout=900, quiet=False) as fx:
        entries = fx.info["entries"]
        print("program: tests/fixtures/go/mapservice %d MiB, %s, %d entries" % (mib, gover, entries))
        for cmd in COMMANDS:
            for how, what, target in (([], "live", 2.0), (["--snapshot", "fork"], "fork",
                                                          0.020 if mib <= 256 else 0.150)):
                name = " ".join(c for c in cmd if c != "--json")
                stated, beat = [], []
                for _ in range(runs):
                    s, g, got = live(fx, cmd, how)
                    stated.append(s)
                    beat.append(g)
                check_answer(cmd, got, entries)
                worst = max(beat)
                print("%-28s %s: stated pause %.3f s, heartbeat gap %.3f s (worst of %d)"
                      % (name, what, max(stated), worst, runs))
                ok &= benchlib.report("%d MiB %s: %s pause (heartbeat)" % (mib, name, what), worst,
                                      "s", target, judged)
        core, secs, size = benchlib.gcore(fx.pid, os.path.join(tmp, "core"))
    print("gcore: %.1f s, %.0f MiB" % (secs, size))
    for cmd in COMMANDS:
        secs, _ = benchlib.measure([benchlib.HEAPSCOPE] + cmd + ["--core", core, "--exe", exe], runs=1)
        print("%-28s core: %.2f s" % (" ".join(c for c in cmd if c != "--json"), secs))
    os.unlink(core)
    return ok


def main():
    a = [x for x in sys.argv[1:] if x != "--small"]
    small = "--small" in sys.argv[1:]
    if any(not x.isdigit() for x in a):
        sys.exit(__doc__)
    sizes = [int(x) for x in a] or ([32] if small else [256, 1024])
    runs = 1 if small else 3
    version = benchlib.newest_go()
    ok = True
    with tempfile.TemporaryDirectory(prefix="hs-bench-") as tmp:
        exe, gover = benchlib.build("mapservice", version, os.path.join(tmp, "bin"))
        for mib in sizes:
            ok &= one_size(mib, runs, not small, tmp, exe, gover)
    benchlib.finish(ok)


if __name__ == "__main__":
    main()
