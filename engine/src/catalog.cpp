#include <strata/dialect.hpp>

#include <algorithm>

#include "overloaded.hpp"

namespace strata {
namespace {

using namespace schema;

template <class T, class Pred>
bool erase_one(std::vector<T>& items, Pred pred) {
    auto it = std::find_if(items.begin(), items.end(), pred);
    if (it == items.end()) return false;
    items.erase(it);
    return true;
}

}  // namespace

void catalog::apply(const operation& op) {
    // A table strata does not model (created by raw sql) is left alone: only a dialect that
    // needs its definition (SQLite's rebuild) complains, and names it.
    auto table_named = [this](const std::string& name) -> table_def* {
        auto it = tables.find(name);
        return it == tables.end() ? nullptr : &it->second;
    };
    std::visit(
        detail::overloaded{
            [&](const create_table& o) { tables[o.table.name] = o.table; },
            [&](const drop_table& o) { tables.erase(o.name); },
            [&](const add_column& o) {
                if (auto* t = table_named(o.table)) t->columns.push_back(o.column);
            },
            [&](const drop_column& o) {
                auto* t = table_named(o.table);
                if (!t) return;
                erase_one(t->columns, [&](const column& c) { return c.name == o.name; });
                // Like PostgreSQL, dropping a column drops the constraints and indexes using it.
                auto uses = [&](const std::vector<std::string>& cols) {
                    return std::find(cols.begin(), cols.end(), o.name) != cols.end();
                };
                std::erase_if(t->foreign_keys, [&](const foreign_key& k) { return uses(k.columns); });
                std::erase_if(t->uniques, [&](const unique_key& k) { return uses(k.columns); });
                std::erase_if(t->indexes, [&](const index_def& k) { return uses(k.columns); });
            },
            [&](const add_foreign_key& o) {
                if (auto* t = table_named(o.table)) t->foreign_keys.push_back(o.key);
            },
            [&](const drop_foreign_key& o) {
                auto* t = table_named(o.table);
                if (!t) return;
                if (!erase_one(t->foreign_keys, [&](const foreign_key& k) { return k.name == o.name; }))
                    for (auto& c : t->columns)
                        if (c.reference && c.reference->name == o.name) c.reference.reset();
            },
            [&](const add_unique& o) {
                if (auto* t = table_named(o.table)) t->uniques.push_back(o.key);
            },
            [&](const drop_unique& o) {
                if (auto* t = table_named(o.table))
                    erase_one(t->uniques, [&](const unique_key& k) { return k.name == o.name; });
            },
            [&](const create_index& o) {
                if (auto* t = table_named(o.index.table)) t->indexes.push_back(o.index);
            },
            [&](const drop_index& o) {
                if (auto* t = table_named(o.table))
                    erase_one(t->indexes, [&](const index_def& k) { return k.name == o.name; });
            },
            [&](const raw_sql&) {},
            [&](const raw_statements&) {},
        },
        op);
}

catalog catalog::tables_for(const std::vector<operation>& ops) const {
    catalog part;
    for (const auto& op : ops) {
        const std::string* name = std::visit(
            detail::overloaded{
                [](const create_table& o) -> const std::string* { return &o.table.name; },
                [](const drop_table& o) -> const std::string* { return &o.name; },
                [](const create_index& o) -> const std::string* { return &o.index.table; },
                [](const raw_sql&) -> const std::string* { return nullptr; },
                [](const raw_statements&) -> const std::string* { return nullptr; },
                [](const auto& o) -> const std::string* { return &o.table; },
            },
            op);
        if (!name) continue;
        if (auto it = tables.find(*name); it != tables.end()) part.tables.insert(*it);
    }
    return part;
}

}  // namespace strata
