#pragma once
// Private: runs steps on a target (the database, a rehearsal on a copy of its schema, or a dry
// run's script) under one strategy per transaction mode: one transaction per unit, statement by
// statement with a `running` history row, or the whole release in one transaction. Owns the
// retry of units that timed out on a table lock, the history rows, and failure reporting.

#include <strata/runner.hpp>

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "connection.hpp"
#include "history.hpp"
#include "run/reconcile.hpp"

namespace strata {

/// Where steps run. `script`, when set, receives the dry run's comments (the connection records
/// the statements).
struct target {
    connection& conn;
    class history& history;
    std::vector<std::string>* script = nullptr;
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

private:
    unit_report run(const step& s, const run_report& report);
    unit_report run_in_transaction(const step& s);
    unit_report run_without_transaction(const step& s);
    void execute(const step& s, const std::string& statement);
    void record(const step& s, std::chrono::milliseconds elapsed);
    void pause_for_lock(const step& s, const error& e, int attempt) const;
    /// `s` failed with `e` (interrupted_error when asked to stop). `started`: false when it was
    /// stopped before its first statement (nothing of it was kept, whatever its mode).
    migration_error failed(const step& s, const error& e, const run_report& report, bool started = true);
    /// Throws interrupted_error when runner_options::stop was requested.
    void check_stop() const;
    /// `s` stopped because another process holds the database past --lock-timeout (`e`): not the
    /// unit's failure, so a lock_timeout_error (exit 5) saying what was kept. `atomic`: in run_atomic.
    lock_timeout_error busy(const step& s, const error& e, const run_report& report, bool atomic);
    /// The failure's audit row (see the definition for a busy database and a stop). False when
    /// the run was asked to stop and the row could not be written at once (the caller says so).
    bool log_failure(const step& s, const std::string& what, bool database_busy);
    void say(const std::string& text) const;
    void header(const step& s) const;
    void deliver(const progress_event& p);

    target t_;
    const runner_options& options_;
    error_context where_;
    std::mutex progress_mutex_;  // index builds report from a thread of their own
};

}  // namespace strata
