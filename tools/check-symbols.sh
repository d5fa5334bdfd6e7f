#!/usr/bin/env bash
# Check the undefined symbols of each module's static archive, so that the
# layering holds at link level too (an include lint cannot see a call to a
# function declared by hand).
#
# usage: check-symbols.sh [--allow-assert] [--expect-violation SYMBOL]...
#                         [--expect-clean SYMBOL]... ARCHIVE...
#   ARCHIVE is .../libpgw_<module>.a, or MODULE=PATH to name the module.
#
# Rules (DESIGN.md: only io makes system calls; protocol, types and auth are
# pure):
#   1. No module but io and crypto references a system call; clock_gettime,
#      time and gettimeofday only io (crypto's builtin backend may read
#      /dev/urandom or call getrandom, but never needs the clock). The
#      pool may read clock_gettime too, for deadlines and lifetimes.
#   2. protocol, types and auth reference nothing outside an allowlist:
#      mem*, str*, whatever libpgw_common.a defines (allocator hooks, pgw_buf),
#      for auth also the pgwi_ functions libpgw_crypto.a defines (the crypto
#      seam), and symbols the compiler or a sanitizer inserts. Symbols defined
#      in the same archive are internal and always fine.
#   3. No module at all (io included) writes to stdout/stderr or takes over
#      the process: no printf/puts/fputs/fwrite/perror/..., no reference to
#      stdout/stderr, no exit/_exit/abort, no signal/sigaction/raise/kill
#      and no signal masks (DESIGN.md: nothing aborts, nothing prints; the
#      library lives inside someone else's process). SIGPIPE is avoided per
#      call with MSG_NOSIGNAL instead. snprintf/vsnprintf into a buffer are
#      fine. assert() is for internal invariants (STYLE.md) and compiles to
#      __assert_fail, which aborts: it is accepted only with --allow-assert,
#      which meson passes when the build keeps asserts (b_ndebug resolves to
#      false, e.g. buildtype=debug); a release build (NDEBUG) must not
#      reference it at all.
# With --expect-violation, the exit status is 0 only when every named symbol
# is reported, and with --expect-clean only when the named symbol is not (the
# lint suite's self-tests use both on planted archives).
set -euo pipefail

NM=${NM:-nm}
expected=()
clean=()
archives=()
allow_assert=0
while [ $# -gt 0 ]; do
    case "$1" in
    --expect-violation)
        [ $# -ge 2 ] || { echo "check-symbols: --expect-violation needs a symbol" >&2; exit 2; }
        expected+=("$2")
        shift 2
        ;;
    --expect-clean)
        [ $# -ge 2 ] || { echo "check-symbols: --expect-clean needs a symbol" >&2; exit 2; }
        clean+=("$2")
        shift 2
        ;;
    --allow-assert) allow_assert=1; shift ;;
    -*) echo "check-symbols: unknown option $1" >&2; exit 2 ;;
    *) archives+=("$1"); shift ;;
    esac
done
[ ${#archives[@]} -gt 0 ] || { echo "usage: $0 [--allow-assert] [--expect-violation SYM]... [--expect-clean SYM]... ARCHIVE..." >&2; exit 2; }

# System calls and their libc wrappers. Matched against the base name: the
# leading "__", a fortify suffix (_chk, _2) and a trailing 64 are stripped
# first, so __read_chk, open64 and __open64_2 count as read and open.
syscall_re='^(socket|socketpair|connect|accept|accept4|bind|listen|recv|recvfrom|recvmsg|recvmmsg|send|sendto|sendmsg|sendmmsg|read|write|readv|writev|pread|pwrite|preadv|pwritev|poll|ppoll|select|pselect|epoll_.*|open|openat|fopen|fdopen|freopen|opendir|close|getaddrinfo|getnameinfo|gethostbyname|gethostbyname_r|gethostbyaddr|getenv|secure_getenv|setenv|unsetenv|putenv|clearenv|fork|vfork|exec.*|system|popen|getpwuid|getpwuid_r|getpwnam|getpwnam_r|stat|fstat|lstat|fstatat|newfstatat|statx|xstat|fxstat|lxstat|access|unlink|mmap|ioctl|fcntl|setsockopt|getsockopt|shutdown|pipe|pipe2|dup|dup2|dup3|kill|raise|signal|sigaction|pthread_create|nanosleep|clock_nanosleep|sleep|usleep|alarm|setitimer|getrandom|syscall|clock_gettime|time|gettimeofday)$'
time_re='^(clock_gettime|time|gettimeofday)$'
# What the pool may call beyond pthread_mutex_*/pthread_cond_* (which are
# not system calls here): the clock, for deadlines and lifetimes.
pool_ok_re='^clock_gettime$'

# Rule 3, for every module, on the same base names: output to the standard
# streams (the _chk forms reduce to these) and process control.
stdio_re='^(printf|fprintf|vprintf|vfprintf|dprintf|vdprintf|puts|fputs|fputs_unlocked|fputc|fputc_unlocked|putc|putc_unlocked|putchar|putchar_unlocked|fwrite|fwrite_unlocked|fflush|perror|psignal|psiginfo|err|errx|warn|warnx|verr|verrx|vwarn|vwarnx|error|error_at_line|syslog|vsyslog|openlog|stdout|stderr|stdin|_IO_2_1_stdout_|_IO_2_1_stderr_|_IO_putc|_IO_puts)$'
# A platform without MSG_NOSIGNAL/SO_NOSIGPIPE would need libpq's
# sigmask dance around send(): allow it there explicitly, with a comment.
process_re='^(exit|_exit|_Exit|Exit|quick_exit|abort|atexit|at_quick_exit|on_exit|signal|sysv_signal|bsd_signal|sigset|sigaction|raise|kill|tgkill|pthread_kill|sigprocmask|pthread_sigmask|assert_fail|assert_perror_fail|assert)$'

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
        if [[ $B =~ $stdio_re ]]; then
            violations+=("$m: $member references $sym: the library never writes to stdout/stderr (report through the connection's error or notice callback)")
            continue
        fi
        if [[ $B =~ $process_re ]]; then
            if [[ $sym == __assert_fail ]] && [ "$allow_assert" -eq 1 ]; then
                :
            elif [[ $sym == __assert* ]]; then
                violations+=("$m: $member references $sym: assert() survives a release build (NDEBUG must remove it; never assert on network data)")
                continue
            else
                violations+=("$m: $member references $sym: the library never exits, aborts or touches signals (return a status)")
                continue
            fi
        fi
        # The pool (src/pool) measures lifetimes and acquire deadlines: it
        # may read the monotonic clock, and nothing else of the system
        # (pthread_create stays forbidden: it starts no thread unasked).
        if [ "$m" = pool ] && [[ $B =~ $pool_ok_re ]]; then
            continue
        fi
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

if [ ${#expected[@]} -gt 0 ] || [ ${#clean[@]} -gt 0 ]; then
    for v in "${violations[@]}"; do echo "found: $v"; done
    rc=0
    for e in "${clean[@]}"; do
        for v in "${violations[@]}"; do
            if [[ $v == *" references $e:"* ]]; then
                echo "check-symbols: $e was reported but is allowed here"
                rc=1
            fi
        done
    done
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
