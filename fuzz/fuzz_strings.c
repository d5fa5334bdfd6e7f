/* Fuzz the strings codec family: the first byte picks a decoder (binary or
 * text), the rest is the value. Invariants: only documented statuses; a
 * decoder's failure leaves its output untouched; whatever decodes
 * re-encodes to a form that decodes to the same value; the renderer
 * agrees with decode + encode_text and never leaves partial output. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pgwire/render.h"
#include "pgwire/types.h"
#include "pgwire/types_strings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(bool ok)
{
    if (!ok)
        abort();
}

static void check(pgw_status rc)
{
    must(rc == PGW_OK || rc == PGW_E_INVALID || rc == PGW_E_UNSUPPORTED || rc == PGW_E_TOO_LARGE);
}

static bool buf_eq(const pgw_buf *b, const void *p, size_t n)
{
    return b->len == n && (n == 0 || memcmp(b->data, p, n) == 0);
}

static const uint32_t render_oids[] = {
    PGW_OID_TEXT,   PGW_OID_CHAR,     PGW_OID_BYTEA,   PGW_OID_UUID,     PGW_OID_JSONB,
    PGW_OID_INET,   PGW_OID_CIDR,     PGW_OID_MACADDR, PGW_OID_MACADDR8, PGW_OID_BIT,
    PGW_OID_VARBIT, PGW_OID_JSONPATH, PGW_OID_NAME,
};

/* render(bin) must equal the text the per-type encoder gives. */
static void fuzz_render(const uint8_t *p, size_t n, uint8_t sel)
{
    uint32_t oid = render_oids[sel % (sizeof render_oids / sizeof render_oids[0])];
    pgw_render_ctx ctx;
    pgw_render_ctx_init(&ctx);
    ctx.bytea_escape = (sel & 0x80) != 0;
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    must(pgw_buf_append(&out, "#", 1) == PGW_OK);
    pgw_status rc = pgw_render_bin(&out, oid, p, n, &ctx);
    must(rc == PGW_OK || rc == PGW_E_INVALID);
    if (rc != PGW_OK)
        must(out.len == 1);
    if (rc == PGW_OK && oid == PGW_OID_BYTEA) {
        /* The rendered text decodes back to the input bytes. */
        pgw_buf back;
        pgw_buf_init(&back, NULL, 0);
        must(pgw_decode_bytea_text((const char *)out.data + 1, out.len - 1, &back) == PGW_OK);
        must(buf_eq(&back, p, n));
        pgw_buf_free(&back);
    }
    if (rc == PGW_OK && (oid == PGW_OID_INET || oid == PGW_OID_CIDR)) {
        pgw_inet v, t;
        must(pgw_decode_inet_bin(p, n, &v) == PGW_OK);
        pgw_status r2 = oid == PGW_OID_CIDR
                            ? pgw_decode_cidr_text((const char *)out.data + 1, out.len - 1, &t)
                            : pgw_decode_inet_text((const char *)out.data + 1, out.len - 1, &t);
        must(r2 == PGW_OK);
        must(memcmp(v.addr, t.addr, 16) == 0 && v.bits == t.bits && v.family == t.family);
    }
    pgw_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t sel = data[0];
    const uint8_t *bp = data + 1;
    const char *p = (const char *)data + 1;
    size_t n = size - 1;
    pgw_buf b, c;
    pgw_buf_init(&b, NULL, 0);
    pgw_buf_init(&c, NULL, 0);
    switch (sel % 12) {
    case 0: { /* bytea text: decode, encode both forms, decode again */
        pgw_status rc = pgw_decode_bytea_text(p, n, &b);
        check(rc);
        if (rc != PGW_OK) {
            must(b.len == 0);
            break;
        }
        for (int esc = 0; esc < 2; esc++) {
            pgw_buf t;
            pgw_buf_init(&t, NULL, 0);
            must(pgw_encode_bytea_text(&t, b.data, b.len, esc == 1) == PGW_OK);
            pgw_buf_reset(&c);
            must(pgw_decode_bytea_text((const char *)t.data, t.len, &c) == PGW_OK);
            must(buf_eq(&c, b.data, b.len));
            pgw_buf_free(&t);
        }
        break;
    }
    case 1: { /* uuid text */
        pgw_uuid u, w;
        memset(&u, 0xa5, sizeof u);
        pgw_status rc = pgw_decode_uuid_text(p, n, &u);
        check(rc);
        if (rc != PGW_OK)
            break;
        must(pgw_encode_uuid_text(&b, u) == PGW_OK && b.len == 36);
        must(pgw_decode_uuid_text((const char *)b.data, b.len, &w) == PGW_OK);
        must(memcmp(u.b, w.b, 16) == 0);
        break;
    }
    case 2:
    case 3: { /* inet / cidr text */
        pgw_inet v, w;
        bool cidr = sel % 12 == 3;
        pgw_status rc = cidr ? pgw_decode_cidr_text(p, n, &v) : pgw_decode_inet_text(p, n, &v);
        check(rc);
        if (rc != PGW_OK)
            break;
        must(pgw_encode_inet_text(&b, v) == PGW_OK);
        rc = cidr ? pgw_decode_cidr_text((const char *)b.data, b.len, &w)
                  : pgw_decode_inet_text((const char *)b.data, b.len, &w);
        must(rc == PGW_OK && memcmp(&v, &w, sizeof v) == 0);
        must(pgw_encode_inet_bin(&c, v) == PGW_OK);
        must(pgw_decode_inet_bin(c.data, c.len, &w) == PGW_OK && memcmp(&v, &w, sizeof v) == 0);
        break;
    }
    case 4: { /* inet binary */
        pgw_inet v, w;
        pgw_status rc = pgw_decode_inet_bin(bp, n, &v);
        check(rc);
        if (rc != PGW_OK)
            break;
        must(pgw_encode_inet_bin(&b, v) == PGW_OK && buf_eq(&b, bp, n));
        must(pgw_encode_inet_text(&c, v) == PGW_OK);
        rc = v.is_cidr ? pgw_decode_cidr_text((const char *)c.data, c.len, &w)
                       : pgw_decode_inet_text((const char *)c.data, c.len, &w);
        must(rc == PGW_OK && memcmp(&v, &w, sizeof v) == 0);
        break;
    }
    case 5: { /* macaddr text */
        pgw_macaddr m, w;
        pgw_status rc = pgw_decode_macaddr_text(p, n, &m);
        check(rc);
        if (rc != PGW_OK)
            break;
        must(pgw_encode_macaddr_text(&b, m) == PGW_OK);
        must(pgw_decode_macaddr_text((const char *)b.data, b.len, &w) == PGW_OK);
        must(memcmp(m.b, w.b, 6) == 0);
        break;
    }
    case 6: { /* macaddr8 text */
        pgw_macaddr8 m, w;
        pgw_status rc = pgw_decode_macaddr8_text(p, n, &m);
        check(rc);
        if (rc != PGW_OK)
            break;
        must(pgw_encode_macaddr8_text(&b, m) == PGW_OK);
        must(pgw_decode_macaddr8_text((const char *)b.data, b.len, &w) == PGW_OK);
        must(memcmp(m.b, w.b, 8) == 0);
        break;
    }
    case 7: { /* bit text */
        size_t nbits = 0;
        pgw_status rc = pgw_decode_bit_text(p, n, &b, &nbits);
        check(rc);
        if (rc != PGW_OK) {
            must(b.len == 0);
            break;
        }
        pgw_bits v = {b.data, nbits};
        must(pgw_encode_bit_text(&c, v) == PGW_OK && c.len == nbits);
        pgw_buf bin;
        pgw_buf_init(&bin, NULL, 0);
        must(pgw_encode_bit_bin(&bin, v) == PGW_OK);
        pgw_bits w;
        must(pgw_decode_bit_bin(bin.data, bin.len, &w) == PGW_OK && w.nbits == nbits);
        must(nbits == 0 || memcmp(w.data, b.data, b.len) == 0);
        pgw_buf_free(&bin);
        break;
    }
    case 8: { /* bit binary */
        pgw_bits v;
        pgw_status rc = pgw_decode_bit_bin(bp, n, &v);
        check(rc);
        if (rc != PGW_OK)
            break;
        must(pgw_encode_bit_text(&b, v) == PGW_OK && b.len == v.nbits);
        size_t nbits;
        must(pgw_decode_bit_text((const char *)b.data, b.len, &c, &nbits) == PGW_OK);
        must(nbits == v.nbits);
        break;
    }
    case 9: { /* "char" text */
        uint8_t v, w;
        pgw_status rc = pgw_decode_char_text(p, n, &v);
        check(rc);
        if (rc != PGW_OK)
            break;
        must(pgw_encode_char_text(&b, v) == PGW_OK);
        must(pgw_decode_char_text((const char *)b.data, b.len, &w) == PGW_OK && w == v);
        break;
    }
    case 10: { /* jsonb binary */
        const char *t;
        size_t tl;
        pgw_status rc = pgw_decode_jsonb_bin(bp, n, &t, &tl);
        check(rc);
        if (rc != PGW_OK)
            break;
        must(pgw_encode_jsonb_bin(&b, t, tl) == PGW_OK && buf_eq(&b, bp, n));
        break;
    }
    default:
        fuzz_render(bp, n, sel);
        break;
    }
    pgw_buf_free(&b);
    pgw_buf_free(&c);
    return 0;
}
