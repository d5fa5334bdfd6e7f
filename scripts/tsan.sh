#!/usr/bin/env bash
# ThreadSanitizer run of the "one connection per thread" claim (issue 10):
# builds pgwire and tests/threads/test_threads.c with clang
# -fsanitize=thread in its own build directory, starts a throwaway
# PostgreSQL (scripts/pg-fixture.sh) and runs many threads, each with its
# own connection, at once. Any TSan report fails the run.
#
# usage: scripts/tsan.sh [THREADS [QUERIES]]   (default 16 x 100)
# Environment: PGW_TSAN_BUILD (default build-tsan).
set -euo pipefail
cd "$(dirname "$0")/.."

threads=${1:-16}
queries=${2:-100}
build=${PGW_TSAN_BUILD:-build-tsan}
command -v clang >/dev/null || { echo "tsan.sh: clang is required" >&2; exit 2; }

if [ ! -f "$build/build.ninja" ]; then
    CC=clang CXX=clang++ meson setup "$build" --werror -Db_sanitize=thread -Db_lundef=false \
        -Dexamples=false -Dbench=disabled
fi
ninja -C "$build" tests/threads/test_threads

fixture=$(mktemp -d "${TMPDIR:-/tmp}/pgw-tsan.XXXXXX")
trap 'bash scripts/pg-fixture.sh stop "$fixture" >/dev/null 2>&1 || true' EXIT
bash scripts/pg-fixture.sh start "$fixture" >/dev/null
eval "$(bash scripts/pg-fixture.sh env "$fixture")"

# halt_on_error: the first race ends the run with a non-zero status.
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
PGW_THREADS=$threads PGW_THREAD_QUERIES=$queries "$build/tests/threads/test_threads"
echo "tsan: clean ($threads threads x $queries queries)"
