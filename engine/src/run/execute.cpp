#include "run/execute.hpp"

#include <strata/sql_unit.hpp>

#include <algorithm>
#include <cctype>
#include <optional>

#include "progress_notice.hpp"
#include "run/stop.hpp"
#include "transaction.hpp"

namespace strata {
namespace {

using clock = std::chrono::steady_clock;

std::chrono::milliseconds since(clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - start);
}

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

/// A wait that ran out: the migration lock, a busy SQLite file, a lagging standby.
bool waited_too_long(const error& e) { return e.kind() == error_kind::lock_timeout || e.kind() == error_kind::replica_lag; }

/// Runs `run`; an error that does not say which statement raised it (the connection's do) is
/// raised again naming `statement`. Any other keeps its type (a lost connection stays one), and
/// so does a wait that ran out (waited_too_long: not the statement's fault) and a stop
/// (interrupted_error).
template <class F>
void naming(const std::string& statement, F&& run) {
    try {
        run();
    } catch (const error& e) {
        if (!e.context().statement.empty() || waited_too_long(e) || e.kind() == error_kind::interrupted) throw;
        throw statement_error(e.message(), {.statement = statement, .sqlstate = e.context().sqlstate});
    }
}

/// The audit row's message for a unit that completed: said only when it was not the usual run.
std::string audit_note(const step& s) {
    std::string note = !s.rolls_back ? ""
                       : s.reverting ? "its down had been interrupted half-way: finished it"
                                     : "its up had been interrupted half-way: undid what its finished steps did";
    if (s.dir == direction::down && s.statements->data_loss_allowed)
        note += (note.empty() ? "" : "; ") + std::string("what it drops was not counted, the unit allows it: ") +
                *s.statements->data_loss_allowed;
    else if (s.drops_uncounted)
        note += (note.empty() ? "" : "; ") + std::string("what it drops was not counted: --allow-data-loss");
    return note;
}

/// The rollback a row of `s`'s unit stores while it runs outside a transaction (stored_down): an
/// online unit's, which this build can render (with its down, stored next to it, when it has one).
const rendering* own_rollback(const step& s) {
    if (!s.unit || !s.unit->rollback || s.unit->rollback_problem) return nullptr;
    return &*s.unit->rollback;
}

/// How a step run with statements from the history says so.
const char* stored_text(const step& s) {
    return s.rolls_back ? " with the statements stored by the build that ran it (each step's inverse)"
                        : " with the down statements stored when it was applied";
}

/// Where a .sql unit's `statement` is written on `b` ("FILE:LINE"); empty for another unit's, or
/// a statement its file does not have as written (a stored down the file changed since).
std::string source_of(const step& s, const std::string& statement, backend b) {
    if (!s.unit || statement.empty()) return "";
    const auto* file = dynamic_cast<const sql_migration*>(s.unit->entry->unit.get());
    if (!file) return "";
    const auto& parsed = file->parsed();
    const schema::sql_script* script = s.dir == direction::up ? &parsed.up : parsed.down ? &*parsed.down : nullptr;
    if (!script) return "";
    const auto& statements = b == backend::postgresql ? script->postgresql : script->sqlite;
    const auto& lines = b == backend::postgresql ? script->postgresql_lines : script->sqlite_lines;
    if (!statements) return "";
    for (std::size_t i = 0; i < statements->size() && i < lines.size(); ++i)
        if ((*statements)[i] == statement) return file->file() + ":" + std::to_string(lines[i]);
    return "";
}

}  // namespace

executor::executor(target t, const runner_options& options, error_context where)
    : t_(t), options_(options), where_(std::move(where)),
      lag_(t_.conn, options_, t_.script != nullptr, [this](const std::string& text) { say(text); }) {}

void executor::check_stop() const {
    if (!options_.stop.stop_requested()) return;
    // The stop callback may still be sending its cancel request: wait for it (or send it), so it
    // cannot cancel the rollback or the audit row that come next.
    t_.conn.interrupt(stop_reason(options_));
    throw interrupted_error(stop_reason(options_));
}

void executor::say(const std::string& text) const {
    if (t_.script)
        t_.script->push_back("-- " + text);
    else if (options_.on_notice)
        options_.on_notice(text);
}

void executor::header(const step& s) const {
    std::string edited;
    if (s.down_edited)
        edited = ", with this build's down statements, which differ from those stored when it was applied "
                 "(its down was edited since: an older build would run the stored ones)";
    if (s.allowance_edited)
        edited += std::string(s.down_edited ? " and" : ",") +
                  " with this build's allowance to drop data, which differs from the one stored when it was applied (" +
                  (s.statements->data_loss_allowed ? "\"" + *s.statements->data_loss_allowed + "\"" : std::string("none")) +
                  " now: an older build would go by the stored one)";
    if (t_.script) {
        t_.script->push_back("-- " + unit_label(s.version, s.name) + " (" + to_string(s.dir) + ")" +
                             (s.from_history ? "," + std::string(stored_text(s)) : std::string()) + edited +
                             (s.rolls_back ? ", interrupted half-way: each step's inverse, where the step got done" : ""));
        return;
    }
    // Said as the unit starts, not when the run is planned: a run that stops earlier never reverts it.
    if (s.from_history)
        say("reverting " + unit_label(s.version, s.name) +
            (s.unit ? ", which changed since it was applied," : ", which this build does not know,") + stored_text(s));
    if (!edited.empty()) say("reverting " + unit_label(s.version, s.name) + edited);
}

void executor::deliver(const progress_event& p) {
    std::lock_guard<std::mutex> hold(progress_mutex_);
    options_.on_progress(p);
}

void executor::execute(const step& s, const std::string& statement) {
    std::unique_ptr<progress_watch> watch;
    if (options_.on_progress && !t_.script && builds_an_index(statement))
        watch = t_.conn.watch_index_build([this, &s](const index_progress& p) {
            deliver({s.version, s.name, p.index.empty() ? "create_index on " + p.table : "create_index " + p.index, p.done,
                     p.total, p.unit, p.phase});
        });
    try {
        // A query whose rows are the statements to run (psql's \gexec; a dry run's script keeps
        // it as written).
        if (auto query = gexec_query(statement); query && !t_.script) {
            for (const auto& row : t_.conn.query(std::string(*query)))
                for (const auto& value : row)
                    if (value) t_.conn.execute(*value);
            return;
        }
        // A unit that is not resumable would be dirty if a wait's deadline stopped it half-way.
        t_.conn.execute(s.statements->resumable ? lag_.between_batches(statement) : statement);
    } catch (const error& e) {
        if (auto late = lag_.deadline_passed(e, unit_label(s.version, s.name), statement)) throw *late;
        throw;
    }
}

run_report executor::run_all(const std::vector<step>& steps, const unit_observer& observer, run_report report) {
    auto start = clock::now();
    for (const auto& s : steps) {
        report.units.push_back(run(s, report));
        if (observer) observer(report.units.back());
    }
    report.duration += since(start);
    return report;
}

unit_report executor::run(const step& s, const run_report& report) {
    struct progress_scope {
        connection& c;
        ~progress_scope() { c.on_server_notice({}); }
    } scope{t_.conn};
    if ((options_.on_progress || lag_.active()) && !t_.script)
        t_.conn.on_server_notice([this, &s](const std::string& message) {
            if (auto waited = lag_.relay(message, unit_label(s.version, s.name))) {
                // One wait's notices say more and more; one that says less than the last began a
                // new wait (after the next batch). Two waits whose notices happen to rise across
                // them count as one: an undercount, as is the time after a wait's last notice.
                if (*waited < lag_in_block_.current) lag_in_block_.finished += lag_in_block_.current;
                lag_in_block_.current = *waited;
                return;
            }
            if (!options_.on_progress) return;
            if (auto p = detail::parse_progress_notice(message)) deliver({s.version, s.name, p->what, p->done, p->total, p->unit});
        });
    header(s);
    if (s.rolls_back && !t_.script)
        say("reverting " + unit_label(s.version, s.name) + ", whose " + (s.reverting ? "down" : "up") +
            " was interrupted half-way in an earlier run: undoing what its finished steps did, each only where it is there");
    try {
        lag_.wait(unit_label(s.version, s.name), "before it starts");
    } catch (const error& e) {
        if (waited_too_long(e)) busy(s, e, report, false, false);
        throw failed(s, e, report, false);
    }
    // Asked to stop between units: this one has not started (in this run).
    if (options_.stop.stop_requested()) {
        t_.conn.interrupt(stop_reason(options_));  // as check_stop does
        throw failed(s, interrupted_error(stop_reason(options_) + " before it started" + still_half_done(s)), report, false);
    }
    // Any unit of this build on its first run (the dialect looks only at online operations); not
    // in a dry run, where the units before it have not run.
    if (s.dir == direction::up && !s.resumes && s.unit && !t_.script) {
        try {
            refuse_names_taken(s);
        } catch (const error& e) {
            throw failed(s, e, report, false);
        }
    }
    // Outside a transaction the history row says the unit is under way before its first
    // statement. A database that refuses that write (a read-only file) ran nothing of the unit.
    if (!s.transactional) {
        try {
            mark_under_way(s);
        } catch (const error& e) {
            if (waited_too_long(e)) busy(s, e, report, false, false);
            throw failed(s, e, report, false);
        }
    }
    lock_retry retry(options_, clock::now(), static_cast<unsigned>(s.version) ^ std::random_device{}());
    for (;;) {
        try {
            return s.transactional ? run_in_transaction(s) : run_without_transaction(s, retry, report);
        } catch (const migration_error&) {
            throw;
        } catch (const error& e) {
            if (waited_too_long(e)) busy(s, e, report, false, true);
            if (s.transactional && t_.conn.is_lock_timeout(e)) {
                if (pause_for_lock(s, e, retry)) continue;
                throw failed(s, statement_error(with_lock_holders(e), e.context()), report);
            }
            throw failed(s, e, report);
        }
    }
}

void executor::refuse_names_taken(const step& s) {
    const std::string& query = s.unit->names_taken_query;
    if (query.empty()) return;
    std::string list;
    std::size_t taken = 0;
    for (const auto& row : t_.conn.query(query))
        if (!row.empty() && row.front()) list += (taken++ ? ", " : "") + *row.front();
    if (taken == 0) return;
    const bool one = taken == 1;
    // (No history row: it has not run here, or `repair` removed its row, saying it was undone.)
    throw unsupported_error("the database already has " + list + ", which this unit creates: its history has no row of it, "
                            "so " + std::string(one ? "that is" : "those are") +
                            " not known to be its own, yet its online steps would take " + (one ? "it" : "them") +
                            " over (as they do to resume an interrupted run) and its down would then remove " +
                            (one ? "it" : "them") + "; rename or drop " + (one ? "it" : "them") + ", then run " +
                            options_.program_name + " up again; nothing was run");
}

lock_retry::lock_retry(const runner_options& options, clock::time_point start, unsigned seed)
    : options_(options), start_(start), random_(seed) {}

std::optional<std::chrono::milliseconds> lock_retry::next(clock::time_point now) {
    if (options_.ddl_lock_retries && tries_ > *options_.ddl_lock_retries) return std::nullopt;
    std::uniform_int_distribution<std::int64_t> jitter(pause_.count() / 2, pause_.count());
    const std::chrono::milliseconds pause(jitter(random_));
    if (now + pause + options_.ddl_lock_timeout > start_ + options_.ddl_lock_deadline) return std::nullopt;
    pause_ = std::min(std::chrono::milliseconds(2000), pause_ * 3 / 2);
    ++tries_;
    return pause;
}

std::string lock_retry::attempt() const {
    if (options_.ddl_lock_retries)
        return "attempt " + std::to_string(tries_) + " of " + std::to_string(*options_.ddl_lock_retries + 1);
    return "attempt " + std::to_string(tries_) + ", retrying for up to " + duration_text(options_.ddl_lock_deadline);
}

bool lock_retry::time_to_say(clock::time_point now) {
    if (said_ && now - *said_ < std::chrono::seconds(5)) return false;
    said_ = now;
    return true;
}

std::string executor::with_lock_holders(const error& e) const {
    // PostgreSQL's lock_timeout error names nobody; the retry notices did, and so does the failure.
    const std::string holders = t_.conn.lock_holders(e.context().statement);
    return holders.empty() ? e.message() : e.message() + "; " + holders;
}

bool executor::pause_for_lock(const step& s, const error& e, lock_retry& retry) const {
    const auto now = clock::now();
    auto pause = retry.next(now);
    if (!pause) return false;
    if (retry.time_to_say(now)) {
        std::string holders = t_.conn.lock_holders(e.context().statement);
        say(unit_label(s.version, s.name) + " waited longer than " + duration_text(options_.ddl_lock_timeout) +
            " for a lock while executing: " + e.context().statement + (holders.empty() ? "" : "; " + holders) +
            (s.transactional ? "; rolled back" : "") + ", retrying in " + duration_text(*pause) + " (" + retry.attempt() + ")");
    }
    // A stop ends the pause; the unit's next statement then finds it (check_stop).
    strata::pause(options_.stop, *pause);
    return true;
}

unit_report executor::run_in_transaction(const step& s) {
    auto start = clock::now();
    check_stop();  // after a lock retry's pause
    transaction t(t_.conn, s.statements->foreign_keys_off);
    for (const auto& statement : s.statements->statements) {
        check_stop();
        naming(statement, [&] { execute(s, statement); });
    }
    record(s, since(start));
    t.commit();
    t_.conn.reset_session(s.statements->statements);
    return {s.version, s.name, s.dir, since(start), s.from_history, s.rolls_back, s.rolls_back && s.reverting};
}

void executor::mark_under_way(const step& s) {
    if (t_.script)
        t_.script->push_back(std::string("-- not in a transaction: each statement commits on its own, the history row says '") +
                             (s.dir == direction::up || (s.rolls_back && !s.reverting) ? "running" : "reverting") +
                             "' meanwhile");
    if (s.resumes) {
        say("resuming " + unit_label(s.version, s.name) + ", whose " + (s.reverting ? "down" : "up") +
            " was interrupted in an earlier run: its steps check what is already done");
        // An up now: interrupted again, it says so, and how any build undoes what it got done
        // (a row written by an earlier run may store no rollback).
        if (const rendering* rollback = own_rollback(s)) {
            const std::string stored = stored_running_json(s.unit->stored_down(), *rollback);
            t_.history.set_state(s.version, row_state::running, {}, &stored);
        } else if (s.reverting) {
            t_.history.set_state(s.version, row_state::running);
        }
    } else if (s.dir == direction::up) {
        t_.history.insert({s.version, s.name, s.unit->checksum, 0, row_state::running, s.unit->stored_down(), own_rollback(s)});
    } else if (const rendering* rollback = own_rollback(s); rollback && !s.from_history && !s.rolls_back) {
        // An interrupted down says it was one, and how any build undoes what it got done.
        const std::string down = stored_running_json(s.unit->stored_down(), *rollback);
        t_.history.set_state(s.version, row_state::reverting, {}, &down);
    } else if (s.rolls_back && !s.reverting) {
        // Undoing a half-done up: interrupted, the row still says what is there, a half-done up
        // (up finishes it, down undoes what is left of it), not an interrupted down.
    } else {
        t_.history.set_state(s.version, row_state::reverting);  // an interrupted down says it was one
    }
}

/// The history row says `running` (a down: `reverting`; mark_under_way) from before the first
/// statement to after the last, so an interruption is visible as a half-done or dirty unit.
unit_report executor::run_without_transaction(const step& s, lock_retry& retry, const run_report& report) {
    auto start = clock::now();
    // Each statement commits alone. A lock wait that timed out is retried: a resumable unit
    // starts again from its first statement (its checks clean up what the timed-out one left,
    // such as an INVALID index), any other unit retries that statement (which was rolled back).
    const auto& statements = s.statements->statements;
    std::size_t i = 0;
    bool cleaning = false;  // dropping what an earlier try of statement i left (leftover_cleanup)
    while (i < statements.size()) {
        cleaning = false;
        try {
            // Between the steps of an online unit (a unit that may stop there and be resumed).
            // Time spent waiting for a standby is not time spent trying for a table lock.
            if (i > 0 && s.statements->resumable) {
                const auto waiting = clock::now();
                lag_.wait(unit_label(s.version, s.name), "before its next step");
                retry.exclude(std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - waiting));
            }
            check_stop();
            const auto began = clock::now();
            try {
                // What an earlier try left (a concurrent index build's INVALID index, also one a
                // killed run left) goes first, as an online unit's steps do it themselves.
                if (!s.statements->resumable)
                    if (const auto cleanup = t_.conn.leftover_cleanup(statements[i]); !cleanup.empty()) {
                        cleaning = true;
                        execute(s, cleanup);
                        cleaning = false;
                    }
                execute(s, statements[i]);
            } catch (const error& e) {
                // Of a statement that ran long and then timed out on a lock (CREATE INDEX
                // CONCURRENTLY waiting for old transactions after its build), only the last
                // --ddl-lock-timeout was a wait for the lock.
                const auto ran = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - began);
                const auto lag = take_lag_in_block();
                retry.exclude(t_.conn.is_lock_timeout(e) ? std::max(lag, ran - options_.ddl_lock_timeout) : lag);
                throw;
            }
            // A statement that ran to its end was work, not a wait for a lock: the deadline
            // counts lock waits, so a later step that meets a busy table after a long index
            // build or backfill still gets its retries. (Its lag waits are inside that time.)
            take_lag_in_block();
            retry.exclude(std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - began));
            ++i;
        } catch (const error& e) {
            const bool stopped = e.kind() == error_kind::interrupted;
            if (stopped || !t_.conn.is_lock_timeout(e) || !pause_for_lock(s, e, retry)) {
                // The drop of what an earlier try left, before the first statement of an up, failed
                // (an index another session is building; a lock): nothing of the unit ran, so its
                // row goes and it stays pending, for the next up to try again, not dirty.
                bool untouched = false;
                if (cleaning && i == 0 && s.dir == direction::up && !s.resumes && !s.rolls_back && !t_.script &&
                    e.kind() != error_kind::connection) {
                    try {
                        t_.history.remove(s.version);
                        untouched = true;
                    } catch (const error&) {
                        // The row stays: dirty, as below.
                    }
                }
                const std::string& p = options_.program_name;
                const std::string v = std::to_string(s.version);
                // Which statement failed and how many before it stay, and the ways on: for a down,
                // the rest by hand and the row cleared, or (statements that can run twice) the
                // whole down again after repair --applied, as the row says reverting.
                const std::string of = " of " + std::to_string(statements.size());
                const std::string ran = "statement " + std::to_string(i + 1) + of + " failed" +
                                        (i == 0 ? std::string() : ", the " + std::to_string(i) + " before it finished and stay");
                // A down run again starts at its first statement, which fails on what it already
                // dropped unless each can run twice (IF EXISTS): the rest by hand is the sure way.
                const std::string repair =
                    s.dir == direction::down
                        ? ran + "; check the database (" + p + " diff), run the rest of its down by hand (from statement " +
                              std::to_string(i + 1) + " on), then " + p + " repair " + v +
                              " (the unit is pending); to run its whole down again instead, which only works when each of "
                              "its statements can run twice (DROP ... IF EXISTS): " + p + " repair " + v + " --applied, then " +
                              p + " down"
                        : ran + "; check the database, then run " + p + " repair " + v;
                // A rollback of a half-done up leaves a half-done up: up finishes it, down undoes it.
                const bool reverting = s.dir == direction::down && !(s.rolls_back && !s.reverting);
                const std::string either = ": " + half_done_choices(reverting);
                std::string what_now;
                if (untouched)
                    what_now = " was not run: nothing of it was kept, it is still pending (" + p + " up tries it again)";
                else if (stopped)
                    what_now = " runs outside a transaction and was stopped half-way" +
                               (s.statements->resumable ? either : ", so it is now dirty: " + repair);
                else
                    what_now = s.statements->resumable
                                   ? " was interrupted; fix the cause and " +
                                         half_done_choices(reverting, reverting == (s.dir == direction::down))
                                   : " is now dirty: " + repair;
                if (!stopped && s.statements->resumable && e.kind() == error_kind::statement &&
                    e.context().sqlstate.rfind("23", 0) == 0)
                    what_now += drop_half_built(s);
                else if (!stopped && !untouched && !s.statements->resumable && e.kind() != error_kind::connection)
                    what_now += half_built_hint(statements[i], e.context().sqlstate);
                const std::string message =
                    t_.rehearsal ? e.message()
                                 : (!stopped && t_.conn.is_lock_timeout(e) ? with_lock_holders(e) : e.message()) + "; " +
                                       unit_label(s.version, s.name) + what_now;
                // Of a gexec statement, the one of its rows that failed (the error's own); so too
                // of the drop of what an earlier try left.
                const bool inner = (cleaning || gexec_query(statements[i])) && !e.context().statement.empty();
                error_context where{.statement = inner ? e.context().statement : statements[i], .sqlstate = e.context().sqlstate};
                // A unit not run fails as one that kept nothing (--json: rolled back).
                auto raise = [&](const auto& failure) {
                    if (untouched) throw failed(s, failure, report, false);
                    throw failure;
                };
                if (stopped) raise(interrupted_error(message, where));
                if (e.kind() == error_kind::connection) raise(connection_error(message, where));
                if (e.kind() == error_kind::replica_lag) raise(replica_lag_error(message, e.context()));
                if (e.kind() == error_kind::lock_timeout) raise(lock_timeout_error(message, e.context()));
                raise(statement_error(message, where));
            }
            if (s.statements->resumable) i = 0;
        }
    }
    // The final history change and its audit row commit together.
    auto ms = t_.script ? 0 : since(start).count();
    transaction t(t_.conn, false);
    if (s.dir == direction::up && s.statements->resumable)
        // Applied: its down is the way back now, and the row stores what an applied row stores
        // (not the rollback an earlier run of it may have stored, whichever build that was).
        t_.history.mark_applied(s.version, ms, s.unit->stored_down());
    else if (s.dir == direction::up)
        t_.history.set_state(s.version, row_state::applied, ms);
    else
        t_.history.remove(s.version);
    t_.history.log({s.version, s.name, to_string(s.dir), ms, "ok", audit_note(s)});
    t.commit();
    t_.conn.reset_session(statements);
    return {s.version, s.name, s.dir, since(start), s.from_history, s.rolls_back, s.rolls_back && s.reverting};
}

std::chrono::milliseconds executor::take_lag_in_block() {
    const auto total = lag_in_block_.finished + lag_in_block_.current;
    lag_in_block_ = {};
    return total;
}

void executor::record(const step& s, std::chrono::milliseconds elapsed) {
    if (t_.script) elapsed = {};  // a script's rows say 0 ms: the same script every time
    if (s.dir == direction::up)
        t_.history.insert({s.version, s.name, s.unit->checksum, elapsed.count(), row_state::applied, s.unit->stored_down()});
    else
        t_.history.remove(s.version);
    t_.history.log({s.version, s.name, to_string(s.dir), elapsed.count(), "ok", audit_note(s)});
}

migration_error executor::failed(const step& s, const error& e, const run_report& report, bool started,
                                 const std::vector<unit_report>& undone_with) {
    std::vector<completed_unit> completed;
    for (const auto& u : report.units) completed.push_back({u.version, u.name, u.dir});
    error_context c = where_;
    c.version = s.version;
    c.unit_name = s.name;
    c.dir = s.dir;
    c.statement = e.context().statement;
    c.sqlstate = e.context().sqlstate;
    c.source = source_of(s, c.statement, t_.conn.url().kind());
    // A unit that had not started kept nothing, whatever its transaction mode, unless an earlier
    // run left it half-done (it resumes, or its rollback undoes those steps): it still is.
    const bool kept_nothing = s.transactional || (!started && !s.resumes && !s.rolls_back);
    // 25001: CREATE INDEX CONCURRENTLY and the like in a unit run in a transaction.
    std::string message =
        e.message() + (s.transactional && e.context().sqlstate == "25001"
                           ? "; the statement cannot run inside a transaction: run the unit outside one "
                             "(-- strata:no-transaction at the top of a SQL unit, transaction_mode::none in a C++ unit's info())"
                           : "");
    // A down that finds what it drops gone: most often somebody reverted the unit by hand.
    if (s.dir == direction::down && kept_nothing && t_.conn.is_undefined_object(e))
        message += "; if " + unit_label(s.version, s.name) + " was reverted by hand already (" + options_.program_name +
                   " diff lists what of it is gone: all it made, for a whole revert), record that without running its down: " +
                   options_.program_name + " repair " + std::to_string(s.version) + " --reverted";
    std::string undone;  // not s itself, which a failed COMMIT finds done too
    for (const auto& u : undone_with)
        if (u.version != s.version) undone += (undone.empty() ? " " : "; ") + unit_label(u.version, u.name);
    if (!undone.empty()) message += "; --atomic: rolled back with it, so not applied either:" + undone;
    migration_error failure(message, c, completed, kept_nothing, e.kind());
    const bool lost = e.kind() == error_kind::connection;
    const auto not_written = log_failure(s, failure.what(), false, lost);
    if (!not_written) return failure;
    // Stopped, and the audit row was not taken at once, or the connection lost and no other
    // took it: the one line that says what was kept says that too.
    return migration_error(message + (lost ? " (no audit row: a new connection to write it failed too: " + *not_written + ")"
                                           : " (no audit row: the database did not take it at once)"),
                           c, std::move(completed), kept_nothing, e.kind());
}

std::string executor::drop_half_built(const step& s) {
    if (s.dir != direction::up || !s.unit || t_.script) return "";
    std::string dropped, kept;
    for (const auto& h : s.unit->half_built) {
        if (options_.stop.stop_requested()) break;  // what is left is named by status (steps)
        std::string drop = h.drop;
        try {
            const auto found = t_.conn.query(h.found);
            if (found.empty()) continue;
            if (drop.empty() && !found[0].empty() && found[0][0]) drop = *found[0][0];
            t_.conn.execute(drop);
            dropped += (dropped.empty() ? "" : "; ") + h.what;
        } catch (const error& e) {
            kept += (kept.empty() ? "" : "; ") + h.what + " (not dropped: " + e.message() +
                    (drop.empty() ? std::string() : "; to drop it: " + drop) + ")";
        }
    }
    std::string out;
    if (!dropped.empty())
        out += ". So that a rule the rows break refuses no writes while the unit is not applied, strata dropped what the "
               "failed step had half-built: " + dropped + " (up builds it again)" +
               (s.resumes ? std::string("; this run resumed the unit, which takes what it finds under its names as its "
                                        "own: if somebody had added one by hand since the last run, add it again")
                          : std::string());
    if (!kept.empty())
        out += ". Not dropped, and it may still refuse writes that break its rule while the unit is not applied: " + kept +
               "; drop it with that statement (waiting for the transactions on its table, it took one try of "
               "--ddl-lock-timeout), or run " + options_.program_name + " down";
    return out;
}

std::string executor::half_built_hint(const std::string& statement, const std::string& sqlstate) {
    auto has = [&](std::string_view word) {
        return std::search(statement.begin(), statement.end(), word.begin(), word.end(), [](char a, char b) {
                   return std::toupper(static_cast<unsigned char>(a)) == b;
               }) != statement.end();
    };
    // Any failure of a concurrent build (a duplicate, a deadlock, a timeout, a cancel) leaves its
    // index; a REINDEX leaves the new copy (<name>_ccnew), the index it names staying valid.
    if (has("CONCURRENTLY") && has("INDEX"))
        return ". PostgreSQL keeps the index a failed concurrent build leaves, INVALID (a REINDEX's new copy, named "
               "<index>_ccnew: the index it names stays valid): useless to queries, and one that got as far as its "
               "validation is kept up to date by every write (a unique one refusing duplicates). Find them with SELECT "
               "indexrelid::regclass FROM pg_index WHERE NOT indisvalid, and drop them (DROP INDEX CONCURRENTLY) before "
               "the unit runs again (the INVALID index of a named CREATE INDEX CONCURRENTLY strata drops itself before "
               "each try of it)";
    if (sqlstate.rfind("23", 0) == 0 && has("VALIDATE CONSTRAINT"))
        return ". The constraint it validates stays, NOT VALID, and still checks every new row: drop it (ALTER TABLE ... "
               "DROP CONSTRAINT) if writes that break it must go on";
    return "";
}

std::string executor::half_done_choices(bool reverting, bool again) const {
    const auto& p = options_.program_name;
    const std::string once_more = again ? " again" : "";
    return reverting ? "run " + p + " down" + once_more + " to finish reverting it, or " + p + " up to apply it again"
                     : "run " + p + " up" + once_more + " to finish it, or " + p + " down to undo what its finished steps did";
}

std::string executor::still_half_done(const step& s) const {
    if (!s.resumes && !s.rolls_back) return "";
    return "; " + unit_label(s.version, s.name) + " is still half-done from an earlier run: " + half_done_choices(s.reverting);
}

void executor::busy(const step& s, const error& e, const run_report& report, bool atomic, bool started) {
    std::string message = e.message();
    const std::string unit = unit_label(s.version, s.name) + " (" + to_string(s.dir) + ")";
    if (atomic)
        message += "; stopped at " + unit + ": nothing of this --atomic run was kept (rolled back)";
    else if (s.transactional || (!started && !s.resumes && !s.rolls_back))
        message += "; " + unit + " was not run: nothing of it was kept";
    else if (!started)
        message += still_half_done(s);
    // (A unit outside a transaction that started says in `e` whether up resumes it or it is dirty.)
    if (!atomic && !report.units.empty()) {
        message += "; done before it in this run, and kept:";
        for (const auto& u : report.units)
            message += std::string(" ") + (u.dir == direction::up ? "applied " : "reverted ") + std::to_string(u.version) + " " +
                       u.name + ";";
    }
    // Which unit it stopped at: --json's error names it. (Not the statement: inside a backfill
    // that is the whole block, wait included, which the message would then quote.)
    error_context c = where_;
    c.version = s.version;
    c.unit_name = s.name;
    c.dir = s.dir;
    c.unit_failed = false;
    // --json's error lists them too (the text above says them in words); none for --atomic,
    // whose earlier units were rolled back with it.
    std::vector<completed_unit> completed;
    if (!atomic)
        for (const auto& u : report.units) completed.push_back({u.version, u.name, u.dir});
    if (e.kind() == error_kind::replica_lag) {
        replica_lag_error stopped(message, c, completed);
        log_failure(s, stopped.what(), false);
        throw stopped;
    }
    lock_timeout_error stopped(message, c, std::move(completed));
    log_failure(s, stopped.what(), true);
    throw stopped;
}

std::optional<std::string> executor::log_failure(const step& s, const std::string& what, bool database_busy,
                                                 bool connection_lost) {
    // When the unit stopped because another process holds the database (SQLite busy), the audit
    // row is tried once without waiting (busy timeout 0) rather than skipped or waited for: the
    // other process may be gone already, and one try costs nothing, while waiting again would
    // double the bound --lock-timeout promises (the issue saw 30 s, then 14 s more here). A row
    // that cannot be written at once is given up, with a notice.
    if (database_busy) t_.conn.set_busy_timeout(std::chrono::milliseconds(0));
    // Asked to stop (a deploy system's SIGTERM, which it follows with SIGKILL after a grace
    // period): the row may wait a little for a table lock, not --ddl-lock-timeout (the connection
    // already stops waiting for a busy SQLite database). The bound is the row's transaction's
    // alone: a session setting would stay behind on a server connection a transaction pooler
    // then hands to the application (up --atomic through pgbouncer).
    const bool stopping = options_.stop.stop_requested() && !t_.script;
    const log_entry row{s.version, s.name, to_string(s.dir), 0, "failed",
                        redact_passwords(scrub(what, t_.conn.url().password()))};
    if (connection_lost && !t_.script) {
        // The run's connection is gone (a server restart, a failover, a session ended by an
        // administrator): the row goes through a new one, tried for at most 5 s, so that
        // the log still says what happened to the unit. Nothing else is done on it; the row waits
        // for a lock at most as long as the connect may take.
        // (A connect_timeout of 0, no limit, is not one here, nor the URL's own connect_timeout:
        // the row is worth 5 s at most, shared among the URL's hosts, at least 2 s each.)
        const auto budget = options_.connect_timeout.count() > 0
                                ? std::min<std::chrono::seconds>(options_.connect_timeout, std::chrono::seconds(5))
                                : std::chrono::seconds(5);
        const auto hosts = static_cast<int>(std::max<std::size_t>(1, t_.conn.url().hosts().size()));
        // A server restarting refuses connections for a moment ("the database system is shutting
        // down", then "is starting up"): tried again within the same budget, unless stopping, while
        // an attempt (libpq waits at least 2 s) still fits in it.
        const auto deadline = clock::now() + budget;
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::seconds>(deadline - clock::now());
            const auto url = t_.conn.url().with_connect_timeout(static_cast<int>(left.count()) / hosts);
            try {
                auto fresh = connect(url, left, false, options_.lock_timeout, options_.stop);
                transaction t(*fresh, false);
                fresh->set_transaction_lock_timeout(budget);
                history(*fresh, dialect_for(t_.conn.url().kind())).log(row);
                t.commit();
                return std::nullopt;
            } catch (const error& e) {
                if (e.kind() != error_kind::connection ||
                    deadline - clock::now() < std::chrono::seconds(2) + std::chrono::milliseconds(250) ||
                    !strata::pause(options_.stop, std::chrono::milliseconds(250)))
                    return redact_passwords(scrub(e.message(), t_.conn.url().password()));
            }
        }
    }
    bool written = true;
    try {
        if (stopping) {
            transaction t(t_.conn, false);
            t_.conn.set_transaction_lock_timeout(std::min(options_.ddl_lock_timeout, audit_wait_when_stopping));
            t_.history.log(row);
            t.commit();
        } else {
            t_.history.log(row);
        }
    } catch (const error&) {
        // The audit row is worth less than the error that explains the failure.
        if (database_busy)
            say("the audit row for " + unit_label(s.version, s.name) + " was not written: the database is still locked");
        written = !stopping;
    }
    if (database_busy) t_.conn.set_busy_timeout(options_.lock_timeout);
    return written ? std::nullopt : std::optional<std::string>("the database did not take it at once");
}

run_report executor::run_atomic(const std::vector<step>& steps, const unit_observer& observer, run_report report) {
    return atomically(steps, observer, std::move(report), nullptr);
}

run_report executor::run_atomic_in(transaction& open, const std::vector<step>& steps, const unit_observer& observer) {
    return atomically(steps, observer, {}, &open);
}

run_report executor::atomically(const std::vector<step>& steps, const unit_observer& observer, run_report report,
                                transaction* open) {
    for (const auto& s : steps) {
        if (!s.transactional)
            throw unsupported_error(unit_label(s.version, s.name) + " cannot run in a transaction, so --atomic cannot include it",
                                    where_);
        // Its history row exists (running): the release would record it twice.
        if (s.resumes)
            throw unsupported_error(unit_label(s.version, s.name) + " was interrupted half-way in an earlier run; finish it with "
                                        "up without --atomic first",
                                    where_);
    }
    if (lag_.active() && !steps.empty())
        say("--max-replica-lag: --atomic runs the release in one transaction, with no point between its units to wait at: "
            "the standbys' lag is not watched");
    bool fk_off = std::any_of(steps.begin(), steps.end(), [](const step& s) { return s.statements->foreign_keys_off; });
    auto start = clock::now();
    std::vector<unit_report> done;
    const step* current = nullptr;
    // A release is tried again, whole, after a table lock timed out: in a transaction of its own
    // here; in the caller's (which took the lock and read the history in it) by the caller, after
    // retry_release, with the budget this executor keeps from the first try.
    lock_retry own_retry(options_, start, std::random_device{}());
    if (open && !release_retry_) release_retry_.emplace(options_, start, std::random_device{}());
    lock_retry& retry = open ? *release_retry_ : own_retry;
    for (bool finished = false; !finished;) {
        try {
            done.clear();
            std::optional<transaction> own;
            if (!open) own.emplace(t_.conn, fk_off);
            transaction& t = open ? *open : *own;
            for (const auto& s : steps) {
                current = &s;
                header(s);
                auto unit_start = clock::now();
                for (const auto& statement : s.statements->statements) {
                    check_stop();
                    naming(statement, [&] { execute(s, statement); });
                }
                record(s, since(unit_start));
                done.push_back({s.version, s.name, s.dir, since(unit_start), false});
            }
            current = nullptr;
            t.commit();
            finished = true;
        } catch (const error& e) {
            if (open) open->rollback();  // before the failure's audit row, which is written outside it
            const step& s = current ? *current : steps.back();
            if (waited_too_long(e)) busy(s, e, report, true, true);
            if (t_.conn.is_lock_timeout(e)) {
                if (pause_for_lock(s, e, retry)) {
                    if (!open) continue;
                    throw retry_release{};
                }
                throw failed(s, statement_error(with_lock_holders(e), e.context()), report, true, done);
            }
            throw failed(s, e, report, true, done);  // nothing of the release stays
        }
    }
    for (auto& u : done) {
        report.units.push_back(u);
        if (observer) observer(u);
    }
    report.duration += since(start);
    return report;
}

}  // namespace strata
