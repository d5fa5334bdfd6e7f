#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for pgwire's integration tests.
#
#   scripts/pg-fixture.sh start [DIR]   create and start a cluster in DIR (mktemp -d
#                                       when omitted); prints DIR on stdout
#   scripts/pg-fixture.sh env DIR       print the `export PGW_TEST_...` lines
#                                       (also written to DIR/env.sh by start)
#   scripts/pg-fixture.sh stop DIR      stop the cluster and remove what start created
#   scripts/pg-fixture.sh restart DIR   restart the server in place (same port; every
#                                       session is terminated): for tests of reconnection
#   scripts/pg-fixture.sh standby DIR NAME   add a streaming standby DIR/NAME of the
#                                       cluster (pg_basebackup -R); prints its port
#   scripts/pg-fixture.sh promote DIR NAME   promote that standby (waits until done)
#   scripts/pg-fixture.sh standby-stop DIR NAME   stop it and remove DIR/NAME
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
#   tls/           certificates, keys and CRLs (see make_tls_files); the
#                  server runs with ssl=on
#   pgbouncer/     two pgbouncer instances in front of the cluster (see
#                  start_pgbouncers), when pgbouncer is installed: session.ini
#                  and transaction.ini, their logs and pid files, userlist.txt
#                  and hba.conf. PGW_FIXTURE_PGBOUNCER=0 skips them.
#   standby/       a streaming hot standby of the cluster (its own data/, server.log,
#                  port; the same socket directory), started by `start` unless
#                  PGW_FIXTURE_STANDBY=0; tests that promote one add their own
#                  with the `standby` command
#   standbys       the names of the standbys `stop` must remove
#
# Roles (pg_hba.conf gives each of the first six its method for `local` and
# for `host`, which matches TCP with and without TLS):
#   postgres         bootstrap superuser, trust on the socket only (setup)
#   pgw_scram        scram-sha-256, password stored as SCRAM
#   pgw_scram_utf8   scram-sha-256 with a non-ASCII password that SASLprep changes
#   pgw_md5          md5, password stored as an MD5 hash (checked in pg_authid)
#   pgw_password     password (cleartext on the wire)
#   pgw_trust        trust; owns the database pgw_test
#   pgw_reject       reject
#   pgw_super        trust, superuser (tests that call pg_terminate_backend)
# and three that exist for the sslmode matrix, TCP only:
#   pgw_ssl_scram    hostssl scram-sha-256: the server requires TLS
#   pgw_nossl_scram  hostnossl scram-sha-256: the server refuses TLS
#   pgw_cert         hostssl cert (clientcert=verify-full): a client
#                    certificate whose CN is the role name, no password
set -euo pipefail

# Fixed test passwords: this cluster exists for a few minutes on loopback.
readonly SCRAM_PASSWORD='pgw-scram-secret'
readonly SCRAM_UTF8_PASSWORD=$'p\xc3\xa4ssw\xc3\xb6rd\xe2\x85\xa8'
readonly MD5_PASSWORD='pgw-md5-secret'
readonly PASSWORD_PASSWORD='pgw-password-secret'
readonly SSL_SCRAM_PASSWORD='pgw-ssl-scram-secret'
readonly NOSSL_SCRAM_PASSWORD='pgw-nossl-scram-secret'
# Passphrase of the encrypted client key (sslpassword).
readonly CLIENT_KEY_PASSWORD='pgw-client-key-secret'
readonly DBNAME='pgw_test'

die() { printf 'pg-fixture: %s\n' "$*" >&2; exit 1; }
say() { printf 'pg-fixture: %s\n' "$*" >&2; }

usage() {
    printf 'usage: %s start [DIR] | env DIR | stop DIR | restart DIR | standby DIR NAME |\n' "$0" >&2
    printf '       promote DIR NAME | standby-stop DIR NAME\n' >&2
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
        # Standbys stream from the primary over the socket as the bootstrap user.
        printf 'local   replication postgres                   trust\n'
        local line role method addr
        for line in "pgw_super trust" "pgw_trust trust" "pgw_scram scram-sha-256" "pgw_scram_utf8 scram-sha-256" \
                    "pgw_md5 md5" "pgw_password password" "pgw_reject reject"; do
            role=${line% *}
            method=${line#* }
            printf 'local   all       %-13s                %s\n' "$role" "$method"
            for addr in 127.0.0.1/32 ::1/128; do
                printf 'host    all       %-13s %-14s %s\n' "$role" "$addr" "$method"
            done
        done
        # The sslmode matrix: a role whose only lines are hostssl (the
        # server requires TLS), one whose only lines are hostnossl (the
        # server refuses TLS: a TLS attempt finds no entry), and the
        # client-certificate role. The roles above meet `host`, which
        # accepts either.
        local type
        for line in "hostssl pgw_ssl_scram scram-sha-256" \
                    "hostnossl pgw_nossl_scram scram-sha-256" \
                    "hostssl pgw_cert cert clientcert=verify-full"; do
            read -r type role method <<<"$line"
            for addr in 127.0.0.1/32 ::1/128; do
                printf '%-9s all     %-15s %-14s %s\n' "$type" "$role" "$addr" "$method"
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

# ---- TLS material ----------------------------------------------------------
#
# make_tls_files DIR writes DIR/tls with the openssl command, in about 0.4 s:
# EC P-256 keys throughout (milliseconds each) and one openssl run per
# certificate, since process start-up is most of the cost:
#   root_ca.crt           the trusted root (PGW_TEST_ROOT_CERT); on its own it
#                         suffices, because the server sends the intermediate
#   root_chain.crt        root + intermediate, for clients that want both
#   intermediate_ca.crt   signed by the root; signs server and spare
#   server.crt/.key       signed by the intermediate, SAN DNS:localhost,
#                         IP:127.0.0.1, IP:::1; server_chain.crt (server +
#                         intermediate) is ssl_cert_file. The key belongs to
#                         the server's user, mode 0600, as the server demands
#   spare.crt             signed by the intermediate and never used: the CRL
#                         that "revokes a certificate" revokes this one
#   other_root_ca.crt     a second root nobody trusts (PGW_TEST_OTHER_ROOT)
#   client_ca.crt         signs client certificates; the server's ssl_ca_file
#                         (so the server asks every TLS client for one)
#   client.crt            CN=pgw_cert, for cert authentication
#   client_wrong_cn.crt   same key, CN=pgw_not_a_role: a good chain whose CN
#                         the server's cert check refuses
#   client.key            0600, unencrypted
#   client_enc.key        0600, PKCS#8 encrypted with CLIENT_KEY_PASSWORD
#   client_world.key      0644 copy: libpq refuses it whoever owns it (group
#                         or world access for a non-root owner, world access
#                         for root)
#   client_group.key      0640 copy: libpq accepts it only when root owns it
#   crl_ok.pem            root CRL (empty) + intermediate CRL revoking spare
#   crl_server_revoked.pem  root CRL + intermediate CRL revoking spare and
#                         the server certificate
#   crldir_ok/, crldir_server_revoked/  the same CRLs under their hash
#                         names (<hash>.r0), for sslcrldir
# libpq checks CRLs with X509_V_FLAG_CRL_CHECK_ALL, so every CA of the chain
# needs one: that is why each bundle carries the root's (empty) CRL too.
# ca/ holds the openssl-ca databases that produced the CRLs.

# A postgresql.conf string value in single quotes.
conf_quote() {
    local q="'"
    printf "'%s'" "${1//$q/$q$q}"
}

ossl() {
    openssl "$@" >/dev/null 2>>"$TLS_DIR/openssl.log" ||
        { tail -n 20 "$TLS_DIR/openssl.log" >&2; die "openssl $1 failed"; }
}

# new_cert NAME SUBJECT EXTENSIONS [CA SERIAL]: NAME.key (a new EC P-256
# key unless the file exists) and NAME.crt signed by CA, or self-signed
# without one.
new_cert() {
    local name=$1 subj=$2 ext=$3 ca=${4:-} serial=${5:-1} t=$TLS_DIR
    local key=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc -keyout "$t/$name.key")
    [ -f "$t/$name.key" ] && key=(-key "$t/$name.key")
    local issuer=()
    [ -n "$ca" ] && issuer=(-CA "$t/$ca.crt" -CAkey "$t/$ca.key")
    ossl req -x509 "${key[@]}" "${issuer[@]}" -subj "$subj" -set_serial "$serial" -days 3650 \
        -sha256 -config "$t/openssl.cnf" -extensions "$ext" -out "$t/$name.crt"
}

# make_crl CA DB OUT [NAME:SERIAL:SUBJECT...]: a CRL from CA that revokes
# each listed certificate, from its own openssl-ca database DB (so two CRLs
# of one CA can differ). The database rows are written here rather than by
# `openssl ca -revoke`, one process per certificate fewer.
make_crl() {
    local ca=$1 db=$TLS_DIR/ca/$2 out=$3 t=$TLS_DIR entry serial subj now
    shift 3
    mkdir -p "$db"
    now=$(date -u +%y%m%d%H%M%SZ)
    : >"$db/index.txt"
    for entry in "$@"; do
        IFS=: read -r _ serial subj <<<"$entry"
        # R, expiry (not used for a CRL), revocation date, serial in hex,
        # file, subject.
        printf 'R\t491231235959Z\t%s\t%02X\tunknown\t%s\n' "$now" "$serial" "$subj" \
            >>"$db/index.txt"
    done
    printf '01\n' >"$db/crlnumber"
    {
        printf '[ ca ]\ndefault_ca = CA_default\n[ CA_default ]\n'
        printf 'database = %s/index.txt\ncrlnumber = %s/crlnumber\n' "$db" "$db"
        printf 'default_md = sha256\ndefault_crl_days = 3650\n'
    } >"$db/ca.cnf"
    ossl ca -config "$db/ca.cnf" -keyfile "$t/$ca.key" -cert "$t/$ca.crt" -gencrl -out "$out"
}

# crl_dir DIR CA:CRL...: each CRL under the name OpenSSL looks up in a CRL
# directory, the hash of its issuer's name (the CA certificate's subject).
crl_dir() {
    local d=$1 pair h
    shift
    mkdir -p "$d"
    for pair in "$@"; do
        h=$(openssl x509 -noout -subject_hash -in "$TLS_DIR/${pair%%:*}.crt") ||
            die "openssl x509 -subject_hash failed"
        cp "$TLS_DIR/${pair#*:}" "$d/$h.r0"
    done
}

# Runs in the background (see cmd_start): it sets nothing the caller needs
# and reports failure through its exit status.
make_tls_files() {
    local dir=$1 t
    command -v openssl >/dev/null 2>&1 || die "the openssl command is needed for the TLS fixture"
    TLS_DIR=$dir/tls
    t=$TLS_DIR
    mkdir -m 0755 "$t"
    : >"$t/openssl.log"
    cat >"$t/openssl.cnf" <<'CNF'
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ root_ca ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ intermediate_ca ]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ server ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ client ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
    new_cert root_ca "/CN=pgwire test root CA" root_ca
    new_cert other_root_ca "/CN=pgwire untrusted root CA" root_ca
    new_cert client_ca "/CN=pgwire test client CA" root_ca
    new_cert intermediate_ca "/CN=pgwire test intermediate CA" intermediate_ca root_ca 2
    new_cert server "/CN=pgwire test server" server intermediate_ca 16
    new_cert spare "/CN=pgwire spare" server intermediate_ca 17
    new_cert client "/CN=pgw_cert" client client_ca 32
    # A second certificate for the same key.
    cp "$t/client.key" "$t/client_wrong_cn.key"
    new_cert client_wrong_cn "/CN=pgw_not_a_role" client client_ca 33
    rm -f "$t/client_wrong_cn.key"

    cat "$t/server.crt" "$t/intermediate_ca.crt" >"$t/server_chain.crt"
    cat "$t/root_ca.crt" "$t/intermediate_ca.crt" >"$t/root_chain.crt"

    ossl pkcs8 -topk8 -in "$t/client.key" -v2 aes-256-cbc \
        -passout "pass:$CLIENT_KEY_PASSWORD" -out "$t/client_enc.key"
    cp "$t/client.key" "$t/client_world.key"
    cp "$t/client.key" "$t/client_group.key"

    local spare='spare:17:/CN=pgwire spare' server='server:16:/CN=pgwire test server'
    make_crl root_ca root "$t/root.crl"
    make_crl intermediate_ca intermediate_ok "$t/intermediate_ok.crl" "$spare"
    make_crl intermediate_ca intermediate_revoked "$t/intermediate_revoked.crl" "$spare" "$server"
    cat "$t/root.crl" "$t/intermediate_ok.crl" >"$t/crl_ok.pem"
    cat "$t/root.crl" "$t/intermediate_revoked.crl" >"$t/crl_server_revoked.pem"
    crl_dir "$t/crldir_ok" root_ca:root.crl intermediate_ca:intermediate_ok.crl
    crl_dir "$t/crldir_server_revoked" root_ca:root.crl intermediate_ca:intermediate_revoked.crl

    # Modes last, after every copy: certificates and CRLs readable by all,
    # private keys by their owner only, and the two deliberate exceptions.
    find "$t" -type d -exec chmod 0755 {} +
    find "$t" -type f ! -name '*.key' -exec chmod 0644 {} +
    find "$t" -type f -name '*.key' -exec chmod 0600 {} +
    chmod 0644 "$t/client_world.key"
    chmod 0640 "$t/client_group.key"
    # The server reads its key as its own user and refuses a key file that
    # others may read; the chain and the client CA it only reads.
    give_to_pg "$t/server.key"
}

write_tls_conf() {
    printf 'ssl = on\n'
    printf 'ssl_cert_file = %s\n' "$(conf_quote "$TLS_DIR/server_chain.crt")"
    printf 'ssl_key_file = %s\n' "$(conf_quote "$TLS_DIR/server.key")"
    # With a CA file the server asks every TLS client for a certificate
    # (optional, except where pg_hba.conf says cert or clientcert).
    printf 'ssl_ca_file = %s\n' "$(conf_quote "$TLS_DIR/client_ca.crt")"
}

# ---- pgbouncer ----------------------------------------------------------------
#
# Two instances on 127.0.0.1, each on a free port of its own, in front of
# the cluster's TCP port: one with pool_mode=session, one with
# pool_mode=transaction (default_pool_size=2 there, so that a client's
# transactions really move between server connections). pgbouncer refuses
# to run as root, so as root they run as postgres like the server. Clients
# authenticate to pgbouncer per hba.conf (trust for pgw_trust/pgw_super,
# scram-sha-256 for pgw_scram, md5 for pgw_md5), checked against
# userlist.txt, whose passwords pgbouncer also uses towards the server.
# PgBouncer >= 1.21 tracks protocol-level prepared statements in
# transaction mode when max_prepared_statements > 0: enabled when the
# installed version has it (PGW_TEST_PGBOUNCER_PREPARED=1).

PGB_SESSION_PORT=
PGB_TXN_PORT=
PGB_VERSION=
PGB_PREPARED=0

pgbouncer_version() {
    # "PgBouncer 1.18.0" on the first line.
    pgbouncer --version 2>/dev/null | awk 'NR == 1 { print $2 }'
}

# version_ge A B: A >= B for dotted numbers.
version_ge() {
    [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]
}

write_pgbouncer_auth() {
    local d=$1
    {
        printf '"%s" "%s"\n' pgw_trust '' pgw_super '' pgw_scram "$SCRAM_PASSWORD" \
            pgw_md5 "$MD5_PASSWORD"
    } >"$d/userlist.txt"
    {
        printf '# Written by scripts/pg-fixture.sh.\n'
        printf 'host all pgw_trust 127.0.0.1/32 trust\n'
        printf 'host all pgw_super 127.0.0.1/32 trust\n'
        printf 'host all pgw_scram 127.0.0.1/32 scram-sha-256\n'
        printf 'host all pgw_md5 127.0.0.1/32 md5\n'
    } >"$d/hba.conf"
    chmod 0600 "$d/userlist.txt"
}

# write_pgbouncer_ini DIR NAME MODE PORT POOL_SIZE
write_pgbouncer_ini() {
    local d=$1 name=$2 mode=$3 port=$4 size=$5
    {
        printf ';; Written by scripts/pg-fixture.sh.\n[databases]\n'
        printf '%s = host=127.0.0.1 port=%s dbname=%s\n' "$DBNAME" "$PORT" "$DBNAME"
        printf 'postgres = host=127.0.0.1 port=%s dbname=postgres\n' "$PORT"
        printf '[pgbouncer]\n'
        printf 'listen_addr = 127.0.0.1\nlisten_port = %s\n' "$port"
        # No Unix socket: it would land in /tmp under a guessable name.
        printf 'unix_socket_dir =\n'
        printf 'auth_type = hba\nauth_hba_file = %s/hba.conf\nauth_file = %s/userlist.txt\n' "$d" "$d"
        printf 'pool_mode = %s\ndefault_pool_size = %s\nmax_client_conn = 200\n' "$mode" "$size"
        printf 'admin_users = pgw_super\n'
        printf 'ignore_startup_parameters = extra_float_digits\n'
        printf 'logfile = %s/%s.log\npidfile = %s/%s.pid\n' "$d" "$name" "$d" "$name"
        if [ "$PGB_PREPARED" = 1 ]; then
            printf 'max_prepared_statements = 200\n'
        fi
    } >"$d/$name.ini"
}

# Wait until a pgbouncer instance answers a query on its port.
pgbouncer_ready() {
    local port=$1
    for _ in $(seq 1 100); do
        if "$BINDIR/psql" -X -q -At -h 127.0.0.1 -p "$port" -U pgw_trust -d "$DBNAME" \
            -c 'SELECT 1' >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.05
    done
    return 1
}

# start_one_pgbouncer DIR NAME MODE POOL_SIZE: prints the port.
start_one_pgbouncer() {
    local d=$1 name=$2 mode=$3 size=$4 attempt port
    for attempt in 1 2 3 4 5; do
        port=$(free_port 0)
        write_pgbouncer_ini "$d" "$name" "$mode" "$port" "$size"
        give_to_pg "$d/$name.ini"
        : >"$d/$name.log"
        give_to_pg "$d/$name.log"
        if as_pg pgbouncer -d -q "$d/$name.ini" >>"$d/$name.start.log" 2>&1 &&
            pgbouncer_ready "$port"; then
            printf '%s\n' "$port"
            return 0
        fi
        stop_one_pgbouncer "$d" "$name"
        if grep -q 'Address already in use' "$d/$name.log" "$d/$name.start.log" 2>/dev/null; then
            say "pgbouncer port $port was taken meanwhile; retrying ($attempt)"
            continue
        fi
        break
    done
    say "pgbouncer ($name) did not start; end of its log:"
    tail -n 20 "$d/$name.log" "$d/$name.start.log" >&2 2>/dev/null || true
    return 1
}

start_pgbouncers() {
    local dir=$1 d=$1/pgbouncer
    if [ "${PGW_FIXTURE_PGBOUNCER:-1}" = 0 ]; then
        say "PGW_FIXTURE_PGBOUNCER=0: no pgbouncer"
        return 0
    fi
    if ! command -v pgbouncer >/dev/null 2>&1; then
        say "pgbouncer is not installed (scripts/lib/deps.sh installs it): no pgbouncer"
        return 0
    fi
    PGB_VERSION=$(pgbouncer_version)
    [ -n "$PGB_VERSION" ] || die "could not read pgbouncer --version"
    version_ge "$PGB_VERSION" 1.21 && PGB_PREPARED=1
    mkdir -m 0700 "$d"
    : >"$d/session.start.log"
    : >"$d/transaction.start.log"
    write_pgbouncer_auth "$d"
    give_to_pg "$d" "$d/userlist.txt" "$d/hba.conf" "$d/session.start.log" "$d/transaction.start.log"
    PGB_SESSION_PORT=$(start_one_pgbouncer "$d" session session 10) ||
        die "could not start pgbouncer in session mode"
    PGB_TXN_PORT=$(start_one_pgbouncer "$d" transaction transaction 2) ||
        die "could not start pgbouncer in transaction mode"
}

# Stop one instance by the pid in its pid file, only when that process is
# the pgbouncer started with this very configuration file.
stop_one_pgbouncer() {
    local d=$1 name=$2 pid
    [ -f "$d/$name.pid" ] || return 0
    pid=$(head -n 1 "$d/$name.pid" | tr -cd '0-9')
    [ -n "$pid" ] || return 0
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$d/$name.ini"; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.05
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -f -- "$d/$name.pid"
}

stop_pgbouncers() {
    local d=$1/pgbouncer
    [ -d "$d" ] || return 0
    stop_one_pgbouncer "$d" session
    stop_one_pgbouncer "$d" transaction
    rm -rf -- "$d"
}

# ---- standbys ----------------------------------------------------------------
#
# A standby is DIR/NAME: a pg_basebackup -R copy of the cluster (so it has the
# primary's roles, pg_hba.conf and TLS settings), streaming from the primary
# over the socket, with a port of its own and the primary's socket directory.
# NAME is recorded in DIR/standbys before anything is created, so `stop`
# removes exactly what was made even when the start failed half-way.

valid_standby_name() {
    case "$1" in
    '' | *[!a-z0-9_]*) die "standby name must be [a-z0-9_]+, got '$1'" ;;
    data | tls | pgbouncer) die "standby name '$1' is taken by the fixture" ;;
    esac
}

# start_standby DIR NAME WANT6 LISTEN: prints the port. Needs BINDIR, PORT
# and SOCKDIR of the primary.
start_standby() {
    local dir=$1 name=$2 want6=$3 listen=$4 sd=$1/$2
    valid_standby_name "$name"
    [ -e "$sd" ] && die "$sd exists"
    printf '%s\n' "$name" >>"$dir/standbys"
    mkdir -p "$sd"
    mkdir -m 0700 "$sd/data"
    : >"$sd/server.log"
    give_to_pg "$sd/data" "$sd/server.log"
    [ "$AS_ROOT" -eq 1 ] && chmod o+x "$sd"
    as_pg "$BINDIR/pg_basebackup" -h "$SOCKDIR" -p "$PORT" -U postgres -D "$sd/data" \
        -R -X stream -c fast --no-sync >"$sd/basebackup.log" 2>&1 ||
        { cat "$sd/basebackup.log" >&2; die "pg_basebackup for $name failed"; }
    # The copy carries the primary's pgw_fixture.conf (its port): start_server
    # writes this one's. A standby may not start with fewer connections than
    # its primary allows, so the settings stay the same.
    TLS_DIR=$dir/tls
    local saved_port=$PORT
    start_server "$sd" "$want6" "$listen" >&2 || { PORT=$saved_port; die "standby $name did not start"; }
    local sport=$PORT
    PORT=$saved_port
    local i in_recovery=
    for i in $(seq 1 100); do
        in_recovery=$("$BINDIR/psql" -X -At -h "$SOCKDIR" -p "$sport" -U postgres -d postgres \
            -c 'SELECT pg_is_in_recovery()' 2>/dev/null || true)
        [ "$in_recovery" = t ] && break
        sleep 0.1
    done
    [ "$in_recovery" = t ] || die "standby $name on port $sport is not in recovery"
    printf '%s\n' "$sport"
}

# Read the primary's port and socket directory back from DIR (for the
# standby commands, which run after start).
load_primary() {
    local dir=$1
    [ -f "$dir/env.sh" ] || die "$dir/env.sh not found: was the cluster started with '$0 start $dir'?"
    BINDIR=$(find_bindir)
    PORT=$(sed -n "s/^export PGW_TEST_PORT=//p" "$dir/env.sh")
    SOCKDIR=$(head -n 1 "$dir/sockdir")
    [ -n "$PORT" ] && [ -n "$SOCKDIR" ] || die "cannot read the primary's port from $dir"
}

cmd_standby() {
    local dir=$1 name=$2 want6=0 listen=127.0.0.1
    dir=$(cd "$dir" && pwd)
    load_primary "$dir"
    if have_ipv6; then
        want6=1
        listen='127.0.0.1,::1'
    fi
    start_standby "$dir" "$name" "$want6" "$listen"
}

cmd_promote() {
    local dir=$1 name=$2
    valid_standby_name "$name"
    dir=$(cd "$dir" && pwd)
    [ -d "$dir/$name/data" ] || die "no standby $name in $dir"
    BINDIR=$(find_bindir)
    as_pg "$BINDIR/pg_ctl" -D "$dir/$name/data" -w -t 60 promote >/dev/null ||
        die "promoting $name failed"
}

stop_one_server() {
    local datadir=$1 pid
    [ -f "$datadir/postmaster.pid" ] || return 0
    as_pg "$BINDIR/pg_ctl" -D "$datadir" -w -t 20 -m fast stop >/dev/null 2>&1 ||
        as_pg "$BINDIR/pg_ctl" -D "$datadir" -w -t 20 -m immediate stop >/dev/null 2>&1 || true
    # Last resort, only for the postmaster of this data directory.
    pid=$(head -n 1 "$datadir/postmaster.pid" 2>/dev/null | tr -cd '0-9' || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
        [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$datadir" ]; then
        kill -9 "$pid" 2>/dev/null || true
    fi
}

cmd_standby_stop() {
    local dir=$1 name=$2
    valid_standby_name "$name"
    dir=$(cd "$dir" && pwd)
    BINDIR=$(find_bindir)
    stop_one_server "$dir/$name/data"
    rm -rf -- "${dir:?}/$name"
    if [ -f "$dir/standbys" ]; then
        grep -vx -- "$name" "$dir/standbys" >"$dir/standbys.tmp" || true
        mv "$dir/standbys.tmp" "$dir/standbys"
    fi
}

stop_standbys() {
    local dir=$1 name
    [ -f "$dir/standbys" ] || return 0
    BINDIR=$(find_bindir)
    while read -r name; do
        case "$name" in
        '' | *[!a-z0-9_]* | data | tls | pgbouncer) continue ;;
        esac
        stop_one_server "$dir/$name/data"
        rm -rf -- "${dir:?}/$name"
    done <"$dir/standbys"
    rm -f -- "$dir/standbys" "$dir/standbys.tmp"
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
        printf 'export PGW_TEST_SCRAM_UTF8_USER=%q\n' pgw_scram_utf8
        printf 'export PGW_TEST_SCRAM_UTF8_PASSWORD=%q\n' "$SCRAM_UTF8_PASSWORD"
        printf 'export PGW_TEST_MD5_USER=%q\n' pgw_md5
        printf 'export PGW_TEST_MD5_PASSWORD=%q\n' "$MD5_PASSWORD"
        printf 'export PGW_TEST_PASSWORD_USER=%q\n' pgw_password
        printf 'export PGW_TEST_PASSWORD_PASSWORD=%q\n' "$PASSWORD_PASSWORD"
        printf 'export PGW_TEST_TRUST_USER=%q\n' pgw_trust
        printf 'export PGW_TEST_REJECT_USER=%q\n' pgw_reject
        printf 'export PGW_TEST_SUPER_USER=%q\n' pgw_super
        # TCP only: the sslmode matrix and client certificates.
        printf 'export PGW_TEST_SSL_SCRAM_USER=%q\n' pgw_ssl_scram
        printf 'export PGW_TEST_SSL_SCRAM_PASSWORD=%q\n' "$SSL_SCRAM_PASSWORD"
        printf 'export PGW_TEST_NOSSL_SCRAM_USER=%q\n' pgw_nossl_scram
        printf 'export PGW_TEST_NOSSL_SCRAM_PASSWORD=%q\n' "$NOSSL_SCRAM_PASSWORD"
        printf 'export PGW_TEST_CERT_USER=%q\n' pgw_cert
        # TLS material (see make_tls_files for what each file is).
        local t=$dir/tls
        printf 'export PGW_TEST_TLS_DIR=%q\n' "$t"
        printf 'export PGW_TEST_ROOT_CERT=%q\n' "$t/root_ca.crt"
        printf 'export PGW_TEST_ROOT_CHAIN=%q\n' "$t/root_chain.crt"
        printf 'export PGW_TEST_OTHER_ROOT=%q\n' "$t/other_root_ca.crt"
        printf 'export PGW_TEST_CRL=%q\n' "$t/crl_ok.pem"
        printf 'export PGW_TEST_CRL_DIR=%q\n' "$t/crldir_ok"
        printf 'export PGW_TEST_SERVER_CRL_REVOKED=%q\n' "$t/crl_server_revoked.pem"
        printf 'export PGW_TEST_SERVER_CRL_DIR_REVOKED=%q\n' "$t/crldir_server_revoked"
        printf 'export PGW_TEST_CLIENT_CERT=%q\n' "$t/client.crt"
        printf 'export PGW_TEST_CLIENT_CERT_WRONG_CN=%q\n' "$t/client_wrong_cn.crt"
        printf 'export PGW_TEST_CLIENT_KEY=%q\n' "$t/client.key"
        printf 'export PGW_TEST_CLIENT_KEY_ENC=%q\n' "$t/client_enc.key"
        printf 'export PGW_TEST_CLIENT_KEY_PASSWORD=%q\n' "$CLIENT_KEY_PASSWORD"
        printf 'export PGW_TEST_CLIENT_KEY_WORLD=%q\n' "$t/client_world.key"
        printf 'export PGW_TEST_CLIENT_KEY_GROUP=%q\n' "$t/client_group.key"
        # server_version_num, e.g. 150020: compare numerically.
        printf 'export PGW_TEST_SERVER_VERSION=%q\n' "$version"
        # server_version as the server reports it in ParameterStatus.
        printf 'export PGW_TEST_SERVER_VERSION_STRING=%q\n' "$version_str"
        printf 'export PGW_TEST_SERVER_LOG=%q\n' "$dir/server.log"
        printf 'export PGW_TEST_FIXTURE_DIR=%q\n' "$dir"
        if [ -n "$STANDBY_PORT" ]; then
            # A streaming hot standby of the cluster on 127.0.0.1 (same roles,
            # same socket directory): target_session_attrs routing.
            printf 'export PGW_TEST_STANDBY_PORT=%q\n' "$STANDBY_PORT"
        fi
        if [ -n "$PGB_SESSION_PORT" ]; then
            # pgbouncer on 127.0.0.1 (same database and roles; see start_pgbouncers).
            printf 'export PGW_TEST_PGBOUNCER_SESSION_PORT=%q\n' "$PGB_SESSION_PORT"
            printf 'export PGW_TEST_PGBOUNCER_TXN_PORT=%q\n' "$PGB_TXN_PORT"
            printf 'export PGW_TEST_PGBOUNCER_VERSION=%q\n' "$PGB_VERSION"
            # 1 when transaction mode tracks prepared statements (>= 1.21).
            printf 'export PGW_TEST_PGBOUNCER_PREPARED=%q\n' "$PGB_PREPARED"
        fi
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
CREATE ROLE pgw_scram_utf8 LOGIN PASSWORD U&'p\00E4ssw\00F6rd\2168';
CREATE ROLE pgw_password LOGIN PASSWORD '$PASSWORD_PASSWORD';
-- The hash is chosen when the password is set, so switch first.
SET password_encryption = 'md5';
CREATE ROLE pgw_md5 LOGIN PASSWORD '$MD5_PASSWORD';
RESET password_encryption;
CREATE ROLE pgw_trust LOGIN;
CREATE ROLE pgw_reject LOGIN;
CREATE ROLE pgw_super LOGIN SUPERUSER;
SET password_encryption = 'scram-sha-256';
CREATE ROLE pgw_ssl_scram LOGIN PASSWORD '$SSL_SCRAM_PASSWORD';
CREATE ROLE pgw_nossl_scram LOGIN PASSWORD '$NOSSL_SCRAM_PASSWORD';
RESET password_encryption;
CREATE ROLE pgw_cert LOGIN;
CREATE DATABASE $DBNAME OWNER pgw_trust;
GRANT CONNECT, TEMPORARY ON DATABASE $DBNAME TO PUBLIC;
EOF
    # Since PostgreSQL 15 only the database owner may create in schema public.
    # hstore up front: tests that use it would otherwise race each other's
    # CREATE EXTENSION IF NOT EXISTS.
    psql_setup -d "$DBNAME" <<EOF
GRANT USAGE, CREATE ON SCHEMA public TO PUBLIC;
CREATE EXTENSION hstore;
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
    [ -e "$dir/pgbouncer" ] && die "$dir/pgbouncer exists: stop that cluster first ('$0 stop $dir')"
    [ -e "$dir/standbys" ] && die "$dir/standbys exists: stop that cluster first ('$0 stop $dir')"

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

    # The TLS material is made while initdb runs: neither needs the other,
    # and together they are most of the start-up time.
    TLS_DIR=$dir/tls
    make_tls_files "$dir" &
    local tls_pid=$!
    as_pg "$BINDIR/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C \
        --no-sync --no-instructions >"$dir/initdb.log" 2>&1 || {
        wait "$tls_pid" || true
        cat "$dir/initdb.log" >&2
        die "initdb failed"
    }
    wait "$tls_pid" || die "could not make the TLS files in $TLS_DIR"
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
    start_pgbouncers "$dir"
    STANDBY_PORT=
    if [ "${PGW_FIXTURE_STANDBY:-1}" != 0 ]; then
        STANDBY_PORT=$(start_standby "$dir" standby "$want6" "$listen") ||
            die "could not start the standby"
    fi
    write_env "$dir" "$PORT" "$host6" "$SOCKDIR" "$version" "$version_str"

    trap - EXIT
    [ -z "$PGB_SESSION_PORT" ] ||
        say "pgbouncer $PGB_VERSION on 127.0.0.1 port $PGB_SESSION_PORT (session), $PGB_TXN_PORT (transaction)"
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

    stop_pgbouncers "$dir"
    stop_standbys "$dir"
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

# ---- restart ----------------------------------------------------------------

# Restart the server in place (fast shutdown: every session is terminated,
# as when a real server restarts), on the same port and socket directory,
# waiting until it accepts connections again. pgbouncer, when running,
# stays up and reconnects on its own.
cmd_restart() {
    local dir=$1
    [ -d "$dir/data" ] || die "$dir/data not found: was the cluster started with '$0 start $dir'?"
    dir=$(cd "$dir" && pwd)
    BINDIR=$(find_bindir)
    as_pg "$BINDIR/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -m fast restart >/dev/null ||
        { tail -n 30 "$dir/server.log" >&2 2>/dev/null || true; die "restart failed"; }
    say "restarted the server in $dir"
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
restart)
    [ $# -eq 2 ] || usage
    cmd_restart "$2"
    ;;
standby)
    [ $# -eq 3 ] || usage
    cmd_standby "$2" "$3"
    ;;
promote)
    [ $# -eq 3 ] || usage
    cmd_promote "$2" "$3"
    ;;
standby-stop)
    [ $# -eq 3 ] || usage
    cmd_standby_stop "$2" "$3"
    ;;
*) usage ;;
esac
