#!/usr/bin/env python3
"""A mutation check of the harness itself (hstest.main, tests/tools/census.py, the cmocka
wrapper, tests/prepare_data.sh): broken tests and missing data must make a run fail, and a skip
must be counted and reported with its reason -- never passed silently.

- a test file with one failing subtest among skipped ones fails (not "Skipped", not "Passed");
- a file whose tests all skip for a reason not on the list fails under HS_STRICT_SKIPS; for a
  listed reason it is a counted skip, and the census names the reason;
- an emptied data directory fails the cmocka tests, the Python tests and prepare_data.sh, each
  with a line saying what to run;
- a pretended piped core_pattern makes the kernel-core tests skip with the listed reason, and
  the census reports each of them;
- the census fails on an entry that left no record (a crash) and on a listed failure."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

import hstest
import census  # noqa: E402 (tests/tools, on the path hstest sets)

CENSUS = os.path.join(hstest.SOURCE_DIR, "tests", "tools", "census.py")
UNIT_DIR = os.path.join(hstest.BUILD_DIR, "tests")

MIXED = """
    import unittest
    import hstest

    class T(unittest.TestCase):
        def test_mixed(self):
            for i in range(5):
                with self.subTest(i=i):
                    if i == 3:
                        self.assertEqual(1, 2)
                    self.skipTest("no reason at all")

        def test_fine(self):
            with self.subTest(i=0):
                pass

    if __name__ == "__main__":
        hstest.main()
"""

ALL_SKIPPED = """
    import unittest
    import hstest

    class T(unittest.TestCase):
        def test_a(self):
            self.skipTest(%r)

        def test_b(self):
            for i in range(3):
                with self.subTest(i=i):
                    self.skipTest(%r)

    if __name__ == "__main__":
        hstest.main()
"""


class Harness(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hs-harness-")
        self.records = os.path.join(self.tmp, "build", "census")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def env(self, strict, **extra):
        env = dict(os.environ, HS_CENSUS_DIR=self.records, HS_STRICT_SKIPS="1" if strict else "0")
        env.pop("HS_CENSUS_NAME", None)
        env.update(extra)
        return env

    def run_file(self, text, name, strict):
        path = os.path.join(self.tmp, name + ".py")
        with open(path, "w") as f:
            f.write(textwrap.dedent(text))
        env = self.env(strict, HS_CENSUS_NAME="selftest/" + name,
                       PYTHONPATH=os.pathsep.join([hstest.HERE, os.environ.get("PYTHONPATH", "")]))
        p = subprocess.run([sys.executable, path], capture_output=True, text=True, env=env, timeout=120)
        return p.returncode, self.record("selftest/" + name), p.stderr

    def record(self, name):
        with open(os.path.join(self.records, name.replace("/", "__") + ".json")) as f:
            return json.load(f)

    def report(self, strict=True):
        p = subprocess.run([sys.executable, CENSUS, "report"] + (["--strict"] if strict else [])
                           + ["selftest=" + os.path.dirname(self.records)],
                           capture_output=True, text=True, timeout=60, env=self.env(strict))
        return p.returncode, p.stdout

    def test_failing_subtest_among_skipped_ones_fails(self):
        for strict in (False, True):
            with self.subTest(strict=strict):
                status, rec, err = self.run_file(MIXED, "mixed", strict)
                self.assertEqual(status, 1, err)
                self.assertEqual(rec["tests"], {"run": 2, "passed": 1, "failed": 1, "skipped": 0})
                # strict: the four skips for a reason not on the list are failures too
                self.assertEqual(rec["subtests"]["failed"], 5 if strict else 1)
                self.assertEqual(rec["subtests"]["skipped"], 0 if strict else 4)
                code, text = self.report(strict=False)
                self.assertEqual(code, 1, text)
                self.assertIn("selftest/mixed failed", text)

    def test_unlisted_skips_fail_only_when_strict(self):
        body = ALL_SKIPPED % ("gdb is not installed", "no toolchain")
        status, rec, err = self.run_file(body, "unlisted", strict=False)
        self.assertEqual(status, hstest.SKIP, err)
        self.assertEqual((rec["tests"]["skipped"], rec["subtests"]["skipped"]), (2, 3))
        code, text = self.report(strict=False)
        self.assertEqual(code, 0, text)
        self.assertIn("no toolchain  (NOT ON THE LIST)", text)
        self.assertEqual(self.report(strict=True)[0], 1)
        status, rec, err = self.run_file(body, "unlisted", strict=True)
        self.assertEqual(status, 1, err)
        self.assertEqual(rec["tests"]["failed"], 2)
        self.assertIn("tests/skip_reasons.txt", err)

    def test_listed_skips_are_counted_and_named(self):
        reason = census.platform("core-pattern-pipe", "pretended")
        status, rec, err = self.run_file(ALL_SKIPPED % (reason, reason), "listed", strict=True)
        self.assertEqual(status, hstest.SKIP, err)
        self.assertEqual(len(rec["skips"]), 4)
        code, text = self.report()
        self.assertEqual(code, 0, text)
        self.assertIn("by reason: 4", text)
        self.assertIn("4  [core-pattern-pipe] /proc/sys/kernel/core_pattern pipes", text)
        with self.assertRaises(ValueError):
            census.platform("no-such-key", "a typo is an error, not a skip")

    def test_emptied_data_directory_fails(self):
        empty = os.path.join(self.tmp, "empty")
        os.makedirs(empty)
        env = self.env(False, HS_TEST_DATA=empty)
        for unit in ("test_go_heap", "test_go_types", "test_go_mprof", "test_go_buildinfo"):
            with self.subTest(unit=unit):
                p = subprocess.run([sys.executable, CENSUS, "run", "selftest/" + unit, "--cmocka", "--",
                                    os.path.join(UNIT_DIR, unit)], capture_output=True, text=True,
                                   env=env, timeout=300)
                self.assertNotIn(p.returncode, (0, hstest.SKIP), p.stdout[-2000:])
                self.assertIn("prepare-test-data", p.stdout)
                rec = self.record("selftest/" + unit)  # tests of synthetic input still pass
                self.assertEqual(rec["tests"]["skipped"], 0, rec)
                self.assertGreaterEqual(rec["tests"]["failed"], 1, rec)
        for script in ("test_threads_cores.py", "test_heap_top.py"):
            with self.subTest(script=script):
                p = subprocess.run([sys.executable, os.path.join(hstest.HERE, script), "-k", "tored"],
                                   capture_output=True, text=True, env=env, timeout=300)
                self.assertEqual(p.returncode, 1, p.stderr[-2000:])
                self.assertIn("prepare-test-data", p.stderr)
        # the stored data itself: a listed file gone, and an empty source
        src = os.path.join(self.tmp, "cores")
        os.makedirs(src)
        shutil.copy(os.path.join(hstest.SOURCE_DIR, "tests", "cores", "MANIFEST"), src)
        prepare = os.path.join(hstest.SOURCE_DIR, "tests", "prepare_data.sh")
        p = subprocess.run([prepare, src, os.path.join(self.tmp, "out")], capture_output=True, text=True)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("missing", p.stderr)
        p = subprocess.run([prepare, empty, os.path.join(self.tmp, "out")], capture_output=True, text=True)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("MANIFEST", p.stderr)

    def test_piped_core_pattern_is_a_named_counted_skip(self):
        env = self.env(True, HS_TEST_CORE_PATTERN="|/usr/lib/systemd/systemd-coredump %P %u %g %s %t %c %h",
                       HS_CENSUS_NAME="selftest/threads-live-kernel")
        p = subprocess.run([sys.executable, os.path.join(hstest.HERE, "test_threads_live.py"),
                            "Live.test_kernel_core", "Live.test_crash_core_every_frame"],
                           capture_output=True, text=True, env=env, timeout=1200)
        self.assertEqual(p.returncode, hstest.SKIP, p.stderr[-3000:])
        rec = self.record("selftest/threads-live-kernel")
        n = len(hstest.toolchains())
        self.assertEqual(rec["subtests"], {"run": 2 * n, "passed": 0, "failed": 0, "skipped": 2 * n})
        self.assertTrue(all(census.listed_key(s["reason"]) == "core-pattern-pipe" for s in rec["skips"]))
        p = subprocess.run([sys.executable, CENSUS, "run", "selftest/core-target", "--cmocka", "--",
                            os.path.join(UNIT_DIR, "test_core_target")], capture_output=True, text=True,
                           env=env, timeout=300)
        self.assertEqual(p.returncode, 0, p.stdout[-2000:])
        self.assertEqual(self.record("selftest/core-target")["tests"]["skipped"], 1)
        code, text = self.report()
        self.assertEqual(code, 0, text)
        self.assertIn("%d  [core-pattern-pipe]" % (2 * n + 1), text)

    def test_census_fails_on_a_missing_record(self):
        build = os.path.dirname(self.records)
        os.makedirs(self.records)
        with open(os.path.join(build, census.JUNIT), "w") as f:
            f.write('<testsuite><testcase name="unit/crashed" status="fail"><failure message="SEGV"/>'
                    '</testcase><testcase name="unit/fine" status="run"/></testsuite>')
        rec = {"name": "unit/fine", "kind": "cmocka", "tests": {"run": 1, "passed": 1, "failed": 0, "skipped": 0},
               "subtests": census.counts(), "skips": [], "failures": [], "status": 0, "strict": True}
        with open(os.path.join(self.records, "unit__fine.json"), "w") as f:
            json.dump(rec, f)
        code, text = self.report()
        self.assertEqual(code, 1, text)
        self.assertIn("unit/crashed: left no census record", text)


if __name__ == "__main__":
    hstest.main()
