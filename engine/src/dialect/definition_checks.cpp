// The checks of what an operation defines: tables, columns and their types and defaults, keys,
// indexes, checks, backfills.

#include "dialect/render_checks.hpp"

#include <strata/dialect.hpp>

#include <algorithm>
#include <cctype>

#include "dialect/common.hpp"

namespace strata::detail::checks {

using namespace schema;

namespace {

/// numeric precision and scale, enumeration values.
void check_type(const operation& op, const column& c) {
    const column_type& t = c.type;
    const std::string which = "column \"" + c.name + "\" is ";
    if (t.kind == type_kind::numeric) {
        std::string spelled = "numeric(" + std::to_string(t.precision) + ", " + std::to_string(t.scale) + ")";
        if (t.precision < 1 || t.precision > 1000)
            refuse(op, which + spelled + "; the precision (digits in all) must be between 1 and 1000");
        if (t.scale < 0 || t.scale > t.precision)
            refuse(op, which + spelled + "; the scale (digits after the point) must be between 0 and the precision");
    }
    if (t.kind == type_kind::enumeration) {
        if (t.values.empty()) refuse(op, which + "an enumeration of no values; list the values it allows");
        for (std::size_t i = 0; i < t.values.size(); ++i)
            for (std::size_t j = 0; j < i; ++j)
                if (t.values[i] == t.values[j])
                    refuse(op, which + "an enumeration listing '" + t.values[i] + "' twice; list each value once");
    }
}

void check_default(const operation& op, const column& c) {
    if (c.default_value.kind != default_kind::expression) return;
    check_expression(op, c.default_value.expression, "the default_sql of column \"" + c.name + "\"", "0, 'text' or lower('A')");
}

}  // namespace

/// A backfill's SET list and condition (and those of its down) are spliced into an UPDATE, and
/// its batches end only when no row matches the condition any more.
void check_backfill(const operation& op, const backfill& b) {
    check_table_name(op, b.table);
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
    check_type(op, c);
    if (c.is_identity) {
        if (c.type.kind != type_kind::integer && c.type.kind != type_kind::bigint && c.type.kind != type_kind::smallint)
            refuse(op, "identity column \"" + c.name + "\" must be an integer, bigint or smallint column");
        if (!c.primary_key)
            refuse(op, "identity column \"" + c.name +
                           "\" must also be marked .primary(): SQLite numbers rows only through its integer primary key");
        if (c.default_value.kind != default_kind::none)
            refuse(op, "identity column \"" + c.name + "\" has a default too; the identity is its default, drop the other one");
    }
    check_default(op, c);
}

namespace {

void check_columns_given(const operation& op, const std::vector<std::string>& columns, const std::string& what) {
    if (columns.empty()) refuse(op, what + " names no column; give at least one");
}

}  // namespace

void check_foreign_key(const operation& op, const std::string& table, const foreign_key& k) {
    check_columns_given(op, k.columns, "foreign key \"" + k.name + "\"");
    if (k.ref_table.empty()) refuse(op, "foreign key \"" + k.name + "\" references no table; call references(table, column)");
    if (k.ref_columns.size() != k.columns.size())
        refuse(op, "foreign key \"" + k.name + "\" has " + std::to_string(k.columns.size()) + " column(s) (" +
                       list_of(k.columns) + ") but references " + std::to_string(k.ref_columns.size()) + " (" +
                       list_of(k.ref_columns) + "); give as many referenced columns as columns");
    check_identifier(op, k.name, "foreign key name" + std::string(k.name == default_fk_name(table, k.columns) ? " (the default <table>_<columns>_fkey)" : ""),
                     "name the key with .foreign_key_name(...) on the column or the name field of foreign_key");
    check_table_name(op, k.ref_table);
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
    const std::string index_hint = i.expressions.empty()
                                       ? "pass a shorter name as the name argument of create_index or create_unique_index"
                                       : "pass a shorter name as the name argument of create_index_on or create_unique_index_on";
    if (!i.expressions.empty()) {
        // No default name: one derived from expression texts would be unreadable and differ per database.
        if (i.name.empty())
            refuse(op, "an index on expressions of table " + i.table +
                           " needs a name (there is no default one); pass it as the name argument of create_index_on or "
                           "create_unique_index_on");
        if (!i.columns.empty())
            refuse(op, "index \"" + i.name + "\" lists both columns (" + list_of(i.columns) +
                           ") and expressions; give one or the other (a column can be one of the expressions, quoted: \"id\")");
        check_identifier(op, i.name, "index name", index_hint);
        for (std::size_t k = 0; k < i.expressions.size(); ++k)
            check_expression(op, i.expressions[k], "expression " + std::to_string(k + 1) + " of index \"" + i.name + "\"",
                             "lower(\"email\")");
    } else {
        const std::string name = i.name.empty() ? default_index_name(i.table, i.columns) : i.name;
        check_columns_given(op, i.columns, "index \"" + name + "\"");
        check_identifier(op, name,
                         "index name" + std::string(name == default_index_name(i.table, i.columns) ? " (the default <table>_<columns>_idx)" : ""),
                         index_hint);
        for (const auto& c : i.columns) check_identifier(op, c, "column name", "give the column a shorter name");
    }
    check_table_name(op, i.table);
    if (!i.where.empty())
        check_expression(op, i.where,
                         "the where() predicate of index \"" + (i.name.empty() ? default_index_name(i.table, i.columns) : i.name) + "\"",
                         "\"deleted_at\" IS NULL");
}

/// A check needs a name (drop_check finds it by name; the names each database would make up
/// differ) and one expression.
void check_check(const operation& op, const check_def& c) {
    if (c.name.empty())
        refuse(op, "a check needs a name (drop_check finds it by name, and the names each database would make up "
                   "differ); pass one, such as add_check(\"products\", \"products_price_positive\", \"\\\"price\\\" > 0\")");
    check_identifier(op, c.name, "check name", "pass a shorter name as the name of the check");
    check_expression(op, c.expression, "the expression of check \"" + c.name + "\"", "\"price\" > 0");
}

/// An enumeration's CHECK gets PostgreSQL's name <table>_<column>_check, which change_column
/// uses to replace it: it must not be cut.
void check_enumeration_name(const operation& op, const std::string& table, const column& c) {
    if (c.type.kind != type_kind::enumeration) return;
    check_identifier(op, detail::enumeration_check_name(table, c.name),
                     "check name of enumeration column \"" + c.name + "\" (PostgreSQL's <table>_<column>_check)",
                     "give the table or the column a shorter name");
}

namespace {

bool has_upper(const std::string& s) {
    return std::any_of(s.begin(), s.end(), [](char c) { return std::isupper(static_cast<unsigned char>(c)); });
}

/// " (did you mean \"placedAt\"? a quoted name is case-sensitive)" when `t` has a column
/// spelled like `name` in another case.
std::string case_hint(const table_def& t, const std::string& name) {
    for (const auto& c : t.columns)
        if (same_ignoring_case(c.name, name))
            return "; did you mean \"" + c.name + "\"? strata quotes names, so case counts";
    std::vector<std::string> names;
    for (const auto& c : t.columns) names.push_back(c.name);
    return "; its columns are " + list_of(names);
}

}  // namespace

void check_columns_of(const operation& op, const table_def& t, const std::vector<std::string>& columns, const std::string& what) {
    for (const auto& c : columns)
        if (!t.find_column(c))
            refuse(op, what + " names column \"" + c + "\", which table " + t.name + " does not have" + case_hint(t, c));
}

void check_columns_in(const operation& op, const table_def& t, const std::string& expression, const std::string& role) {
    for (const auto& id : identifiers_in(expression)) {
        if (!id.plain || id.qualified) continue;
        if (id.quoted && !t.find_column(id.name))
            // SQLite would take it for the string 'name' and apply the unit.
            refuse(op, role + " names column \"" + id.name + "\", which table " + t.name + " does not have" + case_hint(t, id.name));
        // Only the column's own spelling: `EXTRACT(YEAR FROM ...)` next to a column "Year" is a keyword.
        if (!id.quoted)
            for (const auto& c : t.columns)
                if (has_upper(c.name) && c.name == id.name)
                    refuse(op, role + " names column " + id.name + " without quotes, which PostgreSQL reads as " +
                                   lower_case(id.name) + " (SQLite finds \"" + c.name +
                                   "\" in any case); quote it: \"" + c.name + "\"");
    }
}

void check_index_columns(const operation& op, const table_def& t, const index_def& i) {
    const std::string name = "index \"" + (i.name.empty() ? default_index_name(i.table, i.columns) : i.name) + "\"";
    check_columns_of(op, t, i.columns, name);
    for (std::size_t k = 0; k < i.expressions.size(); ++k)
        check_columns_in(op, t, i.expressions[k], "expression " + std::to_string(k + 1) + " of " + name);
    if (!i.where.empty()) check_columns_in(op, t, i.where, "the where() predicate of " + name);
}

void check_table(const operation& op, const table_def& t) {
    check_table_name(op, t.name);
    std::vector<std::string> keys;
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
        const auto& c = t.columns[i];
        for (std::size_t j = 0; j < i; ++j)
            if (t.columns[j].name == c.name) refuse(op, "column \"" + c.name + "\" is defined twice");
        if (c.primary_key) keys.push_back(c.name);
    }
    if (keys.size() > 1)
        refuse(op, "columns " + list_of(keys) +
                       " are each marked .primary(), but a table has one primary key; for a key over several columns "
                       "write t.primary_key({" + list_of(keys) + "}) instead");
    if (!t.primary_key.empty()) {
        if (!keys.empty())
            refuse(op, "column \"" + keys.front() + "\" is marked .primary() and the table also has t.primary_key(" +
                           list_of(t.primary_key) + "); a table has one primary key, give it one way");
        for (std::size_t i = 0; i < t.primary_key.size(); ++i) {
            const auto& k = t.primary_key[i];
            if (!t.find_column(k))
                refuse(op, "the primary key names column \"" + k + "\", which the table does not define");
            for (std::size_t j = 0; j < i; ++j)
                if (t.primary_key[j] == k) refuse(op, "the primary key names column \"" + k + "\" twice");
        }
    }
    for (const auto& c : t.columns) {
        check_column(op, c);
        check_enumeration_name(op, t.name, c);
        if (c.reference) check_foreign_key(op, t.name, *c.reference);
    }
    for (const auto& k : t.foreign_keys) check_foreign_key(op, t.name, k);
    for (const auto& u : t.uniques) check_unique(op, t.name, u);
    for (const auto& i : t.indexes) check_index(op, i);
    for (const auto& k : t.foreign_keys) check_columns_of(op, t, k.columns, "foreign key \"" + k.name + "\"");
    for (const auto& u : t.uniques) check_columns_of(op, t, u.columns, "unique key \"" + u.name + "\"");
    for (const auto& i : t.indexes) check_index_columns(op, t, i);
    for (std::size_t i = 0; i < t.checks.size(); ++i) {
        check_check(op, t.checks[i]);
        check_columns_in(op, t, t.checks[i].expression, "the expression of check \"" + t.checks[i].name + "\"");
        for (std::size_t j = 0; j < i; ++j)
            if (t.checks[j].name == t.checks[i].name) refuse(op, "check \"" + t.checks[i].name + "\" is defined twice");
    }
}

}  // namespace strata::detail::checks
