#include <strata/migration.hpp>

#include <strata/error.hpp>

#include <iterator>

namespace strata {
namespace {

/// Thrown by the default change(): the unit did not define one.
struct no_change_defined {};

}  // namespace

void migration::up(schema::builder& b) const {
    try {
        change(b);
    } catch (const no_change_defined&) {
        auto i = info();
        throw registry_error("unit " + std::to_string(i.version) + " " + i.name +
                             " defines neither up() nor change(); override one of them");
    }
}

void migration::down(schema::builder& b) const {
    auto i = info();
    error_context where{.version = i.version, .unit_name = i.name, .dir = direction::down, .refused = true};
    schema::builder forward;
    try {
        change(forward);
    } catch (const no_change_defined&) {
        throw irreversible_error("it overrides up() without down(); write down() to make it reversible", where);
    }
    const auto& ops = forward.operations();
    for (auto it = ops.rbegin(); it != ops.rend(); ++it) {
        auto back = schema::inverse(*it);
        if (!back)
            throw irreversible_error("its operation '" + schema::describe(*it) +
                                         "' cannot be reversed (a drop needs the definition of what it drops, "
                                         "raw sql needs its down text); write down() by hand",
                                     where);
        b.add(std::move(*back));
    }
}

void migration::change(schema::builder&) const { throw no_change_defined{}; }

}  // namespace strata
