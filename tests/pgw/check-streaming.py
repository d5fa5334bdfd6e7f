#!/usr/bin/env python3
"""pgw streams rows: its peak memory does not grow with the result size.

usage: check-streaming.py PGW TESTS_PGW_DIR

Runs pgw against the fixture server (PGW_TEST_*) on a small and on a large
result in each output format, checks that every row arrived, and that the
large run's peak RSS is within a few MiB of the small run's (psql, which
buffers whole results, would need hundreds of MiB here). Prints TAP.
"""
import os
import sys

SMALL, LARGE = 2000, 600000
# pgw holds back up to 1 MiB of a result's output (so that a failing
# statement prints nothing, as in psql) plus the library's buffers.
LIMIT_KIB = 6 * 1024


def env():
    e = {k: v for k, v in os.environ.items() if not k.startswith("PG") or k.startswith("PGW_")}
    need = ["PGW_TEST_HOST", "PGW_TEST_PORT", "PGW_TEST_DB", "PGW_TEST_TRUST_USER"]
    missing = [n for n in need if not e.get(n)]
    if missing:
        sys.exit("Bail out! %s not set: run through scripts/test.sh" % ", ".join(missing))
    e.update(PGHOST=e["PGW_TEST_HOST"], PGPORT=e["PGW_TEST_PORT"], PGDATABASE=e["PGW_TEST_DB"],
             PGUSER=e["PGW_TEST_TRUST_USER"], LC_ALL="C.UTF-8")
    # In a sanitizer build, ASan's quarantine of freed memory would count
    # as growth: keep it small.
    e["ASAN_OPTIONS"] = ":".join(x for x in [e.get("ASAN_OPTIONS", ""), "quarantine_size_mb=1"] if x)
    return e


def run(pgw, flags, rows):
    """Run pgw, count its output lines; return (lines, last line, status, peak RSS KiB)."""
    sql = "select g, repeat('x', 60) as pad from generate_series(1, %d) g" % rows
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        os.dup2(w, 1)
        os.close(w)
        fd = os.open(os.devnull, os.O_RDONLY)
        os.dup2(fd, 0)
        os.execve(pgw, [pgw, "-X"] + flags + ["-c", sql], env())
    os.close(w)
    lines = 0
    tail = b""
    while True:
        chunk = os.read(r, 1 << 16)
        if not chunk:
            break
        lines += chunk.count(b"\n")
        tail = (tail + chunk)[-200:]
    os.close(r)
    _, status, usage = os.wait4(pid, 0)
    last = tail.rstrip(b"\n").split(b"\n")[-1] if tail else b""
    return lines, last, os.waitstatus_to_exitcode(status), usage.ru_maxrss


def main(argv):
    pgw = argv[1]
    # (flags, extra lines besides the rows, expected last line for LARGE)
    formats = [
        (["-At"], 0, b"%d|" % LARGE + b"x" * 60),
        (["--csv"], 1, b"%d," % LARGE + b"x" * 60),
        (["-A"], 2, b"(%d rows)" % LARGE),
        ([], 4, b""),  # aligned: header, rule, footer, blank line
    ]
    n = 0
    failed = 0
    for flags, extra, last_want in formats:
        name = " ".join(flags) or "aligned"
        s_lines, _, s_status, s_rss = run(pgw, flags, SMALL)
        l_lines, l_last, l_status, l_rss = run(pgw, flags, LARGE)
        n += 1
        ok = s_status == 0 and l_status == 0 and l_lines == LARGE + extra and \
            s_lines == SMALL + extra and (not last_want or l_last == last_want)
        print("%s %d - %s: every row printed (%d lines)" % ("ok" if ok else "not ok", n, name, l_lines))
        if not ok:
            failed += 1
            print("#   status %d/%d, lines %d/%d, last %r" % (s_status, l_status, s_lines, l_lines, l_last))
        n += 1
        grow = l_rss - s_rss
        ok = grow < LIMIT_KIB
        print("%s %d - %s: peak RSS %d KiB for %d rows, %d KiB for %d rows" % (
            "ok" if ok else "not ok", n, name, s_rss, SMALL, l_rss, LARGE))
        if not ok:
            failed += 1
    print("1..%d" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
