/* Materialised results and the value conversions shared with cursors. */
#include "conn/cursor_int.h"
#include "pgwire/types.h"

/* ---- materialised results --------------------------------------------- */

pgw_status pgwi_result_new(pgw_conn *c, const pgw_cursor *cur, pgw_result **out)
{
    const pgw_allocator *a = c->a;
    pgw_result *r = pgwi_alloc(a, sizeof *r);
    if (r == NULL)
        return PGW_E_NOMEM;
    memset(r, 0, sizeof *r);
    if (a != NULL) {
        r->alloc_copy = *a;
        r->a = &r->alloc_copy;
    }
    pgw_buf_init(&r->data, r->a, 0);
    pgw_buf_init(&r->scratch, r->a, 0);
    r->ncols = cur->ncols;
    size_t names = 0;
    for (uint16_t i = 0; i < cur->ncols; i++)
        names += strlen(cur->cols[i].name) + 1;
    r->names = pgwi_alloc(r->a, names);
    r->names_len = names; /* sizes the free below, even on failure */
    r->cols = pgwi_alloc_array(r->a, cur->ncols, sizeof *r->cols);
    if (r->names == NULL || r->cols == NULL) {
        pgw_result_free(r);
        return PGW_E_NOMEM;
    }
    size_t off = 0;
    for (uint16_t i = 0; i < cur->ncols; i++) {
        size_t n = strlen(cur->cols[i].name) + 1;
        memcpy(r->names + off, cur->cols[i].name, n);
        r->cols[i] = cur->cols[i];
        r->cols[i].name = r->names + off;
        off += n;
    }
    *out = r;
    return PGW_OK;
}

pgw_status pgwi_result_add_row(pgw_result *r, const pgw_conn *c, const pgw_value *vals,
                               uint16_t n)
{
    if (r->nrows == r->rows_cap) {
        size_t cap = r->rows_cap ? r->rows_cap * 2 : 64, old, bytes;
        if (!pgwi_mul_size(r->rows_cap, (size_t)r->ncols * sizeof *r->fields, &old) ||
            !pgwi_mul_size(cap, (size_t)r->ncols * sizeof *r->fields, &bytes))
            return PGW_E_NOMEM;
        pgwi_res_field *nf = pgwi_realloc(r->a, r->fields, old, bytes);
        if (nf == NULL)
            return PGW_E_NOMEM;
        r->fields = nf;
        r->rows_cap = cap;
    }
    pgwi_res_field *row = r->fields + r->nrows * r->ncols;
    for (uint16_t i = 0; i < n; i++) {
        row[i].off = r->data.len;
        row[i].len = vals[i].len;
        row[i].text_off = 0;
        if (vals[i].len >= 0)
            pgw_buf_append(&r->data, vals[i].ptr, (size_t)vals[i].len);
        pgw_buf_put_u8(&r->data, 0);
        if (vals[i].len >= 0 && r->cols[i].format == 1 &&
            !pgwi_binary_is_text(r->cols[i].type_oid)) {
            /* Binary: keep the server's text rendering next to the bytes
             * so pgw_result_text() means the same in both formats. */
            pgw_status rc = pgwi_value_render(c, &vals[i], r->cols[i].type_oid, &r->scratch);
            if (rc == PGW_OK) {
                row[i].text_off = r->data.len;
                pgw_buf_append(&r->data, r->scratch.data, r->scratch.len + 1);
            } else if (rc == PGW_E_NOMEM)
                return rc;
            else
                row[i].text_off = SIZE_MAX;
        }
    }
    if (pgw_buf_status(&r->data) != PGW_OK)
        return PGW_E_NOMEM;
    r->nrows++;
    return PGW_OK;
}

pgw_status pgwi_result_set_tag(pgw_result *r, const char *tag, size_t len)
{
    r->tag = pgwi_strndup(r->a, tag, len);
    if (r->tag == NULL)
        return PGW_E_NOMEM;
    r->tag_len = len;
    return PGW_OK;
}

void pgw_result_free(pgw_result *r)
{
    if (r == NULL)
        return;
    pgw_allocator copy = r->alloc_copy;
    const pgw_allocator *a = r->a != NULL ? &copy : NULL;
    pgw_buf_free(&r->data);
    pgw_buf_free(&r->scratch);
    pgwi_free(a, r->names, r->names_len);
    pgwi_free(a, r->cols, (size_t)r->ncols * sizeof *r->cols);
    pgwi_free(a, r->fields, r->rows_cap * r->ncols * sizeof *r->fields);
    pgwi_free(a, r->tag, r->tag_len + 1);
    pgwi_free(a, r, sizeof *r);
}

size_t pgw_result_nrows(const pgw_result *r)
{
    return r->nrows;
}

uint16_t pgw_result_ncols(const pgw_result *r)
{
    return r->ncols;
}

const char *pgw_result_column_name(const pgw_result *r, uint16_t col)
{
    return col < r->ncols ? r->cols[col].name : NULL;
}

uint32_t pgw_result_column_type(const pgw_result *r, uint16_t col)
{
    return col < r->ncols ? r->cols[col].type_oid : 0;
}

int pgw_result_column_index(const pgw_result *r, const char *name)
{
    for (uint16_t i = 0; i < r->ncols; i++)
        if (strcmp(r->cols[i].name, name) == 0)
            return i;
    return -1;
}

const char *pgw_result_command_tag(const pgw_result *r)
{
    return r->tag;
}

pgw_status pgw_result_rows_affected(const pgw_result *r, uint64_t *rows)
{
    if (r->tag == NULL)
        return PGW_E_STATE;
    return pgw_command_tag_rows(r->tag, r->tag_len, rows);
}

pgw_status pgw_result_value(const pgw_result *r, size_t row, uint16_t col, pgw_value *out)
{
    if (row >= r->nrows || col >= r->ncols)
        return PGW_E_INVALID;
    const pgwi_res_field *f = &r->fields[row * r->ncols + col];
    out->len = f->len;
    out->ptr = f->len >= 0 ? r->data.data + f->off : NULL;
    return PGW_OK;
}

bool pgw_result_is_null(const pgw_result *r, size_t row, uint16_t col)
{
    pgw_value v;
    return pgw_result_value(r, row, col, &v) == PGW_OK && v.len < 0;
}

const char *pgw_result_text(const pgw_result *r, size_t row, uint16_t col)
{
    pgw_value v;
    if (pgw_result_value(r, row, col, &v) != PGW_OK || v.len < 0)
        return NULL;
    size_t t = r->fields[row * r->ncols + col].text_off;
    if (t == SIZE_MAX)
        return NULL;
    return t ? (const char *)r->data.data + t : (const char *)v.ptr;
}

#define RESULT_CONVERSION(fn, ctype, conv)                                                      \
    pgw_status fn(const pgw_result *r, size_t row, uint16_t col, ctype *out)                   \
    {                                                                                          \
        pgw_value v;                                                                           \
        pgw_status rc = pgw_result_value(r, row, col, &v);                                     \
        if (rc != PGW_OK)                                                                      \
            return rc;                                                                         \
        return conv(&v, r->cols[col].format, r->cols[col].type_oid, out);                      \
    }

RESULT_CONVERSION(pgw_result_int32, int32_t, pgwi_value_int32)
RESULT_CONVERSION(pgw_result_int64, int64_t, pgwi_value_int64)
RESULT_CONVERSION(pgw_result_double, double, pgwi_value_double)
RESULT_CONVERSION(pgw_result_bool, bool, pgwi_value_bool)
