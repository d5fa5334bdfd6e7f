/* The connection's error slot: client-side failures (formatted, sticky
 * when the stream is no longer trustworthy), server ErrorResponses with
 * every field, and NoticeResponses for the callback. The lowest layer of
 * src/conn: everything else reports through it. */
#include <stdio.h>
#include <stdlib.h>

#include "conn/conn_int.h"

void pgwi_conn_clear_error(pgw_conn *c)
{
    pgwi_free(c->a, c->err_body, c->err_body_len);
    pgwi_free(c->a, c->err_text, c->err_text_len);
    pgwi_free(c->a, c->err_summary, c->err_summary_len);
    c->err_body = c->err_text = c->err_summary = NULL;
    c->err_body_len = c->err_text_len = c->err_summary_len = 0;
    memset(&c->err, 0, sizeof c->err);
}

static bool is_sticky(pgw_status s)
{
    return s == PGW_E_PROTOCOL || s == PGW_E_IO || s == PGW_E_TLS || s == PGW_E_CLOSED ||
           s == PGW_E_TOO_LARGE || s == PGW_E_TIMEOUT;
}

enum err_mode { BY_STATUS, BREAK, REFUSE };

#if defined(__GNUC__)
__attribute__((format(printf, 4, 0)))
#endif
static pgw_status set_client_error(pgw_conn *c, pgw_status status, enum err_mode mode,
                                   const char *fmt, va_list ap)
{
    /* A broken connection keeps its first error: later calls report it. */
    if (c->state == PGW_CONN_BROKEN)
        return c->err.status;
    pgwi_conn_clear_error(c);
    char tmp[1024];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    size_t len = n < 0 ? 0 : ((size_t)n >= sizeof tmp ? sizeof tmp - 1 : (size_t)n);
    c->err_text = pgwi_strndup(c->a, tmp, len);
    c->err_text_len = c->err_text != NULL ? len + 1 : 0;
    c->err.status = status;
    c->err.message = c->err_text != NULL ? c->err_text : "out of memory";
    c->err.summary = c->err.message;
    /* A closed connection stays closed: refusing a call on it is not a
     * new failure of the stream. */
    /* A refusal happens before anything is written: the stream is fine and
     * the request may be retried as it is. */
    if (mode == REFUSE) {
        c->err.safe_to_retry = true;
        return status;
    }
    if ((mode == BREAK || is_sticky(status)) && c->state != PGW_CONN_CLOSED) {
        c->state = PGW_CONN_BROKEN;
        c->tx = 0;
    }
    return status;
}

pgw_status pgwi_conn_fail(pgw_conn *c, pgw_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pgw_status rc = set_client_error(c, status, BY_STATUS, fmt, ap);
    va_end(ap);
    return rc;
}

pgw_status pgwi_conn_refuse(pgw_conn *c, pgw_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pgw_status rc = set_client_error(c, status, REFUSE, fmt, ap);
    va_end(ap);
    return rc;
}

pgw_status pgwi_conn_break(pgw_conn *c, pgw_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pgw_status rc = set_client_error(c, status, BREAK, fmt, ap);
    va_end(ap);
    return rc;
}

void pgwi_conn_set_errno(pgw_conn *c, int sys_errno)
{
    c->err.sys_errno = sys_errno;
}

void pgwi_conn_prefix_error(pgw_conn *c, const char *prefix)
{
    const char *old = c->err.summary != NULL ? c->err.summary : "";
    size_t plen = strlen(prefix), olen = strlen(old), n;
    if (!pgwi_add_size(plen, olen, &n))
        return;
    char *s = pgwi_alloc(c->a, n + 1);
    if (s == NULL)
        return;
    memcpy(s, prefix, plen);
    memcpy(s + plen, old, olen + 1);
    pgwi_free(c->a, c->err_summary, c->err_summary_len);
    c->err_summary = s;
    c->err_summary_len = n + 1;
    c->err.summary = s;
}

/* Fill a pgw_error from an ErrorResponse/NoticeResponse body copied into
 * `body` (fields are NUL-terminated in the wire format, so views into the
 * copy need no further allocation). */
static pgw_status fill_fields(const pgw_frame *f, char *body, pgw_error *e)
{
    pgw_frame copy = {f->tag, (const uint8_t *)body, f->len};
    pgw_field_iter it;
    pgw_field fld;
    pgw_status rc = pgw_fields_begin(&copy, &it);
    if (rc != PGW_OK)
        return rc;
    while ((rc = pgw_fields_next(&it, &fld)) == PGW_OK) {
        const char *v = fld.value;
        switch (fld.code) {
        case 'S': e->severity = v; break;
        case 'V': e->severity_nonlocalized = v; break;
        case 'C':
            if (strlen(v) == 5)
                memcpy(e->sqlstate, v, 6);
            break;
        case 'M': e->message = v; break;
        case 'D': e->detail = v; break;
        case 'H': e->hint = v; break;
        case 'P': e->position = (int32_t)strtol(v, NULL, 10); break;
        case 'p': e->internal_position = (int32_t)strtol(v, NULL, 10); break;
        case 'q': e->internal_query = v; break;
        case 'W': e->where = v; break;
        case 's': e->schema = v; break;
        case 't': e->table = v; break;
        case 'c': e->column = v; break;
        case 'd': e->datatype = v; break;
        case 'n': e->constraint = v; break;
        case 'F': e->file = v; break;
        case 'L': e->line = v; break;
        case 'R': e->routine = v; break;
        default: break; /* unknown codes are ignored, as the protocol asks */
        }
    }
    if (rc != PGW_END)
        return rc;
    if (e->position < 0)
        e->position = 0;
    if (e->internal_position < 0)
        e->internal_position = 0;
    if (e->message == NULL)
        e->message = "(no message from the server)";
    if (e->severity == NULL)
        e->severity = e->severity_nonlocalized != NULL ? e->severity_nonlocalized : "ERROR";
    return PGW_OK;
}

pgw_status pgwi_conn_server_error(pgw_conn *c, const pgw_frame *f, pgw_status status)
{
    if (c->state == PGW_CONN_BROKEN)
        return c->err.status;
    pgwi_conn_clear_error(c);
    char *body = pgwi_alloc(c->a, f->len + 1);
    if (body == NULL)
        return pgwi_conn_break(c, PGW_E_NOMEM, "out of memory");
    memcpy(body, f->body, f->len);
    body[f->len] = '\0';
    c->err_body = body;
    c->err_body_len = f->len + 1;
    pgw_status rc = fill_fields(f, body, &c->err);
    if (rc != PGW_OK)
        return pgwi_conn_break(c, PGW_E_PROTOCOL, "ErrorResponse: malformed message");
    c->err.status = status;
    /* libpq's layout: "SEVERITY:  message". */
    size_t n = strlen(c->err.severity) + 3 + strlen(c->err.message) + 1;
    c->err_summary = pgwi_alloc(c->a, n);
    if (c->err_summary != NULL) {
        snprintf(c->err_summary, n, "%s:  %s", c->err.severity, c->err.message);
        c->err_summary_len = n;
        c->err.summary = c->err_summary;
    } else {
        c->err.summary = c->err.message;
    }
    return status;
}

bool pgwi_error_is_fatal(const pgw_frame *f)
{
    pgw_field_iter it;
    pgw_field fld;
    const char *sev = NULL, *sev_v = NULL;
    pgw_status rc = pgw_fields_begin(f, &it);
    while (rc == PGW_OK) {
        rc = pgw_fields_next(&it, &fld);
        if (rc == PGW_OK && fld.code == 'V')
            sev_v = fld.value;
        else if (rc == PGW_OK && fld.code == 'S')
            sev = fld.value;
    }
    if (rc != PGW_END)
        return true;
    const char *s = sev_v != NULL ? sev_v : sev;
    return s != NULL && (strcmp(s, "FATAL") == 0 || strcmp(s, "PANIC") == 0);
}

pgw_status pgwi_conn_notice(pgw_conn *c, const pgw_frame *f)
{
    if (c->notice == NULL) {
        /* Still validate: a malformed notice is a protocol error either way. */
        pgw_field_iter it;
        pgw_field fld;
        pgw_status rc = pgw_fields_begin(f, &it);
        while (rc == PGW_OK)
            rc = pgw_fields_next(&it, &fld);
        return rc == PGW_END ? PGW_OK
                             : pgwi_conn_break(c, PGW_E_PROTOCOL, "NoticeResponse: malformed message");
    }
    char small[512];
    char *body = f->len < sizeof small ? small : pgwi_alloc(c->a, f->len + 1);
    if (body == NULL)
        return pgwi_conn_break(c, PGW_E_NOMEM, "out of memory");
    memcpy(body, f->body, f->len);
    body[f->len] = '\0';
    pgw_error n;
    memset(&n, 0, sizeof n);
    pgw_status rc = fill_fields(f, body, &n);
    if (rc == PGW_OK) {
        char line[1024];
        snprintf(line, sizeof line, "%s:  %s", n.severity, n.message);
        n.summary = line;
        n.status = PGW_OK;
        c->notice(c->notice_ud, &n);
    }
    if (body != small)
        pgwi_free(c->a, body, f->len + 1);
    return rc == PGW_OK ? PGW_OK
                        : pgwi_conn_break(c, PGW_E_PROTOCOL, "NoticeResponse: malformed message");
}

const pgw_error *pgw_conn_error(const pgw_conn *c)
{
    return &c->err;
}

const char *pgw_conn_errmsg(const pgw_conn *c)
{
    if (c == NULL)
        return "out of memory";
    if (c->err.status == PGW_OK || c->err.summary == NULL)
        return "";
    return c->err.summary;
}

