#pragma once
// Private: how far the operations of an online unit got, read from the schema (status of a unit
// whose up was interrupted half-way). The schema is the truth after a crash, where no record
// written by the crashed run could be.

#include <strata/inspect.hpp>
#include <strata/runner.hpp>
#include <vector>

namespace strata {
class migration;
}

namespace strata::inspect {

/// One entry per operation of `unit`'s up, in order: done, partly (and what is there), not done, or
/// unknown when the schema cannot tell (a backfill). Without a schema (`now` null), each is unknown
/// because `why`.
std::vector<unit_step> online_progress(const migration& unit, const snapshot* now, const std::string& why);

}  // namespace strata::inspect
