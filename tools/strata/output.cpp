// What strata prints: human text (colour only on a terminal without NO_COLOR) or JSON.

#include <nlohmann/json.hpp>
#include <strata/dialect.hpp>

#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

#include <sys/ioctl.h>
#include <unistd.h>

#include "command_line.hpp"

namespace strata::cli {
namespace {

using nlohmann::json;

std::string ms(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

const char* state_colour(unit_state s) {
    switch (s) {
    case unit_state::applied: return "32";  // green
    case unit_state::pending: return "33";  // yellow
    default: return "31";                   // red: needs a person
    }
}

json to_json(const unit_report& u) {
    return {{"version", u.version},
            {"name", u.name},
            {"direction", to_string(u.dir)},
            {"duration_ms", u.duration.count()},
            {"from_history", u.from_history},
            {"half_done", u.half_done},
            {"down_was_half_done", u.down_was_half_done}};
}

json nullable(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

/// An interrupted unit's steps; null for any other unit.
json steps_json(const std::vector<unit_step>& steps) {
    if (steps.empty()) return nullptr;
    json out = json::array();
    for (const auto& s : steps)
        out.push_back({{"operation", s.operation}, {"state", to_string(s.state)}, {"detail", nullable(s.detail)}});
    return out;
}

/// A run stopped by a signal (error_kind::interrupted), on one line: what stopped it and where,
/// the state of the unit it stopped in, and what this run did before it, which is kept.
std::string stopped_line(const error& e) {
    const auto* m = dynamic_cast<const migration_error*>(&e);
    if (!m) return e.message();  // not inside a unit: it says what it was waiting for, and that nothing changed
    std::string line = m->message();
    const auto& c = m->context();
    if (m->rolled_back())
        line += "; nothing of unit " + std::to_string(c.version.value_or(0)) + " " + c.unit_name +
                (c.dir ? std::string(" (") + to_string(*c.dir) + ")" : std::string()) + " was kept" +
                (line.ends_with("before it started") ? "" : " (rolled back)");
    // (A unit outside a transaction: the engine's message says whether up finishes it or it is dirty.)
    if (m->completed().empty()) return line + "; no unit was applied or reverted before it in this run";
    line += "; done before it in this run, and kept:";
    for (const auto& u : m->completed())
        line += std::string(" ") + (u.dir == direction::up ? "applied " : "reverted ") + std::to_string(u.version) + " " + u.name + ";";
    return line;
}

/// What a data-loss refusal lists, as JSON objects (error.lost, a dry run's refused_losses), and
/// what a down or redo dropped uncounted (allowed_losses: `allowed` says why, no count).
json lost_json(const std::vector<lost_data>& lost) {
    json out = json::array();
    for (const auto& l : lost) {
        json one{{"version", l.version}, {"name", l.name}};
        if (l.allowed.empty()) {
            one["rows"] = l.rows;
            one["at_least"] = l.at_least;
        } else {
            one["allowed"] = l.allowed;
        }
        if (!l.schema.empty()) one["schema"] = l.schema;
        if (!l.table.empty()) one["table"] = l.table;
        if (!l.column.empty()) one["column"] = l.column;
        if (!l.named_now.empty()) one["named_now"] = l.named_now;
        if (!l.cascade_of.empty()) one["cascade_of"] = l.cascade_of;
        if (l.truncated) one["truncated"] = true;
        if (!l.unread.empty()) one["unread"] = redact_passwords(l.unread);
        out.push_back(one);
    }
    return out;
}

/// The findings an error lists one by one: a validation_error's problems, a data_loss_error's
/// losses; null for any other error.
const std::vector<std::string>* problems_in(const error* e) {
    if (const auto* v = dynamic_cast<const validation_error*>(e)) return &v->problems();
    if (const auto* d = dynamic_cast<const data_loss_error*>(e)) return &d->losses();
    return nullptr;
}

}  // namespace

std::string plural(std::size_t n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); }

printer::printer(bool json, std::string program_name)
    : json_(json),
      colour_(::isatty(STDOUT_FILENO) && ::isatty(STDERR_FILENO) && !std::getenv("NO_COLOR")),
      work_line_(!json && ::isatty(STDERR_FILENO) && !std::getenv("NO_COLOR")),
      name_(std::move(program_name)),
      out_(std::cout),
      err_(std::cerr) {}

printer::printer(bool json, std::string program_name, std::ostream& out, std::ostream& err)
    : json_(json), colour_(false), work_line_(false), name_(std::move(program_name)), out_(out), err_(err) {}

void printer::work(const progress_event& p) const {
    if (!work_line_) return;
    std::lock_guard lock(work_mutex_);
    // A batch of one row on a big table would redraw the line faster than anyone reads it.
    auto now = std::chrono::steady_clock::now();
    bool last = p.total > 0 && p.done >= p.total;
    if (work_width_ > 0 && !last && now - work_shown_ < std::chrono::milliseconds(100)) return;
    work_shown_ = now;
    std::string text = redact_passwords(describe(p));
    // A line longer than the terminal wraps, and \r would then rewrite only its last row.
    winsize size{};
    std::size_t columns = ::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 1 ? size.ws_col : 80;
    if (text.size() > columns - 1) text.resize(columns - 1);
    // Spaces over what is left of a longer line before.
    std::string rest(work_width_ > text.size() ? work_width_ - text.size() : 0, ' ');
    err_ << '\r' << text << rest << std::flush;
    work_width_ = text.size() + rest.size();
}

void printer::end_work() const {
    if (!work_line_) return;
    std::lock_guard lock(work_mutex_);
    clear_work_line();
}

void printer::clear_work_line() const {
    if (work_width_ == 0) return;
    err_ << '\r' << std::string(work_width_, ' ') << '\r' << std::flush;
    work_width_ = 0;
}

std::string printer::paint(const std::string& text, const char* colour) const {
    return colour_ ? "\033[" + std::string(colour) + "m" + text + "\033[0m" : text;
}

void printer::progress(const unit_report& u) const {
    std::lock_guard lock(work_mutex_);
    clear_work_line();
    std::ostream& out = json_ ? err_ : out_;
    out << (u.dir == direction::up ? "applied  " : "reverted ") << u.version << " " << u.name << " (" << ms(u.duration) << ")"
        << (u.from_history ? " with the stored down statements" : "")
        << (u.down_was_half_done ? " (its down had stopped half-way in an earlier run: finished)"
            : u.half_done        ? " (its up had stopped half-way: what its finished steps did was undone)"
                                 : "")
        << std::endl;
}

void printer::notice(const std::string& text) const {
    std::lock_guard lock(work_mutex_);
    clear_work_line();
    err_ << name_ << ": " << redact_passwords(text) << std::endl;
}

void printer::status(const std::string& database, const std::vector<unit_status>& units) const {
    std::map<unit_state, std::size_t> counts;
    std::size_t out_of_order = 0;
    for (const auto& u : units) {
        ++counts[u.state];
        out_of_order += u.out_of_order;
    }
    if (json_) {
        json list = json::array();
        for (const auto& u : units)
            list.push_back({{"version", u.version},
                            {"name", u.name},
                            {"applied_name", nullable(u.applied_name)},
                            {"state", to_string(u.state)},
                            {"checksum", nullable(u.checksum)},
                            {"applied_checksum", nullable(u.applied_checksum)},
                            {"applied_at", nullable(u.applied_at)},
                            {"duration_ms", u.execution_ms ? json(*u.execution_ms) : json(nullptr)},
                            {"applied_by", nullable(u.applied_by)},
                            {"out_of_order", u.out_of_order},
                            {"interrupted", u.interrupted},
                            {"interrupted_direction", u.interrupted || u.state == unit_state::dirty
                                                          ? json(u.reverting ? "down" : "up")
                                                          : json(nullptr)},
                            {"down_undoes", u.stored_rollback || u.interrupted},
                            {"steps", steps_json(u.steps)},
                            {"in_progress", nullable(u.in_progress)},
                            {"damage", nullable(u.damage)},
                            {"newer_build", u.newer_build},
                            {"in_build_as", u.in_build_as ? json(*u.in_build_as) : json(nullptr)}});
        json summary;
        for (auto s : {unit_state::applied, unit_state::pending, unit_state::changed, unit_state::mismatched, unit_state::unknown,
                       unit_state::dirty, unit_state::damaged})
            summary[to_string(s)] = counts[s];
        summary["out_of_order"] = out_of_order;  // pending ones, counted in pending too
        out_ << json{{"database", database}, {"units", list}, {"summary", summary}}.dump(2) << std::endl;
        return;
    }
    out_ << "database " << database << "\n";
    // Timestamp versions (YYYYMMDDHHMMSS, as `new` writes them) are wider than the column's 8.
    std::size_t version_width = 8, name_width = 4, state_width = 8;
    for (const auto& u : units) {
        version_width = std::max(version_width, std::to_string(u.version).size());
        name_width = std::max(name_width, u.name.size());
        state_width = std::max(state_width, std::string(to_string(u.state)).size());
    }
    out_ << std::right << std::setw(int(version_width)) << "VERSION" << "  " << std::left << std::setw(int(name_width)) << "NAME" << "  "
              << std::setw(int(state_width)) << "STATE" << "  APPLIED AT\n";
    for (const auto& u : units) {
        std::string state = to_string(u.state);
        std::string padded = state + std::string(state_width - state.size(), ' ');
        out_ << std::right << std::setw(int(version_width)) << u.version << "  " << std::left << std::setw(int(name_width)) << u.name
                  << "  " << paint(padded, state_colour(u.state)) << "  " << (u.applied_at.empty() ? "-" : u.applied_at)
                  << (u.out_of_order ? "  (older than the newest applied unit)" : "")
                  << (!u.in_progress.empty()
                          ? "  (in progress: the run holding the migration lock is at it now: " + u.in_progress + ")"
                      : u.interrupted && u.reverting
                          ? "  (its down was interrupted half-way: " + name_ + " down finishes reverting it, " + name_ +
                                " up applies it again)"
                      : u.interrupted ? "  (interrupted half-way: " + name_ + " up finishes it, " + name_ + " down undoes it)"
                      : u.stored_rollback ? "  (interrupted half-way by a build that has it as it ran: " + name_ +
                                                (u.reverting ? " down finishes reverting it)" : " down undoes its finished steps)")
                      : u.state == unit_state::dirty && u.reverting ? "  (its down was interrupted)"
                                                                    : "")
                  << "\n";
        // Under an interrupted unit, how far each of its steps got.
        for (const auto& step : u.steps)
            out_ << std::string(version_width + 2, ' ') << std::left << std::setw(9) << to_string(step.state) << " "
                      << step.operation << (step.detail.empty() ? "" : ": " + step.detail) << "\n";
    }
    out_ << counts[unit_state::applied] << " applied, " << counts[unit_state::pending] << " pending";
    if (auto n = counts[unit_state::changed]) out_ << ", " << n << " changed since applied";
    if (auto n = counts[unit_state::mismatched]) out_ << ", " << n << " mismatched";
    if (auto n = counts[unit_state::unknown])
        out_ << ", " << n << " unknown (applied, but not in this build)";
    if (auto n = counts[unit_state::dirty]) out_ << ", " << n << " dirty (see " << name_ << " repair --help)";
    if (auto n = counts[unit_state::damaged]) out_ << ", " << n << " damaged (see " << name_ << " validate)";
    out_ << "\n";
    // Likely the wrong database: say which units disagree, and what to check.
    for (const auto& u : units)
        if (u.state == unit_state::mismatched)
            out_ << "version " << u.version << " in the database is " << u.applied_name << ", this build's unit "
                 << u.version << " is " << u.name
                 << (u.in_build_as ? ", and this build has " + u.applied_name + " as unit " + std::to_string(*u.in_build_as) +
                                         ": if it was renumbered (two branches took one version), give " + u.applied_name +
                                         " back version " + std::to_string(u.version) + " and " + u.name + " a new version\n"
                                   : std::string(": check that --database points at the right database; if the unit was only "
                                                 "renamed, give it back its recorded name\n"));
        else if (u.state == unit_state::damaged)
            out_ << "unit " << u.version << " " << u.name << ": "
                 << (u.newer_build ? "" : "its history row is damaged: ") << u.damage << "\n";
    out_ << std::flush;
}

void printer::report(const std::string& command, const std::string& database, const run_report& r, bool dry_run,
                     const std::string& nothing_to_do) const {
    end_work();
    if (json_) {
        json units = json::array();
        for (const auto& u : r.units) units.push_back(to_json(u));
        json doc{{"command", command}, {"database", database}, {"dry_run", dry_run}, {"units", units},
                 {"duration_ms", r.duration.count()}};
        if (dry_run) doc["script"] = r.script;
        if (!r.refused_losses.empty()) doc["refused_losses"] = lost_json(r.refused_losses);
        if (!r.allowed_losses.empty()) doc["allowed_losses"] = lost_json(r.allowed_losses);
        out_ << doc.dump(2) << std::endl;
        return;
    }
    if (dry_run) {
        out_ << "-- dry run: nothing below was executed on " << database << "\n";
        // A comment, and psql's \gexec (strata::gexec()), end without a semicolon.
        for (const auto& line : r.script)
            out_ << line << (line.rfind("--", 0) == 0 || strata::gexec_query(line) ? "\n" : ";\n");
        // redo's two steps are one unit, reverted then applied again.
        const std::string would = r.units.empty() ? nothing_to_do
                                  : command == "redo"
                                      ? "unit " + std::to_string(r.units.front().version) + " " + r.units.front().name +
                                            " would be reverted and applied again"
                                      : plural(r.units.size(), "unit") + " would run";
        out_ << "-- " << would << std::endl;
        if (!r.refused_losses.empty())
            out_ << "-- but the run refuses it: " << plural(r.refused_losses.size(), "table or column")
                 << " it drops " << (r.refused_losses.size() == 1 ? "holds" : "hold")
                 << " data (named above); keep what you need, then add --allow-data-loss (or, when a unit's down keeps "
                    "the data elsewhere on purpose, say so in the unit: allow_data_loss(reason))"
                 << std::endl;
        return;
    }
    if (r.units.empty()) {
        out_ << nothing_to_do << std::endl;
        return;
    }
    if (command == "redo") {
        out_ << "unit " << r.units.front().version << " " << r.units.front().name << " redone on " << database << " in "
                  << ms(r.duration) << std::endl;
    } else if (command == "baseline") {
        out_ << plural(r.units.size(), "unit") << " recorded as applied on " << database << " (nothing was run)"
                  << std::endl;
    } else {
        out_ << plural(r.units.size(), "unit") << (command == "up" ? " applied to " : " reverted on ") << database << " in "
                  << ms(r.duration) << std::endl;
    }
}

void printer::repaired(const std::string& database, std::int64_t version, repair_action action, bool dry_run,
                       const std::optional<change_review>& review) const {
    const bool applied = action == repair_action::mark_applied || action == repair_action::accept_change;
    if (json_) {
        json j{{"command", "repair"}, {"database", database}, {"version", version}, {"state", applied ? "applied" : "pending"},
               {"dry_run", dry_run}};
        if (action == repair_action::accept_change) j["accepted_change"] = true;
        if (action == repair_action::mark_reverted) j["recorded_reverted"] = true;
        if (review) {
            j["applied_checksum"] = review->applied_checksum;
            j["checksum"] = review->checksum;
            j["up"] = review->up;
            j["stored_down"] = review->stored_down;
            j["down"] = review->down ? json(*review->down) : json(nullptr);
            j["stored_data_loss_allowed"] = review->stored_data_loss_allowed ? json(*review->stored_data_loss_allowed) : json(nullptr);
            j["data_loss_allowed"] = review->data_loss_allowed ? json(*review->data_loss_allowed) : json(nullptr);
        }
        out_ << j.dump(2) << std::endl;
        return;
    }
    const std::string would = dry_run ? "would " : "";
    const std::string tail = dry_run ? " (dry run: nothing was written)" : "";
    if (action == repair_action::accept_change && review) {
        out_ << "unit " << version << " " << review->name << " " << (dry_run ? "would record" : "now records")
             << " this build's checksum on " << database << tail << std::endl;
        out_ << "  checksum applied: " << review->applied_checksum << "\n  this build's:     " << review->checksum << std::endl;
        out_ << "  this build's up statements (strata keeps only the applied ones' checksum, not their text: compare them "
                "with the unit's file in the release that applied it, git log -p):"
             << std::endl;
        for (const auto& statement : review->up) out_ << "    " << statement << std::endl;
        if (!review->down) {
            out_ << "  down statements: the stored ones stay (this build cannot revert the unit)" << std::endl;
        } else if (*review->down == review->stored_down) {
            out_ << "  down statements: this build's are those stored" << std::endl;
        } else {
            out_ << "  down statements stored when it was applied, "
                 << (dry_run ? "which this build's would replace (an older build would then revert it with this build's too):"
                             : "replaced by this build's (an older build now reverts it with this build's too):")
                 << std::endl;
            for (const auto& statement : review->stored_down) out_ << "    " << statement << std::endl;
            if (review->stored_down.empty()) out_ << "    (none)" << std::endl;
            out_ << "  this build's:" << std::endl;
            for (const auto& statement : *review->down) out_ << "    " << statement << std::endl;
        }
        // Whether a rollback counts what the down drops changes with it.
        auto said = [](const std::optional<std::string>& a) { return a ? "allowed (" + *a + ")" : std::string("counted"); };
        if (review->down && review->data_loss_allowed != review->stored_data_loss_allowed)
            out_ << "  what its down drops: " << said(review->stored_data_loss_allowed) << " as stored, "
                 << said(review->data_loss_allowed) << (dry_run ? " by this build's, which would replace it" : " by this build's, now")
                 << std::endl;
        return;
    }
    if (action == repair_action::mark_reverted) {
        out_ << "unit " << version << " " << would << (dry_run ? "be " : "is now ")
             << "recorded as reverted by hand on " << database << " (its row removed, its down not run: pending)" << tail
             << "; see " << name_ << " diff for whether the schema is the one the units still applied make" << std::endl;
        return;
    }
    out_ << "unit " << version << " " << (dry_run ? "would no longer be dirty: it would be" : "is no longer dirty:")
         << " recorded as " << (applied ? "applied" : "pending") << " on " << database << tail << std::endl;
}

void printer::lint(const std::string& database, backend b, bool all, const std::vector<lint_finding>& findings,
                   const lint_request& request) const {
    std::size_t warnings = 0, notices = 0, allowed = 0, failing = 0;
    for (const auto& f : findings) {
        ++(f.level == lint_level::warning ? warnings : notices);
        allowed += f.allowed_because.has_value();
        failing += request.error_on && fails(f, *request.error_on);
    }
    if (json_) {
        json list = json::array();
        for (const auto& f : findings)
            list.push_back({{"code", f.code},
                            {"level", to_string(f.level)},
                            {"version", f.version},
                            {"name", f.unit},
                            {"operation", f.operation},
                            {"message", f.message},
                            {"safe_alternative", f.safe_alternative},
                            {"allowed_because", f.allowed_because ? json(*f.allowed_because) : json(nullptr)}});
        out_ << json{{"command", "lint"},
                          {"database", all ? json(nullptr) : json(database)},
                          {"backend", to_string(b)},
                          {"units", all ? "all" : "pending"},
                          {"findings", list},
                          {"summary", {{"warning", warnings}, {"notice", notices}, {"allowed", allowed}}},
                          {"error_on", request.error_on ? json(to_string(*request.error_on)) : json(nullptr)},
                          {"failing", failing}}
                         .dump(2)
                  << std::endl;
        return;
    }
    for (const auto& f : findings) {
        std::string line = describe(f);
        const std::string level = to_string(f.level);
        out_ << paint(level, f.allowed_because ? "32" : f.level == lint_level::warning ? "33" : "36")
                  << line.substr(level.size()) << "\n";
    }
    const std::string where = all ? std::string("in any unit, by the rules for ") + to_string(b)
                                  : "in the units pending on " + database;
    if (findings.empty()) {
        out_ << "ok: no findings " << where << std::endl;
        return;
    }
    out_ << plural(warnings, "warning") << ", " << plural(notices, "notice") << " " << where;
    if (allowed) out_ << " (" << allowed << " allowed by their unit)";
    if (request.error_on)
        out_ << "; " << (failing ? std::to_string(failing) : std::string("none")) << " at or above "
                  << to_string(*request.error_on) << " not allowed";
    out_ << std::endl;
}

void printer::written(const std::string& path, const std::string& command) const {
    if (json_)
        out_ << json{{"command", command}, {"path", path}}.dump(2) << std::endl;
    else
        out_ << path << std::endl;  // the path alone, for `$EDITOR "$(myapp-migrate new x)"`
}

void printer::schema(const std::string& database, const std::string& sql) const {
    if (json_)
        out_ << json{{"command", "schema dump"}, {"database", database}, {"schema", sql}}.dump(2) << std::endl;
    else
        out_ << sql << std::flush;
}

void printer::schema_check(const std::string& database, const std::string& file, const std::string& diff) const {
    if (json_) {
        out_ << json{{"command", "schema dump --check"}, {"database", database}, {"file", file}, {"matches", diff.empty()},
                          {"diff", diff}}
                         .dump(2)
                  << std::endl;
        return;
    }
    if (diff.empty()) {
        out_ << "the schema of " << database << " matches " << file << std::endl;
        return;
    }
    out_ << diff << std::flush;
    err_ << paint(name_ + ":", "31") << " the schema of " << database << " differs from " << file
              << " (diff above: - the file, + the database); if the change is intended, run " << name_
              << " schema dump --output " << file << target_ << " and commit the file" << std::endl;
}

void printer::target_done(const target_run& t, std::size_t width) const {
    if (json_) return;
    const bool ok = t.result.code == exit_ok;
    out_ << std::left << std::setw(int(width)) << t.label << "  " << paint(ok ? "ok    " : "exit " + std::to_string(t.result.code), ok ? "32" : "31")
         << "  " << t.result.summary << " (" << ms(t.duration) << ")" << std::endl;
    if (t.show_output) {
        std::istringstream shown(t.output);
        for (std::string line; std::getline(shown, line);) out_ << "  " << t.label << ": " << line << "\n";
        out_ << std::flush;
    }
    if (ok || t.errors.empty()) return;
    // A failure's details, under its line: what was kept, what to do.
    std::istringstream details(t.errors);
    for (std::string line; std::getline(details, line);)
        if (!line.ends_with(t.result.summary)) err_ << "  " << t.label << ": " << line << "\n";  // the line above says it
    err_ << std::flush;
}

void printer::fleet(const std::vector<target_run>& targets, int code) const {
    std::map<int, std::size_t> by_code;
    std::size_t not_started = 0, units = 0;
    for (const auto& t : targets) {
        if (t.started) ++by_code[t.result.code];
        else ++not_started;
        units += t.result.units;
    }
    if (json_) {
        json list = json::array();
        for (const auto& t : targets) {
            json result = nullptr;
            if (t.started && !t.output.empty()) result = json::parse(t.output, nullptr, false);
            list.push_back({{"target", t.label},
                            {"database", t.database},
                            {"started", t.started},
                            {"exit_code", t.started ? json(t.result.code) : json(nullptr)},
                            {"units", t.result.units},
                            {"duration_ms", t.duration.count()},
                            {"summary", t.result.summary},
                            {"result", result.is_discarded() ? json(nullptr) : result}});
        }
        out_ << list.dump(2) << std::endl;
        return;
    }
    std::size_t width = 6;  // TARGET
    for (const auto& t : targets) width = std::max(width, t.label.size());
    out_ << "\n" << std::left << std::setw(int(width)) << "TARGET" << "  EXIT  UNITS  TIME      RESULT\n";
    for (const auto& t : targets) {
        // One line each, whatever the summary says (the lines above have it whole), without the
        // database the TARGET column names: "unit 2 x (up) failed: ...", not "... failed on
        // postgresql://...?options=...", whose URL alone would fill the cell.
        std::string result = t.result.summary.substr(0, t.result.summary.find('\n'));
        if (const auto at = t.database.empty() ? std::string::npos : result.find(t.database); at != std::string::npos) {
            std::size_t from = at, to = at + t.database.size();
            if (from >= 4 && result.compare(from - 4, 4, " on ") == 0) from -= 4;
            else if (result.compare(to, 2, ": ") == 0) to += 2;
            result.erase(from, to - from);
        }
        if (result.size() > 100) result = result.substr(0, 97) + "...";
        out_ << std::left << std::setw(int(width)) << t.label << "  " << std::right << std::setw(4)
             << (t.started ? std::to_string(t.result.code) : "-") << "  " << std::setw(5)
             << (t.started ? std::to_string(t.result.units) : "-") << "  " << std::left << std::setw(8)
             << (t.started ? ms(t.duration) : "-") << "  " << result << "\n";
    }
    out_ << plural(targets.size(), "target") << ":";
    const char* comma = " ";
    for (const auto& [c, n] : by_code) {
        out_ << comma << n << " with exit " << c;
        comma = ", ";
    }
    if (not_started) out_ << comma << not_started << " not started";
    if (targets.empty()) out_ << " none";
    out_ << "; " << plural(units, "unit") << " in all; exit " << code << std::endl;
}

void printer::failure(int code, const std::string& message, const error* e) const {
    // Messages may echo an argument, and an argument may be a URL with its password.
    end_work();
    const bool stopped = e && e->kind() == error_kind::interrupted;
    const std::string text = redact_passwords(stopped ? stopped_line(*e) : message);
    if (stopped) {
        // Stopped by a signal: one line for the deploy log, saying what was kept.
        err_ << paint(name_ + ":", "31") << " " << text << std::endl;
    } else {
        err_ << paint(name_ + ": error:", "31") << " " << text << std::endl;
        if (const auto* listed = problems_in(e); listed && listed->size() > 1)
            for (const auto& p : *listed) err_ << "  - " << redact_passwords(p) << "\n";
        if (const auto* m = dynamic_cast<const migration_error*>(e)) {
            const auto version = m->context().version.value_or(0);
            if (m->cause() == error_kind::commit_unknown)
                err_ << name_ << ": the connection was lost while unit " << version
                          << " was being committed: it may or may not be applied; run " << name_ << " status to see";
            else if (m->cause() == error_kind::connection && m->transactional())
                // The server discards a transaction whose session ends before COMMIT.
                err_ << name_ << ": the connection to the database was lost during unit " << version
                          << ": it was not committed, so nothing of it was kept";
            else if (m->cause() == error_kind::connection)
                err_ << name_ << ": the connection to the database was lost during unit " << version
                          << ", which runs outside a transaction: what its finished steps did stays";
            else if (m->rolled_back())
                err_ << name_ << ": nothing of unit " << version << " was kept (rolled back)";
            else
                err_ << name_ << ": unit " << version << " runs outside a transaction: what its finished steps did stays";
            if (!m->completed().empty()) {
                err_ << "; done before it in this run, and kept:";
                for (const auto& u : m->completed())
                    err_ << " " << (u.dir == direction::up ? "applied " : "reverted ") << u.version << " " << u.name << ";";
                // A rollback stopped part-way: a relative down run again would count from the
                // newest unit left, so the way on names the version to keep.
                if (m->context().dir == direction::down && m->rolled_back())
                    err_ << " once the cause is fixed, revert the rest with " << name_
                         << " down --to VERSION (the newest unit to keep), not a relative down, which counts again from "
                            "the newest unit left";
            }
            err_ << std::endl;
        }
    }
    if (!json_) return;
    json doc{{"error", {{"message", text}, {"exit_code", code}}}};
    if (e) {
        const auto& c = e->context();
        doc["error"]["kind"] = to_string(e->kind());
        if (c.version) doc["error"]["version"] = *c.version;
        if (!c.unit_name.empty()) doc["error"]["name"] = c.unit_name;
        if (c.dir) doc["error"]["direction"] = to_string(*c.dir);
        if (!c.statement.empty()) doc["error"]["statement"] = redact_passwords(c.statement);
        if (!c.source.empty()) doc["error"]["source"] = c.source;
        if (!c.sqlstate.empty()) doc["error"]["sqlstate"] = c.sqlstate;
        if (!c.database.empty()) doc["error"]["database"] = c.database;
        if (const auto* listed = problems_in(e)) {
            json problems = json::array();
            for (const auto& p : *listed) problems.push_back(redact_passwords(p));
            doc["error"]["problems"] = problems;
        }
        if (const auto* d = dynamic_cast<const data_loss_error*>(e)) doc["error"]["lost"] = lost_json(d->lost());
        if (const auto* completed = completed_before(*e)) {
            json done = json::array();
            for (const auto& u : *completed)
                done.push_back({{"version", u.version}, {"name", u.name}, {"direction", to_string(u.dir)}});
            doc["error"]["completed"] = done;
        }
        if (const auto* m = dynamic_cast<const migration_error*>(e)) doc["error"]["cause"] = to_string(m->cause());
    }
    out_ << doc.dump(2) << std::endl;
}

}  // namespace strata::cli
