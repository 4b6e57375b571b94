#include "connection.hpp"

#include <strata/dialect.hpp>
#include <strata/error.hpp>

namespace strata {

std::string duration_text(std::chrono::milliseconds d) {
    auto ms = d.count();
    return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
}

std::unique_ptr<connection> connect(const database_url& url, std::chrono::seconds connect_timeout, bool read_only) {
    switch (url.kind()) {
#ifdef STRATA_WITH_SQLITE
    case backend::sqlite: (void)connect_timeout; return connect_sqlite(url, read_only);
#endif
#ifdef STRATA_WITH_POSTGRESQL
    case backend::postgresql: (void)read_only; return connect_postgresql(url, connect_timeout);
#endif
    default: break;
    }
    dialect_for(url.kind());  // throws the "no support in this build" error
    throw unsupported_error("no connection support for this database");
}

}  // namespace strata
