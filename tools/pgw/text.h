/* pgw — text helpers: a growable string, and the character length and
 * display width rules psql 15 uses (libpq's PQmblen / PQdsplen), for the
 * client encodings pgw can meet: UTF8 and single-byte ones (SQL_ASCII,
 * LATIN1, ...). */
#ifndef PGWIRE_TOOLS_PGW_TEXT_H
#define PGWIRE_TOOLS_PGW_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/** A growable, always NUL-terminated string with a sticky failure flag:
 * appends after an allocation failure do nothing, and `failed` says so. */
typedef struct pgwc_str {
    char *data;
    size_t len;
    size_t cap;
    bool failed;
} pgwc_str;

/** Client encodings as far as character boundaries and widths go. */
typedef enum pgwc_encoding {
    PGWC_ENC_SINGLE_BYTE = 0, /**< SQL_ASCII, LATIN1, WIN1252, ...: a byte is a character */
    PGWC_ENC_UTF8 = 1
} pgwc_encoding;

/** An inclusive range of code points (the width tables). */
struct pgwc_interval {
    unsigned int first;
    unsigned int last;
};

void pgwc_str_init(pgwc_str *s);
/** Release the memory; the string is empty (and usable) afterwards. */
void pgwc_str_free(pgwc_str *s);
/** Make the string empty, keeping its memory (and clearing `failed`). */
void pgwc_str_reset(pgwc_str *s);
void pgwc_str_append(pgwc_str *s, const char *p, size_t n);
void pgwc_str_puts(pgwc_str *s, const char *p);
void pgwc_str_putc(pgwc_str *s, char c);
/** Append `n` copies of `c`. */
void pgwc_str_repeat(pgwc_str *s, char c, size_t n);
/** Append an unsigned decimal number. */
void pgwc_str_putu(pgwc_str *s, unsigned long long v);

/** The encoding for a client_encoding name as the server reports it
 * ("UTF8", "SQL_ASCII", "LATIN1", ...); NULL means UTF8. */
pgwc_encoding pgwc_encoding_from_name(const char *name);

/** Bytes in the character at s (libpq's PQmblen: from the first byte only;
 * a malformed lead byte counts as 1). */
size_t pgwc_mblen(pgwc_encoding enc, const char *s);

/** PQmblenBounded: pgwc_mblen() but never past a NUL byte. */
size_t pgwc_mblen_bounded(pgwc_encoding enc, const char *s);

/** Display width of the character at s (PQdsplen): 0 for NUL and
 * combining characters, -1 for control characters, 2 for East Asian wide
 * ones, else 1. Reads at most the pgwc_mblen() bytes of the character,
 * stopping at a NUL. */
int pgwc_dsplen(pgwc_encoding enc, const char *s);

#endif
