#pragma once
// Ends another session the way a server restart, a failover or an administrator would
// (pg_terminate_backend), while strata is in the middle of something. PostgreSQL only.

#include <strata/database_url.hpp>

#include <chrono>
#include <future>
#include <string>

namespace strata::test {

/// Starts watching `url`'s database, from a session of its own, for another session waiting in
/// pg_sleep() (a unit's statement, or a trigger that COMMIT fires); ends it when seen. The
/// future says whether it ended one within `patience`; its pid when it did, else 0.
std::future<int> terminate_when_sleeping(const database_url& url,
                                         std::chrono::milliseconds patience = std::chrono::seconds(30));

/// A plpgsql function `name`() for a trigger: it sleeps `seconds` seconds, long enough for
/// terminate_when_sleeping() to find it.
std::string sleeping_trigger_function(const std::string& name, int seconds);

}  // namespace strata::test
