/* Fuzz the fast-path exchange: after a fixed trust handshake the engine
 * sends FunctionCall after FunctionCall, and the input is everything the
 * server answers, fed in chunks.
 *
 * Input: byte 0 = chunk size (1..16), byte 1 = flags (bit 0: abandon the
 * first call before reading its answer; bit 1: ask for a text result),
 * then the server's bytes.
 * Invariants: statuses come from the documented set; a finished call
 * leaves the connection idle (PGW_OK, PGW_E_SERVER) or broken (anything
 * else), and a broken one stays broken with the same status; a result is
 * never longer than the input; a finished call repeats its status. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conn/conn_int.h"
#include "pgwire/fastpath.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* AuthenticationOk, ReadyForQuery('I'). */
static const uint8_t handshake[] = {'R', 0, 0, 0, 8, 0, 0, 0, 0, 'Z', 0, 0, 0, 5, 'I'};

static bool documented(pgw_status rc)
{
    switch (rc) {
    case PGW_OK:
    case PGW_WANT_READ:
    case PGW_WANT_WRITE:
    case PGW_E_SERVER:
    case PGW_E_PROTOCOL:
    case PGW_E_CLOSED:
    case PGW_E_TOO_LARGE:
    case PGW_E_NOMEM:
        return true;
    default:
        return false;
    }
}

static pgw_status start_call(pgw_conn *c, int16_t fmt, pgw_fastpath **fp)
{
    static const uint8_t arg[4] = {0, 0, 0, 7};
    pgw_param args[2] = {{0, PGW_FORMAT_BINARY, arg, 4}, {0, PGW_FORMAT_TEXT, NULL, 0}};
    return pgw_fastpath_send(c, 1234, args, 2, fmt, fp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t chunk = (size_t)(data[0] % 16) + 1;
    bool abandon = (data[1] & 1) != 0;
    int16_t fmt = (data[1] & 2) ? PGW_FORMAT_TEXT : PGW_FORMAT_BINARY;
    data += 2;
    size -= 2;

    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = "user=fuzz dbname=fuzz sslmode=disable";
    o.max_message_size = 1 << 16;
    pgw_conn *c = NULL;
    if (pgw_conn_new(&c, &o) != PGW_OK || pgw_conn_start(c) != PGW_OK)
        abort();
    if (pgw_conn_input(c, handshake, sizeof handshake) != PGW_OK ||
        pgw_conn_step(c) != PGW_OK)
        abort();

    pgw_fastpath *fp = NULL;
    if (start_call(c, fmt, &fp) != PGW_OK)
        abort();
    if (abandon) {
        pgw_fastpath_free(fp);
        if (start_call(c, fmt, &fp) != PGW_OK)
            abort();
    }
    size_t pos = 0;
    bool eof = false;
    for (int calls = 0; calls < 64 && fp != NULL;) {
        const uint8_t *out;
        pgw_conn_output_done(c, pgw_conn_output(c, &out));
        pgw_status rc = pgw_fastpath_recv(fp);
        if (!documented(rc))
            abort();
        if (rc == PGW_WANT_READ || rc == PGW_WANT_WRITE) {
            if (pos < size) {
                size_t n = size - pos < chunk ? size - pos : chunk;
                pgw_conn_input(c, data + pos, n);
                pos += n;
            } else if (!eof) {
                pgw_conn_input_eof(c);
                eof = true;
            } else if (rc == PGW_WANT_READ) {
                abort(); /* after EOF the engine must give an answer */
            }
            continue;
        }
        if (pgw_fastpath_recv(fp) != rc)
            abort();
        pgw_conn_state st = pgw_conn_get_state(c);
        const uint8_t *p;
        size_t len;
        pgw_status vr = pgw_fastpath_result(fp, &p, &len);
        if (rc == PGW_OK) {
            if (st != PGW_CONN_IDLE || (vr != PGW_OK && vr != PGW_E_NULL))
                abort();
            if (vr == PGW_OK && len > size)
                abort();
        } else if (vr != PGW_E_STATE) {
            abort();
        }
        if (rc == PGW_E_SERVER && st != PGW_CONN_IDLE)
            abort();
        pgw_fastpath_free(fp);
        fp = NULL;
        if (st == PGW_CONN_BROKEN || (rc != PGW_OK && rc != PGW_E_SERVER && rc != PGW_E_NOMEM)) {
            if (st != PGW_CONN_BROKEN)
                abort();
            pgw_fastpath *again = NULL;
            if (start_call(c, fmt, &again) != rc || again != NULL)
                abort();
            break;
        }
        calls++;
        if (start_call(c, fmt, &fp) != PGW_OK)
            abort();
    }
    pgw_fastpath_free(fp);
    pgw_conn_free(c);
    return 0;
}
