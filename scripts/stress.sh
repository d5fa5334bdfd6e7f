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
# Uses the fixture named by the PGW_TEST_* variables when PGW_TEST_PORT is
# set, else starts scripts/pg-fixture.sh and stops it on exit.
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD=${1:-build-stress}
RACES=${PGW_FAULT_RACES:-1000}

log() { printf 'stress: %s\n' "$*" >&2; }

if [ ! -d "$BUILD" ]; then
    meson setup "$BUILD" --werror >/dev/null
fi
ninja -C "$BUILD" tests/fault/test_fault >/dev/null

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
