#!/usr/bin/env bash
# Generate the amalgamation and build it the way an embedder would: the
# compiler alone (cc -c pgwire.c), then a smoke program linked against the
# object, run against the fixture server (PGW_TEST_* from scripts/test.sh).
# Three configurations: TLS on (-lssl -lcrypto), TLS off (-lcrypto), and
# TLS off with the builtin crypto (libc only).
#
# usage: run.sh SRCDIR WORKDIR
set -euo pipefail
src=$1
work=$2
CC=${CC:-cc}
rm -rf "$work"
mkdir -p "$work"
python3 "$src/scripts/amalgamate.py" --src "$src" --out "$work" ${PGW_AMALG_ARGS:-}

ci=
if [ -n "${PGW_TEST_HOST:-}" ]; then
    ci="host=$PGW_TEST_HOST port=$PGW_TEST_PORT dbname=$PGW_TEST_DB user=$PGW_TEST_SCRAM_USER password=$PGW_TEST_SCRAM_PASSWORD"
else
    echo "# PGW_TEST_HOST is not set: run through scripts/test.sh (fixture) for the smoke run" >&2
    exit 1
fi

run() { # NAME LIBS CFLAGS...
    local name=$1 libs=$2
    shift 2
    echo "# $name: $CC -c $* pgwire.c"
    (cd "$work" && "$CC" -c "$@" pgwire.c -o "pgwire-$name.o")
    (cd "$work" && "$CC" -I. "$src/tests/amalgamation/smoke.c" "pgwire-$name.o" $libs -o "smoke-$name")
    "$work/smoke-$name" "$ci sslmode=prefer"
}
run tls "-lssl -lcrypto"
run notls "-lcrypto" -DPGW_HAVE_TLS=0
run builtin "" -DPGW_HAVE_TLS=0 -DPGW_CRYPTO_BUILTIN=1
# The builtin build needs nothing but libc.
if ldd "$work/smoke-builtin" | grep -Eq 'lib(ssl|crypto)'; then
    echo "FAIL smoke-builtin links OpenSSL"
    exit 1
fi
echo "amalgamation: ok"
