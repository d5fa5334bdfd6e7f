/* Result output in psql's unaligned, CSV and aligned formats (print.c and
 * mbprint.c of psql 15, default settings: border 1, ascii line style, no
 * wrapping, footer on). */
#include "print.h"

#include <stdlib.h>
#include <string.h>

/* Type OIDs psql right-aligns (pg_type.dat). */
enum {
    OID_INT8 = 20,
    OID_INT2 = 21,
    OID_INT4 = 23,
    OID_OID = 26,
    OID_XID = 28,
    OID_CID = 29,
    OID_FLOAT4 = 700,
    OID_FLOAT8 = 701,
    OID_MONEY = 790,
    OID_NUMERIC = 1700,
    OID_XID8 = 5069
};

char pgwc_column_align(uint32_t type_oid)
{
    switch (type_oid) {
    case OID_INT2:
    case OID_INT4:
    case OID_INT8:
    case OID_FLOAT4:
    case OID_FLOAT8:
    case OID_NUMERIC:
    case OID_OID:
    case OID_XID:
    case OID_XID8:
    case OID_CID:
    case OID_MONEY:
        return 'r';
    default:
        return 'l';
    }
}

void pgwc_print_opts_init(pgwc_print_opts *o)
{
    o->format = PGWC_FORMAT_ALIGNED;
    o->tuples_only = false;
    o->field_sep = "|";
    o->record_sep = "\n";
    o->csv_sep = ',';
    o->null_print = "";
    o->enc = PGWC_ENC_UTF8;
    o->fetch_count = 0;
    o->hold_bytes = (size_t)1 << 20;
}

/* ---- psql's UTF-8 clean-up ------------------------------------------------
 * psql passes every header and cell through mbvalidate(), which drops the
 * bytes of any sequence its utf_charcheck() rejects (including some
 * noncharacters the server accepts, such as U+1FFFF). The checks below are
 * that function's, odd corners included: the three-byte branch mixes in
 * the first byte where the third was meant, so it rejects almost nothing. */

static unsigned char at(const unsigned char *s, size_t len, size_t i)
{
    return i < len ? s[i] : 0;
}

static int utf_charcheck(const unsigned char *s, size_t len)
{
    unsigned char c0 = at(s, len, 0), c1 = at(s, len, 1), c2 = at(s, len, 2), c3 = at(s, len, 3);
    if ((c0 & 0x80) == 0)
        return 1;
    if ((c0 & 0xe0) == 0xc0)
        return ((c1 & 0xc0) == 0x80 && (c0 & 0x1f) > 0x01) ? 2 : -1;
    if ((c0 & 0xf0) == 0xe0) {
        if ((c1 & 0xc0) != 0x80 || ((c0 & 0x0f) == 0 && (c1 & 0x20) != 0x20) || (c2 & 0xc0) != 0x80)
            return -1;
        unsigned z = c0 & 0x0fu;
        unsigned yx = ((c1 & 0x3fu) << 6) | (c0 & 0x3fu);
        unsigned lx = yx & 0x7fu;
        if ((z == 0x0f &&
             ((yx & 0xffeu) == 0xffeu || ((yx & 0xf80u) == 0xd80u && lx >= 0x30 && lx <= 0x4f))) ||
            (z == 0x0d && (yx & 0xb00u) == 0x800u))
            return -1;
        return 3;
    }
    if ((c0 & 0xf8) == 0xf0) {
        unsigned u = ((c0 & 0x07u) << 2) | ((c1 & 0x30u) >> 4);
        if ((c1 & 0xc0) != 0x80 || u == 0 || u > 0x10 || (c2 & 0xc0) != 0x80 || (c3 & 0xc0) != 0x80)
            return -1;
        if ((c1 & 0x0f) == 0x0f && (c2 & 0x3f) == 0x3f && (c3 & 0x3e) == 0x3e)
            return -1;
        return 4;
    }
    return -1;
}

void pgwc_append_validated(pgwc_str *out, const char *s, size_t len, pgwc_encoding enc)
{
    /* psql works on C strings: a NUL ends the value */
    const char *nul = memchr(s, '\0', len);
    if (nul != NULL)
        len = (size_t)(nul - s);
    if (enc != PGWC_ENC_UTF8) {
        pgwc_str_append(out, s, len);
        return;
    }
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, run = 0;
    while (i < len) {
        int n = utf_charcheck(u + i, len - i);
        if (n > 0) {
            i += (size_t)n;
            continue;
        }
        pgwc_str_append(out, s + run, i - run);
        i++; /* drop one byte and look again */
        run = i;
    }
    pgwc_str_append(out, s + run, (i < len ? i : len) - run);
}

/* ---- CSV ------------------------------------------------------------------ */

void pgwc_append_csv_field(pgwc_str *out, const char *s, size_t len, char sep)
{
    /* Quote when the field holds the separator, a quote, CR or LF, or is
     * exactly "\." (COPY's end marker), and always with a '\' or '.'
     * separator, so no line can read as that marker. */
    bool quote = sep == '\\' || sep == '.' || (len == 2 && s[0] == '\\' && s[1] == '.');
    for (size_t i = 0; !quote && i < len; i++)
        quote = s[i] == sep || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (!quote) {
        pgwc_str_append(out, s, len);
        return;
    }
    pgwc_str_putc(out, '"');
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"') {
            pgwc_str_append(out, s + run, i + 1 - run);
            pgwc_str_putc(out, '"');
            run = i + 1;
        }
    }
    pgwc_str_append(out, s + run, len - run);
    pgwc_str_putc(out, '"');
}

/* ---- the printer ------------------------------------------------------------ */

void pgwc_printer_init(pgwc_printer *p, const pgwc_print_opts *o, FILE *out)
{
    memset(p, 0, sizeof *p);
    p->opt = *o;
    p->out = out;
    pgwc_str_init(&p->pend);
    pgwc_str_init(&p->scratch);
    pgwc_str_init(&p->headers);
    pgwc_str_init(&p->cells);
}

static void clear_result(pgwc_printer *p)
{
    free(p->aligns);
    free(p->header_off);
    free(p->cell_off);
    p->aligns = NULL;
    p->header_off = NULL;
    p->cell_off = NULL;
    p->cell_cap = 0;
    pgwc_str_reset(&p->headers);
    pgwc_str_reset(&p->cells);
    p->group_rows = 0;
    p->ncols = 0;
    p->nrows = 0;
    p->prior_rows = 0;
    p->need_recordsep = false;
    p->header_done = false;
    p->streaming = false;
}

void pgwc_printer_free(pgwc_printer *p)
{
    clear_result(p);
    pgwc_str_free(&p->pend);
    pgwc_str_free(&p->scratch);
    pgwc_str_free(&p->headers);
    pgwc_str_free(&p->cells);
}

bool pgwc_print_failed(const pgwc_printer *p)
{
    return p->failed;
}

void pgwc_print_flush(pgwc_printer *p)
{
    if (p->pend.failed)
        p->failed = true;
    else if (p->pend.len > 0 && fwrite(p->pend.data, 1, p->pend.len, p->out) != p->pend.len)
        p->failed = true;
    pgwc_str_reset(&p->pend);
    if (fflush(p->out) != 0)
        p->failed = true;
}

/* Write the pending text without forcing stdio to flush. */
static void write_pending(pgwc_printer *p)
{
    if (p->pend.failed)
        p->failed = true;
    else if (p->pend.len > 0 && fwrite(p->pend.data, 1, p->pend.len, p->out) != p->pend.len)
        p->failed = true;
    pgwc_str_reset(&p->pend);
}

/* After a row: once the held output passes its limit, or a fetch_count
 * group is complete, the result streams. */
static void after_row(pgwc_printer *p)
{
    if (!p->streaming && p->opt.fetch_count > 0 && p->nrows % p->opt.fetch_count == 0)
        p->streaming = true;
    if (!p->streaming && p->pend.len > p->opt.hold_bytes)
        p->streaming = true;
    if (p->streaming && (p->opt.fetch_count == 0 || p->nrows % p->opt.fetch_count == 0 ||
                         p->pend.len > p->opt.hold_bytes))
        write_pending(p);
}

static void footer(pgwc_str *s, uint64_t rows)
{
    pgwc_str_putc(s, '(');
    pgwc_str_putu(s, rows);
    pgwc_str_puts(s, rows == 1 ? " row)" : " rows)");
}

/* ---- aligned -------------------------------------------------------------- */

/* One value laid out as psql's pg_wcsformat does: split at newlines,
 * '\r' shown as "\r", tabs expanded to the next multiple of 8, other
 * control characters as "\xNN" or "\uNNNN". */
typedef struct cell_lines {
    pgwc_str text; /* the lines, each NUL-terminated */
    size_t *off;   /* start of each line in text */
    size_t *width; /* display width of each line */
    size_t n;
    size_t cap;
} cell_lines;

static bool add_line(cell_lines *c, size_t off, size_t width)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 4;
        size_t *o = realloc(c->off, cap * sizeof *o);
        if (o == NULL)
            return false;
        c->off = o;
        size_t *w = realloc(c->width, cap * sizeof *w);
        if (w == NULL)
            return false;
        c->width = w;
        c->cap = cap;
    }
    c->off[c->n] = off;
    c->width[c->n] = width;
    c->n++;
    return true;
}

static const char hexdigits[] = "0123456789ABCDEF";

/* Lay out the NUL-terminated string s. Returns false when out of memory. */
static bool layout(cell_lines *c, const char *s, pgwc_encoding enc)
{
    pgwc_str_reset(&c->text);
    c->n = 0;
    size_t start = 0, w = 0, len = strlen(s);
    while (len > 0) {
        size_t chlen = pgwc_mblen(enc, s);
        if (len < chlen)
            break; /* a truncated character ends the value */
        int dw = pgwc_dsplen(enc, s);
        unsigned char ch = (unsigned char)*s;
        if (chlen == 1) {
            if (ch == '\n') {
                pgwc_str_putc(&c->text, '\0');
                if (!add_line(c, start, w))
                    return false;
                start = c->text.len;
                w = 0;
            } else if (ch == '\r') {
                pgwc_str_puts(&c->text, "\\r");
                w += 2;
            } else if (ch == '\t') {
                do {
                    pgwc_str_putc(&c->text, ' ');
                    w++;
                } while (w % 8 != 0);
            } else if (dw < 0) {
                char x[4] = {'\\', 'x', hexdigits[ch >> 4], hexdigits[ch & 15]};
                pgwc_str_append(&c->text, x, 4);
                w += 4;
            } else {
                pgwc_str_putc(&c->text, (char)ch);
                w += (size_t)dw;
            }
        } else if (dw < 0) {
            /* a control character beyond ASCII (U+0080..U+009F) */
            const unsigned char *u = (const unsigned char *)s;
            unsigned cp = ((unsigned)(u[0] & 0x1f) << 6) | (u[1] & 0x3fu);
            char x[6] = {'\\',
                         'u',
                         hexdigits[(cp >> 12) & 15],
                         hexdigits[(cp >> 8) & 15],
                         hexdigits[(cp >> 4) & 15],
                         hexdigits[cp & 15]};
            if (enc != PGWC_ENC_UTF8)
                memcpy(x + 2, "????", 4);
            pgwc_str_append(&c->text, x, 6);
            w += 6;
        } else {
            pgwc_str_append(&c->text, s, chlen);
            w += (size_t)dw;
        }
        s += chlen;
        len -= chlen;
    }
    pgwc_str_putc(&c->text, '\0');
    if (!add_line(c, start, w))
        return false;
    return !c->text.failed;
}

static void cell_lines_free(cell_lines *c)
{
    pgwc_str_free(&c->text);
    free(c->off);
    free(c->width);
}

static const char *group_cell(const pgwc_printer *p, size_t row, size_t col)
{
    return p->cells.data + p->cell_off[row * p->ncols + col];
}

/* Print the rows collected so far as one table (or one FETCH_COUNT group
 * of it: only the first has the header, only the last the footer). */
static void print_group(pgwc_printer *p, bool last)
{
    size_t ncols = p->ncols, nrows = p->group_rows;
    pgwc_encoding enc = p->opt.enc;
    pgwc_str *o = &p->pend;
    size_t *width = calloc(ncols ? ncols : 1, sizeof *width);
    cell_lines *cl = calloc(ncols ? ncols : 1, sizeof *cl);
    bool *done = calloc(ncols ? ncols : 1, sizeof *done);
    size_t *curr = calloc(ncols ? ncols : 1, sizeof *curr);
    bool ok = width != NULL && cl != NULL && done != NULL && curr != NULL;

    /* column widths: the widest line of the header or of any cell */
    for (size_t j = 0; ok && j < ncols; j++) {
        ok = layout(&cl[j], p->headers.data + p->header_off[j], enc);
        for (size_t k = 0; ok && k < cl[j].n; k++)
            if (cl[j].width[k] > width[j])
                width[j] = cl[j].width[k];
        for (size_t r = 0; ok && r < nrows; r++) {
            ok = layout(&cl[j], group_cell(p, r, j), enc);
            for (size_t k = 0; ok && k < cl[j].n; k++)
                if (cl[j].width[k] > width[j])
                    width[j] = cl[j].width[k];
        }
    }

    if (ok && !p->header_done && !p->opt.tuples_only) {
        size_t more = ncols, line = 0;
        for (size_t j = 0; ok && j < ncols; j++)
            ok = layout(&cl[j], p->headers.data + p->header_off[j], enc);
        while (ok && more > 0) {
            for (size_t j = 0; j < ncols; j++) {
                pgwc_str_putc(o, ' ');
                if (!done[j]) {
                    size_t pad = width[j] - cl[j].width[line];
                    pgwc_str_repeat(o, ' ', pad / 2);
                    pgwc_str_puts(o, cl[j].text.data + cl[j].off[line]);
                    pgwc_str_repeat(o, ' ', (pad + 1) / 2);
                    if (line + 1 >= cl[j].n) {
                        more--;
                        done[j] = true;
                    }
                } else {
                    pgwc_str_repeat(o, ' ', width[j]);
                }
                pgwc_str_putc(o, done[j] ? ' ' : '+');
                if (j + 1 < ncols)
                    pgwc_str_putc(o, '|');
            }
            line++;
            pgwc_str_putc(o, '\n');
        }
        pgwc_str_putc(o, '-');
        for (size_t j = 0; j < ncols; j++) {
            pgwc_str_repeat(o, '-', width[j]);
            if (j + 1 < ncols)
                pgwc_str_puts(o, "-+-");
        }
        pgwc_str_puts(o, "-\n");
    }

    /* A table without columns has no cells, so no row lines either. */
    for (size_t r = 0; ok && ncols > 0 && r < nrows; r++) {
        for (size_t j = 0; ok && j < ncols; j++) {
            ok = layout(&cl[j], group_cell(p, r, j), enc);
            curr[j] = 0;
        }
        bool more_lines = true;
        while (ok && more_lines) {
            more_lines = false;
            for (size_t j = 0; j < ncols; j++) {
                bool not_last = j + 1 < ncols;
                bool left = p->aligns[j] != 'r';
                size_t chars = width[j];
                pgwc_str_putc(o, ' ');
                if (curr[j] >= cl[j].n) {
                    /* this value has no more lines: pad for the next column */
                    if (not_last)
                        pgwc_str_repeat(o, ' ', width[j]);
                } else {
                    chars = cl[j].width[curr[j]];
                    if (!left)
                        pgwc_str_repeat(o, ' ', width[j] - chars);
                    pgwc_str_puts(o, cl[j].text.data + cl[j].off[curr[j]]);
                    curr[j]++;
                    if (curr[j] < cl[j].n)
                        more_lines = true;
                }
                /* a value continued on the next line gets a '+' mark */
                bool newline_mark = curr[j] < cl[j].n && curr[j] != 0;
                if (left && (not_last || newline_mark))
                    pgwc_str_repeat(o, ' ', width[j] - chars);
                if (newline_mark)
                    pgwc_str_putc(o, '+');
                else if (not_last)
                    pgwc_str_putc(o, ' ');
                if (not_last)
                    pgwc_str_putc(o, '|');
            }
            pgwc_str_putc(o, '\n');
        }
    }

    if (ok && last) {
        if (!p->opt.tuples_only) {
            footer(o, p->prior_rows + nrows);
            pgwc_str_putc(o, '\n');
        }
        pgwc_str_putc(o, '\n');
    }
    if (!ok)
        p->failed = true;
    for (size_t j = 0; cl != NULL && j < ncols; j++)
        cell_lines_free(&cl[j]);
    free(width);
    free(cl);
    free(done);
    free(curr);

    p->header_done = true;
    p->prior_rows += nrows;
    p->group_rows = 0;
    pgwc_str_reset(&p->cells);
    write_pending(p);
}

/* Keep one cell of an aligned result until its group is printed. */
static void store_cell(pgwc_printer *p, const pgw_value *v)
{
    if (v->len < 0)
        pgwc_str_puts(&p->cells, p->opt.null_print);
    else
        pgwc_append_validated(&p->cells, (const char *)v->ptr, (size_t)v->len, p->opt.enc);
    pgwc_str_putc(&p->cells, '\0');
}

/* One CSV field: psql cleans the value up first, then decides on quotes. */
static void csv_cell(pgwc_printer *p, const char *v, int32_t len)
{
    pgwc_str *t = &p->scratch;
    pgwc_str_reset(t);
    if (len < 0)
        pgwc_str_puts(t, p->opt.null_print);
    else
        pgwc_append_validated(t, v, (size_t)len, p->opt.enc);
    if (t->failed) {
        p->failed = true;
        return;
    }
    pgwc_append_csv_field(&p->pend, t->data, t->len, p->opt.csv_sep);
}

void pgwc_print_begin(pgwc_printer *p, uint16_t ncols, const char *const *names,
                      const uint32_t *types)
{
    clear_result(p);
    p->ncols = ncols;
    pgwc_str *o = &p->pend;
    switch (p->opt.format) {
    case PGWC_FORMAT_UNALIGNED:
        if (!p->opt.tuples_only) {
            for (uint16_t j = 0; j < ncols; j++) {
                if (j > 0)
                    pgwc_str_puts(o, p->opt.field_sep);
                pgwc_append_validated(o, names[j], strlen(names[j]), p->opt.enc);
            }
            p->need_recordsep = true;
        }
        break;
    case PGWC_FORMAT_CSV:
        if (!p->opt.tuples_only) {
            for (uint16_t j = 0; j < ncols; j++) {
                if (j > 0)
                    pgwc_str_putc(o, p->opt.csv_sep);
                csv_cell(p, names[j], (int32_t)strlen(names[j]));
            }
            pgwc_str_putc(o, '\n');
        }
        break;
    case PGWC_FORMAT_ALIGNED:
        p->aligns = malloc(ncols ? ncols : 1);
        p->header_off = malloc((ncols ? ncols : 1) * sizeof *p->header_off);
        if (p->aligns == NULL || p->header_off == NULL) {
            p->failed = true;
            break;
        }
        for (uint16_t j = 0; j < ncols; j++) {
            p->aligns[j] = pgwc_column_align(types[j]);
            p->header_off[j] = p->headers.len;
            pgwc_append_validated(&p->headers, names[j], strlen(names[j]), p->opt.enc);
            pgwc_str_putc(&p->headers, '\0');
        }
        if (p->headers.failed)
            p->failed = true;
        break;
    }
}

static void print_row_aligned(pgwc_printer *p, const pgw_value *vals)
{
    size_t need = (p->group_rows + 1) * p->ncols;
    if (need > p->cell_cap) {
        size_t cap = p->cell_cap ? p->cell_cap : 64;
        while (cap < need)
            cap *= 2;
        size_t *off = realloc(p->cell_off, cap * sizeof *off);
        if (off == NULL) {
            p->failed = true;
            return;
        }
        p->cell_off = off;
        p->cell_cap = cap;
    }
    for (uint16_t j = 0; j < p->ncols; j++) {
        p->cell_off[p->group_rows * p->ncols + j] = p->cells.len;
        store_cell(p, &vals[j]);
    }
    if (p->cells.failed) {
        p->failed = true;
        return;
    }
    p->group_rows++;
    if ((p->opt.fetch_count > 0 && p->group_rows >= p->opt.fetch_count) ||
        p->cells.len > p->opt.hold_bytes) {
        print_group(p, false);
        p->streaming = true;
    }
}

void pgwc_print_row(pgwc_printer *p, const pgw_value *vals)
{
    pgwc_str *o = &p->pend;
    p->nrows++;
    switch (p->opt.format) {
    case PGWC_FORMAT_UNALIGNED:
        for (uint16_t j = 0; j < p->ncols; j++) {
            if (p->need_recordsep) {
                pgwc_str_puts(o, p->opt.record_sep);
                p->need_recordsep = false;
            }
            if (vals[j].len < 0)
                pgwc_str_puts(o, p->opt.null_print);
            else
                pgwc_append_validated(o, (const char *)vals[j].ptr, (size_t)vals[j].len,
                                      p->opt.enc);
            if (j + 1 < p->ncols)
                pgwc_str_puts(o, p->opt.field_sep);
            else
                p->need_recordsep = true;
        }
        after_row(p);
        break;
    case PGWC_FORMAT_CSV:
        for (uint16_t j = 0; j < p->ncols; j++) {
            csv_cell(p, (const char *)vals[j].ptr, vals[j].len);
            pgwc_str_putc(o, j + 1 < p->ncols ? p->opt.csv_sep : '\n');
        }
        after_row(p);
        break;
    case PGWC_FORMAT_ALIGNED:
        print_row_aligned(p, vals);
        break;
    }
}

void pgwc_print_end(pgwc_printer *p)
{
    pgwc_str *o = &p->pend;
    switch (p->opt.format) {
    case PGWC_FORMAT_UNALIGNED:
        if (!p->opt.tuples_only) {
            if (p->need_recordsep)
                pgwc_str_puts(o, p->opt.record_sep);
            footer(o, p->nrows);
            p->need_recordsep = true;
        }
        /* the last record ends with a newline whatever the separator */
        if (p->need_recordsep)
            pgwc_str_putc(o, '\n');
        break;
    case PGWC_FORMAT_CSV:
        break;
    case PGWC_FORMAT_ALIGNED:
        print_group(p, true);
        break;
    }
    write_pending(p);
    clear_result(p);
}

void pgwc_print_abort(pgwc_printer *p)
{
    pgwc_str_reset(&p->pend);
    clear_result(p);
}

void pgwc_print_status(pgwc_printer *p, const char *tag)
{
    pgwc_str_puts(&p->pend, tag);
    pgwc_str_putc(&p->pend, '\n');
    write_pending(p);
}
