#include "signals.hpp"

#include <cerrno>
#include <csignal>
#include <iterator>
#include <stdexcept>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace strata::cli {
namespace {

// What the handler may touch: async-signal-safe state only. A process has one set of signal
// handlers, so this state is the process's (one signal_watch at a time).
volatile std::sig_atomic_t first_signal = 0;
int wake_pipe[2] = {-1, -1};  // the handler writes a byte, the watcher thread reads it

// SIGHUP: the terminal went (an on-call engineer's ssh session dropped); without a handler the
// process died at once, and the server went on running its statement and holding the lock.
constexpr int watched[] = {SIGTERM, SIGINT, SIGHUP};
struct sigaction previous[std::size(watched)] {};
bool installed[std::size(watched)] = {};

extern "C" void on_signal(int sig) {
    if (first_signal != 0) _exit(128 + sig);  // the second signal: no cleanup, at once
    first_signal = sig;
    const int saved = errno;  // write() may change it under the interrupted code
    const char byte = 1;
    [[maybe_unused]] auto written = ::write(wake_pipe[1], &byte, 1);
    errno = saved;
}

/// Installs on_signal for `sig` unless it is ignored now; whether it did.
bool install(int sig, struct sigaction& previous) {
    if (::sigaction(sig, nullptr, &previous) != 0 || previous.sa_handler == SIG_IGN) return false;
    struct sigaction action {};
    action.sa_handler = on_signal;
    ::sigemptyset(&action.sa_mask);
    // All blocked while one is handled, so "second" is always the later one. SA_RESTART: a
    // system call of the interrupted thread carries on (the stop reaches it through the engine).
    for (int other : watched) ::sigaddset(&action.sa_mask, other);
    action.sa_flags = SA_RESTART;
    return ::sigaction(sig, &action, nullptr) == 0;
}

}  // namespace

signal_watch::signal_watch() {
    if (::pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("cannot create a pipe for signal handling");
    first_signal = 0;
    watcher_ = std::jthread([this](std::stop_token quit) {
        // Ends when the byte comes (a signal) or when this object goes (quit, which writes one too).
        for (;;) {
            pollfd p{wake_pipe[0], POLLIN, 0};
            if (::poll(&p, 1, -1) < 0 && errno != EINTR) return;
            char byte = 0;
            if (::read(wake_pipe[0], &byte, 1) != 1) continue;
            if (quit.stop_requested()) return;
            if (first_signal != 0) {
                stop_.request_stop();
                return;
            }
        }
    });
    for (std::size_t i = 0; i < std::size(watched); ++i) installed[i] = install(watched[i], previous[i]);
    // A reader that went (`| tee` killed with the job's other steps, `| head`) ended the process
    // with SIGPIPE at its next line of output, half-way through a unit outside a transaction.
    // Ignored, the write fails (EPIPE) and the command runs to its end (libpq sends with
    // MSG_NOSIGNAL anyway).
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    ::sigemptyset(&ignore.sa_mask);
    pipe_ignored_ = ::sigaction(SIGPIPE, &ignore, &previous_pipe_) == 0;
}

signal_watch::~signal_watch() {
    if (pipe_ignored_) ::sigaction(SIGPIPE, &previous_pipe_, nullptr);
    for (std::size_t i = 0; i < std::size(watched); ++i) {
        if (installed[i]) ::sigaction(watched[i], &previous[i], nullptr);
        installed[i] = false;
    }
    watcher_.request_stop();
    const char byte = 0;
    [[maybe_unused]] auto written = ::write(wake_pipe[1], &byte, 1);
    watcher_.join();
    ::close(wake_pipe[0]);
    ::close(wake_pipe[1]);
    wake_pipe[0] = wake_pipe[1] = -1;
}

int signal_watch::received() const noexcept { return first_signal; }

std::string signal_watch::received_name() const {
    switch (first_signal) {
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGHUP: return "SIGHUP";
    case 0: return {};
    default: return "signal " + std::to_string(first_signal);
    }
}

}  // namespace strata::cli
