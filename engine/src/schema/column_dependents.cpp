#include "schema/column_dependents.hpp"

#include <algorithm>
#include <map>
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

namespace {

/// A key, index or check to make again at the end of a down, on `table`, once every column of
/// `needs` (those it used that up dropped) is back.
struct restoration {
    std::string table;
    operation op;
    std::vector<std::string> needs;
};

/// `r` after the down renames table `from` to `to`.
void table_renamed(restoration& r, const std::string& from, const std::string& to) {
    if (r.table != from) return;
    r.table = to;
    if (auto* o = std::get_if<create_index>(&r.op)) o->index.table = to;
    if (auto* o = std::get_if<add_unique>(&r.op)) o->table = to;
    if (auto* o = std::get_if<add_foreign_key>(&r.op)) o->table = to;
    if (auto* o = std::get_if<add_check>(&r.op)) o->table = to;
}

/// `r` after the down renames column `from` of its table to `to`.
void column_renamed(restoration& r, const std::string& from, const std::string& to) {
    auto in_list = [&](std::vector<std::string>& names) { std::replace(names.begin(), names.end(), from, to); };
    auto in_text = [&](std::string& text) {
        if (!text.empty()) text = detail::expression_renamed(text, from, to);
    };
    in_list(r.needs);
    if (auto* o = std::get_if<create_index>(&r.op)) {
        in_list(o->index.columns);
        for (auto& e : o->index.expressions) in_text(e);
        in_text(o->index.where);
    } else if (auto* o = std::get_if<add_unique>(&r.op)) {
        in_list(o->key.columns);
    } else if (auto* o = std::get_if<add_foreign_key>(&r.op)) {
        in_list(o->key.columns);
    } else if (auto* o = std::get_if<add_check>(&r.op)) {
        in_text(o->check.expression);
    }
}

/// The name of what a restoration makes.
std::string name_of(const operation& op) {
    if (const auto* o = std::get_if<create_index>(&op)) return index_name(o->index);
    if (const auto* o = std::get_if<add_unique>(&op)) return o->key.name;
    if (const auto* o = std::get_if<add_foreign_key>(&op)) return o->key.name;
    if (const auto* o = std::get_if<add_check>(&op)) return o->check.name;
    return {};
}

/// Whether `t` (the model at the end of the down) has what restoration `op` makes already, by
/// its name or by what it is: a down that made it itself, maybe under another name.
bool has_already(const table_def& t, const operation& op) {
    const std::string name = name_of(op);
    auto named = [&](const auto& items) {
        return std::any_of(items.begin(), items.end(), [&](const auto& i) { return i.name == name; });
    };
    if (named(t.uniques) || named(t.foreign_keys) || named(t.checks) ||
        std::any_of(t.indexes.begin(), t.indexes.end(), [&](const index_def& i) { return index_name(i) == name; }))
        return true;
    auto unique_on = [&](const std::vector<std::string>& columns) {
        return std::any_of(t.uniques.begin(), t.uniques.end(), [&](const unique_key& u) { return u.columns == columns; }) ||
               std::any_of(t.indexes.begin(), t.indexes.end(), [&](const index_def& i) {
                   return i.unique && i.columns == columns && i.where.empty() && i.expressions.empty();
               });
    };
    if (const auto* o = std::get_if<create_index>(&op)) {
        const index_def& x = o->index;
        if (x.unique && x.where.empty() && x.expressions.empty() && unique_on(x.columns)) return true;
        return std::any_of(t.indexes.begin(), t.indexes.end(), [&](const index_def& i) {
            return i.unique == x.unique && i.columns == x.columns && i.where == x.where && i.expressions == x.expressions;
        });
    }
    if (const auto* o = std::get_if<add_unique>(&op)) return unique_on(o->key.columns);
    if (const auto* o = std::get_if<add_foreign_key>(&op))
        return std::any_of(t.foreign_keys.begin(), t.foreign_keys.end(), [&](const foreign_key& k) {
            return k.columns == o->key.columns && k.ref_table == o->key.ref_table && k.ref_columns == o->key.ref_columns;
        });
    if (const auto* o = std::get_if<add_check>(&op))
        return std::any_of(t.checks.begin(), t.checks.end(), [&](const check_def& c) { return c.expression == o->check.expression; });
    return false;
}

/// The columns of `dropped` that `op` (a restoration) uses.
std::vector<std::string> used_of(const operation& op, const std::vector<std::string>& dropped) {
    std::vector<std::string> out;
    auto take = [&](const std::vector<std::string>& columns, const std::vector<std::string>& texts) {
        for (const auto& d : dropped)
            if (lists(columns, d) || std::any_of(texts.begin(), texts.end(), [&](const std::string& t) { return mentions(t, d); }))
                out.push_back(d);
    };
    if (const auto* o = std::get_if<create_index>(&op)) {
        auto texts = o->index.expressions;
        texts.push_back(o->index.where);
        take(o->index.columns, texts);
    } else if (const auto* o = std::get_if<add_unique>(&op)) {
        take(o->key.columns, {});
    } else if (const auto* o = std::get_if<add_foreign_key>(&op)) {
        take(o->key.columns, {});
    } else if (const auto* o = std::get_if<add_check>(&op)) {
        take({}, {o->check.expression});
    }
    return out;
}

}  // namespace

std::vector<operation> restoring_dropped(const std::vector<operation>& up, const std::vector<operation>& down, const catalog& state) {
    if (std::none_of(up.begin(), up.end(), drops_something)) return down;
    // What up's drops took, as operations that make it again; and every column up dropped, by table.
    std::vector<operation> taken_ops;
    std::vector<std::string> taken_tables;
    std::map<std::string, std::vector<std::string>> dropped_columns;
    catalog scratch = state.tables_for(up);
    auto take = [&](const std::string& table, const column_dependents& with_it) {
        for (const auto& i : with_it.indexes) taken_ops.push_back(create_index{i}), taken_tables.push_back(table);
        for (const auto& u : with_it.uniques) taken_ops.push_back(add_unique{table, u}), taken_tables.push_back(table);
        for (const auto& k : with_it.foreign_keys) taken_ops.push_back(add_foreign_key{table, k}), taken_tables.push_back(table);
        for (const auto& c : with_it.checks) taken_ops.push_back(add_check{table, c}), taken_tables.push_back(table);
    };
    for (const auto& op : up) {
        if (const auto* d = std::get_if<drop_column>(&op))
            if (auto it = scratch.tables.find(d->table); it != scratch.tables.end()) {
                take(d->table, dependents_of(it->second, d->name));
                dropped_columns[d->table].push_back(d->name);
            }
        // A table's definition cannot hold its indexes (create_index made them).
        if (const auto* d = std::get_if<drop_table>(&op); d && d->definition)
            if (auto it = scratch.tables.find(d->name); it != scratch.tables.end()) {
                column_dependents with_it;
                const auto defined = names_made({create_table{*d->definition}});
                for (const auto& i : it->second.indexes)
                    if (!defined.contains(index_name(i))) with_it.indexes.push_back(i);
                take(d->name, with_it);
            }
        scratch.apply(op);
    }
    if (taken_ops.empty()) return down;
    std::vector<restoration> pending;
    for (std::size_t k = 0; k < taken_ops.size(); ++k)
        pending.push_back({taken_tables[k], taken_ops[k], used_of(taken_ops[k], dropped_columns[taken_tables[k]])});
    // The down as written, the model following it (scratch holds the schema up leaves), the
    // restorations following its renames; then, at its end (after what it does to the rows),
    // those whose columns are all back. What the down makes itself (by name, or the same thing
    // under another name) is left to it.
    std::vector<operation> out = down;
    for (const auto& op : down) {
        if (const auto* o = std::get_if<rename_table>(&op))
            for (auto& r : pending) table_renamed(r, o->from, o->to);
        if (const auto* o = std::get_if<rename_column>(&op))
            for (auto& r : pending)
                if (r.table == o->table) column_renamed(r, o->from, o->to);
        scratch.apply(op);
    }
    for (const auto& r : pending) {
        auto it = scratch.tables.find(r.table);
        if (it == scratch.tables.end() || has_already(it->second, r.op)) continue;
        const table_def& t = it->second;
        if (std::all_of(r.needs.begin(), r.needs.end(), [&](const std::string& c) { return t.find_column(c) != nullptr; }))
            out.push_back(r.op);
    }
    return out;
}

}  // namespace strata::schema
