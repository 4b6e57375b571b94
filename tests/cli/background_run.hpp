#pragma once
// strata run in the background (support/cli_spawn.hpp), for tests that act while it runs: send
// it a signal, hold its lock, kill its connection.

#include "strata_cli.hpp"
#include "support/cli_spawn.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace strata::test {

/// strata --database URL ARGS..., to start in the background, in the environment strata_cli
/// gives every run (only PATH, HOME and LC_ALL=C), in the test's working directory.
process_invocation strata_invocation(const cli_database_test& t, std::vector<std::string> arguments,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(60));

/// The transcript of a background run, for an assertion message; `secret` (a password) never shown.
std::string transcript(const spawned_process& p, const process_result& r, const std::string& secret);

}  // namespace strata::test
