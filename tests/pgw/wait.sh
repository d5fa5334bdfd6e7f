#!/usr/bin/env bash
# pgw --wait against pg_isready: the same line and exit status for an
# accepting server (also when the login would fail), a closed port, a
# server starting up (57P03, from fake_server.py), -q and bad parameters;
# and what pg_isready does not do: retrying until a late server answers,
# and giving up when --timeout passes. Prints TAP.
#
#   wait.sh PGW TESTS_PGW_DIR
set -uo pipefail
pgw=$1 dir=$2
case $pgw in /*) ;; *) pgw=$PWD/$pgw ;; esac
. "$dir/pgw-env.sh"
pgw_case_env || exit 1
unset PGHOST PGPORT PGUSER PGDATABASE
isready=$(command -v pg_isready || true)
host=$PGW_TEST_HOST port=$PGW_TEST_PORT
work=$(mktemp -d "${TMPDIR:-/tmp}/pgw-wait.XXXXXX")
fakes=()
cleanup() {
    for p in "${fakes[@]}"; do kill "$p" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT

n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; fail=1; }

# fake SQLSTATE DELAY: start fake_server.py, set $fport
fake() {
    local f="$work/port.$RANDOM"
    python3 "$dir/fake_server.py" "$1" "$2" "$f" &
    fakes+=($!)
    for _ in $(seq 100); do [ -s "$f" ] && break; sleep 0.05; done
    fport=$(cat "$f")
}

# check NAME EXPECTED_STATUS EXPECTED_STDOUT -- ARGS...: pgw --wait ARGS,
# and pg_isready ARGS (with -t for --timeout) when installed
check() {
    local name=$1 want_rc=$2 want_out=$3
    shift 4
    local out rc
    out=$("$pgw" --wait "$@" 2>"$work/err"); rc=$?
    if [ "$rc" = "$want_rc" ] && [ "$out" = "$want_out" ]; then
        ok "$name"
    else
        not_ok "$name"
        echo "#   pgw: status $rc, stdout '$out' (want $want_rc, '$want_out')"
        sed 's/^/#   /' "$work/err"
    fi
    [ -n "$isready" ] || return 0
    local args=() a
    for a in "$@"; do
        case $a in --timeout) args+=(-t) ;; *) args+=("$a") ;; esac
    done
    out=$("$isready" "${args[@]}" 2>/dev/null); rc=$?
    if [ "$rc" = "$want_rc" ] && [ "$out" = "$want_out" ]; then
        ok "$name (pg_isready agrees)"
    else
        not_ok "$name (pg_isready agrees)"
        echo "#   pg_isready: status $rc, stdout '$out'"
    fi
}

check accepting 0 "$host:$port - accepting connections" -- -h "$host" -p "$port"
check accepting_socket 0 "$PGW_TEST_SOCKDIR:$port - accepting connections" -- \
    -h "$PGW_TEST_SOCKDIR" -p "$port"
check auth_failure_is_up 0 "$host:$port - accepting connections" -- \
    -h "$host" -p "$port" -U "$PGW_TEST_SCRAM_USER"
check unknown_database_is_up 0 "$host:$port - accepting connections" -- \
    -h "$host" -p "$port" -d pgw_no_such_database
check quiet 0 "" -- -h "$host" -p "$port" -q
check no_response 2 "127.0.0.1:1 - no response" -- -h 127.0.0.1 -p 1 --timeout 1
check bad_port 2 "/var/run/postgresql:abc - no response" -- -d port=abc --timeout 1
check bad_keyword 3 "" -- -d nosuchkey=1
fake 57P03 0
check rejecting 1 "127.0.0.1:$fport - rejecting connections" -- -h 127.0.0.1 -p "$fport" --timeout 1
fake 28000 0
check login_refused_is_up 0 "127.0.0.1:$fport - accepting connections" -- -h 127.0.0.1 -p "$fport"

# pgw only: a server that starts listening after 1.5 s is waited for
fake 28000 1.5
start=$(date +%s.%N)
out=$("$pgw" --wait --timeout 10 -h 127.0.0.1 -p "$fport"); rc=$?
took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
if [ "$rc" = 0 ] && [ "$out" = "127.0.0.1:$fport - accepting connections" ] &&
    awk -v t="$took" 'BEGIN { exit !(t >= 1.2 && t < 5) }'; then
    ok "retries_until_the_server_answers"
else
    not_ok "retries_until_the_server_answers"
    echo "#   status $rc, '$out', ${took}s"
fi
# ... and --timeout bounds the wait
start=$(date +%s.%N)
out=$("$pgw" --wait --timeout 2 -h 127.0.0.1 -p 1); rc=$?
took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
if [ "$rc" = 2 ] && awk -v t="$took" 'BEGIN { exit !(t >= 1.5 && t < 4) }'; then
    ok "gives_up_after_the_timeout"
else
    not_ok "gives_up_after_the_timeout"
    echo "#   status $rc, '$out', ${took}s"
fi
# a bad --timeout is "no attempt"
out=$("$pgw" --wait --timeout soon -h 127.0.0.1 2>"$work/err"); rc=$?
if [ "$rc" = 3 ] && grep -q 'invalid value "soon" for --timeout' "$work/err"; then
    ok "bad_timeout_is_no_attempt"
else
    not_ok "bad_timeout_is_no_attempt"
fi
echo "1..$n"
exit $fail
