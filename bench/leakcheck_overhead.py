#!/usr/bin/env python3
"""leakcheck_overhead.py [--small] [TESTS]: what `heapscope leakcheck` adds to a test binary
(issue 15: under 100 ms per test binary plus the read). Writes a go test package of TESTS tests
(200 by default, 20 with --small), half of which start and finish goroutines, builds its test
binary once (go test -c, newest Go here), then runs it directly and under `heapscope leakcheck
--json F --` (median of 5 runs each, 2 with --small) and prints: both times, the difference, the
read itself (read_seconds of the JSON report: goroutines, stacks, verdicts), and the difference
minus the read (tracing, starting and opening the executable: what the target is about).
Answers checked: the binary passes both ways, and leakcheck finds no goroutine left (the tests
leave none, by construction), with the runtime's count of goroutines at the end of the last
test (printed by the package) as the oracle."""

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import benchlib

TEST = '''
func Test%(i)d(t *testing.T) {
	if %(i)d%%2 == 0 {
		var wg sync.WaitGroup
		for k := 0; k < 4; k++ {
			wg.Add(1)
			go func() { defer wg.Done(); time.Sleep(time.Microsecond) }()
		}
		wg.Wait()
	}
	if %(i)d == %(last)d {
		for k := 0; k < 100 && runtime.NumGoroutine() > 2; k++ {
			time.Sleep(time.Millisecond)
		}
		fmt.Fprintf(os.Stderr, "NumGoroutine %%d\\n", runtime.NumGoroutine())
	}
}
'''


def write_package(d, n):
    os.makedirs(d)
    with open(os.path.join(d, "main.go"), "w") as f:
        f.write("package main\n\nfunc main() {}\n")
    with open(os.path.join(d, "many_test.go"), "w") as f:
        f.write('package main\n\nimport (\n\t"fmt"\n\t"os"\n\t"runtime"\n\t"sync"\n\t"testing"\n\t"time"\n)\n')
        for i in range(n):
            f.write(TEST % {"i": i, "last": n - 1})


def build(d, version, tmp):
    root = benchlib.toolchain_root(version)
    env = dict(os.environ, GOROOT=root, GOTOOLCHAIN="local", GO111MODULE="off", CGO_ENABLED="0",
               GOFLAGS="", GOPATH=os.path.join(tmp, "gopath"),
               GOCACHE=os.path.join(os.path.expanduser("~/.cache/heapscope-gocache"), version))
    exe = os.path.join(tmp, "many.test")
    subprocess.run([os.path.join(root, "bin", "go"), "test", "-c", "-o", exe, "."], cwd=d, env=env,
                   check=True, capture_output=True, timeout=600)
    return exe


def timed(argv, runs):
    """Median wall time of argv over runs, and the stderr of the last run; any failure exits."""
    times, err = [], ""
    for _ in range(runs):
        t0 = time.monotonic()
        p = subprocess.run(argv, capture_output=True, text=True)
        times.append(time.monotonic() - t0)
        if p.returncode != 0:
            sys.exit("%s failed (%d): %s" % (" ".join(argv), p.returncode, p.stderr[-2000:]))
        err = p.stderr
    return statistics.median(times), err


def main():
    n, small = benchlib.args(200, __doc__)
    n, runs, version = (20 if small and len(sys.argv) == 2 else n), (2 if small else 5), benchlib.newest_go()
    with tempfile.TemporaryDirectory(prefix="hs-bench-") as tmp:
        src = os.path.join(tmp, "src", "many")
        write_package(src, n)
        exe = build(src, version, tmp)
        print("program: a go test package of %d tests, go%s" % (n, version))
        args = ["-test.paniconexit0", "-test.timeout=10m0s"]  # as go test -exec passes them
        plain_s, plain_err = timed([exe] + args, runs)
        report = os.path.join(tmp, "leakcheck.json")
        traced_s, traced_err = timed([benchlib.HEAPSCOPE, "leakcheck", "--json", report, "--", exe] + args, runs)
        got = json.load(open(report))
        m = re.search(r"^NumGoroutine (\d+)$", traced_err, re.M)
        benchlib.check("goroutines left = runtime's count - main - test", got["alive"],
                       int(m.group(1)) - 2 if m else -1)
        benchlib.check("binary checked", got["checked"], True)
        read = got["read_seconds"]
        print("test binary directly (median of %d)           %10.3f s" % (runs, plain_s))
        print("test binary under leakcheck (median of %d)    %10.3f s" % (runs, traced_s))
        print("leakcheck: the read at exit (last run)        %10.3f s" % read)
        ok = benchlib.report("overhead per test binary, read excluded", (traced_s - plain_s - read) * 1000,
                             "ms", 100, not small)
        benchlib.finish(ok)


if __name__ == "__main__":
    main()
