#include <strata/registry.hpp>

#include <strata/error.hpp>
#include <strata/migration.hpp>

#include <algorithm>

namespace strata {
namespace {

/// The highest version: 18 digits, as strata_add_migrator allows in a file name (every such number
/// fits an int64, and `new` stays below it).
constexpr std::int64_t highest_version = 999'999'999'999'999'999;

std::string describe(const registry::entry& e) {
    std::string out = "unit " + std::to_string(e.version);
    if (!e.name.empty()) out += " " + e.name;
    if (!e.source_file.empty()) out += " (" + e.source_file + ")";
    return out;
}

}  // namespace

std::optional<unit_file_name> parse_unit_file_name(std::string_view path) {
    const auto slash = path.find_last_of('/');
    const std::string_view file = slash == std::string_view::npos ? path : path.substr(slash + 1);
    const auto underscore = file.find('_');
    const auto dot = file.rfind('.');
    // 18 digits: every such number fits an int64.
    if (underscore == 0 || underscore == std::string_view::npos || underscore > 18 || dot == std::string_view::npos ||
        dot < underscore)
        return std::nullopt;
    const std::string_view digits = file.substr(0, underscore), name = file.substr(underscore + 1, dot - underscore - 1),
                           extension = file.substr(dot);
    auto all = [](std::string_view text, auto&& allowed) { return std::all_of(text.begin(), text.end(), allowed); };
    if (extension != ".cpp" && extension != ".sql") return std::nullopt;
    if (!all(digits, [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
    if (name.empty() || name.front() < 'a' || name.front() > 'z' ||
        !all(name, [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }))
        return std::nullopt;
    return unit_file_name{std::stoll(std::string(digits)), std::string(name), digits.size()};
}

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
        if (e.version > highest_version)
            throw registry_error(describe(e) + " has a version of more than 18 digits; versions have at most 18 (" +
                                 std::to_string(highest_version) + " is the highest)");
        if (e.name.empty()) throw registry_error(describe(e) + " has an empty name");
        if (auto named = parse_unit_file_name(e.source_file); named && (named->version != e.version || named->name != e.name)) {
            std::string padded = std::to_string(e.version);  // in the padding the file uses
            if (padded.size() < named->version_digits) padded.insert(0, named->version_digits - padded.size(), '0');
            // The history records info()'s version and name, so for an applied unit the file is
            // what must change back; a copy's info() is what must change. Another unit with the
            // same version makes it a copy: the old name would collide with that unit.
            const std::string says = describe(e) + " registers version " + std::to_string(e.version) + " " + e.name +
                                     ", but its file name says " + std::to_string(named->version) + " " + named->name;
            const entry* original = nullptr;
            for (std::size_t j : {i - 1, i + 1})  // sorted by version: a namesake is a neighbour
                if (j < entries_.size() && entries_[j].version == e.version) original = &entries_[j];
            if (original)
                throw registry_error(says + ": it looks copied from " + describe(*original) +
                                     "; give its info() the file's version and name");
            throw registry_error(says + ": if the file was renamed, give it back its name (" + padded + "_" + e.name +
                                 e.source_file.substr(e.source_file.size() - 4) +
                                 "); if it was copied from another unit, give its info() the file's version and name");
        }
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
