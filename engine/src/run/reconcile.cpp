#include "run/reconcile.hpp"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>

namespace strata {
namespace {

bool targeted(const std::vector<history_row>& targets, std::int64_t version) {
    return std::any_of(targets.begin(), targets.end(), [&](const history_row& r) { return r.version == version; });
}

error_context for_unit(error_context where, std::int64_t version, const std::string& name, direction dir) {
    where.version = version;
    where.unit_name = name;
    where.dir = dir;
    return where;
}

bool per_unit(const planned_unit* p) { return !p || p->entry->transaction == transaction_mode::per_unit; }

/// A row left running or reverting by an online unit, storing how to undo its finished steps.
bool undoable_from_history(const history_row& row) {
    if (!unfinished(row.state) || !row.down_json) return false;
    const auto stored = recorded_down(row);
    return stored.damage.empty() && stored.rollback.has_value();
}

/// `rows` by version (history::read sorts them already), the first of a repeated version only.
std::vector<const history_row*> by_version(const std::vector<history_row>& rows) {
    std::vector<const history_row*> out;
    out.reserve(rows.size());
    for (const auto& row : rows) out.push_back(&row);
    auto older = [](const history_row* a, const history_row* b) { return a->version < b->version; };
    if (!std::is_sorted(out.begin(), out.end(), older)) std::stable_sort(out.begin(), out.end(), older);
    out.erase(std::unique(out.begin(), out.end(), [](const history_row* a, const history_row* b) { return a->version == b->version; }),
              out.end());
    return out;
}

}  // namespace

bool interrupted(const planned_unit& p, const history_row& row) {
    return unfinished(row.state) && row.name == p.name() && !p.up_problem && !p.up.transactional &&
           p.up.resumable && row.checksum == p.checksum;
}

std::vector<unit_status> status_of(const plan& p, const std::vector<history_row>& rows) {
    // Merged with this build's units, which come by version too: one pass, no lookups.
    const auto recorded = by_version(rows);
    const std::int64_t newest_applied = recorded.empty() ? 0 : std::max<std::int64_t>(0, recorded.back()->version);

    std::vector<unit_status> out;
    out.reserve(p.units().size() + recorded.size());
    // A row no unit of this build has.
    auto only_recorded = [&out](const history_row& row) {
        out.push_back({.version = row.version,
                       .name = row.name,
                       .applied_name = row.name,
                       .state = unfinished(row.state)             ? unit_state::dirty
                                : row.state == row_state::damaged ? unit_state::damaged
                                                                  : unit_state::unknown,
                       .applied_checksum = row.checksum,
                       .applied_at = row.applied_at,
                       .execution_ms = row.execution_ms,
                       .applied_by = row.applied_by,
                       .reverting = row.state == row_state::reverting,
                       .stored_rollback = undoable_from_history(row),
                       .damage = row.state == row_state::damaged ? damage_of(row) : std::string()});
    };
    auto next = recorded.begin();
    for (const auto& u : p.units()) {
        for (; next != recorded.end() && (*next)->version < u.version(); ++next) only_recorded(**next);
        unit_status s{.version = u.version(), .name = u.name(), .checksum = u.checksum};
        if (next != recorded.end() && (*next)->version == u.version()) {
            const history_row& row = **next++;
            s.applied_name = row.name;
            s.applied_checksum = row.checksum;
            s.applied_at = row.applied_at;
            s.execution_ms = row.execution_ms;
            s.applied_by = row.applied_by;
            // Another unit under this version (even a running one) is not this unit's to judge:
            // neither its checksum nor its dirty state say anything about this build.
            if (row.name != u.name())
                s.state = unit_state::mismatched;
            else if (row.state == row_state::damaged)
                s.state = unit_state::damaged, s.damage = damage_of(row);
            // Resumable only with the very statements it started with; an edited unit needs a person.
            else if (interrupted(u, row))
                s.interrupted = true;  // pending: up finishes it, down rolls back what it did
            else if (unfinished(row.state))
                s.state = unit_state::dirty, s.stored_rollback = undoable_from_history(row);
            else if (!u.checksum.empty() && row.checksum != u.checksum)
                s.state = unit_state::changed;
            else
                s.state = unit_state::applied;
            s.reverting = row.name == u.name() && row.state == row_state::reverting;
        } else {
            s.out_of_order = u.version() < newest_applied;
        }
        out.push_back(std::move(s));
    }
    for (; next != recorded.end(); ++next) only_recorded(**next);
    // A recorded name this build gives another version: most likely renumbered since (two
    // branches took one version), which --allow-unknown would apply again.
    const auto strange = [](const unit_status& s) { return s.state == unit_state::unknown || s.state == unit_state::mismatched; };
    if (std::any_of(out.begin(), out.end(), strange)) {
        std::map<std::string_view, std::int64_t> versions_by_name;
        for (const auto& u : p.units()) versions_by_name.emplace(u.name(), u.version());
        for (auto& s : out)
            if (strange(s))
                if (const auto found = versions_by_name.find(s.applied_name);
                    found != versions_by_name.end() && found->second != s.version)
                    s.in_build_as = found->second;
    }
    return out;
}

void find_damage(std::vector<unit_status>& status, const std::vector<history_row>& rows, const plan* p) {
    const auto recorded = by_version(rows);
    for (auto& s : status) {
        auto it = std::lower_bound(recorded.begin(), recorded.end(), s.version,
                                   [](const history_row* r, std::int64_t v) { return r->version < v; });
        if (it == recorded.end() || (*it)->version != s.version || s.state == unit_state::mismatched ||
            s.state == unit_state::damaged)
            continue;
        const history_row& row = **it;
        // The stored down strata writes for this build's unit, byte for byte, holds the checksum
        // of its statements as this build computes it: parsing it and hashing them again would
        // find them intact. Anything else (another build's down, an edit) is parsed and checked.
        if (const planned_unit* u = p ? p->find(row.version) : nullptr;
            u && row.state != row_state::damaged && row.name == u->name() && row.down_json && !u->down_problem &&
            *row.down_json == u->stored_down_json())
            continue;
        if (auto damage = damage_of(row); !damage.empty()) {
            s.state = unit_state::damaged;
            s.newer_build = damage.starts_with(newer_build_damage);
            s.damage = std::move(damage);
        }
    }
}

std::vector<std::string> problems_of(const std::vector<unit_status>& status, const std::string& program) {
    std::vector<std::string> out;
    for (const auto& s : status) {
        auto label = unit_label(s.version, s.name);
        switch (s.state) {
        case unit_state::mismatched:
            out.push_back("version " + std::to_string(s.version) + " in the database is " + s.applied_name +
                          ", this build's unit " + std::to_string(s.version) + " is " + s.name +
                          (s.in_build_as
                               ? ", and this build has " + s.applied_name + " as unit " + std::to_string(*s.in_build_as) +
                                     ": if it was renumbered (two branches took one version), give " + s.applied_name +
                                     " back version " + std::to_string(s.version) + " and " + s.name +
                                     " a new version (an applied unit keeps its version)"
                               : ": check that --database points at the right database; if the unit was only renamed, "
                                 "give it back its recorded name"));
            break;
        case unit_state::changed:
            out.push_back(label + " changed since it was applied: its statements now have checksum " + s.checksum +
                          ", the history records " + s.applied_checksum +
                          " (write a new unit instead of editing an applied one; if the edit changes nothing the unit "
                          "did, " + program + " repair " + std::to_string(s.version) +
                          " --accept-changed records the new checksum; --allow-changed runs anyway)");
            break;
        case unit_state::unknown:
            out.push_back(label + " is applied but this build does not know it" +
                          (s.in_build_as
                               ? ", and this build has " + s.name + " as unit " + std::to_string(*s.in_build_as) +
                                     ": if it was renumbered, give it back version " + std::to_string(s.version) +
                                     " (an applied unit keeps its version: --allow-unknown would apply it again)"
                               : std::string(" (applied by a build that has it: a newer one, another branch's, or one from "
                                             "before it was deleted, renumbered or squashed; --allow-unknown runs anyway)")));
            break;
        case unit_state::dirty:
            if (s.stored_rollback) {
                out.push_back(label + " was interrupted half-way (its " + (s.reverting ? "down" : "up") + ") by a build that " +
                              (s.checksum.empty() ? "has it and this one does not" : "had it as it was then (it changed since)") +
                              ": " + program + " down " +
                              (s.reverting ? "finishes reverting it" : "undoes what its finished steps did") +
                              ", with the statements that build stored; or " +
                              (s.reverting ? "apply it again" : "finish it") + " with that build (" + program + " up)");
                break;
            }
            out.push_back(label + " is dirty: " + (s.reverting ? "its down" : "a run of this non-transactional unit") +
                          " was interrupted; check the database, finish or undo its statements by hand, then run " +
                          program + " repair " + std::to_string(s.version) + " (the row goes: the unit is pending) or " +
                          program + " repair " + std::to_string(s.version) + " --applied (it stays applied)");
            break;
        case unit_state::damaged:
            // Written by a newer build: repair here would forget an applied unit (its row gone) or
            // replace what that build stored; that build, or a newer one, reverts it.
            if (s.newer_build) {
                out.push_back(label + ": " + s.damage + "; this build runs nothing over it and changes nothing of it: "
                                              "run that build (or a newer one) for this database");
                break;
            }
            out.push_back(label + ": its history row is damaged: " + s.damage +
                          "; nothing runs over it: check the database, then run " + program + " repair " +
                          std::to_string(s.version) + " (the row goes: the unit is pending) or " + program + " repair " +
                          std::to_string(s.version) + " --applied (it stays applied, with this build's down statements)");
            break;
        case unit_state::pending:
            if (s.out_of_order)
                out.push_back(label + " is pending but older than the newest applied unit (merged late?); "
                                      "--allow-out-of-order applies it");
            break;
        case unit_state::applied: break;
        }
    }
    return out;
}

void refuse_mismatched(const std::vector<unit_status>& status, const runner_options& options, const error_context& where,
                       const std::string& outcome) {
    std::vector<unit_status> mismatched;
    std::copy_if(status.begin(), status.end(), std::back_inserter(mismatched),
                 [](const unit_status& s) { return s.state == unit_state::mismatched; });
    if (mismatched.empty()) return;
    auto problems = problems_of(mismatched, options.program_name);
    std::string message = problems.size() == 1 ? problems.front()
                                               : "the database records " + std::to_string(problems.size()) +
                                                     " of this build's versions under other names (is --database the "
                                                     "right database?)";
    throw validation_error(message + "; " + outcome, where, std::move(problems));
}

void check_up(const std::vector<unit_status>& status, std::optional<std::int64_t> up_to, const runner_options& options,
              const error_context& where) {
    std::vector<unit_status> relevant;  // only what problems_of speaks of: not every applied unit
    for (const auto& s : status) {
        if (s.state == unit_state::applied || (s.state == unit_state::pending && !s.out_of_order)) continue;
        if (s.state == unit_state::changed && options.allow_changed) continue;
        if (s.state == unit_state::unknown && options.allow_unknown) continue;
        if (s.state == unit_state::pending && (options.allow_out_of_order || (up_to && s.version > *up_to))) continue;
        relevant.push_back(s);
    }
    auto problems = problems_of(relevant, options.program_name);
    if (problems.empty()) return;
    std::string message = problems.size() == 1 ? problems.front()
                                               : "the history disagrees with this build in " + std::to_string(problems.size()) + " ways";
    throw validation_error(message + "; nothing was run", where, std::move(problems));
}

step up_step(const planned_unit& p, bool atomic, const error_context& where) {
    const rendering& r = atomic && p.up_atomic && !p.up_problem
                             ? *p.up_atomic
                             : statements_of(p, direction::up, where);
    return {.version = p.version(), .name = p.name(), .unit = &p, .dir = direction::up, .statements = &r,
            .transactional = per_unit(&p) && r.transactional};
}

std::vector<step> up_steps(const plan& p, const std::vector<unit_status>& status, std::optional<std::int64_t> to,
                           bool atomic, const error_context& where) {
    std::vector<step> steps;
    for (const auto& s : status) {
        if (s.state != unit_state::pending || (to && s.version > *to)) continue;
        steps.push_back(up_step(*p.find(s.version), atomic, where));  // refuses an unrenderable unit before anything runs
        steps.back().resumes = s.interrupted;
        steps.back().reverting = s.interrupted && s.reverting;
    }
    return steps;
}

namespace {

/// Whether `a` was applied after `b`: a later applied_at, or (within the clock's precision) the
/// same and a higher version, the order one run applies units in.
bool applied_after(const history_row& a, const history_row& b) {
    return a.applied_at != b.applied_at ? a.applied_at > b.applied_at : a.version > b.version;
}

/// Refuses (config_error) a down of `targets` that leaves applied a unit applied after one of
/// them: it may build on it (a column, a table, data; PostgreSQL drops an index on a dropped
/// column with it), and its row would then say applied with nothing of it there. The way on is
/// the down --to that takes every such unit too (lowered until no unit it keeps was applied after
/// one it reverts), or --allow-out-of-order. `rows` are by version.
void refuse_leaving_later_units(const std::vector<history_row>& rows, const std::vector<history_row>& targets,
                                const runner_options& options, const error_context& where) {
    if (options.allow_out_of_order || targets.empty()) return;
    // A kept unit applied after any reverted one is applied after the first of them applied: one
    // comparison per row, so a down --to of thousands of units stays linear.
    auto later_than = [&rows](const std::vector<history_row>& reverted) {
        std::vector<history_row> later;
        if (reverted.empty()) return later;
        const auto first = *std::min_element(reverted.begin(), reverted.end(),
                                             [](const history_row& a, const history_row& b) { return applied_after(b, a); });
        std::set<std::int64_t> versions;
        for (const auto& r : reverted) versions.insert(r.version);
        for (const auto& r : rows)
            if (!versions.contains(r.version) && applied_after(r, first)) later.push_back(r);
        return later;
    };
    auto later = later_than(targets);
    if (later.empty()) return;
    std::stable_sort(later.begin(), later.end(), [](const history_row& a, const history_row& b) { return applied_after(a, b); });
    // The down --to that reverts them all: below the lowest of them, lowered again while that
    // keeps a unit applied after one it reverts.
    std::vector<history_row> reverted = targets;
    std::vector<history_row> kept_later = later;
    std::size_t below = rows.size();  // the rows from `below` on are reverted
    while (!kept_later.empty()) {
        std::int64_t lowest = kept_later.front().version;
        for (const auto& r : reverted) lowest = std::min(lowest, r.version);
        for (const auto& r : kept_later) lowest = std::min(lowest, r.version);
        below = static_cast<std::size_t>(
            std::find_if(rows.begin(), rows.end(), [&](const history_row& r) { return r.version == lowest; }) - rows.begin());
        reverted.assign(rows.begin() + static_cast<std::ptrdiff_t>(below), rows.end());
        kept_later = later_than(reverted);
    }
    const std::string with_them = below == 0 ? options.program_name + " down --all"
                                             : options.program_name + " down --to " + std::to_string(rows[below - 1].version);
    std::string named;  // the units asked for that a later one (`later` is the last applied first) may build on
    std::size_t count = 0;
    for (const auto& t : targets)
        if (applied_after(later.front(), t) && ++count <= 5) named += (count > 1 ? ", " : "") + unit_label(t.version, t.name);
    if (count > 5) named += " and " + std::to_string(count - 5) + " more";
    std::string listed;
    for (std::size_t i = 0; i < later.size() && i < 5; ++i) listed += (i ? ", " : "") + unit_label(later[i].version, later[i].name);
    if (later.size() > 5) listed += " and " + std::to_string(later.size() - 5) + " more";
    // Or only these, one by one, the last applied first: each then has nothing applied after it
    // (whatever was applied after one of them is among them), so no --only is refused.
    std::vector<history_row> these = later;
    these.insert(these.end(), targets.begin(), targets.end());
    std::stable_sort(these.begin(), these.end(), [](const history_row& a, const history_row& b) { return applied_after(a, b); });
    std::string one_by_one;
    if (these.size() <= 5)
        for (std::size_t i = 0; i < these.size(); ++i)
            one_by_one += (i ? ", then " : "") + options.program_name + " down --only " + std::to_string(these[i].version);
    const bool one = later.size() == 1;
    const std::string them = count == 1 ? "it" : "them";
    throw config_error(named + (count == 1 ? " is not the last unit" : " are not the last units") + " applied: " + listed +
                           (one ? " was" : " were") + " applied after " + them + ", would stay applied, and may build on " +
                           them + " (a column, a table, data), so nothing was reverted. Revert " +
                           (one ? "that unit" : "those") + " too (" + with_them +
                           ", which reverts every unit above that version, the last applied first" +
                           (one_by_one.empty() ? std::string() : "; or only these, one by one: " + one_by_one) +
                           "), or, when nothing applied after " + them + " needs " + them + ", add --allow-out-of-order",
                       where);
}

/// down --only: the row of unit `version`, alone.
std::vector<history_row> only_row(const plan& p, const std::vector<history_row>& rows, std::int64_t version,
                                  const runner_options& options, const error_context& where) {
    const auto row = std::find_if(rows.begin(), rows.end(), [&](const history_row& r) { return r.version == version; });
    if (row != rows.end()) return {*row};
    // Reverted already (a rerun, a target of a fleet it never reached) is nothing to do; a
    // version neither applied nor in this build is a typo.
    if (!p.find(version))
        throw config_error("cannot revert unit " + std::to_string(version) + ": it is not applied and no unit of this build "
                               "has that version (see " + options.program_name + " status)",
                           where);
    return {};
}

/// The rows a down selected (by version), in the order they are reverted: the reverse of the
/// order they were applied, which after a late merge is not the version order.
std::vector<history_row> last_applied_first(std::vector<history_row> targets) {
    std::stable_sort(targets.begin(), targets.end(), [](const history_row& a, const history_row& b) { return applied_after(a, b); });
    return targets;
}

/// The rows down_rows() reverts, chosen by version: newest first.
std::vector<history_row> selected_rows(const plan& p, const std::vector<history_row>& rows, const down_request& request,
                                       const runner_options& options, const error_context& where) {
    if (request.only) return only_row(p, rows, *request.only, options, where);
    if (request.to) {
        // The state asked for: no unit newer than `to` applied. Already so is nothing to do (a
        // fleet's rerun, a target that never got that far); a version neither applied nor in this
        // build is a typo, refused rather than read as "revert everything newer".
        if (!targeted(rows, *request.to) && !p.find(*request.to))
            throw config_error("cannot revert to version " + std::to_string(*request.to) +
                                   ": it is not applied and no unit of this build has it (see " + options.program_name +
                                   " status)",
                               where);
        const auto count = std::count_if(rows.begin(), rows.end(), [&](const history_row& r) { return r.version > *request.to; });
        return {rows.rbegin(), rows.rbegin() + static_cast<std::ptrdiff_t>(count)};
    }
    // --all with nothing applied has nothing to do; one unit (or --steps N) has nothing to revert.
    if (request.all) return {rows.rbegin(), rows.rend()};
    if (rows.empty()) throw config_error("nothing to revert: no unit is applied", where);
    std::size_t count = 1;
    if (request.steps) {
        if (*request.steps < 1) throw config_error("--steps must be at least 1", where);
        count = static_cast<std::size_t>(*request.steps);
        if (count > rows.size())
            throw config_error("asked to revert " + std::to_string(count) + " units but only " + std::to_string(rows.size()) +
                                   (rows.size() == 1 ? " is" : " are") + " applied; use --all to revert them all",
                               where);
    }
    return {rows.rbegin(), rows.rbegin() + static_cast<std::ptrdiff_t>(count)};
}

}  // namespace

std::string left_applied_notice(const std::vector<history_row>& rows, const std::vector<history_row>& targets,
                                const down_request& request, const std::string& program, const char* command) {
    if (rows.empty() || request.all || request.only) return {};
    if (request.to) {
        // Units with lower versions applied after unit `to` (a late merge): down --to reverts by
        // version, so they stay; said, or the rollback of a release would look done without them.
        const auto kept = std::find_if(rows.begin(), rows.end(), [&](const history_row& r) { return r.version == *request.to; });
        if (kept == rows.end()) return {};
        std::vector<history_row> left;
        for (const auto& r : rows)
            if (r.version < *request.to && applied_after(r, *kept)) left.push_back(r);
        // The last applied first: the order their --only downs go in.
        std::stable_sort(left.begin(), left.end(), [](const history_row& a, const history_row& b) { return applied_after(a, b); });
        std::string later;
        for (const auto& r : left)
            later += (later.empty() ? "" : ", ") + unit_label(r.version, r.name) + " (to revert it: " + program +
                     " down --only " + std::to_string(r.version) + ")";
        if (later.empty()) return {};
        return "left applied, although applied after " + unit_label(kept->version, kept->name) + " (the last applied first): " +
               later + "; " +
               command + " --to reverts the units with versions above " + std::to_string(*request.to) + " only";
    }
    // A relative down that went on with --allow-out-of-order past a unit applied after its own.
    const auto last = std::max_element(rows.begin(), rows.end(), [](const history_row& a, const history_row& b) { return applied_after(b, a); });
    if (targeted(targets, last->version)) return {};
    return unit_label(last->version, last->name) + " was applied last (" + last->applied_at + "), after units with higher "
           "versions; this " + command + " takes the highest version, so it stays applied. To revert it alone: " + program +
           " down --only " + std::to_string(last->version);
}

std::vector<history_row> down_rows(const plan& p, const std::vector<history_row>& rows, const down_request& request,
                                   const runner_options& options, const error_context& where) {
    if (int(request.steps.has_value()) + int(request.to.has_value()) + int(request.all) + int(request.only.has_value()) > 1)
        throw config_error("a down request takes at most one of steps, to, all and only", where);
    auto targets = selected_rows(p, rows, request, options, where);
    refuse_leaving_later_units(rows, targets, options, where);
    return last_applied_first(std::move(targets));
}

void check_down(const std::vector<unit_status>& status, const std::vector<history_row>& targets,
                const runner_options& options, const error_context& where) {
    std::set<std::int64_t> reverted;  // a lookup per unit, not a scan of the targets per unit
    for (const auto& r : targets) reverted.insert(r.version);
    std::vector<unit_status> relevant;
    for (const auto& s : status)
        if ((s.state == unit_state::dirty && !(s.stored_rollback && reverted.contains(s.version))) || s.state == unit_state::damaged ||
            (s.state == unit_state::changed && !options.allow_changed && reverted.contains(s.version)))
            relevant.push_back(s);
    auto problems = problems_of(relevant, options.program_name);
    if (problems.empty()) return;
    // One problem is the message; several are listed under a headline, not the first twice.
    std::string message = (problems.size() == 1 ? problems.front()
                                                : std::to_string(problems.size()) + " units stop this down") +
                          "; nothing was run";  // before problems is moved
    throw validation_error(message, where, std::move(problems));
}

step down_step(const plan& p, const history_row& row, const stored_down& stored, const error_context& where) {
    const planned_unit* u = p.find(row.version);
    const bool changed = u && !u->checksum.empty() && u->checksum != row.checksum;
    error_context here = for_unit(where, row.version, row.name, direction::down);
    here.refused = true;  // the steps are made before anything runs
    if (u && interrupted(*u, row)) {
        // Half-way: not its down (which assumes every step done), but each step's guarded inverse.
        if (u->rollback_problem) rethrow_with(u->rollback_problem, here);
        return {.version = row.version, .name = row.name, .unit = u, .dir = direction::down, .statements = &*u->rollback,
                .transactional = per_unit(u) && u->rollback->transactional,
                .reverting = row.state == row_state::reverting, .rolls_back = true};
    }
    // Half-way, and this build cannot resume it (it does not know the unit, or the unit changed):
    // each step's guarded inverse, as stored by the build that ran it.
    if (unfinished(row.state) && stored.damage.empty() && stored.rollback)
        return {.version = row.version, .name = row.name, .unit = u, .dir = direction::down, .statements = &*stored.rollback,
                .from_history = true, .transactional = stored.rollback->transactional && per_unit(u),
                .reverting = row.state == row_state::reverting, .rolls_back = true};
    if (u && !changed) {
        const rendering& r = statements_of(*u, direction::down, where);
        return {.version = row.version, .name = row.name, .unit = u, .dir = direction::down, .statements = &r,
                .transactional = per_unit(u) && u->down.transactional,
                .down_edited = stored.statements && (stored.statements->statements != r.statements ||
                                                     stored.statements->transactional != r.transactional ||
                                                     stored.statements->foreign_keys_off != r.foreign_keys_off),
                .allowance_edited = stored.statements && stored.statements->data_loss_allowed != r.data_loss_allowed};
    }
    // Unknown to this build, or changed since it was applied: revert what was applied, with the
    // statements stored at the time.
    if (!stored.damage.empty()) {
        const std::string problem = unit_label(row.version, row.name) + ": its history row is damaged: " + stored.damage;
        throw validation_error("its history row is damaged: " + stored.damage + "; it is not reverted with them", here, {problem});
    }
    if (!stored.statements)
        throw irreversible_error(std::string(u ? "it changed since it was applied" : "this build does not know it") +
                                     ", and the history stores no down statements for it (it was irreversible when "
                                     "applied); revert it by hand or with the build that applied it",
                                 here);
    return {.version = row.version, .name = row.name, .unit = u, .dir = direction::down, .statements = &*stored.statements,
            .from_history = true, .transactional = stored.statements->transactional && per_unit(u)};
}

}  // namespace strata
