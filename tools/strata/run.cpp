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

/// `lint`: the pending units (a runner reads the history), or every unit without a database.
int lint_units(const invocation& in, const registry& units, const database_url& url, const runner_options& options,
               const printer& out) {
    auto scope = lint_scope::every_unit();
    if (!in.lint.all) scope = lint_scope::release(pending_units(runner(units, url, options).status()));
    auto findings = lint(units, url.kind(), scope);
    out.lint(url.redacted(), url.kind(), in.lint.all, findings, in.lint);
    const auto& threshold = in.lint.error_on;
    auto failing = [&](const lint_finding& f) { return threshold && fails(f, *threshold); };
    return std::any_of(findings.begin(), findings.end(), failing) ? exit_validation : exit_ok;
}

int run_command(const invocation& in, const registry& units, const program& self, const printer& out) {
    if (in.command == "new") {
        out.written(write_new_unit(in.new_unit, self));
        return exit_ok;
    }
    auto url = database_url::parse(in.database);
    runner_options options = in.options;
    options.on_notice = [&out](const std::string& text) { out.notice(text); };
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
        if (!in.exit_code) return exit_ok;
        bool disagrees = false, pending = false;
        for (const auto& u : statuses) {
            disagrees |= u.state == unit_state::changed || u.state == unit_state::mismatched || u.state == unit_state::unknown ||
                         u.state == unit_state::dirty || u.state == unit_state::damaged || u.out_of_order;  // the same problems validate reports
            pending |= u.state == unit_state::pending;
        }
        return disagrees ? exit_validation : pending ? exit_pending : exit_ok;
    }
    if (in.command == "schema") return schema_dump(in, r, db, out);
    if (in.command == "validate") {
        auto problems = r.validate();
        std::optional<drift_report> drift;
        if (in.schema) drift = r.diff(scratch_of(in));
        out.validation(db, problems, drift ? &*drift : nullptr);
        return problems.empty() && (!drift || drift->differences.empty()) ? exit_ok : exit_validation;
    }
    if (in.command == "diff") {
        auto drift = r.diff(scratch_of(in));
        out.drift(db, drift);
        return drift.differences.empty() ? exit_ok : exit_validation;
    }
    if (in.command == "verify") return verify(in, units, r, db, out);
    if (in.command == "up") {
        auto report = r.up(in.to, dry ? unit_observer() : progress);
        out.report("up", db, report, dry,
                   "nothing to do: " + db + " is up to date" + (in.to ? " up to version " + std::to_string(*in.to) : ""));
    } else if (in.command == "down") {
        auto report = r.down(in.down, dry ? unit_observer() : progress);
        out.report("down", db, report, dry,
                   "nothing to do: no unit newer than version " + std::to_string(in.down.to.value_or(0)) + " is applied to " + db);
    } else if (in.command == "redo") {
        out.report("redo", db, r.redo(dry ? unit_observer() : progress), dry, "nothing to do");
    } else if (in.command == "baseline") {
        out.report("baseline", db, r.baseline(*in.to), dry, "nothing to record");
    } else if (in.command == "repair") {
        r.repair(*in.repair_version, in.mark_applied);
        out.repaired(db, *in.repair_version, in.mark_applied);
    }
    return exit_ok;
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
            if (in.command != "new") {
                // Every other command may open a database: SIGTERM and SIGINT stop it cleanly.
                signals.emplace();
                in.options.stop = signals->token();
                in.options.stopped_by = [&watch = *signals] { return watch.received_name(); };
            }
            return run_command(in, units, self, out);
        } catch (const boost::program_options::error& e) {
            out.failure(exit_usage, std::string(e.what()) + " (see " + self.name + " --help)");
            return exit_usage;
        } catch (const usage_error& e) {
            out.failure(exit_usage, e.what());
            return exit_usage;
        } catch (const error& e) {
            // The error's kind decides the exit code (a failed unit's follows a lost connection);
            // a run stopped by a signal exits 128 + its number, as if the signal had ended it.
            const int code = e.kind() == error_kind::interrupted && signals && signals->received() != 0
                                 ? exit_interrupted + signals->received()
                                 : exit_status(e.kind());
            out.failure(code, e.what(), &e);
            return code;
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
