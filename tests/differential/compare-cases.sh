#!/usr/bin/env bash
# Live comparison of pgw with psql 15: run every tests/pgw case (or the
# named ones) through both against the same server and diff stdout, stderr
# and exit status, with psql's "psql:" prefix read as "pgw:". Unlike the
# golden files, this also catches a server (or psql) that has moved on.
#
#   tests/differential/compare-cases.sh PGW [NAME...]
#
# Needs the PGW_TEST_* variables of scripts/pg-fixture.sh. pgw_only cases
# (behaviour psql does not share) are skipped. Prints one line per case and
# exits 1 when any differs.
set -uo pipefail
pgw=$1
shift
case $pgw in /*) ;; *) pgw=$PWD/$pgw ;; esac
dir=$(cd "$(dirname "$0")/../pgw" && pwd)
. "$dir/pgw-env.sh"
pgw_case_env || exit 1

if [ $# -gt 0 ]; then
    names=("$@")
else
    names=()
    for f in "$dir"/cases/*.case; do
        n=${f##*/}
        names+=("${n%.case}")
    done
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/pgw-compare.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$dir/cases"
differ=0
for name in "${names[@]}"; do
    args=() stdin= pgw_only=0 version_line=0
    . "./$name.case"
    [ "$pgw_only" = 1 ] && continue
    for prog in psql "$pgw"; do
        tag=${prog##*/}
        status=0
        "$prog" "${args[@]}" <"${stdin:-/dev/null}" >"$work/$tag.stdout" 2>"$work/$tag.stderr" ||
            status=$?
        echo "$status" >"$work/$tag.status"
    done
    sed -i 's/^psql:/pgw:/' "$work/psql.stderr"
    same=1
    for part in stdout stderr status; do
        cmp -s "$work/psql.$part" "$work/pgw.$part" || same=0
    done
    if [ "$same" = 1 ]; then
        echo "same    $name"
    else
        echo "DIFFERS $name"
        for part in stdout stderr status; do
            diff "$work/psql.$part" "$work/pgw.$part" | head -n 20 | sed "s/^/    $part: /"
        done
        differ=1
    fi
done
exit "$differ"
