#!/usr/bin/env bash
# Every symbol the shared library exports must start with pgw_: the library
# is built with -fvisibility=hidden and only PGW_API declarations leave it,
# so anything else (a pgwi_ helper, a stray unprefixed function) is a leak.
#
# usage: check-exports.sh path/to/libpgwire.so
set -euo pipefail

NM=${NM:-nm}
[ $# -eq 1 ] || { echo "usage: $0 LIBPGWIRE.so" >&2; exit 2; }
lib=$1
[ -f "$lib" ] || { echo "check-exports: $lib: no such file" >&2; exit 2; }
command -v "$NM" >/dev/null || { echo "check-exports: $NM not found" >&2; exit 2; }

# nm -P: "name TYPE value size"; versioned names carry @VERSION.
syms=$("$NM" -D -P --defined-only "$lib")

bad=()
n=0
while read -r name type _; do
    [ -n "$name" ] || continue
    name=${name%%@*}
    case "$type" in
    [TtDdBbRrVvWwiu]) ;;
    *) continue ;; # absolute symbols (A) are linker bookkeeping
    esac
    case "$name" in
    # Linker and runtime bookkeeping, and what instrumented builds add.
    _init | _fini | _edata | _end | __bss_start | _etext | __data_start | __dso_handle | \
        __odr_asan_gen_* | __asan_* | ___asan_* | __sancov_* | __llvm_profile_* | \
        __gcov_* | __llvm_gcov_* | __start___sancov* | __stop___sancov*)
        continue
        ;;
    esac
    n=$((n + 1))
    [[ $name == pgw_* ]] || bad+=("$name ($type)")
done <<<"$syms"

if [ "$n" -eq 0 ]; then
    echo "check-exports: $lib exports no pgw_ symbol at all: is PGW_API working?"
    exit 1
fi
if [ ${#bad[@]} -gt 0 ]; then
    for b in "${bad[@]}"; do echo "FAIL exported symbol without the pgw_ prefix: $b"; done
    echo "check-exports: ${#bad[@]} of $n exported symbols leak (mark them static, or hidden)"
    exit 1
fi
echo "check-exports: all $n exported symbols of $(basename "$lib") start with pgw_"
