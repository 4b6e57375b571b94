#include "schema/column_dependents.hpp"

#include <algorithm>
#include <set>

#include "dialect/common.hpp"

namespace strata::schema {
namespace {

bool lists(const std::vector<std::string>& columns, const std::string& column) {
    return std::find(columns.begin(), columns.end(), column) != columns.end();
}

bool mentions(const std::string& expression, const std::string& column) { return detail::expression_uses(expression, column); }

bool uses(const index_def& i, const std::string& column) {
    return lists(i.columns, column) || mentions(i.where, column) ||
           std::any_of(i.expressions.begin(), i.expressions.end(), [&](const std::string& e) { return mentions(e, column); });
}

bool drops_something(const operation& op) {
    return std::holds_alternative<drop_column>(op) || std::holds_alternative<drop_table>(op);
}

std::string index_name(const index_def& i) { return i.name.empty() ? default_index_name(i.table, i.columns) : i.name; }

/// The names of the keys, indexes and checks `ops` make.
std::set<std::string> names_made(const std::vector<operation>& ops) {
    std::set<std::string> out;
    auto table = [&](const table_def& t) {
        for (const auto& k : t.foreign_keys) out.insert(k.name);
        for (const auto& u : t.uniques) out.insert(u.name);
        for (const auto& i : t.indexes) out.insert(index_name(i));
        for (const auto& c : t.checks) out.insert(c.name);
    };
    for (const auto& op : ops) {
        if (auto* o = std::get_if<create_table>(&op)) table(o->table);
        if (auto* o = std::get_if<add_foreign_key>(&op)) out.insert(o->key.name);
        if (auto* o = std::get_if<add_unique>(&op)) out.insert(o->key.name);
        if (auto* o = std::get_if<create_index>(&op)) out.insert(index_name(o->index));
        if (auto* o = std::get_if<add_check>(&op)) out.insert(o->check.name);
    }
    return out;
}

}  // namespace

column_dependents dependents_of(const table_def& t, const std::string& column) {
    column_dependents out;
    for (const auto& k : t.foreign_keys)
        if (lists(k.columns, column)) out.foreign_keys.push_back(k);
    for (const auto& u : t.uniques)
        if (lists(u.columns, column)) out.uniques.push_back(u);
    for (const auto& i : t.indexes)
        if (uses(i, column)) out.indexes.push_back(i);
    for (const auto& c : t.checks)
        if (mentions(c.expression, column)) out.checks.push_back(c);
    return out;
}

void drop_column_from(table_def& t, const std::string& column) {
    std::erase_if(t.columns, [&](const schema::column& c) { return c.name == column; });
    if (lists(t.primary_key, column)) t.primary_key.clear();
    std::erase_if(t.foreign_keys, [&](const foreign_key& k) { return lists(k.columns, column); });
    std::erase_if(t.uniques, [&](const unique_key& k) { return lists(k.columns, column); });
    std::erase_if(t.indexes, [&](const index_def& i) { return uses(i, column); });
    std::erase_if(t.checks, [&](const check_def& c) { return mentions(c.expression, column); });
}

std::vector<operation> restoring_dropped(const std::vector<operation>& up, const std::vector<operation>& down, const catalog& state) {
    if (std::none_of(up.begin(), up.end(), drops_something)) return down;
    struct dropped {
        std::string table, column;  ///< column: empty for a dropped table
        column_dependents with_it;
    };
    std::vector<dropped> drops;
    catalog scratch = state.tables_for(up);
    for (const auto& op : up) {
        if (const auto* d = std::get_if<drop_column>(&op))
            if (auto it = scratch.tables.find(d->table); it != scratch.tables.end())
                if (auto with_it = dependents_of(it->second, d->name); !with_it.empty())
                    drops.push_back({d->table, d->name, std::move(with_it)});
        // A table's definition cannot hold its indexes (create_index made them).
        if (const auto* d = std::get_if<drop_table>(&op); d && d->definition)
            if (auto it = scratch.tables.find(d->name); it != scratch.tables.end()) {
                column_dependents with_it;
                const auto defined = names_made({create_table{*d->definition}});
                for (const auto& i : it->second.indexes)
                    if (!defined.contains(index_name(i))) with_it.indexes.push_back(i);
                if (!with_it.empty()) drops.push_back({d->name, {}, std::move(with_it)});
            }
        scratch.apply(op);
    }
    if (drops.empty()) return down;
    const auto made = names_made(down);
    std::vector<operation> out;
    for (const auto& op : down) {
        out.push_back(op);
        const auto* a = std::get_if<add_column>(&op);
        const auto* t = std::get_if<create_table>(&op);
        if (!a && !t) continue;
        auto d = std::find_if(drops.begin(), drops.end(), [&](const dropped& x) {
            return a ? x.table == a->table && x.column == a->column.name : x.table == t->table.name && x.column.empty();
        });
        if (d == drops.end()) continue;
        for (const auto& i : d->with_it.indexes)
            if (!made.contains(index_name(i))) out.push_back(create_index{i});
        for (const auto& u : d->with_it.uniques)
            if (!made.contains(u.name)) out.push_back(add_unique{d->table, u});
        for (const auto& k : d->with_it.foreign_keys)
            if (!made.contains(k.name)) out.push_back(add_foreign_key{d->table, k});
        for (const auto& c : d->with_it.checks)
            if (!made.contains(c.name)) out.push_back(add_check{d->table, c});
        drops.erase(d);
    }
    return out;
}

}  // namespace strata::schema
