#pragma once
// Private: runner_options::max_replica_lag. While a streaming standby replays too far behind, the
// runner waits: before each unit and between the steps of an online unit here, between the
// batches of a backfill inside its DO block (the same query, run by the server: the batches
// commit inside one statement). Inside a unit only where it is resumable: one that is not (an
// online operation next to plain ones) would be dirty if the deadline stopped it there.
//
// How lag is measured, on the server, per row of pg_stat_replication (physical standbys: not a
// pg_basebackup's stream, not a logical walsender): 0 when the standby said it replayed all the
// server has flushed; else its replay_lag plus the time since its last reply. (Not 0 when it
// replayed all it received: a standby that receives nothing, behind a stalled network or a
// stuck walreceiver, would then always look caught up.) replay_lag alone does not do: it is NULL once a standby is idle, stays at its last
// value after the standby caught up, and while replay is paused it only grows when the standby
// replies (every wal_receiver_status_interval, 10 s by default, or when WAL arrives), as measured
// against a standby paused with pg_wal_replay_pause(). A standby that is behind replies at once
// when it has caught up, so the wait ends promptly.

#include <strata/runner.hpp>

#include <chrono>
#include <optional>
#include <string>

#include "connection.hpp"

namespace strata {

/// A standby over the limit, as the lag query found it.
struct lagging_standby {
    std::string who;  ///< `"walreceiver" (10.0.0.7)`: application_name and client_addr (or "local socket")
    double lag_seconds = 0;
};

/// The waits of one run. Inactive (every call a no-op) without max_replica_lag, in a dry run and
/// on SQLite.
class replica_lag_watch {
public:
    replica_lag_watch(connection& conn, const runner_options& options, bool dry_run, notice_function say);

    bool active() const noexcept { return active_; }
    /// Once, before a command that may wait creates or runs anything: on PostgreSQL refuses
    /// (config_error, in `where`) when this role cannot see other roles' standbys in
    /// pg_stat_replication; on SQLite says the option is ignored.
    void check(const error_context& where) const;
    /// Waits while a standby is over the limit, saying so when the wait starts and every 5 s.
    /// `unit`: its label; `when`: "before it starts", "before its next step". Returns at once when
    /// runner_options::stop is requested (the caller's stop check then ends the run); throws
    /// replica_lag_error naming the standby once the wait lasted replica_lag_deadline.
    void wait(const std::string& unit, const std::string& when) const;
    /// `statement`, with the same wait after each batch when it is an online backfill's block.
    std::string between_batches(const std::string& statement) const;
    /// A server notice: when it is the wait inside a backfill speaking, says it and returns how
    /// long that wait has lasted so far; nullopt for any other notice.
    std::optional<std::chrono::milliseconds> relay(const std::string& notice, const std::string& unit) const;
    /// When `e` is that wait's deadline (its SQLSTATE), the replica_lag_error to raise instead,
    /// naming `statement` (as rendered).
    std::optional<replica_lag_error> deadline_passed(const error& e, const std::string& unit,
                                                      const std::string& statement) const;

private:
    /// Whether the standby `who` (as the lag query names it) is in pg_stat_replication now.
    bool streams(const std::string& who) const;
    std::string waiting_text(const std::string& unit, const std::string& when, const lagging_standby& s,
                             std::chrono::milliseconds waited) const;
    std::string deadline_text(const std::string& unit, const std::string& when, const lagging_standby& s,
                              std::chrono::milliseconds waited) const;

    connection& conn_;
    const runner_options& options_;
    notice_function say_;
    bool dry_run_ = false;
    bool active_ = false;
};

namespace replica_lag_sql {
/// One row per standby: who (text), lag (seconds, numeric; NULL when this role cannot see it).
std::string standbys();
/// The standby furthest behind over `limit`: who, lag; no row when none is.
std::string over(std::chrono::milliseconds limit);
}  // namespace replica_lag_sql

}  // namespace strata
