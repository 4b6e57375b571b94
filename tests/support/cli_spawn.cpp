#include "support/cli_spawn.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace strata::test {
namespace {

using clock = std::chrono::steady_clock;

[[noreturn]] void fail_errno(const std::string& what) {
    throw std::runtime_error("spawned_process: " + what + ": " + std::strerror(errno));
}

/// An unnamed file for a child's output: no reader thread needed, and nothing left on disk.
int capture_file() {
    std::string name = (std::filesystem::temp_directory_path() / "strata_spawn_XXXXXX").string();
    std::vector<char> buffer(name.begin(), name.end());
    buffer.push_back('\0');
    int fd = ::mkostemp(buffer.data(), O_CLOEXEC);
    if (fd < 0) fail_errno("mkostemp");
    ::unlink(buffer.data());
    return fd;
}

std::string read_all(int fd) {
    std::string text;
    char chunk[8192];
    off_t at = 0;
    for (;;) {
        ssize_t n = ::pread(fd, chunk, sizeof chunk, at);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        text.append(chunk, static_cast<std::size_t>(n));
        at += n;
    }
    return text;
}

}  // namespace

spawned_process::spawned_process(process_invocation what) : what_(std::move(what)) {
    // Everything execve needs is built before fork: the child only calls async-signal-safe functions.
    exec_image image(what_);

    out_fd_ = capture_file();
    try {
        err_fd_ = capture_file();
    } catch (...) {
        ::close(out_fd_);
        throw;
    }
    // The destructor does not run when the constructor throws: close what is open by then.
    auto give_up = [this](const std::string& what, int devnull) {
        int err = errno;
        if (devnull >= 0) ::close(devnull);
        ::close(out_fd_);
        ::close(err_fd_);
        errno = err;
        fail_errno(what);
    };
    int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull < 0) give_up("open /dev/null", -1);
    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0) give_up("pipe2", devnull);

    start_ = clock::now();
    pid_ = ::fork();
    if (pid_ < 0) {
        ::close(report[0]);
        ::close(report[1]);
        give_up("fork", devnull);
    }
    if (pid_ == 0) {
        int failed = 0;
        if (::dup2(devnull, 0) < 0 || ::dup2(out_fd_, 1) < 0 || ::dup2(err_fd_, 2) < 0) failed = errno;
        if (!failed && !what_.working_directory.empty() && ::chdir(what_.working_directory.c_str()) != 0) failed = errno;
        if (!failed) {
            ::execve(image.argv[0], image.argv.data(), image.envp.data());
            failed = errno;
        }
        [[maybe_unused]] auto n = ::write(report[1], &failed, sizeof failed);
        ::_exit(127);
    }
    ::close(devnull);
    ::close(report[1]);
    int child_errno = 0;
    ssize_t got;
    do got = ::read(report[0], &child_errno, sizeof child_errno);
    while (got < 0 && errno == EINTR);
    ::close(report[0]);
    if (got == static_cast<ssize_t>(sizeof child_errno)) {
        int status = 0;
        ::waitpid(pid_, &status, 0);
        ::close(out_fd_);
        ::close(err_fd_);
        throw std::runtime_error("spawned_process: cannot run " + what_.program +
                                 (what_.working_directory.empty() ? std::string() : " in " + what_.working_directory) + ": " +
                                 std::strerror(child_errno));
    }
}

spawned_process::~spawned_process() {
    if (pid_ > 0 && !done_) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
    }
    if (out_fd_ >= 0) ::close(out_fd_);
    if (err_fd_ >= 0) ::close(err_fd_);
}

void spawned_process::reaped(int status) {
    done_ = true;
    status_ = status;
    end_ = clock::now();
}

bool spawned_process::running() {
    if (done_) return false;
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) reaped(status);
    else if (r < 0 && errno != EINTR) fail_errno("waitpid");
    return !done_;
}

void spawned_process::send(int signal) {
    if (!done_) ::kill(pid_, signal);
}

std::string spawned_process::out_so_far() const { return read_all(out_fd_); }
std::string spawned_process::err_so_far() const { return read_all(err_fd_); }

process_result spawned_process::wait() {
    const auto deadline = start_ + what_.timeout;
    while (running()) {
        if (clock::now() >= deadline) {
            timed_out_ = true;
            ::kill(pid_, SIGKILL);
            int status = 0;
            while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
            }
            reaped(status);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    process_result r;
    if (WIFEXITED(status_)) r.exit_code = WEXITSTATUS(status_);
    if (WIFSIGNALED(status_)) r.signal = WTERMSIG(status_);
    r.timed_out = timed_out_;
    if (timed_out_) r.exit_code = -1;
    r.out = out_so_far();
    r.err = err_so_far();
    return r;
}

std::chrono::milliseconds spawned_process::elapsed() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>((done_ ? end_ : clock::now()) - start_);
}

}  // namespace strata::test
