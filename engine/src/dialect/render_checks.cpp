// The checks render() runs first (detail::check_operation): its entry point, and the checks of
// names and of SQL fragments every other check builds on.

#include "dialect/render_checks.hpp"

#include <strata/dialect.hpp>
#include <strata/error.hpp>

#include "dialect/common.hpp"
#include "overloaded.hpp"

namespace strata::detail {
namespace checks {

using namespace schema;

namespace {

/// PostgreSQL's NAMEDATALEN - 1: longer identifiers are cut to this many bytes, silently.
constexpr std::size_t max_identifier_bytes = 63;

}  // namespace

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

}  // namespace checks

using namespace schema;
using namespace checks;

std::string not_null_check_name(const std::string& table, const std::string& column) {
    // From the table's own name: PostgreSQL puts the check in the table's schema.
    return split_qualified(table).table + "_" + column + "_not_null_check";
}

void check_operation(const operation& op, const catalog& state) {
    auto name = [&](const std::string& id, const std::string& what) { check_identifier(op, id, what, "give it a shorter name"); };
    std::visit(
        overloaded{
            [&](const create_table& o) { check_table(op, o.table); },
            [&](const drop_table& o) {
                check_table_name(op, o.name);
                check_drop_table(o, op, state);
            },
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
                if (auto it = state.tables.find(o.table); it != state.tables.end() && !state.raw_touched.contains(o.table))
                    check_columns_of(op, it->second, o.key.columns, "foreign key \"" + o.key.name + "\"");
            },
            [&](const drop_foreign_key& o) {
                check_table_name(op, o.table);
                name(o.name, "foreign key name");
            },
            [&](const add_unique& o) {
                check_table_name(op, o.table);
                check_unique(op, o.table, o.key);
                if (auto it = state.tables.find(o.table); it != state.tables.end() && !state.raw_touched.contains(o.table))
                    check_columns_of(op, it->second, o.key.columns, "unique key \"" + o.key.name + "\"");
            },
            [&](const drop_unique& o) {
                check_table_name(op, o.table);
                name(o.name, "unique key name");
            },
            [&](const create_index& o) {
                check_index(op, o.index);
                if (auto it = state.tables.find(o.index.table); it != state.tables.end() && !state.raw_touched.contains(o.index.table))
                    check_index_columns(op, it->second, o.index);
            },
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
                if (auto it = state.tables.find(o.table); it != state.tables.end()) {
                    if (!state.raw_touched.contains(o.table))
                        check_columns_in(op, it->second, o.check.expression, "the expression of check \"" + o.check.name + "\"");
                    for (const auto& c : it->second.checks)
                        if (c.name == o.check.name)
                            refuse(op, "table " + o.table + " already has a check \"" + c.name +
                                           "\" (an earlier unit added it); drop it first or choose another name");
                }
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

}  // namespace strata::detail
