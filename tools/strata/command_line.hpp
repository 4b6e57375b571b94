#pragma once
// Private to the command line: what was asked (options.cpp), how results are shown (output.cpp),
// how a new unit is written (new_unit.cpp). run.cpp ties them together.

#include <strata/cli.hpp>
#include <strata/lint.hpp>
#include <strata/runner.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace strata::cli {

/// Bad usage: exit 2 with the message.
struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// `new NAME [--sql] [--dir DIR] [--sequential]`.
struct new_unit_request {
    std::string name;
    bool sql = false;
    std::string dir;  ///< empty: the program's migrations directory, else ./migrations
    bool sequential = false;
};

/// Writes the unit `request` asks for, with a version DIR does not have yet, and returns its
/// path. Needs no database. Throws usage_error, with nothing written, for a bad name, a missing
/// directory, no version left that the build accepts (at most 18 digits), or a file that cannot be
/// written.
std::string write_new_unit(const new_unit_request& request, const program& self);

/// `lint [--all] [--error-on LEVEL]`.
struct lint_request {
    bool all = false;
    std::optional<lint_level> error_on;
};

/// Many databases in one run: --targets, a repeated --database, --schemas-like, and how they run.
struct fleet_request {
    std::optional<std::string> targets_file;  ///< --targets FILE ("-": stdin)
    std::optional<std::string> schemas_like;  ///< --schemas-like PATTERN (PostgreSQL LIKE)
    int parallel = 4;                         ///< --parallel N: databases at once
    int canary = 0;                           ///< --canary N: the first N alone first
    int max_failures = 0;                     ///< --max-failures K: stop starting after more than K
    std::optional<std::pair<int, int>> shard; ///< --shard I/N: targets I, I+N, I+2N... (0-based)
};

/// Everything the command line asked for.
/// What `repair VERSION` does: the row goes (pending), stays as applied (--applied), or records
/// this build's checksum for a changed unit (--accept-changed).
enum class repair_action { mark_pending, mark_applied, accept_change, mark_reverted };

struct invocation {
    std::string command;  ///< empty: none given
    bool help = false;
    bool version = false;
    bool json = false;
    /// Resolved: every --database, else $STRATA_DATABASE_URL, else $DATABASE_URL, else the default.
    std::vector<std::string> databases;
    fleet_request fleet;
    /// Many databases (--targets, --schemas-like, or --database more than once): run_fleet().
    bool many() const { return fleet.targets_file || fleet.schemas_like || databases.size() > 1; }
    runner_options options;
    std::optional<std::int64_t> to;
    down_request down;
    std::optional<std::int64_t> repair_version;
    repair_action repair = repair_action::mark_pending;
    bool exit_code = false;  ///< status --exit-code
    new_unit_request new_unit;  ///< new
    std::optional<std::string> schema_output;  ///< schema dump --output FILE
    std::optional<std::string> schema_check;   ///< schema dump --check FILE
    lint_request lint;          ///< lint
    std::optional<std::string> scratch;  ///< verify, diff, validate --schema: --scratch URL
    bool schema = false;                 ///< validate --schema
};

/// What one database's command came to.
struct outcome {
    int code = exit_ok;
    std::size_t units = 0;  ///< units it applied, reverted or recorded (or in a dry run, would)
    std::string summary;    ///< one line: "3 units applied", "9 applied, 2 pending", or the error
};

/// One database of a fleet, as run_fleet() ran it, or why it did not.
struct target_run {
    std::string label;
    std::string database;  ///< its URL, redacted
    bool started = false;
    outcome result;        ///< not started: result.summary says why
    std::chrono::milliseconds duration{0};
    std::string output;    ///< what its command printed on stdout (with --json: its document)
    /// Text output: `output` is shown under the target's line (a dry run's script, the details of
    /// a finding), not only in --json's document.
    bool show_output = false;
    std::string errors;    ///< what it printed on stderr (a failure's details)
};

/// "1 unit", "3 units": a count and its noun.
std::string plural(std::size_t n, const char* word);

/// Ranks exit codes for a fleet's own: a signal's, then 1, 4, 2, 3, 5, 6, 0.
int more_severe(int a, int b);

/// The lines of `expected` turned into those of `actual`, as `diff -u` shows it (three lines of
/// context, `---`/`+++` naming both); empty when they are equal.
std::string unified_diff(const std::string& expected, const std::string& actual, const std::string& expected_name,
                         const std::string& actual_name);

class printer;
class signal_watch;

/// The command `in` asks for, on one database: prints through `out`, notices through `notice`.
/// Throws what the engine throws.
outcome run_command(const invocation& in, const database_url& url, const registry& units, const program& self,
                    const printer& out, const std::function<void(const std::string&)>& notice);

/// Runs `body`, turning what it throws into an exit code, a failure printed through `out` and
/// the summary's line. `signals`: a run stopped by a signal exits 128 + its number.
outcome guarded(const printer& out, const signal_watch* signals, const std::function<outcome()>& body);

/// Many databases (invocation::many()): reads and expands the targets, runs the command on each,
/// `in.fleet.parallel` at a time, prints a line per target as it finishes and a summary, and
/// returns the most severe exit code. Throws usage_error for bad targets before any runs.
int run_fleet(const invocation& in, const registry& units, const program& self, const printer& out,
              const signal_watch* signals);

/// Parses argv. Throws usage_error (or boost::program_options::error) for bad usage, naming
/// `self.name` in its hints.
invocation parse(int argc, const char* const* argv, const program& self);

void print_help(std::ostream& out, const std::string& command, const program& self);

/// Human text or JSON, and colour only on a terminal without NO_COLOR.
class printer {
public:
    /// On stdout and stderr.
    printer(bool json, std::string program_name);
    /// Into `out` and `err` (one database of many, kept to be shown as a whole): no colour, no
    /// line of work.
    printer(bool json, std::string program_name, std::ostream& out, std::ostream& err);

    bool wants_json() const noexcept { return json_; }
    /// One target of many: how `schema dump --check`'s hint names it for a dump of its own
    /// (` --schemas-like 'tenant\_a' on its database`), after `--output FILE`.
    void for_target(std::string how) { target_ = std::move(how); }

    /// A unit as it completes: stdout for humans, stderr (as progress) with --json.
    void progress(const unit_report& u) const;
    /// Waiting for a lock, retries, reverting from stored statements: always stderr.
    void notice(const std::string& text) const;

    /// Whether long work shows a line of progress: on a terminal (stderr), without --json or
    /// NO_COLOR. Otherwise work() is not to be called and nothing of it is printed.
    bool shows_work() const noexcept { return work_line_; }
    /// Long work inside a unit (a backfill's batches): one line on stderr, rewritten in place
    /// (at most ten times a second), cut to the terminal's width, cleared before anything else
    /// is printed.
    void work(const progress_event& p) const;

    void status(const std::string& database, const std::vector<unit_status>& units) const;
    /// validate: the history's problems, and with --schema (`drift` given) the schema's differences.
    void validation(const std::string& database, const std::vector<std::string>& problems, const drift_report* drift = nullptr) const;
    /// verify: where it runs, before the first unit.
    void verifying(const std::string& database, const std::string& scratch) const;
    /// verify: one unit's verdict, as it is reached (human text only).
    void verified(const unit_verification& v) const;
    /// verify: the summary (`total`: units in this build; those after a failed up are not reached).
    void verification(const std::string& database, const std::vector<unit_verification>& verdicts, std::size_t total) const;
    /// diff.
    void drift(const std::string& database, const drift_report& r) const;
    void report(const std::string& command, const std::string& database, const run_report& r, bool dry_run,
                const std::string& nothing_to_do) const;
    /// repair; `review`: what --accept-changed records, next to what the row held.
    void repaired(const std::string& database, std::int64_t version, repair_action action, bool dry_run,
                  const std::optional<change_review>& review = std::nullopt) const;
    /// `lint`: one line per finding, then how many; `all`: every unit was read, no database opened.
    void lint(const std::string& database, backend b, bool all, const std::vector<lint_finding>& findings,
              const lint_request& request) const;
    /// `new`: the path of the unit it wrote.
    /// A file `command` wrote (new, schema dump --output): its path alone.
    void written(const std::string& path, const std::string& command = "new") const;
    /// schema dump: the schema itself, or where it was written.
    void schema(const std::string& database, const std::string& sql) const;
    /// schema dump --check: the diff (empty: the schema matches `file`).
    void schema_check(const std::string& database, const std::string& file, const std::string& diff) const;

    /// A fleet: one database's line as it finishes (human text only; `width`: the labels').
    void target_done(const target_run& t, std::size_t width) const;
    /// A fleet: the table of every target and the totals, or with --json the array of them.
    void fleet(const std::vector<target_run>& targets, int code) const;

    /// An error: the message on stderr; with --json also a JSON document on stdout.
    void failure(int code, const std::string& message, const error* e = nullptr) const;

private:
    std::string paint(const std::string& text, const char* colour) const;
    /// Clears the line work() wrote, if any.
    void end_work() const;
    /// end_work() under work_mutex_, which the caller holds.
    void clear_work_line() const;

    bool json_;
    bool colour_;
    bool work_line_;
    mutable std::size_t work_width_ = 0;  ///< characters of the line work() left on the terminal
    mutable std::chrono::steady_clock::time_point work_shown_{};
    /// The work line's state and stderr while it is drawn or cleared: work() is called from an
    /// index build's watch thread while a notice of the server's may be printed on the run's own.
    mutable std::mutex work_mutex_;
    std::string name_;  ///< the program's, for the prefix of its messages and its hints
    std::string target_;  ///< for_target()
    std::ostream& out_;
    std::ostream& err_;
};

}  // namespace strata::cli
