// Down: each step back restores exactly the schema from before that unit, and reverting the
// profile link keeps the users' rows and the views reading them (on SQLite that takes a rebuild
// of the users table).

#include <strata/error.hpp>
#include <strata/registry.hpp>
#include <strata/runner.hpp>

#include <soci/soci.h>

#include <map>

#include "backend_test.hpp"
#include "support/schema_history.hpp"
#include "support/schema_reader.hpp"
#include "support/schema_session.hpp"
#include "support/temp_database.hpp"
#include "tutorial.hpp"

using namespace strata::test;

namespace {

/// Every users column but profile, as text, in a stable order.
text_rows user_rows(soci::session& sql) {
    return query_text(sql,
                      "SELECT CAST(\"userId\" AS TEXT), \"firstName\", \"lastName\", \"email\", \"userName\", "
                      "\"phone\", \"photo\", CAST(\"createdAt\" AS TEXT), CAST(\"updatedAt\" AS TEXT) "
                      "FROM users ORDER BY CAST(\"userId\" AS TEXT)");
}

std::vector<std::int64_t> versions_below(std::int64_t version) {
    std::vector<std::int64_t> out;
    for (std::int64_t v = 1; v < version; ++v) out.push_back(v);
    return out;
}

}  // namespace

STRATA_BACKEND_TEST(down_one_step_at_a_time_restores_each_earlier_schema) {
    auto db = temp_database::create(backend);
    strata::runner r(strata::registry::global(), db.url());
    auto sql = open_session(db.url());

    // The metadata tables are strata's own and stay once created: snapshots leave them aside.
    std::map<std::int64_t, database_schema> before;  // before[v]: the schema unit v's up started from
    for (std::int64_t v = 1; v <= 3; ++v) {
        before[v] = read_schema(*sql).without(history_table).without(log_table);
        r.up(v);
    }
    const database_schema migrated = read_schema(*sql);
    BOOST_TEST_REQUIRE(migrated.table_names() == (std::vector<std::string>{history_table, log_table, "user_profiles", "users"}),
                       boost::test_tools::per_element());

    for (std::int64_t v = 3; v >= 1; --v) {
        BOOST_TEST_CONTEXT("after reverting unit " << v) {
            r.down();
            const auto now = read_schema(*sql).without(history_table).without(log_table);
            BOOST_TEST(now == before[v], schema_diff(before[v], now));
            BOOST_TEST(recorded_versions(*sql) == versions_below(v), boost::test_tools::per_element());
        }
    }
    BOOST_TEST(before[1].tables.empty(), "the first snapshot is the empty database:\n" << before[1]);

    r.up();
    const auto again = read_schema(*sql);
    BOOST_TEST(again == migrated, schema_diff(migrated, again));
    BOOST_TEST(recorded_versions(*sql) == (std::vector<std::int64_t>{1, 2, 3}), boost::test_tools::per_element());
}

STRATA_BACKEND_TEST(reverting_the_profile_link_keeps_every_user_row) {
    tutorial::migrated_database m(backend);
    auto& sql = *m.sql;
    const std::string profile = tutorial::insert_profile(sql, "1 Linked Street");
    tutorial::insert_user(sql, "Linked", profile);
    tutorial::insert_user(sql, "Minimal");
    sql << "INSERT INTO users (\"firstName\", \"lastName\", \"email\", \"userName\", \"phone\", \"photo\") VALUES "
           "('Zoë', 'O''Brien', 'zoe@example.org', 'zoe', '+441234567890', 'https://example.org/zoë.png')";
    const auto rows = user_rows(sql);
    BOOST_TEST_REQUIRE(rows.size() == 3u);

    // One user links a profile: reverting unit 3 drops that link, so it is refused until allowed,
    // with nothing run. Its dry run says so and shows the statements.
    const std::string loss = "unit 3 add_profile_to_users drops column \"users\".\"profile\", which holds values in 1 row";
    try {
        strata::runner(strata::registry::global(), m.db.url()).down();
        BOOST_ERROR("a down dropping users.profile with a value in it ran");
    } catch (const strata::data_loss_error& e) {
        BOOST_TEST(e.losses() == (std::vector<std::string>{loss}), boost::test_tools::per_element());
        BOOST_TEST(std::string(e.what()).find("--allow-data-loss") != std::string::npos, e.what());
        BOOST_TEST(strata::exit_status(e.kind()) == 1);
    }
    std::vector<std::string> notices;
    strata::runner_options dry{.dry_run = true};
    dry.on_notice = [&](const std::string& text) { notices.push_back(text); };
    const auto report = strata::runner(strata::registry::global(), m.db.url(), dry).down();
    BOOST_TEST_REQUIRE(report.refused_losses.size() == 1u);
    BOOST_TEST(strata::describe(report.refused_losses.front()) == loss);
    const auto& script = report.script;
    BOOST_TEST(std::count(notices.begin(), notices.end(), loss + ": the run refuses this without --allow-data-loss") == 1);
    BOOST_TEST(std::any_of(script.begin(), script.end(), [](const std::string& s) { return s.find("DROP COLUMN") != std::string::npos ||
                                                                                          s.find("strata:rebuild") != std::string::npos; }));
    BOOST_TEST(recorded_versions(sql) == (std::vector<std::int64_t>{1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(read_table(sql, "users").find_column("profile") != nullptr);

    strata::runner(strata::registry::global(), m.db.url(), {.allow_data_loss = true}).down();

    BOOST_TEST(user_rows(sql) == rows);
    const auto users = read_table(sql, "users");
    BOOST_TEST(users.find_column("profile") == nullptr, "users.profile should be gone:\n" << users);
    // The profile the link pointed at is untouched.
    BOOST_TEST(query_value(sql, "SELECT address FROM user_profiles WHERE CAST(\"userProfileId\" AS TEXT) = :p", profile) ==
               "1 Linked Street");
}

STRATA_BACKEND_TEST(reverting_the_profile_link_keeps_a_view_reading_users_working) {
    tutorial::migrated_database m(backend);
    auto& sql = *m.sql;
    tutorial::insert_user(sql, "Viewed");
    // A view that does not even read users.profile: nothing in it depends on unit 3.
    sql << "CREATE VIEW user_names AS SELECT \"firstName\" FROM users";

    try {
        strata::runner(strata::registry::global(), m.db.url()).down();
    } catch (const strata::error& e) {
        BOOST_ERROR("reverting unit 3 failed: " << e.what());
    }

    BOOST_TEST(recorded_versions(sql) == (std::vector<std::int64_t>{1, 2}), boost::test_tools::per_element());
    const auto users = read_table(sql, "users");
    BOOST_TEST(users.find_column("profile") == nullptr, "users.profile should be gone:\n" << users);
    BOOST_TEST(query_text(sql, "SELECT \"firstName\" FROM user_names") == (text_rows{{{std::string("Viewed")}}}));
}
