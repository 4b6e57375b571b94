#pragma once
// Private: verify and diff, both run on a scratch database (inspect/scratch.hpp) through a
// runner of its own, so everything a real run does (locks, rehearsals, online steps) happens
// there too. The target is only read.

#include <strata/runner.hpp>

namespace strata {

/// runner::verify.
std::vector<unit_verification> verify_units(const registry& units, const database_url& target, const runner_options& options,
                                            const std::optional<database_url>& scratch,
                                            const std::function<void(const unit_verification&)>& observer);

/// runner::diff: `applied` is the target's status, `actual` its schema.
drift_report schema_drift(const registry& units, const database_url& target, const runner_options& options,
                          const std::optional<database_url>& scratch, const std::vector<unit_status>& applied,
                          const inspect::snapshot& actual);

}  // namespace strata
