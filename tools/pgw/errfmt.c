/* Server errors and notices in psql's words. The layout is libpq's
 * (pqBuildErrorMessage3 with PQERRORS_DEFAULT and PQSHOW_CONTEXT_ERRORS),
 * the caret placement its reportErrorPosition. */
#include "errfmt.h"

#include <stdlib.h>
#include <string.h>

/* libpq shows at most this many screen columns of the query line, and tries
 * to keep the caret this far from the right end. */
#define DISPLAY_SIZE 60
#define MIN_RIGHT_CUT 10

static void labelled(pgwc_str *out, const char *label, const char *val)
{
    if (val == NULL)
        return;
    pgwc_str_puts(out, label);
    pgwc_str_puts(out, val);
    pgwc_str_putc(out, '\n');
}

void pgwc_format_server_message(pgwc_str *out, const pgw_error *e, const char *query,
                                pgwc_encoding enc, bool is_error)
{
    const char *querytext = NULL;
    long querypos = 0;
    if (e->severity != NULL) {
        pgwc_str_puts(out, e->severity);
        pgwc_str_puts(out, ":  ");
    }
    if (e->message != NULL)
        pgwc_str_puts(out, e->message);
    /* A position refers to the statement sent, an internal position to the
     * internal query; without the text, libpq says " at character N". */
    if (e->position > 0) {
        if (query != NULL) {
            querytext = query;
            querypos = e->position;
        } else {
            pgwc_str_puts(out, " at character ");
            pgwc_str_putu(out, (unsigned long long)e->position);
        }
    } else if (e->internal_position > 0) {
        if (e->internal_query != NULL) {
            querytext = e->internal_query;
            querypos = e->internal_position;
        } else {
            pgwc_str_puts(out, " at character ");
            pgwc_str_putu(out, (unsigned long long)e->internal_position);
        }
    }
    pgwc_str_putc(out, '\n');
    if (querytext != NULL)
        pgwc_format_error_position(out, querytext, querypos, enc);
    labelled(out, "DETAIL:  ", e->detail);
    labelled(out, "HINT:  ", e->hint);
    labelled(out, "QUERY:  ", e->internal_query);
    if (is_error)
        labelled(out, "CONTEXT:  ", e->where);
}

/* Advance over one character: its byte length and its screen width as
 * libpq counts them for the caret (any width below 1 counts as 1). */
static void step(const char *p, pgwc_encoding enc, size_t *bytes, size_t *cols)
{
    if (enc == PGWC_ENC_UTF8) {
        int w = pgwc_dsplen(enc, p);
        *cols = w <= 0 ? 1 : (size_t)w;
        *bytes = pgwc_mblen_bounded(enc, p);
    } else {
        *cols = 1;
        *bytes = 1;
    }
}

void pgwc_format_error_position(pgwc_str *out, const char *query, long pos, pgwc_encoding enc)
{
    if (pos < 1)
        return;
    size_t loc = (size_t)pos - 1;

    /* First pass: find the line holding character `loc`: its number, the
     * index/offset/column of its first character, and its end (the next
     * line break, or the end of the query). */
    size_t cno = 0, off = 0, col = 0, loc_line = 1;
    size_t ibeg = 0, beg_off = 0, beg_col = 0;
    char prev = '\0';
    while (query[off] != '\0') {
        char ch = query[off];
        if (ch == '\r' || ch == '\n') {
            if (cno < loc) {
                /* "\r\n" is one line break, a lone '\r' or '\n' one each */
                if (ch == '\r' || cno == 0 || prev != '\r')
                    loc_line++;
                ibeg = cno + 1;
            } else {
                break;
            }
        }
        size_t nb, w;
        step(query + off, enc, &nb, &w);
        prev = ch;
        off += nb;
        col += w;
        cno++;
        if (ibeg == cno) {
            beg_off = off;
            beg_col = col;
        }
    }
    size_t iend = cno; /* the line break after loc, or the end */
    if (loc > iend)
        return; /* position beyond the query: libpq prints nothing */

    /* Second pass over that line only: byte offset and starting column of
     * each character, relative to the line. */
    size_t nchars = iend - ibeg;
    size_t *qidx = malloc((nchars + 1) * sizeof *qidx);
    size_t *scr = malloc((nchars + 1) * sizeof *scr);
    if (qidx == NULL || scr == NULL) {
        free(qidx);
        free(scr);
        return; /* libpq, too, drops the display when out of memory */
    }
    off = beg_off;
    col = beg_col;
    for (size_t i = 0; i < nchars; i++) {
        size_t nb, w;
        qidx[i] = off;
        scr[i] = col;
        step(query + off, enc, &nb, &w);
        off += nb;
        col += w;
    }
    qidx[nchars] = off;
    scr[nchars] = col;

    /* Indices below are relative to the line start. */
    size_t b = 0, e = nchars, l = loc - ibeg;
    bool beg_trunc = false, end_trunc = false;
    if (scr[e] - scr[b] > DISPLAY_SIZE) {
        if (scr[b] + DISPLAY_SIZE >= scr[l] + MIN_RIGHT_CUT) {
            /* cutting the right end is enough */
            while (scr[e] - scr[b] > DISPLAY_SIZE)
                e--;
            end_trunc = true;
        } else {
            /* cut the right end near the position, then the left end */
            while (scr[l] + MIN_RIGHT_CUT < scr[e]) {
                e--;
                end_trunc = true;
            }
            while (scr[e] - scr[b] > DISPLAY_SIZE) {
                b++;
                beg_trunc = true;
            }
        }
    }

    size_t start = out->len;
    pgwc_str_puts(out, "LINE ");
    pgwc_str_putu(out, (unsigned long long)loc_line);
    pgwc_str_puts(out, ": ");
    if (beg_trunc)
        pgwc_str_puts(out, "...");
    /* The prefix is ASCII, so its width is its length; measured anyway,
     * as libpq does, in case that ever changes. */
    size_t caret = 0;
    for (size_t i = start; !out->failed && i < out->len;) {
        size_t nb, w;
        step(out->data + i, enc, &nb, &w);
        caret += w;
        i += nb;
    }
    size_t line_start = out->len;
    pgwc_str_append(out, query + qidx[b], qidx[e] - qidx[b]);
    /* libpq prints tabs as spaces so that the caret lines up */
    for (size_t i = line_start; !out->failed && i < out->len; i++)
        if (out->data[i] == '\t')
            out->data[i] = ' ';
    if (end_trunc)
        pgwc_str_puts(out, "...");
    pgwc_str_putc(out, '\n');
    caret += scr[l] - scr[b];
    pgwc_str_repeat(out, ' ', caret);
    pgwc_str_puts(out, "^\n");
    free(qidx);
    free(scr);
}
