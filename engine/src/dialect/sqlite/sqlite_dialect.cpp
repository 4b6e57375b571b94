#include "dialect/sqlite/sqlite_dialect.hpp"

#include <strata/error.hpp>

#include <algorithm>

#include "dialect/common.hpp"
#include "overloaded.hpp"

namespace strata {
namespace {

using namespace schema;
using detail::quote_list;

// SQLite enforces no declared length and gives a declared UUID type NUMERIC affinity, so every
// type maps to a storage class that keeps the value as written, plus a CHECK that refuses what
// PostgreSQL would refuse: a developer's SQLite must reject what production rejects.
std::string type_name(const column_type& t) {
    switch (t.kind) {
    case type_kind::uuid: return "TEXT";
    case type_kind::varchar: return "VARCHAR(" + std::to_string(t.length) + ")";
    case type_kind::text: return "TEXT";
    case type_kind::integer: return "INTEGER";
    case type_kind::bigint: return "BIGINT";
    case type_kind::boolean: return "BOOLEAN";
    case type_kind::timestamptz: return "TEXT";
    }
    return "TEXT";
}

std::string type_check(const column& c) {
    std::string q = dialect::quote(c.name);
    switch (c.type.kind) {
    case type_kind::uuid:
        return "length(" + q + ") = 36 AND " + q + " NOT GLOB '*[^0-9a-fA-F-]*' AND substr(" + q + ", 9, 1) || substr(" +
               q + ", 14, 1) || substr(" + q + ", 19, 1) || substr(" + q + ", 24, 1) = '----'";
    case type_kind::varchar: return "length(" + q + ") <= " + std::to_string(c.type.length);
    case type_kind::boolean: return q + " IN (0, 1)";
    // julianday(NULL) is NULL, so NULL must be let through explicitly.
    case type_kind::timestamptz: return q + " IS NULL OR julianday(" + q + ") IS NOT NULL";
    case type_kind::text:
    case type_kind::integer:
    case type_kind::bigint: return {};
    }
    return {};
}

// Times are stored as ISO 8601 text in UTC, which sorts and compares correctly as text.
constexpr const char* now_expression = "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))";

// A version 4 uuid, lower-case, the form gen_random_uuid() returns.
constexpr const char* random_uuid_expression =
    "(lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || "
    "substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || "
    "substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))))";

std::string default_sql(const column_default& d) {
    switch (d.kind) {
    case default_kind::none: return {};
    case default_kind::null: return "NULL";
    case default_kind::now: return now_expression;
    case default_kind::random_uuid: return random_uuid_expression;
    case default_kind::expression: return "(" + d.expression + ")";  // SQLite wants an expression in parentheses
    }
    return {};
}

std::string column_definition(const column& c) {
    std::string out = dialect::quote(c.name) + " " + type_name(c.type);
    if (!c.nullable) out += " NOT NULL";  // also for PRIMARY KEY: SQLite lets NULL into a non-INTEGER key
    if (auto d = default_sql(c.default_value); !d.empty()) out += " DEFAULT " + d;
    if (c.primary_key) out += " PRIMARY KEY";
    if (c.reference) out += " CONSTRAINT " + dialect::quote(c.reference->name) + " " + detail::references_clause(*c.reference);
    if (auto check = type_check(c); !check.empty()) out += " CHECK (" + check + ")";
    return out;
}

/// CREATE TABLE, then the unique keys and indexes as CREATE [UNIQUE] INDEX: SQLite cannot drop
/// a UNIQUE written into the table, but drops an index, so uniques are always indexes here.
void create_table_statements(const table_def& t, const std::string& name, std::vector<std::string>& out) {
    std::string sql = "CREATE TABLE " + dialect::quote(name) + " (";
    const char* sep = "\n  ";
    for (const auto& c : t.columns) {
        sql += sep + column_definition(c);
        sep = ",\n  ";
    }
    for (const auto& k : t.foreign_keys) sql += sep + detail::foreign_key_constraint(k);
    out.push_back(sql + "\n)");
}

void index_statements(const table_def& t, std::vector<std::string>& out) {
    for (const auto& u : t.uniques) out.push_back(detail::create_index_statement(u.name, t.name, u.columns, true));
    for (const auto& i : t.indexes)
        out.push_back(detail::create_index_statement(i.name.empty() ? default_index_name(t.name, i.columns) : i.name, t.name,
                                                     i.columns, i.unique));
}

const table_def& known_table(const catalog& state, const std::string& name, const operation& op) {
    auto it = state.tables.find(name);
    if (it == state.tables.end())
        throw unsupported_error("sqlite cannot '" + describe(op) + "' in place and must rebuild table \"" + name +
                                "\", but no earlier unit defines that table with strata's operations (was it "
                                "created by raw sql?); write this change as raw sql for sqlite");
    return it->second;
}

/// The rebuild copies the columns the units describe. A column added behind strata's back (raw
/// sql) would be lost, so the unit first proves the live table has exactly those columns. SQLite
/// has no RAISE outside triggers: a temporary table's named CHECK carries the refusal.
void guard_columns(const table_def& t, std::vector<std::string>& out) {
    std::string names;
    for (const auto& c : t.columns) names += (names.empty() ? "" : ", ") + dialect::quote_literal(c.name);
    std::string info = "pragma_table_info(" + dialect::quote_literal(t.name) + ")";
    std::string n = std::to_string(t.columns.size());
    std::string refusal = "strata refuses to rebuild table " + t.name +
                          ": its columns differ from what the units describe (changed by raw sql?), so the "
                          "rebuild would lose data; write this change as raw sql for sqlite";
    out.push_back("CREATE TEMP TABLE \"strata_rebuild_guard\" (\"ok\" INTEGER CONSTRAINT " + dialect::quote(refusal) +
                  " CHECK (\"ok\"))");
    out.push_back("INSERT INTO \"strata_rebuild_guard\" VALUES ((SELECT count(*) FROM " + info + ") = " + n +
                  " AND (SELECT count(*) FROM " + info + " WHERE name IN (" + names + ")) = " + n + ")");
    out.push_back("DROP TABLE \"strata_rebuild_guard\"");
}

/// SQLite's documented procedure for changes ALTER TABLE cannot make (sqlite.org/lang_altertable.html,
/// "Making Other Kinds Of Table Schema Changes"): create the new shape under a temporary name,
/// copy the rows, drop the old table, rename, recreate the indexes. Foreign key enforcement must
/// be off around the transaction (or dropping the old table would fire ON DELETE actions in
/// the tables referencing it); the runner does that and runs foreign_key_check before commit.
void rebuild(const table_def& before, const operation& op, rendering& out) {
    catalog after_state;
    after_state.tables[before.name] = before;
    after_state.apply(op);
    const table_def& after = after_state.tables.at(before.name);

    std::vector<std::string> kept;
    for (const auto& c : after.columns)
        if (before.find_column(c.name)) kept.push_back(c.name);

    guard_columns(before, out.statements);
    std::string temp = "strata_new_" + before.name;
    create_table_statements(after, temp, out.statements);
    out.statements.push_back("INSERT INTO " + dialect::quote(temp) + " (" + quote_list(kept) + ") SELECT " +
                             quote_list(kept) + " FROM " + dialect::quote(before.name));
    out.statements.push_back("DROP TABLE " + dialect::quote(before.name));
    // Since SQLite 3.26 a RENAME re-checks every view and trigger, and one reading the old table
    // fails while that table is gone. The legacy mode skips the check (nothing refers to the
    // temporary name, so nothing needs rewriting); the runner checks the views before commit.
    out.statements.push_back("PRAGMA legacy_alter_table = ON");
    out.statements.push_back("ALTER TABLE " + dialect::quote(temp) + " RENAME TO " + dialect::quote(before.name));
    out.statements.push_back("PRAGMA legacy_alter_table = OFF");
    index_statements(after, out.statements);
    out.foreign_keys_off = true;
}

/// Whether ALTER TABLE DROP COLUMN refuses `name`: SQLite refuses a column in a key, a foreign
/// key, a unique constraint or an index.
bool needs_rebuild_to_drop(const table_def& t, const std::string& name) {
    auto uses = [&](const std::vector<std::string>& cols) { return std::find(cols.begin(), cols.end(), name) != cols.end(); };
    const column* c = t.find_column(name);
    if (c && (c->primary_key || c->reference)) return true;
    return std::any_of(t.foreign_keys.begin(), t.foreign_keys.end(), [&](const auto& k) { return uses(k.columns); }) ||
           std::any_of(t.uniques.begin(), t.uniques.end(), [&](const auto& k) { return uses(k.columns); }) ||
           std::any_of(t.indexes.begin(), t.indexes.end(), [&](const auto& k) { return uses(k.columns); });
}

/// Whether ALTER TABLE ADD COLUMN refuses `c`: SQLite refuses a PRIMARY KEY, a NOT NULL column
/// without a default, a default that is not a literal (the current time, a random uuid), and a
/// REFERENCES column whose default is not NULL.
bool needs_rebuild_to_add(const column& c) {
    const auto& d = c.default_value;
    bool literal = d.kind == default_kind::null || (d.kind == default_kind::expression && detail::is_literal(d.expression));
    bool null_default = d.kind == default_kind::none || d.kind == default_kind::null ||
                        (d.kind == default_kind::expression && d.expression == "NULL");
    return c.primary_key || (!c.nullable && d.kind == default_kind::none) || (d.kind != default_kind::none && !literal) ||
           (c.reference && !null_default);
}

std::string alter(const std::string& table) { return "ALTER TABLE " + dialect::quote(table) + " "; }

}  // namespace

void sqlite_dialect::render(const operation& op, const catalog& state, rendering& out) const {
    auto& s = out.statements;
    detail::check_operation(op, state);
    out.resumable = false;  // online() is PostgreSQL's: here every change is one transaction
    std::visit(
        detail::overloaded{
            [&](const create_table& o) {
                create_table_statements(o.table, o.table.name, s);
                index_statements(o.table, s);
            },
            [&](const drop_table& o) { s.push_back("DROP TABLE " + quote(o.name)); },
            [&](const add_column& o) {
                auto it = state.tables.find(o.table);
                if (it != state.tables.end() && needs_rebuild_to_add(o.column))
                    rebuild(it->second, op, out);
                else
                    s.push_back(alter(o.table) + "ADD COLUMN " + column_definition(o.column));
            },
            [&](const drop_column& o) {
                auto it = state.tables.find(o.table);
                if (it != state.tables.end() && needs_rebuild_to_drop(it->second, o.name))
                    rebuild(it->second, op, out);
                else
                    s.push_back(alter(o.table) + "DROP COLUMN " + quote(o.name));
            },
            [&](const add_foreign_key& o) { rebuild(known_table(state, o.table, op), op, out); },
            [&](const drop_foreign_key& o) { rebuild(known_table(state, o.table, op), op, out); },
            [&](const add_unique& o) {
                s.push_back(detail::create_index_statement(o.key.name, o.table, o.key.columns, true));
            },
            [&](const drop_unique& o) { s.push_back("DROP INDEX " + quote(o.name)); },
            [&](const create_index& o) {
                s.push_back(detail::create_index_statement(o.index.name, o.index.table, o.index.columns, o.index.unique));
            },
            [&](const drop_index& o) { s.push_back("DROP INDEX " + quote(o.name)); },
            // Native since SQLite 3.25 (columns) and 3.26 (foreign keys elsewhere rewritten): indexes,
            // triggers, views and foreign keys follow the new name, so no rebuild is needed.
            [&](const rename_table& o) { s.push_back(detail::rename_table_statement(o, state)); },
            [&](const rename_column& o) { s.push_back(detail::rename_column_statement(o, state)); },
            [&](const raw_sql& o) { s.push_back(detail::raw_text(o.up.sqlite, "sqlite")); },
            [&](const raw_statements& o) {
                const auto& statements = detail::script_statements(o.up, backend::sqlite);
                s.insert(s.end(), statements.begin(), statements.end());
            },
            // One UPDATE in the unit's transaction: SQLite has one writer at a time anyway.
            [&](const backfill& o) {
                s.push_back("UPDATE " + quote(o.table) + " SET " + o.set_sql + " WHERE (" + o.where_sql + ")");
            },
        },
        op);
}

std::string sqlite_dialect::table_exists_query(std::string_view table) const {
    return "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = " + quote_literal(table);
}

std::string sqlite_dialect::utc_text(std::string_view column) const {
    return quote(column);  // stored as ISO 8601 UTC text already
}

}  // namespace strata
