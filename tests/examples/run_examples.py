#!/usr/bin/env python3
"""Run the examples against the test cluster and check what they print.

usage: run_examples.py CHECK [--suppliers EXE] [--demo EXE] [--poll-loop EXE] [--many-conns EXE]
                             [--sql EXE] [--expected FILE] [--example-ini FILE]

CHECK is one of:
  suppliers-output      suppliers -c database.ini: standard output equals the
                        committed expected file; the rows it left are right
  suppliers-rerun       suppliers twice, settings from PG* variables: both
                        runs print the expected output (the demo re-runs)
  suppliers-bad-config  bad files and command lines: exit status and message;
                        examples/database.ini.example is accepted
  demo                  examples/demo: exit status and key lines
  poll-loop             examples/poll_loop: exact output
  cursor-walk           examples/cursor_walk: exact output (portal, SQL cursor,
                        WITH HOLD), the usage message, a refused connection
  copy                  examples/copy: exact output
  listen                examples/listen: exact output (LISTEN/NOTIFY)
  cancel                examples/cancel: exact output (three ways to cancel)
  jsonb                 examples/jsonb: exact output (@> with a GIN index)
  pool-threads          examples/pool_threads: 8 threads x 50 transactions
                        through the pool: exact count and acquires
  fetch                 examples/fetch: exact output (insert RETURNING, insert
                        many, fetchone/fetchmany/fetchall, update, delete)
  blob                  examples/blob: a drawing as bytea and as a large object,
                        both byte-identical to the file
  many-conns            examples/many_conns: 100 non-blocking connections from one
                        thread (poll, and epoll on Linux) through the fixture's
                        session-mode pgbouncer, and 40 straight to the server
                        over TLS with SCRAM: every connection's values right
                        (the wall time is printed, never asserted)
Every check also makes sure no run ever prints a password.

The cluster is the one scripts/pg-fixture.sh started (PGW_TEST_* variables;
scripts/test.sh exports them). A missing variable fails the check: CI never
skips. Each check works in a schema of its own (search_path through the
`options` connection keyword), so checks run in parallel, and the demo's
`vendors` does not meet the suppliers' `vendors`. The exit status is 0 when
the check passed, 1 otherwise (meson's 'exitcode' protocol).
"""

import argparse
import difflib
import hashlib
import os
import subprocess
import sys
import tempfile

FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print(f"FAIL: {what}", file=sys.stderr)
    return cond


def fixture():
    names = ["HOST", "PORT", "DB", "SCRAM_USER", "SCRAM_PASSWORD", "TRUST_USER"]
    env = {}
    for n in names:
        v = os.environ.get("PGW_TEST_" + n, "")
        if not v:
            sys.exit(f"PGW_TEST_{n} is not set: run through scripts/test.sh, or start "
                     "scripts/pg-fixture.sh and export its env")
        env[n] = v
    return env


def quote(v):
    """A libpq conninfo value: single-quoted, ' and \\ escaped."""
    return "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'"


def conninfo(fx, user, schema=None, password=None):
    parts = [f"host={quote(fx['HOST'])}", f"port={quote(fx['PORT'])}",
             f"dbname={quote(fx['DB'])}", f"user={quote(user)}"]
    if password is not None:
        parts.append(f"password={quote(password)}")
    if schema is not None:
        parts.append(f"options={quote('-c search_path=' + schema)}")
    return " ".join(parts)


def clean_env(extra=None):
    """The environment without the caller's PG* settings (a developer's
    PGHOST must not redirect a test), plus `extra`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PG") or k.startswith("PGW_TEST_")}
    env.update(extra or {})
    return env


def run(argv, env=None, secret=None):
    p = subprocess.run(argv, env=env if env is not None else clean_env(),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    if secret:
        check(secret not in out and secret not in err,
              f"{os.path.basename(argv[0])} printed the password")
    return p.returncode, out, err


def fresh_schema(args, fx, name):
    """Drop and create schema `name`, open to every role; return its name.
    The trust role owns the database, so it may create schemas (and drop
    them with the tables other roles made in them)."""
    sql = (f"DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}; "
           f"GRANT USAGE, CREATE ON SCHEMA {name} TO PUBLIC")
    rc, _, err = run([args.sql, conninfo(fx, fx["TRUST_USER"]), sql])
    if rc != 0:
        sys.exit(f"could not create schema {name}: {err.strip()}")
    return name


def query(args, fx, schema, sql):
    """Rows of sql, as the role the examples ran as (it owns the tables)."""
    ci = conninfo(fx, fx["SCRAM_USER"], schema, fx["SCRAM_PASSWORD"])
    rc, out, err = run([args.sql, ci, sql])
    check(rc == 0, f"query {sql!r} failed: {err.strip()}")
    return out


def expected_output(args, fx, settings):
    with open(args.expected, encoding="utf-8") as f:
        text = f.read()
    return (text.replace("@SETTINGS@", settings).replace("@HOST@", fx["HOST"])
            .replace("@PORT@", fx["PORT"]))


def compare(got, want, what):
    if got == want:
        return True
    diff = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                        "expected", "got"))
    print(diff, file=sys.stderr)
    return check(False, f"{what}: output differs from the expected file")


def write_ini(tmp, text, name="database.ini"):
    path = os.path.join(tmp, name)
    with open(path, "wb") as f:
        f.write(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def tutorial_ini(fx, **override):
    """A database.ini as in the tutorial, for the fixture's SCRAM role."""
    keys = {"host": fx["HOST"], "port": fx["PORT"], "database": fx["DB"],
            "user": fx["SCRAM_USER"], "password": fx["SCRAM_PASSWORD"]}
    keys.update(override)
    return "[postgresql]\n" + "".join(f"{k}={v}\n" for k, v in keys.items() if v is not None)


# ---- checks ------------------------------------------------------------------

def suppliers_output(args, fx):
    schema = fresh_schema(args, fx, "pgw_ex_output")
    with tempfile.TemporaryDirectory() as tmp:
        ini = write_ini(tmp, "; written by tests/examples/run_examples.py\n"
                             + tutorial_ini(fx) + "\n[unrelated]\nhost=elsewhere\n")
        # PGOPTIONS fills in what the file leaves out, as libpq's would.
        env = clean_env({"PGOPTIONS": "-c search_path=" + schema})
        rc, out, err = run([args.suppliers, "-c", ini], env, fx["SCRAM_PASSWORD"])
        check(rc == 0, f"suppliers -c exited with {rc}: {err.strip()}")
        compare(out, expected_output(args, fx, f"{ini}, section [postgresql]"), "suppliers -c")

    # What the program says it did is what the database holds.
    check(query(args, fx, schema, "SELECT vendor_id, vendor_name FROM vendors ORDER BY 1")
          == "1|3M Corp\n2|AKM Semiconductor Inc.\n3|Asahi Glass Co Ltd.\n"
             "4|Daikin Industries Ltd.\n5|Dynacast International Inc.\n"
             "6|Foster Electric Co. Ltd.\n7|Murata Manufacturing Co. Ltd.\n",
          "vendors table")
    check(query(args, fx, schema, "SELECT part_id, part_name FROM parts ORDER BY 1")
          == "1|SIM Tray\n3|Vibrator\n4|Antenna\n5|Home Button\n6|LTE Modem\n",
          "parts table (Speaker deleted, the rolled-back part absent)")
    check(query(args, fx, schema,
                "SELECT string_agg(vendor_id || ':' || part_id, ' ' ORDER BY vendor_id, part_id)"
                " FROM vendor_parts")
          == "1:1 1:5 1:6 2:1 5:3 5:5 5:6 6:3 6:4 7:4\n",
          "vendor_parts table")
    check(query(args, fx, schema,
                "SELECT string_agg(table_name, ' ' ORDER BY table_name)"
                " FROM information_schema.tables WHERE table_schema = current_schema()")
          == "part_drawings parts vendor_parts vendors\n",
          "the four tables, in the test's schema")


def suppliers_rerun(args, fx):
    schema = fresh_schema(args, fx, "pgw_ex_rerun")
    env = clean_env({"PGHOST": fx["HOST"], "PGPORT": fx["PORT"], "PGDATABASE": fx["DB"],
                     "PGUSER": fx["SCRAM_USER"], "PGPASSWORD": fx["SCRAM_PASSWORD"],
                     "PGOPTIONS": "-c search_path=" + schema})
    want = expected_output(args, fx, "the PG* environment variables")
    errs = []
    for i in (1, 2):
        rc, out, err = run([args.suppliers], env, fx["SCRAM_PASSWORD"])
        check(rc == 0, f"run {i} exited with {rc}: {err.strip()}")
        compare(out, want, f"run {i}")
        errs.append(err)
    # Notices reach standard error: the first run's DROP ... IF EXISTS finds
    # nothing, the second finds the first run's tables.
    check('NOTICE:  table "vendors" does not exist, skipping' in errs[0],
          "run 1: the DROP IF EXISTS notice on stderr")
    check("does not exist" not in errs[1], "run 2: no notice (the tables existed)")


def suppliers_bad_config(args, fx):
    secret = "s3cret'pw\\x"
    cases = [
        # name, file content (None: no file), extra argv, status, stderr must contain
        ("missing file", None, [], 1, "cannot open"),
        ("no [postgresql] section", "[postgres]\nhost=localhost\n", [], 1,
         "section [postgresql] not found"),
        ("key before any section", f"password={secret}\n[postgresql]\n", [], 1,
         ":1: key=value before any [section] header"),
        ("line without =", f"[postgresql]\nhost=localhost\n{secret}\n", [], 1,
         ":3: expected key=value"),
        ("key given twice", "[postgresql]\nuser=a\nUSER=b\n", [], 1,
         ':3: key "user" appears twice in [postgresql]'),
        ("section given twice", "[postgresql]\nuser=a\n[postgresql]\n", [], 1,
         ":3: section [postgresql] appears twice"),
        ("key that is not a word", "[postgresql]\nhost x=y\n", [], 1, ":2: invalid key"),
        ("NUL byte", b"[postgresql]\nhost=local\0host\n", [], 1, ":2: NUL byte"),
        ("unknown keyword", "[postgresql]\nhots=localhost\n", [], 1,
         'invalid connection option "hots"'),
        ("unknown host", tutorial_ini(fx, host="no-such-host.invalid", password=secret), [], 1,
         'could not translate host name "no-such-host.invalid"'),
        ("wrong password", tutorial_ini(fx, password=secret), [], 1,
         f'password authentication failed for user "{fx["SCRAM_USER"]}"'),
        # Quotes and a backslash reach the server intact: the conninfo quoting.
        ("odd database name", tutorial_ini(fx, database="it's \"odd\" \\ db"), [], 1,
         'database "it\'s "odd" \\ db" does not exist'),
        # The server refuses a statement half-way: the run stops there.
        # (Also: a key the tutorial does not have goes to the library.)
        ("server error mid-run",
         tutorial_ini(fx, password=fx["SCRAM_PASSWORD"])
         + "options=-c search_path=pgw_ex_no_such_schema\n", [], 1,
         "create table: ERROR:  no schema has been selected to create in"),
        ("bad option", "", ["-x"], 2, "usage: suppliers [-c FILE]"),
        ("-c without a file", "", ["-c"], 2, "usage: suppliers [-c FILE]"),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for name, text, extra, want_rc, want_err in cases:
            if extra:
                argv = [args.suppliers] + extra
            else:
                path = os.path.join(tmp, "missing.ini")
                if text is not None:
                    path = write_ini(tmp, text)
                argv = [args.suppliers, "-c", path]
            rc, out, err = run(argv, secret=secret)
            check(rc == want_rc, f"{name}: exit status {rc}, expected {want_rc}")
            check(want_err in err, f"{name}: stderr lacks {want_err!r}; it was: {err.strip()!r}")
            check("AddressSanitizer" not in err and "runtime error" not in err,
                  f"{name}: a sanitizer report")
            # A failure ends the run: nothing is created after it.
            check("   created vendors" not in out and "done" not in out.splitlines(),
                  f"{name}: went on after the failure")
            if name == "server error mid-run":
                check("   dropped vendor_parts" in out, f"{name}: stopped before the DROP")

    rc, out, err = run([args.suppliers, "--help"])
    check(rc == 0 and out.startswith("usage: suppliers [-c FILE]"), "--help")

    # The committed example file parses, and every key in it is accepted: it
    # gets as far as looking the host up (renamed so that nothing is reached).
    with open(args.example_ini, encoding="utf-8") as f:
        text = f.read()
    check("\nhost=localhost\n" in text, "database.ini.example has host=localhost")
    with tempfile.TemporaryDirectory() as tmp:
        path = write_ini(tmp, text.replace("\nhost=localhost\n", "\nhost=no-such-host.invalid\n"))
        rc, out, err = run([args.suppliers, "-c", path], secret="change-me")
        check(rc == 1 and 'could not translate host name "no-such-host.invalid"' in err,
              f"database.ini.example: status {rc}, stderr {err.strip()!r}")


def demo(args, fx):
    schema = fresh_schema(args, fx, "pgw_ex_demo")
    ci = conninfo(fx, fx["SCRAM_USER"], schema, fx["SCRAM_PASSWORD"])
    rc, out, err = run([args.demo], clean_env({"PGW_DEMO_CONNINFO": ci}), fx["SCRAM_PASSWORD"])
    check(rc == 0, f"demo exited with {rc}: {err.strip()}")
    lines = out.splitlines()
    for want in ["1. connecting (connection string given)",
                 "   inserted 5 rows",
                 "     1  3M Co.",
                 "   SELECT 5",
                 "   error 42P01: relation \"no_such_table\" does not exist",
                 "   still connected: 5 vendors",
                 "done"]:
        check(want in lines, f"demo: no line {want!r}")
    check(any(l.startswith(f"   connected to {fx['HOST']} port {fx['PORT']} as {fx['SCRAM_USER']}")
              for l in lines), "demo: the connected line")
    # The demo dropped its table again.
    check(query(args, fx, schema, "SELECT count(*) FROM pg_tables WHERE schemaname = "
                + "'" + schema + "'") == "0\n", "demo: cleaned up")

    # A failed connection: status 1 and libpq's message.
    bad = conninfo({**fx, "PORT": "1"}, fx["SCRAM_USER"], None, fx["SCRAM_PASSWORD"])
    rc, out, err = run([args.demo, bad], secret=fx["SCRAM_PASSWORD"])
    check(rc == 1, f"demo with a refused connection exited with {rc}")
    check("demo: connect failed: connection to server at" in err, "demo: connect error message")


def poll_loop(args, fx):
    ci = conninfo(fx, fx["SCRAM_USER"], None, fx["SCRAM_PASSWORD"])
    rc, out, err = run([args.poll_loop, ci], secret=fx["SCRAM_PASSWORD"])
    check(rc == 0, f"poll_loop exited with {rc}: {err.strip()}")
    compare(out, "".join(f"{g} squared is {g * g}\n" for g in range(1, 6)), "poll_loop")

    rc, out, err = run([args.poll_loop, ci.replace(f"port='{fx['PORT']}'", "port='1'")])
    check(rc == 1, f"poll_loop with a refused connection exited with {rc}")
    check(err.startswith("connect: connection to server at"), "poll_loop: connect error message")


def many_conns_run(args, ci, n, extra, secret=None):
    """Run many_conns and check every connection's line and the summary."""
    argv = [args.many_conns, "-n", str(n), "-q", "3"] + extra + [ci]
    rc, out, err = run(argv, secret=secret)
    what = "many_conns " + " ".join(extra + ["-n", str(n)])
    check(rc == 0, f"{what} exited with {rc}: {err.strip()[:2000]}")
    lines = out.splitlines()
    want = [f"conn {i}: {3 * i + 1} {3 * i + 2} {3 * i + 3}" for i in range(n)]
    check(lines[:n] == want, f"{what}: per-connection values differ: "
          f"{[l for l, w in zip(lines, want) if l != w][:5]}")
    loop = "epoll" if "--epoll" in extra else "poll"
    check(len(lines) > n and lines[n] == f"{n} of {n} connections ran 3 queries each correctly ({loop})",
          f"{what}: summary line")
    wall = [l for l in lines if l.startswith("wall time ")]
    check(len(wall) == 1, f"{what}: wall time line")
    # Shown, not asserted: timing depends on the machine.
    print(f"# {what}: {wall[0] if wall else '?'}")


def many_conns(args, fx):
    port = os.environ.get("PGW_TEST_PGBOUNCER_SESSION_PORT", "")
    if not check(port != "", "PGW_TEST_PGBOUNCER_SESSION_PORT is not set (the fixture's pgbouncer)"):
        return
    # 100 connections: the fixture's server allows 100 in all (a few kept
    # for superusers, others for tests running alongside), so they go
    # through its session-mode pgbouncer, which queues them onto 10 server
    # connections as each one finishes.
    bouncer = (f"host={quote(fx['HOST'])} port={quote(port)} dbname={quote(fx['DB'])} "
               f"user={quote(fx['TRUST_USER'])} sslmode=disable")
    many_conns_run(args, bouncer, 100, [])
    if sys.platform.startswith("linux"):
        many_conns_run(args, bouncer, 100, ["--epoll"])
    # Straight to the server, each one with TLS and SCRAM.
    ci = conninfo(fx, fx["SCRAM_USER"], None, fx["SCRAM_PASSWORD"]) + " sslmode=require"
    many_conns_run(args, ci, 40, [], secret=fx["SCRAM_PASSWORD"])
    # A refused server: every connection reports it, exit status 1.
    bad = conninfo({**fx, "PORT": "1"}, fx["TRUST_USER"])
    rc, out, err = run([args.many_conns, "-n", "3", bad])
    check(rc == 1, f"many_conns with a refused server exited with {rc}")
    check(err.count("connect: connection to server at") == 3, "many_conns: connect errors")


def prepared(args, fx):
    schema = fresh_schema(args, fx, "ex_prepared")
    ci = (conninfo(fx, fx["SCRAM_USER"], None, fx["SCRAM_PASSWORD"])
          + " options=" + quote(f"-c search_path={schema} -c TimeZone=UTC"))
    rc, out, err = run([args.prepared, ci], secret=fx["SCRAM_PASSWORD"])
    check(rc == 0, f"prepared exited with {rc}: {err.strip()}")
    rows = ("1 north 20.5 2023-11-14 22:13:20+00\n"
            "2 south 21.5 2023-11-14 22:14:20+00\n"
            "3 it's \"quoted\" (no reading) 2023-11-14 22:15:20+00\n")
    want = ("prepared insert_measurement: 4 parameters\n"
            "inserted 1 row (id 1)\ninserted 1 row (id 2)\ninserted 1 row (id 3)\n"
            + rows + rows +
            "statement cache: 1 miss, 1 hit\n"
            "refused at Bind: invalid input syntax for type integer: \"many\" (SQLSTATE 22P02)\n")
    compare(out, want, "prepared")


def routines(args, fx):
    schema = fresh_schema(args, fx, "ex_routines")
    ci = conninfo(fx, fx["SCRAM_USER"], schema, fx["SCRAM_PASSWORD"])
    rc, out, err = run([args.routines, ci], secret=fx["SCRAM_PASSWORD"])
    check(rc == 0, f"routines exited with {rc}: {err.strip()}")
    want = ("CALL add_new_part('SIM Tray', '3M Co.'): new_part_id = 1\n"
            "CALL add_new_part('Speaker', '3M Co.'): new_part_id = 2\n"
            "CALL add_new_part('Antenna', 'AKM Semiconductor Inc.'): new_part_id = 3\n"
            "get_parts_by_vendor(1):\n  1 SIM Tray\n  2 Speaker\n"
            "part_count() = 3 (column \"part_count\")\n"
            "after rename_in_batches (COMMIT, then ROLLBACK): SIM TRAY, Speaker, Antenna\n"
            "CALL add_new_part('Battery', 'Nobody Ltd.'): PGW_E_SERVER, SQLSTATE P0002: "
            "no vendor called Nobody Ltd.\n")
    compare(out, want, "routines")
    rc, out, err = run([args.routines])
    check(rc == 2 and err.startswith("usage: routines"), "routines: usage")


def transaction(args, fx):
    schema = fresh_schema(args, fx, "ex_transaction")
    ci = conninfo(fx, fx["SCRAM_USER"], schema, fx["SCRAM_PASSWORD"])
    rc, out, err = run([args.transaction, ci], secret=fx["SCRAM_PASSWORD"])
    check(rc == 0, f"transaction exited with {rc}: {err.strip()}")
    want = ("transfer: PGW_OK after 1 attempt(s), committed\n"
            "  account 1: 70\n  account 2: 30\n"
            "overdraft: PGW_E_SERVER, SQLSTATE 23514, in a failed transaction: yes\n"
            "commit after the savepoint: PGW_OK, committed\n"
            "  account 1: 70\n  account 2: 35\n"
            "commit of a failed transaction: PGW_E_SERVER, rolled back (25P02: transaction was "
            "rolled back: COMMIT of a failed transaction)\n")
    compare(out, want, "transaction")


def cursor_walk(args, fx):
    ci = conninfo(fx, fx["SCRAM_USER"], None, fx["SCRAM_PASSWORD"])
    held = ("held cursor, after COMMIT, FORWARD 2: 1 2\n"
            "held cursor, LAST: 5\n"
            "held cursor, ABSOLUTE 3: 3\n"
            "held cursor, BACKWARD ALL: 2 1\n"
            "held cursor, MOVE FORWARD ALL: 5 rows\n")
    rc, out, err = run([args.cursor_walk, ci], secret=fx["SCRAM_PASSWORD"])
    check(rc == 0, f"cursor_walk exited with {rc}: {err.strip()}")
    # 10,000 rows by 1,000: the tenth batch ends on the last row and is
    # still suspended; the eleventh is empty.
    compare(out, "portal: 10000 rows in 11 fetches, sum 50005000\n"
                 "sql cursor: 10000 rows in 11 fetches, sum 50005000\n" + held, "cursor_walk")

    rc, out, err = run([args.cursor_walk, ci, "2500", "1000", "--stats"],
                       secret=fx["SCRAM_PASSWORD"])
    check(rc == 0, f"cursor_walk --stats exited with {rc}: {err.strip()}")
    compare(out, "portal: 2500 rows in 3 fetches, sum 3126250\n"
                 "sql cursor: 2500 rows in 4 fetches, sum 3126250\n" + held, "cursor_walk 2500")
    check(err.count("rows/s, peak allocated") == 2, "cursor_walk --stats: two stats lines")

    rc, out, err = run([args.cursor_walk])
    check(rc == 2 and err.startswith("usage: cursor_walk"), "cursor_walk: usage")
    rc, out, err = run([args.cursor_walk, ci.replace(f"port='{fx['PORT']}'", "port='1'")])
    check(rc == 1 and err.startswith("connect: connection to server at"),
          "cursor_walk: connect error message")
def copy(args, fx):
    schema = fresh_schema(args, fx, "ex_copy")
    ci = conninfo(fx, fx["SCRAM_USER"], schema, fx["SCRAM_PASSWORD"])
    rc, out, err = run([args.copy, ci], secret=fx["SCRAM_PASSWORD"])
    check(rc == 0, f"copy exited with {rc}: {err.strip()}")
    want = ("text COPY: 3 rows\n"
            "binary COPY: 2 rows\n"
            "id,name,price,added\n"
            "1,plain,1.50,\n"
            "2,\"tab\tand\nnewline\",,\n"
            "3,back\\slash,0.99,\n"
            "4,binary item 4,12.345,2024-03-04\n"
            "5,binary item 5,-7,2024-03-05\n"
            "(5 rows)\n"
            "bad row: PGW_E_SERVER, SQLSTATE 22P02, COPY items, line 2, column price: "
            "\"not-a-number\"\n"
            "aborted: PGW_E_SERVER, SQLSTATE 57014: COPY from stdin failed: changed my mind\n"
            "items: 5 rows\n")
    compare(out, want, "copy")


def listen(args, fx):
    ci = conninfo(fx, fx["SCRAM_USER"], None, fx["SCRAM_PASSWORD"])
    rc, out, err = run([args.listen, ci, "ex_jobs"], secret=fx["SCRAM_PASSWORD"])
    check(rc == 0, f"listen exited with {rc}: {err.strip()}")
    want = ('listening on "ex_jobs"\n'
            'notification on "ex_jobs" with payload "first job" from the notifier\n'
            'notification on "ex_jobs" with payload "Grüße aus Köln" from the notifier\n'
            'notification on "ex_jobs" with payload "" from the notifier\n'
            "then: nothing more within 200 ms\n"
            "dropped: 0\n")
    compare(out, want, "listen")


def cancel(args, fx):
    # sslmode=prefer against the fixture: TLS, so the cancel connection of
    # the third case travels inside TLS too.
    ci = conninfo(fx, fx["SCRAM_USER"], None, fx["SCRAM_PASSWORD"])
    rc, out, err = run([args.cancel, ci], secret=fx["SCRAM_PASSWORD"])
    check(rc == 0, f"cancel exited with {rc}: {err.strip()}")
    want = "".join(f"{label}: PGW_E_SERVER, SQLSTATE 57014\n  then: still usable\n"
                   for label in ("query timeout", "signal handler", "other thread"))
    compare(out, want, "cancel")


def large_object(args, fx):
    """The example imports a file it is given and exports it to FILE.copy:
    exact output, and the copy is byte-identical."""
    ci = conninfo(fx, fx["SCRAM_USER"], None, fx["SCRAM_PASSWORD"])
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "input.bin")
        data = bytes((i * 7919 + (i >> 8)) & 0xFF for i in range(300_001))
        with open(path, "wb") as f:
            f.write(data)
        rc, out, err = run([args.large_object, ci, path], secret=fx["SCRAM_PASSWORD"])
        check(rc == 0, f"large_object exited with {rc}: {err.strip()}")
        want = ("position after writing at 3 GiB: 3221225475 (3 GiB + 3)\n"
                "first 20 bytes: Hello, large object!\n"
                "size after truncating to 2 GiB + 1: 2147483649\n"
                f"imported {path} and exported it to {path}.copy\n"
                "through SQL, bytes 7..11: large\n"
                "open after unlink: PGW_E_SERVER, SQLSTATE 42704\n")
        compare(out, want, "large_object")
        copy = path + ".copy"
        if check(os.path.exists(copy), "large_object wrote no export"):
            with open(copy, "rb") as f:
                check(f.read() == data, "large_object: the export differs from the import")


def pipeline(args, fx):
    schema = fresh_schema(args, fx, "ex_pipeline")
    ci = conninfo(fx, fx["SCRAM_USER"], schema, fx["SCRAM_PASSWORD"])
    rc, out, err = run([args.pipeline, ci], secret=fx["SCRAM_PASSWORD"])
    check(rc == 0, f"pipeline exited with {rc}: {err.strip()}")
    want = ("queued 9 items (6 queries, 3 Syncs) in one round trip\n"
            "order 1: INSERT 0 1\norder 2: INSERT 0 1\norder 3: INSERT 0 1\n"
            "unit 1: idle\n"
            "order 3 again: PGW_E_SERVER, SQLSTATE 23505\n"
            "order 4: PGW_E_ABORTED\n"
            "unit 2: idle\n"
            "orders: 3 rows, 6 items\n"
            "pipeline ended: idle\n")
    compare(out, want, "pipeline")


def jsonb(args, fx):
    schema = fresh_schema(args, fx, "ex_jsonb")
    ci = conninfo(fx, fx["SCRAM_USER"], schema, fx["SCRAM_PASSWORD"])
    rc, out, err = run([args.jsonb, ci], secret=fx["SCRAM_PASSWORD"])
    check(rc == 0, f"jsonb exited with {rc}: {err.strip()}")
    want = ("inserted 6 documents\n"
            'doc @> {"category": "mechanical"}:\n  1 SIM Tray\n  3 Vibrator\n  5 Home Button\n'
            'doc @> {"tags": ["waterproof"]}:\n  2 Speaker\n  5 Home Button\n'
            'doc @> {"vendor": "3M Corp", "tags": ["small"]}:\n  1 SIM Tray\n  5 Home Button\n'
            'doc @> {"specs": {"bands": ["5G"]}}:\n  4 Antenna\n'
            "weight by category:\n"
            "  audio: 1 parts, 3.5 g\n  mechanical: 3 parts, 3.7 g\n  radio: 2 parts, 4.9 g\n"
            "updated 1 row; part 4 is now:\n"
            '  {"name": "Antenna", "tags": ["small", "waterproof"], "specs": {"bands": ["LTE", '
            '"5G"], "weight_g": 0.8}, "stock": 120, "vendor": "Murata", "category": "radio"}\n'
            "EXPLAIN: the @> search can use parts_catalogue_doc_idx (Bitmap Index Scan)\n")
    compare(out, want, "jsonb")
    check(query(args, fx, schema, "SELECT count(*) FROM pg_tables WHERE schemaname = '"
                + schema + "'") == "0\n", "jsonb: dropped its table")

    rc, out, err = run([args.jsonb])
    check(rc == 2 and err.startswith("usage: jsonb"), "jsonb: usage")
    rc, out, err = run([args.jsonb, ci.replace(f"port='{fx['PORT']}'", "port='1'")],
                       secret=fx["SCRAM_PASSWORD"])
    check(rc == 1 and err.startswith("jsonb: connect: connection to server at"),
          f"jsonb: connect error message: {err.strip()!r}")


def pool_threads(args, fx):
    schema = fresh_schema(args, fx, "ex_pool_threads")
    ci = conninfo(fx, fx["SCRAM_USER"], schema, fx["SCRAM_PASSWORD"])
    rc, out, err = run([args.pool_threads, ci], secret=fx["SCRAM_PASSWORD"])
    check(rc == 0, f"pool_threads exited with {rc}: {err.strip()}")
    counts = "counter 400, 400 log rows from 8 threads, 50 each: yes\n"
    want = ("8 threads x 50 transactions through a pool of at most 4 connections\n"
            "after the threads: " + counts +
            "after a release without COMMIT: " + counts +
            "pool: 403 acquires, 1 rolled back on release, 0 broken, 0 failed connects, "
            "0 lent now, at most 4 open: yes\n")
    compare(out, want, "pool_threads")
    check(query(args, fx, schema, "SELECT n FROM counter") == "400\n",
          "pool_threads: the counter row holds 400")

    rc, out, err = run([args.pool_threads])
    check(rc == 2 and err.startswith("usage: pool_threads"), "pool_threads: usage")
    rc, out, err = run([args.pool_threads, ci.replace(f"port='{fx['PORT']}'", "port='1'")],
                       secret=fx["SCRAM_PASSWORD"])
    check(rc == 1 and err.startswith("pool_threads: connect: connection to server at"),
          f"pool_threads: connect error message: {err.strip()!r}")


def fetch(args, fx):
    schema = fresh_schema(args, fx, "ex_fetch")
    ci = conninfo(fx, fx["SCRAM_USER"], schema, fx["SCRAM_PASSWORD"])
    rows = ["1 3M Co.", "2 AKM Semiconductor Inc.", "3 Asahi Glass Co Ltd.",
            "4 Daikin Industries Ltd.", "5 Dynacast International Inc.",
            "6 Foster Electric Co. Ltd.", "7 Murata Manufacturing Co. Ltd."]

    def show(rs):
        return "".join(f"    {r}\n" for r in rs)
    want = ("insert one: 3M Co. has vendor_id 1\n"
            "insert many: 6 rows in one transaction\n"
            "fetchone:\n" + show(rows[:1]) +
            "fetchmany(3), batch 1:\n" + show(rows[0:3]) +
            "fetchmany(3), batch 2:\n" + show(rows[3:6]) +
            "fetchmany(3), batch 3:\n" + show(rows[6:]) + "    (1 row(s), end of result)\n"
            "fetchall: 7 rows, columns vendor_id, vendor_name\n" + show(rows) +
            "update: 1 row(s) renamed\n"
            "delete: 4 row(s) matching '%Ltd.'\n"
            "delete: 0 row(s) named 'No Such Vendor'\n")
    for i in (1, 2):  # it starts from scratch each time
        rc, out, err = run([args.fetch, ci], secret=fx["SCRAM_PASSWORD"])
        check(rc == 0, f"fetch run {i} exited with {rc}: {err.strip()}")
        compare(out, want, f"fetch run {i}")
    check(query(args, fx, schema, "SELECT vendor_id, vendor_name FROM vendors ORDER BY 1")
          == "1|3M Corp\n2|AKM Semiconductor Inc.\n5|Dynacast International Inc.\n",
          "fetch: the vendors left after the update and delete")

    rc, out, err = run([args.fetch])
    check(rc == 2 and err.startswith("usage: fetch"), "fetch: usage")
    rc, out, err = run([args.fetch, ci.replace(f"port='{fx['PORT']}'", "port='1'")],
                       secret=fx["SCRAM_PASSWORD"])
    check(rc == 1 and err.startswith("fetch: connect: connection to server at"),
          f"fetch: connect error message: {err.strip()!r}")


def blob(args, fx):
    """A drawing through bytea and a large object: exact output, and the
    exported copy is byte-identical."""
    schema = fresh_schema(args, fx, "ex_blob")
    ci = conninfo(fx, fx["SCRAM_USER"], schema, fx["SCRAM_PASSWORD"])
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "drawing.png")
        # Every byte value, NULs and high bytes included; 200,003 bytes are
        # read back in four 64 KiB chunks (the last one short).
        data = bytes((i * 7919 + (i >> 8)) & 0xFF for i in range(200_003))
        with open(path, "wb") as f:
            f.write(data)
        rc, out, err = run([args.blob, ci, path], secret=fx["SCRAM_PASSWORD"])
        check(rc == 0, f"blob exited with {rc}: {err.strip()}")
        want = ("drawing: 200003 bytes\n"
                "bytea: stored 200003 bytes as a binary parameter\n"
                "bytea: read back 200003 bytes in binary format: identical\n"
                "large object: imported the file, its OID kept in drawing_lo\n"
                "large object: read back 200003 bytes in 4 chunks: identical\n"
                "server: length 200003, bytea = lo_get(oid): t, md5 "
                + hashlib.md5(data).hexdigest() + "\n"
                "large object: exported to FILE.copy\n")
        compare(out, want, "blob")
        copy = path + ".copy"
        if check(os.path.exists(copy), "blob wrote no export"):
            with open(copy, "rb") as f:
                check(f.read() == data, "blob: the export differs from the file")

        # An empty drawing is a drawing too.
        empty = os.path.join(tmp, "empty.png")
        open(empty, "wb").close()
        rc, out, err = run([args.blob, ci, empty], secret=fx["SCRAM_PASSWORD"])
        check(rc == 0 and "large object: read back 0 bytes in 0 chunks: identical\n" in out
              and "bytea: read back 0 bytes in binary format: identical\n" in out,
              f"blob with an empty file: status {rc}, {out!r} {err.strip()!r}")

        rc, out, err = run([args.blob, ci, os.path.join(tmp, "missing.png")])
        check(rc == 1 and err.startswith("blob: cannot open ") and "missing.png" in err,
              f"blob with a missing file: status {rc}, {err.strip()!r}")
    check(query(args, fx, schema, "SELECT count(*) FROM pg_tables WHERE schemaname = '"
                + schema + "'") == "0\n", "blob: dropped its table")
    rc, out, err = run([args.blob])
    check(rc == 2 and err.startswith("usage: blob"), "blob: usage")


CHECKS = {
    "suppliers-output": (suppliers_output, ["suppliers", "sql", "expected"]),
    "suppliers-rerun": (suppliers_rerun, ["suppliers", "sql", "expected"]),
    "suppliers-bad-config": (suppliers_bad_config, ["suppliers", "example_ini"]),
    "demo": (demo, ["demo", "sql"]),
    "poll-loop": (poll_loop, ["poll_loop"]),
    "many-conns": (many_conns, ["many_conns"]),
    "prepared": (prepared, ["prepared", "sql"]),
    "transaction": (transaction, ["transaction", "sql"]),
    "routines": (routines, ["routines", "sql"]),
    "cursor-walk": (cursor_walk, ["cursor_walk"]),
    "copy": (copy, ["copy", "sql"]),
    "listen": (listen, ["listen"]),
    "cancel": (cancel, ["cancel"]),
    "large-object": (large_object, ["large_object"]),
    "pipeline": (pipeline, ["pipeline", "sql"]),
    "jsonb": (jsonb, ["jsonb", "sql"]),
    "pool-threads": (pool_threads, ["pool_threads", "sql"]),
    "fetch": (fetch, ["fetch", "sql"]),
    "blob": (blob, ["blob", "sql"]),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("check", choices=sorted(CHECKS))
    for opt in ("suppliers", "demo", "poll-loop", "many-conns", "prepared", "transaction",
                "cursor-walk", "copy", "listen", "cancel", "pipeline", "sql", "expected",
                "example-ini", "jsonb", "pool-threads", "fetch", "blob", "routines"):
        ap.add_argument("--" + opt)
    ap.add_argument("--large-object")
    args = ap.parse_args()
    fn, needs = CHECKS[args.check]
    for n in needs:
        if getattr(args, n) is None:
            ap.error(f"{args.check} needs --{n.replace('_', '-')}")
    fn(args, fixture())
    if FAILURES:
        print(f"{args.check}: {len(FAILURES)} failure(s)", file=sys.stderr)
        return 1
    print(f"{args.check}: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
