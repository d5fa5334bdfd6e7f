#!/usr/bin/env bash
# Size of a minimal SCRAM + SELECT 1 program (issue 10), pgwire against
# libpq. Called by scripts/bench.sh; runs on its own too.
#
#   pgwire: bench/size_select1.c linked fully statically and stripped
#     (scripts/static-build.sh): with musl, no TLS and the builtin crypto
#     (size-select1-musl-notls), and with glibc + OpenSSL 3 and TLS
#     (size-select1-tls). The whole file is the figure: there is nothing
#     else to load.
#   libpq: the same program on Debian's libpq, dynamically linked (libpq
#     cannot be linked statically with Debian's packages: docs/embedding.md)
#     and stripped, plus every shared library ldd lists for it (file sizes
#     after symlinks, the dynamic loader included), summed.
#
# Prints (KiB, lower is better):
#   BENCH size-select1-musl-notls KiB pgwire=<v> libpq=<v> ratio=<v>
#   BENCH size-select1-tls KiB pgwire=<v> libpq=<v> ratio=<v>
# and, on stderr, the static OpenSSL-only baseline the TLS figure should be
# read against.
#
# Before printing, every program must connect to a throwaway server
# (scripts/pg-fixture.sh; the one named by PGW_TEST_* if the caller has one
# running) as the SCRAM role over TCP and get 1 back: the musl programs
# (size_select1 and pgw) without TLS, the TLS program with sslmode=require,
# and the libpq program. A binary that does not work has no size.
#
# Environment: PGW_STATIC_BUILD_ROOT (default build-static), used by
# scripts/static-build.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib/deps.sh
. scripts/lib/deps.sh
PGW_DEB_PACKAGES+=(musl-tools libpq-dev)

FIXTURE_DIR=
WORK=
log() { printf '[bench-size.sh] %s\n' "$*" >&2; }
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

pgw_ensure_deps >&2 || die "missing packages (see above)"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pgw-bench-size.XXXXXX")
OUT=$WORK/out

# ---- the pgwire programs ------------------------------------------------------

log "static builds (scripts/static-build.sh musl glibc-tls)"
bash scripts/static-build.sh musl glibc-tls -o "$OUT" >"$WORK/static.txt" ||
    die "static build failed"
cat "$WORK/static.txt" >&2
MUSL=$OUT/size_select1-musl
TLS=$OUT/size_select1-tls
PGW_MUSL=$OUT/pgw-musl

# ---- the libpq program and what it loads ----------------------------------------

LIBPQ=$WORK/select1_libpq
# shellcheck disable=SC2046 # pkg-config prints several words
cc -Os -s -o "$LIBPQ" bench/select1_libpq.c $(pkg-config --cflags --libs libpq) ||
    die "could not build the libpq program"

# footprint FILE: FILE plus every library ldd resolves for it, in bytes.
footprint() {
    local total n=0 f
    total=$(stat -c %s "$1")
    while read -r f; do
        [ -n "$f" ] || continue
        total=$((total + $(stat -L -c %s "$f")))
        n=$((n + 1))
    done < <(ldd "$1" | awk '/=> \// { print $3; next } /^[ \t]*\// { print $1 }')
    log "$1: itself and $n shared libraries: $total bytes"
    printf '%s\n' "$total"
}
LIBPQ_BYTES=$(footprint "$LIBPQ")

# The baseline for the TLS figure: a static program that only calls what
# pgwire needs from OpenSSL (a TLS client handshake over memory BIOs,
# SHA-256, HMAC, PBKDF2, MD5, random bytes), linked like size_select1-tls.
cat >"$WORK/openssl_only.c" <<'EOF'
#include <stdio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
int main(void)
{
    unsigned char d[64], k[32];
    unsigned int n = 0;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *s = SSL_new(ctx);
    BIO *a = NULL, *b = NULL;
    BIO_new_bio_pair(&a, 0, &b, 0);
    SSL_set_bio(s, a, a);
    SSL_set_tlsext_host_name(s, "localhost");
    SSL_set1_host(s, "localhost");
    int rc = SSL_connect(s);
    EVP_Digest("x", 1, d, &n, EVP_sha256(), NULL);
    EVP_Digest("x", 1, d, &n, EVP_md5(), NULL);
    HMAC(EVP_sha256(), "k", 1, d, 32, d, &n);
    PKCS5_PBKDF2_HMAC("p", 1, d, 16, 2, EVP_sha256(), 32, k);
    RAND_bytes(k, sizeof k);
    printf("%d %02x\n", rc, k[0] ^ d[0]);
    SSL_free(s);
    BIO_free(b);
    SSL_CTX_free(ctx);
    return 0;
}
EOF
cc -Os -flto -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables \
    -c "$WORK/openssl_only.c" -o "$WORK/openssl_only.o"
cc -static -Os -flto -fno-asynchronous-unwind-tables -fno-unwind-tables -Wl,--gc-sections \
    -Wl,-z,noseparate-code -s -o "$WORK/openssl_only" "$WORK/openssl_only.o" \
    -lssl -lcrypto -pthread 2>/dev/null || die "could not link the OpenSSL-only baseline"
OPENSSL_ONLY=$(stat -c %s "$WORK/openssl_only")

# ---- sanity: every program connects and gets 1 -------------------------------------

if [ -z "${PGW_TEST_PORT:-}" ]; then
    FIXTURE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pgw-size-pg.XXXXXX")
    bash scripts/pg-fixture.sh start "$FIXTURE_DIR" >/dev/null || die "PostgreSQL did not start"
    eval "$(bash scripts/pg-fixture.sh env "$FIXTURE_DIR")"
fi
# No PG* variable may steer the programs.
while read -r v; do unset "$v"; done < <(compgen -e | grep -E '^PG[A-Z]+$' || true)
# 127.0.0.1, not a name: a static glibc program would need NSS to resolve.
CI="host=127.0.0.1 port=$PGW_TEST_PORT user=$PGW_TEST_SCRAM_USER"
CI+=" password=$PGW_TEST_SCRAM_PASSWORD dbname=$PGW_TEST_DB"

# expect WANT CMD...: CMD must succeed and print exactly WANT.
expect() {
    local want=$1 got
    shift
    got=$("$@" 2>"$WORK/err") || die "$(basename "$1") failed: $(cat "$WORK/err")"
    [ "$got" = "$want" ] || die "$(basename "$1") printed '$got', not '$want'"
    log "ok: $(basename "$1") -> $got"
}
expect "1" "$MUSL" "$CI sslmode=disable"
expect "1" "$PGW_MUSL" -X -tA -c "SELECT 1" -d "$CI sslmode=disable"
expect "1 tls" "$TLS" "$CI sslmode=require"
expect "1" "$LIBPQ" "$CI sslmode=require"

# ---- the figures ---------------------------------------------------------------------

kib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1024 }'; }
bench() {
    awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN {
        printf "BENCH %s KiB pgwire=%.1f libpq=%.1f ratio=%.3g\n", n, a / 1024, b / 1024, a / b
    }'
}
MUSL_BYTES=$(stat -c %s "$MUSL")
TLS_BYTES=$(stat -c %s "$TLS")
log "static OpenSSL-only baseline (TLS client + the crypto pgwire uses): $(kib "$OPENSSL_ONLY") KiB;" \
    "size_select1-tls is $(kib $((TLS_BYTES - OPENSSL_ONLY))) KiB more"
bench size-select1-musl-notls "$MUSL_BYTES" "$LIBPQ_BYTES"
bench size-select1-tls "$TLS_BYTES" "$LIBPQ_BYTES"
