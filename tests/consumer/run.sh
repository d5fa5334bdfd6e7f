#!/usr/bin/env bash
# Build tests/consumer/project (a program outside the tree) against pgwire
# the two ways a user would, and run it (against the fixture when
# PGW_TEST_* is set, else only pgw_version()):
#   subproject  the project with subprojects/pgwire -> this source tree,
#               dependency('pgwire', fallback: ...) (forced to the fallback)
#   pkgconfig   `meson install --destdir` of the current build, then
#               cc consumer.c $(pkg-config --cflags --libs pgwire)
#
# usage: run.sh subproject|pkgconfig SRCDIR BUILDDIR WORKDIR
set -euo pipefail
mode=$1 src=$2 build=$3 work=$4
CC=${CC:-cc}
rm -rf "$work"
mkdir -p "$work"
if [ -n "${PGW_TEST_HOST:-}" ]; then
    export PGW_CONSUMER_CONNINFO="host=$PGW_TEST_HOST port=$PGW_TEST_PORT dbname=$PGW_TEST_DB user=$PGW_TEST_SCRAM_USER password=$PGW_TEST_SCRAM_PASSWORD sslmode=disable"
fi

case "$mode" in
subproject)
    cp "$src/tests/consumer/project/meson.build" "$src/tests/consumer/project/consumer.c" "$work/"
    mkdir "$work/subprojects"
    ln -s "$src" "$work/subprojects/pgwire"
    # forcefallback: use the subproject even when a pgwire.pc is installed.
    meson setup "$work/build" "$work" --wrap-mode=forcefallback >"$work/setup.log" 2>&1 ||
        { cat "$work/setup.log"; exit 1; }
    ninja -C "$work/build" consumer >"$work/build.log" 2>&1 || { tail -50 "$work/build.log"; exit 1; }
    "$work/build/consumer"
    ;;
pkgconfig)
    meson install -C "$build" --no-rebuild --destdir "$work/root" >"$work/install.log" 2>&1 ||
        { cat "$work/install.log"; exit 1; }
    pc=$(find "$work/root" -name pgwire.pc | head -n 1)
    [ -n "$pc" ] || { echo "no pgwire.pc installed"; exit 1; }
    # The .pc file names the final prefix; the sysroot maps it into destdir.
    export PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR="$work/root"
    cflags=$(pkg-config --cflags pgwire)
    libs=$(pkg-config --libs pgwire)
    echo "# pkg-config: $cflags $libs"
    san=
    [ "${PGW_SANITIZE:-none}" = none ] || san=-fsanitize=$PGW_SANITIZE
    # shellcheck disable=SC2086
    "$CC" -std=c11 -Wall -Wextra -Werror $san $cflags "$src/tests/consumer/project/consumer.c" \
        -o "$work/consumer" $libs
    libdir=$(dirname "$(find "$work/root" -name 'libpgwire.so*' | head -n 1)")
    LD_LIBRARY_PATH=$libdir "$work/consumer"
    # The installed library is the one that ran.
    loaded=$(LD_LIBRARY_PATH=$libdir ldd "$work/consumer" | grep libpgwire || true)
    case "$loaded" in
    *"$libdir/libpgwire.so"*) ;;
    *) echo "consumer did not load the installed libpgwire: $loaded"; exit 1 ;;
    esac
    ;;
*) echo "usage: $0 subproject|pkgconfig SRCDIR BUILDDIR WORKDIR" >&2; exit 2 ;;
esac
echo "consumer ($mode): ok"
