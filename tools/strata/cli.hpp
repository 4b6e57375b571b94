#pragma once
// The strata command line: what was asked (options.cpp) and how results are shown (output.cpp).

#include <strata/runner.hpp>

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace strata::cli {

/// Documented in --help and the README; a pipeline acts on them.
enum exit_code : int {
    exit_ok = 0,
    exit_unit_failed = 1,
    exit_usage = 2,
    exit_connection = 3,
    exit_validation = 4,
    exit_lock_timeout = 5,
    exit_pending = 6,  ///< status --exit-code: units are pending
};

/// Bad usage: exit 2 with the message.
struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
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
};

/// Parses argv. Throws usage_error (or boost::program_options::error) for bad usage, naming
/// `program` (the command users run) in its hints.
invocation parse(int argc, const char* const* argv, const std::string& program);

void print_help(std::ostream& out, const std::string& command, const std::string& program);

/// Human text or JSON, and colour only on a terminal without NO_COLOR. `program` is the command
/// users run, named in hints ("see strata repair --help") and before notices and errors.
class printer {
public:
    printer(bool json, std::string program);

    bool wants_json() const noexcept { return json_; }

    /// A unit as it completes: stdout for humans, stderr (as progress) with --json.
    void progress(const unit_report& u) const;
    /// Waiting for a lock, retries, reverting from stored statements: always stderr.
    void notice(const std::string& text) const;

    void status(const std::string& database, const std::vector<unit_status>& units) const;
    void validation(const std::string& database, const std::vector<std::string>& problems) const;
    void report(const std::string& command, const std::string& database, const run_report& r, bool dry_run,
                const std::string& nothing_to_do) const;
    void repaired(const std::string& database, std::int64_t version, bool mark_applied) const;

    /// An error: the message on stderr; with --json also a JSON document on stdout.
    void failure(int code, const std::string& message, const error* e = nullptr) const;

private:
    std::string paint(const std::string& text, const char* colour) const;

    bool json_;
    bool colour_;
    std::string program_;
};

}  // namespace strata::cli
