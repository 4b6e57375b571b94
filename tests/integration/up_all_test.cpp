// Up all: the schema the three reference units leave, read back from the database's catalog,
// and the history rows recorded with them.

#include <strata/registry.hpp>
#include <strata/runner.hpp>

#include <soci/soci.h>

#include <pwd.h>
#include <unistd.h>

#include <regex>
#include <set>

#include "backend_test.hpp"
#include "support/schema_history.hpp"
#include "support/schema_reader.hpp"
#include "support/schema_session.hpp"
#include "support/temp_database.hpp"
#include "tutorial.hpp"

using namespace strata::test;
using tutorial::users_stage;

namespace {

/// Who the engine should record as applied_by: the database user on PostgreSQL, the OS user on
/// SQLite (which has no users).
std::string expected_applied_by(soci::session& sql) {
    if (backend_of(sql) == strata::backend::postgresql) return query_value(sql, "SELECT CAST(current_user AS TEXT)").value();
    const passwd* pw = ::getpwuid(::geteuid());
    return pw ? pw->pw_name : "";
}

}  // namespace

STRATA_BACKEND_TEST(up_all_creates_the_tutorial_tables) {
    auto db = temp_database::create(backend);
    strata::runner r(strata::registry::global(), db.url());
    r.up();

    auto sql = open_session(db.url());
    const auto schema = read_schema(*sql);
    BOOST_TEST(schema.table_names() == (std::vector<std::string>{history_table, log_table, "user_profiles", "users"}),
               boost::test_tools::per_element());

    const auto users = read_table(*sql, "users");
    const auto expected_users = tutorial::expected_users(backend, users_stage::unit_3);
    BOOST_TEST(users == expected_users, schema_diff(expected_users, users));

    const auto profiles = read_table(*sql, "user_profiles");
    const auto expected_profiles = tutorial::expected_user_profiles(backend);
    BOOST_TEST(profiles == expected_profiles, schema_diff(expected_profiles, profiles));
}

STRATA_BACKEND_TEST(up_all_records_each_unit_in_the_history) {
    auto db = temp_database::create(backend);
    strata::runner r(strata::registry::global(), db.url());
    r.up();

    auto sql = open_session(db.url());
    const auto history = read_history(*sql);
    BOOST_TEST_REQUIRE(history.size() == 3u);

    const std::vector<std::int64_t> versions{1, 2, 3};
    const std::vector<std::string> names{"create_users", "create_user_profiles", "add_profile_to_users"};
    const std::string applied_by = expected_applied_by(*sql);
    BOOST_TEST_REQUIRE(!applied_by.empty());
    const std::regex sha256_hex("[0-9a-f]{64}");
    std::set<std::string> checksums;
    for (std::size_t i = 0; i < history.size(); ++i) {
        const auto& row = history[i];
        BOOST_TEST_CONTEXT("history row " << row) {
            BOOST_TEST(row.version == versions[i]);
            BOOST_TEST(row.name == names[i]);
            BOOST_TEST(std::regex_match(row.checksum, sha256_hex));
            BOOST_TEST(!row.applied_at.empty());
            // Applied moments ago by the database's clock (small negative slack for rounding).
            BOOST_TEST(row.age_seconds >= -1.0);
            BOOST_TEST(row.age_seconds < 120.0);
            BOOST_TEST(row.execution_ms >= 0);
            BOOST_TEST(row.applied_by == applied_by);
        }
        checksums.insert(row.checksum);
    }
    BOOST_TEST(checksums.size() == 3u, "each unit's statements differ, so must their checksums");
}
