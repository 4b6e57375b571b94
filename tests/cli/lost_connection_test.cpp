// The connection lost while a unit runs (a server restart, a failover, an administrator ending
// the session): exit 3 and a message saying the connection was lost, not that the unit failed
// and was rolled back; the history keeps no row for the unit. Lost during the unit's COMMIT:
// exit 1, and the user is told the unit may or may not be applied and to look with status.
// PostgreSQL only: a SQLite file has no connection to lose.
//
// The session is made to sleep where the test wants it by a trigger on strata's history table
// (its row for unit 2 is written inside the unit's transaction), then ended from another session.

#include "strata_cli.hpp"
#include "support/schema_history.hpp"
#include "support/session_terminator.hpp"

using namespace strata::test;
using versions = std::vector<std::int64_t>;

namespace {

/// Unit 1 applied; a row written to the history table then sleeps, at once or (`deferred`) at
/// COMMIT.
void make_history_rows_sleep(const cli_database_test& t, bool deferred) {
    BOOST_TEST_REQUIRE(t.run({"up", "--to", "1"}).exit_code == 0);
    t.probe.execute(sleeping_trigger_function("strata_test_sleep", 20));
    t.probe.execute(std::string("CREATE ") + (deferred ? "CONSTRAINT " : "") + "TRIGGER strata_test_sleep AFTER INSERT ON " +
                    history_table + (deferred ? " DEFERRABLE INITIALLY DEFERRED" : "") +
                    " FOR EACH ROW EXECUTE FUNCTION strata_test_sleep()");
}

/// strata up, its session ended as soon as it sleeps.
cli_outcome up_losing_the_connection(const cli_database_test& t) {
    auto terminated = terminate_when_sleeping(t.db.url());
    auto r = t.run({"up"});
    BOOST_TEST(terminated.get() != 0, "no session was found sleeping, or it could not be ended" << r);
    return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(postgresql)

BOOST_AUTO_TEST_CASE(connection_lost_during_a_unit_exits_3_saying_so_and_keeps_no_history_row) {
    cli_database_test t(strata::backend::postgresql);
    make_history_rows_sleep(t, false);

    auto r = up_losing_the_connection(t);
    BOOST_TEST(r.exit_code == 3, r);
    BOOST_TEST(contains(r.err, "strata: error: unit 2 create_user_profiles (up) failed on " + t.shown_url() +
                                   ": lost the connection to the database: "),
               r);
    BOOST_TEST(contains(r.err, "\nstrata: the connection to the database was lost during unit 2: it was not committed, "
                               "so nothing of it was kept\n"),
               r);
    BOOST_TEST(!contains(r.err, "rolled back"), r);
    BOOST_TEST(!contains(r.err, "no audit row"), r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1}), boost::test_tools::per_element());
    BOOST_TEST(!t.probe.has_table("user_profiles"), "unit 2's table should not have been committed");
    // The log still says what happened to unit 2: its row went through a new connection.
    BOOST_TEST(t.probe.count(std::string("SELECT count(*) FROM ") + log_table +
                             " WHERE version = 2 AND action = 'up' AND outcome = 'failed' AND message LIKE "
                             "'%lost the connection to the database%'") == 1);

    // --json says what kind of error it was, and what failed the unit.
    auto terminated = terminate_when_sleeping(t.db.url());
    r = t.run({"up", "--json"});
    BOOST_TEST(terminated.get() != 0, r);
    BOOST_TEST(r.exit_code == 3, r);
    BOOST_TEST(contains(r.out, "\"kind\": \"connection\""), r);
    BOOST_TEST(contains(r.out, "\"cause\": \"connection\""), r);
    BOOST_TEST(contains(r.out, "\"exit_code\": 3"), r);

    // The connection back, up carries on from unit 2.
    t.probe.execute(std::string("DROP TRIGGER strata_test_sleep ON ") + history_table);
    r = t.run({"up"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
}

// The new connection cannot write the audit row either: the error says so, and why (review 27
// L3: an operator who reads only "failed too" cannot tell that the log is incomplete for good).
BOOST_AUTO_TEST_CASE(connection_lost_and_the_audit_row_refused_too_says_why) {
    cli_database_test t(strata::backend::postgresql);
    make_history_rows_sleep(t, false);
    t.probe.execute("CREATE FUNCTION strata_test_refuse() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$BEGIN RAISE EXCEPTION 'the audit volume is full'; END$$");
    t.probe.execute(std::string("CREATE TRIGGER strata_test_refuse BEFORE INSERT ON ") + log_table +
                    " FOR EACH ROW EXECUTE FUNCTION strata_test_refuse()");

    auto r = up_losing_the_connection(t);
    BOOST_TEST(r.exit_code == 3, r);
    BOOST_TEST(contains(r.err, "(no audit row: a new connection to write it failed too: the metadata table: "), r);
    BOOST_TEST(contains(r.err, "the audit volume is full"), r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(connection_lost_during_commit_exits_1_saying_the_unit_may_or_may_not_be_applied) {
    cli_database_test t(strata::backend::postgresql);
    make_history_rows_sleep(t, true);

    auto r = up_losing_the_connection(t);
    BOOST_TEST(r.exit_code == 1, r);
    BOOST_TEST(contains(r.err, "strata: error: unit 2 create_user_profiles (up) failed on " + t.shown_url() +
                                   ": lost the connection to the database during COMMIT ("),
               r);
    BOOST_TEST(contains(r.err, "\n  while executing: COMMIT\n"), r);
    BOOST_TEST(contains(r.err, "\nstrata: the connection was lost while unit 2 was being committed: it may or may not "
                               "be applied; run strata status to see\n"),
               r);
    BOOST_TEST(!contains(r.err, "rolled back"), r);
    BOOST_TEST(!contains(r.err, "nothing of unit 2 was kept"), r);

    // The server ended the session before the commit was done, and status says so.
    BOOST_TEST(t.probe.applied_versions() == (versions{1}), boost::test_tools::per_element());
    r = t.run({"status"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(contains(r.out, "\n       2  create_user_profiles  pending   -\n"), r);
    BOOST_TEST(contains(r.out, "\n1 applied, 2 pending\n"), r);
}

BOOST_AUTO_TEST_SUITE_END()
