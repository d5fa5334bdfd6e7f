/* libFuzzer harness for the backend-message parsers (client side).
 *
 * Input: byte 0 selects the parser (modulo the table below), byte 1 the
 * capacity given to parsers that fill arrays (0 = count only with a NULL
 * array, else 1..255), the rest is the message body. The body is copied
 * into an allocation of exactly its size so that any read outside it is an
 * ASan report.
 *
 * Invariants (abort() on violation):
 *   - only documented statuses come back;
 *   - on success every view lies inside the body, C strings end inside it,
 *     and the parts add up to the whole body (trailing bytes are refused);
 *   - enumerated values are in range (ReadyForQuery I/T/E, formats 0/1,
 *     DataRow lengths >= -1 with NULL exactly for -1);
 *   - counting and filling agree: the NULL-array call and the filling call
 *     report the same count, and the filling call is TOO_LARGE exactly when
 *     the count exceeds the capacity. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pgwire/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
    if (!ok)
        abort();
}

static bool inside(const pgw_frame *f, const void *p, size_t n)
{
    const uint8_t *q = p;
    return q != NULL && q >= f->body && q <= f->body + f->len &&
           n <= (size_t)(f->body + f->len - q);
}

static bool cstr_inside(const pgw_frame *f, const char *s)
{
    if (s == NULL || !inside(f, s, 0))
        return false;
    const void *nul = memchr(s, 0, (size_t)(f->body + f->len - (const uint8_t *)s));
    return nul != NULL;
}

static void check_parse_status(pgw_status rc)
{
    check(rc == PGW_OK || rc == PGW_E_PROTOCOL);
}

static void fuzz_authentication(const pgw_frame *f)
{
    int32_t code;
    const uint8_t *d;
    size_t len;
    pgw_status rc = pgw_parse_authentication(f, &code, &d, &len);
    check_parse_status(rc);
    if (rc != PGW_OK)
        return;
    check(f->len >= 4 && len == f->len - 4 && d == f->body + 4);
    switch (code) {
    case PGW_AUTH_OK:
    case PGW_AUTH_CLEARTEXT_PASSWORD:
    case PGW_AUTH_KERBEROS_V5:
    case PGW_AUTH_GSS:
    case PGW_AUTH_SSPI:
        check(len == 0);
        break;
    case PGW_AUTH_MD5_PASSWORD:
        check(len == 4);
        break;
    case PGW_AUTH_SASL: {
        size_t pos = 0, names = 0;
        const char *name;
        pgw_status it;
        while ((it = pgw_sasl_mechanisms_next(d, len, &pos, &name)) == PGW_OK) {
            check(cstr_inside(f, name) && name[0] != '\0');
            names++;
        }
        check(it == PGW_END && names > 0 && pos == len - 1);
        break;
    }
    default:
        break;
    }
}

static void fuzz_sasl_list(const pgw_frame *f)
{
    size_t pos = 0, steps = 0;
    const char *name;
    pgw_status it;
    while ((it = pgw_sasl_mechanisms_next(f->body, f->len, &pos, &name)) == PGW_OK) {
        check(cstr_inside(f, name));
        check(++steps <= f->len);
    }
    check(it == PGW_END || it == PGW_E_PROTOCOL);
    if (it == PGW_END)
        check(pos + 1 == f->len && f->body[pos] == 0);
}

static void fuzz_backend_key_data(const pgw_frame *f)
{
    int32_t pid;
    const uint8_t *key;
    size_t len;
    pgw_status rc = pgw_parse_backend_key_data(f, &pid, &key, &len);
    check_parse_status(rc);
    if (rc == PGW_OK)
        check(len >= 4 && len <= 256 && key == f->body + 4 && 4 + len == f->len);
}

static void fuzz_command_complete(const pgw_frame *f)
{
    const char *tag;
    size_t len;
    pgw_status rc = pgw_parse_command_complete(f, &tag, &len);
    check_parse_status(rc);
    if (rc != PGW_OK)
        return;
    check(tag == (const char *)f->body && len + 1 == f->len && strlen(tag) == len);
    uint64_t rows;
    pgw_status r2 = pgw_command_tag_rows(tag, len, &rows);
    check(r2 == PGW_OK || r2 == PGW_END || r2 == PGW_E_PROTOCOL);
}

static void fuzz_command_tag(const pgw_frame *f)
{
    uint64_t rows = 0;
    pgw_status rc = pgw_command_tag_rows((const char *)f->body, f->len, &rows);
    check(rc == PGW_OK || rc == PGW_END || rc == PGW_E_PROTOCOL);
    if (rc == PGW_OK) {
        /* A count was found: the tag ends in a digit. */
        check(f->len > 0 && f->body[f->len - 1] >= '0' && f->body[f->len - 1] <= '9');
    }
}

static void fuzz_copy_response(const pgw_frame *f)
{
    int8_t format;
    uint16_t n;
    const uint8_t *cf;
    pgw_status rc = pgw_parse_copy_response(f, &format, &n, &cf);
    check_parse_status(rc);
    if (rc != PGW_OK)
        return;
    check(format == 0 || format == 1);
    check(3 + 2 * (size_t)n == f->len && inside(f, cf, 2 * (size_t)n));
    for (uint16_t i = 0; i < n; i++) {
        int16_t c = pgw_copy_response_format(cf, i);
        check(c == 0 || (c == 1 && format == 1));
    }
}

static void fuzz_data_row(const pgw_frame *f, uint8_t cap_sel)
{
    uint16_t count = 0;
    pgw_status rc0 = pgw_parse_data_row(f, NULL, 0, &count);
    check_parse_status(rc0);
    uint16_t cap = cap_sel;
    pgw_value *vals = malloc(sizeof *vals * (cap == 0 ? 1 : cap));
    if (vals == NULL)
        abort();
    uint16_t n = 0;
    pgw_status rc = pgw_parse_data_row(f, vals, cap, &n);
    if (rc0 != PGW_OK) {
        check(rc == PGW_E_PROTOCOL);
    } else {
        check(n == count);
        check(rc == (count > cap ? PGW_E_TOO_LARGE : PGW_OK));
    }
    if (rc == PGW_OK) {
        size_t total = 2;
        for (uint16_t i = 0; i < n; i++) {
            check(vals[i].len >= -1);
            if (vals[i].len == -1) {
                check(vals[i].ptr == NULL);
                total += 4;
            } else {
                check(inside(f, vals[i].ptr, (size_t)vals[i].len));
                total += 4 + (size_t)vals[i].len;
            }
        }
        check(total == f->len);
    }
    free(vals);
}

static void fuzz_function_call_response(const pgw_frame *f)
{
    pgw_value v;
    pgw_status rc = pgw_parse_function_call_response(f, &v);
    check_parse_status(rc);
    if (rc != PGW_OK)
        return;
    if (v.len == -1)
        check(v.ptr == NULL && f->len == 4);
    else
        check(v.len >= 0 && inside(f, v.ptr, (size_t)v.len) && 4 + (size_t)v.len == f->len);
}

static void fuzz_negotiate(const pgw_frame *f)
{
    int32_t minor;
    uint32_t n;
    size_t pos;
    pgw_status rc = pgw_parse_negotiate_protocol_version(f, &minor, &n, &pos);
    check_parse_status(rc);
    if (rc != PGW_OK)
        return;
    check(minor >= 0 && pos == 8);
    uint32_t seen = 0;
    const char *s;
    pgw_status it;
    while ((it = pgw_cstrings_next(f, &pos, &s)) == PGW_OK) {
        check(cstr_inside(f, s));
        seen++;
    }
    check(it == PGW_END && seen == n && pos == f->len);
}

static void fuzz_cstrings(const pgw_frame *f)
{
    size_t pos = 0, steps = 0;
    const char *s;
    pgw_status it;
    while ((it = pgw_cstrings_next(f, &pos, &s)) == PGW_OK) {
        check(cstr_inside(f, s) && pos <= f->len);
        check(++steps <= f->len);
    }
    check(it == PGW_END || it == PGW_E_PROTOCOL);
    if (it == PGW_END)
        check(pos == f->len);
}

static void fuzz_notification(const pgw_frame *f)
{
    int32_t pid;
    const char *ch, *pl;
    pgw_status rc = pgw_parse_notification_response(f, &pid, &ch, &pl);
    check_parse_status(rc);
    if (rc == PGW_OK)
        check(cstr_inside(f, ch) && cstr_inside(f, pl) &&
              4 + strlen(ch) + 1 + strlen(pl) + 1 == f->len);
}

static void fuzz_parameter_description(const pgw_frame *f, uint8_t cap_sel)
{
    uint16_t count = 0;
    pgw_status rc0 = pgw_parse_parameter_description(f, NULL, 0, &count);
    check_parse_status(rc0);
    uint16_t cap = cap_sel;
    uint32_t *oids = malloc(sizeof *oids * (cap == 0 ? 1 : cap));
    if (oids == NULL)
        abort();
    uint16_t n = 0;
    pgw_status rc = pgw_parse_parameter_description(f, oids, cap, &n);
    if (rc0 != PGW_OK) {
        check(rc == PGW_E_PROTOCOL);
    } else {
        check(n == count && 2 + 4 * (size_t)n == f->len);
        check(rc == (count > cap ? PGW_E_TOO_LARGE : PGW_OK));
    }
    free(oids);
}

static void fuzz_parameter_status(const pgw_frame *f)
{
    const char *name, *value;
    pgw_status rc = pgw_parse_parameter_status(f, &name, &value);
    check_parse_status(rc);
    if (rc == PGW_OK)
        check(cstr_inside(f, name) && cstr_inside(f, value) &&
              strlen(name) + 1 + strlen(value) + 1 == f->len);
}

static void fuzz_ready_for_query(const pgw_frame *f)
{
    char s = 0;
    pgw_status rc = pgw_parse_ready_for_query(f, &s);
    check_parse_status(rc);
    if (rc == PGW_OK)
        check(f->len == 1 && (s == 'I' || s == 'T' || s == 'E'));
}

static void fuzz_row_description(const pgw_frame *f, uint8_t cap_sel)
{
    uint16_t count = 0;
    pgw_status rc0 = pgw_parse_row_description(f, NULL, 0, &count);
    check_parse_status(rc0);
    uint16_t cap = cap_sel;
    pgw_column_desc *cols = malloc(sizeof *cols * (cap == 0 ? 1 : cap));
    if (cols == NULL)
        abort();
    uint16_t n = 0;
    pgw_status rc = pgw_parse_row_description(f, cols, cap, &n);
    if (rc0 != PGW_OK) {
        check(rc == PGW_E_PROTOCOL);
    } else {
        check(n == count && 2 + 19 * (size_t)n <= f->len);
        check(rc == (count > cap ? PGW_E_TOO_LARGE : PGW_OK));
    }
    if (rc == PGW_OK) {
        size_t total = 2;
        for (uint16_t i = 0; i < n; i++) {
            check(cstr_inside(f, cols[i].name));
            check(cols[i].format == 0 || cols[i].format == 1);
            total += strlen(cols[i].name) + 1 + 18;
        }
        check(total == f->len);
    }
    free(cols);
}

static void fuzz_empty(const pgw_frame *f)
{
    pgw_status rc = pgw_parse_empty(f);
    check(rc == (f->len == 0 ? PGW_OK : PGW_E_PROTOCOL));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint8_t sel = data[0];
    uint8_t cap = data[1];
    size_t len = size - 2;
    uint8_t *body = malloc(len == 0 ? 1 : len);
    if (body == NULL)
        abort();
    if (len > 0)
        memcpy(body, data + 2, len);
    pgw_frame f;
    f.body = body;
    f.len = len;
    f.tag = 0;

    switch (sel % 19) {
    case 0:
        fuzz_authentication(&f);
        break;
    case 1:
        fuzz_sasl_list(&f);
        break;
    case 2:
        fuzz_backend_key_data(&f);
        break;
    case 3:
        fuzz_command_complete(&f);
        break;
    case 4:
        fuzz_command_tag(&f);
        break;
    case 5:
        fuzz_copy_response(&f);
        break;
    case 6:
        fuzz_data_row(&f, cap);
        break;
    case 7:
        fuzz_function_call_response(&f);
        break;
    case 8:
        fuzz_negotiate(&f);
        break;
    case 9:
        fuzz_cstrings(&f);
        break;
    case 10:
        fuzz_notification(&f);
        break;
    case 11:
        fuzz_parameter_description(&f, cap);
        break;
    case 12:
        fuzz_parameter_status(&f);
        break;
    case 13:
        fuzz_ready_for_query(&f);
        break;
    case 14:
        fuzz_row_description(&f, cap);
        break;
    case 15:
        fuzz_empty(&f);
        break;
    case 16:
        /* DataRow again with the largest capacity: exercises the fill
         * path for every count the body can hold. */
        fuzz_data_row(&f, 255);
        break;
    case 17:
        fuzz_row_description(&f, 255);
        break;
    default:
        /* Every parser on the same body: none may crash or misbehave. */
        fuzz_authentication(&f);
        fuzz_backend_key_data(&f);
        fuzz_command_complete(&f);
        fuzz_copy_response(&f);
        fuzz_data_row(&f, cap);
        fuzz_function_call_response(&f);
        fuzz_negotiate(&f);
        fuzz_notification(&f);
        fuzz_parameter_description(&f, cap);
        fuzz_parameter_status(&f);
        fuzz_ready_for_query(&f);
        fuzz_row_description(&f, cap);
        fuzz_empty(&f);
        break;
    }
    free(body);
    return 0;
}
