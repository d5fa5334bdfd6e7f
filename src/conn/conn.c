/* Connection lifecycle, option resolution, the byte pump, the error slot,
 * and the messages that can arrive at any time. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "conn/conn_int.h"
#include "conn/conninfo_int.h"
#include "conn/cursor_int.h"
#include "conn/extended_int.h"
#include "conn/pipeline_int.h"

/* Compact the input buffer once this many consumed bytes sit in front. */
#define INPUT_COMPACT_THRESHOLD 4096

void pgw_conn_options_init(pgw_conn_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->size = sizeof *opt;
    opt->use_environment = true;
}

bool pgwi_parse_int_option(const char *v, int *out)
{
    /* Leading and trailing white space is allowed; anything else is not. */
    while (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r' || *v == '\f' || *v == '\v')
        v++;
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (end == v || errno != 0 || n < INT32_MIN || n > INT32_MAX)
        return false;
    while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r' || *end == '\f' ||
           *end == '\v')
        end++;
    if (*end != '\0')
        return false;
    *out = (int)n;
    return true;
}

/* Option values that change security or semantics and that this version
 * cannot honour are refused rather than silently ignored. */
static pgw_status validate_options(pgw_conn *c)
{
    const char *v;
    /* sslmode, sslnegotiation, channel_binding, require_auth and the other
     * TLS and authentication settings (policy.c). */
    pgw_status prc = pgwi_policy_resolve(c);
    if (prc != PGW_OK)
        return prc;
    if ((v = c->opt[PGWI_OPT_GSSENCMODE]) != NULL) {
        if (strcmp(v, "disable") != 0 && strcmp(v, "prefer") != 0 && strcmp(v, "require") != 0)
            return pgwi_conn_break(c, PGW_E_INVALID, "invalid gssencmode value: \"%s\"", v);
        if (strcmp(v, "require") == 0)
            return pgwi_conn_break(
                c, PGW_E_UNSUPPORTED,
                "gssencmode value \"require\" invalid when GSSAPI support is not compiled in");
    }
    /* Integer options, checked as libpq's pqParseIntParam checks them. */
    static const int int_opts[] = {PGWI_OPT_CONNECT_TIMEOUT,
                                   PGWI_OPT_KEEPALIVES,     PGWI_OPT_KEEPALIVES_IDLE,
                                   PGWI_OPT_KEEPALIVES_INTERVAL, PGWI_OPT_KEEPALIVES_COUNT,
                                   PGWI_OPT_TCP_USER_TIMEOUT};
    for (size_t i = 0; i < sizeof int_opts / sizeof int_opts[0]; i++) {
        v = c->opt[int_opts[i]];
        /* An empty value means the default, as in libpq. */
        if (v == NULL || *v == '\0')
            continue;
        int n;
        if (!pgwi_parse_int_option(v, &n)) {
            while (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r' || *v == '\f' ||
                   *v == '\v')
                v++;
            return pgwi_conn_break(c, PGW_E_INVALID,
                                   "invalid integer value \"%s\" for connection option \"%s\"", v,
                                   pgwi_opt_table[int_opts[i]].keyword);
        }
    }
    /* replication, target_session_attrs, load_balance_hosts, requirepeer
     * (conninfo.c). */
    return pgwi_conninfo_validate(c);
}

static pgw_status resolve_options(pgw_conn *c, const pgw_conn_options *o)
{
    char errbuf[256];
    pgw_status rc = pgwi_conninfo_parse(c->a, o->conninfo, c->opt, errbuf, sizeof errbuf);
    if (rc == PGW_E_NOMEM)
        return rc;
    if (rc != PGW_OK)
        return pgwi_conn_break(c, rc, "%s", errbuf);
    bool sslmode_given = c->opt[PGWI_OPT_SSLMODE] != NULL;
    for (int i = 0; i < PGWI_OPT_COUNT; i++) {
        if (c->opt[i] != NULL)
            continue;
        const char *v = NULL;
        if (o->getenv != NULL && pgwi_opt_table[i].envvar != NULL)
            v = o->getenv(o->getenv_ud, pgwi_opt_table[i].envvar);
        if (v == NULL && i == PGWI_OPT_USER)
            v = o->default_user;
        if (v != NULL && i == PGWI_OPT_SSLMODE)
            sslmode_given = true;
        if (v == NULL)
            v = pgwi_opt_table[i].fallback;
        if (v == NULL)
            continue;
        c->opt[i] = pgwi_strndup(c->a, v, strlen(v));
        if (c->opt[i] == NULL)
            return PGW_E_NOMEM;
    }
    /* sslrootcert=system makes verify-full the default (libpq 16). */
    if (c->opt[PGWI_OPT_SSLMODE] != NULL && strcmp(c->opt[PGWI_OPT_SSLMODE], "prefer") == 0 &&
        !sslmode_given && c->opt[PGWI_OPT_SSLROOTCERT] != NULL &&
        strcmp(c->opt[PGWI_OPT_SSLROOTCERT], "system") == 0) {
        pgwi_free(c->a, c->opt[PGWI_OPT_SSLMODE], strlen(c->opt[PGWI_OPT_SSLMODE]) + 1);
        c->opt[PGWI_OPT_SSLMODE] = pgwi_strndup(c->a, "verify-full", 11);
        if (c->opt[PGWI_OPT_SSLMODE] == NULL)
            return PGW_E_NOMEM;
    }
    /* dbname defaults to the user name, as in libpq. */
    if (c->opt[PGWI_OPT_DBNAME] == NULL && c->opt[PGWI_OPT_USER] != NULL) {
        const char *u = c->opt[PGWI_OPT_USER];
        c->opt[PGWI_OPT_DBNAME] = pgwi_strndup(c->a, u, strlen(u));
        if (c->opt[PGWI_OPT_DBNAME] == NULL)
            return PGW_E_NOMEM;
    }
    return validate_options(c);
}

pgw_status pgw_conn_new(pgw_conn **out, const pgw_conn_options *opt)
{
    pgw_conn_options copy;
    if (out == NULL)
        return PGW_E_INVALID;
    *out = NULL;
    /* A caller compiled against an older, smaller pgw_conn_options gets
     * defaults for the fields it does not know. */
    pgw_conn_options_init(&copy);
    if (opt != NULL)
        memcpy(&copy, opt, opt->size != 0 && opt->size < sizeof copy ? opt->size : sizeof copy);
    copy.size = sizeof copy;
    opt = &copy;
    const pgw_allocator *a = opt->allocator;
    pgw_conn *c = pgwi_alloc(a, sizeof *c);
    if (c == NULL)
        return PGW_E_NOMEM;
    memset(c, 0, sizeof *c);
    if (a != NULL) {
        c->alloc_copy = *a;
        c->a = &c->alloc_copy;
    }
    c->state = PGW_CONN_NEW;
    c->limits.max_message = opt->max_message_size ? opt->max_message_size
                                                   : (size_t)PGW_DEFAULT_MAX_MESSAGE_SIZE;
    c->limits.max_small_message = PGW_DEFAULT_MAX_SMALL_MESSAGE;
    c->scram_max_iterations = opt->scram_max_iterations;
    c->notice = opt->notice;
    c->notice_ud = opt->notice_ud;
    c->io_timeout_ms = opt->io_timeout_ms;
    c->ssl_ctx = opt->ssl_ctx;
    c->oauth_token = opt->oauth_token;
    c->oauth_token_ud = opt->oauth_token_ud;
    c->cache_size_option = opt->statement_cache_size;
    c->result_format = PGW_FORMAT_AUTO;
    pgw_render_ctx_init(&c->rctx);
    pgwi_registry_init(c);
    /* The input buffer may hold one whole message plus a partial next one. */
    size_t in_max;
    if (!pgwi_add_size(c->limits.max_message, 2 * 65536 + 5, &in_max))
        in_max = SIZE_MAX;
    pgw_buf_init(&c->in, c->a, in_max);
    pgw_buf_init(&c->out, c->a, 0);
    c->out.wipe = true; /* password messages pass through it */
    pgw_status rc = resolve_options(c, opt);
    if (rc == PGW_E_NOMEM) {
        pgw_conn_free(c);
        return rc;
    }
    *out = c;
    return rc;
}

static void free_params(pgw_conn *c)
{
    for (size_t i = 0; i < c->nparams; i++) {
        pgwi_free(c->a, c->params[i].name, c->params[i].name_len + 1);
        pgwi_free(c->a, c->params[i].value, c->params[i].value_len + 1);
    }
    pgwi_free(c->a, c->params, c->params_cap * sizeof *c->params);
    c->params = NULL;
    c->nparams = 0;
    c->params_cap = 0;
}

void pgw_conn_free(pgw_conn *c)
{
    if (c == NULL)
        return;
    pgwi_pipe_free(c);
    if (c->io_free != NULL)
        c->io_free(c);
    pgwi_conn_detach_cursor(c);
    pgwi_cache_free(c);
    pgwi_conn_free_tz(c);
    pgwi_registry_free(c);
    pgwi_notify_free(c);
    pgw_scram_free(c->scram);
    pgwi_tls_reset(c);
    for (int i = 0; i < PGWI_PEM_COUNT; i++) {
        if (c->pem[i] != NULL)
            pgwi_wipe(c->pem[i], c->pem_len[i]); /* a private key among them */
        pgwi_free(c->a, c->pem[i], c->pem_len[i]);
    }
    pgwi_free(c->a, c->rx_scratch, c->rx_scratch_len);
    for (int i = 0; i < PGWI_PEM_COUNT; i++)
        if (c->pem_name[i] != NULL)
            pgwi_free(c->a, c->pem_name[i], strlen(c->pem_name[i]) + 1);
    pgwi_conninfo_free(c->a, c->opt);
    free_params(c);
    pgwi_conn_clear_error(c);
    pgw_buf_free(&c->in);
    pgw_buf_free(&c->out); /* wipes */
    const pgw_allocator *a = c->a;
    pgw_allocator copy = c->alloc_copy;
    if (a != NULL)
        a = &copy;
    pgwi_wipe(c, sizeof *c);
    pgwi_free(a, c, sizeof *c);
}

void pgwi_conn_restart(pgw_conn *c)
{
    pgwi_conn_detach_cursor(c);
    pgwi_cache_free(c); /* a new server knows none of our statements */
    pgwi_registry_free(c); /* nor need its types be the same */
    pgw_scram_free(c->scram);
    c->scram = NULL;
    pgwi_tls_reset(c);
    c->retry_other = false;
    c->cbind_used = false;
    c->client_finished_auth = false;
    c->auth_method = NULL;
    c->row_owner = NULL;
    free_params(c);
    pgw_buf_reset(&c->in);
    c->in_off = 0;
    c->eof = false;
    pgw_buf_reset(&c->out); /* wipes */
    c->terminating = false;
    c->backend_pid = 0;
    c->cancel_key_len = 0;
    c->tx = 0;
    c->abandoned = 0;
    c->abandoned_ext = 0;
    c->auth_code = -1;
    memset(c->lo_fn, 0, sizeof c->lo_fn); /* another server: look them up again */
    c->state = PGW_CONN_NEW;
    c->trace_out_off = 0;
    c->trace_sasl_first_seen = false;
}

void pgwi_conn_set_unix_socket(pgw_conn *c)
{
    c->unix_socket = true;
    c->attempt_tls = false;
}

bool pgwi_conn_retry_other(pgw_conn *c)
{
    if (!c->retry_other || c->unix_socket)
        return false;
    bool tls = c->attempt_tls;
    pgwi_conn_restart(c);
    pgwi_conn_clear_error(c);
    c->attempt_tls = !tls;
    return true;
}

bool pgw_conn_tls_in_use(const pgw_conn *c)
{
    return c->tls != NULL && c->tls_phase == PGWI_TLS_PHASE_UP;
}

const char *pgw_conn_tls_version(const pgw_conn *c)
{
    return pgw_conn_tls_in_use(c) ? pgw_tls_version_name(c->tls) : NULL;
}

const char *pgw_conn_tls_cipher(const pgw_conn *c)
{
    return pgw_conn_tls_in_use(c) ? pgw_tls_cipher_name(c->tls) : NULL;
}

bool pgw_conn_channel_binding_used(const pgw_conn *c)
{
    return c->cbind_used && c->client_finished_auth;
}

const char *pgw_conn_auth_method(const pgw_conn *c)
{
    return c->auth_method;
}

pgw_status pgw_conn_set_tls_pem(pgw_conn *c, pgw_tls_pem which, const uint8_t *pem, size_t len)
{
    if ((unsigned)which >= PGWI_PEM_COUNT || (pem == NULL && len > 0))
        return PGW_E_INVALID;
    if (c->state != PGW_CONN_NEW)
        return PGW_E_STATE;
    if (c->pem[which] != NULL) {
        pgwi_wipe(c->pem[which], c->pem_len[which]);
        pgwi_free(c->a, c->pem[which], c->pem_len[which]);
        c->pem[which] = NULL;
        c->pem_len[which] = 0;
    }
    if (pem == NULL)
        return PGW_OK;
    c->pem[which] = pgwi_alloc(c->a, len);
    if (c->pem[which] == NULL)
        return PGW_E_NOMEM;
    memcpy(c->pem[which], pem, len);
    c->pem_len[which] = len;
    return PGW_OK;
}

pgw_status pgwi_conn_set_pem_name(pgw_conn *c, int which, const char *path)
{
    if (which < 0 || which >= PGWI_PEM_COUNT)
        return PGW_E_INVALID;
    if (c->pem_name[which] != NULL)
        pgwi_free(c->a, c->pem_name[which], strlen(c->pem_name[which]) + 1);
    c->pem_name[which] = pgwi_strndup(c->a, path, strlen(path));
    return c->pem_name[which] != NULL ? PGW_OK : pgwi_conn_break(c, PGW_E_NOMEM, "out of memory");
}

void pgw_conn_set_ssl_ctx(pgw_conn *c, void *ssl_ctx)
{
    c->ssl_ctx = ssl_ctx;
}

void pgw_conn_set_notice_handler(pgw_conn *c, pgw_notice_fn fn, void *ud)
{
    c->notice = fn;
    c->notice_ud = ud;
}

/* ---- the byte pump -------------------------------------------------------- */

/* Compact only when input arrives: views handed out by the last call stay
 * valid until the caller feeds more input. */
static void compact_input(pgw_conn *c)
{
    if (c->in_off > 0 && (c->in_off >= c->in.len / 2 || c->in_off > INPUT_COMPACT_THRESHOLD)) {
        pgw_buf_consume(&c->in, c->in_off);
        c->in_off = 0;
    }
}

uint8_t *pgwi_tls_rx_space(pgw_conn *c, size_t *avail);

uint8_t *pgwi_conn_input_reserve(pgw_conn *c, size_t want, size_t *avail)
{
    if (c->state == PGW_CONN_BROKEN)
        return NULL;
    c->row_owner = NULL;
    compact_input(c);
    /* Ciphertext lands in a scratch area; plaintext reaches c->in on commit. */
    if (c->tls != NULL)
        return pgwi_tls_rx_space(c, avail);
    pgw_status rc = pgw_buf_reserve(&c->in, want);
    if (rc != PGW_OK) {
        /* Near the limit: any room at all is enough to make progress. */
        if (rc == PGW_E_TOO_LARGE && c->in.cap > c->in.len) {
            c->in.error = PGW_OK;
            *avail = c->in.cap - c->in.len;
            return c->in.data + c->in.len;
        }
        pgwi_conn_break(c, rc, rc == PGW_E_TOO_LARGE ? "input buffer limit exceeded"
                                                     : "out of memory");
        return NULL;
    }
    *avail = c->in.cap - c->in.len;
    return c->in.data + c->in.len;
}

void pgwi_conn_input_commit(pgw_conn *c, size_t n)
{
    if (c->tls != NULL) {
        (void)pgwi_tls_input(c, c->rx_scratch, n);
        return;
    }
    c->in.len += n;
}

pgw_status pgw_conn_input(pgw_conn *c, const uint8_t *p, size_t n)
{
    if (c->state == PGW_CONN_BROKEN)
        return c->err.status;
    /* Row views point into this buffer, which may now move. */
    c->row_owner = NULL;
    compact_input(c);
    if (n == 0)
        return PGW_OK;
    if (c->tls != NULL)
        return pgwi_tls_input(c, p, n);
    pgw_status rc = pgw_buf_append(&c->in, p, n);
    if (rc == PGW_E_TOO_LARGE)
        return pgwi_conn_break(c, rc, "input buffer limit exceeded");
    if (rc != PGW_OK)
        return pgwi_conn_break(c, rc, "out of memory");
    return PGW_OK;
}

void pgw_conn_input_eof(pgw_conn *c)
{
    c->eof = true;
}

size_t pgw_conn_output(pgw_conn *c, const uint8_t **p)
{
    if (c->trace != NULL)
        pgwi_trace_output(c);
    if (c->tls != NULL) {
        size_t n = pgwi_tls_output(c, p);
        if (c->out.len == 0) /* encrypted: the plaintext is gone */
            c->trace_out_off = 0;
        return n;
    }
    *p = c->out.data;
    return c->out.len;
}

void pgw_conn_output_done(pgw_conn *c, size_t n)
{
    if (c->tls != NULL) {
        pgwi_tls_output_done(c, n);
        if (c->terminating && !pgwi_tls_output_pending(c) && c->state != PGW_CONN_BROKEN)
            c->state = PGW_CONN_CLOSED;
        return;
    }
    if (n > c->out.len)
        n = c->out.len;
    c->trace_out_off = c->trace_out_off > n ? c->trace_out_off - n : 0;
    pgw_buf_consume(&c->out, n); /* wipes: it may be a password message */
    if (c->out.len == 0 && c->terminating && c->state != PGW_CONN_BROKEN)
        c->state = PGW_CONN_CLOSED;
}

static const char *tag_name(uint8_t tag)
{
    switch (tag) {
    case 'R': return "Authentication";
    case 'K': return "BackendKeyData";
    case '2': return "BindComplete";
    case '3': return "CloseComplete";
    case 'C': return "CommandComplete";
    case 'd': return "CopyData";
    case 'c': return "CopyDone";
    case 'G': return "CopyInResponse";
    case 'H': return "CopyOutResponse";
    case 'W': return "CopyBothResponse";
    case 'D': return "DataRow";
    case 'I': return "EmptyQueryResponse";
    case 'E': return "ErrorResponse";
    case 'V': return "FunctionCallResponse";
    case 'v': return "NegotiateProtocolVersion";
    case 'n': return "NoData";
    case 'N': return "NoticeResponse";
    case 'A': return "NotificationResponse";
    case 't': return "ParameterDescription";
    case 'S': return "ParameterStatus";
    case '1': return "ParseComplete";
    case 's': return "PortalSuspended";
    case 'Z': return "ReadyForQuery";
    case 'T': return "RowDescription";
    default: return NULL;
    }
}

pgw_status pgwi_conn_peek(pgw_conn *c, pgw_frame *f, size_t *used)
{
    if (c->state == PGW_CONN_BROKEN)
        return c->err.status;
    /* An empty buffer has no data pointer yet; never form NULL + 0. */
    static const uint8_t empty[1];
    const uint8_t *start = c->in.data != NULL ? c->in.data + c->in_off : empty;
    pgw_status rc = pgw_frame_next(start, c->in.len - c->in_off, &c->limits, f, used, NULL);
    if (rc == PGW_OK)
        return rc;
    if (rc == PGW_WANT_READ) {
        if (!c->eof)
            return rc;
        if (c->in.len > c->in_off)
            return pgwi_conn_break(c, PGW_E_CLOSED,
                                   "server closed the connection in the middle of a message");
        return pgwi_conn_break(c, PGW_E_CLOSED,
                               "server closed the connection unexpectedly\n"
                               "\tThis probably means the server terminated abnormally\n"
                               "\tbefore or while processing the request.");
    }
    uint8_t tag = c->in.data[c->in_off];
    const char *name = tag_name(tag);
    if (rc == PGW_E_TOO_LARGE) {
        if (name != NULL)
            return pgwi_conn_break(c, rc, "%s: message length exceeds the limit", name);
        return pgwi_conn_break(c, rc, "message of type 0x%02x: length exceeds the limit", tag);
    }
    return pgwi_conn_break(c, PGW_E_PROTOCOL, "invalid message length (lost synchronization with server)");
}

static pgw_status set_param(pgw_conn *c, const char *name, const char *value)
{
    size_t nl = strlen(name), vl = strlen(value);
    for (size_t i = 0; i < c->nparams; i++) {
        if (c->params[i].name_len == nl && memcmp(c->params[i].name, name, nl) == 0) {
            char *v = pgwi_strndup(c->a, value, vl);
            if (v == NULL)
                return PGW_E_NOMEM;
            pgwi_free(c->a, c->params[i].value, c->params[i].value_len + 1);
            c->params[i].value = v;
            c->params[i].value_len = vl;
            return PGW_OK;
        }
    }
    /* The server reports a few dozen parameters; a flood is hostile. */
    if (c->nparams >= 1024)
        return PGW_E_TOO_LARGE;
    if (c->nparams == c->params_cap) {
        size_t cap = c->params_cap ? c->params_cap * 2 : 16;
        pgwi_param *np = pgwi_realloc(c->a, c->params, c->params_cap * sizeof *np,
                                      cap * sizeof *np);
        if (np == NULL)
            return PGW_E_NOMEM;
        c->params = np;
        c->params_cap = cap;
    }
    pgwi_param *np = c->params;
    pgwi_param *p = &np[c->nparams];
    p->name = pgwi_strndup(c->a, name, nl);
    p->value = pgwi_strndup(c->a, value, vl);
    if (p->name == NULL || p->value == NULL) {
        pgwi_free(c->a, p->name, nl + 1);
        pgwi_free(c->a, p->value, vl + 1);
        return PGW_E_NOMEM;
    }
    p->name_len = nl;
    p->value_len = vl;
    c->nparams++;
    return PGW_OK;
}

pgw_status pgwi_conn_async(pgw_conn *c, const pgw_frame *f)
{
    switch (f->tag) {
    case PGW_BE_NOTICE_RESPONSE:
        return pgwi_conn_notice(c, f);
    case PGW_BE_PARAMETER_STATUS: {
        const char *name, *value;
        if (pgw_parse_parameter_status(f, &name, &value) != PGW_OK)
            return pgwi_conn_break(c, PGW_E_PROTOCOL, "ParameterStatus: malformed message");
        /* pgwire decodes text as UTF-8 (and ASCII-compatible encodings);
         * an encoding switch the client did not ask for would make every
         * later string ambiguous, so refuse the session. */
        const char *asked = c->opt[PGWI_OPT_CLIENT_ENCODING];
        if (strcmp(name, "client_encoding") == 0 && strcmp(value, "UTF8") != 0 &&
            strcmp(value, "SQL_ASCII") != 0 && (asked == NULL || strcasecmp(asked, value) != 0))
            return pgwi_conn_break(c, PGW_E_UNSUPPORTED,
                                   "server switched client_encoding to \"%s\", which this client "
                                   "does not support",
                                   value);
        pgw_status rc = set_param(c, name, value);
        if (rc == PGW_E_TOO_LARGE)
            return pgwi_conn_break(c, rc, "ParameterStatus: too many parameters");
        if (rc != PGW_OK)
            return pgwi_conn_break(c, rc, "out of memory");
        pgwi_render_note_param(c, name, value);
        return PGW_OK;
    }
    case PGW_BE_NOTIFICATION_RESPONSE:
        /* Queued for pgw_conn_notification_next() (notify.c). */
        return pgwi_notify_push(c, f);
    default:
        return PGW_END;
    }
}

/* ---- accessors ------------------------------------------------------------ */

pgw_conn_state pgw_conn_get_state(const pgw_conn *c)
{
    return c->state;
}

pgw_tx_status pgw_conn_tx_status(const pgw_conn *c)
{
    if (c->state == PGW_CONN_BROKEN || c->state == PGW_CONN_CLOSED)
        return PGW_TX_UNKNOWN;
    if (c->state == PGW_CONN_BUSY)
        return PGW_TX_ACTIVE;
    switch (c->tx) {
    case 'I': return PGW_TX_IDLE;
    case 'T': return PGW_TX_IN_BLOCK;
    case 'E': return PGW_TX_IN_ERROR;
    default: return PGW_TX_UNKNOWN;
    }
}

const char *pgw_conn_parameter(const pgw_conn *c, const char *name)
{
    for (size_t i = 0; i < c->nparams; i++)
        if (strcmp(c->params[i].name, name) == 0)
            return c->params[i].value;
    return NULL;
}

const char *pgw_conn_option(const pgw_conn *c, const char *keyword)
{
    int k = pgwi_opt_lookup(keyword, strlen(keyword));
    if (k < 0 || k == PGWI_OPT_PASSWORD || k == PGWI_OPT_SSLPASSWORD)
        return NULL;
    return c->opt[k];
}

int32_t pgw_conn_backend_pid(const pgw_conn *c)
{
    return c->backend_pid;
}

size_t pgw_conn_cancel_key(const pgw_conn *c, const uint8_t **key)
{
    *key = c->cancel_key_len > 0 ? c->cancel_key : NULL;
    return c->cancel_key_len;
}

/* The active cursor's remaining results are now owed to nobody: count
 * the ReadyForQuery still to come so the drain can skip them. (A cursor
 * whose query finished is no longer active.) */
void pgwi_conn_detach_cursor(pgw_conn *c)
{
    if (c->active == NULL)
        return;
    if (c->abandoned < 64 && c->active->x != NULL)
        c->abandoned_ext |= (uint64_t)1 << c->abandoned;
    c->abandoned++;
    c->active = NULL;
}

pgw_status pgw_conn_terminate(pgw_conn *c)
{
    if (c->state == PGW_CONN_BROKEN || c->state == PGW_CONN_CLOSED || c->terminating)
        return PGW_OK;
    pgwi_conn_detach_cursor(c);
    if (pgw_build_terminate(&c->out) != PGW_OK)
        return pgwi_conn_break(c, PGW_E_NOMEM, "out of memory");
    c->terminating = true;
    return PGW_OK;
}
