# shellcheck shell=bash
# Packages pgwire's scripts need, installed when missing. Sourced by
# scripts/test.sh and scripts/demo.sh; call pgw_ensure_deps.
#
# Debian 12 names. g++ is there for the C++ compile of pgwire.h
# (tests/headers); clang and libclang-rt-14-dev for the sanitizer build;
# pgbouncer for the fixture's pooler in front of the test cluster
# (scripts/pg-fixture.sh, tests/pool/test_pgbouncer.c).
PGW_DEB_PACKAGES=(
    postgresql-15 postgresql-server-dev-15 libcmocka-dev libssl-dev pgbouncer
    meson ninja-build clang libclang-rt-14-dev valgrind pkg-config python3
    gcc g++ binutils iproute2
)

pgw_deb_missing() {
    local p
    for p in "${PGW_DEB_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q ' ok installed$' ||
            printf '%s\n' "$p"
    done
}

pgw_ensure_deps() {
    if ! command -v dpkg-query >/dev/null 2>&1; then
        # Not Debian: check for the tools and leave installing to the user.
        local c missing=()
        for c in meson ninja cc python3 pkg-config nm; do
            command -v "$c" >/dev/null 2>&1 || missing+=("$c")
        done
        if [ ${#missing[@]} -gt 0 ]; then
            echo "deps: not a Debian system and these are missing: ${missing[*]}" >&2
            return 1
        fi
        echo "deps: not a Debian system; tools found, packages not checked"
        return 0
    fi

    local missing
    mapfile -t missing < <(pgw_deb_missing)
    if [ ${#missing[@]} -eq 0 ]; then
        echo "deps: all ${#PGW_DEB_PACKAGES[@]} packages present"
        return 0
    fi

    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            sudo=(sudo -n)
        else
            echo "deps: missing ${missing[*]}; run as root or with sudo to install them" >&2
            return 1
        fi
    fi
    echo "deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    mapfile -t missing < <(pgw_deb_missing)
    if [ ${#missing[@]} -gt 0 ]; then
        echo "deps: still missing after apt-get install: ${missing[*]}" >&2
        return 1
    fi
    echo "deps: installed"
}
