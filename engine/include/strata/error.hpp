#pragma once
/// The exception hierarchy: every error strata throws is a strata::error carrying its context.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace strata {

/// Which way a unit runs.
enum class direction { up, down };

/// A unit a run applied or reverted, and committed, before the run stopped: it stays as it is.
struct completed_unit {
    std::int64_t version;
    std::string name;
    direction dir;
};

const char* to_string(direction d) noexcept;

/// Where an error happened. Every field is optional; what() prints the ones that are set.
/// `database` is always the redacted URL; `statement` never contains bound values.
struct error_context {
    std::string database;
    std::string backend;
    std::optional<std::int64_t> version;
    std::string unit_name;
    std::optional<direction> dir;
    std::string statement;
    std::string sqlstate;
    /// Where `statement` is written, when strata knows: "migrations/0004_add_x.sql:12" (a .sql
    /// unit's statement).
    std::string source;
    /// Whether the unit named (version) failed, as the message then begins: "unit 2 x (up) failed
    /// on DB: ". False when the run stopped at it for a wait that ran out (exit 5): the unit is
    /// named for --json, the message begins with the database alone.
    bool unit_failed = true;
    /// Whether the unit named was refused before anything of it ran (it cannot be reverted, the
    /// dialect cannot render it, its history row is damaged): the message then begins "unit 2 x
    /// (down) cannot run on DB: " and ends "; nothing was run". Wins over unit_failed.
    bool refused = false;
};

/// What kind of failure an error is, so a caller can act on it without casting: each class below
/// says its kind, and exit_status() turns a kind into the command line's exit code.
enum class error_kind {
    other,           ///< a plain strata::error
    config,          ///< config_error (and sql_file_error)
    connection,      ///< connection_error: cannot connect, or the connection was lost
    registry,        ///< registry_error
    irreversible,    ///< irreversible_error
    unsupported,     ///< unsupported_error
    statement,       ///< statement_error
    validation,      ///< validation_error
    lock_timeout,    ///< lock_timeout_error
    unit_failed,     ///< migration_error, unless its cause decides (see migration_error::kind())
    commit_unknown,  ///< commit_unknown_error
    /// interrupted_error: the caller asked the run to stop (runner_options::stop; the command line
    /// on SIGTERM or SIGINT).
    interrupted,
    /// replica_lag_error: a standby stayed too far behind for longer than the replica lag deadline.
    replica_lag,
    /// data_loss_error: a down would drop a table or column holding data, and was not allowed to.
    /// Last, so the values before it keep their numbers.
    data_loss,
};

/// "connection", "commit_unknown": for JSON output and messages.
const char* to_string(error_kind k) noexcept;

/// The exit code of the command line for an error of kind `k`: 1 a unit failed or cannot run here
/// (also other, statement, commit_unknown), 2 config and registry, 3 connection, 4 validation,
/// 5 lock_timeout and replica_lag, 1 data_loss, 130 interrupted (the command line exits 128 + the signal's number instead: 130
/// for SIGINT, 143 for SIGTERM). The one place these are decided; `--help` documents them.
int exit_status(error_kind k) noexcept;

/// Base of every strata exception. what() is one sentence a person understands, then the
/// statement on its own line when there is one.
class error : public std::runtime_error {
public:
    error(std::string message, error_context context = {});

    /// Overridden by each subclass.
    virtual error_kind kind() const noexcept { return error_kind::other; }
    const error_context& context() const noexcept { return context_; }
    /// The message without the context decoration.
    const std::string& message() const noexcept { return message_; }

private:
    std::string message_;
    error_context context_;
};

/// The configuration is unusable: a malformed database URL, an unknown target version, a request
/// that cannot be satisfied (reverting when nothing is applied). Nothing was changed.
class config_error : public error {
public:
    using error::error;
    error_kind kind() const noexcept override { return error_kind::config; }
};

/// A unit written in plain SQL (see <strata/sql_unit.hpp>) is malformed. what() reads like a
/// compiler's: `FILE:LINE: what is wrong and what to do`; just `FILE: ...` when the problem is not
/// on a line (the file cannot be read).
class sql_file_error : public config_error {
public:
    sql_file_error(std::string file, std::size_t line, const std::string& problem);

    const std::string& file() const noexcept { return file_; }
    /// 1-based, of the whole file; 0 when the problem is not on a line.
    std::size_t line() const noexcept { return line_; }

private:
    std::string file_;
    std::size_t line_ = 0;
};

/// The database could not be reached or refused the login, or the connection was lost while a
/// statement ran (PostgreSQL: the server ended the session, the network went away).
class connection_error : public error {
public:
    using error::error;
    error_kind kind() const noexcept override { return error_kind::connection; }
};

/// The connection was lost while COMMIT ran: the transaction may or may not have been committed,
/// and only a look at the database (`status`, on a new connection) can tell. Not a
/// connection_error: retrying the connection does not answer the question.
class commit_unknown_error : public error {
public:
    using error::error;
    error_kind kind() const noexcept override { return error_kind::commit_unknown; }
};

/// The registered units are inconsistent (duplicate or non-positive versions).
class registry_error : public error {
public:
    using error::error;
    error_kind kind() const noexcept override { return error_kind::registry; }
};

/// A unit cannot be reverted (a raw sql() without a down, a drop without its definition).
/// Raised before anything runs.
class irreversible_error : public error {
public:
    using error::error;
    error_kind kind() const noexcept override { return error_kind::irreversible; }
};

/// An operation this dialect cannot render (raw sql without text for it, a SQLite rebuild of a
/// table strata does not know). Names the dialect; raised before anything runs.
class unsupported_error : public error {
public:
    using error::error;
    error_kind kind() const noexcept override { return error_kind::unsupported; }
};

/// A statement failed in the database. Carries the statement and, on PostgreSQL, the SQLSTATE in
/// the context; SQLite has no SQLSTATE, its result code is in the message.
class statement_error : public error {
public:
    using error::error;
    error_kind kind() const noexcept override { return error_kind::statement; }
};

/// The database's history disagrees with this build, and nothing was run: an applied unit whose
/// statements changed, a unit this build does not know, a pending unit older than the newest
/// applied one, a unit left dirty by an interrupted non-transactional run. `problems()` lists
/// each, one sentence apiece.
class validation_error : public error {
public:
    validation_error(std::string message, error_context context, std::vector<std::string> problems);
    error_kind kind() const noexcept override { return error_kind::validation; }

    const std::vector<std::string>& problems() const noexcept { return problems_; }

private:
    std::vector<std::string> problems_;
};

/// Another runner held the migration lock for longer than the lock timeout, or (SQLite) another
/// process held the database file locked for that long (SQLite's busy timeout follows the lock
/// timeout). Not a unit's failure: the unit it stopped was not run, or rolled back, or (online)
/// left interrupted (the message says which, and what earlier units of the run were kept).
class lock_timeout_error : public error {
public:
    using error::error;
    /// Stopped at a unit of a run (the context names it): `completed` are the units of the run
    /// before it.
    lock_timeout_error(std::string message, error_context context, std::vector<completed_unit> completed);
    error_kind kind() const noexcept override { return error_kind::lock_timeout; }
    /// Stopped at a unit: the units of the run before it (maybe none). Null for a wait outside a
    /// run's units (the migration lock's).
    const std::vector<completed_unit>* completed() const noexcept { return completed_ ? &*completed_ : nullptr; }

private:
    std::optional<std::vector<completed_unit>> completed_;
};

/// (runner_options::max_replica_lag) A standby replayed too far behind for longer than
/// replica_lag_deadline: a wait that ran out, as a lock_timeout_error is (and caught as one), but
/// of its own kind, so a caller (the JSON's `kind`) does not look for a lock holder.
class replica_lag_error : public lock_timeout_error {
public:
    using lock_timeout_error::lock_timeout_error;
    error_kind kind() const noexcept override { return error_kind::replica_lag; }
};

/// A table, a column or a schema that a unit's down would drop with the data in it.
struct lost_data {
    std::int64_t version = 0;
    std::string name;  ///< the unit's
    /// As its statement names them (quoted or not, qualified or not). `column` is empty for a
    /// whole table; `schema` is set (and `table` empty) for DROP SCHEMA ... CASCADE.
    std::string table;
    std::string column;
    std::string schema;
    /// The table (`t`) or column (`t.c`) as the database names it before the run, when an
    /// earlier statement of the run renames it to the name this one drops; empty otherwise.
    std::string named_now;
    /// DROP TYPE|DOMAIN|EXTENSION ... CASCADE: what is dropped ("type mood"), with the column
    /// (`table`, `column`) of that type that goes with it; alone when not counted (allowed).
    std::string cascade_of;
    bool truncated = false;  ///< TRUNCATE: the rows go, the table stays
    /// Rows holding data (a column: rows with a value; a schema: its tables), counted up to a
    /// bound; 0 when `unread`.
    std::int64_t rows = 0;
    bool at_least = false;  ///< the count stopped at its bound: there are `rows` or more
    std::string unread;     ///< why it could not be counted (a privilege): data may be there
    std::string unread_sqlstate;  ///< of that error, when the database gave one
    /// Not counted, allowed (run_report::allowed_losses): the unit's reason (allow_data_loss),
    /// or "--allow-data-loss" (runner_options::allow_data_loss).
    std::string allowed;
};

/// `unit 3 add_phone drops column "accounts"."phone", which holds values in 12 rows`; without
/// `with_count`, up to the name: `unit 3 add_phone drops column "accounts"."phone"`.
std::string describe(const lost_data& l, bool with_count = true);

/// A down or redo would drop tables or columns that hold data (runner_options::allow_data_loss
/// was not given), and nothing was run. `lost()` says what each holds; `losses()` the same, one
/// sentence apiece (describe()).
class data_loss_error : public error {
public:
    data_loss_error(std::string message, error_context context, std::vector<lost_data> lost);
    error_kind kind() const noexcept override { return error_kind::data_loss; }

    const std::vector<lost_data>& lost() const noexcept { return lost_; }
    const std::vector<std::string>& losses() const noexcept { return losses_; }

private:
    std::vector<lost_data> lost_;
    std::vector<std::string> losses_;
};

/// The run was asked to stop (runner_options::stop) and did: the statement running was cancelled
/// (PostgreSQL's cancel request, sqlite3_interrupt), a wait ended early. What was rolled back and
/// what was kept is said as for any failure: inside a unit this is the cause of a
/// migration_error, whose kind() is then `interrupted` too.
class interrupted_error : public error {
public:
    using error::error;
    error_kind kind() const noexcept override { return error_kind::interrupted; }
};

/// One unit failed (and, in a transaction, was rolled back). `completed()` lists the units of the same run that had
/// already been committed before it, in order, with their direction: they stay as they are.
/// `cause()` is the kind of the error that failed the unit.
class migration_error : public error {
public:
    using completed_unit = strata::completed_unit;

    migration_error(std::string message, error_context context, std::vector<completed_unit> completed,
                    bool rolled_back = true, error_kind cause = error_kind::statement);

    /// The cause's kind where it changes what the caller should do: connection (the connection
    /// was lost during the unit), commit_unknown (lost during its COMMIT) or interrupted (the run
    /// was asked to stop); unit_failed otherwise.
    error_kind kind() const noexcept override;
    /// The kind of the error that failed the unit (statement, connection, unsupported, ...).
    error_kind cause() const noexcept { return cause_; }
    const std::vector<completed_unit>& completed() const noexcept { return completed_; }
    /// False for a unit that runs outside a transaction: what its statements did before the
    /// failure stays (the message says whether `up` resumes it or it is dirty). False too when
    /// the cause is commit_unknown: nobody knows whether the unit was kept.
    bool rolled_back() const noexcept { return rolled_back_ && cause_ != error_kind::commit_unknown; }
    /// Whether the unit ran in a transaction.
    bool transactional() const noexcept { return rolled_back_; }

private:
    std::vector<completed_unit> completed_;
    bool rolled_back_ = true;
    error_kind cause_ = error_kind::statement;
};

/// What a run that stopped with `e` had completed before it: a failed unit's (migration_error)
/// or a wait's that ran out at a unit (lock_timeout_error); null when `e` says nothing of it.
const std::vector<completed_unit>* completed_before(const error& e) noexcept;

}  // namespace strata
