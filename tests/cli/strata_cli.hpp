#pragma once
// What the CLI tests are built from: the strata binary run as a user runs it, in a directory and
// environment of the test's own; a database per test read back independently; output matching.

#include "database_probe.hpp"
#include "support/cli_process.hpp"
#include "support/temp_database.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <iosfwd>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace strata::test {

/// One run of the binary; streams as a transcript (command, exit code, stdout, stderr) so an
/// assertion can show what happened: BOOST_TEST(r.exit_code == 0, r).
struct cli_outcome : process_result {
    std::string transcript;
};

std::ostream& operator<<(std::ostream& out, const cli_outcome& r);

/// The built strata binary (STRATA_CLI_PATH; or another migrator, such as a fixture's), run in a
/// fresh working directory with an
/// environment holding only PATH, HOME (the working directory) and LC_ALL=C, plus what the test
/// sets: no STRATA_DATABASE_URL, DATABASE_URL or PG* variable leaks in from the caller.
class strata_cli {
public:
    explicit strata_cli(std::string program = STRATA_CLI_PATH);
    ~strata_cli();
    strata_cli(const strata_cli&) = delete;
    strata_cli& operator=(const strata_cli&) = delete;

    void set_env(const std::string& name, const std::string& value);

    /// Text strata must never print (a password). Every run() checks stdout and stderr for it.
    void forbid_in_output(const std::string& secret);

    /// strata ARGS..., waiting at most 60 s.
    cli_outcome run(const std::vector<std::string>& arguments) const;

    const std::filesystem::path& working_directory() const noexcept { return directory_; }

private:
    std::string program_;
    std::filesystem::path directory_;
    std::map<std::string, std::string> environment_;
    std::vector<std::string> secrets_;
};

/// A fresh database of one backend and the CLI (`program`) pointed at it with --database.
struct cli_database_test {
    explicit cli_database_test(backend b, std::string program = STRATA_CLI_PATH);

    /// strata --database URL ARGS...
    cli_outcome run(std::vector<std::string> arguments) const;
    /// The database as strata names it in its messages (password as ***).
    std::string shown_url() const { return db.url().redacted(); }

    temp_database db;
    database_probe probe;
    strata_cli cli;
};

/// Whole-text match of `text` against `pattern`, which is literal except for
///   {ms}  a duration: digits then " ms"
///   {ts}  an ISO 8601 UTC timestamp: 2024-05-01T12:34:56.789Z (fraction optional)
///   {*}   anything on one line
bool matches(const std::string& text, std::string_view pattern);

bool contains(const std::string& text, std::string_view needle);

/// The lines of `text`, without their '\n'.
std::vector<std::string> lines_of(const std::string& text);

}  // namespace strata::test

/// Registers a test case `name` in each top-level suite, `sqlite` and `postgresql`, running
/// `scenario::name(backend)`: one body, once per database (ctest runs each suite on its own).
#define STRATA_CLI_TEST_ON_EACH_DATABASE(name)                                  \
    BOOST_AUTO_TEST_SUITE(sqlite)                                               \
    BOOST_AUTO_TEST_CASE(name) { scenario::name(::strata::backend::sqlite); }   \
    BOOST_AUTO_TEST_SUITE_END()                                                 \
    BOOST_AUTO_TEST_SUITE(postgresql)                                           \
    BOOST_AUTO_TEST_CASE(name) { scenario::name(::strata::backend::postgresql); } \
    BOOST_AUTO_TEST_SUITE_END()
