/* The protocol trace callback (pgwire/trace.h) against the fixture: every
 * message of a login and of simple and extended queries is traced with
 * its name and summary, secrets never reach the callback, and the
 * ready-made fd writer prints libpq-style lines. */
#include <poll.h>
#include <unistd.h>

#include "pgtest.h"

#define MAX_EVENTS 512

typedef struct rec {
    pgw_trace_dir dir;
    uint8_t tag;
    uint32_t length;
    char name[40];
    char summary[600];
    bool redacted;
} rec;

typedef struct log {
    rec ev[MAX_EVENTS];
    size_t n;
} log_t;

static void on_trace(void *ud, const pgw_trace_event *ev)
{
    log_t *l = ud;
    assert_non_null(ev->name);
    assert_non_null(ev->summary);
    /* One line: no raw newline can split a trace line. */
    assert_null(strchr(ev->summary, '\n'));
    if (l->n == MAX_EVENTS)
        return;
    rec *r = &l->ev[l->n++];
    r->dir = ev->dir;
    r->tag = ev->tag;
    r->length = ev->length;
    snprintf(r->name, sizeof r->name, "%s", ev->name);
    snprintf(r->summary, sizeof r->summary, "%s", ev->summary);
    r->redacted = ev->redacted;
}

static const rec *find(const log_t *l, pgw_trace_dir dir, const char *name, size_t from)
{
    for (size_t i = from; i < l->n; i++)
        if (l->ev[i].dir == dir && strcmp(l->ev[i].name, name) == 0)
            return &l->ev[i];
    return NULL;
}

/* Connect with the trace set before the first message. */
static pgw_conn *traced_connect(const char *ci, log_t *l)
{
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = ci;
    o.use_environment = false;
    pgw_conn *c = NULL;
    assert_int_equal(pgw_connect_start(&c, &o), PGW_OK);
    pgw_conn_set_trace(c, on_trace, l);
    for (;;) {
        pgw_status rc = pgw_connect_poll(c);
        if (rc == PGW_OK)
            break;
        if (rc != PGW_WANT_READ && rc != PGW_WANT_WRITE) {
            fprintf(stderr, "# %s\n", pgw_conn_errmsg(c));
            fail_msg("connect: %s", pgw_status_name(rc));
        }
        struct pollfd p = {.fd = pgw_conn_fd(c), .events = rc == PGW_WANT_READ ? POLLIN : POLLOUT};
        assert_true(poll(&p, 1, 10000) >= 0);
    }
    return c;
}

static void assert_no_secret(const log_t *l, const char *secret)
{
    for (size_t i = 0; i < l->n; i++)
        if (strstr(l->ev[i].summary, secret) != NULL)
            fail_msg("event %zu (%s) shows the password: %s", i, l->ev[i].name,
                     l->ev[i].summary);
}

/* ---- tests -------------------------------------------------------------- */

static void login_never_shows_password(const char *role, const char *first_auth,
                                       const char *client_msg)
{
    static log_t l;
    memset(&l, 0, sizeof l);
    char ci[1024], pvar[64];
    pgt_conninfo(ci, sizeof ci, role, 1, " sslmode=disable");
    snprintf(pvar, sizeof pvar, "PGW_TEST_%s_PASSWORD", role);
    const char *pw = pgt_env(pvar);
    pgw_conn *c = traced_connect(ci, &l);
    pgw_close(c);
    assert_true(l.n > 5);
    /* The first message is the untagged StartupMessage, with the user. */
    assert_int_equal(l.ev[0].dir, PGW_TRACE_TO_SERVER);
    assert_int_equal(l.ev[0].tag, 0);
    assert_string_equal(l.ev[0].name, "StartupMessage");
    assert_non_null(strstr(l.ev[0].summary, "protocol 3.0"));
    assert_non_null(strstr(l.ev[0].summary, pgt_env(strcmp(role, "SCRAM") == 0 ? "PGW_TEST_SCRAM_USER"
                                                         : strcmp(role, "MD5") == 0 ? "PGW_TEST_MD5_USER"
                                                                                    : "PGW_TEST_PASSWORD_USER")));
    assert_non_null(find(&l, PGW_TRACE_FROM_SERVER, first_auth, 0));
    const rec *p = find(&l, PGW_TRACE_TO_SERVER, client_msg, 0);
    assert_non_null(p);
    assert_int_equal(p->tag, 'p');
    assert_true(p->redacted);
    assert_non_null(strstr(p->summary, "[redacted"));
    assert_non_null(find(&l, PGW_TRACE_FROM_SERVER, "AuthenticationOk", 0));
    const rec *bk = find(&l, PGW_TRACE_FROM_SERVER, "BackendKeyData", 0);
    assert_non_null(bk);
    assert_true(bk->redacted);
    const rec *ps = find(&l, PGW_TRACE_FROM_SERVER, "ParameterStatus", 0);
    assert_non_null(ps);
    assert_non_null(strchr(ps->summary, '='));
    const rec *z = find(&l, PGW_TRACE_FROM_SERVER, "ReadyForQuery", 0);
    assert_non_null(z);
    assert_string_equal(z->summary, "I");
    assert_int_equal(z->length, 5);
    /* pgw_close sends Terminate. */
    assert_non_null(find(&l, PGW_TRACE_TO_SERVER, "Terminate", 0));
    assert_no_secret(&l, pw);
}

static void test_trace_scram_login_redacts_sasl_messages(void **state)
{
    (void)state;
    login_never_shows_password("SCRAM", "AuthenticationSASL", "SASLInitialResponse");
    static log_t l;
    memset(&l, 0, sizeof l);
    char ci[1024];
    pgt_conninfo(ci, sizeof ci, "SCRAM", 1, " sslmode=disable");
    pgw_conn *c = traced_connect(ci, &l);
    pgw_close(c);
    const rec *r = find(&l, PGW_TRACE_TO_SERVER, "SASLResponse", 0);
    assert_non_null(r);
    assert_true(r->redacted);
    const rec *m = find(&l, PGW_TRACE_FROM_SERVER, "AuthenticationSASL", 0);
    assert_non_null(strstr(m->summary, "\"SCRAM-SHA-256\""));
    const rec *cont = find(&l, PGW_TRACE_FROM_SERVER, "AuthenticationSASLContinue", 0);
    assert_non_null(cont);
    assert_true(cont->redacted);
    assert_non_null(find(&l, PGW_TRACE_FROM_SERVER, "AuthenticationSASLFinal", 0));
}

static void test_trace_md5_login_redacts_password(void **state)
{
    (void)state;
    login_never_shows_password("MD5", "AuthenticationMD5Password", "PasswordMessage");
}

static void test_trace_cleartext_login_redacts_password(void **state)
{
    (void)state;
    login_never_shows_password("PASSWORD", "AuthenticationCleartextPassword", "PasswordMessage");
}

static void test_trace_simple_query_messages_are_decoded(void **state)
{
    (void)state;
    static log_t l;
    memset(&l, 0, sizeof l);
    pgw_conn *c = pgt_connect();
    /* Set after a blocking connect: traces from here on. */
    pgw_conn_set_trace(c, on_trace, &l);
    pgw_result *r = NULL;
    assert_int_equal(pgw_query_result(c, "SELECT 1 AS one, 'abc'::text AS t, NULL::int AS n", &r),
                     PGW_OK);
    pgw_result_free(r);
    assert_int_equal(pgw_exec(c, "SELECT nosuchcolumn", NULL), PGW_E_SERVER);
    pgw_conn_set_trace(c, NULL, NULL);
    assert_int_equal(pgw_exec(c, "SELECT 'not traced'", NULL), PGW_OK);
    pgw_close(c);

    const rec *q = find(&l, PGW_TRACE_TO_SERVER, "Query", 0);
    assert_non_null(q);
    assert_int_equal(q->tag, 'Q');
    assert_string_equal(q->summary, "\"SELECT 1 AS one, 'abc'::text AS t, NULL::int AS n\"");
    assert_int_equal(q->length, 4 + strlen("SELECT 1 AS one, 'abc'::text AS t, NULL::int AS n") + 1);
    const rec *t = find(&l, PGW_TRACE_FROM_SERVER, "RowDescription", 0);
    assert_non_null(t);
    assert_string_equal(t->summary, "3 fields \"one\":23 \"t\":25 \"n\":23");
    const rec *d = find(&l, PGW_TRACE_FROM_SERVER, "DataRow", 0);
    assert_non_null(d);
    assert_string_equal(d->summary, "3 fields, lengths 1 3 -1");
    const rec *cc = find(&l, PGW_TRACE_FROM_SERVER, "CommandComplete", 0);
    assert_non_null(cc);
    assert_string_equal(cc->summary, "\"SELECT 1\"");
    const rec *e = find(&l, PGW_TRACE_FROM_SERVER, "ErrorResponse", 0);
    assert_non_null(e);
    assert_string_equal(e->summary, "ERROR 42703 \"column \\\"nosuchcolumn\\\" does not exist\"");
    for (size_t i = 0; i < l.n; i++)
        assert_null(strstr(l.ev[i].summary, "not traced"));
    /* Order: every message to the server precedes the replies to it. */
    assert_true(q < t && t < d && d < cc);
}

static void test_trace_extended_query_messages_are_decoded(void **state)
{
    (void)state;
    static log_t l;
    memset(&l, 0, sizeof l);
    pgw_conn *c = pgt_connect();
    pgw_conn_set_trace(c, on_trace, &l);
    pgw_param p[2] = {{0, PGW_FORMAT_TEXT, "20", 2}, {0, PGW_FORMAT_TEXT, "22", 2}};
    pgw_result *r = NULL;
    assert_int_equal(pgw_query_params_result(c, "SELECT $1::int + $2::int", p, 2, &r), PGW_OK);
    assert_string_equal(pgw_result_text(r, 0, 0), "42");
    pgw_result_free(r);
    pgw_close(c);
    const rec *parse = find(&l, PGW_TRACE_TO_SERVER, "Parse", 0);
    assert_non_null(parse);
    assert_non_null(strstr(parse->summary, "\"SELECT $1::int + $2::int\""));
    const rec *bind = find(&l, PGW_TRACE_TO_SERVER, "Bind", 0);
    assert_non_null(bind);
    assert_non_null(strstr(bind->summary, "portal \"\" statement \""));
    assert_non_null(strstr(bind->summary, " params 2"));
    const rec *ex = find(&l, PGW_TRACE_TO_SERVER, "Execute", 0);
    assert_non_null(ex);
    assert_string_equal(ex->summary, "portal \"\" max_rows 0");
    assert_non_null(find(&l, PGW_TRACE_TO_SERVER, "Sync", 0));
    assert_non_null(find(&l, PGW_TRACE_FROM_SERVER, "BindComplete", 0));
}

static void test_trace_tls_connection_traces_ssl_request_untagged(void **state)
{
    (void)state;
    static log_t l;
    memset(&l, 0, sizeof l);
    char ci[1024], extra[512];
    snprintf(extra, sizeof extra, " sslmode=require sslrootcert=%s", pgt_env("PGW_TEST_ROOT_CERT"));
    pgt_conninfo(ci, sizeof ci, "SCRAM", 1, extra);
    pgw_conn *c = traced_connect(ci, &l);
    assert_true(pgw_conn_tls_in_use(c));
    assert_int_equal(pgw_exec(c, "SELECT 1", NULL), PGW_OK);
    pgw_close(c);
    assert_string_equal(l.ev[0].name, "SSLRequest");
    assert_int_equal(l.ev[0].length, 8);
    assert_string_equal(l.ev[1].name, "StartupMessage");
    /* Messages inside TLS are traced in plaintext, before encryption. */
    assert_non_null(find(&l, PGW_TRACE_TO_SERVER, "Query", 0));
    assert_no_secret(&l, pgt_env("PGW_TEST_SCRAM_PASSWORD"));
}

static void test_trace_fd_writes_libpq_style_lines(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pgw_trace_sink plain = {fds[1], 0};
    pgw_conn *c = pgt_connect();
    pgw_conn_set_trace(c, pgw_trace_fd, &plain);
    assert_int_equal(pgw_exec(c, "SELECT 1", NULL), PGW_OK);
    pgw_trace_sink stamped = {fds[1], PGW_TRACE_TIMESTAMPS};
    pgw_conn_set_trace(c, pgw_trace_fd, &stamped);
    assert_int_equal(pgw_exec(c, "SELECT 2", NULL), PGW_OK);
    pgw_conn_set_trace(c, NULL, NULL);
    pgw_close(c);
    close(fds[1]);
    char buf[8192];
    size_t n = 0;
    ssize_t got;
    while ((got = read(fds[0], buf + n, sizeof buf - 1 - n)) > 0)
        n += (size_t)got;
    close(fds[0]);
    buf[n] = '\0';
    /* Query: length word 4 + "SELECT 1" + NUL = 13. */
    assert_non_null(strstr(buf, "F\t13\tQuery\t \"SELECT 1\"\n"));
    assert_non_null(strstr(buf, "B\t5\tReadyForQuery\t I\n"));
    assert_non_null(strstr(buf, "B\t13\tCommandComplete\t \"SELECT 1\"\n"));
    /* The timestamped line: "YYYY-MM-DD HH:MM:SS.uuuuuu\tF\t13\tQuery". */
    const char *s = strstr(buf, "\tF\t13\tQuery\t \"SELECT 2\"");
    assert_non_null(s);
    assert_true(s - buf >= 26);
    const char *ts = s - 26;
    assert_true(ts == buf || ts[-1] == '\n');
    assert_int_equal(ts[4], '-');
    assert_int_equal(ts[10], ' ');
    assert_int_equal(ts[19], '.');
}

static void test_trace_describe_rejects_hostile_bodies(void **state)
{
    (void)state;
    char out[256];
    const char *name;
    bool red;
    /* DataRow claiming 3 fields with one length cut short. */
    static const uint8_t row[] = {0, 3, 0, 0, 0, 1, 'x', 0xff, 0xff};
    pgw_trace_describe(PGW_TRACE_FROM_SERVER, 'D', row, sizeof row, out, sizeof out, &name, &red);
    assert_string_equal(name, "DataRow");
    assert_string_equal(out, "3 fields, lengths 1 (malformed)");
    /* ErrorResponse without its terminator and with a control character. */
    static const uint8_t err[] = {'S', 'E', 'R', 'R', 'O', 'R', 0, 'M', 'a', '\x01', 'b'};
    pgw_trace_describe(PGW_TRACE_FROM_SERVER, 'E', err, sizeof err, out, sizeof out, &name, &red);
    assert_string_equal(name, "ErrorResponse");
    assert_string_equal(out, "ERROR  (malformed)");
    /* An unknown tag, an empty body, NULL body. */
    pgw_trace_describe(PGW_TRACE_FROM_SERVER, '!', NULL, 0, out, sizeof out, &name, &red);
    assert_string_equal(name, "Unknown");
    pgw_trace_describe(PGW_TRACE_TO_SERVER, 'Q', NULL, 0, out, sizeof out, &name, &red);
    assert_string_equal(out, "(malformed)");
    /* A tiny output buffer is never overrun. */
    char tiny[4];
    static const uint8_t q[] = "SELECT 1";
    size_t n = pgw_trace_describe(PGW_TRACE_TO_SERVER, 'Q', q, sizeof q, tiny, sizeof tiny, &name,
                                  &red);
    assert_int_equal(n, 3);
    assert_string_equal(tiny, "\"SE");
    /* CancelRequest: pid shown, key withheld. */
    static const uint8_t cancel[] = {0x04, 0xd2, 0x16, 0x2e, 0, 0, 0x30, 0x39, 1, 2, 3, 4};
    pgw_trace_describe(PGW_TRACE_TO_SERVER, 0, cancel, sizeof cancel, out, sizeof out, &name, &red);
    assert_string_equal(name, "CancelRequest");
    assert_string_equal(out, "pid 12345 key [redacted 4 bytes]");
    assert_true(red);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trace_scram_login_redacts_sasl_messages),
        cmocka_unit_test(test_trace_md5_login_redacts_password),
        cmocka_unit_test(test_trace_cleartext_login_redacts_password),
        cmocka_unit_test(test_trace_simple_query_messages_are_decoded),
        cmocka_unit_test(test_trace_extended_query_messages_are_decoded),
        cmocka_unit_test(test_trace_tls_connection_traces_ssl_request_untagged),
        cmocka_unit_test(test_trace_fd_writes_libpq_style_lines),
        cmocka_unit_test(test_trace_describe_rejects_hostile_bodies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
