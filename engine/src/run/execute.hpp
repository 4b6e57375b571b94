#pragma once
// Private: runs steps on a target (the database, a rehearsal on a copy of its schema, or a dry
// run's script) under one strategy per transaction mode: one transaction per unit, statement by
// statement with a `running` history row, or the whole release in one transaction. Owns the
// retry of units that timed out on a table lock, the history rows, and failure reporting.

#include <strata/runner.hpp>

#include <chrono>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "connection.hpp"
#include "history.hpp"
#include "run/reconcile.hpp"
#include "run/replica_lag.hpp"
#include "transaction.hpp"

namespace strata {

/// Where steps run. `script`, when set, receives the dry run's comments (the connection records
/// the statements).
struct target {
    connection& conn;
    class history& history;
    std::vector<std::string>* script = nullptr;
    /// A copy of the schema the run is tried on first (SQLite): a failure there left nothing to
    /// check or repair, so it gives no advice for a database.
    bool rehearsal = false;
};

/// The tries of one unit whose statement timed out waiting for a table lock: pauses growing from
/// 100 ms by half up to 2 s, each jittered (50-100%, so runners retrying together spread out),
/// within runner_options' ddl_lock_retries and ddl_lock_deadline (counted from the unit's start).
class lock_retry {
public:
    using clock = std::chrono::steady_clock;
    lock_retry(const runner_options& options, clock::time_point start, unsigned seed);
    /// The pause before the next try, or nullopt when no try is left (no retries left, or the
    /// pause and a whole try would end past the deadline).
    std::optional<std::chrono::milliseconds> next(clock::time_point now);
    /// The try about to start: "attempt 2 of 4", "attempt 2, retrying for up to 2 min".
    std::string attempt() const;
    /// Whether to say who holds the lock now: on the first timeout, then every 5 s (a busy table
    /// would otherwise print a line per try).
    bool time_to_say(clock::time_point now);
    /// `waited` was spent waiting for a lagging standby (--max-replica-lag), not for a lock: the
    /// deadline moves by as much.
    void exclude(std::chrono::milliseconds waited) { start_ += waited; }

private:
    const runner_options& options_;
    clock::time_point start_;
    std::minstd_rand random_;
    int tries_ = 1;
    std::chrono::milliseconds pause_{100};
    std::optional<clock::time_point> said_;
};

/// How long the audit row of a run asked to stop may wait for a table lock (PostgreSQL).
inline constexpr std::chrono::milliseconds audit_wait_when_stopping{2000};

class executor {
public:
    executor(target t, const runner_options& options, error_context where);

    /// Runs `steps` in order, each in its transaction mode; a failure raises migration_error
    /// listing the units of `report` (and this run) that completed.
    run_report run_all(const std::vector<step>& steps, const unit_observer& observer, run_report report = {});
    /// up --atomic: every step in one transaction; on failure nothing of the release stays.
    run_report run_atomic(const std::vector<step>& steps, const unit_observer& observer, run_report report = {});
    /// The same in `open`, a transaction the caller began (and locked and read the history in:
    /// up --atomic on PostgreSQL); commits it, or rolls it back on failure. After a table lock
    /// timed out, when the retry budget (--ddl-lock-deadline, --ddl-lock-retries) allows another
    /// try: rolls `open` back, pauses, and throws retry_release; the caller then begins a new
    /// transaction, locks, reads the history and calls this again on the same executor.
    run_report run_atomic_in(transaction& open, const std::vector<step>& steps, const unit_observer& observer);
    struct retry_release {};

private:
    run_report atomically(const std::vector<step>& steps, const unit_observer& observer, run_report report, transaction* open);
    unit_report run(const step& s, const run_report& report);
    unit_report run_in_transaction(const step& s);
    unit_report run_without_transaction(const step& s, lock_retry& retry, const run_report& report);
    /// The history row of a unit outside a transaction, before its first statement.
    void mark_under_way(const step& s);
    void execute(const step& s, const std::string& statement);
    void record(const step& s, std::chrono::milliseconds elapsed);
    /// After a try of `s` timed out on a table lock (`e`): pauses (a stop ends the pause) and
    /// returns true when `retry` allows another try, saying so now and then; false when the
    /// budget is spent.
    bool pause_for_lock(const step& s, const error& e, lock_retry& retry) const;
    /// `s` failed with `e` (interrupted_error when asked to stop). `started`: false when it was
    /// stopped before its first statement (nothing of it was kept, whatever its mode).
    /// `undone_with`: the units an --atomic run applied before `s`, rolled back with it.
    migration_error failed(const step& s, const error& e, const run_report& report, bool started = true,
                           const std::vector<unit_report>& undone_with = {});
    /// Throws interrupted_error when runner_options::stop was requested.
    void check_stop() const;
    /// `s` stopped because a wait ran out (`e`): another process held the database past
    /// --lock-timeout, or a standby lagged past --replica-lag-deadline. Not the unit's failure:
    /// throws an error of `e`'s kind (exit 5) saying what was kept, after its audit row.
    /// `atomic`: in run_atomic. `started`: false when it ran out before the unit's first statement.
    [[noreturn]] void busy(const step& s, const error& e, const run_report& report, bool atomic, bool started);
    /// For a unit that had not started in this run: "; unit 3 x is still half-done from an earlier
    /// run: run ... up to finish it, or ... down ..." when an earlier run left it so, else "".
    std::string still_half_done(const step& s) const;
    /// What to run for a unit stopped half-way outside a transaction: its down (`reverting`) or
    /// its up; `again` after a failure whose cause must be fixed first ("run strata up again").
    std::string half_done_choices(bool reverting, bool again = false) const;
    /// After a step of the online unit `s` failed on the data (SQLSTATE class 23): drops what the
    /// unit's steps left half-built (dialect::half_built: a NOT VALID constraint, an INVALID
    /// index, each refusing writes that break its rule), saying what went and what could not.
    std::string drop_half_built(const step& s);
    /// A failure (`sqlstate`) of `statement` in a unit strata cannot resume (SQL): what
    /// PostgreSQL leaves of a concurrent index build (any failure) or a validation (class 23),
    /// for a person to drop.
    static std::string half_built_hint(const std::string& statement, const std::string& sqlstate);
    /// A lock timeout's message with who held the lock (connection::lock_holders), when known.
    std::string with_lock_holders(const error& e) const;
    /// Before an online unit's first run: refuses (unsupported_error) when the database already
    /// has something under a name the unit's online steps create (dialect::names_taken_query),
    /// which they would take over and its down would remove.
    void refuse_names_taken(const step& s);
    /// The failure's audit row (see the definition for a busy database and a stop); with
    /// `connection_lost`, written through a new connection. Why not, when the run was asked to
    /// stop and the row could not be written at once, or the new connection could not write it
    /// (the caller says so); nothing when it was written (or its failure is not worth saying).
    std::optional<std::string> log_failure(const step& s, const std::string& what, bool database_busy,
                                           bool connection_lost = false);
    void say(const std::string& text) const;
    void header(const step& s) const;
    void deliver(const progress_event& p);

    target t_;
    const runner_options& options_;
    error_context where_;
    std::mutex progress_mutex_;  // index builds report from a thread of their own
    replica_lag_watch lag_;      // runner_options::max_replica_lag
    std::optional<lock_retry> release_retry_;  // run_atomic_in's tries, from the first
    /// How long the statement running waited for a lagging standby inside it (a backfill's block),
    /// as its notices said: the longest wait reported of each wait, summed (the notices come
    /// every 5 s, so a wait's last seconds may be missing). Read and reset by take_lag_in_block().
    struct {
        std::chrono::milliseconds finished{0};
        std::chrono::milliseconds current{0};
    } lag_in_block_;
    std::chrono::milliseconds take_lag_in_block();
};

}  // namespace strata
