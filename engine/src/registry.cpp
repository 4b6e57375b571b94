#include <strata/registry.hpp>

#include <strata/error.hpp>
#include <strata/migration.hpp>

#include <algorithm>

namespace strata {
namespace {

std::string describe(const registry::entry& e) {
    std::string out = "unit " + std::to_string(e.version);
    if (!e.name.empty()) out += " " + e.name;
    if (!e.source_file.empty()) out += " (" + e.source_file + ")";
    return out;
}

}  // namespace

registry::registry() = default;
registry::~registry() = default;
registry::registry(registry&&) noexcept = default;
registry& registry::operator=(registry&&) noexcept = default;

registry& registry::global() {
    static registry instance;  // function-local: safe whatever order the registrars run in
    return instance;
}

void registry::add(std::shared_ptr<const migration> unit, std::string source_file) noexcept {
    try {
        if (!unit) {
            problems_.push_back("the unit in " + source_file + " could not be constructed");
            return;
        }
        auto info = unit->info();
        entry e{std::move(unit), info.version, std::move(info.name), info.transaction, std::move(source_file)};
        auto pos = std::upper_bound(entries_.begin(), entries_.end(), e.version,
                                    [](std::int64_t v, const entry& other) { return v < other.version; });
        entries_.insert(pos, std::move(e));
    } catch (const std::exception& ex) {
        try {
            problems_.push_back("a unit in " + source_file + " failed to register: " + ex.what());
        } catch (...) {
        }
    } catch (...) {
        try {
            problems_.push_back("a unit in " + source_file + " failed to register");
        } catch (...) {
        }
    }
}

void registry::add_problem(std::string problem) noexcept {
    try {
        problems_.push_back(std::move(problem));
    } catch (...) {  // out of memory: nothing more can be recorded
    }
}

void registry::validate() const {
    if (!problems_.empty()) throw registry_error(problems_.front());
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        const auto& e = entries_[i];
        if (e.version <= 0)
            throw registry_error(describe(e) + " has a version that is not positive; versions start at 1");
        if (e.name.empty()) throw registry_error(describe(e) + " has an empty name");
        if (i > 0 && entries_[i - 1].version == e.version)
            throw registry_error("two units share version " + std::to_string(e.version) + ": " +
                                 describe(entries_[i - 1]) + " and " + describe(e) + "; give one a new version");
    }
}

const registry::entry* registry::find(std::int64_t version) const noexcept {
    auto pos = std::lower_bound(entries_.begin(), entries_.end(), version,
                                [](const entry& e, std::int64_t v) { return e.version < v; });
    return pos != entries_.end() && pos->version == version ? &*pos : nullptr;
}

}  // namespace strata
