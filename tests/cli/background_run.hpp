#pragma once
// strata run in the background (support/cli_spawn.hpp), for tests that act while it runs: send
// it a signal, hold its lock, kill its connection.

#include "strata_cli.hpp"
#include "support/cli_spawn.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace soci {
class session;
}

namespace strata::test {

/// strata --database URL ARGS..., to start in the background, in the environment strata_cli
/// gives every run (only PATH, HOME and LC_ALL=C), in the test's working directory.
process_invocation strata_invocation(const cli_database_test& t, std::vector<std::string> arguments,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(60));

/// The transcript of a background run, for an assertion message; `secret` (a password) never shown.
std::string transcript(const spawned_process& p, const process_result& r, const std::string& secret);

/// Another process's connection holding a SQLite database file, until destroyed or released:
/// `begin` is "BEGIN IMMEDIATE" (the write lock: others may read, nobody else may write) or
/// "BEGIN EXCLUSIVE" (nobody else may even read, or open the file).
class sqlite_file_holder {
public:
    sqlite_file_holder(const database_url& url, const char* begin);
    ~sqlite_file_holder();
    sqlite_file_holder(const sqlite_file_holder&) = delete;
    sqlite_file_holder& operator=(const sqlite_file_holder&) = delete;
    void release();

private:
    std::unique_ptr<soci::session> session_;
    bool open_ = true;
};

}  // namespace strata::test
