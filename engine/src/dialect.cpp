#include <strata/dialect.hpp>

#include <strata/error.hpp>

#include "dialect/common.hpp"
#include "dialect/postgresql/postgresql_dialect.hpp"
#include "dialect/sqlite/sqlite_dialect.hpp"
#include "overloaded.hpp"

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


namespace {

using namespace schema;

/// PostgreSQL's NAMEDATALEN - 1: longer identifiers are cut to this many bytes, silently.
constexpr std::size_t max_identifier_bytes = 63;

[[noreturn]] void refuse(const operation& op, const std::string& problem) {
    throw unsupported_error(describe(op) + ": " + problem);
}

/// `what` says which name it is ("index name"), `hint` how to choose a shorter one.
void check_identifier(const operation& op, const std::string& name, const std::string& what, const std::string& hint) {
    if (name.size() <= max_identifier_bytes) return;
    // Two long names that share their first 63 bytes would become one on PostgreSQL while SQLite
    // keeps both: refused on every dialect so a developer on SQLite learns it before production.
    refuse(op, "the " + what + " \"" + name + "\" is " + std::to_string(name.size()) +
                   " bytes long, more than the 63 PostgreSQL keeps (it would cut it silently); " + hint);
}

std::string list_of(const std::vector<std::string>& columns) {
    std::string out;
    for (const auto& c : columns) out += (out.empty() ? "\"" : ", \"") + c + "\"";
    return out;
}

/// Refuses a default_sql() text that is not one expression: it is spliced into the statement, so
/// `'a'); DROP TABLE victim; --` would run as several statements. Strings and quoted
/// identifiers are skipped; outside them no `;`, comment, `$` (a dollar quote could hide a `;`
/// from this scan) or unbalanced parenthesis is allowed.
void check_default(const operation& op, const column& c) {
    if (c.default_value.kind != default_kind::expression) return;
    const std::string& text = c.default_value.expression;
    auto bad = [&](const std::string& why) {
        refuse(op, "the default_sql of column \"" + c.name + "\" is not a single SQL expression: " + why +
                       "; give one expression, such as 0, 'text' or lower('A')");
    };
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) bad("it is empty");
    int depth = 0;
    bool closed_unopened = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char ch = text[i];
        if (ch == '\'' || ch == '"') {
            std::size_t end = i + 1;
            for (;; ++end) {
                end = text.find(ch, end);
                if (end == std::string::npos) bad(std::string("it has an unterminated ") + (ch == '\'' ? "string" : "quoted identifier"));
                if (end + 1 < text.size() && text[end + 1] == ch) {
                    ++end;  // a doubled quote stays inside
                    continue;
                }
                break;
            }
            i = end;
        } else if (ch == ';') {
            bad("it has a ';' outside string literals");
        } else if (ch == '$') {
            bad("it has a '$' outside string literals");
        } else if (text.compare(i, 2, "--") == 0 || text.compare(i, 2, "/*") == 0) {
            bad("it has a comment");
        } else if (ch == '(') {
            ++depth;
        } else if (ch == ')' && --depth < 0) {
            closed_unopened = true;  // reported after the scan: a ';' further on says more
        }
    }
    if (closed_unopened) bad("it closes a parenthesis it did not open");
    if (depth != 0) bad("its parentheses are unbalanced");
}

/// Why `text`, a piece of SQL spliced into a statement (a SET list, a condition), is not one
/// piece, or empty when it is: the same scan as check_default (strings and quoted identifiers
/// skipped; outside them no `;`, comment, `$` or unbalanced parenthesis), commas allowed.
std::string sql_fragment_problem(const std::string& text) {
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) return "it is empty";
    int depth = 0;
    bool closed_unopened = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char ch = text[i];
        if (ch == '\'' || ch == '"') {
            std::size_t end = i + 1;
            for (;; ++end) {
                end = text.find(ch, end);
                if (end == std::string::npos)
                    return std::string("it has an unterminated ") + (ch == '\'' ? "string" : "quoted identifier");
                if (end + 1 < text.size() && text[end + 1] == ch) {
                    ++end;  // a doubled quote stays inside
                    continue;
                }
                break;
            }
            i = end;
        } else if (ch == ';') {
            return "it has a ';' outside string literals";
        } else if (ch == '$') {
            return "it has a '$' outside string literals";
        } else if (text.compare(i, 2, "--") == 0 || text.compare(i, 2, "/*") == 0) {
            return "it has a comment";
        } else if (ch == '(') {
            ++depth;
        } else if (ch == ')' && --depth < 0) {
            closed_unopened = true;  // reported after the scan: a ';' further on says more
        }
    }
    if (closed_unopened) return "it closes a parenthesis it did not open";
    if (depth != 0) return "its parentheses are unbalanced";
    return {};
}

/// A backfill's SET list and condition (and those of its down) are spliced into an UPDATE, and
/// its batches end only when no row matches the condition any more.
void check_backfill(const operation& op, const backfill& b) {
    check_identifier(op, b.table, "table name", "give the table a shorter name");
    if (b.batch_rows < 1)
        refuse(op, "batch_rows is " + std::to_string(b.batch_rows) + "; give at least 1 (the default is 10000)");
    auto check = [&](const std::string& set_sql, const std::string& where_sql, const std::string& whose) {
        if (where_sql.find_first_not_of(" \t\r\n") == std::string::npos)
            refuse(op, "the where_sql" + whose +
                           " is empty; a backfill needs the condition that selects the rows still to update and that "
                           "its SET makes false (such as \"status\" IS NULL for \"status\" = 'active'): batches run "
                           "until no row matches it, so without one they would never end");
        if (auto why = sql_fragment_problem(set_sql); !why.empty())
            refuse(op, "the set_sql" + whose + " is not a SET list: " + why +
                           "; give assignments separated by commas, such as \"status\" = 'active', \"score\" = 0");
        if (auto why = sql_fragment_problem(where_sql); !why.empty())
            refuse(op, "the where_sql" + whose + " is not a single SQL condition: " + why +
                           "; give one condition, such as \"status\" IS NULL");
    };
    check(b.set_sql, b.where_sql, "");
    if (b.down) check(b.down->set_sql, b.down->where_sql, " of its down()");
}

void check_column(const operation& op, const column& c) {
    check_identifier(op, c.name, "column name", "give the column a shorter name");
    if (c.type.kind == type_kind::varchar && c.type.length < 1)
        refuse(op, "column \"" + c.name + "\" is varchar(" + std::to_string(c.type.length) +
                       "); a varchar needs a length of at least 1 (or use type::text())");
    check_default(op, c);
}

void check_columns_given(const operation& op, const std::vector<std::string>& columns, const std::string& what) {
    if (columns.empty()) refuse(op, what + " names no column; give at least one");
}

void check_foreign_key(const operation& op, const std::string& table, const foreign_key& k) {
    check_columns_given(op, k.columns, "foreign key \"" + k.name + "\"");
    if (k.ref_table.empty()) refuse(op, "foreign key \"" + k.name + "\" references no table; call references(table, column)");
    if (k.ref_columns.size() != k.columns.size())
        refuse(op, "foreign key \"" + k.name + "\" has " + std::to_string(k.columns.size()) + " column(s) (" +
                       list_of(k.columns) + ") but references " + std::to_string(k.ref_columns.size()) + " (" +
                       list_of(k.ref_columns) + "); give as many referenced columns as columns");
    check_identifier(op, k.name, "foreign key name" + std::string(k.name == default_fk_name(table, k.columns) ? " (the default <table>_<columns>_fkey)" : ""),
                     "name the key with .foreign_key_name(...) on the column or the name field of foreign_key");
    check_identifier(op, k.ref_table, "referenced table name", "the referenced table needs a shorter name");
    for (const auto& c : k.columns) check_identifier(op, c, "column name", "give the column a shorter name");
    for (const auto& c : k.ref_columns) check_identifier(op, c, "referenced column name", "the referenced column needs a shorter name");
}

void check_unique(const operation& op, const std::string& table, const unique_key& u) {
    check_columns_given(op, u.columns, "unique key \"" + u.name + "\"");
    check_identifier(op, u.name,
                     "unique key name" + std::string(u.name == default_unique_name(table, u.columns) ? " (the default <table>_<columns>_key)" : ""),
                     "pass a shorter name as the name argument of add_unique or t.unique");
    for (const auto& c : u.columns) check_identifier(op, c, "column name", "give the column a shorter name");
}

void check_index(const operation& op, const index_def& i) {
    const std::string name = i.name.empty() ? default_index_name(i.table, i.columns) : i.name;
    check_columns_given(op, i.columns, "index \"" + name + "\"");
    check_identifier(op, name,
                     "index name" + std::string(name == default_index_name(i.table, i.columns) ? " (the default <table>_<columns>_idx)" : ""),
                     "pass a shorter name as the name argument of create_index or create_unique_index");
    check_identifier(op, i.table, "table name", "give the table a shorter name");
    for (const auto& c : i.columns) check_identifier(op, c, "column name", "give the column a shorter name");
}

const std::string table_hint = "give the table a shorter name";

void check_table(const operation& op, const table_def& t) {
    check_identifier(op, t.name, "table name", table_hint);
    std::vector<std::string> keys;
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
        const auto& c = t.columns[i];
        for (std::size_t j = 0; j < i; ++j)
            if (t.columns[j].name == c.name) refuse(op, "column \"" + c.name + "\" is defined twice");
        if (c.primary_key) keys.push_back(c.name);
    }
    if (keys.size() > 1)
        refuse(op, "columns " + list_of(keys) +
                       " are each marked .primary(), but a table has one primary key and composite primary keys are "
                       "not supported yet; mark one column .primary() (and add a unique key over the others)");
    for (const auto& c : t.columns) {
        check_column(op, c);
        if (c.reference) check_foreign_key(op, t.name, *c.reference);
    }
    for (const auto& k : t.foreign_keys) check_foreign_key(op, t.name, k);
    for (const auto& u : t.uniques) check_unique(op, t.name, u);
    for (const auto& i : t.indexes) check_index(op, i);
}

}  // namespace

namespace detail {

void check_operation(const operation& op, const catalog& state) {
    auto name = [&](const std::string& id, const std::string& what) { check_identifier(op, id, what, "give it a shorter name"); };
    std::visit(
        overloaded{
            [&](const create_table& o) { check_table(op, o.table); },
            [&](const drop_table& o) { name(o.name, "table name"); },
            [&](const add_column& o) {
                check_identifier(op, o.table, "table name", table_hint);
                check_column(op, o.column);
                if (o.column.reference) check_foreign_key(op, o.table, *o.column.reference);
                // Only what the model knows: a column added by raw sql is the database's to refuse.
                if (auto it = state.tables.find(o.table); it != state.tables.end() && it->second.find_column(o.column.name))
                    refuse(op, "table " + o.table + " already has a column \"" + o.column.name + "\" (an earlier unit created it)");
            },
            [&](const drop_column& o) {
                name(o.table, "table name");
                name(o.name, "column name");
            },
            [&](const add_foreign_key& o) {
                check_identifier(op, o.table, "table name", table_hint);
                check_foreign_key(op, o.table, o.key);
            },
            [&](const drop_foreign_key& o) {
                name(o.table, "table name");
                name(o.name, "foreign key name");
            },
            [&](const add_unique& o) {
                check_identifier(op, o.table, "table name", table_hint);
                check_unique(op, o.table, o.key);
            },
            [&](const drop_unique& o) {
                name(o.table, "table name");
                name(o.name, "unique key name");
            },
            [&](const create_index& o) { check_index(op, o.index); },
            [&](const drop_index& o) {
                name(o.table, "table name");
                name(o.name, "index name");
            },
            [&](const rename_table& o) {
                name(o.from, "table name");
                name(o.to, "table name");
            },
            [&](const rename_column& o) {
                name(o.table, "table name");
                name(o.from, "column name");
                name(o.to, "column name");
            },
            [](const raw_sql&) {},
            [](const raw_statements&) {},
            [&](const backfill& o) { check_backfill(op, o); },
        },
        op);
}

bool is_literal(const std::string& expression) {
    if (expression == "NULL" || expression == "TRUE" || expression == "FALSE") return true;
    if (expression.size() >= 2 && expression.front() == '\'' && expression.back() == '\'') {
        for (std::size_t i = 1; i + 1 < expression.size(); ++i)
            if (expression[i] == '\'' && expression[++i] != '\'') return false;  // 'a' || 'b'
        return true;
    }
    std::size_t i = expression.empty() ? 0 : (expression[0] == '-' || expression[0] == '+');
    return i < expression.size() && expression.find_first_not_of("0123456789.", i) == std::string::npos;
}

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
