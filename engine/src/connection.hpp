#pragma once
// Private: one open database connection. Each backend implements it in its dialect folder; this
// is the only place SOCI sessions and native handles are reachable from.

#include <strata/database_url.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace soci {
class session;
}

namespace strata {

class error;

/// Held for a whole run; released when destroyed, or by the operating system or server when
/// the process dies (never stale).
class migration_lock {
public:
    virtual ~migration_lock() = default;
};

using notice_function = std::function<void(const std::string&)>;

/// How far an index build is, as PostgreSQL's pg_stat_progress_create_index says.
struct index_progress {
    std::string index;  ///< empty while the server does not name it (a build that is not CONCURRENTLY)
    std::string table;
    std::string phase;  ///< "building index: scanning table"
    std::int64_t done = 0;
    std::int64_t total = 0;
    std::string unit;  ///< blocks or tuples, whichever the phase counts
};

/// Watches while alive; stops (and waits for its thread) when destroyed.
class progress_watch {
public:
    virtual ~progress_watch() = default;
};

class connection {
public:
    virtual ~connection() = default;

    const database_url& url() const noexcept { return url_; }

    /// Runs SQL text (one or several statements, nothing bound) on the native handle, bypassing
    /// SOCI's statement parsing (see execute's implementations for why). Throws statement_error
    /// carrying the statement and the SQLSTATE or SQLite result code.
    virtual void execute(const std::string& sql) = 0;

    /// Begins a transaction. `foreign_keys_off`: the unit rebuilds a table (SQLite only).
    virtual void begin(bool foreign_keys_off) = 0;
    /// Commits; on SQLite after a rebuild, first checks every foreign key (statement_error).
    virtual void commit() = 0;
    /// Rolls back what the transaction did; never throws.
    virtual void rollback() noexcept = 0;

    /// The statements begin()/commit() run, for a dry run's script.
    virtual std::vector<std::string> begin_preview(bool foreign_keys_off) const = 0;
    virtual std::vector<std::string> commit_preview(bool foreign_keys_off) const = 0;
    /// A unit's statement as a dry run's script shows it: the statement, and on SQLite after a
    /// rebuild directive (which execute() carries out from the live table) a line saying so.
    virtual std::vector<std::string> statement_preview(const std::string& statement) const { return {statement}; }

    /// Takes the migration lock, waiting up to `timeout` and saying through `notice` who holds
    /// it. Throws lock_timeout_error naming the holder.
    virtual std::unique_ptr<migration_lock> lock(std::chrono::milliseconds timeout, const notice_function& notice) = 0;

    /// How long a statement may wait for a table lock (PostgreSQL's lock_timeout).
    virtual void set_lock_timeout(std::chrono::milliseconds timeout) = 0;
    /// Whether `e` is such a wait that timed out: the unit may be retried.
    virtual bool is_lock_timeout(const error& e) const = 0;
    /// After such a timeout (outside any transaction): who holds locks on the tables `statement`
    /// names, e.g. "the lock on users is held by pid 42 (...)"; empty when nobody can be named.
    virtual std::string lock_holders(const std::string& statement) = 0;

    /// Receives the message of each notice the server sends while statements run (PostgreSQL's
    /// NOTICE; a DO block reports progress with them), until called again; an empty function
    /// stops that. The function must not throw. SQLite sends none.
    virtual void on_server_notice(notice_function receiver) { (void)receiver; }

    /// Reports, from a thread and a connection of its own, how far an index build run on this
    /// connection is, until the watch is destroyed (right after the statement). Null when the
    /// database cannot say (SQLite). `report` must not throw.
    virtual std::unique_ptr<progress_watch> watch_index_build(std::function<void(const index_progress&)> report) {
        (void)report;
        return nullptr;
    }

    /// For the history table's bound statements.
    virtual soci::session& session() noexcept = 0;

    /// Asked after a statement failed: why the connection is gone (PostgreSQL: the server ended
    /// the session, the network dropped), on one line, when it is; then the statement was not
    /// the problem. Nullopt while the connection is usable.
    virtual std::optional<std::string> lost() const { return std::nullopt; }

    /// Whether this connection can only look (a SQLite file that did not exist when a command
    /// opened it for looking): a change needs a new connection.
    virtual bool read_only() const noexcept = 0;

    /// Who applies units: the database user on PostgreSQL, the OS user on SQLite.
    virtual std::string applied_by() = 0;

protected:
    explicit connection(database_url url) : url_(std::move(url)) {}

private:
    database_url url_;
};

/// "60 s", "500 ms": for messages.
std::string duration_text(std::chrono::milliseconds d);

/// Opens a connection; one attempt may take `connect_timeout` (unless the URL sets its own).
/// `read_only`: for looking first (status, dry runs, down before its lock); a SQLite file that
/// does not exist is then read as an empty database instead of being created. Throws
/// connection_error (password never included).
std::unique_ptr<connection> connect(const database_url& url, std::chrono::seconds connect_timeout, bool read_only);

#ifdef STRATA_WITH_SQLITE
std::unique_ptr<connection> connect_sqlite(const database_url& url, bool read_only);
#endif
#ifdef STRATA_WITH_POSTGRESQL
std::unique_ptr<connection> connect_postgresql(const database_url& url, std::chrono::seconds connect_timeout);
#endif

}  // namespace strata
