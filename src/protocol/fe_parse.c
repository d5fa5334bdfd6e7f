/* Parsers of frontend messages: what a server reads from a client. The
 * client is as hostile here as the server is to the client-side parsers:
 * every count and length is checked against the bytes actually present,
 * nothing is allocated, and trailing bytes are a protocol violation. */
#include "pgwire/proto_server.h"

#include "protocol/protocol_int.h"

/* CancelRequest keys: 4 bytes under 3.0, at most 256 under 3.2. */
#define CANCEL_KEY_MIN 4
#define CANCEL_KEY_MAX 256

/* ---- startup phase ------------------------------------------------------ */

pgw_status pgw_startup_params_next(const pgw_frame *f, size_t *pos, const char **name,
                                   const char **value)
{
    if (*pos >= f->len)
        return PGW_E_PROTOCOL; /* the terminating empty name is missing */
    pgwi_reader r;
    pgwi_reader_init(&r, f->body + *pos, f->len - *pos);
    size_t nlen;
    const char *n = pgwi_read_cstr(&r, &nlen);
    if (n == NULL)
        return PGW_E_PROTOCOL;
    if (nlen == 0) {
        *pos = f->len - pgwi_reader_left(&r);
        return PGW_END;
    }
    const char *v = pgwi_read_cstr(&r, NULL);
    if (v == NULL)
        return PGW_E_PROTOCOL;
    *pos = f->len - pgwi_reader_left(&r);
    *name = n;
    *value = v;
    return PGW_OK;
}

pgw_status pgw_parse_startup_packet(const pgw_frame *f, int32_t *code, size_t *params_pos)
{
    pgwi_reader r;
    pgwi_frame_reader(&r, f);
    int32_t c = pgwi_read_i32(&r);
    if (r.failed)
        return PGW_E_PROTOCOL;
    if (c == PGW_SSL_REQUEST_CODE || c == PGW_GSSENC_REQUEST_CODE) {
        if (!pgwi_reader_finish(&r))
            return PGW_E_PROTOCOL;
    } else if (c == PGW_CANCEL_REQUEST_CODE) {
        int32_t pid;
        const uint8_t *key;
        size_t key_len;
        pgw_status rc = pgw_parse_cancel_request(f, &pid, &key, &key_len);
        if (rc != PGW_OK)
            return rc;
    } else if (((uint32_t)c >> 16) == 3) {
        /* Any 3.x: the server answers a newer minor version with
         * NegotiateProtocolVersion, so the parameter layout is the same. */
        size_t pos = 4;
        const char *name, *value;
        pgw_status rc;
        while ((rc = pgw_startup_params_next(f, &pos, &name, &value)) == PGW_OK)
            ;
        if (rc != PGW_END || pos != f->len)
            return PGW_E_PROTOCOL;
    }
    *code = c;
    *params_pos = 4;
    return PGW_OK;
}

pgw_status pgw_parse_cancel_request(const pgw_frame *f, int32_t *pid, const uint8_t **key,
                                    size_t *key_len)
{
    pgwi_reader r;
    pgwi_frame_reader(&r, f);
    int32_t c = pgwi_read_i32(&r);
    int32_t p = pgwi_read_i32(&r);
    size_t left = pgwi_reader_left(&r);
    if (r.failed || c != PGW_CANCEL_REQUEST_CODE || left < CANCEL_KEY_MIN ||
        left > CANCEL_KEY_MAX)
        return PGW_E_PROTOCOL;
    *pid = p;
    *key = pgwi_read_bytes(&r, left);
    *key_len = left;
    return PGW_OK;
}

/* ---- authentication ------------------------------------------------------ */

/* A body that is exactly one C string. */
static pgw_status parse_one_cstr(const pgw_frame *f, const char **s, size_t *len)
{
    pgwi_reader r;
    pgwi_frame_reader(&r, f);
    size_t l = 0;
    const char *v = pgwi_read_cstr(&r, &l);
    if (pgwi_parse_finish(&r) != PGW_OK)
        return PGW_E_PROTOCOL;
    *s = v;
    if (len != NULL)
        *len = l;
    return PGW_OK;
}

pgw_status pgw_parse_password(const pgw_frame *f, const char **pw, size_t *len)
{
    return parse_one_cstr(f, pw, len);
}

pgw_status pgw_parse_sasl_initial_response(const pgw_frame *f, const char **mech,
                                           const uint8_t **data, int32_t *len)
{
    pgwi_reader r;
    pgwi_frame_reader(&r, f);
    size_t mlen = 0;
    const char *m = pgwi_read_cstr(&r, &mlen);
    int32_t l = pgwi_read_i32(&r);
    if (r.failed || mlen == 0 || l < -1)
        return PGW_E_PROTOCOL;
    const uint8_t *d = NULL;
    if (l >= 0) {
        d = pgwi_read_bytes(&r, (size_t)l);
        if (d == NULL)
            return PGW_E_PROTOCOL;
    }
    if (pgwi_parse_finish(&r) != PGW_OK)
        return PGW_E_PROTOCOL;
    *mech = m;
    *data = d;
    *len = l;
    return PGW_OK;
}

pgw_status pgw_parse_sasl_response(const pgw_frame *f, const uint8_t **data, size_t *len)
{
    *data = f->body;
    *len = f->len;
    return PGW_OK;
}

/* ---- simple and extended query ------------------------------------------ */

pgw_status pgw_parse_query(const pgw_frame *f, const char **sql, size_t *len)
{
    return parse_one_cstr(f, sql, len);
}

pgw_status pgw_parse_parse(const pgw_frame *f, const char **stmt, const char **sql,
                           uint16_t *n_types, const uint8_t **types_view)
{
    pgwi_reader r;
    pgwi_frame_reader(&r, f);
    const char *st = pgwi_read_cstr(&r, NULL);
    const char *q = pgwi_read_cstr(&r, NULL);
    uint16_t n = pgwi_read_u16(&r);
    const uint8_t *types = pgwi_read_bytes(&r, (size_t)n * 4);
    if (pgwi_parse_finish(&r) != PGW_OK)
        return PGW_E_PROTOCOL;
    *stmt = st;
    *sql = q;
    *n_types = n;
    *types_view = types;
    return PGW_OK;
}

uint32_t pgw_param_type_oid(const uint8_t *types_view, uint16_t i)
{
    return pgwi_load_u32(types_view + (size_t)i * 4);
}

/* n format codes (int16 each), each 0 or 1. */
static const uint8_t *read_formats(pgwi_reader *r, uint16_t n)
{
    const uint8_t *v = pgwi_read_bytes(r, (size_t)n * 2);
    if (v == NULL)
        return NULL;
    for (uint16_t i = 0; i < n; i++) {
        uint16_t code = pgwi_load_u16(v + (size_t)i * 2);
        if (code > 1) {
            r->failed = true;
            return NULL;
        }
    }
    return v;
}

/* n length-prefixed values; returns their start and sets *len to the
 * bytes they span. Only -1 means NULL: any other negative length is a
 * protocol violation, never a huge unsigned size. */
static const uint8_t *read_values(pgwi_reader *r, uint16_t n, size_t *len)
{
    const uint8_t *start = r->p;
    for (uint16_t i = 0; i < n && !r->failed; i++) {
        int32_t l = pgwi_read_i32(r);
        if (l < -1)
            r->failed = true;
        else if (l > 0)
            (void)pgwi_read_bytes(r, (size_t)l);
    }
    if (r->failed)
        return NULL;
    *len = (size_t)(r->p - start);
    return start;
}

/* Whether a format list of n_formats codes can describe n values. */
static bool formats_match(uint16_t n_formats, uint16_t n)
{
    return n_formats <= 1 || n_formats == n;
}

/* The 0/1/n rule for format codes shared by Bind and FunctionCall. */
static int16_t format_at(const uint8_t *formats, uint16_t n_formats, uint16_t i)
{
    if (n_formats == 0)
        return 0;
    if (n_formats == 1)
        return (int16_t)pgwi_load_u16(formats);
    if (i >= n_formats)
        return 0;
    return (int16_t)pgwi_load_u16(formats + (size_t)i * 2);
}

pgw_status pgw_parse_bind(const pgw_frame *f, pgw_bind_msg *out)
{
    pgw_bind_msg m;
    pgwi_reader r;
    pgwi_frame_reader(&r, f);
    m.portal = pgwi_read_cstr(&r, NULL);
    m.stmt = pgwi_read_cstr(&r, NULL);
    m.n_formats = pgwi_read_u16(&r);
    m.formats = read_formats(&r, m.n_formats);
    m.n_params = pgwi_read_u16(&r);
    m.params_len = 0;
    m.params = read_values(&r, m.n_params, &m.params_len);
    m.n_result_formats = pgwi_read_u16(&r);
    m.result_formats = read_formats(&r, m.n_result_formats);
    if (pgwi_parse_finish(&r) != PGW_OK || !formats_match(m.n_formats, m.n_params))
        return PGW_E_PROTOCOL;
    *out = m;
    return PGW_OK;
}

void pgw_bind_params_begin(const pgw_bind_msg *m, pgw_value_iter *it)
{
    it->p = m->params;
    it->end = m->params + m->params_len;
    it->left = m->n_params;
}

int16_t pgw_bind_param_format(const pgw_bind_msg *m, uint16_t i)
{
    return format_at(m->formats, m->n_formats, i);
}

int16_t pgw_bind_result_format(const pgw_bind_msg *m, uint16_t i)
{
    return format_at(m->result_formats, m->n_result_formats, i);
}

pgw_status pgw_value_iter_next(pgw_value_iter *it, pgw_value *out)
{
    if (it->left == 0)
        return PGW_END;
    pgwi_reader r;
    pgwi_reader_init(&r, it->p, (size_t)(it->end - it->p));
    int32_t l = pgwi_read_i32(&r);
    const uint8_t *v = NULL;
    if (l < -1)
        return PGW_E_PROTOCOL;
    if (l >= 0)
        v = pgwi_read_bytes(&r, (size_t)l);
    if (r.failed)
        return PGW_E_PROTOCOL;
    it->p = r.p;
    it->left--;
    out->ptr = v;
    out->len = l;
    return PGW_OK;
}

/* Describe and Close: a kind byte and a name. */
static pgw_status parse_kind_name(const pgw_frame *f, char *kind, const char **name)
{
    pgwi_reader r;
    pgwi_frame_reader(&r, f);
    uint8_t k = pgwi_read_u8(&r);
    const char *n = pgwi_read_cstr(&r, NULL);
    if (pgwi_parse_finish(&r) != PGW_OK || (k != 'S' && k != 'P'))
        return PGW_E_PROTOCOL;
    *kind = (char)k;
    *name = n;
    return PGW_OK;
}

pgw_status pgw_parse_describe(const pgw_frame *f, char *kind, const char **name)
{
    return parse_kind_name(f, kind, name);
}

pgw_status pgw_parse_close(const pgw_frame *f, char *kind, const char **name)
{
    return parse_kind_name(f, kind, name);
}

pgw_status pgw_parse_execute(const pgw_frame *f, const char **portal, int32_t *max_rows)
{
    pgwi_reader r;
    pgwi_frame_reader(&r, f);
    const char *p = pgwi_read_cstr(&r, NULL);
    int32_t n = pgwi_read_i32(&r);
    if (pgwi_parse_finish(&r) != PGW_OK)
        return PGW_E_PROTOCOL;
    *portal = p;
    *max_rows = n;
    return PGW_OK;
}

/* ---- COPY and function calls ------------------------------------------- */

pgw_status pgw_parse_copy_fail(const pgw_frame *f, const char **msg)
{
    return parse_one_cstr(f, msg, NULL);
}

pgw_status pgw_parse_function_call(const pgw_frame *f, pgw_function_call_msg *out)
{
    pgw_function_call_msg m;
    pgwi_reader r;
    pgwi_frame_reader(&r, f);
    m.function_oid = pgwi_read_u32(&r);
    m.n_formats = pgwi_read_u16(&r);
    m.formats = read_formats(&r, m.n_formats);
    m.n_args = pgwi_read_u16(&r);
    m.args_len = 0;
    m.args = read_values(&r, m.n_args, &m.args_len);
    m.result_format = pgwi_read_i16(&r);
    if (pgwi_parse_finish(&r) != PGW_OK || !formats_match(m.n_formats, m.n_args) ||
        (m.result_format != 0 && m.result_format != 1))
        return PGW_E_PROTOCOL;
    *out = m;
    return PGW_OK;
}

void pgw_function_call_args_begin(const pgw_function_call_msg *m, pgw_value_iter *it)
{
    it->p = m->args;
    it->end = m->args + m->args_len;
    it->left = m->n_args;
}

int16_t pgw_function_call_arg_format(const pgw_function_call_msg *m, uint16_t i)
{
    return format_at(m->formats, m->n_formats, i);
}
