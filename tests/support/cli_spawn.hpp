#pragma once
// Starts a program in the background, for tests that need several at once or one to kill while it
// runs. Same contract as run_process (exact arguments, the whole environment spelled out, stdin on
// /dev/null, a timeout), but the caller decides when to wait, and can look at the output so far.

#include "support/cli_process.hpp"

#include <chrono>
#include <string>

#include <sys/types.h>

namespace strata::test {

class spawned_process {
public:
    /// Starts `what` now. Throws std::runtime_error when it cannot be started at all. Its timeout
    /// counts from here: wait() kills it (SIGKILL) when it runs out.
    explicit spawned_process(process_invocation what);
    /// Kills (SIGKILL) and reaps the process if it is still running: a failed test leaves no child.
    ~spawned_process();
    spawned_process(const spawned_process&) = delete;
    spawned_process& operator=(const spawned_process&) = delete;

    pid_t pid() const noexcept { return pid_; }
    const process_invocation& invocation() const noexcept { return what_; }

    /// Whether it is still running (reaps it, without blocking, when it has ended).
    bool running();
    /// Sends `signal` to this process only; nothing once it has been reaped.
    void send(int signal);
    /// What it has written so far (the whole output once it has ended).
    std::string out_so_far() const;
    std::string err_so_far() const;

    /// Waits until it ends, or kills it (SIGKILL) when its timeout runs out (timed_out is then set).
    /// May be called again: returns the same result.
    process_result wait();

    /// How long it ran, from start until it was reaped (until now while it runs).
    std::chrono::milliseconds elapsed() const;

private:
    void reaped(int status);

    process_invocation what_;
    pid_t pid_ = -1;
    int out_fd_ = -1;
    int err_fd_ = -1;
    bool done_ = false;
    int status_ = 0;
    bool timed_out_ = false;
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::time_point end_;
};

}  // namespace strata::test
