// The checks of a change_column: what it may change, the USING conversion PostgreSQL needs, the
// column as earlier units left it; and a drop_table's definition against the table as they left it.

#include "dialect/render_checks.hpp"

#include <strata/dialect.hpp>

#include <algorithm>
#include <initializer_list>
#include <optional>

#include "dialect/common.hpp"

namespace strata::detail::checks {

using namespace schema;

namespace {

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

}  // namespace

void check_drop_table(const drop_table& o, const operation& op, const catalog& state) {
    auto it = state.tables.find(o.name);
    if (!o.definition || o.inverse_of_create || it == state.tables.end() || state.raw_touched.contains(o.name)) return;
    const table_def& now = it->second;
    const table_def& given = *o.definition;
    // Compared as sets, in no order (an add_check or add_column appends), and a check by its name:
    // both databases rewrite a check's text (a rename quotes the column).
    auto names = [](const auto& items) {
        std::vector<std::string> out;
        for (const auto& i : items) out.push_back(i.name);
        std::sort(out.begin(), out.end());
        return out;
    };
    auto sorted = [](auto items) {
        std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
        return items;
    };
    std::string why;
    if (names(now.columns) != names(given.columns)) {
        why = "columns " + list_of(names(now.columns)) + ", not " + list_of(names(given.columns));
    } else {
        for (const auto& c : now.columns)
            if (const column* g = given.find_column(c.name); g && *g != c && why.empty())
                why = "column \"" + c.name + "\": " + column_differences(c, *g);
    }
    if (why.empty() && now.primary_key != given.primary_key)
        why = "primary key (" + list_of(now.primary_key) + "), not (" + list_of(given.primary_key) + ")";
    if (why.empty() && sorted(now.foreign_keys) != sorted(given.foreign_keys))
        why = "foreign keys " + list_of(names(now.foreign_keys)) + ", not " + list_of(names(given.foreign_keys)) +
              (names(now.foreign_keys) == names(given.foreign_keys) ? " (their columns or actions differ)" : "");
    if (why.empty() && sorted(now.uniques) != sorted(given.uniques))
        why = "unique keys " + list_of(names(now.uniques)) + ", not " + list_of(names(given.uniques)) +
              (names(now.uniques) == names(given.uniques) ? " (their columns differ)" : "");
    if (why.empty() && names(now.checks) != names(given.checks))
        why = "checks " + list_of(names(now.checks)) + ", not " + list_of(names(given.checks));
    if (!why.empty())
        refuse(op, "its definition differs from table " + o.name + " as earlier units left it (" + why +
                       "); give the table as it is, so that down makes it again (its indexes come back with it)");
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
        if (!now && state.raw_touched.contains(o.table)) return;  // raw SQL may have added it
        if (!now)
            refuse(op, "table " + o.table + " has no column \"" + b.name + "\" (an earlier unit created the table)");
        if (*now != b)
            refuse(op, "before does not match column \"" + b.name + "\" as earlier units left it (" + column_differences(*now, b) +
                           "); give before as the column is now");
    }
}

}  // namespace strata::detail::checks
