/* SQL cursors: DECLARE, FETCH, MOVE and CLOSE built as SQL text around a
 * quoted cursor name, run through the blocking query calls. */
#include <inttypes.h>
#include <stdio.h>

#include "pgwire/buf.h"
#include "pgwire/escape.h"
#include "pgwire/portal.h"

#include "io/io_int.h"

#define SQLC_KNOWN_FLAGS                                                                           \
    (PGW_SQLCURSOR_BINARY | PGW_SQLCURSOR_SCROLL | PGW_SQLCURSOR_NO_SCROLL |                       \
     PGW_SQLCURSOR_WITH_HOLD)

/* Append name as a quoted identifier in the session's client encoding. */
static pgw_status sqlc_append_ident(pgw_conn *c, pgw_buf *b, const char *name, const char *what)
{
    if (name == NULL || name[0] == '\0')
        return pgwi_conn_refuse(c, PGW_E_INVALID, "%s name is empty", what);
    pgw_escape_ctx ctx;
    pgw_escape_ctx_init(&ctx);
    const char *enc = pgw_conn_parameter(c, "client_encoding");
    if (enc != NULL && pgw_encoding_from_name(enc, &ctx.encoding) != PGW_OK)
        return pgwi_conn_refuse(c, PGW_E_UNSUPPORTED, "unknown client_encoding \"%s\"", enc);
    pgw_status rc = pgw_escape_identifier(b, name, strlen(name), &ctx);
    if (rc == PGW_E_NOMEM || rc == PGW_E_TOO_LARGE)
        return pgwi_conn_refuse(c, rc, "out of memory");
    if (rc != PGW_OK)
        return pgwi_conn_refuse(c, PGW_E_INVALID, "invalid %s name", what);
    return PGW_OK;
}

static pgw_status sqlc_append_str(pgw_conn *c, pgw_buf *b, const char *s)
{
    pgw_buf_append(b, s, strlen(s));
    pgw_status rc = pgw_buf_status(b);
    return rc == PGW_OK ? rc : pgwi_conn_refuse(c, rc, "out of memory");
}

static pgw_status sqlc_terminate(pgw_conn *c, pgw_buf *b)
{
    pgw_status rc = pgw_buf_put_u8(b, 0);
    if (rc == PGW_OK)
        rc = pgw_buf_status(b);
    return rc == PGW_OK ? rc : pgwi_conn_refuse(c, rc, "out of memory");
}

pgw_status pgw_sqlcursor_declare(pgw_conn *c, const char *name, unsigned flags, const char *query,
                                 const pgw_param *params, size_t nparams)
{
    if (c == NULL)
        return PGW_E_INVALID;
    if ((flags & ~SQLC_KNOWN_FLAGS) != 0 ||
        ((flags & PGW_SQLCURSOR_SCROLL) && (flags & PGW_SQLCURSOR_NO_SCROLL)))
        return pgwi_conn_refuse(c, PGW_E_INVALID, "invalid cursor flags 0x%x", flags);
    if (query == NULL || query[0] == '\0')
        return pgwi_conn_refuse(c, PGW_E_INVALID, "cursor query is empty");
    pgw_buf b;
    pgw_buf_init(&b, c->a, 0);
    pgw_status rc = sqlc_append_str(c, &b, "DECLARE ");
    if (rc == PGW_OK)
        rc = sqlc_append_ident(c, &b, name, "cursor");
    if (rc == PGW_OK && (flags & PGW_SQLCURSOR_BINARY))
        rc = sqlc_append_str(c, &b, " BINARY");
    if (rc == PGW_OK && (flags & PGW_SQLCURSOR_SCROLL))
        rc = sqlc_append_str(c, &b, " SCROLL");
    if (rc == PGW_OK && (flags & PGW_SQLCURSOR_NO_SCROLL))
        rc = sqlc_append_str(c, &b, " NO SCROLL");
    if (rc == PGW_OK)
        rc = sqlc_append_str(c, &b, " CURSOR");
    if (rc == PGW_OK && (flags & PGW_SQLCURSOR_WITH_HOLD))
        rc = sqlc_append_str(c, &b, " WITH HOLD");
    if (rc == PGW_OK)
        rc = sqlc_append_str(c, &b, " FOR ");
    if (rc == PGW_OK)
        rc = sqlc_append_str(c, &b, query);
    if (rc == PGW_OK)
        rc = sqlc_terminate(c, &b);
    if (rc == PGW_OK) {
        const char *sql = (const char *)b.data;
        /* Parameters need the extended protocol; without them a simple
         * query avoids filling the statement cache with one-off DECLAREs. */
        rc = nparams ? pgw_exec_params(c, sql, params, nparams, NULL) : pgw_exec(c, sql, NULL);
    }
    pgw_buf_free(&b);
    return rc;
}

/* " NEXT", " ABSOLUTE -3", " FORWARD ALL", ... */
static pgw_status sqlc_append_direction(pgw_conn *c, pgw_buf *b, pgw_fetch_dir dir, int64_t count)
{
    const char *word = NULL;
    bool counted = false, signed_count = false;
    switch (dir) {
    case PGW_FETCH_NEXT:
        word = " NEXT";
        break;
    case PGW_FETCH_PRIOR:
        word = " PRIOR";
        break;
    case PGW_FETCH_FIRST:
        word = " FIRST";
        break;
    case PGW_FETCH_LAST:
        word = " LAST";
        break;
    case PGW_FETCH_ABSOLUTE:
        word = " ABSOLUTE";
        counted = signed_count = true;
        break;
    case PGW_FETCH_RELATIVE:
        word = " RELATIVE";
        counted = signed_count = true;
        break;
    case PGW_FETCH_FORWARD:
        word = " FORWARD";
        counted = true;
        break;
    case PGW_FETCH_FORWARD_ALL:
        word = " FORWARD ALL";
        break;
    case PGW_FETCH_BACKWARD:
        word = " BACKWARD";
        counted = true;
        break;
    case PGW_FETCH_BACKWARD_ALL:
        word = " BACKWARD ALL";
        break;
    }
    if (word == NULL)
        return pgwi_conn_refuse(c, PGW_E_INVALID, "invalid fetch direction %d", (int)dir);
    if (counted && !signed_count && count < 0)
        return pgwi_conn_refuse(c, PGW_E_INVALID,
                                "negative count %" PRId64 " (use the opposite direction)", count);
    pgw_status rc = sqlc_append_str(c, b, word);
    if (rc == PGW_OK && counted) {
        char num[32];
        snprintf(num, sizeof num, " %" PRId64, count);
        rc = sqlc_append_str(c, b, num);
    }
    return rc;
}

/* "FETCH <dir> FROM name" / "MOVE <dir> IN name", NUL-terminated in b. */
static pgw_status sqlc_build_motion(pgw_conn *c, pgw_buf *b, const char *verb, const char *prep,
                                    const char *name, pgw_fetch_dir dir, int64_t count)
{
    pgw_status rc = sqlc_append_str(c, b, verb);
    if (rc == PGW_OK)
        rc = sqlc_append_direction(c, b, dir, count);
    if (rc == PGW_OK)
        rc = sqlc_append_str(c, b, prep);
    if (rc == PGW_OK)
        rc = sqlc_append_ident(c, b, name, "cursor");
    if (rc == PGW_OK)
        rc = sqlc_terminate(c, b);
    return rc;
}

pgw_status pgw_sqlcursor_fetch(pgw_conn *c, const char *name, pgw_fetch_dir dir, int64_t count,
                               pgw_cursor **out)
{
    if (out == NULL)
        return PGW_E_INVALID;
    *out = NULL;
    if (c == NULL)
        return PGW_E_INVALID;
    pgw_buf b;
    pgw_buf_init(&b, c->a, 0);
    pgw_status rc = sqlc_build_motion(c, &b, "FETCH", " FROM ", name, dir, count);
    if (rc == PGW_OK)
        rc = pgw_query(c, (const char *)b.data, out);
    pgw_buf_free(&b);
    return rc;
}

pgw_status pgw_sqlcursor_move(pgw_conn *c, const char *name, pgw_fetch_dir dir, int64_t count,
                              uint64_t *moved)
{
    if (moved != NULL)
        *moved = 0;
    if (c == NULL)
        return PGW_E_INVALID;
    pgw_buf b;
    pgw_buf_init(&b, c->a, 0);
    pgw_status rc = sqlc_build_motion(c, &b, "MOVE", " IN ", name, dir, count);
    if (rc == PGW_OK)
        rc = pgw_exec(c, (const char *)b.data, moved);
    pgw_buf_free(&b);
    return rc;
}

pgw_status pgw_sqlcursor_close(pgw_conn *c, const char *name)
{
    if (c == NULL)
        return PGW_E_INVALID;
    pgw_buf b;
    pgw_buf_init(&b, c->a, 0);
    pgw_status rc = sqlc_append_str(c, &b, "CLOSE ");
    if (rc == PGW_OK)
        rc = sqlc_append_ident(c, &b, name, "cursor");
    if (rc == PGW_OK)
        rc = sqlc_terminate(c, &b);
    if (rc == PGW_OK)
        rc = pgw_exec(c, (const char *)b.data, NULL);
    pgw_buf_free(&b);
    return rc;
}
