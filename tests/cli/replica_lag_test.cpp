// --max-replica-lag and --replica-lag-deadline on the command line (issue 13, point 2), and in a
// fleet; the waits themselves are tested against a real standby in
// tests/integration/replica_lag_test.cpp.

#include "strata_cli.hpp"

#include <soci/soci.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/schema_session.hpp"
#include "support/standby.hpp"

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

// Against the hot standby tools/pg-sandbox starts, in a suite of its own: its ctest entry holds the
// standby (RESOURCE_LOCK, tests/CMakeLists.txt), so no other test resumes the replay paused here.
BOOST_AUTO_TEST_SUITE(postgresql_standby)

// A fleet hands --max-replica-lag to every target: while the standby lags past the deadline, each
// target stops before its first unit with exit 5 (kind replica_lag) and applies nothing; once the
// standby caught up, the rerun applies every target.
BOOST_AUTO_TEST_CASE(every_target_of_a_fleet_waits_for_the_standby) {
    std::vector<std::unique_ptr<temp_database>> dbs;
    std::vector<database_probe> probes;
    strata_cli cli;
    for (int i = 0; i < 2; ++i) {
        dbs.push_back(std::make_unique<temp_database>(temp_database::create(strata::backend::postgresql)));
        probes.emplace_back(dbs.back()->url());
        cli.forbid_in_output(dbs.back()->url().password());
    }
    const std::vector<std::string> fleet = {"up", "--database", dbs[0]->url_text(), "--database", dbs[1]->url_text(),
                                            "--max-replica-lag", "1", "--json"};
    auto with = [&](std::vector<std::string> more) {
        auto arguments = fleet;
        arguments.insert(arguments.end(), more.begin(), more.end());
        return cli.run(arguments);
    };
    {
        auto primary = open_session(dbs[0]->url());
        paused_replay paused;
        fall_behind(*primary);
        std::this_thread::sleep_for(std::chrono::seconds(2));  // the lag grows while replay is paused: past 1 s
        auto r = with({"--replica-lag-deadline", "1"});
        BOOST_TEST(r.exit_code == 5, r);
        std::size_t stopped = 0;
        for (auto at = r.out.find("\"kind\": \"replica_lag\""); at != std::string::npos;
             at = r.out.find("\"kind\": \"replica_lag\"", at + 1))
            ++stopped;
        BOOST_TEST(stopped == 2u, r);
        // Each error names the unit it stopped at (it was not run), for a pipeline to read.
        BOOST_TEST(contains(r.out, "\"name\": \"create_users\""), r);
        BOOST_TEST(contains(r.out, "\"version\": 1"), r);
        BOOST_TEST(contains(r.out, "\"direction\": \"up\""), r);
        BOOST_TEST(contains(r.out, "standby \\\"" + standby_name(*primary) + "\\\""), r);
        for (const auto& p : probes) {
            BOOST_TEST(p.applied_versions().empty(), r);
            BOOST_TEST(!p.has_table("users"), r);
        }
    }
    // Replay resumed: the standby replays its backlog within the deadline, and the run goes on.
    auto r = with({"--replica-lag-deadline", "60"});
    BOOST_TEST(r.exit_code == 0, r);
    for (const auto& p : probes) {
        BOOST_TEST(p.applied_versions() == (std::vector<std::int64_t>{1, 2, 3}), r);
        BOOST_TEST(p.has_table("users"), r);
    }
}

BOOST_AUTO_TEST_SUITE_END()
