#include "support/standby.hpp"

#include <soci/soci.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "support/schema_session.hpp"

#include <signal.h>

namespace strata::test {

using namespace std::chrono_literals;

database_url standby_url() {
    const char* standby = std::getenv("STRATA_TEST_POSTGRESQL_STANDBY_URL");
    if (!standby || !*standby)
        throw std::runtime_error("STRATA_TEST_POSTGRESQL_STANDBY_URL is not set: these tests need the hot standby tools/pg-sandbox "
                                 "starts (run them with tools/test, or tools/pg-sandbox run -- ...; not with --no-standby)");
    return database_url::parse(standby);
}

paused_replay::paused_replay() : standby_(open_session(standby_url())) {
    query_text(*standby_, "SELECT 'x' FROM pg_wal_replay_pause()");
}

paused_replay::~paused_replay() {
    try {
        resume();
    } catch (const std::exception&) {
        try {  // the session may be gone: a new one
            query_text(*open_session(standby_url()), "SELECT 'x' FROM pg_wal_replay_resume()");
        } catch (const std::exception&) {
        }
    }
}

void paused_replay::resume() {
    if (resumed_) return;
    query_text(*standby_, "SELECT 'x' FROM pg_wal_replay_resume()");
    resumed_ = true;
}

int walreceiver_pid() {
    auto standby = open_session(standby_url());
    const auto pid = query_value(*standby, "SELECT CAST(pid AS TEXT) FROM pg_stat_wal_receiver WHERE status = 'streaming'");
    if (!pid) throw std::runtime_error("the standby has no streaming WAL receiver (pg_stat_wal_receiver)");
    return std::stoi(*pid);
}

frozen_walreceiver::frozen_walreceiver(soci::session& primary) : pid_(walreceiver_pid()) {
    // Its last answer should say it replayed all it received (the case a lag that counted only
    // received WAL missed): other tests write WAL meanwhile, so stop it when the server shows
    // that, and keep it stopped once an answer on its way no longer changes that. A machine busy
    // enough never to show it within 10 s gets it stopped as it is: still a standby that
    // receives nothing, which must count as behind.
    const std::string caught_up = "SELECT CAST(count(*) AS TEXT) FROM pg_stat_replication WHERE state = 'streaming' AND "
                                  "replay_lsn = flush_lsn";
    auto stop = [this] {
        if (::kill(pid_, SIGSTOP) != 0)
            throw std::runtime_error("cannot stop the standby's WAL receiver (pid " + std::to_string(pid_) + "): " +
                                     std::strerror(errno) + " (run the tests as root or as the user the server runs as)");
    };
    for (const auto until = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < until;) {
        if (query_value(primary, caught_up) != std::optional<std::string>("1")) {
            std::this_thread::sleep_for(20ms);
            continue;
        }
        stop();
        std::this_thread::sleep_for(200ms);
        if (query_value(primary, caught_up) == std::optional<std::string>("1")) return;
        ::kill(pid_, SIGCONT);
    }
    stop();
}

frozen_walreceiver::~frozen_walreceiver() { ::kill(pid_, SIGCONT); }

void fall_behind(soci::session& primary) {
    primary << "CREATE TABLE IF NOT EXISTS wal_noise (n int)";
    primary << "INSERT INTO wal_noise SELECT generate_series(1, 1000)";
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (query_value(primary, "SELECT CAST(count(*) AS TEXT) FROM pg_stat_replication WHERE replay_lsn < flush_lsn") ==
           std::optional<std::string>("0")) {
        if (std::chrono::steady_clock::now() > deadline) {
            // What the server saw of its standbys, for whoever reads the failure.
            std::string seen;
            for (const auto& row :
                 query_text(primary, "SELECT CONCAT_WS(' ', application_name, state, 'sent', sent_lsn, 'flushed', flush_lsn, "
                                     "'replayed', replay_lsn) FROM pg_stat_replication")
                     .rows)
                seen += "; " + row.at(0).value_or("");
            throw std::runtime_error("the standby did not fall behind within 10 s (pg_stat_replication: " +
                                     (seen.empty() ? std::string("no standby connected") : seen.substr(2)) + ")");
        }
        std::this_thread::sleep_for(50ms);
    }
}

std::string standby_name(soci::session& primary) {
    return query_value(primary, "SELECT CAST(application_name AS TEXT) FROM pg_stat_replication WHERE state = 'streaming' LIMIT 1")
        .value_or("?");
}

}  // namespace strata::test
