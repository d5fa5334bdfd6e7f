#!/usr/bin/env python3
"""Every public header must be in tests/headers/meson.build's list.

usage: check_listed.py INCLUDE_DIR HEADER...

meson lists sources explicitly (no globbing), so a new header could be left
out of the compile tests without anyone noticing; this notices.
"""
import os
import sys


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    inc = argv[1]
    listed = set(argv[2:])
    present = set()
    if os.path.isfile(os.path.join(inc, "pgwire.h")):
        present.add("pgwire.h")
    sub = os.path.join(inc, "pgwire")
    for name in sorted(os.listdir(sub)):
        if name.endswith(".h"):
            present.add("pgwire/" + name)
    rc = 0
    for h in sorted(present - listed):
        print("include/%s is not compile-tested: add it to tests/headers/meson.build" % h)
        rc = 1
    for h in sorted(listed - present):
        print("tests/headers/meson.build lists %s, which does not exist" % h)
        rc = 1
    if rc == 0:
        print("all %d public headers are compile-tested" % len(present))
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
