#include "dialect/postgresql/postgresql_dialect.hpp"

#include <strata/error.hpp>

#include "dialect/common.hpp"
#include "overloaded.hpp"

namespace strata {
namespace {

using namespace schema;
using detail::quote_list;

std::string default_sql(const column_default& d) {
    switch (d.kind) {
    case default_kind::none: return {};
    case default_kind::null: return "NULL";
    case default_kind::now: return "now()";
    case default_kind::random_uuid: return "gen_random_uuid()";  // built in since PostgreSQL 13
    case default_kind::expression: return d.expression;
    }
    return {};
}

std::string create_table_sql(const table_def& t) {
    std::string out = "CREATE TABLE " + dialect::quote(t.name) + " (";
    const char* sep = "\n  ";
    for (const auto& c : t.columns) {
        out += sep + postgresql_dialect::column_definition(c);
        sep = ",\n  ";
    }
    for (const auto& k : t.foreign_keys) out += sep + detail::foreign_key_constraint(k);
    for (const auto& u : t.uniques) out += std::string(sep) + "CONSTRAINT " + dialect::quote(u.name) + " UNIQUE (" + quote_list(u.columns) + ")";
    return out + "\n)";
}

std::string alter(const std::string& table) { return "ALTER TABLE " + dialect::quote(table) + " "; }

}  // namespace

std::string postgresql_dialect::type_name(const column_type& t) {
    switch (t.kind) {
    case type_kind::uuid: return "UUID";
    case type_kind::varchar: return "VARCHAR(" + std::to_string(t.length) + ")";
    case type_kind::text: return "TEXT";
    case type_kind::integer: return "INTEGER";
    case type_kind::bigint: return "BIGINT";
    case type_kind::boolean: return "BOOLEAN";
    case type_kind::timestamptz: return "TIMESTAMPTZ";
    }
    return "TEXT";
}

std::string postgresql_dialect::column_definition(const column& c) {
    std::string out = quote(c.name) + " " + type_name(c.type);
    if (!c.nullable) out += " NOT NULL";
    if (auto d = default_sql(c.default_value); !d.empty()) out += " DEFAULT " + d;
    if (c.primary_key) out += " PRIMARY KEY";
    if (c.reference) out += " CONSTRAINT " + quote(c.reference->name) + " " + detail::references_clause(*c.reference);
    return out;
}

void postgresql_dialect::render(const operation& op, const catalog&, rendering& out) const {
    auto& s = out.statements;
    std::visit(
        detail::overloaded{
            [&](const create_table& o) {
                s.push_back(create_table_sql(o.table));
                for (const auto& i : o.table.indexes)
                    s.push_back(detail::create_index_statement(
                        i.name.empty() ? default_index_name(o.table.name, i.columns) : i.name, o.table.name, i.columns, i.unique));
            },
            [&](const drop_table& o) { s.push_back("DROP TABLE " + quote(o.name)); },
            [&](const add_column& o) { s.push_back(alter(o.table) + "ADD COLUMN " + column_definition(o.column)); },
            [&](const drop_column& o) { s.push_back(alter(o.table) + "DROP COLUMN " + quote(o.name)); },
            [&](const add_foreign_key& o) {
                s.push_back(alter(o.table) + "ADD " + detail::foreign_key_constraint(o.key));
            },
            [&](const drop_foreign_key& o) { s.push_back(alter(o.table) + "DROP CONSTRAINT " + quote(o.name)); },
            [&](const add_unique& o) {
                s.push_back(alter(o.table) + "ADD CONSTRAINT " + quote(o.key.name) + " UNIQUE (" +
                            quote_list(o.key.columns) + ")");
            },
            [&](const drop_unique& o) { s.push_back(alter(o.table) + "DROP CONSTRAINT " + quote(o.name)); },
            [&](const create_index& o) {
                s.push_back(detail::create_index_statement(o.index.name, o.index.table, o.index.columns, o.index.unique));
            },
            [&](const drop_index& o) { s.push_back("DROP INDEX " + quote(o.name)); },
            [&](const raw_sql& o) { s.push_back(detail::raw_text(o.up.postgresql, "postgresql")); },
        },
        op);
}

std::string postgresql_dialect::table_exists_query(std::string_view table) const {
    return "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = " +
               quote_literal(table);
}

std::string postgresql_dialect::utc_text(std::string_view column) const {
    return "to_char(" + quote(column) + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
}

}  // namespace strata
