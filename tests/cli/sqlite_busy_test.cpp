// Issue 12, point 6: a SQLite database file another process holds. Every wait follows
// --lock-timeout (SQLite's busy timeout is set from it), running out is exit 5 naming the file
// (not a failed unit, exit 1), the failure's bookkeeping does not wait a second time, and a file
// that is not a database is a configuration error (exit 2) naming the file.

#include "background_run.hpp"
#include "strata_cli.hpp"
#include "support/schema_session.hpp"
#include "support/waiting.hpp"

#include <soci/soci.h>

#include <chrono>
#include <fstream>

using namespace strata::test;
using namespace std::chrono_literals;
using versions = std::vector<std::int64_t>;

namespace {

/// What strata says when the busy wait runs out on `t`'s file after 1 s.
std::string locked_message(const cli_database_test& t) {
    const std::string path = t.db.url().path();
    return "strata: error: " + t.shown_url() + ": the database file " + path +
           " is locked by another process, which holds a write transaction or an exclusive lock on it; gave up after 1 s "
           "(--lock-timeout): wait for that process to finish and run again, or find it (fuser " +
           path + " lists the processes that have the file open) and end its transaction";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sqlite)

// The tester's case: another process holds a write transaction while up would apply unit 2.
// Before: 30 s (SQLite's fixed busy timeout), exit 1 "unit 2 ... failed ... while executing: BEGIN
// IMMEDIATE", then the audit row waited again (44 s in all).
BOOST_AUTO_TEST_CASE(up_exits_5_within_lock_timeout_while_another_process_holds_a_write_transaction) {
    cli_database_test t(strata::backend::sqlite);
    auto r = t.run({"up", "--to", "1"});
    BOOST_TEST_REQUIRE(r.exit_code == 0, r);

    sqlite_file_holder holder(t.db.url(), "BEGIN IMMEDIATE");
    const auto start = clock_type::now();
    r = t.run({"--lock-timeout", "1", "up"});
    const auto took = since(start);
    BOOST_TEST(r.exit_code == 5, r);
    BOOST_TEST(took < 10000ms, "up took " << took.count() << " ms" << r);
    BOOST_TEST(took >= 900ms, "up gave up before --lock-timeout: " << took.count() << " ms" << r);
    BOOST_TEST(contains(r.err, locked_message(t) + "; unit 2 create_user_profiles (up) was not run: nothing of it was kept\n"),
               r);
    // The audit row is tried once, without waiting, and given up while the holder still holds.
    BOOST_TEST(contains(r.err, "strata: the audit row for unit 2 create_user_profiles was not written: the database is still "
                               "locked\n"),
               r);
    BOOST_TEST(!contains(r.err, "failed"), r);
    BOOST_TEST(!contains(r.err, "while executing"), r);
    BOOST_TEST(!contains(r.err, "metadata table"), r);

    holder.release();
    // No history row lies: unit 1 only, nothing of unit 2 or 3.
    BOOST_TEST(t.probe.applied_versions() == (versions{1}), boost::test_tools::per_element());
    BOOST_TEST(!t.probe.has_table("user_profiles"));
    BOOST_TEST(t.probe.count("SELECT count(*) FROM strata_schema_log WHERE outcome = 'failed'") == 0);

    // Once the other process is done, up carries on.
    r = t.run({"--lock-timeout", "1", "up"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
}

// On a database without strata's tables, the first wait is for creating them: the same bound,
// the same error, nothing created.
BOOST_AUTO_TEST_CASE(first_up_exits_5_within_lock_timeout_while_another_process_holds_a_write_transaction) {
    cli_database_test t(strata::backend::sqlite);
    sqlite_file_holder holder(t.db.url(), "BEGIN IMMEDIATE");
    const auto start = clock_type::now();
    auto r = t.run({"--lock-timeout", "1", "up"});
    const auto took = since(start);
    BOOST_TEST(r.exit_code == 5, r);
    BOOST_TEST(took < 10000ms, "up took " << took.count() << " ms" << r);
    BOOST_TEST(contains(r.err, locked_message(t)), r);
    BOOST_TEST(!contains(r.err, "metadata table"), r);
    holder.release();
    BOOST_TEST(t.probe.applied_versions().empty());
    BOOST_TEST(!t.probe.has_table("users"));
}

// status only reads; under another process's EXCLUSIVE lock it cannot, and says so after
// --lock-timeout with exit 5 (before: it hung 39 s). Under a write transaction it still reads.
BOOST_AUTO_TEST_CASE(status_exits_5_within_lock_timeout_under_an_exclusive_lock) {
    cli_database_test t(strata::backend::sqlite);
    auto r = t.run({"up", "--to", "1"});
    BOOST_TEST_REQUIRE(r.exit_code == 0, r);
    {
        sqlite_file_holder holder(t.db.url(), "BEGIN EXCLUSIVE");
        const auto start = clock_type::now();
        r = t.run({"--lock-timeout", "1", "status"});
        const auto took = since(start);
        BOOST_TEST(r.exit_code == 5, r);
        BOOST_TEST(took < 10000ms, "status took " << took.count() << " ms" << r);
        BOOST_TEST(took >= 900ms, "status gave up before --lock-timeout: " << took.count() << " ms" << r);
        BOOST_TEST(contains(r.err, locked_message(t) + "\n"), r);
        BOOST_TEST(r.out == "", r);
    }
    {
        sqlite_file_holder holder(t.db.url(), "BEGIN IMMEDIATE");
        r = t.run({"--lock-timeout", "1", "status"});
        BOOST_TEST(r.exit_code == 0, r);
        BOOST_TEST(contains(r.out, "create_users"), r);
    }
}

// A file that is not a database: the URL names the wrong file. Exit 2 (configuration), naming
// the file, for every command; strata neither changes the file nor leaves a lock file beside it.
BOOST_AUTO_TEST_CASE(file_that_is_not_a_database_exits_2_naming_the_file) {
    cli_database_test t(strata::backend::sqlite);
    const std::string path = t.db.url().path();
    std::string garbage;
    for (int i = 0; i < 64; ++i) garbage += "this is not a database, only some text\n";
    {
        std::ofstream out(path, std::ios::trunc | std::ios::binary);
        out << garbage;
    }
    for (const char* command : {"status", "up", "down"}) {
        BOOST_TEST_CONTEXT("strata " << command) {
            auto r = t.run({"--lock-timeout", "1", command});
            BOOST_TEST(r.exit_code == 2, r);
            BOOST_TEST(r.out == "", r);
            BOOST_TEST(contains(r.err, "strata: error: " + t.shown_url() + ": " + path +
                                           " is not a SQLite database (SQLite says: file is not a database); check the "
                                           "path in the database URL\n"),
                       r);
            BOOST_TEST(!contains(r.err, "metadata table"), r);
        }
    }
    std::ifstream in(path, std::ios::binary);
    std::string now((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    BOOST_TEST(now == garbage, "the file was changed");
    BOOST_TEST(!std::filesystem::exists(path + "-strata.lock"), "a lock file was left beside the file");
}

BOOST_AUTO_TEST_SUITE_END()
