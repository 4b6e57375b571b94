#pragma once
// Private: the live schema as deterministic SQL (`schema dump`): stable order, no volatile names
// or timestamps, strata's metadata tables left out, in the database's own dialect. Read through
// the connection's queries only (no SOCI), so it lives outside engine/src/dialect/.

#include <strata/database_url.hpp>

#include "inspect/schema_scope.hpp"

#include <string>

namespace strata {

class statements;

/// The schema `db` (a `kind` database) has, as SQL text ending in a newline; on PostgreSQL of
/// the schemas of `scope`.
std::string schema_dump(statements& db, backend kind, inspect::schema_scope scope = inspect::schema_scope::application);

namespace detail {
std::string postgresql_schema_dump(statements& db, inspect::schema_scope scope);
std::string sqlite_schema_dump(statements& db);
/// The first line of every dump: what it is, and not to edit it.
std::string dump_header(backend kind);
}  // namespace detail

}  // namespace strata
