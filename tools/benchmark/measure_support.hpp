// What strata_measure's commands share: running a command as a fresh process, statistics,
// argument parsing and printing. Nothing here knows strata; see measure.cpp for the commands.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace strata_bench {

using json = nlohmann::ordered_json;

/// Prints "strata_measure: error: MESSAGE" and exits with status 2.
[[noreturn]] void die(const std::string& message);

/// CLOCK_MONOTONIC in milliseconds.
double now_ms();

std::string read_file(const std::string& path);

/// A password never goes into the output: postgresql://user:secret@ -> postgresql://user:***@,
/// and password=secret (URL parameter or libpq keyword) -> password=***.
std::string redact(std::string text);

/// argv as one line a shell would read back, passwords redacted.
std::string shell_words(const std::vector<std::string>& argv);

/// Starts argv as a fresh process (fork, execvp): stdin /dev/null, stdout and stderr to
/// `log_path` (truncated). Returns its pid; the caller waits for it.
pid_t spawn(const std::vector<std::string>& argv, const std::string& log_path);

/// Exits with status 1 and shows the run's output unless `status` (from wait4) is exit status 0.
void require_success(int status, const std::vector<std::string>& argv, const std::string& log_path);

/// Runs `setup` through /bin/sh -c, untimed; dies if it fails. Nothing to do when empty.
void run_setup(const std::string& setup);

double median(std::vector<double> values);
/// {"median", "min", "max", "samples"} of non-empty `values`.
json stats(const std::vector<double>& values);

double parse_number(const std::string& option, const std::string& value);
int parse_count(const std::string& option, const std::string& value, int minimum);

/// A row's command line: `--option value` pairs (only those in `known`), then
/// `--strata ARGV... [--compare-name NAME --compare ARGV...] --floor-name NAME --floor ARGV...`
/// (the floor's argv runs to the end). The comparison is optional.
struct row_arguments {
    std::vector<std::pair<std::string, std::string>> options;
    std::vector<std::string> strata_argv;
    std::vector<std::string> floor_argv;
    std::string floor_name = "floor";
    std::vector<std::string> compare_argv;
    std::string compare_name = "compare";

    /// The value of `option`, or `fallback` when it was not given.
    std::string get(const std::string& option, const std::string& fallback = {}) const;
};
row_arguments parse_row_arguments(const std::string& command, const std::vector<std::string>& args,
                                  const std::vector<std::string>& known);

/// "12.35" with `decimals` decimals.
std::string fixed(double value, int decimals);
/// "12.3 (11.9-14.0)": median (min-max) of a stats() object, divided by `scale`.
std::string range(const json& stats, double scale = 1, int decimals = 1);
/// Pads to `width` characters (UTF-8 aware).
std::string pad(std::string text, std::size_t width);

/// Prints a table: header, rule, rows; each column padded to its width (or its widest cell),
/// trailing blanks trimmed.
void print_table(std::vector<std::pair<std::string, std::size_t>> columns,
                 const std::vector<std::vector<std::string>>& rows);

}  // namespace strata_bench
