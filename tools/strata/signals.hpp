#pragma once
// Private to the command line: SIGTERM, SIGINT and SIGHUP while a command works on a database. The first
// asks the engine to stop (runner_options::stop): the running statement is cancelled, what a
// transaction holds is rolled back, the audit row written, the lock released, one line printed,
// exit 128 + the signal. A second one exits at once (_exit(128 + signal), from the handler).

#include <csignal>
#include <stop_token>
#include <string>
#include <thread>

namespace strata::cli {

/// While alive: handlers for SIGTERM, SIGINT and SIGHUP (a signal ignored when it was installed
/// stays ignored, as a shell's background job ignores SIGINT and nohup SIGHUP), and a thread that turns the first signal
/// into stop_source::request_stop(): the engine's stop callbacks (PQcancel, sqlite3_interrupt)
/// then run on that thread, never in the handler. SIGPIPE is ignored meanwhile: output to a reader
/// that went fails instead of ending the process half-way through a unit. Restores the previous
/// handlers when destroyed. One at a time per process.
class signal_watch {
public:
    signal_watch();
    ~signal_watch();
    signal_watch(const signal_watch&) = delete;
    signal_watch& operator=(const signal_watch&) = delete;

    /// Requested on the first signal.
    std::stop_token token() const noexcept { return stop_.get_token(); }
    /// The first signal's number, 0 while none came.
    int received() const noexcept;
    /// "SIGTERM", "SIGINT", "SIGHUP"; empty while none came.
    std::string received_name() const;

private:
    std::stop_source stop_;
    std::jthread watcher_;
    struct sigaction previous_pipe_ {};
    bool pipe_ignored_ = false;
};

}  // namespace strata::cli
