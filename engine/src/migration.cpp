#include <strata/migration.hpp>

#include <strata/error.hpp>

#include <iterator>
#include <optional>
#include <string>
#include <utility>

#include "record_operations.hpp"

namespace strata {
namespace {

/// Thrown by the default change(): the unit did not define one.
struct no_change_defined {};

/// The what() of the exception being handled; nullopt when it is not a std::exception. Call
/// only inside a catch block.
std::optional<std::string> thrown_text() {
    try {
        throw;
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return std::nullopt;
    }
}

/// "its change() in FILE threw: TEXT"; without " in FILE" when the file is not known.
std::string threw_message(const std::string& method, const std::string& file, const std::optional<std::string>& thrown) {
    std::string out = "its " + method;
    if (!file.empty()) out += " in " + file;
    return out + (thrown ? " threw: " + *thrown : " threw an exception that is not a std::exception");
}

/// What the default up() and down() throw when the unit's change() throws something that is not
/// a strata::error: record_operations() says it again with the unit's file, which only the
/// registry knows; any other caller of up() or down() gets an unsupported_error all the same.
class change_threw : public unsupported_error {
public:
    change_threw(std::optional<std::string> thrown, error_context where)
        : unsupported_error(threw_message("change()", {}, thrown), std::move(where)), thrown_(std::move(thrown)) {}
    const std::optional<std::string>& thrown() const noexcept { return thrown_; }

private:
    std::optional<std::string> thrown_;
};

}  // namespace

void migration::up(schema::builder& b) const {
    try {
        change(b);
    } catch (const no_change_defined&) {
        auto i = info();
        throw registry_error("unit " + std::to_string(i.version) + " " + i.name +
                             " defines neither up() nor change(); override one of them");
    } catch (const error&) {
        throw;
    } catch (...) {
        auto i = info();
        throw change_threw(thrown_text(), {.version = i.version, .unit_name = i.name, .dir = direction::up, .refused = true});
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
    } catch (const error&) {
        throw;
    } catch (...) {
        throw change_threw(thrown_text(), where);
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
    if (forward.data_loss_allowed()) b.allow_data_loss(*forward.data_loss_allowed());
}

void migration::change(schema::builder&) const { throw no_change_defined{}; }

void record_operations(const registry::entry& e, direction dir, schema::builder& b) {
    const error_context where{.version = e.version, .unit_name = e.name, .dir = dir, .refused = true};
    try {
        if (dir == direction::up) e.unit->up(b);
        else e.unit->down(b);
    } catch (const change_threw& x) {
        throw unsupported_error(threw_message("change()", e.source_file, x.thrown()), where);
    } catch (const error&) {
        throw;
    } catch (...) {
        // The unit's own up() or down(): nothing else runs between here and its code.
        throw unsupported_error(threw_message(dir == direction::up ? "up()" : "down()", e.source_file, thrown_text()), where);
    }
}

void record_down(const registry::entry& e, std::size_t up_operations, schema::builder& b) {
    record_operations(e, direction::down, b);
    if (b.operations().empty() && up_operations > 0)
        throw irreversible_error("its down() records no operation while its up() records " + std::to_string(up_operations) +
                                     ", so reverting it would leave the schema as it is and delete its history row; record "
                                     "the operations that undo up(), or call b.nothing_to_undo() in down() if there is "
                                     "nothing to undo",
                                 {.version = e.version, .unit_name = e.name, .dir = direction::down, .refused = true});
}

}  // namespace strata
