/* The command line, read as psql 15 reads it (startup.c, variables.c):
 * the same option letters and long names, the same order of -c and -f, the
 * same checks on -v values, and libpq's rules for the connection string. */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pgwire.h"

static void error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void error(const char *fmt, ...)
{
    va_list ap;
    fputs("pgw: error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

bool pgwc_parse_bool(const char *v, bool *out)
{
    size_t len = strlen(v);
    if (len > 0 && strncasecmp(v, "true", len) == 0)
        *out = true;
    else if (len > 0 && strncasecmp(v, "false", len) == 0)
        *out = false;
    else if (len > 0 && strncasecmp(v, "yes", len) == 0)
        *out = true;
    else if (len > 0 && strncasecmp(v, "no", len) == 0)
        *out = false;
    else if (strncasecmp(v, "on", len > 2 ? len : 2) == 0) /* "o" alone is ambiguous */
        *out = true;
    else if (strncasecmp(v, "off", len > 2 ? len : 2) == 0)
        *out = false;
    else if (strcmp(v, "1") == 0)
        *out = true;
    else if (strcmp(v, "0") == 0)
        *out = false;
    else
        return false;
    return true;
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

static bool valid_variable_name(const char *name, size_t len)
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

/* -v NAME=VALUE, or -v NAME to unset. pgw acts on ON_ERROR_STOP, QUIET and
 * FETCH_COUNT; other names are accepted and ignored, since pgw does not
 * substitute variables in SQL (yet). Unsetting gives psql's defaults. */
static bool set_variable(pgwc_options *o, const char *arg)
{
    const char *eq = strchr(arg, '=');
    size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
    if (!valid_variable_name(arg, nlen)) {
        error("invalid variable name: \"%.*s\"", (int)nlen, arg);
        return false;
    }
    const char *val = eq ? eq + 1 : NULL;
    bool is_stop = nlen == 13 && memcmp(arg, "ON_ERROR_STOP", 13) == 0;
    bool is_quiet = nlen == 5 && memcmp(arg, "QUIET", 5) == 0;
    if (is_stop || is_quiet) {
        bool b = false;
        if (val != NULL && !pgwc_parse_bool(val, &b)) {
            error("unrecognized value \"%s\" for \"%.*s\": Boolean expected", val, (int)nlen, arg);
            return false;
        }
        if (is_stop)
            o->on_error_stop = b;
        else
            o->quiet = b;
    } else if (nlen == 11 && memcmp(arg, "FETCH_COUNT", 11) == 0) {
        long n = 0;
        if (val != NULL && !parse_int(val, &n)) {
            error("invalid value \"%s\" for \"FETCH_COUNT\": integer expected", val);
            return false;
        }
        o->print.fetch_count = n > 0 ? (size_t)n : 0;
    }
    return true;
}

static void usage(void)
{
    printf("pgw is a psql-compatible command-line client built on pgwire.\n\n"
           "Usage:\n"
           "  pgw [OPTION]... [DBNAME [USERNAME]]\n\n"
           "General options:\n"
           "  -c, --command=COMMAND    run a command (SQL, sent as one query); repeatable\n"
           "  -d, --dbname=DBNAME      database name (or connection string) to connect to\n"
           "  -f, --file=FILENAME      execute commands from file (\"-\" for standard input);\n"
           "                           repeatable, runs in order with the -c commands\n"
           "  -v, --set=, --variable=NAME=VALUE\n"
           "                           set variable NAME to VALUE (pgw uses ON_ERROR_STOP,\n"
           "                           QUIET and FETCH_COUNT)\n"
           "  -X, --no-psqlrc          accepted for compatibility (pgw reads no startup file)\n"
           "  -V, --version            output version information, then exit\n"
           "  -?, --help               show this help, then exit\n\n"
           "Input and output options:\n"
           "  -q, --quiet              run quietly (no command tags)\n\n"
           "Output format options:\n"
           "  -A, --no-align           unaligned table output mode\n"
           "      --csv                CSV (Comma-Separated Values) table output mode\n"
           "  -F, --field-separator=STRING\n"
           "                           field separator for unaligned output (default: \"|\")\n"
           "  -R, --record-separator=STRING\n"
           "                           record separator for unaligned output (default: newline)\n"
           "  -t, --tuples-only        print rows only\n\n"
           "Connection options:\n"
           "  -h, --host=HOSTNAME      database server host or socket directory\n"
           "  -p, --port=PORT          database server port\n"
           "  -U, --username=USERNAME  database user name\n"
           "  -w, --no-password        accepted for compatibility (pgw never prompts)\n\n"
           "PG* environment variables are used as libpq uses them. Exit status: 0 ok,\n"
           "1 a failed -c command or a pgw error, 2 no connection, 3 an error in a\n"
           "script run with ON_ERROR_STOP. Differences from psql: docs/pgw.md.\n");
}

static pgwc_parse_result bad_usage(void)
{
    fprintf(stderr, "pgw: hint: Try \"pgw --help\" for more information.\n");
    return PGWC_PARSE_ERROR;
}

enum { OPT_CSV = 1, OPT_HELP = 2 };

pgwc_parse_result pgwc_options_parse(pgwc_options *o, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"no-align", no_argument, NULL, 'A'},
        {"command", required_argument, NULL, 'c'},
        {"dbname", required_argument, NULL, 'd'},
        {"file", required_argument, NULL, 'f'},
        {"field-separator", required_argument, NULL, 'F'},
        {"host", required_argument, NULL, 'h'},
        {"port", required_argument, NULL, 'p'},
        {"quiet", no_argument, NULL, 'q'},
        {"record-separator", required_argument, NULL, 'R'},
        {"tuples-only", no_argument, NULL, 't'},
        {"username", required_argument, NULL, 'U'},
        {"set", required_argument, NULL, 'v'},
        {"variable", required_argument, NULL, 'v'},
        {"version", no_argument, NULL, 'V'},
        {"no-password", no_argument, NULL, 'w'},
        {"no-psqlrc", no_argument, NULL, 'X'},
        {"help", no_argument, NULL, OPT_HELP},
        {"csv", no_argument, NULL, OPT_CSV},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    pgwc_print_opts_init(&o->print);
    o->actions = calloc((size_t)argc + 1, sizeof *o->actions);
    if (o->actions == NULL) {
        error("out of memory");
        return PGWC_PARSE_ERROR;
    }

    /* ':' first: a missing argument is reported apart from an unknown
     * option; pgw prints its own messages, naming "pgw" as psql names
     * itself */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":Ac:d:f:F:h:p:qR:tU:v:VwX?", longopts, NULL)) != -1) {
        switch (c) {
        case 'A':
            o->print.format = PGWC_FORMAT_UNALIGNED;
            break;
        case OPT_CSV:
            o->print.format = PGWC_FORMAT_CSV;
            break;
        case 'c':
        case 'f':
            o->actions[o->nactions].is_file = c == 'f';
            o->actions[o->nactions].val = optarg;
            o->nactions++;
            break;
        case 'd':
            o->dbname = optarg;
            break;
        case 'F':
            o->print.field_sep = optarg;
            break;
        case 'R':
            o->print.record_sep = optarg;
            break;
        case 'h':
            o->host = optarg;
            break;
        case 'p':
            o->port = optarg;
            break;
        case 'U':
            o->user = optarg;
            break;
        case 'q':
            o->quiet = true;
            break;
        case 't':
            o->print.tuples_only = true;
            break;
        case 'v':
            if (!set_variable(o, optarg))
                return PGWC_PARSE_ERROR;
            break;
        case 'V':
            printf("pgw (pgwire) %s\n", pgw_version());
            return PGWC_PARSE_DONE;
        case 'w':
        case 'X':
            break;
        case OPT_HELP:
            usage();
            return PGWC_PARSE_DONE;
        case ':':
            if (strncmp(argv[optind - 1], "--", 2) == 0)
                fprintf(stderr, "pgw: option '%s' requires an argument\n", argv[optind - 1]);
            else
                fprintf(stderr, "pgw: option requires an argument -- '%c'\n", optopt);
            return bad_usage();
        case '?':
            /* -? itself leaves optopt 0; an unknown option sets it, or
             * is a long one */
            if (optopt == 0 && strncmp(argv[optind - 1], "--", 2) != 0) {
                usage();
                return PGWC_PARSE_DONE;
            }
            if (optopt == 0)
                fprintf(stderr, "pgw: unrecognized option '%s'\n", argv[optind - 1]);
            else
                fprintf(stderr, "pgw: invalid option -- '%c'\n", optopt);
            return bad_usage();
        default:
            return bad_usage();
        }
    }
    /* [DBNAME [USERNAME]] */
    for (; optind < argc; optind++) {
        if (o->dbname == NULL)
            o->dbname = argv[optind];
        else if (o->user == NULL)
            o->user = argv[optind];
        else if (!o->quiet)
            fprintf(stderr, "pgw: warning: extra command-line argument \"%s\" ignored\n",
                    argv[optind]);
    }
    return PGWC_PARSE_RUN;
}

void pgwc_options_free(pgwc_options *o)
{
    free(o->actions);
    o->actions = NULL;
    o->nactions = 0;
}

/* key='value', with libpq's quoting */
static void conninfo_add(pgwc_str *ci, const char *key, const char *val)
{
    if (ci->len > 0)
        pgwc_str_putc(ci, ' ');
    pgwc_str_puts(ci, key);
    pgwc_str_puts(ci, "='");
    for (const char *p = val; *p; p++) {
        if (*p == '\'' || *p == '\\')
            pgwc_str_putc(ci, '\\');
        pgwc_str_putc(ci, *p);
    }
    pgwc_str_putc(ci, '\'');
}

/* libpq's recognized_connection_string(): a URI, or anything with '='. */
static bool is_conninfo(const char *s)
{
    return strncmp(s, "postgresql://", 13) == 0 || strncmp(s, "postgres://", 11) == 0 ||
           strchr(s, '=') != NULL;
}

bool pgwc_options_conninfo(const pgwc_options *o, pgwc_str *ci)
{
    pgwc_str_init(ci);
    if (o->host != NULL)
        conninfo_add(ci, "host", o->host);
    if (o->port != NULL)
        conninfo_add(ci, "port", o->port);
    if (o->user != NULL)
        conninfo_add(ci, "user", o->user);
    if (o->dbname != NULL) {
        if (is_conninfo(o->dbname)) {
            if (ci->len > 0)
                pgwc_str_putc(ci, ' ');
            pgwc_str_puts(ci, o->dbname);
        } else {
            conninfo_add(ci, "dbname", o->dbname);
        }
    }
    conninfo_add(ci, "fallback_application_name", "pgw");
    return !ci->failed;
}
