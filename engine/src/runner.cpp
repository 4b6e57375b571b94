#include <strata/runner.hpp>

#include <strata/dialect.hpp>
#include <strata/migration.hpp>
#include <strata/registry.hpp>

#include <algorithm>
#include <cctype>
#include <exception>
#include <iterator>
#include <map>
#include <mutex>
#include <thread>

#include "checksum.hpp"
#include "connection.hpp"
#include "history.hpp"
#include "progress_notice.hpp"

namespace strata {
namespace {

using clock = std::chrono::steady_clock;

std::chrono::milliseconds since(clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - start);
}

std::string unit_label(std::int64_t version, const std::string& name) { return "unit " + std::to_string(version) + " " + name; }

/// One unit of this build, rendered for this database in both directions. Rendering problems
/// are kept and raised only when that direction of that unit is asked for.
struct planned_unit {
    const registry::entry* entry = nullptr;
    rendering up;
    /// up --atomic: the unit with its online operations in their plain form, since the whole
    /// release is one transaction anyway. Its checksum stays that of `up`, the unit's identity.
    std::optional<rendering> up_atomic;
    rendering down;
    std::string checksum;
    std::exception_ptr up_problem;
    std::exception_ptr down_problem;
};

/// What one step of a run executes: this build's unit, or a unit known only from the history.
struct step {
    std::int64_t version = 0;
    std::string name;
    const planned_unit* unit = nullptr;  ///< null for a unit this build does not know
    direction dir = direction::up;
    const rendering* statements = nullptr;
    bool from_history = false;
    bool transactional = true;
    bool resumes = false;  ///< an interrupted online unit: its history row already says running
};

/// Whether `statement` builds an index (CREATE [UNIQUE] INDEX ...): its progress can be watched.
bool builds_an_index(const std::string& statement) {
    std::string head;
    for (char c : statement) {
        if (head.size() >= 20) break;
        if (std::isspace(static_cast<unsigned char>(c))) {
            if (!head.empty() && head.back() != ' ') head += ' ';
        } else {
            head += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
    }
    return head.rfind("CREATE INDEX", 0) == 0 || head.rfind("CREATE UNIQUE INDEX", 0) == 0;
}

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

/// `ops` with every online flag cleared.
std::vector<schema::operation> without_online(std::vector<schema::operation> ops) {
    for (auto& op : ops)
        std::visit(
            [](auto& o) {
                if constexpr (requires { o.online; }) o.online = false;
            },
            op);
    return ops;
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

std::string describe(const progress_event& p) {
    std::string out = unit_label(p.version, p.name) + ": " + p.operation + (p.phase.empty() ? "" : " (" + p.phase + ")") +
                      ": " + std::to_string(p.done);
    if (p.total > 0 && p.done <= p.total)
        return out + " of " + std::to_string(p.total) + " " + p.unit + " (" + std::to_string(p.done * 100 / p.total) + "%)";
    if (p.total > 0) return out + " " + p.unit + " (" + std::to_string(p.total) + " counted at the start)";
    return out + " " + p.unit;
}

struct runner::impl {
    const registry& units;
    database_url url;
    runner_options options;
    const dialect& sql_dialect;
    std::vector<planned_unit> plan;  // by version, rendered once per runner
    std::unique_ptr<connection> conn;
    std::unique_ptr<history> hist;
    std::unique_ptr<migration_lock> held;

    impl(const registry& r, database_url u, runner_options o)
        : units(r), url(std::move(u)), options(std::move(o)), sql_dialect(dialect_for(url.kind())) {
        r.validate();
        catalog state;
        for (const auto& e : r.entries()) {
            planned_unit p;
            p.entry = &e;
            std::size_t up_operations = 0;
            try {
                schema::builder b;
                e.unit->up(b);
                up_operations = b.operations().size();
                if (options.atomic && std::any_of(b.operations().begin(), b.operations().end(), schema::is_online)) {
                    catalog scratch = state;
                    std::exception_ptr ignored;  // the same operations: a problem shows in `up` too
                    p.up_atomic = render_tracking(sql_dialect, without_online(b.operations()), scratch, ignored);
                }
                p.up = render_tracking(sql_dialect, b.operations(), state, p.up_problem);
            } catch (const error&) {
                p.up_problem = std::current_exception();
            }
            if (!p.up_problem) p.checksum = checksum(p.up.statements);
            try {
                schema::builder b;
                e.unit->down(b);
                // Down runs against the schema this unit leaves: the tables it touches of it.
                catalog after = state.tables_for(b.operations());
                p.down = render_tracking(sql_dialect, b.operations(), after, p.down_problem);
                // A down() that forgot its work would report the unit reverted and delete its
                // history row while the schema stays; saying so takes b.nothing_to_undo().
                if (!p.down_problem && b.operations().empty() && up_operations > 0)
                    p.down_problem = std::make_exception_ptr(irreversible_error(
                        "its down() records no operation while its up() records " + std::to_string(up_operations) +
                        ", so reverting it would leave the schema as it is and delete its history row; record the "
                        "operations that undo up(), or call b.nothing_to_undo() in down() if there is nothing to undo"));
            } catch (const error&) {
                p.down_problem = std::current_exception();
            }
            plan.push_back(std::move(p));
        }
    }

    error_context context(std::optional<std::int64_t> version = {}, std::string name = {},
                          std::optional<direction> dir = {}) const {
        return {.database = url.redacted(), .backend = to_string(url.kind()), .version = version,
                .unit_name = std::move(name), .dir = dir};
    }

    void notice(const std::string& text) const {
        if (options.on_notice) options.on_notice(text);
    }

    /// Index builds report from a thread of their own: one report at a time.
    std::mutex progress_mutex;
    void deliver(const progress_event& p) {
        std::lock_guard<std::mutex> hold(progress_mutex);
        options.on_progress(p);
    }

    /// Runs one statement of `s`; an index build is watched meanwhile when progress is wanted.
    void execute(const step& s, const std::string& statement) {
        std::unique_ptr<progress_watch> watch;
        if (options.on_progress && builds_an_index(statement))
            watch = conn->watch_index_build([this, &s](const index_progress& p) {
                deliver({s.version, s.name, p.index.empty() ? "create_index on " + p.table : "create_index " + p.index, p.done,
                         p.total, p.unit, p.phase});
            });
        conn->execute(statement);
    }

    /// Connects, retrying for up to options.wait while the database is unreachable.
    history& open(bool for_looking) {
        if (conn && (for_looking || !conn->read_only())) return *hist;
        hist.reset();
        conn.reset();  // a read-only connection cannot serve a change: reopen
        auto deadline = clock::now() + options.wait;
        for (auto pause = std::chrono::milliseconds(250);; pause = std::min(pause * 2, std::chrono::milliseconds(5000))) {
            try {
                conn = connect(url, options.connect_timeout, for_looking);
                break;
            } catch (const connection_error& e) {
                // The last pause ends at the deadline, for one more attempt there; with less than a
                // millisecond left, that attempt was this one.
                auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
                if (left.count() <= 0) throw;
                pause = std::min(pause, left);
                notice("cannot connect yet (" + e.message() + "); retrying in " + duration_text(pause) + " (--wait)");
                std::this_thread::sleep_for(pause);
            }
        }
        hist = std::make_unique<history>(*conn, sql_dialect);
        return *hist;
    }

    /// For commands that change the database: the connection and the lock (read_for creates the
    /// metadata tables when needed).
    history& open_for_change() {
        auto& h = open(false);
        if (!held) {
            held = conn->lock(options.lock_timeout, options.on_notice);
            conn->set_lock_timeout(options.ddl_lock_timeout);
        }
        return h;
    }

    /// For a dry run: read what is there, create nothing, lock nothing.
    history& open_for_preview(run_report& report) {
        auto& h = open(true);
        for (auto& s : h.ensure_preview()) report.script.push_back(std::move(s));
        return h;
    }

    const planned_unit* find(std::int64_t version) const {
        auto it = std::lower_bound(plan.begin(), plan.end(), version,
                                   [](const planned_unit& p, std::int64_t v) { return p.entry->version < v; });
        return it != plan.end() && it->entry->version == version ? &*it : nullptr;
    }

    const rendering& statements(const planned_unit& p, direction dir) const {
        const auto& problem = dir == direction::up ? p.up_problem : p.down_problem;
        if (problem) rethrow_with(problem, context(p.entry->version, p.entry->name, dir));
        return dir == direction::up ? p.up : p.down;
    }

    std::optional<rendering> stored_down(const planned_unit& p) const {
        if (p.down_problem) return std::nullopt;
        return p.down;
    }

    std::vector<unit_status> status_of(const std::vector<history_row>& rows) const {
        std::map<std::int64_t, const history_row*> recorded;
        std::int64_t newest_applied = 0;
        for (const auto& row : rows) {
            recorded.emplace(row.version, &row);
            newest_applied = std::max(newest_applied, row.version);
        }
        std::vector<unit_status> out;
        for (const auto& p : plan) {
            unit_status s{.version = p.entry->version, .name = p.entry->name, .checksum = p.checksum};
            if (auto it = recorded.find(p.entry->version); it != recorded.end()) {
                const history_row& row = *it->second;
                s.applied_name = row.name;
                s.applied_checksum = row.checksum;
                s.applied_at = row.applied_at;
                s.execution_ms = row.execution_ms;
                s.applied_by = row.applied_by;
                // Another unit under this version (even a running one) is not this unit's to judge:
                // neither its checksum nor its dirty state say anything about this build.
                if (row.name != p.entry->name)
                    s.state = unit_state::mismatched;
                // Resumable only with the very statements it started with; an edited unit needs a person.
                else if (row.state == row_state::running && !p.up.transactional && p.up.resumable && row.checksum == p.checksum)
                    s.interrupted = true;  // pending: up finishes it
                else if (row.state == row_state::running)
                    s.state = unit_state::dirty;
                else if (!p.checksum.empty() && row.checksum != p.checksum)
                    s.state = unit_state::changed;
                else
                    s.state = unit_state::applied;
                recorded.erase(it);
            } else {
                s.out_of_order = p.entry->version < newest_applied;
            }
            out.push_back(std::move(s));
        }
        for (const auto& [version, row] : recorded)
            out.push_back({.version = version,
                           .name = row->name,
                           .applied_name = row->name,
                           .state = row->state == row_state::running ? unit_state::dirty : unit_state::unknown,
                           .applied_checksum = row->checksum,
                           .applied_at = row->applied_at,
                           .execution_ms = row->execution_ms,
                           .applied_by = row->applied_by});
        std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.version < b.version; });
        return out;
    }

    /// Every disagreement, one sentence each.
    std::vector<std::string> problems_of(const std::vector<unit_status>& status) const {
        std::vector<std::string> out;
        for (const auto& s : status) {
            auto label = unit_label(s.version, s.name);
            switch (s.state) {
            case unit_state::mismatched:
                out.push_back("version " + std::to_string(s.version) + " in the database is " + s.applied_name +
                              ", this build's unit " + std::to_string(s.version) + " is " + s.name +
                              ": check that --database points at the right database; if the unit was only renamed, "
                              "give it back its recorded name");
                break;
            case unit_state::changed:
                out.push_back(label + " changed since it was applied: its statements now have checksum " + s.checksum +
                              ", the history records " + s.applied_checksum +
                              " (write a new unit instead of editing an applied one; --allow-changed runs anyway)");
                break;
            case unit_state::unknown:
                out.push_back(label + " is applied but this build does not know it (a newer build applied it; "
                                      "--allow-unknown runs anyway)");
                break;
            case unit_state::dirty:
                out.push_back(label + " is dirty: a run of this non-transactional unit was interrupted; check the "
                                      "database, finish or undo its statements by hand, then run " +
                              options.program_name + " repair " +
                              std::to_string(s.version));
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

    /// Refuses (validation_error) a history that records another unit under one of this build's
    /// versions: the runner points at another application's database (or one made from another
    /// project's units), whose history is not this build's to change. No option allows it.
    void refuse_mismatched(const std::vector<unit_status>& status, const std::string& outcome = "nothing was run") const {
        std::vector<unit_status> mismatched;
        std::copy_if(status.begin(), status.end(), std::back_inserter(mismatched),
                     [](const unit_status& s) { return s.state == unit_state::mismatched; });
        if (mismatched.empty()) return;
        auto problems = problems_of(mismatched);
        std::string message = problems.size() == 1 ? problems.front()
                                                   : "the database records " + std::to_string(problems.size()) +
                                                         " of this build's versions under other names (is --database the "
                                                         "right database?)";
        throw validation_error(message + "; " + outcome, context(), std::move(problems));
    }

    /// Refuses (validation_error) when the history disagrees in a way the options do not allow.
    void check(const std::vector<unit_status>& status, std::optional<std::int64_t> up_to) const {
        std::vector<unit_status> relevant;
        for (const auto& s : status) {
            if (s.state == unit_state::changed && options.allow_changed) continue;
            if (s.state == unit_state::unknown && options.allow_unknown) continue;
            if (s.state == unit_state::pending && (options.allow_out_of_order || (up_to && s.version > *up_to))) continue;
            relevant.push_back(s);
        }
        auto problems = problems_of(relevant);
        if (problems.empty()) return;
        std::string message = problems.size() == 1 ? problems.front()
                                                   : "the history disagrees with this build in " + std::to_string(problems.size()) + " ways";
        throw validation_error(message + "; nothing was run", context(), std::move(problems));
    }

    /// Runs one step with its history change, retrying a unit that timed out on a table lock.
    unit_report run(const step& s, run_report& report) {
        if (options.dry_run) return preview(s, report);
        struct progress_scope {
            connection& c;
            ~progress_scope() { c.on_server_notice({}); }
        } scope{*conn};
        if (options.on_progress)
            conn->on_server_notice([this, &s](const std::string& message) {
                if (auto p = detail::parse_progress_notice(message)) deliver({s.version, s.name, p->what, p->done, p->total, p->unit});
            });
        for (int attempt = 0;; ++attempt) {
            try {
                return s.transactional ? run_in_transaction(s) : run_without_transaction(s);
            } catch (const migration_error&) {
                throw;
            } catch (const error& e) {
                if (s.transactional && conn->is_lock_timeout(e) && attempt < options.ddl_lock_retries) {
                    pause_for_lock(s, e, attempt);
                    continue;
                }
                throw failed(s, e, report);
            }
        }
    }

    /// Says a statement gave up waiting for a table lock (and whose lock it was), and waits a
    /// growing pause before the retry.
    void pause_for_lock(const step& s, const error& e, int attempt) const {
        auto pause = std::chrono::milliseconds(500) * (1 << attempt);
        std::string holders = conn->lock_holders(e.context().statement);
        notice(unit_label(s.version, s.name) + " waited longer than " + duration_text(options.ddl_lock_timeout) +
               " for a lock while executing: " + e.context().statement + (holders.empty() ? "" : "; " + holders) +
               (s.transactional ? "; rolled back" : "") +
               ", retrying in " + duration_text(pause) + " (attempt " + std::to_string(attempt + 2) + " of " +
               std::to_string(options.ddl_lock_retries + 1) + ")");
        std::this_thread::sleep_for(pause);
    }

    unit_report run_in_transaction(const step& s) {
        auto start = clock::now();
        std::string current;
        try {
            conn->begin(s.statements->foreign_keys_off);
            for (const auto& statement : s.statements->statements) {
                current = statement;
                execute(s, statement);
            }
            current.clear();
            record(s, since(start));
            conn->commit();
        } catch (error& e) {
            conn->rollback();
            if (e.context().statement.empty() && !current.empty())
                throw statement_error(e.message(), {.statement = current, .sqlstate = e.context().sqlstate});
            throw;
        } catch (...) {
            conn->rollback();
            throw;
        }
        return {s.version, s.name, s.dir, since(start), s.from_history};
    }

    /// The history row says `running` from before the first statement to after the last, so an
    /// interruption is visible as a dirty unit.
    unit_report run_without_transaction(const step& s) {
        auto start = clock::now();
        if (s.resumes)
            notice("resuming " + unit_label(s.version, s.name) + ", interrupted in an earlier run: its steps check what is already done");
        else if (s.dir == direction::up)
            hist->insert({s.version, s.name, s.unit->checksum, 0, row_state::running, stored_down(*s.unit)});
        else
            hist->set_state(s.version, row_state::running, 0);
        // Each statement commits alone. A lock wait that timed out is retried: a resumable unit
        // starts again from its first statement (its checks clean up what the timed-out one left,
        // such as an INVALID index), any other unit retries that statement (which was rolled back).
        const auto& statements = s.statements->statements;
        int attempt = 0;
        std::size_t i = 0;
        while (i < statements.size()) {
            try {
                execute(s, statements[i]);
                ++i;
            } catch (const error& e) {
                if (!conn->is_lock_timeout(e) || attempt >= options.ddl_lock_retries) {
                    std::string what_now = s.statements->resumable
                                               ? " was interrupted; fix the cause and run " + options.program_name +
                                                     " up again to finish it"
                                               : " is now dirty: check the database, then run " + options.program_name +
                                                     " repair " + std::to_string(s.version);
                    const std::string message = e.message() + "; " + unit_label(s.version, s.name) + what_now;
                    error_context where{.statement = statements[i], .sqlstate = e.context().sqlstate};
                    if (e.kind() == error_kind::connection) throw connection_error(message, where);
                    throw statement_error(message, where);
                }
                pause_for_lock(s, e, attempt++);
                if (s.statements->resumable) i = 0;
            }
        }
        // The final history change and its audit row commit together.
        auto ms = since(start).count();
        conn->begin(false);
        try {
            if (s.dir == direction::up)
                hist->set_state(s.version, row_state::applied, ms);
            else
                hist->remove(s.version);
            hist->log({s.version, s.name, to_string(s.dir), ms, "ok", {}});
            conn->commit();
        } catch (...) {
            conn->rollback();
            throw;
        }
        return {s.version, s.name, s.dir, since(start), s.from_history};
    }

    /// The history and audit rows of a step that ran, inside its transaction.
    void record(const step& s, std::chrono::milliseconds elapsed) {
        if (s.dir == direction::up)
            hist->insert({s.version, s.name, s.unit->checksum, elapsed.count(), row_state::applied, stored_down(*s.unit)});
        else
            hist->remove(s.version);
        hist->log({s.version, s.name, to_string(s.dir), elapsed.count(), "ok", {}});
    }

    /// The migration_error for a failed step; the failure goes to the audit log on its own.
    migration_error failed(const step& s, const error& e, const run_report& report) {
        std::vector<migration_error::completed_unit> completed;
        for (const auto& u : report.units) completed.push_back({u.version, u.name, u.dir});
        error_context c = context(s.version, s.name, s.dir);
        c.statement = e.context().statement;
        c.sqlstate = e.context().sqlstate;
        migration_error failure(e.message(), c, std::move(completed), s.transactional, e.kind());
        try {
            hist->log({s.version, s.name, to_string(s.dir), 0, "failed", scrub(failure.what(), url.password())});
        } catch (const error&) {
            // The audit row is worth less than the error that explains the failure.
        }
        return failure;
    }

    unit_report preview(const step& s, run_report& report) {
        auto& out = report.script;
        bool fk_off = s.statements->foreign_keys_off;
        out.push_back("-- " + unit_label(s.version, s.name) + " (" + to_string(s.dir) + ")" +
                      (s.from_history ? ", with the down statements stored when it was applied" : ""));
        if (s.transactional) {
            for (auto& line : conn->begin_preview(fk_off)) out.push_back(std::move(line));
        } else {
            out.push_back("-- not in a transaction: each statement commits on its own, the history row says 'running' meanwhile");
            if (s.resumes)
                out.push_back("-- resuming an interrupted run: the history row exists already");
            else if (s.dir == direction::up)
                out.push_back(hist->insert_preview({s.version, s.name, s.unit->checksum, 0, row_state::running, stored_down(*s.unit)}));
            else
                out.push_back(hist->set_state_preview(s.version, row_state::running));
        }
        for (const auto& statement : s.statements->statements)
            for (auto& line : conn->statement_preview(statement)) out.push_back(std::move(line));
        if (s.dir == direction::up && !s.transactional)
            out.push_back(hist->set_state_preview(s.version, row_state::applied));
        else if (s.dir == direction::up)
            out.push_back(hist->insert_preview({s.version, s.name, s.unit->checksum, 0, row_state::applied, stored_down(*s.unit)}));
        else
            out.push_back(hist->remove_preview(s.version));
        out.push_back(hist->log_preview({s.version, s.name, to_string(s.dir), 0, "ok", {}}));
        if (s.transactional)
            for (auto& line : conn->commit_preview(fk_off)) out.push_back(std::move(line));
        return {s.version, s.name, s.dir, std::chrono::milliseconds(0), s.from_history};
    }

    run_report run_all(const std::vector<step>& steps, const unit_observer& observer, run_report report = {}) {
        auto start = clock::now();
        for (const auto& s : steps) {
            report.units.push_back(run(s, report));
            if (observer) observer(report.units.back());
        }
        report.duration += since(start);
        return report;
    }

    /// up --atomic: every step in one transaction; on failure nothing of the release stays.
    run_report run_atomic(const std::vector<step>& steps, const unit_observer& observer) {
        if (!sql_dialect.features().transactional_ddl)
            throw unsupported_error(std::string("--atomic needs transactional DDL, which ") + to_string(url.kind()) + " lacks",
                                    context());
        for (const auto& s : steps)
            if (!s.transactional)
                throw unsupported_error(unit_label(s.version, s.name) + " cannot run in a transaction, so --atomic cannot include it",
                                        context());
        bool fk_off = std::any_of(steps.begin(), steps.end(), [](const step& s) { return s.statements->foreign_keys_off; });
        run_report report;
        auto start = clock::now();
        if (options.dry_run) {
            for (auto& line : conn->begin_preview(fk_off)) report.script.push_back(std::move(line));
            for (const auto& s : steps) {
                run_report one;
                step inner = s;
                preview_statements_only(inner, one);
                for (auto& line : one.script) report.script.push_back(std::move(line));
                report.units.push_back({s.version, s.name, s.dir, {}, false});
            }
            for (auto& line : conn->commit_preview(fk_off)) report.script.push_back(std::move(line));
            return report;
        }
        std::vector<unit_report> done;
        const step* current = nullptr;
        try {
            conn->begin(fk_off);
            for (const auto& s : steps) {
                current = &s;
                auto unit_start = clock::now();
                for (const auto& statement : s.statements->statements) {
                    try {
                        execute(s, statement);
                    } catch (const error& e) {
                        if (e.kind() == error_kind::connection) throw;  // it names the statement already
                        throw statement_error(e.message(), {.statement = statement, .sqlstate = e.context().sqlstate});
                    }
                }
                record(s, since(unit_start));
                done.push_back({s.version, s.name, s.dir, since(unit_start), false});
            }
            current = nullptr;
            conn->commit();
        } catch (const error& e) {
            conn->rollback();
            const step& s = current ? *current : steps.back();
            throw failed(s, e, report);  // report is empty: nothing of the release stays
        }
        for (auto& u : done) {
            report.units.push_back(u);
            if (observer) observer(u);
        }
        report.duration = since(start);
        return report;
    }

    void preview_statements_only(const step& s, run_report& report) {
        report.script.push_back("-- " + unit_label(s.version, s.name) + " (" + to_string(s.dir) + ")");
        for (const auto& statement : s.statements->statements)
            for (auto& line : conn->statement_preview(statement)) report.script.push_back(std::move(line));
        report.script.push_back(hist->insert_preview({s.version, s.name, s.unit->checksum, 0, row_state::applied, stored_down(*s.unit)}));
        report.script.push_back(hist->log_preview({s.version, s.name, to_string(s.dir), 0, "ok", {}}));
    }

    step up_step(const planned_unit& p) const {
        const rendering& r = options.atomic && p.up_atomic && !p.up_problem ? *p.up_atomic : statements(p, direction::up);
        return {p.entry->version, p.entry->name, &p, direction::up, &r, false,
                p.entry->transaction == transaction_mode::per_unit && r.transactional, false};
    }

    /// The down step for an applied unit, refusing before anything runs when it is not possible.
    step down_step(const history_row& row, const std::optional<rendering>& stored) const {
        const planned_unit* p = find(row.version);
        bool changed = p && !p->checksum.empty() && p->checksum != row.checksum;
        if (p && !changed) {
            return {row.version, row.name, p, direction::down, &statements(*p, direction::down), false,
                    p->entry->transaction == transaction_mode::per_unit && p->down.transactional};
        }
        // Unknown to this build, or changed since it was applied: revert what was applied, with
        // the statements stored at the time.
        if (!stored)
            throw irreversible_error(std::string(p ? "it changed since it was applied" : "this build does not know it") +
                                         ", and the history stores no down statements for it (it was irreversible when "
                                         "applied); revert it by hand or with the build that applied it",
                                     context(row.version, row.name, direction::down));
        return {row.version, row.name, p, direction::down, &*stored, true,
                stored->transactional && (!p || p->entry->transaction == transaction_mode::per_unit)};
    }

    /// The rows `down` reverts, newest first.
    std::vector<history_row> down_rows(const std::vector<history_row>& rows, const down_request& request) const {
        if (rows.empty()) throw config_error("nothing to revert: no unit is applied", context());
        std::size_t count = 1;
        if (request.all) {
            count = rows.size();
        } else if (request.steps) {
            if (*request.steps < 1) throw config_error("--steps must be at least 1", context());
            count = static_cast<std::size_t>(*request.steps);
            if (count > rows.size())
                throw config_error("asked to revert " + std::to_string(count) + " units but only " + std::to_string(rows.size()) +
                                       (rows.size() == 1 ? " is" : " are") + " applied; use --all to revert them all",
                                   context());
        } else if (request.to) {
            if (std::none_of(rows.begin(), rows.end(), [&](const history_row& r) { return r.version == *request.to; }))
                throw config_error("cannot revert to version " + std::to_string(*request.to) +
                                       ": it is not applied (see " + options.program_name + " status)",
                                   context());
            count = static_cast<std::size_t>(
                std::count_if(rows.begin(), rows.end(), [&](const history_row& r) { return r.version > *request.to; }));
        }
        return {rows.rbegin(), rows.rbegin() + static_cast<std::ptrdiff_t>(count)};
    }

    /// Refuses a down touching a unit that changed or is dirty, unless the options allow it.
    void check_down(const std::vector<unit_status>& status, const std::vector<history_row>& targets) const {
        std::vector<unit_status> relevant;
        for (const auto& s : status) {
            bool targeted = std::any_of(targets.begin(), targets.end(), [&](const history_row& r) { return r.version == s.version; });
            if (s.state == unit_state::dirty || (targeted && s.state == unit_state::changed && !options.allow_changed))
                relevant.push_back(s);
        }
        auto problems = problems_of(relevant);
        for (const auto& s : status)
            if (s.interrupted && std::any_of(targets.begin(), targets.end(), [&](const history_row& r) { return r.version == s.version; }))
                problems.push_back(unit_label(s.version, s.name) +
                                   " was interrupted half-way; run " + options.program_name +
                                   " up to finish it before reverting it");
        if (problems.empty()) return;
        std::string message = problems.front() + "; nothing was run";  // before problems is moved
        throw validation_error(message, context(), std::move(problems));
    }

    /// The history, read after taking the lock (or, for a dry run, without). Only `up` and
    /// `baseline` create the metadata tables; the others first look, and a database without a
    /// history has nothing applied: they are refused without creating anything.
    std::vector<history_row> read_for(run_report& report, bool create) {
        if (options.dry_run) return open_for_preview(report).read();
        if (!create && !open(true).exists()) return {};
        // The history first: on SQLite it tells whether the tables exist, so a run with a history
        // (every run but the first) asks the catalog nothing (history::read).
        auto& h = open_for_change();
        auto rows = h.read();
        if (create) h.ensure();
        return rows;
    }

    run_report down(const down_request& request, const unit_observer& observer, run_report report = {}) {
        auto rows = read_for(report, false);
        auto status = status_of(rows);
        refuse_mismatched(status);  // before down_rows: on another application's database, nothing else matters
        auto targets = down_rows(rows, request);
        check_down(status, targets);
        // The stored down statements, parsed for the units reverted only.
        std::vector<std::optional<rendering>> stored;
        stored.reserve(targets.size());
        for (const auto& row : targets) stored.push_back(recorded_down(row));
        std::vector<step> steps;
        for (std::size_t i = 0; i < targets.size(); ++i) {
            const auto& row = targets[i];
            steps.push_back(down_step(row, stored[i]));
            if (steps.back().from_history && !options.dry_run)
                notice("reverting " + unit_label(row.version, row.name) +
                       (steps.back().unit ? ", which changed since it was applied," : ", which this build does not know,") +
                       " with the down statements stored when it was applied");
        }
        return run_all(steps, observer, std::move(report));  // steps point into targets and stored, alive until here
    }
};

namespace {

/// Each command that changes the database holds the lock for its own run only: a program that
/// keeps its runner (to show status later) must not block the next deploy.
struct command_scope {
    std::unique_ptr<migration_lock>& held;
    ~command_scope() { held.reset(); }
};

}  // namespace

runner::runner(const registry& units, database_url url, runner_options options)
    : impl_(std::make_unique<impl>(units, std::move(url), std::move(options))) {}
runner::~runner() = default;

const database_url& runner::url() const noexcept { return impl_->url; }

std::vector<unit_status> runner::status() { return impl_->status_of(impl_->open(true).read()); }

std::vector<std::string> runner::validate() { return impl_->problems_of(status()); }

run_report runner::up(std::optional<std::int64_t> to, const unit_observer& observer) {
    auto& d = *impl_;
    command_scope scope{d.held};
    if (to && !d.find(*to))
        throw config_error("cannot migrate to version " + std::to_string(*to) + ": this build has no such unit (see " +
                               d.options.program_name + " status)",
                           d.context());
    run_report report;
    auto rows = d.read_for(report, true);
    auto status = d.status_of(rows);
    d.refuse_mismatched(status);
    d.check(status, to);
    std::vector<step> steps;
    for (const auto& s : status) {
        if (s.state != unit_state::pending || (to && s.version > *to)) continue;
        steps.push_back(d.up_step(*d.find(s.version)));  // refuses an unrenderable unit before anything runs
        steps.back().resumes = s.interrupted;
    }
    if (d.options.atomic && !steps.empty()) {
        auto atomic = d.run_atomic(steps, observer);
        for (auto& line : atomic.script) report.script.push_back(std::move(line));
        atomic.script = std::move(report.script);
        return atomic;
    }
    return d.run_all(steps, observer, std::move(report));
}

run_report runner::down(const down_request& request, const unit_observer& observer) {
    command_scope scope{impl_->held};
    return impl_->down(request, observer);
}

run_report runner::redo(const unit_observer& observer) {
    auto& d = *impl_;
    command_scope scope{d.held};
    run_report report;
    auto rows = d.read_for(report, false);
    if (rows.empty()) throw config_error("nothing to revert: no unit is applied", d.context());
    d.refuse_mismatched(d.status_of(rows));
    const planned_unit* p = d.find(rows.back().version);
    if (!p)
        throw config_error(unit_label(rows.back().version, rows.back().name) +
                               " is the newest applied unit but this build does not know it, so it cannot apply it again",
                           d.context());
    auto again = d.up_step(*p);  // both directions are checked before the first statement runs
    report = d.down({}, observer, std::move(report));
    return d.run_all({again}, observer, std::move(report));
}

run_report runner::baseline(std::int64_t to) {
    auto& d = *impl_;
    command_scope scope{d.held};
    if (!d.find(to))
        throw config_error("cannot baseline to version " + std::to_string(to) + ": this build has no such unit", d.context());
    run_report report;
    auto rows = d.read_for(report, true);
    if (!rows.empty())
        throw config_error("baseline is only for a database without history, and this one has " +
                               std::to_string(rows.size()) + " applied unit(s); use " + d.options.program_name + " status",
                           d.context());
    auto start = clock::now();
    if (d.options.dry_run) {
        for (auto& line : d.conn->begin_preview(false)) report.script.push_back(std::move(line));
    } else {
        d.conn->begin(false);
    }
    try {
        for (const auto& p : d.plan) {
            if (p.entry->version > to) break;
            if (p.up_problem) d.statements(p, direction::up);  // a checksum is needed: refuse
            history_entry e{p.entry->version, p.entry->name, p.checksum, 0, row_state::applied, d.stored_down(p)};
            log_entry l{p.entry->version, p.entry->name, "baseline", 0, "ok", {}};
            if (d.options.dry_run) {
                report.script.push_back(d.hist->insert_preview(e));
                report.script.push_back(d.hist->log_preview(l));
            } else {
                d.hist->insert(e);
                d.hist->log(l);
            }
            report.units.push_back({p.entry->version, p.entry->name, direction::up, {}, false});
        }
        if (d.options.dry_run) {
            for (auto& line : d.conn->commit_preview(false)) report.script.push_back(std::move(line));
        } else {
            d.conn->commit();
        }
    } catch (...) {
        if (!d.options.dry_run) d.conn->rollback();
        throw;
    }
    report.duration = since(start);
    return report;
}

void runner::repair(std::int64_t version, bool mark_applied) {
    auto& d = *impl_;
    command_scope scope{d.held};
    run_report unused;
    auto rows = d.read_for(unused, false);
    auto& h = *d.hist;
    auto status = d.status_of(rows);
    // Any unit of another application's, not only this version: its history is not ours to change.
    d.refuse_mismatched(status, "nothing was repaired");
    auto it = std::find_if(rows.begin(), rows.end(), [&](const history_row& r) { return r.version == version; });
    if (it == rows.end() || it->state != row_state::running)
        throw config_error("unit " + std::to_string(version) + " is not dirty, there is nothing to repair (see " +
                               d.options.program_name + " status)",
                           d.context());
    if (std::any_of(status.begin(), status.end(), [&](const unit_status& s) { return s.version == version && s.interrupted; }))
        throw config_error("unit " + std::to_string(version) +
                               " is not dirty: it was interrupted and resumes by itself; run " + d.options.program_name +
                               " up to finish it",
                           d.context());
    d.conn->begin(false);
    try {
        if (mark_applied)
            h.set_state(version, row_state::applied, it->execution_ms);
        else
            h.remove(version);
        h.log({version, it->name, "repair", 0, "ok", mark_applied ? "marked applied" : "marked pending"});
        d.conn->commit();
    } catch (...) {
        d.conn->rollback();
        throw;
    }
}

}  // namespace strata
