// SQLite's schema read into the normalized model: columns, keys and indexes from the pragma
// functions, what they do not report (checks, generated and index expressions, predicates) from
// the CREATE statements sqlite_master keeps (inspect/sqlite_sql.hpp). SQLite names no foreign or
// unique key (an automatic index's name is not the user's), has no functions, sequences or schemas.

#include <strata/dialect.hpp>

#include <map>

#include "connection.hpp"
#include "history.hpp"
#include "inspect/read.hpp"
#include "inspect/sqlite_sql.hpp"

namespace strata::inspect {
namespace {

std::string text(const result_row& r, std::size_t i) { return r.at(i).value_or(""); }

struct reader {
    statements& db;

    /// `pragma_<function>('name')`: the pragma as a table-valued function, usable in a query.
    static std::string pragma(const std::string& function, const std::string& name) {
        return "pragma_" + function + "(" + dialect::quote_literal(name) + ")";
    }

    void columns(table& t, const std::string& create_table) {
        // hidden: 1 a virtual table's hidden column (not part of the table as declared), 2 and 3
        // a generated column (virtual, stored). pk: the column's position in the primary key.
        std::map<int, std::string> key;
        for (const auto& r : db.query("SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM " +
                                      pragma("table_xinfo", t.name) + " WHERE hidden <> 1 ORDER BY cid")) {
            column c{.name = text(r, 0), .type = text(r, 1), .nullable = text(r, 2) == "0", .default_value = r.at(3)};
            if (text(r, 5) == "2" || text(r, 5) == "3") {
                const auto expression = sqlite_sql::generated_expression(create_table, c.name);
                c.generated = expression ? "generated: " + *expression : "generated";
                c.default_value.reset();
            }
            if (const int position = std::stoi(text(r, 4)); position > 0) key[position] = c.name;
            t.columns.push_back(std::move(c));
        }
        for (const auto& [position, name] : key) t.primary_key.push_back(name);
    }

    /// The columns of `table`'s primary key, in key order: what a foreign key naming no columns references.
    std::vector<std::string> primary_key_of(const std::string& table) {
        std::vector<std::string> out;
        for (const auto& r : db.query("SELECT name FROM " + pragma("table_info", table) + " WHERE pk > 0 ORDER BY pk"))
            out.push_back(text(r, 0));
        return out;
    }

    void foreign_keys(table& t) {
        // One row per column of each key: `id` numbers the keys, `seq` orders their columns.
        std::map<std::string, foreign_key> by_id;
        for (const auto& r : db.query("SELECT id, \"from\", \"table\", \"to\", on_update, on_delete FROM " +
                                      pragma("foreign_key_list", t.name) + " ORDER BY id, seq")) {
            auto& k = by_id[text(r, 0)];
            k.columns.push_back(text(r, 1));
            k.ref_table = text(r, 2);
            if (r.at(3)) k.ref_columns.push_back(*r.at(3));  // NULL: REFERENCES names the table only
            k.on_update = text(r, 4);
            k.on_delete = text(r, 5);
        }
        for (auto& [id, k] : by_id) {
            if (k.ref_columns.empty()) k.ref_columns = primary_key_of(k.ref_table);
            t.foreign_keys.push_back(std::move(k));
        }
    }

    std::vector<std::string> unique_columns(const std::string& index) {
        std::vector<std::string> out;
        for (const auto& r : db.query("SELECT name FROM " + pragma("index_info", index) + " ORDER BY seqno"))
            out.push_back(text(r, 0));
        return out;
    }

    /// A CREATE INDEX's keys: a column by name, an expression (cid -2) as the statement writes it.
    index created_index(const std::string& name, bool unique, const std::string& sql) {
        const auto parts = sqlite_sql::parse_index(sql);
        index i{.name = name, .unique = unique, .where = parts.where};
        for (const auto& r :
             db.query("SELECT seqno, cid, name FROM " + pragma("index_xinfo", name) + " WHERE key = 1 ORDER BY seqno")) {
            const auto seqno = static_cast<std::size_t>(std::stoul(text(r, 0)));
            if (text(r, 1) == "-1")
                i.keys.push_back("rowid");
            else if (r.at(2))
                i.keys.push_back(*r.at(2));
            else
                i.keys.push_back(seqno < parts.keys.size() ? parts.keys[seqno] : "<expression>");
        }
        return i;
    }

    void indexes(table& t) {
        // origin: 'pk' the primary key's (reported as primary_key), 'u' a UNIQUE of CREATE TABLE,
        // 'c' a CREATE INDEX.
        for (const auto& r : db.query("SELECT l.name, l.\"unique\", l.origin, m.sql FROM " + pragma("index_list", t.name) +
                                      " AS l LEFT JOIN sqlite_master AS m ON m.type = 'index' AND m.name = l.name")) {
            if (text(r, 2) == "u")
                t.uniques.push_back({"", unique_columns(text(r, 0))});
            else if (text(r, 2) == "c")
                t.indexes.push_back(created_index(text(r, 0), text(r, 1) == "1", text(r, 3)));
        }
    }

    void triggers(table& t) {
        // Named "table.trigger" as <strata/inspect.hpp> says (as the PostgreSQL reader does).
        for (const auto& r : db.query("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = " +
                                      dialect::quote_literal(t.name)))
            t.triggers.push_back({t.name + "." + text(r, 0), text(r, 1)});
    }

    std::vector<table> tables() {
        // Virtual tables' shadow tables come with their virtual table; sqlite_% are SQLite's own.
        std::vector<table> out;
        for (const auto& r : db.query("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
                                      "ESCAPE '\\' AND name NOT IN (" + dialect::quote_literal(history::table_name) + ", " +
                                      dialect::quote_literal(history::log_table_name) +
                                      ") AND name NOT IN (SELECT name FROM pragma_table_list WHERE type = 'shadow')")) {
            table t{.name = text(r, 0)};
            columns(t, text(r, 1));
            foreign_keys(t);
            indexes(t);
            t.checks = sqlite_sql::checks(text(r, 1));
            triggers(t);
            out.push_back(std::move(t));
        }
        return out;
    }

    std::vector<definition> views() {
        std::vector<definition> out;
        for (const auto& r : db.query("SELECT name, sql FROM sqlite_master WHERE type = 'view'"))
            out.push_back({text(r, 0), text(r, 1)});
        return out;
    }
};

}  // namespace

snapshot detail::read_sqlite(statements& db) {
    reader r{db};
    return {.kind = backend::sqlite, .tables = r.tables(), .views = r.views()};
}

}  // namespace strata::inspect
