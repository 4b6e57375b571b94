#pragma once
// Runs a program the way a user's shell would, minus the shell: exact arguments, an environment
// the caller spells out in full, a working directory, a timeout; captures stdout and stderr.

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace strata::test {

/// What to run. `environment` is the child's whole environment: nothing is inherited.
struct process_invocation {
    std::string program;  ///< a path; not looked up in PATH
    std::vector<std::string> arguments;
    std::map<std::string, std::string> environment;
    std::string working_directory;  ///< empty: the caller's
    std::chrono::milliseconds timeout{60'000};
};

struct process_result {
    int exit_code = -1;      ///< the exit status; -1 when the process did not exit by itself
    int signal = 0;          ///< the signal that ended it, 0 when it exited
    bool timed_out = false;  ///< killed (SIGKILL) when the timeout ran out
    std::string out;
    std::string err;
};

/// Everything execve needs for `what`, built before fork so that the child makes only
/// async-signal-safe calls. The environment is `what.environment`, plus the sanitizer options
/// (ASAN_OPTIONS, UBSAN_OPTIONS, LSAN_OPTIONS, TSAN_OPTIONS) of the test's own environment that
/// it does not set: a sanitized build's reports come from every process a test starts.
struct exec_image {
    explicit exec_image(const process_invocation& what);
    std::vector<std::string> strings;
    std::vector<char*> argv;  ///< null-terminated
    std::vector<char*> envp;  ///< null-terminated
};

/// Runs `what` to completion (or to its timeout) with stdin on /dev/null, reading both pipes as
/// it goes so a chatty child cannot block. Throws std::runtime_error when the program cannot be
/// started at all (missing, not executable, bad working directory): that is a broken test, not
/// an exit code.
process_result run_process(const process_invocation& what);

/// The invocation and what came back, for an assertion message. A URL password among the
/// arguments is shown as ***: test logs are kept.
std::string describe(const process_invocation& what, const process_result& result);

}  // namespace strata::test
