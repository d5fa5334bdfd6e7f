#!/usr/bin/env python3
"""Compare pgw's statement splitter with psql 15's on random scripts.

usage: split_diff.py SPLIT_DUMP [COUNT] [SEED]

SPLIT_DUMP is the tests/pgw/split_dump program (built with the pgw tests).
For each random script, `psql -X -e -o /dev/null -f SCRIPT` prints every
statement it sends followed by a newline, and split_dump prints the
statements the splitter cuts in the same form; the two must be identical.
psql needs a server: the PGHOST/PGPORT/PGUSER/PGDATABASE environment (or the
PGW_TEST_* variables of scripts/pg-fixture.sh) must point at a throwaway
one. The statements run there (as syntax errors, mostly).

The fragments never form a backslash command other than "\\'", "\\;" and
"\\:": psql would run it (\\! runs a shell).
"""
import os
import random
import subprocess
import sys
import tempfile

FRAGMENTS = [
    "select", "create", "CREATE", "function", "procedure", "or", "replace",
    "begin", "BEGIN", "atomic", "end", "END", "case", "x", "a$", "xe", "1",
    "1e", "1e-", "1x", "1e1", "1.5", "e1", "_", "e+", "0x", ".5", "..", ".", "0", "(", ")", ";", ";", ";", "'",
    "''", "\"", "\"\"", "E'", "e'", "b'", "x'", "n'", "u&'", "U&\"", "u&",
    "$$", "$a$", "$b$", "$1", "$a", "$", "--", "---", "/*", "*/", "/", "*",
    "-", "+", "=", "<", ">", "::", ":", ":a", ":'a'", ":\"a\"", "\\'",
    "\\;", "\\:", " ", " ", " ", "  ", "\t", "\n", "\n", "\n", "\n\n", "\r",
    "\f", "\v", "\u00e9", "\u4e2d", "\ufeff",
]


def env_for_psql():
    env = dict(os.environ)
    for src, dst in (("PGW_TEST_HOST", "PGHOST"), ("PGW_TEST_PORT", "PGPORT"),
                     ("PGW_TEST_TRUST_USER", "PGUSER"), ("PGW_TEST_DB", "PGDATABASE")):
        if env.get(src):
            env[dst] = env[src]
    env["PGCLIENTENCODING"] = "UTF8"
    env["LC_ALL"] = "C.UTF-8"
    return env


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    dump = argv[1]
    count = int(argv[2]) if len(argv) > 2 else 300
    seed = int(argv[3]) if len(argv) > 3 else 1
    rng = random.Random(seed)
    env = env_for_psql()
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "in.sql")
        for i in range(count):
            text = "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 40)))
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            want = subprocess.run(["psql", "-X", "-q", "-e", "-o", "/dev/null", "-f", path],
                                  env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, check=False).stdout
            got = subprocess.run([dump, path], stdout=subprocess.PIPE, check=False).stdout
            if want != got:
                failures += 1
                print("not ok %d - input %r" % (i + 1, text))
                print("#   psql: %r" % want)
                print("#   pgw:  %r" % got)
            else:
                print("ok %d" % (i + 1))
    print("1..%d" % count)
    print("# %d of %d differ" % (failures, count))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
