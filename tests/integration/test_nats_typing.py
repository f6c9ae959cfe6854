#!/usr/bin/env python3
"""Types on a real service nobody here wrote: nats-server from the Go module proxy, built with the
newest Go here (v2.15.3) and with go1.21 (v2.10.14, the newest release whose go.mod accepts 1.21),
under bounded loopback load (tests/tools/nats_load.py: pub/sub, queue groups, requests, a
JetStream stream), then a gcore core. heap-top --live must give a type to at least 95% of the
reachable bytes; the figure of each release is printed. The same binary with its symbols and
DWARF stripped (objcopy --strip-all) is measured too: from go1.22 (allocation headers) its typed
share must be at least 90% of the unstripped one's; older releases' figure is printed. The
builds are cached for every build tree in ~/.cache/heapscope-nats (HS_NATS_CACHE); without the
module proxy the test skips."""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import hstest
import nats_load

TARGET_SHARE = 0.95
STRIPPED_SHARE = 0.90  # of the unstripped binary's typed share, from go1.22
RELEASES = [("newest", "v2.15.3", 26), ("1.21", "v2.10.14", 21)]  # (toolchain, nats-server, min minor)


def build_nats(version, nats_version):
    """nats-server nats_version built with Go `version` (cached); (exe, None) or (None, why)."""
    goroot = hstest.toolchains()[version]
    cache = os.environ.get("HS_NATS_CACHE", os.path.expanduser("~/.cache/heapscope-nats"))
    outdir = os.path.join(cache, version, nats_version)
    exe = os.path.join(outdir, "nats-server")
    if os.path.exists(exe):
        return exe, None
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "go.mod"), "w") as f:
        f.write("module natsbuild\n\ngo 1.20\n\nrequire github.com/nats-io/nats-server/v2 %s\n" % nats_version)
    with open(os.path.join(outdir, "tools.go"), "w") as f:
        f.write("//go:build tools\n\npackage natsbuild\n\nimport _ \"github.com/nats-io/nats-server/v2\"\n")
    env = dict(os.environ, GOROOT=goroot, GOTOOLCHAIN="local", GOFLAGS="-mod=mod", CGO_ENABLED="0",
               GO111MODULE="on", GOCACHE=os.path.join(os.path.expanduser("~/.cache/heapscope-gocache"), version))
    p = subprocess.run([os.path.join(goroot, "bin", "go"), "build", "-o", exe + ".tmp",
                        "github.com/nats-io/nats-server/v2"], cwd=outdir, env=env, capture_output=True,
                       text=True, timeout=1200)
    if p.returncode != 0:
        return None, p.stderr[-600:]
    os.rename(exe + ".tmp", exe)
    return exe, None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NatsTyping(unittest.TestCase):
    def measure(self, exe, tmp):
        port = free_port()
        srv = subprocess.Popen([exe, "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", os.path.join(tmp, "js")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(200):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.05)
            load = nats_load.Load(port)
            sent = load.run(messages=4000, seconds=60)
            time.sleep(0.3)
            core = os.path.join(tmp, "core")
            subprocess.run(["gcore", "-o", core, str(srv.pid)], check=True, capture_output=True, timeout=300)
            load.close()
        finally:
            srv.kill()
            srv.wait()
        got = hstest.run_json(["heap-top", "--live", "--core", "%s.%d" % (core, srv.pid), "--exe", exe],
                              timeout=300)
        return sent, got

    def test_typed_share_of_live_bytes(self):
        tcs = hstest.toolchains_or_skip(self)
        figures = []
        for which, nats_version, min_minor in RELEASES:
            version = tcs[-1] if which == "newest" else which
            with self.subTest(go=version, nats=nats_version):
                if version not in tcs or int(version.split(".")[1]) < min_minor:
                    self.fail("no Go %s toolchain here: run scripts/setup.sh --all-go" % which)
                exe, why = build_nats(version, nats_version)
                if not exe:
                    self.fail("cannot build nats-server %s with Go %s (the Go module proxy must be "
                              "reachable): %s" % (nats_version, version, why))
                with tempfile.TemporaryDirectory() as tmp:
                    sent, got = self.measure(exe, tmp)
                tot = got["totals"]
                share = tot["typed_bytes"] / max(1, tot["inuse_bytes"])
                untyped = [(r["name"], r["inuse_bytes"]) for r in got["rows"] if not r.get("typed", True)][:5]
                figures.append("nats-server %s, %s: %d messages; %d live objects, %d live bytes, %.1f%% "
                               "typed; largest untyped: %s" % (nats_version, got["version"], sent,
                                                               tot["inuse_objects"], tot["inuse_bytes"],
                                                               100 * share, untyped))
                print(figures[-1], file=sys.stderr)
                self.assertEqual(got["objects"], "live")
                self.assertGreater(tot["inuse_objects"], 5000)
                self.assertGreaterEqual(share, TARGET_SHARE, figures[-1])
                with tempfile.TemporaryDirectory() as tmp:
                    stripped = os.path.join(tmp, "nats-server")
                    shutil.copy(exe, stripped)
                    subprocess.run(["objcopy", "--strip-all", stripped], check=True)
                    _, sgot = self.measure(stripped, tmp)
                st = sgot["totals"]
                sshare = st["typed_bytes"] / max(1, st["inuse_bytes"])
                figures.append("nats-server %s, %s, stripped: %.1f%% typed (%.0f%% of the unstripped "
                               "share)" % (nats_version, sgot["version"], 100 * sshare, 100 * sshare / share))
                print(figures[-1], file=sys.stderr)
                if int(version.split(".")[1]) >= 22:
                    self.assertGreaterEqual(sshare, STRIPPED_SHARE * share, figures[-1])


if __name__ == "__main__":
    hstest.main()
