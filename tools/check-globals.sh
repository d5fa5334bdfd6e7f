#!/usr/bin/env bash
# No mutable global state (STYLE.md, habit 9; issue 10): the library keeps
# everything on the objects the caller owns, so two connections on two
# threads share nothing. This check reads the symbol tables of every module
# archive and of the shared library and fails on any object that lives in a
# writable data section (.data, .bss, thread-local .tdata/.tbss, common
# symbols) unless the allowlist below names it with a reason.
#
# usage: check-globals.sh [--expect-violation SYMBOL]... [--expect-clean SYMBOL]...
#                         [--shared LIB.so] ARCHIVE...
#   ARCHIVE is .../libpgw_<module>.a, or MODULE=PATH to name the module.
#
# Why objdump and not only nm's letters: nm prints 'd' both for .data and
# for .data.rel.ro, where the compiler puts const tables holding pointers in
# position-independent code (the dynamic linker fills them in, then RELRO
# makes them read-only). Those are constants; the section name tells them
# apart. .data.rel.ro* is therefore not writable data here.
#
# Writable sections without any symbol (data the compiler made up) are also
# reported, except in objects built with sanitizers or coverage, whose
# runtimes keep unnamed bookkeeping there (UBSan's source locations, gcov's
# counters); their named symbols are still checked.
#
# With --expect-violation, the exit status is 0 only when every named symbol
# is reported, and with --expect-clean only when the named symbol is not (the
# lint suite's self-test uses both on a planted archive).
set -euo pipefail

OBJDUMP=${OBJDUMP:-objdump}

# ---- allowlist -------------------------------------------------------------
# "module member symbol": module as in ARCHIVE (or "shared" for the shared
# library), member the object file's base name (* = any). Keep each entry
# commented with why it cannot live on an object.
allowlist=(
    # buf.c's wipe calls memset through a const volatile function pointer so
    # the compiler cannot drop the store as dead. It is const (never
    # written); volatile is what moves it from .rodata to .data.
    'common buf.c.o zero_fn'
    'shared * zero_fn'
    # What the C runtime's crtstuff links into every shared object: the
    # run-once flag of __do_global_dtors_aux, the DSO handle, the TM clone
    # table end marker. Not ours, never touched by library code.
    'shared * completed.0'
    'shared * completed.1'
    'shared * __dso_handle'
    'shared * __TMC_END__'
)

# Symbols that sanitizer and coverage instrumentation add (never source).
instrumentation_re='^(__asan_.*|___asan_.*|__odr_asan.*|__sancov_.*|__ubsan_.*|__gcov.*|__llvm_gcov.*|__llvm_profile.*|__profc_.*|__profd_.*|__profvp_.*|__covrec_.*|__tsan_.*|\.L.*)$'
# Undefined symbols that mark an object as instrumented.
instrumented_ref_re='^(__asan_.*|__ubsan_handle_.*|__sanitizer_cov_.*|__gcov_.*|__llvm_gcov_.*|__llvm_profile_.*|__tsan_.*|__msan_.*)$'

# ---- arguments --------------------------------------------------------------
expected=()
clean=()
inputs=()
shared=
while [ $# -gt 0 ]; do
    case "$1" in
    --expect-violation)
        [ $# -ge 2 ] || { echo "check-globals: --expect-violation needs a symbol" >&2; exit 2; }
        expected+=("$2")
        shift 2
        ;;
    --expect-clean)
        [ $# -ge 2 ] || { echo "check-globals: --expect-clean needs a symbol" >&2; exit 2; }
        clean+=("$2")
        shift 2
        ;;
    --shared)
        [ $# -ge 2 ] || { echo "check-globals: --shared needs a path" >&2; exit 2; }
        shared=$2
        shift 2
        ;;
    -*) echo "check-globals: unknown option $1" >&2; exit 2 ;;
    *) inputs+=("$1"); shift ;;
    esac
done
[ ${#inputs[@]} -gt 0 ] || [ -n "$shared" ] ||
    { echo "usage: $0 [--expect-violation SYM]... [--expect-clean SYM]... [--shared LIB.so] ARCHIVE..." >&2; exit 2; }
command -v "$OBJDUMP" >/dev/null || { echo "check-globals: $OBJDUMP not found" >&2; exit 2; }

allowed() { # module member symbol
    local e m f s
    for e in "${allowlist[@]}"; do
        read -r m f s <<<"$e"
        [ "$m" = "$1" ] || continue
        [ "$f" = '*' ] || [ "$f" = "$2" ] || continue
        [ "$s" = "$3" ] && return 0
    done
    return 1
}

# scan FILE: prints one line per fact, tab-separated:
#   SYM  member  section  size  name     an object in a writable section
#   SEC  member  section  size           a non-empty writable section
#   INS  member                          the member references instrumentation
# objdump -t prints "member.o:     file format ..." before each member's table
# (for a shared object, the file itself); -h the section headers.
writable_sec_re='^(\.data($|\.)|\.bss($|\.)|\.tdata($|\.)|\.tbss($|\.)|\*COM\*$|COMMON$)'
scan() {
    local out
    out=$("$OBJDUMP" -t -h "$1") || { echo "check-globals: $OBJDUMP failed on $1" >&2; exit 2; }
    printf '%s\n' "$out" | awk -v wre="$writable_sec_re" -v ire="$instrumented_ref_re" '
        function writable(s) { return s ~ wre && s !~ /^\.data\.rel\.ro/ }
        function hex(h,    i, v) {   # mawk has no strtonum
            v = 0
            for (i = 1; i <= length(h); i++)
                v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
            return v
        }
        /file format/ { m = $1; sub(/:$/, "", m); sub(/^.*\//, "", m); next }
        # section headers: "  2 .data  00000010  ..."
        /^ *[0-9]+ [^ ]+ +[0-9a-f]+ +[0-9a-f]+/ {
            if (writable($2) && hex($3) > 0)
                printf "SEC\t%s\t%s\t%d\n", m, $2, hex($3)
            next
        }
        # symbol lines: "VALUE FLAGS SECTION SIZE NAME" where FLAGS has fixed
        # width (7 chars) and may contain spaces: split on the tab before SIZE.
        /^[0-9a-f]+ / {
            n = split($0, parts, "\t")
            if (n < 2) next
            head = parts[1]; rest = parts[2]
            flags = substr(head, index(head, " ") + 1, 7)
            sec = substr(head, index(head, " ") + 9)
            split(rest, r, " ")   # "SIZE [.hidden] NAME"
            size = hex(r[1]); name = r[length(r)]
            if (sec == "*UND*") {
                if (name ~ ire) printf "INS\t%s\n", m
                next
            }
            # Objects ("O"), and thread-local variables, which have no type
            # letter; not functions, files or section symbols ("d").
            t = substr(flags, 7, 1)
            if (t != "O" && !(t == " " && substr(flags, 6, 1) == " ")) next
            if (writable(sec))
                printf "SYM\t%s\t%s\t%d\t%s\n", m, sec, size, name
        }'
}

violations=()
declare -A sec_named=() sec_size=() instrumented=()

check() { # module path
    local mod=$1 path=$2 kind member sec size name key facts s nobj=0
    local -a syms=()
    facts=$(scan "$path")
    sec_named=() sec_size=() instrumented=()
    while IFS=$'\t' read -r kind member sec size name; do
        case "$kind" in
        INS) instrumented[$member]=1 ;;
        SEC) sec_size["$member $sec"]=$size ;;
        SYM)
            sec_named["$member $sec"]=1
            syms+=("$member"$'\t'"$sec"$'\t'"$size"$'\t'"$name")
            ;;
        esac
    done <<<"$facts"
    for s in ${syms[@]+"${syms[@]}"}; do
        IFS=$'\t' read -r member sec size name <<<"$s"
        [[ $name =~ $instrumentation_re ]] && continue
        # ASan's table describing the object's globals (clang names it so).
        [[ $name =~ ^__unnamed_[0-9]+$ ]] && [ -n "${instrumented[$member]:-}" ] && continue
        nobj=$((nobj + 1))
        allowed "$mod" "$member" "$name" && continue
        violations+=("$mod: $member: writable $sec object '$name' ($size bytes): mutable global state")
    done
    for key in "${!sec_size[@]}"; do
        member=${key%% *}
        [ -n "${sec_named[$key]:-}" ] && continue
        [ -n "${instrumented[$member]:-}" ] && continue
        violations+=("$mod: $member: ${sec_size[$key]} bytes of unnamed writable data in ${key#* }")
    done
    echo "check-globals: $mod: $nobj writable object(s) found ($(basename "$path"))"
}

for a in "${inputs[@]}"; do
    if [[ $a == *=* ]]; then
        m=${a%%=*}
        p=${a#*=}
    else
        p=$a
        m=$(basename "$p")
        m=${m#libpgw_}
        m=${m%.a}
    fi
    [ -f "$p" ] || { echo "check-globals: $p: no such file" >&2; exit 2; }
    check "$m" "$p"
done
if [ -n "$shared" ]; then
    [ -f "$shared" ] || { echo "check-globals: $shared: no such file" >&2; exit 2; }
    check shared "$shared"
    # The totals, for the log: what a process pays per copy of the library.
    sizes=$("$OBJDUMP" -h "$shared" | awk '$2 ~ /^\.(data|bss|tdata|tbss)$/ { printf "%s 0x%s bytes; ", $2, $3 }')
    echo "check-globals: shared: ${sizes:-no .data/.bss}"
fi

if [ ${#expected[@]} -gt 0 ] || [ ${#clean[@]} -gt 0 ]; then
    for v in "${violations[@]}"; do echo "found: $v"; done
    rc=0
    for e in "${clean[@]}"; do
        for v in "${violations[@]}"; do
            if [[ $v == *"'"*"$e"*"' "* ]]; then
                echo "check-globals: $e was reported but is not writable state"
                rc=1
            fi
        done
    done
    for e in "${expected[@]}"; do
        found=0
        for v in "${violations[@]}"; do
            # Substring: a static local is "name.0" (gcc) or "fn.name" (clang).
            [[ $v == *"'"*"$e"*"' "* ]] && found=1
        done
        if [ "$found" -eq 1 ]; then
            echo "check-globals: planted violation $e was caught"
        else
            echo "check-globals: planted violation $e was NOT caught"
            rc=1
        fi
    done
    exit "$rc"
fi

if [ ${#violations[@]} -gt 0 ]; then
    for v in "${violations[@]}"; do echo "FAIL $v"; done
    echo "check-globals: ${#violations[@]} violation(s): keep state on the objects (or allowlist it in tools/check-globals.sh with a reason)"
    exit 1
fi
echo "check-globals: ok"
