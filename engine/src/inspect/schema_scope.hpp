#pragma once
// Private: which schemas of a PostgreSQL database the schema readers (read_postgresql.cpp,
// dump_postgresql.cpp) look at.

#include <string>

namespace strata::inspect {

enum class schema_scope {
    /// Every schema of the application: all but the system's (pg_catalog, information_schema,
    /// pg_*).
    application,
    /// The connection's current schema alone: a tenant of --schemas-like (database_url::schema()),
    /// whose database holds the other tenants' schemas too, each of them another target.
    current,
};

/// The SQL condition on `n.nspname` (pg_namespace n) that selects the schemas of `scope`.
inline std::string schemas_condition(schema_scope scope) {
    return scope == schema_scope::current
               ? "n.nspname = current_schema()"
               : "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'";
}

}  // namespace strata::inspect
