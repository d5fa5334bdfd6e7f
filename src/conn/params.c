/* pgw_params: parameters built from C values, encoded once into one owned
 * byte buffer. Entries keep offsets (the buffer moves as it grows); the
 * pgw_param array handed to the query functions is rebuilt on request. */

#include "conn/conn_int.h"
#include "pgwire/stmt.h"
#include "pgwire/types.h"

typedef struct entry {
    uint32_t type;
    int16_t format;
    bool null;
    size_t off, len;
} entry;

struct pgw_params {
    pgw_allocator alloc_copy;
    const pgw_allocator *a;
    pgw_buf data;
    entry *ents;
    size_t n, cap;
    pgw_param *view;
    size_t view_cap;
    pgw_status error;
};

pgw_status pgw_params_new(const pgw_allocator *allocator, pgw_params **out)
{
    if (out == NULL)
        return PGW_E_INVALID;
    *out = NULL;
    pgw_params *p = pgwi_alloc(allocator, sizeof *p);
    if (p == NULL)
        return PGW_E_NOMEM;
    memset(p, 0, sizeof *p);
    if (allocator) {
        p->alloc_copy = *allocator;
        p->a = &p->alloc_copy;
    }
    pgw_buf_init(&p->data, p->a, 0);
    *out = p;
    return PGW_OK;
}

void pgw_params_free(pgw_params *p)
{
    if (p == NULL)
        return;
    const pgw_allocator *a = p->a;
    pgw_buf_free(&p->data);
    pgwi_free(a, p->ents, p->cap * sizeof *p->ents);
    pgwi_free(a, p->view, p->view_cap * sizeof *p->view);
    pgwi_free(a, p, sizeof *p);
}

void pgw_params_clear(pgw_params *p)
{
    if (p == NULL)
        return;
    pgw_buf_reset(&p->data);
    p->n = 0;
    p->error = PGW_OK;
}

size_t pgw_params_count(const pgw_params *p)
{
    return p ? p->n : 0;
}

pgw_status pgw_params_status(const pgw_params *p)
{
    return p ? p->error : PGW_E_INVALID;
}

const pgw_param *pgw_params_array(pgw_params *p)
{
    if (p == NULL || p->error != PGW_OK)
        return NULL;
    if (p->n > p->view_cap) {
        pgw_param *v = pgwi_realloc(p->a, p->view, p->view_cap * sizeof *v, p->cap * sizeof *v);
        if (v == NULL) {
            p->error = PGW_E_NOMEM;
            return NULL;
        }
        p->view = v;
        p->view_cap = p->cap;
    }
    static const uint8_t empty[1] = {0};
    for (size_t i = 0; i < p->n; i++) {
        const entry *e = &p->ents[i];
        p->view[i].type = e->type;
        p->view[i].format = e->format;
        p->view[i].len = e->len;
        /* A zero-length non-NULL value needs a non-NULL pointer. */
        p->view[i].data = e->null ? NULL : e->len ? p->data.data + e->off : empty;
    }
    return p->n ? p->view : (const pgw_param *)empty;
}

/* Reserve the next entry; the caller appends the value bytes. */
static entry *add(pgw_params *p, uint32_t type, int16_t format)
{
    if (p == NULL || p->error != PGW_OK)
        return NULL;
    if (p->n >= PGW_MAX_PARAMS) {
        p->error = PGW_E_TOO_LARGE;
        return NULL;
    }
    if (p->n == p->cap) {
        size_t ncap = p->cap ? p->cap * 2 : 8;
        if (ncap > PGW_MAX_PARAMS)
            ncap = PGW_MAX_PARAMS;
        entry *e = pgwi_realloc(p->a, p->ents, p->cap * sizeof *e, ncap * sizeof *e);
        if (e == NULL) {
            p->error = PGW_E_NOMEM;
            return NULL;
        }
        p->ents = e;
        p->cap = ncap;
    }
    entry *e = &p->ents[p->n];
    e->type = type;
    e->format = format;
    e->null = false;
    e->off = p->data.len;
    e->len = 0;
    return e;
}

/* Commit the entry reserved by add() once its bytes are in. */
static pgw_status commit(pgw_params *p, entry *e)
{
    pgw_status rc = pgw_buf_status(&p->data);
    if (rc != PGW_OK) {
        p->error = rc;
        return rc;
    }
    e->len = p->data.len - e->off;
    if (e->len > INT32_MAX) {
        p->data.len = e->off;
        p->error = PGW_E_TOO_LARGE;
        return p->error;
    }
    p->n++;
    return PGW_OK;
}

static pgw_status add_bytes(pgw_params *p, uint32_t type, int16_t format, const void *d,
                            size_t len)
{
    if (p == NULL)
        return PGW_E_INVALID;
    if (d == NULL && len) {
        if (p->error == PGW_OK)
            p->error = PGW_E_INVALID;
        return p->error;
    }
    if (len > INT32_MAX) {
        if (p->error == PGW_OK)
            p->error = PGW_E_TOO_LARGE;
        return p->error;
    }
    entry *e = add(p, type, format);
    if (e == NULL)
        return p->error;
    if (len)
        (void)pgw_buf_append(&p->data, d, len);
    return commit(p, e);
}

pgw_status pgw_params_add_null(pgw_params *p, uint32_t type)
{
    entry *e = add(p, type, PGW_FORMAT_BINARY);
    if (e == NULL)
        return p ? p->error : PGW_E_INVALID;
    e->null = true;
    return commit(p, e);
}

pgw_status pgw_params_add_text(pgw_params *p, uint32_t type, const char *s, size_t len)
{
    if (p != NULL && s != NULL && memchr(s, 0, len) != NULL) {
        if (p->error == PGW_OK)
            p->error = PGW_E_INVALID;
        return p->error;
    }
    return add_bytes(p, type, PGW_FORMAT_TEXT, s, len);
}

pgw_status pgw_params_add_str(pgw_params *p, const char *s)
{
    if (s == NULL)
        return pgw_params_add_null(p, 0);
    return add_bytes(p, 0, PGW_FORMAT_TEXT, s, strlen(s));
}

pgw_status pgw_params_add_binary(pgw_params *p, uint32_t type, const void *data, size_t len)
{
    return add_bytes(p, type, PGW_FORMAT_BINARY, data, len);
}

static pgw_status add_u64(pgw_params *p, uint32_t type, uint64_t v, size_t width)
{
    uint8_t b[8];
    for (size_t i = 0; i < width; i++)
        b[i] = (uint8_t)(v >> (8 * (width - 1 - i)));
    return add_bytes(p, type, PGW_FORMAT_BINARY, b, width);
}

pgw_status pgw_params_add_bool(pgw_params *p, bool v)
{
    return add_u64(p, PGW_OID_BOOL, v ? 1u : 0u, 1);
}

pgw_status pgw_params_add_int2(pgw_params *p, int16_t v)
{
    return add_u64(p, PGW_OID_INT2, (uint16_t)v, 2);
}

pgw_status pgw_params_add_int4(pgw_params *p, int32_t v)
{
    return add_u64(p, PGW_OID_INT4, (uint32_t)v, 4);
}

pgw_status pgw_params_add_int8(pgw_params *p, int64_t v)
{
    return add_u64(p, PGW_OID_INT8, (uint64_t)v, 8);
}

pgw_status pgw_params_add_float4(pgw_params *p, float v)
{
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    return add_u64(p, PGW_OID_FLOAT4, u, 4);
}

pgw_status pgw_params_add_float8(pgw_params *p, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return add_u64(p, PGW_OID_FLOAT8, u, 8);
}

pgw_status pgw_params_add_bytea(pgw_params *p, const void *data, size_t len)
{
    return add_bytes(p, PGW_OID_BYTEA, PGW_FORMAT_BINARY, data, len);
}

/* Microseconds and days between 1970-01-01 and PostgreSQL's epoch 2000-01-01. */
#define EPOCH_SHIFT_USEC INT64_C(946684800000000)
#define EPOCH_SHIFT_DAYS 10957

static pgw_status add_ts(pgw_params *p, uint32_t type, int64_t usec)
{
    int64_t pg;
    if (usec == PGW_TIMESTAMP_INFINITY || usec == PGW_TIMESTAMP_NEG_INFINITY)
        pg = usec;
    else if (usec < INT64_MIN + EPOCH_SHIFT_USEC) {
        if (p && p->error == PGW_OK)
            p->error = PGW_E_RANGE;
        return p ? p->error : PGW_E_INVALID;
    } else
        pg = usec - EPOCH_SHIFT_USEC;
    return add_u64(p, type, (uint64_t)pg, 8);
}

pgw_status pgw_params_add_timestamptz(pgw_params *p, int64_t usec_since_unix_epoch)
{
    return add_ts(p, PGW_OID_TIMESTAMPTZ, usec_since_unix_epoch);
}

pgw_status pgw_params_add_timestamp(pgw_params *p, int64_t usec_since_unix_epoch)
{
    return add_ts(p, PGW_OID_TIMESTAMP, usec_since_unix_epoch);
}

pgw_status pgw_params_add_date(pgw_params *p, int32_t days)
{
    int32_t pg;
    if (days == PGW_DATE_INFINITY || days == PGW_DATE_NEG_INFINITY)
        pg = days;
    else if (days < INT32_MIN + EPOCH_SHIFT_DAYS + 1) {
        if (p && p->error == PGW_OK)
            p->error = PGW_E_RANGE;
        return p ? p->error : PGW_E_INVALID;
    } else
        pg = days - EPOCH_SHIFT_DAYS;
    return add_u64(p, PGW_OID_DATE, (uint32_t)pg, 4);
}

pgw_status pgw_params_add_uuid(pgw_params *p, const uint8_t bytes[16])
{
    return add_bytes(p, PGW_OID_UUID, PGW_FORMAT_BINARY, bytes, bytes ? 16 : 1);
}

pgw_status pgw_params_add_jsonb(pgw_params *p, const char *json, size_t len)
{
    if (p == NULL)
        return PGW_E_INVALID;
    if ((json == NULL && len) || (json && memchr(json, 0, len))) {
        if (p->error == PGW_OK)
            p->error = PGW_E_INVALID;
        return p->error;
    }
    entry *e = add(p, PGW_OID_JSONB, PGW_FORMAT_BINARY);
    if (e == NULL)
        return p->error;
    (void)pgw_buf_put_u8(&p->data, 1); /* jsonb binary format version */
    if (len)
        (void)pgw_buf_append(&p->data, json, len);
    return commit(p, e);
}
