#include <strata/schema/operation.hpp>

#include "overloaded.hpp"

namespace strata::schema {

using detail::overloaded;

bool is_online(const operation& op) {
    return std::visit(
        [](const auto& o) {
            if constexpr (requires { o.online; })
                return o.online;
            else
                return false;
        },
        op);
}

std::optional<operation> inverse(const operation& op) {
    return std::visit(
        overloaded{
            [](const create_table& o) -> std::optional<operation> { return drop_table{o.table.name, o.table, true}; },
            [](const drop_table& o) -> std::optional<operation> {
                if (!o.definition) return std::nullopt;
                return create_table{*o.definition};
            },
            [](const add_column& o) -> std::optional<operation> { return drop_column{o.table, o.column.name, o.column}; },
            [](const drop_column& o) -> std::optional<operation> {
                if (!o.definition) return std::nullopt;
                return add_column{o.table, *o.definition};
            },
            [](const add_foreign_key& o) -> std::optional<operation> {
                return drop_foreign_key{o.table, o.key.name, o.key};
            },
            [](const drop_foreign_key& o) -> std::optional<operation> {
                if (!o.definition) return std::nullopt;
                return add_foreign_key{o.table, *o.definition};
            },
            [](const add_unique& o) -> std::optional<operation> { return drop_unique{o.table, o.key.name, o.key}; },
            [](const drop_unique& o) -> std::optional<operation> {
                if (!o.definition) return std::nullopt;
                return add_unique{o.table, *o.definition};
            },
            [](const create_index& o) -> std::optional<operation> {
                return drop_index{o.index.table, o.index.name, o.index};
            },
            [](const drop_index& o) -> std::optional<operation> {
                if (!o.definition) return std::nullopt;
                return create_index{*o.definition};
            },
            [](const rename_table& o) -> std::optional<operation> { return rename_table{o.to, o.from}; },
            [](const rename_column& o) -> std::optional<operation> { return rename_column{o.table, o.to, o.from}; },
            [](const raw_sql& o) -> std::optional<operation> {
                if (!o.down) return std::nullopt;
                return raw_sql{*o.down, o.up};
            },
            [](const raw_statements& o) -> std::optional<operation> {
                if (!o.down) return std::nullopt;
                return raw_statements{*o.down, o.up};
            },
            [](const create_schema& o) -> std::optional<operation> { return drop_schema{o.name}; },
            [](const drop_schema& o) -> std::optional<operation> { return create_schema{o.name}; },
            [](const comment_on& o) -> std::optional<operation> { return comment_on{o.table, o.column, o.previous, o.text}; },
            // The way back is the plain form: dropping NOT NULL needs no online steps.
            [](const change_column& o) -> std::optional<operation> {
                return change_column{o.table, o.after, o.before, o.using_down, o.using_up};
            },
            [](const add_check& o) -> std::optional<operation> { return drop_check{o.table, o.check.name, o.check}; },
            [](const drop_check& o) -> std::optional<operation> {
                if (!o.definition) return std::nullopt;
                return add_check{o.table, *o.definition};
            },
            [](const backfill& o) -> std::optional<operation> {
                if (!o.down) return std::nullopt;
                return backfill{o.table, o.down->set_sql, o.down->where_sql, o.batch_rows,
                                backfill_down{o.set_sql, o.where_sql}, o.online};
            },
        },
        op);
}

std::string describe(const operation& op) {
    return display_name(std::visit(
        overloaded{
            [](const create_table& o) { return "create_table " + o.table.name; },
            [](const drop_table& o) { return "drop_table " + o.name; },
            [](const add_column& o) { return "add_column " + o.table + "." + o.column.name; },
            [](const drop_column& o) { return "drop_column " + o.table + "." + o.name; },
            [](const add_foreign_key& o) { return "add_foreign_key " + o.table + "." + o.key.name; },
            [](const drop_foreign_key& o) { return "drop_foreign_key " + o.table + "." + o.name; },
            [](const add_unique& o) { return "add_unique " + o.table + "." + o.key.name; },
            [](const drop_unique& o) { return "drop_unique " + o.table + "." + o.name; },
            [](const create_index& o) { return "create_index " + o.index.name; },
            [](const drop_index& o) { return "drop_index " + o.name; },
            [](const rename_table& o) { return "rename_table " + o.from + " -> " + o.to; },
            [](const rename_column& o) { return "rename_column " + o.table + "." + o.from + " -> " + o.to; },
            [](const raw_sql&) { return std::string("sql"); },
            [](const raw_statements&) { return std::string("sql"); },
            [](const create_schema& o) { return "create_schema " + o.name; },
            [](const drop_schema& o) { return "drop_schema " + o.name; },
            [](const comment_on& o) { return "comment_on " + o.table + (o.column.empty() ? "" : "." + o.column); },
            [](const change_column& o) { return "change_column " + o.table + "." + o.before.name; },
            [](const add_check& o) { return "add_check " + o.table + "." + o.check.name; },
            [](const drop_check& o) { return "drop_check " + o.table + "." + o.name; },
            [](const backfill& o) { return "backfill " + o.table; },
        },
        op));
}

}  // namespace strata::schema
