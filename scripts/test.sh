#!/usr/bin/env bash
# pgwire's test command (the README's, and CI's through .ci/run).
#
#   1. installs the packages it needs when any is missing (scripts/lib/deps.sh)
#   2. builds from scratch with gcc and --werror in build-ci/gcc, starts a
#      throwaway PostgreSQL (scripts/pg-fixture.sh) and runs every suite
#   3. the same with clang, -Db_sanitize=address,undefined, in build-ci/asan,
#      against a fresh cluster
#   4. a libFuzzer smoke run of every harness (scripts/fuzz.sh, 10 s each)
#   5. ends with one line "N passed, N failed" over both runs, counted from
#      each build's meson-logs/testlog.json by scripts/lib/testlog.py: a
#      skipped test, a suite without tests or a build that fails counts as
#      failed; the exit status is non-zero then, or when no test ran
#
# Environment: PGW_CI_BUILD_ROOT (default build-ci), PGW_CI_JOBS (test
# processes, default 2), PGW_CI_SKIP_ASAN=1 for a quick local run (never in CI).
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib/deps.sh

BUILD_ROOT=${PGW_CI_BUILD_ROOT:-build-ci}
JOBS=${PGW_CI_JOBS:-2}
# Every suite must have tests: CI never skips, least of all integration.
REQUIRED_SUITES=(unit protocol auth crypto tls types conn engine oom integration threads consumer pool examples pgw fuzz lint headers hostile fault)

TOTAL_PASSED=0
TOTAL_FAILED=0
FIXTURE_DIR=
T0=$(date +%s.%N)

log() { printf '[test.sh] %s\n' "$*"; }

elapsed_since() {
    awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1fs", b - a }'
}

# phase NAME CMD...: run CMD and print how long it took.
phase() {
    local name=$1 t rc=0
    shift
    t=$(date +%s.%N)
    log "---- $name"
    "$@" || rc=$?
    log "---- $name: $(elapsed_since "$t")$([ "$rc" -eq 0 ] || printf ' (failed, status %d)' "$rc")"
    return "$rc"
}

stop_fixture() {
    if [ -n "$FIXTURE_DIR" ]; then
        bash scripts/pg-fixture.sh stop "$FIXTURE_DIR" >/dev/null 2>&1 || true
        FIXTURE_DIR=
    fi
}
trap stop_fixture EXIT
trap 'exit 130' INT TERM

start_fixture() {
    FIXTURE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pgw-ci.XXXXXX") || return 1
    bash scripts/pg-fixture.sh start "$FIXTURE_DIR" >/dev/null || return 1
    # The PGW_TEST_* variables the integration tests read.
    eval "$(bash scripts/pg-fixture.sh env "$FIXTURE_DIR")" || return 1
}

configure_and_build() {
    local dir=$1
    shift
    rm -rf "$dir"
    meson setup "$dir" --werror "$@" && ninja -C "$dir"
}

run_tests() {
    local dir=$1
    shift
    # The status of meson test is not needed: testlog.json says what ran.
    meson test -C "$dir" --no-rebuild --print-errorlogs --num-processes "$JOBS" "$@" || true
}

# count DIR: add DIR's results to the totals.
count() {
    local out line p=0 f=1
    out=$(python3 scripts/lib/testlog.py "$1" "${REQUIRED_SUITES[@]}") || true
    printf '%s\n' "$out" | grep -v '^COUNT ' || true
    line=$(printf '%s\n' "$out" | grep '^COUNT ' | tail -n 1) || true
    # Without a COUNT line the results are unknown: one failure.
    [ -n "$line" ] && read -r _ p f <<<"$line"
    log "$1: $p passed, $f failed"
    TOTAL_PASSED=$((TOTAL_PASSED + p))
    TOTAL_FAILED=$((TOTAL_FAILED + f))
}

# one_run NAME CC CXX TIMEOUT_MULTIPLIER MESON_OPTION...
one_run() {
    local name=$1 cc=$2 cxx=$3 mult=$4 dir="$BUILD_ROOT/$1"
    shift 4
    if ! CC=$cc CXX=$cxx phase "build $name ($cc)" configure_and_build "$dir" "$@"; then
        log "build $name failed: its tests count as one failure"
        TOTAL_FAILED=$((TOTAL_FAILED + 1))
        return 0
    fi
    if ! phase "start PostgreSQL for $name" start_fixture; then
        log "PostgreSQL did not start: the $name run counts as one failure"
        stop_fixture
        TOTAL_FAILED=$((TOTAL_FAILED + 1))
        return 0
    fi
    phase "test $name" run_tests "$dir" --timeout-multiplier "$mult"
    phase "stop PostgreSQL for $name" stop_fixture
    count "$dir"
}

if ! phase "dependencies" pgw_ensure_deps; then
    echo "0 passed, 1 failed"
    exit 1
fi

one_run gcc gcc g++ 1

# The builtin crypto backend (issue 10): the whole suite with SCRAM, MD5,
# nonces and wiping on src/crypto's plain C (TLS still on libssl).
one_run builtin gcc g++ 1 -Dcrypto=builtin

# Nothing but libc: -Dcrypto=builtin -Dtls=disabled builds the library
# and pgw, and libpgwire.so needs only libc (one test).
libc_only() {
    local dir="$BUILD_ROOT/libc-only"
    if [ ! -d "$dir/meson-private" ]; then
        meson setup "$dir" --werror -Dcrypto=builtin -Dtls=disabled -Dtests=disabled \
            -Dexamples=false >/dev/null || return 1
    fi
    ninja -C "$dir" >/dev/null || return 1
    local out
    out=$(bash tests/crypto/check-libc-only.sh "$dir/libpgwire.so") || return 1
    printf '%s\n' "$out"
    ! grep -q '^not ok' <<<"$out"
}
if phase "libc-only build (crypto=builtin, tls=disabled)" libc_only; then
    TOTAL_PASSED=$((TOTAL_PASSED + 1))
else
    TOTAL_FAILED=$((TOTAL_FAILED + 1))
fi

if [ "${PGW_CI_SKIP_ASAN:-0}" = 1 ] && [ "${CI:-}" != true ]; then
    log "PGW_CI_SKIP_ASAN=1: sanitizer run skipped (local use only)"
else
    # clang for the sanitizer build: a second compiler under --werror, and
    # its UBSan/ASan runtime comes from libclang-rt-14-dev. Any report stops
    # the test that triggered it.
    export ASAN_OPTIONS=abort_on_error=1:halt_on_error=1:detect_leaks=1
    export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
    sanitize_cc=clang sanitize_cxx=clang++
    command -v clang >/dev/null 2>&1 || { sanitize_cc=gcc; sanitize_cxx=g++; }
    one_run asan "$sanitize_cc" "$sanitize_cxx" 3 \
        -Db_sanitize=address,undefined -Db_lundef=false
fi

# A short libFuzzer session per harness (scripts/fuzz.sh runs long ones by
# hand): a clang -Dfuzzing=libfuzzer build with ASan+UBSan, each target
# from its committed corpus. Each target counts as one test.
fuzz_smoke() {
    local out
    rm -rf "$BUILD_ROOT/fuzz"
    out=$(PGW_FUZZ_BUILD="$BUILD_ROOT/fuzz" bash scripts/fuzz.sh "${PGW_CI_FUZZ_SECONDS:-6}") || true
    printf '%s\n' "$out"
    local ok bad
    ok=$(printf '%s\n' "$out" | grep -c '^FUZZ .* ok ' || true)
    bad=$(printf '%s\n' "$out" | grep -c '^FUZZ .* FAILED ' || true)
    # A build that failed prints no FUZZ line at all: one failure.
    [ "$((ok + bad))" -gt 0 ] || bad=1
    log "fuzz smoke: $ok passed, $bad failed"
    TOTAL_PASSED=$((TOTAL_PASSED + ok))
    TOTAL_FAILED=$((TOTAL_FAILED + bad))
}
if command -v clang >/dev/null 2>&1; then
    phase "fuzz smoke (libFuzzer, ${PGW_CI_FUZZ_SECONDS:-6}s per target)" fuzz_smoke
else
    log "clang missing: the fuzz smoke run counts as one failure"
    TOTAL_FAILED=$((TOTAL_FAILED + 1))
fi

log "total: $(elapsed_since "$T0")"
# No test at all is a failure too, not a pass.
[ $((TOTAL_PASSED + TOTAL_FAILED)) -gt 0 ] || log "no test ran"
echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed"
[ "$TOTAL_FAILED" -eq 0 ] && [ "$TOTAL_PASSED" -gt 0 ]
