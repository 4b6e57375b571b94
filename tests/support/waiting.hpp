#pragma once
// Waiting in tests: how long since a moment, and polling for a condition that another thread or
// process makes true.

#include <chrono>
#include <functional>

namespace strata::test {

using clock_type = std::chrono::steady_clock;

/// The time since `start`, in whole milliseconds.
std::chrono::milliseconds since(clock_type::time_point start);

/// Polls `condition` every 10 ms until it holds or `limit` passes; whether it held.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit = std::chrono::seconds(20));

}  // namespace strata::test
