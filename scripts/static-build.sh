#!/usr/bin/env bash
# Fully static pgwire builds (issue 10; docs/embedding.md explains them).
#
#   scripts/static-build.sh [KIND]... [-o OUTDIR]
#
# KIND (default: all three):
#   musl       musl-gcc (Debian's musl-tools), -Dtls=disabled -Dcrypto=builtin:
#              OUTDIR/pgw-musl and OUTDIR/size_select1-musl, static and
#              stripped, needing nothing at run time (not even a libc)
#   glibc-tls  gcc, TLS on, glibc and OpenSSL linked statically:
#              OUTDIR/pgw-tls and OUTDIR/size_select1-tls
#   lib-notls  the static library without TLS and with the builtin crypto,
#              for embedding in your own build: OUTDIR/lib-notls/libpgwire.a
#              plus OUTDIR/lib-notls/include/ (links against libc only)
#
# Each build is configured in PGW_STATIC_BUILD_ROOT/<kind> (default
# build-static/) with buildtype=minsize, LTO, and function/data sections so
# the linker's --gc-sections drops what a program does not call; without
# unwind tables (C, no exceptions: no .eh_frame) and with -z noseparate-code
# (no page padding between headers, code and read-only data). OUTDIR
# defaults to PGW_STATIC_BUILD_ROOT/out. Prints one "STATIC <kind> <file>
# <bytes>" line per artefact on stdout; the log goes to stderr.
#
# Why the executables are linked here and not by meson: the library is
# built with default_library=both (the top-level meson.build hands the
# tests libpgwire.get_static_lib()), and meson links executables against
# the shared half; -static needs the archive. So meson builds libpgwire.a
# and the program objects, and this script links them with -static.
set -euo pipefail
cd "$(dirname "$0")/.."

ROOT=${PGW_STATIC_BUILD_ROOT:-build-static}
OUT=
KINDS=()
while [ $# -gt 0 ]; do
    case "$1" in
    -o) OUT=$2; shift 2 ;;
    musl | glibc-tls | lib-notls) KINDS+=("$1"); shift ;;
    all) KINDS+=(musl glibc-tls lib-notls); shift ;;
    -h | --help) sed -n '2,28p' "$0"; exit 0 ;;
    *) echo "static-build.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ ${#KINDS[@]} -gt 0 ] || KINDS=(musl glibc-tls lib-notls)
OUT=${OUT:-$ROOT/out}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

log() { printf '[static-build.sh] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# Options shared by every static build: no tests, examples, benchmarks or
# fuzzers (they need cmocka/libpq, which have no static or musl builds).
COMMON_OPTS=(-Dtests=disabled -Dexamples=false -Dbench=disabled -Dfuzzing=none
             -Ddefault_library=both --buildtype=minsize -Db_lto=true
             "-Dc_args=-ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables")
SIZE_CFLAGS=(-Os -flto -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables
             -fno-unwind-tables)
LINK_FLAGS=(-static -Os -flto -fno-asynchronous-unwind-tables -fno-unwind-tables -Wl,--gc-sections
            -Wl,-z,noseparate-code -s)

# configure DIR CC [MESON OPTION]...: a fresh build of the library and pgw.
configure() {
    local dir=$1 cc=$2
    shift 2
    rm -rf "$dir"
    log "configuring $dir with $cc: $*"
    CC=$cc meson setup "$dir" "${COMMON_OPTS[@]}" "$@" >"$dir.log" 2>&1 ||
        { tail -n 20 "$dir.log" >&2; die "meson setup failed (log: $dir.log)"; }
    ninja -C "$dir" libpgwire.a tools/pgw/pgw >>"$dir.log" 2>&1 ||
        { tail -n 20 "$dir.log" >&2; die "build failed (log: $dir.log)"; }
}

# link CC DIR SUFFIX [LIB]...: static, stripped pgw and size_select1.
link() {
    local cc=$1 dir=$2 suffix=$3
    shift 3
    local objs=("$dir"/tools/pgw/pgw.p/*.o)
    [ -e "${objs[0]}" ] || die "no pgw objects in $dir/tools/pgw/pgw.p"
    "$cc" "${LINK_FLAGS[@]}" -o "$OUT/pgw-$suffix" "${objs[@]}" "$dir/libpgwire.a" "$@" \
        2> >(grep -v -e 'statically linked applications requires at runtime' \
                     -e 'in function' >&2)
    "$cc" "${SIZE_CFLAGS[@]}" -Iinclude -c bench/size_select1.c -o "$dir/size_select1.o"
    "$cc" "${LINK_FLAGS[@]}" -o "$OUT/size_select1-$suffix" "$dir/size_select1.o" \
        "$dir/libpgwire.a" "$@" \
        2> >(grep -v -e 'statically linked applications requires at runtime' \
                     -e 'in function' >&2)
    local f
    for f in "$OUT/pgw-$suffix" "$OUT/size_select1-$suffix"; do
        # A static executable has no PT_INTERP (no dynamic loader) and
        # no DT_NEEDED entries.
        if readelf -l "$f" | grep -q 'INTERP' || readelf -d "$f" | grep -q NEEDED; then
            die "$f is not fully static"
        fi
        printf 'STATIC %s %s %s\n' "$suffix" "$f" "$(stat -c %s "$f")"
    done
}

build_musl() {
    command -v musl-gcc >/dev/null 2>&1 ||
        die "musl-gcc not found: apt-get install musl-tools"
    local dir=$ROOT/musl empty
    # pkg-config would offer glibc's libcrypto/libssl to a musl build: hide
    # every .pc file, so the build can only use musl's libc.
    empty=$(mktemp -d)
    PKG_CONFIG_LIBDIR=$empty PKG_CONFIG_PATH= configure "$dir" musl-gcc \
        -Dtls=disabled -Dcrypto=builtin
    rmdir "$empty"
    # musl applies no RELRO in a static executable (only its dynamic
    # linker mprotects PT_GNU_RELRO), so the page of padding the linker
    # inserts to align the RELRO region buys nothing here.
    link musl-gcc "$dir" musl -Wl,-z,norelro
}

build_glibc_tls() {
    local dir=$ROOT/glibc-tls
    [ -f "$(gcc -print-file-name=libssl.a)" ] || [ -f /usr/lib/x86_64-linux-gnu/libssl.a ] ||
        die "static OpenSSL (libssl.a) not found: apt-get install libssl-dev"
    configure "$dir" gcc -Dtls=enabled -Dcrypto=openssl
    # glibc warns that getaddrinfo/dlopen in a static program need the same
    # glibc's NSS modules at run time; numeric addresses and "localhost"
    # via /etc/hosts work without them (docs/embedding.md).
    link gcc "$dir" tls -lssl -lcrypto -pthread
}

build_lib_notls() {
    local dir=$ROOT/lib-notls dest=$OUT/lib-notls
    # No LTO here: an archive of GCC LTO bytecode links only with the same
    # GCC version, and this one is meant to be copied into other builds.
    configure "$dir" gcc -Dtls=disabled -Dcrypto=builtin -Db_lto=false
    rm -rf "$dest"
    mkdir -p "$dest/include/pgwire"
    cp "$dir/libpgwire.a" "$dest/"
    cp include/pgwire.h "$dest/include/"
    cp include/pgwire/*.h "$dest/include/pgwire/"
    # The archive must not reach for OpenSSL.
    if nm -u "$dest/libpgwire.a" | grep -qE ' (EVP_|HMAC|PKCS5_|RAND_|ERR_|OPENSSL_|CRYPTO_|SSL_)'; then
        die "$dest/libpgwire.a references OpenSSL"
    fi
    # And a program links against it with libc alone, fully statically.
    cc -static -Os -I"$dest/include" -o "$dir/size_select1-lib" bench/size_select1.c \
        "$dest/libpgwire.a" 2> >(grep -v -e 'statically linked applications requires' \
                                         -e 'in function' >&2) ||
        die "a static program does not link against $dest/libpgwire.a alone"
    printf 'STATIC lib-notls %s %s\n' "$dest/libpgwire.a" "$(stat -c %s "$dest/libpgwire.a")"
}

mkdir -p "$ROOT"
for k in "${KINDS[@]}"; do
    case "$k" in
    musl) build_musl ;;
    glibc-tls) build_glibc_tls ;;
    lib-notls) build_lib_notls ;;
    esac
done
