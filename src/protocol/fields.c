/* ErrorResponse / NoticeResponse field iteration.
 *
 * The body is a list of (code byte, NUL-terminated value) pairs closed by a
 * single zero byte. pgw_fields_begin checks the closing byte once, so the
 * iterator's `end` points at it and every value's NUL must be found before
 * it: a value may never borrow the list terminator as its own. */
#include "pgwire/proto.h"

#include "common/common_int.h"
#include "protocol/protocol_int.h"

pgw_status pgw_fields_begin(const pgw_frame *f, pgw_field_iter *it)
{
    if (f->body == NULL || f->len == 0 || f->body[f->len - 1] != 0)
        return PGW_E_PROTOCOL;
    it->p = f->body;
    it->end = f->body + f->len - 1;
    return PGW_OK;
}

pgw_status pgw_fields_next(pgw_field_iter *it, pgw_field *out)
{
    if (it->p == it->end)
        return PGW_END;
    /* A zero code before the end is an early terminator followed by
     * trailing bytes. */
    uint8_t code = *it->p;
    if (code == 0)
        return PGW_E_PROTOCOL;
    const uint8_t *value = it->p + 1;
    const uint8_t *nul = memchr(value, 0, (size_t)(it->end - value));
    if (nul == NULL)
        return PGW_E_PROTOCOL;
    out->code = (char)code;
    out->value = (const char *)value;
    it->p = nul + 1;
    return PGW_OK;
}
