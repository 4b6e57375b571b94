#pragma once
/// The runner: plans and applies units against one database, recording them in the history.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <strata/database_url.hpp>
#include <strata/error.hpp>

namespace strata {

class registry;

enum class unit_state {
    applied,  ///< in the history and in this build
    pending,  ///< in this build, not in the history
    unknown,  ///< in the history, not in this build (applied by another build)
};

const char* to_string(unit_state s) noexcept;

/// One line of `status`.
struct unit_status {
    std::int64_t version = 0;
    std::string name;
    unit_state state = unit_state::pending;
    std::string checksum;    ///< of this build's statements; for unknown units the recorded one
    std::string applied_at;  ///< ISO 8601 UTC, empty when pending
    std::optional<std::int64_t> execution_ms;
    std::string applied_by;
};

/// One unit that ran.
struct unit_report {
    std::int64_t version = 0;
    std::string name;
    direction dir = direction::up;
    std::chrono::milliseconds duration{0};
};

struct run_report {
    std::vector<unit_report> units;
    std::chrono::milliseconds duration{0};
};

/// Which units `down` reverts. Exactly one of the fields may be set; none means one step.
struct down_request {
    std::optional<int> steps;
    std::optional<std::int64_t> to;  ///< keep this version applied, revert every newer one
    bool all = false;
};

/// Called after each unit commits, so a caller can report progress as it happens.
using unit_observer = std::function<void(const unit_report&)>;

/// Works on one database. Connects on first use and keeps the connection.
/// Each unit runs in one transaction with its history row: a failing unit leaves no trace and
/// raises migration_error listing the units of the run that did apply.
class runner {
public:
    /// Validates the registry (registry_error). Does not connect.
    runner(const registry& units, database_url url);
    ~runner();
    runner(const runner&) = delete;
    runner& operator=(const runner&) = delete;

    const database_url& url() const noexcept;

    /// Every unit of this build and every unit in the history, ordered by version.
    std::vector<unit_status> status();

    /// Applies pending units in version order, all or up to and including `to` (which must be a
    /// version of this build, else config_error).
    run_report up(std::optional<std::int64_t> to = std::nullopt, const unit_observer& observer = {});

    /// Reverts applied units, newest first. Refuses (config_error) when nothing is applied, when
    /// more steps are asked than are applied, or when `to` is not an applied version.
    run_report down(const down_request& request = {}, const unit_observer& observer = {});

    /// Reverts the newest applied unit and applies it again.
    run_report redo(const unit_observer& observer = {});

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace strata
