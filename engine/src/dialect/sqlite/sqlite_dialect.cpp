#include "dialect/sqlite/sqlite_dialect.hpp"

#include <strata/error.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <stdexcept>

#include "dialect/common.hpp"
#include "dialect/sqlite/table_rebuild.hpp"
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
    case type_kind::smallint: return "SMALLINT";  // INTEGER affinity
    // NUMERIC affinity stores what looks like a number as one; text stays text (and the CHECK refuses it).
    case type_kind::numeric: return "NUMERIC(" + std::to_string(t.precision) + ", " + std::to_string(t.scale) + ")";
    case type_kind::real: return "REAL";
    case type_kind::double_precision: return "DOUBLE PRECISION";  // REAL affinity
    case type_kind::date:
    case type_kind::time:
    case type_kind::timestamp:
    case type_kind::json:
    case type_kind::jsonb:
    case type_kind::enumeration: return "TEXT";
    case type_kind::bytea: return "BLOB";
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
    // julianday(NULL) is NULL, so NULL must be let through explicitly. With a modifier, date()
    // normalises through the day number, so an impossible date such as 2024-02-30 comes back
    // different (without one it comes back as written). julianday() also takes a number (a day
    // number), which date() then writes as a date, never as the number's own text. A timestamptz
    // may carry an offset, which date() would apply: only its first 10 characters are compared.
    case type_kind::timestamptz:
        return q + " IS NULL OR (julianday(" + q + ") IS NOT NULL AND date(substr(" + q + ", 1, 10), '+0 days') IS substr(" +
               q + ", 1, 10))";
    case type_kind::timestamp:
        return q + " IS NULL OR (julianday(" + q + ") IS NOT NULL AND date(" + q + ", '+0 days') IS substr(" + q + ", 1, 10))";
    case type_kind::date: return q + " IS NULL OR date(" + q + ", '+0 days') IS " + q;
    case type_kind::time:
        return q + " IS NULL OR (time(" + q + ") IS NOT NULL AND " + q + " GLOB '[0-2][0-9]:[0-5][0-9]*' AND length(" + q +
               ") <= 15)";
    case type_kind::json:
    case type_kind::jsonb: return q + " IS NULL OR json_valid(" + q + ")";
    // INTEGER affinity keeps what it cannot convert ('abc', 3.5e20) as it is; a text compares
    // above every number, so the range refuses it. 1.5 stays (PostgreSQL rounds it).
    case type_kind::smallint: return q + " BETWEEN -32768 AND 32767";
    case type_kind::integer: return q + " BETWEEN -2147483648 AND 2147483647";
    case type_kind::bigint: return q + " BETWEEN -9223372036854775808 AND 9223372036854775807";
    case type_kind::real:
    case type_kind::double_precision: return q + " IS NULL OR typeof(" + q + ") IN ('integer', 'real')";
    // PostgreSQL rounds to the scale, then refuses what has more digits before the point than
    // precision - scale allows.
    case type_kind::numeric:
        return q + " IS NULL OR (typeof(" + q + ") IN ('integer', 'real') AND abs(round(" + q + ", " +
               std::to_string(c.type.scale) + ")) < 1e" + std::to_string(c.type.precision - c.type.scale) + ")";
    case type_kind::enumeration: return detail::one_of_check(c);
    case type_kind::text:
    case type_kind::bytea: return {};
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
    // A rowid alias needs the declared type INTEGER exactly (sqlite.org/lang_createtable.html#rowid).
    std::string out = dialect::quote(c.name) + " " + (c.is_identity ? std::string("INTEGER") : type_name(c.type));
    if (!c.nullable) out += " NOT NULL";  // also for PRIMARY KEY: SQLite lets NULL into a non-INTEGER key
    if (auto d = default_sql(c.default_value); !d.empty()) out += " DEFAULT " + d;
    if (c.primary_key) out += " PRIMARY KEY";
    if (c.reference) out += " CONSTRAINT " + dialect::quote(c.reference->name) + " " + detail::references_clause(*c.reference);
    // An identity is the rowid, which SQLite keeps a whole number itself.
    if (auto check = c.is_identity ? std::string() : type_check(c); !check.empty()) out += " CHECK (" + check + ")";
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
    if (!t.primary_key.empty()) sql += std::string(sep) + "PRIMARY KEY (" + quote_list(t.primary_key) + ")";
    for (const auto& k : t.foreign_keys) sql += sep + detail::foreign_key_constraint(k);
    for (const auto& c : t.checks) sql += sep + detail::check_constraint(c);
    out.push_back(sql + "\n)");
}

void index_statements(const table_def& t, std::vector<std::string>& out) {
    for (const auto& u : t.uniques) out.push_back(detail::create_index_statement(u.name, t.name, u.columns, true));
    for (const auto& i : t.indexes)
        out.push_back(detail::create_index_statement(i, i.name.empty() ? default_index_name(t.name, i.columns) : i.name, t.name));
}

/// SQLite's documented procedure for changes ALTER TABLE cannot make (sqlite.org/lang_altertable.html,
/// "Making Other Kinds Of Table Schema Changes"), worked from the table as the database has it:
/// one directive statement that the SQLite connection carries out (see table_rebuild.hpp). Foreign
/// key enforcement must be off around the transaction (or dropping the old table would fire ON
/// DELETE actions in the tables referencing it); the runner does that and runs foreign_key_check
/// before commit.
void rebuild(const operation& op, rendering& out) {
    sqlite_rebuild::changes c;
    std::visit(detail::overloaded{
                   [&](const add_column& o) {
                       c.table = o.table;
                       c.add.push_back(column_definition(o.column));
                   },
                   [&](const drop_column& o) {
                       c.table = o.table;
                       c.drop_columns.push_back(o.name);
                   },
                   [&](const add_foreign_key& o) {
                       c.table = o.table;
                       c.add.push_back(detail::foreign_key_constraint(o.key));
                   },
                   [&](const drop_foreign_key& o) {
                       c.table = o.table;
                       c.drop_constraints.push_back(o.name);
                   },
                   [&](const add_check& o) {
                       c.table = o.table;
                       c.add.push_back(detail::check_constraint(o.check));
                   },
                   [&](const drop_check& o) {
                       c.table = o.table;
                       c.drop_constraints.push_back(o.name);
                   },
                   [&](const change_column& o) {
                       c.table = o.table;
                       c.replace_columns.push_back({o.before.name, column_definition(o.after)});
                       // The USING expression gives the values copied into the column.
                       if (!o.using_up.sqlite.empty()) c.copy_as.push_back({o.before.name, o.using_up.sqlite});
                   },
                   [&](const auto&) { throw std::logic_error("sqlite has no rebuild for " + describe(op)); },
               },
               op);
    out.statements.push_back(sqlite_rebuild::directive(c));
    out.foreign_keys_off = true;
}

/// The values a type change leaves that the column's CHECK (type_check) lets through but
/// PostgreSQL would not have converted, checked after the rebuild: INTEGER affinity keeps a text
/// such as '1.5' as the number 1.5, which the range CHECK takes, where PostgreSQL refuses the
/// text. The refusal is a temporary table's named CHECK (SQLite has no RAISE outside triggers).
void guard_converted_values(const std::string& table, const column& c, std::vector<std::string>& out) {
    const auto kind = c.type.kind;
    if (kind != type_kind::integer && kind != type_kind::smallint && kind != type_kind::bigint) return;
    const std::string q = dialect::quote(c.name);
    const std::string refusal = "strata refuses to change column " + table + "." + c.name + " to " + describe(c.type) +
                                ": a value is not a whole number (SQLite keeps a fraction such as '1.5' in a whole-number "
                                "column); fix those rows, or convert them with using_sql()";
    out.push_back("CREATE TEMP TABLE \"strata_change_guard\" (\"ok\" INTEGER CONSTRAINT " + dialect::quote(refusal) +
                  " CHECK (\"ok\"))");
    out.push_back("INSERT INTO \"strata_change_guard\" VALUES (NOT EXISTS (SELECT 1 FROM " + dialect::quote(table) +
                  " WHERE " + q + " IS NOT NULL AND typeof(" + q + ") <> 'integer'))");
    out.push_back("DROP TABLE \"strata_change_guard\"");
}

/// `text` without blanks, in upper case: how SQL is compared with a form here.
std::string squeezed(std::string_view text) {
    std::string out;
    for (char c : text)
        if (!std::isspace(static_cast<unsigned char>(c))) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

/// A USING CAST to a date or time type for SQLite: the type name has NUMERIC affinity there, so
/// the CAST makes a number of every date ('2024-05-01' becomes 2024), which the column's CHECK
/// then refuses as if the rows were wrong. Refused before anything runs, saying what to write.
void refuse_time_cast(const change_column& o) {
    const auto to = o.after.type.kind;
    if (to != type_kind::timestamptz && to != type_kind::timestamp && to != type_kind::date && to != type_kind::time) return;
    const std::string expression = squeezed(o.using_up.sqlite);
    if (expression.find("ASTIME") == std::string::npos && expression.find("ASDATE") == std::string::npos) return;
    throw unsupported_error(describe(schema::operation(o)) + ": on SQLite, " + o.using_up.sqlite +
                            " makes a number of a date ('2024-05-01' becomes 2024), since SQLite has no date type; give "
                            "sqlite a using_sql text of its own (sql_text{postgresql, sqlite}), or an empty one to keep the "
                            "text as it is");
}

/// The values a USING `CAST("c" AS <number type>)` of a text column would silently change: SQLite
/// reads the longest number a text starts with ('12abc' is 12, 'lots' is 0, '3.7' as an integer
/// is 3) where PostgreSQL refuses the text. Checked before the rebuild, on the values as they
/// are: a text must be a number as written (`c = CAST(c AS NUMERIC)` holds only for text SQLite
/// takes as a whole number: the comparison gives the text NUMERIC affinity, which converts only a
/// well-formed number), and for an integer type one without a point or an exponent. Only for
/// that exact USING form; any other expression is the unit's own to get right.
void guard_cast_source(const std::string& table, const change_column& o, std::vector<std::string>& out) {
    const auto from = o.before.type.kind;
    if (from != type_kind::text && from != type_kind::varchar && from != type_kind::enumeration) return;
    const auto to = o.after.type.kind;
    const bool whole = to == type_kind::integer || to == type_kind::bigint || to == type_kind::smallint;
    if (!whole && to != type_kind::numeric && to != type_kind::real && to != type_kind::double_precision) return;
    const std::string expression = squeezed(o.using_up.sqlite);
    // The column quoted, or bare (as SQLite reads a bare name: in any case).
    const bool bare = std::all_of(o.before.name.begin(), o.before.name.end(),
                                  [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
    const bool cast_of_column = expression.starts_with("CAST(" + squeezed(dialect::quote(o.before.name)) + "AS") ||
                                (bare && expression.starts_with("CAST(" + squeezed(o.before.name) + "AS"));
    if (!cast_of_column || !expression.ends_with(")")) return;
    const std::string q = dialect::quote(o.before.name);
    // Only text: a value stored as a number already (a raw-SQL unit may have) converts as is.
    // A whole number past bigint's range reads as a real: CAST would clamp it.
    const std::string bad = "typeof(" + q + ") = 'text' AND NOT (" + q + " = CAST(" + q + " AS NUMERIC)" +
                            (whole ? " AND " + q + " NOT GLOB '*[.eE]*' AND typeof(CAST(" + q + " AS NUMERIC)) = 'integer'"
                                   : std::string()) +
                            ")";
    const std::string refusal = "strata refuses to convert column " + table + "." + o.before.name + " to " + describe(o.after.type) +
                                " with " + o.using_up.sqlite + ": a value is not " +
                                (whole ? "a whole number" : "a number") +
                                " as written, which SQLite's CAST would silently turn into another number (0 for a word) "
                                "while PostgreSQL refuses it; fix those rows first, or convert them with a using_sql() "
                                "that says what they become";
    out.push_back("CREATE TEMP TABLE \"strata_change_guard\" (\"ok\" INTEGER CONSTRAINT " + dialect::quote(refusal) +
                  " CHECK (\"ok\"))");
    out.push_back("INSERT INTO \"strata_change_guard\" VALUES (NOT EXISTS (SELECT 1 FROM " + dialect::quote(table) + " WHERE " + q +
                  " IS NOT NULL AND (" + bad + ")))");
    out.push_back("DROP TABLE \"strata_change_guard\"");
}

/// Whether a check, an index expression or an index predicate of `t` names column `name`.
bool uses_in_expressions(const table_def& t, const std::string& name) {
    auto mentions = [&](const std::string& expression) { return detail::expression_uses(expression, name); };
    return std::any_of(t.checks.begin(), t.checks.end(), [&](const check_def& c) { return mentions(c.expression); }) ||
           std::any_of(t.indexes.begin(), t.indexes.end(), [&](const index_def& i) {
               return mentions(i.where) || std::any_of(i.expressions.begin(), i.expressions.end(), mentions);
           });
}

/// Whether ALTER TABLE DROP COLUMN refuses `name`: SQLite refuses a column in a key, a foreign
/// key, a unique constraint or an index (also one in an index expression or predicate), or used
/// by a table CHECK.
bool needs_rebuild_to_drop(const table_def& t, const std::string& name) {
    auto uses = [&](const std::vector<std::string>& cols) { return std::find(cols.begin(), cols.end(), name) != cols.end(); };
    const column* c = t.find_column(name);
    if ((c && (c->primary_key || c->reference)) || uses(t.primary_key)) return true;
    return std::any_of(t.foreign_keys.begin(), t.foreign_keys.end(), [&](const auto& k) { return uses(k.columns); }) ||
           std::any_of(t.uniques.begin(), t.uniques.end(), [&](const auto& k) { return uses(k.columns); }) ||
           std::any_of(t.indexes.begin(), t.indexes.end(), [&](const auto& k) { return uses(k.columns); }) ||
           uses_in_expressions(t, name);
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
    for (const auto& table : detail::tables_named(op))
        if (split_qualified(table).schema.size())
            throw unsupported_error(describe(op) + ": sqlite has no schemas, so it cannot use table " + display_name(table) +
                                    " (named with qualified()); schema-qualified tables need PostgreSQL");
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
                    rebuild(op, out);
                else
                    s.push_back(alter(o.table) + "ADD COLUMN " + column_definition(o.column));
            },
            [&](const drop_column& o) {
                auto it = state.tables.find(o.table);
                if (it != state.tables.end() && needs_rebuild_to_drop(it->second, o.name))
                    rebuild(op, out);
                else
                    s.push_back(alter(o.table) + "DROP COLUMN " + quote(o.name));
            },
            [&](const add_foreign_key&) { rebuild(op, out); },
            [&](const drop_foreign_key&) { rebuild(op, out); },
            [&](const add_unique& o) {
                s.push_back(detail::create_index_statement(o.key.name, o.table, o.key.columns, true));
            },
            [&](const drop_unique& o) { s.push_back("DROP INDEX " + quote(o.name)); },
            [&](const create_index& o) { s.push_back(detail::create_index_statement(o.index, o.index.name, o.index.table)); },
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
            [&](const create_schema&) { throw unsupported_error(describe(op) + ": sqlite has no schemas; schemas need PostgreSQL"); },
            [&](const drop_schema&) { throw unsupported_error(describe(op) + ": sqlite has no schemas; schemas need PostgreSQL"); },
            [](const comment_on&) {},  // SQLite keeps no comments: documented as skipped
            // No ALTER COLUMN in SQLite: every change rebuilds the table (online() is PostgreSQL's).
            [&](const change_column& o) {
                refuse_time_cast(o);
                guard_cast_source(o.table, o, s);
                rebuild(op, out);
                if (o.before.type != o.after.type) guard_converted_values(o.table, o.after, s);
            },
            // SQLite cannot add or drop a CHECK in place. The rebuild copies the rows into a table
            // with the new checks: a row that fails one fails the unit, which rolls back.
            [&](const add_check&) { rebuild(op, out); },
            [&](const drop_check&) { rebuild(op, out); },
            // One UPDATE in the unit's transaction: SQLite has one writer at a time anyway.
            [&](const backfill& o) {
                s.push_back("UPDATE " + quote(o.table) + " SET " + o.set_sql + " WHERE (" + o.where_sql + ")");
            },
        },
        op);
}

namespace sqlite_rebuild {

bool is_type_check(std::string_view expression, const std::string& name) {
    auto renders = [&](column_type t) { return type_check(column(name, std::move(t))) == expression; };
    // jsonb and double_precision render as json and real do.
    for (auto kind : {type_kind::uuid, type_kind::boolean, type_kind::timestamptz, type_kind::timestamp, type_kind::date,
                      type_kind::time, type_kind::json, type_kind::smallint, type_kind::integer, type_kind::bigint,
                      type_kind::real})
        if (renders({kind})) return true;
    // What strata 0.2's own pre-releases rendered for a timestamptz (tables made then still carry it).
    const std::string q = dialect::quote(name);
    if (expression == q + " IS NULL OR julianday(" + q + ") IS NOT NULL") return true;
    // The parameters read from the text, then the whole text compared with their rendering.
    auto number_after = [&](std::string_view marker) -> std::optional<int> {
        auto at = expression.find(marker);
        if (at == std::string_view::npos) return std::nullopt;
        int n = 0;
        const char* from = expression.data() + at + marker.size();
        auto [end, error] = std::from_chars(from, expression.data() + expression.size(), n);
        return error == std::errc() && end != from ? std::optional<int>(n) : std::nullopt;
    };
    if (auto length = number_after(") <= "); length && renders(type::varchar(*length))) return true;
    if (auto scale = number_after("round(" + q + ", "), digits = number_after(")) < 1e"); scale && digits)
        if (renders(type::numeric(*digits + *scale, *scale))) return true;
    const std::string open = q + " IN (";
    if (!expression.starts_with(open)) return false;
    std::vector<std::string> values;  // 'a', 'b''s'
    for (std::size_t i = open.size(); i < expression.size() && expression[i] == '\'';) {
        std::string value;
        for (++i; i < expression.size(); ++i) {
            if (expression[i] == '\'' && (i + 1 >= expression.size() || expression[i + 1] != '\'')) break;
            value += expression[i];
            if (expression[i] == '\'') ++i;
        }
        values.push_back(std::move(value));
        i += expression.compare(i + 1, 2, ", ") == 0 ? 3 : 1;
    }
    return !values.empty() && renders(type::enumeration(std::move(values)));
}

}  // namespace sqlite_rebuild

std::string sqlite_dialect::table_exists_query(std::string_view table) const {
    return "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = " + quote_literal(table);
}

std::string sqlite_dialect::now() const { return now_expression; }

std::string sqlite_dialect::utc_text(std::string_view column) const {
    return quote(column);  // stored as ISO 8601 UTC text already
}

}  // namespace strata
