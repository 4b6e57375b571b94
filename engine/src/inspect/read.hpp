#pragma once
// Private: reading a live schema into the normalized model of <strata/inspect.hpp>, through the
// connection's queries only (no SOCI), one reader per dialect. strata's metadata tables
// (history::table_name, history::log_table_name) are left out.

#include <strata/inspect.hpp>

#include "inspect/schema_scope.hpp"

namespace strata {

class statements;

namespace inspect {

/// The schema `db` (a `kind` database) has, every list in the order the model promises; on
/// PostgreSQL of the schemas of `scope`.
snapshot read_snapshot(statements& db, backend kind, schema_scope scope = schema_scope::application);

namespace detail {
// What the catalogs say, in any order: read_snapshot sorts.
snapshot read_postgresql(statements& db, schema_scope scope);
snapshot read_sqlite(statements& db);
}  // namespace detail

}  // namespace inspect
}  // namespace strata
