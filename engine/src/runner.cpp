#include <strata/runner.hpp>

#include <strata/dialect.hpp>
#include <strata/migration.hpp>
#include <strata/registry.hpp>

#include <algorithm>
#include <exception>
#include <map>

#include "checksum.hpp"
#include "connection.hpp"
#include "history.hpp"

namespace strata {
namespace {

using clock = std::chrono::steady_clock;

std::chrono::milliseconds since(clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - start);
}

/// One unit of this build, rendered for this database in both directions. Rendering problems
/// are kept and raised only when that direction of that unit is asked for.
struct planned_unit {
    const registry::entry* entry = nullptr;
    rendering up;
    rendering down;
    std::string checksum;
    std::exception_ptr up_problem;
    std::exception_ptr down_problem;
};

/// Renders `ops` op by op against `state`; the state moves on even when rendering fails, so
/// later units still see the schema this unit declares.
rendering render_tracking(const dialect& d, const std::vector<schema::operation>& ops, catalog& state,
                          std::exception_ptr& problem) {
    rendering out;
    for (const auto& op : ops) {
        if (!problem) {
            try {
                d.render(op, state, out);
            } catch (const error&) {
                problem = std::current_exception();
            }
        }
        state.apply(op);
    }
    return out;
}

/// Rethrows `problem` (a strata::error) with the runner's context filled in.
[[noreturn]] void rethrow_with(const std::exception_ptr& problem, const error_context& where) {
    auto merged = [&](const error& e) {
        error_context c = where;
        if (!e.context().statement.empty()) c.statement = e.context().statement;
        return c;
    };
    try {
        std::rethrow_exception(problem);
    } catch (const irreversible_error& e) {
        throw irreversible_error(e.message(), merged(e));
    } catch (const unsupported_error& e) {
        throw unsupported_error(e.message(), merged(e));
    } catch (const registry_error& e) {
        throw registry_error(e.message(), merged(e));
    } catch (const error& e) {
        throw error(e.message(), merged(e));
    }
}

}  // namespace

struct runner::impl {
    const registry& units;
    database_url url;
    const dialect& sql_dialect;
    std::vector<planned_unit> plan;  // by version, rendered once per runner
    std::unique_ptr<connection> conn;
    std::unique_ptr<history> hist;

    impl(const registry& r, database_url u) : units(r), url(std::move(u)), sql_dialect(dialect_for(url.kind())) {
        r.validate();
        catalog state;
        for (const auto& e : r.entries()) {
            planned_unit p;
            p.entry = &e;
            try {
                schema::builder b;
                e.unit->up(b);
                p.up = render_tracking(sql_dialect, b.operations(), state, p.up_problem);
            } catch (const error&) {
                p.up_problem = std::current_exception();
            }
            if (!p.up_problem) p.checksum = checksum(p.up.statements);
            try {
                schema::builder b;
                e.unit->down(b);
                catalog after = state;  // down runs against the schema this unit leaves
                p.down = render_tracking(sql_dialect, b.operations(), after, p.down_problem);
            } catch (const error&) {
                p.down_problem = std::current_exception();
            }
            plan.push_back(std::move(p));
        }
    }

    error_context context(const planned_unit* p = nullptr, std::optional<direction> dir = {}) const {
        error_context c{.database = url.redacted(), .backend = to_string(url.kind())};
        if (p) {
            c.version = p->entry->version;
            c.unit_name = p->entry->name;
        }
        c.dir = dir;
        return c;
    }

    history& open() {
        if (!conn) {
            conn = connect(url);
            hist = std::make_unique<history>(*conn, sql_dialect);
        }
        return *hist;
    }

    const planned_unit* find(std::int64_t version) const {
        auto it = std::lower_bound(plan.begin(), plan.end(), version,
                                   [](const planned_unit& p, std::int64_t v) { return p.entry->version < v; });
        return it != plan.end() && it->entry->version == version ? &*it : nullptr;
    }

    const rendering& statements(const planned_unit& p, direction dir) const {
        const auto& problem = dir == direction::up ? p.up_problem : p.down_problem;
        if (problem) rethrow_with(problem, context(&p, dir));
        return dir == direction::up ? p.up : p.down;
    }

    /// Runs one unit and its history change in one transaction.
    unit_report run(const planned_unit& p, direction dir, const run_report& so_far) {
        const rendering& r = statements(p, dir);
        auto start = clock::now();
        std::string current;
        try {
            conn->begin(r.foreign_keys_off);
            for (const auto& s : r.statements) {
                current = s;
                conn->execute(s);
            }
            current.clear();
            if (dir == direction::up)
                hist->insert(p.entry->version, p.entry->name, p.checksum, since(start).count());
            else
                hist->remove(p.entry->version);
            conn->commit();
        } catch (const error& e) {
            conn->rollback();
            std::vector<migration_error::completed_unit> completed;
            for (const auto& u : so_far.units) completed.push_back({u.version, u.name, u.dir});
            error_context c = context(&p, dir);
            c.statement = e.context().statement.empty() ? current : e.context().statement;
            c.sqlstate = e.context().sqlstate;
            throw migration_error(e.message(), c, std::move(completed));
        } catch (...) {
            conn->rollback();
            throw;
        }
        return {p.entry->version, p.entry->name, dir, since(start)};
    }

    run_report run_all(const std::vector<const planned_unit*>& steps, direction dir, const unit_observer& observer,
                       run_report report = {}) {
        auto start = clock::now();
        // Everything that can be refused is refused before the first unit runs.
        for (const auto* p : steps) statements(*p, dir);
        for (const auto* p : steps) {
            report.units.push_back(run(*p, dir, report));
            if (observer) observer(report.units.back());
        }
        report.duration += since(start);
        return report;
    }

    std::vector<std::int64_t> applied_versions(history& h) {
        std::vector<std::int64_t> versions;
        for (const auto& row : h.read()) versions.push_back(row.version);
        return versions;
    }

    /// The units `down` reverts, newest first.
    std::vector<const planned_unit*> down_steps(const down_request& request) {
        auto& h = open();
        auto applied = applied_versions(h);
        if (applied.empty())
            throw config_error("nothing to revert: no unit is applied", context());
        std::size_t count = 1;
        if (request.all) {
            count = applied.size();
        } else if (request.steps) {
            if (*request.steps < 1) throw config_error("--steps must be at least 1", context());
            count = static_cast<std::size_t>(*request.steps);
            if (count > applied.size())
                throw config_error("asked to revert " + std::to_string(count) + " units but only " +
                                       std::to_string(applied.size()) + (applied.size() == 1 ? " is" : " are") +
                                       " applied; use --all to revert them all",
                                   context());
        } else if (request.to) {
            if (std::find(applied.begin(), applied.end(), *request.to) == applied.end())
                throw config_error("cannot revert to version " + std::to_string(*request.to) +
                                       ": it is not applied (see strata status)",
                                   context());
            count = static_cast<std::size_t>(std::count_if(applied.begin(), applied.end(),
                                                           [&](std::int64_t v) { return v > *request.to; }));
        }
        std::vector<const planned_unit*> steps;
        for (auto it = applied.rbegin(); it != applied.rend() && steps.size() < count; ++it) {
            const planned_unit* p = find(*it);
            if (!p)
                throw config_error("unit " + std::to_string(*it) +
                                       " is applied but this build does not know it (a newer build applied it); "
                                       "revert it with the build that applied it",
                                   context());
            steps.push_back(p);
        }
        return steps;
    }
};

runner::runner(const registry& units, database_url url) : impl_(std::make_unique<impl>(units, std::move(url))) {}
runner::~runner() = default;

const database_url& runner::url() const noexcept { return impl_->url; }

std::vector<unit_status> runner::status() {
    auto& h = impl_->open();
    std::map<std::int64_t, history_row> recorded;
    for (auto& row : h.read()) recorded.emplace(row.version, std::move(row));
    std::vector<unit_status> out;
    for (const auto& p : impl_->plan) {
        unit_status s{p.entry->version, p.entry->name, unit_state::pending, p.checksum};
        if (auto it = recorded.find(p.entry->version); it != recorded.end()) {
            s.state = unit_state::applied;
            s.applied_at = it->second.applied_at;
            s.execution_ms = it->second.execution_ms;
            s.applied_by = it->second.applied_by;
            recorded.erase(it);
        }
        out.push_back(std::move(s));
    }
    for (auto& [version, row] : recorded)
        out.push_back({version, row.name, unit_state::unknown, row.checksum, row.applied_at, row.execution_ms, row.applied_by});
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.version < b.version; });
    return out;
}

run_report runner::up(std::optional<std::int64_t> to, const unit_observer& observer) {
    auto& d = *impl_;
    if (to && !d.find(*to))
        throw config_error("cannot migrate to version " + std::to_string(*to) + ": this build has no such unit (see strata status)",
                           d.context());
    auto& h = d.open();
    h.ensure();
    auto applied = d.applied_versions(h);
    std::vector<const planned_unit*> steps;
    for (const auto& p : d.plan) {
        if (to && p.entry->version > *to) break;
        if (std::find(applied.begin(), applied.end(), p.entry->version) == applied.end()) steps.push_back(&p);
    }
    return d.run_all(steps, direction::up, observer);
}

run_report runner::down(const down_request& request, const unit_observer& observer) {
    auto steps = impl_->down_steps(request);
    return impl_->run_all(steps, direction::down, observer);
}

run_report runner::redo(const unit_observer& observer) {
    auto steps = impl_->down_steps({});
    // Both directions are checked before the first statement runs.
    impl_->statements(*steps.front(), direction::up);
    auto report = impl_->run_all(steps, direction::down, observer);
    return impl_->run_all(steps, direction::up, observer, std::move(report));
}

}  // namespace strata
