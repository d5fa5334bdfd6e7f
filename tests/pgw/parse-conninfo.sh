#!/bin/bash
# pgw --parse-conninfo over tests/pgw/parse_conninfo/NAME.in: stdout, stderr
# and the exit status must equal NAME.out, NAME.err and NAME.rc (what libpq
# 18's PQconninfoParse makes of the string, printed in its keyword order).
# Usage: parse-conninfo.sh PGW CASEDIR. Prints TAP.
pgw=$1
dir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cases=("$dir"/*.in)
echo "1..${#cases[@]}"
n=0
fail=0
for in in "${cases[@]}"; do
    n=$((n + 1))
    name=$(basename "$in" .in)
    "$pgw" --parse-conninfo "$(cat "$in")" > "$tmp/out" 2> "$tmp/err"
    echo $? > "$tmp/rc"
    if cmp -s "$tmp/out" "$dir/$name.out" && cmp -s "$tmp/err" "$dir/$name.err" &&
        cmp -s "$tmp/rc" "$dir/$name.rc"; then
        echo "ok $n - $name"
    else
        echo "not ok $n - $name"
        diff "$dir/$name.out" "$tmp/out" | sed 's/^/# /'
        diff "$dir/$name.err" "$tmp/err" | sed 's/^/# /'
        diff "$dir/$name.rc" "$tmp/rc" | sed 's/^/# /'
        fail=1
    fi
done
exit $fail
