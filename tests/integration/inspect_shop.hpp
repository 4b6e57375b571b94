#pragma once
// The schema inspect_test.cpp reads: schema_dump_test.cpp's shop with every kind of object the
// model holds (a check, a unique constraint, a partial and an expression index, a cascading foreign
// key, a default, a generated column, a view, a trigger; on PostgreSQL an identity, a function, a
// second schema and a free-standing sequence; on SQLite a table strata would not write), and the
// tables each database reports for it.

#include <strata/database_url.hpp>
#include <strata/inspect.hpp>

#include <memory>
#include <vector>

namespace strata {
class registry;
}

namespace strata::test::inspect_shop {

/// The shop's units for `backend` (versions 1-4).
std::unique_ptr<registry> shop(backend backend);

/// The shop's tables as SQLite reports them, sorted by name: declared types, defaults without
/// parentheses, checks, expression keys and predicates as the CREATE statements write them.
std::vector<inspect::table> sqlite_tables();
/// The shop's tables as PostgreSQL reports them, sorted by name: format_type, pg_get_expr,
/// pg_get_constraintdef, pg_get_indexdef.
std::vector<inspect::table> postgresql_tables();

}  // namespace strata::test::inspect_shop
