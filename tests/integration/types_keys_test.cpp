// Column types, identity keys, composite primary keys (issue 9, points 4 and 5), schemas and
// comments (point 7), applied to a real database: the values each type accepts and refuses are
// the same on both databases, identity columns number the rows, a composite key refuses
// duplicates and NULLs, and down leaves exactly the schema before.

#include <strata/error.hpp>
#include <strata/registry.hpp>
#include <strata/runner.hpp>

#include <soci/soci.h>

#include <memory>
#include <string>
#include <vector>

#include "backend_test.hpp"
#include "support/change_unit.hpp"
#include "support/schema_history.hpp"
#include "support/schema_reader.hpp"
#include "support/schema_session.hpp"
#include "support/temp_database.hpp"
#include "tutorial.hpp"

using namespace strata::test;
using namespace strata::schema;
using strata::test::tutorial::refusal;
using strata::test::tutorial::run;

namespace {

std::unique_ptr<strata::registry> type_units() {
    auto r = std::make_unique<strata::registry>();
    r->add(std::make_shared<const change_unit>(1, "create_samples", [](builder& b) {
               b.create_table("samples", [](table& t) {
                   t.column("id", type::bigint()).primary().identity();
                   t.column("small", type::smallint());
                   t.column("price", type::numeric(5, 2));
                   t.column("ratio", type::real());
                   t.column("exact", type::double_precision());
                   t.column("day", type::date());
                   t.column("at", type::time());
                   t.column("local", type::timestamp());
                   t.column("doc", type::json());
                   t.column("docb", type::jsonb());
                   t.column("bytes", type::bytea());
                   t.column("status", type::enumeration({"draft", "live"})).not_null().default_sql("'draft'");
                   t.column("count", type::integer());
                   t.column("total", type::bigint());
                   t.column("seen", type::timestamptz());
               });
               b.comment_on("samples", "One row per sample; comments are PostgreSQL's only");
               b.comment_on("samples", "status", "draft or live");
           }),
           "types_keys_test.cpp");
    r->add(std::make_shared<const change_unit>(2, "create_memberships", [](builder& b) {
               b.create_table("memberships", [](table& t) {
                   t.column("group", type::bigint());
                   t.column("member", type::bigint());
                   t.column("role", type::text());
                   t.primary_key({"group", "member"});
               });
           }),
           "types_keys_test.cpp");
    return r;
}

/// Whether inserting `values` into samples' `column` is refused by the database.
bool refused(soci::session& sql, const std::string& column, const std::string& value) {
    return !(run(sql, "INSERT INTO samples (\"" + column + "\") VALUES (" + value + ")") == refusal::none);
}

}  // namespace

STRATA_BACKEND_TEST(new_column_types_accept_and_refuse_the_same_values_on_both_databases) {
    auto db = temp_database::create(backend);
    auto units = type_units();
    strata::runner r(*units, db.url(), {.allow_data_loss = true});
    auto sql = open_session(db.url());
    const auto empty = user_schema(*sql);

    r.up();
    const bool pg = backend == strata::backend::postgresql;
    const std::vector<std::pair<std::string, std::string>> accepted{
        {"small", "-32768"}, {"small", "32767"},        {"price", "999.99"},          {"price", "-12.5"},
        {"ratio", "1.5"},    {"exact", "2.25"},         {"day", "'2024-02-29'"},      {"at", "'23:59:59'"},
        {"at", "'07:30'"},   {"local", "'2024-05-01 10:00:00'"}, {"doc", "'{\"a\": [1, 2]}'"}, {"docb", "'[]'"},
        {"status", "'live'"}, {"bytes", pg ? "'\\x0001ff'::bytea" : "x'0001ff'"},
        {"count", "2147483647"}, {"count", "-2147483648"}, {"count", "'12'"},
        {"total", "9223372036854775807"}, {"total", "-9223372036854775808"}, {"total", "'3000000000'"},
        {"seen", "'2024-02-29T10:00:00Z'"}, {"seen", "'2024-02-29 23:30:00-05:00'"}, {"seen", "'2024-02-29 10:00:00.123+00:00'"},
    };
    for (const auto& [column, value] : accepted)
        BOOST_TEST(!refused(*sql, column, value), column << " = " << value << " should be accepted");
    const std::vector<std::pair<std::string, std::string>> rejected{
        {"small", "32768"},       {"small", "-32769"},    {"price", "1000.00"},       {"price", "'cheap'"},
        {"ratio", "'fast'"},      {"exact", "'slow'"},    {"day", "'2024-02-30'"},    {"day", "'someday'"},
        {"at", "'25:00'"},        {"at", "'noon'"},       {"local", "'soon'"},       {"local", "'2023-02-29 10:00:00'"},        {"doc", "'{\"a\": '"},
        {"docb", "'not json'"},   {"status", "'gone'"},   {"status", "NULL"},
        {"count", "2147483648"},  {"count", "-2147483649"}, {"count", "'abc'"},   {"count", "x'01'"},
        {"total", "9223372036854775808"}, {"total", "'lots'"}, {"total", "1e30"},
        {"seen", "'2024-02-30 10:00:00+00'"}, {"seen", "'soon'"}, {"seen", "2460000.5"}, {"seen", "'2024-13-01 00:00'"},
    };
    for (const auto& [column, value] : rejected)
        BOOST_TEST(refused(*sql, column, value), column << " = " << value << " should be refused");

    // The identity numbers rows an insert leaves it out of, and keeps a number given.
    BOOST_TEST(run(*sql, "DELETE FROM samples") == refusal::none);
    BOOST_TEST(run(*sql, "INSERT INTO samples (small) VALUES (1)") == refusal::none);
    BOOST_TEST(run(*sql, "INSERT INTO samples (small) VALUES (2)") == refusal::none);
    BOOST_TEST(run(*sql, "INSERT INTO samples (id, small) VALUES (1000, 3)") == refusal::none);
    const auto ids = query_text(*sql, "SELECT CAST(small AS TEXT), CAST(id AS TEXT) FROM samples ORDER BY small");
    BOOST_TEST_REQUIRE(ids.rows.size() == 3u);
    BOOST_TEST(std::stoll(ids.rows[0][1].value_or("-1")) > 0);
    BOOST_TEST(std::stoll(ids.rows[0][1].value_or("-1")) < std::stoll(ids.rows[1][1].value_or("-1")));
    BOOST_TEST(ids.rows[2][1] == std::optional<std::string>("1000"));
    BOOST_TEST(query_value(*sql, "SELECT status FROM samples WHERE small = 1") == std::optional<std::string>("draft"));

    // The composite key: both columns NOT NULL, a pair once.
    const auto memberships = read_table(*sql, "memberships");
    BOOST_TEST(memberships.primary_key == (std::vector<std::string>{"group", "member"}), boost::test_tools::per_element());
    BOOST_TEST(!memberships.find_column("group")->nullable);
    BOOST_TEST(!memberships.find_column("member")->nullable);
    BOOST_TEST(memberships.find_column("role")->nullable);
    BOOST_TEST(run(*sql, "INSERT INTO memberships (\"group\", member) VALUES (1, 1)") == refusal::none);
    BOOST_TEST(run(*sql, "INSERT INTO memberships (\"group\", member) VALUES (1, 2)") == refusal::none);
    BOOST_TEST(run(*sql, "INSERT INTO memberships (\"group\", member) VALUES (1, 1)") == refusal::unique);
    BOOST_TEST(run(*sql, "INSERT INTO memberships (\"group\", member) VALUES (NULL, 3)") == refusal::not_null);

    if (pg) {
        BOOST_TEST(query_value(*sql, "SELECT obj_description('samples'::regclass, 'pg_class')") ==
                   std::optional<std::string>("One row per sample; comments are PostgreSQL's only"));
        BOOST_TEST(query_value(*sql, "SELECT col_description('samples'::regclass, 12)") ==
                   std::optional<std::string>("draft or live"));
    }

    r.down({.all = true});
    BOOST_TEST(user_schema(*sql) == empty, schema_diff(empty, user_schema(*sql)));
}

namespace {

std::unique_ptr<strata::registry> billing_units() {
    auto r = std::make_unique<strata::registry>();
    r->add(std::make_shared<const change_unit>(1, "create_billing", [](builder& b) {
               b.create_schema("billing");
               b.create_table(qualified("billing", "accounts"), [](table& t) { t.column("id", type::bigint()).primary(); });
               b.create_table(qualified("billing", "invoices"), [](table& t) {
                   t.column("id", type::bigint()).primary().identity();
                   t.column("account", type::bigint()).not_null().references(qualified("billing", "accounts"), "id");
               });
               b.create_index(qualified("billing", "invoices"), {"account"});
               b.comment_on(qualified("billing", "invoices"), "account", "Who pays");
           }),
           "types_keys_test.cpp");
    return r;
}

long long count_of(soci::session& sql, const std::string& what) {
    return std::stoll(query_value(sql, "SELECT CAST(count(*) AS TEXT) " + what).value_or("-1"));
}

}  // namespace

STRATA_BACKEND_TEST(schemas_hold_qualified_tables_on_postgresql_and_sqlite_refuses_them_before_running) {
    auto db = temp_database::create(backend);
    auto units = billing_units();
    auto sql = open_session(db.url());
    if (backend == strata::backend::sqlite) {
        BOOST_CHECK_EXCEPTION(strata::runner(*units, db.url()).up(), strata::error, [](const strata::error& e) {
            BOOST_TEST_MESSAGE(e.what());
            return std::string(e.what()).find("sqlite has no schemas") != std::string::npos;
        });
        BOOST_TEST(recorded_versions(*sql).empty());
        return;
    }
    strata::runner r(*units, db.url(), {.allow_data_loss = true});
    r.up();
    BOOST_TEST(count_of(*sql, "FROM information_schema.tables WHERE table_schema = 'billing'") == 2);
    BOOST_TEST(count_of(*sql, "FROM pg_indexes WHERE schemaname = 'billing' AND indexname = "
                              "'invoices_account_idx'") == 1);
    BOOST_TEST(count_of(*sql, "FROM information_schema.tables WHERE table_schema = current_schema() AND "
                              "table_name IN ('invoices', 'accounts')") == 0);
    BOOST_TEST(query_value(*sql, "SELECT col_description('billing.invoices'::regclass, 2)") ==
               std::optional<std::string>("Who pays"));
    BOOST_TEST(run(*sql, "INSERT INTO billing.accounts (id) VALUES (7)") == refusal::none);
    BOOST_TEST(run(*sql, "INSERT INTO billing.invoices (account) VALUES (7)") == refusal::none);
    BOOST_TEST(run(*sql, "INSERT INTO billing.invoices (account) VALUES (8)") == refusal::foreign_key);

    r.down({.all = true});
    BOOST_TEST(count_of(*sql, "FROM pg_namespace WHERE nspname = 'billing'") == 0);
    BOOST_TEST(recorded_versions(*sql).empty());
}

STRATA_BACKEND_TEST(an_enumeration_renamed_then_widened_takes_its_new_value_and_reverts) {
    auto db = temp_database::create(backend);
    strata::registry units;
    units.add(std::make_shared<const change_unit>(1, "create_books", [](builder& b) {
                  b.create_table("books", [](table& t) {
                      t.column("id", type::integer()).primary();
                      t.column("status", type::enumeration({"a", "b"})).not_null().default_sql("'a'");
                  });
              }),
              "types_keys_test.cpp");
    units.add(std::make_shared<const change_unit>(2, "rename_books", [](builder& b) {
                  b.rename_table("books", "volumes");
                  b.rename_column("volumes", "status", "state");
              }),
              "types_keys_test.cpp");
    units.add(std::make_shared<const change_unit>(3, "widen_state", [](builder& b) {
                  b.change_column("volumes", column("state", type::enumeration({"a", "b"})).not_null().default_sql("'a'"),
                                  column("state", type::enumeration({"a", "b", "c"})).not_null().default_sql("'a'"));
              }),
              "types_keys_test.cpp");
    strata::runner r(units, db.url());
    auto sql = open_session(db.url());
    const auto empty = user_schema(*sql);
    r.up(2);
    const auto renamed = user_schema(*sql);
    BOOST_TEST(run(*sql, "INSERT INTO volumes (id, state) VALUES (1, 'c')") != refusal::none);
    r.up();
    BOOST_TEST(run(*sql, "INSERT INTO volumes (id, state) VALUES (1, 'c')") == refusal::none);
    BOOST_TEST(run(*sql, "INSERT INTO volumes (id, state) VALUES (2, 'd')") != refusal::none);
    BOOST_TEST(run(*sql, "DELETE FROM volumes") == refusal::none);
    r.down({.to = 2});
    BOOST_TEST(user_schema(*sql) == renamed, schema_diff(renamed, user_schema(*sql)));
    BOOST_TEST(run(*sql, "INSERT INTO volumes (id, state) VALUES (1, 'c')") != refusal::none);
    r.down({.all = true});
    BOOST_TEST(user_schema(*sql) == empty, schema_diff(empty, user_schema(*sql)));
}
