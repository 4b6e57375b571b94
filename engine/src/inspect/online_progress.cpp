#include "inspect/online_progress.hpp"

#include <strata/migration.hpp>
#include <strata/schema/table.hpp>

#include <algorithm>

#include "dialect/common.hpp"
#include "overloaded.hpp"

namespace strata {

const char* to_string(unit_step::progress p) noexcept {
    switch (p) {
    case unit_step::progress::done: return "done";
    case unit_step::progress::partly: return "partly";
    case unit_step::progress::not_done: return "not done";
    case unit_step::progress::unknown: return "unknown";
    }
    return "unknown";
}

namespace inspect {
namespace {

using progress = unit_step::progress;

/// The snapshot's table for an operation's table name (unqualified in the current schema,
/// "schema.table" elsewhere; a name qualified with the current schema is found by its table).
const table* find_table(const snapshot& now, const std::string& name) {
    if (const table* t = now.find(schema::display_name(name))) return t;
    return now.find(schema::split_qualified(name).table);
}

template <class T>
const T* named(const std::vector<T>& list, const std::string& name) {
    auto it = std::find_if(list.begin(), list.end(), [&](const T& x) { return x.name == name; });
    return it == list.end() ? nullptr : &*it;
}

/// An object of the step's name that is not of its shape is somebody else's: the step has not
/// run (its guards refuse it on a resume, and the unit's down leaves it).
unit_step not_its_own(const std::string& what) {
    return {.state = progress::not_done,
            .detail = what + " of that name exists but is not the one this unit makes (up refuses it, down leaves it)"};
}

unit_step key_step(const table* t, const std::string& name, const std::string& what,
                   const std::vector<std::string>& columns, const std::vector<std::string>& ref_columns) {
    const foreign_key* k = t ? named(t->foreign_keys, name) : nullptr;
    if (!k) return {.state = progress::not_done};
    if (k->columns != columns || (!ref_columns.empty() && k->ref_columns != ref_columns)) return not_its_own("a foreign key");
    if (!k->validated) return {.state = progress::partly, .detail = what + " added NOT VALID, not validated yet"};
    return {.state = progress::done};
}

unit_step check_step(const table* t, const std::string& name) {
    const check* c = t ? named(t->checks, name) : nullptr;
    if (!c) return {.state = progress::not_done};
    if (!c->validated) return {.state = progress::partly, .detail = "check " + name + " added NOT VALID, not validated yet"};
    return {.state = progress::done};
}

/// An index build, before the unique constraint (if any) takes it over. `expected` is the index
/// the step builds; one on expressions is taken on its name (the catalog's text of an expression
/// is not the unit's).
unit_step index_step(const table* t, const schema::index_def& expected, bool attaches) {
    const std::string& name = expected.name;
    const index* i = t ? named(t->indexes, name) : nullptr;
    if (!i) return {.state = progress::not_done};
    if (expected.expressions.empty() &&
        (i->keys != expected.columns || i->unique != expected.unique || i->where.empty() != expected.where.empty()))
        return not_its_own("an index");
    if (!i->valid)
        return {.state = progress::partly,
                .detail = "an INVALID index " + name + " is left by a build (or a concurrent drop) that failed or was killed (up "
                          "drops and builds it again, down drops it)"};
    if (attaches) return {.state = progress::partly, .detail = "index " + name + " built, not attached as the constraint yet"};
    return {.state = progress::done};
}

unit_step step_of(const schema::operation& op, const snapshot& now) {
    return std::visit(
        detail::overloaded{
            [&](const schema::add_column& o) -> unit_step {
                const table* t = find_table(now, o.table);
                if (!t || !t->find_column(o.column.name)) return {.state = progress::not_done};
                if (!o.column.reference) return {.state = progress::done};
                const auto& ref = *o.column.reference;
                unit_step key = key_step(t, ref.name, "its foreign key " + ref.name, ref.columns, ref.ref_columns);
                if (!key.detail.empty() && key.state == progress::not_done) return key;  // somebody else's
                if (key.state == progress::not_done)
                    return {.state = progress::partly, .detail = "column added, its foreign key " + o.column.reference->name + " not yet"};
                if (key.state == progress::partly) key.detail = "column added, " + key.detail;
                return key;
            },
            [&](const schema::add_foreign_key& o) {
                return key_step(find_table(now, o.table), o.key.name, "foreign key " + o.key.name, o.key.columns, o.key.ref_columns);
            },
            [&](const schema::add_unique& o) -> unit_step {
                const table* t = find_table(now, o.table);
                if (const unique_key* u = t ? named(t->uniques, o.key.name) : nullptr)
                    return u->columns == o.key.columns ? unit_step{.state = progress::done} : not_its_own("a unique constraint");
                return index_step(t, {.name = o.key.name, .table = o.table, .columns = o.key.columns, .unique = true}, true);
            },
            [&](const schema::create_index& o) { return index_step(find_table(now, o.index.table), o.index, false); },
            [&](const schema::add_check& o) { return check_step(find_table(now, o.table), o.check.name); },
            [&](const schema::change_column& o) -> unit_step {
                const table* t = find_table(now, o.table);
                const column* c = t ? t->find_column(o.before.name) : nullptr;
                const std::string helper = detail::not_null_check_name(o.table, o.before.name);
                const check* proof = t ? named(t->checks, helper) : nullptr;
                if (c && !c->nullable)
                    return proof ? unit_step{.state = progress::partly, .detail = "NOT NULL set, its temporary check " + helper + " not dropped yet"}
                                 : unit_step{.state = progress::done};
                if (!proof) return {.state = progress::not_done};
                return {.state = progress::partly,
                        .detail = "temporary check " + helper + (proof->validated ? " added and validated" : " added NOT VALID") +
                                  ", NOT NULL not set yet"};
            },
            [&](const schema::backfill&) -> unit_step {
                return {.state = progress::unknown,
                        .detail = "the schema cannot tell; up runs it again over the rows still matching its condition"};
            },
            [&](const auto&) -> unit_step { return {.state = progress::unknown, .detail = "not an online operation"}; },
        },
        op);
}

}  // namespace

std::vector<unit_step> online_progress(const migration& unit, const snapshot* now, const std::string& why) {
    schema::builder b;
    unit.up(b);
    std::vector<unit_step> out;
    for (const auto& op : b.operations()) {
        unit_step s = now ? step_of(op, *now) : unit_step{.state = progress::unknown, .detail = why};
        s.operation = schema::describe(op);
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace inspect
}  // namespace strata
