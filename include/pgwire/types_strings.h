/* pgwire — codecs of the string-like built-in types: "char", bytea, uuid,
 * jsonb, jsonpath, inet, cidr, macaddr, macaddr8, bit and varbit.
 *
 * text, varchar, bpchar, name, unknown, xml and json need no codec: their
 * binary form is the text itself, in the client encoding (what the
 * server's text output prints), so the value's bytes are used as they are.
 *
 * Conventions (as for every codec in pgwire/types.h): decoders take the
 * value's bytes (ptr+len, not NUL-terminated), never allocate, and leave
 * *out untouched on failure; variable-length results are appended to a
 * caller-owned pgw_buf; encoders only append, and leave out->len unchanged
 * on failure (unless the buffer itself has failed: its error is sticky).
 * Binary encoders append the value bytes only, without the length word.
 * Text encoders append exactly what the server prints for the value. */
#ifndef PGWIRE_PGWIRE_TYPES_STRINGS_H
#define PGWIRE_PGWIRE_TYPES_STRINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgwire/buf.h"
#include "pgwire/export.h"
#include "pgwire/status.h"

/** uuid: the 16 bytes in network order. */
typedef struct pgw_uuid {
    uint8_t b[16];
} pgw_uuid;

/** Address families of the inet/cidr binary form (not the OS's AF_*). */
#define PGW_INET_FAMILY_INET 2u
#define PGW_INET_FAMILY_INET6 3u

/** inet and cidr. */
typedef struct pgw_inet {
    uint8_t family;   /**< PGW_INET_FAMILY_INET or PGW_INET_FAMILY_INET6 */
    uint8_t bits;     /**< netmask length: 0..32 or 0..128 */
    bool is_cidr;     /**< a cidr value: no bits set past the netmask */
    uint8_t addr[16]; /**< 4 or 16 bytes used, network order; the rest zero */
} pgw_inet;

/** macaddr (EUI-48). */
typedef struct pgw_macaddr {
    uint8_t b[6];
} pgw_macaddr;

/** macaddr8 (EUI-64). */
typedef struct pgw_macaddr8 {
    uint8_t b[8];
} pgw_macaddr8;

/** bit / varbit: nbits bits, most significant bit of data[0] first;
 * (nbits + 7) / 8 bytes. A decoded value borrows the input bytes. */
typedef struct pgw_bits {
    const uint8_t *data;
    size_t nbits;
} pgw_bits;

/** Longest bit string the server stores (VARBITMAXLEN). */
#define PGW_BITS_MAX_LEN ((size_t)0x7fffffff - 7u)

PGW_BEGIN_DECLS

/* ---- "char" (OID 18) ---------------------------------------------------- */

/** Decode the binary form of "char": exactly one byte.
 * @return PGW_OK; PGW_E_INVALID for any other length.
 * Ownership: nothing is retained. */
PGW_API pgw_status pgw_decode_char_bin(const uint8_t *p, size_t len, uint8_t *out);

/** Decode "char" text as the server reads it: "" is byte 0, "\ooo" (three
 * octal digits) is that byte (mod 256), anything else is its first byte.
 * @return PGW_OK; PGW_E_INVALID when the text holds a NUL byte.
 * Ownership: nothing is retained. */
PGW_API pgw_status pgw_decode_char_text(const char *p, size_t len, uint8_t *out);

/** Append the one-byte binary form. @return PGW_OK; buffer errors. */
PGW_API pgw_status pgw_encode_char_bin(pgw_buf *out, uint8_t v);

/** Append the server's text: nothing for 0, "\ooo" for a byte >= 0x80,
 * else the byte. @return PGW_OK; buffer errors. */
PGW_API pgw_status pgw_encode_char_text(pgw_buf *out, uint8_t v);

/* ---- bytea (binary form = the raw bytes) ------------------------------- */

/** Decode bytea text in either form the server reads: hex ("\x" then hex
 * digit pairs, whitespace allowed between pairs) or escape (octets as
 * themselves, "\\" for a backslash, "\ooo" with a first digit 0-3).
 * @param out  receives the raw bytes (appended)
 * @return PGW_OK; PGW_E_INVALID for malformed text (odd hex digit count,
 *         a bad digit, a lone backslash) with nothing appended;
 *         PGW_E_NOMEM / PGW_E_TOO_LARGE from the buffer.
 * Ownership: nothing is retained. */
PGW_API pgw_status pgw_decode_bytea_text(const char *p, size_t len, pgw_buf *out);

/** Append bytes as the server prints bytea: "\x" and lowercase hex
 * (bytea_output = hex), or with escape_form the escape format ("\\" for a
 * backslash, "\ooo" for bytes outside 0x20..0x7e).
 * @return PGW_OK; PGW_E_INVALID (NULL p with len > 0); buffer errors.
 * Ownership: nothing is retained. */
PGW_API pgw_status pgw_encode_bytea_text(pgw_buf *out, const void *p, size_t len, bool escape_form);

/* ---- uuid --------------------------------------------------------------- */

/** Decode the 16-byte binary form. @return PGW_OK; PGW_E_INVALID. */
PGW_API pgw_status pgw_decode_uuid_bin(const uint8_t *p, size_t len, pgw_uuid *out);

/** Decode uuid text as the server reads it: 32 hex digits of either case,
 * optionally in braces, with an optional hyphen after any group of four
 * digits ("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
 * "{A0EEBC999C0B4EF8BB6D6BB9BD380A11}", "a0ee-bc99-9c0b-...").
 * @return PGW_OK; PGW_E_INVALID. */
PGW_API pgw_status pgw_decode_uuid_text(const char *p, size_t len, pgw_uuid *out);

/** Append the 16 bytes. @return PGW_OK; buffer errors. */
PGW_API pgw_status pgw_encode_uuid_bin(pgw_buf *out, pgw_uuid v);

/** Append lowercase 8-4-4-4-12 text. @return PGW_OK; buffer errors. */
PGW_API pgw_status pgw_encode_uuid_text(pgw_buf *out, pgw_uuid v);

/* ---- jsonb, jsonpath (binary = version byte 1, then the text) ---------- */

/** Decode the binary form of jsonb: a version byte (1) and the document's
 * text, returned as a view into p. The JSON itself is not parsed.
 * @param text      receives a pointer into p (not NUL-terminated)
 * @param text_len  receives its length
 * @return PGW_OK; PGW_E_INVALID (empty input); PGW_E_UNSUPPORTED (a
 *         version other than 1).
 * Ownership: *text borrows p. */
PGW_API pgw_status pgw_decode_jsonb_bin(const uint8_t *p, size_t len, const char **text,
                                        size_t *text_len);

/** Append version 1 and the text. @return PGW_OK; PGW_E_INVALID (NULL
 * text with len > 0); buffer errors. */
PGW_API pgw_status pgw_encode_jsonb_bin(pgw_buf *out, const char *text, size_t len);

/** As pgw_decode_jsonb_bin() for jsonpath (also version 1). */
PGW_API pgw_status pgw_decode_jsonpath_bin(const uint8_t *p, size_t len, const char **text,
                                           size_t *text_len);

/** As pgw_encode_jsonb_bin() for jsonpath. */
PGW_API pgw_status pgw_encode_jsonpath_bin(pgw_buf *out, const char *text, size_t len);

/* ---- inet, cidr --------------------------------------------------------- */

/** Decode the binary form of inet or cidr: family (2 or 3), bits, is_cidr
 * (0 or 1), address length (4 or 16, matching the family), address.
 * @return PGW_OK; PGW_E_INVALID for a bad family, length, netmask, flag,
 *         or a cidr with bits set past its netmask.
 * Ownership: nothing is retained. */
PGW_API pgw_status pgw_decode_inet_bin(const uint8_t *p, size_t len, pgw_inet *out);

/** Decode inet text: an IPv4 dotted quad or any IPv6 form (with "::" and
 * a trailing dotted quad), optionally followed by "/bits". is_cidr is set
 * false. (The server also reads abbreviated IPv4 forms for cidr only.)
 * @return PGW_OK; PGW_E_INVALID. */
PGW_API pgw_status pgw_decode_inet_text(const char *p, size_t len, pgw_inet *out);

/** Decode cidr text: as inet, plus the server's abbreviated IPv4 forms
 * ("10", "10.1/16", "192.168.1" with the classful default netmask); bits
 * set past the netmask are refused as the server refuses them. The
 * server's rarely used hexadecimal IPv4 form ("0x0a/8") is not read.
 * @return PGW_OK; PGW_E_INVALID. */
PGW_API pgw_status pgw_decode_cidr_text(const char *p, size_t len, pgw_inet *out);

/** Append the binary form (is_cidr written from v.is_cidr).
 * @return PGW_OK; PGW_E_INVALID for a bad family or bits; buffer errors. */
PGW_API pgw_status pgw_encode_inet_bin(pgw_buf *out, pgw_inet v);

/** Append the server's text: inet omits "/32" and "/128", cidr always
 * shows "/n"; IPv6 in the server's compressed form ("::1",
 * "::ffff:1.2.3.4", "2001:db8::/32").
 * @return PGW_OK; PGW_E_INVALID for a bad family or bits; buffer errors. */
PGW_API pgw_status pgw_encode_inet_text(pgw_buf *out, pgw_inet v);

/* ---- macaddr, macaddr8 ------------------------------------------------- */

/** Decode the 6-byte binary form. @return PGW_OK; PGW_E_INVALID. */
PGW_API pgw_status pgw_decode_macaddr_bin(const uint8_t *p, size_t len, pgw_macaddr *out);

/** Decode macaddr text in the server's input forms: "08:00:2b:01:02:03",
 * "08-00-2b-01-02-03", "08002b:010203", "08002b-010203", "0800.2b01.0203",
 * "0800-2b01-0203", "08002b010203" (either case).
 * @return PGW_OK; PGW_E_INVALID. */
PGW_API pgw_status pgw_decode_macaddr_text(const char *p, size_t len, pgw_macaddr *out);

/** Append the 6 bytes. @return PGW_OK; buffer errors. */
PGW_API pgw_status pgw_encode_macaddr_bin(pgw_buf *out, pgw_macaddr v);

/** Append "08:00:2b:01:02:03". @return PGW_OK; buffer errors. */
PGW_API pgw_status pgw_encode_macaddr_text(pgw_buf *out, pgw_macaddr v);

/** Decode the 8-byte binary form. @return PGW_OK; PGW_E_INVALID. */
PGW_API pgw_status pgw_decode_macaddr8_bin(const uint8_t *p, size_t len, pgw_macaddr8 *out);

/** Decode macaddr8 text: 6 or 8 hex-digit pairs, each pair optionally
 * followed by one separator (':', '-' or '.'; the same one throughout);
 * a 6-byte address is widened with FF:FE in the middle, as the server
 * does. @return PGW_OK; PGW_E_INVALID. */
PGW_API pgw_status pgw_decode_macaddr8_text(const char *p, size_t len, pgw_macaddr8 *out);

/** Append the 8 bytes. @return PGW_OK; buffer errors. */
PGW_API pgw_status pgw_encode_macaddr8_bin(pgw_buf *out, pgw_macaddr8 v);

/** Append "08:00:2b:01:02:03:04:05". @return PGW_OK; buffer errors. */
PGW_API pgw_status pgw_encode_macaddr8_text(pgw_buf *out, pgw_macaddr8 v);

/* ---- bit, varbit -------------------------------------------------------- */

/** Decode the binary form: int32 bit count, then (count + 7) / 8 bytes.
 * Padding bits in the last byte are not checked (the server clears them).
 * @return PGW_OK; PGW_E_INVALID for a negative count or a length that
 *         does not match it.
 * Ownership: out->data borrows p. */
PGW_API pgw_status pgw_decode_bit_bin(const uint8_t *p, size_t len, pgw_bits *out);

/** Decode bit text as the server reads it: '0'/'1' digits, or "B" then
 * digits, or "X" then hex digits (4 bits each).
 * @param out    receives the packed bits (appended; padding zero)
 * @param nbits  receives the bit count
 * @return PGW_OK; PGW_E_INVALID (nothing appended); PGW_E_TOO_LARGE past
 *         PGW_BITS_MAX_LEN; buffer errors.
 * Ownership: nothing is retained. */
PGW_API pgw_status pgw_decode_bit_text(const char *p, size_t len, pgw_buf *out, size_t *nbits);

/** Append the binary form (count, bytes with the padding bits cleared).
 * @return PGW_OK; PGW_E_INVALID (NULL data with nbits > 0);
 *         PGW_E_TOO_LARGE past PGW_BITS_MAX_LEN; buffer errors. */
PGW_API pgw_status pgw_encode_bit_bin(pgw_buf *out, pgw_bits v);

/** Append the bits as '0'/'1' characters.
 * @return as pgw_encode_bit_bin(). */
PGW_API pgw_status pgw_encode_bit_text(pgw_buf *out, pgw_bits v);

PGW_END_DECLS

#endif
