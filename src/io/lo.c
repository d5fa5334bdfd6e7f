/* Large objects: the server's lo_* functions called through the fast path
 * (FunctionCall, function OIDs looked up once per connection) or through
 * parameterised SQL, with binary arguments and results either way. */
#include <stdlib.h>

#include "io/lo_int.h"

/* The functions, their names in pg_catalog and their SQL form. Every
 * argument and result is binary, so both methods decode the same bytes. */
static const struct {
    const char *name;
    const char *sql;
} lo_fn_def[PGWI_LO_NFN] = {
    [PGWI_LO_OPEN] = {"lo_open", "SELECT pg_catalog.lo_open($1, $2)"},
    [PGWI_LO_CLOSE] = {"lo_close", "SELECT pg_catalog.lo_close($1)"},
    [PGWI_LO_CREAT] = {"lo_creat", "SELECT pg_catalog.lo_creat($1)"},
    [PGWI_LO_CREATE] = {"lo_create", "SELECT pg_catalog.lo_create($1)"},
    [PGWI_LO_UNLINK] = {"lo_unlink", "SELECT pg_catalog.lo_unlink($1)"},
    [PGWI_LO_LSEEK64] = {"lo_lseek64", "SELECT pg_catalog.lo_lseek64($1, $2, $3)"},
    [PGWI_LO_TELL64] = {"lo_tell64", "SELECT pg_catalog.lo_tell64($1)"},
    [PGWI_LO_TRUNCATE64] = {"lo_truncate64", "SELECT pg_catalog.lo_truncate64($1, $2)"},
    [PGWI_LO_READ] = {"loread", "SELECT pg_catalog.loread($1, $2)"},
    [PGWI_LO_WRITE] = {"lowrite", "SELECT pg_catalog.lowrite($1, $2)"},
};

/* conn_int.h gives us 16 slots; the last one marks "looked up". */
#define LO_LOADED_SLOT 15
_Static_assert(PGWI_LO_NFN < LO_LOADED_SLOT, "lo_fn slots");
_Static_assert(sizeof(((pgw_conn *)0)->lo_fn) / sizeof(uint32_t) == 16, "lo_fn size");

#define LO_OID_INT4 23u
#define LO_OID_INT8 20u
#define LO_OID_OID 26u
#define LO_OID_BYTEA 17u

pgw_status pgw_lo_set_method(pgw_conn *c, pgw_lo_method method)
{
    if (c == NULL || (method != PGW_LO_METHOD_FASTPATH && method != PGW_LO_METHOD_SQL))
        return PGW_E_INVALID;
    c->lo_method = (int)method;
    return PGW_OK;
}

pgw_lo_method pgw_lo_get_method(const pgw_conn *c)
{
    return c != NULL && c->lo_method == PGW_LO_METHOD_SQL ? PGW_LO_METHOD_SQL
                                                          : PGW_LO_METHOD_FASTPATH;
}

/* ---- arguments ------------------------------------------------------------ */

void pgwi_lo_arg_u32(pgwi_lo_args *a, uint32_t type, uint32_t v)
{
    uint8_t *s = a->store[a->n];
    pgwi_store_u32(s, v);
    a->p[a->n] = (pgw_param){type, PGW_FORMAT_BINARY, s, 4};
    a->n++;
}

static void lo_arg_i32(pgwi_lo_args *a, int32_t v)
{
    pgwi_lo_arg_u32(a, LO_OID_INT4, (uint32_t)v);
}

static void lo_arg_i64(pgwi_lo_args *a, int64_t v)
{
    uint8_t *s = a->store[a->n];
    uint64_t u = (uint64_t)v;
    pgwi_store_u32(s, (uint32_t)(u >> 32));
    pgwi_store_u32(s + 4, (uint32_t)u);
    a->p[a->n] = (pgw_param){LO_OID_INT8, PGW_FORMAT_BINARY, s, 8};
    a->n++;
}

/* ---- function OIDs -------------------------------------------------------- */

/* One query for all of them, as libpq's lo_initialize does: by name, in
 * pg_catalog only, so a user's function of the same name cannot stand in. */
static pgw_status lo_lookup(pgw_conn *c)
{
    pgw_result *r = NULL;
    pgw_status rc = pgw_query_result(
        c,
        "SELECT proname, oid FROM pg_catalog.pg_proc "
        "WHERE proname IN ('lo_open', 'lo_close', 'lo_creat', 'lo_create', 'lo_unlink', "
        "'lo_lseek64', 'lo_tell64', 'lo_truncate64', 'loread', 'lowrite') "
        "AND pronamespace = (SELECT oid FROM pg_catalog.pg_namespace "
        "WHERE nspname = 'pg_catalog')",
        &r);
    if (rc != PGW_OK)
        return rc;
    uint32_t found[PGWI_LO_NFN] = {0};
    for (size_t i = 0; i < pgw_result_nrows(r); i++) {
        const char *name = pgw_result_text(r, i, 0);
        const char *oid = pgw_result_text(r, i, 1);
        if (name == NULL || oid == NULL)
            continue;
        char *end;
        unsigned long v = strtoul(oid, &end, 10);
        if (*end != '\0' || v == 0 || v > UINT32_MAX)
            continue;
        for (int f = 0; f < PGWI_LO_NFN; f++)
            if (strcmp(name, lo_fn_def[f].name) == 0)
                found[f] = (uint32_t)v;
    }
    pgw_result_free(r);
    memcpy(c->lo_fn, found, sizeof found);
    c->lo_fn[LO_LOADED_SLOT] = 1;
    return PGW_OK;
}

static pgw_status lo_fn_oid(pgw_conn *c, enum pgwi_lo_fn fn, uint32_t *oid)
{
    if (c->lo_fn[LO_LOADED_SLOT] == 0) {
        pgw_status rc = lo_lookup(c);
        if (rc != PGW_OK)
            return rc;
    }
    if (c->lo_fn[fn] == 0)
        return pgwi_conn_refuse(c, PGW_E_UNSUPPORTED,
                                "cannot determine OID of function %s (the server is too old)",
                                lo_fn_def[fn].name);
    *oid = c->lo_fn[fn];
    return PGW_OK;
}

/* ---- one call ------------------------------------------------------------- */

/* Hand a result value to the sink: appended to a buffer, or copied into
 * the caller's memory (one copy from the input buffer either way). */
static pgw_status lo_deliver(pgw_conn *c, enum pgwi_lo_fn fn, pgwi_lo_sink *s, const uint8_t *p,
                             size_t len, bool is_null)
{
    s->is_null = is_null;
    s->len = len;
    if (is_null || len == 0)
        return PGW_OK;
    if (s->dst != NULL) {
        if (len > s->cap)
            return pgwi_conn_refuse(c, PGW_E_PROTOCOL,
                                    "%s: the server returned %zu bytes where at most %zu fit",
                                    lo_fn_def[fn].name, len, s->cap);
        memcpy(s->dst, p, len);
        return PGW_OK;
    }
    if (pgw_buf_append(s->buf, p, len) != PGW_OK)
        return pgwi_conn_refuse(c, PGW_E_NOMEM, "out of memory");
    return PGW_OK;
}

static pgw_status lo_sql_call(pgw_conn *c, enum pgwi_lo_fn fn, const pgwi_lo_args *a,
                              pgwi_lo_sink *s)
{
    static const int16_t binary[1] = {PGW_FORMAT_BINARY};
    pgw_cursor *cur = NULL;
    pgw_status rc = pgw_query_params_send(c, lo_fn_def[fn].sql, a->p, a->n, binary, 1, &cur);
    rc = pgwi_io_first_result(c, rc, cur, &cur);
    if (rc != PGW_OK) {
        if (rc == PGW_E_SERVER)
            pgw_cursor_close(cur); /* to ReadyForQuery; the error stays */
        return rc;
    }
    rc = pgw_cursor_next(cur);
    if (rc == PGW_OK) {
        pgw_value v;
        if (pgw_cursor_ncols(cur) != 1 || pgw_cursor_value(cur, 0, &v) != PGW_OK) {
            pgw_cursor_close(cur);
            return pgwi_conn_refuse(c, PGW_E_PROTOCOL, "%s: unexpected result shape",
                                    lo_fn_def[fn].name);
        }
        rc = lo_deliver(c, fn, s, v.ptr, v.len > 0 ? (size_t)v.len : 0, v.len < 0);
        if (rc != PGW_OK) {
            pgw_cursor_close(cur);
            return rc;
        }
    } else if (rc == PGW_END) {
        pgw_cursor_close(cur);
        return pgwi_conn_refuse(c, PGW_E_PROTOCOL, "%s: no result row", lo_fn_def[fn].name);
    } else if (rc != PGW_E_SERVER) {
        pgw_cursor_free(cur);
        return rc;
    }
    /* The rest of the exchange; an error at the implicit commit counts. */
    pgw_status crc = pgw_cursor_close(cur);
    return rc != PGW_OK ? rc : crc;
}

/* The engine form driven here rather than pgw_fastpath_call(), so the
 * value goes from the input buffer straight to the sink. */
static pgw_status lo_fastpath_call(pgw_conn *c, enum pgwi_lo_fn fn, const pgwi_lo_args *a,
                                   pgwi_lo_sink *s)
{
    uint32_t oid = 0;
    pgw_status rc = lo_fn_oid(c, fn, &oid);
    if (rc != PGW_OK)
        return rc;
    pgw_fastpath *fp;
    rc = pgw_fastpath_send(c, oid, a->p, a->n, PGW_FORMAT_BINARY, &fp);
    if (rc != PGW_OK)
        return rc;
    for (;;) {
        rc = pgw_fastpath_recv(fp);
        if (rc != PGW_WANT_READ && rc != PGW_WANT_WRITE)
            break;
        pgw_status prc = pgw_conn_pump(c, rc);
        if (prc < 0) {
            rc = prc;
            break;
        }
    }
    if (rc == PGW_OK) {
        const uint8_t *p = NULL;
        size_t len = 0;
        pgw_status vr = pgw_fastpath_result(fp, &p, &len);
        rc = lo_deliver(c, fn, s, p, vr == PGW_OK ? len : 0, vr == PGW_E_NULL);
    }
    pgw_fastpath_free(fp);
    return rc;
}

pgw_status pgwi_lo_call(pgw_conn *c, enum pgwi_lo_fn fn, const pgwi_lo_args *a, pgwi_lo_sink *s)
{
    if (s->buf != NULL)
        pgw_buf_reset(s->buf);
    s->len = 0;
    s->is_null = false;
    if (c->io == NULL)
        return pgwi_conn_fail(c, PGW_E_STATE, "connection has no transport");
    if (c->lo_method == PGW_LO_METHOD_SQL)
        return lo_sql_call(c, fn, a, s);
    return lo_fastpath_call(c, fn, a, s);
}

/* Call fn and decode its fixed-width integer result, which must not be
 * negative (the server reports failures as errors; libpq's -1 never comes
 * back) unless it is an oid (4 unsigned bytes). Anything else is a server
 * that makes no sense; the exchange itself was fine, so the connection
 * stays usable. */
static pgw_status lo_call_int(pgw_conn *c, enum pgwi_lo_fn fn, const pgwi_lo_args *a, size_t width,
                              int64_t *out)
{
    if (c == NULL)
        return PGW_E_INVALID;
    uint8_t v[8];
    pgwi_lo_sink s = {NULL, v, sizeof v, 0, false};
    pgw_status rc = pgwi_lo_call(c, fn, a, &s);
    if (rc != PGW_OK)
        return rc;
    if (s.is_null || s.len != width)
        return pgwi_conn_refuse(c, PGW_E_PROTOCOL, "%s: unexpected result (%s%zu bytes)",
                                lo_fn_def[fn].name, s.is_null ? "NULL, " : "", s.len);
    uint32_t hi = pgwi_load_u32(v);
    if (width == 4)
        *out = fn == PGWI_LO_CREATE ? (int64_t)hi : (int64_t)(int32_t)hi;
    else
        *out = (int64_t)((uint64_t)hi << 32 | pgwi_load_u32(v + 4));
    if (*out < 0)
        return pgwi_conn_refuse(c, PGW_E_PROTOCOL, "%s: unexpected result %lld", lo_fn_def[fn].name,
                                (long long)*out);
    return PGW_OK;
}

/* ---- the public functions --------------------------------------------------- */

pgw_status pgw_lo_create(pgw_conn *c, uint32_t wanted, uint32_t *oid)
{
    if (c == NULL || oid == NULL)
        return PGW_E_INVALID;
    *oid = 0;
    pgwi_lo_args a = {0};
    pgwi_lo_arg_u32(&a, LO_OID_OID, wanted);
    int64_t v;
    pgw_status rc = lo_call_int(c, PGWI_LO_CREATE, &a, 4, &v);
    if (rc != PGW_OK)
        return rc;
    *oid = (uint32_t)v;
    if (*oid == 0)
        return pgwi_conn_refuse(c, PGW_E_PROTOCOL, "lo_create: the server returned OID 0");
    return PGW_OK;
}

pgw_status pgw_lo_open(pgw_conn *c, uint32_t oid, int mode, int32_t *fd)
{
    if (c == NULL || fd == NULL)
        return PGW_E_INVALID;
    *fd = -1;
    if ((mode & (PGW_LO_READ | PGW_LO_WRITE)) == 0 || (mode & ~(PGW_LO_READ | PGW_LO_WRITE)))
        return pgwi_conn_refuse(c, PGW_E_INVALID,
                                "large object mode must be PGW_LO_READ and/or PGW_LO_WRITE");
    pgwi_lo_args a = {0};
    pgwi_lo_arg_u32(&a, LO_OID_OID, oid);
    lo_arg_i32(&a, mode);
    int64_t v;
    pgw_status rc = lo_call_int(c, PGWI_LO_OPEN, &a, 4, &v);
    if (rc == PGW_OK)
        *fd = (int32_t)v;
    return rc;
}

pgw_status pgw_lo_close(pgw_conn *c, int32_t fd)
{
    pgwi_lo_args a = {0};
    lo_arg_i32(&a, fd);
    int64_t v;
    return lo_call_int(c, PGWI_LO_CLOSE, &a, 4, &v);
}

pgw_status pgw_lo_unlink(pgw_conn *c, uint32_t oid)
{
    pgwi_lo_args a = {0};
    pgwi_lo_arg_u32(&a, LO_OID_OID, oid);
    int64_t v;
    return lo_call_int(c, PGWI_LO_UNLINK, &a, 4, &v);
}

pgw_status pgw_lo_seek64(pgw_conn *c, int32_t fd, int64_t offset, int whence, int64_t *newpos)
{
    if (newpos != NULL)
        *newpos = -1;
    pgwi_lo_args a = {0};
    lo_arg_i32(&a, fd);
    lo_arg_i64(&a, offset);
    lo_arg_i32(&a, (int32_t)whence);
    int64_t v;
    pgw_status rc = lo_call_int(c, PGWI_LO_LSEEK64, &a, 8, &v);
    if (rc == PGW_OK && newpos != NULL)
        *newpos = v;
    return rc;
}

pgw_status pgw_lo_tell64(pgw_conn *c, int32_t fd, int64_t *pos)
{
    if (pos == NULL)
        return PGW_E_INVALID;
    *pos = -1;
    pgwi_lo_args a = {0};
    lo_arg_i32(&a, fd);
    return lo_call_int(c, PGWI_LO_TELL64, &a, 8, pos);
}

pgw_status pgw_lo_truncate64(pgw_conn *c, int32_t fd, int64_t len)
{
    pgwi_lo_args a = {0};
    lo_arg_i32(&a, fd);
    lo_arg_i64(&a, len);
    int64_t v;
    return lo_call_int(c, PGWI_LO_TRUNCATE64, &a, 4, &v);
}

/* One loread of at most `want` bytes into the sink. */
static pgw_status lo_read_into(pgw_conn *c, int32_t fd, size_t want, pgwi_lo_sink *s)
{
    pgwi_lo_args a = {0};
    lo_arg_i32(&a, fd);
    lo_arg_i32(&a, (int32_t)want);
    pgw_status rc = pgwi_lo_call(c, PGWI_LO_READ, &a, s);
    if (rc != PGW_OK)
        return rc;
    if (s->is_null || s->len > want)
        return pgwi_conn_refuse(c, PGW_E_PROTOCOL,
                                "loread: the server returned %s%zu bytes where %zu were asked for",
                                s->is_null ? "NULL, " : "", s->len, want);
    return PGW_OK;
}

pgw_status pgwi_lo_read_buf(pgw_conn *c, int32_t fd, size_t want, pgw_buf *res)
{
    pgwi_lo_sink s = {res, NULL, 0, 0, false};
    return lo_read_into(c, fd, want, &s);
}

pgw_status pgw_lo_read(pgw_conn *c, int32_t fd, void *buf, size_t len, size_t *n)
{
    if (n != NULL)
        *n = 0;
    if (c == NULL || n == NULL || (buf == NULL && len > 0))
        return PGW_E_INVALID;
    pgw_status rc = PGW_OK;
    size_t done = 0;
    while (done < len) {
        size_t want = len - done < PGW_LO_CHUNK ? len - done : PGW_LO_CHUNK;
        /* Straight into the caller's memory: one copy from the input. */
        pgwi_lo_sink s = {NULL, (uint8_t *)buf + done, want, 0, false};
        rc = lo_read_into(c, fd, want, &s);
        if (rc != PGW_OK)
            break;
        done += s.len;
        if (s.len < want)
            break; /* the end of the object */
    }
    *n = done;
    return rc;
}

pgw_status pgwi_lo_write_chunk(pgw_conn *c, int32_t fd, const void *p, size_t len)
{
    pgwi_lo_args a = {0};
    lo_arg_i32(&a, fd);
    a.p[a.n++] = (pgw_param){LO_OID_BYTEA, PGW_FORMAT_BINARY, p != NULL ? p : "", len};
    int64_t v;
    pgw_status rc = lo_call_int(c, PGWI_LO_WRITE, &a, 4, &v);
    /* The server writes everything or raises an error. */
    if (rc == PGW_OK && (uint64_t)v != len)
        return pgwi_conn_refuse(c, PGW_E_PROTOCOL, "lowrite: the server wrote %lld bytes of %zu",
                                (long long)v, len);
    return rc;
}

pgw_status pgw_lo_write(pgw_conn *c, int32_t fd, const void *buf, size_t len, size_t *n)
{
    if (n != NULL)
        *n = 0;
    if (c == NULL || (buf == NULL && len > 0))
        return PGW_E_INVALID;
    size_t done = 0;
    pgw_status rc = PGW_OK;
    do {
        size_t chunk = len - done < PGW_LO_CHUNK ? len - done : PGW_LO_CHUNK;
        const void *p = buf != NULL ? (const void *)((const uint8_t *)buf + done) : NULL;
        rc = pgwi_lo_write_chunk(c, fd, p, chunk);
        if (rc != PGW_OK)
            break;
        done += chunk;
        if (n != NULL)
            *n = done;
    } while (done < len);
    return rc;
}
