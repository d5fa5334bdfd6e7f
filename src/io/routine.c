/* Functions and procedures: `SELECT * FROM name($1, ...)` and
 * `CALL name($1, ...)` built around quoted identifiers, run through the
 * blocking extended-protocol calls. */
#include "pgwire/routine.h"

#include <stdio.h>

#include "pgwire/buf.h"
#include "pgwire/escape.h"

#include "io/io_int.h"

static pgw_status routine_append_ident(pgw_conn *c, pgw_buf *b, const char *s,
                                       const pgw_escape_ctx *ctx, const char *what)
{
    if (s[0] == '\0')
        return pgwi_conn_refuse(c, PGW_E_INVALID, "%s name is empty", what);
    pgw_status rc = pgw_escape_identifier(b, s, strlen(s), ctx);
    if (rc == PGW_E_NOMEM || rc == PGW_E_TOO_LARGE)
        return pgwi_conn_refuse(c, rc, "out of memory");
    if (rc != PGW_OK)
        return pgwi_conn_refuse(c, PGW_E_INVALID, "invalid %s name", what);
    return PGW_OK;
}

/* prefix [schema.]name($1, ..., $n) suffix, NUL-terminated, into b. */
static pgw_status routine_build_call(pgw_conn *c, pgw_buf *b, const char *prefix,
                                     const char *schema, const char *name, size_t nparams)
{
    if (nparams > PGW_MAX_PARAMS)
        return pgwi_conn_refuse(c, PGW_E_TOO_LARGE,
                                "too many arguments: %zu (the protocol allows at most %u)", nparams,
                                PGW_MAX_PARAMS);
    pgw_escape_ctx ctx;
    pgw_escape_ctx_init(&ctx);
    const char *enc = pgw_conn_parameter(c, "client_encoding");
    if (enc != NULL && pgw_encoding_from_name(enc, &ctx.encoding) != PGW_OK)
        return pgwi_conn_refuse(c, PGW_E_UNSUPPORTED, "unknown client_encoding \"%s\"", enc);
    pgw_buf_append(b, prefix, strlen(prefix));
    pgw_status rc = PGW_OK;
    if (schema != NULL) {
        rc = routine_append_ident(c, b, schema, &ctx, "schema");
        if (rc == PGW_OK)
            rc = pgw_buf_put_u8(b, '.');
    }
    if (rc == PGW_OK)
        rc = routine_append_ident(c, b, name, &ctx, "routine");
    if (rc != PGW_OK)
        return rc;
    pgw_buf_put_u8(b, '(');
    for (size_t i = 0; i < nparams; i++) {
        char arg[16];
        int n = snprintf(arg, sizeof arg, "%s$%zu", i ? ", " : "", i + 1);
        pgw_buf_append(b, arg, (size_t)n);
    }
    pgw_buf_put_u8(b, ')');
    pgw_buf_put_u8(b, 0);
    rc = pgw_buf_status(b);
    return rc == PGW_OK ? rc : pgwi_conn_refuse(c, rc, "out of memory");
}

static pgw_status routine_check_args(pgw_conn *c, const char *name)
{
    if (c == NULL)
        return PGW_E_INVALID;
    if (name == NULL)
        return pgwi_conn_refuse(c, PGW_E_INVALID, "routine name is NULL");
    return PGW_OK;
}

pgw_status pgw_call_function(pgw_conn *c, const char *schema, const char *name,
                             const pgw_param *params, size_t nparams, pgw_cursor **out)
{
    if (out == NULL)
        return PGW_E_INVALID;
    *out = NULL;
    pgw_status rc = routine_check_args(c, name);
    if (rc != PGW_OK)
        return rc;
    pgw_buf b;
    pgw_buf_init(&b, c->a, 0);
    rc = routine_build_call(c, &b, "SELECT * FROM ", schema, name, nparams);
    if (rc == PGW_OK)
        rc = pgw_query_params(c, (const char *)b.data, params, nparams, out);
    pgw_buf_free(&b);
    return rc;
}

pgw_status pgw_call_function_result(pgw_conn *c, const char *schema, const char *name,
                                    const pgw_param *params, size_t nparams, pgw_result **out)
{
    if (out == NULL)
        return PGW_E_INVALID;
    *out = NULL;
    pgw_status rc = routine_check_args(c, name);
    if (rc != PGW_OK)
        return rc;
    pgw_buf b;
    pgw_buf_init(&b, c->a, 0);
    rc = routine_build_call(c, &b, "SELECT * FROM ", schema, name, nparams);
    if (rc == PGW_OK)
        rc = pgw_query_params_result(c, (const char *)b.data, params, nparams, out);
    pgw_buf_free(&b);
    return rc;
}

pgw_status pgw_call_procedure(pgw_conn *c, const char *schema, const char *name,
                              const pgw_param *params, size_t nparams, pgw_result **out)
{
    if (out != NULL)
        *out = NULL;
    pgw_status rc = routine_check_args(c, name);
    if (rc != PGW_OK)
        return rc;
    pgw_buf b;
    pgw_buf_init(&b, c->a, 0);
    rc = routine_build_call(c, &b, "CALL ", schema, name, nparams);
    if (rc == PGW_OK) {
        const char *sql = (const char *)b.data;
        if (out != NULL)
            rc = pgw_query_params_result(c, sql, params, nparams, out);
        else
            rc = pgw_exec_params(c, sql, params, nparams, NULL);
    }
    pgw_buf_free(&b);
    return rc;
}
