/* src/tls built with -Dtls=disabled: the API is all there, pgw_tls_new()
 * refuses with libpq's wording, and nothing else pretends to work. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pgwire/tls.h"

static void test_disabled_reports_no_support(void **state)
{
    assert_false(pgw_tls_supported());
}

static void test_disabled_new_is_unsupported_with_libpq_message(void **state)
{
    pgw_tls_config cfg;
    pgw_tls_config_init(&cfg);
    assert_int_equal(cfg.size, sizeof cfg);
    assert_true(cfg.sni);
    pgw_tls *t = (pgw_tls *)&cfg;
    char msg[128];
    assert_int_equal(pgw_tls_new(&t, &cfg, msg, sizeof msg), PGW_E_UNSUPPORTED);
    assert_null(t);
    assert_string_equal(msg, "SSL support is not compiled in");
    assert_int_equal(pgw_tls_new(&t, &cfg, NULL, 0), PGW_E_UNSUPPORTED);
}

static void test_disabled_session_functions_do_nothing(void **state)
{
    uint8_t buf[64] = {0};
    size_t n = 7;
    const uint8_t *p = buf;
    assert_int_equal(pgw_tls_feed(NULL, buf, 1), PGW_E_UNSUPPORTED);
    assert_int_equal(pgw_tls_output(NULL, &p), 0);
    assert_null(p);
    pgw_tls_output_done(NULL, 1);
    assert_int_equal(pgw_tls_handshake(NULL), PGW_E_UNSUPPORTED);
    assert_int_equal(pgw_tls_read(NULL, buf, sizeof buf, &n), PGW_E_UNSUPPORTED);
    assert_int_equal(n, 0);
    assert_int_equal(pgw_tls_write(NULL, buf, 1), PGW_E_UNSUPPORTED);
    assert_int_equal(pgw_tls_close(NULL), PGW_E_UNSUPPORTED);
    assert_int_equal(pgw_tls_pending(NULL), 0);
    n = 7;
    assert_int_equal(pgw_tls_server_end_point(NULL, buf, sizeof buf, &n), PGW_E_UNSUPPORTED);
    assert_int_equal(n, 0);
    assert_false(pgw_tls_client_cert_sent(NULL));
    assert_false(pgw_tls_client_cert_requested(NULL));
    assert_null(pgw_tls_version_name(NULL));
    assert_null(pgw_tls_cipher_name(NULL));
    assert_string_equal(pgw_tls_errmsg(NULL), "");
    assert_int_equal(pgw_tls_ssl_error(NULL), 0);
    pgw_tls_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_disabled_reports_no_support),
        cmocka_unit_test(test_disabled_new_is_unsupported_with_libpq_message),
        cmocka_unit_test(test_disabled_session_functions_do_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
