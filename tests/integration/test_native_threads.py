#!/usr/bin/env python3
"""threads-blocked on native (C and C++) processes, live, from gcore cores and from kernel cores.
The programs write their own record: which tid plays which role and where each lock is.
tests/fixtures/c/native_blocked.c is built -O2 with and without -g, and stripped with a separate
debug file found by .gnu_debuglink; native_blocked.cpp has a std::mutex deadlock and a waiter on
a mutex in a heap object. Oracles outside heapscope: the record with what the programs do by
construction (states, lock names and addresses, owners, the deadlock cycles),
/proc/PID/task/TID/syscall read while the program runs (the call each thread is in), and gdb's
`thread apply all bt` on the same core (the program's own frames, thread by thread; gdb also
stops at main, so only fx_* functions and main are compared, with their lines where there is
debug information; inlined calls included). The C++ program's frames are compared with gdb's in
full where they are its own or libstdc++'s inlined headers, and its symbol names with c++filt,
also stripped with the debug file in .debug/. A kernel core cut short checks the `?` frames."""

import json
import os
import re
import resource
import signal
import shutil
import subprocess
import tempfile
import time
import unittest

import hstest

SOURCE = os.path.join(hstest.SOURCE_DIR, "tests", "fixtures", "c", "native_blocked.c")
CPP_SOURCE = os.path.join(hstest.SOURCE_DIR, "tests", "fixtures", "c", "native_blocked.cpp")

# role -> (state threads-blocked must say, syscall numbers /proc may show, lock, owner role)
ROLES = {
    "main": ("syscall pause", {34}, None, None),
    "holder": ("sleep", {230, 35}, None, None),
    "mutex": ("mutex", {202}, "g_held", "holder"),
    "rwlock_w": ("rwlock", {202}, "g_rw", "holder"),
    "rwlock_r": ("rwlock", {202}, "g_rw", "holder"),
    "cond": ("condition variable", {202}, "g_cond", None),  # re-takes g_cmu, which nobody holds
    "read": ("read", {0}, None, None),
    "write": ("write", {1}, None, None),
    "poll": ("poll", {7}, None, None),
    "epoll": ("epoll_wait", {232}, None, None),
    "accept": ("accept", {43}, None, None),
    "sleep": ("sleep", {230, 35}, None, None),
    "dl2a": ("mutex", {202}, "dl_b", "dl2b"),
    "dl2b": ("mutex", {202}, "dl_a", "dl2a"),
    "dl3a": ("mutex", {202}, "dl_d", "dl3b"),
    "dl3b": ("mutex", {202}, "dl_e", "dl3c"),
    "dl3c": ("mutex", {202}, "dl_c", "dl3a"),
}
CYCLES = [("dl2a", "dl2b"), ("dl3a", "dl3b", "dl3c")]


def read_record(stdout):
    """A test program's record up to its "ready" line: ({tid: role}, {lock name: address})."""
    roles, locks = {}, {}
    for line in stdout:
        f = line.split()
        if f[0] == "ready":
            break
        if f[0] == "thread":
            roles[int(f[1])] = f[2]
        elif f[0] == "lock":
            locks[f[1]] = int(f[2], 16)
    return roles, locks


class Program:
    """The fixture running: its record, once every thread is in the call its role makes."""

    def __init__(self, exe, cwd=None, wait=True):
        self.p = subprocess.Popen([exe], stdout=subprocess.PIPE, text=True, cwd=cwd,
                                  preexec_fn=lambda: resource.setrlimit(
                                      resource.RLIMIT_CORE, (resource.RLIM_INFINITY,) * 2))
        self.roles, self.locks = read_record(self.p.stdout)
        self.tid = {role: tid for tid, role in self.roles.items()}
        if wait:
            self.wait_in_calls()
        else:  # every thread in futex (join, lock), waited for less strictly
            self.wait_until(lambda nrs: all(n == 202 for n in nrs.values()))

    def syscalls(self):
        """{tid: syscall number, None when running} from /proc/PID/task/TID/syscall."""
        nrs = {}
        for tid in self.roles:
            with open("/proc/%d/task/%d/syscall" % (self.p.pid, tid)) as f:
                first = f.read().split()[0]
            nrs[tid] = int(first) if first.lstrip("-").isdigit() else None
        return nrs

    def wait_until(self, ok, timeout=20):
        deadline = time.time() + timeout
        while True:
            nrs = self.syscalls()
            if ok(nrs):
                return nrs
            if time.time() > deadline:
                raise AssertionError("threads not in their calls: %r" % {
                    self.roles[t]: n for t, n in nrs.items()})
            time.sleep(0.05)

    def wait_in_calls(self, stopped=False):
        """Waits until each thread is in a call its role may make. After a ptrace stop the
        kernel restarts poll and sleeps as restart_syscall (219)."""
        ok = {r: ROLES[r][1] | ({219} if stopped and ROLES[r][1] & {7, 230} else set()) for r in ROLES}
        return self.wait_until(lambda nrs: all(nrs[t] in ok[r] for t, r in self.roles.items()))

    def close(self):
        self.p.kill()
        self.p.wait()


def fx_functions(names):
    return [n for n in names if n.startswith("fx_") or n == "main"]


class NativeThreads(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="hs-native-")
        cls.exes = {}
        for variant, flags in [("g", ["-g"]), ("nog", []), ("stripped", ["-g"])]:
            exe = os.path.join(cls.tmp, "native_blocked_" + variant)
            subprocess.run(["gcc", "-O2", "-pthread"] + flags + ["-o", exe, SOURCE], check=True)
            if variant == "stripped":  # symbols and lines only in exe.debug, by .gnu_debuglink
                for argv in (["objcopy", "--only-keep-debug", exe, exe + ".debug"],
                             ["strip", "-s", exe],
                             ["objcopy", "--add-gnu-debuglink=" + exe + ".debug", exe]):
                    subprocess.run(argv, check=True, cwd=cls.tmp)
            cls.exes[variant] = exe

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def check_report(self, prog, report, live, fs_base=True):
        self.assertEqual(report["runtime"], "native")
        self.assertEqual(report["total"], len(prog.roles))
        seen = {}
        for g in report["groups"]:
            self.assertEqual(g["count"], len(g["threads"]))
            waits = {w["thread"]: w for w in g["waits_on"]}
            for i, tid in enumerate(g["threads"]):
                role = prog.roles[tid]
                self.assertNotIn(tid, seen)
                seen[tid] = g
                state, _, lock, owner = ROLES[role]
                self.assertEqual(g["state"], state, role)
                fn = "main" if role == "main" else "fx_" + role
                self.assertIn(fn, [f["function"] for f in g["frames"]], role)
                self.assertEqual(g["names"][i], role if live and role != "main" else
                                 (os.path.basename(prog.p.args[0])[:15] if live else None))
                if lock is None:
                    self.assertNotIn(tid, waits, role)
                    continue
                w = waits[tid]
                self.assertEqual((w["name"], int(w["addr"], 16), w["owner"]),
                                 (lock, prog.locks[lock], prog.tid.get(owner)), role)
                if role == "cond":  # found through libc6-dbg's DWARF (scripts/setup.sh installs it)
                    # and the thread pointer; a front that gives no fs_base (lldb 14) says "not known"
                    self.assertEqual(w["mutex"], {"addr": "0x%x" % prog.locks["g_cmu"],
                                                  "name": "g_cmu", "owner": None} if fs_base else None)
        self.assertEqual(set(seen), set(prog.roles))
        # threads of one role share a group; roles with different stacks do not
        for role in ("mutex", "cond"):
            tids = [t for t, r in prog.roles.items() if r == role]
            self.assertEqual(len({id(seen[t]) for t in tids}), 1, role)
            self.assertEqual(seen[tids[0]]["count"], len(tids))
        want = sorted(tuple(prog.tid[r] for r in c) for c in CYCLES)
        got = sorted(tuple(d["threads"]) for d in report["deadlocks"])
        self.assertEqual(got, want)
        for d in report["deadlocks"]:
            for tid, addr in zip(d["threads"], d["mutexes"]):
                self.assertEqual(int(addr, 16), prog.locks[ROLES[prog.roles[tid]][2]])

    def check_text(self, prog, args):
        code, out, err = hstest.run(["threads-blocked"] + args, timeout=60)
        self.assertEqual(code, 0, err)
        self.assertIn("Found 2 deadlocks.", out)
        for a, b in [("dl2a", "dl2b"), ("dl2b", "dl2a"), ("dl3c", "dl3a")]:
            lock = ROLES[a][2]
            self.assertRegex(out, r"thread %d( \(%s\))? waits for mutex %s \(0x%x\) held by thread %d"
                             % (prog.tid[a], a, lock, prog.locks[lock], prog.tid[b]))

    def test_live_and_gcore(self):
        for variant, exe in self.exes.items():
            with self.subTest(variant=variant):
                prog = Program(exe)
                try:
                    report = hstest.run_json(["threads-blocked", "--pid", str(prog.p.pid)])
                    self.check_report(prog, report, live=True)
                    self.check_text(prog, ["--pid", str(prog.p.pid)])
                    code, _, err = hstest.run(["threads-blocked", "--pid", str(prog.p.pid),
                                               "--min-wait", "1s"])
                    self.assertEqual((code, len(err.strip().splitlines())), (2, 1), err)
                    self.assertIn("--min-wait", err)
                    prog.wait_in_calls(stopped=True)  # every thread went on where it was
                    core = self.gcore(prog)
                    report = hstest.run_json(["threads-blocked", "--core", core])
                    self.check_report(prog, report, live=False)
                    self.check_text(prog, ["--core", core])
                    self.check_gdb(prog, exe, core, report)
                    os.unlink(core)
                finally:
                    prog.close()

    def test_kernel_core(self):
        """A core the kernel writes (SIGSEGV sent to the process) of the -g build."""
        with open("/proc/sys/kernel/core_pattern") as f:
            pattern = f.read().strip()
        if pattern.startswith("|"):
            hstest.platform_skip(self, "core-pattern-pipe", pattern)
        cwd = tempfile.mkdtemp(dir=self.tmp)
        prog = Program(self.exes["g"], cwd=cwd)
        try:
            os.kill(prog.p.pid, signal.SIGSEGV)
            prog.p.wait(timeout=120)
        finally:
            prog.close()
        cores = [os.path.join(cwd, f) for f in os.listdir(cwd)]
        self.assertEqual(len(cores), 1, "core_pattern %r wrote %r" % (pattern, cores))
        report = hstest.run_json(["threads-blocked", "--core", cores[0]])
        self.check_report(prog, report, live=False)
        self.check_truncated(prog, cores[0])

    def test_moved_executable(self):
        """A core read where its executable is no longer at the path the core records (a core from
        another machine, a moved build): --exe names it, relative, and the program's frames,
        unwinding and lock names are as from its own path."""
        d = tempfile.mkdtemp(dir=self.tmp)
        exe = os.path.join(d, "native_blocked")
        shutil.copy(self.exes["g"], exe)
        prog = Program(exe)
        try:
            core = self.gcore(prog)
        finally:
            prog.close()
        os.makedirs(os.path.join(d, "moved"))
        os.rename(exe, os.path.join(d, "moved", "native_blocked"))
        cwd = os.getcwd()
        os.chdir(d)
        try:
            report = hstest.run_json(["threads-blocked", "--core", core, "--exe", "moved/native_blocked"])
        finally:
            os.chdir(cwd)
        self.check_report(prog, report, live=False)
        self.assertEqual(report.get("warnings", []), [])

    def test_cpp(self):
        """std::mutex (a pthread mutex underneath): a two-thread deadlock on globals, and a
        waiter on a mutex inside a heap object main holds, live and from a gcore core."""
        exe = os.path.join(self.tmp, "native_blocked_cpp")
        subprocess.run(["g++", "-std=c++20", "-O2", "-g", "-pthread", "-o", exe, CPP_SOURCE], check=True)
        prog = Program(exe, wait=False)
        try:
            for target in (["--pid", str(prog.p.pid)], None):
                report = hstest.run_json(["threads-blocked"] + (target or ["--core", self.gcore(prog)]))
                states = {t: g["state"] for g in report["groups"] for t in g["threads"]}
                self.assertEqual(states, {prog.tid["main"]: "futex", prog.tid["dl_a"]: "mutex",
                                          prog.tid["dl_b"]: "mutex", prog.tid["heap"]: "mutex"})
                waits = {w["thread"]: (w["name"], int(w["addr"], 16), w["owner"])
                         for g in report["groups"] for w in g["waits_on"]}
                self.assertEqual(waits, {
                    prog.tid["dl_a"]: ("b", prog.locks["b"], prog.tid["dl_b"]),
                    prog.tid["dl_b"]: ("a", prog.locks["a"], prog.tid["dl_a"]),
                    prog.tid["heap"]: ("heap block 0x%x" % prog.locks["heap"], prog.locks["heap"],
                                       prog.tid["main"])})
                pair = sorted([prog.tid["dl_a"], prog.tid["dl_b"]])
                want = {prog.tid["dl_a"]: prog.locks["b"], prog.tid["dl_b"]: prog.locks["a"]}
                self.assertEqual([(d["threads"], d["mutexes"]) for d in report["deadlocks"]],
                                 [(pair, ["0x%x" % want[t] for t in pair])])
        finally:
            prog.close()

    def test_cpp_symbols(self):
        """C++ frames as gdb shows them: names demangled (c++filt of the symbol nm lists is the
        oracle), inlined calls one frame each with their call lines; the same from the binary
        stripped with its debug file in .debug/ (found by .gnu_debuglink)."""
        exe = os.path.join(self.tmp, "cpp_symbols")
        subprocess.run(["g++", "-std=c++20", "-O2", "-g", "-pthread", "-o", exe, CPP_SOURCE], check=True)
        nm = subprocess.run(["nm", exe], capture_output=True, text=True, check=True).stdout
        mangled = [line.split()[-1] for line in nm.splitlines() if "lock_both" in line]
        want = subprocess.run(["c++filt"] + mangled, capture_output=True, text=True,
                              check=True).stdout.split("\n")[0]
        self.assertEqual(want, "lock_both(int, std::mutex&, std::mutex&)")
        stripped = os.path.join(self.tmp, "cpp_stripped")
        os.makedirs(os.path.join(self.tmp, ".debug"), exist_ok=True)
        debug = os.path.join(self.tmp, ".debug", "cpp_stripped.debug")
        shutil.copy(exe, stripped)
        for argv in (["objcopy", "--only-keep-debug", stripped, debug], ["strip", "-s", stripped],
                     ["objcopy", "--add-gnu-debuglink=" + debug, stripped]):
            subprocess.run(argv, check=True, cwd=self.tmp)
        for path in (exe, stripped):
            with self.subTest(exe=os.path.basename(path)):
                prog = Program(path, wait=False)
                try:
                    core = self.gcore(prog)
                    report = hstest.run_json(["threads-blocked", "--core", core])
                    names = [f["function"] for g in report["groups"] for f in g["frames"]]
                    self.assertIn(want, names)
                    self.check_gdb_cpp(prog, exe, core, report)
                    os.unlink(core)
                finally:
                    prog.close()

    def check_gdb_cpp(self, prog, exe, core, report):
        """Frames in the program's source and libstdc++'s headers, thread by thread: (function,
        file, line) equal to gdb's, a physical frame's name compared without its parameters."""
        gdb = gdb_backtraces(exe, core)
        mine = lambda f: f[1] == CPP_SOURCE or f[1].startswith("/usr/include/c++/")
        for g in report["groups"]:
            ours = [(f["function"] if f.get("inlined") else without_parameters(f["function"]),
                     f["file"], f["line"]) for f in g["frames"]]
            for tid in g["threads"]:
                theirs = [f for f in gdb[tid] if f[1] and mine(f)]
                self.assertTrue(theirs, prog.roles[tid])
                # gdb names a physical method by its DWARF name (std::thread::_State_impl<...>::
                # _M_run with `main()::<lambda()>`): only the source files' lines are compared there
                self.assertEqual([f[1:] for f in ours if mine(f)], [f[1:] for f in theirs],
                                 prog.roles[tid])
                self.assertEqual([f for f in ours if mine(f) and "_M_run" not in f[0]],
                                 [f for f in theirs if "_M_run" not in f[0]], prog.roles[tid])

    def check_truncated(self, prog, core):
        """The core cut after its notes and first segments: every thread is still listed, the
        stacks that lie in the lost part end in a `?` frame, and a warning counts them."""
        cut = core + ".cut"
        with open(core, "rb") as src, open(cut, "wb") as dst:
            dst.write(src.read(256 << 10))
        report = hstest.run_json(["threads-blocked", "--core", cut, "--exe", self.exes["g"]])
        self.assertEqual(report["total"], len(prog.roles))
        cut_groups = [g for g in report["groups"] if g.get("truncated")]
        self.assertTrue(cut_groups)
        for g in cut_groups:
            self.assertEqual(g["frames"][-1]["function"], "?")
        n = sum(g["count"] for g in cut_groups)
        self.assertIn("the stacks of %d thread%s could not be walked to their end (marked ?)"
                      % (n, "" if n == 1 else "s"), report["warnings"])

    def gcore(self, prog):
        base = os.path.join(self.tmp, "core")
        subprocess.run(["gcore", "-o", base, str(prog.p.pid)], check=True, capture_output=True,
                       timeout=120)
        return "%s.%d" % (base, prog.p.pid)

    def check_gdb(self, prog, exe, core, report):
        """The program's own frames of every thread, as gdb's backtrace shows them."""
        gdb = {tid: [(n, line) for n, _, line in frames]
               for tid, frames in gdb_backtraces(exe, core).items()}
        self.assertEqual(set(gdb), set(prog.roles))
        for g in report["groups"]:
            ours = [(f["function"], f["line"]) for f in g["frames"]]
            for tid in g["threads"]:
                theirs = gdb[tid]
                self.assertEqual(fx_functions(n for n, _ in ours), fx_functions(n for n, _ in theirs),
                                 prog.roles[tid])
                self.assertEqual([f for f in ours if fx_functions([f[0]])],
                                 [f for f in theirs if fx_functions([f[0]])], prog.roles[tid])


def without_parameters(name):
    """"ns::f(int, std::mutex&) const" -> "ns::f": the trailing balanced (...) cut."""
    name = name[:-len(" const")] if name.endswith(" const") else name
    depth = 0
    for i in range(len(name) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(name[i], 0)
        if depth == 0:
            return name[:i] if name.endswith(")") else name
    return name


def gdb_backtraces(exe, core, sysroot=None):
    """{tid: [(function, file or None, line or None), ...]} from gdb's `thread apply all bt`
    (with `set sysroot SYSROOT` before the core is loaded, when given)."""
    # gdb loads the files it is given before it runs the -ex commands, in their order
    load = ["-ex", "set sysroot " + sysroot, "-ex", "core-file " + core] if sysroot else []
    r = subprocess.run(["gdb", "-nx", "-batch"] + load + ["-ex", "thread apply all bt", exe] + ([] if sysroot else [core]),
                       capture_output=True, text=True, timeout=300)
    frames, tid = {}, None
    for line in r.stdout.splitlines():
        m = re.match(r"Thread \d+ \(Thread 0x[0-9a-f]+ \(LWP (\d+)\)", line)
        if m:
            tid = int(m.group(1))
            frames[tid] = []
        m = re.match(r"#\d+\s+(?:0x[0-9a-f]+ in )?(.+?) \((?:[^()]|\([^()]*\))*\)(?: at (\S+):(\d+))?", line)
        if m and tid is not None:
            frames[tid].append((m.group(1), m.group(2), int(m.group(3)) if m.group(3) else None))
    return frames


if __name__ == "__main__":
    hstest.main()
