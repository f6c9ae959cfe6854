#!/usr/bin/env python3
"""The VS Code templates (vscode/launch.lldb-dap.json, vscode/launch.codelldb.json) with real
debuggers: Debian's lldb-vscode (the DAP server lldb-dap was called before LLVM 18) is driven
over DAP with the template's attach configurations, exactly as VS Code would send them, and
the Debug Console's `threads-blocked --json answer is compared with the runtime's own dump and
the CLI. CodeLLDB is not installed here: its templates' lldb command lines are run through lldb
itself, which is what CodeLLDB does with initCommands and targetCreateCommands. LldbDapNative
runs the same lldb-dap templates on C and C++ programs: tests/fixtures/c/native_blocked.c's
threads against its own record of which thread waits on what (lldb 14 gives no fs_base for a
live process, so a condition variable's mutex is "not known" there), and
tests/fixtures/c/glibc_heap.cpp's heap against its printed class counts and glibc's mallinfo2."""

import json
import os
import re
import time
import unittest

import dap
import hstest
from groups import assert_same_groups, blocked_fixture_groups, groups_from_heapscope_json
from native_programs import NativePrograms
from run_fixture import Fixture
from test_lldb_plugin import (PLUGIN, json_results, lldb_batch, plugin_env, skip_unless_lldb,
                              wait_untraced, without_target)

VSCODE = os.path.join(hstest.SOURCE_DIR, "vscode")


def strip_jsonc(text):
    """JSON with comments (VS Code's launch.json dialect) to JSON: // and /* */ comments and
    trailing commas outside strings are dropped."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            i = text.find("\n", i) if text.find("\n", i) >= 0 else n
        elif text.startswith("/*", i):
            i = text.index("*/", i) + 2
        else:
            out.append(c)
            i += 1
    return re.sub(r",(\s*[}\]])", r"\1", "".join(out))


def template(filename, name_part, values):
    """The configuration of a template whose name contains name_part, with VS Code's variables
    replaced: ${workspaceFolder}/build by the build tree, the rest from values (a variable that
    is a whole string may become a number, as ${command:pickProcess} does)."""
    with open(os.path.join(VSCODE, filename)) as f:
        doc = json.loads(strip_jsonc(f.read()))
    confs = [c for c in doc["configurations"] if name_part in c["name"]]
    assert len(confs) == 1, (filename, name_part, [c["name"] for c in doc["configurations"]])

    def subst(v):
        if isinstance(v, str):
            if v in values:
                return values[v]
            v = v.replace("${workspaceFolder}/build", hstest.BUILD_DIR)
            for k, x in values.items():
                v = v.replace(k, str(x))
            assert "${" not in v, v
            return v
        if isinstance(v, list):
            return [subst(x) for x in v]
        if isinstance(v, dict):
            return {k: subst(x) for k, x in v.items()}
        return v
    return subst(confs[0])


def answer(client, command):
    """Runs an lldb command in the Debug Console the way the user types it with lldb-dap: a
    leading backtick. Returns the text the console shows."""
    r = client.request("evaluate", {"expression": "`" + command, "context": "repl"}, timeout=300)
    return r["body"]["result"]


class LldbDap(unittest.TestCase):
    def setUp(self):
        skip_unless_lldb(self)
        self.server = dap.find_server()
        if not self.server:
            self.skipTest("no lldb-dap / lldb-vscode (apt install lldb-14)")
        tcs = hstest.toolchains_or_skip(self)
        self.goversion = list(tcs)[-1]

    def client(self):
        c = dap.Client([self.server], env=plugin_env())
        c.initialize()
        return c

    def attach_args(self, conf):
        args = {k: v for k, v in conf.items() if k not in ("name", "type", "request")}
        self.assertIn('plugin load "%s"' % PLUGIN if " " in PLUGIN else "plugin load " + PLUGIN,
                      args["initCommands"])
        return args

    def json_answer(self, text):
        objs = json_results(text)
        self.assertEqual(len(objs), 1, text[-3000:])
        return objs[0]

    def test_attach_template(self):
        exe, ver = hstest.build_fixture(self.goversion, "blocked")
        with Fixture(exe) as fx:
            conf = template("launch.lldb-dap.json", "attach", {"${command:pickProcess}": fx.pid})
            self.assertEqual((conf["type"], conf["request"]), ("lldb-dap", "attach"))
            with self.client() as c:
                c.request("attach", self.attach_args(conf), timeout=120)
                c.request("configurationDone")
                c.wait_event("stopped", timeout=60)
                got = self.json_answer(answer(c, "threads-blocked --json"))
                self.assertEqual(got["target"]["description"], "process %d" % fx.pid)
                self.assertEqual(got["total"], fx.info["num_goroutine"])
                assert_same_groups(blocked_fixture_groups(fx.goroutines, fx.info),
                                   groups_from_heapscope_json(got, ver))
                text = answer(c, "threads-blocked -n 1")
                self.assertIn("%d goroutines" % fx.info["num_goroutine"], text)
                self.assertIn("use -n 0 to show all", text)
            wait_untraced(self, fx.pid)
            self.assertIsNone(fx.proc.poll(), "the program died")
            cli = hstest.run_json(["threads-blocked", "--pid", str(fx.pid)])
            assert_same_groups(groups_from_heapscope_json(cli, ver), groups_from_heapscope_json(got, ver),
                               expected_name="CLI", actual_name="lldb-dap")

    def test_running_then_pause(self):
        # without stopOnEntry the process runs after configurationDone: the command says to
        # pause, and after Pause it answers
        exe, ver = hstest.build_fixture(self.goversion, "blocked")
        with Fixture(exe) as fx:
            conf = template("launch.lldb-dap.json", "attach", {"${command:pickProcess}": fx.pid})
            args = dict(self.attach_args(conf), stopOnEntry=False)
            with self.client() as c:
                c.request("attach", args, timeout=120)
                c.request("configurationDone")  # lldb-vscode resumes the process now
                text = self.answer_once_running(c, fx)
                self.assertIn("error: threads-blocked: the process is running", text)
                self.assertEqual(json_results(text), [])
                before = len(c.events)  # the stopped event may come before pause's response
                c.request("pause", {"threadId": fx.pid})
                c.wait_event("stopped", timeout=60, seen_ok=False, since=before)
                got = self.json_answer(answer(c, "threads-blocked --json"))
                assert_same_groups(blocked_fixture_groups(fx.goroutines, fx.info),
                                   groups_from_heapscope_json(got, ver))
            wait_untraced(self, fx.pid)
            self.assertIsNone(fx.proc.poll())

    def answer_once_running(self, c, fx, timeout=30):
        """threads-blocked's answer once the kernel shows no thread of the program stopped by
        the tracer, and lldb's state has caught up (it resumes asynchronously)."""
        deadline = time.monotonic() + timeout
        while any(st in "tT" for st in fx.thread_states().values()):
            self.assertLess(time.monotonic(), deadline, "the process was not resumed")
            time.sleep(0.02)
        while True:
            text = answer(c, "threads-blocked --json")
            if "is running" in text or time.monotonic() > deadline:
                return text
            time.sleep(0.1)

    def test_core_template(self):
        cores = hstest.stored_or_fail(self, "blocked")
        ver, d = cores[-1]
        core, exe = os.path.join(d, "core"), os.path.join(d, "exe")
        conf = template("launch.lldb-dap.json", "core", {"${input:heapscopeExecutable}": exe,
                                                           "${input:heapscopeCore}": core})
        self.assertEqual(conf["coreFile"], core)
        with self.client() as c:
            c.request("attach", self.attach_args(conf), timeout=120)
            c.request("configurationDone")
            got = self.json_answer(answer(c, "threads-blocked --json"))
        cli = hstest.run_json(["threads-blocked", "--core", core, "--exe", exe])
        self.assertEqual(without_target(got), without_target(cli))


class LldbDapNative(NativePrograms, unittest.TestCase):
    """The lldb-dap templates as they are, attaching to a C program and a C++ program and
    opening their gcore cores; the oracles are the programs' own records (native_programs.py)."""
    client, attach_args, json_answer = LldbDap.client, LldbDap.attach_args, LldbDap.json_answer
    live_fs_base = False

    def setUp(self):
        skip_unless_lldb(self)
        self.server = dap.find_server()
        if not self.server:
            self.skipTest("no lldb-dap / lldb-vscode (apt install lldb-14)")

    def test_attach_template(self):
        for exe, start, command, check in self.programs():
            with self.subTest(program=os.path.basename(exe)):
                prog = start(exe)
                try:
                    conf = template("launch.lldb-dap.json", "attach", {"${command:pickProcess}": prog.p.pid})
                    with self.client() as c:
                        c.request("attach", self.attach_args(conf), timeout=120)
                        c.request("configurationDone")
                        c.wait_event("stopped", timeout=60)
                        check(prog, self.json_answer(answer(c, command)), True)
                    wait_untraced(self, prog.p.pid)
                    self.assertIsNone(prog.p.poll(), "the program died")
                finally:
                    prog.close()

    def test_core_template(self):
        for exe, start, command, check in self.programs():
            with self.subTest(program=os.path.basename(exe)):
                prog, core = self.core_of(exe, start)
                conf = template("launch.lldb-dap.json", "core", {"${input:heapscopeExecutable}": exe,
                                                                   "${input:heapscopeCore}": core})
                with self.client() as c:
                    c.request("attach", self.attach_args(conf), timeout=120)
                    c.request("configurationDone")
                    check(prog, self.json_answer(answer(c, command)), False)
                os.unlink(core)

class CodeLldbTemplates(unittest.TestCase):
    """CodeLLDB runs initCommands, then targetCreateCommands (or `process attach` for a pid),
    through lldb's command interpreter; the same lines through lldb must work."""

    def setUp(self):
        skip_unless_lldb(self)

    def test_core_template_commands(self):
        cores = hstest.stored_or_fail(self, "blocked")
        ver, d = cores[-1]
        core, exe = os.path.join(d, "core"), os.path.join(d, "exe")
        conf = template("launch.codelldb.json", "core", {"${input:heapscopeExecutable}": exe,
                                                           "${input:heapscopeCore}": core})
        self.assertEqual((conf["type"], conf["request"], conf["processCreateCommands"]), ("lldb", "attach", []))
        # lldb_batch loads the plugin first; the template's own `plugin load` loads it again
        st, out, err = lldb_batch(conf["initCommands"] + conf["targetCreateCommands"] + ["threads-blocked --json"])
        got = json_results(out)
        self.assertEqual(len(got), 1, err[-3000:])
        cli = hstest.run_json(["threads-blocked", "--core", core, "--exe", exe])
        self.assertEqual(without_target(got[0]), without_target(cli))

    def test_attach_template_commands(self):
        tcs = hstest.toolchains_or_skip(self)
        exe, ver = hstest.build_fixture(list(tcs)[-1], "blocked")
        with Fixture(exe) as fx:
            conf = template("launch.codelldb.json", "attach", {"${command:pickProcess}": fx.pid})
            self.assertEqual((conf["type"], conf["request"], conf["pid"]), ("lldb", "attach", fx.pid))
            self.assertTrue(conf["stopOnEntry"])
            st, out, err = lldb_batch(conf["initCommands"] + ["process attach -p %d" % conf["pid"],
                                                              "threads-blocked --json"])
            got = json_results(out)
            self.assertEqual(len(got), 1, err[-3000:])
            assert_same_groups(blocked_fixture_groups(fx.goroutines, fx.info),
                               groups_from_heapscope_json(got[0], ver))
            wait_untraced(self, fx.pid)


if __name__ == "__main__":
    hstest.main()
