#!/usr/bin/env python3
"""heapscope on linux/arm64 cores, read on this x86-64 machine (issue 16): the stored cores of the
blocked and heap programs cross-built for arm64 by every tested Go release
(tests/cores/arm64, made by tests/tools/make_arm64_cores.sh), read by the CLI, by gdb-multiarch and
by lldb. The CLI's answers are compared with what the runtime itself printed -- its crash
traceback of every goroutine, the program's own goroutine dump, runtime.MemStats and the heap
profile -- never with heapscope's own output; the debuggers must answer exactly as the CLI does.
And the bad input: cores and executables of architectures heapscope does not read
(tests/cores/foreign: riscv64, ppc64le, s390x, 386) fail with one line naming the architecture.

What could be made here, under qemu-user (qemu 7.2) on x86-64, and what not:
- the cores are qemu's own cores of the guest, written on SIGQUIT with GOTRACEBACK=crash: every
  guest thread, NT_PRPSINFO, NT_AUXV, no NT_FILE; the executable's text is not in them (it is read
  from the executable). The blocked program runs with -spin 2, so two goroutines are running and
  are stopped in signal frames qemu laid out as the arm64 kernel does.
- gdb's gcore through qemu's gdbstub has every thread but no heap and no goroutine stack (gdb
  cannot read the guest's /proc/PID/maps through the stub): no such core is stored or tested.
- live arm64 processes (--pid, attaching gdb or lldb) are not tested: ptrace here sees the x86-64
  qemu process, not the guest. They need an arm64 machine.
- lldb cannot tell the OS of a qemu core (its notes are all "CORE" ones; a kernel's core also has
  "LINUX" notes): lldb is given the triple, target create --arch aarch64-unknown-linux-gnu.
- qemu-riscv64 writes no core and Go's runtime dies at start under qemu-i386: for riscv64 and
  386 their executable is given with an arm64 core.
"""

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import gdbmi
import hstest
import rtdump
from groups import assert_same_groups, blocked_fixture_groups, groups_from_heapscope_json
from test_heap_top import MEMSTATS, HeapChecks, near, program_output
from test_lldb_plugin import json_results, lldb_batch, skip_unless_lldb, without_target
from test_threads_cores import check_crash_core

GDB_MULTIARCH = shutil.which("gdb-multiarch")
# what the one line must say of each architecture heapscope does not read (any of, any case)
FOREIGN = {"riscv64": ("riscv64", "risc-v"), "ppc64le": ("ppc64", "powerpc"),
           "s390x": ("s390",), "386": ("386", "x86-32", "ia-32")}


def stored(test, program):
    """[(label, dir, info)] of the stored arm64 cores of program, both releases at least."""
    out = []
    for ver, d in hstest.stored_or_fail(test, program, 2, arch="arm64"):
        with open(os.path.join(d, "info.json")) as f:
            info = json.load(f)
        test.assertEqual((info["arch"], info["kind"]), ("arm64", "crash"), d)
        out.append(("%s arm64 %s" % (ver, program), d, info))
    return out


def target(d):
    return ["--core", os.path.join(d, "core"), "--exe", os.path.join(d, "exe")]


def cli_answers(d):
    """The CLI's threads-blocked and heap-top JSON and threads-blocked text on a stored core."""
    return (hstest.run_json(["threads-blocked", "-n", "0"] + target(d)),
            hstest.run_json(["heap-top", "-n", "0"] + target(d)),
            hstest.run(["threads-blocked", "-n", "0"] + target(d), check_status=0)[1])


def without_spinners(groups):
    """Groups apart from the spinners: they ran on after the program printed its dump."""
    return {k: n for k, n in groups.items() if not any(f[0] == "main.spin" for f in k[1])}


class Cli(HeapChecks, unittest.TestCase):
    def test_threads_blocked_as_the_crash_traceback(self):
        # every goroutine's state, frames (runtime ones too) and creator, the spinners included
        for label, d, info in stored(self, "blocked"):
            with self.subTest(core=label):
                check_crash_core(self, d, os.path.join(d, "exe"), info)

    def test_threads_blocked_as_the_program_dump(self):
        for label, d, info in stored(self, "blocked"):
            with self.subTest(core=label):
                with open(os.path.join(d, "dump.txt")) as f:
                    parsed = rtdump.parse_program_output(f.read())
                got = hstest.run_json(["threads-blocked", "-n", "0"] + target(d))
                self.assertEqual((got["version"], got["total"]), (info["go_version"], info["num_goroutine"]))
                assert_same_groups(without_spinners(blocked_fixture_groups(parsed, info)),
                                   without_spinners(groups_from_heapscope_json(got, info["go_version"])))

    def test_heap_top_as_memstats_and_profile(self):
        # the totals, every MemStats field, the program's types and size classes exactly; the
        # allocation sites as its own heap profile has them
        for label, d, info in stored(self, "heap"):
            with self.subTest(core=label):
                with open(os.path.join(d, "dump.txt")) as f:
                    prog, ms = program_output(f.read())
                self.assertEqual(ms, info["memstats"])
                got = self.check(target(d), prog, ms, label, exact=True)
                self.assertEqual((got["totals"]["inuse_bytes"], got["totals"]["inuse_objects"]),
                                 (ms["HeapAlloc"], ms["HeapObjects"]), label)
                self.check_sites(target(d), os.path.join(d, "heap.pprof"), label)


    def test_every_heap_command(self):
        """The heap commands beyond heap-top's default on arm64 cores: reachable and garbage
        split all of the runtime's objects (MemStats.HeapObjects); every root's retained bytes
        fit in the reachable heap; a snapshot diffed with itself shows nothing changed."""
        for label, d, info in stored(self, "heap"):
            with self.subTest(core=label):
                ms = info["memstats"]
                live = hstest.run_json(["heap-top", "--live", "-n", "0"] + target(d))
                dead = hstest.run_json(["heap-top", "--unreachable", "-n", "0"] + target(d))
                self.assertEqual(live["totals"]["inuse_objects"] + dead["totals"]["inuse_objects"],
                                 ms["HeapObjects"], label)
                roots = hstest.run_json(["heap-top", "--by", "root", "-n", "0"] + target(d))
                self.assertTrue(roots["rows"], label)
                self.assertLessEqual(sum(r["retained_bytes"] for r in roots["rows"]),
                                     live["totals"]["inuse_bytes"], label)
                snap = os.path.join(hstest.BUILD_DIR, "arm64-%s.snap" % info["go_version"])
                hstest.run(["snapshot", "-o", snap] + target(d), check_status=0)
                diff = hstest.run_json(["snapshot-diff", snap, snap])
                os.remove(snap)
                self.assertEqual(diff["totals"]["inuse_bytes_delta"], 0, label)
                for key in ("heap", "heap_by_site", "heap_by_size", "heap_by_root", "goroutines"):
                    self.assertEqual(diff[key], [], "%s %s" % (label, key))


STRIP_A64 = "aarch64-linux-gnu-strip"  # binutils-aarch64-linux-gnu (scripts/setup.sh)


def stripped(test, d, tmp, how):
    """The stored core's executable stripped by binutils' aarch64 strip: "-s" leaves what
    -ldflags="-s -w" leaves (no symbol table, no DWARF), "--strip-debug" what -w leaves."""
    if not shutil.which(STRIP_A64):
        test.fail("%s is missing: run scripts/setup.sh" % STRIP_A64)
    exe = os.path.join(tmp, "exe" + how.replace("-", "_"))
    subprocess.run([STRIP_A64, how, "-o", exe, os.path.join(d, "exe")], check=True)
    syms = subprocess.run(["readelf", "-SW", exe], capture_output=True, text=True).stdout
    test.assertNotIn(".debug_info", syms)
    test.assertEqual(".symtab" in syms, how != "-s", how)
    return exe


class Stripped(unittest.TestCase):
    """arm64 binaries without symbols or DWARF: the stored cores read with their executable
    stripped, against the same runtime's own records as with DWARF."""

    def test_threads_blocked_as_the_crash_traceback(self):
        for label, d, info in stored(self, "blocked"):
            for how in ("-s", "--strip-debug"):
                with self.subTest(core=label, strip=how), tempfile.TemporaryDirectory() as tmp:
                    check_crash_core(self, d, stripped(self, d, tmp, how), info)

    def test_heap_top_as_memstats(self):
        """Totals and every MemStats field exactly, and the program's own type counts: the
        globals its arm64 code types (ADRP pairs, BL to newobject/makeslice/growslice/map
        operations, stores and write barriers) lead to every Small, Big and Box (main.Node,
        reached only through a function's result, may stay untyped)."""
        for label, d, info in stored(self, "heap"):
            with self.subTest(core=label), tempfile.TemporaryDirectory() as tmp:
                with open(os.path.join(d, "dump.txt")) as f:
                    prog, ms = program_output(f.read())
                exe = stripped(self, d, tmp, "-s")
                got = hstest.run_json(["heap-top", "-n", "0", "--core", os.path.join(d, "core"),
                                       "--exe", exe])
                self.assertEqual(got["version"], info["go_version"])
                self.assertEqual((got["totals"]["inuse_bytes"], got["totals"]["inuse_objects"]),
                                 (ms["HeapAlloc"], ms["HeapObjects"]), label)
                for field, (key, rel) in MEMSTATS.items():
                    if key in got["memstats"] and rel is not None:
                        self.assertTrue(near(got["memstats"][key], ms[field], rel),
                                        "%s: %s is %d, the runtime said %d"
                                        % (label, field, got["memstats"][key], ms[field]))
                rows = {r["name"]: r["inuse_objects"] for r in got["rows"]}
                for name, want in prog["types"].items():
                    self.assertIn(rows.get(name), (None, want) if name == "main.Node" else (want,),
                                  "%s: %s objects" % (label, name))
                typed = sum(r["inuse_bytes"] for r in got["rows"] if not r["name"].startswith("<"))
                sys.stderr.write("%s -s: %.1f%% of the bytes typed without symbols or DWARF\n"
                                 % (label, 100.0 * typed / max(got["totals"]["inuse_bytes"], 1)))


class Debuggers(unittest.TestCase):
    def cores(self):
        return stored(self, "blocked") + stored(self, "heap")

    def test_gdb_multiarch(self):
        why = gdbmi.missing()
        if why:
            self.skipTest(why)
        self.assertTrue(GDB_MULTIARCH, "gdb-multiarch is not installed: run scripts/setup.sh")
        for label, d, _ in self.cores():
            with self.subTest(core=label):
                tb, heap, text = cli_answers(d)
                b = gdbmi.Batch(["threads-blocked --json -n 0", "threads-blocked -n 0", "heap-top --json -n 0"],
                                args=[os.path.join(d, "exe"), os.path.join(d, "core")], gdb=GDB_MULTIARCH)
                got = b.json(0)
                self.assertEqual(got["total"], tb["total"])
                assert_same_groups(groups_from_heapscope_json(tb), groups_from_heapscope_json(got),
                                   expected_name="CLI", actual_name="gdb-multiarch")
                self.assertEqual(b.out(1).strip("\n"), text.strip("\n"))
                for key in ("rows", "totals", "memstats"):
                    self.assertEqual(b.json(2)[key], heap[key], key)
                self.assertNotIn("Traceback", b.text)

    def test_lldb(self):
        skip_unless_lldb(self)
        for label, d, _ in self.cores():
            with self.subTest(core=label):
                tb, heap, _ = cli_answers(d)
                st, out, err = lldb_batch(['target create --arch aarch64-unknown-linux-gnu "%s" --core "%s"'
                                           % (os.path.join(d, "exe"), os.path.join(d, "core")),
                                           "threads-blocked --json -n 0", "heap-top --json -n 0"])
                objs = json_results(out)
                self.assertEqual(len(objs), 2, "lldb exited %d\n%s\n%s" % (st, out[-3000:], err[-3000:]))
                self.assertEqual(without_target(objs[0]), without_target(tb))
                self.assertEqual(without_target(objs[1]), without_target(heap))


class ForeignArchitectures(unittest.TestCase):
    def test_one_line_naming_the_architecture(self):
        dirs = sorted(glob.glob(os.path.join(hstest.TEST_DATA, "foreign", "*")))
        self.assertEqual(sorted(os.path.basename(d) for d in dirs), sorted(FOREIGN),
                         "stored foreign executables under %s: run %s" % (hstest.TEST_DATA, hstest.PREPARE_DATA))
        arm64_core = os.path.join(stored(self, "blocked")[-1][1], "core")
        for d in dirs:
            arch = os.path.basename(d)
            core = os.path.join(d, "core")
            # riscv64 and 386: no core of their own (see above), their executable with an arm64 core
            with self.subTest(arch=arch, core="own" if os.path.exists(core) else "arm64"):
                if not os.path.exists(core):
                    core = arm64_core
                status, out, err = hstest.run(["threads-blocked", "--core", core, "--exe", os.path.join(d, "exe")])
                lines = err.strip().splitlines()
                self.assertEqual((status, out, len(lines)), (1, "", 1), err)
                self.assertTrue(any(name in lines[0].lower() for name in FOREIGN[arch]),
                                "%s: the line names none of %s: %s" % (arch, FOREIGN[arch], lines[0]))


if __name__ == "__main__":
    hstest.main()
