#!/usr/bin/env bash
# Run every libFuzzer harness for a while, starting from the committed
# corpus (copied: new inputs go to a scratch directory, never into git).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]    (default 60, all targets)
#
# Builds with clang, -Dfuzzing=libfuzzer and ASan+UBSan in build-fuzz/.
# Prints one line per target:  FUZZ <target> ok|FAILED runs=<n> seconds=<s>
# and keeps crash inputs in build-fuzz/crashes/<target>/ (commit them to
# fuzz/corpus/<target>/ with a fix and a regression test).
# scripts/test.sh runs it with a few seconds per target as a smoke test.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER=${1:-60}
shift || true
BUILD=${PGW_FUZZ_BUILD:-build-fuzz}
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
    # Every harness in fuzz/ (each has a corpus directory of the same name).
    for f in fuzz/fuzz_*.c; do
        t=${f#fuzz/fuzz_}
        TARGETS+=("${t%.c}")
    done
fi

if [ ! -f "$BUILD/build.ninja" ]; then
    CC=clang meson setup "$BUILD" -Dfuzzing=libfuzzer -Db_sanitize=address,undefined \
        -Db_lundef=false -Dtests=disabled -Dexamples=false >/dev/null
fi
ninja -C "$BUILD" >/dev/null

export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
failed=0
for t in "${TARGETS[@]}"; do
    work=$(mktemp -d)
    cp -r "fuzz/corpus/$t/." "$work/"
    crashes="$BUILD/crashes/$t"
    mkdir -p "$crashes"
    log="$BUILD/fuzz-$t.log"
    rc=0
    "$BUILD/fuzz/fuzz_$t" -max_total_time="$SECONDS_PER" -print_final_stats=1 \
        -artifact_prefix="$crashes/" -timeout=10 -rss_limit_mb=2048 "$work" >"$log" 2>&1 || rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    if [ "$rc" -eq 0 ]; then
        echo "FUZZ $t ok runs=${runs:-0} seconds=$SECONDS_PER"
    else
        echo "FUZZ $t FAILED runs=${runs:-0} seconds=$SECONDS_PER (see $log, inputs in $crashes)"
        tail -n 30 "$log" >&2
        failed=$((failed + 1))
    fi
    rm -rf "$work"
done
[ "$failed" -eq 0 ]
