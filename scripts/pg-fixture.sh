#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for pgwire's integration tests.
#
#   scripts/pg-fixture.sh start [DIR]   create and start a cluster in DIR (mktemp -d
#                                       when omitted); prints DIR on stdout
#   scripts/pg-fixture.sh env DIR       print the `export PGW_TEST_...` lines
#                                       (also written to DIR/env.sh by start)
#   scripts/pg-fixture.sh stop DIR      stop the cluster and remove what start created
#
# Loopback only, a random free port, a private socket directory: it never uses
# a fixed port and never touches another cluster. As root, the server runs as
# the `postgres` system user (PostgreSQL refuses to run as root).
#
# Layout of DIR (all of it created here; `stop` removes exactly this):
#   data/          the cluster
#   server.log     the server log
#   env.sh         the export lines
#   sockdir        holds the path of the socket directory, which lives under
#                  /tmp with a short name because a socket path is limited to
#                  107 bytes and DIR may be deep
#
# Roles (pg_hba.conf gives each one its method for both `local` and `host`):
#   postgres      bootstrap superuser, trust on the socket only (setup)
#   pgw_scram     scram-sha-256, password stored as SCRAM
#   pgw_md5       md5, password stored as an MD5 hash (checked in pg_authid)
#   pgw_password  password (cleartext on the wire)
#   pgw_trust     trust; owns the database pgw_test
#   pgw_reject    reject
#   pgw_super     trust, superuser (tests that call pg_terminate_backend)
set -euo pipefail

# Fixed test passwords: this cluster exists for a few minutes on loopback.
readonly SCRAM_PASSWORD='pgw-scram-secret'
readonly MD5_PASSWORD='pgw-md5-secret'
readonly PASSWORD_PASSWORD='pgw-password-secret'
readonly DBNAME='pgw_test'

die() { printf 'pg-fixture: %s\n' "$*" >&2; exit 1; }
say() { printf 'pg-fixture: %s\n' "$*" >&2; }

usage() {
    printf 'usage: %s start [DIR] | env DIR | stop DIR\n' "$0" >&2
    exit 2
}

# ---- finding the server --------------------------------------------------

find_bindir() {
    local d
    if [ -n "${PGW_PG_BINDIR:-}" ]; then
        [ -x "$PGW_PG_BINDIR/initdb" ] || die "PGW_PG_BINDIR=$PGW_PG_BINDIR has no initdb"
        printf '%s\n' "$PGW_PG_BINDIR"
        return
    fi
    if command -v pg_config >/dev/null 2>&1; then
        d=$(pg_config --bindir 2>/dev/null || true)
        if [ -n "$d" ] && [ -x "$d/initdb" ]; then
            printf '%s\n' "$d"
            return
        fi
    fi
    if [ -x /usr/lib/postgresql/15/bin/initdb ]; then
        printf '%s\n' /usr/lib/postgresql/15/bin
        return
    fi
    d=$(printf "%s\n" /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    if [ -n "$d" ] && [ -x "$d/initdb" ]; then
        printf '%s\n' "$d"
        return
    fi
    die "no PostgreSQL server binaries found (install postgresql-15, or set PGW_PG_BINDIR)"
}

# ---- running as the server's user -----------------------------------------

if [ "$(id -u)" -eq 0 ]; then
    AS_ROOT=1
    getent passwd postgres >/dev/null || die "running as root but there is no 'postgres' system user"
else
    AS_ROOT=0
fi

# Run a command as the user that owns the cluster.
as_pg() {
    if [ "$AS_ROOT" -eq 0 ]; then
        "$@"
    elif command -v runuser >/dev/null 2>&1; then
        runuser -u postgres -- "$@"
    else
        local q
        printf -v q '%q ' "$@"
        su postgres -s /bin/sh -c "$q"
    fi
}

# Give a path start created to the server's user.
give_to_pg() {
    if [ "$AS_ROOT" -eq 1 ]; then
        chown postgres: "$@"
    fi
}

# ---- ports -----------------------------------------------------------------

have_ipv6() {
    python3 - <<'EOF' 2>/dev/null
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.bind(("::1", 0))
s.close()
EOF
}

# A port that is free on 127.0.0.1 (and on ::1 when $1 is 1). Binding port 0
# lets the kernel choose; the same number must also be free on ::1, so retry
# when it is not. Another process may still take the port before the server
# binds it; start() retries that case with a new port.
free_port() {
    python3 - "$1" <<'EOF'
import socket, sys
want6 = sys.argv[1] == "1"
for _ in range(50):
    s4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s4.bind(("127.0.0.1", 0))
    port = s4.getsockname()[1]
    if want6:
        s6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        try:
            s6.bind(("::1", port))
        except OSError:
            s4.close()
            s6.close()
            continue
        s6.close()
    s4.close()
    print(port)
    sys.exit(0)
sys.exit("no free port found")
EOF
}

# ---- configuration ----------------------------------------------------------

write_hba() {
    local hba=$1
    {
        printf '# Written by scripts/pg-fixture.sh. First match wins.\n'
        printf '# TYPE  DATABASE  USER          ADDRESS        METHOD\n'
        printf 'local   all       postgres                     trust\n'
        local line role method addr
        for line in "pgw_super trust" "pgw_trust trust" "pgw_scram scram-sha-256" \
                    "pgw_md5 md5" "pgw_password password" "pgw_reject reject"; do
            role=${line% *}
            method=${line#* }
            printf 'local   all       %-13s                %s\n' "$role" "$method"
            for addr in 127.0.0.1/32 ::1/128; do
                printf 'host    all       %-13s %-14s %s\n' "$role" "$addr" "$method"
            done
        done
    } >"$hba"
}

# Settings that change per start attempt live in their own file, included
# from postgresql.conf, so a retry with another port only rewrites this one.
write_fixture_conf() {
    local conf=$1 port=$2 listen=$3 sockdir=$4
    {
        printf '# Written by scripts/pg-fixture.sh.\n'
        printf "port = %s\n" "$port"
        printf "listen_addresses = '%s'\n" "$listen"
        printf "unix_socket_directories = '%s'\n" "$sockdir"
        printf "password_encryption = 'scram-sha-256'\n"
        # A throwaway cluster: durability is not wanted, speed is.
        printf "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
        printf "shared_buffers = 32MB\nmax_connections = 100\n"
        printf "log_connections = on\nlog_disconnections = on\n"
        printf "log_line_prefix = '%%m [%%p] %%q%%u@%%d '\n"
        write_tls_conf
    }  >"$conf"
}

# TLS seam. The TLS issue fills these in: make_tls_files generates a CA and
# a server certificate for 127.0.0.1/::1/localhost in DIR/tls (owned by the
# server's user, key mode 0600) and write_tls_conf prints ssl = on and the
# ssl_*_file settings; write_env then exports the CA path. `stop` already
# removes DIR/tls.
make_tls_files() {
    :
}

write_tls_conf() {
    printf "ssl = off\n"
}

# ---- env --------------------------------------------------------------------

write_env() {
    local dir=$1 port=$2 host6=$3 sockdir=$4 version=$5 version_str=$6
    local f="$dir/env.sh"
    {
        printf '# Written by scripts/pg-fixture.sh: source it to reach the test cluster.\n'
        printf 'export PGW_TEST_HOST=%q\n' 127.0.0.1
        printf 'export PGW_TEST_HOST6=%q\n' "$host6"
        printf 'export PGW_TEST_PORT=%q\n' "$port"
        printf 'export PGW_TEST_SOCKDIR=%q\n' "$sockdir"
        printf 'export PGW_TEST_DB=%q\n' "$DBNAME"
        printf 'export PGW_TEST_SCRAM_USER=%q\n' pgw_scram
        printf 'export PGW_TEST_SCRAM_PASSWORD=%q\n' "$SCRAM_PASSWORD"
        printf 'export PGW_TEST_MD5_USER=%q\n' pgw_md5
        printf 'export PGW_TEST_MD5_PASSWORD=%q\n' "$MD5_PASSWORD"
        printf 'export PGW_TEST_PASSWORD_USER=%q\n' pgw_password
        printf 'export PGW_TEST_PASSWORD_PASSWORD=%q\n' "$PASSWORD_PASSWORD"
        printf 'export PGW_TEST_TRUST_USER=%q\n' pgw_trust
        printf 'export PGW_TEST_REJECT_USER=%q\n' pgw_reject
        printf 'export PGW_TEST_SUPER_USER=%q\n' pgw_super
        # server_version_num, e.g. 150020: compare numerically.
        printf 'export PGW_TEST_SERVER_VERSION=%q\n' "$version"
        # server_version as the server reports it in ParameterStatus.
        printf 'export PGW_TEST_SERVER_VERSION_STRING=%q\n' "$version_str"
        printf 'export PGW_TEST_SERVER_LOG=%q\n' "$dir/server.log"
        printf 'export PGW_TEST_FIXTURE_DIR=%q\n' "$dir"
    } >"$f.tmp"
    mv "$f.tmp" "$f"
}

cmd_env() {
    local dir=$1
    [ -f "$dir/env.sh" ] || die "$dir/env.sh not found: was the cluster started with '$0 start $dir'?"
    grep '^export ' "$dir/env.sh"
}

# ---- start ------------------------------------------------------------------

psql_setup() {
    # As the bootstrap superuser over the socket (trust); stops at the first error.
    "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCKDIR" -p "$PORT" -U postgres "$@"
}

create_roles() {
    psql_setup -d postgres <<EOF
SET password_encryption = 'scram-sha-256';
CREATE ROLE pgw_scram LOGIN PASSWORD '$SCRAM_PASSWORD';
CREATE ROLE pgw_password LOGIN PASSWORD '$PASSWORD_PASSWORD';
-- The hash is chosen when the password is set, so switch first.
SET password_encryption = 'md5';
CREATE ROLE pgw_md5 LOGIN PASSWORD '$MD5_PASSWORD';
RESET password_encryption;
CREATE ROLE pgw_trust LOGIN;
CREATE ROLE pgw_reject LOGIN;
CREATE ROLE pgw_super LOGIN SUPERUSER;
CREATE DATABASE $DBNAME OWNER pgw_trust;
GRANT CONNECT, TEMPORARY ON DATABASE $DBNAME TO PUBLIC;
EOF
    # Since PostgreSQL 15 only the database owner may create in schema public.
    psql_setup -d "$DBNAME" <<EOF
GRANT USAGE, CREATE ON SCHEMA public TO PUBLIC;
EOF
    local md5 scram
    md5=$(psql_setup -d postgres -At -c "SELECT left(rolpassword, 3) FROM pg_authid WHERE rolname = 'pgw_md5'")
    [ "$md5" = md5 ] || die "pgw_md5's password is not stored as an MD5 hash (got '$md5')"
    scram=$(psql_setup -d postgres -At -c "SELECT left(rolpassword, 14) FROM pg_authid WHERE rolname = 'pgw_scram'")
    [ "$scram" = 'SCRAM-SHA-256$' ] || die "pgw_scram's password is not stored as SCRAM (got '$scram')"
}

# Start the server on a fresh free port; retry when the port was taken in
# between (the only start failure worth a retry).
start_server() {
    local dir=$1 want6=$2 listen=$3 attempt
    for attempt in 1 2 3 4 5; do
        PORT=$(free_port "$want6")
        write_fixture_conf "$dir/data/pgw_fixture.conf" "$PORT" "$listen" "$SOCKDIR"
        give_to_pg "$dir/data/pgw_fixture.conf"
        : >"$dir/server.log" # so the grep below sees this attempt only
        if as_pg "$BINDIR/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null; then
            return 0
        fi
        if grep -q 'could not bind\|Address already in use' "$dir/server.log" 2>/dev/null; then
            say "port $PORT was taken meanwhile; retrying ($attempt)"
            continue
        fi
        break
    done
    say "the server did not start; end of $dir/server.log:"
    tail -n 30 "$dir/server.log" >&2 2>/dev/null || true
    return 1
}

start_failed() {
    local rc=$?
    say "start failed; removing what it created in $START_DIR"
    cmd_stop "$START_DIR" >/dev/null 2>&1 || true
    exit "$rc"
}

cmd_start() {
    local dir=${1:-} t0
    t0=$(date +%s.%N)
    if [ -z "$dir" ]; then
        dir=$(mktemp -d "${TMPDIR:-/tmp}/pgw-fixture.XXXXXX")
    else
        mkdir -p "$dir"
    fi
    dir=$(cd "$dir" && pwd)
    [ -e "$dir/data" ] && die "$dir/data exists: stop that cluster first ('$0 stop $dir')"
    [ -e "$dir/sockdir" ] && die "$dir/sockdir exists: stop that cluster first ('$0 stop $dir')"

    # From here on, any failure (die, set -e) removes whatever was created.
    START_DIR=$dir
    trap start_failed EXIT

    BINDIR=$(find_bindir)
    SOCKDIR=$(mktemp -d /tmp/pgw.XXXXXX)
    printf '%s\n' "$SOCKDIR" >"$dir/sockdir"
    chmod 0755 "$SOCKDIR"

    mkdir -m 0700 "$dir/data"
    : >"$dir/server.log"
    give_to_pg "$dir/data" "$dir/server.log" "$SOCKDIR"
    if [ "$AS_ROOT" -eq 1 ]; then
        # The server's user must be able to reach DIR: allow it to traverse
        # (not list) it; every ancestor must already allow that.
        chmod o+x "$dir"
        as_pg test -w "$dir/data" ||
            die "user postgres cannot reach $dir (an ancestor directory is closed); choose another DIR"
    fi

    as_pg "$BINDIR/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C \
        --no-sync --no-instructions >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        die "initdb failed"
    }
    make_tls_files "$dir"
    write_hba "$dir/data/pg_hba.conf"
    give_to_pg "$dir/data/pg_hba.conf"
    printf "\ninclude 'pgw_fixture.conf'\n" >>"$dir/data/postgresql.conf"

    local want6=0 listen=127.0.0.1 host6=''
    if have_ipv6; then
        want6=1
        listen='127.0.0.1,::1'
        host6='::1'
    fi
    start_server "$dir" "$want6" "$listen" || die "could not start the server"
    create_roles

    local version version_str
    version=$(psql_setup -d postgres -At -c 'SHOW server_version_num')
    version_str=$(psql_setup -d postgres -At -c 'SHOW server_version')
    write_env "$dir" "$PORT" "$host6" "$SOCKDIR" "$version" "$version_str"

    trap - EXIT
    say "PostgreSQL $version_str on 127.0.0.1${host6:+ and ::1} port $PORT, socket in $SOCKDIR" \
        "($(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1fs", b - a }'))"
    printf '%s\n' "$dir"
}

# ---- stop -------------------------------------------------------------------

postmaster_pid() {
    local pidfile=$1/data/postmaster.pid
    [ -f "$pidfile" ] && head -n 1 "$pidfile" | tr -cd '0-9'
}

cmd_stop() {
    local dir=$1
    [ -d "$dir" ] || { say "$dir does not exist; nothing to stop"; return 0; }
    dir=$(cd "$dir" && pwd)

    if [ -f "$dir/data/postmaster.pid" ]; then
        BINDIR=$(find_bindir)
        as_pg "$BINDIR/pg_ctl" -D "$dir/data" -w -t 20 -m fast stop >/dev/null 2>&1 ||
            as_pg "$BINDIR/pg_ctl" -D "$dir/data" -w -t 20 -m immediate stop >/dev/null 2>&1 || true
        # Last resort, only for the postmaster of this data directory.
        local pid
        pid=$(postmaster_pid "$dir" || true)
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
            [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$dir/data" ]; then
            kill -9 "$pid" 2>/dev/null || true
        fi
    fi

    if [ -f "$dir/sockdir" ]; then
        local sockdir
        sockdir=$(head -n 1 "$dir/sockdir")
        # Only ever remove a directory this script made.
        case "$sockdir" in
        /tmp/pgw.??????) rm -rf -- "$sockdir" ;;
        *) say "not removing unexpected socket directory '$sockdir'" ;;
        esac
    fi
    rm -rf -- "$dir/data" "$dir/tls"
    rm -f -- "$dir/server.log" "$dir/initdb.log" "$dir/env.sh" "$dir/env.sh.tmp" "$dir/sockdir"
    # DIR goes too when nothing else is left in it (a caller's mktemp -d).
    rmdir -- "$dir" 2>/dev/null || true
}

[ $# -ge 1 ] || usage
case "$1" in
start)
    [ $# -le 2 ] || usage
    cmd_start "${2:-}"
    ;;
env)
    [ $# -eq 2 ] || usage
    cmd_env "$2"
    ;;
stop)
    [ $# -eq 2 ] || usage
    cmd_stop "$2"
    ;;
*) usage ;;
esac
