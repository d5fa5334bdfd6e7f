/* Helpers for integration tests: connection strings for the throwaway
 * cluster started by scripts/pg-fixture.sh (PGW_TEST_* variables).
 *
 * Tests that need a role of the fixture fail loudly when its variables are
 * missing: CI always runs the fixture, and a skipped test would hide a
 * broken harness. Tests that need only "a server" may instead use
 * PGW_TEST_CONNINFO, a conninfo string for an existing server. */
#ifndef PGWIRE_TESTS_PGTEST_H
#define PGWIRE_TESTS_PGTEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pgwire.h"

static inline const char *pgt_env(const char *name)
{
    const char *v = getenv(name);
    if (v == NULL || *v == '\0') {
        fprintf(stderr, "# %s is not set: run the tests through scripts/test.sh (or start "
                        "scripts/pg-fixture.sh and export its env)\n", name);
        fail_msg("missing fixture variable %s", name);
    }
    return v;
}

/* A conninfo for `role` ("SCRAM", "MD5", "PASSWORD", "TRUST", "SUPER",
 * "REJECT") over TCP (tcp = 1) or the Unix socket (tcp = 0). */
static inline void pgt_conninfo(char *buf, size_t len, const char *role, int tcp,
                                const char *extra)
{
    char uvar[64], pvar[64];
    snprintf(uvar, sizeof uvar, "PGW_TEST_%s_USER", role);
    snprintf(pvar, sizeof pvar, "PGW_TEST_%s_PASSWORD", role);
    const char *pw = getenv(pvar);
    snprintf(buf, len, "host=%s port=%s dbname=%s user=%s%s%s%s%s",
             tcp ? pgt_env("PGW_TEST_HOST") : pgt_env("PGW_TEST_SOCKDIR"), pgt_env("PGW_TEST_PORT"),
             pgt_env("PGW_TEST_DB"), pgt_env(uvar), pw ? " password='" : "", pw ? pw : "",
             pw ? "'" : "", extra ? extra : "");
}

/* Connection for generic tests: PGW_TEST_CONNINFO if set, else the trust
 * role over TCP. */
static inline pgw_conn *pgt_connect(void)
{
    char ci[1024];
    const char *given = getenv("PGW_TEST_CONNINFO");
    if (given != NULL && *given != '\0')
        snprintf(ci, sizeof ci, "%s", given);
    else
        pgt_conninfo(ci, sizeof ci, "TRUST", 1, NULL);
    pgw_conn *c = NULL;
    pgw_status rc = pgw_connect_str(&c, ci);
    if (rc != PGW_OK) {
        fprintf(stderr, "# connect failed: %s\n", pgw_conn_errmsg(c));
        pgw_conn_free(c);
        fail_msg("pgw_connect: %s", pgw_status_name(rc));
    }
    return c;
}

#endif
