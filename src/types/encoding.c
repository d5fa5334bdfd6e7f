/* Client encodings: names and per-character validity.
 *
 * The rules follow the server's verifiers (src/common/wchar.c) so that the
 * client splits text into characters exactly where the server's encoding
 * conversion will. Where the server is looser than the character set (BIG5,
 * GBK and UHC trail bytes are only checked for NUL; EUC_TW's first byte is
 * not checked), the real ranges are used: being stricter can only refuse
 * text the server would have refused anyway, while being looser could let a
 * broken lead byte swallow the quote that follows it (CVE-2025-1094). */
#include <string.h>

#include "pgwire/escape.h"

#define ENC_SS2 0x8eu
#define ENC_SS3 0x8fu

static bool enc_in(unsigned c, unsigned lo, unsigned hi)
{
    return c >= lo && c <= hi;
}

static bool euc_range(unsigned c)
{
    return enc_in(c, 0xa1, 0xfe);
}

static size_t utf8_char(const uint8_t *s, size_t left)
{
    unsigned a = s[0];
    size_t n;
    if (a < 0x80)
        return 1;
    if (a < 0xc2 || a > 0xf4)
        return 0; /* continuation byte as lead, overlong C0/C1, beyond U+10FFFF */
    n = a < 0xe0 ? 2 : a < 0xf0 ? 3 : 4;
    if (left < n)
        return 0;
    /* The second byte's range rules out overlong forms (E0, F0), UTF-16
     * surrogates (ED) and code points past U+10FFFF (F4). */
    unsigned lo = 0x80, hi = 0xbf;
    if (a == 0xe0)
        lo = 0xa0;
    else if (a == 0xed)
        hi = 0x9f;
    else if (a == 0xf0)
        lo = 0x90;
    else if (a == 0xf4)
        hi = 0x8f;
    if (!enc_in(s[1], lo, hi))
        return 0;
    for (size_t i = 2; i < n; i++)
        if (!enc_in(s[i], 0x80, 0xbf))
            return 0;
    return n;
}

static size_t eucjp_char(const uint8_t *s, size_t left)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    if (c == ENC_SS2) /* JIS X 0201 kana */
        return left >= 2 && enc_in(s[1], 0xa1, 0xdf) ? 2 : 0;
    if (c == ENC_SS3) /* JIS X 0212 */
        return left >= 3 && euc_range(s[1]) && euc_range(s[2]) ? 3 : 0;
    return left >= 2 && euc_range(c) && euc_range(s[1]) ? 2 : 0;
}

static size_t euckr_char(const uint8_t *s, size_t left)
{
    if (s[0] < 0x80)
        return 1;
    return left >= 2 && euc_range(s[0]) && euc_range(s[1]) ? 2 : 0;
}

static size_t euctw_char(const uint8_t *s, size_t left)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    if (c == ENC_SS2) /* CNS 11643 planes 1-7 */
        return left >= 4 && enc_in(s[1], 0xa1, 0xa7) && euc_range(s[2]) && euc_range(s[3]) ? 4 : 0;
    if (c == ENC_SS3)
        return 0; /* unused in EUC_TW */
    return left >= 2 && euc_range(c) && euc_range(s[1]) ? 2 : 0;
}

static size_t sjis_char(const uint8_t *s, size_t left)
{
    unsigned c = s[0];
    if (c < 0x80 || enc_in(c, 0xa1, 0xdf)) /* ASCII, half-width kana */
        return 1;
    if (left < 2)
        return 0;
    bool head = enc_in(c, 0x81, 0x9f) || enc_in(c, 0xe0, 0xfc);
    bool tail = enc_in(s[1], 0x40, 0x7e) || enc_in(s[1], 0x80, 0xfc);
    return head && tail ? 2 : 0;
}

static size_t big5_char(const uint8_t *s, size_t left)
{
    if (s[0] < 0x80)
        return 1;
    if (left < 2 || !enc_in(s[0], 0x81, 0xfe))
        return 0;
    return enc_in(s[1], 0x40, 0x7e) || enc_in(s[1], 0xa1, 0xfe) ? 2 : 0;
}

static size_t gbk_char(const uint8_t *s, size_t left)
{
    if (s[0] < 0x80)
        return 1;
    if (left < 2 || !enc_in(s[0], 0x81, 0xfe))
        return 0;
    return enc_in(s[1], 0x40, 0x7e) || enc_in(s[1], 0x80, 0xfe) ? 2 : 0;
}

static size_t uhc_char(const uint8_t *s, size_t left)
{
    if (s[0] < 0x80)
        return 1;
    if (left < 2 || !enc_in(s[0], 0x81, 0xfe))
        return 0;
    unsigned t = s[1];
    return enc_in(t, 0x41, 0x5a) || enc_in(t, 0x61, 0x7a) || enc_in(t, 0x81, 0xfe) ? 2 : 0;
}

static size_t gb18030_char(const uint8_t *s, size_t left)
{
    if (s[0] < 0x80)
        return 1;
    if (left < 2 || !enc_in(s[0], 0x81, 0xfe))
        return 0;
    if (enc_in(s[1], 0x30, 0x39)) /* four-byte form: lead, digit, lead, digit */
        return left >= 4 && enc_in(s[2], 0x81, 0xfe) && enc_in(s[3], 0x30, 0x39) ? 4 : 0;
    return enc_in(s[1], 0x40, 0x7e) || enc_in(s[1], 0x80, 0xfe) ? 2 : 0;
}

static size_t johab_char(const uint8_t *s, size_t left)
{
    /* The server sizes JOHAB characters like EUC (ENC_SS3 = 3 bytes, other
     * high bytes 2) and wants the trail bytes in the EUC range. */
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t n = c == ENC_SS3 ? 3 : 2;
    if (left < n)
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!euc_range(s[i]))
            return 0;
    return n;
}

static size_t mule_char(const uint8_t *s, size_t left)
{
    unsigned c = s[0];
    size_t n = 1;
    if (enc_in(c, 0x81, 0x8d))
        n = 2; /* LC1 */
    else if (c == 0x9a || c == 0x9b)
        n = 3; /* LCPRV1 */
    else if (enc_in(c, 0x90, 0x99))
        n = 3; /* LC2 */
    else if (c == 0x9c || c == 0x9d)
        n = 4; /* LCPRV2 */
    if (left < n)
        return 0;
    for (size_t i = 1; i < n; i++)
        if (s[i] < 0x80)
            return 0;
    return n;
}

size_t pgw_mbchar_len(pgw_encoding enc, const char *p, size_t left)
{
    if (!p || left == 0 || p[0] == '\0')
        return 0;
    const uint8_t *s = (const uint8_t *)p;
    switch (enc) {
    case PGW_ENC_UTF8:
        return utf8_char(s, left);
    case PGW_ENC_EUC_JP:
    case PGW_ENC_EUC_JIS_2004:
        return eucjp_char(s, left);
    case PGW_ENC_EUC_CN:
    case PGW_ENC_EUC_KR:
        return euckr_char(s, left);
    case PGW_ENC_EUC_TW:
        return euctw_char(s, left);
    case PGW_ENC_SJIS:
    case PGW_ENC_SHIFT_JIS_2004:
        return sjis_char(s, left);
    case PGW_ENC_BIG5:
        return big5_char(s, left);
    case PGW_ENC_GBK:
        return gbk_char(s, left);
    case PGW_ENC_UHC:
        return uhc_char(s, left);
    case PGW_ENC_GB18030:
        return gb18030_char(s, left);
    case PGW_ENC_JOHAB:
        return johab_char(s, left);
    case PGW_ENC_MULE_INTERNAL:
        return mule_char(s, left);
    default:
        /* SQL_ASCII and the single-byte encodings: every byte but NUL is a
         * character (SQL_ASCII passes high bytes through uninterpreted). */
        return (unsigned)enc < PGW_ENC_COUNT ? 1 : 0;
    }
}

pgw_status pgw_verify_mbstr(pgw_encoding enc, const char *p, size_t len)
{
    if ((unsigned)enc >= PGW_ENC_COUNT)
        return PGW_E_UNSUPPORTED;
    if (!p && len)
        return PGW_E_INVALID;
    size_t i = 0;
    while (i < len) {
        size_t n = pgw_mbchar_len(enc, p + i, len - i);
        if (n == 0)
            return PGW_E_INVALID;
        i += n;
    }
    return PGW_OK;
}

/* ---- names ------------------------------------------------------------ */

static const char *const enc_canonical[PGW_ENC_COUNT] = {
    "SQL_ASCII", "UTF8",       "LATIN1",     "LATIN2",       "LATIN3",     "LATIN4",
    "LATIN5",    "LATIN6",     "LATIN7",     "LATIN8",       "LATIN9",     "LATIN10",
    "WIN1250",   "WIN1251",    "WIN1252",    "WIN1253",      "WIN1254",    "WIN1255",
    "WIN1256",   "WIN1257",    "WIN1258",    "WIN866",       "WIN874",     "KOI8R",
    "KOI8U",     "ISO_8859_5", "ISO_8859_6", "ISO_8859_7",   "ISO_8859_8", "EUC_JP",
    "EUC_CN",    "EUC_KR",     "EUC_TW",     "EUC_JIS_2004", "SJIS",       "SHIFT_JIS_2004",
    "BIG5",      "GBK",        "UHC",        "GB18030",      "JOHAB",      "MULE_INTERNAL",
};

/* The server's enc_aliases (pg_encname_tbl), in cleaned form. Canonical names
 * are matched through the table above, also cleaned. */
static const struct {
    const char *name;
    pgw_encoding enc;
} enc_aliases[] = {
    {"abc", PGW_ENC_WIN1258},      {"alt", PGW_ENC_WIN866},       {"iso88591", PGW_ENC_LATIN1},
    {"iso88592", PGW_ENC_LATIN2},  {"iso88593", PGW_ENC_LATIN3},  {"iso88594", PGW_ENC_LATIN4},
    {"iso88599", PGW_ENC_LATIN5},  {"iso885910", PGW_ENC_LATIN6}, {"iso885913", PGW_ENC_LATIN7},
    {"iso885914", PGW_ENC_LATIN8}, {"iso885915", PGW_ENC_LATIN9}, {"iso885916", PGW_ENC_LATIN10},
    {"koi8", PGW_ENC_KOI8R},       {"mskanji", PGW_ENC_SJIS},     {"shiftjis", PGW_ENC_SJIS},
    {"tcvn", PGW_ENC_WIN1258},     {"tcvn5712", PGW_ENC_WIN1258}, {"unicode", PGW_ENC_UTF8},
    {"vscii", PGW_ENC_WIN1258},    {"win", PGW_ENC_WIN1251},      {"win932", PGW_ENC_SJIS},
    {"win936", PGW_ENC_GBK},       {"win949", PGW_ENC_UHC},       {"win950", PGW_ENC_BIG5},
};

/* The server compares names with everything but letters and digits
 * removed, case-folded (clean_encoding_name). */
static size_t enc_clean(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (; *in; in++) {
        char c = *in;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            continue;
        if (n + 1 >= cap)
            return 0; /* longer than any known name */
        out[n++] = c;
    }
    out[n] = '\0';
    return n;
}

pgw_status pgw_encoding_from_name(const char *name, pgw_encoding *out)
{
    if (!name || !out)
        return PGW_E_INVALID;
    char want[32], have[32];
    if (enc_clean(name, want, sizeof want) == 0)
        return PGW_E_UNSUPPORTED;
    for (size_t i = 0; i < PGW_ENC_COUNT; i++) {
        enc_clean(enc_canonical[i], have, sizeof have);
        if (strcmp(want, have) == 0) {
            *out = (pgw_encoding)i;
            return PGW_OK;
        }
    }
    for (size_t i = 0; i < sizeof enc_aliases / sizeof enc_aliases[0]; i++) {
        if (strcmp(want, enc_aliases[i].name) == 0) {
            *out = enc_aliases[i].enc;
            return PGW_OK;
        }
    }
    return PGW_E_UNSUPPORTED;
}

const char *pgw_encoding_name(pgw_encoding enc)
{
    return (unsigned)enc < PGW_ENC_COUNT ? enc_canonical[enc] : NULL;
}
