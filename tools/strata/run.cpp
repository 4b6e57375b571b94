// The command line: parse, call the engine, print. Nothing here talks SQL.

#include <strata/cli.hpp>
#include <strata/strata.hpp>

#include <boost/program_options/errors.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <set>

#include "command_line.hpp"
#include "signals.hpp"

namespace strata::cli {
namespace {

/// schema dump [--output FILE | --check FILE].
int schema_dump(const invocation& in, runner& r, const std::string& db, const printer& out) {
    const std::string sql = r.schema_dump();
    if (in.schema_check) {
        std::ifstream file(*in.schema_check, std::ios::binary);
        if (!file)
            throw usage_error("cannot read " + *in.schema_check + " (" + std::strerror(errno) + "); write it first with schema dump --output " +
                              *in.schema_check);
        const std::string committed{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
        const std::string diff = unified_diff(committed, sql, *in.schema_check, db);
        out.schema_check(db, *in.schema_check, diff);
        return diff.empty() ? exit_ok : exit_validation;
    }
    if (!in.schema_output) {
        out.schema(db, sql);
        return exit_ok;
    }
    // Written next to the file and renamed over it: a reader never sees half a schema.
    const std::string temporary = *in.schema_output + ".tmp";
    {
        std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
        file << sql;
        if (!file.flush()) {
            const std::string why = std::strerror(errno);
            std::remove(temporary.c_str());
            throw usage_error("cannot write " + temporary + " (" + why + ")");
        }
    }
    if (std::rename(temporary.c_str(), in.schema_output->c_str()) != 0) {
        const std::string why = std::strerror(errno);
        std::remove(temporary.c_str());
        throw usage_error("cannot write " + *in.schema_output + " (" + why + ")");
    }
    out.written(*in.schema_output, "schema dump");
    return exit_ok;
}

std::optional<database_url> scratch_of(const invocation& in) {
    if (!in.scratch) return std::nullopt;
    return database_url::parse(*in.scratch);
}

/// verify [--scratch URL]: exit 0 when every unit round-trips (irreversible ones aside), 1 when not.
int verify(const invocation& in, const registry& units, runner& r, const std::string& db, const printer& out) {
    const auto scratch = scratch_of(in);
    out.verifying(db, scratch                              ? scratch->redacted()
                      : r.url().kind() == backend::sqlite ? std::string("a scratch database in memory")
                                                          : std::string("a temporary database on the same server"));
    auto verdicts = r.verify(scratch, [&out](const unit_verification& v) { out.verified(v); });
    out.verification(db, verdicts, units.entries().size());
    const bool ok = verdicts.size() == units.entries().size() &&
                    std::none_of(verdicts.begin(), verdicts.end(), [](const unit_verification& v) {
                        return v.result == unit_verification::outcome::differs || v.result == unit_verification::outcome::failed;
                    });
    return ok ? exit_ok : exit_unit_failed;
}

/// The pending units of `statuses`.
std::set<std::int64_t> pending_units(const std::vector<unit_status>& statuses) {
    std::set<std::int64_t> pending;
    for (const auto& u : statuses)
        if (u.state == unit_state::pending) pending.insert(u.version);
    return pending;
}

/// `up`: the warnings lint finds in the units it is about to run, on stderr, before they run
/// (called by the runner after its locked read of the history); they do not stop it.
std::function<void(const std::vector<std::int64_t>&)> warn_before_up(const registry& units, backend b, const printer& out) {
    return [&units, b, &out](const std::vector<std::int64_t>& versions) {
        try {
            for (const auto& f : lint(units, b, lint_scope::release({versions.begin(), versions.end()})))
                if (fails(f, lint_level::warning)) out.notice(describe(f));
        } catch (const error&) {
            // Advice only: a unit that cannot be read is refused by up itself, naming it.
        }
    };
}

/// A run's units as a fleet's line says them: "3 units applied", "nothing to do".
outcome ran(const run_report& report, bool dry, const char* done) {
    if (!report.refused_losses.empty())
        return {exit_unit_failed, report.units.size(),
                "the run would be refused: " + plural(report.refused_losses.size(), "drop") + " of data (--allow-data-loss)"};
    if (report.units.empty()) return {exit_ok, 0, "nothing to do"};
    return {exit_ok, report.units.size(), plural(report.units.size(), "unit") + " " + (dry ? "would run" : done)};
}

/// status's counts on one line, and its exit code with --exit-code.
outcome status_outcome(const std::vector<unit_status>& statuses, bool exit_code) {
    std::map<unit_state, std::size_t> counts;
    bool disagrees = false;
    for (const auto& u : statuses) {
        ++counts[u.state];
        disagrees |= u.state == unit_state::changed || u.state == unit_state::mismatched || u.state == unit_state::unknown ||
                     u.state == unit_state::dirty || u.state == unit_state::damaged || u.out_of_order;  // the same problems validate reports
    }
    std::string line;
    for (auto s : {unit_state::applied, unit_state::pending, unit_state::changed, unit_state::mismatched, unit_state::unknown,
                   unit_state::dirty, unit_state::damaged})
        if (counts[s] || s == unit_state::applied || s == unit_state::pending)
            line += (line.empty() ? "" : ", ") + std::to_string(counts[s]) + " " + to_string(s);
    int code = !exit_code ? exit_ok : disagrees ? exit_validation : counts[unit_state::pending] ? exit_pending : exit_ok;
    return {code, 0, line};
}

/// `lint`: the pending units (a runner reads the history), or every unit without a database.
outcome lint_units(const invocation& in, const registry& units, const database_url& url, const runner_options& options,
                   const printer& out) {
    auto scope = lint_scope::every_unit();
    if (!in.lint.all) scope = lint_scope::release(pending_units(runner(units, url, options).status()));
    auto findings = lint(units, url.kind(), scope);
    out.lint(url.redacted(), url.kind(), in.lint.all, findings, in.lint);
    const auto& threshold = in.lint.error_on;
    std::size_t warnings = 0, failing = 0;
    for (const auto& f : findings) {
        warnings += f.level == lint_level::warning;
        failing += threshold && fails(f, *threshold);
    }
    return {failing ? exit_validation : exit_ok, 0,
            plural(warnings, "warning") + ", " + plural(findings.size() - warnings, "notice") +
                (failing ? " (" + std::to_string(failing) + " not allowed at --error-on)" : "")};
}

}  // namespace

outcome run_command(const invocation& in, const database_url& url, const registry& units, const program& self,
                    const printer& out, const std::function<void(const std::string&)>& notice) {
    runner_options options = in.options;
    options.on_notice = notice;
    if (out.shows_work()) options.on_progress = [&out](const progress_event& p) { out.work(p); };
    options.program_name = self.name;
    if (in.command == "lint") return lint_units(in, units, url, options, out);
    if (in.command == "up") options.on_pending = warn_before_up(units, url.kind(), out);
    runner r(units, url, options);
    const std::string db = url.redacted();
    auto progress = [&out](const unit_report& u) { out.progress(u); };
    const bool dry = options.dry_run;

    if (in.command == "status") {
        auto statuses = r.status();
        out.status(db, statuses);
        return status_outcome(statuses, in.exit_code);
    }
    if (in.command == "schema") {
        const int code = schema_dump(in, r, db, out);
        return {code, 0, !in.schema_check ? "schema dumped" : code == exit_ok ? "matches " + *in.schema_check
                                                                               : "differs from " + *in.schema_check};
    }
    if (in.command == "validate") {
        auto problems = r.validate();
        std::optional<drift_report> drift;
        if (in.schema) drift = r.diff(scratch_of(in));
        out.validation(db, problems, drift ? &*drift : nullptr);
        const std::size_t differences = drift ? drift->differences.size() : 0;
        if (problems.empty() && differences == 0) return {exit_ok, 0, "ok"};
        return {exit_validation, 0,
                plural(problems.size(), "problem") + (drift ? ", " + plural(differences, "schema difference") : std::string())};
    }
    if (in.command == "diff") {
        auto drift = r.diff(scratch_of(in));
        out.drift(db, drift);
        if (drift.differences.empty()) return {exit_ok, 0, "no drift"};
        return {exit_validation, 0, plural(drift.differences.size(), "difference")};
    }
    if (in.command == "verify") {
        const int code = verify(in, units, r, db, out);
        return {code, 0, code == exit_ok ? "every unit round-trips" : "a unit does not round-trip"};
    }
    if (in.command == "up") {
        auto report = r.up(in.to, dry ? unit_observer() : progress);
        out.report("up", db, report, dry,
                   "nothing to do: " + db + " is up to date" + (in.to ? " up to version " + std::to_string(*in.to) : ""));
        return ran(report, dry, "applied");
    }
    if (in.command == "down") {
        auto report = r.down(in.down, dry ? unit_observer() : progress);
        out.report("down", db, report, dry,
                   in.down.to     ? "nothing to do: no unit newer than version " + std::to_string(*in.down.to) + " is applied to " + db
                   : in.down.only ? "nothing to do: unit " + std::to_string(*in.down.only) + " is not applied to " + db
                                  : "nothing to do: no unit is applied to " + db);
        return ran(report, dry, "reverted");
    }
    if (in.command == "redo") {
        auto report = r.redo(dry ? unit_observer() : progress);
        out.report("redo", db, report, dry, "nothing to do");
        return ran(report, dry, "redone");
    }
    if (in.command == "baseline") {
        auto report = r.baseline(*in.to);
        out.report("baseline", db, report, dry, "nothing to record");
        return ran(report, dry, "recorded as applied");
    }
    // repair
    const auto version = *in.repair_version;
    std::optional<change_review> review;
    if (in.repair == repair_action::accept_change)
        review = r.accept_change(version);
    else if (in.repair == repair_action::mark_reverted)
        r.record_reverted(version);
    else
        r.repair(version, in.repair == repair_action::mark_applied);
    out.repaired(db, version, in.repair, dry, review);
    return {exit_ok, 1, "unit " + std::to_string(version) + (dry ? " checked (dry run)" : " repaired")};
}

outcome guarded(const printer& out, const signal_watch* signals, const std::function<outcome()>& body) {
    auto failed = [&out](int code, const std::string& message, const error* e = nullptr) {
        out.failure(code, message, e);
        // The first line (a failed statement's text follows on the next ones); units that completed
        // before the failure stay.
        const auto* completed = e ? completed_before(*e) : nullptr;
        return outcome{code, completed ? completed->size() : 0, redact_passwords(message.substr(0, message.find('\n')))};
    };
    try {
        return body();
    } catch (const usage_error& e) {
        return failed(exit_usage, e.what());
    } catch (const error& e) {
        // The error's kind decides the exit code (a failed unit's follows a lost connection);
        // a run stopped by a signal exits 128 + its number, as if the signal had ended it.
        const int code = e.kind() == error_kind::interrupted && signals && signals->received() != 0
                             ? exit_interrupted + signals->received()
                             : exit_status(e.kind());
        return failed(code, e.what(), &e);
    } catch (const std::exception& e) {
        return failed(exit_unit_failed, std::string("unexpected: ") + e.what());
    }
}

int more_severe(int a, int b) {
    auto rank = [](int code) {
        if (code >= exit_interrupted) return 8;
        switch (code) {
        case exit_unit_failed: return 7;
        case exit_validation: return 6;
        case exit_usage: return 5;
        case exit_connection: return 4;
        case exit_lock_timeout: return 3;
        case exit_pending: return 2;
        case exit_ok: return 0;
        default: return 1;
        }
    };
    return rank(b) > rank(a) ? b : a;
}

namespace {

/// After a command whose output went to a reader that was gone (SIGPIPE is ignored while it
/// works: signal_watch): one line on stderr, so the deploy log says the command ran to its end.
void say_lost_output(const program& self, int code) {
    std::cout.flush();
    if (std::cout) return;
    std::cerr << self.name << ": its output could not be written to stdout (a reader that went, such as a `| tee` that "
              << "was stopped, or a full disk); the command went on to its end, exit " << code << "; see " << self.name
              << " status" << std::endl;
}

}  // namespace

int run(int argc, const char* const* argv, const registry& units, const program& self) {
    bool json = false;
    for (int i = 1; i < argc; ++i) json |= std::string(argv[i]) == "--json";
    // Outlives the printing of a failure: a second signal while it is printed still exits at once.
    std::optional<signal_watch> signals;
    try {
        printer out(json, self.name);
        try {
            auto in = parse(argc, argv, self);
            if (in.version) {
                // A project's migrator has no version of its own: it is its units on this strata.
                if (self.name == "strata") std::cout << "strata " << version_string << "\n";
                else std::cout << self.name << " (strata " << version_string << ")\n";
                return exit_ok;
            }
            if (in.help) {
                print_help(std::cout, in.command, self);
                return exit_ok;
            }
            if (in.command.empty()) {
                print_help(std::cerr, {}, self);
                out.failure(exit_usage, "no command given (try " + self.name + " --help)");
                return exit_usage;
            }
            if (in.command == "new") {
                out.written(write_new_unit(in.new_unit, self));
                return exit_ok;
            }
            // Every other command may open a database: SIGTERM and SIGINT stop it cleanly.
            signals.emplace();
            in.options.stop = signals->token();
            in.options.stopped_by = [&watch = *signals] { return watch.received_name(); };
            auto notice = [&out](const std::string& text) { out.notice(text); };
            const int code = in.many() ? run_fleet(in, units, self, out, &*signals) : guarded(out, &*signals, [&] {
                                                                                           return run_command(in, database_url::parse(in.databases.front()),
                                                                                                              units, self, out, notice);
                                                                                       }).code;
            say_lost_output(self, code);
            return code;
        } catch (const boost::program_options::error& e) {
            out.failure(exit_usage, std::string(e.what()) + " (see " + self.name + " --help)");
            return exit_usage;
        } catch (const usage_error& e) {
            out.failure(exit_usage, e.what());
            return exit_usage;
        } catch (const error& e) {
            // Before any database was opened (expanding a fleet's schemas is the exception).
            out.failure(exit_status(e.kind()), e.what(), &e);
            return exit_status(e.kind());
        } catch (const std::exception& e) {
            out.failure(exit_unit_failed, std::string("unexpected: ") + e.what());
            return exit_unit_failed;
        }
    } catch (...) {
        // Printing the failure failed (stdout closed, out of memory): the exit code still says it.
        return exit_unit_failed;
    }
}

}  // namespace strata::cli
