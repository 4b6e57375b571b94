// A connection lost in the middle of a unit (the server restarted, failed over, or an
// administrator ended the session) is not the unit's fault: the runner's error has the kind
// connection (exit 3) and says the connection was lost; the unit's transaction was never
// committed and no history row stays. Lost while COMMIT runs, nobody knows whether the unit was
// kept: the error has the kind commit_unknown and says to look with status. PostgreSQL only:
// a SQLite file has no connection to lose.

#include <strata/error.hpp>
#include <strata/registry.hpp>
#include <strata/runner.hpp>

#include <boost/test/unit_test.hpp>
#include <soci/soci.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/change_unit.hpp"
#include "support/schema_history.hpp"
#include "support/schema_session.hpp"
#include "support/session_terminator.hpp"
#include "support/temp_database.hpp"

using namespace strata::test;
using versions = std::vector<std::int64_t>;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// Unit 1 makes a table; unit 2 is `more`, run after it in the same up.
std::unique_ptr<strata::registry> units_with(std::function<void(strata::schema::builder&)> more) {
    auto r = std::make_unique<strata::registry>();
    r->add(std::make_shared<change_unit>(1, "create_notes",
                                         [](strata::schema::builder& b) { b.sql("CREATE TABLE notes (a integer)", "DROP TABLE notes"); }),
           "lost_connection_test.cpp");
    r->add(std::make_shared<change_unit>(2, "second", std::move(more)), "lost_connection_test.cpp");
    return r;
}

/// Runs up with its session ended as soon as it sleeps; the error up() threw, if it threw one.
std::optional<strata::migration_error> up_losing_the_connection(const strata::registry& units,
                                                                const strata::database_url& url) {
    auto terminated = terminate_when_sleeping(url);
    std::optional<strata::migration_error> failure;
    try {
        strata::runner(units, url).up();
    } catch (const strata::migration_error& e) {
        failure = e;
    }
    BOOST_TEST(terminated.get() != 0, "no session was found sleeping, or it could not be ended");
    return failure;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(postgresql)

BOOST_AUTO_TEST_CASE(a_connection_lost_during_a_unit_is_a_connection_error_and_leaves_no_history_row) {
    auto db = temp_database::postgresql();
    auto units = units_with([](strata::schema::builder& b) {
        b.sql("CREATE TABLE half (a integer)", "DROP TABLE half");
        b.sql("SELECT pg_sleep(20)", "SELECT 1");
    });

    const auto failure = up_losing_the_connection(*units, db.url());
    BOOST_TEST_REQUIRE(failure.has_value(), "up() succeeded although its session was ended");
    const auto& e = *failure;
    BOOST_TEST(e.context().version.value_or(0) == 2);
    BOOST_TEST((e.kind() == strata::error_kind::connection));
    BOOST_TEST((e.cause() == strata::error_kind::connection));
    BOOST_TEST(strata::exit_status(e.kind()) == 3);
    BOOST_TEST(contains(e.what(), "lost the connection to the database"), e.what());
    BOOST_TEST(contains(e.what(), "while executing: SELECT pg_sleep(20)"), e.what());
    BOOST_TEST(e.transactional());
    BOOST_TEST(e.completed().size() == 1u, "unit 1 committed before unit 2 started");

    // Read back on a new connection: unit 1 only; nothing of unit 2, not even its first statement.
    auto sql = open_session(db.url());
    BOOST_TEST(recorded_versions(*sql) == (versions{1}), boost::test_tools::per_element());
    BOOST_TEST(query_value(*sql, "SELECT CAST(count(*) AS TEXT) FROM pg_tables WHERE tablename = 'half'") ==
               std::optional<std::string>("0"));
    BOOST_TEST(status_lines(*units, db.url()) == (std::vector<std::string>{"1 applied", "2 pending"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_connection_lost_during_commit_is_in_doubt_and_says_to_look_with_status) {
    auto db = temp_database::postgresql();
    // A deferred constraint trigger runs inside COMMIT, so the session sleeps there.
    auto units = units_with([](strata::schema::builder& b) {
        b.sql("CREATE TABLE slow_commit (a integer)", "DROP TABLE slow_commit");
        b.sql(sleeping_trigger_function("slow_commit_check", 20), "DROP FUNCTION slow_commit_check()");
        b.sql("CREATE CONSTRAINT TRIGGER slow_commit_check AFTER INSERT ON slow_commit DEFERRABLE INITIALLY DEFERRED "
              "FOR EACH ROW EXECUTE FUNCTION slow_commit_check()",
              "SELECT 1");
        b.sql("INSERT INTO slow_commit VALUES (1)", "SELECT 1");
    });

    const auto failure = up_losing_the_connection(*units, db.url());
    BOOST_TEST_REQUIRE(failure.has_value(), "up() succeeded although its session was ended");
    const auto& e = *failure;
    BOOST_TEST(e.context().version.value_or(0) == 2);
    BOOST_TEST((e.kind() == strata::error_kind::commit_unknown));
    BOOST_TEST((e.cause() == strata::error_kind::commit_unknown));
    BOOST_TEST(strata::exit_status(e.kind()) == 1);
    BOOST_TEST(contains(e.what(), "lost the connection to the database during COMMIT"), e.what());
    BOOST_TEST(contains(e.what(), "may or may not be applied; run status to see"), e.what());
    BOOST_TEST(contains(e.what(), "while executing: COMMIT"), e.what());
    BOOST_TEST(!e.rolled_back(), "a COMMIT in doubt is not known to be rolled back");

    // Here the server ended the session before the commit finished: the unit is not applied,
    // which is what status (on a new connection) says.
    auto sql = open_session(db.url());
    BOOST_TEST(recorded_versions(*sql) == (versions{1}), boost::test_tools::per_element());
    BOOST_TEST(status_lines(*units, db.url()) == (std::vector<std::string>{"1 applied", "2 pending"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
