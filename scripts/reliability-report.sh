#!/usr/bin/env bash
# Regenerate docs/RELIABILITY.md from runs, never by hand:
#   - the hostile-server, fault and replay suites run once (their own
#     throwaway server from scripts/pg-fixture.sh), scenario counts from
#     meson's TAP log;
#   - every libFuzzer harness for FUZZ_SECONDS (scripts/fuzz.sh), with the
#     executions it ran;
#   - line coverage of the parser files by the committed fuzz corpora alone
#     (clang source-based coverage of the corpus replays);
#   - with --valgrind, the integration suite under valgrind memcheck
#     (errors and definite leaks fail a test).
#
#   scripts/reliability-report.sh [--valgrind] [FUZZ_SECONDS]   (default 30)
#
# Build directories: build-cov/ (clang, coverage), build-fuzz/ (fuzz.sh),
# build-valgrind/ (gcc -O1). Writes docs/RELIABILITY.md.
set -euo pipefail
cd "$(dirname "$0")/.."

VALGRIND=0
if [ "${1:-}" = --valgrind ]; then
    VALGRIND=1
    shift
fi
FUZZ_SECONDS=${1:-30}
OUT=docs/RELIABILITY.md
COV=build-cov
die() { printf 'reliability-report: %s\n' "$*" >&2; exit 1; }
command -v clang >/dev/null || die "clang is needed (scripts/lib/deps.sh installs it)"
LLVM_COV=$(command -v llvm-cov || command -v llvm-cov-14) || die "llvm-cov is needed"
LLVM_PROFDATA=$(command -v llvm-profdata || command -v llvm-profdata-14) || die "llvm-profdata is needed"

FIXTURE_DIR=
cleanup() {
    if [ -n "$FIXTURE_DIR" ]; then
        bash scripts/pg-fixture.sh stop "$FIXTURE_DIR" >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT

# ---- coverage build and the suites ---------------------------------------------
if [ ! -f "$COV/build.ninja" ]; then
    CC=clang CFLAGS="-fprofile-instr-generate -fcoverage-mapping" \
        LDFLAGS="-fprofile-instr-generate -fcoverage-mapping" \
        meson setup "$COV" -Dbuildtype=debug >/dev/null
fi
ninja -C "$COV" >/dev/null

FIXTURE_DIR=$(mktemp -d /tmp/pgw-rel.XXXXXX)
bash scripts/pg-fixture.sh start "$FIXTURE_DIR" >/dev/null || die "PostgreSQL did not start"
eval "$(bash scripts/pg-fixture.sh env "$FIXTURE_DIR")"

rm -rf "$COV/profiles"
mkdir -p "$COV/profiles/suites" "$COV/profiles/corpus"
export LLVM_PROFILE_FILE="$PWD/$COV/profiles/suites/%p-%m.profraw"
suite_rc=0
meson test -C "$COV" --suite hostile --suite fault --no-rebuild --print-errorlogs \
    >"$COV/suites.log" 2>&1 || suite_rc=$?
cp "$COV/meson-logs/testlog.json" "$COV/suites-testlog.json"
meson test -C "$COV" --no-rebuild integration-replay_live >>"$COV/suites.log" 2>&1 || suite_rc=$?
cat "$COV/meson-logs/testlog.json" >>"$COV/suites-testlog.json"

# Scenarios per test program, from the TAP lines meson kept.
tap_counts() {
    # prints: <test name> <ok> <not ok>
    python3 - "$COV/suites-testlog.json" <<'EOF'
import json, sys, re
for line in open(sys.argv[1]):
    t = json.loads(line)
    out = t.get("stdout", "") or ""
    ok = len(re.findall(r"^ok \d+", out, re.M))
    bad = len(re.findall(r"^not ok \d+", out, re.M))
    name = t["name"].split(" / ")[-1].replace(" ", "_")
    print(name, ok, bad, t.get("result", "?"))
EOF
}
suite_lines=$(tap_counts | sort)

# ---- fuzzing ------------------------------------------------------------------
fuzz_lines=$(bash scripts/fuzz.sh "$FUZZ_SECONDS" 2>/dev/null || true)

# ---- corpus coverage of the parsers ------------------------------------------------
objects=()
for exe in "$COV"/fuzz/fuzz_*; do
    [ -x "$exe" ] && [ -f "$exe" ] || continue
    name=$(basename "$exe")
    corpus=fuzz/corpus/${name#fuzz_}
    [ -d "$corpus" ] || continue
    LLVM_PROFILE_FILE="$PWD/$COV/profiles/corpus/$name-%p.profraw" "$exe" "$corpus" >/dev/null 2>&1 ||
        die "corpus replay failed: $name"
    objects+=(-object "$exe")
done
"$LLVM_PROFDATA" merge -sparse "$COV"/profiles/corpus/*.profraw -o "$COV/corpus.profdata"
# The parsers: every decoder of bytes from the server, a file or the user.
parser_re='^(src/protocol/(be_parse|fe_parse|frame|fields|command_tag)|src/auth/(scram|base64|saslprep)|src/conn/(conninfo|conninfo_uri|pgpass_parse|service_parse|trace)|src/types/[a-z_]+|tools/pgw/split)\.c$'
first=${objects[1]}
cov_table=$("$LLVM_COV" report "$first" "${objects[@]:2}" -instr-profile "$COV/corpus.profdata" 2>/dev/null |
    awk -v re="$parser_re" '$1 ~ re && NF >= 10 {
            printf "| %s | %s | %s |\n", $1, $8, $10; lines += $8; missed += $9 }
         END { printf "TOTAL %.1f%% of %d lines\n", lines ? 100 * (lines - missed) / lines : 0, lines }')
cov_total=$(printf '%s\n' "$cov_table" | sed -n 's/^TOTAL //p')
cov_rows=$(printf '%s\n' "$cov_table" | grep -v '^TOTAL')

# ---- valgrind -------------------------------------------------------------------
vg_lines=
if [ "$VALGRIND" -eq 1 ]; then
    command -v valgrind >/dev/null || die "valgrind is needed"
    if [ ! -f build-valgrind/build.ninja ]; then
        meson setup build-valgrind -Dbuildtype=debugoptimized >/dev/null
    fi
    ninja -C build-valgrind >/dev/null
    vg_rc=0
    meson test -C build-valgrind --suite integration --no-rebuild --num-processes 2 \
        --timeout-multiplier 10 \
        --wrapper 'valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --track-origins=no' \
        >build-valgrind/valgrind.log 2>&1 || vg_rc=$?
    vg_lines=$(grep -E '^(Ok|Fail|Expected Fail|Unexpected Pass|Skipped|Timeout):' build-valgrind/valgrind.log || true)
fi

# ---- the page ----------------------------------------------------------------------
{
    printf '# Reliability figures\n\n'
    printf 'Generated by `scripts/reliability-report.sh%s %s` on %s at commit %s\n' \
        "$([ "$VALGRIND" -eq 1 ] && printf ' --valgrind')" "$FUZZ_SECONDS" \
        "$(date -u +%Y-%m-%d)" "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    printf '(%s, %s cores). Do not edit by hand: rerun the script.\n\n' "$(uname -sm)" "$(nproc)"
    printf '## Scenarios\n\n'
    printf 'Each scenario is one cmocka test; tests/hostile/README.md maps them to CVE classes.\n\n'
    printf '| test program | scenarios passed | failed | result |\n|---|---|---|---|\n'
    total_ok=0
    total_bad=0
    while read -r name ok bad res; do
        [ -n "$name" ] || continue
        printf '| %s | %s | %s | %s |\n' "$name" "$ok" "$bad" "$res"
        total_ok=$((total_ok + ok))
        total_bad=$((total_bad + bad))
    done <<<"$suite_lines"
    printf '| **total** | **%s** | **%s** | |\n\n' "$total_ok" "$total_bad"
    printf '## Fuzzing\n\n'
    printf 'libFuzzer with ASan+UBSan, %s s per harness from the committed corpus (`scripts/fuzz.sh`).\n\n' "$FUZZ_SECONDS"
    printf '| harness | result | executions | corpus files |\n|---|---|---|---|\n'
    while read -r _ t res runs _; do
        [ -n "${t:-}" ] || continue
        printf '| %s | %s | %s | %s |\n' "$t" "$res" "${runs#runs=}" \
            "$(find "fuzz/corpus/$t" -type f | wc -l)"
    done <<<"$(printf '%s\n' "$fuzz_lines" | grep '^FUZZ ')"
    printf '\n## Parser coverage by the corpora alone\n\n'
    printf 'Lines of each parser file executed by replaying the committed corpora (no unit tests).\n'
    printf 'Total: **%s**.\n\n' "$cov_total"
    printf '| file | lines | covered |\n|---|---|---|\n'
    printf '%s\n' "$cov_rows"
    if [ "$VALGRIND" -eq 1 ]; then
        printf '\n## Valgrind memcheck over the integration suite\n\n'
        printf 'Errors and definite leaks fail a test (exit 99).\n\n```\n%s\n```\n' "$vg_lines"
    fi
} >"$OUT"
printf 'reliability-report: wrote %s (suites rc=%s)\n' "$OUT" "$suite_rc"
[ "$suite_rc" -eq 0 ]
