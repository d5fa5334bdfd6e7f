#!/usr/bin/env bash
# Check the undefined symbols of each module's static archive, so that the
# layering holds at link level too (an include lint cannot see a call to a
# function declared by hand).
#
# usage: check-symbols.sh [--expect-violation SYMBOL]... ARCHIVE...
#   ARCHIVE is .../libpgw_<module>.a, or MODULE=PATH to name the module.
#
# Rules (DESIGN.md: only io makes system calls; protocol, types and auth are
# pure):
#   1. No module but io and crypto references a system call; clock_gettime,
#      time and gettimeofday only io (crypto's builtin backend may read
#      /dev/urandom or call getrandom, but never needs the clock).
#   2. protocol, types and auth reference nothing outside an allowlist:
#      mem*, str*, whatever libpgw_common.a defines (allocator hooks, pgw_buf),
#      for auth also the pgwi_ functions libpgw_crypto.a defines (the crypto
#      seam), and symbols the compiler or a sanitizer inserts. Symbols defined
#      in the same archive are internal and always fine.
# With --expect-violation, the exit status is 0 only when every named symbol
# is reported (the lint suite's self-test uses this on a planted archive).
set -euo pipefail

NM=${NM:-nm}
expected=()
archives=()
while [ $# -gt 0 ]; do
    case "$1" in
    --expect-violation)
        [ $# -ge 2 ] || { echo "check-symbols: --expect-violation needs a symbol" >&2; exit 2; }
        expected+=("$2")
        shift 2
        ;;
    -*) echo "check-symbols: unknown option $1" >&2; exit 2 ;;
    *) archives+=("$1"); shift ;;
    esac
done
[ ${#archives[@]} -gt 0 ] || { echo "usage: $0 [--expect-violation SYM]... ARCHIVE..." >&2; exit 2; }

# System calls and their libc wrappers. Matched against the base name: the
# leading "__", a fortify suffix (_chk, _2) and a trailing 64 are stripped
# first, so __read_chk, open64 and __open64_2 count as read and open.
syscall_re='^(socket|socketpair|connect|accept|accept4|bind|listen|recv|recvfrom|recvmsg|recvmmsg|send|sendto|sendmsg|sendmmsg|read|write|readv|writev|pread|pwrite|preadv|pwritev|poll|ppoll|select|pselect|epoll_.*|open|openat|fopen|fdopen|freopen|opendir|close|getaddrinfo|getnameinfo|gethostbyname|gethostbyname_r|gethostbyaddr|getenv|secure_getenv|setenv|unsetenv|putenv|clearenv|fork|vfork|exec.*|system|popen|getpwuid|getpwuid_r|getpwnam|getpwnam_r|stat|fstat|lstat|fstatat|newfstatat|statx|xstat|fxstat|lxstat|access|unlink|mmap|ioctl|fcntl|setsockopt|getsockopt|shutdown|pipe|pipe2|dup|dup2|dup3|kill|raise|signal|sigaction|pthread_create|nanosleep|clock_nanosleep|sleep|usleep|alarm|setitimer|getrandom|syscall|clock_gettime|time|gettimeofday)$'
time_re='^(clock_gettime|time|gettimeofday)$'

# Undefined symbols a pure module may have beyond common's (and, for auth,
# the crypto seam's) definitions.
pure_ok_re='^(mem[a-z0-9_]*|str[a-z0-9_]*|__(mem|str|stp)[a-z0-9_]*_chk|__stack_chk_fail(_local)?|__stack_chk_guard|__assert_fail|_GLOBAL_OFFSET_TABLE_|__(asan|ubsan|lsan|msan|tsan|sanitizer|sancov)_.*|___asan_.*|__odr_asan.*|__(start|stop)___sancov.*|__gcov_.*|__llvm_gcov_.*|__llvm_profile_.*|__profc_.*|__profd_.*|__(u?(div|mod|mul)[a-z]*|mulo[a-z]*|popcount[a-z]*|clz[a-z]*|ctz[a-z]*|bswap[a-z]*)[0-9])$'

# Sets B to the base name of $1 (no subshell: this runs once per symbol).
base_name() {
    B=${1#__}
    B=${B%_chk}
    B=${B%_2}
    B=${B%64}
}

declare -A path_of=()
for a in "${archives[@]}"; do
    if [[ $a == *=* ]]; then
        m=${a%%=*}
        p=${a#*=}
    else
        p=$a
        m=$(basename "$p")
        m=${m#libpgw_}
        m=${m%.a}
    fi
    [ -f "$p" ] || { echo "check-symbols: $p: no such archive" >&2; exit 2; }
    path_of[$m]=$p
done

# "member symbol" lines: nm -P prints "archive[member.o]: symbol TYPE ...".
undefined_of() {
    "$NM" -A -P -u "$1" |
        awk '{ m = $1; sub(/^.*\[/, "", m); sub(/\]:$/, "", m); sub(/^.*\//, "", m); print m, $2 }'
}
defined_of() {
    "$NM" -A -P --defined-only "$1" | awk '$3 ~ /^[A-TV-Z]$/ { print $2 }' | sort -u
}

command -v "$NM" >/dev/null || { echo "check-symbols: $NM not found" >&2; exit 2; }

# Command substitutions (not process substitutions) so that a failing nm
# stops the check instead of looking like an archive with no symbols.
declare -A common_defs=() crypto_seam=()
if [ -n "${path_of[common]:-}" ]; then
    list=$(defined_of "${path_of[common]}")
    while read -r s; do [ -n "$s" ] && common_defs[$s]=1; done <<<"$list"
fi
if [ -n "${path_of[crypto]:-}" ]; then
    list=$(defined_of "${path_of[crypto]}")
    while read -r s; do
        [[ $s == pgwi_* ]] && crypto_seam[$s]=1
    done <<<"$list"
fi

violations=()
for m in $(printf '%s\n' "${!path_of[@]}" | sort); do
    p=${path_of[$m]}
    pure=0
    case "$m" in
    protocol | types | auth)
        pure=1
        if [ -z "${path_of[common]:-}" ]; then
            echo "check-symbols: checking $m needs libpgw_common.a among the archives" >&2
            exit 2
        fi
        if [ "$m" = auth ] && [ -z "${path_of[crypto]:-}" ]; then
            echo "check-symbols: checking auth needs libpgw_crypto.a among the archives" >&2
            exit 2
        fi
        ;;
    esac
    declare -A own=()
    list=$(defined_of "$p")
    while read -r s; do [ -n "$s" ] && own[$s]=1; done <<<"$list"
    refs=$(undefined_of "$p")
    nsyms=0
    while read -r member sym; do
        [ -n "$sym" ] || continue
        [ -n "${own[$sym]:-}" ] && continue
        nsyms=$((nsyms + 1))
        base_name "$sym"
        if [ "$m" != io ] && [[ $B =~ $time_re ]]; then
            violations+=("$m: $member references $sym: only io reads the clock")
            continue
        fi
        if [ "$m" != io ] && [ "$m" != crypto ] && [[ $B =~ $syscall_re ]]; then
            violations+=("$m: $member references $sym: a system call; only io (and crypto) may make one")
            continue
        fi
        [ "$pure" -eq 1 ] || continue
        [[ $sym =~ $pure_ok_re ]] && continue
        [ -n "${common_defs[$sym]:-}" ] && continue
        [ "$m" = auth ] && [ -n "${crypto_seam[$sym]:-}" ] && continue
        if [ -n "${crypto_seam[$sym]:-}" ]; then
            violations+=("$m: $member references $sym: the crypto seam is for auth (and conn) only")
        else
            violations+=("$m: $member references $sym: not on the allowlist of a pure module (tools/check-symbols.sh)")
        fi
    done <<<"$refs"
    unset own
    echo "check-symbols: $m: $nsyms external symbol references checked ($(basename "$p"))"
done

if [ ${#expected[@]} -gt 0 ]; then
    for v in "${violations[@]}"; do echo "found: $v"; done
    rc=0
    for e in "${expected[@]}"; do
        found=0
        for v in "${violations[@]}"; do
            [[ $v == *" references $e:"* ]] && found=1
        done
        if [ "$found" -eq 1 ]; then
            echo "check-symbols: planted violation $e was caught"
        else
            echo "check-symbols: planted violation $e was NOT caught"
            rc=1
        fi
    done
    exit "$rc"
fi

if [ ${#violations[@]} -gt 0 ]; then
    for v in "${violations[@]}"; do echo "FAIL $v"; done
    echo "check-symbols: ${#violations[@]} violation(s)"
    exit 1
fi
echo "check-symbols: ok"
