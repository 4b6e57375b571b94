// Poolers and standbys (issue 12, point 4): behind a real pgbouncer (tests/support/
// pgbouncer_process) in transaction mode strata refuses to change the database (its session lock
// would mean nothing there) unless up --atomic, which locks for its one transaction; in statement
// mode it refuses every change; in session mode it works as on a direct connection. On a real
// hot standby (tools/pg-sandbox starts one from the test server) it refuses every change and
// still reads. PostgreSQL only: SQLite has neither.

#include "metadata_queries.hpp"
#include "strata_cli.hpp"
#include "support/cli_spawn.hpp"
#include "support/pgbouncer_process.hpp"
#include "support/schema_session.hpp"
#include "support/standby.hpp"
#include "support/waiting.hpp"

#include <soci/soci.h>

#include <chrono>
#include <csignal>
#include <memory>
#include <stdexcept>
#include <thread>

using namespace strata::test;
using namespace std::chrono_literals;
using versions = std::vector<std::int64_t>;

namespace {

const std::string pooler_advice =
    "connect directly or through a session-mode pool (up can also run through this one with --atomic, which applies";

/// The database as strata names it when reached through `url` (password as ***).
std::string shown(const std::string& url) { return strata::database_url::parse(url).redacted(); }

/// How many audit rows say `version` was applied ('up', 'ok'), read directly.
int applied_in_log(const cli_database_test& t, std::int64_t version) {
    return static_cast<int>(t.probe.count("SELECT count(*) FROM strata_schema_log WHERE version = " + std::to_string(version) +
                                          " AND action = 'up' AND outcome = 'ok'"));
}

/// `t`'s database on the hot standby tools/pg-sandbox started (STRATA_TEST_POSTGRESQL_STANDBY_URL),
/// once the standby has replayed its creation (at most 60 s: another suite may pause its replay
/// for a while, integration_postgresql's replica_lag_test.cpp). Throws saying why when there is no
/// standby: the test fails, it never skips.
std::string on_standby(const cli_database_test& t) {
    const auto s = standby_url();
    const std::string& url = t.db.url_text();
    const auto at = url.find('@', url.find("://") + 3);
    const std::string text = url.substr(0, at + 1) + s.host() + ":" + std::to_string(s.port()) + url.substr(url.find('/', at));
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    for (;;) {
        try {
            open_session(strata::database_url::parse(text));
            return text;
        } catch (const std::exception& e) {
            if (std::chrono::steady_clock::now() > deadline)
                throw std::runtime_error("the standby did not show the test database within 60 s: " + std::string(e.what()));
            std::this_thread::sleep_for(20ms);
        }
    }
}

/// Waits (at most 60 s, as on_standby()) until the standby's history of `url` lists `expected`.
void wait_for_replay(const std::string& url, const versions& expected) {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    for (;;) {
        versions got;
        try {
            auto s = open_session(strata::database_url::parse(url));
            for (const auto& row : query_text(*s, "SELECT CAST(version AS TEXT) FROM strata_schema_history ORDER BY version").rows)
                got.push_back(std::stoll(row.at(0).value_or("0")));
        } catch (const std::exception&) {
            // Not there yet.
        }
        if (got == expected) return;
        if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("the standby did not replay the history within 60 s");
        std::this_thread::sleep_for(20ms);
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(postgresql)

BOOST_AUTO_TEST_CASE(pooler_transaction_mode_refuses_a_change_before_doing_anything) {
    cli_database_test t(strata::backend::postgresql);
    pgbouncer_process bouncer(pgbouncer_process::pool_mode::transaction);
    const std::string url = bouncer.through(t.db.url_text());

    for (std::vector<std::string> command : {std::vector<std::string>{"up"}, {"down"}, {"baseline", "--to", "3"}}) {
        command.insert(command.begin(), {"--database", url});
        auto r = t.cli.run(command);
        BOOST_TEST(r.exit_code == 2, r);
        BOOST_TEST(contains(r.err, "cannot change " + shown(url) + " safely: the connection goes through a transaction pooler"), r);
        BOOST_TEST(contains(r.err, pooler_advice), r);
        BOOST_TEST(contains(r.err, "nothing was changed"), r);
    }
    BOOST_TEST(!t.probe.has_table("strata_schema_history"), "a refused run created the history");
    BOOST_TEST(!t.probe.has_table("strata_schema_log"));
    BOOST_TEST(!t.probe.has_table("users"));

    // verify and diff build a scratch database of their own, which they change: not through it.
    auto r0 = t.cli.run({"--database", url, "verify"});
    BOOST_TEST(r0.exit_code == 2, r0);
    BOOST_TEST(contains(r0.err, "cannot build a scratch database through " + shown(url) +
                                    ": the connection goes through a transaction pooler"),
               r0);
    BOOST_TEST(contains(r0.err, "give --scratch URL of an empty database on a writable server"), r0);

    // Looking needs no session: status works through the pooler.
    auto r = t.cli.run({"--database", url, "status"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(contains(r.out, "0 applied, 3 pending"), r);

    // Nothing was left behind on a pooled server connection (the session lock of a run that went
    // ahead would be): a direct run takes the migration lock at once.
    r = t.run({"up", "--lock-timeout", "2"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(pooler_session_mode_works_as_a_direct_connection) {
    cli_database_test t(strata::backend::postgresql);
    pgbouncer_process bouncer(pgbouncer_process::pool_mode::session, 2);
    const std::string url = bouncer.through(t.db.url_text());

    auto r = t.cli.run({"--database", url, "up", "--to", "2"});
    BOOST_TEST(r.exit_code == 0, r << "\npgbouncer's log:\n" << bouncer.log());
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2}), boost::test_tools::per_element());
    r = t.cli.run({"--database", url, "up"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(contains(r.out, "applied  3 add_profile_to_users"), r);
    r = t.cli.run({"--database", url, "down"});
    BOOST_TEST(r.exit_code == 0, r);
    r = t.cli.run({"--database", url, "status"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(pooler_transaction_mode_atomic_runners_apply_each_unit_once) {
    cli_database_test t(strata::backend::postgresql);
    pgbouncer_process bouncer(pgbouncer_process::pool_mode::transaction);
    const std::string url = bouncer.through(t.db.url_text());
    const std::string directory = t.cli.working_directory().string();

    std::vector<std::unique_ptr<spawned_process>> runners;
    for (int i = 0; i < 8; ++i)
        runners.push_back(std::make_unique<spawned_process>(process_invocation{
            STRATA_CLI_PATH,
            {"--database", url, "up", "--atomic", "--lock-timeout", "60"},
            {{"PATH", "/usr/local/bin:/usr/bin:/bin"}, {"HOME", directory}, {"LC_ALL", "C"}},
            directory,
            120s}));
    int applied_by = 0, nothing_to_do = 0;
    for (auto& p : runners) {
        auto r = p->wait();
        const std::string what = describe(p->invocation(), r);
        BOOST_TEST(r.exit_code == 0, what << "\npgbouncer's log:\n" << bouncer.log());
        BOOST_TEST(!contains(r.err, "prepared statement"), what);
        if (contains(r.out, "3 units applied to " + shown(url))) ++applied_by;
        if (r.out == "nothing to do: " + shown(url) + " is up to date\n") ++nothing_to_do;
    }
    BOOST_TEST(applied_by == 1, "runners that applied the release: " << applied_by);
    BOOST_TEST(nothing_to_do == 7, "runners that found nothing to do: " << nothing_to_do);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
    for (std::int64_t v : {1, 2, 3}) BOOST_TEST(applied_in_log(t, v) == 1, "unit " << v << " applied per the log");
    BOOST_TEST(t.probe.count("SELECT count(*) FROM strata_schema_log") == 3, "the log has rows other than the three applies");
    BOOST_TEST(t.probe.has_column("users", "profile"));
}

// A stopped up --atomic leaves nothing on the pooled server connection: its audit row's bounded
// lock wait is the row's transaction's alone (SET LOCAL), not a session setting that the next
// client of the pool (the application) would inherit and fail on its lock waits.
BOOST_AUTO_TEST_CASE(pooler_transaction_mode_a_stopped_atomic_up_leaves_no_setting_behind) {
    cli_database_test t(strata::backend::postgresql);
    BOOST_TEST_REQUIRE(t.run({"up", "--to", "2"}).exit_code == 0);
    pgbouncer_process bouncer(pgbouncer_process::pool_mode::transaction, 1);
    const std::string url = bouncer.through(t.db.url_text());
    const std::string directory = t.cli.working_directory().string();
    auto reader = open_session(t.db.url());
    *reader << "BEGIN";
    query_value(*reader, "SELECT CAST(count(*) AS TEXT) FROM users");  // unit 3's ALTER waits for this
    auto observer = open_session(t.db.url());
    auto alter_waits = [&] {
        return query_value(*observer, "SELECT CAST(count(*) AS TEXT) FROM pg_locks WHERE NOT granted AND relation = "
                                      "'users'::regclass") != std::optional<std::string>("0");
    };
    spawned_process p(process_invocation{STRATA_CLI_PATH,
                                         {"--database", url, "up", "--atomic", "--ddl-lock-timeout", "60"},
                                         {{"PATH", "/usr/local/bin:/usr/bin:/bin"}, {"HOME", directory}, {"LC_ALL", "C"}},
                                         directory,
                                         60s});
    BOOST_TEST_REQUIRE((eventually(alter_waits, 20s) && p.running()), p.err_so_far());
    p.send(SIGTERM);
    const auto r = p.wait();
    BOOST_TEST(r.exit_code == 143, describe(p.invocation(), r));
    *reader << "ROLLBACK";
    // The pool's one server connection, now the application's.
    auto app = open_session(strata::database_url::parse(url));
    BOOST_TEST(query_value(*app, "SELECT current_setting('lock_timeout')") == std::optional<std::string>("0"),
               "the stopped run left its lock_timeout on the pooled connection");
    BOOST_TEST(t.probe.count("SELECT count(*) FROM strata_schema_log WHERE version = 3 AND outcome = 'failed' AND message LIKE "
                             "'%interrupted by SIGTERM%'") == 1,
               "the audit row of the stopped unit is missing");
}

// In statement mode pgbouncer refuses transaction blocks, so no unit could run with its history
// row, not even in --atomic's one transaction: every change is refused before anything is done,
// saying so (and not offering --atomic); status still reads.
BOOST_AUTO_TEST_CASE(pooler_statement_mode_refuses_every_change_even_atomic_and_still_reads) {
    cli_database_test t(strata::backend::postgresql);
    pgbouncer_process bouncer(pgbouncer_process::pool_mode::statement);
    const std::string url = bouncer.through(t.db.url_text());

    for (std::vector<std::string> command :
         {std::vector<std::string>{"up"}, {"up", "--atomic"}, {"down"}, {"baseline", "--to", "3"}}) {
        command.insert(command.begin(), {"--database", url});
        auto r = t.cli.run(command);
        BOOST_TEST(r.exit_code == 2, r);
        BOOST_TEST(contains(r.err, "cannot change " + shown(url) + ": the connection goes through a statement pooler (such as "
                                   "pgbouncer's pool_mode = statement), which runs no transaction of more than one statement"),
                   r);
        BOOST_TEST(contains(r.err, "the pooler refused a transaction block (transaction blocks not allowed in statement pooling mode)"), r);
        BOOST_TEST(contains(r.err, "connect directly or through a session-mode pool"), r);
        BOOST_TEST(!contains(r.err, "with --atomic"), r);
        BOOST_TEST(contains(r.err, "nothing was changed"), r);
    }
    BOOST_TEST(!t.probe.has_table("strata_schema_history"), "a refused run created the history");
    BOOST_TEST(!t.probe.has_table("strata_schema_log"));
    BOOST_TEST(!t.probe.has_table("users"));

    auto r = t.cli.run({"--database", url, "status"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(contains(r.out, "0 applied, 3 pending"), r);
}

BOOST_AUTO_TEST_CASE(standby_refuses_every_change_and_still_reads) {
    cli_database_test t(strata::backend::postgresql);
    auto r = t.run({"up", "--to", "1"});
    BOOST_TEST_REQUIRE(r.exit_code == 0, r);
    const std::string standby = on_standby(t);
    wait_for_replay(standby, {1});

    for (std::vector<std::string> command : {std::vector<std::string>{"up"}, {"up", "--atomic"}, {"down"}, {"redo"}, {"repair", "1"}}) {
        command.insert(command.begin(), {"--database", standby});
        r = t.cli.run(command);
        BOOST_TEST(r.exit_code == 2, r);
        BOOST_TEST(contains(r.err, "cannot change " + shown(standby) + ": the server is a hot standby"), r);
        BOOST_TEST(contains(r.err, "connect to the primary instead"), r);
        BOOST_TEST(contains(r.err, "target_session_attrs=read-write"), r);
    }

    // Reading works on the standby: status, validate, the schema.
    r = t.cli.run({"--database", standby, "status"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(contains(r.out, "1 applied, 2 pending"), r);
    r = t.cli.run({"--database", standby, "up", "--dry-run"});
    BOOST_TEST(r.exit_code == 0, r);
    r = t.cli.run({"--database", standby, "schema", "dump"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(contains(r.out, "users"), r);

    // verify and diff only read the target: with a scratch database elsewhere they work.
    r = t.cli.run({"--database", standby, "verify"});
    BOOST_TEST(r.exit_code == 2, r);
    BOOST_TEST(contains(r.err, "cannot build a scratch database through " + shown(standby) + ": the server is a hot standby"), r);
    {
        auto scratch = temp_database::postgresql();
        r = t.cli.run({"--database", standby, "verify", "--scratch", scratch.url_text()});
        BOOST_TEST(r.exit_code == 0, r);
    }
    {
        auto scratch = temp_database::postgresql();
        r = t.cli.run({"--database", standby, "diff", "--scratch", scratch.url_text()});
        BOOST_TEST(r.exit_code == 0, r);
    }

    // The primary was not touched.
    BOOST_TEST(t.probe.applied_versions() == (versions{1}), boost::test_tools::per_element());
    BOOST_TEST(t.probe.count("SELECT count(*) FROM strata_schema_log") == 1);
}

BOOST_AUTO_TEST_SUITE_END()
