#pragma once
// Reading strata's metadata back on a connection of the test's own, for the CLI tests.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "strata_cli.hpp"

namespace strata::test {

using text_row = std::vector<std::optional<std::string>>;

/// Runs a query on a connection of its own; every selected column must be text (CAST it).
std::vector<text_row> query(const cli_database_test& t, const std::string& sql);

/// 'text' with embedded quotes doubled.
std::string literal(const std::string& s);

/// This build's checksum of each unit, as `status --json` reports it.
std::map<std::int64_t, std::string> checksums(const cli_database_test& t);

}  // namespace strata::test
