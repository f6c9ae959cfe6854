"""A core read on another machine: its shared library is no longer at the path the core records.
tests/fixtures/c/sysroot_main.cpp keeps 50 Plugin objects, a lock g_plugin_lock and a thread
blocked on it in plugin_wait, all of them its library's (sysroot_plugin.cpp, built as
libsysroot_plugin.so), and prints its own record. After gcore the library moves to
SYSROOT/<its path>, beside links to the system's libraries, so SYSROOT is a whole sysroot as gdb
wants one. Oracles outside heapscope: the record, nm of the library (g_plugin_lock's offset), the
fixture's marker line, and gdb's own backtrace with `set sysroot SYSROOT`.
Without a sysroot: one warning naming the library and --sysroot, the lock named by its module and
offset (before, it was called a thread's stack), the Plugin objects by their size; another build
of the library at its path: a warning naming it. With --sysroot,
HEAPSCOPE_SYSROOT (also in lldb) or gdb's `set sysroot`: frames, lock and classes as from the
library's own path."""
import os
import shutil
import subprocess
import tempfile
import unittest

import gdbmi
import hstest
import test_lldb_plugin as lldbp
import test_native_fronts
import test_native_threads as nt

FIXTURES = os.path.join(hstest.SOURCE_DIR, "tests", "fixtures", "c")
LIB = "libsysroot_plugin.so"


def marker_line(source, marker):
    with open(source) as f:
        lines = [i + 1 for i, text in enumerate(f) if "// " + marker in text]
    assert len(lines) == 1, (marker, lines)
    return lines[0]


def nm_offset(path, name):
    out = subprocess.run(["nm", path], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[2] == name:
            return int(f[0], 16)
    raise AssertionError("%s not in nm %s" % (name, path))


class Sysroot(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="hs-sysroot-")
        libdir = os.path.join(cls.tmp, "app", "lib")
        os.makedirs(libdir)
        cls.lib = os.path.join(libdir, LIB)
        cls.exe = os.path.join(cls.tmp, "app", "main")
        subprocess.run(["g++", "-O2", "-g", "-fPIC", "-shared", "-pthread", "-o", cls.lib,
                        os.path.join(FIXTURES, "sysroot_plugin.cpp")], check=True)
        subprocess.run(["g++", "-O2", "-g", "-pthread", "-o", cls.exe, os.path.join(FIXTURES, "sysroot_main.cpp"),
                        "-L" + libdir, "-lsysroot_plugin", "-Wl,-rpath," + libdir], check=True)
        p = subprocess.Popen([cls.exe], stdout=subprocess.PIPE, text=True)
        try:
            cls.rec = {}
            for line in p.stdout:
                f = line.split()
                if f[0] == "ready":
                    break
                cls.rec[f[0]] = int(f[1])
            # under load the waiter may not have reached the lock yet when "ready" arrives
            test_native_fronts.wait_in_futex(p.pid, [cls.rec["waiter"]])
            cls.core = hstest.gcore(p.pid, cls.tmp)
        finally:
            p.kill()
            p.wait()
        # the library moves away; the system's directories are linked in, as gdb wants them there
        cls.root = os.path.join(cls.tmp, "sysroot")
        os.makedirs(os.path.dirname(cls.root + cls.lib))
        shutil.move(cls.lib, cls.root + cls.lib)
        for top in ("usr", "lib", "lib64"):
            if os.path.exists("/" + top):
                os.symlink("/" + top, os.path.join(cls.root, top))
        cls.lock_offset = nm_offset(cls.root + cls.lib, "g_plugin_lock")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def waiter_group(self, report):
        groups = [g for g in report["groups"] if self.rec["waiter"] in g["threads"]]
        self.assertEqual(len(groups), 1, report["groups"])
        self.assertEqual(groups[0]["state"], "mutex")
        waits = groups[0]["waits_on"]
        self.assertEqual([(w["kind"], w["owner"]) for w in waits], [("mutex", self.rec["main"])])
        return groups[0], waits[0]

    def check_named(self, threads, heap):
        """threads-blocked and heap-top JSON as from the library's own path."""
        group, lock = self.waiter_group(threads)
        self.assertEqual((lock["name"], lock["name_kind"]), ("g_plugin_lock", "global"))
        line = marker_line(os.path.join(FIXTURES, "sysroot_plugin.cpp"), "plugin wait")
        ours = [(nt.without_parameters(f["function"]), f["line"]) for f in group["frames"]
                if f.get("file", "").startswith(FIXTURES)]
        self.assertEqual(ours[0], ("plugin_wait", line))
        gdb = nt.gdb_backtraces(self.exe, self.core, sysroot=self.root)[self.rec["waiter"]]
        self.assertEqual(ours, [(f[0], f[2]) for f in gdb if f[1] and f[1].startswith(FIXTURES)])
        rows = {r["name"]: r for r in heap["rows"]}
        self.assertEqual(rows.get("Plugin", {}).get("inuse_objects"), self.rec["plugins"], sorted(rows))

    def test_without_sysroot(self):
        target = ["--core", self.core, "--exe", self.exe]
        code, out, err = hstest.run(["threads-blocked"] + target)
        self.assertEqual(code, 0, err)
        want = ("warning: core %s names 1 library not on this machine (%s): what is in it (frames, "
                "locks, classes) goes unnamed; give --sysroot DIR" % (self.core, self.lib))
        self.assertEqual([w for w in err.splitlines() if "not on this machine" in w][0][:len(want)], want)
        _, lock = self.waiter_group(hstest.run_json(["threads-blocked"] + target))
        self.assertEqual((lock["name"], lock["name_kind"]), ("data of %s+0x%x" % (LIB, self.lock_offset), "global"))
        rows = {r["name"] for r in hstest.run_json(["heap-top", "-n", "0"] + target)["rows"]}
        self.assertNotIn("Plugin", rows)

    def test_other_build(self):
        """Another build of the library at the path the core records (a machine with another
        version of it): one warning naming it by its build id; none with the process's own copy
        under --sysroot."""
        subprocess.run(["g++", "-O1", "-fPIC", "-shared", "-pthread", "-o", self.lib,
                        os.path.join(FIXTURES, "sysroot_plugin.cpp")], check=True)
        try:
            target = ["--core", self.core, "--exe", self.exe]
            code, _, err = hstest.run(["threads-blocked"] + target)
            self.assertEqual(code, 0, err)
            want = ("warning: core %s was written by another build of 1 library than this machine has "
                    "(%s: the build id differs): what is in it may be misnamed; give --sysroot DIR"
                    % (self.core, self.lib))
            self.assertEqual([w[:len(want)] for w in err.splitlines() if "build" in w], [want])
            self.assertNotIn("not on this machine", err)
            code, _, err = hstest.run(["threads-blocked", "--sysroot", self.root] + target)
            self.assertEqual(code, 0, err)
            self.assertNotIn("warning: core", err)
        finally:
            os.unlink(self.lib)

    def test_debug_file_under_sysroot(self):
        """The library stripped, its debug file under SYSROOT/usr/lib/debug/.build-id/ (where gdb
        looks with a sysroot): plugin_wait gets its file and line from there."""
        root = os.path.join(self.tmp, "stripped-root")
        lib = root + self.lib
        os.makedirs(os.path.dirname(lib))
        shutil.copy(self.root + self.lib, lib)
        notes = subprocess.run(["readelf", "-n", lib], capture_output=True, text=True, check=True).stdout
        build_id = notes.split("Build ID:")[1].split()[0]
        debug = os.path.join(root, "usr", "lib", "debug", ".build-id", build_id[:2], build_id[2:] + ".debug")
        os.makedirs(os.path.dirname(debug))
        subprocess.run(["objcopy", "--only-keep-debug", lib, debug], check=True)
        subprocess.run(["strip", "-g", lib], check=True)
        line = marker_line(os.path.join(FIXTURES, "sysroot_plugin.cpp"), "plugin wait")
        target = ["--core", self.core, "--exe", self.exe, "--sysroot", root]
        for with_debug in (True, False):
            if not with_debug:
                os.unlink(debug)
            group, _ = self.waiter_group(hstest.run_json(["threads-blocked"] + target))
            frame = [f for f in group["frames"] if f["function"] == "plugin_wait"]
            self.assertEqual(len(frame), 1, group["frames"])
            self.assertEqual((frame[0].get("file"), frame[0]["line"]),
                             (os.path.join(FIXTURES, "sysroot_plugin.cpp"), line) if with_debug else (lib, None))

    def test_cli(self):
        for how, env in (("--sysroot", None), ("HEAPSCOPE_SYSROOT", dict(os.environ, HEAPSCOPE_SYSROOT=self.root))):
            with self.subTest(how=how):
                target = ["--core", self.core, "--exe", self.exe] + (["--sysroot", self.root] if env is None else [])
                run = lambda args: subprocess.run([hstest.HEAPSCOPE] + args + target, capture_output=True,  # noqa: E731
                                                  text=True, env=env, timeout=120)
                threads, heap = run(["threads-blocked", "--json"]), run(["heap-top", "--json", "-n", "0"])
                self.assertEqual((threads.returncode, heap.returncode), (0, 0), threads.stderr + heap.stderr)
                self.assertNotIn("not on this machine", threads.stderr + heap.stderr)
                self.check_named(hstest.json.loads(threads.stdout), hstest.json.loads(heap.stdout))
        code, _, err = hstest.run(["threads-blocked", "--core", self.core, "--sysroot", os.path.join(self.tmp, "nope")])
        self.assertEqual((code, err.strip()), (2, "heapscope: --sysroot %s is not a directory" % os.path.join(self.tmp, "nope")))

    def test_gdb(self):
        why = gdbmi.missing()
        if why:
            self.skipTest(why)
        b = gdbmi.Batch(["set sysroot " + self.root, "core-file " + self.core, "threads-blocked --json",
                         "heap-top --json -n 0"], args=[self.exe])
        self.assertNotIn("not on this machine", b.out(2) + b.out(3))
        self.check_named(b.json(2), b.json(3))

    def test_lldb(self):
        """lldb has no sysroot of its own to read (lldb 14): HEAPSCOPE_SYSROOT in its environment."""
        lldbp.skip_unless_lldb(self)
        load = 'target create "%s" --core "%s"' % (self.exe, self.core)
        env = {"HEAPSCOPE_SYSROOT": self.root}
        status, out, err = lldbp.lldb_batch([load, "threads-blocked --json", "heap-top --json -n 0"], env=env)
        objs = lldbp.json_results(out)
        self.assertEqual(len(objs), 2, "lldb exited %d\nstdout: %s\nstderr: %s" % (status, out[-3000:], err[-3000:]))
        self.assertNotIn("not on this machine", out + err)
        self.check_named(objs[0], objs[1])


if __name__ == "__main__":
    hstest.main()
