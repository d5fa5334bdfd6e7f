/* Row counts from CommandComplete tags.
 *
 * The server writes "INSERT oid rows" and "<VERB> rows" for the verbs below
 * and a bare tag ("CREATE TABLE", "BEGIN") for everything else. A verb we
 * know followed by anything but well-formed decimal counts is a protocol
 * error: a client must not report a guessed count. */
#include "pgwire/proto.h"

#include "common/common_int.h"
#include "protocol/protocol_int.h"

/* Verbs whose tag ends in a row count. */
static const char *const counted_verbs[] = {
    "SELECT", "UPDATE", "DELETE", "MERGE", "FETCH", "MOVE", "COPY",
};

/* Parse one run of decimal digits at s[*i..len) up to a space or the end.
 * At least one digit; no sign; overflow of uint64 is an error. */
static bool parse_count(const char *s, size_t len, size_t *i, uint64_t *out)
{
    size_t start = *i;
    uint64_t v = 0;
    while (*i < len && s[*i] != ' ') {
        char c = s[*i];
        if (c < '0' || c > '9')
            return false;
        uint64_t d = (uint64_t)(c - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
        (*i)++;
    }
    if (*i == start)
        return false;
    *out = v;
    return true;
}

/* True when s[0..len) starts with the word `verb` followed by a space or
 * the end; *after is the index just past the word. */
static bool starts_with_word(const char *s, size_t len, const char *verb, size_t *after)
{
    size_t n = strlen(verb);
    if (len < n || memcmp(s, verb, n) != 0 || (len > n && s[n] != ' '))
        return false;
    *after = n;
    return true;
}

pgw_status pgw_command_tag_rows(const char *tag, size_t len, uint64_t *rows)
{
    if (tag == NULL)
        return len == 0 ? PGW_END : PGW_E_INVALID;
    size_t i = 0;
    size_t counts = 0;
    if (starts_with_word(tag, len, "INSERT", &i)) {
        counts = 2; /* the oid (0 since PostgreSQL 12), then the rows */
    } else {
        for (size_t v = 0; v < sizeof counted_verbs / sizeof counted_verbs[0]; v++) {
            if (starts_with_word(tag, len, counted_verbs[v], &i)) {
                counts = 1;
                break;
            }
        }
    }
    if (counts == 0)
        return PGW_END;
    /* A bare verb: servers before 8.2 sent "COPY" with no count. */
    if (i == len)
        return PGW_END;
    uint64_t v = 0;
    for (size_t k = 0; k < counts; k++) {
        if (i >= len || tag[i] != ' ')
            return PGW_E_PROTOCOL;
        i++;
        if (!parse_count(tag, len, &i, &v))
            return PGW_E_PROTOCOL;
    }
    if (i != len)
        return PGW_E_PROTOCOL;
    *rows = v;
    return PGW_OK;
}
