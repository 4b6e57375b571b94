// --max-replica-lag and --replica-lag-deadline on the command line (issue 13, point 2); the waits
// themselves are tested against a real standby in tests/integration/replica_lag_test.cpp.

#include "strata_cli.hpp"

using namespace strata::test;

BOOST_AUTO_TEST_SUITE(sqlite)

BOOST_AUTO_TEST_CASE(help_describes_the_replica_lag_options_and_their_exit_code) {
    strata_cli cli;
    auto r = cli.run({"up", "--help"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(contains(r.out, "--max-replica-lag SECONDS"), r);
    BOOST_TEST(contains(r.out, "--replica-lag-deadline SECONDS"), r);
    BOOST_TEST(contains(r.out, "longer than --replica-lag-deadline"), r);
}

BOOST_AUTO_TEST_CASE(a_deadline_without_a_limit_is_a_usage_error) {
    strata_cli cli;
    auto r = cli.run({"up", "--replica-lag-deadline", "5"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "--replica-lag-deadline needs --max-replica-lag"), r);
    r = cli.run({"up", "--max-replica-lag", "soon"});
    BOOST_TEST(r.exit_code == 2, r);
}

BOOST_AUTO_TEST_CASE(sqlite_applies_and_says_the_option_is_ignored) {
    cli_database_test t(strata::backend::sqlite);
    auto r = t.run({"up", "--max-replica-lag", "1"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(contains(r.err, "--max-replica-lag is ignored: SQLite has no standbys"), r);
    BOOST_TEST(t.probe.has_table("users"));
}

BOOST_AUTO_TEST_SUITE_END()
