#include <strata/dialect.hpp>

#include <strata/error.hpp>

#include "dialect/common.hpp"
#include "dialect/postgresql/postgresql_dialect.hpp"
#include "dialect/sqlite/sqlite_dialect.hpp"

namespace strata {

rendering dialect::render(const std::vector<schema::operation>& ops, catalog& state) const {
    rendering out;
    for (const auto& op : ops) {
        render(op, state, out);
        state.apply(op);
    }
    return out;
}

std::string dialect::quote(std::string_view identifier) {
    std::string out = "\"";
    for (char c : identifier) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

std::string dialect::quote_literal(std::string_view text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'') out += '\'';
        out += c;
    }
    return out + "'";
}

const dialect& dialect_for(backend b) {
    switch (b) {
    case backend::sqlite: {
#ifdef STRATA_WITH_SQLITE
        static const sqlite_dialect instance;
        return instance;
#else
        break;
#endif
    }
    case backend::postgresql: {
#ifdef STRATA_WITH_POSTGRESQL
        static const postgresql_dialect instance;
        return instance;
#else
        break;
#endif
    }
    }
    throw unsupported_error(std::string("this build of strata has no ") + to_string(b) +
                            " support (configured with STRATA_WITH_" +
                            (b == backend::sqlite ? "SQLITE" : "POSTGRESQL") + "=OFF)");
}

namespace detail {

std::string quote_list(const std::vector<std::string>& identifiers) {
    std::string out;
    for (const auto& id : identifiers) {
        if (!out.empty()) out += ", ";
        out += dialect::quote(id);
    }
    return out;
}

const char* to_sql(schema::fk_action action) {
    switch (action) {
    case schema::fk_action::no_action: return "NO ACTION";
    case schema::fk_action::restrict: return "RESTRICT";
    case schema::fk_action::cascade: return "CASCADE";
    case schema::fk_action::set_null: return "SET NULL";
    case schema::fk_action::set_default: return "SET DEFAULT";
    }
    return "NO ACTION";
}

std::string references_clause(const schema::foreign_key& key) {
    std::string out = "REFERENCES " + dialect::quote(key.ref_table) + " (" + quote_list(key.ref_columns) + ")";
    if (key.on_update != schema::fk_action::no_action) out += std::string(" ON UPDATE ") + to_sql(key.on_update);
    if (key.on_delete != schema::fk_action::no_action) out += std::string(" ON DELETE ") + to_sql(key.on_delete);
    return out;
}

std::string foreign_key_constraint(const schema::foreign_key& key) {
    return "CONSTRAINT " + dialect::quote(key.name) + " FOREIGN KEY (" + quote_list(key.columns) + ") " +
           references_clause(key);
}

std::string create_index_statement(const std::string& name, const std::string& table,
                                   const std::vector<std::string>& columns, bool unique) {
    return std::string("CREATE ") + (unique ? "UNIQUE " : "") + "INDEX " + dialect::quote(name) + " ON " +
           dialect::quote(table) + " (" + quote_list(columns) + ")";
}

std::string rename_table_statement(const schema::rename_table& op, const catalog& state) {
    // Only what the model knows is refused: a table made by raw sql is not in it, and the
    // database has the last word.
    if (state.tables.contains(op.to))
        throw error("cannot " + schema::describe(op) + ": an earlier unit already created a table \"" + op.to + "\"");
    return "ALTER TABLE " + dialect::quote(op.from) + " RENAME TO " + dialect::quote(op.to);
}

std::string rename_column_statement(const schema::rename_column& op, const catalog& state) {
    if (auto it = state.tables.find(op.table); it != state.tables.end()) {
        if (!it->second.find_column(op.from))
            throw error("cannot " + schema::describe(op) + ": table " + op.table + " has no column \"" + op.from + "\"");
        if (it->second.find_column(op.to))
            throw error("cannot " + schema::describe(op) + ": table " + op.table + " already has a column \"" + op.to +
                        "\"");
    }
    return "ALTER TABLE " + dialect::quote(op.table) + " RENAME COLUMN " + dialect::quote(op.from) + " TO " +
           dialect::quote(op.to);
}

const std::string& raw_text(const std::string& text, const char* dialect_name) {
    if (text.empty())
        throw unsupported_error(std::string("a raw sql operation has no text for ") + dialect_name +
                                "; give it with sql(sql_text{...})");
    return text;
}

const std::vector<std::string>& script_statements(const schema::sql_script& script, backend b) {
    const auto& list = b == backend::postgresql ? script.postgresql : script.sqlite;
    if (list) return *list;
    const std::string dialect_name = to_string(b);
    const std::string word = to_string(script.role);
    std::string message = script.source.empty()
                              ? "a raw statements operation has no " + word + " statements for " + dialect_name
                              : script.source + " has no \"-- strata:" + word + " " + dialect_name +
                                    "\" section (nor a generic \"-- strata:" + word + "\")";
    if (script.role == direction::up) throw unsupported_error(message + ", so it cannot run on " + dialect_name);
    throw irreversible_error(message + ", so it cannot be reverted on " + dialect_name);
}

}  // namespace detail
}  // namespace strata
