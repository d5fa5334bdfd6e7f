/* Fuzz the whole engine: the input is a server transcript fed to a
 * connection with no sockets, split into chunks whose sizes come from the
 * first byte. After startup a query runs and its cursor is walked.
 * Invariants: statuses come from the documented set; a broken connection
 * stays broken with the same status; output never grows without bound. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conn/conn_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_status(pgw_status rc)
{
    if (rc > PGW_END || rc < PGW_E_NULL)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t chunk = (size_t)(data[0] % 17) + 1;
    data++;
    size--;
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = "user=fuzz password=secret dbname=fuzz";
    o.scram_max_iterations = 64; /* keep PBKDF2 cheap under fuzzing */
    o.max_message_size = 1 << 20;
    pgw_conn *c = NULL;
    if (pgw_conn_new(&c, &o) != PGW_OK)
        abort();
    if (pgw_conn_start(c) != PGW_OK)
        abort();
    pgw_cursor *cur = NULL;
    size_t pos = 0;
    pgw_status broken = PGW_OK;
    for (int guard = 0; guard < 100000; guard++) {
        const uint8_t *out;
        size_t n = pgw_conn_output(c, &out);
        if (n > (1u << 22))
            abort();
        pgw_conn_output_done(c, n);
        pgw_status rc;
        if (cur == NULL) {
            rc = pgw_conn_step(c);
            check_status(rc);
            if (rc == PGW_OK) {
                rc = pgw_query_send(c, "SELECT 1; SELECT 2", &cur);
                check_status(rc);
                if (rc != PGW_OK)
                    cur = NULL;
                continue;
            }
        } else {
            rc = pgw_cursor_recv(cur);
            check_status(rc);
            if (rc == PGW_OK) {
                int64_t v;
                pgw_cursor_int64(cur, 0, &v);
                for (uint16_t i = 0; i < pgw_cursor_ncols(cur); i++) {
                    pgw_value val;
                    if (pgw_cursor_value(cur, i, &val) != PGW_OK)
                        abort();
                }
                continue;
            }
            if (rc == PGW_END || rc == PGW_E_SERVER) {
                rc = pgw_cursor_recv_result(cur);
                check_status(rc);
                if (rc == PGW_OK || rc == PGW_E_SERVER)
                    continue;
                if (rc == PGW_END) {
                    pgw_cursor_free(cur);
                    cur = NULL;
                    continue;
                }
            }
        }
        if (rc < 0) {
            if (pgw_conn_get_state(c) == PGW_CONN_BROKEN) {
                if (broken != PGW_OK && broken != rc)
                    abort();
                broken = rc;
                if (pgw_conn_step(c) != rc)
                    abort();
                break;
            }
            if (rc != PGW_E_STATE && rc != PGW_E_SERVER)
                break;
        }
        if (pos >= size) {
            pgw_conn_input_eof(c);
            if (rc == PGW_WANT_READ || rc == PGW_WANT_WRITE)
                continue;
            break;
        }
        size_t take = size - pos < chunk ? size - pos : chunk;
        rc = pgw_conn_input(c, data + pos, take);
        check_status(rc);
        pos += take;
    }
    pgw_cursor_free(cur);
    pgw_conn_free(c);
    return 0;
}
