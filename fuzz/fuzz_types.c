/* Fuzz the text decoders of src/types: the first byte picks a decoder, the
 * rest is the value. Invariants: only documented statuses; a decoded value
 * printed back in the server's format decodes to the same value. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgwire/types.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(pgw_status rc)
{
    if (rc != PGW_OK && rc != PGW_E_INVALID && rc != PGW_E_RANGE)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *p = (const char *)data + 1;
    size_t n = size - 1;
    char buf[64];
    switch (data[0] % 8) {
    case 0: {
        int16_t v, w;
        pgw_status rc = pgw_decode_int2_text(p, n, &v);
        check(rc);
        if (rc == PGW_OK) {
            int k = snprintf(buf, sizeof buf, "%d", v);
            if (pgw_decode_int2_text(buf, (size_t)k, &w) != PGW_OK || w != v)
                abort();
        }
        break;
    }
    case 1: {
        int32_t v, w;
        pgw_status rc = pgw_decode_int4_text(p, n, &v);
        check(rc);
        if (rc == PGW_OK) {
            int k = snprintf(buf, sizeof buf, "%d", v);
            if (pgw_decode_int4_text(buf, (size_t)k, &w) != PGW_OK || w != v)
                abort();
        }
        break;
    }
    case 2: {
        int64_t v, w;
        pgw_status rc = pgw_decode_int8_text(p, n, &v);
        check(rc);
        if (rc == PGW_OK) {
            int k = snprintf(buf, sizeof buf, "%lld", (long long)v);
            if (pgw_decode_int8_text(buf, (size_t)k, &w) != PGW_OK || w != v)
                abort();
        }
        break;
    }
    case 3: {
        double v, w;
        pgw_status rc = pgw_decode_float8_text(p, n, &v);
        check(rc);
        if (rc == PGW_OK && isfinite(v)) {
            /* %.17g round-trips every double exactly. */
            int k = snprintf(buf, sizeof buf, "%.17g", v);
            if (pgw_decode_float8_text(buf, (size_t)k, &w) != PGW_OK || memcmp(&v, &w, sizeof v))
                abort();
        }
        break;
    }
    case 4: {
        bool v;
        pgw_status rc = pgw_decode_bool_text(p, n, &v);
        if (rc != PGW_OK && rc != PGW_E_INVALID)
            abort();
        break;
    }
    case 5: {
        int64_t v;
        check(pgw_decode_timestamptz_text(p, n, &v));
        break;
    }
    case 6: {
        int64_t v;
        check(pgw_decode_timestamp_text(p, n, &v));
        break;
    }
    default: {
        int32_t v;
        check(pgw_decode_date_text(p, n, &v));
        break;
    }
    }
    return 0;
}
