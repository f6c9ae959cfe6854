"""native_programs.py - the C and C++ programs the VS Code template tests (test_gdb_mi.py,
test_lldb_dap.py) run in a debugger, with their own oracles: tests/fixtures/c/native_blocked.c
and its record of which thread waits on what (test_native_threads), tests/fixtures/c/
glibc_heap.cpp and its class counts and glibc's mallinfo2 (test_glibc_heap)."""

import os
import subprocess
import tempfile

import hstest
import test_glibc_heap as gh
import test_native_threads as nt


class NativePrograms:
    """A unittest.TestCase mixin: both programs built once per class (-O2 -g) into cls.tmp."""
    live_fs_base = True  # False for a front that gives no thread pointer of a live process

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.blocked = os.path.join(cls.tmp.name, "native_blocked")
        subprocess.run(["gcc", "-O2", "-g", "-pthread", "-o", cls.blocked, nt.SOURCE], check=True)
        cls.heap = hstest.build_native(cls.tmp.name, "g++", gh.SOURCE, "glibc_heap", variants=("g",))["g"]

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def programs(self):
        """[(executable, its Program class, the command to type, check(prog, answer, live))]"""
        def threads(prog, got, live):
            nt.NativeThreads.check_report(self, prog, got, live=live, fs_base=self.live_fs_base or not live)

        def heap(prog, got, live):
            gh.check_report(self, prog, got)
        return [(self.blocked, nt.Program, "threads-blocked --json", threads),
                (self.heap, gh.Program, "heap-top --json", heap)]

    def core_of(self, exe, start):
        """(the program's record, a gcore core of it); the program is gone afterwards."""
        prog = start(exe)
        try:
            return prog, hstest.gcore(prog.p.pid, self.tmp.name)
        finally:
            prog.close()
