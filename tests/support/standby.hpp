#pragma once
// The hot standby tools/pg-sandbox starts (STRATA_TEST_POSTGRESQL_STANDBY_URL), for the tests of
// --max-replica-lag: its URL, its replay paused for a while, and lag made on purpose. The standby
// is shared by every test of a run, so each pause is short and always resumed.

#include <strata/database_url.hpp>

#include <memory>
#include <string>

namespace soci {
class session;
}

namespace strata::test {

/// The standby's URL; std::runtime_error saying how to get one when it is not set.
database_url standby_url();

/// The standby's replay, paused for the object's life (or until resume()): resumed also when a
/// test fails.
class paused_replay {
public:
    paused_replay();
    paused_replay(const paused_replay&) = delete;
    paused_replay& operator=(const paused_replay&) = delete;
    ~paused_replay();
    void resume();

private:
    std::unique_ptr<soci::session> standby_;
    bool resumed_ = false;
};

/// The process id of the standby's WAL receiver, from its pg_stat_wal_receiver (std::runtime_error
/// when none streams).
int walreceiver_pid();

/// The standby's WAL receiver process stopped (SIGSTOP) for the object's life, as a stalled
/// network leaves it, at a moment when the server (through `primary`) last heard from it that it
/// had replayed all it received, when one comes within 10 s: it looks caught up, and receives
/// nothing more. Continued
/// (SIGCONT) also when a test fails. Needs to be allowed to signal the server's processes (root,
/// or the user tools/pg-sandbox runs the server as); std::runtime_error saying so otherwise.
class frozen_walreceiver {
public:
    explicit frozen_walreceiver(soci::session& primary);
    frozen_walreceiver(const frozen_walreceiver&) = delete;
    frozen_walreceiver& operator=(const frozen_walreceiver&) = delete;
    ~frozen_walreceiver();

private:
    int pid_ = 0;
};

/// Writes some WAL through `primary` and waits (up to 10 s) until the server heard from the
/// standby that it received WAL it has not replayed.
void fall_behind(soci::session& primary);

/// The standby's application_name, as strata's notices and errors quote it ("?" when none streams).
std::string standby_name(soci::session& primary);

}  // namespace strata::test
