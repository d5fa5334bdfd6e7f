#!/usr/bin/env bash
# The demo, and the README's first command. On a fresh Debian machine it
#   1. installs the packages that are missing (scripts/lib/deps.sh),
#   2-3. configures and builds pgwire in build-demo/ (kept between runs, so
#      a second run is quick),
#   4. starts a throwaway PostgreSQL (scripts/pg-fixture.sh: loopback only,
#      a free port, removed again when the script ends, however it ends),
#   5. runs examples/suppliers.c against it: the suppliers database of the
#      PostgreSQL-from-Python tutorial (create the tables, insert vendors and
#      parts, link them in transactions, query, update, delete),
#   6. takes the tour of the other task examples (examples/fetch, jsonb,
#      blob, pool_threads) in a schema of their own, pgw_tour,
#   7. runs a query on the suppliers tables through pgw, pgwire's psql-like
#      client,
#   and stops the server. Each step says what it did.
#
#   bash scripts/demo.sh
#
# Which server. The throwaway one is the default. To use a server of your
# own instead, set PGHOST (or PGHOSTADDR or PGPORT) and whichever of
# PGDATABASE, PGUSER, PGPASSWORD, PGSSLMODE, ... it needs, as for psql: when
# any of PGHOST, PGHOSTADDR, PGPORT is set, the demo starts no server and
# connects with your PG* variables. It then DROPS AND RE-CREATES the tables
# vendors, parts, part_drawings and vendor_parts in that database (and the
# tour's tables in schema pgw_tour), so point PGDATABASE at a scratch one. With the throwaway server, PG* variables from
# your environment are ignored (the demo sets its own).
#
# Exit status: 0 when every step worked; otherwise the failing step's.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib/deps.sh

BUILD=build-demo
STEPS=7
FIXTURE_DIR=
n=0
step() {
    n=$((n + 1))
    printf '\n==> %d/%d %s\n' "$n" "$STEPS" "$*"
}
did() { printf '    %s\n' "$*"; }

cleanup() {
    if [ -n "$FIXTURE_DIR" ]; then
        printf '\n==> stopping the throwaway PostgreSQL\n'
        bash scripts/pg-fixture.sh stop "$FIXTURE_DIR" >/dev/null 2>&1 || true
        did "stopped the server and removed $FIXTURE_DIR and its socket directory"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "${PGHOST:-}${PGHOSTADDR:-}${PGPORT:-}" ]; then
    OWN_SERVER=1
else
    OWN_SERVER=0
fi

# ---- 1-3: packages and build -------------------------------------------------

step "checking the packages the build and the server need"
pgw_ensure_deps | sed 's/^/    /'

step "configuring $BUILD"
if [ -f "$BUILD/build.ninja" ]; then
    did "$BUILD is already configured; ninja reconfigures it if meson.build changed"
else
    setup_log=$(mktemp)
    meson setup "$BUILD" >"$setup_log" 2>&1 || {
        cat "$setup_log" >&2
        rm -f "$setup_log"
        exit 1
    }
    mv "$setup_log" "$BUILD/meson-logs/setup-output.log"
    did "meson setup $BUILD (log: $BUILD/meson-logs/setup-output.log)"
fi

# The tour: each program takes a connection string; they run in step 6.
TOUR=(fetch jsonb blob pool_threads)
step "building the library, the examples and pgw"
targets=(examples/suppliers "${TOUR[@]/#/examples/}")
# A tree without tools/pgw (built with -Dtools... or trimmed) still runs the
# rest of the demo. The target list is captured first: with pipefail, grep
# -q closing the pipe early would make ninja's SIGPIPE look like "no pgw".
HAVE_PGW=0
all_targets=$(ninja -C "$BUILD" -t targets all 2>/dev/null || true)
if grep -q '^tools/pgw/pgw:' <<<"$all_targets"; then
    targets+=(tools/pgw/pgw)
    HAVE_PGW=1
fi
ninja -C "$BUILD" "${targets[@]}" >"$BUILD/ninja-demo.log" 2>&1 || {
    cat "$BUILD/ninja-demo.log" >&2
    exit 1
}
for t in "${targets[@]}"; do
    did "built $BUILD/$t"
done
[ "$HAVE_PGW" -eq 1 ] || did "this build has no pgw (tools/pgw): steps 6 and 7 will be skipped"
did "log: $BUILD/ninja-demo.log"

# ---- 4: the server ------------------------------------------------------------

if [ "$OWN_SERVER" -eq 1 ]; then
    step "using your PostgreSQL (PGHOST, PGHOSTADDR or PGPORT is set)"
    did "host ${PGHOST:-${PGHOSTADDR:-(default)}}, port ${PGPORT:-(default)}," \
        "database ${PGDATABASE:-(default)}, user ${PGUSER:-(default)}"
    did "warning: the demo drops and re-creates vendors, parts, part_drawings and"
    did "vendor_parts in that database"
else
    step "starting a throwaway PostgreSQL"
    FIXTURE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pgw-demo.XXXXXX")
    start_log=$(bash scripts/pg-fixture.sh start "$FIXTURE_DIR" 2>&1 >/dev/null) || {
        printf '%s\n' "$start_log" >&2
        exit 1
    }
    eval "$(bash scripts/pg-fixture.sh env "$FIXTURE_DIR")"
    did "PostgreSQL $PGW_TEST_SERVER_VERSION_STRING on $PGW_TEST_HOST port $PGW_TEST_PORT" \
        "(a free port picked for this run)"
    # Only the demo's settings: a PGSSLMODE or PGOPTIONS of the caller's
    # would otherwise reach the throwaway server too.
    while IFS= read -r var; do
        case "$var" in PGW_*) ;; PG*) unset "$var" ;; esac
    done < <(compgen -e)
    export PGHOST=$PGW_TEST_HOST PGPORT=$PGW_TEST_PORT PGDATABASE=$PGW_TEST_DB
    export PGUSER=$PGW_TEST_SCRAM_USER PGPASSWORD=$PGW_TEST_SCRAM_PASSWORD
    did "database $PGDATABASE; role $PGUSER authenticates with scram-sha-256"
    did "the next steps connect with PGHOST=$PGHOST PGPORT=$PGPORT PGDATABASE=$PGDATABASE" \
        "PGUSER=$PGUSER PGPASSWORD=********"
fi

# ---- 5: the suppliers example -------------------------------------------------

step "running $BUILD/examples/suppliers (settings from the PG* variables)"
echo
rc=0
"$BUILD/examples/suppliers" || rc=$?
echo
if [ "$rc" -ne 0 ]; then
    did "examples/suppliers failed with status $rc"
    exit "$rc"
fi
if [ "$OWN_SERVER" -eq 1 ]; then
    did "examples/suppliers finished successfully; its tables stay in your database"
else
    did "examples/suppliers finished successfully; its tables stay until the server stops"
fi

# ---- 6: the tour ---------------------------------------------------------------
# The tour's tables go in schema pgw_tour (fetch has a `vendors` of its own),
# created with pgw; the examples find it through the connection string.

PGW="$BUILD/tools/pgw/pgw"
step "the tour: ${TOUR[*]} (schema pgw_tour)"
if [ "$HAVE_PGW" -eq 0 ]; then
    did "skipped: the schema is created with pgw, and this build has none"
else
    if [ "$OWN_SERVER" -eq 1 ]; then
        "$PGW" -X -c "CREATE SCHEMA IF NOT EXISTS pgw_tour" >/dev/null
    else
        # The demo's role may not create schemas: the database's owner (the
        # fixture's trust role) makes one and lets it create tables there.
        env -u PGPASSWORD PGUSER="$PGW_TEST_TRUST_USER" "$PGW" -X -c \
            "CREATE SCHEMA IF NOT EXISTS pgw_tour;
             GRANT USAGE, CREATE ON SCHEMA pgw_tour TO $PGW_TEST_SCRAM_USER" >/dev/null
    fi
    TOUR_CI="options='-c search_path=pgw_tour'"
    DRAWING="$BUILD/demo-drawing.bin"
    head -c 100000 /dev/urandom >"$DRAWING"
    for ex in "${TOUR[@]}"; do
        args=("$TOUR_CI")
        [ "$ex" != blob ] || args+=("$DRAWING")
        printf '\n    $ %s/examples/%s %s\n' "$BUILD" "$ex" "${args[*]}"
        "$BUILD/examples/$ex" "${args[@]}" | sed 's/^/    | /' || rc=$?
        if [ "$rc" -ne 0 ]; then
            did "examples/$ex failed with status $rc"
            exit "$rc"
        fi
    done
    echo
    did "every example finished successfully (blob's drawing: $DRAWING, copy: $DRAWING.copy)"
fi

# ---- 7: a query through pgw ---------------------------------------------------

QUERY="SELECT v.vendor_name, count(vp.part_id) AS parts
FROM vendors v LEFT JOIN vendor_parts vp ON vp.vendor_id = v.vendor_id
GROUP BY v.vendor_name ORDER BY parts DESC, v.vendor_name"
PGW="$BUILD/tools/pgw/pgw"
step "querying the suppliers tables with pgw"
if [ "$HAVE_PGW" -eq 0 ]; then
    did "skipped: this build has no pgw (tools/pgw)"
    did "with it, this step runs: pgw -X -c \"$(printf '%s' "$QUERY" | tr '\n' ' ')\""
    exit 0
fi
did "$PGW -X -c \"$(printf '%s' "$QUERY" | tr '\n' ' ')\""
echo
"$PGW" -X -c "$QUERY" || rc=$?
echo
if [ "$rc" -ne 0 ]; then
    did "pgw failed with status $rc"
    exit "$rc"
fi
did "pgw finished successfully"
