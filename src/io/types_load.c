/* Loading the type registry from the catalogs: for OIDs that are not
 * built in, one query over pg_type (and pg_range for ranges and
 * multiranges, pg_attribute for composites), repeated for the types those
 * rows name (array elements, domain bases, range subtypes, attributes)
 * until everything reachable is known. */
#include <stdio.h>

#include "io/io_int.h"
#include "pgwire/stmt.h"
#include "pgwire/types.h"

/* Built-in OIDs are below FirstNormalObjectId; the renderer knows them. */
#define FIRST_NORMAL_OID 16384u
#define MAX_ROUNDS 8

typedef struct oid_list {
    uint32_t *v;
    size_t n, cap;
} oid_list;

/* Queue an OID the registry does not know yet (once). */
static pgw_status want(const pgw_conn *c, oid_list *l, uint32_t oid)
{
    if (oid < FIRST_NORMAL_OID || pgw_conn_type_info(c, oid) != NULL)
        return PGW_OK;
    for (size_t k = 0; k < l->n; k++)
        if (l->v[k] == oid)
            return PGW_OK;
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 16;
        uint32_t *nv = pgwi_realloc(c->a, l->v, l->cap * sizeof *nv, nc * sizeof *nv);
        if (nv == NULL)
            return PGW_E_NOMEM;
        l->v = nv;
        l->cap = nc;
    }
    l->v[l->n++] = oid;
    return PGW_OK;
}

/* "{1,2,3}" for an oid[] parameter. */
static pgw_status oid_array(pgw_buf *b, const oid_list *l)
{
    pgw_buf_reset(b);
    (void)pgw_buf_put_u8(b, '{');
    for (size_t i = 0; i < l->n; i++) {
        char num[16];
        int k = snprintf(num, sizeof num, "%s%u", i ? "," : "", (unsigned)l->v[i]);
        (void)pgw_buf_append(b, num, (size_t)k);
    }
    (void)pgw_buf_put_u8(b, '}');
    return pgw_buf_status(b);
}

static pgw_status register_composite(pgw_conn *c, pgw_type_info *ti, uint32_t relid)
{
    char relbuf[16];
    snprintf(relbuf, sizeof relbuf, "%u", (unsigned)relid);
    pgw_param p = {PGW_OID_OID, PGW_FORMAT_TEXT, relbuf, strlen(relbuf)};
    pgw_result *r = NULL;
    pgw_status rc = pgw_query_params_result(
        c,
        "SELECT atttypid, attname FROM pg_catalog.pg_attribute WHERE attrelid = $1 "
        "AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
        &p, 1, &r);
    if (rc != PGW_OK)
        return rc;
    size_t n = pgw_result_nrows(r);
    if (n > UINT16_MAX) {
        pgw_result_free(r);
        return PGW_E_PROTOCOL;
    }
    size_t cnt = n ? n : 1;
    uint32_t *types = pgwi_alloc_array(c->a, cnt, sizeof *types);
    const char **names = pgwi_alloc_array(c->a, cnt, sizeof *names);
    if (types == NULL || names == NULL) {
        pgwi_free(c->a, types, cnt * sizeof *types);
        pgwi_free(c->a, names, cnt * sizeof *names);
        pgw_result_free(r);
        return PGW_E_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        int64_t t = 0;
        (void)pgw_result_int64(r, i, 0, &t);
        types[i] = (uint32_t)t;
        names[i] = pgw_result_text(r, i, 1);
    }
    ti->nattrs = (uint16_t)n;
    ti->attr_types = types;
    ti->attr_names = names;
    rc = pgw_conn_register_type(c, ti);
    pgwi_free(c->a, types, cnt * sizeof *types);
    pgwi_free(c->a, names, cnt * sizeof *names);
    pgw_result_free(r);
    return rc;
}

static pgw_status load_round(pgw_conn *c, const oid_list *ask, oid_list *next, pgw_buf *arr)
{
    pgw_status rc = oid_array(arr, ask);
    if (rc != PGW_OK)
        return rc;
    pgw_param p = {0, PGW_FORMAT_TEXT, arr->data, arr->len};
    pgw_result *r = NULL;
    rc = pgw_query_params_result(
        c,
        "SELECT t.oid, t.typelem, t.typbasetype, COALESCE(r.rngsubtype, mr.rngtypid, 0::oid), "
        "t.typrelid, t.typtype, t.typcategory, t.typdelim, t.typname "
        "FROM pg_catalog.pg_type t "
        "LEFT JOIN pg_catalog.pg_range r ON r.rngtypid = t.oid "
        "LEFT JOIN pg_catalog.pg_range mr ON mr.rngmultitypid = t.oid "
        "WHERE t.oid = ANY ($1::pg_catalog.oid[])",
        &p, 1, &r);
    if (rc != PGW_OK)
        return rc;
    for (size_t row = 0; row < pgw_result_nrows(r) && rc == PGW_OK; row++) {
        int64_t v[5] = {0};
        for (uint16_t col = 0; col < 5; col++)
            (void)pgw_result_int64(r, row, col, &v[col]);
        const char *kind = pgw_result_text(r, row, 5);
        const char *cat = pgw_result_text(r, row, 6);
        const char *delim = pgw_result_text(r, row, 7);
        pgw_type_info ti;
        memset(&ti, 0, sizeof ti);
        ti.oid = (uint32_t)v[0];
        ti.kind = kind && *kind ? kind[0] : 'b';
        ti.category = cat && *cat ? cat[0] : 'U';
        ti.delim = delim && *delim ? delim[0] : ',';
        ti.elem = ti.category == 'A' ? (uint32_t)v[1] : 0;
        ti.base = (uint32_t)v[2];
        ti.subtype = (uint32_t)v[3];
        ti.name = pgw_result_text(r, row, 8);
        rc = ti.kind == 'c' && v[4] != 0 ? register_composite(c, &ti, (uint32_t)v[4])
                                         : pgw_conn_register_type(c, &ti);
        const pgw_type_info *got = rc == PGW_OK ? pgw_conn_type_info(c, ti.oid) : NULL;
        if (got == NULL)
            break;
        rc = want(c, next, got->elem);
        if (rc == PGW_OK)
            rc = want(c, next, got->base);
        if (rc == PGW_OK)
            rc = want(c, next, got->subtype);
        for (uint16_t k = 0; rc == PGW_OK && k < got->nattrs; k++)
            rc = want(c, next, got->attr_types[k]);
    }
    pgw_result_free(r);
    return rc;
}

pgw_status pgw_conn_load_types(pgw_conn *c, const uint32_t *oids, size_t n)
{
    if (c == NULL || (n && oids == NULL))
        return PGW_E_INVALID;
    oid_list ask = {NULL, 0, 0}, next = {NULL, 0, 0};
    pgw_buf arr;
    pgw_buf_init(&arr, c->a, 0);
    pgw_status rc = PGW_OK;
    for (size_t i = 0; i < n && rc == PGW_OK; i++)
        rc = want(c, &ask, oids[i]);
    for (int round = 0; rc == PGW_OK && round < MAX_ROUNDS && ask.n > 0; round++) {
        next.n = 0;
        rc = load_round(c, &ask, &next, &arr);
        oid_list t = ask;
        ask = next;
        next = t;
    }
    pgwi_free(c->a, ask.v, ask.cap * sizeof *ask.v);
    pgwi_free(c->a, next.v, next.cap * sizeof *next.v);
    pgw_buf_free(&arr);
    return rc;
}
