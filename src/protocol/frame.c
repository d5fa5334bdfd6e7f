/* Stateless framers: find one whole message at the front of the input.
 *
 * Nothing is consumed until a whole message is present (libpq's
 * reparse-from-inStart approach), so the caller keeps its input buffer and
 * calls again after the next read. The declared length is checked against
 * the limits as soon as the header is visible, before waiting for the body:
 * a hostile length fails at once instead of making the caller buffer it. */
#include "pgwire/proto.h"

#include "common/common_int.h"
#include "protocol/protocol_int.h"

/* The server refuses startup packets whose body exceeds this
 * (MAX_STARTUP_PACKET_LENGTH in the backend). */
#define STARTUP_MAX_BODY 10000u
/* A startup packet's body holds at least the int32 protocol/request code. */
#define STARTUP_MIN_LENGTH 8u

/* Backend types that may legitimately be large: RowDescription, DataRow,
 * CopyData, FunctionCallResponse, ErrorResponse, NoticeResponse,
 * NotificationResponse. Everything else is short, so a huge length there
 * means we lost sync with the stream (libpq's VALID_LONG_MESSAGE_TYPE). */
static bool may_be_long(uint8_t tag)
{
    switch (tag) {
    case PGW_BE_ROW_DESCRIPTION:
    case PGW_BE_DATA_ROW:
    case PGW_BE_COPY_DATA:
    case PGW_BE_FUNCTION_CALL_RESPONSE:
    case PGW_BE_ERROR_RESPONSE:
    case PGW_BE_NOTICE_RESPONSE:
    case PGW_BE_NOTIFICATION_RESPONSE:
        return true;
    default:
        return false;
    }
}

static size_t max_message(const pgw_limits *lim);
static size_t max_small_message(const pgw_limits *lim);

/* ParameterDescription holds up to 65535 OIDs: longer than the small-message
 * ceiling for a statement with many parameters, yet never more than this. */
#define PARAMETER_DESCRIPTION_MAX (2u + 4u * 65535u)

static inline size_t limit_for(uint8_t tag, const pgw_limits *lim)
{
    if (may_be_long(tag))
        return max_message(lim);
    size_t small = max_small_message(lim);
    if (tag == PGW_BE_PARAMETER_DESCRIPTION && small < PARAMETER_DESCRIPTION_MAX)
        return PARAMETER_DESCRIPTION_MAX < max_message(lim) ? PARAMETER_DESCRIPTION_MAX
                                                            : max_message(lim);
    return small;
}

static size_t max_message(const pgw_limits *lim)
{
    return lim != NULL && lim->max_message != 0 ? lim->max_message
                                                 : (size_t)PGW_DEFAULT_MAX_MESSAGE;
}

static size_t max_small_message(const pgw_limits *lim)
{
    size_t small = lim != NULL && lim->max_small_message != 0
                       ? lim->max_small_message
                       : (size_t)PGW_DEFAULT_MAX_SMALL_MESSAGE;
    size_t big = max_message(lim);
    return small < big ? small : big;
}

static void clear_outputs(size_t *used, size_t *need)
{
    if (used != NULL)
        *used = 0;
    if (need != NULL)
        *need = 0;
}

/* Common body of the framers. hdr is the tag size (1, or 0 for startup
 * packets); min_word the smallest acceptable length word; limit the largest
 * acceptable body. */
static pgw_status frame_common(const uint8_t *in, size_t in_len, size_t hdr, uint32_t min_word,
                               size_t limit, pgw_frame *out, size_t *used, size_t *need)
{
    clear_outputs(used, need);
    if (in_len < hdr + 4) {
        if (need != NULL)
            *need = hdr + 4 - in_len;
        return PGW_WANT_READ;
    }
    /* The word is an int32: one with the top bit set is negative and is
     * refused here with the other too-small values, not as too large. */
    int32_t word = (int32_t)pgwi_load_u32(in + hdr);
    if (word < (int32_t)min_word)
        return PGW_E_PROTOCOL;
    size_t body = (size_t)word - 4;
    if (body > limit)
        return PGW_E_TOO_LARGE;
    size_t total = hdr + 4 + body; /* cannot wrap: body < 2^31 */
    if (in_len < total) {
        if (need != NULL)
            *need = total - in_len;
        return PGW_WANT_READ;
    }
    out->tag = hdr != 0 ? in[0] : 0;
    out->body = in + hdr + 4;
    out->len = body;
    if (used != NULL)
        *used = total;
    return PGW_OK;
}

pgw_status pgw_frame_next(const uint8_t *in, size_t in_len, const pgw_limits *lim,
                          pgw_frame *out, size_t *used, size_t *need)
{
    /* Called once per row: the case of a whole, valid message at the front
     * is decided here in a few tests; anything else (short input, a bad or
     * oversized length) takes the general path, which reports it. */
    if (in_len >= 5) {
        uint32_t word = pgwi_load_u32(in + 1);
        size_t limit = limit_for(in[0], lim);
        if (word >= 4 && word <= (uint32_t)INT32_MAX && word - 4 <= limit &&
            in_len - 1 >= word) {
            out->tag = in[0];
            out->body = in + 5;
            out->len = word - 4;
            if (used != NULL)
                *used = (size_t)word + 1;
            if (need != NULL)
                *need = 0;
            return PGW_OK;
        }
    }
    /* The limit depends on the tag, which is the first byte; with no byte
     * yet frame_common reports WANT_READ before it looks at the limit. */
    size_t limit = in_len > 0 ? limit_for(in[0], lim) : max_message(lim);
    return frame_common(in, in_len, 1, 4, limit, out, used, need);
}

pgw_status pgw_frame_next_fe(const uint8_t *in, size_t in_len, const pgw_limits *lim,
                             pgw_frame *out, size_t *used, size_t *need)
{
    return frame_common(in, in_len, 1, 4, max_message(lim), out, used, need);
}

pgw_status pgw_frame_startup_next(const uint8_t *in, size_t in_len, pgw_frame *out, size_t *used,
                                  size_t *need)
{
    return frame_common(in, in_len, 0, STARTUP_MIN_LENGTH, STARTUP_MAX_BODY, out, used, need);
}
