#include "connection.hpp"

#include <strata/dialect.hpp>
#include <strata/error.hpp>

namespace strata {

std::unique_ptr<connection> connect(const database_url& url) {
    switch (url.kind()) {
#ifdef STRATA_WITH_SQLITE
    case backend::sqlite: return connect_sqlite(url);
#endif
#ifdef STRATA_WITH_POSTGRESQL
    case backend::postgresql: return connect_postgresql(url);
#endif
    default: break;
    }
    dialect_for(url.kind());  // throws the "no support in this build" error
    throw unsupported_error("no connection support for this database");
}

}  // namespace strata
