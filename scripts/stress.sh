#!/usr/bin/env bash
# Heavy fault runs against the real server (issue 8), by hand, not in CI:
#
#   1. the every-byte cut (EOF and RST, both directions) over a longer
#      session: 6 rounds of a simple query, an extended query twice through
#      the statement cache, and a transaction with a 200-row result;
#   2. pg_terminate_backend racing the completion of a short query,
#      PGW_FAULT_RACES times (default 1,000), without any cancel request.
#
# Both are scenarios of tests/fault/test_fault.c with larger settings; each
# prints its counts ("# every-byte cut: ...", "# terminate races: ...").
#
#   scripts/stress.sh [BUILD_DIR]     (default build-stress; configured
#                                      with --werror when it does not exist)
#
# portal-walk mode (issue 6): walk generate_series(1, 10,000,000) through a
# named portal and through a SQL cursor (examples/cursor_walk --stats) and
# print rows/s, pgwire's peak allocated bytes and the peak RSS; fails when
# the peak allocated for 10M rows exceeds 512 KiB or that of a 100,000-row
# walk by more than 128 KiB (one more growth step of the input buffer):
# constant client memory. PGW_WALK_ROWS and PGW_WALK_BATCH (default 10000)
# change the sizes.
#
#   scripts/stress.sh portal-walk [BUILD_DIR]
#
# Uses the fixture named by the PGW_TEST_* variables when PGW_TEST_PORT is
# set, else starts scripts/pg-fixture.sh and stops it on exit.
set -euo pipefail

cd "$(dirname "$0")/.."
MODE=fault
if [ "${1:-}" = portal-walk ]; then
    MODE=portal-walk
    shift
fi
BUILD=${1:-build-stress}
RACES=${PGW_FAULT_RACES:-1000}

log() { printf 'stress: %s\n' "$*" >&2; }

if [ ! -d "$BUILD" ]; then
    meson setup "$BUILD" --werror >/dev/null
fi
if [ "$MODE" = portal-walk ]; then
    ninja -C "$BUILD" examples/cursor_walk >/dev/null
else
    ninja -C "$BUILD" tests/fault/test_fault >/dev/null
fi

FIXTURE_DIR=
stop_fixture() {
    if [ -n "$FIXTURE_DIR" ]; then
        bash scripts/pg-fixture.sh stop "$FIXTURE_DIR" >/dev/null 2>&1 || true
    fi
}
trap stop_fixture EXIT
trap 'exit 130' INT TERM
if [ -z "${PGW_TEST_PORT:-}" ]; then
    FIXTURE_DIR=$(bash scripts/pg-fixture.sh start)
    eval "$(bash scripts/pg-fixture.sh env "$FIXTURE_DIR")"
fi

if [ "$MODE" = portal-walk ]; then
    CI="host=$PGW_TEST_HOST port=$PGW_TEST_PORT dbname=$PGW_TEST_DB user=$PGW_TEST_TRUST_USER"
    ROWS=${PGW_WALK_ROWS:-10000000}
    BATCH=${PGW_WALK_BATCH:-10000}
    peak() { sed -n "s/^portal-walk: $1: .*peak allocated \([0-9]*\) bytes.*/\1/p" "$2"; }
    small=$(mktemp) big=$(mktemp)
    log "reference walk: 100000 rows, batches of $BATCH"
    "$BUILD/examples/cursor_walk" "$CI" 100000 "$BATCH" --stats >/dev/null 2>"$small"
    log "walk: $ROWS rows, batches of $BATCH"
    t0=$SECONDS
    "$BUILD/examples/cursor_walk" "$CI" "$ROWS" "$BATCH" --stats 2>"$big"
    cat "$big" >&2
    log "walk: $((SECONDS - t0)) s"
    status=0
    for how in portal "sql cursor"; do
        s=$(peak "$how" "$small") b=$(peak "$how" "$big")
        if [ -z "$s" ] || [ -z "$b" ] || [ "$b" -gt $((s + 131072)) ] || [ "$b" -gt 524288 ]; then
            log "$how: peak allocated ${b:-?} bytes for $ROWS rows vs ${s:-?} for 100000: FAILED"
            status=1
        else
            log "$how: peak allocated $b bytes for $ROWS rows, $s for 100000: constant"
        fi
    done
    rm -f "$small" "$big"
    exit "$status"
fi

EXE=$BUILD/tests/fault/test_fault
status=0

log "every-byte cut over a long session"
t0=$SECONDS
if ! PGW_FAULT_LONG_SESSION=1 PGW_FAULT_ONLY='*every_byte*' "$EXE"; then
    status=1
fi
log "every-byte cut: $((SECONDS - t0)) s"

log "$RACES terminate-vs-completion races"
t0=$SECONDS
if ! PGW_FAULT_RACES=$RACES PGW_FAULT_ONLY='*racing*' "$EXE"; then
    status=1
fi
log "races: $((SECONDS - t0)) s"

if [ "$status" -eq 0 ]; then
    log "all stress runs passed"
else
    log "FAILED"
fi
exit "$status"
