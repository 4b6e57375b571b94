#pragma once
// The down statements another build of strata stores with a history row, for tests that play
// that build: the same JSON, checksum included, that strata writes.

#include <string>
#include <vector>

namespace strata::test {

std::string stored_down_json(const std::vector<std::string>& statements, bool foreign_keys_off = false);

}  // namespace strata::test
