#!/usr/bin/env bash
# pgw --trace: every protocol message on stderr as a timestamped,
# libpq-style line (direction, length, name, summary), from the
# StartupMessage to Terminate; passwords (cleartext, md5, SCRAM) never
# printed; results on stdout exactly as without --trace. Prints TAP.
#
#   trace.sh PGW TESTS_PGW_DIR
set -uo pipefail
pgw=$1 dir=$2
case $pgw in /*) ;; *) pgw=$PWD/$pgw ;; esac
. "$dir/pgw-env.sh"
pgw_case_env || exit 1
work=$(mktemp -d "${TMPDIR:-/tmp}/pgw-trace.XXXXXX")
trap 'rm -rf "$work"' EXIT

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; }
check() { if eval "$2"; then ok "$1"; else not_ok "$1"; fi; }

ts='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}'
sql="SELECT 1 AS one, 'x' AS two; SELECT nosuchcolumn"

"$pgw" -X -c "$sql" >"$work/plain.out" 2>"$work/plain.err"
plain_status=$?
"$pgw" -X --trace -c "$sql" >"$work/trace.out" 2>"$work/trace.err"
trace_status=$?
check "same exit status with --trace" '[ "$plain_status" = "$trace_status" ]'
check "same stdout with --trace" 'cmp -s "$work/plain.out" "$work/trace.out"'
check "the server's error still printed" 'grep -q "column \"nosuchcolumn\" does not exist" "$work/trace.err"'
# sslmode=prefer: an SSLRequest may come first, then the StartupMessage.
check "the trace starts with SSLRequest or StartupMessage" \
    'head -n 1 "$work/trace.err" | grep -Eq "^$ts	F	(8	SSLRequest|[0-9]+	StartupMessage	 )"'
check "the StartupMessage names the user" \
    'head -n 2 "$work/trace.err" | grep -Eq "^$ts	F	[0-9]+	StartupMessage	 protocol 3\.0 user=\"$PGUSER\""'
check "the query, quoted" \
    'grep -Eq "^$ts	F	[0-9]+	Query	 \"SELECT 1 AS one, '\''x'\'' AS two; SELECT nosuchcolumn\"$" "$work/trace.err"'
check "RowDescription with names and type OIDs" \
    'grep -Eq "	B	[0-9]+	RowDescription	 2 fields \"one\":23 \"two\":25$" "$work/trace.err"'
check "DataRow with field lengths" 'grep -Eq "	B	16	DataRow	 2 fields, lengths 1 1$" "$work/trace.err"'
check "CommandComplete tag" 'grep -Eq "	B	13	CommandComplete	 \"SELECT 1\"$" "$work/trace.err"'
check "ErrorResponse: severity, SQLSTATE, message" \
    'grep -Eq "	B	[0-9]+	ErrorResponse	 ERROR 42703 \"column \\\\\"nosuchcolumn\\\\\" does not exist\"$" "$work/trace.err"'
check "ReadyForQuery with the transaction status" 'grep -Eq "	B	5	ReadyForQuery	 I$" "$work/trace.err"'
check "Terminate is the last line" 'tail -n 1 "$work/trace.err" | grep -Eq "	F	4	Terminate$"'

# Logins with a password: the trace never shows it.
for role in SCRAM MD5 PASSWORD; do
    uvar=PGW_TEST_${role}_USER pvar=PGW_TEST_${role}_PASSWORD
    if [ -z "${!uvar:-}" ] || [ -z "${!pvar:-}" ]; then
        not_ok "$role login: fixture variables missing"
        continue
    fi
    "$pgw" -X --trace -c "SELECT 1" \
        "host=$PGW_TEST_HOST port=$PGW_TEST_PORT dbname=$PGW_TEST_DB user=${!uvar} password=${!pvar} sslmode=disable" \
        >"$work/$role.out" 2>"$work/$role.err"
    check "$role login succeeds with --trace" 'grep -q "(1 row)" "$work/$role.out"'
    check "$role login: password never in the trace" '! grep -qF -- "${!pvar}" "$work/$role.err"'
    check "$role login: the password message is redacted" \
        'grep -Eq "	F	[0-9]+	(PasswordMessage|SASLInitialResponse)	 \[redacted [0-9]+ bytes\]$" "$work/$role.err"'
done
echo "1..$n"
