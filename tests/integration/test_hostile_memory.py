#!/usr/bin/env python3
"""Corrupted runtime memory: copies of the stored Go 1.26 and 1.19 cores (tests/cores/*/blocked) with
runtime structures patched in place -- allgs naming one goroutine many times, an allm list
that loops, zeroed and garbage g structs, pointers outside every mapping, garbage saved SP/PC,
impossible slice lengths -- and live processes that exit or are killed while heapscope reads
them. Each case must end in bounded time with exit status 0 and at least one warning line on
stderr, or exit status 1 and exactly one line; never a signal death, never a sanitizer report.

Where to patch comes from outside heapscope: addresses of runtime.allgs/allm and the member
offsets of runtime.g/m/gobuf from gdb reading the executable's DWARF, and file offsets from the
core's own program headers (parsed here)."""

import os
import random
import re
import shutil
import signal
import struct
import subprocess
import tempfile
import time
import unittest

import hstest
from run_fixture import Fixture

TIMEOUT = 60
BAD = re.compile(r"AddressSanitizer|LeakSanitizer|runtime error|Segmentation|Aborted|panic")


def gdb_values(exe, exprs):
    """Evaluates C expressions over the executable's DWARF with gdb; returns ints in order."""
    args = ["gdb", "-nx", "-batch", "-iex", "set auto-load no", "-iex", "set debuginfod enabled off",
            "-ex", "set language c"]
    for e in exprs:
        args += ["-ex", "print/d (unsigned long)(%s)" % e]
    p = subprocess.run(args + [exe], capture_output=True, text=True, timeout=120)
    vals = [int(m) for m in re.findall(r"^\$\d+ = (\d+)$", p.stdout, re.M)]
    if len(vals) != len(exprs):
        raise AssertionError("gdb could not evaluate %s:\n%s%s" % (exprs, p.stdout, p.stderr))
    return vals


class Core:
    """A core file's bytes with its PT_LOAD table: reads and patches by address."""

    def __init__(self, path):
        with open(path, "rb") as f:
            self.data = bytearray(f.read())
        phoff, = struct.unpack_from("<Q", self.data, 0x20)
        phnum, = struct.unpack_from("<H", self.data, 0x38)
        self.loads = []
        for i in range(phnum):
            ptype, _, off, vaddr, _, filesz, _, _ = struct.unpack_from("<IIQQQQQQ", self.data, phoff + 56 * i)
            if ptype == 1 and filesz:
                self.loads.append((vaddr, off, filesz))

    def offset(self, addr, size):
        for vaddr, off, filesz in self.loads:
            if vaddr <= addr and addr + size <= vaddr + filesz:
                return off + addr - vaddr
        raise AssertionError("0x%x (+%d) is not in the core's file bytes" % (addr, size))

    def u64(self, addr):
        return struct.unpack_from("<Q", self.data, self.offset(addr, 8))[0]

    def patch(self, addr, data):
        o = self.offset(addr, len(data))
        self.data[o:o + len(data)] = data

    def put64(self, addr, value):
        self.patch(addr, struct.pack("<Q", value))


class HostileMemory(unittest.TestCase):
    VERSION = "go1.26"

    @classmethod
    def setUpClass(cls):
        cores = [d for v, d in hstest.stored_cores("blocked") if v.startswith(cls.VERSION + ".")]
        cls.missing = None
        if not cores:
            cls.missing = "stored %s blocked core missing: run %s" % (cls.VERSION, hstest.PREPARE_DATA)
            return
        if not shutil.which("gdb"):
            cls.missing = "gdb is needed to read the runtime's layout: run scripts/setup.sh"
            return
        cls.dir = cores[0]
        cls.core_path, cls.exe = os.path.join(cls.dir, "core"), os.path.join(cls.dir, "exe")
        g = "((struct 'runtime.g' *)0)->"
        (cls.allgs, cls.allm, cls.g_size, cls.sched_sp, cls.sched_pc, cls.status, cls.goid,
         cls.waiting, cls.m_alllink, cls.m_curg) = gdb_values(cls.exe, [
            "&'runtime.allgs'", "&'runtime.allm'", "sizeof(struct 'runtime.g')",
            "&%ssched.sp" % g, "&%ssched.pc" % g, "&%satomicstatus" % g, "&%sgoid" % g,
            "&%swaiting" % g, "&((struct 'runtime.m' *)0)->alllink",
            "&((struct 'runtime.m' *)0)->curg"])
        core = Core(cls.core_path)
        cls.arr, cls.nallgs = core.u64(cls.allgs), core.u64(cls.allgs + 8)
        cls.gs = [core.u64(cls.arr + 8 * i) for i in range(cls.nallgs)]
        cls.ms, m = [], core.u64(cls.allm)
        while m and len(cls.ms) < 64:
            cls.ms.append(m)
            m = core.u64(m + cls.m_alllink)

    def setUp(self):
        if self.missing:
            self.fail(self.missing)
        self.tmp = tempfile.mkdtemp(prefix="hs-hostile-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def parked(self):
        """Goroutines parked with a saved context (status _Gwaiting = 4), from the core bytes."""
        core = Core(self.core_path)
        return [g for g in self.gs if core.u64(g + self.status) & 0xFFFFFFFF == 4]

    def patched(self, edit):
        """A copy of the core after edit(core) patched it."""
        core = Core(self.core_path)
        edit(core)
        path = os.path.join(self.tmp, "core")
        with open(path, "wb") as f:
            f.write(core.data)
        return path

    def analyse(self, core, *extra):
        """Runs threads-blocked (text and --json); returns (status, stdout, stderr lines) of the
        text run after checking both against the rules of the bad-input table."""
        results = []
        cmd = getattr(self, "command", "threads-blocked")
        for args in ([cmd] + (["--all"] if cmd == "threads-blocked" else []), [cmd, "--json"]):
            code, out, err = hstest.run(args + ["--core", core, "--exe", self.exe] + list(extra),
                                        timeout=TIMEOUT)
            lines = [l for l in err.splitlines() if l.strip()]
            self.assertGreaterEqual(code, 0, "killed by signal %d\n%s" % (-code, err[-3000:]))
            self.assertIn(code, (0, 1), err[-3000:])
            self.assertIsNone(BAD.search(err), err[-3000:])
            if code == 1:
                self.assertEqual(len(lines), 1, "want one line on failure, got:\n" + err)
            results.append((code, out, lines))
        self.assertEqual(results[0][0], results[1][0], "text and JSON runs disagree")
        return results[0]

    def warns(self, core, *words):
        """Wants exit 0 and a warning line on stderr that contains every word."""
        code, out, lines = self.analyse(core)
        self.assertEqual(code, 0, "\n".join(lines))
        self.assertTrue(any(all(w in l for w in words) for l in lines),
                        "no warning with %s in:\n%s" % (words, "\n".join(lines)))
        return out, lines

    def fails(self, core, *words):
        code, out, lines = self.analyse(core)
        self.assertEqual(code, 1, out[-2000:])
        for w in words:
            self.assertIn(w, lines[0])
        return lines[0]

    # ---- allgs and allm

    def test_allgs_names_one_goroutine_many_times(self):
        g = self.parked()[0]
        core = self.patched(lambda c: [c.put64(self.arr + 8 * i, g) for i in range(self.nallgs)])
        out, _ = self.warns(core, "more than once")
        self.assertIn(" 1 goroutine", out)  # shown once

    def test_allgs_entries_repeat_in_a_cycle(self):
        gs = self.parked()[:3]
        core = self.patched(lambda c: [c.put64(self.arr + 8 * i, gs[i % 3]) for i in range(self.nallgs)])
        self.warns(core, "more than once")

    def test_allm_list_loops(self):
        def loop(c):
            c.put64(self.ms[-1] + self.m_alllink, self.ms[0])  # last -> first
        self.warns(self.patched(loop), "allm", "loops back")
        self.warns(self.patched(lambda c: c.put64(self.ms[0] + self.m_alllink, self.ms[0])), "loops back")

    def test_allgs_length_impossible(self):
        def huge(c):
            c.put64(self.allgs + 8, 1 << 40)
            c.put64(self.allgs + 16, 1 << 40)
        self.fails(self.patched(huge), "allgs")
        def beyond(c):  # plausible length, but the entries run past the dumped memory
            c.put64(self.allgs + 8, 10_000_000)
            c.put64(self.allgs + 16, 10_000_000)
        self.fails(self.patched(beyond), "allgs")
        cap = Core(self.core_path).u64(self.allgs + 16)
        self.fails(self.patched(lambda c: c.put64(self.allgs + 8, cap + 1)), "allgs")  # len > cap

    # ---- g structs

    def test_zeroed_g(self):
        gs = self.parked()[:4]
        core = self.patched(lambda c: [c.patch(g, bytes(self.g_size)) for g in gs])
        self.warns(core, "no Go frame")

    def test_garbage_g(self):
        rnd = random.Random(7)
        gs = self.parked()[:6]

        def garbage(c):
            for g in gs:
                c.patch(g, bytes(rnd.randrange(256) for _ in range(self.g_size)))
                c.patch(g + self.status, struct.pack("<I", 4))  # keep it "waiting"
        self.warns(self.patched(garbage), "goroutine")
        self.warns(self.patched(lambda c: [c.patch(g, b"\xa5" * self.g_size) for g in gs]), "goroutine")

    def test_garbage_saved_pc(self):
        g = self.parked()[1]
        self.warns(self.patched(lambda c: c.put64(g + self.sched_pc, 0x1234)), "no Go frame", "0x1234")

    def test_garbage_saved_sp(self):
        """The first frame is known from the PC; the walk must stop, marked, at the bad SP."""
        gs = self.parked()[:5]
        for sp in (0xDEAD00000000, 8, 0xFFFFFFFFFFFFFFF8):
            core = self.patched(lambda c: [c.put64(g + self.sched_sp, sp) for g in gs])
            out, _ = self.warns(core, "outside its stack")
            self.assertIn("could not be walked further", out)

    def test_waiting_points_at_itself(self):
        """A sudog chain that loops (g.waiting -> the g itself): must not hang whoever follows it."""
        gs = self.parked()[:8]
        code, _, lines = self.analyse(self.patched(lambda c: [c.put64(g + self.waiting, g) for g in gs]))
        self.assertEqual(code, 0, "\n".join(lines))

    # ---- pointers outside every mapping

    def test_pointers_outside_every_mapping(self):
        g = self.parked()[2]
        self.warns(self.patched(lambda c: c.put64(self.arr + 16, 0xDEAD00000000)), "skipped",
                   "0xdead00000000")
        self.fails(self.patched(lambda c: c.put64(self.allgs, 0x10)), "allgs")
        self.warns(self.patched(lambda c: c.put64(self.ms[0] + self.m_alllink, 0xDEAD00000000)),
                   "allm", "0xdead00000000")
        self.warns(self.patched(lambda c: c.put64(self.allm, 0xDEAD00000000)), "allm")
        # an allgs entry naming an m, and one naming the middle of another g
        code, _, lines = self.analyse(self.patched(lambda c: (c.put64(self.arr, self.ms[0]),
                                                              c.put64(self.arr + 8, g + 24))))
        self.assertEqual(code, 0, "\n".join(lines))
        self.assertTrue(lines, "corrupt entries went unmentioned")

    def test_everything_at_once(self):
        """Many of the above in one core, seeded random picks: still bounded, still one answer."""
        rnd = random.Random(2024)
        gs = self.parked()
        for _ in range(6):
            def chaos(c):
                for _ in range(40):
                    g = rnd.choice(gs)
                    what = rnd.randrange(5)
                    if what == 0:
                        c.put64(self.arr + 8 * rnd.randrange(self.nallgs), rnd.choice(gs + self.ms + [0, 1, 0xDEAD0000]))
                    elif what == 1:
                        c.put64(g + self.sched_sp, rnd.getrandbits(64))
                    elif what == 2:
                        c.put64(g + self.sched_pc, rnd.getrandbits(48))
                    elif what == 3:
                        c.put64(rnd.choice(self.ms) + self.m_alllink, rnd.choice(self.ms + [0, 0xDEAD0000]))
                    else:
                        c.put64(rnd.choice(self.ms) + self.m_curg, rnd.choice(gs))
            self.analyse(self.patched(chaos))


class HostileMemoryOldest(HostileMemory):
    """The same over the oldest supported release's core (other layouts, no DWARF surprises)."""
    VERSION = "go1.19"


class HostileHeap(HostileMemory):
    """heap-top over a stored Go 1.26 heap core with runtime.mheap_ and its spans corrupted."""

    @classmethod
    def setUpClass(cls):
        cls.missing = None
        cores = [d for v, d in hstest.stored_cores("heap") if v.startswith("go1.26")]
        if not cores or not shutil.which("gdb"):
            cls.missing = "stored Go 1.26 heap core or gdb missing: run %s, scripts/setup.sh" % hstest.PREPARE_DATA
            return
        cls.dir = cores[0]
        cls.core_path, cls.exe = os.path.join(cls.dir, "core"), os.path.join(cls.dir, "exe")
        s = "((struct 'runtime.mspan' *)0)->"
        mheap, allspans, cls.s_next, cls.s_start, cls.s_npages, cls.s_nelems, cls.s_bits, \
            cls.s_elemsize, s_state, s_alloc = gdb_values(cls.exe, [
                "&'runtime.mheap_'", "&((struct 'runtime.mheap' *)0)->allspans", "&%snext" % s,
                "&%sstartAddr" % s, "&%snpages" % s, "&%snelems" % s, "&%sallocBits" % s,
                "&%selemsize" % s, "&%sstate" % s, "&%sallocCount" % s])
        cls.allspans = mheap + allspans
        core = Core(cls.core_path)
        cls.arr, cls.nspans = core.u64(cls.allspans), core.u64(cls.allspans + 8)
        cls.spans = [core.u64(cls.arr + 8 * i) for i in range(cls.nspans)]
        # spans in use (mspan.state == mSpanInUse) with the runtime's own count of their objects
        # (mspan.allocCount), and their object size: summed over every span in use these are
        # exactly HeapObjects and HeapAlloc in each stored core
        cls.in_use = []
        for x in cls.spans:
            state = core.data[core.offset(x + s_state, 1)]
            count = struct.unpack_from("<H", core.data, core.offset(x + s_alloc, 2))[0]
            if state == 1 and count:
                cls.in_use.append((x, count, core.u64(x + cls.s_elemsize)))
        cls.command = "heap-top"

    def totals(self, core):
        return hstest.run_json(["heap-top", "--core", core, "--exe", self.exe], timeout=TIMEOUT)["totals"]

    def test_allspans_names_one_span_many_times(self):
        x, count, size = self.in_use[0]
        core = self.patched(lambda c: [c.put64(self.arr + 8 * i, x) for i in range(self.nspans)])
        self.warns(core, "span")
        got = self.totals(core)
        self.assertEqual((got["inuse_objects"], got["inuse_bytes"]), (count, count * size))

    def test_allspans_impossible(self):
        def huge(c):
            c.put64(self.allspans + 8, 1 << 40)
            c.put64(self.allspans + 16, 1 << 40)
        self.fails(self.patched(huge), "allspans")
        self.fails(self.patched(lambda c: c.put64(self.allspans, 0xDEAD00000000)), "allspans")

    def test_span_fields_garbage(self):
        sp = self.spans[: min(8, self.nspans)]
        self.warns(self.patched(lambda c: [c.put64(x + self.s_bits, 0xDEAD00000000) for x in sp]), "span")
        self.analyse(self.patched(lambda c: [c.patch(x + self.s_nelems, b"\xff\xff") for x in sp]))
        self.analyse(self.patched(lambda c: [c.put64(x + self.s_start, 0x10) for x in sp]))
        self.analyse(self.patched(lambda c: [c.put64(x + self.s_npages, 1 << 50) for x in sp]))
        self.analyse(self.patched(lambda c: [c.put64(x + self.s_elemsize, 0) for x in sp]))

    def test_span_list_loops(self):
        """The list of spans the walk reads (mheap_.allspans) goes round a cycle of four spans
        in use: each is counted once, so the totals are the runtime's own counts of those
        four (their mspan.allocCount), and the repeats are reported."""
        sp = [self.in_use[i] for i in (0, len(self.in_use) // 3, len(self.in_use) // 2, -1)]
        core = self.patched(lambda c: [c.put64(self.arr + 8 * i, sp[i % 4][0]) for i in range(self.nspans)])
        self.warns(core, "span")
        got = self.totals(core)
        self.assertEqual((got["inuse_objects"], got["inuse_bytes"]),
                         (sum(n for _, n, _ in sp), sum(n * size for _, n, size in sp)))
        whole = self.totals(self.core_path)  # unpatched: every span in use, counted by the runtime
        self.assertEqual((whole["inuse_objects"], whole["inuse_bytes"]),
                         (sum(n for _, n, _ in self.in_use), sum(n * size for _, n, size in self.in_use)))

    def test_everything_at_once(self):
        rnd = random.Random(99)
        for _ in range(4):
            def chaos(c):
                for _ in range(60):
                    x = rnd.choice(self.spans)
                    off = rnd.choice([self.s_next, self.s_start, self.s_npages, self.s_bits, self.s_elemsize])
                    c.put64(x + off, rnd.choice([0, 1, rnd.getrandbits(64), rnd.choice(self.spans)]))
                    c.put64(self.arr + 8 * rnd.randrange(self.nspans), rnd.choice(self.spans + [0, 0xDEAD0000]))
            self.analyse(self.patched(chaos))

    # the goroutine cases of the parent class do not apply to the heap core
    test_allgs_names_one_goroutine_many_times = test_allgs_entries_repeat_in_a_cycle = None
    test_allm_list_loops = test_allgs_length_impossible = test_zeroed_g = test_garbage_g = None
    test_garbage_saved_pc = test_garbage_saved_sp = test_waiting_points_at_itself = None
    test_pointers_outside_every_mapping = None


class ExitsWhileRead(unittest.TestCase):
    """Live processes that go away while heapscope reads them."""

    @classmethod
    def setUpClass(cls):
        tcs = hstest.toolchains()
        cls.exe = hstest.build_fixture(list(tcs)[-1], "server")[0] if tcs else None

    def setUp(self):
        if not self.exe:
            self.skipTest("no Go toolchain")

    def check(self, code, err):
        lines = [l for l in err.splitlines() if l.strip()]
        self.assertGreaterEqual(code, 0, "killed by signal %d\n%s" % (-code, err[-2000:]))
        self.assertIsNone(BAD.search(err), err[-3000:])
        self.assertIn(code, (0, 1), err[-2000:])
        if code == 1:
            self.assertEqual(len(lines), 1, err)
        return lines

    def test_exits_by_itself(self):
        """The program exits 1.5 s after READY; heapscope reads it over and over until it is gone
        and afterwards: every run succeeds or says in one line that the process is gone."""
        fx = Fixture(self.exe, ["-idle", "20000", "-exit-after", "1.5s"], quiet=False)
        fx.start()
        try:
            said, deadline = [], time.monotonic() + 30
            while time.monotonic() < deadline:
                code, _, err = hstest.run(["threads-blocked", "--pid", str(fx.pid)], timeout=TIMEOUT)
                lines = self.check(code, err)
                if code == 1:
                    said.append(lines[0])
                    if "no process" in lines[0] or "exited" in lines[0]:
                        break
            self.assertTrue(said, "the program never went away")
            self.assertRegex(said[-1], r"process %d|pid %d" % (fx.pid, fx.pid))
            self.assertEqual(fx.wait(10), 0)
        finally:
            fx.stop()

    def test_killed_during_read(self):
        """SIGKILL lands while heapscope has the process stopped and is reading it."""
        for delay in (0.05, 0.15, 0.3, 0.5):
            with Fixture(self.exe, ["-idle", "100000"], quiet=False) as fx:
                p = subprocess.Popen([hstest.HEAPSCOPE, "threads-blocked", "--pid", str(fx.pid)],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                time.sleep(delay)
                os.kill(fx.pid, signal.SIGKILL)
                out, err = p.communicate(timeout=TIMEOUT)
                lines = self.check(p.returncode, err)
                if p.returncode == 1:
                    self.assertRegex(lines[0], r"process %d" % fx.pid)
                self.assertEqual(fx.wait(10), -signal.SIGKILL)


if __name__ == "__main__":
    hstest.main()
