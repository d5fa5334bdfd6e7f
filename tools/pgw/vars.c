/* psql's variable space (variables.c) and the hooks psql 15 puts on its
 * special variables (startup.c): the same substitutions, checks and error
 * texts, so that scripts see the same values and failures. */
#include "vars.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pgwire.h"

#include "options.h"

enum var_kind {
    K_BOOL,      /* ParseVariableBool; \unset = off, \set NAME = on */
    K_INT,       /* ParseVariableNum; \unset = `unset_value` */
    K_IGNOREEOF, /* an integer, anything else becomes 10 */
    K_ENUM,      /* one of `values` (case-insensitive) */
    K_BOOL_OR,   /* a Boolean or one of `values` */
    K_HOOKED     /* any value; \unset keeps the name without a value */
};

typedef struct special {
    const char *name;
    enum var_kind kind;
    const char *unset_value; /* what \unset gives (NULL: as the kind says) */
    const char *values;      /* K_ENUM / K_BOOL_OR: "a, b, c" as psql lists them */
} special;

/* psql 15's hooked variables (startup.c, EstablishVariableSpace). */
static const special specials[] = {
    {"AUTOCOMMIT", K_BOOL, NULL, NULL},
    {"COMP_KEYWORD_CASE", K_ENUM, "preserve-upper", "lower, upper, preserve-lower, preserve-upper"},
    {"ECHO", K_ENUM, "none", "none, errors, queries, all"},
    {"ECHO_HIDDEN", K_BOOL_OR, NULL, "on, off, noexec"},
    {"FETCH_COUNT", K_INT, "0", NULL},
    {"HIDE_TABLEAM", K_BOOL, NULL, NULL},
    {"HIDE_TOAST_COMPRESSION", K_BOOL, NULL, NULL},
    {"HISTCONTROL", K_ENUM, "none", "none, ignorespace, ignoredups, ignoreboth"},
    {"HISTFILE", K_HOOKED, NULL, NULL},
    {"HISTSIZE", K_INT, "-1", NULL},
    {"IGNOREEOF", K_IGNOREEOF, "0", NULL},
    {"ON_ERROR_ROLLBACK", K_BOOL_OR, NULL, "on, off, interactive"},
    {"ON_ERROR_STOP", K_BOOL, NULL, NULL},
    {"PROMPT1", K_HOOKED, NULL, NULL},
    {"PROMPT2", K_HOOKED, NULL, NULL},
    {"PROMPT3", K_HOOKED, NULL, NULL},
    {"QUIET", K_BOOL, NULL, NULL},
    {"SHOW_ALL_RESULTS", K_BOOL, NULL, NULL},
    {"SHOW_CONTEXT", K_ENUM, "errors", "never, errors, always"},
    {"SINGLELINE", K_BOOL, NULL, NULL},
    {"SINGLESTEP", K_BOOL, NULL, NULL},
    {"VERBOSITY", K_ENUM, "default", "default, verbose, terse, sqlstate"},
};

static const special *find_special(const char *name)
{
    for (size_t i = 0; i < sizeof specials / sizeof specials[0]; i++)
        if (strcmp(specials[i].name, name) == 0)
            return &specials[i];
    return NULL;
}

static void report(const pgwc_vars *vs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void report(const pgwc_vars *vs, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (vs->report != NULL)
        vs->report(vs->report_ud, buf);
    else
        fprintf(stderr, "pgw: error: %s\n", buf);
}

/* psql's ParseVariableNum: strtol with base 0 over the whole string, and
 * the value must fit an int. */
static bool parse_int(const char *v, long *out)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 0);
    if (errno != 0 || *end != '\0' || end == v || n < -2147483647L - 1 || n > 2147483647L)
        return false;
    *out = n;
    return true;
}

/* `value` is one of the comma-separated words of `list`. */
static bool in_list(const char *list, const char *value)
{
    size_t vl = strlen(value);
    const char *p = list;
    while (*p) {
        size_t wl = strcspn(p, ",");
        if (wl == vl && strncasecmp(p, value, wl) == 0)
            return true;
        p += wl;
        while (*p == ',' || *p == ' ')
            p++;
    }
    return false;
}

bool pgwc_valid_variable_name(const char *name, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c >= 0x80))
            return false;
    }
    return true;
}

/* The substitute hook: what a value (NULL = \unset) turns into. Returns
 * `value` itself when nothing changes. */
static const char *substitute(const special *sp, const char *value)
{
    if (sp == NULL)
        return value;
    switch (sp->kind) {
    case K_BOOL:
    case K_BOOL_OR:
        if (value == NULL)
            return "off";
        if (value[0] == '\0')
            return "on";
        return value;
    case K_IGNOREEOF: {
        long n;
        if (value == NULL)
            return "0";
        return parse_int(value, &n) ? value : "10";
    }
    case K_INT:
    case K_ENUM:
        return value == NULL ? sp->unset_value : value;
    case K_HOOKED:
        return value;
    }
    return value;
}

/* The assign hook: check the value and apply it to the settings.
 * Returns false (with psql's message) to refuse it. */
static bool assign(pgwc_vars *vs, const special *sp, const char *value)
{
    if (sp == NULL || value == NULL)
        return true;
    pgwc_settings *st = &vs->settings;
    bool b = false;
    long n = 0;
    switch (sp->kind) {
    case K_BOOL:
        if (!pgwc_parse_bool(value, &b)) {
            report(vs, "unrecognized value \"%s\" for \"%s\": Boolean expected", value, sp->name);
            return false;
        }
        if (strcmp(sp->name, "ON_ERROR_STOP") == 0)
            st->on_error_stop = b;
        else if (strcmp(sp->name, "QUIET") == 0)
            st->quiet = b;
        else if (strcmp(sp->name, "AUTOCOMMIT") == 0)
            st->autocommit = b;
        return true;
    case K_BOOL_OR:
        if (!in_list(sp->values, value) && !pgwc_parse_bool(value, &b)) {
            report(vs, "unrecognized value \"%s\" for \"%s\"\nAvailable values are: %s.", value,
                   sp->name, sp->values);
            return false;
        }
        return true;
    case K_INT:
    case K_IGNOREEOF:
        if (!parse_int(value, &n)) {
            report(vs, "invalid value \"%s\" for \"%s\": integer expected", value, sp->name);
            return false;
        }
        if (strcmp(sp->name, "FETCH_COUNT") == 0)
            st->fetch_count = n;
        return true;
    case K_ENUM:
        if (!in_list(sp->values, value)) {
            report(vs, "unrecognized value \"%s\" for \"%s\"\nAvailable values are: %s.", value,
                   sp->name, sp->values);
            return false;
        }
        if (strcmp(sp->name, "ECHO") == 0) {
            static const char *const echo[] = {"none", "errors", "queries", "all"};
            for (size_t i = 0; i < 4; i++)
                if (strcasecmp(value, echo[i]) == 0)
                    st->echo = (pgwc_echo)i;
        }
        return true;
    case K_HOOKED:
        return true;
    }
    return true;
}

/* Index of name, or where it would go (*found false). */
static size_t position(const pgwc_vars *vs, const char *name, bool *found)
{
    size_t lo = 0, hi = vs->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(vs->v[mid].name, name);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

/* Store without hooks. */
static bool store(pgwc_vars *vs, const char *name, const char *value, bool keep_name)
{
    bool found;
    size_t i = position(vs, name, &found);
    if (value == NULL && !keep_name) {
        if (found) {
            free(vs->v[i].name);
            free(vs->v[i].value);
            memmove(vs->v + i, vs->v + i + 1, (vs->n - i - 1) * sizeof *vs->v);
            vs->n--;
        }
        return true;
    }
    char *copy = NULL;
    if (value != NULL && (copy = strdup(value)) == NULL)
        return false;
    if (found) {
        free(vs->v[i].value);
        vs->v[i].value = copy;
        return true;
    }
    if (vs->n == vs->cap) {
        size_t nc = vs->cap ? vs->cap * 2 : 64;
        pgwc_var *nv = realloc(vs->v, nc * sizeof *nv);
        if (nv == NULL) {
            free(copy);
            return false;
        }
        vs->v = nv;
        vs->cap = nc;
    }
    char *ncopy = strdup(name);
    if (ncopy == NULL) {
        free(copy);
        return false;
    }
    memmove(vs->v + i + 1, vs->v + i, (vs->n - i) * sizeof *vs->v);
    vs->v[i].name = ncopy;
    vs->v[i].value = copy;
    vs->n++;
    return true;
}

bool pgwc_vars_set(pgwc_vars *vs, const char *name, const char *value)
{
    if (!pgwc_valid_variable_name(name, strlen(name))) {
        report(vs, "invalid variable name: \"%s\"", name);
        return false;
    }
    const special *sp = find_special(name);
    const char *v = substitute(sp, value);
    if (!assign(vs, sp, v))
        return false;
    if (!store(vs, name, v, sp != NULL)) {
        report(vs, "out of memory");
        return false;
    }
    return true;
}

const char *pgwc_vars_get(const pgwc_vars *vs, const char *name)
{
    bool found;
    size_t i = position(vs, name, &found);
    return found ? vs->v[i].value : NULL;
}

bool pgwc_vars_init(pgwc_vars *vs)
{
    memset(vs, 0, sizeof *vs);
    char vnum[32];
    snprintf(vnum, sizeof vnum, "%d",
             PGW_VERSION_MAJOR * 10000 + PGW_VERSION_MINOR * 100 + PGW_VERSION_PATCH);
    char vstr[64];
    snprintf(vstr, sizeof vstr, "pgw (pgwire) %s", pgw_version());
    /* psql 15's values before the connection is made */
    static const char *const init[][2] = {
        {"AUTOCOMMIT", "on"},
        {"COMP_KEYWORD_CASE", "preserve-upper"},
        {"ECHO", "none"},
        {"ECHO_HIDDEN", "off"},
        {"FETCH_COUNT", "0"},
        {"HIDE_TABLEAM", "off"},
        {"HIDE_TOAST_COMPRESSION", "off"},
        {"HISTCONTROL", "none"},
        {"HISTSIZE", "500"},
        {"IGNOREEOF", "0"},
        {"LAST_ERROR_MESSAGE", ""},
        {"LAST_ERROR_SQLSTATE", "00000"},
        {"ON_ERROR_ROLLBACK", "off"},
        {"ON_ERROR_STOP", "off"},
        {"PROMPT1", "%/%R%x%# "},
        {"PROMPT2", "%/%R%x%# "},
        {"PROMPT3", ">> "},
        {"QUIET", "off"},
        {"SHOW_ALL_RESULTS", "on"},
        {"SHOW_CONTEXT", "errors"},
        {"SINGLELINE", "off"},
        {"SINGLESTEP", "off"},
        {"VERBOSITY", "default"},
    };
    bool ok = true;
    for (size_t i = 0; i < sizeof init / sizeof init[0]; i++)
        ok = ok && pgwc_vars_set(vs, init[i][0], init[i][1]);
    ok = ok && pgwc_vars_set(vs, "VERSION", vstr);
    ok = ok && pgwc_vars_set(vs, "VERSION_NAME", pgw_version());
    ok = ok && pgwc_vars_set(vs, "VERSION_NUM", vnum);
    return ok;
}

void pgwc_vars_free(pgwc_vars *vs)
{
    for (size_t i = 0; i < vs->n; i++) {
        free(vs->v[i].name);
        free(vs->v[i].value);
    }
    free(vs->v);
    vs->v = NULL;
    vs->n = vs->cap = 0;
}

void pgwc_vars_print(const pgwc_vars *vs, FILE *out)
{
    for (size_t i = 0; i < vs->n; i++)
        if (vs->v[i].value != NULL)
            fprintf(out, "%s = '%s'\n", vs->v[i].name, vs->v[i].value);
}
