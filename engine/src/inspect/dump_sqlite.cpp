// SQLite keeps each object's CREATE statement as written (and as ALTER TABLE and strata's rebuilds
// edited it) in sqlite_master: the dump is those texts in a stable order, a table's list of
// columns and constraints laid out one item per line (ADD COLUMN and a rebuild leave it laid out
// differently).

#include <strata/dialect.hpp>

#include <algorithm>
#include <map>
#include <vector>

#include "connection.hpp"
#include "history.hpp"
#include "inspect/dump.hpp"
#include "inspect/sqlite_sql.hpp"

namespace strata {

std::string detail::sqlite_schema_dump(statements& db) {
    // Virtual tables' shadow tables come with their virtual table; sqlite_% are SQLite's own.
    const auto rows = db.query(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL "
        "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND tbl_name NOT IN (" +
        dialect::quote_literal(history::table_name) + ", " + dialect::quote_literal(history::log_table_name) +
        ") AND name NOT IN (SELECT name FROM pragma_table_list WHERE type = 'shadow')");
    struct object {
        std::string type, name, sql;
    };
    // Each table, then its indexes and triggers, by name; views (and their triggers) after.
    std::map<std::string, object> tables, views;
    std::map<std::string, std::vector<object>> on;  // by table or view name
    for (const auto& r : rows) {
        object o{r.at(0).value_or(""), r.at(1).value_or(""), r.at(3).value_or("")};
        const std::string table = r.at(2).value_or("");
        if (o.type == "table") {
            o.sql = inspect::sqlite_sql::laid_out_table(o.sql);
            tables[o.name] = o;
        }
        else if (o.type == "view")
            views[o.name] = o;
        else
            on[table].push_back(o);
    }
    std::string out = dump_header(backend::sqlite);
    auto emit = [&](const object& o) {
        out += "\n" + o.sql + ";\n";
        auto& dependents = on[o.name];
        std::sort(dependents.begin(), dependents.end(),
                  [](const object& a, const object& b) { return a.type != b.type ? a.type < b.type : a.name < b.name; });
        for (const auto& d : dependents) out += d.sql + ";\n";
    };
    for (const auto& [name, t] : tables) emit(t);
    for (const auto& [name, v] : views) emit(v);
    return out;
}

}  // namespace strata
