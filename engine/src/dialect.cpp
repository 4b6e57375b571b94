#include <strata/dialect.hpp>

#include <strata/error.hpp>

#include <algorithm>
#include <cctype>

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
        if (c == schema::schema_separator) {  // a qualified() table name: "schema"."table"
            out += "\".\"";
            continue;
        }
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
    if (name.find(schema_separator) != std::string::npos)
        refuse(op, "the " + what + " \"" + display_name(name) + "\" is made with qualified(), which names tables only");
    if (name.size() <= max_identifier_bytes) return;
    // Two long names that share their first 63 bytes would become one on PostgreSQL while SQLite
    // keeps both: refused on every dialect so a developer on SQLite learns it before production.
    refuse(op, "the " + what + " \"" + name + "\" is " + std::to_string(name.size()) +
                   " bytes long, more than the 63 PostgreSQL keeps (it would cut it silently); " + hint);
}

/// A table name: each part of a qualified() one within PostgreSQL's limit, and no dot in a
/// plain one (PostgreSQL would take "billing.invoices" as one name with a dot in it).
void check_table_name(const operation& op, const std::string& name) {
    const auto [schema_part, table_part] = split_qualified(name);
    if (table_part.find(schema_separator) != std::string::npos || (name.find(schema_separator) != std::string::npos &&
                                                                   (schema_part.empty() || table_part.empty())))
        refuse(op, "the table name \"" + display_name(name) + "\" is not a valid qualified(schema, table) name");
    if (schema_part.empty() && name.find('.') != std::string::npos) {
        auto dot = name.find('.');
        refuse(op, "the table name \"" + name + "\" contains a dot; for table " + name.substr(dot + 1) + " in schema " +
                       name.substr(0, dot) + " write qualified(\"" + name.substr(0, dot) + "\", \"" + name.substr(dot + 1) +
                       "\"), else choose a name without a dot");
    }
    if (!schema_part.empty()) check_identifier(op, schema_part, "schema name", "give the schema a shorter name");
    check_identifier(op, table_part, "table name", "give the table a shorter name");
}

std::string list_of(const std::vector<std::string>& columns) {
    std::string out;
    for (const auto& c : columns) out += (out.empty() ? "\"" : ", \"") + c + "\"";
    return out;
}

/// Why `text`, a piece of SQL spliced into a statement (an expression, a SET list), could be more
/// than one piece, or empty when it cannot: `'a'); DROP TABLE victim; --` would run as several
/// statements. Strings and quoted identifiers are skipped; outside them no `;`, comment, `$` (a
/// dollar quote could hide a `;` from this scan) or unbalanced parenthesis is allowed.
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

/// Refuses a user's SQL expression (a default_sql(), a check, an index expression or predicate,
/// a using_sql()) that sql_fragment_problem() finds could be more than one. `role` names the text
/// in the message ("the default_sql of column \"x\""), `example` shows a good one.
void check_expression(const operation& op, const std::string& text, const std::string& role, const std::string& example) {
    if (auto why = sql_fragment_problem(text); !why.empty())
        refuse(op, role + " is not a single SQL expression: " + why + "; give one expression, such as " + example);
}

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
    for (std::size_t i = 0; i < t.checks.size(); ++i) {
        check_check(op, t.checks[i]);
        for (std::size_t j = 0; j < i; ++j)
            if (t.checks[j].name == t.checks[i].name) refuse(op, "check \"" + t.checks[i].name + "\" is defined twice");
    }
}

std::string default_text(const column_default& d) {
    switch (d.kind) {
    case default_kind::none: return "no default";
    case default_kind::null: return "default_null()";
    case default_kind::now: return "default_now()";
    case default_kind::random_uuid: return "default_random_uuid()";
    case default_kind::expression: return "default_sql(" + d.expression + ")";
    }
    return "?";
}

std::string reference_text(const std::optional<foreign_key>& k) {
    if (!k) return "no reference";
    return "\"" + k->name + "\" to " + k->ref_table + " (" + list_of(k->ref_columns) + ")";
}

/// What differs between column `now` (as earlier units left it) and `given`, as
/// "type integer, not bigint; NOT NULL, not nullable".
std::string column_differences(const column& now, const column& given) {
    std::vector<std::string> items;
    auto differ = [&](bool different, const std::string& what, const std::string& a, const std::string& b) {
        if (different) items.push_back(what + a + ", not " + b);
    };
    auto nullability = [](const column& c) { return std::string(c.nullable ? "nullable" : "NOT NULL"); };
    auto key = [](const column& c) { return std::string(c.primary_key ? "primary key" : "not the primary key"); };
    differ(now.type != given.type, "type ", describe(now.type), describe(given.type));
    differ(now.nullable != given.nullable, "", nullability(now), nullability(given));
    differ(now.default_value != given.default_value, "", default_text(now.default_value), default_text(given.default_value));
    differ(now.primary_key != given.primary_key, "", key(now), key(given));
    differ(now.reference != given.reference, "reference ", reference_text(now.reference), reference_text(given.reference));
    if (items.empty()) items.push_back("other properties differ");
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : "; ") + i;
    return out;
}

/// Whether PostgreSQL needs a USING expression to convert `from` to `to`: ALTER COLUMN TYPE
/// converts on its own only where an implicit or assignment cast exists: to the string types
/// (text, varchar, an enumeration's text), among the number types, among the date and time
/// types where the cast exists, between json and jsonb, within a type.
bool needs_using(const column_type& from, const column_type& to) {
    auto in = [](const column_type& t, std::initializer_list<type_kind> kinds) {
        return std::find(kinds.begin(), kinds.end(), t.kind) != kinds.end();
    };
    const std::initializer_list<type_kind> numbers{type_kind::smallint, type_kind::integer, type_kind::bigint,
                                                   type_kind::numeric, type_kind::real, type_kind::double_precision};
    const std::initializer_list<type_kind> stamps{type_kind::timestamp, type_kind::timestamptz};
    const bool converts = from.kind == to.kind || in(to, {type_kind::text, type_kind::varchar, type_kind::enumeration}) ||
                          (in(from, numbers) && in(to, numbers)) ||
                          (in(from, {type_kind::date, type_kind::timestamp, type_kind::timestamptz}) && in(to, stamps)) ||
                          (in(from, stamps) && in(to, {type_kind::date, type_kind::time})) ||
                          (in(from, {type_kind::json, type_kind::jsonb}) && in(to, {type_kind::json, type_kind::jsonb}));
    return !converts;
}

void check_change_column(const change_column& o, const operation& op, const catalog& state) {
    check_table_name(op, o.table);
    check_column(op, o.before);
    check_column(op, o.after);
    check_enumeration_name(op, o.table, o.after);
    const column& b = o.before;
    const column& a = o.after;
    if (b.name != a.name)
        refuse(op, "before names column \"" + b.name + "\" and after \"" + a.name +
                       "\"; change_column keeps the name: rename it with rename_column (then change it under its new name)");
    column rest = a;  // `after` with what change_column may change taken from `before`
    rest.type = b.type;
    rest.nullable = b.nullable;
    rest.default_value = b.default_value;
    if (rest != b) {
        if (rest.primary_key != b.primary_key)
            refuse(op, "it makes column \"" + b.name + "\" " + (a.primary_key ? "the primary key" : "no longer the primary key") +
                           "; change_column changes only the type, the default and nullability, and strata cannot change a "
                           "primary key (create a new table with create_table, or use raw sql)");
        if (rest.reference != b.reference)
            refuse(op, "it changes the reference of column \"" + b.name + "\" (" + reference_text(b.reference) + " before, " +
                           reference_text(a.reference) + " after); change_column changes only the type, the default "
                           "and nullability: use drop_foreign_key and add_foreign_key");
        refuse(op, "before and after differ in more than the type, the default and nullability (" +
                       column_differences(b, rest) + "); change_column changes only those");
    }
    const bool type_changes = b.type != a.type;
    if (b == a)
        refuse(op, "before and after are the same column, so nothing changes; give the column as it should be as after");
    auto given = [](const sql_text& t) { return !t.postgresql.empty() || !t.sqlite.empty(); };
    if (!type_changes && (given(o.using_up) || given(o.using_down)))
        refuse(op, "using_sql() is given but the type stays " + describe(b.type) +
                       "; a USING expression converts values to a new type: drop using_sql()");
    const std::string using_examples = "CAST(" + dialect::quote(b.name) + " AS INTEGER) or lower(" + dialect::quote(b.name) + ")";
    auto check_using = [&](const sql_text& t, const std::string& which) {
        const std::string what = "the using_sql " + which + "expression of column \"" + b.name + "\"";
        if (t.postgresql == t.sqlite) {
            if (!t.postgresql.empty()) check_expression(op, t.postgresql, what, using_examples);
            return;
        }
        if (!t.postgresql.empty()) check_expression(op, t.postgresql, what + " for postgresql", using_examples);
        if (!t.sqlite.empty()) check_expression(op, t.sqlite, what + " for sqlite", using_examples);
    };
    check_using(o.using_up, "");
    check_using(o.using_down, "down ");
    // Refused on SQLite too, so that a unit developed there works in production.
    if (type_changes && o.using_up.postgresql.empty() && needs_using(b.type, a.type))
        refuse(op, "PostgreSQL does not convert " + describe(b.type) + " to " + describe(a.type) +
                       " on its own; give the conversion with using_sql(): one expression over \"" + b.name +
                       "\" that means the same on every database the unit runs on, or one per database (sql_text)");
    if (a.primary_key && a.nullable)
        refuse(op, "column \"" + b.name + "\" is the primary key, which cannot take NULL; keep it NOT NULL");
    if (o.online) {
        if (!(b.nullable && !a.nullable) || type_changes || b.default_value != a.default_value)
            refuse(op, "online() only makes a nullable column NOT NULL (a NOT VALID check, validated without blocking "
                       "writes, then SET NOT NULL), and nothing else in the same change_column; record the other changes "
                       "in a change_column of their own without online()");
        check_identifier(op, detail::not_null_check_name(o.table, b.name), "name of the temporary check (<table>_<column>_not_null_check)",
                         "give the column or the table a shorter name");
    }
    if (auto it = state.tables.find(o.table); it != state.tables.end()) {
        const column* now = it->second.find_column(b.name);
        if (!now)
            refuse(op, "table " + o.table + " has no column \"" + b.name + "\" (an earlier unit created the table)");
        if (*now != b)
            refuse(op, "before does not match column \"" + b.name + "\" as earlier units left it (" + column_differences(*now, b) +
                           "); give before as the column is now");
    }
}

}  // namespace

namespace detail {

std::string not_null_check_name(const std::string& table, const std::string& column) {
    // From the table's own name: PostgreSQL puts the check in the table's schema.
    return split_qualified(table).table + "_" + column + "_not_null_check";
}

void check_operation(const operation& op, const catalog& state) {
    auto name = [&](const std::string& id, const std::string& what) { check_identifier(op, id, what, "give it a shorter name"); };
    std::visit(
        overloaded{
            [&](const create_table& o) { check_table(op, o.table); },
            [&](const drop_table& o) { check_table_name(op, o.name); },
            [&](const add_column& o) {
                check_table_name(op, o.table);
                check_column(op, o.column);
                check_enumeration_name(op, o.table, o.column);
                if (o.column.reference) check_foreign_key(op, o.table, *o.column.reference);
                // Only what the model knows: a column added by raw sql is the database's to refuse.
                if (auto it = state.tables.find(o.table); it != state.tables.end() && it->second.find_column(o.column.name))
                    refuse(op, "table " + o.table + " already has a column \"" + o.column.name + "\" (an earlier unit created it)");
            },
            [&](const drop_column& o) {
                check_table_name(op, o.table);
                name(o.name, "column name");
            },
            [&](const add_foreign_key& o) {
                check_table_name(op, o.table);
                check_foreign_key(op, o.table, o.key);
            },
            [&](const drop_foreign_key& o) {
                check_table_name(op, o.table);
                name(o.name, "foreign key name");
            },
            [&](const add_unique& o) {
                check_table_name(op, o.table);
                check_unique(op, o.table, o.key);
            },
            [&](const drop_unique& o) {
                check_table_name(op, o.table);
                name(o.name, "unique key name");
            },
            [&](const create_index& o) { check_index(op, o.index); },
            [&](const drop_index& o) {
                check_table_name(op, o.table);
                name(o.name, "index name");
                // Only definitions using the new fields: what rendered before still renders.
                if (o.definition && (!o.definition->where.empty() || !o.definition->expressions.empty()))
                    check_index(op, *o.definition);
            },
            [&](const rename_table& o) {
                check_table_name(op, o.from);
                check_table_name(op, o.to);
                if (auto it = state.tables.find(o.from); it != state.tables.end())
                    for (const auto& c : it->second.columns) check_enumeration_name(op, o.to, c);
            },
            [&](const rename_column& o) {
                check_table_name(op, o.table);
                name(o.from, "column name");
                name(o.to, "column name");
                if (auto it = state.tables.find(o.table); it != state.tables.end())
                    if (const column* c = it->second.find_column(o.from)) {
                        column renamed = *c;
                        renamed.name = o.to;
                        check_enumeration_name(op, o.table, renamed);
                    }
            },
            [](const raw_sql&) {},
            [](const raw_statements&) {},
            [&](const create_schema& o) { name(o.name, "schema name"); },
            [&](const drop_schema& o) { name(o.name, "schema name"); },
            [&](const comment_on& o) {
                check_table_name(op, o.table);
                if (!o.column.empty()) name(o.column, "column name");
            },
            [&](const change_column& o) { check_change_column(o, op, state); },
            [&](const add_check& o) {
                check_table_name(op, o.table);
                check_check(op, o.check);
                if (auto it = state.tables.find(o.table); it != state.tables.end())
                    for (const auto& c : it->second.checks)
                        if (c.name == o.check.name)
                            refuse(op, "table " + o.table + " already has a check \"" + c.name +
                                           "\" (an earlier unit added it); drop it first or choose another name");
            },
            [&](const drop_check& o) {
                check_table_name(op, o.table);
                if (o.name.empty()) refuse(op, "no check name given; pass the name of the check to drop");
                name(o.name, "check name");
                if (o.definition) check_check(op, *o.definition);
            },
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

std::string enumeration_check_name(const std::string& table, const std::string& column) {
    return schema::split_qualified(table).table + "_" + column + "_check";
}

std::string one_of_check(const schema::column& c) {
    std::string values;
    for (const auto& v : c.type.values) values += (values.empty() ? "" : ", ") + dialect::quote_literal(v);
    return dialect::quote(c.name) + " IN (" + values + ")";
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

std::string index_keys(const schema::index_def& index) {
    if (index.expressions.empty()) return quote_list(index.columns);
    std::string out;
    for (const auto& e : index.expressions) out += (out.empty() ? "(" : ", (") + e + ")";
    return out;
}

std::string create_index_statement(const schema::index_def& index, const std::string& name, const std::string& table) {
    std::string out = std::string("CREATE ") + (index.unique ? "UNIQUE " : "") + "INDEX " + dialect::quote(name) + " ON " +
                      dialect::quote(table) + " (" + index_keys(index) + ")";
    if (!index.where.empty()) out += " WHERE (" + index.where + ")";
    return out;
}

std::string check_constraint(const schema::check_def& check) {
    return "CONSTRAINT " + dialect::quote(check.name) + " CHECK (" + check.expression + ")";
}

namespace {

bool word_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || static_cast<unsigned char>(c) >= 0x80; }
bool word_char(char c) { return word_start(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '$'; }

bool same_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

/// Words that are SQL syntax where they stand bare; a column of that name must be quoted.
bool is_keyword(std::string_view word) {
    static const char* const keywords[] = {"AND", "OR", "NOT", "IS", "IN", "LIKE", "ILIKE", "GLOB", "REGEXP", "BETWEEN",
                                           "NULL", "TRUE", "FALSE", "CASE", "WHEN", "THEN", "ELSE", "END", "CAST", "AS",
                                           "COLLATE", "ESCAPE", "DISTINCT", "FROM", "SIMILAR", "ANY", "ALL", "SOME",
                                           "EXISTS", "ISNULL", "NOTNULL"};
    for (const char* k : keywords)
        if (same_ignoring_case(word, k)) return true;
    return false;
}

/// Whether the word ending before `i` (skipping blanks) is AS, as in `CAST(x AS date)`.
bool after_as(const std::string& text, std::size_t i) {
    std::size_t end = text.find_last_not_of(" \t\r\n", i == 0 ? 0 : i - 1);
    if (end == std::string::npos || end < 1 || i == 0 || end == i - 1) return false;  // no blank: not a separate word
    return same_ignoring_case(std::string_view(text).substr(end - 1, 2), "AS") && (end < 2 || !word_char(text[end - 2]));
}

/// Calls `f(begin, end)` for each identifier in `text` that names `column`: a quoted identifier
/// spelled exactly so, or a bare word spelled so in any case that is not a keyword, a function
/// name (a word before `(`), a type (after `::` or AS) or a typed literal's type (`date '...'`).
/// String literals are skipped.
template <class F>
void for_each_use(const std::string& text, const std::string& column, F f) {
    for (std::size_t i = 0; i < text.size();) {
        char ch = text[i];
        if (ch == '\'' || ch == '"') {
            std::string inside;
            std::size_t j = i + 1;
            for (; j < text.size(); ++j) {
                if (text[j] == ch) {
                    if (j + 1 < text.size() && text[j + 1] == ch) {
                        inside += ch;
                        ++j;
                        continue;
                    }
                    break;
                }
                inside += text[j];
            }
            std::size_t end = std::min(j + 1, text.size());
            if (ch == '"' && inside == column) f(i, end);
            i = end;
        } else if (word_start(ch)) {
            std::size_t j = i;
            while (j < text.size() && word_char(text[j])) ++j;
            std::size_t next = text.find_first_not_of(" \t\r\n", j);
            bool function = next != std::string::npos && text[next] == '(';
            bool type = (i >= 2 && text.compare(i - 2, 2, "::") == 0) || after_as(text, i) ||
                        (next != std::string::npos && text[next] == '\'');
            const std::string_view word = std::string_view(text).substr(i, j - i);
            if (!function && !type && !is_keyword(word) && same_ignoring_case(word, column)) f(i, j);
            i = j;
        } else if (std::isdigit(static_cast<unsigned char>(ch))) {
            while (i < text.size() && (word_char(text[i]) || text[i] == '.')) ++i;  // 1e5, 2.5
        } else {
            ++i;
        }
    }
}

}  // namespace

bool expression_uses(const std::string& expression, const std::string& column) {
    bool used = false;
    for_each_use(expression, column, [&](std::size_t, std::size_t) { used = true; });
    return used;
}

std::string expression_renamed(const std::string& expression, const std::string& from, const std::string& to) {
    std::string out;
    std::size_t last = 0;
    for_each_use(expression, from, [&](std::size_t begin, std::size_t end) {
        out += expression.substr(last, begin - last) + dialect::quote(to);
        last = end;
    });
    return out + expression.substr(last);
}

std::string rename_table_statement(const schema::rename_table& op, const catalog& state) {
    // Only what the model knows is refused: a table made by raw sql is not in it, and the
    // database has the last word.
    if (state.tables.contains(op.to))
        throw error("cannot " + schema::describe(op) + ": an earlier unit already created a table \"" +
                    schema::display_name(op.to) + "\"");
    // RENAME TO takes a bare name and keeps the table in its schema.
    const auto from = schema::split_qualified(op.from), to = schema::split_qualified(op.to);
    if (from.schema != to.schema)
        throw unsupported_error(schema::describe(op) + ": a rename keeps the table in its schema" +
                                (from.schema.empty() ? std::string() : " (" + from.schema + ")") + "; write the new name as " +
                                (from.schema.empty() ? "a plain name" : "qualified(\"" + from.schema + "\", \"" + to.table + "\")"));
    return "ALTER TABLE " + dialect::quote(op.from) + " RENAME TO " + dialect::quote(to.table);
}

std::vector<std::string> tables_named(const schema::operation& op) {
    std::vector<std::string> names;
    auto key = [&](const schema::foreign_key& k) { names.push_back(k.ref_table); };
    auto column = [&](const schema::column& c) {
        if (c.reference) key(*c.reference);
    };
    std::visit(overloaded{
                   [&](const schema::create_table& o) {
                       names.push_back(o.table.name);
                       for (const auto& c : o.table.columns) column(c);
                       for (const auto& k : o.table.foreign_keys) key(k);
                   },
                   [&](const schema::drop_table& o) { names.push_back(o.name); },
                   [&](const schema::add_column& o) {
                       names.push_back(o.table);
                       column(o.column);
                   },
                   [&](const schema::add_foreign_key& o) {
                       names.push_back(o.table);
                       key(o.key);
                   },
                   [&](const schema::create_index& o) { names.push_back(o.index.table); },
                   [&](const schema::rename_table& o) {
                       names.push_back(o.from);
                       names.push_back(o.to);
                   },
                   [&](const auto& o) {
                       if constexpr (requires { std::string_view(o.table); }) names.push_back(o.table);
                   },
               },
               op);
    return names;
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
