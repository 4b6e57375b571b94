#include "inspect/verify.hpp"

#include <strata/registry.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include <stdlib.h>  // mkdtemp

#include "inspect/scratch.hpp"

namespace strata {
namespace {

/// Moves the column-order differences of `ds` to `notes`: neither database adds a column in
/// place, so a column dropped and added back (a reversible drop_column's down, a rollback and a
/// deploy again) goes last, and no unit can put it back. Shown, since SELECT * and positional
/// INSERTs see the order, but not a difference that fails verify or diff.
void column_order_as_notes(std::vector<inspect::difference>& ds, inspect::wording w, std::vector<std::string>& notes) {
    std::erase_if(ds, [&](const inspect::difference& d) {
        if (d.attribute != "column order") return false;
        notes.push_back(inspect::describe(d, w) + " (a column added back goes last: neither database adds one in place)");
        return true;
    });
}

/// A runner on the scratch database: the target's timeouts, none of its output (the scratch's
/// progress is not the user's), never a dry run.
runner_options for_scratch(const runner_options& options) {
    runner_options o = options;
    o.on_notice = {};
    o.on_progress = {};
    o.on_pending = {};
    o.dry_run = false;
    o.atomic = false;
    return o;
}

/// A scratch database and a runner on it, made again when a unit leaves it unusable.
class workbench {
public:
    workbench(const registry& units, const database_url& target, const runner_options& options,
              const std::optional<database_url>& given)
        : units_(units), target_(target), options_(for_scratch(options)), given_(given), notice_(options.on_notice) {
        reset();
    }

    runner& operator*() { return *runner_; }
    runner* operator->() { return runner_.get(); }

    /// A new runner on the same scratch database, for a registry that gained units since.
    runner& again() {
        runner_.reset();
        runner_ = std::make_unique<runner>(units_, scratch_->url(), options_);
        return *runner_;
    }

    /// A fresh scratch database (a given one cannot be emptied: false) with the units up to and
    /// including `version` applied.
    bool start_over(std::int64_t version) {
        if (given_) return false;
        reset();
        runner_->up(version);
        return true;
    }

private:
    void reset() {
        runner_.reset();
        scratch_.reset();
        scratch_ = std::make_unique<scratch_database>(target_, options_, given_, notice_);
        runner_ = std::make_unique<runner>(units_, scratch_->url(), options_);
    }

    const registry& units_;
    const database_url& target_;
    runner_options options_;
    std::optional<database_url> given_;
    std::function<void(const std::string&)> notice_;  ///< the user's: a scratch database left behind
    std::unique_ptr<scratch_database> scratch_;
    std::unique_ptr<runner> runner_;  // after scratch_: closed before the database is dropped
};

/// An empty SQLite database file in a directory of its own, removed with it (and the lock file a
/// run leaves next to it).
class temp_sqlite_file {
public:
    temp_sqlite_file() {
        std::string pattern = (std::filesystem::temp_directory_path() / "strata-scratch-XXXXXX").string();
        if (!::mkdtemp(pattern.data()))
            throw error("cannot create a temporary directory for a scratch database in " +
                        std::filesystem::temp_directory_path().string() + ": " + std::strerror(errno) +
                        " (set TMPDIR to a writable directory)");
        dir_ = pattern;
    }
    ~temp_sqlite_file() {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
    temp_sqlite_file(const temp_sqlite_file&) = delete;
    temp_sqlite_file& operator=(const temp_sqlite_file&) = delete;

    /// The file's URL: its path percent-encoded where a URL reads a character otherwise (a TMPDIR
    /// holding `%41` was decoded to another path).
    database_url url() const {
        std::string path;
        for (char c : (dir_ / "scratch.db").string()) {
            static constexpr char hex[] = "0123456789ABCDEF";
            const auto u = static_cast<unsigned char>(c);
            if (c == '%' || c == '?' || c == '#' || u < 0x20) path += std::string("%") + hex[u >> 4] + hex[u & 15];
            else path += c;
        }
        return database_url::parse("sqlite:" + path);
    }

private:
    std::filesystem::path dir_;
};

std::string failure(const char* step, const error& e) {
    const auto& sqlstate = e.context().sqlstate;
    return std::string(step) + " failed: " + e.message() + (sqlstate.empty() ? "" : " [SQLSTATE " + sqlstate + "]");
}

}  // namespace

const char* to_string(unit_verification::outcome o) noexcept {
    switch (o) {
        case unit_verification::outcome::round_trips: return "ok";
        case unit_verification::outcome::differs: return "differs";
        case unit_verification::outcome::irreversible: return "irreversible";
        case unit_verification::outcome::failed: return "failed";
    }
    return "?";
}

std::vector<unit_verification> verify_units(const registry& units, const database_url& target, const runner_options& options,
                                            const std::optional<database_url>& scratch,
                                            const std::function<void(const unit_verification&)>& observer) {
    using outcome = unit_verification::outcome;
    workbench bench(units, target, options, scratch);
    std::vector<unit_verification> verdicts;
    auto reached = [&](unit_verification v) {
        if (observer) observer(v);
        verdicts.push_back(std::move(v));
    };
    for (const auto& entry : units.entries()) {
        unit_verification v{.version = entry.version, .name = entry.name};
        const auto before = bench->schema();
        try {
            bench->up(entry.version);
        } catch (const error& e) {
            if (e.kind() == error_kind::interrupted) throw;  // stopped (a signal): not the unit's verdict
            // The units after it build on it: they cannot be verified.
            v.result = outcome::failed;
            v.error = failure("up", e);
            reached(std::move(v));
            break;
        }
        try {
            bench->down(down_request{.steps = 1});
        } catch (const irreversible_error& e) {
            v.result = outcome::irreversible;
            v.error = e.message();
            reached(std::move(v));
            continue;
        } catch (const error& e) {
            if (e.kind() == error_kind::interrupted) throw;
            v.result = outcome::failed;
            v.error = failure("down", e);
        }
        if (v.result != outcome::failed) {
            v.differences = inspect::compare(before, bench->schema());
            column_order_as_notes(v.differences, inspect::wording::round_trip, v.notes);
            if (!v.differences.empty()) v.result = outcome::differs;
            try {
                bench->up(entry.version);
            } catch (const error& e) {
                if (e.kind() == error_kind::interrupted) throw;
                // What down left makes up fail ("already exists"): said once the differences are.
                v.result = v.differences.empty() ? outcome::failed : outcome::differs;
                v.error = failure("up again after down", e);
            }
        }
        const bool unusable = v.result != outcome::round_trips;
        reached(std::move(v));
        // The scratch database is in a state no real one has (what down left, or half a unit):
        // the next units get a fresh one with the units so far applied (a given --scratch cannot
        // be emptied: verify stops there).
        if (unusable && !bench.start_over(entry.version)) break;
    }
    return verdicts;
}

drift_report schema_drift(const registry& units, const database_url& target, const runner_options& options,
                          const std::optional<database_url>& scratch, const std::vector<unit_status>& applied,
                          const inspect::snapshot& actual) {
    drift_report report;
    std::set<std::int64_t> versions;
    for (const auto& u : applied) {
        const std::string unit = "unit " + std::to_string(u.version) + " " + (u.applied_name.empty() ? u.name : u.applied_name);
        switch (u.state) {
            case unit_state::applied: versions.insert(u.version); break;
            case unit_state::changed:
                versions.insert(u.version);
                report.notes.push_back(unit + " was applied with other statements than this build's: the expected schema has this build's");
                break;
            case unit_state::dirty:
                versions.insert(u.version);
                report.notes.push_back(unit + " is dirty (interrupted): the expected schema has all of it");
                break;
            case unit_state::unknown:
            case unit_state::mismatched:
                report.notes.push_back(unit + " is in the history but not in this build: the expected schema leaves it out");
                break;
            case unit_state::damaged:
                // Its row cannot say whether it ran: taken as applied when this build has it.
                versions.insert(u.version);
                report.notes.push_back(unit + "'s history row is damaged (" + u.damage +
                                       "): the expected schema has the unit, if this build has it");
                break;
            case unit_state::pending:
                if (u.interrupted)
                    report.notes.push_back(unit + " was interrupted half-way: the expected schema leaves it out");
                break;
        }
    }
    // In the order the database applied them (applied_at, then version, as one run applies
    // them): after a late merge a unit with a lower version may build on a higher one (team
    // probe F9: in version order the expected schema could not be built). As runs of rising
    // versions, each an up of a registry that gained them (a unit of a lower version applied
    // later goes in after the units applied before it).
    std::vector<const unit_status*> order;
    for (const auto& u : applied)
        if (versions.count(u.version)) order.push_back(&u);
    std::stable_sort(order.begin(), order.end(), [](const unit_status* a, const unit_status* b) {
        return a->applied_at != b->applied_at ? a->applied_at < b->applied_at : a->version < b->version;
    });
    std::map<std::int64_t, const registry::entry*> by_version;
    for (const auto& e : units.entries())
        if (versions.count(e.version)) by_version.emplace(e.version, &e);
    std::vector<std::vector<const registry::entry*>> runs;
    for (const auto* u : order) {
        const auto e = by_version.find(u->version);
        if (e == by_version.end()) continue;  // a damaged row of a unit this build lacks
        if (runs.empty() || runs.back().back()->version > u->version) runs.emplace_back();
        runs.back().push_back(e->second);
        report.applied.push_back(u->version);
    }
    std::sort(report.applied.begin(), report.applied.end());
    // A registry of its own, so a plan of its own (shared plans are the build registry's).
    registry expected_units;
    runner_options in_order = options;
    in_order.allow_out_of_order = true;
    // Each run's runner connects anew: SQLite's in-memory scratch would be a new, empty one.
    std::optional<temp_sqlite_file> file;
    if (runs.size() > 1 && target.kind() == backend::sqlite && (!scratch || scratch->path() == ":memory:")) file.emplace();
    workbench bench(expected_units, target, in_order, file ? std::optional<database_url>(file->url()) : scratch);
    try {
        for (std::size_t i = 0; i < runs.size(); ++i) {
            for (const auto* e : runs[i]) expected_units.add(e->unit, e->source_file);
            bench.again().up();  // a runner made before the registry gained them would not see them
        }
    } catch (const error& e) {
        // What was done was done to the scratch database, which is dropped: the target was only
        // read (a migration_error's "done before it, and kept" would speak of the target).
        if (e.kind() == error_kind::interrupted)
            throw interrupted_error(e.message() + " while applying to a scratch database the units " + target.redacted() +
                                        " has applied; the scratch database is dropped and " + target.redacted() +
                                        " was only read",
                                    e.context());
        throw error("cannot build the expected schema: applying to a scratch database the units " + target.redacted() +
                        " has applied failed: " + e.message(),
                    e.context());
    }
    report.differences = inspect::compare(bench->schema(), actual);
    column_order_as_notes(report.differences, inspect::wording::drift, report.notes);
    return report;
}

}  // namespace strata
