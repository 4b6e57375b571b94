#pragma once
// Private to the command line: what was asked (options.cpp), how results are shown (output.cpp),
// how a new unit is written (new_unit.cpp). run.cpp ties them together.

#include <strata/cli.hpp>
#include <strata/lint.hpp>
#include <strata/runner.hpp>

#include <chrono>
#include <cstdint>
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
/// directory, or a file that cannot be written.
std::string write_new_unit(const new_unit_request& request, const program& self);

/// `lint [--all] [--error-on LEVEL]`.
struct lint_request {
    bool all = false;
    std::optional<lint_level> error_on;
};

/// Everything the command line asked for.
struct invocation {
    std::string command;  ///< empty: none given
    bool help = false;
    bool version = false;
    bool json = false;
    std::string database;  ///< resolved: --database, $STRATA_DATABASE_URL, $DATABASE_URL, default
    runner_options options;
    std::optional<std::int64_t> to;
    down_request down;
    std::optional<std::int64_t> repair_version;
    bool mark_applied = false;
    bool exit_code = false;  ///< status --exit-code
    new_unit_request new_unit;  ///< new
    std::optional<std::string> schema_output;  ///< schema dump --output FILE
    std::optional<std::string> schema_check;   ///< schema dump --check FILE
    lint_request lint;          ///< lint
    std::optional<std::string> scratch;  ///< verify, diff, validate --schema: --scratch URL
    bool schema = false;                 ///< validate --schema
};

/// The lines of `expected` turned into those of `actual`, as `diff -u` shows it (three lines of
/// context, `---`/`+++` naming both); empty when they are equal.
std::string unified_diff(const std::string& expected, const std::string& actual, const std::string& expected_name,
                         const std::string& actual_name);

/// Parses argv. Throws usage_error (or boost::program_options::error) for bad usage, naming
/// `self.name` in its hints.
invocation parse(int argc, const char* const* argv, const program& self);

void print_help(std::ostream& out, const std::string& command, const program& self);

/// Human text or JSON, and colour only on a terminal without NO_COLOR.
class printer {
public:
    printer(bool json, std::string program_name);

    bool wants_json() const noexcept { return json_; }

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
    void repaired(const std::string& database, std::int64_t version, bool mark_applied) const;
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

    /// An error: the message on stderr; with --json also a JSON document on stdout.
    void failure(int code, const std::string& message, const error* e = nullptr) const;

private:
    std::string paint(const std::string& text, const char* colour) const;
    /// Clears the line work() wrote, if any.
    void end_work() const;

    bool json_;
    bool colour_;
    bool work_line_;
    mutable std::size_t work_width_ = 0;  ///< characters of the line work() left on the terminal
    mutable std::chrono::steady_clock::time_point work_shown_{};
    std::string name_;  ///< the program's, for the prefix of its messages and its hints
};

}  // namespace strata::cli
