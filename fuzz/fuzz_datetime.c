/* Fuzz the datetime family: the first byte picks a binary decoder (then
 * the renderer, in the DateStyle/IntervalStyle the second byte picks, in
 * UTC or a DST zone) or a text decoder; the rest is the value.
 * Invariants: only documented statuses; a decoded binary value re-encodes
 * to the same bytes; the renderer succeeds exactly on values the server
 * could send, appends nothing on failure, and its ISO / postgres output
 * decodes back to the same value; a decoded text value prints and decodes
 * back to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pgwire/datetime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(pgw_status rc)
{
    if (rc != PGW_OK && rc != PGW_E_INVALID && rc != PGW_E_RANGE)
        abort();
}

static const uint32_t oids[6] = {PGW_OID_DATE,      PGW_OID_TIME,        PGW_OID_TIMETZ,
                                 PGW_OID_TIMESTAMP, PGW_OID_TIMESTAMPTZ, PGW_OID_INTERVAL};

static void same_bytes(const pgw_buf *b, const uint8_t *p, size_t n)
{
    if (b->len != n || memcmp(b->data, p, n) != 0)
        abort();
}

/* Decode the binary value, re-encode it, and check the text the renderer
 * printed against the text decoders. */
static void binary(uint32_t oid, const uint8_t *p, size_t n, const pgw_render_ctx *ctx,
                   const pgw_buf *printed, pgw_status render_rc)
{
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    bool iso = ctx->datestyle == PGW_DATESTYLE_ISO;
    const char *t = (const char *)printed->data;
    pgw_status rc;
    switch (oid) {
    case PGW_OID_DATE: {
        int32_t v, w;
        rc = pgw_decode_date_bin(p, n, &v);
        check(rc);
        if (rc == PGW_OK && pgw_encode_date_bin(&b, v) == PGW_OK) {
            same_bytes(&b, p, n);
            if (render_rc != PGW_OK)
                abort();
            if (iso && (pgw_decode_date_text(t, printed->len, &w) != PGW_OK || w != v))
                abort();
        }
        break;
    }
    case PGW_OID_TIME: {
        int64_t v, w;
        rc = pgw_decode_time_bin(p, n, &v);
        check(rc);
        if ((rc == PGW_OK) != (render_rc == PGW_OK))
            abort();
        if (rc == PGW_OK) {
            if (pgw_encode_time_bin(&b, v) != PGW_OK)
                abort();
            same_bytes(&b, p, n);
            if (pgw_decode_time_text(t, printed->len, &w) != PGW_OK || w != v)
                abort();
        }
        break;
    }
    case PGW_OID_TIMETZ: {
        pgw_timetz v, w;
        rc = pgw_decode_timetz_bin(p, n, &v);
        check(rc);
        if ((rc == PGW_OK) != (render_rc == PGW_OK))
            abort();
        if (rc == PGW_OK) {
            if (pgw_encode_timetz_bin(&b, v) != PGW_OK)
                abort();
            same_bytes(&b, p, n);
            if (pgw_decode_timetz_text(t, printed->len, &w) != PGW_OK || w.usec != v.usec ||
                w.utc_offset != v.utc_offset)
                abort();
        }
        break;
    }
    case PGW_OID_TIMESTAMP:
    case PGW_OID_TIMESTAMPTZ: {
        bool tz = oid == PGW_OID_TIMESTAMPTZ;
        int64_t v, w;
        rc = tz ? pgw_decode_timestamptz_bin(p, n, &v) : pgw_decode_timestamp_bin(p, n, &v);
        check(rc);
        if (rc == PGW_OK) {
            pgw_status e = tz ? pgw_encode_timestamptz_bin(&b, v) : pgw_encode_timestamp_bin(&b, v);
            if (e == PGW_OK) {
                same_bytes(&b, p, n);
                if (render_rc != PGW_OK)
                    abort();
                if (iso) {
                    e = tz ? pgw_decode_timestamptz_text(t, printed->len, &w)
                           : pgw_decode_timestamp_text(t, printed->len, &w);
                    if (e != PGW_OK || w != v)
                        abort();
                }
            }
        }
        break;
    }
    default: {
        pgw_interval v, w;
        rc = pgw_decode_interval_bin(p, n, &v);
        check(rc);
        if ((rc == PGW_OK) != (render_rc == PGW_OK))
            abort();
        if (rc == PGW_OK) {
            if (pgw_encode_interval_bin(&b, v) != PGW_OK)
                abort();
            same_bytes(&b, p, n);
            if (ctx->intervalstyle != PGW_INTERVALSTYLE_SQL_STANDARD) {
                rc = pgw_decode_interval_text(t, printed->len, &w);
                bool edge = v.usec == INT64_MIN &&
                            ctx->intervalstyle == PGW_INTERVALSTYLE_POSTGRES_VERBOSE;
                if (!(edge && rc == PGW_E_RANGE) &&
                    (rc != PGW_OK || w.usec != v.usec || w.days != v.days ||
                     w.months != v.months))
                    abort();
            }
        }
        break;
    }
    }
    pgw_buf_free(&b);
}

/* Text decoders: a decoded value prints and decodes back to itself. */
static void check_text(unsigned which, const char *p, size_t n)
{
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    pgw_status rc;
    switch (which % 4) {
    case 0: {
        int64_t v, w;
        rc = pgw_decode_time_text(p, n, &v);
        check(rc);
        if (rc == PGW_OK && (pgw_encode_time_text(&b, v) != PGW_OK ||
                             pgw_decode_time_text((const char *)b.data, b.len, &w) != PGW_OK ||
                             w != v))
            abort();
        break;
    }
    case 1: {
        pgw_timetz v, w;
        rc = pgw_decode_timetz_text(p, n, &v);
        check(rc);
        if (rc == PGW_OK &&
            (pgw_encode_timetz_text(&b, v) != PGW_OK ||
             pgw_decode_timetz_text((const char *)b.data, b.len, &w) != PGW_OK ||
             w.usec != v.usec || w.utc_offset != v.utc_offset))
            abort();
        break;
    }
    case 2: {
        pgw_interval v, w;
        rc = pgw_decode_interval_text(p, n, &v);
        check(rc);
        if (rc == PGW_OK) {
            pgw_render_ctx ctx;
            pgw_render_ctx_init(&ctx);
            ctx.intervalstyle = PGW_INTERVALSTYLE_ISO_8601;
            if (pgw_encode_interval_text(&b, v, &ctx) != PGW_OK ||
                pgw_decode_interval_text((const char *)b.data, b.len, &w) != PGW_OK ||
                w.usec != v.usec || w.days != v.days || w.months != v.months)
                abort();
        }
        break;
    }
    default: {
        int64_t v, w;
        rc = pgw_decode_timestamptz_text(p, n, &v);
        check(rc);
        if (rc != PGW_OK)
            break;
        /* The decoder reads years the server never prints (before
         * 4714 BC): those are out of the encoder's range. */
        rc = pgw_encode_timestamptz_text(&b, v, NULL);
        check(rc);
        if (rc == PGW_OK &&
            (pgw_decode_timestamptz_text((const char *)b.data, b.len, &w) != PGW_OK || w != v))
            abort();
        break;
    }
    }
    pgw_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    unsigned sel = data[0], style = data[1];
    const uint8_t *p = data + 2;
    size_t n = size - 2;
    if (sel >= 0x80) {
        check_text(sel, (const char *)p, n);
        return 0;
    }
    uint32_t oid = oids[sel % 6];
    pgw_render_ctx ctx;
    pgw_render_ctx_init(&ctx);
    ctx.datestyle = (pgw_datestyle)(style & 3);
    ctx.dateorder = (pgw_dateorder)((style >> 2) % 3);
    ctx.intervalstyle = (pgw_intervalstyle)((style >> 4) & 3);
    pgw_tz *tz = NULL;
    if (style & 0x40) {
        if (pgw_tz_parse_posix("AEST-10AEDT,M10.1.0,M4.1.0/3", 28, NULL, &tz) != PGW_OK)
            abort();
        ctx.tz = tz;
    }
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    if (pgw_buf_append(&out, "#", 1) != PGW_OK)
        abort();
    pgw_status rc = pgw_render_bin(&out, oid, p, n, &ctx);
    if (rc != PGW_OK && (rc != PGW_E_INVALID || out.len != 1))
        abort();
    pgw_buf text_only;
    text_only.data = out.data + 1;
    text_only.len = out.len - 1;
    binary(oid, p, n, &ctx, &text_only, rc);
    pgw_buf_free(&out);
    pgw_tz_free(tz);
    return 0;
}
