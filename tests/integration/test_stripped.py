#!/usr/bin/env python3
"""Binaries without symbols or DWARF (-ldflags="-s -w", as goreleaser and Kubernetes ship them),
every release: heapscope finds the runtime from pclntab and the runtime's own code, and answers
as the runtime says — live and on a gcore core: heap-top's totals against runtime.MemStats
(HeapAlloc, HeapObjects), its statistics against the runtime's, objects per size class against
MemStats.BySize; threads-blocked's groups against the program's own runtime.Stack dump. The
share of bytes typed without DWARF is printed for each release (types come from allocation
headers, the code that stores to globals, and typed pointers, not from globals' DWARF), and the
program's own counts of its types are met. And a binary nobody here built: Debian's
etcd-server (go1.19.8, stripped), live and from a gcore core, its goroutine count against its
own /debug/pprof endpoint."""

import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

import hstest
import test_heap_top as th
from groups import assert_same_groups, blocked_fixture_groups, groups_from_heapscope_json
from run_fixture import Fixture

STRIP = "-s -w"
re_pause = __import__("re").compile(r"stopped (\d+\.\d+) s")


class Stripped(unittest.TestCase):
    def check_heap(self, target, info, ms, label):
        got = hstest.run_json(["heap-top"] + target)
        self.assertEqual(got["version"], info["go_version"], label)
        tot = got["totals"]
        self.assertTrue(th.near(tot["inuse_bytes"], ms["HeapAlloc"], 0.01),
                        "%s: walked %d bytes, HeapAlloc %d" % (label, tot["inuse_bytes"], ms["HeapAlloc"]))
        self.assertTrue(th.near(tot["inuse_objects"], ms["HeapObjects"], 0.01),
                        "%s: walked %d objects, HeapObjects %d" % (label, tot["inuse_objects"], ms["HeapObjects"]))
        for field, (key, rel) in th.MEMSTATS.items():
            if key in got["memstats"] and rel is not None:
                self.assertTrue(th.near(got["memstats"][key], ms[field], rel), "%s: %s is %d, the runtime said %d"
                                % (label, field, got["memstats"][key], ms[field]))
        for key in ("heap_alloc", "heap_objects", "mallocs", "frees", "num_gc"):
            self.assertIn(key, got["memstats"], label)
        th.HeapTop.check_sizes(self, target, ms, label, False)
        # Types without DWARF: the globals the program's code types (makeslice/newobject results
        # stored to them) lead to every Small, Big and Box; each count is the program's own. A
        # type reached only through a function's result (Node, from main.build) may stay
        # untyped, but is never miscounted.
        rows = {r["name"]: r["inuse_objects"] for r in got["rows"]}
        for name, want in info["types"].items():
            if name == "main.Node":
                self.assertIn(rows.get(name), (None, want), "%s: %s" % (label, name))
            else:
                self.assertEqual(rows.get(name), want, "%s: %s objects" % (label, name))
        typed = sum(r["inuse_bytes"] for r in got["rows"] if not r["name"].startswith("<"))
        sys.stderr.write("%s: %.1f%% of the bytes typed without symbols or DWARF\n"
                         % (label, 100.0 * typed / max(tot["inuse_bytes"], 1)))

    def test_heap_live_and_gcore(self):
        for v in hstest.toolchains_or_skip(self):
            with self.subTest(go=v), tempfile.TemporaryDirectory() as tmp:
                exe, ver = hstest.build_fixture(v, "heap", ldflags=STRIP)
                self.assertIsNone(subprocess.run(["nm", exe], capture_output=True).stdout.strip() or None,
                                  "%s: not stripped" % exe)
                with Fixture(exe, args=[os.path.join(tmp, "heap.pprof")]) as fx:
                    info, ms = th.program_output(fx.output)
                    self.check_heap(["--pid", str(fx.pid)], info, ms, ver + " -s -w live")
                    subprocess.run(["gcore", "-o", os.path.join(tmp, "core"), str(fx.pid)],
                                   check=True, capture_output=True, timeout=300)
                core = ["--core", os.path.join(tmp, "core.%d" % fx.pid), "--exe", exe]
                self.check_heap(core, info, ms, ver + " -s -w gcore")

    def test_strip_unneeded(self):
        """A binary stripped after the build (strip --strip-unneeded: no .symtab, no DWARF)."""
        v = hstest.toolchains_or_skip(self)[-1]
        with tempfile.TemporaryDirectory() as tmp:
            full, ver = hstest.build_fixture(v, "heap")
            exe = os.path.join(tmp, "exe")
            shutil.copy(full, exe)
            subprocess.run(["strip", "--strip-unneeded", exe], check=True)
            with Fixture(exe, args=[os.path.join(tmp, "heap.pprof")]) as fx:
                info, ms = th.program_output(fx.output)
                self.check_heap(["--pid", str(fx.pid)], info, ms, ver + " strip --strip-unneeded")

    def test_no_section_headers(self):
        """A -s -w binary whose section headers are gone too (e_shoff, e_shnum zeroed): pclntab,
        moduledata and build info are found by scanning its segments."""
        tcs = hstest.toolchains_or_skip(self)
        for v in (tcs[0], tcs[-1]):
            with self.subTest(go=v), tempfile.TemporaryDirectory() as tmp:
                built, ver = hstest.build_fixture(v, "heap", ldflags=STRIP)
                data = bytearray(open(built, "rb").read())
                struct.pack_into("<Q", data, 0x28, 0)  # e_shoff
                struct.pack_into("<HH", data, 0x3c, 0, 0)  # e_shnum, e_shstrndx
                exe = os.path.join(tmp, "exe")
                with open(exe, "wb") as f:
                    f.write(bytes(data))
                os.chmod(exe, 0o755)
                out = subprocess.run(["readelf", "-S", exe], capture_output=True, text=True).stdout
                self.assertIn("no sections", out)
                with Fixture(exe, args=[os.path.join(tmp, "heap.pprof")]) as fx:
                    info, ms = th.program_output(fx.output)
                    self.check_heap(["--pid", str(fx.pid)], info, ms, ver + " no section headers")

    def test_threads_live_and_gcore(self):
        for v in hstest.toolchains_or_skip(self):
            with self.subTest(go=v), tempfile.TemporaryDirectory() as tmp:
                exe, ver = hstest.build_fixture(v, "blocked", ldflags=STRIP)
                with Fixture(exe) as fx:
                    want = blocked_fixture_groups(fx.goroutines, fx.info)
                    got = hstest.run_json(["threads-blocked", "--pid", str(fx.pid)])
                    self.assertEqual(got["total"], fx.info["num_goroutine"], ver)
                    assert_same_groups(want, groups_from_heapscope_json(got, ver))
                    subprocess.run(["gcore", "-o", os.path.join(tmp, "core"), str(fx.pid)],
                                   check=True, capture_output=True, timeout=300)
                got = hstest.run_json(["threads-blocked", "--core", os.path.join(tmp, "core.%d" % fx.pid),
                                       "--exe", exe])
                self.assertEqual(got["total"], fx.info["num_goroutine"], ver + " gcore")
                assert_same_groups(want, groups_from_heapscope_json(got, ver))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


HTTP_CONN = ("net/http.(*conn).serve", "net/http.(*connReader).backgroundRead")


def pprof_goroutines(port):
    """etcd's own goroutines by id (first line of each), less its HTTP connections' (this
    request's, and earlier ones still closing)."""
    url = "http://127.0.0.1:%d/debug/pprof/goroutine?debug=2" % port
    dump = urllib.request.urlopen(url, timeout=10).read().decode()
    blocks = [b for b in dump.strip().split("\n\n") if b.startswith("goroutine ")]
    return {int(b.split()[1]): b.splitlines()[0] for b in blocks if not any(f in b for f in HTTP_CONN)}


def heapscope_goroutines(got):
    """threads-blocked's goroutines by id, less those of HTTP connections (as pprof_goroutines)."""
    return {i: g["state"] for g in got["groups"] for i in g["goroutine_ids"]
            if not any(f["function"] in HTTP_CONN for f in g.get("frames", []))}


class DebianEtcd(unittest.TestCase):
    def test_etcd_live_and_gcore(self):
        tools = os.path.join(hstest.SOURCE_DIR, "scripts", "test-tools.sh")
        p = subprocess.run([tools, "etcd"], capture_output=True, text=True, timeout=600)
        self.assertEqual(p.returncode, 0, "scripts/test-tools.sh etcd: " + p.stderr)
        etcd = p.stdout.strip()
        self.assertEqual(subprocess.run(["nm", etcd], capture_output=True).stdout, b"", "not stripped")
        client, peer = free_port(), free_port()
        with tempfile.TemporaryDirectory() as tmp:
            url = "http://127.0.0.1:%d" % client
            proc = subprocess.Popen([etcd, "--data-dir", tmp + "/data", "--enable-pprof",
                                     "--listen-client-urls", url, "--advertise-client-urls", url,
                                     "--listen-peer-urls", "http://127.0.0.1:%d" % peer],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                self.run_checks(proc, client, tmp)
            finally:
                proc.kill()
                proc.wait()

    def run_checks(self, proc, port, tmp):
        deadline = time.monotonic() + 60
        while True:
            try:
                if b"true" in urllib.request.urlopen("http://127.0.0.1:%d/health" % port, timeout=2).read():
                    break
            except OSError:
                pass
            self.assertLess(time.monotonic(), deadline, "etcd did not become healthy")
            time.sleep(0.2)
        # etcd starts short-lived goroutines of its own (a sync every few hundred ms), so its
        # count seldom holds still across heapscope's read: every goroutine pprof lists both
        # before and after the read must be in heapscope's, and heapscope's must each be in one.
        seen = []
        for _ in range(10):
            before = pprof_goroutines(port)
            got = hstest.run_json(["threads-blocked", "--pid", str(proc.pid)])
            after = pprof_goroutines(port)
            ours = heapscope_goroutines(got)
            stable, either = set(before) & set(after), set(before) | set(after)
            self.assertEqual(got["version"], "go1.19.8")
            self.assertGreater(len(stable), 20, "etcd has fewer goroutines than it starts")
            missing = sorted(stable - set(ours))
            extra = sorted(set(ours) - either)
            if not missing and not extra:
                break
            seen.append(("pprof only", [before[i] for i in missing],
                         "heapscope only", [(i, ours[i]) for i in extra]))
            time.sleep(0.5)
        else:
            self.fail("heapscope's goroutines differ from etcd's own: %s" % seen)
        status, out, err = hstest.run(["heap-top", "--json", "--pid", str(proc.pid)])
        self.assertEqual(status, 0, err)
        heap = json.loads(out)
        self.assertTrue(th.near(heap["totals"]["inuse_objects"], heap["memstats"]["heap_objects"], 0.01), err)
        # the 10 GiB database etcd maps (shared) is not copied: a pause of milliseconds
        m = re_pause.search(err)
        self.assertIsNotNone(m, err)
        self.assertLess(float(m.group(1)), 2.0, err)
        os.kill(proc.pid, signal.SIGSTOP)
        try:
            live = hstest.run_json(["threads-blocked", "--pid", str(proc.pid)])["total"]
            subprocess.run(["gcore", "-o", os.path.join(tmp, "core"), str(proc.pid)], check=True,
                           capture_output=True, timeout=300)
        finally:
            os.kill(proc.pid, signal.SIGCONT)
        core = hstest.run_json(["threads-blocked", "--core", os.path.join(tmp, "core.%d" % proc.pid),
                                "--exe", proc.args[0]])
        self.assertEqual(core["total"], live)


if __name__ == "__main__":
    hstest.main()
