// A failing unit leaves no trace: its statements and its history row are one transaction, and
// units of the same run committed before it stay applied. The exception is an online unit on
// PostgreSQL (unit 3 there): its statements commit one by one, so a failure half-way leaves it
// interrupted, and the next up finishes it.

#include <strata/error.hpp>
#include <strata/registry.hpp>
#include <strata/runner.hpp>

#include <soci/soci.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

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

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string joined(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

/// Every line of status() as "1 applied", with " interrupted" when so.
std::vector<std::string> status_lines(const strata::database_url& url) {
    std::vector<std::string> out;
    for (const auto& s : strata::runner(strata::registry::global(), url).status())
        out.push_back(std::to_string(s.version) + " " + strata::to_string(s.state) + (s.interrupted ? " interrupted" : ""));
    return out;
}

/// Units 1 and 2 applied, then a table of our own with an index named users_profile_key: unit 3
/// adds users.profile, then needs that name for its unique key, so it fails after its first
/// statements have run.
void apply_two_units_and_take_the_unique_name(const strata::database_url& url, soci::session& sql) {
    strata::runner(strata::registry::global(), url).up(2);
    sql << "CREATE TABLE blocker (x INTEGER)";
    sql << "CREATE INDEX users_profile_key ON blocker (x)";
}

/// Runs up(), which must fail in unit 3; returns the error's text.
std::string failing_up_in_unit_3(const strata::database_url& url) {
    try {
        strata::runner(strata::registry::global(), url).up();
        BOOST_ERROR("up() succeeded although an index named users_profile_key already existed");
    } catch (const strata::migration_error& e) {
        BOOST_TEST(e.context().version.value_or(0) == 3);
        BOOST_TEST(described(e.completed()) == "", "no unit of this run had committed before unit 3");
        return e.what();
    }
    return {};
}

/// A users constraint as "type validated update-action delete-action" (- for none); nullopt when absent.
std::optional<std::string> users_constraint(soci::session& sql, const std::string& name) {
    auto rows = query_text(sql,
                           "SELECT CAST(c.contype AS TEXT) || ' ' || CAST(c.convalidated AS TEXT) || ' ' || "
                           "coalesce(nullif(CAST(c.confupdtype AS TEXT), ' '), '-') || ' ' || "
                           "coalesce(nullif(CAST(c.confdeltype AS TEXT), ' '), '-') "
                           "FROM pg_constraint c WHERE c.conrelid = CAST('users' AS regclass) AND c.conname = :p",
                           name);
    if (rows.size() == 0) return std::nullopt;
    return rows.rows.front().front();
}

/// The index named users_profile_key as "oid table unique=<bool> valid=<bool>"; nullopt when absent.
std::optional<std::string> users_profile_key_index(soci::session& sql) {
    return query_value(sql,
                       "SELECT CAST(i.indexrelid AS TEXT) || ' ' || CAST(CAST(i.indrelid AS regclass) AS TEXT) || "
                       "' unique=' || CAST(i.indisunique AS TEXT) || ' valid=' || CAST(i.indisvalid AS TEXT) "
                       "FROM pg_index i WHERE i.indexrelid = to_regclass('users_profile_key')");
}

}  // namespace

// SQLite runs unit 3 in one transaction: the failure takes its ADD COLUMN back with it.
BOOST_AUTO_TEST_SUITE(sqlite)

BOOST_AUTO_TEST_CASE(a_unit_failing_after_its_first_statement_is_rolled_back_whole) {
    auto db = temp_database::create(strata::backend::sqlite);
    auto sql = open_session(db.url());
    apply_two_units_and_take_the_unique_name(db.url(), *sql);
    const auto before = read_schema(*sql);

    failing_up_in_unit_3(db.url());

    BOOST_TEST(recorded_versions(*sql) == (std::vector<std::int64_t>{1, 2}), boost::test_tools::per_element());
    const auto after = read_schema(*sql);
    BOOST_TEST(after == before, schema_diff(before, after));  // users.profile rolled back with the rest
    const auto users = read_table(*sql, "users");
    BOOST_TEST(users.find_column("profile") == nullptr, "users.profile should have been rolled back:\n" << users);
}

BOOST_AUTO_TEST_SUITE_END()

// On PostgreSQL unit 3 is online: each statement commits alone, the history row says running
// from the start. Resumed after a run that stopped before its first statement (its row says
// running; a first run would refuse the taken name before anything, see online_units_test),
// its column and validated foreign key stay, it refuses the foreign index of its unique's name
// (without touching it), stays interrupted, and the next up finishes it.
BOOST_AUTO_TEST_SUITE(postgresql)

BOOST_AUTO_TEST_CASE(a_unit_failing_after_its_first_statements_is_interrupted_keeps_them_and_is_finished_by_the_next_up) {
    const auto backend = strata::backend::postgresql;
    auto db = temp_database::create(backend);
    auto sql = open_session(db.url());
    apply_two_units_and_take_the_unique_name(db.url(), *sql);
    const auto blocker_before = read_table(*sql, "blocker");
    const auto index_before = users_profile_key_index(*sql);
    BOOST_TEST_REQUIRE(index_before.has_value());
    BOOST_TEST(contains(*index_before, " blocker unique=false valid=true"), *index_before);

    const auto unit_3 = strata::runner(strata::registry::global(), db.url()).status().at(2);
    BOOST_TEST_REQUIRE(unit_3.version == 3);
    *sql << ("INSERT INTO strata_schema_history (version, name, checksum, execution_ms, applied_by, state) VALUES (3, '" +
             unit_3.name + "', '" + unit_3.checksum + "', 0, 'a run that stopped', 'running')");
    const auto message = failing_up_in_unit_3(db.url());
    BOOST_TEST(contains(message, "index users_profile_key exists but is not the one this unit builds"), message);
    BOOST_TEST(contains(message, "run strata up again"), message);
    BOOST_TEST(!contains(message, "strata repair"), message);

    // Interrupted, not rolled back: the row stays running, status says pending and interrupted.
    BOOST_TEST(history_state(*sql, 3) == std::optional<std::string>("running"));
    BOOST_TEST(status_lines(db.url()) == (std::vector<std::string>{"1 applied", "2 applied", "3 pending interrupted"}),
               boost::test_tools::per_element());
    BOOST_TEST(strata::runner(strata::registry::global(), db.url()).validate().empty(),
               "an interrupted online unit should not be a problem");
    // What unit 3 did before the refusal is committed: the column and its validated key.
    const auto users = read_table(*sql, "users");
    BOOST_TEST(users.find_column("profile") != nullptr, "users.profile should have stayed:\n" << users);
    BOOST_TEST(users_constraint(*sql, "users_profile_fkey") == std::optional<std::string>("f true c n"));
    BOOST_TEST(users_constraint(*sql, "users_profile_key") == std::nullopt);
    // Our index is left exactly as it was.
    BOOST_TEST(users_profile_key_index(*sql) == index_before, "the foreign index was dropped or replaced");
    const auto blocker_after = read_table(*sql, "blocker");
    BOOST_TEST(blocker_after == blocker_before, schema_diff(blocker_before, blocker_after));

    // With the clash gone, the next up finishes unit 3 where it stopped.
    *sql << "DROP INDEX users_profile_key";
    std::vector<std::string> notices;
    strata::runner_options options;
    options.on_notice = [&](const std::string& text) { notices.push_back(text); };
    auto report = strata::runner(strata::registry::global(), db.url(), options).up();
    BOOST_TEST_REQUIRE(report.units.size() == 1u);
    BOOST_TEST(report.units[0].version == 3);
    BOOST_TEST(std::any_of(notices.begin(), notices.end(), [](const std::string& n) { return contains(n, "resuming unit 3"); }),
               "no notice about resuming; notices:\n" << joined(notices));
    BOOST_TEST(history_state(*sql, 3) == std::optional<std::string>("applied"));
    BOOST_TEST(recorded_versions(*sql) == (std::vector<std::int64_t>{1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(status_lines(db.url()) == (std::vector<std::string>{"1 applied", "2 applied", "3 applied"}),
               boost::test_tools::per_element());
    BOOST_TEST(users_constraint(*sql, "users_profile_fkey") == std::optional<std::string>("f true c n"));
    BOOST_TEST(users_constraint(*sql, "users_profile_key") == std::optional<std::string>("u true - -"));
    const auto linked = read_table(*sql, "users");
    const auto expected = tutorial::expected_users(backend, users_stage::unit_3);
    BOOST_TEST(linked == expected, schema_diff(expected, linked));
}

BOOST_AUTO_TEST_SUITE_END()
