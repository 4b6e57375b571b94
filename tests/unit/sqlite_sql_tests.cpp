// What the SQLite reader takes from CREATE statements (engine/src/inspect/sqlite_sql.hpp): checks,
// generated columns' expressions, index keys and predicates, found where a naive scan would trip
// on a quote, a parenthesis or a keyword inside a string, a quoted name or a comment.
#include <strata/inspect.hpp>

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "inspect/sqlite_sql.hpp"  // private to the engine
#include "support/inspect_print.hpp"

namespace sqlite_sql = strata::inspect::sqlite_sql;
using strata::inspect::check;

BOOST_AUTO_TEST_SUITE(sqlite_sql_text)

BOOST_AUTO_TEST_CASE(checks_are_found_named_or_not_and_kept_as_written) {
    const std::string sql =
        "CREATE TABLE \"check (x)\" (\"a\" INTEGER CHECK(\"a\" > 0) -- CHECK (comment)\n, \"b\" TEXT DEFAULT 'CHECK (no)' "
        "CONSTRAINT \"b \"\"ok\"\"\" CHECK (\"b\" <> ')' AND (\"b\" <> '(')), [check] TEXT, /* CHECK (c) */ "
        "CONSTRAINT pk PRIMARY KEY (\"a\"), CHECK (length([check]) < 5), constraint lower_case check (b is not null))";
    const std::vector<check> expected{{"", "CHECK (\"a\" > 0)"},  // one space after CHECK, always
                                      {"b \"ok\"", "CHECK (\"b\" <> ')' AND (\"b\" <> '('))"},
                                      {"", "CHECK (length([check]) < 5)"},
                                      {"lower_case", "CHECK (b is not null)"}};
    BOOST_TEST(sqlite_sql::checks(sql) == expected, boost::test_tools::per_element());
}

// ALTER TABLE ADD COLUMN appends to the text, a rebuild writes it anew: one layout for both.
BOOST_AUTO_TEST_CASE(a_tables_list_is_laid_out_one_item_per_line) {
    const std::string added = "CREATE TABLE \"t\" (\n  \"a\" TEXT,\n  \"b\" TEXT DEFAULT 'x, y'\n, \"c\" INTEGER CHECK (\"c\" IN (1, 2)))";
    const std::string rebuilt = "CREATE TABLE \"t\"(\"a\" TEXT,\n  \"b\" TEXT DEFAULT 'x, y',\n  \"c\" INTEGER CHECK (\"c\" IN (1, 2))\n)";
    const std::string laid_out =
        "CREATE TABLE \"t\" (\n  \"a\" TEXT,\n  \"b\" TEXT DEFAULT 'x, y',\n  \"c\" INTEGER CHECK (\"c\" IN (1, 2))\n)";
    BOOST_TEST(sqlite_sql::laid_out_table(added) == laid_out);
    BOOST_TEST(sqlite_sql::laid_out_table(rebuilt) == laid_out);
    BOOST_TEST(sqlite_sql::laid_out_table(laid_out) == laid_out);
    // What follows the list stays; a block comment stays inside its item.
    BOOST_TEST(sqlite_sql::laid_out_table("CREATE TABLE k (a INTEGER PRIMARY KEY /* key, */, b) WITHOUT ROWID") ==
               "CREATE TABLE k (\n  a INTEGER PRIMARY KEY /* key, */,\n  b\n) WITHOUT ROWID");
    // Left as written: a line comment (the comma would join it), a virtual table, no list.
    for (const std::string& as_is : {std::string("CREATE TABLE c (a TEXT -- note\n, b TEXT)"),
                                    std::string("CREATE VIRTUAL TABLE f USING fts5(a, b)"), std::string("CREATE TABLE x")})
        BOOST_TEST(sqlite_sql::laid_out_table(as_is) == as_is);
}

BOOST_AUTO_TEST_CASE(a_generated_columns_expression_is_its_as_parentheses) {
    const std::string sql =
        "CREATE TABLE t (\"a\" TEXT DEFAULT (CAST(1 AS TEXT)), \"Total\" NUMERIC, \"cents\" INTEGER GENERATED ALWAYS AS "
        "(\"Total\" * 100) STORED, d AS (lower(\"a\" || ')')) VIRTUAL)";
    BOOST_TEST(sqlite_sql::generated_expression(sql, "cents").value_or("none") == "\"Total\" * 100");
    BOOST_TEST(sqlite_sql::generated_expression(sql, "D").value_or("none") == "lower(\"a\" || ')')");
    BOOST_TEST(!sqlite_sql::generated_expression(sql, "a"));  // the AS of a CAST is no generated column's
    BOOST_TEST(!sqlite_sql::generated_expression(sql, "missing"));
}

BOOST_AUTO_TEST_CASE(an_index_has_its_keys_as_written_and_its_predicate) {
    const auto parts = sqlite_sql::parse_index(
        "CREATE UNIQUE INDEX \"i (x)\" ON \"t\" (\"a\", lower(\"b\", ',') DESC, (c + 1)) WHERE \"a\" IS NOT NULL AND b <> ')'");
    BOOST_TEST(parts.keys == (std::vector<std::string>{"\"a\"", "lower(\"b\", ',') DESC", "(c + 1)"}),
               boost::test_tools::per_element());
    BOOST_TEST(parts.where == "\"a\" IS NOT NULL AND b <> ')'");
    BOOST_TEST(sqlite_sql::parse_index("CREATE INDEX i ON t (a)").where == "");
}

BOOST_AUTO_TEST_SUITE_END()
