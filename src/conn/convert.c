/* Field conversions shared by cursors and materialised results: a value
 * (text or binary) of a column type -> a C value, with a type check first
 * (an int64 asked of a text column is PGW_E_TYPE, not a parse attempt that
 * might succeed on "42" and fail on "abc"), then width and range checks. */
#include "conn/conn_int.h"
#include "pgwire/datetime.h"
#include "pgwire/types.h"

/* Types whose text is never a number or a boolean. */
static bool textual(uint32_t t)
{
    switch (t) {
    case PGW_OID_TEXT:
    case PGW_OID_VARCHAR:
    case PGW_OID_BPCHAR:
    case PGW_OID_NAME:
    case PGW_OID_CHAR:
    case PGW_OID_UNKNOWN:
    case PGW_OID_JSON:
    case PGW_OID_JSONB:
    case PGW_OID_XML:
    case PGW_OID_BYTEA:
    case PGW_OID_UUID:
    case PGW_OID_DATE:
    case PGW_OID_TIME:
    case PGW_OID_TIMETZ:
    case PGW_OID_TIMESTAMP:
    case PGW_OID_TIMESTAMPTZ:
    case PGW_OID_INTERVAL:
    case PGW_OID_INET:
    case PGW_OID_CIDR:
    case PGW_OID_MACADDR:
    case PGW_OID_MACADDR8:
        return true;
    default:
        return false;
    }
}

static bool integral(uint32_t t)
{
    return t == PGW_OID_INT2 || t == PGW_OID_INT4 || t == PGW_OID_INT8 || t == PGW_OID_OID;
}

static bool floating(uint32_t t)
{
    return t == PGW_OID_FLOAT4 || t == PGW_OID_FLOAT8;
}

static uint64_t load_u64(const uint8_t *p)
{
    return ((uint64_t)pgwi_load_u32(p) << 32) | pgwi_load_u32(p + 4);
}

pgw_status pgwi_value_int64(const pgw_value *v, int format, uint32_t type, int64_t *out)
{
    if (v->len < 0)
        return PGW_E_NULL;
    if (format == 1) {
        /* Binary: the width comes from the type. */
        const uint8_t *p = v->ptr;
        if (type == PGW_OID_INT8)
            return v->len == 8 ? (*out = (int64_t)load_u64(p), PGW_OK) : PGW_E_INVALID;
        if (type == PGW_OID_INT4 || type == PGW_OID_OID) {
            if (v->len != 4)
                return PGW_E_INVALID;
            uint32_t u = pgwi_load_u32(p);
            *out = type == PGW_OID_OID ? (int64_t)u : (int64_t)(int32_t)u;
            return PGW_OK;
        }
        if (type == PGW_OID_INT2)
            return v->len == 2 ? (*out = (int16_t)pgwi_load_u16(p), PGW_OK) : PGW_E_INVALID;
        if (type == PGW_OID_NUMERIC)
            return pgw_decode_numeric_bin_int64(p, (size_t)v->len, out);
        return PGW_E_TYPE;
    }
    if (textual(type) || floating(type) || type == PGW_OID_BOOL)
        return PGW_E_TYPE;
    return pgw_decode_int8_text((const char *)v->ptr, (size_t)v->len, out);
}

pgw_status pgwi_value_int32(const pgw_value *v, int format, uint32_t type, int32_t *out)
{
    if (v->len < 0)
        return PGW_E_NULL;
    if (format == 1 || type != PGW_OID_INT4) {
        int64_t w;
        pgw_status rc = pgwi_value_int64(v, format, type, &w);
        if (rc != PGW_OK)
            return rc;
        if (w < INT32_MIN || w > INT32_MAX)
            return PGW_E_RANGE;
        *out = (int32_t)w;
        return PGW_OK;
    }
    return pgw_decode_int4_text((const char *)v->ptr, (size_t)v->len, out);
}

pgw_status pgwi_value_double(const pgw_value *v, int format, uint32_t type, double *out)
{
    if (v->len < 0)
        return PGW_E_NULL;
    if (format == 1) {
        const uint8_t *p = v->ptr;
        if (type == PGW_OID_FLOAT8) {
            if (v->len != 8)
                return PGW_E_INVALID;
            uint64_t u = load_u64(p);
            memcpy(out, &u, sizeof *out);
            return PGW_OK;
        }
        if (type == PGW_OID_FLOAT4) {
            if (v->len != 4)
                return PGW_E_INVALID;
            uint32_t u = pgwi_load_u32(p);
            float f;
            memcpy(&f, &u, sizeof f);
            *out = (double)f;
            return PGW_OK;
        }
        if (type == PGW_OID_NUMERIC)
            return pgw_decode_numeric_bin_double(p, (size_t)v->len, out);
        if (!integral(type))
            return PGW_E_TYPE;
        int64_t w;
        pgw_status rc = pgwi_value_int64(v, format, type, &w);
        if (rc == PGW_OK)
            *out = (double)w;
        return rc;
    }
    if (textual(type) || type == PGW_OID_BOOL)
        return PGW_E_TYPE;
    return pgw_decode_float8_text((const char *)v->ptr, (size_t)v->len, out);
}

pgw_status pgwi_value_bool(const pgw_value *v, int format, uint32_t type, bool *out)
{
    if (v->len < 0)
        return PGW_E_NULL;
    if (type != PGW_OID_BOOL && (format == 1 || textual(type) || integral(type) ||
                                 floating(type) || type == PGW_OID_NUMERIC))
        return PGW_E_TYPE;
    if (format == 1) {
        if (v->len == 1 && v->ptr[0] <= 1) {
            *out = v->ptr[0] == 1;
            return PGW_OK;
        }
        return PGW_E_INVALID;
    }
    return pgw_decode_bool_text((const char *)v->ptr, (size_t)v->len, out);
}

/* Microseconds and days between 1970-01-01 and PostgreSQL's 2000-01-01. */
#define EPOCH_SHIFT_USEC INT64_C(946684800000000)
#define EPOCH_SHIFT_DAYS 10957

pgw_status pgwi_value_timestamp(const pgw_value *v, int format, uint32_t type, int64_t *out)
{
    if (v->len < 0)
        return PGW_E_NULL;
    if (type != PGW_OID_TIMESTAMP && type != PGW_OID_TIMESTAMPTZ)
        return PGW_E_TYPE;
    if (format == 1) {
        if (v->len != 8)
            return PGW_E_INVALID;
        int64_t pg = (int64_t)load_u64(v->ptr);
        if (pg == PGW_TIMESTAMP_INFINITY || pg == PGW_TIMESTAMP_NEG_INFINITY) {
            *out = pg;
            return PGW_OK;
        }
        if (pg > INT64_MAX - EPOCH_SHIFT_USEC || pg + EPOCH_SHIFT_USEC == INT64_MAX)
            return PGW_E_RANGE;
        *out = pg + EPOCH_SHIFT_USEC;
        return PGW_OK;
    }
    /* timestamp has no zone in its text; timestamptz always has one. */
    if (type == PGW_OID_TIMESTAMP)
        return pgw_decode_timestamp_text((const char *)v->ptr, (size_t)v->len, out);
    return pgw_decode_timestamptz_text((const char *)v->ptr, (size_t)v->len, out);
}

pgw_status pgwi_value_date(const pgw_value *v, int format, uint32_t type, int32_t *out)
{
    if (v->len < 0)
        return PGW_E_NULL;
    if (type != PGW_OID_DATE)
        return PGW_E_TYPE;
    if (format == 1) {
        if (v->len != 4)
            return PGW_E_INVALID;
        int32_t pg = (int32_t)pgwi_load_u32(v->ptr);
        if (pg == PGW_DATE_INFINITY || pg == PGW_DATE_NEG_INFINITY) {
            *out = pg;
            return PGW_OK;
        }
        if (pg > INT32_MAX - EPOCH_SHIFT_DAYS - 1)
            return PGW_E_RANGE;
        *out = pg + EPOCH_SHIFT_DAYS;
        return PGW_OK;
    }
    return pgw_decode_date_text((const char *)v->ptr, (size_t)v->len, out);
}

pgw_status pgwi_value_render(const pgw_conn *c, const pgw_value *v, uint32_t type, pgw_buf *out)
{
    pgw_buf_reset(out);
    if (v->len < 0)
        return PGW_E_NULL;
    if (pgwi_binary_is_text(type))
        (void)pgw_buf_append(out, v->ptr, (size_t)v->len);
    else if (c->tz_unknown && (type == PGW_OID_TIMESTAMPTZ || type == PGW_OID_TIMESTAMPTZ_ARRAY ||
                               type == PGW_OID_TSTZRANGE || type == PGW_OID_TSTZMULTIRANGE))
        /* Rendering in UTC would silently differ from the server's text. */
        return PGW_E_UNSUPPORTED;
    else {
        if (c->render == NULL)
            return PGW_E_UNSUPPORTED;
        pgw_status rc = c->render(out, type, v->ptr, (size_t)v->len, &c->rctx);
        if (rc != PGW_OK)
            return rc;
    }
    /* NUL-terminated for callers that want a C string. */
    (void)pgw_buf_put_u8(out, 0);
    pgw_status rc = pgw_buf_status(out);
    if (rc == PGW_OK)
        out->len--;
    return rc;
}

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

void pgw_conn_set_tz_loader(pgw_conn *c, pgw_tz_loader_fn fn, void *ud)
{
    if (c == NULL)
        return;
    c->tz_loader = fn;
    c->tz_loader_ud = ud;
    const char *zone = pgw_conn_parameter(c, "TimeZone");
    if (zone != NULL)
        pgwi_render_note_param(c, "TimeZone", zone);
}

const pgw_render_ctx *pgw_conn_render_ctx(const pgw_conn *c)
{
    return c ? &c->rctx : NULL;
}

void pgwi_conn_free_tz(pgw_conn *c)
{
    pgw_tz_free(c->tz);
    c->tz = NULL;
    c->rctx.tz = NULL;
}

static bool is_utc(const char *zone)
{
    return strcmp(zone, "UTC") == 0 || strcmp(zone, "Etc/UTC") == 0 ||
           strcmp(zone, "GMT") == 0 || strcmp(zone, "Etc/GMT") == 0;
}

void pgwi_render_note_param(pgw_conn *c, const char *name, const char *value)
{
    if (strcmp(name, "TimeZone") == 0) {
        pgwi_conn_free_tz(c);
        c->tz_unknown = false;
        if (is_utc(value))
            return;
        pgw_tz *tz = NULL;
        if (c->tz_loader == NULL || c->tz_loader(c->tz_loader_ud, value, c->a, &tz) != PGW_OK ||
            tz == NULL) {
            c->tz_unknown = true;
            return;
        }
        c->tz = tz;
        c->rctx.tz = tz;
        return;
    }
    if (strcmp(name, "DateStyle") == 0) {
        /* "ISO, MDY": output style, then field order. */
        pgw_render_ctx *r = &c->rctx;
        if (starts(value, "ISO"))
            r->datestyle = PGW_DATESTYLE_ISO;
        else if (starts(value, "Postgres"))
            r->datestyle = PGW_DATESTYLE_POSTGRES;
        else if (starts(value, "SQL"))
            r->datestyle = PGW_DATESTYLE_SQL;
        else if (starts(value, "German"))
            r->datestyle = PGW_DATESTYLE_GERMAN;
        const char *comma = strchr(value, ',');
        if (comma != NULL) {
            comma++;
            while (*comma == ' ')
                comma++;
            if (starts(comma, "DMY"))
                r->dateorder = PGW_DATEORDER_DMY;
            else if (starts(comma, "YMD"))
                r->dateorder = PGW_DATEORDER_YMD;
            else
                r->dateorder = PGW_DATEORDER_MDY;
        }
    } else if (strcmp(name, "IntervalStyle") == 0) {
        if (strcmp(value, "postgres_verbose") == 0)
            c->rctx.intervalstyle = PGW_INTERVALSTYLE_POSTGRES_VERBOSE;
        else if (strcmp(value, "sql_standard") == 0)
            c->rctx.intervalstyle = PGW_INTERVALSTYLE_SQL_STANDARD;
        else if (strcmp(value, "iso_8601") == 0)
            c->rctx.intervalstyle = PGW_INTERVALSTYLE_ISO_8601;
        else
            c->rctx.intervalstyle = PGW_INTERVALSTYLE_POSTGRES;
    }
}
