#!/usr/bin/env bash
# pgwire's benchmarks against libpq (figures, not timed tests).
#
#   1. installs what it needs when missing (scripts/lib/deps.sh's list plus
#      libpq-dev, which only the benchmarks use)
#   2. builds optimised (buildtype=release) in build-bench/
#   3. starts its own throwaway PostgreSQL (scripts/pg-fixture.sh) and stops
#      it on exit
#   4. runs every benchmark and prints one line per figure:
#        BENCH <name> <unit> pgwire=<value> <reference>=<value> ratio=<pgwire/reference>
#      rows/s: higher is better; us/row, instr/row, KiB, ms, ms/conn,
#      us/conn, count: lower is better.
#      Names are stable once printed; later benchmarks add lines.
#
# W3 (bench/w3_*.c): SELECT g, g::text || 'x', g * 1.5::float8,
# timestamptz '2020-01-01' + g * interval '1 second' FROM generate_series(1, N) g,
# every field converted to a C value, over the Unix socket. Wall and CPU
# times are the median of PGW_BENCH_RUNS interleaved runs, RSS growth the
# largest; instructions come from callgrind and do not vary. The run fails
# when the clients' checksums differ. docs/benchmarks.md explains each
# figure.
#
# Connections (bench/conn_*.c): PGW_BENCH_CONNS connections one after
# another to the SCRAM role over TCP, each connecting, running SELECT 1 and
# closing, with sslmode=disable and sslmode=require; pgwire and libpq
# alternate, and each figure is the median of PGW_BENCH_CONN_ROUNDS rounds.
# Start-up (bench/spawn.c): fork + exec + wait of a program that loads the
# library, connects once (trust role, Unix socket), runs SELECT 1 and exits,
# PGW_BENCH_STARTUPS times for each library, interleaved; the median run.
#
# Environment: PGW_BENCH_ROWS (default 1000000), PGW_BENCH_RUNS (default 7),
# PGW_BENCH_INSTR_ROWS (default 100000), PGW_BENCH_BUILD (default build-bench),
# PGW_BENCH_NO_VALGRIND=1 to skip the instruction counts,
# PGW_BENCH_CONNS (default 200), PGW_BENCH_CONN_ROUNDS (default 5),
# PGW_BENCH_STARTUPS (default 50).
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib/deps.sh
. scripts/lib/deps.sh
PGW_DEB_PACKAGES+=(libpq-dev)

ROWS=${PGW_BENCH_ROWS:-1000000}
RUNS=${PGW_BENCH_RUNS:-7}
INSTR_ROWS=${PGW_BENCH_INSTR_ROWS:-100000}
BUILD=${PGW_BENCH_BUILD:-build-bench}
FIXTURE_DIR=
WORK=

log() { printf '[bench.sh] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

cleanup() {
    if [ -n "$FIXTURE_DIR" ]; then
        bash scripts/pg-fixture.sh stop "$FIXTURE_DIR" >/dev/null 2>&1 || true
        FIXTURE_DIR=
    fi
    if [ -n "$WORK" ]; then
        rm -rf -- "$WORK"
        WORK=
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- dependencies and build ------------------------------------------------

pgw_ensure_deps >&2 || die "missing packages (see above)"
command -v valgrind >/dev/null 2>&1 || [ "${PGW_BENCH_NO_VALGRIND:-0}" = 1 ] ||
    die "valgrind is needed for the instruction counts (or set PGW_BENCH_NO_VALGRIND=1)"
grep -q "^subdir('bench')" meson.build ||
    die "meson.build has no subdir('bench') line: the benchmarks are not part of the build"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pgw-bench.XXXXXX")
build() {
    if [ -d "$BUILD/meson-private" ]; then
        meson setup --reconfigure "$BUILD" --buildtype=release -Dbench=enabled
    else
        meson setup "$BUILD" --buildtype=release -Dbench=enabled
    fi
    ninja -C "$BUILD" bench/w3_pgwire bench/w3_libpq bench/w3_raw \
        bench/conn_pgwire bench/conn_libpq bench/spawn \
        bench/w3b_pgwire bench/w3b_libpq bench/prep_pgwire bench/prep_libpq \
        bench/copy_pgwire bench/copy_libpq
    ninja -C "$BUILD" bench/lo_pgwire bench/lo_libpq # issue 6: large objects
    ninja -C "$BUILD" bench/insert_pgwire bench/insert_libpq
}
log "building in $BUILD (buildtype=release)"
build >"$WORK/build.log" 2>&1 || { tail -n 30 "$WORK/build.log" >&2; die "build failed"; }
BIN=$BUILD/bench

# ---- server --------------------------------------------------------------------

# Its own directory: as root the server's user must be able to reach it.
FIXTURE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pgw-bench-pg.XXXXXX")
bash scripts/pg-fixture.sh start "$FIXTURE_DIR" >/dev/null || die "PostgreSQL did not start"
eval "$(bash scripts/pg-fixture.sh env "$FIXTURE_DIR")"
# The clients read PG* variables (libpq and pgwire alike): none may leak in.
while read -r v; do unset "$v"; done < <(compgen -e | grep -E '^PG[A-Z]+$' || true)

HOST=$PGW_TEST_SOCKDIR
PORT=$PGW_TEST_PORT
USER_=$PGW_TEST_TRUST_USER
DB=$PGW_TEST_DB
CONNINFO="host=$HOST port=$PORT user=$USER_ dbname=$DB"

# ---- running the clients ---------------------------------------------------------

# client NAME ROWS: run one client once (under RUNNER, if set); prints its
# W3 line.
RUNNER=()
client() {
    local name=$1 rows=$2
    case "$name" in
    pgwire) "${RUNNER[@]}" "$BIN/w3_pgwire" "$CONNINFO" "$rows" ;;
    libpq) "${RUNNER[@]}" "$BIN/w3_libpq" "$CONNINFO" "$rows" exec pgw ;;
    libpq-single-row) "${RUNNER[@]}" "$BIN/w3_libpq" "$CONNINFO" "$rows" single pgw ;;
    libpq-libc) "${RUNNER[@]}" "$BIN/w3_libpq" "$CONNINFO" "$rows" exec libc ;;
    raw) "${RUNNER[@]}" "$BIN/w3_raw" "$HOST" "$PORT" "$USER_" "$DB" "$rows" ;;
    *) die "unknown client $name" ;;
    esac
}

# field LINE KEY: the value of KEY=... in a W3 line.
field() {
    local kv
    for kv in $1; do
        if [ "${kv%%=*}" = "$2" ]; then
            printf '%s\n' "${kv#*=}"
            return 0
        fi
    done
    die "no $2 in: $1"
}

CLIENTS=(pgwire libpq libpq-single-row libpq-libc raw)
declare -A WALLS=() CPUS=() WALL=() CPU=() RSS=() SUM=()

# median VALUE...: the middle value (the lower middle for an even count).
median() {
    printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

log "warming up"
for c in "${CLIENTS[@]}"; do
    client "$c" 1000 >/dev/null || die "$c failed"
done

# Interleaved runs, so a disturbance on the machine hits every client alike.
for run in $(seq 1 "$RUNS"); do
    for c in "${CLIENTS[@]}"; do
        line=$(client "$c" "$ROWS") || die "$c failed (run $run)"
        log "run $run: $line"
        [ "$(field "$line" seen)" = "$ROWS" ] || die "$c returned $(field "$line" seen) rows, not $ROWS"
        w=$(field "$line" wall_us)
        u=$(field "$line" cpu_us)
        r=$(field "$line" rss_growth_kib)
        s=$(field "$line" checksum)
        WALLS[$c]="${WALLS[$c]:-} $w"
        CPUS[$c]="${CPUS[$c]:-} $u"
        if [ -z "${RSS[$c]:-}" ] || [ "$r" -gt "${RSS[$c]}" ]; then RSS[$c]=$r; fi
        if [ -n "${SUM[$c]:-}" ] && [ "${SUM[$c]}" != "$s" ]; then
            die "$c: checksum changed between runs (${SUM[$c]} then $s)"
        fi
        SUM[$c]=$s
    done
done

for c in "${CLIENTS[@]}"; do
    # shellcheck disable=SC2086 # the lists are space-separated numbers
    WALL[$c]=$(median ${WALLS[$c]})
    # shellcheck disable=SC2086
    CPU[$c]=$(median ${CPUS[$c]})
done

# Every client that converts must agree with pgwire (raw only counts bytes).
for c in libpq libpq-single-row libpq-libc; do
    [ "${SUM[$c]}" = "${SUM[pgwire]}" ] ||
        die "checksum mismatch: pgwire ${SUM[pgwire]}, $c ${SUM[$c]}"
done
log "checksums agree: ${SUM[pgwire]}"

# ---- instructions (callgrind) ------------------------------------------------------

# instr NAME: callgrind instructions per row at INSTR_ROWS rows, net of a
# zero-row run of the same client (connection, startup and exit cancel out).
declare -A INSTR=()
total_ir() {
    local out=$WORK/cg.out
    RUNNER=(valgrind --tool=callgrind --callgrind-out-file="$out")
    client "$@" >/dev/null 2>"$WORK/cg.log" || die "valgrind failed: $(tail -n 5 "$WORK/cg.log")"
    RUNNER=()
    # the program's total Ir ("summary:" and "totals:" carry it)
    awk '/^(summary|totals):/ { print $2; exit }' "$out"
}
instr() {
    local a b
    a=$(total_ir "$1" 0)
    b=$(total_ir "$1" "$INSTR_ROWS")
    INSTR[$1]=$(((b - a) / INSTR_ROWS))
    log "callgrind $1: $a instructions at 0 rows, $b at $INSTR_ROWS: ${INSTR[$1]}/row"
}
if [ "${PGW_BENCH_NO_VALGRIND:-0}" != 1 ]; then
    for c in "${CLIENTS[@]}"; do instr "$c"; done
fi

# ---- the figures -----------------------------------------------------------------

# bench NAME UNIT PGWIRE_VALUE REFNAME REF_VALUE
bench() {
    awk -v n="$1" -v u="$2" -v a="$3" -v rn="$4" -v b="$5" 'BEGIN {
        r = b != 0 ? sprintf("%.3g", a / b) : "inf"
        printf "BENCH %s %s pgwire=%s %s=%s ratio=%s\n", n, u, a, rn, b, r
    }'
}
rows_per_s() { awk -v r="$ROWS" -v w="$1" 'BEGIN { printf "%d", r / (w / 1e6) }'; }
us_per_row() { awk -v r="$ROWS" -v c="$1" 'BEGIN { printf "%.3f", c / r }'; }
ms() { awk -v w="$1" 'BEGIN { printf "%.1f", w / 1000 }'; }

log "W3 at $ROWS rows, median of $RUNS runs; instructions at $INSTR_ROWS rows"
bench w3-text rows/s "$(rows_per_s "${WALL[pgwire]}")" libpq "$(rows_per_s "${WALL[libpq]}")"
bench w3-text-cpu us/row "$(us_per_row "${CPU[pgwire]}")" libpq "$(us_per_row "${CPU[libpq]}")"
if [ -n "${INSTR[pgwire]:-}" ]; then
    bench w3-text-instr instr/row "${INSTR[pgwire]}" libpq "${INSTR[libpq]}"
fi
bench w3-text-rss-growth KiB "${RSS[pgwire]}" libpq "${RSS[libpq]}"
bench w3-text-wall ms "$(ms "${WALL[pgwire]}")" raw "$(ms "${WALL[raw]}")"
bench w3-text-single-row rows/s "$(rows_per_s "${WALL[pgwire]}")" libpq-single-row \
    "$(rows_per_s "${WALL[libpq-single-row]}")"
bench w3-text-single-row-cpu us/row "$(us_per_row "${CPU[pgwire]}")" libpq-single-row \
    "$(us_per_row "${CPU[libpq-single-row]}")"
if [ -n "${INSTR[pgwire]:-}" ]; then
    bench w3-text-single-row-instr instr/row "${INSTR[pgwire]}" libpq-single-row \
        "${INSTR[libpq-single-row]}"
fi
bench w3-text-single-row-rss-growth KiB "${RSS[pgwire]}" libpq-single-row "${RSS[libpq-single-row]}"
bench w3-text-libc-cpu us/row "$(us_per_row "${CPU[pgwire]}")" libpq-libc \
    "$(us_per_row "${CPU[libpq-libc]}")"
if [ -n "${INSTR[pgwire]:-}" ]; then
    bench w3-text-libc-instr instr/row "${INSTR[pgwire]}" libpq-libc "${INSTR[libpq-libc]}"
    bench w3-text-raw-instr instr/row "${INSTR[pgwire]}" raw "${INSTR[raw]}"
fi

# ---- issue 5: W3 in binary format, prepared-statement round trips --------------------
#
# W3b: the W3 query through the extended protocol with binary results —
# pgwire's pgw_query_params (statement cache, PGW_FORMAT_AUTO) and cursor
# accessors against libpq's parameterised exec call with binary results,
# decoded by hand.
# Prepared: PGW_BENCH_PREPARED round trips of SELECT $1::int4 + 1 with a
# binary parameter — pgw_prepare + pgw_stmt_execute, and the automatic
# statement cache — against libpq's prepare and exec-prepared calls.

PREPARED=${PGW_BENCH_PREPARED:-20000}
declare -A BWALLS=() BCPUS=() BSUM=() PWALLS=() PCPUS=() PSUM=()
w3b() { "${RUNNER[@]}" "$BIN/w3b_$1" "$CONNINFO" "$2"; }
prep() {
    case "$1" in
    pgwire-stmt) "${RUNNER[@]}" "$BIN/prep_pgwire" "$CONNINFO" "$2" stmt ;;
    pgwire-cache) "${RUNNER[@]}" "$BIN/prep_pgwire" "$CONNINFO" "$2" cache ;;
    libpq) "${RUNNER[@]}" "$BIN/prep_libpq" "$CONNINFO" "$2" ;;
    esac
}
log "binary W3 and prepared round trips: $RUNS interleaved runs"
for run in $(seq 1 "$RUNS"); do
    for c in pgwire libpq; do
        line=$(w3b "$c" "$ROWS") || die "w3b_$c failed"
        [ "$(field "$line" seen)" = "$ROWS" ] || die "w3b_$c returned the wrong row count"
        BWALLS[$c]="${BWALLS[$c]:-} $(field "$line" wall_us)"
        BCPUS[$c]="${BCPUS[$c]:-} $(field "$line" cpu_us)"
        BSUM[$c]=$(field "$line" checksum)
    done
    for c in pgwire-stmt pgwire-cache libpq; do
        line=$(prep "$c" "$PREPARED") || die "prep $c failed"
        PWALLS[$c]="${PWALLS[$c]:-} $(field "$line" wall_us)"
        PCPUS[$c]="${PCPUS[$c]:-} $(field "$line" cpu_us)"
        PSUM[$c]=$(field "$line" checksum)
    done
done
[ "${BSUM[pgwire]}" = "${BSUM[libpq]}" ] || die "binary W3 checksums differ"
[ "${BSUM[pgwire]}" = "${SUM[pgwire]}" ] || die "binary and text W3 checksums differ"
[ "${PSUM[pgwire-stmt]}" = "${PSUM[libpq]}" ] && [ "${PSUM[pgwire-cache]}" = "${PSUM[libpq]}" ] ||
    die "prepared round-trip checksums differ"
med() { median "$@"; }
# shellcheck disable=SC2086
bench w3-binary-cpu us/row "$(us_per_row "$(med ${BCPUS[pgwire]})")" libpq \
    "$(us_per_row "$(med ${BCPUS[libpq]})")"
# shellcheck disable=SC2086
bench w3-binary rows/s "$(rows_per_s "$(med ${BWALLS[pgwire]})")" libpq \
    "$(rows_per_s "$(med ${BWALLS[libpq]})")"
per_rt() { awk -v n="$PREPARED" -v t="$1" 'BEGIN { printf "%.2f", t / n }'; }
for c in pgwire-stmt pgwire-cache; do
    # shellcheck disable=SC2086
    bench "prepared-roundtrip-${c#pgwire-}" us "$(per_rt "$(med ${PWALLS[$c]})")" libpq \
        "$(per_rt "$(med ${PWALLS[libpq]})")"
    # shellcheck disable=SC2086
    bench "prepared-roundtrip-${c#pgwire-}-cpu" us "$(per_rt "$(med ${PCPUS[$c]})")" libpq \
        "$(per_rt "$(med ${PCPUS[libpq]})")"
done
if [ "${PGW_BENCH_NO_VALGRIND:-0}" != 1 ]; then
    # instructions per row / per round trip, net of a zero-size run
    ir() {
        local out=$WORK/cg.out
        valgrind --tool=callgrind --callgrind-out-file="$out" "$@" >/dev/null 2>"$WORK/cg.log" ||
            die "valgrind failed: $(tail -n 5 "$WORK/cg.log")"
        awk '/^(summary|totals):/ { print $2; exit }' "$out"
    }
    net() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%d", (b - a) / n }'; }
    IRN=2000
    bench w3-binary-instr instr/row \
        "$(net "$(ir "$BIN/w3b_pgwire" "$CONNINFO" 0)" "$(ir "$BIN/w3b_pgwire" "$CONNINFO" "$INSTR_ROWS")" "$INSTR_ROWS")" \
        libpq "$(net "$(ir "$BIN/w3b_libpq" "$CONNINFO" 0)" "$(ir "$BIN/w3b_libpq" "$CONNINFO" "$INSTR_ROWS")" "$INSTR_ROWS")"
    bench prepared-roundtrip-instr instr \
        "$(net "$(ir "$BIN/prep_pgwire" "$CONNINFO" 0 stmt)" "$(ir "$BIN/prep_pgwire" "$CONNINFO" "$IRN" stmt)" "$IRN")" \
        libpq "$(net "$(ir "$BIN/prep_libpq" "$CONNINFO" 0)" "$(ir "$BIN/prep_libpq" "$CONNINFO" "$IRN")" "$IRN")"
fi

# ---- issue 6: COPY FROM STDIN ------------------------------------------------------
#
# PGW_BENCH_COPY_ROWS (default 1000000) rows of (int4, text, float8) into an
# UNLOGGED table over the Unix socket (bench/copy_*.c): pgwire's text COPY
# (pgw_copy_put per row) and binary COPY (the row encoder) against libpq's
# text COPY (one put-copy-data call per row). Median of RUNS interleaved runs.

COPY_ROWS=${PGW_BENCH_COPY_ROWS:-1000000}
declare -A KWALLS=() KCPUS=()
copy_client() {
    case "$1" in
    pgwire-text) "$BIN/copy_pgwire" "$CONNINFO" "$COPY_ROWS" text ;;
    pgwire-binary) "$BIN/copy_pgwire" "$CONNINFO" "$COPY_ROWS" binary ;;
    libpq-text) "$BIN/copy_libpq" "$CONNINFO" "$COPY_ROWS" ;;
    esac
}
log "COPY FROM STDIN of $COPY_ROWS rows: $RUNS interleaved runs"
for run in $(seq 1 "$RUNS"); do
    for k in pgwire-text libpq-text pgwire-binary; do
        line=$(copy_client "$k") || die "copy $k failed"
        log "run $run: $line"
        [ "$(field "$line" loaded)" = "$COPY_ROWS" ] || die "copy $k loaded the wrong row count"
        KWALLS[$k]+=" $(field "$line" wall_us)"
        KCPUS[$k]+=" $(field "$line" cpu_us)"
    done
done
copy_rps() { awk -v r="$COPY_ROWS" -v w="$1" 'BEGIN { printf "%d", r / (w / 1e6) }'; }
copy_cpu() { awk -v r="$COPY_ROWS" -v c="$1" 'BEGIN { printf "%.3f", c / r }'; }
# shellcheck disable=SC2086 # the lists are space-separated numbers
bench copy-text rows/s "$(copy_rps "$(median ${KWALLS[pgwire-text]})")" libpq \
    "$(copy_rps "$(median ${KWALLS[libpq-text]})")"
# shellcheck disable=SC2086
bench copy-text-cpu us/row "$(copy_cpu "$(median ${KCPUS[pgwire-text]})")" libpq \
    "$(copy_cpu "$(median ${KCPUS[libpq-text]})")"
# shellcheck disable=SC2086
bench copy-binary rows/s "$(copy_rps "$(median ${KWALLS[pgwire-binary]})")" libpq-text \
    "$(copy_rps "$(median ${KWALLS[libpq-text]})")"
# shellcheck disable=SC2086
bench copy-binary-cpu us/row "$(copy_cpu "$(median ${KCPUS[pgwire-binary]})")" libpq-text \
    "$(copy_cpu "$(median ${KCPUS[libpq-text]})")"
# ---- issue 6: large objects ----------------------------------------------------------
#
# LO (bench/lo_*.c): PGW_BENCH_LO_MIB MiB written to a large object in 256 KiB
# calls and read back, then PGW_BENCH_LO_CALLS lo_tell64 calls (the cost of one
# small fast-path round trip), in one transaction over the Unix socket:
# pgwire's fast path against libpq's large-object functions (its fast path
# too). Median of $RUNS interleaved runs; the run fails when the checksums of
# the data read back differ.

LO_MIB=${PGW_BENCH_LO_MIB:-64}
LO_CALLS=${PGW_BENCH_LO_CALLS:-5000}
declare -A LOW=() LOR=() LOC=() LOCPU=() LOSUM=()
log "large objects: $RUNS interleaved runs of $LO_MIB MiB and $LO_CALLS calls"
for run in $(seq 1 "$RUNS"); do
    for c in pgwire libpq; do
        line=$("$BIN/lo_$c" "$CONNINFO" "$LO_MIB" "$LO_CALLS") || die "lo_$c failed"
        LOW[$c]="${LOW[$c]:-} $(field "$line" write_us)"
        LOR[$c]="${LOR[$c]:-} $(field "$line" read_us)"
        LOC[$c]="${LOC[$c]:-} $(field "$line" call_us)"
        LOCPU[$c]="${LOCPU[$c]:-} $(field "$line" cpu_us)"
        LOSUM[$c]=$(field "$line" checksum)
    done
done
[ "${LOSUM[pgwire]}" = "${LOSUM[libpq]}" ] || die "large-object checksums differ"
lo_mib_s() { awk -v m="$LO_MIB" -v t="$1" 'BEGIN { printf "%.1f", m / (t / 1e6) }'; }
lo_per_call() { awk -v n="$LO_CALLS" -v t="$1" 'BEGIN { printf "%.2f", t / n }'; }
# shellcheck disable=SC2086
bench lo-write MiB/s "$(lo_mib_s "$(median ${LOW[pgwire]})")" libpq \
    "$(lo_mib_s "$(median ${LOW[libpq]})")"
# shellcheck disable=SC2086
bench lo-read MiB/s "$(lo_mib_s "$(median ${LOR[pgwire]})")" libpq \
    "$(lo_mib_s "$(median ${LOR[libpq]})")"
# shellcheck disable=SC2086
bench lo-call us "$(lo_per_call "$(median ${LOC[pgwire]})")" libpq \
    "$(lo_per_call "$(median ${LOC[libpq]})")"
# shellcheck disable=SC2086
bench lo-cpu ms "$(ms "$(median ${LOCPU[pgwire]})")" libpq "$(ms "$(median ${LOCPU[libpq]})")"

# ---- connections: SCRAM over TCP, without and with TLS ---------------------------

CONNS=${PGW_BENCH_CONNS:-200}
CONN_ROUNDS=${PGW_BENCH_CONN_ROUNDS:-5}
STARTUPS=${PGW_BENCH_STARTUPS:-50}
SCRAM_CONNINFO="host=$PGW_TEST_HOST port=$PGW_TEST_PORT user=$PGW_TEST_SCRAM_USER"
SCRAM_CONNINFO+=" password=$PGW_TEST_SCRAM_PASSWORD dbname=$DB"

# conn CLIENT SSLMODE: one run of CONNS connections; prints its CONN line
# after checking that TLS was used exactly when sslmode asked for it.
conn() {
    local line want=0
    [ "$2" = disable ] || want=1
    line=$("$BIN/conn_$1" "$SCRAM_CONNINFO sslmode=$2" "$CONNS") || die "conn_$1 sslmode=$2 failed"
    [ "$(field "$line" tls)" = "$want" ] || die "conn_$1 sslmode=$2: tls=$(field "$line" tls)"
    printf '%s\n' "$line"
}

declare -A CWALLS=() CCPUS=()
log "connections: $CONN_ROUNDS rounds of $CONNS, sslmode disable and require"
conn pgwire require >/dev/null
conn libpq require >/dev/null
for round in $(seq 1 "$CONN_ROUNDS"); do
    # Alternate which client goes first, so neither always follows the other.
    if [ $((round % 2)) = 1 ]; then order=(pgwire libpq); else order=(libpq pgwire); fi
    for mode in disable require; do
        for c in "${order[@]}"; do
            line=$(conn "$c" "$mode")
            log "round $round: sslmode=$mode $line"
            CWALLS[$c-$mode]+=" $(field "$line" wall_us)"
            CCPUS[$c-$mode]+=" $(field "$line" cpu_us)"
        done
    done
done

# per_conn_ms WALL_US, per_conn_us CPU_US: totals of a round per connection.
per_conn_ms() { awk -v w="$1" -v n="$CONNS" 'BEGIN { printf "%.2f", w / n / 1000 }'; }
per_conn_us() { awk -v c="$1" -v n="$CONNS" 'BEGIN { printf "%d", c / n }'; }
declare -A CWALL=() CCPU=()
for k in "${!CWALLS[@]}"; do
    # shellcheck disable=SC2086 # the lists are space-separated numbers
    CWALL[$k]=$(per_conn_ms "$(median ${CWALLS[$k]})")
    # shellcheck disable=SC2086
    CCPU[$k]=$(per_conn_us "$(median ${CCPUS[$k]})")
done

# ---- start-up: load the library, connect once, exit ---------------------------------

log "start-up: $STARTUPS runs of each client, interleaved"
spawn_out=$("$BIN/spawn" "$STARTUPS" "$BIN/conn_pgwire" "$BIN/conn_libpq" -- "$CONNINFO" 1 quiet) ||
    die "spawn failed"
declare -A START=() LIBS=()
while read -r line; do
    log "$line"
    prog=$(field "$line" prog)
    START[${prog##*/conn_}]=$(awk -v u="$(field "$line" median_us)" 'BEGIN { printf "%.2f", u / 1000 }')
done <<<"$spawn_out"
for c in pgwire libpq; do
    line=$("$BIN/conn_$c" "$CONNINFO" 1) || die "conn_$c failed"
    LIBS[$c]=$(field "$line" libs)
done

log "connections: ms and client CPU per connection, median of $CONN_ROUNDS rounds of $CONNS;" \
    "start-up: median of $STARTUPS runs"
bench conn-scram ms/conn "${CWALL[pgwire-disable]}" libpq "${CWALL[libpq-disable]}"
bench conn-scram-tls ms/conn "${CWALL[pgwire-require]}" libpq "${CWALL[libpq-require]}"
bench conn-scram-cpu us/conn "${CCPU[pgwire-disable]}" libpq "${CCPU[libpq-disable]}"
bench conn-scram-tls-cpu us/conn "${CCPU[pgwire-require]}" libpq "${CCPU[libpq-require]}"
bench startup ms "${START[pgwire]}" libpq "${START[libpq]}"
bench startup-libs count "${LIBS[pgwire]}" libpq "${LIBS[libpq]}"

# ---- issue 6: parameterised INSERTs, one at a time and pipelined -------------------
#
# PGW_BENCH_INSERTS (default 50000) rows of (int4, text, float8), text
# parameters with their types, into a temporary table: one statement at a
# time (pgwire's pgw_exec_params, statement cache on; libpq's exec-params
# call) and in pipeline mode (every INSERT queued, one Sync, every result
# read and checked). rows/s from the median wall time of PGW_BENCH_RUNS
# interleaved runs; client CPU per row likewise.
INSERTS=${PGW_BENCH_INSERTS:-50000}
declare -A IWALLS=() ICPUS=()
log "INSERTs: $INSERTS rows, $RUNS interleaved runs"
for run in $(seq 1 "$RUNS"); do
    for mode in single pipeline; do
        for c in pgwire libpq; do
            line=$("$BIN/insert_$c" "$CONNINFO" "$INSERTS" "$mode") || die "insert_$c $mode failed"
            log "run $run: $line"
            [ "$(field "$line" rows)" = "$INSERTS" ] || die "insert_$c $mode: wrong row count"
            IWALLS[$c-$mode]="${IWALLS[$c-$mode]:-} $(field "$line" wall_us)"
            ICPUS[$c-$mode]="${ICPUS[$c-$mode]:-} $(field "$line" cpu_us)"
        done
    done
done
ins_rps() { awk -v r="$INSERTS" -v w="$1" 'BEGIN { printf "%d", r / (w / 1e6) }'; }
ins_cpu() { awk -v r="$INSERTS" -v c="$1" 'BEGIN { printf "%.2f", c / r }'; }
for mode in pipeline single; do
    name=insert-$mode
    [ "$mode" = single ] && name=insert-one-at-a-time
    # shellcheck disable=SC2086
    bench "$name" rows/s "$(ins_rps "$(median ${IWALLS[pgwire-$mode]})")" libpq \
        "$(ins_rps "$(median ${IWALLS[libpq-$mode]})")"
    # shellcheck disable=SC2086
    bench "$name-cpu" us/row "$(ins_cpu "$(median ${ICPUS[pgwire-$mode]})")" libpq \
        "$(ins_cpu "$(median ${ICPUS[libpq-$mode]})")"
done

bash scripts/bench-size.sh || die "bench-size.sh failed" # issue 10: static sizes vs libpq
