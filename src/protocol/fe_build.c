/* Builders of frontend messages (what a client sends).
 *
 * Each builder validates every argument and computes the message size with
 * checked size_t arithmetic before appending anything (and before reading
 * any caller bytes, so an absurd length is refused without being scanned): a message whose length
 * would not fit the int32 length word is refused with nothing written, so
 * a caller can never emit a length that wraps and desynchronises the server
 * (the CVE-2024-27304 class of bug). pgwi_msg_finish then handles buffer
 * failures and rolls the buffer back. Names given as plain C strings cannot
 * hold a NUL; fields given as pointer+length are checked for one, because
 * the server would read the text only up to it. A NULL statement or portal
 * name means the unnamed one. */
#include "pgwire/proto.h"

#include "common/common_int.h"
#include "protocol/protocol_int.h"

/* The server refuses startup packets larger than this. */
#define STARTUP_MAX_BODY 10000u

/* Accumulates a message size; any overflow poisons it. */
typedef struct size_acc {
    size_t n;
    bool overflow;
} size_acc;

static void acc_add(size_acc *a, size_t v)
{
    if (!a->overflow && !pgwi_add_size(a->n, v, &a->n))
        a->overflow = true;
}

/* A C string field costs its bytes plus the NUL. */
static void acc_add_cstr(size_acc *a, size_t len)
{
    acc_add(a, len);
    acc_add(a, 1);
}

/* Length word value for the accumulated body (the word counts itself). */
static bool acc_fits(const size_acc *a)
{
    return !a->overflow && a->n <= PGWI_MAX_LENGTH_WORD;
}

static const char *name_or_unnamed(const char *name)
{
    return name != NULL ? name : "";
}

/* Reserve the whole message once so a builder performs at most one
 * allocation; a failure here is sticky and reported by pgwi_msg_finish. */
static void reserve_message(pgw_buf *out, bool tagged, size_t length_word)
{
    (void)pgw_buf_reserve(out, length_word + (tagged ? 1u : 0u));
}

/* Formats are 0 (text) or 1 (binary); the server refuses anything else. */
static bool formats_valid(const int16_t *formats, size_t n)
{
    if (n > 0 && formats == NULL)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (formats[i] != 0 && formats[i] != 1)
            return false;
    }
    return true;
}

/* Parameter format codes: none (all text), one for all, or one each. */
static bool param_formats_valid(const int16_t *formats, size_t n_formats, size_t n_values)
{
    if (n_formats > PGWI_MAX_COUNT)
        return false;
    if (n_formats > 1 && n_formats != n_values)
        return false;
    return formats_valid(formats, n_formats);
}

/* Size the values of Bind/FunctionCall: int32 length each, plus the bytes
 * of the non-NULL ones. Returns PGW_E_INVALID or PGW_E_TOO_LARGE without
 * looking at any value's bytes. */
static pgw_status acc_add_values(size_acc *a, const pgw_bytes *values, size_t n)
{
    if (n > PGWI_MAX_COUNT || (n > 0 && values == NULL))
        return PGW_E_INVALID;
    for (size_t i = 0; i < n; i++) {
        acc_add(a, 4);
        if (values[i].data == NULL)
            continue;
        /* -1 is NULL on the wire, so a value's length must be a
         * non-negative int32 by itself, whatever the total. */
        if (values[i].len > (size_t)INT32_MAX)
            return PGW_E_TOO_LARGE;
        acc_add(a, values[i].len);
    }
    return acc_fits(a) ? PGW_OK : PGW_E_TOO_LARGE;
}

static void put_values(pgw_buf *out, const pgw_bytes *values, size_t n)
{
    pgwi_put_u16(out, (uint16_t)n);
    for (size_t i = 0; i < n; i++) {
        if (values[i].data == NULL) {
            pgwi_put_i32(out, -1);
            continue;
        }
        pgwi_put_i32(out, (int32_t)values[i].len);
        if (values[i].len > 0)
            pgwi_buf_add(out, values[i].data, values[i].len);
    }
}

static void put_formats(pgw_buf *out, const int16_t *formats, size_t n)
{
    pgwi_put_u16(out, (uint16_t)n);
    for (size_t i = 0; i < n; i++)
        pgwi_put_i16(out, formats[i]);
}

pgw_status pgw_build_startup(pgw_buf *out, const char *const *names, const char *const *values,
                             size_t n)
{
    if (n > 0 && (names == NULL || values == NULL))
        return PGW_E_INVALID;
    size_acc a = {4 + 4 + 1, false}; /* length, protocol version, final NUL */
    bool have_user = false;
    for (size_t i = 0; i < n; i++) {
        if (names[i] == NULL || values[i] == NULL || names[i][0] == '\0')
            return PGW_E_INVALID;
        if (strcmp(names[i], "user") == 0)
            have_user = true;
        acc_add_cstr(&a, strlen(names[i]));
        acc_add_cstr(&a, strlen(values[i]));
    }
    /* The server insists on a user name; failing here gives the caller a
     * clear argument error instead of a FATAL after connecting. */
    if (!have_user)
        return PGW_E_INVALID;
    if (a.overflow || a.n - 4 > STARTUP_MAX_BODY)
        return PGW_E_TOO_LARGE;
    reserve_message(out, false, a.n);
    size_t start = pgwi_msg_begin(out, 0);
    pgwi_put_i32(out, PGW_PROTOCOL_3_0);
    for (size_t i = 0; i < n; i++) {
        pgwi_put_cstr(out, names[i], strlen(names[i]));
        pgwi_put_cstr(out, values[i], strlen(values[i]));
    }
    (void)pgw_buf_put_u8(out, 0);
    return pgwi_msg_finish(out, start);
}

static pgw_status build_request_code(pgw_buf *out, int32_t code)
{
    size_t start = pgwi_msg_begin(out, 0);
    pgwi_put_i32(out, code);
    return pgwi_msg_finish(out, start);
}

pgw_status pgw_build_ssl_request(pgw_buf *out)
{
    return build_request_code(out, PGW_SSL_REQUEST_CODE);
}

pgw_status pgw_build_gssenc_request(pgw_buf *out)
{
    return build_request_code(out, PGW_GSSENC_REQUEST_CODE);
}

pgw_status pgw_build_cancel_request(pgw_buf *out, int32_t pid, const uint8_t *key, size_t key_len)
{
    /* Protocol 3.0 keys are 4 bytes; 3.2 allows up to 256. */
    if (key == NULL || key_len < 4 || key_len > 256)
        return PGW_E_INVALID;
    size_t start = pgwi_msg_begin(out, 0);
    pgwi_put_i32(out, PGW_CANCEL_REQUEST_CODE);
    pgwi_put_i32(out, pid);
    (void)pgw_buf_append(out, key, key_len);
    return pgwi_msg_finish(out, start);
}

pgw_status pgw_build_password(pgw_buf *out, const char *password, size_t len)
{
    if (password == NULL && len > 0)
        return PGW_E_INVALID;
    size_acc a = {4, false};
    acc_add_cstr(&a, len);
    if (!acc_fits(&a))
        return PGW_E_TOO_LARGE;
    if (pgwi_has_nul(password, len))
        return PGW_E_INVALID;
    reserve_message(out, true, a.n);
    size_t start = pgwi_msg_begin(out, PGW_FE_PASSWORD);
    pgwi_put_cstr(out, password, len);
    return pgwi_msg_finish(out, start);
}

pgw_status pgw_build_sasl_initial_response(pgw_buf *out, const char *mechanism,
                                           const uint8_t *data, size_t len)
{
    if (mechanism == NULL || mechanism[0] == '\0' || (data == NULL && len > 0))
        return PGW_E_INVALID;
    size_t mech_len = strlen(mechanism);
    size_acc a = {4 + 4, false};
    acc_add_cstr(&a, mech_len);
    acc_add(&a, len);
    if (len > (size_t)INT32_MAX || !acc_fits(&a))
        return PGW_E_TOO_LARGE;
    reserve_message(out, true, a.n);
    size_t start = pgwi_msg_begin(out, PGW_FE_PASSWORD);
    pgwi_put_cstr(out, mechanism, mech_len);
    if (data == NULL) {
        pgwi_put_i32(out, -1);
    } else {
        pgwi_put_i32(out, (int32_t)len);
        if (len > 0)
            pgwi_buf_add(out, data, len);
    }
    return pgwi_msg_finish(out, start);
}

pgw_status pgw_build_sasl_response(pgw_buf *out, const uint8_t *data, size_t len)
{
    if (data == NULL && len > 0)
        return PGW_E_INVALID;
    size_acc a = {4, false};
    acc_add(&a, len);
    if (!acc_fits(&a))
        return PGW_E_TOO_LARGE;
    reserve_message(out, true, a.n);
    size_t start = pgwi_msg_begin(out, PGW_FE_PASSWORD);
    if (len > 0)
        pgwi_buf_add(out, data, len);
    return pgwi_msg_finish(out, start);
}

pgw_status pgw_build_query(pgw_buf *out, const char *sql, size_t len)
{
    if (sql == NULL && len > 0)
        return PGW_E_INVALID;
    size_acc a = {4, false};
    acc_add_cstr(&a, len);
    if (!acc_fits(&a))
        return PGW_E_TOO_LARGE;
    if (pgwi_has_nul(sql, len))
        return PGW_E_INVALID;
    reserve_message(out, true, a.n);
    size_t start = pgwi_msg_begin(out, PGW_FE_QUERY);
    pgwi_put_cstr(out, sql, len);
    return pgwi_msg_finish(out, start);
}

pgw_status pgw_build_parse(pgw_buf *out, const char *stmt, const char *sql, size_t sql_len,
                           const uint32_t *param_types, size_t n_types)
{
    if (sql == NULL && sql_len > 0)
        return PGW_E_INVALID;
    if (n_types > PGWI_MAX_COUNT || (n_types > 0 && param_types == NULL))
        return PGW_E_INVALID;
    stmt = name_or_unnamed(stmt);
    size_t stmt_len = strlen(stmt);
    size_acc a = {4 + 2, false};
    acc_add_cstr(&a, stmt_len);
    acc_add_cstr(&a, sql_len);
    acc_add(&a, 4 * n_types); /* n_types <= 65535: cannot wrap */
    if (!acc_fits(&a))
        return PGW_E_TOO_LARGE;
    if (pgwi_has_nul(sql, sql_len))
        return PGW_E_INVALID;
    reserve_message(out, true, a.n);
    size_t start = pgwi_msg_begin(out, PGW_FE_PARSE);
    pgwi_put_cstr(out, stmt, stmt_len);
    pgwi_put_cstr(out, sql, sql_len);
    pgwi_put_u16(out, (uint16_t)n_types);
    for (size_t i = 0; i < n_types; i++)
        pgwi_put_u32(out, param_types[i]);
    return pgwi_msg_finish(out, start);
}

pgw_status pgw_build_bind(pgw_buf *out, const char *portal, const char *stmt,
                          const int16_t *formats, size_t n_formats, const pgw_bytes *values,
                          size_t n_values, const int16_t *result_formats,
                          size_t n_result_formats)
{
    if (!param_formats_valid(formats, n_formats, n_values))
        return PGW_E_INVALID;
    if (n_result_formats > PGWI_MAX_COUNT || !formats_valid(result_formats, n_result_formats))
        return PGW_E_INVALID;
    portal = name_or_unnamed(portal);
    stmt = name_or_unnamed(stmt);
    size_t portal_len = strlen(portal);
    size_t stmt_len = strlen(stmt);
    size_acc a = {4 + 2 + 2 + 2, false};
    acc_add_cstr(&a, portal_len);
    acc_add_cstr(&a, stmt_len);
    acc_add(&a, 2 * n_formats);
    acc_add(&a, 2 * n_result_formats);
    /* Sizes only: no value byte is read until the total is known to fit. */
    pgw_status rc = acc_add_values(&a, values, n_values);
    if (rc != PGW_OK)
        return rc;
    reserve_message(out, true, a.n);
    size_t start = pgwi_msg_begin(out, PGW_FE_BIND);
    pgwi_put_cstr(out, portal, portal_len);
    pgwi_put_cstr(out, stmt, stmt_len);
    put_formats(out, formats, n_formats);
    put_values(out, values, n_values);
    put_formats(out, result_formats, n_result_formats);
    return pgwi_msg_finish(out, start);
}

static pgw_status build_kind_name(pgw_buf *out, uint8_t tag, char kind, const char *name)
{
    if (kind != 'S' && kind != 'P')
        return PGW_E_INVALID;
    name = name_or_unnamed(name);
    size_t name_len = strlen(name);
    size_acc a = {4 + 1, false};
    acc_add_cstr(&a, name_len);
    if (!acc_fits(&a))
        return PGW_E_TOO_LARGE;
    reserve_message(out, true, a.n);
    size_t start = pgwi_msg_begin(out, tag);
    pgwi_buf_add_u8(out, (uint8_t)kind);
    pgwi_put_cstr(out, name, name_len);
    return pgwi_msg_finish(out, start);
}

pgw_status pgw_build_describe(pgw_buf *out, char kind, const char *name)
{
    return build_kind_name(out, PGW_FE_DESCRIBE, kind, name);
}

pgw_status pgw_build_close(pgw_buf *out, char kind, const char *name)
{
    return build_kind_name(out, PGW_FE_CLOSE, kind, name);
}

pgw_status pgw_build_execute(pgw_buf *out, const char *portal, int32_t max_rows)
{
    portal = name_or_unnamed(portal);
    size_t portal_len = strlen(portal);
    size_acc a = {4 + 4, false};
    acc_add_cstr(&a, portal_len);
    if (!acc_fits(&a))
        return PGW_E_TOO_LARGE;
    reserve_message(out, true, a.n);
    size_t start = pgwi_msg_begin(out, PGW_FE_EXECUTE);
    pgwi_put_cstr(out, portal, portal_len);
    pgwi_put_i32(out, max_rows);
    return pgwi_msg_finish(out, start);
}

pgw_status pgw_build_sync(pgw_buf *out)
{
    return pgwi_build_empty(out, PGW_FE_SYNC);
}

pgw_status pgw_build_flush(pgw_buf *out)
{
    return pgwi_build_empty(out, PGW_FE_FLUSH);
}

pgw_status pgw_build_terminate(pgw_buf *out)
{
    return pgwi_build_empty(out, PGW_FE_TERMINATE);
}

pgw_status pgw_build_copy_done(pgw_buf *out)
{
    return pgwi_build_empty(out, PGW_FE_COPY_DONE);
}

pgw_status pgw_build_copy_data(pgw_buf *out, const void *data, size_t len)
{
    if (data == NULL && len > 0)
        return PGW_E_INVALID;
    size_acc a = {4, false};
    acc_add(&a, len);
    if (!acc_fits(&a))
        return PGW_E_TOO_LARGE;
    reserve_message(out, true, a.n);
    size_t start = pgwi_msg_begin(out, PGW_FE_COPY_DATA);
    if (len > 0)
        pgwi_buf_add(out, data, len);
    return pgwi_msg_finish(out, start);
}

pgw_status pgw_build_copy_fail(pgw_buf *out, const char *message)
{
    if (message == NULL)
        return PGW_E_INVALID;
    size_t msg_len = strlen(message);
    size_acc a = {4, false};
    acc_add_cstr(&a, msg_len);
    if (!acc_fits(&a))
        return PGW_E_TOO_LARGE;
    reserve_message(out, true, a.n);
    size_t start = pgwi_msg_begin(out, PGW_FE_COPY_FAIL);
    pgwi_put_cstr(out, message, msg_len);
    return pgwi_msg_finish(out, start);
}

pgw_status pgw_build_function_call(pgw_buf *out, uint32_t function_oid, const int16_t *formats,
                                   size_t n_formats, const pgw_bytes *args, size_t n_args,
                                   int16_t result_format)
{
    if (!param_formats_valid(formats, n_formats, n_args))
        return PGW_E_INVALID;
    if (result_format != 0 && result_format != 1)
        return PGW_E_INVALID;
    size_acc a = {4 + 4 + 2 + 2 + 2, false};
    acc_add(&a, 2 * n_formats);
    pgw_status rc = acc_add_values(&a, args, n_args);
    if (rc != PGW_OK)
        return rc;
    reserve_message(out, true, a.n);
    size_t start = pgwi_msg_begin(out, PGW_FE_FUNCTION_CALL);
    pgwi_put_u32(out, function_oid);
    put_formats(out, formats, n_formats);
    put_values(out, args, n_args);
    pgwi_put_i16(out, result_format);
    return pgwi_msg_finish(out, start);
}
