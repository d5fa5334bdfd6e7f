/* MD5 as specified in RFC 1321, kept only because PostgreSQL's md5
 * password method needs it; nothing else in pgwire may rely on it.
 *
 * Same shape as sha256.c: one 64-step loop over a 64-byte block, with the
 * four rounds told apart by step number, little-endian byte access. */
#include <string.h>

#include "crypto/builtin_int.h"

/* md5_t[i] = floor(2^32 * |sin(i + 1)|), RFC 1321 section 3.4. */
static const uint32_t md5_t[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

/* Left-rotation amounts, four per round. */
static const uint8_t md5_s[16] = {7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21};

static uint32_t rotl32(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32 - n));
}

static uint32_t load_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void store_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void md5_compress(uint32_t h[4], const uint8_t block[PGWI_MD5_BLOCK])
{
    uint32_t x[16];
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3];

    for (unsigned i = 0; i < 16; i++)
        x[i] = load_le32(block + 4 * i);
    for (unsigned i = 0; i < 64; i++) {
        uint32_t f;
        unsigned g, round = i / 16;
        /* The auxiliary function and the word order of each round
         * (RFC 1321, 3.4): F, G, H, I over k = i, 5i+1, 3i+5, 7i mod 16. */
        if (round == 0) {
            f = (b & c) | (~b & d);
            g = i;
        } else if (round == 1) {
            f = (b & d) | (c & ~d);
            g = 5 * i + 1;
        } else if (round == 2) {
            f = b ^ c ^ d;
            g = 3 * i + 5;
        } else {
            f = c ^ (b | ~d);
            g = 7 * i;
        }
        uint32_t t = a + f + md5_t[i] + x[g & 15];
        a = d;
        d = c;
        c = b;
        b = b + rotl32(t, md5_s[round * 4 + (i & 3)]);
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    pgwi_builtin_wipe(x, sizeof x);
}

void pgwi_md5_begin(pgwi_md5_ctx *c)
{
    /* RFC 1321, 3.3, as little-endian words. */
    c->h[0] = 0x67452301;
    c->h[1] = 0xefcdab89;
    c->h[2] = 0x98badcfe;
    c->h[3] = 0x10325476;
    c->total = 0;
    c->used = 0;
}

void pgwi_md5_update(pgwi_md5_ctx *c, const void *data, size_t len)
{
    const uint8_t *p = data;
    if (len == 0)
        return;
    c->total += (uint64_t)len;
    if (c->used > 0) {
        size_t take = PGWI_MD5_BLOCK - c->used;
        if (take > len)
            take = len;
        memcpy(c->buf + c->used, p, take);
        c->used += take;
        p += take;
        len -= take;
        if (c->used < PGWI_MD5_BLOCK)
            return;
        md5_compress(c->h, c->buf);
        c->used = 0;
    }
    for (; len >= PGWI_MD5_BLOCK; p += PGWI_MD5_BLOCK, len -= PGWI_MD5_BLOCK)
        md5_compress(c->h, p);
    if (len > 0) {
        memcpy(c->buf, p, len);
        c->used = len;
    }
}

void pgwi_md5_end(pgwi_md5_ctx *c, uint8_t out[16])
{
    /* As SHA-256's padding, but the bit length is little-endian (3.1-3.2). */
    uint64_t bits = c->total << 3;
    c->buf[c->used++] = 0x80;
    if (c->used > PGWI_MD5_BLOCK - 8) {
        memset(c->buf + c->used, 0, PGWI_MD5_BLOCK - c->used);
        md5_compress(c->h, c->buf);
        c->used = 0;
    }
    memset(c->buf + c->used, 0, PGWI_MD5_BLOCK - 8 - c->used);
    store_le32(c->buf + 56, (uint32_t)bits);
    store_le32(c->buf + 60, (uint32_t)(bits >> 32));
    md5_compress(c->h, c->buf);
    for (unsigned i = 0; i < 4; i++)
        store_le32(out + 4 * i, c->h[i]);
    pgwi_builtin_wipe(c, sizeof *c);
}
