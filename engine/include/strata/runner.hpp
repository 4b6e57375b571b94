#pragma once
/// The runner: plans and applies units against one database, recording them in the history.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include <strata/database_url.hpp>
#include <strata/error.hpp>
#include <strata/inspect.hpp>

namespace strata {

class registry;

enum class unit_state {
    applied,  ///< in the history and in this build, with the same checksum
    pending,  ///< in this build, not in the history
    changed,  ///< applied, but this build renders different statements for it
    unknown,  ///< in the history, not in this build (applied by another build)
    dirty,    ///< a non-transactional unit whose run was interrupted: a person must check
    /// The history records another unit (by name) under this version, even a running one: most
    /// likely the runner points at another application's database. Decided before the checksum;
    /// no option runs over it. (Last, so the values before it keep their numbers.)
    mismatched,
    /// The history row cannot be trusted: a state strata never writes, stored down statements
    /// that are not readable or not what strata stored (checksum). Nothing runs over it; `repair`
    /// removes or rewrites the row. (Last, so the values before it keep their numbers.)
    damaged,
};

const char* to_string(unit_state s) noexcept;

/// One line of `status`.
/// One operation of an online unit whose up was interrupted half-way, as the schema shows it now.
struct unit_step {
    enum class progress {
        done,
        partly,    ///< some of its statements are done (a key added NOT VALID, an index built but not attached)
        not_done,
        unknown,   ///< the schema cannot tell (a backfill)
    };
    std::string operation;  ///< "add_column users.profile", as schema::describe() says it
    progress state = progress::not_done;
    std::string detail;     ///< what is there, for partly and unknown
};

const char* to_string(unit_step::progress p) noexcept;

struct unit_status {
    std::int64_t version = 0;
    std::string name;               ///< this build's; the history's for unknown units
    std::string applied_name;       ///< recorded in the history; empty when pending
    unit_state state = unit_state::pending;
    std::string checksum;           ///< of this build's statements; empty for unknown units
    std::string applied_checksum;   ///< recorded in the history; empty when pending
    std::string applied_at;         ///< ISO 8601 UTC, empty when pending
    std::optional<std::int64_t> execution_ms;
    std::string applied_by;
    bool out_of_order = false;      ///< pending, yet older than the newest applied unit
    bool interrupted = false;       ///< pending: an online unit stopped half-way; up finishes it
    /// interrupted or dirty: it was the unit's down that stopped (down finishes reverting it,
    /// up applies it again), not its up.
    bool reverting = false;
    /// dirty: an online unit stopped half-way, which this build cannot resume (it does not know
    /// the unit, or the unit changed since), whose row stores how to undo its finished steps:
    /// down does that, as the build that ran it would.
    bool stored_rollback = false;
    std::string damage;             ///< damaged: what is wrong with the history row
    /// unknown or mismatched: the version this build gives a unit of the recorded name (renumbered
    /// since it was applied?); none when this build has no unit of that name, or has it here.
    std::optional<std::int64_t> in_build_as;
    /// damaged: a newer build wrote the row, with a statement form this build cannot run
    /// (`damage` names it); not this build's to repair: that build reverts the unit.
    bool newer_build = false;
    /// interrupted: each operation of its up, and how far it got (read from the schema by status()).
    std::vector<unit_step> steps;
    /// interrupted or dirty while a run holds the migration lock (PostgreSQL): that run is at it
    /// now, not stopped; who it is ("pid 604, application 'strata', from ..., connected since ...").
    std::string in_progress;
};

/// One unit that ran (or, in a dry run, would run).
struct unit_report {
    std::int64_t version = 0;
    std::string name;
    direction dir = direction::up;
    std::chrono::milliseconds duration{0};
    bool from_history = false;  ///< reverted with the statements stored when it was applied
    /// Reverted while its up was interrupted half-way: what its finished steps did was undone.
    bool half_done = false;
    /// half_done, and it was an earlier down that had stopped half-way: this one finished it.
    bool down_was_half_done = false;
};

struct run_report {
    std::vector<unit_report> units;
    std::chrono::milliseconds duration{0};
    /// Dry run only: every statement that would run, in order, with transaction boundaries.
    std::vector<std::string> script;
    /// Dry run of down or redo only: what the run would refuse to drop (data_loss_error), named
    /// in notices too. The command line's dry run then exits 1, as the run would.
    std::vector<lost_data> refused_losses;
    /// Down or redo (a dry run too): what its statements drop that was not counted, each with
    /// why (lost_data::allowed): its unit allows it, or runner_options::allow_data_loss.
    std::vector<lost_data> allowed_losses;
};

/// Which units `down` reverts. At most one of the fields may be set (config_error otherwise);
/// none reverts the newest applied unit.
struct down_request {
    std::optional<int> steps;        ///< revert this many of the newest applied units
    /// Revert every unit newer than this version (applied, or one of this build's units); done
    /// already when none is applied.
    std::optional<std::int64_t> to;
    bool all = false;  ///< revert every applied unit (done already when none is)
    /// Revert this one applied unit alone (done already when it is not applied): a unit merged
    /// late and applied out of order, under units with higher versions that stay. Refused
    /// (config_error) when units were applied after it, which may build on it, unless
    /// runner_options::allow_out_of_order.
    std::optional<std::int64_t> only;
};

/// Long work going on inside a unit, reported while the unit runs: the batches of an online
/// backfill, and index builds (PostgreSQL's pg_stat_progress_create_index, polled).
struct progress_event {
    std::int64_t version = 0;
    std::string name;       ///< the unit's
    std::string operation;  ///< "backfill users"
    std::int64_t done = 0;
    /// An estimate made when the work started (a backfill counts its rows first); `done` may pass
    /// it (rows written meanwhile). 0 when unknown.
    std::int64_t total = 0;
    std::string unit = "rows";  ///< what done and total count: rows, blocks, tuples
    std::string phase;          ///< an index build's phase ("building index: scanning table"); empty for a backfill
};

/// One line for people: `unit 4 fill_status: backfill users: 20 of 25 rows (80%)`.
std::string describe(const progress_event& p);

/// One unit's round trip in `verify`.
struct unit_verification {
    enum class outcome {
        round_trips,   ///< down restored the schema up found
        differs,       ///< down left `differences` (expected: before up; actual: after down)
        irreversible,  ///< the unit has no down: applied, not reverted
        failed,        ///< up, down or the second up failed: `error` says which and why
    };
    std::int64_t version = 0;
    std::string name;
    outcome result = outcome::round_trips;
    std::vector<inspect::difference> differences;
    std::string error;  ///< failed: the error's message; irreversible: why
    /// What differs but is not the unit's to fix: the column order down leaves (a column added
    /// back goes last).
    std::vector<std::string> notes;
};
const char* to_string(unit_verification::outcome o) noexcept;

/// What repair --accept-changed records for a changed unit, next to what its row held: strata
/// keeps the checksum of the up statements applied, not their text, so a person compares this
/// build's (`up`) with the unit's file in the release that applied it.
struct change_review {
    std::int64_t version = 0;
    std::string name;
    std::string applied_checksum;  ///< the history's
    std::string checksum;          ///< this build's
    std::vector<std::string> up;   ///< this build's up statements
    /// The down statements stored when the unit was applied (none: none stored, or unreadable).
    std::vector<std::string> stored_down;
    /// This build's down statements, which replace the stored ones; nullopt when this build
    /// cannot revert the unit: the stored ones stay.
    std::optional<std::vector<std::string>> down;
    /// The unit's reason for its down dropping data (schema::builder::allow_data_loss): as
    /// stored, and this build's (which replaces it with the down statements).
    std::optional<std::string> stored_data_loss_allowed;
    std::optional<std::string> data_loss_allowed;
};

/// What `diff` found: the schema the applied units make (expected) against the database's.
struct drift_report {
    std::vector<inspect::difference> differences;  ///< empty: the schemas agree
    /// What limits the comparison: applied units this build does not have (left out of the
    /// expected schema), applied units this build renders differently (this build's used); and
    /// the column order, which differs after a column was dropped and added back (it goes last).
    std::vector<std::string> notes;
    std::vector<std::int64_t> applied;  ///< the versions applied to the scratch database
};

/// One registry's units rendered and hashed once per database kind and `atomic`, and shared by
/// every runner over that registry whose options carry this object: a run over many databases
/// (the command line's --targets, --schemas-like, a repeated --database) renders its units once
/// instead of once per database. A plan depends on nothing of a database but its kind (it is made
/// before anything connects), so a shared one is the very plan each runner would make. A runner
/// over any other registry renders its own. Thread-safe. `units` must outlive this object and
/// gain no unit while it lives (a program's registry::global(), filled before main, is such a
/// registry); should it gain some anyway, the next runner renders a plan of its own.
class shared_plans {
public:
    explicit shared_plans(const registry& units);
    ~shared_plans();
    shared_plans(const shared_plans&) = delete;
    shared_plans& operator=(const shared_plans&) = delete;

private:
    friend struct shared_plans_access;  // the runner's way in (runner.cpp)
    struct impl;
    std::unique_ptr<impl> impl_;
};

/// How a runner behaves. The defaults suit a deploy pipeline.
struct runner_options {
    /// How long to wait for another runner's lock before giving up (lock_timeout_error).
    std::chrono::milliseconds lock_timeout{std::chrono::seconds(60)};
    /// How long one connection attempt may take (PostgreSQL).
    std::chrono::seconds connect_timeout{10};
    /// Keep retrying to connect for this long (a database that is still starting).
    std::chrono::seconds wait{0};
    /// PostgreSQL: how long one try of a statement may wait for a table lock (lock_timeout). While
    /// it waits, every write to the table queues behind it, so this is the longest stall strata
    /// causes the application (measured by tools/bench row f); then the unit is rolled back (an
    /// online unit: the statement) and tried again after a pause.
    std::chrono::milliseconds ddl_lock_timeout{std::chrono::milliseconds(200)};
    /// How many times a unit that timed out on a lock is tried again; none: as often as
    /// ddl_lock_deadline allows. Pauses between tries grow from 100 ms to 2 s, each jittered.
    std::optional<int> ddl_lock_retries;
    /// How long a unit may keep trying for its table locks, counted from its first try: no try
    /// starts that could not end before it. Outside a transaction (an online unit), the time its
    /// statements took to run to their end is not counted: a step that meets a busy table after
    /// a long index build gets the whole deadline.
    std::chrono::milliseconds ddl_lock_deadline{std::chrono::minutes(2)};
    /// PostgreSQL: wait while any streaming standby in pg_stat_replication replays more than this
    /// far behind, before each unit, between the steps of an online unit and between the batches
    /// of a backfill (see replica_lag.hpp for how lag is measured). None: no waiting. The role
    /// must see every standby's lag (pg_monitor or pg_read_all_stats), else up, down and redo
    /// refuse before anything runs (config_error). SQLite has no standbys: ignored, with a notice.
    std::optional<std::chrono::milliseconds> max_replica_lag;
    /// How long one such wait may last; then lock_timeout_error (exit 5) naming the standby and its
    /// lag. An online unit stopped there is left interrupted (up finishes it, down undoes it).
    std::chrono::milliseconds replica_lag_deadline{std::chrono::minutes(10)};
    bool allow_changed = false;       ///< run although applied units changed
    bool allow_unknown = false;       ///< run although the history has units this build lacks
    /// up: apply pending units older than the newest applied one; down --only: revert a unit
    /// that units applied after it may build on.
    bool allow_out_of_order = false;
    /// PostgreSQL, up and baseline: begin a history in the current schema although a schema the
    /// search_path lists after it holds one with rows (a tenant's schema ahead of a shared public
    /// migrated by the same units). Without it that is refused: the current schema may have been
    /// made ahead of the database's history by mistake, and every unit would apply again there.
    bool allow_new_history = false;
    /// down and redo: drop tables and columns that hold data. Without it, a down whose statements
    /// drop a table with rows or a column with values (DROP TABLE, TRUNCATE, ALTER TABLE ... DROP
    /// COLUMN, read before anything runs) is refused (data_loss_error, exit 1), naming each.
    bool allow_data_loss = false;
    /// Render and report, change nothing (the history table is not even created).
    bool dry_run = false;
    /// up: all pending units in one transaction (databases with transactional DDL only).
    bool atomic = false;
    /// Progress and waiting messages (who holds the lock, retries); the runner never prints.
    std::function<void(const std::string&)> on_notice;
    /// Progress of long work inside a unit, as it happens (called often: keep it cheap). It must
    /// not throw. Index builds are polled on a thread (and a second connection) of their own, so
    /// it may be called from there, while the runner waits for the statement. None by default.
    std::function<void(const progress_event&)> on_progress;
    /// up: the versions it is about to apply, once the history was read under the lock and before
    /// the first statement runs (none: not called). For advice such as lint's warnings; it must
    /// not throw.
    std::function<void(const std::vector<std::int64_t>&)> on_pending;
    /// The command users run, named in the hints of errors and problems ("run strata repair 3"):
    /// a migrator built on strata's command line gives its own.
    std::string program_name = "strata";
    /// Asks a running command to stop (from any thread; the command line on SIGTERM or SIGINT):
    /// the statement running is cancelled (PostgreSQL's cancel request, sqlite3_interrupt), a
    /// unit's transaction is rolled back, waits (the migration lock, --wait, a lock retry's pause,
    /// SQLite's busy wait) end, no further statement or unit starts; the failure's audit row is
    /// written (bounded waits), the migration lock released, and interrupted_error (or a
    /// migration_error whose kind() is interrupted) says what was kept. None by default.
    std::stop_token stop;
    /// What asked for the stop, for messages and the audit row ("SIGTERM" gives "interrupted by
    /// SIGTERM"); called only after `stop` was requested. None: "interrupted by a stop request".
    std::function<std::string()> stopped_by;
    /// Runners over its registry given the same object share one plan per database kind and
    /// `atomic` (see shared_plans). None: each runner renders its own.
    std::shared_ptr<shared_plans> plans;
};

/// Called after each unit commits, so a caller can report progress as it happens.
using unit_observer = std::function<void(const unit_report&)>;

/// Works on one database. Connects on first use and keeps the connection. Commands that change
/// the database hold the migration lock for their whole run (a PostgreSQL advisory lock, an OS
/// file lock for SQLite: both vanish with the process) and read the history after taking it.
/// Each unit runs in one transaction with its history row: a failing unit leaves no trace and
/// raises migration_error listing the units of the run that did complete.
class runner {
public:
    /// Validates the registry (registry_error). Does not connect.
    runner(const registry& units, database_url url, runner_options options = {});
    ~runner();
    runner(const runner&) = delete;
    runner& operator=(const runner&) = delete;

    const database_url& url() const noexcept;

    /// Every unit of this build and every unit in the history, ordered by version.
    std::vector<unit_status> status();

    /// What disagrees between the history and this build (empty: all is well). Does not lock.
    std::vector<std::string> validate();

    /// Applies pending units in version order, all or up to and including `to` (which must be a
    /// version of this build, else config_error). Refuses (validation_error) when validate()
    /// finds a problem the options do not allow. up, down, redo and repair always refuse a
    /// mismatched unit (validation_error), before anything runs.
    run_report up(std::optional<std::int64_t> to = std::nullopt, const unit_observer& observer = {});

    /// Reverts applied units, newest first; a unit this build does not know is reverted with the
    /// statements stored when it was applied. Refuses (config_error) when nothing is applied,
    /// when more steps are asked than are applied, or when `to` is not an applied version;
    /// (irreversible_error) when a unit's down is not possible, before anything runs.
    run_report down(const down_request& request = {}, const unit_observer& observer = {});

    /// Reverts the newest applied unit and applies it again.
    run_report redo(const unit_observer& observer = {});

    /// Records the units up to and including `to` as applied without running them, for a
    /// database whose schema already has them. Refused (config_error) unless the history is empty.
    run_report baseline(std::int64_t to);

    /// The database's schema as deterministic SQL in its own dialect (stable order, no volatile
    /// names or timestamps, strata's metadata tables left out): what `schema dump` prints and
    /// `schema dump --check` compares with a committed file. Reads only; takes no lock.
    std::string schema_dump();
    /// The database's schema as the normalized model (<strata/inspect.hpp>), strata's metadata
    /// tables left out. Reads only; takes no lock.
    inspect::snapshot schema();
    /// verify: on a scratch database (never the target: `scratch`, else SQLite in memory for a
    /// SQLite target, a database created on the target's server and dropped after for
    /// PostgreSQL), for every unit in version order: snapshot, up, snapshot, down, compare with
    /// the first snapshot, up again. `observer` sees each unit's verdict as it is reached.
    /// Throws config_error when the scratch database cannot be made or is not empty.
    std::vector<unit_verification> verify(const std::optional<database_url>& scratch = std::nullopt,
                                          const std::function<void(const unit_verification&)>& observer = {});
    /// diff (drift): the schema the units this database has applied make (built on a scratch
    /// database as verify makes one) compared with the schema it has. Reads the target only.
    drift_report diff(const std::optional<database_url>& scratch = std::nullopt);

    /// PostgreSQL: the schemas of this database whose names are LIKE `pattern` (`tenant_%`),
    /// system schemas left out, in byte order. Reads only; takes no lock. config_error on SQLite,
    /// which has no schemas.
    std::vector<std::string> schemas_like(const std::string& pattern);

    /// Clears the dirty state of `version` after a person checked the database: with
    /// `mark_applied` the unit is recorded as applied, else its row goes and it is pending again.
    /// A damaged row likewise goes, or with `mark_applied` is kept as applied with this build's
    /// down statements (config_error when this build does not have the unit).
    void repair(std::int64_t version, bool mark_applied);

    /// Records this build's checksum and down statements for `version`, an applied unit that
    /// changed since (unit_state::changed): for an edit that changes nothing the unit did (a
    /// comment, a statement's layout), after a person compared the two. The audit log keeps both
    /// checksums. config_error, nothing written, when the unit is not `changed`. Returns what it
    /// records, and what was there (with runner_options::dry_run it only returns that).
    change_review accept_change(std::int64_t version);

    /// repair VERSION --reverted: `version`, an applied unit (this build's, changed or unknown),
    /// was reverted by hand, its down's work done outside strata: its row goes, nothing runs, and
    /// the unit is pending, with an audit row saying so. config_error, nothing written, when the
    /// unit is not applied (a dirty or damaged row is repair()'s; an interrupted online unit is
    /// undone by down). With runner_options::dry_run it checks only.
    void record_reverted(std::int64_t version);

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace strata
