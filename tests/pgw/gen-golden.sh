#!/usr/bin/env bash
# Regenerate tests/pgw/golden/ from the real psql 15: for every case in
# tests/pgw/cases/ (except pgw_only ones, whose golden files are written by
# hand), run psql with the case's arguments and standard input and store
# its stdout, stderr and exit status, with psql's "psql:" message prefix
# turned into pgw's "pgw:".
#
#   tests/pgw/gen-golden.sh [NAME...]
#
# Uses the cluster named by the PGW_TEST_* variables, or starts a throwaway
# one with scripts/pg-fixture.sh. psql is only ever run here and in
# tests/differential; pgw never links libpq.
set -euo pipefail
dir=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$dir/../.." && pwd)
. "$dir/pgw-env.sh"

psql=${PSQL:-psql}
"$psql" --version | grep -q ' 15\.' || { echo "gen-golden: need psql 15 (PSQL=...)" >&2; exit 1; }

fixture=
if [ -z "${PGW_TEST_PORT:-}" ]; then
    fixture=$(bash "$root/scripts/pg-fixture.sh" start)
    trap 'bash "$root/scripts/pg-fixture.sh" stop "$fixture" >/dev/null 2>&1' EXIT
    eval "$(bash "$root/scripts/pg-fixture.sh" env "$fixture")"
fi
pgw_case_env

if [ $# -gt 0 ]; then
    names=("$@")
else
    names=()
    for f in "$dir"/cases/*.case; do
        n=${f##*/}
        names+=("${n%.case}")
    done
fi

cd "$dir/cases"
for name in "${names[@]}"; do
    args=() stdin= pgw_only=0 version_line=0 stdout_filter=
    . "./$name.case"
    if [ "$pgw_only" = 1 ]; then
        echo "gen-golden: $name is pgw-only; its golden files are kept"
        continue
    fi
    out="$dir/golden/$name"
    status=0
    "$psql" "${args[@]}" <"${stdin:-/dev/null}" >"$out.stdout" 2>"$out.stderr" || status=$?
    echo "$status" >"$out.status"
    sed -i 's/^psql:/pgw:/' "$out.stderr"
    if [ -n "$stdout_filter" ]; then
        sed -i -e "$stdout_filter" "$out.stdout"
    fi
    pgw_normalize_stderr "$out.stderr"
    echo "gen-golden: $name (status $status)"
done
