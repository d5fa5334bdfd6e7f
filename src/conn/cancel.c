/* Cancel requests, engine side: the checks shared by both cancel paths,
 * and the state machine of a cancel connection — SSLRequest (or direct
 * TLS) when the original connection uses TLS, the CancelRequest, then
 * nothing but the server closing the connection, which is how it says the
 * request was processed. The TLS part is the connection's own
 * (tls_link.c), so a cancel is verified exactly as the session was. */
#include "conn/cancel_int.h"

pgw_status pgwi_cancel_check(pgw_conn *c)
{
    /* A broken connection may still have a query running on the server
     * (an I/O timeout gave up on it): cancelling it is allowed. The
     * explicit returns keep a broken connection's sticky status out. */
    if (c->state == PGW_CONN_NEW || c->state == PGW_CONN_STARTUP) {
        pgwi_conn_refuse(c, PGW_E_STATE, "cannot cancel: the connection is not established");
        return PGW_E_STATE;
    }
    if (c->cancel_key_len == 0) {
        pgwi_conn_refuse(c, PGW_E_UNSUPPORTED, "cannot cancel: the server sent no cancel key");
        return PGW_E_UNSUPPORTED;
    }
    return PGW_OK;
}

static pgw_status cx_copy_opt(pgw_conn *e, int i, const char *v)
{
    if (e->opt[i] != NULL) {
        size_t n = strlen(e->opt[i]);
        pgwi_wipe(e->opt[i], n);
        pgwi_free(e->a, e->opt[i], n + 1);
        e->opt[i] = NULL;
    }
    if (v == NULL)
        return PGW_OK;
    e->opt[i] = pgwi_strndup(e->a, v, strlen(v));
    return e->opt[i] != NULL ? PGW_OK : PGW_E_NOMEM;
}

static pgw_status cx_clone_into(pgw_conn *e, const pgw_conn *src, const char *host,
                             const char *hostaddr, const char *port)
{
    for (int i = 0; i < PGWI_OPT_COUNT; i++) {
        /* A cancel never authenticates: no password travels with it. */
        const char *v = i == PGWI_OPT_PASSWORD || i == PGWI_OPT_PASSFILE ? NULL : src->opt[i];
        if (i == PGWI_OPT_HOST)
            v = host;
        else if (i == PGWI_OPT_HOSTADDR)
            v = hostaddr;
        else if (i == PGWI_OPT_PORT)
            v = port;
        if (cx_copy_opt(e, i, v) != PGW_OK)
            return PGW_E_NOMEM;
    }
    for (int i = 0; i < PGWI_PEM_COUNT; i++) {
        if (src->pem[i] != NULL &&
            pgw_conn_set_tls_pem(e, (pgw_tls_pem)i, src->pem[i], src->pem_len[i]) != PGW_OK)
            return PGW_E_NOMEM;
        if (src->pem_name[i] != NULL && pgwi_conn_set_pem_name(e, i, src->pem_name[i]) != PGW_OK)
            return PGW_E_NOMEM;
    }
    e->ssl_ctx = src->ssl_ctx;
    e->limits = src->limits;
    e->backend_pid = src->backend_pid;
    memcpy(e->cancel_key, src->cancel_key, src->cancel_key_len);
    e->cancel_key_len = src->cancel_key_len;
    return PGW_OK;
}

pgw_status pgwi_cancel_clone(const pgw_conn *src, const char *host, const char *hostaddr,
                             const char *port, pgw_conn **out)
{
    *out = NULL;
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.allocator = src->a;
    o.use_environment = false;
    o.conninfo = "";
    pgw_conn *e = NULL;
    pgw_status rc = pgw_conn_new(&e, &o);
    if (rc != PGW_OK) {
        pgw_conn_free(e);
        return rc == PGW_E_NOMEM ? rc : PGW_E_STATE;
    }
    if (cx_clone_into(e, src, host, hostaddr, port) != PGW_OK) {
        pgw_conn_free(e);
        return PGW_E_NOMEM;
    }
    /* sslmode and the TLS settings again, now from the copied options. */
    rc = pgwi_policy_resolve(e);
    if (rc == PGW_E_NOMEM) {
        pgw_conn_free(e);
        return rc;
    }
    if (src->unix_socket)
        pgwi_conn_set_unix_socket(e);
    *out = e;
    return rc;
}

static pgw_status cx_queue_request(pgw_conn *e)
{
    pgw_status rc = pgw_build_cancel_request(&e->out, e->backend_pid, e->cancel_key,
                                             e->cancel_key_len);
    if (rc != PGW_OK)
        return pgwi_conn_break(e, rc == PGW_E_NOMEM ? rc : PGW_E_INVALID,
                               rc == PGW_E_NOMEM ? "out of memory" : "invalid cancel key");
    e->startup_sent = true;
    return PGW_OK;
}

pgw_status pgwi_cancel_begin(pgw_conn *e, bool tls)
{
    /* A new attempt forgets the session's keys: keep ours. */
    int32_t pid = e->backend_pid;
    size_t key_len = e->cancel_key_len;
    pgwi_conn_restart(e);
    pgwi_conn_clear_error(e);
    e->backend_pid = pid;
    e->cancel_key_len = key_len;
    e->startup_sent = false;
    e->attempt_tls = tls && !e->unix_socket;
    e->state = PGW_CONN_STARTUP;
    pgw_status rc = pgwi_tls_begin(e);
    if (rc != PGW_OK)
        return rc;
    if (!e->attempt_tls)
        return cx_queue_request(e);
    return PGW_OK;
}

bool pgwi_cancel_delivered(pgw_conn *e)
{
    return e->startup_sent && pgwi_conn_want(e) == PGW_WANT_READ;
}

pgw_status pgwi_cancel_step(pgw_conn *e)
{
    if (e->state == PGW_CONN_BROKEN)
        return e->err.status;
    if (e->state == PGW_CONN_CLOSED)
        return PGW_OK;
    if (!e->startup_sent) {
        /* SSLRequest's answer and the handshake. */
        pgw_status rc = pgwi_tls_step(e);
        if (rc != PGW_OK)
            return rc;
        if (e->tls_phase == PGWI_TLS_PHASE_REQUESTED || e->tls_phase == PGWI_TLS_PHASE_HANDSHAKE)
            return pgwi_conn_want(e);
        /* TLS is up (or the server said 'N' and sslmode allows plaintext
         * on this same connection, as libpq does). */
        rc = cx_queue_request(e);
        if (rc != PGW_OK)
            return rc;
    }
    if (pgwi_conn_want(e) == PGW_WANT_WRITE)
        return PGW_WANT_WRITE;
    /* The server answers a CancelRequest with nothing at all. */
    if (e->in.len > e->in_off)
        return pgwi_conn_break(e, PGW_E_PROTOCOL, "unexpected response from server");
    if (e->eof) {
        e->state = PGW_CONN_CLOSED;
        return PGW_OK;
    }
    return PGW_WANT_READ;
}
