/* The containers family against the real server: for a corpus of values,
 * SELECT encode(<type>_send(v), 'hex'), v::text gives the binary form and
 * the server's text. Checked for each value:
 *   - pgw_render_bin(binary) == the server's text;
 *   - decoding the binary and re-encoding it with the binary builders gives
 *     the server's bytes back;
 *   - decoding the server's text and re-encoding it with the text builders
 *     gives the server's text back.
 * Plus the built-in OID tables against pg_type / pg_range. The hstore
 * extension is created by the fixture's superuser role. */
#include <stdbool.h>

#include "pgwire/containers.h"

#include "../../integration/pgtest.h"
#include "types/types_int.h"

/* containers.c's tables (internal). */

/* ---- query helpers ----------------------------------------------------------- */

typedef struct row {
    char *col[12];
    size_t len[12];
    bool null[12];
} row;

static void row_free(row *r)
{
    for (int i = 0; i < 12; i++)
        free(r->col[i]);
    memset(r, 0, sizeof *r);
}

/* Run a statement that returns at most one row; copy its columns. */
static bool q1(pgw_conn *c, const char *sql, row *r)
{
    memset(r, 0, sizeof *r);
    pgw_cursor *cur = NULL;
    pgw_status rc = pgw_query(c, sql, &cur);
    if (rc != PGW_OK) {
        fprintf(stderr, "# %s: %s (%s)\n", sql, pgw_status_name(rc), pgw_conn_errmsg(c));
        fail();
    }
    bool got = false;
    while ((rc = pgw_cursor_next(cur)) == PGW_OK) {
        uint16_t n = pgw_cursor_ncols(cur);
        for (uint16_t i = 0; i < n && i < 12; i++) {
            const char *p;
            size_t len;
            if (pgw_cursor_text(cur, i, &p, &len) == PGW_E_NULL) {
                r->null[i] = true;
                continue;
            }
            r->col[i] = malloc(len + 1);
            memcpy(r->col[i], p, len);
            r->col[i][len] = '\0';
            r->len[i] = len;
        }
        got = true;
    }
    if (rc != PGW_END) {
        fprintf(stderr, "# %s: %s (%s)\n", sql, pgw_status_name(rc), pgw_conn_errmsg(c));
        fail();
    }
    while (pgw_cursor_next_result(cur) == PGW_OK)
        ;
    pgw_cursor_free(cur);
    return got;
}

static void exec(pgw_conn *c, const char *sql)
{
    row r;
    q1(c, sql, &r);
    row_free(&r);
}

static size_t unhex(const char *hex, size_t n, uint8_t **out)
{
    *out = malloc(n / 2 + 1);
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        (*out)[i] = (uint8_t)v;
    }
    return n / 2;
}

/* ---- the registry: types created by the test, looked up in pg_type --------------- */

#define MAX_TYPES 16
typedef struct registry {
    pgw_type_info t[MAX_TYPES];
    char names[MAX_TYPES][64];
    uint32_t attrs[MAX_TYPES][8];
    size_t n;
} registry;

static const pgw_type_info *reg_lookup(void *ud, uint32_t oid)
{
    registry *r = ud;
    for (size_t i = 0; i < r->n; i++)
        if (r->t[i].oid == oid)
            return &r->t[i];
    return NULL;
}

static void reg_add(pgw_conn *c, registry *reg, const char *regtype)
{
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT t.oid, t.typtype, t.typcategory, t.typdelim, t.typelem, t.typbasetype, "
             "coalesce(r.rngsubtype, m.rngtypid, 0), t.typname, "
             "(SELECT string_agg(a.atttypid::text, ' ' ORDER BY a.attnum) FROM pg_attribute a "
             " WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) "
             "FROM pg_type t LEFT JOIN pg_range r ON r.rngtypid = t.oid "
             "LEFT JOIN pg_range m ON m.rngmultitypid = t.oid WHERE t.oid = '%s'::regtype",
             regtype);
    row r;
    assert_true(q1(c, sql, &r));
    assert_true(reg->n < MAX_TYPES);
    pgw_type_info *ti = &reg->t[reg->n];
    memset(ti, 0, sizeof *ti);
    ti->oid = (uint32_t)strtoul(r.col[0], NULL, 10);
    ti->kind = r.col[1][0];
    ti->category = r.col[2][0];
    ti->delim = r.col[3][0];
    ti->elem = (uint32_t)strtoul(r.col[4], NULL, 10);
    ti->base = (uint32_t)strtoul(r.col[5], NULL, 10);
    ti->subtype = (uint32_t)strtoul(r.col[6], NULL, 10);
    snprintf(reg->names[reg->n], sizeof reg->names[0], "%s", r.col[7]);
    ti->name = reg->names[reg->n];
    if (!r.null[8]) {
        char *p = r.col[8], *e;
        uint16_t k = 0;
        while (k < 8 && (reg->attrs[reg->n][k] = (uint32_t)strtoul(p, &e, 10), e != p)) {
            k++;
            p = e;
        }
        ti->nattrs = k;
        ti->attr_types = reg->attrs[reg->n];
    }
    reg->n++;
    row_free(&r);
}

/* ---- re-encoding through the builders -------------------------------------------- */

typedef enum kind { ARRAY, RECORD, RANGE, MULTIRANGE, HSTORE } kind;

static void append_unescaped(pgw_buf *u, const pgw_text_elem *e, kind k)
{
    pgw_buf_reset(u);
    if (!e->needs_unescape)
        pgw_buf_append(u, e->p, e->len);
    else if (k == ARRAY)
        assert_int_equal(pgw_array_text_unescape(u, e->p, e->len), PGW_OK);
    else if (k == HSTORE)
        assert_int_equal(pgw_hstore_text_unescape(u, e->p, e->len), PGW_OK);
    else
        assert_int_equal(pgw_record_text_unescape(u, e->p, e->len), PGW_OK);
}

static void rebuild_bin(kind k, const uint8_t *p, size_t n, pgw_buf *out)
{
    switch (k) {
    case ARRAY: {
        pgw_array_hdr h;
        pgw_array_bin_iter it;
        assert_int_equal(pgw_array_bin_begin(p, n, &h, &it), PGW_OK);
        pgw_array_builder b;
        assert_int_equal(pgw_array_bin_build_begin(&b, out, h.elem_oid, h.ndim, h.dims, h.lbounds),
                         PGW_OK);
        pgw_elem e;
        while (pgw_array_bin_next(&it, &e) == PGW_OK)
            assert_int_equal(e.is_null ? pgw_array_bin_build_null(&b)
                                       : pgw_array_bin_build_add(&b, e.p, e.len),
                             PGW_OK);
        assert_int_equal(pgw_array_bin_build_finish(&b), PGW_OK);
        break;
    }
    case RECORD: {
        size_t nf;
        pgw_record_bin_iter it;
        assert_int_equal(pgw_record_bin_begin(p, n, &nf, &it), PGW_OK);
        pgw_record_builder b;
        assert_int_equal(pgw_record_bin_build_begin(&b, out, nf), PGW_OK);
        pgw_elem e;
        while (pgw_record_bin_next(&it, &e) == PGW_OK)
            assert_int_equal(e.is_null ? pgw_record_bin_build_null(&b, e.oid)
                                       : pgw_record_bin_build_add(&b, e.oid, e.p, e.len),
                             PGW_OK);
        assert_int_equal(pgw_record_bin_build_finish(&b), PGW_OK);
        break;
    }
    case RANGE: {
        pgw_range r;
        assert_int_equal(pgw_decode_range_bin(p, n, &r), PGW_OK);
        assert_int_equal(
            pgw_encode_range_bin(out, r.flags, r.lower.p, r.lower.len, r.upper.p, r.upper.len),
            PGW_OK);
        break;
    }
    case MULTIRANGE: {
        size_t cnt;
        pgw_multirange_bin_iter it;
        assert_int_equal(pgw_multirange_bin_begin(p, n, &cnt, &it), PGW_OK);
        pgw_multirange_builder b;
        assert_int_equal(pgw_multirange_bin_build_begin(&b, out), PGW_OK);
        pgw_range r;
        while (pgw_multirange_bin_next(&it, &r) == PGW_OK)
            assert_int_equal(pgw_multirange_bin_build_add(&b, r.flags, r.lower.p, r.lower.len,
                                                          r.upper.p, r.upper.len),
                             PGW_OK);
        assert_int_equal(pgw_multirange_bin_build_finish(&b), PGW_OK);
        break;
    }
    case HSTORE: {
        size_t np;
        pgw_hstore_bin_iter it;
        assert_int_equal(pgw_hstore_bin_begin(p, n, &np, &it), PGW_OK);
        pgw_hstore_builder b;
        assert_int_equal(pgw_hstore_bin_build_begin(&b, out), PGW_OK);
        pgw_hstore_pair kv;
        while (pgw_hstore_bin_next(&it, &kv) == PGW_OK)
            assert_int_equal(pgw_hstore_bin_build_add(&b, kv.key, kv.key_len,
                                                      kv.value.is_null ? NULL : kv.value.p,
                                                      kv.value.len),
                             PGW_OK);
        assert_int_equal(pgw_hstore_bin_build_finish(&b), PGW_OK);
        break;
    }
    }
}

static void rebuild_range_text(const pgw_range_text *r, pgw_buf *u1, pgw_buf *u2,
                               pgw_multirange_builder *mb, pgw_buf *out)
{
    if (!r->lower.is_null)
        append_unescaped(u1, &r->lower, RANGE);
    if (!r->upper.is_null)
        append_unescaped(u2, &r->upper, RANGE);
    const char *lo = r->lower.is_null ? NULL : (const char *)(u1->data ? u1->data : (uint8_t *)"");
    const char *hi = r->upper.is_null ? NULL : (const char *)(u2->data ? u2->data : (uint8_t *)"");
    size_t ll = r->lower.is_null ? 0 : u1->len, hl = r->upper.is_null ? 0 : u2->len;
    if (mb)
        assert_int_equal(pgw_multirange_text_build_add(mb, r->flags, lo, ll, hi, hl), PGW_OK);
    else
        assert_int_equal(pgw_encode_range_text(out, r->flags, lo, ll, hi, hl), PGW_OK);
}

static void rebuild_text(kind k, const char *t, size_t n, char delim, pgw_buf *out)
{
    pgw_buf u, u2;
    pgw_buf_init(&u, NULL, 0);
    pgw_buf_init(&u2, NULL, 0);
    switch (k) {
    case ARRAY: {
        pgw_array_hdr h;
        pgw_array_text_iter it;
        assert_int_equal(pgw_array_text_begin(t, n, delim, &h, &it), PGW_OK);
        pgw_array_builder b;
        assert_int_equal(pgw_array_text_build_begin(&b, out, delim, h.ndim, h.dims, h.lbounds),
                         PGW_OK);
        pgw_text_elem e;
        while (pgw_array_text_next(&it, &e) == PGW_OK) {
            if (e.is_null) {
                assert_int_equal(pgw_array_text_build_null(&b), PGW_OK);
                continue;
            }
            append_unescaped(&u, &e, ARRAY);
            assert_int_equal(pgw_array_text_build_add(&b, (const char *)u.data, u.len), PGW_OK);
        }
        assert_int_equal(pgw_array_text_build_finish(&b), PGW_OK);
        break;
    }
    case RECORD: {
        size_t nf;
        pgw_record_text_iter it;
        assert_int_equal(pgw_record_text_begin(t, n, &nf, &it), PGW_OK);
        pgw_record_builder b;
        assert_int_equal(pgw_record_text_build_begin(&b, out, nf), PGW_OK);
        pgw_text_elem e;
        while (pgw_record_text_next(&it, &e) == PGW_OK) {
            if (e.is_null) {
                assert_int_equal(pgw_record_text_build_null(&b), PGW_OK);
                continue;
            }
            append_unescaped(&u, &e, RECORD);
            assert_int_equal(pgw_record_text_build_add(&b, (const char *)u.data, u.len), PGW_OK);
        }
        assert_int_equal(pgw_record_text_build_finish(&b), PGW_OK);
        break;
    }
    case RANGE: {
        pgw_range_text r;
        assert_int_equal(pgw_decode_range_text(t, n, &r), PGW_OK);
        rebuild_range_text(&r, &u, &u2, NULL, out);
        break;
    }
    case MULTIRANGE: {
        size_t cnt;
        pgw_multirange_text_iter it;
        assert_int_equal(pgw_multirange_text_begin(t, n, &cnt, &it), PGW_OK);
        pgw_multirange_builder b;
        assert_int_equal(pgw_multirange_text_build_begin(&b, out), PGW_OK);
        pgw_range_text r;
        while (pgw_multirange_text_next(&it, &r) == PGW_OK)
            rebuild_range_text(&r, &u, &u2, &b, out);
        assert_int_equal(pgw_multirange_text_build_finish(&b), PGW_OK);
        break;
    }
    case HSTORE: {
        size_t np;
        pgw_hstore_text_iter it;
        assert_int_equal(pgw_hstore_text_begin(t, n, &np, &it), PGW_OK);
        pgw_hstore_builder b;
        assert_int_equal(pgw_hstore_text_build_begin(&b, out), PGW_OK);
        pgw_hstore_text_pair kv;
        while (pgw_hstore_text_next(&it, &kv) == PGW_OK) {
            append_unescaped(&u, &kv.key, HSTORE);
            if (!kv.value.is_null)
                append_unescaped(&u2, &kv.value, HSTORE);
            assert_int_equal(pgw_hstore_text_build_add(&b, u.data ? (const char *)u.data : "",
                                                       u.len,
                                                       kv.value.is_null ? NULL
                                                       : u2.data        ? (const char *)u2.data
                                                                        : "",
                                                       kv.value.is_null ? 0 : u2.len),
                             PGW_OK);
        }
        assert_int_equal(pgw_hstore_text_build_finish(&b), PGW_OK);
        break;
    }
    }
    pgw_buf_free(&u);
    pgw_buf_free(&u2);
}

/* ---- the corpus ------------------------------------------------------------------- */

typedef struct value {
    kind k;
    const char *expr;
    bool render; /* false when an element type has no client renderer */
} value;

static const value corpus[] = {
    {ARRAY, "'{1,2,NULL}'::int4[]", true},
    {ARRAY, "'[0:1]={1,2}'::int4[]", true},
    {ARRAY, "'[2:3][-1:0]={{1,2},{3,4}}'::int4[]", true},
    {ARRAY, "'{}'::int4[]", true},
    {ARRAY, "'{NULL,NULL}'::text[]", true},
    {ARRAY, "array_fill(7, ARRAY[1,2,1,2,1,2])", true},
    {ARRAY, "array_fill(NULL::text, ARRAY[2,1,1,1,1,2], ARRAY[-5,0,1,2,3,4])", true},
    {ARRAY,
     "ARRAY['a b', '', 'NULL', 'null', 'q\"', E'b\\\\s', 'é', '{x}', 'a,b', ' lead', "
     "E'tab\\there', 'a' || chr(11) || 'b', 'plain', '😀']",
     true},
    {ARRAY, "'{{a,b},{c,d}}'::text[]", true},
    {ARRAY, "'{1.5,NaN,-0.001,12345678901234567890.000000001}'::numeric[]", true},
    {ARRAY, "'{\"2020-01-01 12:00\",infinity,\"0044-03-15 BC\"}'::timestamp[]", true},
    {ARRAY, "ARRAY[ROW(1, 'a b'), ROW(NULL, 'x\"y'), NULL]", true},
    {ARRAY, "ARRAY[int4range(1,5), 'empty', int4range(NULL, 3)]", true},
    {ARRAY, "'{{\"(1,2),(0,0)\"}}'::box[]", false},
    {ARRAY, "'{\"1 2\",3}'::int2vector[]", true},
    {ARRAY, "'1 2 3'::int2vector", true},
    {ARRAY, "'1 4294967295'::oidvector", true},
    {ARRAY, "ARRAY['a=>1, b=>NULL'::hstore, NULL, '']", true},
    {ARRAY, "ARRAY['happy', NULL]::pg_temp.mood[]", true},
    {ARRAY, "ARRAY[ROW(1, 'x')::pg_temp.pair]", true},
    {RECORD, "ROW(1, 'a b', NULL)", true},
    {RECORD, "ROW(ROW(1, 'x\"y'), 'é', '', E'b\\\\s')", true},
    {RECORD, "ROW(ARRAY[1,2], int4range(1,3), '{}'::text[])", true},
    {RECORD, "ROW()", true},
    {RECORD, "ROW(NULL)", true},
    {RECORD, "ROW(1, '(x)', ROW(2, ROW(3, 'deep, \"nested\"')))::record", true},
    {RECORD, "ROW(42, 'it''s')::pg_temp.pair", true},
    {RECORD, "ROW(7::pg_temp.posint, 'sad'::pg_temp.mood, 'k=>v'::hstore)", true},
    {RANGE, "int4range(1,5)", true},
    {RANGE, "numrange(NULL, 5, '[]')", true},
    {RANGE, "'empty'::int4range", true},
    {RANGE, "int8range(NULL, NULL)", true},
    {RANGE, "tsrange('2020-01-01', '2020-01-02 03:04:05.678')", true},
    {RANGE, "tstzrange('2020-01-01 00:00+00', 'infinity')", true},
    {RANGE, "daterange('2020-01-01', '2021-01-01', '[]')", true},
    {RANGE, "pg_temp.floatrange(1.5, 2.25)", true},
    {MULTIRANGE, "'{[1,3),[5,7)}'::int4multirange", true},
    {MULTIRANGE, "'{}'::int4multirange", true},
    {MULTIRANGE, "'{(,1.5], [2,3)}'::nummultirange", true},
    {MULTIRANGE, "'{[2020-01-01,2020-02-01)}'::datemultirange", true},
    {MULTIRANGE, "pg_temp.floatmultirange(pg_temp.floatrange(1, 2), pg_temp.floatrange(3, NULL))",
     true},
    {HSTORE, "'a=>1, b=>NULL, \"b c\"=>\"x\\\"y\", \"\"=>\"é\", \"\\\\\\\\\"=>\"=>\"'::hstore",
     true},
    {HSTORE, "''::hstore", true},
};

static const char *send_fn(kind k)
{
    switch (k) {
    case ARRAY:
        return "array_send";
    case RECORD:
        return "record_send";
    case RANGE:
        return "range_send";
    case MULTIRANGE:
        return "multirange_send";
    case HSTORE:
        return "hstore_send";
    }
    return "";
}

static pgw_conn *connect_super(registry *reg)
{
    char ci[1024];
    pgt_conninfo(ci, sizeof ci, "SUPER", 1, NULL);
    pgw_conn *c = NULL;
    pgw_status rc = pgw_connect_str(&c, ci);
    if (rc != PGW_OK) {
        fprintf(stderr, "# connect: %s\n", pgw_conn_errmsg(c));
        fail();
    }
    exec(c, "SET TimeZone = 'UTC'");
    exec(c, "SET DateStyle = 'ISO, MDY'");
    exec(c, "SET client_min_messages = warning");
    exec(c, "CREATE EXTENSION IF NOT EXISTS hstore");
    exec(c, "CREATE TYPE pg_temp.mood AS ENUM ('sad', 'happy')");
    exec(c, "CREATE TYPE pg_temp.pair AS (a int, b text)");
    exec(c, "CREATE DOMAIN pg_temp.posint AS int CHECK (VALUE > 0)");
    /* its multirange is pg_temp.floatmultirange */
    exec(c, "CREATE TYPE pg_temp.floatrange AS RANGE (subtype = float8)");
    if (reg) {
        static const char *const types[] = {
            "hstore",         "hstore[]",           "pg_temp.mood",
            "pg_temp.mood[]", "pg_temp.pair",       "pg_temp.pair[]",
            "pg_temp.posint", "pg_temp.floatrange", "pg_temp.floatmultirange",
        };
        memset(reg, 0, sizeof *reg);
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            reg_add(c, reg, types[i]);
    }
    return c;
}

static void test_containers_server_values_round_trip(void **s)
{
    registry reg;
    pgw_conn *c = connect_super(&reg);
    pgw_render_ctx ctx;
    pgw_render_ctx_init(&ctx);
    ctx.lookup = reg_lookup;
    ctx.lookup_ud = &reg;
    int failures = 0;
    for (size_t i = 0; i < sizeof corpus / sizeof corpus[0]; i++) {
        const value *v = &corpus[i];
        char sql[2048];
        snprintf(sql, sizeof sql,
                 "SELECT encode(%s(v), 'hex'), v::text, pg_typeof(v)::oid, "
                 "(SELECT typdelim FROM pg_type WHERE oid = (SELECT typelem FROM pg_type "
                 "WHERE oid = pg_typeof(v))) FROM (SELECT %s AS v) x",
                 send_fn(v->k), v->expr);
        row r;
        assert_true(q1(c, sql, &r));
        uint8_t *bin;
        size_t n = unhex(r.col[0], r.len[0], &bin);
        uint32_t oid = (uint32_t)strtoul(r.col[2], NULL, 10);
        char delim = r.null[3] ? ',' : r.col[3][0];
        pgw_buf out;
        pgw_buf_init(&out, NULL, 0);
        /* render(bin) == text */
        pgw_status rc = pgw_render_bin(&out, oid, bin, n, &ctx);
        if (v->render) {
            if (rc != PGW_OK || out.len != r.len[1] || (out.len && memcmp(out.data, r.col[1], out.len))) {
                fprintf(stderr, "# %s: render %s\n#   got  [%.*s]\n#   want [%s]\n", v->expr,
                        pgw_status_name(rc), (int)out.len, out.data ? (char *)out.data : "",
                        r.col[1]);
                failures++;
            }
            if (!pgw_render_bin_supported(oid, &ctx) && oid != PGW_OID_RECORD &&
                oid != PGW_OID_RECORD_ARRAY) {
                fprintf(stderr, "# %s: oid %u not reported supported\n", v->expr, oid);
                failures++;
            }
        } else {
            assert_int_equal(rc, PGW_E_UNSUPPORTED);
            assert_int_equal(out.len, 0);
            assert_false(pgw_render_bin_supported(oid, &ctx));
        }
        /* binary builders reproduce the server's bytes */
        pgw_buf_reset(&out);
        rebuild_bin(v->k, bin, n, &out);
        if (out.len != n || (n && memcmp(out.data, bin, n) != 0)) {
            fprintf(stderr, "# %s: binary rebuild differs\n", v->expr);
            failures++;
        }
        /* text iterators + builders reproduce the server's text (int2vector
         * and oidvector print space separated, not as arrays) */
        if (oid != PGW_OID_INT2VECTOR && oid != PGW_OID_OIDVECTOR) {
            pgw_buf_reset(&out);
            rebuild_text(v->k, r.col[1], r.len[1], delim, &out);
            if (out.len != r.len[1] || (out.len && memcmp(out.data, r.col[1], out.len) != 0)) {
                fprintf(stderr, "# %s: text rebuild\n#   got  [%.*s]\n#   want [%s]\n", v->expr,
                        (int)out.len, out.data ? (char *)out.data : "", r.col[1]);
                failures++;
            }
        }
        pgw_buf_free(&out);
        free(bin);
        row_free(&r);
    }
    assert_int_equal(failures, 0);
    pgw_close(c);
}

/* Every entry of containers.c's tables matches the catalog. */
static void test_containers_server_builtin_oid_tables_match_catalog(void **s)
{
    pgw_conn *c = pgt_connect();
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query(c,
                               "SELECT typarray, oid FROM pg_type WHERE typarray <> 0 AND "
                               "oid < 10000 ORDER BY oid",
                               &cur),
                     PGW_OK);
    size_t matched = 0, rows = 0;
    while (pgw_cursor_next(cur) == PGW_OK) {
        int64_t arr, elem;
        assert_int_equal(pgw_cursor_int64(cur, 0, &arr), PGW_OK);
        assert_int_equal(pgw_cursor_int64(cur, 1, &elem), PGW_OK);
        uint32_t got = pgwi_container_builtin_elem((uint32_t)arr);
        if (got) {
            assert_int_equal(got, (uint32_t)elem);
            matched++;
        }
        rows++;
    }
    pgw_cursor_free(cur);
    /* Every table entry was found (no stale OID), and none is missing for
     * the types of pgwire/types.h. */
    size_t entries = 0;
    for (uint32_t o = 1; o < 10000; o++)
        entries += pgwi_container_builtin_elem(o) != 0;
    assert_int_equal(matched, entries);
    assert_true(rows >= entries);
    assert_int_equal(pgwi_container_builtin_elem(PGW_OID_INT4_ARRAY), PGW_OID_INT4);
    assert_int_equal(pgwi_container_builtin_elem(PGW_OID_INT4), 0);

    cur = NULL;
    assert_int_equal(pgw_query(c,
                               "SELECT rngtypid, rngsubtype, rngmultitypid FROM pg_range "
                               "WHERE rngtypid < 10000",
                               &cur),
                     PGW_OK);
    size_t ranges = 0;
    while (pgw_cursor_next(cur) == PGW_OK) {
        int64_t rng, sub, multi;
        assert_int_equal(pgw_cursor_int64(cur, 0, &rng), PGW_OK);
        assert_int_equal(pgw_cursor_int64(cur, 1, &sub), PGW_OK);
        assert_int_equal(pgw_cursor_int64(cur, 2, &multi), PGW_OK);
        assert_int_equal(pgwi_container_builtin_subtype((uint32_t)rng), (uint32_t)sub);
        assert_int_equal(pgwi_container_builtin_subtype((uint32_t)multi), (uint32_t)rng);
        ranges++;
    }
    pgw_cursor_free(cur);
    assert_int_equal(ranges, 6);
    pgw_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_containers_server_values_round_trip),
        cmocka_unit_test(test_containers_server_builtin_oid_tables_match_catalog),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
