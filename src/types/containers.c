/* The containers family of the renderer: arrays (and int2vector/oidvector),
 * composites and anonymous records, ranges, multiranges and hstore. Each
 * element is rendered through the dispatcher (pgwi_render_depth) one level
 * deeper, then quoted in place by the container's output rules, so no
 * scratch buffer is needed. */
#include "pgwire/containers.h"

#include <string.h>

#include "common/common_int.h"
#include "types/types_int.h"

/* Built-in array types and their element types (pg_type.typarray). The
 * integration test checks this table against pg_type. */
static const struct {
    uint32_t array, elem;
} builtin_arrays[] = {
    {1000, PGW_OID_BOOL},
    {1001, PGW_OID_BYTEA},
    {1002, PGW_OID_CHAR},
    {1003, PGW_OID_NAME},
    {1016, PGW_OID_INT8},
    {1005, PGW_OID_INT2},
    {1006, PGW_OID_INT2VECTOR},
    {1007, PGW_OID_INT4},
    {1008, PGW_OID_REGPROC},
    {1009, PGW_OID_TEXT},
    {1028, PGW_OID_OID},
    {1010, PGW_OID_TID},
    {1011, PGW_OID_XID},
    {1012, PGW_OID_CID},
    {1013, PGW_OID_OIDVECTOR},
    {199, PGW_OID_JSON},
    {143, PGW_OID_XML},
    {1017, PGW_OID_POINT},
    {1018, PGW_OID_LSEG},
    {1019, PGW_OID_PATH},
    {1020, PGW_OID_BOX},
    {1027, PGW_OID_POLYGON},
    {629, PGW_OID_LINE},
    {651, PGW_OID_CIDR},
    {1021, PGW_OID_FLOAT4},
    {1022, PGW_OID_FLOAT8},
    {719, PGW_OID_CIRCLE},
    {775, PGW_OID_MACADDR8},
    {791, PGW_OID_MONEY},
    {1040, PGW_OID_MACADDR},
    {1041, PGW_OID_INET},
    {1034, PGW_OID_ACLITEM},
    {1014, PGW_OID_BPCHAR},
    {1015, PGW_OID_VARCHAR},
    {1182, PGW_OID_DATE},
    {1183, PGW_OID_TIME},
    {1115, PGW_OID_TIMESTAMP},
    {1185, PGW_OID_TIMESTAMPTZ},
    {1187, PGW_OID_INTERVAL},
    {1270, PGW_OID_TIMETZ},
    {1561, PGW_OID_BIT},
    {1563, PGW_OID_VARBIT},
    {1231, PGW_OID_NUMERIC},
    {2201, PGW_OID_REFCURSOR},
    {2207, PGW_OID_REGPROCEDURE},
    {2208, PGW_OID_REGOPER},
    {2209, PGW_OID_REGOPERATOR},
    {2210, PGW_OID_REGCLASS},
    {2211, PGW_OID_REGTYPE},
    {2287, PGW_OID_RECORD},
    {1263, PGW_OID_CSTRING},
    {2951, PGW_OID_UUID},
    {3221, PGW_OID_PG_LSN},
    {3643, PGW_OID_TSVECTOR},
    {3645, PGW_OID_TSQUERY},
    {3735, PGW_OID_REGCONFIG},
    {3770, PGW_OID_REGDICTIONARY},
    {3807, PGW_OID_JSONB},
    {4073, PGW_OID_JSONPATH},
    {4090, PGW_OID_REGNAMESPACE},
    {4097, PGW_OID_REGROLE},
    {4192, PGW_OID_REGCOLLATION},
    {271, PGW_OID_XID8},
    {3905, PGW_OID_INT4RANGE},
    {3907, PGW_OID_NUMRANGE},
    {3909, PGW_OID_TSRANGE},
    {3911, PGW_OID_TSTZRANGE},
    {3913, PGW_OID_DATERANGE},
    {3927, PGW_OID_INT8RANGE},
    {6150, PGW_OID_INT4MULTIRANGE},
    {6151, PGW_OID_NUMMULTIRANGE},
    {6152, PGW_OID_TSMULTIRANGE},
    {6153, PGW_OID_TSTZMULTIRANGE},
    {6155, PGW_OID_DATEMULTIRANGE},
    {6157, PGW_OID_INT8MULTIRANGE},
};

/* Built-in ranges (rngsubtype) and multiranges (their range). */
static const struct {
    uint32_t type, sub;
} builtin_ranges[] =
    {
        {PGW_OID_INT4RANGE, PGW_OID_INT4},    {PGW_OID_NUMRANGE, PGW_OID_NUMERIC},
        {PGW_OID_TSRANGE, PGW_OID_TIMESTAMP}, {PGW_OID_TSTZRANGE, PGW_OID_TIMESTAMPTZ},
        {PGW_OID_DATERANGE, PGW_OID_DATE},    {PGW_OID_INT8RANGE, PGW_OID_INT8},
},
  builtin_multiranges[] = {
      {PGW_OID_INT4MULTIRANGE, PGW_OID_INT4RANGE}, {PGW_OID_NUMMULTIRANGE, PGW_OID_NUMRANGE},
      {PGW_OID_TSMULTIRANGE, PGW_OID_TSRANGE},     {PGW_OID_TSTZMULTIRANGE, PGW_OID_TSTZRANGE},
      {PGW_OID_DATEMULTIRANGE, PGW_OID_DATERANGE}, {PGW_OID_INT8MULTIRANGE, PGW_OID_INT8RANGE},
};

#define CTR_COUNT(a) (sizeof(a) / sizeof((a)[0]))

static uint32_t builtin_array_elem(uint32_t oid)
{
    for (size_t i = 0; i < CTR_COUNT(builtin_arrays); i++)
        if (builtin_arrays[i].array == oid)
            return builtin_arrays[i].elem;
    return 0;
}

static uint32_t builtin_range_sub(uint32_t oid)
{
    for (size_t i = 0; i < CTR_COUNT(builtin_ranges); i++)
        if (builtin_ranges[i].type == oid)
            return builtin_ranges[i].sub;
    return 0;
}

static uint32_t builtin_multirange_range(uint32_t oid)
{
    for (size_t i = 0; i < CTR_COUNT(builtin_multiranges); i++)
        if (builtin_multiranges[i].type == oid)
            return builtin_multiranges[i].sub;
    return 0;
}

/* The tables' answers (types_int.h), also checked against pg_type and
 * pg_range by the integration test. */

uint32_t pgwi_container_builtin_elem(uint32_t array_oid)
{
    return builtin_array_elem(array_oid);
}

uint32_t pgwi_container_builtin_subtype(uint32_t oid)
{
    uint32_t r = builtin_range_sub(oid);
    return r ? r : builtin_multirange_range(oid);
}

static const pgw_type_info *ctr_lookup(const pgw_render_ctx *ctx, uint32_t oid)
{
    return ctx->lookup ? ctx->lookup(ctx->lookup_ud, oid) : NULL;
}

static bool ctr_is_hstore(const pgw_type_info *ti)
{
    return ti && ti->name && strcmp(ti->name, "hstore") == 0;
}

/* What kind of container an OID is, and the type inside it. */
typedef enum ctr_kind {
    CTR_NONE,
    CTR_ARRAY,
    CTR_VECTOR,
    CTR_RECORD,
    CTR_RANGE,
    CTR_MULTIRANGE,
    CTR_HSTORE
} ctr_kind;

static ctr_kind ctr_classify(uint32_t oid, const pgw_type_info *ti, uint32_t *inner)
{
    *inner = 0;
    if (oid == PGW_OID_INT2VECTOR || oid == PGW_OID_OIDVECTOR) {
        *inner = oid == PGW_OID_INT2VECTOR ? PGW_OID_INT2 : PGW_OID_OID;
        return CTR_VECTOR;
    }
    if ((*inner = builtin_array_elem(oid)) != 0)
        return CTR_ARRAY;
    if ((*inner = builtin_range_sub(oid)) != 0)
        return CTR_RANGE;
    if ((*inner = builtin_multirange_range(oid)) != 0)
        return CTR_MULTIRANGE;
    if (oid == PGW_OID_RECORD)
        return CTR_RECORD;
    if (!ti)
        return CTR_NONE;
    if (ctr_is_hstore(ti))
        return CTR_HSTORE;
    switch (ti->kind) {
    case 'c':
        return CTR_RECORD;
    case 'r':
        *inner = ti->subtype;
        return ti->subtype ? CTR_RANGE : CTR_NONE;
    case 'm':
        *inner = ti->subtype;
        return ti->subtype ? CTR_MULTIRANGE : CTR_NONE;
    default:
        break;
    }
    if (ti->elem && ti->category == 'A') {
        *inner = ti->elem;
        return CTR_ARRAY;
    }
    return CTR_NONE;
}

/* ---- in-place quoting ------------------------------------------------------ */

typedef enum ctr_qstyle { CTR_Q_ARRAY, CTR_Q_RECORD, CTR_Q_RANGE, CTR_Q_HSTORE } ctr_qstyle;

static bool ctr_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool ctr_null_word(const uint8_t *p, size_t n)
{
    static const char w[] = "null";
    if (n != 4)
        return false;
    for (size_t i = 0; i < 4; i++) {
        uint8_t c = p[i];
        if (c >= 'A' && c <= 'Z')
            c = (uint8_t)(c - 'A' + 'a');
        if (c != (uint8_t)w[i])
            return false;
    }
    return true;
}

/* Quote the text rendered at out->data[mark..len] by the container's output
 * rules (array_out, record_out, range_bound_escape, hstore_out): grow the
 * buffer once and move the bytes backwards, escaping as they go. */
static pgw_status ctr_quote_from(pgw_buf *out, size_t mark, ctr_qstyle st, char delim)
{
    size_t n = out->len - mark;
    const uint8_t *s = out->data ? out->data + mark : (const uint8_t *)"";
    bool quote = n == 0 || st == CTR_Q_HSTORE || (st == CTR_Q_ARRAY && ctr_null_word(s, n));
    size_t esc = 0;
    for (size_t i = 0; i < n; i++) {
        char c = (char)s[i];
        if (c == '"' || c == '\\') {
            esc++;
            quote = true;
        } else if (ctr_space(c)) {
            quote = true;
        } else if (st == CTR_Q_ARRAY) {
            quote = quote || c == '{' || c == '}' || c == delim;
        } else if (st == CTR_Q_RECORD) {
            quote = quote || c == '(' || c == ')' || c == ',';
        } else if (st == CTR_Q_RANGE) {
            quote = quote || c == '(' || c == ')' || c == '[' || c == ']' || c == ',';
        }
    }
    if (!quote)
        return PGW_OK;
    size_t grow;
    if (!pgwi_add_size(esc, 2, &grow))
        return PGW_E_TOO_LARGE;
    pgw_status rc = pgw_buf_reserve(out, grow);
    if (rc != PGW_OK)
        return rc;
    uint8_t *d = out->data + mark;
    size_t w = n + grow;
    d[--w] = '"';
    for (size_t i = n; i-- > 0;) {
        uint8_t c = d[i];
        d[--w] = c;
        if (c == '"' || c == '\\')
            /* array_out and hstore_out escape with a backslash; record_out
             * and range_out double the character. */
            d[--w] = (st == CTR_Q_ARRAY || st == CTR_Q_HSTORE) ? '\\' : c;
    }
    d[--w] = '"';
    out->len += grow;
    return PGW_OK;
}

static pgw_status ctr_render_elem(pgw_buf *out, uint32_t oid, const uint8_t *p, size_t len,
                                  const pgw_render_ctx *ctx, unsigned depth, ctr_qstyle st,
                                  char delim)
{
    size_t mark = out->len;
    pgw_status rc = pgwi_render_depth(out, oid, p, len, ctx, depth + 1);
    if (rc != PGW_OK)
        return rc;
    return ctr_quote_from(out, mark, st, delim);
}

/* ---- families -------------------------------------------------------------- */

static void ctr_put_int(pgw_buf *out, int64_t v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[--i] = '-';
    pgw_buf_append(out, tmp + i, sizeof tmp - i);
}

static char ctr_elem_delim(uint32_t elem, const pgw_render_ctx *ctx)
{
    if (elem == PGW_OID_BOX)
        return ';';
    const pgw_type_info *eti = ctr_lookup(ctx, elem);
    if (eti && eti->delim && eti->delim != '"' && eti->delim != '\\')
        return eti->delim;
    return ',';
}

static pgw_status ctr_render_array(pgw_buf *out, const uint8_t *p, size_t len,
                                   const pgw_render_ctx *ctx, unsigned depth)
{
    pgw_array_hdr h;
    pgw_array_bin_iter it;
    if (pgw_array_bin_begin(p, len, &h, &it) != PGW_OK)
        return PGW_E_INVALID;
    if (h.nitems == 0)
        return pgw_buf_append(out, "{}", 2);
    char delim = ctr_elem_delim(h.elem_oid, ctx);
    bool deco = false;
    for (unsigned i = 0; i < h.ndim; i++)
        deco = deco || h.lbounds[i] != 1;
    for (unsigned i = 0; deco && i < h.ndim; i++) {
        pgw_buf_put_u8(out, '[');
        ctr_put_int(out, h.lbounds[i]);
        pgw_buf_put_u8(out, ':');
        ctr_put_int(out, (int64_t)h.lbounds[i] + h.dims[i] - 1);
        pgw_buf_put_u8(out, ']');
    }
    if (deco)
        pgw_buf_put_u8(out, '=');
    int32_t idx[PGW_ARRAY_MAX_DIMS] = {0};
    for (unsigned i = 0; i < h.ndim; i++)
        pgw_buf_put_u8(out, '{');
    pgw_elem e;
    for (size_t n = 0; pgw_array_bin_next(&it, &e) == PGW_OK; n++) {
        if (n > 0) {
            unsigned k = 0;
            for (unsigned i = h.ndim; i-- > 0;) {
                if (++idx[i] < h.dims[i])
                    break;
                idx[i] = 0;
                k++;
            }
            for (unsigned i = 0; i < k; i++)
                pgw_buf_put_u8(out, '}');
            pgw_buf_put_u8(out, (uint8_t)delim);
            for (unsigned i = 0; i < k; i++)
                pgw_buf_put_u8(out, '{');
        }
        if (e.is_null) {
            pgw_buf_append(out, "NULL", 4);
            continue;
        }
        pgw_status rc =
            ctr_render_elem(out, h.elem_oid, e.p, e.len, ctx, depth, CTR_Q_ARRAY, delim);
        if (rc != PGW_OK)
            return rc;
    }
    for (unsigned i = 0; i < h.ndim; i++)
        pgw_buf_put_u8(out, '}');
    return pgw_buf_status(out);
}

/* int2vector and oidvector: one-dimensional, no NULLs, printed space
 * separated (int2vectorout / oidvectorout). */
static pgw_status ctr_render_vector(pgw_buf *out, uint32_t elem, const uint8_t *p, size_t len)
{
    pgw_array_hdr h;
    pgw_array_bin_iter it;
    if (pgw_array_bin_begin(p, len, &h, &it) != PGW_OK || h.ndim > 1 || h.elem_oid != elem)
        return PGW_E_INVALID;
    pgw_elem e;
    for (size_t n = 0; pgw_array_bin_next(&it, &e) == PGW_OK; n++) {
        size_t want = elem == PGW_OID_INT2 ? 2 : 4;
        if (e.is_null || e.len != want)
            return PGW_E_INVALID;
        if (n > 0)
            pgw_buf_put_u8(out, ' ');
        if (want == 2)
            ctr_put_int(out, (int16_t)pgwi_load_u16(e.p));
        else
            ctr_put_int(out, pgwi_load_u32(e.p));
    }
    return pgw_buf_status(out);
}

static pgw_status ctr_render_record(pgw_buf *out, const uint8_t *p, size_t len,
                                    const pgw_render_ctx *ctx, unsigned depth)
{
    size_t n;
    pgw_record_bin_iter it;
    if (pgw_record_bin_begin(p, len, &n, &it) != PGW_OK)
        return PGW_E_INVALID;
    pgw_buf_put_u8(out, '(');
    pgw_elem e;
    for (size_t i = 0; pgw_record_bin_next(&it, &e) == PGW_OK; i++) {
        if (i > 0)
            pgw_buf_put_u8(out, ',');
        if (e.is_null)
            continue;
        pgw_status rc = ctr_render_elem(out, e.oid, e.p, e.len, ctx, depth, CTR_Q_RECORD, 0);
        if (rc != PGW_OK)
            return rc;
    }
    pgw_buf_put_u8(out, ')');
    return pgw_buf_status(out);
}

static pgw_status ctr_render_range(pgw_buf *out, uint32_t sub, const pgw_range *r,
                                   const pgw_render_ctx *ctx, unsigned depth)
{
    if (r->flags & PGW_RANGE_EMPTY)
        return pgw_buf_append(out, "empty", 5);
    pgw_buf_put_u8(out, (r->flags & PGW_RANGE_LB_INC) ? '[' : '(');
    if (!r->lower.is_null) {
        pgw_status rc =
            ctr_render_elem(out, sub, r->lower.p, r->lower.len, ctx, depth, CTR_Q_RANGE, 0);
        if (rc != PGW_OK)
            return rc;
    }
    pgw_buf_put_u8(out, ',');
    if (!r->upper.is_null) {
        pgw_status rc =
            ctr_render_elem(out, sub, r->upper.p, r->upper.len, ctx, depth, CTR_Q_RANGE, 0);
        if (rc != PGW_OK)
            return rc;
    }
    pgw_buf_put_u8(out, (r->flags & PGW_RANGE_UB_INC) ? ']' : ')');
    return pgw_buf_status(out);
}

static const pgw_type_info *ctr_range_info(uint32_t range, const pgw_render_ctx *ctx, uint32_t *sub)
{
    if ((*sub = builtin_range_sub(range)) != 0)
        return NULL;
    const pgw_type_info *ti = ctr_lookup(ctx, range);
    *sub = ti && ti->kind == 'r' ? ti->subtype : 0;
    return ti;
}

static pgw_status ctr_render_multirange(pgw_buf *out, uint32_t range, const uint8_t *p, size_t len,
                                        const pgw_render_ctx *ctx, unsigned depth)
{
    uint32_t sub;
    ctr_range_info(range, ctx, &sub);
    if (!sub)
        return PGW_E_UNSUPPORTED;
    size_t n;
    pgw_multirange_bin_iter it;
    if (pgw_multirange_bin_begin(p, len, &n, &it) != PGW_OK)
        return PGW_E_INVALID;
    pgw_buf_put_u8(out, '{');
    pgw_range r;
    for (size_t i = 0; pgw_multirange_bin_next(&it, &r) == PGW_OK; i++) {
        if (i > 0)
            pgw_buf_put_u8(out, ',');
        /* The ranges are one level below the multirange. */
        pgw_status rc = ctr_render_range(out, sub, &r, ctx, depth + 1);
        if (rc != PGW_OK)
            return rc;
    }
    pgw_buf_put_u8(out, '}');
    return pgw_buf_status(out);
}

static pgw_status ctr_render_hstore(pgw_buf *out, const uint8_t *p, size_t len)
{
    size_t n;
    pgw_hstore_bin_iter it;
    if (pgw_hstore_bin_begin(p, len, &n, &it) != PGW_OK)
        return PGW_E_INVALID;
    pgw_hstore_pair kv;
    for (size_t i = 0; pgw_hstore_bin_next(&it, &kv) == PGW_OK; i++) {
        if (i > 0)
            pgw_buf_append(out, ", ", 2);
        size_t mark = out->len;
        pgw_buf_append(out, kv.key, kv.key_len);
        ctr_quote_from(out, mark, CTR_Q_HSTORE, 0);
        pgw_buf_append(out, "=>", 2);
        if (kv.value.is_null) {
            pgw_buf_append(out, "NULL", 4);
        } else {
            mark = out->len;
            pgw_buf_append(out, kv.value.p, kv.value.len);
            ctr_quote_from(out, mark, CTR_Q_HSTORE, 0);
        }
    }
    return pgw_buf_status(out);
}

pgw_status pgwi_render_container(pgw_buf *out, uint32_t oid, const pgw_type_info *ti,
                                 const uint8_t *p, size_t len, const pgw_render_ctx *ctx,
                                 unsigned depth)
{
    uint32_t inner;
    ctr_kind k = ctr_classify(oid, ti, &inner);
    if (k == CTR_NONE)
        return PGW_E_UNSUPPORTED;
    if (depth > PGWI_RENDER_MAX_DEPTH)
        return PGW_E_INVALID;
    size_t mark = out->len;
    pgw_status rc = PGW_E_UNSUPPORTED;
    switch (k) {
    case CTR_ARRAY:
        rc = ctr_render_array(out, p, len, ctx, depth);
        break;
    case CTR_VECTOR:
        rc = ctr_render_vector(out, inner, p, len);
        break;
    case CTR_RECORD:
        rc = ctr_render_record(out, p, len, ctx, depth);
        break;
    case CTR_RANGE: {
        pgw_range r;
        rc = pgw_decode_range_bin(p, len, &r);
        if (rc == PGW_OK)
            rc = ctr_render_range(out, inner, &r, ctx, depth);
        break;
    }
    case CTR_MULTIRANGE:
        rc = ctr_render_multirange(out, inner, p, len, ctx, depth);
        break;
    case CTR_HSTORE:
        rc = ctr_render_hstore(out, p, len);
        break;
    case CTR_NONE:
        break;
    }
    if (rc == PGW_OK)
        rc = pgw_buf_status(out);
    if (rc < 0 && pgw_buf_status(out) == PGW_OK)
        out->len = mark;
    return rc;
}

bool pgwi_render_container_supported(uint32_t oid, const pgw_type_info *ti,
                                     const pgw_render_ctx *ctx, unsigned depth)
{
    if (depth > PGWI_RENDER_MAX_DEPTH)
        return false;
    uint32_t inner;
    switch (ctr_classify(oid, ti, &inner)) {
    case CTR_ARRAY:
        return pgwi_render_supported_depth(inner, ctx, depth + 1);
    case CTR_VECTOR:
    case CTR_HSTORE:
        return true;
    case CTR_RECORD:
        /* An anonymous record's field types are only known from its value;
         * a composite's come from the registry. */
        if (!ti || ti->kind != 'c' || (ti->nattrs && !ti->attr_types))
            return false;
        for (uint16_t i = 0; i < ti->nattrs; i++)
            if (!pgwi_render_supported_depth(ti->attr_types[i], ctx, depth + 1))
                return false;
        return true;
    case CTR_RANGE:
        return pgwi_render_supported_depth(inner, ctx, depth + 1);
    case CTR_MULTIRANGE: {
        uint32_t sub;
        ctr_range_info(inner, ctx, &sub);
        return sub && pgwi_render_supported_depth(sub, ctx, depth + 2);
    }
    case CTR_NONE:
        break;
    }
    return false;
}
