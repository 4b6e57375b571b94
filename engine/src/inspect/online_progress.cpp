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

unit_step key_step(const table* t, const std::string& name, const std::string& what) {
    const foreign_key* k = t ? named(t->foreign_keys, name) : nullptr;
    if (!k) return {.state = progress::not_done};
    if (!k->validated) return {.state = progress::partly, .detail = what + " added NOT VALID, not validated yet"};
    return {.state = progress::done};
}

unit_step check_step(const table* t, const std::string& name) {
    const check* c = t ? named(t->checks, name) : nullptr;
    if (!c) return {.state = progress::not_done};
    if (!c->validated) return {.state = progress::partly, .detail = "check " + name + " added NOT VALID, not validated yet"};
    return {.state = progress::done};
}

/// An index build, before the unique constraint (if any) takes it over.
unit_step index_step(const table* t, const std::string& name, bool attaches) {
    const index* i = t ? named(t->indexes, name) : nullptr;
    if (!i) return {.state = progress::not_done};
    if (!i->valid)
        return {.state = progress::partly,
                .detail = "an INVALID index " + name + " is left by a build that failed or was killed (up drops and builds it "
                          "again, down drops it)"};
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
                unit_step key = key_step(t, o.column.reference->name, "its foreign key " + o.column.reference->name);
                if (key.state == progress::not_done)
                    return {.state = progress::partly, .detail = "column added, its foreign key " + o.column.reference->name + " not yet"};
                if (key.state == progress::partly) key.detail = "column added, " + key.detail;
                return key;
            },
            [&](const schema::add_foreign_key& o) {
                return key_step(find_table(now, o.table), o.key.name, "foreign key " + o.key.name);
            },
            [&](const schema::add_unique& o) -> unit_step {
                const table* t = find_table(now, o.table);
                if (t && named(t->uniques, o.key.name)) return {.state = progress::done};
                return index_step(t, o.key.name, true);
            },
            [&](const schema::create_index& o) { return index_step(find_table(now, o.index.table), o.index.name, false); },
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
