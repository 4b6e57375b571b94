#pragma once
// Private: the metadata tables. strata_schema_history holds one row per applied (or running)
// unit; strata_schema_log is the append-only audit trail of every up and down.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <strata/dialect.hpp>
#include <strata/error.hpp>

namespace strata {

class connection;

/// A row's state: a non-transactional unit is `running` from before its up's first statement
/// until after its last, `reverting` likewise during its down (an applied unit's); found while
/// strata holds the lock, either means an interrupted run, of that direction. `damaged`: the
/// column holds something strata never writes (read only, never written).
enum class row_state { applied, running, reverting, damaged };

/// running or reverting: a run of the unit outside a transaction started and did not finish.
inline bool unfinished(row_state s) noexcept { return s == row_state::running || s == row_state::reverting; }

struct history_row {
    std::int64_t version = 0;
    std::string name;
    std::string checksum;
    std::string applied_at;  ///< ISO 8601 UTC
    std::int64_t execution_ms = 0;
    std::string applied_by;
    row_state state = row_state::applied;
    std::string state_text;  ///< the state column as stored (a damaged state's message shows it)
    /// The down statements rendered when the unit was applied, as stored (JSON, with their
    /// checksum); nullopt when it had none. Parsed only when needed: by recorded_down() for the
    /// units a run reverts, by damage_of() for status and validate.
    std::optional<std::string> down_json;
};

/// The down statements a history row stores.
struct stored_down {
    std::optional<rendering> statements;  ///< none: none stored (irreversible when applied) or damaged
    /// Stored while an online unit's row says running or reverting: each step's guarded inverse
    /// (planned_unit::rollback), so that any build, also one that does not know the unit, can
    /// undo what its finished steps did. Gone once the unit is applied.
    std::optional<rendering> rollback;
    /// Why the stored statements cannot be trusted: not readable, or not what strata stored (their
    /// checksum does not match). Empty when they can be, or none are stored.
    std::string damage;
};
stored_down recorded_down(const history_row& row);

/// How stored_down::damage begins for a row whose stored down holds a form of a newer build
/// (`requires`): the unit is not this build's to repair; the newer build reverts it.
inline constexpr std::string_view newer_build_damage = "its stored down statements need a newer strata build";

/// The text stored with a history row for `down`: its statements, how they run and their
/// checksum, as JSON (so an older or newer build can revert the unit, and an edit shows).
/// With `rollback` (an online unit whose row says running or reverting) it is stored too.
std::string stored_down_json(const rendering& down, const rendering* rollback = nullptr);
/// What the row of an online unit stores while it runs: its down (when it has one) and its
/// rollback; an irreversible unit's holds the rollback alone (`{"rollback": ...}`), so that any
/// build can still undo what its finished steps did.
std::string stored_running_json(const std::optional<rendering>& down, const rendering& rollback);

/// Why `row` cannot be trusted, empty when it can: a state strata never writes, or damaged down
/// statements. Parses the stored down (status and validate; up reads the state only).
std::string damage_of(const history_row& row);

/// What one history change writes.
struct history_entry {
    std::int64_t version = 0;
    std::string name;
    std::string checksum;
    std::int64_t execution_ms = 0;
    row_state state = row_state::applied;
    std::optional<rendering> down;
    const rendering* rollback = nullptr;  ///< stored with `down`, or alone without one (stored_running_json)
};

/// One line of the audit log.
struct log_entry {
    std::int64_t version = 0;
    std::string name;
    std::string action;  ///< up, down, baseline, repair
    std::int64_t duration_ms = 0;
    std::string outcome;  ///< ok, failed
    std::string message;  ///< the error, redacted; when ok, empty or a note (a half-done unit reverted)
};

/// How a run treats a strata history further down the search_path than the current schema
/// (history::ensure, history::elsewhere).
struct elsewhere_policy {
    /// Whether a unit of that history is this build's (its version and name): then the history is
    /// likely this application's own, hidden by a schema made ahead of it.
    std::function<bool(std::int64_t version, const std::string& name)> ours;
    /// runner_options::allow_new_history: begin a new history in the current schema anyway.
    bool allow = false;
};

class history {
public:
    static constexpr const char* table_name = "strata_schema_history";
    static constexpr const char* log_table_name = "strata_schema_log";

    history(connection& conn, const dialect& d);
    history(const history&) = delete;
    history& operator=(const history&) = delete;

    bool exists();
    /// Creates the tables that are missing, in one transaction (one query when the history
    /// exists). A log without its history (the history dropped) gets a new, empty history.
    /// `in_open_transaction`: in the caller's transaction (up --atomic), not one of its own.
    /// Refused (config_error) while a history further down the search_path records units of this
    /// build (elsewhere()), where the new one would apply every unit again, unless `others.allow`.
    void ensure(bool in_open_transaction, const elsewhere_policy& others);
    /// For a history whose table does not exist: the history further down the search_path that
    /// records units of this build (`ours`), described for a message ("schema \"app\" (search_path
    /// app,public) has no strata history, but schema \"public\", which the search_path lists after
    /// it, holds one with 12 units of this build, the newest 12 add_orders"); empty when there is
    /// none (always on SQLite). A history this role may not read is not looked at.
    std::string elsewhere(const elsewhere_policy& others);

    /// Every row, by version, in one query. Empty when the table does not exist. Unless
    /// dialect::names_may_resolve_elsewhere(), the catalog is asked only when the query fails, to
    /// tell a missing table from a real error.
    std::vector<history_row> read();

    /// A unit whose last run that did something was a down (the audit log's newest `ok` row of
    /// up, down or baseline for it): who reverted it, when.
    struct reverted_unit {
        std::int64_t version = 0;
        std::string at;  ///< ISO 8601 UTC
        std::string by;
    };
    /// Those of `versions` (pending units a run is about to apply) that a down reverted: a
    /// rollback the next up would quietly undo. Empty when the audit log does not exist.
    std::vector<reverted_unit> reverted(const std::vector<std::int64_t>& versions);

    // Each change is one statement with its values as literals, so a dry run's script holds
    // exactly what a run executes.
    void insert(const history_entry& e);
    /// Without `execution_ms` the row keeps its time: a down that stops half-way leaves the
    /// up's duration on the row, not a made-up 0.
    /// With `down_json` the stored down statements become that text (stored_down_json), in the
    /// same statement. Set applied, the row's applied_at becomes now, unless `keep_applied_at`
    /// (repair: the unit was applied when its run wrote the row, before any unit applied since).
    void set_state(std::int64_t version, row_state state, std::optional<std::int64_t> execution_ms = {},
                   const std::string* down_json = nullptr, bool keep_applied_at = false);
    /// An online unit's last step done: state applied, execution_ms, and what an applied row
    /// stores, `down` (NULL without), instead of the down and rollback stored while it ran.
    void mark_applied(std::int64_t version, std::int64_t execution_ms, const std::optional<rendering>& down);
    /// repair --applied of a damaged row: state applied, `down` stored (with its checksum) instead
    /// of what the row held.
    void rewrite_applied(std::int64_t version, const std::optional<rendering>& down);
    /// repair --accept-changed: `checksum` and `down` (this build's) recorded for `version`;
    /// without `down` the stored down statements stay as they are.
    void accept_change(std::int64_t version, const std::string& checksum, const rendering* down);
    /// Deletes the row of `version`; exactly one row must go (unchecked in a script).
    void remove(std::int64_t version);
    void log(const log_entry& e);

private:
    struct other_history;
    /// `in_transaction`: the session is in an open transaction (a failed read goes behind a savepoint).
    std::optional<other_history> find_elsewhere(const elsewhere_policy& others, bool in_transaction);
    std::int64_t execute(const std::string& sql);

    connection& conn_;
    const dialect& dialect_;
    bool exists_ = false;
};

}  // namespace strata
