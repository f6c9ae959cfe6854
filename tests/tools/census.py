#!/usr/bin/env python3
"""The suite's census: what each ctest entry checked, and the one rule for skips.

Every ctest entry leaves a record, $HS_CENSUS_DIR/<name>.json: how many tests (and subtests)
ran, passed, failed and skipped, and each skip with its reason. Python tests write theirs from
hstest.main; cmocka tests and plain commands run under `census.py run`, which reads cmocka's
own output. `census.py report BUILD...` prints the census of one or more build trees from
their records and ctest's JUnit file, and fails when anything failed, when an entry left no
record, or (strict) when a skip's reason is not on the list.

The rule: a skip is allowed on the machine the README sets up (HS_STRICT_SKIPS=1, set by
scripts/test.sh) only when its reason starts with "[KEY]" for a KEY in tests/skip_reasons.txt;
any other skip is a failure there. Without HS_STRICT_SKIPS a skip stays a skip, and is listed.

  census.py run NAME [--cmocka] -- COMMAND...   run COMMAND, write NAME's record, pass its status on
  census.py report [--strict] [LABEL=]BUILD_DIR...   print the census of the builds (ctest's
                                                    results from BUILD_DIR/ctest-junit.xml)
  census.py reasons                             list the keys of tests/skip_reasons.txt
"""

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
REASONS_FILE = os.path.join(HERE, "..", "skip_reasons.txt")
SKIP_STATUS = 77  # ctest SKIP_RETURN_CODE
JUNIT = "ctest-junit.xml"  # scripts/test.sh: ctest --output-junit BUILD/ctest-junit.xml
KEY_RE = re.compile(r"^\[([a-z0-9-]+)\] ")


def reasons():
    """{key: condition} from tests/skip_reasons.txt."""
    out = {}
    with open(REASONS_FILE) as f:
        for line in f:
            m = re.match(r"^([a-z0-9-]+): (.+)$", line.rstrip("\n"))
            if m:
                out[m.group(1)] = m.group(2)
    return out


def platform(key, detail):
    """The reason string of a listed platform skip: "[KEY] detail"."""
    if key not in reasons():
        raise ValueError("skip reason key %r is not in %s" % (key, os.path.normpath(REASONS_FILE)))
    return "[%s] %s" % (key, detail)


def listed_key(reason):
    """The key of a listed reason, or None when the reason is not on the list."""
    m = KEY_RE.match(reason or "")
    return m.group(1) if m and m.group(1) in reasons() else None


def strict():
    return os.environ.get("HS_STRICT_SKIPS", "") not in ("", "0")


def unlisted_message(reason):
    return ("skipped for a reason not on the list in tests/skip_reasons.txt, which the README's "
            "set-up (HS_STRICT_SKIPS=1) does not allow: %s" % reason)


def counts():
    return {"run": 0, "passed": 0, "failed": 0, "skipped": 0}


def write_record(name, kind, tests, subtests, skips, failures, status):
    """Writes NAME's record into $HS_CENSUS_DIR (nothing when it is unset)."""
    d = os.environ.get("HS_CENSUS_DIR")
    if not d:
        return
    os.makedirs(d, exist_ok=True)
    rec = {"name": name, "kind": kind, "tests": tests, "subtests": subtests, "skips": skips,
           "failures": failures, "status": status, "strict": strict()}
    path = os.path.join(d, name.replace("/", "__") + ".json")
    with open(path + ".tmp", "w") as f:
        json.dump(rec, f, indent=1)
    os.replace(path + ".tmp", path)


# ---------------------------------------------------------------- cmocka and plain commands

CMOCKA = re.compile(r"^\[ *(RUN|OK|SKIPPED|FAILED|ERROR|PASSED|==========) *\] (.*)$")
SKIP_LINE = re.compile(r"^HS-SKIP (.*)$")


def parse_cmocka(text):
    """(tests, skips, failures, complete) from cmocka's standard output (stdout and stderr
    together). Each test is "[ RUN ] name" then one of OK, SKIPPED, FAILED, ERROR; a skip's
    reason is the "HS-SKIP ..." line the test printed (tests/unit/hs_unit.h) before it."""
    tests, skips, failures = counts(), [], []
    current, reason, announced, summarised = None, None, 0, 0
    for line in text.splitlines():
        s = SKIP_LINE.match(line)
        if s and current:
            reason = s.group(1)
            continue
        m = CMOCKA.match(line)
        if not m:
            continue
        tag, rest = m.group(1), m.group(2).strip()
        if tag == "==========":
            r = re.match(r"Running (\d+) test", rest)
            announced += int(r.group(1)) if r else 0
            r = re.match(r"(\d+) test\(s\) run", rest)
            summarised += int(r.group(1)) if r else 0
        elif tag == "RUN":
            current, reason = rest, None
            tests["run"] += 1
        elif current and rest == current:  # the outcome of the running test (summaries repeat names)
            if tag == "OK":
                tests["passed"] += 1
            elif tag == "SKIPPED":
                tests["skipped"] += 1
                skips.append({"test": current, "reason": reason or "(no reason given)"})
            else:
                tests["failed"] += 1
                failures.append(current)
            current = None
    complete = announced > 0 and announced == summarised == tests["run"] and current is None
    return tests, skips, failures, complete


def run(name, argv, cmocka):
    """Runs argv with its output passed through, writes the record, returns the exit status."""
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    chunks = []
    for chunk in iter(lambda: p.stdout.read1(65536), b""):
        sys.stdout.buffer.write(chunk)
        sys.stdout.flush()
        chunks.append(chunk)
    status = p.wait()
    text = b"".join(chunks).decode("utf-8", "replace")
    if cmocka:
        tests, skips, failures, complete = parse_cmocka(text)
        if not complete:
            failures.append("cmocka output incomplete (crashed or killed?), exit status %d" % status)
    else:
        tests = counts()
        tests["run"] = 1
        tests["passed" if status == 0 else "skipped" if status == SKIP_STATUS else "failed"] = 1
        skips = [{"test": name, "reason": "(exit status 77)"}] if status == SKIP_STATUS else []
        failures = [name] if status not in (0, SKIP_STATUS) else []
    if strict():
        for s in skips:
            if not listed_key(s["reason"]):
                print("census: %s: %s" % (s["test"], unlisted_message(s["reason"])), flush=True)
                failures.append(s["test"])
    if status != 0 and status != SKIP_STATUS and not failures:
        failures.append("%s exited with status %d" % (name, status))
    if failures:
        final = status if status not in (0, SKIP_STATUS) else 1
    elif tests["run"] and tests["skipped"] == tests["run"]:
        final = SKIP_STATUS
    else:
        final = 0
    tests["failed"] = max(tests["failed"], len(set(failures)) if failures else 0)
    write_record(name, "cmocka" if cmocka else "command", tests, counts(), skips, failures, final)
    return final


# ---------------------------------------------------------------- the report

def junit_results(path):
    """{test name: ctest status} from ctest --output-junit: run, fail, skipped, notrun, disabled."""
    out = {}
    if not path or not os.path.exists(path):
        return out
    for tc in ET.parse(path).getroot().iter("testcase"):
        status = tc.get("status") or "run"
        if tc.find("failure") is not None or tc.find("error") is not None:
            status = "fail"
        elif tc.find("skipped") is not None and status != "disabled":
            status = "skipped"  # exit status 77 (a set-up that failed leaves "notrun")
        out[tc.get("name")] = status
    return out


def load_build(build):
    recs = {}
    d = os.path.join(build, "census")
    if os.path.isdir(d):
        for f in sorted(os.listdir(d)):
            if f.endswith(".json"):
                with open(os.path.join(d, f)) as fh:
                    r = json.load(fh)
                recs[r["name"]] = r
    return recs


def add(a, b):
    for k in a:
        a[k] += b.get(k, 0)


def report(builds, strict_mode, out=sys.stdout):
    """Prints the census of the builds; returns the number of problems (failures, missing
    records, skips not allowed)."""
    problems = []
    skipped = {}  # (reason key or whole reason, listed) -> [count, [where]]
    rows = []
    for build, label in builds:
        recs = load_build(build)
        ctest = junit_results(os.path.join(build, JUNIT))
        kinds = {k: counts() for k in ("cmocka", "command", "python", "subtests")}
        entries = {"run": 0, "failed": 0, "skipped": 0, "skips": 0}
        for n in sorted(set(ctest) | set(recs)):
            r, st = recs.get(n), ctest.get(n)
            entries["run"] += 1
            if r is None:
                why = "ctest says %s" % st if st else "no ctest result"
                problems.append("%s %s: left no census record (%s: crashed, timed out or not run)"
                                % (label, n, why))
                entries["failed"] += 1
                continue
            if st in ("fail", "notrun", "disabled") or r["failures"] or r["status"] not in (0, SKIP_STATUS):
                entries["failed"] += 1
                detail = "; ".join(sorted(set(r["failures"]))[:5]) or ("ctest: %s" % st)
                problems.append("%s %s failed: %s" % (label, n, detail))
            elif r["status"] == SKIP_STATUS:
                entries["skipped"] += 1
            add(kinds[r["kind"]], r["tests"])
            add(kinds["subtests"], r["subtests"])
            entries["skips"] += len(r["skips"])
            for sk in r["skips"]:
                key = listed_key(sk["reason"])
                e = skipped.setdefault(("[%s]" % key if key else sk["reason"], key is not None), [0, []])
                e[0] += 1
                e[1].append("%s %s: %s" % (label, n, sk["test"]))
                if strict_mode and not key:
                    problems.append("%s %s: %s: %s" % (label, n, sk["test"], unlisted_message(sk["reason"])))
        rows.append((label, build, entries, kinds))
    print("== census of %s" % ", ".join("%s (%s)" % (l, b) for l, b, _, _ in rows), file=out)
    head = ("build", "ctest entries", "cmocka tests", "scripts", "Python tests", "Python subtests",
            "skipped", "failed")
    fmt = "%-7s %-14s %-13s %-9s %-13s %-16s %-8s %s"
    print(fmt % head, file=out)
    print("%7s %-14s %s" % ("", "", "(passed/run)"), file=out)
    for label, _, e, k in rows:
        def pr(c):
            return "%d/%d" % (c["passed"], c["run"])
        nfail = sum(c["failed"] for c in k.values())
        print(fmt % (label, "%d" % e["run"], pr(k["cmocka"]), pr(k["command"]), pr(k["python"]),
                     pr(k["subtests"]), e["skips"], max(nfail, e["failed"])), file=out)
    print("skipped (tests and subtests), by reason: %d" % sum(v[0] for v in skipped.values()), file=out)
    reason_text = reasons()
    for (group, is_listed), (n, where) in sorted(skipped.items(), key=lambda kv: -kv[1][0]):
        title = "%s %s" % (group, reason_text[group[1:-1]]) if is_listed else "%s  (NOT ON THE LIST)" % group
        print("  %4d  %s" % (n, title), file=out)
        for w in where[:6]:
            print("          %s" % w, file=out)
        if len(where) > 6:
            print("          ... and %d more" % (len(where) - 6), file=out)
    print("failed: %d" % len(problems), file=out)
    for p in problems:
        print("  %s" % p, file=out)
    return len(problems)


def main(argv):
    if len(argv) >= 2 and argv[1] == "run":
        args = argv[2:]
        if "--" not in args:
            sys.exit("usage: census.py run NAME [--cmocka] -- COMMAND...")
        i = args.index("--")
        opts, cmd = args[:i], args[i + 1:]
        return run(opts[0], cmd, "--cmocka" in opts[1:])
    if len(argv) >= 2 and argv[1] == "report":
        strict_mode, builds = strict(), []
        for a in argv[2:]:
            if a == "--strict":
                strict_mode = True
            else:
                label, _, path = a.rpartition("=")
                builds.append((path, label or os.path.basename(os.path.normpath(path))))
        return 1 if report(builds, strict_mode) else 0
    if len(argv) >= 2 and argv[1] == "reasons":
        for k, v in reasons().items():
            print("%s: %s" % (k, v))
        return 0
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
