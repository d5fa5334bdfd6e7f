/* Builders of backend messages: what a server, a proxy or the fake server
 * sends. Every builder checks its arguments before writing a byte and
 * computes the body size up front where it depends on caller data, so a
 * message that could never be framed fails with nothing appended and
 * without first growing the buffer to gigabytes. */
#include "pgwire/proto_server.h"

#include "protocol/protocol_int.h"

/* Header (tag + length word) plus body must fit the int32 length word,
 * which counts itself but not the tag. */
static bool body_fits(size_t body)
{
    return body <= PGWI_MAX_LENGTH_WORD - 4;
}

/* size += add, failing on overflow or past the length word's range. */
static bool grow(size_t *size, size_t add)
{
    size_t n;
    if (!pgwi_add_size(*size, add, &n) || !body_fits(n))
        return false;
    *size = n;
    return true;
}

static pgw_status build_auth(pgw_buf *out, int32_t code, const uint8_t *data, size_t len)
{
    if (data == NULL && len > 0)
        return PGW_E_INVALID;
    size_t body = 4;
    if (!grow(&body, len))
        return PGW_E_TOO_LARGE;
    size_t start = pgwi_msg_begin(out, PGW_BE_AUTHENTICATION);
    pgwi_put_i32(out, code);
    if (len > 0)
        (void)pgw_buf_append(out, data, len);
    return pgwi_msg_finish(out, start);
}

pgw_status pgw_build_auth_ok(pgw_buf *out)
{
    return build_auth(out, PGW_AUTH_OK, NULL, 0);
}

pgw_status pgw_build_auth_cleartext_password(pgw_buf *out)
{
    return build_auth(out, PGW_AUTH_CLEARTEXT_PASSWORD, NULL, 0);
}

pgw_status pgw_build_auth_md5_password(pgw_buf *out, const uint8_t salt[4])
{
    if (salt == NULL)
        return PGW_E_INVALID;
    return build_auth(out, PGW_AUTH_MD5_PASSWORD, salt, 4);
}

pgw_status pgw_build_auth_sasl(pgw_buf *out, const char *const *mechs, size_t n)
{
    if (mechs == NULL && n > 0)
        return PGW_E_INVALID;
    size_t body = 4 + 1;
    for (size_t i = 0; i < n; i++) {
        /* An empty name is the list terminator: it would silently cut the
         * list short, so refuse it. */
        if (mechs[i] == NULL || mechs[i][0] == '\0')
            return PGW_E_INVALID;
        size_t l = strlen(mechs[i]);
        if (!grow(&body, l) || !grow(&body, 1))
            return PGW_E_TOO_LARGE;
    }
    size_t start = pgwi_msg_begin(out, PGW_BE_AUTHENTICATION);
    pgwi_put_i32(out, PGW_AUTH_SASL);
    for (size_t i = 0; i < n; i++)
        pgwi_put_cstr(out, mechs[i], strlen(mechs[i]));
    (void)pgw_buf_put_u8(out, 0);
    return pgwi_msg_finish(out, start);
}

pgw_status pgw_build_auth_sasl_continue(pgw_buf *out, const uint8_t *data, size_t len)
{
    return build_auth(out, PGW_AUTH_SASL_CONTINUE, data, len);
}

pgw_status pgw_build_auth_sasl_final(pgw_buf *out, const uint8_t *data, size_t len)
{
    return build_auth(out, PGW_AUTH_SASL_FINAL, data, len);
}

pgw_status pgw_build_auth_request(pgw_buf *out, int32_t code, const uint8_t *data, size_t len)
{
    return build_auth(out, code, data, len);
}

pgw_status pgw_build_backend_key_data(pgw_buf *out, int32_t pid, const uint8_t *key,
                                      size_t key_len)
{
    /* 3.0 keys are 4 bytes; protocol 3.2 allows up to 256. */
    if (key == NULL || key_len < 4 || key_len > 256)
        return PGW_E_INVALID;
    size_t start = pgwi_msg_begin(out, PGW_BE_BACKEND_KEY_DATA);
    pgwi_put_i32(out, pid);
    (void)pgw_buf_append(out, key, key_len);
    return pgwi_msg_finish(out, start);
}

pgw_status pgw_build_bind_complete(pgw_buf *out)
{
    return pgwi_build_empty(out, PGW_BE_BIND_COMPLETE);
}

pgw_status pgw_build_close_complete(pgw_buf *out)
{
    return pgwi_build_empty(out, PGW_BE_CLOSE_COMPLETE);
}

pgw_status pgw_build_parse_complete(pgw_buf *out)
{
    return pgwi_build_empty(out, PGW_BE_PARSE_COMPLETE);
}

pgw_status pgw_build_no_data(pgw_buf *out)
{
    return pgwi_build_empty(out, PGW_BE_NO_DATA);
}

pgw_status pgw_build_empty_query_response(pgw_buf *out)
{
    return pgwi_build_empty(out, PGW_BE_EMPTY_QUERY_RESPONSE);
}

pgw_status pgw_build_portal_suspended(pgw_buf *out)
{
    return pgwi_build_empty(out, PGW_BE_PORTAL_SUSPENDED);
}

/* A message whose body is a list of C strings (any NULL is refused). */
static pgw_status build_cstrings(pgw_buf *out, uint8_t tag, const char *const *s, size_t n)
{
    size_t body = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == NULL)
            return PGW_E_INVALID;
        if (!grow(&body, strlen(s[i])) || !grow(&body, 1))
            return PGW_E_TOO_LARGE;
    }
    size_t start = pgwi_msg_begin(out, tag);
    for (size_t i = 0; i < n; i++)
        pgwi_put_cstr(out, s[i], strlen(s[i]));
    return pgwi_msg_finish(out, start);
}

pgw_status pgw_build_command_complete(pgw_buf *out, const char *tag)
{
    const char *s[1] = {tag};
    return build_cstrings(out, PGW_BE_COMMAND_COMPLETE, s, 1);
}

static pgw_status build_copy_response(pgw_buf *out, uint8_t tag, int8_t format,
                                      const int16_t *col_formats, size_t ncols)
{
    if (format != 0 && format != 1)
        return PGW_E_INVALID;
    if (ncols > PGWI_MAX_COUNT || (col_formats == NULL && ncols > 0))
        return PGW_E_INVALID;
    for (size_t i = 0; i < ncols; i++) {
        if (col_formats[i] != 0 && col_formats[i] != 1)
            return PGW_E_INVALID;
    }
    size_t start = pgwi_msg_begin(out, tag);
    (void)pgw_buf_put_u8(out, (uint8_t)format);
    pgwi_put_u16(out, (uint16_t)ncols);
    for (size_t i = 0; i < ncols; i++)
        pgwi_put_i16(out, col_formats[i]);
    return pgwi_msg_finish(out, start);
}

pgw_status pgw_build_copy_in_response(pgw_buf *out, int8_t format, const int16_t *col_formats,
                                      size_t ncols)
{
    return build_copy_response(out, PGW_BE_COPY_IN_RESPONSE, format, col_formats, ncols);
}

pgw_status pgw_build_copy_out_response(pgw_buf *out, int8_t format, const int16_t *col_formats,
                                       size_t ncols)
{
    return build_copy_response(out, PGW_BE_COPY_OUT_RESPONSE, format, col_formats, ncols);
}

pgw_status pgw_build_copy_both_response(pgw_buf *out, int8_t format, const int16_t *col_formats,
                                        size_t ncols)
{
    return build_copy_response(out, PGW_BE_COPY_BOTH_RESPONSE, format, col_formats, ncols);
}

/* Append one length-prefixed value (data NULL = SQL NULL, length -1); the
 * caller has checked len <= INT32_MAX. */
static void put_value(pgw_buf *out, const pgw_bytes *v)
{
    if (v == NULL || v->data == NULL) {
        pgwi_put_i32(out, -1);
        return;
    }
    pgwi_put_i32(out, (int32_t)v->len);
    if (v->len > 0)
        (void)pgw_buf_append(out, v->data, v->len);
}

/* Size of one value on the wire added to *body; false when too large. */
static bool value_size(const pgw_bytes *v, size_t *body)
{
    if (!grow(body, 4))
        return false;
    if (v == NULL || v->data == NULL)
        return true;
    return v->len <= (size_t)INT32_MAX && grow(body, v->len);
}

pgw_status pgw_build_data_row(pgw_buf *out, const pgw_bytes *values, size_t n)
{
    if (n > PGWI_MAX_COUNT || (values == NULL && n > 0))
        return PGW_E_INVALID;
    size_t body = 2;
    for (size_t i = 0; i < n; i++) {
        if (!value_size(&values[i], &body))
            return PGW_E_TOO_LARGE;
    }
    size_t start = pgwi_msg_begin(out, PGW_BE_DATA_ROW);
    pgwi_put_u16(out, (uint16_t)n);
    for (size_t i = 0; i < n; i++)
        put_value(out, &values[i]);
    return pgwi_msg_finish(out, start);
}

static pgw_status build_fields(pgw_buf *out, uint8_t tag, const pgw_field *fields, size_t n)
{
    if (fields == NULL && n > 0)
        return PGW_E_INVALID;
    size_t body = 1;
    for (size_t i = 0; i < n; i++) {
        /* A zero code is the terminator and would hide the fields after it. */
        if (fields[i].code == '\0' || fields[i].value == NULL)
            return PGW_E_INVALID;
        if (!grow(&body, 1) || !grow(&body, strlen(fields[i].value)) || !grow(&body, 1))
            return PGW_E_TOO_LARGE;
    }
    size_t start = pgwi_msg_begin(out, tag);
    for (size_t i = 0; i < n; i++) {
        (void)pgw_buf_put_u8(out, (uint8_t)fields[i].code);
        pgwi_put_cstr(out, fields[i].value, strlen(fields[i].value));
    }
    (void)pgw_buf_put_u8(out, 0);
    return pgwi_msg_finish(out, start);
}

pgw_status pgw_build_error_response(pgw_buf *out, const pgw_field *fields, size_t n)
{
    return build_fields(out, PGW_BE_ERROR_RESPONSE, fields, n);
}

pgw_status pgw_build_notice_response(pgw_buf *out, const pgw_field *fields, size_t n)
{
    return build_fields(out, PGW_BE_NOTICE_RESPONSE, fields, n);
}

pgw_status pgw_build_function_call_response(pgw_buf *out, const pgw_bytes *value)
{
    size_t body = 0;
    if (!value_size(value, &body))
        return PGW_E_TOO_LARGE;
    size_t start = pgwi_msg_begin(out, PGW_BE_FUNCTION_CALL_RESPONSE);
    put_value(out, value);
    return pgwi_msg_finish(out, start);
}

pgw_status pgw_build_negotiate_protocol_version(pgw_buf *out, int32_t minor,
                                                const char *const *options, size_t n)
{
    if (options == NULL && n > 0)
        return PGW_E_INVALID;
    size_t body = 8;
    for (size_t i = 0; i < n; i++) {
        if (options[i] == NULL)
            return PGW_E_INVALID;
        if (!grow(&body, strlen(options[i])) || !grow(&body, 1))
            return PGW_E_TOO_LARGE;
    }
    /* Each option takes at least one byte, so body_fits bounds n too. */
    size_t start = pgwi_msg_begin(out, PGW_BE_NEGOTIATE_PROTOCOL_VERSION);
    pgwi_put_i32(out, minor);
    pgwi_put_i32(out, (int32_t)n);
    for (size_t i = 0; i < n; i++)
        pgwi_put_cstr(out, options[i], strlen(options[i]));
    return pgwi_msg_finish(out, start);
}

pgw_status pgw_build_notification_response(pgw_buf *out, int32_t pid, const char *channel,
                                           const char *payload)
{
    if (channel == NULL || payload == NULL)
        return PGW_E_INVALID;
    size_t body = 4;
    if (!grow(&body, strlen(channel)) || !grow(&body, strlen(payload)) || !grow(&body, 2))
        return PGW_E_TOO_LARGE;
    size_t start = pgwi_msg_begin(out, PGW_BE_NOTIFICATION_RESPONSE);
    pgwi_put_i32(out, pid);
    pgwi_put_cstr(out, channel, strlen(channel));
    pgwi_put_cstr(out, payload, strlen(payload));
    return pgwi_msg_finish(out, start);
}

pgw_status pgw_build_parameter_description(pgw_buf *out, const uint32_t *oids, size_t n)
{
    if (n > PGWI_MAX_COUNT || (oids == NULL && n > 0))
        return PGW_E_INVALID;
    size_t start = pgwi_msg_begin(out, PGW_BE_PARAMETER_DESCRIPTION);
    pgwi_put_u16(out, (uint16_t)n);
    for (size_t i = 0; i < n; i++)
        pgwi_put_u32(out, oids[i]);
    return pgwi_msg_finish(out, start);
}

pgw_status pgw_build_parameter_status(pgw_buf *out, const char *name, const char *value)
{
    const char *s[2] = {name, value};
    return build_cstrings(out, PGW_BE_PARAMETER_STATUS, s, 2);
}

pgw_status pgw_build_ready_for_query(pgw_buf *out, char status)
{
    if (status != 'I' && status != 'T' && status != 'E')
        return PGW_E_INVALID;
    size_t start = pgwi_msg_begin(out, PGW_BE_READY_FOR_QUERY);
    (void)pgw_buf_put_u8(out, (uint8_t)status);
    return pgwi_msg_finish(out, start);
}

pgw_status pgw_build_row_description(pgw_buf *out, const pgw_column_desc *cols, size_t n)
{
    if (n > PGWI_MAX_COUNT || (cols == NULL && n > 0))
        return PGW_E_INVALID;
    size_t body = 2;
    for (size_t i = 0; i < n; i++) {
        if (cols[i].name == NULL || (cols[i].format != 0 && cols[i].format != 1))
            return PGW_E_INVALID;
        if (!grow(&body, strlen(cols[i].name)) || !grow(&body, 1 + 18))
            return PGW_E_TOO_LARGE;
    }
    size_t start = pgwi_msg_begin(out, PGW_BE_ROW_DESCRIPTION);
    pgwi_put_u16(out, (uint16_t)n);
    for (size_t i = 0; i < n; i++) {
        const pgw_column_desc *c = &cols[i];
        pgwi_put_cstr(out, c->name, strlen(c->name));
        pgwi_put_u32(out, c->table_oid);
        pgwi_put_i16(out, c->column_attnum);
        pgwi_put_u32(out, c->type_oid);
        pgwi_put_i16(out, c->type_size);
        pgwi_put_i32(out, c->type_modifier);
        pgwi_put_i16(out, c->format);
    }
    return pgwi_msg_finish(out, start);
}

pgw_status pgw_build_ssl_response(pgw_buf *out, char answer)
{
    if (answer != 'S' && answer != 'N')
        return PGW_E_INVALID;
    /* One untagged byte: no length word to back-patch, and a single append
     * either happens completely or leaves len untouched. */
    return pgw_buf_put_u8(out, (uint8_t)answer);
}
