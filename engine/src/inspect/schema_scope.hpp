#pragma once
// Private: which schemas of a PostgreSQL database the schema readers (read_postgresql.cpp,
// dump_postgresql.cpp) look at.

#include <string>

#include "history.hpp"

namespace strata::inspect {

enum class schema_scope {
    /// Every schema of the application: all but the system's (pg_catalog, information_schema,
    /// pg_*).
    application,
    /// The connection's current schema alone: a tenant of --schemas-like (database_url::schema()),
    /// whose database holds the other tenants' schemas too, each of them another target; an
    /// application whose URL's search_path names its schema alone (database_url::
    /// search_path_schema()), next to other applications' schemas.
    current,
};

/// The SQL condition on `n.nspname` (pg_namespace n) that selects the schemas of `scope`.
inline std::string schemas_condition(schema_scope scope) {
    return scope == schema_scope::current
               ? "n.nspname = current_schema()"
               : "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'";
}

/// The SQL condition on `c.relname` (pg_class c) that leaves strata's metadata tables out, in
/// any schema: another schema's history is another application's, never part of a schema.
inline std::string not_metadata_condition() {
    return std::string("c.relname NOT IN ('") + history::table_name + "', '" + history::log_table_name + "')";
}

/// The sequences of the schemas `user_schemas` (schemas_condition) selects, but those of a
/// serial ('a') or an identity ('i'), which belong to their column: schema, name and definition
/// (`AS bigint INCREMENT 1 ... NO CYCLE`, what CREATE SEQUENCE takes after the name), never the
/// current value.
inline std::string sequences_query(const std::string& user_schemas) {
    return "SELECT n.nspname, c.relname, 'AS ' || format_type(s.seqtypid, NULL) || ' INCREMENT ' || s.seqincrement || "
           "' MINVALUE ' || s.seqmin || ' MAXVALUE ' || s.seqmax || ' START ' || s.seqstart || ' CACHE ' || s.seqcache || "
           "CASE WHEN s.seqcycle THEN ' CYCLE' ELSE ' NO CYCLE' END FROM pg_sequence s JOIN pg_class c ON "
           "c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE " + user_schemas +
           " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND "
           "d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i'))";
}

}  // namespace strata::inspect
