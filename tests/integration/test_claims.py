#!/usr/bin/env python3
"""What users are told matches what the suite checks. The Go releases heapscope claims come from
one place in the code (core/image/go_version.{h,c}: the known range and the untested list) and
are printed by `heapscope --help`; the README must say the same, every release claimed as tested
must have stored cores of every stored program and an unpacked toolchain, and no release the
suite runs may be left unclaimed. Adding a release is the one edit in go_version.h; this test
then names what else is missing (README sentence, stored cores, toolchain)."""

import glob
import os
import re
import unittest

import hstest

# the stored programs every tested release must have (tests/tools/make_stored_cores.sh,
# make_pcln_fixtures.sh)
STORED = ("blocked", "heap", "types", "pcln", "crash")


def claim():
    """The "reads:" line of heapscope --help, and the tested and untested minor releases in it."""
    _, usage, _ = hstest.run(["--help"], check_status=0)
    line = re.search(r"^reads: (.*)$", usage, re.M).group(1)
    amd64, _, _ = line.partition("; linux/arm64")
    tested_part, _, untested_part = amd64.partition(" on linux/amd64")
    tested = set()
    for a, b in re.findall(r"1\.(\d+)(?:\u2013(?:1\.)?(\d+))?", tested_part):
        tested.update(range(int(a), int(b or a) + 1))
    untested = {int(m) for m in re.findall(r"1\.(\d+)", untested_part)}
    return line, tested, untested


class Claims(unittest.TestCase):
    def test_readme_says_what_help_says(self):
        line, tested, untested = claim()
        self.assertTrue(tested, line)
        self.assertFalse(tested & untested, line)
        with open(os.path.join(hstest.SOURCE_DIR, "README.md")) as f:
            readme = " ".join(f.read().split())
        self.assertIn(line, readme, "README.md does not say what heapscope --help says")

    def test_every_tested_release_has_stored_cores(self):
        _, tested, untested = claim()
        for program in STORED:
            have = {int(re.match(r"go1\.(\d+)", v).group(1)) for v, _ in hstest.stored_cores(program)}
            with self.subTest(program=program):
                self.assertEqual(sorted(have - tested), [], "stored cores of releases not claimed as tested")
                self.assertEqual(sorted(tested - have), [], "tested releases without stored %s cores: run %s"
                                 % (program, hstest.PREPARE_DATA))

    def test_every_tested_release_has_stored_arm64_cores(self):
        """--help says linux/arm64 is read for the same releases: each tested release has stored
        arm64 cores of both programs (tests/tools/make_arm64_cores.sh), and there are no others."""
        line, tested, _ = claim()
        self.assertIn("; linux/arm64 programs of the same releases", line)
        for program in ("blocked", "heap"):
            have = {int(re.match(r"go1\.(\d+)", os.path.basename(os.path.dirname(p))).group(1))
                    for p in glob.glob(os.path.join(hstest.SOURCE_DIR, "tests", "cores", "arm64", "go1.*", program))}
            self.assertEqual(sorted(have), sorted(tested), "%s: run tests/tools/make_arm64_cores.sh" % program)

    def test_every_toolchain_is_a_tested_release(self):
        _, tested, untested = claim()
        here = {int(v.split(".")[1]) for v in hstest.toolchains()}
        self.assertEqual(sorted(here - tested), [], "toolchains of releases not claimed as tested are in %s"
                         % hstest.TOOLCHAINS)
        if tested - here:
            self.skipTest("no toolchain for Go %s under %s: run scripts/setup.sh --all-go"
                          % (", ".join("1.%d" % m for m in sorted(tested - here)), hstest.TOOLCHAINS))


if __name__ == "__main__":
    hstest.main()
