"""Goroutine labels (pprof.Do, SetGoroutineLabels) in threads-blocked, against the runtime's own
goroutine profile of the same process (runtime/pprof "goroutine" at debug=1, which prints each
stack's count and label set), for every Go release on this machine: live, from a gcore core,
and built with -w (layouts from heapscope's tables). tests/fixtures/go/labels/main.go has label
sets of one, two and fourteen labels (a 1.19-1.23 label map of more than one bucket), labels
quoted characters, inherited labels, and goroutines without labels."""

import collections
import os
import re
import subprocess
import tempfile
import unittest

import hstest
from run_fixture import Fixture


def profile_records(output):
    """[(count, labels as printed or "", [functions innermost first])] from the program's
    goroutine profile at debug=1."""
    text = output[output.index("HEAPSCOPE-PROFILE-BEGIN"):output.index("HEAPSCOPE-PROFILE-END")]
    out = []
    for block in text.split("\n\n"):
        m = re.search(r"^(\d+) @ ", block, re.M)
        if not m:
            continue
        lm = re.search(r"^# labels: (\{.*\})$", block, re.M)
        funcs = re.findall(r"^#\t0x[0-9a-f]+\t(\S+)\+0x", block, re.M)
        out.append((int(m.group(1)), lm.group(1) if lm else "", funcs))
    return out


def first_main(funcs):
    return next((f for f in funcs if f.startswith("main.") and f != "main.main"), None)


def quoted(s):
    """Go's %q of a plain string, as runtime/pprof prints label keys and values."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def printed(labels):
    """A heapscope JSON label set as runtime/pprof prints one: {"k":"v", ...}, keys sorted."""
    return "{" + ", ".join("%s:%s" % (quoted(k), quoted(v)) for k, v in sorted(labels.items())) + "}"


class Labels(unittest.TestCase):
    def want(self, fx):
        """{(first main.* function, labels as printed): goroutines} of the blocked goroutines,
        main left out: it was running when it wrote the profile, and before 1.2x the profile
        does not show the labels of the goroutine writing it."""
        want = collections.Counter()
        for count, labels, funcs in profile_records(fx.output):
            if first_main(funcs) and "runtime/pprof.writeGoroutine" not in funcs:
                want[(first_main(funcs), labels)] += count
        self.assertGreaterEqual(len([k for k in want if k[1]]), 4, fx.output)
        return want

    def check(self, target, fx, label):
        want = self.want(fx)
        got_json = hstest.run_json(["threads-blocked", "-n", "0"] + target)
        got = collections.Counter()
        for g in got_json["groups"]:
            fn = first_main([f["function"] for f in g["frames"]])
            if not fn:
                continue
            self.assertLessEqual(len(g["labels"]), 1, "%s: one label set per group here: %s" % (label, g))
            got[(fn, printed(g["labels"][0]) if g["labels"] else "")] += g["count"]
        self.assertEqual(got, want, label)
        # text: each label set exactly as the runtime printed it
        _, text, _ = hstest.run(["threads-blocked", "-n", "0"] + target, check_status=0)
        for _, labels in want:
            if labels:
                self.assertIn("labels: " + labels, text, label)
        # --label KEY=VALUE keeps the goroutines carrying it, in groups of any stack
        for kv, key in (("handler=/api/users", '"handler":"/api/users"'),
                        ('key3=value "quoted" 3', '"key3":"value \\"quoted\\" 3"'),
                        ("job=cleanup", '"job":"cleanup"')):
            n = sum(c for (_, labels), c in want.items() if key in labels)
            self.assertGreater(n, 0, kv)
            got_n = sum(g["count"] for g in hstest.run_json(["threads-blocked", "-n", "0", "--label", kv] + target)["groups"]
                        if first_main([f["function"] for f in g["frames"]]))  # main itself: see want()
            self.assertEqual(got_n, n, "%s: --label %s" % (label, kv))
        self.assertEqual(hstest.run_json(["threads-blocked", "--label", "handler=/nowhere"] + target)["shown"], 0)

    def test_live_and_gcore(self):
        for v in hstest.toolchains_or_skip(self):
            with self.subTest(go=v), tempfile.TemporaryDirectory() as tmp:
                exe, ver = hstest.build_fixture(v, "labels")
                with Fixture(exe) as fx:
                    self.check(["--pid", str(fx.pid)], fx, ver + " live")
                    subprocess.run(["gcore", "-o", tmp + "/core", str(fx.pid)], check=True,
                                   capture_output=True, timeout=300)
                    self.check(["--core", "%s/core.%d" % (tmp, fx.pid), "--exe", exe], fx, ver + " gcore")

    def test_without_dwarf(self):
        for v in hstest.toolchains_or_skip(self):
            with self.subTest(go=v):
                exe, ver = hstest.build_fixture(v, "labels", ldflags="-w")
                with Fixture(exe) as fx:
                    self.check(["--pid", str(fx.pid)], fx, ver + " -w live")

    def test_bad_label_option(self):
        d = hstest.stored_or_fail(self, "blocked")[-1][1]
        code, _, err = hstest.run(["threads-blocked", "--label", "novalue", "--core", os.path.join(d, "core"),
                                   "--exe", os.path.join(d, "exe")])
        self.assertEqual(code, 2, err)
        self.assertIn("KEY=VALUE", err)


if __name__ == "__main__":
    hstest.main()
