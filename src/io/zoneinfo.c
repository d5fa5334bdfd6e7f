/* Reading a time zone from the system's tz database: the file system part
 * of pgw_tz_load(); src/types/tz.c parses the bytes.
 *
 * The name usually comes from the server (ParameterStatus TimeZone), so it
 * is treated as hostile: only names that can only mean a file under the
 * zone directory are opened. Everything else ("<+03>-03", what the server
 * reports for SET TIME ZONE '+3') is tried as a POSIX TZ string. */
#include <stdio.h>
#include <stdlib.h>

#include "common/common_int.h"
#include "pgwire/datetime.h"

/* Zone files are a few kilobytes; anything this big is not one. */
#define MAX_TZIF_SIZE ((size_t)1 << 20)
#define MAX_NAME 255u

static bool name_is_path(const char *name, size_t n)
{
    if (n == 0 || n > MAX_NAME || name[0] == '/' || strstr(name, "..") != NULL)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '/' || c == '_' || c == '+' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

/* The whole file into buf; PGW_E_INVALID if it cannot be read. */
static pgw_status zi_read_file(const char *path, pgw_buf *buf)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return PGW_E_INVALID;
    pgw_status rc = PGW_OK;
    for (;;) {
        rc = pgw_buf_reserve(buf, 65536);
        if (rc != PGW_OK)
            break;
        size_t got = fread(buf->data + buf->len, 1, 65536, f);
        buf->len += got;
        if (got < 65536) {
            if (ferror(f))
                rc = PGW_E_INVALID;
            break;
        }
        if (buf->len > MAX_TZIF_SIZE) {
            rc = PGW_E_TOO_LARGE;
            break;
        }
    }
    fclose(f);
    return rc;
}

pgw_status pgw_tz_load(const char *name, const pgw_allocator *a, pgw_tz **out)
{
    if (!name || !out)
        return PGW_E_INVALID;
    size_t n = strlen(name);
    if (name_is_path(name, n)) {
        const char *dir = getenv("TZDIR");
        if (!dir || !*dir)
            dir = "/usr/share/zoneinfo";
        size_t dlen = strlen(dir);
        char path[4096];
        if (dlen + 1 + n < sizeof path) {
            memcpy(path, dir, dlen);
            path[dlen] = '/';
            memcpy(path + dlen + 1, name, n + 1);
            pgw_buf buf;
            /* + 65536: room for the read that finds a file too big */
            pgw_buf_init(&buf, a, MAX_TZIF_SIZE + 65536);
            pgw_status rc = zi_read_file(path, &buf);
            size_t got = buf.len;
            if (rc == PGW_OK)
                rc = pgw_tz_parse_tzif(buf.data ? buf.data : (const uint8_t *)"", got, a, out);
            pgw_buf_free(&buf);
            /* A file that exists but is not a zone is an error; a missing
             * one may still be a POSIX string ("EST5EDT" on systems
             * without that file). */
            if (rc != PGW_E_INVALID || got != 0)
                return rc;
        }
    }
    return pgw_tz_parse_posix(name, n, a, out);
}
