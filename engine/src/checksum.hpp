#pragma once
// Private: the checksum recorded with each applied unit.

#include <string>
#include <vector>

namespace strata {

/// SHA-256 (pinned: a checksum must not change with a library's default) of the statements,
/// each followed by a NUL byte so that ["ab","c"] and ["a","bc"] differ. Lower-case hex.
std::string checksum(const std::vector<std::string>& statements);
/// The checksum of `statements` followed by `more`, without copying them into one list.
std::string checksum(const std::vector<std::string>& statements, const std::vector<std::string>& more);

}  // namespace strata
