#pragma once
// A real pgbouncer in front of the test server, for the tests of strata behind a connection pooler.

#include <string>

#include <sys/types.h>

namespace strata::test {

/// pgbouncer (the Debian package) started on a free port of 127.0.0.1 with a temporary config:
/// every database name passes through to the server of STRATA_TEST_POSTGRESQL_URL, with that
/// URL's user and password (auth_type = plain, a userlist in the temporary directory). Run as the
/// `postgres` OS user when the tests run as root (pgbouncer refuses root). Stopped, and its
/// directory removed, when destroyed, also when the test fails.
class pgbouncer_process {
public:
    enum class pool_mode { session, transaction, statement };

    /// Starts it and waits (up to 10 s) until it accepts connections. Throws std::runtime_error
    /// saying why (no pgbouncer, no server URL, its log) when it cannot: the test fails, it does not
    /// skip.
    explicit pgbouncer_process(pool_mode mode, int pool_size = 20);
    ~pgbouncer_process();
    pgbouncer_process(const pgbouncer_process&) = delete;
    pgbouncer_process& operator=(const pgbouncer_process&) = delete;

    int port() const noexcept { return port_; }
    /// `url` (postgresql://user:password@host:port/db, a database on the test server) with
    /// pgbouncer's host and port: the same database, through the pooler.
    std::string through(const std::string& url) const;
    /// What pgbouncer has logged so far, for an assertion message.
    std::string log() const;

private:
    bool start(pool_mode mode, int pool_size);
    void stop() noexcept;

    std::string directory_;
    int port_ = 0;
    pid_t pid_ = -1;
};

}  // namespace strata::test
