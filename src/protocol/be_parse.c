/* Parsers of backend messages (what a client receives).
 *
 * Each parser reads one frame body through the bounds-checked reader and
 * returns views into it: nothing is copied or allocated. A parser accepts a
 * body only if it is consumed exactly, so trailing bytes are a protocol
 * error like truncation. Counts read from the wire are checked against the
 * bytes actually present before any loop trusts them. */
#include "pgwire/proto.h"

#include "common/common_int.h"
#include "protocol/protocol_int.h"

/* Authentication codes with no enumerator: SCM credentials, long obsolete
 * but still "carries no data". */
#define AUTH_SCM_CREDS 6

/* Smallest RowDescription column: empty name (its NUL) plus 18 bytes of
 * fixed fields. */
#define ROW_DESC_MIN_COLUMN 19u

/* BackendKeyData secret: 4 bytes in protocol 3.0, up to 256 in 3.2. */
#define KEY_MIN 4u
#define KEY_MAX 256u

pgw_status pgw_sasl_mechanisms_next(const uint8_t *data, size_t len, size_t *pos,
                                    const char **name)
{
    if (data == NULL || *pos >= len)
        return PGW_E_PROTOCOL;
    const uint8_t *p = data + *pos;
    const uint8_t *nul = memchr(p, 0, len - *pos);
    if (nul == NULL)
        return PGW_E_PROTOCOL;
    if (nul == p) {
        /* The empty name ends the list and must be the last byte. Leave
         * *pos on it so further calls keep answering PGW_END. */
        return *pos + 1 == len ? PGW_END : PGW_E_PROTOCOL;
    }
    *name = (const char *)p;
    *pos += (size_t)(nul - p) + 1;
    return PGW_OK;
}

/* AuthenticationSASL: at least one mechanism, each NUL-terminated, then
 * the empty name as the very last byte. */
static bool sasl_list_valid(const uint8_t *data, size_t len)
{
    size_t pos = 0;
    size_t count = 0;
    const char *name;
    pgw_status rc;
    while ((rc = pgw_sasl_mechanisms_next(data, len, &pos, &name)) == PGW_OK)
        count++;
    return rc == PGW_END && count > 0;
}

pgw_status pgw_parse_authentication(const pgw_frame *f, int32_t *code, const uint8_t **data,
                                    size_t *len)
{
    pgwi_reader r;
    pgwi_frame_reader(&r, f);
    int32_t c = pgwi_read_i32(&r);
    if (r.failed)
        return PGW_E_PROTOCOL;
    size_t rest = pgwi_reader_left(&r);
    switch (c) {
    case PGW_AUTH_OK:
    case PGW_AUTH_KERBEROS_V5:
    case PGW_AUTH_CLEARTEXT_PASSWORD:
    case AUTH_SCM_CREDS:
    case PGW_AUTH_GSS:
    case PGW_AUTH_SSPI:
        if (rest != 0)
            return PGW_E_PROTOCOL;
        break;
    case PGW_AUTH_MD5_PASSWORD:
        if (rest != 4)
            return PGW_E_PROTOCOL;
        break;
    case PGW_AUTH_SASL:
        if (!sasl_list_valid(r.p, rest))
            return PGW_E_PROTOCOL;
        break;
    default:
        /* GSSContinue and SASLContinue/Final carry opaque data; unknown
         * codes are passed up for the caller to refuse. */
        break;
    }
    *code = c;
    *data = r.p;
    *len = rest;
    return PGW_OK;
}

pgw_status pgw_parse_backend_key_data(const pgw_frame *f, int32_t *pid, const uint8_t **key,
                                      size_t *key_len)
{
    pgwi_reader r;
    pgwi_frame_reader(&r, f);
    int32_t p = pgwi_read_i32(&r);
    size_t n = pgwi_reader_left(&r);
    if (r.failed || n < KEY_MIN || n > KEY_MAX)
        return PGW_E_PROTOCOL;
    *pid = p;
    *key = r.p;
    *key_len = n;
    return PGW_OK;
}

pgw_status pgw_parse_command_complete(const pgw_frame *f, const char **tag, size_t *len)
{
    pgwi_reader r;
    pgwi_frame_reader(&r, f);
    size_t n = 0;
    const char *t = pgwi_read_cstr(&r, &n);
    if (pgwi_parse_finish(&r) != PGW_OK)
        return PGW_E_PROTOCOL;
    *tag = t;
    *len = n;
    return PGW_OK;
}

pgw_status pgw_parse_copy_response(const pgw_frame *f, int8_t *format, uint16_t *ncols,
                                   const uint8_t **col_formats)
{
    pgwi_reader r;
    pgwi_frame_reader(&r, f);
    uint8_t overall = pgwi_read_u8(&r);
    uint16_t n = pgwi_read_u16(&r);
    const uint8_t *fmts = pgwi_read_bytes(&r, 2 * (size_t)n);
    if (pgwi_parse_finish(&r) != PGW_OK || overall > 1)
        return PGW_E_PROTOCOL;
    /* Per the protocol, a textual copy has every column textual too. */
    for (uint16_t i = 0; i < n; i++) {
        int16_t cf = pgw_copy_response_format(fmts, i);
        if (cf != 0 && (cf != 1 || overall == 0))
            return PGW_E_PROTOCOL;
    }
    *format = (int8_t)overall;
    *ncols = n;
    *col_formats = fmts;
    return PGW_OK;
}

int16_t pgw_copy_response_format(const uint8_t *col_formats, uint16_t i)
{
    return (int16_t)pgwi_load_u16(col_formats + 2 * (size_t)i);
}

/* One column of a DataRow whose count is only learned or exceeds the
 * caller's array (pgw_parse_data_row's own loop takes every other row). It walks
 * the body with a pointer and the count of bytes left instead of the
 * sticky reader (same checks, a third of the instructions). The body is
 * under 2^31 bytes (checked first), so a length word read as unsigned that
 * is negative other than -1 is larger than anything left, and one
 * comparison refuses both it and a length that runs past the end. */
static bool data_row_column(const uint8_t **pp, size_t *left, pgw_value *v)
{
    const uint8_t *p = *pp;
    if (*left < 4)
        return false;
    uint32_t u = pgwi_load_u32(p);
    size_t rest = *left - 4;
    p += 4;
    if (u == UINT32_MAX) {
        v->ptr = NULL; /* -1: NULL */
        v->len = -1;
    } else {
        if (u > rest)
            return false;
        v->ptr = p;
        v->len = (int32_t)u;
        p += u;
        rest -= u;
    }
    *pp = p;
    *left = rest;
    return true;
}

#if defined(__GNUC__)
#define COLD_PATH __attribute__((noinline, cold))
#else
#define COLD_PATH
#endif

/* Rows that are only counted or exceed the caller's array, and the empty
 * row: everything the loop in pgw_parse_data_row does not take. */
COLD_PATH static pgw_status data_row_counted(const pgw_frame *f, pgw_value *vals, uint16_t cap,
                                             uint16_t *ncols)
{
    const uint8_t *p = f->body + 2;
    size_t left = f->len - 2;
    uint16_t n = pgwi_load_u16(f->body);
    /* Each column has at least its length word: refuse an absurd count
     * before looping over it. */
    if ((size_t)n > left / 4)
        return PGW_E_PROTOCOL;
    uint16_t filled = vals == NULL ? 0 : (n < cap ? n : cap);
    uint16_t i = 0;
    for (; i < filled; i++)
        if (!data_row_column(&p, &left, &vals[i]))
            return PGW_E_PROTOCOL;
    for (; i < n; i++) {
        pgw_value scratch;
        if (!data_row_column(&p, &left, &scratch))
            return PGW_E_PROTOCOL;
    }
    if (left != 0)
        return PGW_E_PROTOCOL;
    *ncols = n;
    return vals != NULL && n > cap ? PGW_E_TOO_LARGE : PGW_OK;
}

/* Every row of a result comes here with an array that holds all its
 * columns, so this loop has one bounds test per column and no reader. A
 * column's value is followed either by the next column's length word
 * (value and word must fit in the body) or by the end of the body, which
 * it must reach exactly (no trailing bytes). Offsets stay below 2^31 and a
 * length word read as unsigned below 2^32, so no sum wraps; a negative
 * length other than -1 is then beyond any body. */
pgw_status pgw_parse_data_row(const pgw_frame *f, pgw_value *vals, uint16_t cap, uint16_t *ncols)
{
    if (f->body == NULL || f->len < 2 || f->len > (size_t)INT32_MAX)
        return PGW_E_PROTOCOL;
    const uint8_t *body = f->body;
    size_t len = f->len;
    uint16_t n = pgwi_load_u16(body);
    if (vals == NULL || n > cap || n == 0 || len < 6)
        return data_row_counted(f, vals, cap, ncols);
    size_t off = 2, next;
    pgw_value *v = vals, *last = vals + n - 1;
    for (;; v++) {
        uint32_t u = pgwi_load_u32(body + off);
        off += 4;
        bool null = u == UINT32_MAX; /* -1 */
        v->ptr = null ? NULL : body + off;
        v->len = (int32_t)u;
        next = off + (null ? 0 : u);
        if (v == last)
            break;
        if (next + 4 > len)
            return PGW_E_PROTOCOL;
        off = next;
    }
    if (next != len)
        return PGW_E_PROTOCOL;
    *ncols = n;
    return PGW_OK;
}

pgw_status pgw_parse_function_call_response(const pgw_frame *f, pgw_value *out)
{
    pgwi_reader r;
    pgwi_frame_reader(&r, f);
    int32_t len = pgwi_read_i32(&r);
    const uint8_t *ptr = NULL;
    if (len < -1)
        return PGW_E_PROTOCOL;
    if (len >= 0)
        ptr = pgwi_read_bytes(&r, (size_t)len);
    if (pgwi_parse_finish(&r) != PGW_OK)
        return PGW_E_PROTOCOL;
    out->ptr = ptr;
    out->len = len;
    return PGW_OK;
}

pgw_status pgw_cstrings_next(const pgw_frame *f, size_t *pos, const char **s)
{
    if (*pos == f->len)
        return PGW_END;
    if (*pos > f->len || f->body == NULL)
        return PGW_E_PROTOCOL;
    const uint8_t *p = f->body + *pos;
    const uint8_t *nul = memchr(p, 0, f->len - *pos);
    if (nul == NULL)
        return PGW_E_PROTOCOL;
    *s = (const char *)p;
    *pos += (size_t)(nul - p) + 1;
    return PGW_OK;
}

pgw_status pgw_parse_negotiate_protocol_version(const pgw_frame *f, int32_t *minor,
                                                uint32_t *n_options, size_t *pos)
{
    pgwi_reader r;
    pgwi_frame_reader(&r, f);
    int32_t m = pgwi_read_i32(&r);
    int32_t n = pgwi_read_i32(&r);
    if (r.failed || m < 0 || n < 0)
        return PGW_E_PROTOCOL;
    /* Exactly n option names, then nothing: each takes at least its NUL,
     * so the loop is bounded by the body length, not by n. */
    for (int32_t i = 0; i < n; i++) {
        if (pgwi_read_cstr(&r, NULL) == NULL)
            return PGW_E_PROTOCOL;
    }
    if (pgwi_parse_finish(&r) != PGW_OK)
        return PGW_E_PROTOCOL;
    *minor = m;
    *n_options = (uint32_t)n;
    *pos = 8;
    return PGW_OK;
}

pgw_status pgw_parse_notification_response(const pgw_frame *f, int32_t *pid,
                                           const char **channel, const char **payload)
{
    pgwi_reader r;
    pgwi_frame_reader(&r, f);
    int32_t p = pgwi_read_i32(&r);
    const char *ch = pgwi_read_cstr(&r, NULL);
    const char *pl = pgwi_read_cstr(&r, NULL);
    if (pgwi_parse_finish(&r) != PGW_OK)
        return PGW_E_PROTOCOL;
    *pid = p;
    *channel = ch;
    *payload = pl;
    return PGW_OK;
}

pgw_status pgw_parse_parameter_description(const pgw_frame *f, uint32_t *oids, uint16_t cap,
                                           uint16_t *n)
{
    pgwi_reader r;
    pgwi_frame_reader(&r, f);
    uint16_t count = pgwi_read_u16(&r);
    const uint8_t *p = pgwi_read_bytes(&r, 4 * (size_t)count);
    if (pgwi_parse_finish(&r) != PGW_OK)
        return PGW_E_PROTOCOL;
    *n = count;
    if (oids == NULL)
        return PGW_OK;
    for (uint16_t i = 0; i < count && i < cap; i++)
        oids[i] = pgwi_load_u32(p + 4 * (size_t)i);
    return count > cap ? PGW_E_TOO_LARGE : PGW_OK;
}

pgw_status pgw_parse_parameter_status(const pgw_frame *f, const char **name, const char **value)
{
    pgwi_reader r;
    pgwi_frame_reader(&r, f);
    const char *nm = pgwi_read_cstr(&r, NULL);
    const char *val = pgwi_read_cstr(&r, NULL);
    if (pgwi_parse_finish(&r) != PGW_OK)
        return PGW_E_PROTOCOL;
    *name = nm;
    *value = val;
    return PGW_OK;
}

pgw_status pgw_parse_ready_for_query(const pgw_frame *f, char *status)
{
    pgwi_reader r;
    pgwi_frame_reader(&r, f);
    uint8_t s = pgwi_read_u8(&r);
    if (pgwi_parse_finish(&r) != PGW_OK || (s != 'I' && s != 'T' && s != 'E'))
        return PGW_E_PROTOCOL;
    *status = (char)s;
    return PGW_OK;
}

pgw_status pgw_parse_row_description(const pgw_frame *f, pgw_column_desc *cols, uint16_t cap,
                                     uint16_t *ncols)
{
    pgwi_reader r;
    pgwi_frame_reader(&r, f);
    uint16_t n = pgwi_read_u16(&r);
    if (r.failed || (size_t)n > pgwi_reader_left(&r) / ROW_DESC_MIN_COLUMN)
        return PGW_E_PROTOCOL;
    for (uint16_t i = 0; i < n; i++) {
        pgw_column_desc c;
        c.name = pgwi_read_cstr(&r, NULL);
        c.table_oid = pgwi_read_u32(&r);
        c.column_attnum = pgwi_read_i16(&r);
        c.type_oid = pgwi_read_u32(&r);
        c.type_size = pgwi_read_i16(&r);
        c.type_modifier = pgwi_read_i32(&r);
        c.format = pgwi_read_i16(&r);
        if (r.failed || (c.format != 0 && c.format != 1))
            return PGW_E_PROTOCOL;
        if (cols != NULL && i < cap)
            cols[i] = c;
    }
    if (pgwi_parse_finish(&r) != PGW_OK)
        return PGW_E_PROTOCOL;
    *ncols = n;
    return cols != NULL && n > cap ? PGW_E_TOO_LARGE : PGW_OK;
}

pgw_status pgw_parse_empty(const pgw_frame *f)
{
    return f->len == 0 ? PGW_OK : PGW_E_PROTOCOL;
}
