#include "inspect/read.hpp"

namespace strata::inspect {

snapshot read_snapshot(statements& db, backend kind) {
    return kind == backend::postgresql ? detail::read_postgresql(db) : detail::read_sqlite(db);
}

const column* table::find_column(std::string_view wanted) const {
    for (const auto& c : columns)
        if (c.name == wanted) return &c;
    return nullptr;
}

const table* snapshot::find(std::string_view wanted) const {
    for (const auto& t : tables)
        if (t.name == wanted) return &t;
    return nullptr;
}

}  // namespace strata::inspect
