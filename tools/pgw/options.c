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

#include "vars.h"

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

/* -v NAME=VALUE, or -v NAME to unset (psql's -v). */
static bool set_variable(pgwc_options *o, const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (eq == NULL)
        return pgwc_vars_set(&o->vars, arg, NULL);
    size_t nlen = (size_t)(eq - arg);
    char *name = malloc(nlen + 1);
    if (name == NULL) {
        error("out of memory");
        return false;
    }
    memcpy(name, arg, nlen);
    name[nlen] = '\0';
    bool ok = pgwc_vars_set(&o->vars, name, eq + 1);
    free(name);
    return ok;
}

/* psql's setQFout(): "|command" writes to a pipe. */
static bool open_output(pgwc_options *o, const char *fname)
{
    if (o->qout != NULL) {
        if (o->qout_pipe)
            pclose(o->qout);
        else
            fclose(o->qout);
        o->qout = NULL;
    }
    if (fname[0] == '|') {
        fflush(NULL);
        o->qout = popen(fname + 1, "w");
        o->qout_pipe = true;
    } else {
        o->qout = fopen(fname, "w");
        o->qout_pipe = false;
    }
    if (o->qout == NULL) {
        error("%s: %s", fname, strerror(errno));
        return false;
    }
    return true;
}

static bool parse_timeout(pgwc_options *o, const char *v)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || n < 0 || n > 2147483647L) {
        error("invalid value \"%s\" for --timeout: a number of seconds expected", v);
        return false;
    }
    o->wait_timeout = (double)n;
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
           "                           set psql variable NAME to VALUE\n"
           "                           (e.g., -v ON_ERROR_STOP=1)\n"
           "  -V, --version            output version information, then exit\n"
           "  -X, --no-psqlrc          accepted for compatibility (pgw reads no startup file)\n"
           "  -1 (\"one\"), --single-transaction\n"
           "                           execute as a single transaction (if non-interactive)\n"
           "  -?, --help               show this help, then exit\n"
           "      --binary             run statements with the extended protocol, fetch\n"
           "                           results in binary and print them as psql would\n"
           "      --trace              print every protocol message sent and received\n"
           "                           to standard error (passwords redacted)\n"
           "      --wait               check the server as pg_isready does, retrying\n"
           "                           until it answers or --timeout passes, then exit\n"
           "      --timeout=SECS       seconds --wait keeps trying (default: 3, 0 = no limit)\n\n"
           "Input and output options:\n"
           "  -a, --echo-all           echo all input from script\n"
           "  -b, --echo-errors        echo failed commands\n"
           "  -e, --echo-queries       echo commands sent to server\n"
           "  -o, --output=FILENAME    send query results to file (or |pipe)\n"
           "  -q, --quiet              run quietly (no messages, only query output)\n\n"
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
           "script run with ON_ERROR_STOP. With --wait, pg_isready's: 0 accepting\n"
           "connections, 1 rejecting, 2 no response, 3 no attempt.\n"
           "Script commands: \\set, \\unset, \\echo, \\qecho, \\warn; :name, :'name'\n"
           "and :\"name\" are replaced by variables. Differences from psql: docs/pgw.md.\n");
}

static pgwc_parse_result bad_usage(void)
{
    fprintf(stderr, "pgw: hint: Try \"pgw --help\" for more information.\n");
    return PGWC_PARSE_ERROR;
}

enum { OPT_CSV = 1, OPT_HELP = 2, OPT_WAIT = 3, OPT_TIMEOUT = 4, OPT_BINARY = 5, OPT_TRACE = 6 };

pgwc_parse_result pgwc_options_parse(pgwc_options *o, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"echo-all", no_argument, NULL, 'a'},
        {"no-align", no_argument, NULL, 'A'},
        {"echo-errors", no_argument, NULL, 'b'},
        {"echo-queries", no_argument, NULL, 'e'},
        {"output", required_argument, NULL, 'o'},
        {"single-transaction", no_argument, NULL, '1'},
        {"wait", no_argument, NULL, OPT_WAIT},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"binary", no_argument, NULL, OPT_BINARY},
        {"trace", no_argument, NULL, OPT_TRACE},
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
    o->wait_timeout = 3;
    o->actions = calloc((size_t)argc + 2, sizeof *o->actions);
    if (o->actions == NULL || !pgwc_vars_init(&o->vars)) {
        error("out of memory");
        return PGWC_PARSE_ERROR;
    }

    /* ':' first: a missing argument is reported apart from an unknown
     * option; pgw prints its own messages, naming "pgw" as psql names
     * itself */
    opterr = 0;
    int c;
    const char *shortopts = ":1aAbc:d:ef:F:h:o:p:qR:tU:v:VwX?";
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        switch (c) {
        case 'A':
            o->print.format = PGWC_FORMAT_UNALIGNED;
            break;
        case '1':
            o->single_txn = true;
            break;
        case 'a':
            pgwc_vars_set(&o->vars, "ECHO", "all");
            break;
        case 'b':
            pgwc_vars_set(&o->vars, "ECHO", "errors");
            break;
        case 'e':
            pgwc_vars_set(&o->vars, "ECHO", "queries");
            break;
        case 'o':
            if (!open_output(o, optarg))
                return PGWC_PARSE_ERROR;
            break;
        case OPT_WAIT:
            o->wait = true;
            break;
        case OPT_TIMEOUT:
            if (!parse_timeout(o, optarg))
                return PGWC_PARSE_ERROR;
            break;
        case OPT_TRACE:
            o->trace = true;
            break;
        case OPT_BINARY:
            o->binary = true;
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
            pgwc_vars_set(&o->vars, "QUIET", "on");
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
        else if (!o->vars.settings.quiet)
            fprintf(stderr, "pgw: warning: extra command-line argument \"%s\" ignored\n",
                    argv[optind]);
    }
    /* psql reads standard input as "-f -" when no action is given (so
     * that -1 applies), though without a file name in its messages */
    if (o->nactions == 0) {
        o->actions[0].is_file = true;
        o->actions[0].val = NULL;
        o->nactions = 1;
    }
    return PGWC_PARSE_RUN;
}

void pgwc_options_free(pgwc_options *o)
{
    free(o->actions);
    o->actions = NULL;
    o->nactions = 0;
    pgwc_vars_free(&o->vars);
    if (o->qout != NULL) {
        if (o->qout_pipe)
            pclose(o->qout);
        else
            fclose(o->qout);
        o->qout = NULL;
    }
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
        pgw_conninfo *uri = NULL;
        bool is_uri = strncmp(o->dbname, "postgresql://", 13) == 0 ||
                      strncmp(o->dbname, "postgres://", 11) == 0;
        if (is_uri && pgw_conninfo_parse(&uri, o->dbname, NULL, NULL, 0) == PGW_OK) {
            /* a URI cannot be followed by key=value pairs: its keywords
             * are written out instead, after the flags so that they win,
             * as libpq's expand_dbname does */
            for (size_t i = 0; i < pgw_conninfo_count(uri); i++)
                conninfo_add(ci, pgw_conninfo_keyword(uri, i), pgw_conninfo_value(uri, i));
            pgw_conninfo_free(uri);
        } else if (is_uri) {
            /* a malformed URI is passed alone, for libpq's error text */
            pgwc_str_reset(ci);
            pgwc_str_puts(ci, o->dbname);
            return !ci->failed;
        } else if (is_conninfo(o->dbname)) {
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
