/* Fuzz the numbers codec family: the first byte picks a decoder, the rest
 * is the value. Invariants (abort() when broken):
 *   - only documented statuses, and nothing appended on failure;
 *   - numeric: binary -> text -> binary -> text is stable, and a canonical
 *     binary value (what the server sends) comes back byte for byte;
 *     text -> binary -> text -> binary is stable; int64/double conversions
 *     agree with the text;
 *   - float8/float4: the shortest text reads back as the same bits, every
 *     extra_float_digits setting prints, and numeric from a double gives the
 *     double back;
 *   - fixed-width scalars: decode -> encode gives the input bytes; render
 *     never fails on a value that decodes. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pgwire/types.h"
#include "types/types_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(pgw_status rc)
{
    if (rc != PGW_OK && rc != PGW_E_INVALID && rc != PGW_E_RANGE)
        abort();
}

static void same(const pgw_buf *a, const pgw_buf *b)
{
    if (a->len != b->len || (a->len && memcmp(a->data, b->data, a->len) != 0))
        abort();
}

static uint16_t u16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* What numeric_send produces: no leading or trailing zero digits, no
 * nonzero digit hidden by dscale, zero as no digits, weight 0, sign +;
 * NaN and the infinities with no digits and the scale word the server
 * writes. Assumes the bytes decoded. */
static bool canonical_numeric(const uint8_t *p, size_t len)
{
    size_t n = u16(p);
    int weight = (int16_t)u16(p + 2);
    uint16_t sign = u16(p + 4), dscale = u16(p + 6);
    (void)len;
    if (sign == 0xC000)
        return n == 0 && weight == 0 && dscale == 0;
    if (sign == 0xD000 || sign == 0xF000)
        return n == 0 && weight == 0 && dscale == 0x20;
    if (n == 0)
        return weight == 0 && sign == 0;
    if (u16(p + 8) == 0 || u16(p + 8 + 2 * (n - 1)) == 0)
        return false;
    long places = 4 * ((long)n - 1 - weight); /* last decimal place of the last digit */
    if (places > (long)dscale) {
        long cut = places - (long)dscale;
        if (cut > 3)
            return false;
        unsigned m = cut == 1 ? 10 : cut == 2 ? 100 : 1000;
        if (u16(p + 8 + 2 * (n - 1)) % m != 0)
            return false;
    }
    return true;
}

static void fuzz_numeric_bin(const uint8_t *p, size_t n)
{
    pgw_buf t1, b2, t2;
    pgw_buf_init(&t1, NULL, 0);
    pgw_buf_init(&b2, NULL, 0);
    pgw_buf_init(&t2, NULL, 0);
    pgw_status rc = pgw_decode_numeric_bin(p, n, &t1);
    check(rc);
    if (rc != PGW_OK) {
        if (t1.len != 0)
            abort();
    } else {
        if (pgw_encode_numeric_bin(&b2, (const char *)t1.data, t1.len) != PGW_OK)
            abort();
        if (pgw_decode_numeric_bin(b2.data, b2.len, &t2) != PGW_OK)
            abort();
        same(&t1, &t2);
        if (!canonical_numeric(b2.data, b2.len))
            abort();
        if (canonical_numeric(p, n) && (b2.len != n || memcmp(b2.data, p, n) != 0))
            abort();
        int64_t iv;
        rc = pgw_decode_numeric_bin_int64(p, n, &iv);
        check(rc);
        if (rc == PGW_OK) {
            pgw_buf ib;
            pgw_buf_init(&ib, NULL, 0);
            int64_t back;
            if (pgw_encode_numeric_bin_int64(&ib, iv) != PGW_OK ||
                pgw_decode_numeric_bin_int64(ib.data, ib.len, &back) != PGW_OK || back != iv)
                abort();
            pgw_buf_free(&ib);
        }
        double d;
        rc = pgw_decode_numeric_bin_double(p, n, &d);
        check(rc);
        if (rc == PGW_OK && !isnan(d)) {
            /* the text says the same */
            double dt;
            pgw_status trc = pgw_decode_float8_text((const char *)t1.data, t1.len, &dt);
            if (trc == PGW_OK && dt != d)
                abort();
        }
    }
    pgw_buf_free(&t1);
    pgw_buf_free(&b2);
    pgw_buf_free(&t2);
}

static void fuzz_numeric_text(const uint8_t *p, size_t n)
{
    pgw_buf b1, t1, b2;
    pgw_buf_init(&b1, NULL, 0);
    pgw_buf_init(&t1, NULL, 0);
    pgw_buf_init(&b2, NULL, 0);
    pgw_status rc = pgw_encode_numeric_bin(&b1, (const char *)p, n);
    check(rc);
    if (rc == PGW_OK) {
        if (!canonical_numeric(b1.data, b1.len))
            abort();
        if (pgw_decode_numeric_bin(b1.data, b1.len, &t1) != PGW_OK)
            abort();
        if (pgw_encode_numeric_bin(&b2, (const char *)t1.data, t1.len) != PGW_OK)
            abort();
        same(&b1, &b2);
    } else if (b1.len != 0) {
        abort();
    }
    pgw_buf_free(&b1);
    pgw_buf_free(&t1);
    pgw_buf_free(&b2);
}

static void fuzz_double(double d)
{
    static const int efds[] = {-15, -3, 0, 1, 3};
    pgw_buf t;
    pgw_buf_init(&t, NULL, 0);
    for (size_t i = 0; i < sizeof efds / sizeof efds[0]; i++) {
        pgw_buf_reset(&t);
        if (pgw_encode_float8_text(&t, d, efds[i]) != PGW_OK || t.len == 0 || t.len > 32)
            abort();
        double back;
        pgw_status rc = pgw_decode_float8_text((const char *)t.data, t.len, &back);
        /* Rounded to few digits, the largest doubles print as 2e+308. */
        check(rc);
        if (efds[i] >= 1 && !isnan(d) && (rc != PGW_OK || memcmp(&back, &d, sizeof d) != 0))
            abort();
    }
    pgw_buf nb;
    pgw_buf_init(&nb, NULL, 0);
    if (pgw_encode_numeric_bin_double(&nb, d) != PGW_OK)
        abort();
    double back;
    if (pgw_decode_numeric_bin_double(nb.data, nb.len, &back) != PGW_OK)
        abort();
    if (!isnan(d) && back != d)
        abort();
    pgw_buf_free(&nb);
    pgw_buf_free(&t);
}

static void fuzz_float(float f)
{
    static const int efds[] = {-15, 0, 1, 3};
    pgw_buf t;
    pgw_buf_init(&t, NULL, 0);
    for (size_t i = 0; i < sizeof efds / sizeof efds[0]; i++) {
        pgw_buf_reset(&t);
        if (pgw_encode_float4_text(&t, f, efds[i]) != PGW_OK || t.len == 0 || t.len > 32)
            abort();
        float back;
        pgw_status rc = pgw_decode_float4_text((const char *)t.data, t.len, &back);
        check(rc);
        if (efds[i] >= 1 && !isnan(f) && (rc != PGW_OK || memcmp(&back, &f, sizeof f) != 0))
            abort();
    }
    pgw_buf_free(&t);
}

/* Render every type of the family from the same bytes: OK only when the
 * bytes decode, and nothing appended otherwise. */
static void fuzz_render(const uint8_t *p, size_t n)
{
    static const uint32_t oids[] = {
        PGW_OID_BOOL,   PGW_OID_INT2,   PGW_OID_INT4,    PGW_OID_INT8,   PGW_OID_OID,
        PGW_OID_XID,    PGW_OID_CID,    PGW_OID_XID8,    PGW_OID_FLOAT4, PGW_OID_FLOAT8,
        PGW_OID_NUMERIC, PGW_OID_PG_LSN, PGW_OID_TID,    PGW_OID_MONEY,  PGW_OID_REGCLASS};
    pgw_render_ctx ctx;
    pgw_render_ctx_init(&ctx);
    ctx.extra_float_digits = n ? (int)(p[0] % 19) - 15 : 1;
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    for (size_t i = 0; i < sizeof oids / sizeof oids[0]; i++) {
        pgw_buf_reset(&out);
        pgw_status rc = pgwi_render_numbers(&out, oids[i], p, n, &ctx);
        if (rc != PGW_OK && rc != PGW_E_INVALID && rc != PGW_E_UNSUPPORTED)
            abort();
        if ((rc == PGW_E_UNSUPPORTED) == pgwi_render_numbers_supported(oids[i]))
            abort();
        if (rc != PGW_OK && out.len != 0)
            abort();
        if (rc == PGW_OK && out.len == 0)
            abort();
    }
    pgw_buf_free(&out);
}

static void fuzz_fixed(const uint8_t *p, size_t n)
{
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    bool b;
    int16_t i2;
    int32_t i4;
    int64_t i8;
    uint32_t o;
    if (pgw_decode_bool_bin(p, n, &b) == PGW_OK && pgw_encode_bool_bin(&out, b) != PGW_OK)
        abort();
    if (pgw_decode_int2_bin(p, n, &i2) == PGW_OK && pgw_encode_int2_bin(&out, i2) != PGW_OK)
        abort();
    if (pgw_decode_int4_bin(p, n, &i4) == PGW_OK && pgw_encode_int4_bin(&out, i4) != PGW_OK)
        abort();
    if (pgw_decode_int8_bin(p, n, &i8) == PGW_OK && pgw_encode_int8_bin(&out, i8) != PGW_OK)
        abort();
    /* exactly one of them matched the length (none for 3, 5..7, 9+) */
    if (out.len != 0 && (out.len != n || memcmp(out.data, p, n) != 0))
        abort();
    pgw_buf_reset(&out);
    if (pgw_decode_oid_bin(p, n, &o) == PGW_OK) {
        uint32_t t;
        if (pgw_encode_oid_text(&out, o) != PGW_OK ||
            pgw_decode_oid_text((const char *)out.data, out.len, &t) != PGW_OK || t != o)
            abort();
    }
    pgw_buf_free(&out);
}

static void fuzz_int_text(const uint8_t *p, size_t n)
{
    const char *s = (const char *)p;
    uint32_t o;
    pgw_status rc = pgw_decode_oid_text(s, n, &o);
    check(rc);
    if (rc == PGW_OK) {
        pgw_buf out;
        pgw_buf_init(&out, NULL, 0);
        uint32_t back;
        if (pgw_encode_oid_text(&out, o) != PGW_OK ||
            pgw_decode_oid_text((const char *)out.data, out.len, &back) != PGW_OK || back != o)
            abort();
        pgw_buf_free(&out);
    }
    int64_t v;
    rc = pgw_decode_int8_text(s, n, &v);
    check(rc);
    if (rc == PGW_OK) {
        pgw_buf out;
        pgw_buf_init(&out, NULL, 0);
        int64_t back;
        if (pgw_encode_int8_text(&out, v) != PGW_OK ||
            pgw_decode_int8_text((const char *)out.data, out.len, &back) != PGW_OK || back != v)
            abort();
        pgw_buf_free(&out);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    switch (data[0] % 8) {
    case 0:
        fuzz_numeric_bin(p, n);
        break;
    case 1:
        fuzz_numeric_text(p, n);
        break;
    case 2: {
        if (n < 8)
            break;
        double d;
        if (pgw_decode_float8_bin(p, 8, &d) != PGW_OK)
            abort();
        fuzz_double(d);
        break;
    }
    case 3: {
        if (n < 4)
            break;
        float f;
        if (pgw_decode_float4_bin(p, 4, &f) != PGW_OK)
            abort();
        fuzz_float(f);
        break;
    }
    case 4: {
        double d;
        pgw_status rc = pgw_decode_float8_text((const char *)p, n, &d);
        check(rc);
        if (rc == PGW_OK)
            fuzz_double(d);
        break;
    }
    case 5: {
        float f;
        pgw_status rc = pgw_decode_float4_text((const char *)p, n, &f);
        check(rc);
        if (rc == PGW_OK)
            fuzz_float(f);
        break;
    }
    case 6:
        fuzz_render(p, n);
        fuzz_fixed(p, n);
        break;
    default:
        fuzz_int_text(p, n);
        break;
    }
    return 0;
}
