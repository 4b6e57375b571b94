#include "inspect/read.hpp"

#include <algorithm>
#include <tuple>

namespace strata::inspect {
namespace {

template <class T>
void sort_by_name(std::vector<T>& items) {
    std::sort(items.begin(), items.end(), [](const T& a, const T& b) { return a.name < b.name; });
}

// The order <strata/inspect.hpp> promises is made here once, in byte order (the server's collation
// must not decide it), so each reader only reads and two snapshots line up item by item.
void sort_lists(table& t) {
    std::sort(t.foreign_keys.begin(), t.foreign_keys.end(), [](const foreign_key& a, const foreign_key& b) {
        return std::tie(a.name, a.columns, a.ref_table, a.ref_columns) < std::tie(b.name, b.columns, b.ref_table, b.ref_columns);
    });
    std::sort(t.uniques.begin(), t.uniques.end(),
              [](const unique_key& a, const unique_key& b) { return std::tie(a.name, a.columns) < std::tie(b.name, b.columns); });
    std::sort(t.checks.begin(), t.checks.end(),
              [](const check& a, const check& b) { return std::tie(a.name, a.definition) < std::tie(b.name, b.definition); });
    sort_by_name(t.indexes);
    sort_by_name(t.triggers);
}

}  // namespace

snapshot read_snapshot(statements& db, backend kind, schema_scope scope) {
    snapshot s = kind == backend::postgresql ? detail::read_postgresql(db, scope) : detail::read_sqlite(db);
    std::sort(s.schemas.begin(), s.schemas.end());
    sort_by_name(s.tables);
    for (auto& t : s.tables) sort_lists(t);
    sort_by_name(s.views);
    sort_by_name(s.functions);
    sort_by_name(s.sequences);
    return s;
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
