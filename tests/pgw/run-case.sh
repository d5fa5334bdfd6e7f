#!/usr/bin/env bash
# Run one end-to-end case of pgw and compare its stdout, stderr and exit
# status with the golden files made from psql 15 (gen-golden.sh).
#
#   run-case.sh PGW TESTS_PGW_DIR NAME
#
# A case is tests/pgw/cases/NAME.case, a bash fragment that sets
#   args=(...)        the command-line arguments (the same for psql)
#   stdin=FILE        optional: standard input, relative to cases/
#   pgw_only=1        optional: the golden files are written by hand
#                     (behaviour psql does not share, e.g. --version)
#   stdout_filter=SED optional: a sed script applied to stdout, for lines
#                     that differ between psql and pgw by design (\set's
#                     VERSION, the fixture's PORT)
# PGW_CASE_EXTRA_ARGS (whitespace-separated) go before the case's own
# arguments: binary-cases.sh runs every case again with --binary. The case
# runs from tests/pgw/cases/, so -f paths (and the "pgw:FILE:LINE:"
# prefixes) are relative. The golden files are golden/NAME.stdout,
# golden/NAME.stderr and golden/NAME.status.
set -uo pipefail

pgw=$1 dir=$2 name=$3
# meson passes the program relative to the build directory; the case runs
# from cases/.
case $pgw in
/*) ;;
*) pgw=$PWD/$pgw ;;
esac
. "$dir/pgw-env.sh"
pgw_case_env || exit 1

args=() stdin= pgw_only=0 version_line=0 stdout_filter=
. "$dir/cases/$name.case"

work=$(mktemp -d "${TMPDIR:-/tmp}/pgw-case.XXXXXX")
trap 'rm -rf "$work"' EXIT

cd "$dir/cases" || exit 1
status=0
# shellcheck disable=SC2086
"$pgw" ${PGW_CASE_EXTRA_ARGS:-} "${args[@]}" <"${stdin:-/dev/null}" >"$work/stdout" 2>"$work/stderr" || status=$?
echo "$status" >"$work/status"
pgw_normalize_stderr "$work/stderr"
if [ -n "$stdout_filter" ]; then
    sed -i -e "$stdout_filter" "$work/stdout"
fi
if [ "$version_line" = 1 ]; then
    # the version changes with every release
    sed -i 's/^pgw (pgwire) [0-9][0-9.]*$/pgw (pgwire) VERSION/' "$work/stdout"
fi

fail=0
for part in stdout stderr status; do
    if ! cmp -s "$dir/golden/$name.$part" "$work/$part"; then
        echo "# $name: $part differs from golden/$name.$part (< expected, > pgw):"
        diff "$dir/golden/$name.$part" "$work/$part" | head -n 40 | sed 's/^/#   /'
        fail=1
    fi
done
exit "$fail"
