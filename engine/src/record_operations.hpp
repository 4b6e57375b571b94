#pragma once
// Private: running a unit's own code (its up(), down() or change()) to record its operations.

#include <strata/error.hpp>
#include <strata/registry.hpp>
#include <strata/schema/builder.hpp>

namespace strata {

/// Records the operations of `e`'s up() or down() into `b`. A strata::error the unit throws
/// passes unchanged; anything else its code throws (a std::runtime_error left in a half-written
/// unit) becomes an unsupported_error naming the unit, its file and the method that threw:
/// "its change() in migrations/0004_set_locale.cpp threw: TODO: pick the locale default".
void record_operations(const registry::entry& e, direction dir, schema::builder& b);

/// Records the operations of `e`'s down() into `b`, as record_operations does, and throws
/// irreversible_error when they are none while its up() records `up_operations`: reverting it
/// would leave the schema as it is and delete its history row (b.nothing_to_undo() says that is
/// meant). The one test of a unit's way back: the runner's plan and lint's S012 both use it.
void record_down(const registry::entry& e, std::size_t up_operations, schema::builder& b);

}  // namespace strata
