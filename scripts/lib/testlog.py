#!/usr/bin/env python3
"""Count one build's meson test results for scripts/test.sh.

usage: testlog.py BUILDDIR SUITE...

Reads BUILDDIR/meson-logs/testlog.json (one JSON object per test run) and
BUILDDIR/meson-info/intro-tests.json (every registered test and its suites).
OK and EXPECTEDFAIL count as passed. FAIL, TIMEOUT, ERROR, UNEXPECTEDPASS and
SKIP count as failed: CI installs everything, so nothing may skip. Besides,
one failure is counted for each SUITE that has no test at all and for each
registered test that has no result, since a test that never ran is a test
that was skipped.

Prints a readable summary, then a last line "COUNT <passed> <failed>".
"""
import json
import os
import sys

PASSED = {"OK", "EXPECTEDFAIL"}


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    build, required = argv[1], argv[2:]
    passed = failed = 0
    problems = []

    registered = []
    intro = os.path.join(build, "meson-info", "intro-tests.json")
    try:
        with open(intro) as f:
            registered = json.load(f)
    except (OSError, ValueError) as e:
        problems.append("cannot read %s: %s" % (intro, e))
        failed += 1

    per_suite = {}
    for t in registered:
        for s in t.get("suite", []):
            s = s.split(":", 1)[-1]
            per_suite[s] = per_suite.get(s, 0) + 1
    if registered:
        print("  suites: " + ", ".join("%s %d" % kv for kv in sorted(per_suite.items())))
        for s in required:
            if per_suite.get(s, 0) == 0:
                problems.append("suite '%s' has no tests" % s)
                failed += 1

    results = []
    log = os.path.join(build, "meson-logs", "testlog.json")
    try:
        with open(log) as f:
            for line in f:
                line = line.strip()
                if line:
                    results.append(json.loads(line))
    except (OSError, ValueError) as e:
        problems.append("cannot read %s: %s" % (log, e))
        failed += 1

    for r in results:
        if r.get("result") in PASSED:
            passed += 1
        else:
            failed += 1
            problems.append("%s: %s" % (r.get("name", "?"), r.get("result", "?")))

    if registered and results and len(results) < len(registered):
        missing = len(registered) - len(results)
        problems.append("%d registered tests have no result" % missing)
        failed += missing

    for p in problems:
        print("  not passed: " + p)
    print("COUNT %d %d" % (passed, failed))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
