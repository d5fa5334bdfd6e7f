# Sourced by run-case.sh and gen-golden.sh: the environment both pgw and
# psql run in, so that their outputs can be compared byte for byte.
#
# The server comes from scripts/pg-fixture.sh's PGW_TEST_* variables (the
# trust role over TCP); every other PG* variable is cleared so that nothing
# from the caller's environment changes the session.

pgw_case_env() {
    local v
    for v in PGW_TEST_HOST PGW_TEST_PORT PGW_TEST_DB PGW_TEST_TRUST_USER; do
        if [ -z "${!v:-}" ]; then
            echo "$v is not set: run through scripts/test.sh, or start scripts/pg-fixture.sh" \
                 "and export its env" >&2
            return 1
        fi
    done
    while read -r v; do
        unset "$v"
    done < <(env | sed -n 's/^\(PG[A-Z_]*\)=.*/\1/p' | grep -v '^PGW_')
    export PGHOST="$PGW_TEST_HOST" PGPORT="$PGW_TEST_PORT"
    export PGUSER="$PGW_TEST_TRUST_USER" PGDATABASE="$PGW_TEST_DB"
    # psql picks its client encoding from the locale; pgw always uses UTF8.
    export PGCLIENTENCODING=UTF8 LC_ALL=C.UTF-8
    unset LANGUAGE PSQLRC PSQL_HISTORY
}

# pgw_normalize_stderr FILE: what differs between two fixture clusters.
pgw_normalize_stderr() {
    sed -i "s/, port $PGW_TEST_PORT failed/, port PORT failed/g" "$1"
}
