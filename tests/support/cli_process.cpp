#include "support/cli_process.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace strata::test {
namespace {

using clock = std::chrono::steady_clock;

[[noreturn]] void fail_errno(const std::string& what) {
    throw std::runtime_error("run_process: " + what + ": " + std::strerror(errno));
}

/// A file descriptor closed when it goes out of scope.
class fd_guard {
public:
    explicit fd_guard(int fd = -1) noexcept : fd_(fd) {}
    fd_guard(const fd_guard&) = delete;
    fd_guard& operator=(const fd_guard&) = delete;
    ~fd_guard() { reset(); }
    int get() const noexcept { return fd_; }
    void reset() noexcept {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    int fd_;
};

struct pipe_pair {
    fd_guard read;
    fd_guard write;
};

pipe_pair make_pipe() {
    int fds[2];
    // O_CLOEXEC: the child keeps only what dup2 puts on 0, 1 and 2.
    if (::pipe2(fds, O_CLOEXEC) != 0) fail_errno("pipe2");
    return {fd_guard(fds[0]), fd_guard(fds[1])};
}

[[noreturn]] void child(const process_invocation& what, exec_image& image, int in, int out, int err, int report) {
    int failed_errno = 0;
    if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) failed_errno = errno;
    if (!failed_errno && !what.working_directory.empty() && ::chdir(what.working_directory.c_str()) != 0)
        failed_errno = errno;
    if (!failed_errno) {
        ::execve(image.argv[0], image.argv.data(), image.envp.data());
        failed_errno = errno;
    }
    // The parent reads this through the close-on-exec pipe and throws.
    [[maybe_unused]] auto n = ::write(report, &failed_errno, sizeof failed_errno);
    ::_exit(127);
}

}  // namespace

exec_image::exec_image(const process_invocation& what) {
    strings.push_back(what.program);
    strings.insert(strings.end(), what.arguments.begin(), what.arguments.end());
    const std::size_t argc = strings.size();
    for (const auto& [name, value] : what.environment) strings.push_back(name + "=" + value);
    // A sanitized build's options (tools/test --sanitize: log_path, halt_on_error) reach every
    // process a test starts, so a report from a child that fails anyway is still collected.
    for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS"})
        if (const char* value = std::getenv(name); value && !what.environment.contains(name))
            strings.push_back(std::string(name) + "=" + value);
    for (std::size_t i = 0; i < strings.size(); ++i) {
        (i < argc ? argv : envp).push_back(strings[i].data());
        if (i + 1 == argc) argv.push_back(nullptr);
    }
    envp.push_back(nullptr);
}

process_result run_process(const process_invocation& what) {
    exec_image image(what);
    pipe_pair out = make_pipe();
    pipe_pair err = make_pipe();
    pipe_pair report = make_pipe();
    fd_guard devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (devnull.get() < 0) fail_errno("open /dev/null");

    const auto start = clock::now();
    const pid_t pid = ::fork();
    if (pid < 0) fail_errno("fork");
    if (pid == 0) child(what, image, devnull.get(), out.write.get(), err.write.get(), report.write.get());

    out.write.reset();
    err.write.reset();
    report.write.reset();
    devnull.reset();

    int child_errno = 0;
    ssize_t got;
    do got = ::read(report.read.get(), &child_errno, sizeof child_errno);
    while (got < 0 && errno == EINTR);
    if (got == static_cast<ssize_t>(sizeof child_errno)) {
        ::waitpid(pid, nullptr, 0);
        throw std::runtime_error("run_process: cannot run " + what.program +
                                 (what.working_directory.empty() ? std::string() : " in " + what.working_directory) + ": " +
                                 std::strerror(child_errno));
    }

    process_result result;
    const auto deadline = start + what.timeout;
    auto left_ms = [&] {
        return std::max<long long>(0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count());
    };

    pollfd fds[2] = {{out.read.get(), POLLIN, 0}, {err.read.get(), POLLIN, 0}};
    std::string* sinks[2] = {&result.out, &result.err};
    int open_pipes = 2;
    char buffer[8192];
    while (open_pipes > 0) {
        const long long left = left_ms();
        if (left == 0) {
            result.timed_out = true;
            break;
        }
        int ready = ::poll(fds, 2, static_cast<int>(std::min<long long>(left, 1'000'000)));
        if (ready < 0) {
            if (errno == EINTR) continue;
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
            fail_errno("poll");
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) continue;
            ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
            if (n > 0) {
                sinks[i]->append(buffer, static_cast<std::size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                fds[i].fd = -1;  // poll skips negative descriptors
                --open_pipes;
            }
        }
    }

    // Both pipes are closed: the child is exiting. Still bounded by the deadline, in case it
    // closed its output and kept running.
    int status = 0;
    for (;;) {
        pid_t done = result.timed_out ? 0 : ::waitpid(pid, &status, WNOHANG);
        if (done == pid) break;
        if (done < 0 && errno != EINTR) fail_errno("waitpid");
        if (result.timed_out || left_ms() == 0) {
            result.timed_out = true;
            ::kill(pid, SIGKILL);
            while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
            }
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
    if (result.timed_out) result.exit_code = -1;
    return result;
}

std::string describe(const process_invocation& what, const process_result& result) {
    // scheme://user:PASSWORD@ -> scheme://user:***@ ; the last '@' before a space ends the password.
    static const std::regex password(R"(([A-Za-z][A-Za-z0-9+.-]*://[^:@/\s]*:)[^\s]*@)");
    std::ostringstream text;
    text << "\n$";
    for (const auto& [name, value] : what.environment) text << " " << name << "=" << std::regex_replace(value, password, "$1***@");
    text << " " << what.program;
    for (const auto& a : what.arguments) text << " '" << std::regex_replace(a, password, "$1***@") << "'";
    if (!what.working_directory.empty()) text << "\n  (in " << what.working_directory << ")";
    text << "\n  exit code " << result.exit_code;
    if (result.signal) text << ", killed by signal " << result.signal;
    if (result.timed_out) text << ", TIMED OUT after " << what.timeout.count() << " ms";
    text << "\n--- stdout ---\n" << result.out << "--- stderr ---\n" << result.err << "--------------";
    return text.str();
}

}  // namespace strata::test
