// A failing unit leaves no trace: its statements and its history row are one transaction, and
// units of the same run committed before it stay applied.

#include <strata/error.hpp>
#include <strata/registry.hpp>
#include <strata/runner.hpp>

#include <soci/soci.h>

#include "backend_test.hpp"
#include "support/schema_history.hpp"
#include "support/schema_reader.hpp"
#include "support/schema_session.hpp"
#include "support/temp_database.hpp"
#include "tutorial.hpp"

using namespace strata::test;
using tutorial::users_stage;

namespace {

/// "1 up, 2 up": what a migration_error says its run completed before the failure.
std::string described(const std::vector<strata::migration_error::completed_unit>& units) {
    std::string out;
    for (const auto& u : units) out += (out.empty() ? "" : ", ") + std::to_string(u.version) + " " + strata::to_string(u.dir);
    return out;
}

}  // namespace

STRATA_BACKEND_TEST(a_failing_unit_leaves_no_trace_and_keeps_the_units_before_it) {
    auto db = temp_database::create(backend);
    auto sql = open_session(db.url());
    // A table of our own in the way of unit 2's CREATE TABLE.
    *sql << "CREATE TABLE user_profiles (id INTEGER PRIMARY KEY, note VARCHAR(20))";
    *sql << "INSERT INTO user_profiles (id, note) VALUES (7, 'ours')";
    const auto ours = read_table(*sql, "user_profiles");

    strata::runner r(strata::registry::global(), db.url());
    try {
        r.up();
        BOOST_ERROR("up() succeeded although user_profiles already existed");
    } catch (const strata::migration_error& e) {
        BOOST_TEST(e.context().version.value_or(0) == 2);
        BOOST_TEST(e.context().unit_name == "create_user_profiles");
        BOOST_TEST(described(e.completed()) == "1 up");
        if (backend == strata::backend::postgresql) BOOST_TEST(e.context().sqlstate == "42P07");  // duplicate_table
    }

    // Read back: unit 1 applied, nothing of 2 or 3, our table as we left it.
    BOOST_TEST(recorded_versions(*sql) == (std::vector<std::int64_t>{1}), boost::test_tools::per_element());
    BOOST_TEST(read_table_names(*sql) == (std::vector<std::string>{history_table, log_table, "user_profiles", "users"}),
               boost::test_tools::per_element());
    const auto users = read_table(*sql, "users");
    const auto expected_users = tutorial::expected_users(backend, users_stage::unit_1);
    BOOST_TEST(users == expected_users, schema_diff(expected_users, users));  // no users.profile
    const auto still_ours = read_table(*sql, "user_profiles");
    BOOST_TEST(still_ours == ours, schema_diff(ours, still_ours));
    BOOST_TEST(query_text(*sql, "SELECT CAST(id AS TEXT), note FROM user_profiles") ==
               (text_rows{{{std::string("7"), std::string("ours")}}}));
}

STRATA_BACKEND_TEST(a_unit_failing_after_its_first_statement_is_rolled_back_whole) {
    auto db = temp_database::create(backend);
    strata::runner r(strata::registry::global(), db.url());
    r.up(2);
    auto sql = open_session(db.url());
    // Unit 3 adds users.profile, then creates users_profile_key: an index of that name on a
    // table of our own makes the second statement fail after the first has run.
    *sql << "CREATE TABLE blocker (x INTEGER)";
    *sql << "CREATE INDEX users_profile_key ON blocker (x)";
    const auto before = read_schema(*sql);

    try {
        r.up();
        BOOST_ERROR("up() succeeded although an index named users_profile_key already existed");
    } catch (const strata::migration_error& e) {
        BOOST_TEST(e.context().version.value_or(0) == 3);
        BOOST_TEST(described(e.completed()) == "", "no unit of this run had committed before unit 3");
    }

    BOOST_TEST(recorded_versions(*sql) == (std::vector<std::int64_t>{1, 2}), boost::test_tools::per_element());
    const auto after = read_schema(*sql);
    BOOST_TEST(after == before, schema_diff(before, after));  // users.profile rolled back with the rest
    const auto users = read_table(*sql, "users");
    BOOST_TEST(users.find_column("profile") == nullptr, "users.profile should have been rolled back:\n" << users);
}
