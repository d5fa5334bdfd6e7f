/* Row counts of CommandComplete tags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pgwire/proto.h"

static pgw_status rows_of(const char *tag, uint64_t *rows)
{
    return pgw_command_tag_rows(tag, strlen(tag), rows);
}

static void test_command_tag_counted_verbs_return_rows(void **state)
{
    static const struct {
        const char *tag;
        uint64_t rows;
    } cases[] = {
        {"INSERT 0 5", 5},      {"INSERT 16384 1", 1}, {"SELECT 3", 3},  {"SELECT 0", 0},
        {"UPDATE 1", 1},        {"DELETE 42", 42},     {"MERGE 7", 7},   {"FETCH 100", 100},
        {"MOVE 2", 2},          {"COPY 2", 2},         {"SELECT 007", 7},
        {"SELECT 18446744073709551615", UINT64_MAX},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t rows = 12345;
        assert_int_equal(rows_of(cases[i].tag, &rows), PGW_OK);
        assert_true(rows == cases[i].rows);
    }
}

static void test_command_tag_other_tags_end(void **state)
{
    static const char *const tags[] = {
        "CREATE TABLE", "BEGIN", "COMMIT", "SET", "DO", "LISTEN", "NOTIFY", "ROLLBACK",
        "DROP TABLE", "", "SELECTED 3", "INSERTS 1", "COPYRIGHT 2", "select 3",
        /* A bare verb (pre-8.2 servers sent "COPY" alone) carries no count. */
        "COPY", "SELECT", "INSERT",
    };
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
        uint64_t rows = 99;
        assert_int_equal(rows_of(tags[i], &rows), PGW_END);
        assert_true(rows == 99);
    }
}

static void test_command_tag_malformed_counts_are_protocol_errors(void **state)
{
    static const char *const tags[] = {
        "SELECT ",      "SELECT x",     "SELECT 3x",   "SELECT -1",  "SELECT +1",
        "SELECT 1 ",    "SELECT  1",    "SELECT 1 2",  "INSERT 0",   "INSERT 0 ",
        "INSERT 5",     "INSERT x 5",   "INSERT 0 5 6", "UPDATE 0x10", "DELETE 1.5",
        "SELECT 18446744073709551616", "SELECT 99999999999999999999",
        "INSERT 18446744073709551616 1",
    };
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
        uint64_t rows = 99;
        assert_int_equal(rows_of(tags[i], &rows), PGW_E_PROTOCOL);
        assert_true(rows == 99);
    }
}

static void test_command_tag_len_bounds_the_tag(void **state)
{
    uint64_t rows = 0;
    /* Only the first 8 bytes count; what follows is not read. */
    assert_int_equal(pgw_command_tag_rows("SELECT 12345", 8, &rows), PGW_OK);
    assert_true(rows == 1);
    /* An embedded NUL is not a digit. */
    assert_int_equal(pgw_command_tag_rows("SELECT 1\0", 9, &rows), PGW_E_PROTOCOL);
    assert_int_equal(pgw_command_tag_rows(NULL, 0, &rows), PGW_END);
    assert_int_equal(pgw_command_tag_rows(NULL, 3, &rows), PGW_E_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_command_tag_counted_verbs_return_rows),
        cmocka_unit_test(test_command_tag_other_tags_end),
        cmocka_unit_test(test_command_tag_malformed_counts_are_protocol_errors),
        cmocka_unit_test(test_command_tag_len_bounds_the_tag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
