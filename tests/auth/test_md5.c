/* PostgreSQL's md5 password response: known answers computed independently
 * with Python's hashlib as
 *   "md5" + md5(md5(password + user).hexdigest() + salt).hexdigest()
 * and hard-coded here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pgwire/auth.h"

static void check(const char *user, size_t user_len, const char *pw, size_t pw_len,
                  const uint8_t salt[4], const char *want)
{
    char out[36];
    memset(out, 'X', sizeof out);
    assert_int_equal(pgw_md5_password(user, user_len, pw, pw_len, salt, out), PGW_OK);
    assert_int_equal(strlen(want), 35);
    assert_memory_equal(out, want, 35);
    assert_int_equal(out[35], '\0');
}

static void test_md5_password_known_answers_match(void **state)
{
    static const uint8_t s1[4] = {0x01, 0x02, 0x03, 0x04};
    static const uint8_t s2[4] = {0xde, 0xad, 0xbe, 0xef};
    check("postgres", 8, "postgres", 8, s1, "md568be9ed08db75f318087ab337aaea044");
    check("alice", 5, "s3cr3t", 6, s2, "md5f4ae1027427ba7f70c4ff1f49b2de6b2");
}

static void test_md5_password_empty_inputs_match(void **state)
{
    static const uint8_t s0[4] = {0, 0, 0, 0};
    check("", 0, "", 0, s0, "md591b86670dcd47857d222fa05653500aa");
    check(NULL, 0, NULL, 0, s0, "md591b86670dcd47857d222fa05653500aa");
}

/* Lengths are honoured: embedded NUL and non-ASCII bytes are hashed as
 * given, and salt bytes above 0x7f are not sign-extended. */
static void test_md5_password_binary_bytes_are_hashed_as_given(void **state)
{
    static const uint8_t s[4] = {0xff, 0x00, 0x7f, 0x80};
    check("u\xc3\xa9", 3, "p\0w", 3, s, "md5218cc8a297d6ec14f62e74ddbab70c64");
}

/* Salt order matters (the server picks it per connection). */
static void test_md5_password_different_salt_differs(void **state)
{
    static const uint8_t a[4] = {1, 2, 3, 4};
    static const uint8_t b[4] = {4, 3, 2, 1};
    char x[36], y[36];
    assert_int_equal(pgw_md5_password("u", 1, "p", 1, a, x), PGW_OK);
    assert_int_equal(pgw_md5_password("u", 1, "p", 1, b, y), PGW_OK);
    assert_string_not_equal(x, y);
}

static void test_md5_password_null_arguments_are_invalid(void **state)
{
    static const uint8_t s[4] = {1, 2, 3, 4};
    char out[36] = "unchanged";
    assert_int_equal(pgw_md5_password("u", 1, "p", 1, NULL, out), PGW_E_INVALID);
    assert_string_equal(out, "");
    assert_int_equal(pgw_md5_password(NULL, 1, "p", 1, s, out), PGW_E_INVALID);
    assert_int_equal(pgw_md5_password("u", 1, NULL, 1, s, out), PGW_E_INVALID);
    assert_int_equal(pgw_md5_password("u", 1, "p", 1, s, NULL), PGW_E_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_md5_password_known_answers_match),
        cmocka_unit_test(test_md5_password_empty_inputs_match),
        cmocka_unit_test(test_md5_password_binary_bytes_are_hashed_as_given),
        cmocka_unit_test(test_md5_password_different_salt_differs),
        cmocka_unit_test(test_md5_password_null_arguments_are_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
