/* pgwire — codecs for container types: arrays, composites and anonymous
 * records, ranges, multiranges, hstore (no framing, no I/O).
 *
 * Decoding is iteration over views: a *_begin() call checks the whole value
 * once (so hostile lengths, counts and trailing bytes are refused before the
 * first element is handed out) and a *_next() call returns the next element
 * as a view into the caller's bytes, PGW_END when there are no more. Nothing
 * is allocated; the views are valid as long as the caller's bytes are.
 *
 * Text-format elements are handed out as raw spans with a "needs
 * unescaping" flag: most elements the server prints need no work, and the
 * others are unescaped into a caller-owned pgw_buf by the family's
 * *_text_unescape() helper.
 *
 * Encoding goes through small builders that append to a caller-owned
 * pgw_buf: begin, add elements (or append an element's bytes with any
 * pgw_encode_*_bin() between *_open() and *_close()), finish. Until finish
 * the buffer holds a partial value. A builder's first failure is sticky;
 * on any failure the builder puts out->len back where it was at begin, so
 * a failed value leaves no bytes behind. A builder abandoned before finish
 * leaves its partial bytes: restore out->len = builder.mark to drop them.
 *
 * The binary forms are those of array_send, record_send, range_send,
 * multirange_send and hstore_send; the text forms those of array_out,
 * record_out, range_out, multirange_out and hstore_out. */
#ifndef PGWIRE_PGWIRE_CONTAINERS_H
#define PGWIRE_PGWIRE_CONTAINERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgwire/buf.h"
#include "pgwire/export.h"
#include "pgwire/status.h"

/** Most dimensions an array may have (the server's MAXDIM). */
#define PGW_ARRAY_MAX_DIMS 6
/** Most elements an array may have (the server's MaxArraySize). */
#define PGW_ARRAY_MAX_ITEMS 134217727u
/** Most fields a composite may have (the server's MaxTupleAttributeNumber). */
#define PGW_RECORD_MAX_FIELDS 1664u

/** A view of one binary element, field or bound inside a container value. */
typedef struct pgw_elem {
    const uint8_t *p; /**< the element's bytes, borrowed from the container;
                           NULL when is_null */
    size_t len;       /**< their length; 0 when is_null */
    uint32_t oid;     /**< records: the field's type; arrays: the element
                           type; 0 elsewhere */
    bool is_null;
} pgw_elem;

/** A view of one text-format element, field or bound: the raw span with
 * surrounding quotes (when the whole element was quoted) and unquoted
 * white space (arrays, hstore) removed. When needs_unescape is false the
 * span is the value itself; otherwise pass it to the family's
 * *_text_unescape(). */
typedef struct pgw_text_elem {
    const char *p; /**< borrowed from the caller's text; NULL when is_null */
    size_t len;
    bool is_null;
    bool needs_unescape;
} pgw_text_elem;

/* ======================================================================
 * Arrays
 * ==================================================================== */

/** An array's shape. For text input elem_oid and has_null are 0/false
 * (text does not carry the element type; NULL elements are reported by the
 * iterator). An empty array has ndim 0 and nitems 0. */
typedef struct pgw_array_hdr {
    unsigned ndim;                       /**< 0..PGW_ARRAY_MAX_DIMS */
    bool has_null;                       /**< binary: the has-nulls flag */
    uint32_t elem_oid;                   /**< binary: the element type */
    int32_t dims[PGW_ARRAY_MAX_DIMS];    /**< lengths, outermost first */
    int32_t lbounds[PGW_ARRAY_MAX_DIMS]; /**< lower bounds (1 unless stated) */
    size_t nitems;                       /**< product of the dims */
} pgw_array_hdr;

/** Iterator over a binary array's elements, in row-major order. */
typedef struct pgw_array_bin_iter {
    const uint8_t *p;
    const uint8_t *end;
    size_t left; /**< elements not yet returned */
    uint32_t elem_oid;
} pgw_array_bin_iter;

/** Iterator over a text array's elements, in row-major order. */
typedef struct pgw_array_text_iter {
    const char *p;
    const char *end;
    size_t left;
    char delim;
} pgw_array_text_iter;

/** Builder of a binary or text array (see the top of this file). */
typedef struct pgw_array_builder {
    pgw_buf *out;
    size_t mark;      /**< out->len at begin */
    size_t flags_off; /**< binary: offset of the has-nulls word */
    size_t elem_off;  /**< binary: offset of the open element's length */
    size_t nitems;
    size_t count;
    unsigned ndim;
    int32_t dims[PGW_ARRAY_MAX_DIMS];
    int32_t idx[PGW_ARRAY_MAX_DIMS];
    char delim;
    bool text;
    bool open;
    pgw_status error;
} pgw_array_builder;

PGW_BEGIN_DECLS

/** Check a binary array (array_send's form: ndim, has-nulls flag, element
 * OID, ndim × (length, lower bound), then each element as an int32 length
 * (-1 for NULL) and its bytes) and start iterating over it.
 * @param p, len  the value's bytes
 * @param hdr     receives the shape; untouched on failure
 * @param it      receives the iterator; untouched on failure
 * @return PGW_OK; PGW_E_INVALID when ndim is negative or above 6, the flag
 *         is not 0 or 1, a length is negative, the dimensions overflow
 *         (product above PGW_ARRAY_MAX_ITEMS, upper bound past INT32_MAX),
 *         an element length is below -1 or runs past the end, or bytes
 *         follow the last element.
 * Ownership: the iterator borrows p. */
PGW_API pgw_status pgw_array_bin_begin(const uint8_t *p, size_t len, pgw_array_hdr *hdr,
                                       pgw_array_bin_iter *it);

/** Next element of a binary array.
 * @param out  receives a view (oid = the element type)
 * @return PGW_OK; PGW_END after the last element (out untouched).
 * Ownership: out borrows the bytes given to pgw_array_bin_begin(). */
PGW_API pgw_status pgw_array_bin_next(pgw_array_bin_iter *it, pgw_elem *out);

/** Check a text array as array_in accepts it ("{1,2,NULL}",
 * "{{1,2},{3,4}}", "[0:1]={a,b}", "{}"; quoted elements with backslash
 * escapes, white space around elements) and start iterating over it.
 * @param delim  the element type's delimiter (',' for all built-in types
 *               but box, ';')
 * @param hdr    receives the shape (from the decoration "[lb:ub]..." when
 *               present, else lower bounds 1); untouched on failure
 * @return PGW_OK; PGW_E_INVALID for text array_in would refuse: unbalanced
 *         or ragged braces, more than 6 dimensions, an empty element, a
 *         quote inside an unquoted element, a decoration that does not match
 *         the contents, characters after the closing brace, or a delimiter
 *         that is a quote, a backslash, a brace or white space.
 * Ownership: the iterator borrows p. */
PGW_API pgw_status pgw_array_text_begin(const char *p, size_t len, char delim, pgw_array_hdr *hdr,
                                        pgw_array_text_iter *it);

/** Next element of a text array. An unquoted NULL (any case) is reported
 * with is_null; a quoted "NULL" is the string.
 * @return PGW_OK; PGW_END after the last element (out untouched).
 * Ownership: out borrows the text given to pgw_array_text_begin(). */
PGW_API pgw_status pgw_array_text_next(pgw_array_text_iter *it, pgw_text_elem *out);

/** Append an array element's value: the span with its backslash escapes
 * resolved (a backslash takes the next character literally).
 * @return PGW_OK; PGW_E_INVALID for a span ending in a lone backslash
 *         (nothing appended); PGW_E_NOMEM / PGW_E_TOO_LARGE from the buffer.
 * Ownership: nothing is retained. */
PGW_API pgw_status pgw_array_text_unescape(pgw_buf *out, const char *p, size_t len);

/** Append one element as array_out prints it: quoted when empty, equal to
 * NULL in any case, or containing a quote, backslash, brace, the delimiter
 * or white space; quotes and backslashes escaped with a backslash.
 * @return PGW_OK; PGW_E_NOMEM / PGW_E_TOO_LARGE (out->len unchanged).
 * Ownership: nothing is retained. */
PGW_API pgw_status pgw_array_text_quote(pgw_buf *out, const char *p, size_t len, char delim);

/** Begin a binary array of `elem_oid`.
 * @param ndim     0..6; 0 (or any zero dimension) makes an empty array,
 *                 written as the server writes one (ndim 0)
 * @param dims     ndim lengths (may be NULL when ndim is 0)
 * @param lbounds  ndim lower bounds, or NULL for all 1
 * @return PGW_OK; PGW_E_INVALID for ndim above 6, a negative length, an
 *         upper bound past INT32_MAX or more than PGW_ARRAY_MAX_ITEMS
 *         elements; PGW_E_NOMEM / PGW_E_TOO_LARGE from the buffer. On
 *         failure nothing is appended and the builder is failed.
 * Ownership: the builder keeps `out` until finish. */
PGW_API pgw_status pgw_array_bin_build_begin(pgw_array_builder *b, pgw_buf *out, uint32_t elem_oid,
                                             unsigned ndim, const int32_t *dims,
                                             const int32_t *lbounds);

/** Add the next element's binary bytes (p may be NULL when len is 0).
 * @return PGW_OK; PGW_E_INVALID past the declared element count or while
 *         an element is open; PGW_E_TOO_LARGE for len above INT32_MAX;
 *         buffer failures; any failure is sticky and truncates the value. */
PGW_API pgw_status pgw_array_bin_build_add(pgw_array_builder *b, const void *p, size_t len);

/** Add a NULL element (and set the has-nulls flag). @return as add. */
PGW_API pgw_status pgw_array_bin_build_null(pgw_array_builder *b);

/** Open an element whose bytes the caller then appends to the builder's
 * buffer (e.g. with a pgw_encode_*_bin()); pgw_array_bin_build_close()
 * writes its length. @return as add. */
PGW_API pgw_status pgw_array_bin_build_open(pgw_array_builder *b);

/** Close the element opened by pgw_array_bin_build_open().
 * @return PGW_OK; PGW_E_INVALID when none is open; PGW_E_TOO_LARGE when it
 *         grew past INT32_MAX bytes; buffer failures. */
PGW_API pgw_status pgw_array_bin_build_close(pgw_array_builder *b);

/** Finish a binary array.
 * @return PGW_OK (the value is complete); PGW_E_INVALID when fewer elements
 *         than the dimensions call for were added or one is still open;
 *         the builder's sticky failure. On failure out->len is put back to
 *         b->mark. */
PGW_API pgw_status pgw_array_bin_build_finish(pgw_array_builder *b);

/** Begin a text array (array_out's form: "{...}", nested braces per
 * dimension, a "[lb:ub]...=" decoration when a lower bound is not 1, "{}"
 * when empty).
 * @param delim  the element delimiter (',' for almost every type)
 * @return as pgw_array_bin_build_begin(); PGW_E_INVALID also for a
 *         delimiter that is a quote, backslash, brace or white space. */
PGW_API pgw_status pgw_array_text_build_begin(pgw_array_builder *b, pgw_buf *out, char delim,
                                              unsigned ndim, const int32_t *dims,
                                              const int32_t *lbounds);

/** Add the next element's text, quoted as pgw_array_text_quote() does.
 * @return as pgw_array_bin_build_add(). */
PGW_API pgw_status pgw_array_text_build_add(pgw_array_builder *b, const char *p, size_t len);

/** Add a NULL element (printed NULL). @return as pgw_array_bin_build_add(). */
PGW_API pgw_status pgw_array_text_build_null(pgw_array_builder *b);

/** Finish a text array. @return as pgw_array_bin_build_finish(). */
PGW_API pgw_status pgw_array_text_build_finish(pgw_array_builder *b);

PGW_END_DECLS

/* ======================================================================
 * Composite types and anonymous records
 * ==================================================================== */

/** Iterator over a binary record's fields. */
typedef struct pgw_record_bin_iter {
    const uint8_t *p;
    const uint8_t *end;
    size_t left;
} pgw_record_bin_iter;

/** Iterator over a text record's fields. */
typedef struct pgw_record_text_iter {
    const char *p;
    const char *end;
    size_t left;
} pgw_record_text_iter;

/** Builder of a binary or text record. */
typedef struct pgw_record_builder {
    pgw_buf *out;
    size_t mark;
    size_t elem_off;
    size_t nfields;
    size_t count;
    bool text;
    bool open;
    pgw_status error;
} pgw_record_builder;

PGW_BEGIN_DECLS

/** Check a binary record (record_send's form: int32 field count, then per
 * field its type OID, an int32 length (-1 for NULL) and the bytes) and
 * start iterating over it.
 * @param nfields  receives the field count; untouched on failure
 * @return PGW_OK; PGW_E_INVALID for a negative count or one above
 *         PGW_RECORD_MAX_FIELDS, a length below -1 or past the end, or
 *         trailing bytes.
 * Ownership: the iterator borrows p. */
PGW_API pgw_status pgw_record_bin_begin(const uint8_t *p, size_t len, size_t *nfields,
                                        pgw_record_bin_iter *it);

/** Next field (out->oid is the field's type).
 * @return PGW_OK; PGW_END after the last field.
 * Ownership: out borrows the caller's bytes. */
PGW_API pgw_status pgw_record_bin_next(pgw_record_bin_iter *it, pgw_elem *out);

/** Check a text record as record_in accepts it ("(1,\"a b\",)": fields
 * separated by commas, an empty unquoted field is NULL, quotes may cover
 * any part of a field, "" inside quotes is a quote, a backslash takes the
 * next character) and start iterating over it. White space is part of the
 * fields, except before "(" and after ")". "()" is one NULL field (the text
 * of a zero-field record is the same).
 * @param nfields  receives the field count; untouched on failure
 * @return PGW_OK; PGW_E_INVALID for a missing parenthesis, an unterminated
 *         quote, a trailing lone backslash, more than PGW_RECORD_MAX_FIELDS
 *         fields or characters after ")".
 * Ownership: the iterator borrows p. */
PGW_API pgw_status pgw_record_text_begin(const char *p, size_t len, size_t *nfields,
                                         pgw_record_text_iter *it);

/** Next field of a text record. @return PGW_OK; PGW_END.
 * Ownership: out borrows the caller's text. */
PGW_API pgw_status pgw_record_text_next(pgw_record_text_iter *it, pgw_text_elem *out);

/** Append a record field's (or range bound's) value: quotes removed, ""
 * inside quotes and backslash escapes resolved.
 * @return PGW_OK; PGW_E_INVALID for an unterminated quote or a trailing lone
 *         backslash (nothing appended); buffer failures. */
PGW_API pgw_status pgw_record_text_unescape(pgw_buf *out, const char *p, size_t len);

/** Append one field as record_out prints it: quoted when empty or
 * containing a quote, backslash, parenthesis, comma or white space; quotes
 * and backslashes doubled. @return PGW_OK; buffer failures (len unchanged). */
PGW_API pgw_status pgw_record_text_quote(pgw_buf *out, const char *p, size_t len);

/** Begin a binary record of `nfields` fields (at most
 * PGW_RECORD_MAX_FIELDS). @return PGW_OK; PGW_E_INVALID; buffer failures. */
PGW_API pgw_status pgw_record_bin_build_begin(pgw_record_builder *b, pgw_buf *out, size_t nfields);
/** Add a field of type `oid`. @return as pgw_array_bin_build_add(). */
PGW_API pgw_status pgw_record_bin_build_add(pgw_record_builder *b, uint32_t oid, const void *p,
                                            size_t len);
/** Add a NULL field of type `oid`. @return as pgw_array_bin_build_add(). */
PGW_API pgw_status pgw_record_bin_build_null(pgw_record_builder *b, uint32_t oid);
/** Open a field whose bytes the caller appends; close writes its length.
 * @return as pgw_array_bin_build_open() / pgw_array_bin_build_close(). */
PGW_API pgw_status pgw_record_bin_build_open(pgw_record_builder *b, uint32_t oid);
PGW_API pgw_status pgw_record_bin_build_close(pgw_record_builder *b);
/** Finish: PGW_E_INVALID unless exactly nfields were added.
 * @return as pgw_array_bin_build_finish(). */
PGW_API pgw_status pgw_record_bin_build_finish(pgw_record_builder *b);

/** Text record builder ("(" fields ")"; NULL is an empty field).
 * @return as the binary builder's functions. */
PGW_API pgw_status pgw_record_text_build_begin(pgw_record_builder *b, pgw_buf *out, size_t nfields);
PGW_API pgw_status pgw_record_text_build_add(pgw_record_builder *b, const char *p, size_t len);
PGW_API pgw_status pgw_record_text_build_null(pgw_record_builder *b);
PGW_API pgw_status pgw_record_text_build_finish(pgw_record_builder *b);

PGW_END_DECLS

/* ======================================================================
 * Ranges and multiranges
 * ==================================================================== */

/** Range flags, as range_send writes them. */
#define PGW_RANGE_EMPTY 0x01u
#define PGW_RANGE_LB_INC 0x02u
#define PGW_RANGE_UB_INC 0x04u
#define PGW_RANGE_LB_INF 0x08u
#define PGW_RANGE_UB_INF 0x10u

/** A decoded binary range: the flags and views of the bounds that are
 * present (a bound is is_null when the range is empty or the bound is
 * infinite). */
typedef struct pgw_range {
    uint8_t flags;
    pgw_elem lower;
    pgw_elem upper;
} pgw_range;

/** A decoded text range ("[1,5)", "(,5]", "empty"); bound spans as for
 * records (see pgw_record_text_unescape()). */
typedef struct pgw_range_text {
    uint8_t flags;
    pgw_text_elem lower;
    pgw_text_elem upper;
} pgw_range_text;

typedef struct pgw_multirange_bin_iter {
    const uint8_t *p;
    const uint8_t *end;
    size_t left;
} pgw_multirange_bin_iter;

typedef struct pgw_multirange_text_iter {
    const char *p;
    const char *end;
    size_t left;
} pgw_multirange_text_iter;

/** Builder of a binary or text multirange. */
typedef struct pgw_multirange_builder {
    pgw_buf *out;
    size_t mark;
    size_t count;
    bool text;
    pgw_status error;
} pgw_multirange_builder;

PGW_BEGIN_DECLS

/** Decode a binary range (flags byte, then each finite bound of a
 * non-empty range as an int32 length and bytes).
 * @return PGW_OK; PGW_E_INVALID for unknown flag bits, a negative length,
 *         a bound past the end or trailing bytes (out untouched).
 * Ownership: out borrows p. */
PGW_API pgw_status pgw_decode_range_bin(const uint8_t *p, size_t len, pgw_range *out);

/** Append a binary range. `lower`/`upper` are the bounds' binary bytes;
 * they are written only when the flags say the bound is finite and the
 * range not empty (and then must not be NULL unless their length is 0).
 * @return PGW_OK; PGW_E_INVALID for unknown flag bits or a missing bound;
 *         PGW_E_TOO_LARGE for a bound above INT32_MAX bytes; buffer
 *         failures (out->len unchanged on every failure). */
PGW_API pgw_status pgw_encode_range_bin(pgw_buf *out, uint8_t flags, const void *lower,
                                        size_t lower_len, const void *upper, size_t upper_len);

/** Decode a text range as range_in accepts it: "empty" (any case, white
 * space around), or "[" / "(" lower "," upper "]" / ")" with empty bounds
 * meaning infinite.
 * @return PGW_OK; PGW_E_INVALID (out untouched).
 * Ownership: out borrows p. */
PGW_API pgw_status pgw_decode_range_text(const char *p, size_t len, pgw_range_text *out);

/** Append a range as range_out prints it, from the flags and the bounds'
 * text (quoted when empty or containing a quote, backslash, parenthesis,
 * bracket, comma or white space; quotes and backslashes doubled).
 * @return PGW_OK; PGW_E_INVALID for unknown flag bits or a missing bound;
 *         buffer failures (out->len unchanged). */
PGW_API pgw_status pgw_encode_range_text(pgw_buf *out, uint8_t flags, const char *lower,
                                         size_t lower_len, const char *upper, size_t upper_len);

/** Range bound unescaping: the same rules as pgw_record_text_unescape(). */
PGW_API pgw_status pgw_range_text_unescape(pgw_buf *out, const char *p, size_t len);

/** Check a binary multirange (int32 count, then each range as an int32
 * length and range_send bytes) and start iterating.
 * @param count  receives the number of ranges
 * @return PGW_OK; PGW_E_INVALID for a negative count, a bad range, a length
 *         past the end or trailing bytes. Ownership: the iterator borrows p. */
PGW_API pgw_status pgw_multirange_bin_begin(const uint8_t *p, size_t len, size_t *count,
                                            pgw_multirange_bin_iter *it);
/** Next range. @return PGW_OK; PGW_END. */
PGW_API pgw_status pgw_multirange_bin_next(pgw_multirange_bin_iter *it, pgw_range *out);

/** Check a text multirange ("{[1,3),[5,7)}", "{}") and start iterating.
 * @return PGW_OK; PGW_E_INVALID. Ownership: the iterator borrows p. */
PGW_API pgw_status pgw_multirange_text_begin(const char *p, size_t len, size_t *count,
                                             pgw_multirange_text_iter *it);
/** Next range. @return PGW_OK; PGW_END. */
PGW_API pgw_status pgw_multirange_text_next(pgw_multirange_text_iter *it, pgw_range_text *out);

/** Multirange builders: begin, add ranges (arguments as
 * pgw_encode_range_bin() / pgw_encode_range_text()), finish.
 * @return PGW_OK; the range encoders' failures (sticky; the value is
 *         truncated to b->mark); finish returns the sticky failure. */
PGW_API pgw_status pgw_multirange_bin_build_begin(pgw_multirange_builder *b, pgw_buf *out);
PGW_API pgw_status pgw_multirange_bin_build_add(pgw_multirange_builder *b, uint8_t flags,
                                                const void *lower, size_t lower_len,
                                                const void *upper, size_t upper_len);
PGW_API pgw_status pgw_multirange_bin_build_finish(pgw_multirange_builder *b);
PGW_API pgw_status pgw_multirange_text_build_begin(pgw_multirange_builder *b, pgw_buf *out);
PGW_API pgw_status pgw_multirange_text_build_add(pgw_multirange_builder *b, uint8_t flags,
                                                 const char *lower, size_t lower_len,
                                                 const char *upper, size_t upper_len);
PGW_API pgw_status pgw_multirange_text_build_finish(pgw_multirange_builder *b);

PGW_END_DECLS

/* ======================================================================
 * hstore (extension type: its OID differs per database; look it up by
 * name, e.g. through pgw_type_info)
 * ==================================================================== */

/** One binary key/value pair (the key is never NULL). */
typedef struct pgw_hstore_pair {
    const uint8_t *key;
    size_t key_len;
    pgw_elem value;
} pgw_hstore_pair;

/** One text key/value pair; spans unescaped with pgw_hstore_text_unescape(). */
typedef struct pgw_hstore_text_pair {
    pgw_text_elem key;
    pgw_text_elem value;
} pgw_hstore_text_pair;

typedef struct pgw_hstore_bin_iter {
    const uint8_t *p;
    const uint8_t *end;
    size_t left;
} pgw_hstore_bin_iter;

typedef struct pgw_hstore_text_iter {
    const char *p;
    const char *end;
    size_t left;
} pgw_hstore_text_iter;

typedef struct pgw_hstore_builder {
    pgw_buf *out;
    size_t mark;
    size_t count;
    bool text;
    pgw_status error;
} pgw_hstore_builder;

PGW_BEGIN_DECLS

/** Check a binary hstore (hstore_send: int32 count, then per pair an int32
 * key length and key, an int32 value length (-1 for NULL) and value) and
 * start iterating. Pairs come in the order given (the server sends them
 * sorted, without duplicate keys).
 * @return PGW_OK; PGW_E_INVALID for a negative count, a NULL or negative
 *         key length, a length past the end or trailing bytes. */
PGW_API pgw_status pgw_hstore_bin_begin(const uint8_t *p, size_t len, size_t *npairs,
                                        pgw_hstore_bin_iter *it);
/** Next pair. @return PGW_OK; PGW_END. Ownership: out borrows p. */
PGW_API pgw_status pgw_hstore_bin_next(pgw_hstore_bin_iter *it, pgw_hstore_pair *out);

/** Check a text hstore as hstore_in accepts it (`"a"=>"1", b=>NULL`; keys
 * and values quoted or bare, backslash escapes, an unquoted NULL value in
 * any case is NULL, "" is the empty hstore) and start iterating.
 * @return PGW_OK; PGW_E_INVALID. Ownership: the iterator borrows p. */
PGW_API pgw_status pgw_hstore_text_begin(const char *p, size_t len, size_t *npairs,
                                         pgw_hstore_text_iter *it);
/** Next pair. @return PGW_OK; PGW_END. */
PGW_API pgw_status pgw_hstore_text_next(pgw_hstore_text_iter *it, pgw_hstore_text_pair *out);

/** Append a key or value with backslash escapes resolved; the same rules
 * as pgw_array_text_unescape(). */
PGW_API pgw_status pgw_hstore_text_unescape(pgw_buf *out, const char *p, size_t len);

/** hstore builders. Binary pairs are written in the order given: the
 * server sorts them and drops duplicate keys on input, so to reproduce its
 * bytes add them sorted by (key length, key bytes). A NULL `value` adds a
 * NULL value. Text is hstore_out's: `"k"=>"v"` joined by ", ", quotes and
 * backslashes escaped with a backslash, NULL bare.
 * @return PGW_OK; PGW_E_INVALID for a NULL key; PGW_E_TOO_LARGE for a
 *         length above INT32_MAX; buffer failures (sticky; the value is
 *         truncated to b->mark). */
PGW_API pgw_status pgw_hstore_bin_build_begin(pgw_hstore_builder *b, pgw_buf *out);
PGW_API pgw_status pgw_hstore_bin_build_add(pgw_hstore_builder *b, const void *key, size_t key_len,
                                            const void *value, size_t value_len);
PGW_API pgw_status pgw_hstore_bin_build_finish(pgw_hstore_builder *b);
PGW_API pgw_status pgw_hstore_text_build_begin(pgw_hstore_builder *b, pgw_buf *out);
PGW_API pgw_status pgw_hstore_text_build_add(pgw_hstore_builder *b, const char *key, size_t key_len,
                                             const char *value, size_t value_len);
PGW_API pgw_status pgw_hstore_text_build_finish(pgw_hstore_builder *b);

PGW_END_DECLS

#endif
