#!/usr/bin/env python3
"""threads-blocked on the stored cores of every supported Go release (tests/cores), compared
with the goroutine dump the runtime itself printed just before the core was taken."""

import collections
import json
import os
import tempfile
import unittest

import hstest
import rtdump
from groups import assert_same_groups, blocked_fixture_groups, check_waits, groups_from_heapscope_json


def load(d):
    with open(os.path.join(d, "dump.txt")) as f:
        parsed = rtdump.parse_program_output(f.read())
    with open(os.path.join(d, "info.json")) as f:
        info = json.load(f)
    return parsed, info


def check_crash_core(test, d, exe, info):
    """A crash core (GOTRACEBACK=crash, SIGQUIT) in d of the blocked program run with -spin 2:
    every goroutine has the state and the frames, runtime ones included, that the runtime's own
    crash traceback (d/crash.txt) printed; the spinners' stacks come from signal frames."""
    with open(os.path.join(d, "crash.txt")) as f:
        dump = [g for g in rtdump.parse(f.read()) if g.id != 0]
    want = {g.id: (g.state, [(fr.function, fr.line) for fr in g.frames]) for g in dump}
    creator = {g.id: g.created_by.function if g.created_by else None for g in dump}
    got = hstest.run_json(["threads-blocked", "--all", "--core", os.path.join(d, "core"), "--exe", exe])
    have = {i: (g["state"], [(fr["function"], fr["line"]) for fr in g["frames"]])
            for g in got["groups"] for i in g["goroutine_ids"]}
    test.assertGreaterEqual(len(want), info["expected_goroutines"])
    test.assertEqual(sorted(have), sorted(want))
    for gid in sorted(want):
        test.assertEqual(have[gid], want[gid], "goroutine %d" % gid)
    # "created by" as the crash traceback prints it, the runtime's goroutines included
    # (created by runtime.gcenable, runtime.createfing, ...)
    for g in got["groups"]:
        want_cb = collections.Counter(creator[i] for i in g["goroutine_ids"] if creator[i])
        have_cb = collections.Counter({c["function"]: c["count"] for c in g["created_by"]})
        test.assertEqual(have_cb, want_cb, "created by, goroutines %s" % g["goroutine_ids"])
    test.assertTrue(any(f and f.startswith("runtime.") for f in creator.values()))
    spinning = [g for g in got["groups"] if any(f["function"] == "main.spin" for f in g["frames"])]
    test.assertEqual(sum(g["count"] for g in spinning), info["spinners"])
    # the executable the core recorded is gone: said in one line
    status, _, err = hstest.run(["threads-blocked", "--core", os.path.join(d, "core")])
    test.assertEqual((status, len(err.strip().splitlines())), (1, 1), err)
    test.assertIn("--exe", err)
    return got


class StoredCores(unittest.TestCase):
    def cores(self):
        cores = hstest.stored_or_fail(self, "blocked")
        return cores

    def target(self, d):
        return ["--core", os.path.join(d, "core"), "--exe", os.path.join(d, "exe")]

    def test_groups_match_runtime_dump(self):
        for ver, d in self.cores():
            with self.subTest(go=ver):
                parsed, info = load(d)
                got = hstest.run_json(["threads-blocked"] + self.target(d))
                self.assertEqual(got["command"], "threads-blocked")
                self.assertEqual(got["runtime"], "go")
                self.assertEqual(got["version"], info["go_version"])
                self.assertEqual(got["total"], info["num_goroutine"])
                want = blocked_fixture_groups(parsed, info)
                assert_same_groups(want, groups_from_heapscope_json(got, ver))

    def test_every_goroutine_listed_once(self):
        for ver, d in self.cores():
            with self.subTest(go=ver):
                parsed, info = load(d)
                got = hstest.run_json(["threads-blocked"] + self.target(d))
                ids = [i for g in got["groups"] for i in g["goroutine_ids"]]
                self.assertEqual(sorted(ids), sorted(g.id for g in parsed))

    def test_waits_recorded_by_gc(self):
        # the program recorded when its GCs ran (the runtime's wait starts come from them): the
        # early kinds waited about 0.3 s longer than the late ones, within the recorded times
        for ver, d in self.cores():
            with self.subTest(go=ver):
                _, info = load(d)
                got = hstest.run_json(["threads-blocked"] + self.target(d))
                check_waits(got, info)

    def test_one_goroutine(self):
        for ver, d in self.cores():
            with self.subTest(go=ver):
                _, info = load(d)
                gid = info["reporter_goid"]
                got = hstest.run_json(["threads-blocked", "--goroutine", str(gid)] + self.target(d))
                g = got["goroutine"]
                self.assertEqual(g["id"], gid)
                self.assertEqual(g["state"], info["reporter_park"]["state"])
                user = [(f["function"], f["line"]) for f in g["frames"]
                        if f["function"].startswith("main.")]
                self.assertEqual(user[:2], [(info["reporter_park"]["function"], info["reporter_park"]["line"]),
                                            (info["reporter_caller"]["function"], info["reporter_caller"]["line"])])

    def test_gcore_cut_before_its_notes(self):
        # gcore writes the notes (threads, registers, mappings) last: a core cut in half by a
        # full disk has none, but the goroutines' memory is still there and is read, with a
        # warning; the stored cores are gcores with their empty segments dropped
        for ver, d in self.cores():
            with self.subTest(go=ver), tempfile.TemporaryDirectory() as tmp:
                parsed, info = load(d)
                cut = os.path.join(tmp, "core")
                with open(os.path.join(d, "core"), "rb") as f, open(cut, "wb") as g:
                    g.write(f.read(os.path.getsize(f.name) // 2))
                status, out, err = hstest.run(["threads-blocked", "--json", "--core", cut, "--exe",
                                               os.path.join(d, "exe")], check_status=0)
                self.assertIn("truncated", err)
                self.assertIn("notes (threads, registers, mappings) are gone", err)
                got = json.loads(out)
                self.assertEqual(got["total"], info["num_goroutine"])
                assert_same_groups(blocked_fixture_groups(parsed, info),
                                   groups_from_heapscope_json(got, ver))
                status, _, err = hstest.run(["threads-blocked", "--core", cut])
                self.assertEqual(status, 1)
                self.assertIn("pass it with --exe", err)

    def test_kernel_crash_cores(self):
        # kernel cores (GOTRACEBACK=crash, SIGQUIT) of the same executables with two goroutines
        # spinning, stored so that every machine reads kernel cores whatever its core_pattern
        for ver, d in hstest.stored_or_fail(self, "crash", len(self.cores())):
            with self.subTest(go=ver):
                with open(os.path.join(d, "info.json")) as f:
                    info = json.load(f)
                self.assertEqual(info["origin"], "kernel")
                check_crash_core(self, d, os.path.normpath(os.path.join(d, info["paths"]["exe"])), info)

    def test_options(self):
        ver, d = self.cores()[-1]
        parsed, info = load(d)
        got = hstest.run_json(["threads-blocked", "-n", "2"] + self.target(d))
        self.assertEqual(len(got["groups"]), 2)
        self.assertGreater(got["groups_total"], 2)
        got = hstest.run_json(["threads-blocked", "--min-wait", "1000h"] + self.target(d))
        self.assertEqual(got["groups"], [])
        alls = hstest.run_json(["threads-blocked", "--all"] + self.target(d))
        self.assertGreater(alls["system"], 0)
        self.assertEqual(alls["total"], info["num_goroutine"] + alls["system"])

    def test_text_output(self):
        for ver, d in self.cores():
            with self.subTest(go=ver):
                _, info = load(d)
                status, out, err = hstest.run(["threads-blocked", "-n", "0"] + self.target(d))
                self.assertEqual(status, 0, err)
                self.assertIn("%d goroutines" % info["num_goroutine"], out.splitlines()[0])
                for fn in info["functions"].values():
                    self.assertIn(fn, out)
                status, out, err = hstest.run(["threads-blocked", "-n", "3"] + self.target(d))
                self.assertIn("use -n 0 to show all", out)


if __name__ == "__main__":
    hstest.main()
