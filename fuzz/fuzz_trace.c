/* Fuzz the trace decoder: the input is one message (direction, tag, body)
 * for pgw_trace_describe() and pgw_trace_format(), or, in the second
 * mode, raw bytes placed in a connection's output for the walker that
 * splits sent messages (with a server transcript the engine consumes).
 * Invariants: the summary fits its buffer, is NUL-terminated and one line;
 * the returned length is the string's; a password message is always
 * redacted and shows none of its bytes; the walker never reads past the
 * output and every event has a name. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conn/conn_int.h"
#include "pgwire/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_event(void *ud, const pgw_trace_event *ev)
{
    size_t *count = ud;
    if (ev->name == NULL || ev->summary == NULL || strchr(ev->summary, '\n') != NULL)
        abort();
    char line[64];
    size_t n = pgw_trace_format(ev, line, sizeof line);
    if (n >= sizeof line || strlen(line) != n || n == 0 || line[n - 1] != '\n')
        abort();
    (*count)++;
}

static void describe_mode(const uint8_t *data, size_t size)
{
    pgw_trace_dir dir = (data[0] & 2) ? PGW_TRACE_FROM_SERVER : PGW_TRACE_TO_SERVER;
    size_t outlen = (data[0] & 4) ? 512 : (size_t)(data[0] >> 3) + 1;
    uint8_t tag = data[1];
    const uint8_t *body = size > 2 ? data + 2 : NULL;
    size_t len = size - 2;
    char out[512];
    const char *name = NULL;
    bool red = false;
    memset(out, 'x', sizeof out);
    size_t n = pgw_trace_describe(dir, tag, body, len, out, outlen, &name, &red);
    if (name == NULL || n >= outlen || strlen(out) != n || memchr(out, '\n', n) != NULL)
        abort();
    if (dir == PGW_TRACE_TO_SERVER && tag == 'p') {
        if (!red || (outlen > 10 && strncmp(out, "[redacted ", 10) != 0))
            abort();
    }
    pgw_trace_event ev = {dir, tag, (uint32_t)len + 4, name, out, red};
    char line[40];
    size_t ln = pgw_trace_format(&ev, line, sizeof line);
    if (ln >= sizeof line || strlen(line) != ln || line[ln - 1] != '\n')
        abort();
}

static void walker_mode(const uint8_t *data, size_t size)
{
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = "user=fuzz dbname=fuzz";
    pgw_conn *c = NULL;
    if (pgw_conn_new(&c, &o) != PGW_OK) {
        pgw_conn_free(c);
        return;
    }
    size_t events = 0;
    pgw_conn_set_trace(c, check_event, &events);
    /* The first half goes out (as if built), the second comes in. */
    size_t half = size / 2;
    if (pgw_buf_append(&c->out, data, half) == PGW_OK) {
        const uint8_t *p;
        size_t n = pgw_conn_output(c, &p);
        if (n != half || c->trace_out_off > c->out.len)
            abort();
        pgw_conn_output_done(c, n / 3);
        (void)pgw_conn_output(c, &p);
        if (c->trace_out_off > c->out.len)
            abort();
    }
    /* Received frames are traced as the engine consumes them. */
    if (pgw_conn_start(c) == PGW_OK && pgw_conn_input(c, data + half, size - half) == PGW_OK) {
        pgw_conn_input_eof(c);
        for (int i = 0; i < 64; i++) {
            pgw_status rc = pgw_conn_step(c);
            if (rc != PGW_WANT_READ && rc != PGW_WANT_WRITE)
                break;
            const uint8_t *p;
            size_t n = pgw_conn_output(c, &p);
            pgw_conn_output_done(c, n);
        }
    }
    pgw_conn_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    if (data[0] & 1)
        walker_mode(data + 1, size - 1);
    else
        describe_mode(data, size);
    return 0;
}
