#include "support/pgbouncer_process.hpp"

#include "support/temp_database.hpp"

#include <strata/database_url.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <arpa/inet.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace strata::test {
namespace {

using namespace std::chrono_literals;

const char* const pgbouncer_binary = "/usr/sbin/pgbouncer";

/// A TCP port of 127.0.0.1 that nothing listens on right now (another process may take it
/// before pgbouncer does: start() then retries).
int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error("pgbouncer_process: cannot create a socket");
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    int port = -1;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
        port = ntohs(a.sin_port);
    ::close(fd);
    if (port <= 0) throw std::runtime_error("pgbouncer_process: no free TCP port");
    return port;
}

bool accepts_connections(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

/// pgbouncer's userlist quoting: "name" "password", a '"' doubled.
std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

}  // namespace

pgbouncer_process::pgbouncer_process(pool_mode mode, int pool_size) {
    if (::access(pgbouncer_binary, X_OK) != 0)
        throw std::runtime_error(std::string("pgbouncer_process: ") + pgbouncer_binary +
                                 " not found: install the Debian package pgbouncer (tools/test installs it)");
    char tmpl[] = "/tmp/strata-pgbouncer.XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("pgbouncer_process: cannot create a temporary directory");
    directory_ = tmpl;
    try {
        for (int attempt = 0; attempt < 5; ++attempt)
            if (start(mode, pool_size)) return;
        throw std::runtime_error("pgbouncer_process: pgbouncer did not start; its log:\n" + log());
    } catch (...) {
        stop();
        throw;
    }
}

pgbouncer_process::~pgbouncer_process() { stop(); }

bool pgbouncer_process::start(pool_mode mode, int pool_size) {
    const auto server = database_url::parse(postgresql_admin_url());
    port_ = free_port();
    const std::string ini = directory_ + "/pgbouncer.ini", users = directory_ + "/userlist.txt",
                      logfile = directory_ + "/pgbouncer.log";
    {
        std::ofstream out(ini);
        out << "[databases]\n"
            << "* = host=" << server.host() << " port=" << server.port() << "\n"
            << "[pgbouncer]\n"
            << "listen_addr = 127.0.0.1\n"
            << "listen_port = " << port_ << "\n"
            << "unix_socket_dir =\n"
            << "auth_type = plain\n"
            << "auth_file = " << users << "\n"
            << "pool_mode = " << (mode == pool_mode::transaction ? "transaction" : mode == pool_mode::statement ? "statement" : "session") << "\n"
            << "default_pool_size = " << pool_size << "\n"
            << "max_client_conn = 200\n"
            << "ignore_startup_parameters = extra_float_digits\n"
            << "logfile = " << logfile << "\n";
        std::ofstream u(users);
        u << quoted(server.user()) << " " << quoted(server.password()) << "\n";
    }
    std::filesystem::remove(logfile);
    // pgbouncer refuses to run as root: then as postgres, who must read the config and write the log.
    const passwd* pg = ::geteuid() == 0 ? ::getpwnam("postgres") : nullptr;
    if (::geteuid() == 0 && !pg) throw std::runtime_error("pgbouncer_process: running as root and there is no 'postgres' OS user to run pgbouncer as");
    if (pg)
        for (const auto& p : {directory_, ini, users})
            if (::chown(p.c_str(), pg->pw_uid, pg->pw_gid) != 0) throw std::runtime_error("pgbouncer_process: cannot chown " + p);

    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("pgbouncer_process: fork failed");
    if (pid_ == 0) {
        if (pg && (::setgroups(0, nullptr) != 0 || ::setgid(pg->pw_gid) != 0 || ::setuid(pg->pw_uid) != 0)) ::_exit(126);
        if (::chdir(directory_.c_str()) != 0) ::_exit(126);
        ::execl(pgbouncer_binary, pgbouncer_binary, "-q", ini.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            // A port taken meanwhile: try another one.
            if (log().find("Address already in use") != std::string::npos) return false;
            throw std::runtime_error("pgbouncer_process: pgbouncer exited at once (status " + std::to_string(status) + "); its log:\n" + log());
        }
        if (accepts_connections(port_)) return true;
        std::this_thread::sleep_for(20ms);
    }
    throw std::runtime_error("pgbouncer_process: pgbouncer does not accept connections on 127.0.0.1:" + std::to_string(port_) +
                             " after 10 s; its log:\n" + log());
}

void pgbouncer_process::stop() noexcept {
    if (pid_ > 0) {
        ::kill(pid_, SIGTERM);  // pgbouncer's immediate shutdown
        int status = 0;
        bool reaped = false;
        for (int i = 0; i < 250 && !reaped; ++i) {
            reaped = ::waitpid(pid_, &status, WNOHANG) == pid_;
            if (!reaped) std::this_thread::sleep_for(20ms);
        }
        if (!reaped) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, &status, 0);
        }
        pid_ = -1;
    }
    if (!directory_.empty()) {
        std::error_code ignored;
        std::filesystem::remove_all(directory_, ignored);
    }
}

std::string pgbouncer_process::through(const std::string& url) const {
    const auto scheme = url.find("://");
    const auto at = url.find('@', scheme + 3);
    const auto slash = url.find('/', at);
    if (scheme == std::string::npos || at == std::string::npos || slash == std::string::npos)
        throw std::runtime_error("pgbouncer_process: not a postgresql://user:password@host:port/db URL");
    return url.substr(0, at + 1) + "127.0.0.1:" + std::to_string(port_) + url.substr(slash);
}

std::string pgbouncer_process::log() const {
    std::ifstream in(directory_ + "/pgbouncer.log");
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

}  // namespace strata::test
