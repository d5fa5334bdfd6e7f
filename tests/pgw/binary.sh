#!/usr/bin/env bash
# pgw --binary against psql: for every tests/pgw/binary/NAME.sql, the
# stdout, stderr and exit status of `pgw --binary -X -At -f NAME.sql` and
# of `pgw --binary -X -f NAME.sql` (aligned) must equal psql 15's, stored
# in binary/NAME.{At,aligned}.{stdout,stderr,status} by `binary.sh --gen`.
# The same run without --binary (pgw's text path) is checked too, so a
# difference that shows only with --binary is the binary codecs'.
# A NAME.c file instead holds one -c string (several statements in it run
# one by one with --binary). With PGW_BINARY_TRACE set pgw reports each column's format; the test
# prints how many columns were fetched in binary.
#
#   binary.sh PGW TESTS_PGW_DIR            run (TAP)
#   binary.sh --gen TESTS_PGW_DIR [NAME..]  regenerate with psql (PSQL=...)
#
# The scripts run as the fixture's superuser (CREATE EXTENSION hstore).
set -uo pipefail
gen=0
if [ "$1" = --gen ]; then
    gen=1
    shift
    dir=$(cd "$1" && pwd)
    shift
else
    pgw=$1 dir=$2
    shift 2
    case $pgw in /*) ;; *) pgw=$PWD/$pgw ;; esac
fi
. "$dir/pgw-env.sh"
pgw_case_env || exit 1
export PGUSER="$PGW_TEST_SUPER_USER"
cd "$dir/binary" || exit 1

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
    for f in *.sql *.c; do names+=("${f%.*}"); done
fi
modes=(At aligned)
# the input: -f NAME.sql, or -c with the contents of NAME.c
input_args() {
    if [ -f "$1.sql" ]; then
        input=(-f "$1.sql")
    else
        input=(-c "$(cat "$1.c")")
    fi
}
mode_args() {
    case $1 in At) echo "-X -At" ;; aligned) echo "-X" ;; esac
}

if [ "$gen" = 1 ]; then
    psql=${PSQL:-psql}
    "$psql" --version | grep -q ' 15\.' || { echo "binary.sh: need psql 15 (PSQL=...)" >&2; exit 1; }
    for name in "${names[@]}"; do
        for m in "${modes[@]}"; do
            out="$name.$m"
            st=0
            # shellcheck disable=SC2046
            input_args "$name"
            "$psql" $(mode_args "$m") "${input[@]}" >"$out.stdout" 2>"$out.stderr" </dev/null || st=$?
            echo "$st" >"$out.status"
            sed -i 's/^psql:/pgw:/' "$out.stderr"
            echo "binary.sh: $out (status $st)"
        done
    done
    exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/pgw-binary.XXXXXX")
trap 'rm -rf "$work"' EXIT
n=0 fail=0 binary_cols=0 text_cols=0
for name in "${names[@]}"; do
    for m in "${modes[@]}"; do
        for flavour in binary text; do
            extra=()
            [ "$flavour" = binary ] && extra=(--binary)
            st=0
            # shellcheck disable=SC2046
            input_args "$name"
            PGW_BINARY_TRACE=$work/trace "$pgw" "${extra[@]}" $(mode_args "$m") "${input[@]}" \
                >"$work/stdout" 2>"$work/stderr" </dev/null || st=$?
            echo "$st" >"$work/status"
            n=$((n + 1))
            bad=0
            for part in stdout stderr status; do
                if ! cmp -s "$name.$m.$part" "$work/$part"; then
                    [ $bad = 0 ] && echo "not ok $n - $flavour $name $m"
                    bad=1
                    echo "#   $part differs (< psql, > pgw):"
                    diff "$name.$m.$part" "$work/$part" | head -n 30 | sed 's/^/#     /'
                fi
            done
            if [ $bad = 0 ]; then
                echo "ok $n - $flavour $name $m"
            else
                fail=1
            fi
            if [ "$flavour" = binary ] && [ "$m" = At ] && [ -f "$work/trace" ]; then
                b=$(grep -c ' binary$' "$work/trace")
                t=$(grep -c ' text$' "$work/trace")
                binary_cols=$((binary_cols + b)) text_cols=$((text_cols + t))
                echo "# $name: $b columns in binary, $t in text"
                grep ' text$' "$work/trace" | sort | uniq -c | sed 's/^/#   /'
            fi
            rm -f "$work/trace"
        done
    done
done
echo "# total: $binary_cols columns fetched in binary, $text_cols in text"
echo "1..$n"
exit $fail
