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

/// Writes some WAL through `primary` and waits (up to 10 s) until the server heard from the
/// standby that it received WAL it has not replayed.
void fall_behind(soci::session& primary);

/// The standby's application_name, as strata's notices and errors quote it ("?" when none streams).
std::string standby_name(soci::session& primary);

}  // namespace strata::test
