#pragma once
// Private: the words of a stop (runner_options::stop), for messages and the audit row.

#include <strata/runner.hpp>

#include <string>

namespace strata {

/// "interrupted by SIGTERM" (runner_options::stopped_by), or "interrupted by a stop request".
inline std::string stop_reason(const runner_options& options) {
    std::string by;
    if (options.stopped_by) {
        try {
            by = options.stopped_by();
        } catch (...) {
            // The words only: the stop stands.
        }
    }
    return "interrupted by " + (by.empty() ? std::string("a stop request") : by);
}

}  // namespace strata
