/* The protocol codec on its own (docs/protocol-codec.md): build a server's
 * answer to `SELECT 42 AS answer` with the server-side builders, then frame
 * and parse it as a client or a proxy would. No server, no socket: the
 * codec only turns values into bytes and bytes into views.
 * Exits 0 only when every message came back as it was built.
 * Usage: codec */
#include <stdio.h>
#include <string.h>

#include "pgwire.h"

static pgw_status build_answer(pgw_buf *b)
{
    pgw_column_desc col = {.name = "answer", .type_oid = PGW_OID_INT4, .type_size = 4,
                           .type_modifier = -1, .format = 0};
    pgw_bytes val = {.data = "42", .len = 2};
    pgw_build_row_description(b, &col, 1);
    pgw_build_data_row(b, &val, 1);
    pgw_build_command_complete(b, "SELECT 1");
    pgw_build_ready_for_query(b, 'I');
    return pgw_buf_status(b); /* the buffer's failure is sticky: check once */
}

int main(void)
{
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    if (build_answer(&b) != PGW_OK) {
        pgw_buf_free(&b);
        return 1;
    }

    const uint8_t *in = b.data;
    size_t left = b.len;
    int seen = 0; /* messages that parsed as built */
    while (left > 0) {
        pgw_frame f;
        size_t used, need;
        pgw_status st = pgw_frame_next(in, left, NULL, &f, &used, &need);
        if (st != PGW_OK) { /* WANT_READ: read `need` more bytes; else drop the peer */
            fprintf(stderr, "framing: %s\n", pgw_status_name(st));
            break;
        }
        switch (f.tag) {
        case PGW_BE_ROW_DESCRIPTION: {
            pgw_column_desc cols[8];
            uint16_t n;
            if (pgw_parse_row_description(&f, cols, 8, &n) == PGW_OK && n == 1 &&
                strcmp(cols[0].name, "answer") == 0 && cols[0].type_oid == PGW_OID_INT4) {
                printf("columns: %u, first \"%s\" (type %u)\n", (unsigned)n, cols[0].name,
                       (unsigned)cols[0].type_oid);
                seen++;
            }
            break;
        }
        case PGW_BE_DATA_ROW: {
            pgw_value v[8];
            uint16_t n;
            if (pgw_parse_data_row(&f, v, 8, &n) == PGW_OK && n == 1 && v[0].len == 2 &&
                memcmp(v[0].ptr, "42", 2) == 0) {
                printf("value: %.*s\n", (int)v[0].len, (const char *)v[0].ptr);
                seen++;
            }
            break;
        }
        case PGW_BE_COMMAND_COMPLETE: {
            const char *tag;
            size_t len;
            uint64_t rows;
            if (pgw_parse_command_complete(&f, &tag, &len) == PGW_OK &&
                pgw_command_tag_rows(tag, len, &rows) == PGW_OK && rows == 1) {
                printf("tag: %s (%llu rows)\n", tag, (unsigned long long)rows);
                seen++;
            }
            break;
        }
        case PGW_BE_READY_FOR_QUERY: {
            char tx;
            if (pgw_parse_ready_for_query(&f, &tx) == PGW_OK && tx == 'I') {
                printf("ready: %c\n", tx);
                seen++;
            }
            break;
        }
        default:
            printf("other message '%c', %zu bytes\n", f.tag, f.len);
        }
        in += used;
        left -= used;
    }
    pgw_buf_free(&b);
    return seen == 4 && left == 0 ? 0 : 1;
}
