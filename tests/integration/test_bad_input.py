#!/usr/bin/env python3
"""Bad input gets one clear line on stderr and exit status 1 (2 for usage errors): truncated
and garbage cores, a core with the wrong executable, non-Go programs, unsupported Go releases,
stripped binaries, missing or unattachable processes. Never a crash, never a hang."""

import ctypes
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

import hstest
from run_fixture import Fixture

PTRACE_SEIZE = 0x4206


class BadInput(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hs-bad-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def fails(self, args, *words, status=1):
        """Runs heapscope; wants `status`, exactly one line on stderr containing each word."""
        code, out, err = hstest.run(["threads-blocked"] + list(args), timeout=60)
        self.assertEqual(code, status, "stdout: %s\nstderr: %s" % (out[-500:], err))
        lines = [l for l in err.splitlines() if l.strip()]
        if status == 2:  # a usage error may add the command's usage line
            lines = [l for l in lines if not l.startswith("usage:")]
        self.assertEqual(len(lines), 1, "want one line on stderr, got:\n" + err)
        for w in words:
            self.assertIn(w, lines[0])
        return lines[0]

    def stored(self, newest=True):
        cores = hstest.stored_or_fail(self, "blocked", 2)
        return cores[-1 if newest else -2][1]

    def copy_truncated(self, src, size):
        dst = os.path.join(self.tmp, "core.cut%d" % size)
        with open(src, "rb") as f, open(dst, "wb") as g:
            g.write(f.read(size))
        return dst

    def test_truncated_core(self):
        d = self.stored()
        core, exe = os.path.join(d, "core"), os.path.join(d, "exe")
        size = os.path.getsize(core)
        for cut in (size // 2, size // 10):  # a warning with results, or one line of error
            code, out, err = hstest.run(["threads-blocked", "--core", self.copy_truncated(core, cut),
                                         "--exe", exe], timeout=60)
            self.assertIn(code, (0, 1), err)
            self.assertIn("truncat", err)
            if code == 1:
                self.assertEqual(len(err.strip().splitlines()), 1, err)
        for cut in (64, 4096):  # the program headers are gone; only the first segment's start is left
            self.fails(["--core", self.copy_truncated(core, cut), "--exe", exe], "truncat")

    def test_garbage_core(self):
        path = os.path.join(self.tmp, "random")
        with open(path, "wb") as f:
            f.write(os.urandom(1 << 16))
        self.fails(["--core", path, "--exe", os.path.join(self.stored(), "exe")], "not an ELF")
        self.fails(["--core", os.path.join(self.tmp, "missing"), "--exe", "/bin/true"], "missing")
        self.fails(["--core", os.path.join(self.stored(), "exe"), "--exe", "/bin/true"], "not a core")

    def test_not_regular_files(self):
        """A FIFO or a device where a file is expected: one line, and no blocking open."""
        fifo = os.path.join(self.tmp, "fifo")
        os.mkfifo(fifo)
        d = self.stored()
        self.fails(["--core", fifo, "--exe", os.path.join(d, "exe")], "not a regular file")
        self.fails(["--core", os.path.join(d, "core"), "--exe", fifo], "not a regular file")
        self.fails(["--core", os.path.join(d, "core"), "--exe", "/dev/zero"], "not a regular file")
        self.fails(["--core", self.tmp, "--exe", os.path.join(d, "exe")], "not a regular file")

    def test_wrong_executable(self):
        new, old = self.stored(True), self.stored(False)
        self.fails(["--core", os.path.join(new, "core"), "--exe", os.path.join(old, "exe")], "--exe")
        self.fails(["--core", os.path.join(new, "core"), "--exe", "/bin/true"], "--exe")

    def test_other_architecture(self):
        """An arm64 program (built by Go itself for GOARCH=arm64) given for an amd64 core, and a
        core whose header says RISC-V, are named by their architecture, not by ELF numbers."""
        tcs = hstest.toolchains()
        goroot = list(tcs.values())[-1]
        exe = os.path.join(self.tmp, "arm64-exe")
        src = os.path.join(hstest.SOURCE_DIR, "tests", "fixtures", "go", "blocked")
        env = dict(os.environ, GOARCH="arm64", CGO_ENABLED="0", GO111MODULE="off", GOTOOLCHAIN="local")
        subprocess.run([os.path.join(goroot, "bin", "go"), "build", "-o", exe, "main.go"], cwd=src, env=env,
                       check=True, capture_output=True, timeout=300)
        machine = subprocess.run(["readelf", "-h", exe], capture_output=True, text=True, check=True).stdout
        self.assertIn("AArch64", machine)
        d = self.stored()
        line = self.fails(["--core", os.path.join(d, "core"), "--exe", exe], "is a linux/arm64 program",
                          "is linux/amd64", "give the executable that ran there")
        self.assertNotIn("class", line)
        core = os.path.join(self.tmp, "riscv-core")
        with open(os.path.join(d, "core"), "rb") as f:
            data = bytearray(f.read())
        data[18:20] = (243).to_bytes(2, "little")  # e_machine = EM_RISCV
        with open(core, "wb") as f:
            f.write(data)
        self.assertIn("RISC-V", subprocess.run(["readelf", "-h", core], capture_output=True,
                                               text=True).stdout)
        self.fails(["--core", core, "--exe", exe], "core of riscv64", "linux/amd64 and linux/arm64")

    def test_recorded_executable_missing(self):
        self.fails(["--core", os.path.join(self.stored(), "core")], "--exe")

    def newer_release(self, strip_dwarf=False):
        """The newest stored blocked program with its version strings saying one release more
        than heapscope knows (build info and runtime.buildVersion alike), optionally without
        DWARF (objcopy --strip-debug, as -ldflags=-w leaves it); (dir, exe, real version)."""
        d = self.stored()
        with open(os.path.join(d, "info.json")) as f:
            real = json.load(f)["goversion"].encode()  # "go1.27.3"
        major, minor = real[2:].split(b".")[:2]
        newer = b"go%s.%d.%s" % (major, int(minor) + 1, real.split(b".")[2])
        self.assertEqual(len(newer), len(real))
        with open(os.path.join(d, "exe"), "rb") as f:
            data = bytearray(f.read())
        self.assertIn(real, data)
        exe = os.path.join(self.tmp, "exe-newer")
        with open(exe, "wb") as f:
            f.write(data.replace(real, newer))
        if strip_dwarf:
            subprocess.run(["objcopy", "--strip-debug", exe], check=True)
            self.assertNotIn(".debug_info", subprocess.run(["readelf", "-S", exe], capture_output=True,
                                                           text=True).stdout)
        return d, exe, newer.decode()

    def test_unsupported_go_release(self):
        d, exe, newer = self.newer_release()
        line = self.fails(["--core", os.path.join(d, "core"), "--exe", exe], newer, "--try-newer")
        self.assertIn("newer", line)

    def test_try_newer(self):
        """--try-newer reads a release newer than heapscope knows as the newest it knows: the same
        groups as the real version string gives, and one warning saying so with every result."""
        d, exe, newer = self.newer_release()
        core = os.path.join(d, "core")
        code, out, err = hstest.run(["threads-blocked", "--json", "--try-newer", "--core", core,
                                     "--exe", exe])
        self.assertEqual(code, 0, err)
        want = hstest.run_json(["threads-blocked", "--core", core, "--exe", os.path.join(d, "exe")])
        got = json.loads(out)
        self.assertEqual(got["version"], newer)
        strip = lambda j: [(g["count"], g["state"], [f["function"] for f in g["frames"]]) for g in j["groups"]]
        self.assertEqual(strip(got), strip(want))
        self.assertGreater(len(want["groups"]), 5)
        warnings = [l for l in err.splitlines() if l.startswith("warning:")]
        self.assertEqual(len(warnings), 1, err)
        self.assertIn(newer + " is newer than this heapscope knows", warnings[0])
        code, _, err = hstest.run(["heap-top", "--try-newer", "--core", core, "--exe", exe])
        self.assertEqual(code, 0, err)
        self.assertIn("--try-newer", err)

    def test_try_newer_without_dwarf(self):
        d, exe, newer = self.newer_release(strip_dwarf=True)
        self.fails(["--try-newer", "--core", os.path.join(d, "core"), "--exe", exe], newer,
                   "no usable DWARF", "-w")

    def test_untested_go_release(self):
        """A release heapscope reads but no test covers (1.20): results, with one warning line
        saying so. No Go 1.20 toolchain can be had here, so the stand-in is the stored 1.21
        program with its version strings saying go1.20 (1.20 and 1.21 share these layouts)."""
        found = [d for v, d in hstest.stored_or_fail(self, "blocked") if v.startswith("go1.21.")]
        self.assertTrue(found, "no stored go1.21 blocked core")
        d, exe = found[0], os.path.join(self.tmp, "exe")
        with open(os.path.join(d, "exe"), "rb") as f:
            data = f.read()
        real = data[data.index(b"go1.21."):].split(b"\x00")[0][:9]  # "go1.21.13"
        with open(exe, "wb") as f:
            f.write(data.replace(real, b"go1.20" + real[6:]))
        code, out, err = hstest.run(["threads-blocked", "--json", "--core", os.path.join(d, "core"),
                                     "--exe", exe])
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out)["version"], "go1.20" + real[6:].decode())
        self.assertEqual(err.strip().splitlines(),
                         ["warning: Go 1.20 is untested: no answer for it has been checked against its runtime"])
        _, usage, _ = hstest.run(["--help"])
        self.assertIn("Go 1.20 is read but untested", usage)

    @staticmethod
    def wait_in_sleep(pid):
        """Until sleep(1) is in its nanosleep (230) or, after a ptrace stop, restart_syscall."""
        for _ in range(500):
            with open("/proc/%d/syscall" % pid) as f:
                if f.read().split()[0] in ("230", "219"):
                    return
            time.sleep(0.01)
        raise AssertionError("sleep %d never reached its nanosleep" % pid)

    def native_sleep(self, target):
        """sleep(1) is not a Go program: threads-blocked reads its one thread as a native one
        (test_native_threads.py checks native threads in depth) and heap-top its glibc heap
        (test_glibc_heap.py checks it against mallinfo2); heap-paths of a Go type finds none there
        and says so in one line (test_glibc_holders.py checks heap-paths on C++ programs)."""
        if target[0] == "--pid":
            self.wait_in_sleep(int(target[1]))
        code, out, err = hstest.run(["threads-blocked", "--json"] + target, timeout=60)
        self.assertEqual(code, 0, err)
        report = json.loads(out)
        self.assertEqual((report["runtime"], report["total"], [g["state"] for g in report["groups"]]),
                         ("native", 1, ["sleep"]))
        code, out, err = hstest.run(["heap-top", "--json"] + target, timeout=60)
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out)["runtime"], "glibc", out)
        self.assertNotIn("runtime error", err)  # UBSan's, under the sanitizer build
        code, _, err = hstest.run(["heap-paths", "main.Session"] + target, timeout=60)
        self.assertEqual(code, 1, err)
        lines = [l for l in err.strip().splitlines() if not l.startswith("process ")]  # the pause
        self.assertEqual(len(lines), 1, err)
        self.assertIn("no live object of type main.Session", err)

    def test_non_go_process(self):
        p = subprocess.Popen(["sleep", "60"])
        try:
            self.native_sleep(["--pid", str(p.pid)])
            if shutil.which("gcore"):
                self.wait_in_sleep(p.pid)  # back in its (restarted) call after the reads' stops
                subprocess.run(["gcore", "-o", os.path.join(self.tmp, "c"), str(p.pid)],
                               check=True, capture_output=True, timeout=120)
                self.native_sleep(["--core", os.path.join(self.tmp, "c.%d" % p.pid)])
        finally:
            p.kill()
            p.wait()

    def test_no_such_process(self):
        self.fails(["--pid", "999999999"], "999999999")
        self.fails(["--pid", "abc"], "--pid", status=2)

    def test_already_traced(self):
        libc = ctypes.CDLL(None, use_errno=True)
        p = subprocess.Popen(["sleep", "60"])
        try:
            self.assertEqual(libc.ptrace(PTRACE_SEIZE, p.pid, None, None), 0)
            self.fails(["--pid", str(p.pid)], "traced", str(os.getpid()))
        finally:
            p.kill()
            p.wait()

    def test_not_permitted(self):
        """Another user's process: as an ordinary user, pid 1 (root's); as root, our own
        process seen from user 65534 (setpriv)."""
        if os.getuid() != 0:
            self.assertNotEqual(os.stat("/proc/1").st_uid, os.getuid(), "pid 1 is ours here")
            self.fails(["--pid", "1"], "permitted")
            return
        p = subprocess.Popen(["sleep", "60"])
        try:
            r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                hstest.HEAPSCOPE, "threads-blocked", "--pid", str(p.pid)],
                               capture_output=True, text=True, timeout=60)
            if r.returncode != 1 and "setpriv" in r.stderr:
                hstest.platform_skip(self, "no-other-user", r.stderr.strip())
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
            self.assertIn("permitted", r.stderr)
        finally:
            p.kill()
            p.wait()

    def test_stripped_non_go_binary(self):
        p = subprocess.Popen(["sleep", "60"])  # Debian's sleep: stripped, and not Go
        try:
            self.native_sleep(["--pid", str(p.pid)])
        finally:
            p.kill()
            p.wait()

    def test_stripped_binary_whose_globals_cannot_be_found(self):
        """A core of a -s -w program read with a copy of its executable whose runtime functions
        that reference runtime.allgs are garbled: one line naming what could not be found."""
        tcs = hstest.toolchains_or_skip(self)
        exe, ver = hstest.build_fixture(list(tcs)[-1], "blocked", ldflags="-s -w")
        full, _ = hstest.build_fixture(list(tcs)[-1], "blocked")
        syms = {}
        for line in subprocess.run(["nm", "-S", full], capture_output=True, text=True).stdout.splitlines():
            f = line.split()
            if len(f) == 4:
                syms[f[3]] = (int(f[0], 16), int(f[1], 16))
        with Fixture(exe) as fx, tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["gcore", "-o", os.path.join(tmp, "core"), str(fx.pid)], check=True,
                           capture_output=True, timeout=300)
            core = os.path.join(tmp, "core.%d" % fx.pid)
            data = bytearray(open(exe, "rb").read())
            segs = subprocess.run(["readelf", "-lW", exe], capture_output=True, text=True).stdout
            text = next(l.split() for l in segs.splitlines() if l.split()[:1] == ["LOAD"] and "E" in l.split()[-2])
            off, vaddr = int(text[1], 16), int(text[2], 16)
            garbled = 0
            for f in ("runtime.forEachG", "runtime.allgadd", "runtime.allGsSnapshotSortedForGC"):
                if f in syms:  # the same address in the stripped build (-s -w only drops sections)
                    a, size = syms[f]
                    data[off + a - vaddr:off + a - vaddr + size] = b"\xcc" * size
                    garbled += 1
            self.assertGreater(garbled, 0, ver)
            bad = os.path.join(tmp, "exe")
            open(bad, "wb").write(bytes(data))
            self.fails(["--core", core, "--exe", bad], "runtime.allgs", "could not be found",
                       "--debug-file")
            got = hstest.run_json(["threads-blocked", "--core", core, "--exe", exe])
            self.assertEqual(got["total"], fx.info["num_goroutine"], ver)  # the intact one reads

    def test_usage_errors(self):
        d = self.stored()
        target = ["--core", os.path.join(d, "core"), "--exe", os.path.join(d, "exe")]
        self.fails(target + ["--bogus"], "--bogus", status=2)
        self.fails(target + ["-n", "x"], "limit", status=2)
        self.fails(target + ["--min-wait", "soon"], "duration", status=2)
        self.fails(["--goroutine", "424242"] + target, "424242")


if __name__ == "__main__":
    hstest.main()
