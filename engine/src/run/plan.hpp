#pragma once
// Private: the plan, every unit of this build rendered once for the database's dialect, in both
// directions. No connection: a plan is made before anything is opened.

#include <strata/dialect.hpp>
#include <strata/error.hpp>

#include <exception>
#include <optional>
#include <string>
#include <vector>

#include <strata/registry.hpp>

namespace strata {

/// One unit of this build, rendered in both directions. Rendering problems are kept and raised
/// only when that direction of that unit is asked for.
struct planned_unit {
    const registry::entry* entry = nullptr;
    rendering up;
    /// up --atomic: the unit with its online operations in their plain form, since the whole
    /// release is one transaction anyway. Its checksum stays that of `up`, the unit's identity.
    std::optional<rendering> up_atomic;
    rendering down;
    /// An online unit (up outside a transaction, every step resumable): what `down` runs when its
    /// up was interrupted half-way, each step's guarded inverse, newest first
    /// (dialect::render_rollback). Not part of the checksum. Empty for any other unit.
    std::optional<rendering> rollback;
    std::string checksum;  ///< of `up`; empty when up cannot be rendered
    /// dialect::names_taken_query of its up: what to look for before its first run (online
    /// operations take over what they find); empty for a unit without online operations.
    std::string names_taken_query;
    /// dialect::half_built of its up: what a step failing on the data may leave enforcing, for
    /// the runner to drop; empty for a unit without online operations.
    std::vector<half_built_object> half_built;
    std::exception_ptr up_problem;
    std::exception_ptr down_problem;
    std::exception_ptr rollback_problem;

    std::int64_t version() const noexcept { return entry->version; }
    const std::string& name() const noexcept { return entry->name; }
    /// The down statements stored with the history row; nullopt when down cannot be rendered.
    std::optional<rendering> stored_down() const;
    /// The text a history row stores for them (strata::stored_down_json); only without down_problem.
    std::string stored_down_json() const;
};

class plan {
public:
    /// Renders every unit of `units` (validated) for `d`; `atomic`: also the plain forms of
    /// online units for up --atomic.
    plan(const registry& units, const dialect& d, bool atomic);

    const std::vector<planned_unit>& units() const noexcept { return units_; }
    /// This build's unit `version`, or null.
    const planned_unit* find(std::int64_t version) const;

private:
    std::vector<planned_unit> units_;  // by version
};

std::string unit_label(std::int64_t version, const std::string& name);

/// Rethrows `problem` (a strata::error) with `where` filled in, keeping its type.
[[noreturn]] void rethrow_with(const std::exception_ptr& problem, const error_context& where);

/// The statements of `p` in direction `dir`, or its rendering problem raised with `where` and
/// the unit (version, name, direction) filled in.
const rendering& statements_of(const planned_unit& p, direction dir, error_context where);

}  // namespace strata
