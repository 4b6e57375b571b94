#include "inspect/dump.hpp"

#include <strata/dialect.hpp>

#include "connection.hpp"

namespace strata {

std::string detail::dump_header(backend kind) {
    return std::string("-- The schema of a ") + to_string(kind) +
           " database, as `schema dump` reads it (strata's metadata tables left out). Generated: do not edit; run "
           "`schema dump --output FILE` again after changing a unit.\n";
}

std::string schema_dump(statements& db, backend kind, inspect::schema_scope scope) {
    return kind == backend::postgresql ? detail::postgresql_schema_dump(db, scope) : detail::sqlite_schema_dump(db);
}

}  // namespace strata
