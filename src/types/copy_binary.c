/* COPY data formats: the binary row encoder and decoder, and the value
 * escapers of the text and csv formats. Pure codecs: no connection, no
 * I/O. Every adder reserves its whole field first, so a failure leaves the
 * buffer's length as it was. */
#include "common/common_int.h"
#include "pgwire/copy.h"
#include "pgwire/datetime.h"
#include "pgwire/types.h"

/* PGCOPY\n\377\r\n\0 */
static const uint8_t signature[11] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xff, '\r', '\n', 0};

/* The server's limit for one field (MaxAllocSize - 1). */
#define FIELD_MAX 0x3fffffffu

static inline void store_be(uint8_t *p, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

/* Reserve and write one fixed-width field: int32 length then n bytes. */
static pgw_status fixed(pgw_buf *out, uint64_t v, size_t n)
{
    if (out->error != PGW_OK || out->cap - out->len < 4 + n) {
        pgw_status rc = pgw_buf_reserve(out, 4 + n);
        if (rc != PGW_OK)
            return rc;
    }
    uint8_t *p = out->data + out->len;
    store_be(p, n, 4);
    store_be(p + 4, v, n);
    out->len += 4 + n;
    return PGW_OK;
}

pgw_status pgw_copy_bin_header(pgw_buf *out)
{
    pgw_status rc = pgw_buf_reserve(out, sizeof signature + 8);
    if (rc != PGW_OK)
        return rc;
    pgwi_buf_add(out, signature, sizeof signature);
    pgwi_buf_add_u32(out, 0); /* flags: no OIDs */
    pgwi_buf_add_u32(out, 0); /* header extension length */
    return PGW_OK;
}

pgw_status pgw_copy_bin_row(pgw_buf *out, uint16_t nfields)
{
    if (nfields > INT16_MAX)
        return PGW_E_INVALID;
    if (out->error != PGW_OK || out->cap - out->len < 2) {
        pgw_status rc = pgw_buf_reserve(out, 2);
        if (rc != PGW_OK)
            return rc;
    }
    store_be(out->data + out->len, nfields, 2);
    out->len += 2;
    return PGW_OK;
}

pgw_status pgw_copy_bin_trailer(pgw_buf *out)
{
    pgw_status rc = pgw_buf_reserve(out, 2);
    if (rc != PGW_OK)
        return rc;
    pgwi_buf_add_u16(out, 0xffff);
    return PGW_OK;
}

pgw_status pgw_copy_bin_null(pgw_buf *out)
{
    pgw_status rc = pgw_buf_reserve(out, 4);
    if (rc != PGW_OK)
        return rc;
    pgwi_buf_add_u32(out, 0xffffffffu);
    return PGW_OK;
}

pgw_status pgw_copy_bin_bool(pgw_buf *out, bool v)
{
    return fixed(out, v ? 1u : 0u, 1);
}

pgw_status pgw_copy_bin_int2(pgw_buf *out, int16_t v)
{
    return fixed(out, (uint16_t)v, 2);
}

pgw_status pgw_copy_bin_int4(pgw_buf *out, int32_t v)
{
    return fixed(out, (uint32_t)v, 4);
}

pgw_status pgw_copy_bin_int8(pgw_buf *out, int64_t v)
{
    return fixed(out, (uint64_t)v, 8);
}

pgw_status pgw_copy_bin_float4(pgw_buf *out, float v)
{
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    return fixed(out, u, 4);
}

pgw_status pgw_copy_bin_float8(pgw_buf *out, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return fixed(out, u, 8);
}

pgw_status pgw_copy_bin_raw(pgw_buf *out, const void *p, size_t len)
{
    if (p == NULL && len > 0)
        return PGW_E_INVALID;
    if (len > FIELD_MAX)
        return PGW_E_TOO_LARGE;
    if (out->error != PGW_OK || out->cap - out->len < 4 + len) {
        pgw_status rc = pgw_buf_reserve(out, 4 + len);
        if (rc != PGW_OK)
            return rc;
    }
    uint8_t *d = out->data + out->len;
    store_be(d, len, 4);
    if (len > 0)
        memcpy(d + 4, p, len);
    out->len += 4 + len;
    return PGW_OK;
}

pgw_status pgw_copy_bin_text(pgw_buf *out, const char *s, size_t len)
{
    return pgw_copy_bin_raw(out, s, len);
}

pgw_status pgw_copy_bin_bytea(pgw_buf *out, const void *p, size_t len)
{
    return pgw_copy_bin_raw(out, p, len);
}

/* A variable-width codec: reserve the length word, encode after it, then
 * back-patch; on failure the buffer is cut back to where it was. */
static pgw_status patched(pgw_buf *out, size_t start, pgw_status rc)
{
    if (rc == PGW_OK && out->len - start - 4 > FIELD_MAX)
        rc = PGW_E_TOO_LARGE;
    if (rc != PGW_OK) {
        if (out->error == PGW_OK)
            out->len = start;
        return rc;
    }
    store_be(out->data + start, out->len - start - 4, 4);
    return PGW_OK;
}

pgw_status pgw_copy_bin_numeric(pgw_buf *out, const char *s, size_t len)
{
    if (s == NULL && len > 0)
        return PGW_E_INVALID;
    pgw_status rc = pgw_buf_reserve(out, 4);
    if (rc != PGW_OK)
        return rc;
    size_t start = out->len;
    pgwi_buf_add_u32(out, 0);
    return patched(out, start, pgw_encode_numeric_bin(out, s, len));
}

pgw_status pgw_copy_bin_date(pgw_buf *out, int32_t days)
{
    pgw_status rc = pgw_buf_reserve(out, 8);
    if (rc != PGW_OK)
        return rc;
    size_t start = out->len;
    pgwi_buf_add_u32(out, 0);
    return patched(out, start, pgw_encode_date_bin(out, days));
}

pgw_status pgw_copy_bin_timestamp(pgw_buf *out, int64_t usec)
{
    pgw_status rc = pgw_buf_reserve(out, 12);
    if (rc != PGW_OK)
        return rc;
    size_t start = out->len;
    pgwi_buf_add_u32(out, 0);
    return patched(out, start, pgw_encode_timestamp_bin(out, usec));
}

pgw_status pgw_copy_bin_timestamptz(pgw_buf *out, int64_t usec)
{
    pgw_status rc = pgw_buf_reserve(out, 12);
    if (rc != PGW_OK)
        return rc;
    size_t start = out->len;
    pgwi_buf_add_u32(out, 0);
    return patched(out, start, pgw_encode_timestamptz_bin(out, usec));
}

pgw_status pgw_copy_bin_uuid(pgw_buf *out, pgw_uuid v)
{
    return pgw_copy_bin_raw(out, v.b, sizeof v.b);
}

/* ---- decoder ------------------------------------------------------------ */

void pgw_copy_bin_reader_init(pgw_copy_bin_reader *r)
{
    memset(r, 0, sizeof *r);
}

void pgw_copy_bin_reader_feed(pgw_copy_bin_reader *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->len = p == NULL ? 0 : len;
    r->off = 0;
}

size_t pgw_copy_bin_reader_pending(const pgw_copy_bin_reader *r)
{
    return r->len - r->off;
}

/* The header: signature, flags, extension area (skipped). */
static pgw_status read_header(pgw_copy_bin_reader *r)
{
    const uint8_t *p = r->p + r->off;
    size_t left = r->len - r->off;
    if (left < sizeof signature + 8)
        return memcmp(p, signature, left < sizeof signature ? left : sizeof signature) == 0
                   ? PGW_WANT_READ
                   : PGW_E_PROTOCOL;
    if (memcmp(p, signature, sizeof signature) != 0)
        return PGW_E_PROTOCOL;
    uint32_t flags = pgwi_load_u32(p + 11);
    uint32_t ext = pgwi_load_u32(p + 15);
    /* Bit 16: rows carry an OID field (servers before 12). The other high
     * bits are critical flags we do not know; the low ones may be ignored. */
    if (flags & 0x10000u)
        return PGW_E_UNSUPPORTED;
    if (flags & 0xfffe0000u)
        return PGW_E_PROTOCOL;
    if (ext > INT32_MAX)
        return PGW_E_PROTOCOL;
    if (left - (sizeof signature + 8) < ext)
        return PGW_WANT_READ;
    r->off += sizeof signature + 8 + (size_t)ext;
    r->state = 1;
    return PGW_OK;
}

pgw_status pgw_copy_bin_reader_next(pgw_copy_bin_reader *r, pgw_value *vals, uint16_t cap,
                                    uint16_t *nfields)
{
    if (r->state == 2)
        return r->off < r->len ? PGW_E_PROTOCOL : PGW_END;
    if (r->p == NULL)
        return PGW_WANT_READ;
    if (r->state == 0) {
        pgw_status rc = read_header(r);
        if (rc != PGW_OK)
            return rc;
    }
    const uint8_t *p = r->p + r->off;
    size_t left = r->len - r->off;
    if (left < 2)
        return PGW_WANT_READ;
    int16_t n = (int16_t)pgwi_load_u16(p);
    if (n == -1) {
        r->off += 2;
        r->state = 2;
        return r->off < r->len ? PGW_E_PROTOCOL : PGW_END;
    }
    if (n < 0)
        return PGW_E_PROTOCOL;
    if ((uint16_t)n > cap)
        return PGW_E_TOO_LARGE;
    size_t pos = 2;
    for (uint16_t i = 0; i < (uint16_t)n; i++) {
        if (left - pos < 4)
            return PGW_WANT_READ;
        int32_t flen = (int32_t)pgwi_load_u32(p + pos);
        pos += 4;
        if (flen < -1)
            return PGW_E_PROTOCOL;
        if (flen == -1) {
            vals[i].ptr = NULL;
            vals[i].len = -1;
            continue;
        }
        if (left - pos < (size_t)flen)
            return PGW_WANT_READ;
        vals[i].ptr = p + pos;
        vals[i].len = flen;
        pos += (size_t)flen;
    }
    r->off += pos;
    *nfields = (uint16_t)n;
    return PGW_OK;
}

/* ---- text and csv values ------------------------------------------------ */

pgw_status pgw_copy_text_null(pgw_buf *out)
{
    return pgw_buf_append(out, "\\N", 2);
}

pgw_status pgw_copy_text_value(pgw_buf *out, const char *s, size_t len)
{
    if (s == NULL && len > 0)
        return PGW_E_INVALID;
    size_t extra = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (ch == '\0')
            return PGW_E_INVALID;
        if (ch == '\\' || ch == '\n' || ch == '\r' || ch == '\t')
            extra++;
    }
    size_t need;
    if (!pgwi_add_size(len, extra, &need))
        return PGW_E_TOO_LARGE;
    pgw_status rc = pgw_buf_reserve(out, need);
    if (rc != PGW_OK)
        return rc;
    if (extra == 0) {
        pgwi_buf_add(out, s, len);
        return PGW_OK;
    }
    uint8_t *d = out->data + out->len;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        switch (ch) {
        case '\\': *d++ = '\\'; *d++ = '\\'; break;
        case '\n': *d++ = '\\'; *d++ = 'n'; break;
        case '\r': *d++ = '\\'; *d++ = 'r'; break;
        case '\t': *d++ = '\\'; *d++ = 't'; break;
        default: *d++ = (uint8_t)ch; break;
        }
    }
    out->len += need;
    return PGW_OK;
}

pgw_status pgw_copy_csv_value(pgw_buf *out, const char *s, size_t len)
{
    if (s == NULL && len > 0)
        return PGW_E_INVALID;
    bool quote = len == 0 || s[0] == ' ' || s[len - 1] == ' ' ||
                 (len == 2 && s[0] == '\\' && s[1] == '.');
    size_t quotes = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (ch == '\0')
            return PGW_E_INVALID;
        if (ch == '"')
            quotes++;
        if (ch == ',' || ch == '"' || ch == '\n' || ch == '\r')
            quote = true;
    }
    if (!quote)
        return pgw_buf_append(out, s, len);
    size_t need;
    if (!pgwi_add_size(len, quotes, &need) || !pgwi_add_size(need, 2, &need))
        return PGW_E_TOO_LARGE;
    pgw_status rc = pgw_buf_reserve(out, need);
    if (rc != PGW_OK)
        return rc;
    uint8_t *d = out->data + out->len;
    *d++ = '"';
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            *d++ = '"';
        *d++ = (uint8_t)s[i];
    }
    *d = '"';
    out->len += need;
    return PGW_OK;
}
