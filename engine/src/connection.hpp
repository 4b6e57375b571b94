#pragma once
// Private: one open database connection. Each backend implements it in its dialect folder; this
// is the only place SOCI sessions and native handles are reachable from.

#include <strata/database_url.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

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

/// One row of a query's result: each value as text, nullopt for NULL.
using result_row = std::vector<std::optional<std::string>>;

// A connection plays four roles; code that needs one takes that role, not the whole connection
// (the transaction guard takes `transactions`). Each backend implements all four.

/// Runs SQL. Values are spliced in as literals (dialect::quote_literal), never bound, so a dry
/// run's script holds exactly what runs.
class statements {
public:
    virtual ~statements() = default;
    /// Runs SQL text (one or several statements) on the native handle, bypassing SOCI's
    /// statement parsing (see execute's implementations for why). Returns the rows the last
    /// statement changed, or -1 when that is not known (a script). Throws statement_error
    /// carrying the statement and the SQLSTATE or SQLite result code (connection_error when the
    /// connection is gone).
    virtual std::int64_t execute(const std::string& sql) = 0;
    /// Runs one query and returns its rows as text.
    virtual std::vector<result_row> query(const std::string& sql) = 0;
};

class transactions {
public:
    virtual ~transactions() = default;
    /// Begins a transaction. `foreign_keys_off`: the unit rebuilds a table (SQLite only).
    virtual void begin(bool foreign_keys_off) = 0;
    /// Commits; on SQLite after a rebuild, first checks every foreign key (statement_error).
    /// Lost during COMMIT: commit_unknown_error (the outcome is not known).
    virtual void commit() = 0;
    /// Rolls back what the transaction did; never throws.
    virtual void rollback() noexcept = 0;
};

/// The migration lock, and waits for table locks.
class locking {
public:
    virtual ~locking() = default;
    /// Takes the migration lock, waiting up to `timeout` and saying through `notice` who holds
    /// it. Throws lock_timeout_error naming the holder.
    virtual std::unique_ptr<migration_lock> lock(std::chrono::milliseconds timeout, const notice_function& notice) = 0;
    /// How long a statement may wait for a table lock (PostgreSQL's lock_timeout).
    virtual void set_lock_timeout(std::chrono::milliseconds timeout) = 0;
    /// The same for the open transaction alone (PostgreSQL's SET LOCAL): nothing of it stays on
    /// the server session, which a transaction pooler hands to other clients. Nothing where the
    /// wait is the connection's (SQLite's busy timeout).
    virtual void set_transaction_lock_timeout(std::chrono::milliseconds timeout) { (void)timeout; }
    /// Whether `e` is such a wait that timed out: the unit may be retried.
    virtual bool is_lock_timeout(const error& e) const = 0;
    /// After such a timeout (outside any transaction): who holds locks on the tables `statement`
    /// names, e.g. "the lock on users is held by pid 42 (...)"; empty when nobody can be named.
    virtual std::string lock_holders(const std::string& statement) = 0;
    /// How long a statement waits while another process holds the whole database (SQLite's busy
    /// timeout; connect() sets it to --lock-timeout). Running out throws lock_timeout_error
    /// naming the database. PostgreSQL has no such wait (its table locks follow set_lock_timeout).
    virtual void set_busy_timeout(std::chrono::milliseconds timeout) { (void)timeout; }
    /// Who holds the migration lock now ("pid 604, application 'strata', from 10.0.0.5, connected
    /// since ..."), looked at without taking it; empty when nobody does, or where the database
    /// cannot say (SQLite).
    virtual std::string migration_lock_holder() { return {}; }
    /// Whether the migration lock can belong to a transaction (lock_transaction()).
    virtual bool can_lock_transactions() const noexcept { return false; }
    /// For a change made in one transaction (up --atomic), first thing inside it: takes the
    /// migration lock for that transaction only (COMMIT or ROLLBACK releases it, so it holds
    /// through a transaction pooler), waiting like lock(), and sets the table-lock wait
    /// (set_lock_timeout) for the transaction only. Only where can_lock_transactions() (not
    /// SQLite, whose lock() comes before the transaction).
    virtual void lock_transaction(std::chrono::milliseconds timeout, std::chrono::milliseconds table_lock_timeout,
                                  const notice_function& notice) {
        (void)timeout;
        (void)table_lock_timeout;
        (void)notice;
    }
};

/// What stands between this connection and a change, as far as the server and a probe can tell.
struct connection_route {
    /// Why the server takes no writes ("the server is a hot standby ..."); empty when it does.
    std::string read_only;
    /// What showed that consecutive transactions of this connection can run in different server
    /// sessions (a transaction pooler such as pgbouncer's pool_mode = transaction); empty when
    /// none did. Session state (a session advisory lock, SET) then means nothing.
    std::string transaction_pooled;
    /// What showed that the connection refuses transaction blocks (a pooler in statement mode,
    /// such as pgbouncer's pool_mode = statement); empty when nothing did. Then no unit can run,
    /// since each runs in a transaction with its history row; transaction_pooled is set too.
    std::string statement_pooled;
};

/// What the server says while statements run.
class diagnostics {
public:
    virtual ~diagnostics() = default;
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
};

/// One open database connection: the four roles, and what belongs to the connection itself.
class connection : public statements, public transactions, public locking, public diagnostics {
public:
    const database_url& url() const noexcept { return url_; }

    /// A connection to a private copy of this database's schema on which a run can be rehearsed
    /// without touching this one: no rows but those of `with_rows` (the history, which a down
    /// changes). It records every statement it runs into `script` when given (the expanded
    /// statements of a SQLite rebuild included). Null when the backend cannot make one
    /// (PostgreSQL). Throws unsupported_error naming an object it cannot copy.
    virtual std::unique_ptr<connection> rehearsal(std::vector<std::string>* script, const std::vector<std::string>& with_rows) {
        (void)script;
        (void)with_rows;
        return nullptr;
    }

    /// Whether this connection can only look (a SQLite file that did not exist when a command
    /// opened it for looking): a change needs a new connection.
    virtual bool read_only() const noexcept = 0;
    /// Whether `e` (from execute or query) says that a table, column, index, schema or other
    /// object the statement names does not exist (PostgreSQL's 42P01, 42703, 42704, 3F000;
    /// SQLite's "no such table", "no such column", "no such index").
    virtual bool is_undefined_object(const error& e) const {
        (void)e;
        return false;
    }
    /// Whether the database does not exist: a SQLite file looked at before anything made it (the
    /// one kind of read-only connection there is).
    bool missing() const noexcept { return read_only(); }

    /// Who applies units: the database user on PostgreSQL, the OS user on SQLite.
    virtual std::string applied_by() = 0;

    /// The name a run's changes to strata's table `table` (the history, the log) use: on
    /// PostgreSQL qualified with the schema the run found it in (current_schema() as the session
    /// started, read no later than the migration lock, before any unit runs), so that a unit's own
    /// search_path (SET LOCAL, set_config) sends them nowhere else; quoted alone on SQLite.
    virtual std::string history_table(std::string_view table);
    /// After a unit's `statements` ran: undoes what they may have set for the rest of the session
    /// (PostgreSQL: a plain SET, set_config(..., false), SET ROLE; RESET ALL, then strata's own
    /// settings again), so that every unit starts from the session strata opened, whether it runs
    /// alone or after others: the schema a unit makes must not depend on how units are batched.
    /// Nothing inside a transaction (up --atomic, whose units share one: a RESET ALL there would
    /// outlast it on a pooled server connection), where statements cannot change the session
    /// (SQLite), or when none of them can have (PostgreSQL: may_change_session).
    virtual void reset_session(const std::vector<std::string>& statements) { (void)statements; }
    /// What reset_session() runs after `statements` outside a transaction, one statement each
    /// (a dry run's script shows them); none when they cannot have changed the session.
    virtual std::vector<std::string> session_reset(const std::vector<std::string>& statements) {
        (void)statements;
        return {};
    }
    /// The statement (a gexec() one) that clears what a failed, cancelled or killed try of
    /// `statement` left behind, for a unit outside a transaction to run before each try of it:
    /// PostgreSQL, the INVALID index of its name a `CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT
    /// EXISTS] name ON table` leaves (the next try would fail on it, or skip it with IF NOT
    /// EXISTS and be recorded with an index no query uses). Empty for any other statement.
    virtual std::string leftover_cleanup(const std::string& statement) const {
        (void)statement;
        return {};
    }
    /// A boolean SQL condition for the WHERE of each change to the history: true while a session
    /// starting as this connection did would find the history where history_table() says;
    /// otherwise it fails the statement, explaining (a unit created a schema the search_path
    /// lists before the history's: the next run would find no history and apply every unit
    /// again). Empty where names resolve in one place only (SQLite).
    virtual std::string history_guard() { return {}; }
    /// Where a session finds a table by its unqualified name, and where else it could have
    /// (PostgreSQL's search_path); empty where names resolve in one place only (SQLite).
    struct name_resolution {
        std::string current_schema;
        std::string search_path;
        /// The schemas listed after the current one that hold the table, readable to this role,
        /// nearest first.
        std::vector<std::string> further_on;
    };
    /// For `table`: a history in a schema of further_on is the one this database's runs kept
    /// until a schema was made ahead of it in the search_path.
    virtual name_resolution resolve_further(std::string_view table) {
        (void)table;
        return {};
    }

    /// Where a change through this connection would land (see connection_route); outside any
    /// transaction. Behind a pooler this opens a second connection for a moment. Nothing to say
    /// by default (SQLite).
    virtual connection_route route() { return {}; }
    /// Stops what this connection is doing; thread-safe (the runner calls it from the thread that
    /// requested runner_options::stop), never throws. The statement running is cancelled and
    /// throws interrupted_error saying `reason` ("interrupted by SIGTERM"); a wait for the migration
    /// lock, or (SQLite) for a database another process holds, ends with interrupted_error. Later
    /// statements run as usual (the rollback, the audit row), but no longer wait for a busy
    /// SQLite database. A statement that starts just as this is called may escape the cancel:
    /// the runner checks its stop token before each statement.
    /// Returns once the cancel request is delivered, also when another thread sends it: a thread
    /// that saw the stop calls it before its next statement (the rollback, the audit row), which
    /// the request, still on its way, would otherwise cancel.
    void interrupt(std::string reason) noexcept;
    /// Whether interrupt() was called.
    bool interrupted() const noexcept { return interrupt_state_.load() != not_interrupted; }

protected:
    explicit connection(database_url url) : url_(std::move(url)) {}

    /// The backend's part of interrupt(): cancel the statement running, if any (PQcancel,
    /// sqlite3_interrupt). Called once, from another thread than the one running statements.
    virtual void cancel_statement() noexcept {}
    /// The reason interrupt() was given ("interrupted by SIGTERM"), once its cancel request is
    /// delivered (so the statements that follow do not meet it).
    std::string interruption() const;
    /// Sleeps for `d` unless interrupt() is done meanwhile: whether it slept the whole time.
    bool pause_unless_interrupted(std::chrono::milliseconds d) const;

    /// The wait every backend's lock() does, around its own `try_once` (true: the lock is taken;
    /// false: someone else holds it; what it throws goes through). While someone else holds it,
    /// says once through `notice` who (`holder`), pauses (20 ms, doubling up to 250 ms, never
    /// past the deadline) and tries again; once `timeout` has passed, throws lock_timeout_error
    /// naming the holder. A zero timeout tries once. interrupt() ends the wait (interrupted_error).
    void poll_for_lock(std::chrono::milliseconds timeout, const std::function<bool()>& try_once,
                       const std::function<std::string()>& holder, const notice_function& notice) const;

private:
    database_url url_;
    enum interrupt_state { not_interrupted, cancelling, interrupt_done };
    std::atomic<interrupt_state> interrupt_state_{not_interrupted};
    mutable std::mutex interrupt_mutex_;  // guards interrupt_reason_; the pauses wait on it
    mutable std::condition_variable interrupt_wake_;
    std::string interrupt_reason_;
};

/// What to do about a transaction pooler, for messages: "connect directly or through a
/// session-mode pool, or use up --atomic ...".
std::string transaction_pooler_advice();

/// "60 s", "500 ms": for messages.
std::string duration_text(std::chrono::milliseconds d);

/// Sleeps for `d` unless `stop` is requested first (then returns at once): whether it slept the
/// whole time.
bool pause(std::stop_token stop, std::chrono::milliseconds d);

/// Opens a connection; one attempt may take `connect_timeout` (unless the URL sets its own).
/// `read_only`: for looking first (status, dry runs, down before its lock); a SQLite file that
/// does not exist is then read as an empty database instead of being created. Throws
/// connection_error (password never included). `busy_timeout` (--lock-timeout): how long a statement
/// waits while another process holds a SQLite database (locking::set_busy_timeout). `stop`: a
/// SQLite open that waits for a database another process holds gives up once it is requested
/// (the connection's interrupt() is not reachable yet), throwing what a timeout would.
std::unique_ptr<connection> connect(const database_url& url, std::chrono::seconds connect_timeout, bool read_only,
                                    std::chrono::milliseconds busy_timeout, std::stop_token stop = {});

#ifdef STRATA_WITH_SQLITE
std::unique_ptr<connection> connect_sqlite(const database_url& url, bool read_only, std::chrono::milliseconds busy_timeout,
                                           std::stop_token stop);
#endif
#ifdef STRATA_WITH_POSTGRESQL
std::unique_ptr<connection> connect_postgresql(const database_url& url, std::chrono::seconds connect_timeout);
#endif

}  // namespace strata
