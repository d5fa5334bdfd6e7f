#!/usr/bin/env bash
# Every end-to-end case again with pgw --binary: the same golden files
# (psql 15's output) must come out when statements go through the extended
# protocol and values are rendered on the client. Prints TAP.
#
#   binary-cases.sh PGW TESTS_PGW_DIR
set -uo pipefail
pgw=$1 dir=$2
case $pgw in /*) ;; *) pgw=$PWD/$pgw ;; esac
export PGW_CASE_EXTRA_ARGS=--binary
n=0 fail=0
for f in "$dir"/cases/*.case; do
    name=$(basename "$f" .case)
    n=$((n + 1))
    if out=$(bash "$dir/run-case.sh" "$pgw" "$dir" "$name" 2>&1); then
        echo "ok $n - $name"
    else
        echo "not ok $n - $name"
        echo "$out" | sed 's/^/# /'
        fail=1
    fi
done
echo "1..$n"
exit $fail
