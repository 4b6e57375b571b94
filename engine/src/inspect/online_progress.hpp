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

/// What `now` already has under a name one of `unit`'s online operations creates (a column, a
/// constraint, an index), one phrase each ("column fav_order of accounts"); empty when nothing.
/// An online step takes over what it finds of its own shape, so that an interrupted unit resumes:
/// before its first run, anything found is somebody else's.
std::vector<std::string> names_taken(const migration& unit, const snapshot& now);

}  // namespace strata::inspect
