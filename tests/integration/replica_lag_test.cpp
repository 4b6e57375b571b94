// Replica lag (issue 13, point 2): with max_replica_lag (--max-replica-lag) the runner waits while
// a streaming standby replays too far behind, between the batches of a backfill and between the
// steps of an online unit, saying which standby and how far; once it caught up the unit goes on,
// past replica_lag_deadline it stops (exit 5) leaving the unit interrupted, and a stop ends the
// wait at once. Against the real hot standby tools/pg-sandbox starts, lag made by pausing its
// replay (pg_wal_replay_pause(), granted to the test role there) while WAL is written. The standby
// is shared with tests running in parallel (pooler_test.cpp waits up to 60 s for it to replay), so
// every pause here is short and always resumed.

#include <strata/migration.hpp>
#include <strata/registry.hpp>
#include <strata/runner.hpp>

#include <soci/soci.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "backend_test.hpp"
#include "support/change_unit.hpp"
#include "support/schema_history.hpp"
#include "support/schema_session.hpp"
#include "support/standby.hpp"
#include "support/temp_database.hpp"

#include <signal.h>

using namespace strata::test;
using namespace strata::schema;
using namespace std::chrono_literals;

namespace {

using names = std::vector<std::string>;
using unit_ptr = std::shared_ptr<const strata::migration>;

unit_ptr unit(std::int64_t version, std::string name, std::function<void(builder&)> ops) {
    return std::make_shared<const change_unit>(version, std::move(name), std::move(ops));
}

std::unique_ptr<strata::registry> registry_of(const std::vector<unit_ptr>& units) {
    auto r = std::make_unique<strata::registry>();
    for (const auto& u : units) r->add(u, "replica_lag_test.cpp");
    return r;
}

unit_ptr create_items() {
    return unit(1, "create_items", [](builder& b) {
        b.create_table("items", [](table& t) {
            t.column("id", type::bigint()).primary();
            t.column("score", type::bigint());
        });
    });
}

/// Unit 2: score = id * 2, 10 rows a batch; rows 1, 11 and 21 (one in each batch) take 1.5 s, so
/// the lag of WAL written while a batch runs passes 1 s by the batch's end.
unit_ptr fill_items_slowly() {
    return unit(2, "fill_items", [](builder& b) {
        b.backfill("items", R"("score" = "id" * 2 + CASE WHEN "id" % 10 = 1 THEN (SELECT 0 FROM pg_sleep(1.5)) ELSE 0 END)",
                   R"("score" IS NULL)", 10);
    });
}

/// Unit 2: a check added online, two steps (ADD ... NOT VALID, then VALIDATE).
unit_ptr check_items_online() {
    return unit(2, "check_items", [](builder& b) { b.add_check("items", "items_id_positive", R"("id" > 0)").online(); });
}

void insert_items(soci::session& sql) { sql << "INSERT INTO items (id) SELECT generate_series(1, 25)"; }

long long number(soci::session& sql, const std::string& query) {
    return std::stoll(query_value(sql, "SELECT CAST((" + query + ") AS TEXT)").value_or("-1"));
}

long long filled(soci::session& sql) { return number(sql, "SELECT count(*) FROM items WHERE score = id * 2"); }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// Notices and progress as a run reports them, from the run's thread; waits for one.
class run_log {
public:
    void notice(const std::string& text) {
        std::lock_guard hold(mutex_);
        notices_.push_back(text);
        changed_.notify_all();
    }
    void progress(const strata::progress_event&) {
        std::lock_guard hold(mutex_);
        ++progress_;
        changed_.notify_all();
    }
    /// The first notice containing `part`, waiting up to `d`; empty when none came.
    std::string wait_for_notice(const std::string& part, std::chrono::milliseconds d) {
        std::unique_lock hold(mutex_);
        std::string found;
        changed_.wait_for(hold, d, [&] {
            for (const auto& n : notices_)
                if (contains(n, part)) found = n;
            return !found.empty();
        });
        return found;
    }
    /// Whether a backfill reported progress (its block started), waiting up to `d`.
    bool wait_for_progress(std::chrono::milliseconds d) {
        std::unique_lock hold(mutex_);
        return changed_.wait_for(hold, d, [&] { return progress_ > 0; });
    }
    std::string text() {
        std::lock_guard hold(mutex_);
        std::string all;
        for (const auto& n : notices_) all += n + "\n";
        return all;
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::string> notices_;
    int progress_ = 0;
};

strata::runner_options lag_options(run_log& log, std::chrono::milliseconds limit, std::chrono::milliseconds deadline) {
    strata::runner_options o;
    o.max_replica_lag = limit;
    o.replica_lag_deadline = deadline;
    o.on_notice = [&log](const std::string& text) { log.notice(text); };
    o.on_progress = [&log](const strata::progress_event& p) { log.progress(p); };
    return o;
}

/// items with 25 rows to fill, unit 1 applied; `second` is unit 2.
struct scene {
    temp_database db = temp_database::postgresql();
    std::unique_ptr<strata::registry> reg;
    std::unique_ptr<soci::session> sql;

    explicit scene(unit_ptr second) : reg(registry_of({create_items(), std::move(second)})) {
        strata::runner(*reg, db.url()).up(1);
        sql = open_session(db.url());
        insert_items(*sql);
    }
};

/// up() with `options` on a thread of its own, and the standby's replay paused once the
/// backfill's block started (so the wait before the unit has passed), then behind. The pause
/// ends before the thread is joined.
class up_under_lag {
public:
    up_under_lag(scene& s, const strata::runner_options& options, run_log& log) {
        running_ = std::async(std::launch::async, [&s, &options] { strata::runner(*s.reg, s.db.url(), options).up(); });
        if (!log.wait_for_progress(20s)) throw std::runtime_error("the backfill reported no progress within 20 s");
        paused_.emplace();
        fall_behind(*s.sql);
    }
    std::future<void>& running() { return running_; }
    void resume() { paused_->resume(); }

private:
    std::future<void> running_;
    std::optional<paused_replay> paused_;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(postgresql)

// Replay is paused once the backfill's block runs (so the wait before the unit passes); by the
// end of its second batch the standby is more than 1 s behind: the run waits there, saying which
// standby, and updates no further row until replay resumes; then it finishes the unit.
BOOST_AUTO_TEST_CASE(a_backfill_waits_between_batches_while_a_standby_lags_then_finishes) {
    scene s(fill_items_slowly());
    run_log log;
    const auto options = lag_options(log, 1s, 60s);
    up_under_lag up(s, options, log);

    const std::string waiting = log.wait_for_notice("waiting before its next batch", 20s);
    BOOST_TEST_REQUIRE(!waiting.empty(), log.text());
    BOOST_TEST(contains(waiting, "unit 2 fill_items: standby \"" + standby_name(*s.sql) + "\""), waiting);
    BOOST_TEST(contains(waiting, "more than --max-replica-lag 1 s: waiting before its next batch (for up to 60 s, "
                                 "--replica-lag-deadline)"),
               waiting);
    // It stays at the batch boundary: no row of a later batch is updated while the standby lags.
    const auto at_the_wait = filled(*s.sql);
    BOOST_TEST((at_the_wait == 10 || at_the_wait == 20), at_the_wait);
    // Nor does the waiting block hold back VACUUM: its batches committed (no transaction id held)
    // and each look at the standby commits, so the oldest row version it can see (its
    // backend_xmin) moves on while it waits, past transaction ids burnt meanwhile. (Without those
    // COMMITs it held the snapshot of the wait's first statement to its end.) The block is the
    // one other session of this database running a DO $strata statement (its text is cut at 1 kB
    // in pg_stat_activity).
    const std::string waiting_backend =
        "SELECT CAST(backend_xid AS TEXT), CAST(backend_xmin AS TEXT) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND state = 'active' AND query LIKE 'DO $strata%'";
    auto waiter = [&] {
        auto rows = query_text(*s.sql, waiting_backend);
        BOOST_TEST_REQUIRE(rows.size() == 1u, "the waiting block's sessions: " << rows);
        return rows.rows.front();
    };
    const auto before = waiter();
    for (int i = 0; i < 5; ++i) query_value(*s.sql, "SELECT CAST(txid_current() AS TEXT)");
    std::this_thread::sleep_for(2s);
    const auto after = waiter();
    BOOST_TEST(before.at(0) == std::nullopt, "it holds transaction id " << before.at(0).value_or(""));
    BOOST_TEST(after.at(0) == std::nullopt, "it holds transaction id " << after.at(0).value_or(""));
    BOOST_TEST(before.at(1) != after.at(1), "its backend_xmin stayed " << before.at(1).value_or("NULL"));
    BOOST_TEST(filled(*s.sql) == at_the_wait);
    BOOST_TEST((up.running().wait_for(0s) == std::future_status::timeout));

    up.resume();
    BOOST_TEST_REQUIRE((up.running().wait_for(20s) == std::future_status::ready));
    up.running().get();
    BOOST_TEST(filled(*s.sql) == 25);
    BOOST_TEST(history_state(*s.sql, 2) == std::optional<std::string>("applied"));
}

// Past the deadline the run stops between batches with exit 5, naming the standby and its lag; the
// unit is interrupted, not dirty, and the next up (once the standby caught up) finishes it.
BOOST_AUTO_TEST_CASE(past_the_deadline_a_backfill_stops_with_exit_5_and_up_finishes_it_later) {
    scene s(fill_items_slowly());
    run_log log;
    const auto options = lag_options(log, 1s, 1s);
    {
        up_under_lag up(s, options, log);
        BOOST_TEST_REQUIRE((up.running().wait_for(20s) == std::future_status::ready));
        try {
            up.running().get();
            BOOST_ERROR("up went on past the replica lag deadline");
        } catch (const strata::error& e) {
            BOOST_TEST(strata::exit_status(e.kind()) == 5);
            BOOST_TEST((e.kind() == strata::error_kind::replica_lag), strata::to_string(e.kind()));  // not a lock to look for
            BOOST_TEST(contains(e.what(), "standby \"" + standby_name(*s.sql) + "\""), e.what());
            BOOST_TEST(contains(e.what(), "(--replica-lag-deadline 1 s)"), e.what());
            BOOST_TEST(contains(e.what(), "run strata up again to finish it"), e.what());
        }
        const auto kept = filled(*s.sql);
        BOOST_TEST((kept == 10 || kept == 20), kept);
        BOOST_TEST(status_lines(*s.reg, s.db.url()) == (names{"1 applied", "2 pending interrupted"}), boost::test_tools::per_element());
    }  // replay resumes
    // The standby replays the backlog first: room for that before this deadline.
    strata::runner(*s.reg, s.db.url(), lag_options(log, 1s, 60s)).up();
    BOOST_TEST(filled(*s.sql) == 25);
    BOOST_TEST(history_state(*s.sql, 2) == std::optional<std::string>("applied"));
}

// A unit waits before it starts while a standby lags; past the deadline it is not run at all, and
// the error is of kind replica_lag (exit 5), not a lock timeout: there is no lock holder to find.
BOOST_AUTO_TEST_CASE(past_the_deadline_a_unit_that_had_not_started_is_not_run) {
    scene s(unit(2, "create_notes", [](builder& b) {
        b.create_table("notes", [](table& t) { t.column("id", type::bigint()).primary(); });
    }));
    run_log log;
    paused_replay paused;
    fall_behind(*s.sql);
    std::this_thread::sleep_for(2s);  // the lag grows while replay is paused: past the 1 s limit
    try {
        strata::runner(*s.reg, s.db.url(), lag_options(log, 1s, 1s)).up();
        BOOST_ERROR("up ran unit 2 while the standby lagged past the deadline");
    } catch (const strata::error& e) {
        BOOST_TEST((e.kind() == strata::error_kind::replica_lag), strata::to_string(e.kind()));
        BOOST_TEST(strata::exit_status(e.kind()) == 5);
        BOOST_TEST(contains(e.what(), "before it starts"), e.what());
        BOOST_TEST(contains(e.what(), "unit 2 create_notes (up) was not run: nothing of it was kept"), e.what());
    }
    BOOST_TEST(recorded_versions(*s.sql) == (std::vector<std::int64_t>{1}), boost::test_tools::per_element());
    BOOST_TEST(number(*s.sql, "SELECT count(*) FROM pg_tables WHERE tablename = 'notes'") == 0);
}

// A standby that receives nothing (a stalled network, a stuck WAL receiver: here stopped with
// SIGSTOP) has replayed all it received, yet falls behind the server: it counts as lagging, by the
// time since it last answered, and the unit waits. (It used to count as caught up.) Once it
// receives again, the run goes on.
BOOST_AUTO_TEST_CASE(a_standby_that_receives_nothing_counts_as_behind) {
    scene s(unit(2, "create_notes", [](builder& b) {
        b.create_table("notes", [](table& t) { t.column("id", type::bigint()).primary(); });
    }));
    run_log log;
    {
        frozen_walreceiver frozen(*s.sql);
        *s.sql << "CREATE TABLE wal_noise_frozen AS SELECT generate_series(1, 1000) AS n";
        std::this_thread::sleep_for(2500ms);  // past the 1 s limit since its last answer
        try {
            strata::runner(*s.reg, s.db.url(), lag_options(log, 1s, 1s)).up();
            BOOST_ERROR("up ran unit 2 while the standby received nothing");
        } catch (const strata::error& e) {
            BOOST_TEST((e.kind() == strata::error_kind::replica_lag), e.what());
            BOOST_TEST(contains(e.what(), "standby \"" + standby_name(*s.sql) + "\""), e.what());
            BOOST_TEST(contains(e.what(), "before it starts"), e.what());
        }
        BOOST_TEST(recorded_versions(*s.sql) == (std::vector<std::int64_t>{1}), boost::test_tools::per_element());
    }  // it receives again
    strata::runner(*s.reg, s.db.url(), lag_options(log, 1s, 60s)).up();
    BOOST_TEST(recorded_versions(*s.sql) == (std::vector<std::int64_t>{1, 2}), boost::test_tools::per_element());
}

// A standby that stops streaming while a run waits for it (restarted, cut off: here its WAL
// receiver is ended with SIGTERM) takes its lag with it: the run goes on, and says so rather than
// silently.
BOOST_AUTO_TEST_CASE(a_standby_that_stops_streaming_during_the_wait_is_named) {
    scene s(unit(2, "create_notes", [](builder& b) {
        b.create_table("notes", [](table& t) { t.column("id", type::bigint()).primary(); });
    }));
    run_log log;
    const std::string name = standby_name(*s.sql);
    {
        paused_replay paused;
        fall_behind(*s.sql);
        std::this_thread::sleep_for(1500ms);  // past the 1 s limit
        const auto options = lag_options(log, 1s, 60s);
        auto running = std::async(std::launch::async, [&] { strata::runner(*s.reg, s.db.url(), options).up(); });
        BOOST_TEST_REQUIRE(!log.wait_for_notice("waiting before it starts", 20s).empty(), log.text());
        BOOST_TEST_REQUIRE(::kill(walreceiver_pid(), SIGTERM) == 0, std::strerror(errno));
        BOOST_TEST_REQUIRE((running.wait_for(20s) == std::future_status::ready), log.text());
        running.get();
        BOOST_TEST(!log.wait_for_notice("unit 2 create_notes: standby \"" + name + "\" (local socket) stopped streaming from this "
                                        "server while this run waited for it (it is no longer in pg_stat_replication): going "
                                        "on without it",
                                        0ms)
                        .empty(),
                   log.text());
        BOOST_TEST(recorded_versions(*s.sql) == (std::vector<std::int64_t>{1, 2}), boost::test_tools::per_element());
    }  // replay resumes; the standby streams again, as the other tests expect
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (number(*s.sql, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") == 0) {
        BOOST_TEST_REQUIRE(bool(std::chrono::steady_clock::now() < deadline), "the standby did not stream again within 60 s");
        std::this_thread::sleep_for(100ms);
    }
}

// Waiting for a standby is not trying for a table lock: a wait between an online unit's steps does
// not use up --ddl-lock-deadline. Here the backfill (2 s) and the wait for the standby (about 4 s)
// together pass the 5 s deadline; the next step then meets a table lock held for a second, and is
// retried until it gets it (it used to fail at once, exit 1, the deadline spent on the wait).
BOOST_AUTO_TEST_CASE(a_wait_for_the_standby_does_not_use_up_the_ddl_lock_deadline) {
    scene s(unit(2, "fill_then_check", [](builder& b) {
        b.backfill("items", R"("score" = "id" * 2 + CASE WHEN "id" = 1 THEN (SELECT 0 FROM pg_sleep(2)) ELSE 0 END)",
                   R"("score" IS NULL)", 100);
        b.add_check("items", "items_id_positive", R"("id" > 0)").online();
    }));
    run_log log;
    auto options = lag_options(log, 1s, 60s);
    options.ddl_lock_timeout = 200ms;
    options.ddl_lock_deadline = 5s;
    up_under_lag up(s, options, log);
    BOOST_TEST_REQUIRE(!log.wait_for_notice("waiting before its next step", 20s).empty(), log.text());
    auto holder = open_session(s.db.url());
    *holder << "BEGIN";
    *holder << "LOCK TABLE items IN ACCESS EXCLUSIVE MODE";
    std::this_thread::sleep_for(4s);
    up.resume();
    // The lock is held until the step met it and said it retries (or the run ended without): the
    // standby's catching up takes as long as it takes on a busy machine.
    std::string retrying;
    for (const auto until = std::chrono::steady_clock::now() + 60s;
         retrying.empty() && std::chrono::steady_clock::now() < until &&
         up.running().wait_for(100ms) != std::future_status::ready;)
        retrying = log.wait_for_notice("waited longer than 200 ms for a lock", 0ms);
    *holder << "COMMIT";
    BOOST_TEST_REQUIRE((up.running().wait_for(60s) == std::future_status::ready), log.text());
    up.running().get();
    BOOST_TEST(!retrying.empty(), log.text());
    BOOST_TEST(history_state(*s.sql, 2) == std::optional<std::string>("applied"));
    BOOST_TEST(filled(*s.sql) == 25);
}

// The wait after a backfill's batches comes only after a full batch: a backfill whose last batch
// is short is done without waiting. Here its one batch (25 rows of 100) takes 3 s while replay is
// paused, so the standby is well past the 1 s limit when it commits; a wait there would stop the
// backfill at the 1 s deadline (exit 5) with every row updated, leaving the unit interrupted (as
// it used to).
BOOST_AUTO_TEST_CASE(a_backfill_does_not_wait_after_its_last_batch) {
    scene s(unit(2, "fill_items", [](builder& b) {
        b.backfill("items", R"("score" = "id" * 2 + CASE WHEN "id" = 1 THEN (SELECT 0 FROM pg_sleep(3)) ELSE 0 END)",
                   R"("score" IS NULL)", 100);
    }));
    run_log log;
    const auto options = lag_options(log, 1s, 1s);
    up_under_lag up(s, options, log);
    BOOST_TEST_REQUIRE((up.running().wait_for(20s) == std::future_status::ready));
    up.running().get();  // no replica_lag_error
    BOOST_TEST(filled(*s.sql) == 25);
    BOOST_TEST(history_state(*s.sql, 2) == std::optional<std::string>("applied"));
    BOOST_TEST(log.text().find("before its next batch") == std::string::npos, log.text());
}

// An online unit waits between its steps (here after ADD CONSTRAINT ... NOT VALID, before
// VALIDATE), and a stop ends that wait at once, leaving the unit interrupted.
BOOST_AUTO_TEST_CASE(an_online_unit_waits_between_its_steps_and_a_stop_ends_the_wait) {
    scene s(check_items_online());
    auto& sql = s.sql;

    run_log log;
    std::stop_source stop;
    auto options = lag_options(log, 1s, 60s);
    options.ddl_lock_timeout = 20s;
    options.stop = stop.get_token();
    std::future<void> running;
    std::optional<paused_replay> paused;
    // The first step waits for the table while the standby falls behind. (Declared last: on a
    // failure the lock goes first, then the pause, then the run is joined.)
    auto holder = open_session(s.db.url());
    *holder << "BEGIN";
    *holder << "LOCK TABLE items IN ACCESS EXCLUSIVE MODE";
    running = std::async(std::launch::async, [&] { strata::runner(*s.reg, s.db.url(), options).up(); });
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (number(*sql, "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = to_regclass('items')") == 0) {
        BOOST_TEST_REQUIRE(bool(std::chrono::steady_clock::now() < deadline), "the unit's first step never waited for the table");
        std::this_thread::sleep_for(50ms);
    }
    paused.emplace();
    fall_behind(*sql);
    std::this_thread::sleep_for(1500ms);
    *holder << "COMMIT";

    const std::string waiting = log.wait_for_notice("waiting before its next step", 20s);
    BOOST_TEST_REQUIRE(!waiting.empty(), log.text());
    BOOST_TEST(contains(waiting, "unit 2 check_items: standby \"" + standby_name(*sql) + "\""), waiting);
    const std::string validated = "SELECT CAST(convalidated AS TEXT) FROM pg_constraint WHERE conname = 'items_id_positive'";
    BOOST_TEST(query_value(*sql, validated) == std::optional<std::string>("false"));  // step 1 done, step 2 not
    std::this_thread::sleep_for(1s);
    BOOST_TEST(query_value(*sql, validated) == std::optional<std::string>("false"));

    const auto asked = std::chrono::steady_clock::now();
    stop.request_stop();
    BOOST_TEST_REQUIRE((running.wait_for(5s) == std::future_status::ready));
    BOOST_TEST(bool(std::chrono::steady_clock::now() - asked < 2s), "the stop took more than 2 s");
    try {
        running.get();
        BOOST_ERROR("a stopped up returned normally");
    } catch (const strata::error& e) {
        BOOST_TEST((e.kind() == strata::error_kind::interrupted), e.what());
    }
    BOOST_TEST(status_lines(*s.reg, s.db.url()) == (names{"1 applied", "2 pending interrupted"}), boost::test_tools::per_element());

    // The next up waits before it resumes the unit; stopped there, the unit is still half-done,
    // and the error says so (not "nothing of it was kept").
    {
        run_log again_log;
        std::stop_source again;
        auto again_options = lag_options(again_log, 1s, 60s);
        again_options.stop = again.get_token();
        auto second = std::async(std::launch::async, [&] { strata::runner(*s.reg, s.db.url(), again_options).up(); });
        BOOST_TEST_REQUIRE(!again_log.wait_for_notice("waiting before it starts", 20s).empty(), again_log.text());
        again.request_stop();
        BOOST_TEST_REQUIRE((second.wait_for(5s) == std::future_status::ready));
        try {
            second.get();
            BOOST_ERROR("a stopped up returned normally");
        } catch (const strata::migration_error& e) {
            BOOST_TEST(!e.rolled_back(), e.what());
            BOOST_TEST(contains(e.what(), "before it started; unit 2 check_items is still half-done from an earlier run: run "
                                          "strata up to finish it, or strata down to undo what its finished steps did"),
                       e.what());
        }
    }
    BOOST_TEST(status_lines(*s.reg, s.db.url()) == (names{"1 applied", "2 pending interrupted"}), boost::test_tools::per_element());

    paused.reset();  // resumes replay
    strata::runner(*s.reg, s.db.url()).up();
    BOOST_TEST(query_value(*sql, validated) == std::optional<std::string>("true"));
}

// Without max_replica_lag nothing is watched: the backfill runs through while the standby lags.
BOOST_AUTO_TEST_CASE(without_the_option_nothing_waits_for_a_lagging_standby) {
    scene s(fill_items_slowly());
    auto& sql = s.sql;
    paused_replay paused;
    fall_behind(*sql);
    run_log log;
    strata::runner_options options;
    options.on_notice = [&log](const std::string& text) { log.notice(text); };
    strata::runner(*s.reg, s.db.url(), options).up();
    BOOST_TEST(filled(*sql) == 25);
    BOOST_TEST(log.wait_for_notice("standby", 0ms).empty(), log.text());
    // The standby was behind all along (by more than the 4.5 s the batches took).
    BOOST_TEST(number(*sql, "SELECT count(*) FROM pg_stat_replication WHERE replay_lsn < flush_lsn") > 0);
}

// A role that cannot see other roles' standbys in pg_stat_replication would read their lag as
// NULL: up refuses before anything runs (exit 2), saying what to grant. tools/pg-sandbox makes
// the role strata_plain (the test role's password, no pg_monitor) for this.
BOOST_AUTO_TEST_CASE(a_role_that_cannot_see_the_standbys_is_refused_before_anything_runs) {
    auto db = temp_database::postgresql();
    auto sql = open_session(db.url());
    *sql << "GRANT CREATE ON SCHEMA public TO strata_plain";
    std::string plain = db.url_text();
    const auto at = plain.find("://strata:");
    BOOST_TEST_REQUIRE(at != std::string::npos, "the test URL's user is not strata");
    plain.replace(at, 10, "://strata_plain:");
    auto reg = registry_of({create_items()});
    run_log log;
    try {
        strata::runner(*reg, strata::database_url::parse(plain), lag_options(log, 1s, 60s)).up();
        BOOST_ERROR("up ran without seeing the standbys");
    } catch (const strata::error& e) {
        BOOST_TEST(strata::exit_status(e.kind()) == 2);
        BOOST_TEST(contains(e.what(), "GRANT pg_monitor (or pg_read_all_stats) TO \"strata_plain\""), e.what());
        BOOST_TEST(e.context().database == strata::database_url::parse(plain).redacted(), e.what());  // which database, in a fleet
    }
    // Not even strata's own tables.
    BOOST_TEST(number(*sql, "SELECT count(*) FROM pg_tables WHERE tablename IN ('items', 'strata_schema_history')") == 0);
    // --atomic has no point to wait at, so it needs no grant (and says the lag is not watched).
    auto atomic = lag_options(log, 1s, 60s);
    atomic.atomic = true;
    strata::runner(*reg, strata::database_url::parse(plain), atomic).up();
    BOOST_TEST(number(*sql, "SELECT count(*) FROM pg_tables WHERE tablename = 'items'") == 1);
    BOOST_TEST(!log.wait_for_notice("the standbys' lag is not watched", 0ms).empty(), log.text());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sqlite)

BOOST_AUTO_TEST_CASE(max_replica_lag_is_ignored_with_a_notice) {
    auto db = temp_database::sqlite();
    auto reg = registry_of({create_items()});
    run_log log;
    strata::runner(*reg, db.url(), lag_options(log, 1s, 60s)).up();
    BOOST_TEST(!log.wait_for_notice("--max-replica-lag is ignored: SQLite has no standbys", 0ms).empty(), log.text());
    BOOST_TEST(status_lines(*reg, db.url()) == (names{"1 applied"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
