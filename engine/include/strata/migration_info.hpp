#pragma once
/// What a unit says about itself.

#include <cstdint>
#include <string>

namespace strata {

/// How a unit runs. `none` is for statements PostgreSQL refuses inside a transaction (CREATE
/// INDEX CONCURRENTLY): the history row is written as `running` before the first statement and
/// as applied after the last, so an interrupted run leaves a visible dirty state.
enum class transaction_mode { per_unit, none };

struct migration_info {
    std::int64_t version = 0;  ///< positive and unique across the registry
    std::string name;
    transaction_mode transaction = transaction_mode::per_unit;
};

}  // namespace strata
