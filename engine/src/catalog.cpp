#include <strata/dialect.hpp>

#include <algorithm>

#include "dialect/common.hpp"
#include "overloaded.hpp"
#include "schema/column_dependents.hpp"

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

void rename_in(std::vector<std::string>& names, const std::string& from, const std::string& to) {
    std::replace(names.begin(), names.end(), from, to);
}

/// Every foreign key of `t`, table-level and inline, for `f` to read or change.
template <class F>
void for_each_foreign_key(table_def& t, F f) {
    for (auto& k : t.foreign_keys) f(k);
    for (auto& c : t.columns)
        if (c.reference) f(*c.reference);
}

/// An index defined without a name got the default one, from its table and columns, when it
/// was created; neither database renames it, so the name is written down before a rename
/// changes what it derives from.
void freeze_index_names(table_def& t) {
    for (auto& i : t.indexes)
        if (i.name.empty() && i.expressions.empty()) i.name = default_index_name(t.name, i.columns);
}

/// Whether a foreign key of `t` references table `name`.
bool references(const table_def& t, const std::string& name) {
    auto to_name = [&](const foreign_key& k) { return k.ref_table == name; };
    return std::any_of(t.foreign_keys.begin(), t.foreign_keys.end(), to_name) ||
           std::any_of(t.columns.begin(), t.columns.end(),
                       [&](const column& c) { return c.reference && to_name(*c.reference); });
}

}  // namespace

void catalog::apply(const operation& op) {
    // The modelled tables a text names, as a quoted identifier or (PostgreSQL folds it) a bare word.
    auto raw_names = [this](const std::string& text) {
        for (const auto& id : detail::identifiers_in(text))
            if (auto name = id.quoted ? id.name : detail::lower_case(id.name); tables.contains(name)) raw_touched.insert(name);
    };
    // A table strata does not model (created by raw sql) is left alone: only a dialect that
    // needs its definition (SQLite's rebuild) complains, and names it.
    auto table_named = [this](const std::string& name) -> table_def* {
        auto it = tables.find(name);
        return it == tables.end() ? nullptr : &it->second;
    };
    std::visit(
        detail::overloaded{
            [&](const create_table& o) {
                tables[o.table.name] = o.table;
                raw_touched.erase(o.table.name);
            },
            [&](const drop_table& o) {
                tables.erase(o.name);
                raw_touched.erase(o.name);
            },
            [&](const add_column& o) {
                if (auto* t = table_named(o.table)) t->columns.push_back(o.column);
            },
            [&](const drop_column& o) {
                // Like PostgreSQL, dropping a column drops the constraints and indexes using it.
                if (auto* t = table_named(o.table)) drop_column_from(*t, o.name);
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
            // Both databases point foreign keys at the new name (PostgreSQL by oid; SQLite since
            // 3.26 rewrites the REFERENCES clauses), also those of tables the model does not know
            // as the renamed one. Constraint and index names stay.
            [&](const rename_table& o) {
                if (auto it = tables.find(o.from); it != tables.end()) {
                    table_def moved = std::move(it->second);
                    tables.erase(it);
                    freeze_index_names(moved);
                    moved.name = o.to;
                    for (auto& i : moved.indexes)
                        if (i.table == o.from) i.table = o.to;
                    tables[o.to] = std::move(moved);
                }
                if (raw_touched.erase(o.from) > 0) raw_touched.insert(o.to);
                for (auto& [name, t] : tables)
                    for_each_foreign_key(t, [&](foreign_key& k) {
                        if (k.ref_table == o.from) k.ref_table = o.to;
                    });
            },
            [&](const rename_column& o) {
                if (auto* t = table_named(o.table)) {
                    freeze_index_names(*t);
                    for (auto& c : t->columns)
                        if (c.name == o.from) c.name = o.to;
                    // A one-column primary key is a flag on the column; everything else lists it by name.
                    rename_in(t->primary_key, o.from, o.to);
                    for_each_foreign_key(*t, [&](foreign_key& k) { rename_in(k.columns, o.from, o.to); });
                    for (auto& k : t->uniques) rename_in(k.columns, o.from, o.to);
                    for (auto& i : t->indexes) rename_in(i.columns, o.from, o.to);
                    // Both databases rewrite the expressions they store; so does the model.
                    auto renamed = [&](std::string& expression) {
                        expression = detail::expression_renamed(expression, o.from, o.to);
                    };
                    for (auto& i : t->indexes) {
                        renamed(i.where);
                        for (auto& e : i.expressions) renamed(e);
                    }
                    for (auto& k : t->checks) renamed(k.expression);
                }
                for (auto& [name, other] : tables)
                    for_each_foreign_key(other, [&](foreign_key& k) {
                        if (k.ref_table == o.table) rename_in(k.ref_columns, o.from, o.to);
                    });
            },
            [&](const raw_sql& o) {
                raw_names(o.up.postgresql);
                raw_names(o.up.sqlite);
            },
            [&](const raw_statements& o) {
                for (const auto* statements : {&o.up.postgresql, &o.up.sqlite})
                    if (*statements)
                        for (const auto& statement : **statements) raw_names(statement);
            },
            // Schemas and comments change no table's definition.
            [&](const create_schema&) {},
            [&](const drop_schema&) {},
            [&](const comment_on&) {},
            [&](const change_column& o) {
                if (auto* t = table_named(o.table))
                    for (auto& c : t->columns)
                        if (c.name == o.before.name) c = o.after;
            },
            [&](const add_check& o) {
                if (auto* t = table_named(o.table)) t->checks.push_back(o.check);
            },
            [&](const drop_check& o) {
                if (auto* t = table_named(o.table))
                    erase_one(t->checks, [&](const check_def& k) { return k.name == o.name; });
            },
            [&](const backfill&) {},  // changes rows, not the schema
        },
        op);
}

catalog catalog::tables_for(const std::vector<operation>& ops) const {
    catalog part;
    auto copy = [&](const std::string& name) {
        if (auto it = tables.find(name); it != tables.end()) part.tables.insert(*it);
    };
    // A rename also changes the foreign keys of the tables referencing the renamed table (or
    // its column): copy them too, so that the part after apply() is the whole model's part.
    auto copy_referencing = [&](const std::string& name) {
        for (const auto& [other, t] : tables)
            if (references(t, name)) part.tables.insert({other, t});
    };
    for (const auto& op : ops)
        std::visit(detail::overloaded{
                       [&](const create_table& o) { copy(o.table.name); },
                       [&](const drop_table& o) { copy(o.name); },
                       [&](const create_index& o) { copy(o.index.table); },
                       [&](const rename_table& o) {
                           copy(o.from);
                           copy(o.to);  // to refuse a name that is taken
                           copy_referencing(o.from);
                       },
                       [&](const rename_column& o) {
                           copy(o.table);
                           copy_referencing(o.table);
                       },
                       [](const raw_sql&) {},
                       [](const raw_statements&) {},
                       [](const create_schema&) {},
                       [](const drop_schema&) {},
                       [&](const auto& o) { copy(o.table); },
                   },
                   op);
    for (const auto& [name, t] : part.tables)
        if (raw_touched.contains(name)) part.raw_touched.insert(name);
    return part;
}

}  // namespace strata
