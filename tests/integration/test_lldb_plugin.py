#!/usr/bin/env python3
"""The lldb plugin (build/libheapscope-lldb.so) in real lldb, batch mode: on live Go programs of
every Go release here, on stored cores and fresh gcores, through lldb-server and gdbserver
(memory through lldb's ReadMemory), and on broken input. Answers are compared with the
runtime's own goroutine dump and with the CLI's JSON on the same target; the program must go on
as before once lldb has gone. Also the helpers the DAP test shares (finding lldb, the
environment that lets lldb load a sanitizer build of the plugin)."""

import json
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import tempfile
import time
import unittest

import hstest
import rtdump
from groups import assert_same_groups, blocked_fixture_groups, groups_from_heapscope_json
from run_fixture import Fixture

PLUGIN = os.path.join(hstest.BUILD_DIR, "libheapscope-lldb.so")


def find_tool(*names):
    for n in names:
        p = shutil.which(n) or (os.path.join("/usr/lib/llvm-14/bin", n)
                                if os.access(os.path.join("/usr/lib/llvm-14/bin", n), os.X_OK) else None)
        if p:
            return p
    return None


LLDB = find_tool("lldb", "lldb-14")


def plugin_env(extra=None):
    """The environment for a debugger that loads the plugin. A sanitizer build of the plugin
    needs the ASan runtime first in the process (LD_PRELOAD), and LeakSanitizer must not judge
    lldb's own allocations at exit."""
    env = dict(os.environ, **(extra or {}))
    out = subprocess.run(["ldd", PLUGIN], capture_output=True, text=True).stdout
    pre = [m.group(1) for m in re.finditer(r"^\s*lib(?:asan|ubsan)\.so\S* => (\S+)", out, re.M)]
    if pre:
        env["LD_PRELOAD"] = ":".join(pre + [p for p in env.get("LD_PRELOAD", "").split(":") if p])
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"  # the last one wins
    return env


def skip_unless_lldb(test):
    if not LLDB:
        test.skipTest("lldb is not installed (apt install lldb)")
    if not os.path.exists(PLUGIN):
        test.skipTest("%s was not built (needs liblldb-dev at configure time)" % PLUGIN)


def lldb_batch(commands, timeout=300, env=None):
    """lldb -b: loads the plugin, runs commands, stops at the first failing one, quits
    (detaching from an attached process). Returns (status, stdout, stderr)."""
    argv = [LLDB, "--no-lldbinit", "-b", "-o", 'plugin load "%s"' % PLUGIN]
    for c in commands:
        argv += ["-o", c]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                       env=plugin_env(env), stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout, p.stderr


def lldb_script(commands, timeout=300, env=None):
    """lldb reading commands from stdin: goes on after a failing command."""
    text = "\n".join(['plugin load "%s"' % PLUGIN] + list(commands) + ["quit"]) + "\n"
    p = subprocess.run([LLDB, "--no-lldbinit"], input=text, capture_output=True, text=True,
                       timeout=timeout, env=plugin_env(env))
    return p.returncode, p.stdout, p.stderr


def json_results(out):
    """The heapscope JSON objects in lldb's output (core prints each on one line)."""
    return [json.loads(l) for l in out.splitlines() if l.startswith('{"command"')]


def one_json(test, status, out, err):
    objs = json_results(out)
    test.assertEqual(len(objs), 1, "lldb exited %d\nstdout: %s\nstderr: %s" % (status, out[-3000:], err[-3000:]))
    return objs[0]


def listed_tids(out):
    """Thread ids `thread list` printed (decimal, or hex with gdbserver)."""
    return sorted(int(t, 0) for t in re.findall(r"thread #\d+: tid = (0x[0-9a-fA-F]+|\d+)", out))


def proc_status(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            fields[k] = v.strip()
    return fields


def wait_untraced(test, pid, timeout=20):
    """The process is neither traced nor stopped (lldb-server detaches as lldb goes)."""
    deadline = time.monotonic() + timeout
    while True:
        st = proc_status(pid)
        if st["TracerPid"] == "0" and st["State"][0] not in "tT":
            return
        if time.monotonic() > deadline:
            test.fail("process %d still traced/stopped after the debugger left: %s %s"
                      % (pid, st["TracerPid"], st["State"]))
        time.sleep(0.05)


def first_load_offset(core):
    """File offset of the first memory bytes (PT_LOAD data) of a 64-bit ELF core."""
    with open(core, "rb") as f:
        eh = f.read(64)
        phoff, = struct.unpack_from("<Q", eh, 32)
        phentsize, phnum = struct.unpack_from("<HH", eh, 54)
        f.seek(phoff)
        ph = f.read(phentsize * phnum)
    loads = [struct.unpack_from("<IIQQQQ", ph, i * phentsize) for i in range(phnum)]
    return min(p[2] for p in loads if p[0] == 1 and p[5] > 0)


def without_target(obj):
    return {k: v for k, v in obj.items() if k != "target"}


def load_stored(d):
    with open(os.path.join(d, "dump.txt")) as f:
        parsed = rtdump.parse_program_output(f.read())
    with open(os.path.join(d, "info.json")) as f:
        info = json.load(f)
    return parsed, info


class LldbCase(unittest.TestCase):
    def setUp(self):
        skip_unless_lldb(self)

    def versions(self):
        return hstest.toolchains_or_skip(self)

    def check_live_groups(self, got, fx, ver):
        self.assertEqual(got["version"], fx.info["go_version"])
        self.assertEqual(got["total"], fx.info["num_goroutine"])
        assert_same_groups(blocked_fixture_groups(fx.goroutines, fx.info),
                           groups_from_heapscope_json(got, ver))

    def check_same_as_cli(self, got, cli, ver):
        self.assertEqual((got["total"], got["system"]), (cli["total"], cli["system"]))
        assert_same_groups(groups_from_heapscope_json(cli, ver), groups_from_heapscope_json(got, ver),
                           expected_name="CLI", actual_name="lldb")


class Live(LldbCase):
    def test_live_every_release(self):
        for v in self.versions():
            with self.subTest(go=v):
                exe, ver = hstest.build_fixture(v, "blocked")
                with Fixture(exe) as fx:
                    tids = fx.thread_ids()
                    st, out, err = lldb_batch(["process attach -p %d" % fx.pid, "threads-blocked --json",
                                               "thread list"])
                    got = one_json(self, st, out, err)
                    self.check_live_groups(got, fx, ver)
                    self.assertEqual(got["wait_clock"], "live")
                    # a process lldb (its lldb-server) traces is read through /proc/PID/mem
                    self.assertEqual(got["target"]["description"], "process %d" % fx.pid)
                    self.assertEqual(listed_tids(out), tids, "lldb's thread list after the command")
                    self.assertEqual(st, 0, err[-2000:])
                    wait_untraced(self, fx.pid)
                    self.assertIsNone(fx.proc.poll(), "the program died")
                    self.assertEqual(fx.thread_ids(), tids)
                    self.check_same_as_cli(got, hstest.run_json(["threads-blocked", "--pid", str(fx.pid)]), ver)

    def test_detach_and_text(self):
        exe, ver = hstest.build_fixture(list(self.versions())[-1], "blocked")
        with Fixture(exe) as fx:
            st, out, err = lldb_batch(["process attach -p %d" % fx.pid, "threads-blocked -n 0",
                                       "threads-blocked --json", "process detach"])
            self.assertEqual(st, 0, err[-2000:])
            self.assertIn("%d goroutines" % fx.info["num_goroutine"], out)
            for fn in fx.info["functions"].values():
                self.assertIn(fn, out)
            self.assertIn("Process %d detached" % fx.pid, out)
            wait_untraced(self, fx.pid)
            self.assertIsNone(fx.proc.poll())


class Cores(LldbCase):
    def test_stored_cores(self):
        cores = hstest.stored_or_fail(self, "blocked")
        for ver, d in cores:
            with self.subTest(go=ver):
                parsed, info = load_stored(d)
                core, exe = os.path.join(d, "core"), os.path.join(d, "exe")
                cli = hstest.run_json(["threads-blocked", "--core", core, "--exe", exe])
                cmds = ['target create "%s" --core "%s"' % (exe, core), "threads-blocked --json",
                        "threads-blocked --all --json"]
                for memory in ("core file", "lldb"):  # the core mapped directly, or lldb's reads
                    env = {"HEAPSCOPE_LLDB_MEMORY": "lldb"} if memory == "lldb" else None
                    st, out, err = lldb_batch(cmds, env=env)
                    objs = json_results(out)
                    self.assertEqual(len(objs), 2, err[-3000:])
                    got = objs[0]
                    self.assertEqual(without_target(got), without_target(cli), memory)
                    self.assertEqual(got["total"], info["num_goroutine"])
                    assert_same_groups(blocked_fixture_groups(parsed, info),
                                       groups_from_heapscope_json(got, ver))
                    self.assertEqual(objs[1]["total"], info["num_goroutine"] + objs[1]["system"])
                    desc = got["target"]["description"]
                    if memory == "lldb":
                        self.assertEqual(desc, "the debugger's target")
                    else:
                        self.assertEqual(desc, "core " + os.path.realpath(core))

    def test_fresh_gcore(self):
        vs = list(self.versions())
        if not shutil.which("gcore"):
            self.skipTest("gcore (gdb) is not installed")
        for v in sorted({vs[0], vs[-1]}):
            with self.subTest(go=v):
                exe, ver = hstest.build_fixture(v, "blocked")
                with Fixture(exe) as fx, tempfile.TemporaryDirectory() as tmp:
                    subprocess.run(["gcore", "-o", os.path.join(tmp, "core"), str(fx.pid)],
                                   check=True, capture_output=True, timeout=300)
                    core = os.path.join(tmp, "core.%d" % fx.pid)
                    st, out, err = lldb_batch(['target create "%s" --core "%s"' % (exe, core),
                                               "threads-blocked --json", "thread list"])
                    got = one_json(self, st, out, err)
                    cli = hstest.run_json(["threads-blocked", "--core", core])
                    self.assertEqual(without_target(got), without_target(cli))
                    self.check_live_groups(got, fx, ver)
                    self.assertEqual(listed_tids(out), fx.thread_ids())


class Remote(LldbCase):
    def start_lldb_server(self, pid):
        server = find_tool("lldb-server-14", "lldb-server")
        if not server:
            self.skipTest("lldb-server is not installed")
        r, w = os.pipe()
        p = subprocess.Popen([server, "gdbserver", "--pipe", str(w), "--attach", str(pid), "127.0.0.1:0"],
                             pass_fds=[w], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(w)
        port = b""
        try:
            while select.select([r], [], [], 30)[0]:
                chunk = os.read(r, 32)
                if not chunk or b"\0" in chunk:
                    port += chunk.split(b"\0")[0]
                    break
                port += chunk
        finally:
            os.close(r)
        if not port.strip().isdigit():
            p.kill()
            self.fail("lldb-server did not say its port (got %r)" % port)
        return p, int(port)

    def start_gdbserver(self, pid):
        if not shutil.which("gdbserver"):
            self.skipTest("gdbserver is not installed")
        p = subprocess.Popen(["gdbserver", "--attach", "127.0.0.1:0", str(pid)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = p.stderr.readline()
            m = re.search(r"Listening on port (\d+)", line)
            if m:
                return p, int(m.group(1))
            if not line and p.poll() is not None:
                break
        p.kill()
        self.fail("gdbserver did not start")

    def check_remote(self, start):
        exe, ver = hstest.build_fixture(list(self.versions())[-1], "blocked")
        with Fixture(exe) as fx:
            server, port = start(fx.pid)
            try:
                st, out, err = lldb_batch(['target create "%s"' % exe, "gdb-remote 127.0.0.1:%d" % port,
                                           "threads-blocked --json", "thread list", "process detach"])
                server.wait(timeout=30)
            finally:
                if server.poll() is None:
                    server.kill()
                    server.wait()
            got = one_json(self, st, out, err)
            # not traced from this lldb: memory came through lldb's ReadMemory
            self.assertEqual(got["target"]["description"], "the debugger's target")
            self.check_live_groups(got, fx, ver)
            self.assertEqual(listed_tids(out), fx.thread_ids())
            wait_untraced(self, fx.pid)
            self.check_same_as_cli(got, hstest.run_json(["threads-blocked", "--pid", str(fx.pid)]), ver)

    def test_lldb_server(self):
        self.check_remote(self.start_lldb_server)

    def test_gdbserver(self):
        self.check_remote(self.start_gdbserver)


class Failures(LldbCase):
    def test_truncated_kernel_core(self):
        # a kernel core has its notes first: cut after them lldb still loads it (threads and
        # registers), but the memory is gone (all of it, or all past 1 MiB). The command fails
        # like the CLI's or, where enough memory is left, answers like the CLI; lldb goes on.
        # The kernel core is the stored one of the newest release (tests/cores/*/crash).
        _, d = hstest.stored_or_fail(self, "crash")[-1]
        core, exe = os.path.join(d, "core"), os.path.join(d, "..", "blocked", "exe")
        with tempfile.TemporaryDirectory() as tmp:
            for size in (first_load_offset(core), 1 << 20):
                with self.subTest(cut=size):
                    cut = os.path.join(tmp, "core.cut%d" % size)
                    with open(core, "rb") as f, open(cut, "wb") as g:
                        g.write(f.read(size))
                    self.check_truncated(exe, cut, must_fail=size < (1 << 20))

    def check_truncated(self, exe, cut, must_fail):
        code, cli_out, cli_err = hstest.run(["threads-blocked", "--json", "--core", cut, "--exe", exe])
        st, out, err = lldb_script(['target create "%s" --core "%s"' % (exe, cut),
                                    "threads-blocked --json", "thread list"])
        self.assertEqual(st, 0, err[-2000:])
        self.assertRegex(out, r"thread #1: tid = \d+", "lldb no longer answers after the command")
        if must_fail:
            self.assertEqual(code, 1, cli_err)
        if code == 0:
            got = json_results(out)
            self.assertEqual(len(got), 1, err[-3000:])
            self.assertEqual(without_target(got[0]), without_target(json.loads(cli_out)))
            return
        cli_error = [l for l in cli_err.splitlines() if l.startswith("threads-blocked:")]
        self.assertEqual(len(cli_error), 1, cli_err)
        self.assertEqual(json_results(out), [])
        # the same step fails ("threads-blocked: reading runtime.buildVersion"); the rest of
        # the message names the target, which lldb may read as a core file or through lldb
        step = cli_error[0].split(" of ")[0]
        self.assertIn("error: " + step, err)

    def test_unloadable_core_then_good_one(self):
        cores = hstest.stored_or_fail(self, "blocked")
        ver, d = cores[-1]
        core, exe = os.path.join(d, "core"), os.path.join(d, "exe")
        with tempfile.TemporaryDirectory() as tmp:
            cut = os.path.join(tmp, "core.cut")
            with open(core, "rb") as f, open(cut, "wb") as g:
                g.write(f.read(4096))  # the notes are gone: lldb refuses the core
            st, out, err = lldb_script(['target create "%s" --core "%s"' % (exe, cut),
                                        "threads-blocked",
                                        'target create "%s" --core "%s"' % (exe, core),
                                        "threads-blocked --json", "thread list"])
        self.assertEqual(st, 0, err[-2000:])
        self.assertRegex(err, r"error: threads-blocked: .*(no process|no target)")
        got = json_results(out)
        self.assertEqual(len(got), 1, err[-3000:])
        self.assertEqual(without_target(got[0]),
                         without_target(hstest.run_json(["threads-blocked", "--core", core, "--exe", exe])))
        self.assertRegex(out, r"thread #1: tid = \d+")

    def test_no_target_and_bad_option(self):
        st, out, err = lldb_script(["threads-blocked", "threads-blocked --no-such-option", "help thread"])
        self.assertEqual(st, 0, err[-2000:])
        self.assertIn("error: threads-blocked: no target: attach to a process (process attach -p PID)", err)
        self.assertIn("unknown option --no-such-option", err)
        self.assertIn("Commands for operating on one or more threads", out)


class Interrupt(LldbCase):
    def read_until(self, proc, marker, timeout=120):
        """lldb's stdout up to and including marker (the pipe stays open)."""
        buf, deadline = b"", time.monotonic() + timeout
        while marker.encode() not in buf:
            left = deadline - time.monotonic()
            self.assertGreater(left, 0, "no %r from lldb: %s" % (marker, buf[-2000:]))
            if select.select([proc.stdout], [], [], left)[0]:
                chunk = os.read(proc.stdout.fileno(), 65536)
                self.assertTrue(chunk, "lldb exited: %s" % buf[-2000:])
                buf += chunk
        return buf.decode("utf-8", "replace")

    def test_ctrl_c(self):
        # 100000 goroutines read through lldb's ReadMemory; Ctrl-C (SIGINT to lldb) must end the
        # command, leave lldb answering and the process detachable. So that the SIGINT lands
        # while the command runs on any machine however fast, the lldb-server that serves
        # lldb's memory reads is stopped (SIGSTOP) before the command is typed: the command
        # waits for its first read, SIGINT arrives, the server goes on, and the command must
        # stop there instead of walking the goroutines.
        exe, _ = hstest.build_fixture(list(self.versions())[-1], "manyblocked")
        env = {"HEAPSCOPE_LLDB_MEMORY": "lldb"}
        with Fixture(exe, ["100000"], timeout=300) as fx:
            attach = "process attach -p %d" % fx.pid
            started = time.monotonic()
            st, out, err = lldb_batch([attach, "threads-blocked --json"], env=env)
            full = time.monotonic() - started
            self.assertEqual(len(json_results(out)), 1, err[-2000:])
            p = subprocess.Popen([LLDB, "--no-lldbinit", "-o", 'plugin load "%s"' % PLUGIN, "-o", attach],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 env=plugin_env(env))
            server = None
            try:
                self.read_until(p, "Process %d stopped" % fx.pid)
                server = int(proc_status(fx.pid)["TracerPid"])
                with open("/proc/%d/comm" % server) as f:
                    self.assertTrue(f.read().startswith("lldb-server"), "traced by pid %d, not lldb-server" % server)
                os.kill(server, signal.SIGSTOP)
                p.stdin.write(b"threads-blocked --json\n")
                p.stdin.flush()
                time.sleep(0.5)  # lldb reads the line and starts the command, which waits for the server
                p.send_signal(signal.SIGINT)
                time.sleep(0.1)
                os.kill(server, signal.SIGCONT)
                server = None
                sent = time.monotonic()
                out, err = p.communicate(b"thread list\nprocess detach\nquit\n", timeout=120)
                after = time.monotonic() - sent
            finally:
                if server:
                    os.kill(server, signal.SIGCONT)
                if p.poll() is None:
                    p.kill()
                    p.wait()
            out, err = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
            timing = "a whole run %.1fs; lldb went on %.2fs after Ctrl-C" % (full, after)
            self.assertEqual(json_results(out), [], "the command ran to the end despite Ctrl-C: " + timing)
            self.assertIn("Interrupted", err, timing)
            self.assertLess(after, max(2.0, full / 2), timing)
            self.assertRegex(out, r"thread #1: tid = %d" % fx.pid)
            self.assertIn("Process %d detached" % fx.pid, out)
            wait_untraced(self, fx.pid)


class Help(LldbCase):
    def test_every_command_registered_with_help(self):
        _, usage, _ = hstest.run(["--help"])
        listing = usage.split("commands:\n", 1)[1].split("\n\n", 1)[0]  # up to the blank line
        names = [l.split()[0] for l in listing.splitlines() if l.strip()]
        self.assertIn("threads-blocked", names)
        st, out, err = lldb_batch(["help"] + ["help " + n for n in names])
        self.assertEqual(st, 0, err[-2000:])
        user = out.split("Current user-defined commands:", 1)[1]
        for n in names:
            self.assertRegex(user, r"(?m)^\s+%s\s+--" % re.escape(n))
            _, text, _ = hstest.run(["help", n])
            self.assertIn("Syntax: " + text.splitlines()[0], out)
            for opt in re.findall(r"(?m)^\s+(-[-\w]+)", text):
                self.assertIn(opt, out.split("(lldb) help " + n, 1)[1])


if __name__ == "__main__":
    hstest.main()
