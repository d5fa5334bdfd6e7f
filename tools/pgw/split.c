/* The statement splitter: psql 15's lexer (psqlscan.l) and the line
 * handling of its main loop (mainloop.c), rewritten as a hand-made scanner.
 *
 * flex picks the longest match among the rules of the current state and,
 * on a tie, the first rule. Only a few of psql's rules change what a
 * statement is (quotes, comments, parentheses, ';', backslash, the
 * identifiers CREATE/FUNCTION/BEGIN/END), but the others decide where those
 * can start: "1e'x'" is a number followed by a plain string because the
 * number swallows the "e", "1e--" is a malformed number and no comment,
 * "a$$" is an identifier and no dollar quote. So every token is recognised
 * with the same extent as in psql; what it means is only acted on where it
 * matters. */
#include "split.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum lex_state {
    ST_INITIAL = 0,
    ST_XB,    /* bit string b'...' */
    ST_XC,    /* slash-star comment */
    ST_XD,    /* "quoted identifier" */
    ST_XH,    /* hex string x'...' */
    ST_XQ,    /* standard 'string' */
    ST_XQS,   /* after a closing quote: a continuation may follow */
    ST_XE,    /* E'string' with backslash escapes */
    ST_XDOLQ, /* $tag$ dollar quote $tag$ */
    ST_XUI,   /* U&"identifier" */
    ST_XUS    /* U&'string' */
};

/* What scanning one token asks the caller to do. */
enum scan_action { ACT_CONTINUE, ACT_SEMICOLON, ACT_BACKSLASH, ACT_NOMEM };

/* ---- character classes (psqlscan.l's definitions) ---------------------- */

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static bool is_newline(char c)
{
    return c == '\n' || c == '\r';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* ident_start and dolq_start: letters, '_', and every byte >= 0x80 */
static bool is_ident_start(char c)
{
    return is_alpha(c) || c == '_' || (unsigned char)c >= 0x80;
}

/* dolq_cont and variable_char: ident_start plus digits */
static bool is_dolq_cont(char c)
{
    return is_ident_start(c) || is_digit(c);
}

/* ident_cont: dolq_cont plus '$' */
static bool is_ident_cont(char c)
{
    return is_dolq_cont(c) || c == '$';
}

static bool is_op_char(char c)
{
    return c != '\0' && strchr("~!@#^&|`?+-*/%<>=", c) != NULL;
}

static char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool word_is(const char *p, size_t n, const char *word)
{
    if (strlen(word) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (ascii_lower(p[i]) != word[i])
            return false;
    return true;
}

/* ---- buffers ------------------------------------------------------------ */

static bool reserve(char **p, size_t *cap, size_t need)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 256;
    while (n < need) {
        if (n > SIZE_MAX / 2)
            return false;
        n *= 2;
    }
    char *q = realloc(*p, n);
    if (q == NULL)
        return false;
    *p = q;
    *cap = n;
    return true;
}

/* Append to the statement; the buffer stays NUL-terminated. */
static bool emit(pgwc_split *s, const char *p, size_t n)
{
    if (n >= SIZE_MAX - s->len || !reserve(&s->buf, &s->cap, s->len + n + 1))
        return false;
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    s->buf[s->len] = '\0';
    return true;
}

/* Empty the statement buffer once the caller is done with a statement. */
static void settle(pgwc_split *s)
{
    if (s->clear_before_next) {
        s->clear_before_next = false;
        s->len = 0;
        if (s->buf != NULL)
            s->buf[0] = '\0';
    }
}

/* ---- public setup ------------------------------------------------------- */

void pgwc_split_init(pgwc_split *s)
{
    memset(s, 0, sizeof *s);
    s->state = ST_INITIAL;
    s->std_strings = true;
    s->utf8 = true;
}

static void pop_frame(pgwc_split *s)
{
    pgwc_split_frame *f = &s->frames[--s->nframes];
    s->line = f->line;
    s->line_len = f->line_len;
    s->pos = f->pos;
    free(f->text);
    free(f->name);
}

void pgwc_split_free(pgwc_split *s)
{
    while (s->nframes > 0)
        pop_frame(s);
    free(s->frames);
    s->frames = NULL;
    s->frames_cap = 0;
    free(s->buf);
    free(s->dolq_tag);
    s->buf = NULL;
    s->dolq_tag = NULL;
    s->len = s->cap = s->dolq_len = s->dolq_cap = 0;
}

void pgwc_split_set_std_strings(pgwc_split *s, bool on)
{
    s->std_strings = on;
}

void pgwc_split_set_utf8(pgwc_split *s, bool on)
{
    s->utf8 = on;
}

void pgwc_split_set_vars(pgwc_split *s, pgwc_split_var_fn fn, void *ud)
{
    s->var = fn;
    s->var_ud = ud;
}

void pgwc_split_args(const pgwc_split *s, const char **p, size_t *len)
{
    size_t from = s->cmd_end <= s->line_len ? s->cmd_end : s->line_len;
    *p = s->line + from;
    *len = s->line_len - from;
}

void pgwc_split_resume(pgwc_split *s, size_t used)
{
    size_t from = s->cmd_end <= s->line_len ? s->cmd_end : s->line_len;
    s->pos = used <= s->line_len - from ? from + used : s->line_len;
}

unsigned long pgwc_split_lineno(const pgwc_split *s)
{
    return s->lineno;
}

bool pgwc_split_in_quote(const pgwc_split *s)
{
    return s->state != ST_INITIAL && s->state != ST_XQS;
}

void pgwc_split_command(const pgwc_split *s, const char **name, size_t *len)
{
    *name = s->cmd != NULL ? s->cmd : "";
    *len = s->cmd_len;
}

void pgwc_split_line(pgwc_split *s, const char *line, size_t len)
{
    settle(s);
    while (s->nframes > 0)
        pop_frame(s);
    s->lineno++;
    const char *nul = memchr(line, '\0', len);
    if (nul != NULL)
        len = (size_t)(nul - line);
    if (s->lineno == 1 && s->utf8 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
        line += 3;
        len -= 3;
    }
    s->line = line;
    s->line_len = len;
    s->pos = 0;
    /* psql skips an empty line altogether (no '\n' is added for it)
     * unless it is part of a quoted literal or comment. */
    if (len == 0 && !pgwc_split_in_quote(s))
        return;
    s->added_nl = 0;
    if (s->len > 0) {
        /* The newline that joins this line to the statement. If it cannot
         * be added, the next pgwc_split_next() reports it. */
        if (!emit(s, "\n", 1))
            s->pos = SIZE_MAX;
        else
            s->added_nl = s->len;
    }
}

/* ---- the INITIAL state ----------------------------------------------------
 * Each helper recognises one token at s->pos, echoes it (or not, as psql
 * does) and advances. */

/* Whitespace, including a "--" comment: dropped while the statement is
 * still empty, so leading blanks and comments are never sent. */
static enum scan_action echo_whitespace(pgwc_split *s, size_t end)
{
    if (s->len > 0 && !emit(s, s->line + s->pos, end - s->pos))
        return ACT_NOMEM;
    s->pos = end;
    return ACT_CONTINUE;
}

static enum scan_action echo_to(pgwc_split *s, size_t end)
{
    if (!emit(s, s->line + s->pos, end - s->pos))
        return ACT_NOMEM;
    s->pos = end;
    return ACT_CONTINUE;
}

static enum scan_action begin_state(pgwc_split *s, int state, size_t len)
{
    s->state = state;
    return echo_to(s, s->pos + len);
}

/* CREATE [OR REPLACE] FUNCTION|PROCEDURE ... BEGIN ATOMIC ... END: psql
 * counts BEGIN/CASE/END so that the body's semicolons do not end the
 * statement. The heuristic looks at the first letters of the first four
 * identifiers of the statement. */
static void track_identifier(pgwc_split *s, const char *w, size_t n)
{
    if (s->identifier_count == 0)
        memset(s->identifiers, 0, sizeof s->identifiers);
    if (word_is(w, n, "create") || word_is(w, n, "function") || word_is(w, n, "procedure") ||
        word_is(w, n, "or") || word_is(w, n, "replace")) {
        if (s->identifier_count < sizeof s->identifiers)
            s->identifiers[s->identifier_count] = ascii_lower(w[0]);
    }
    if (s->identifier_count < UINT32_MAX)
        s->identifier_count++;
    const char *id = s->identifiers;
    bool routine =
        id[0] == 'c' && (id[1] == 'f' || id[1] == 'p' ||
                         (id[1] == 'o' && id[2] == 'r' && (id[3] == 'f' || id[3] == 'p')));
    if (!routine || s->paren_depth != 0)
        return;
    if (word_is(w, n, "begin")) {
        s->begin_depth++;
    } else if (word_is(w, n, "case")) {
        /* CASE also ends with END; it matters only inside a BEGIN. */
        if (s->begin_depth >= 1)
            s->begin_depth++;
    } else if (word_is(w, n, "end")) {
        if (s->begin_depth > 0)
            s->begin_depth--;
    }
}

/* Numbers, with psql 15's rules for malformed ones. flex takes the longest
 * of: an integer or decimal, a real ("1e5", "1.5e-3"), a real missing its
 * exponent digits ("1e-"), or any of the first three followed by an
 * identifier ("1e", "1xe", "1e1$b$" — identifiers take '$' too). So a letter
 * right after a number never starts a string prefix, "1e--" holds no
 * comment, and "1e1$b$" no dollar quote. "1..2" is 1 followed by "..". */
static size_t identifier_end(const char *l, size_t n, size_t i)
{
    if (i >= n || !is_ident_start(l[i]))
        return i;
    i++;
    while (i < n && is_ident_cont(l[i]))
        i++;
    return i;
}

static size_t number_end(const char *l, size_t n, size_t p)
{
    size_t base = p;
    while (base < n && is_digit(l[base]))
        base++;
    bool lead = base > p;
    if (base < n && l[base] == '.') {
        if (lead && base + 1 < n && l[base + 1] == '.')
            return base; /* "1..": only the integer, ".." comes next */
        size_t k = base + 1;
        while (k < n && is_digit(l[k]))
            k++;
        if (lead || k > base + 1)
            base = k; /* a decimal */
    }
    size_t best = identifier_end(l, n, base); /* the number, or number + identifier */
    if (base < n && (l[base] == 'e' || l[base] == 'E')) {
        size_t k = base + 1;
        bool sign = k < n && (l[k] == '+' || l[k] == '-');
        if (sign)
            k++;
        if (k < n && is_digit(l[k])) {
            while (k < n && is_digit(l[k]))
                k++;
            size_t real = identifier_end(l, n, k); /* a real, maybe with junk */
            if (real > best)
                best = real;
        } else if (sign && k > best) {
            best = k; /* "1e-" */
        }
    }
    return best;
}

static enum scan_action start_dollar_quote(pgwc_split *s, size_t end)
{
    size_t n = end - s->pos;
    if (!reserve(&s->dolq_tag, &s->dolq_cap, n))
        return ACT_NOMEM;
    memcpy(s->dolq_tag, s->line + s->pos, n);
    s->dolq_len = n;
    return begin_state(s, ST_XDOLQ, n);
}

static enum scan_action scan_dollar(pgwc_split *s)
{
    const char *l = s->line;
    size_t n = s->line_len, p = s->pos, j = p + 1;
    if (j < n && is_digit(l[j])) {
        /* $1, and $1abc which psql takes as one malformed parameter */
        while (j < n && is_digit(l[j]))
            j++;
        if (j < n && is_ident_start(l[j])) {
            j++;
            while (j < n && is_ident_cont(l[j]))
                j++;
        }
        return echo_to(s, j);
    }
    if (j < n && l[j] == '$')
        return start_dollar_quote(s, j + 1);
    if (j < n && is_ident_start(l[j])) {
        while (j < n && is_dolq_cont(l[j]))
            j++;
        if (j < n && l[j] == '$')
            return start_dollar_quote(s, j + 1);
        /* "$abc" without a closing '$': only the '$' is taken, the rest is
         * scanned again as an identifier. */
    }
    return echo_to(s, p + 1);
}

/* Look a variable up; NULL when it is not to be replaced. */
static char *lookup(pgwc_split *s, const char *name, size_t n, pgwc_var_quote q, bool *nomem)
{
    char *nm = malloc(n + 1);
    if (nm == NULL) {
        *nomem = true;
        return NULL;
    }
    memcpy(nm, name, n);
    nm[n] = '\0';
    char *v = s->var(s->var_ud, nm, q);
    free(nm);
    return v;
}

/* Put a replacement in place of the token ending at `end`. */
static enum scan_action replace_with(pgwc_split *s, char *value, size_t end)
{
    bool ok = emit(s, value, strlen(value));
    free(value);
    s->pos = end;
    return ok ? ACT_CONTINUE : ACT_NOMEM;
}

/* ":name": the value is scanned as input, as psql pushes it on its lexer,
 * unless the variable is already being scanned (psql's recursion check). */
static enum scan_action substitute_plain(pgwc_split *s, size_t end)
{
    const char *name = s->line + s->pos + 1;
    size_t n = end - s->pos - 1;
    bool nomem = false;
    char *value = lookup(s, name, n, PGWC_VAR_PLAIN, &nomem);
    if (nomem)
        return ACT_NOMEM;
    if (value == NULL)
        return echo_to(s, end);
    for (size_t i = 0; i < s->nframes; i++) {
        if (strlen(s->frames[i].name) == n && memcmp(s->frames[i].name, name, n) == 0) {
            free(value);
            free(lookup(s, name, n, PGWC_VAR_RECURSIVE, &nomem));
            return nomem ? ACT_NOMEM : echo_to(s, end);
        }
    }
    if (s->nframes == s->frames_cap) {
        size_t nc = s->frames_cap ? s->frames_cap * 2 : 4;
        pgwc_split_frame *nf = realloc(s->frames, nc * sizeof *nf);
        if (nf == NULL) {
            free(value);
            return ACT_NOMEM;
        }
        s->frames = nf;
        s->frames_cap = nc;
    }
    char *nm = malloc(n + 1);
    if (nm == NULL) {
        free(value);
        return ACT_NOMEM;
    }
    memcpy(nm, name, n);
    nm[n] = '\0';
    pgwc_split_frame *f = &s->frames[s->nframes++];
    f->text = value;
    f->name = nm;
    f->line = s->line;
    f->line_len = s->line_len;
    f->pos = end;
    s->line = value;
    s->line_len = strlen(value);
    s->pos = 0;
    return ACT_CONTINUE;
}

/* ':' starts psql variable references (":name", ":'name'", ":\"name\"",
 * ":{?name}"); each is one token in psql and so is here, replaced when a
 * lookup is set. */
static enum scan_action scan_colon(pgwc_split *s)
{
    const char *l = s->line;
    size_t n = s->line_len, p = s->pos, j = p + 1;
    if (j < n && (l[j] == ':' || l[j] == '='))
        return echo_to(s, j + 1);
    if (j < n && is_dolq_cont(l[j])) {
        while (j < n && is_dolq_cont(l[j]))
            j++;
        return s->var != NULL ? substitute_plain(s, j) : echo_to(s, j);
    }
    if (j < n && (l[j] == '\'' || l[j] == '"')) {
        char q = l[j];
        size_t k = j + 1;
        while (k < n && is_dolq_cont(l[k]))
            k++;
        if (k > j + 1 && k < n && l[k] == q) {
            if (s->var == NULL)
                return echo_to(s, k + 1);
            bool nomem = false;
            char *v = lookup(s, l + j + 1, k - j - 1, q == '\'' ? PGWC_VAR_LITERAL : PGWC_VAR_IDENT,
                             &nomem);
            if (nomem)
                return ACT_NOMEM;
            return v != NULL ? replace_with(s, v, k + 1) : echo_to(s, k + 1);
        }
        return echo_to(s, p + 1);
    }
    if (j + 1 < n && l[j] == '{' && l[j + 1] == '?') {
        size_t k = j + 2;
        while (k < n && is_dolq_cont(l[k]))
            k++;
        if (k > j + 2 && k < n && l[k] == '}') {
            if (s->var == NULL)
                return echo_to(s, k + 1);
            bool nomem = false;
            char *v = lookup(s, l + j + 2, k - j - 2, PGWC_VAR_TEST, &nomem);
            if (nomem)
                return ACT_NOMEM;
            bool defined = v != NULL;
            free(v);
            if (!emit(s, defined ? "TRUE" : "FALSE", defined ? 4 : 5))
                return ACT_NOMEM;
            s->pos = k + 1;
            return ACT_CONTINUE;
        }
    }
    return echo_to(s, p + 1);
}

/* A run of operator characters ends where a comment starts inside it. */
static enum scan_action scan_operator(pgwc_split *s)
{
    const char *l = s->line;
    size_t n = s->line_len, j = s->pos + 1;
    while (j < n && is_op_char(l[j])) {
        if (j + 1 < n && ((l[j] == '/' && l[j + 1] == '*') || (l[j] == '-' && l[j + 1] == '-')))
            break;
        j++;
    }
    return echo_to(s, j);
}

static enum scan_action scan_backslash(pgwc_split *s)
{
    const char *l = s->line;
    size_t n = s->line_len, p = s->pos;
    if (p + 1 < n && (l[p + 1] == ';' || l[p + 1] == ':')) {
        /* "\;" puts a semicolon into the statement without ending it. */
        if (!emit(s, l + p + 1, 1))
            return ACT_NOMEM;
        if (l[p + 1] == ';')
            s->identifier_count = 0;
        s->pos = p + 2;
        return ACT_CONTINUE;
    }
    size_t j = p + 1;
    while (j < n && !is_space(l[j]) && l[j] != '\\')
        j++;
    s->cmd = l + p + 1;
    s->cmd_len = j - (p + 1);
    s->cmd_end = j;
    /* psql throws away the rest of a line after a rejected command. */
    s->pos = n;
    return ACT_BACKSLASH;
}

static enum scan_action scan_initial(pgwc_split *s)
{
    const char *l = s->line;
    size_t n = s->line_len, p = s->pos;
    char c = l[p], c1 = p + 1 < n ? l[p + 1] : '\0', c2 = p + 2 < n ? l[p + 2] : '\0';

    if (is_space(c)) {
        size_t j = p + 1;
        while (j < n && is_space(l[j]))
            j++;
        return echo_whitespace(s, j);
    }
    if (c == '-' && c1 == '-') {
        size_t j = p + 2;
        while (j < n && !is_newline(l[j]))
            j++;
        return echo_whitespace(s, j);
    }
    if (c == '/' && c1 == '*') {
        s->comment_depth = 0;
        return begin_state(s, ST_XC, 2);
    }
    if (c1 == '\'') {
        switch (c) {
        case 'b':
        case 'B':
            return begin_state(s, ST_XB, 2);
        case 'x':
        case 'X':
            return begin_state(s, ST_XH, 2);
        case 'e':
        case 'E':
            return begin_state(s, ST_XE, 2);
        case 'n':
        case 'N':
            /* National character: only the 'n' now, the quote next. */
            return echo_to(s, p + 1);
        default:
            break;
        }
    }
    if ((c == 'u' || c == 'U') && c1 == '&') {
        if (c2 == '\'')
            return begin_state(s, ST_XUS, 3);
        if (c2 == '"')
            return begin_state(s, ST_XUI, 3);
        return echo_to(s, p + 1); /* just the 'u', and not an identifier */
    }
    if (c == '\'')
        return begin_state(s, s->std_strings ? ST_XQ : ST_XE, 1);
    if (c == '"')
        return begin_state(s, ST_XD, 1);
    if (c == '$')
        return scan_dollar(s);
    if (is_digit(c) || (c == '.' && is_digit(c1)))
        return echo_to(s, number_end(l, n, p));
    if (is_ident_start(c)) {
        size_t j = p + 1;
        while (j < n && is_ident_cont(l[j]))
            j++;
        track_identifier(s, l + p, j - p);
        return echo_to(s, j);
    }
    switch (c) {
    case '(':
        s->paren_depth++;
        return echo_to(s, p + 1);
    case ')':
        if (s->paren_depth > 0)
            s->paren_depth--;
        return echo_to(s, p + 1);
    case ';':
        if (echo_to(s, p + 1) != ACT_CONTINUE)
            return ACT_NOMEM;
        if (s->paren_depth == 0 && s->begin_depth == 0) {
            s->identifier_count = 0;
            return ACT_SEMICOLON;
        }
        return ACT_CONTINUE;
    case '\\':
        return scan_backslash(s);
    case ':':
        return scan_colon(s);
    case '.':
        return echo_to(s, c1 == '.' ? p + 2 : p + 1);
    default:
        break;
    }
    if (is_op_char(c))
        return scan_operator(s);
    return echo_to(s, p + 1);
}

/* ---- quoted states ------------------------------------------------------- */

static enum scan_action scan_comment(pgwc_split *s)
{
    const char *l = s->line;
    size_t n = s->line_len, p = s->pos;
    if (l[p] == '/' && p + 1 < n && l[p + 1] == '*') {
        s->comment_depth++;
        return echo_to(s, p + 2);
    }
    if (l[p] == '*') {
        size_t j = p;
        while (j < n && l[j] == '*')
            j++;
        if (j < n && l[j] == '/') {
            if (s->comment_depth <= 0)
                s->state = ST_INITIAL;
            else
                s->comment_depth--;
            return echo_to(s, j + 1);
        }
        return echo_to(s, j);
    }
    if (l[p] == '/')
        return echo_to(s, p + 1);
    size_t j = p;
    while (j < n && l[j] != '*' && l[j] != '/')
        j++;
    return echo_to(s, j);
}

/* "..." and U&"...": a doubled quote stays inside. */
static enum scan_action scan_quoted_ident(pgwc_split *s)
{
    const char *l = s->line;
    size_t n = s->line_len, p = s->pos;
    if (l[p] == '"') {
        if (p + 1 < n && l[p + 1] == '"')
            return echo_to(s, p + 2);
        s->state = ST_INITIAL;
        return echo_to(s, p + 1);
    }
    const char *q = memchr(l + p, '"', n - p);
    return echo_to(s, q != NULL ? (size_t)(q - l) : n);
}

/* A closing quote: look for a continuation ("'a'\n'b'") next. */
static enum scan_action close_string(pgwc_split *s)
{
    s->state_before_quote = s->state;
    s->state = ST_XQS;
    return echo_to(s, s->pos + 1);
}

/* '...', U&'...', E'...', b'...', x'...'. */
static enum scan_action scan_string(pgwc_split *s)
{
    const char *l = s->line;
    size_t n = s->line_len, p = s->pos;
    bool doubles = s->state != ST_XB && s->state != ST_XH;
    bool escapes = s->state == ST_XE;
    if (l[p] == '\'') {
        if (doubles && p + 1 < n && l[p + 1] == '\'')
            return echo_to(s, p + 2);
        return close_string(s);
    }
    if (escapes && l[p] == '\\') {
        /* A backslash escapes the next character, but only on this line:
         * a backslash at the end of a line stands alone. */
        return echo_to(s, p + 1 < n ? p + 2 : p + 1);
    }
    size_t j = p;
    while (j < n && l[j] != '\'' && !(escapes && l[j] == '\\'))
        j++;
    return echo_to(s, j);
}

/* After a closing quote, a string continues when the next quote follows
 * whitespace containing a newline (SQL's 'a'\n'b'). Lines are scanned one by
 * one, so only a '\r' inside the line can be that newline. */
static enum scan_action scan_after_quote(pgwc_split *s)
{
    const char *l = s->line;
    size_t n = s->line_len, i = s->pos;
    /* horizontal whitespace and "--" comments */
    for (;;) {
        if (i < n && (l[i] == ' ' || l[i] == '\t' || l[i] == '\f')) {
            i++;
        } else if (i + 1 < n && l[i] == '-' && l[i + 1] == '-') {
            while (i < n && !is_newline(l[i]))
                i++;
        } else {
            break;
        }
    }
    bool cont = false;
    if (i < n && is_newline(l[i])) {
        i++;
        /* then any whitespace, and comments that end with a newline */
        for (;;) {
            if (i < n && is_space(l[i])) {
                i++;
            } else if (i + 1 < n && l[i] == '-' && l[i + 1] == '-') {
                size_t j = i;
                while (j < n && !is_newline(l[j]))
                    j++;
                if (j >= n)
                    break;
                i = j + 1;
            } else {
                break;
            }
        }
        cont = i < n && l[i] == '\'';
    }
    if (!cont) {
        s->state = ST_INITIAL; /* nothing consumed: rescan in INITIAL */
        return ACT_CONTINUE;
    }
    s->state = s->state_before_quote;
    return echo_to(s, i + 1);
}

static enum scan_action scan_dollar_quoted(pgwc_split *s)
{
    const char *l = s->line;
    size_t n = s->line_len, p = s->pos;
    if (l[p] != '$') {
        const char *q = memchr(l + p, '$', n - p);
        return echo_to(s, q != NULL ? (size_t)(q - l) : n);
    }
    size_t j = p + 1;
    if (j < n && is_ident_start(l[j])) {
        while (j < n && is_dolq_cont(l[j]))
            j++;
        if (j >= n || l[j] != '$')
            return echo_to(s, j); /* "$abc" without a closing '$' */
    } else if (j >= n || l[j] != '$') {
        return echo_to(s, p + 1); /* a lone '$' */
    }
    size_t dlen = j + 1 - p;
    if (dlen == s->dolq_len && memcmp(l + p, s->dolq_tag, dlen) == 0) {
        s->state = ST_INITIAL;
        s->dolq_len = 0;
        return echo_to(s, j + 1);
    }
    /* Another tag: keep all but its last '$', which may open the real one
     * ("$x$...$junk$x$"). */
    return echo_to(s, j);
}

static enum scan_action scan_token(pgwc_split *s)
{
    switch (s->state) {
    case ST_XC:
        return scan_comment(s);
    case ST_XD:
    case ST_XUI:
        return scan_quoted_ident(s);
    case ST_XQ:
    case ST_XUS:
    case ST_XE:
    case ST_XB:
    case ST_XH:
        return scan_string(s);
    case ST_XQS:
        return scan_after_quote(s);
    case ST_XDOLQ:
        return scan_dollar_quoted(s);
    default:
        return scan_initial(s);
    }
}

pgwc_split_result pgwc_split_next(pgwc_split *s, const char **text, size_t *len)
{
    settle(s);
    if (s->pos == SIZE_MAX) {
        s->pos = s->line_len;
        return PGWC_SPLIT_NOMEM;
    }
    for (;;) {
        if (s->pos >= s->line_len) {
            /* the end of a variable's value: back to where it was used */
            if (s->nframes == 0)
                break;
            pop_frame(s);
            continue;
        }
        switch (scan_token(s)) {
        case ACT_CONTINUE:
            break;
        case ACT_SEMICOLON:
            s->added_nl = 0;
            *text = s->buf;
            *len = s->len;
            s->clear_before_next = true;
            return PGWC_SPLIT_STATEMENT;
        case ACT_BACKSLASH:
            /* A line holding only a backslash command leaves the statement
             * as it was: psql takes back the newline it added for it. */
            if (s->added_nl != 0 && s->len == s->added_nl) {
                s->len--;
                s->buf[s->len] = '\0';
            }
            s->added_nl = 0;
            return PGWC_SPLIT_BACKSLASH;
        case ACT_NOMEM:
            s->pos = s->line_len;
            return PGWC_SPLIT_NOMEM;
        }
    }
    return PGWC_SPLIT_EOL;
}

bool pgwc_split_finish(pgwc_split *s, const char **text, size_t *len)
{
    settle(s);
    if (s->len == 0)
        return false;
    *text = s->buf;
    *len = s->len;
    s->clear_before_next = true;
    return true;
}
