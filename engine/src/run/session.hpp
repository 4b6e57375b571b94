#pragma once
// Private: one command's hold on the database: the connection (opened with --wait), the history
// on it, and the migration lock while the command changes something.

#include <strata/runner.hpp>

#include <functional>
#include <memory>
#include <stop_token>

#include "connection.hpp"
#include "history.hpp"
#include "transaction.hpp"

#include <optional>
#include <vector>

namespace strata {

class session {
public:
    session(database_url url, const runner_options& options, const dialect& d);
    ~session();

    const database_url& url() const noexcept { return url_; }

    /// The connection for looking (status, dry runs, down before its lock), opened on first use
    /// and retried for up to --wait while the database is unreachable.
    connection& look();
    /// For a change: a connection that can write, the migration lock (held until release()) and
    /// the DDL lock timeout set.
    connection& change();
    /// The history on the open connection (look() or change() first).
    class history& history();
    /// The history read for a command: under the lock, or for a dry run without (creating
    /// nothing). `create`: the metadata tables are created when missing (up, baseline).
    std::vector<history_row> read(bool dry_run, bool create);
    /// The history as committed now, without the migration lock and creating nothing, after the
    /// same route check as a change (`pooler_ok`: a transaction pooler is accepted, as for
    /// --atomic). Nullopt when it has no rows (or no table): that is for read() to settle.
    std::optional<std::vector<history_row>> read_unlocked(bool pooler_ok);

    /// up --atomic (not a dry run) where the lock can belong to a transaction (PostgreSQL): on a
    /// connection that can write, creates the metadata tables when missing (in a locked
    /// transaction of their own), then begins `tx`, takes the lock inside it and reads the
    /// history there, so nothing depends on the server session and the run is safe behind a
    /// transaction pooler. Nullopt (and `tx` empty) when the database has no such lock (SQLite):
    /// use read().
    std::optional<std::vector<history_row>> read_in_transaction(std::optional<transaction>& tx);

    /// For a history without its table (a command that does not create one): a notice when the
    /// search_path's current schema has none but a schema listed after it does (history::
    /// elsewhere()): the database looks unmigrated only because a schema was made ahead of it.
    void note_history_elsewhere();
    /// The history as committed now, before the lock is waited for (a command that counts from the
    /// newest unit compares it with the one read under the lock): empty when there are no tables
    /// yet; nullopt when it cannot be read without the lock (the tables being created).
    std::optional<std::vector<history_row>> read_before_lock();
    /// Tells which units are this build's (elsewhere_policy::ours); none by default.
    void recognise_units(std::function<bool(std::int64_t version, const std::string& name)> ours) { ours_ = std::move(ours); }
    /// What history::ensure() and elsewhere() go by: recognise_units() and allow_new_history.
    elsewhere_policy elsewhere() const;

    /// Ends the command's hold: the migration lock goes, the connection stays for the next.
    void release() noexcept;

private:
    connection& open(bool for_looking);
    /// Unless `create` (up, baseline): a notice when the database does not exist.
    void note_missing(bool create);
    /// Before a change: refuses (config_error, nothing done) a server that takes no writes (a
    /// hot standby), a connection through a statement pooler and, unless `pooler_ok`, one through a
    /// transaction pooler.
    void refuse_unsafe_route(connection& c, bool pooler_ok);
    /// After connecting: conn_ is interrupted when runner_options::stop is requested; throws
    /// interrupted_error when it already is: the attempt gave up because of it, or (`waiting`)
    /// the --wait pause ended because of it.
    void watch_for_stop(bool waiting);

    database_url url_;
    const runner_options& options_;
    const dialect& dialect_;
    std::function<bool(std::int64_t, const std::string&)> ours_;
    std::unique_ptr<connection> conn_;
    std::unique_ptr<class history> history_;
    std::unique_ptr<migration_lock> held_;
    bool route_checked_ = false;  ///< for the open connection
    /// Interrupts conn_ when runner_options::stop is requested; declared last, so it goes first.
    std::unique_ptr<std::stop_callback<std::function<void()>>> interrupts_;
};

}  // namespace strata
