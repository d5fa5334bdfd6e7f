#!/usr/bin/env bash
# The demo: build pgwire, start a throwaway PostgreSQL, and run
# examples/demo.c against it over TCP with SCRAM-SHA-256. The demo connects,
# creates a table, inserts and queries rows, and prints each step.
#
#   bash scripts/demo.sh
#
# Builds in build-demo/ (kept between runs, so a second run is quick); the
# server lives only as long as this script.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib/deps.sh

BUILD=build-demo
FIXTURE_DIR=
n=0
step() {
    n=$((n + 1))
    printf '\n==> %d/5 %s\n' "$n" "$*"
}
did() { printf '    %s\n' "$*"; }

cleanup() {
    if [ -n "$FIXTURE_DIR" ]; then
        printf '\n==> stopping PostgreSQL\n'
        bash scripts/pg-fixture.sh stop "$FIXTURE_DIR" >/dev/null 2>&1 || true
        did "stopped the server and removed $FIXTURE_DIR and its socket directory"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

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

step "building the library and examples/demo"
ninja -C "$BUILD" examples/demo >"$BUILD/ninja-demo.log" 2>&1 || {
    cat "$BUILD/ninja-demo.log" >&2
    exit 1
}
did "built $BUILD/examples/demo and the libpgwire it links (log: $BUILD/ninja-demo.log)"

step "starting a throwaway PostgreSQL"
FIXTURE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pgw-demo.XXXXXX")
start_log=$(bash scripts/pg-fixture.sh start "$FIXTURE_DIR" 2>&1 >/dev/null) || {
    printf '%s\n' "$start_log" >&2
    exit 1
}
eval "$(bash scripts/pg-fixture.sh env "$FIXTURE_DIR")"
did "PostgreSQL $PGW_TEST_SERVER_VERSION_STRING on $PGW_TEST_HOST port $PGW_TEST_PORT (a free port picked for this run)"
did "database $PGW_TEST_DB; role $PGW_TEST_SCRAM_USER authenticates with scram-sha-256"

step "running $BUILD/examples/demo"
export PGW_DEMO_CONNINFO="host=$PGW_TEST_HOST port=$PGW_TEST_PORT dbname=$PGW_TEST_DB user=$PGW_TEST_SCRAM_USER password=$PGW_TEST_SCRAM_PASSWORD"
did "PGW_DEMO_CONNINFO=\"${PGW_DEMO_CONNINFO% password=*} password=********\""
echo
rc=0
"$BUILD/examples/demo" || rc=$?
echo
if [ "$rc" -eq 0 ]; then
    did "the demo finished successfully"
else
    did "the demo failed with status $rc"
fi
exit "$rc"
