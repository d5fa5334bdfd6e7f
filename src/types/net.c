/* inet, cidr, macaddr, macaddr8: binary and text codecs.
 *
 * Text output follows the server's network_out(): the BIND-derived
 * inet_net_ntop that PostgreSQL carries (src/port/inet_net_ntop.c), which
 * differs from the C library's inet_ntop in small ways that matter for
 * byte-exact output: a single zero group is never compressed, the first of
 * two equally long zero runs is the one compressed, and an address whose
 * first 80 bits are zero prints its last 32 bits as a dotted quad when the
 * next group is 0 or ffff ("::1.2.3.4", "::ffff:1.2.3.4") — but not when
 * the first 112 bits are zero ("::1"). */
#include <string.h>

#include "pgwire/types_strings.h"
#include "types/types_int.h"

#include "common/common_int.h"

static const char net_hexdig[] = "0123456789abcdef";

static size_t addr_size(uint8_t family)
{
    return family == PGW_INET_FAMILY_INET ? 4 : family == PGW_INET_FAMILY_INET6 ? 16 : 0;
}

/* No bit set past the netmask (the server's addressOK). */
static bool host_bits_clear(const uint8_t *a, unsigned bits, size_t size)
{
    size_t byte = bits / 8;
    if (byte < size && (a[byte] & (uint8_t)(0xffu >> (bits % 8))) != 0)
        return false;
    for (size_t i = byte + 1; i < size; i++)
        if (a[i] != 0)
            return false;
    return true;
}

static bool inet_valid(const pgw_inet *v)
{
    size_t size = addr_size(v->family);
    return size != 0 && v->bits <= size * 8 &&
           (!v->is_cidr || host_bits_clear(v->addr, v->bits, size));
}

pgw_status pgw_decode_inet_bin(const uint8_t *p, size_t len, pgw_inet *out)
{
    if (!p || !out || len < 4)
        return PGW_E_INVALID;
    pgw_inet v;
    memset(&v, 0, sizeof v);
    v.family = p[0];
    v.bits = p[1];
    size_t size = addr_size(v.family);
    if (size == 0 || p[2] > 1 || p[3] != size || len != 4 + size)
        return PGW_E_INVALID;
    v.is_cidr = p[2] == 1;
    memcpy(v.addr, p + 4, size);
    if (!inet_valid(&v))
        return PGW_E_INVALID;
    *out = v;
    return PGW_OK;
}

pgw_status pgw_encode_inet_bin(pgw_buf *out, pgw_inet v)
{
    if (!out || !inet_valid(&v))
        return PGW_E_INVALID;
    size_t size = addr_size(v.family);
    uint8_t tmp[20] = {v.family, v.bits, v.is_cidr ? 1 : 0, (uint8_t)size};
    memcpy(tmp + 4, v.addr, size);
    return pgw_buf_append(out, tmp, 4 + size);
}

/* ---- text output ------------------------------------------------------- */

static char *put_dec(char *w, unsigned v)
{
    char tmp[4];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *w++ = tmp[--n];
    return w;
}

static char *put_quad(char *w, const uint8_t *a)
{
    for (int i = 0; i < 4; i++) {
        if (i)
            *w++ = '.';
        w = put_dec(w, a[i]);
    }
    return w;
}

static char *put_hex16(char *w, unsigned v)
{
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
        unsigned d = (v >> shift) & 0xfu;
        if (d || started || shift == 0) {
            *w++ = net_hexdig[d];
            started = true;
        }
    }
    return w;
}

static char *put_ipv6(char *w, const uint8_t *a)
{
    unsigned words[8];
    for (int i = 0; i < 8; i++)
        words[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
    /* The longest run of zero groups (the first one on a tie), if at least
     * two long. */
    int best = -1, best_len = 0, cur = -1, cur_len = 0;
    for (int i = 0; i < 8; i++) {
        if (words[i] == 0) {
            if (cur < 0)
                cur = i, cur_len = 0;
            cur_len++;
            if (cur_len > best_len)
                best = cur, best_len = cur_len;
        } else {
            cur = -1;
        }
    }
    if (best_len < 2)
        best = -1;
    for (int i = 0; i < 8; i++) {
        if (best >= 0 && i >= best && i < best + best_len) {
            if (i == best)
                *w++ = ':';
            continue;
        }
        if (i)
            *w++ = ':';
        if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && words[5] == 0xffff)))
            return put_quad(w, a + 12);
        w = put_hex16(w, words[i]);
    }
    if (best >= 0 && best + best_len == 8)
        *w++ = ':';
    return w;
}

pgw_status pgw_encode_inet_text(pgw_buf *out, pgw_inet v)
{
    if (!out || !inet_valid(&v))
        return PGW_E_INVALID;
    char tmp[64];
    char *w = v.family == PGW_INET_FAMILY_INET ? put_quad(tmp, v.addr) : put_ipv6(tmp, v.addr);
    unsigned maxbits = v.family == PGW_INET_FAMILY_INET ? 32 : 128;
    if (v.is_cidr || v.bits != maxbits) {
        *w++ = '/';
        w = put_dec(w, v.bits);
    }
    return pgw_buf_append(out, tmp, (size_t)(w - tmp));
}

/* ---- text input --------------------------------------------------------- */

static bool net_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* "/n" with n <= max, or nothing. *bits = -1 when absent. */
static bool parse_bits(const char *p, size_t len, size_t *i, unsigned max, int *bits)
{
    *bits = -1;
    if (*i == len)
        return true;
    if (p[*i] != '/' || *i + 1 == len)
        return false;
    unsigned v = 0;
    for ((*i)++; *i < len; (*i)++) {
        if (!net_is_digit(p[*i]))
            return false;
        v = v * 10 + (unsigned)(p[*i] - '0');
        if (v > max)
            return false;
    }
    *bits = (int)v;
    return true;
}

/* Up to four dotted decimal octets (each <= 255); stops at '/' or end.
 * Returns the octet count, 0 on a syntax error. */
static size_t parse_octets(const char *p, size_t len, size_t *i, uint8_t a[4])
{
    size_t n = 0;
    for (;;) {
        if (*i == len || !net_is_digit(p[*i]) || n == 4)
            return 0;
        unsigned v = 0;
        while (*i < len && net_is_digit(p[*i])) {
            v = v * 10 + (unsigned)(p[*i] - '0');
            if (v > 255)
                return 0;
            (*i)++;
        }
        a[n++] = (uint8_t)v;
        if (*i == len || p[*i] == '/')
            return n;
        if (p[*i] != '.')
            return 0;
        (*i)++;
    }
}

static bool parse_ipv4(const char *p, size_t len, bool cidr, pgw_inet *v)
{
    size_t i = 0;
    size_t n = parse_octets(p, len, &i, v->addr);
    int bits;
    if (n == 0 || !parse_bits(p, len, &i, 32, &bits))
        return false;
    if (!cidr) {
        /* inet: the netmask defaults to /32 only when all four octets are
         * given, and may not cover more octets than were written. */
        if (bits < 0) {
            if (n != 4)
                return false;
            bits = 32;
        }
        if ((size_t)bits / 8 > n)
            return false;
    } else if (bits < 0) {
        /* cidr without a netmask: the classful default, widened to the
         * octets given; a bare class D network 224 is 224.0.0.0/4. */
        uint8_t a0 = v->addr[0];
        bits = a0 >= 240 ? 32 : a0 >= 224 ? 8 : a0 >= 192 ? 24 : a0 >= 128 ? 16 : 8;
        if ((size_t)bits < n * 8)
            bits = (int)(n * 8);
        if (bits == 8 && a0 == 224)
            bits = 4;
    }
    v->family = PGW_INET_FAMILY_INET;
    v->bits = (uint8_t)bits;
    return true;
}

/* A trailing dotted quad inside an IPv6 address: exactly four octets. */
static bool parse_v4_tail(const char *p, size_t len, size_t *i, uint8_t *dst)
{
    uint8_t a[4];
    if (parse_octets(p, len, i, a) != 4)
        return false;
    memcpy(dst, a, 4);
    return true;
}

static bool parse_ipv6(const char *p, size_t len, pgw_inet *v)
{
    uint8_t a[16] = {0};
    size_t i = 0, n = 0; /* n = bytes written */
    long gap = -1;       /* where "::" was seen, in bytes */
    if (len >= 2 && p[0] == ':' && p[1] == ':') {
        gap = 0;
        i = 2;
    } else if (len >= 1 && p[0] == ':') {
        return false;
    }
    while (i < len && p[i] != '/') {
        size_t start = i;
        unsigned w = 0;
        int d;
        while (i < len && (d = pgwi_hex_digit(p[i])) >= 0 && i - start < 5) {
            w = w << 4 | (unsigned)d;
            i++;
        }
        if (i - start > 4)
            return false;
        if (i < len && p[i] == '.') {
            /* The last 32 bits as a dotted quad. */
            i = start;
            if (n > 12 || !parse_v4_tail(p, len, &i, a + n))
                return false;
            n += 4;
            break;
        }
        if (i == start)
            return false;
        if (n > 14)
            return false;
        a[n++] = (uint8_t)(w >> 8);
        a[n++] = (uint8_t)w;
        if (i == len || p[i] == '/')
            break;
        if (p[i] != ':')
            return false;
        i++;
        if (i < len && p[i] == ':') {
            if (gap >= 0)
                return false;
            gap = (long)n;
            i++;
            if (i == len || p[i] == '/')
                break;
        } else if (i == len || p[i] == '/') {
            return false; /* a trailing single colon */
        }
    }
    if (gap >= 0) {
        if (n == 16)
            return false; /* "::" must stand for at least one group */
        size_t tail = n - (size_t)gap;
        memmove(a + 16 - tail, a + gap, tail);
        memset(a + gap, 0, 16 - tail - (size_t)gap);
    } else if (n != 16) {
        return false;
    }
    int bits;
    if (!parse_bits(p, len, &i, 128, &bits))
        return false;
    v->family = PGW_INET_FAMILY_INET6;
    v->bits = (uint8_t)(bits < 0 ? 128 : bits);
    memcpy(v->addr, a, 16);
    return true;
}

static pgw_status decode_net_text(const char *p, size_t len, pgw_inet *out, bool cidr)
{
    if (!p || !out || len == 0 || len > 64)
        return PGW_E_INVALID;
    pgw_inet v;
    memset(&v, 0, sizeof v);
    /* Like the server: a colon anywhere means IPv6. */
    bool ok = memchr(p, ':', len) ? parse_ipv6(p, len, &v) : parse_ipv4(p, len, cidr, &v);
    if (!ok)
        return PGW_E_INVALID;
    v.is_cidr = cidr;
    if (cidr && !host_bits_clear(v.addr, v.bits, addr_size(v.family)))
        return PGW_E_INVALID;
    *out = v;
    return PGW_OK;
}

pgw_status pgw_decode_inet_text(const char *p, size_t len, pgw_inet *out)
{
    return decode_net_text(p, len, out, false);
}

pgw_status pgw_decode_cidr_text(const char *p, size_t len, pgw_inet *out)
{
    return decode_net_text(p, len, out, true);
}

/* ---- macaddr, macaddr8 -------------------------------------------------- */

static pgw_status put_mac(pgw_buf *out, const uint8_t *b, size_t n)
{
    char tmp[24];
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (i)
            tmp[w++] = ':';
        tmp[w++] = net_hexdig[b[i] >> 4];
        tmp[w++] = net_hexdig[b[i] & 0xf];
    }
    return out ? pgw_buf_append(out, tmp, w) : PGW_E_INVALID;
}

pgw_status pgw_decode_macaddr_bin(const uint8_t *p, size_t len, pgw_macaddr *out)
{
    if (!p || !out || len != 6)
        return PGW_E_INVALID;
    memcpy(out->b, p, 6);
    return PGW_OK;
}

pgw_status pgw_encode_macaddr_bin(pgw_buf *out, pgw_macaddr v)
{
    return out ? pgw_buf_append(out, v.b, 6) : PGW_E_INVALID;
}

pgw_status pgw_encode_macaddr_text(pgw_buf *out, pgw_macaddr v)
{
    return put_mac(out, v.b, 6);
}

pgw_status pgw_decode_macaddr8_bin(const uint8_t *p, size_t len, pgw_macaddr8 *out)
{
    if (!p || !out || len != 8)
        return PGW_E_INVALID;
    memcpy(out->b, p, 8);
    return PGW_OK;
}

pgw_status pgw_encode_macaddr8_bin(pgw_buf *out, pgw_macaddr8 v)
{
    return out ? pgw_buf_append(out, v.b, 8) : PGW_E_INVALID;
}

pgw_status pgw_encode_macaddr8_text(pgw_buf *out, pgw_macaddr8 v)
{
    return put_mac(out, v.b, 8);
}

/* Match text against a pattern where 'h' is a hex digit and any other
 * character must appear as is; the digits are packed into bytes. */
static bool match_hex_pattern(const char *p, size_t len, const char *pat, uint8_t *bytes)
{
    size_t plen = strlen(pat), nd = 0;
    if (len != plen)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (pat[i] == 'h') {
            int d = pgwi_hex_digit(p[i]);
            if (d < 0)
                return false;
            if (nd % 2 == 0)
                bytes[nd / 2] = (uint8_t)(d << 4);
            else
                bytes[nd / 2] |= (uint8_t)d;
            nd++;
        } else if (p[i] != pat[i]) {
            return false;
        }
    }
    return true;
}

pgw_status pgw_decode_macaddr_text(const char *p, size_t len, pgw_macaddr *out)
{
    /* The forms macaddr_in() lists. */
    static const char *const forms[] = {
        "hh:hh:hh:hh:hh:hh", "hh-hh-hh-hh-hh-hh", "hhhhhh:hhhhhh", "hhhhhh-hhhhhh",
        "hhhh.hhhh.hhhh",    "hhhh-hhhh-hhhh",    "hhhhhhhhhhhh",
    };
    if (!p || !out)
        return PGW_E_INVALID;
    for (size_t f = 0; f < sizeof forms / sizeof forms[0]; f++) {
        uint8_t b[6];
        if (match_hex_pattern(p, len, forms[f], b)) {
            memcpy(out->b, b, 6);
            return PGW_OK;
        }
    }
    return PGW_E_INVALID;
}

pgw_status pgw_decode_macaddr8_text(const char *p, size_t len, pgw_macaddr8 *out)
{
    if (!p || !out)
        return PGW_E_INVALID;
    uint8_t b[8];
    size_t n = 0, i = 0;
    char sep = 0;
    while (i < len) {
        if (n == 8 || i + 1 >= len)
            return PGW_E_INVALID;
        int hi = pgwi_hex_digit(p[i]), lo = pgwi_hex_digit(p[i + 1]);
        if (hi < 0 || lo < 0)
            return PGW_E_INVALID;
        b[n++] = (uint8_t)(hi << 4 | lo);
        i += 2;
        if (i < len && (p[i] == ':' || p[i] == '-' || p[i] == '.')) {
            if (sep && p[i] != sep)
                return PGW_E_INVALID;
            sep = p[i++];
            if (i == len)
                return PGW_E_INVALID; /* a trailing separator */
        }
    }
    if (n == 6) {
        /* EUI-48 to EUI-64, as the server widens it. */
        memmove(b + 5, b + 3, 3);
        b[3] = 0xff;
        b[4] = 0xfe;
    } else if (n != 8) {
        return PGW_E_INVALID;
    }
    memcpy(out->b, b, 8);
    return PGW_OK;
}
