// The execute room (engine/src/run/execute.hpp) against a fake connection that records what it
// is asked to do: each transaction mode's sequence of statements, the history rows around them,
// rollback and the audit row of a failure, the retry of a unit that timed out on a table lock,
// the whole release in one transaction, and a COMMIT whose outcome is unknown.

#include <boost/test/unit_test.hpp>

#include <strata/dialect.hpp>
#include <strata/error.hpp>
#include <strata/registry.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "connection.hpp"
#include "history.hpp"
#include "run/execute.hpp"
#include "run/reconcile.hpp"
#include "support/change_unit.hpp"

using namespace strata;
using namespace strata::schema;
using strata::test::change_unit;

namespace {

/// Records statements and transaction boundaries; fails a statement (by a part of its text) as
/// many times as asked, with the SQLSTATE given (55P03: a lock timeout; "stop": a signal came
/// while it ran, so `stopper` is asked to stop and the statement fails as a cancelled one does).
class fake_connection final : public connection {
public:
    fake_connection() : connection(database_url::parse("postgresql://fake@localhost/fake")) {}

    struct failure {
        std::string sqlstate;
        int times = 1;
    };
    std::map<std::string, failure> fail;
    bool commit_in_doubt = false;
    std::vector<std::string> log;
    std::stop_source* stopper = nullptr;

    std::int64_t execute(const std::string& sql) override {
        for (auto& [part, f] : fail)
            if (f.times > 0 && sql.find(part) != std::string::npos) {
                --f.times;
                log.push_back("failed: " + part);
                if (f.sqlstate == "stop") {
                    stopper->request_stop();
                    throw interrupted_error("interrupted by SIGTERM", {.statement = sql, .sqlstate = "57014"});
                }
                throw statement_error("it failed", {.statement = sql, .sqlstate = f.sqlstate});
            }
        log.push_back(sql);
        return 1;
    }
    // The history exists; nothing else is in the catalog (no name an online step creates is taken).
    std::vector<result_row> query(const std::string& sql) override {
        if (sql.find("strata_schema") != std::string::npos) return {{"1"}};
        return {};
    }
    void begin(bool) override {
        open_ = true;
        log.emplace_back("BEGIN");
    }
    void commit() override {
        if (commit_in_doubt) throw commit_unknown_error("lost during COMMIT");
        open_ = false;
        log.emplace_back("COMMIT");
    }
    void rollback() noexcept override {
        if (open_) log.emplace_back("ROLLBACK");
        open_ = false;
    }
    std::unique_ptr<migration_lock> lock(std::chrono::milliseconds, const notice_function&) override {
        return std::make_unique<migration_lock>();
    }
    void set_lock_timeout(std::chrono::milliseconds) override {}
    bool is_lock_timeout(const error& e) const override { return e.context().sqlstate == "55P03"; }
    std::string lock_holders(const std::string&) override { return "the lock on a is held by pid 42"; }
    bool read_only() const noexcept override { return false; }
    std::string applied_by() override { return "tester"; }

private:
    bool open_ = false;
};

/// Units 1 and 3 plain, 2 an online index (outside a transaction on PostgreSQL).
struct fixture {
    registry units;
    std::unique_ptr<strata::plan> p;
    fake_connection conn;
    history hist{conn, dialect_for(backend::postgresql)};
    runner_options options;
    std::vector<std::string> notices;

    fixture() {
        auto add = [&](std::int64_t v, std::string name, std::function<void(builder&)> ops) {
            units.add(std::make_shared<const change_unit>(v, std::move(name), std::move(ops)), "execute_tests.cpp");
        };
        add(1, "create_a", [](builder& b) { b.create_table("a", [](table& t) { t.column("x", type::integer()); }); });
        add(2, "index_a", [](builder& b) { b.create_index("a", {"x"}).online(); });
        add(3, "create_b", [](builder& b) { b.create_table("b", [](table& t) { t.column("y", type::integer()); }); });
        p = std::make_unique<strata::plan>(units, dialect_for(backend::postgresql), true);
        options.on_notice = [this](const std::string& n) { notices.push_back(n); };
        options.ddl_lock_retries = 1;
    }

    step up(std::int64_t v, bool atomic = false) const { return up_step(*p->find(v), atomic, {}); }
    executor run() { return executor({conn, hist, nullptr}, options, {.database = "fake"}); }

    /// The log with each statement cut to its first two words, history statements named.
    std::vector<std::string> shape() const {
        std::vector<std::string> out;
        for (const auto& line : conn.log) {
            if (line.find("INSERT INTO \"strata_schema_history\"") == 0)
                out.push_back(line.find("'running'") != std::string::npos ? "<history running>" : "<history applied>");
            else if (line.find("UPDATE \"strata_schema_history\"") == 0)
                out.push_back("<history marked applied>");
            else if (line.find("INSERT INTO \"strata_schema_log\"") == 0)
                out.push_back(line.find("'failed'") != std::string::npos ? "<log failed>" : "<log ok>");
            else if (line.rfind("failed: ", 0) == 0)
                out.push_back(line);
            else
                out.push_back(line.substr(0, line.find(' ', line.find(' ') + 1)));
        }
        return out;
    }
};

using names = std::vector<std::string>;

}  // namespace

BOOST_FIXTURE_TEST_SUITE(execute, fixture)

BOOST_AUTO_TEST_CASE(a_unit_runs_in_one_transaction_with_its_history_rows) {
    auto report = run().run_all({up(1)}, {});
    BOOST_TEST(report.units.size() == 1u);
    BOOST_TEST(shape() == (names{"BEGIN", "CREATE TABLE", "<history applied>", "<log ok>", "COMMIT"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_unit_outside_a_transaction_says_running_until_its_last_statement) {
    run().run_all({up(2)}, {});
    const names expected{"<history running>", "DO $strata$", "CREATE UNIQUE", "BEGIN", "<history marked applied>", "<log ok>",
                         "COMMIT"};
    auto got = shape();
    BOOST_TEST_REQUIRE(got.size() >= 4u);
    BOOST_TEST(got.front() == expected.front());
    BOOST_TEST((names(got.end() - 4, got.end()) == names(expected.end() - 4, expected.end())), boost::test_tools::per_element());
    for (auto it = got.begin() + 1; it != got.end() - 4; ++it) BOOST_TEST(*it != "BEGIN", "a statement ran inside a transaction");
}

BOOST_AUTO_TEST_CASE(a_failing_unit_rolls_back_keeps_the_units_before_and_logs_the_failure) {
    conn.fail["CREATE TABLE \"b\""] = {"42P07"};
    try {
        run().run_all({up(1), up(3)}, {});
        BOOST_FAIL("unit 3 should fail");
    } catch (const migration_error& e) {
        BOOST_TEST(e.rolled_back());
        BOOST_TEST(std::string(to_string(e.cause())) == to_string(error_kind::statement));
        BOOST_TEST_REQUIRE(e.completed().size() == 1u);
        BOOST_TEST(e.completed().front().version == 1);
        BOOST_TEST(e.context().version.value_or(0) == 3);
        BOOST_TEST(e.context().sqlstate == "42P07");
        BOOST_TEST(e.context().statement.find("CREATE TABLE \"b\"") == 0u, e.context().statement);
    }
    BOOST_TEST(shape() == (names{"BEGIN", "CREATE TABLE", "<history applied>", "<log ok>", "COMMIT", "BEGIN", "failed: CREATE TABLE \"b\"",
                                 "ROLLBACK", "<log failed>"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_unit_that_timed_out_on_a_table_lock_is_rolled_back_and_retried) {
    conn.fail["CREATE TABLE \"a\""] = {"55P03"};
    auto report = run().run_all({up(1)}, {});
    BOOST_TEST(report.units.size() == 1u);
    BOOST_TEST(shape() == (names{"BEGIN", "failed: CREATE TABLE \"a\"", "ROLLBACK", "BEGIN", "CREATE TABLE", "<history applied>",
                                 "<log ok>", "COMMIT"}),
               boost::test_tools::per_element());
    BOOST_TEST_REQUIRE(notices.size() == 1u);
    BOOST_TEST(notices.front().find("the lock on a is held by pid 42; rolled back, retrying in ") != std::string::npos,
               notices.front());
    BOOST_TEST(notices.front().find(" ms (attempt 2 of 2)") != std::string::npos, notices.front());
}

// The retries after table lock timeouts: jittered pauses growing from 100 ms to 2 s, within the
// number of retries or, without one, the deadline (no try starts that would end past it).
BOOST_AUTO_TEST_CASE(lock_retries_grow_jittered_pauses_within_their_budget) {
    using std::chrono::milliseconds;
    runner_options o;
    o.ddl_lock_timeout = milliseconds(200);
    o.ddl_lock_deadline = std::chrono::seconds(30);
    const auto start = lock_retry::clock::now();
    lock_retry retry(o, start, 7);
    auto now = start;
    std::vector<milliseconds> pauses;
    while (auto p = retry.next(now)) {
        pauses.push_back(*p);
        now += *p + o.ddl_lock_timeout;
    }
    BOOST_TEST_REQUIRE(pauses.size() > 10u);
    BOOST_TEST((now <= start + o.ddl_lock_deadline), "a try ended past the deadline");
    BOOST_TEST((now + milliseconds(2000) + o.ddl_lock_timeout > start + o.ddl_lock_deadline), "stopped well before the deadline");
    milliseconds nominal(100);
    for (std::size_t i = 0; i < pauses.size(); ++i) {
        BOOST_TEST_CONTEXT("pause " << i << " of " << pauses[i].count() << " ms") {
            BOOST_TEST(pauses[i] >= nominal / 2);
            BOOST_TEST(pauses[i] <= nominal);
        }
        nominal = std::min(milliseconds(2000), nominal * 3 / 2);
    }
    BOOST_TEST(retry.attempt() == "attempt " + std::to_string(pauses.size() + 1) + ", retrying for up to 30 s");

    o.ddl_lock_retries = 3;
    lock_retry counted(o, start, 7);
    int given = 0;
    while (counted.next(start)) ++given;
    BOOST_TEST(given == 3);
    BOOST_TEST(counted.attempt() == "attempt 4 of 4");
}

BOOST_AUTO_TEST_CASE(atomic_runs_the_release_in_one_transaction_or_none_of_it) {
    run().run_atomic({up(1), up(2, true), up(3)}, {});
    auto got = shape();
    BOOST_TEST(std::count(got.begin(), got.end(), "BEGIN") == 1);
    BOOST_TEST(std::count(got.begin(), got.end(), "COMMIT") == 1);
    BOOST_TEST(std::count(got.begin(), got.end(), "<history applied>") == 3);
    BOOST_TEST(std::count(got.begin(), got.end(), "<history running>") == 0, "the online unit runs in its plain form");

    conn.log.clear();
    conn.fail["CREATE TABLE \"b\""] = {"42P07"};
    try {
        run().run_atomic({up(1), up(2, true), up(3)}, {});
        BOOST_FAIL("unit 3 should fail");
    } catch (const migration_error& e) {
        BOOST_TEST(e.completed().empty(), "nothing of the release stays");
        BOOST_TEST(e.context().version.value_or(0) == 3);
    }
    got = shape();
    BOOST_TEST(std::count(got.begin(), got.end(), "COMMIT") == 0);
    BOOST_TEST(std::count(got.begin(), got.end(), "ROLLBACK") == 1);
}

BOOST_AUTO_TEST_CASE(atomic_refuses_a_unit_interrupted_in_an_earlier_run_before_anything_runs) {
    auto resuming = up(2, true);
    resuming.resumes = true;  // its history row says running already: the release would record it twice
    try {
        run().run_atomic({up(1), resuming}, {});
        BOOST_FAIL("--atomic should refuse it");
    } catch (const unsupported_error& e) {
        BOOST_TEST(std::string(e.what()).find("unit 2 index_a was interrupted half-way") != std::string::npos, e.what());
    }
    BOOST_TEST(conn.log.empty());
}

BOOST_AUTO_TEST_CASE(a_commit_whose_outcome_is_unknown_is_not_called_rolled_back) {
    conn.commit_in_doubt = true;
    try {
        run().run_all({up(1)}, {});
        BOOST_FAIL("the commit should fail");
    } catch (const migration_error& e) {
        BOOST_TEST(std::string(to_string(e.cause())) == to_string(error_kind::commit_unknown));
        BOOST_TEST(!e.rolled_back());
        BOOST_TEST(exit_status(e.kind()) == 1);
    }
}

// Issue 12, point 2: runner_options::stop.

BOOST_AUTO_TEST_CASE(a_stop_before_a_unit_runs_nothing_of_it_and_logs_it_once) {
    std::stop_source stop;
    options.stop = stop.get_token();
    options.stopped_by = [] { return std::string("SIGTERM"); };
    stop.request_stop();
    try {
        run().run_all({up(1), up(3)}, {});
        BOOST_FAIL("the run should stop");
    } catch (const migration_error& e) {
        BOOST_TEST(std::string(to_string(e.kind())) == to_string(error_kind::interrupted));
        BOOST_TEST(e.rolled_back());
        BOOST_TEST(e.completed().empty());
        BOOST_TEST(e.context().version.value_or(0) == 1);
        BOOST_TEST(e.message() == "interrupted by SIGTERM before it started");
    }
    // A stopped run's audit row is written in a transaction of its own, whose lock wait it bounds.
    BOOST_TEST(shape() == (names{"BEGIN", "<log failed>", "COMMIT"}), boost::test_tools::per_element());
    BOOST_TEST(conn.log.at(conn.log.size() - 2).find("interrupted by SIGTERM") != std::string::npos, conn.log.at(conn.log.size() - 2));
}

BOOST_AUTO_TEST_CASE(a_stop_during_a_unit_rolls_it_back_then_logs_it_and_runs_nothing_more) {
    std::stop_source stop;
    options.stop = stop.get_token();
    conn.stopper = &stop;
    conn.fail["CREATE TABLE \"b\""] = {"stop"};
    try {
        run().run_all({up(1), up(3), up(2)}, {});
        BOOST_FAIL("the run should stop");
    } catch (const migration_error& e) {
        BOOST_TEST(std::string(to_string(e.kind())) == to_string(error_kind::interrupted));
        BOOST_TEST(e.rolled_back());
        BOOST_TEST_REQUIRE(e.completed().size() == 1u);
        BOOST_TEST(e.completed().front().version == 1);
        BOOST_TEST(e.context().version.value_or(0) == 3);
    }
    // The audit row after the rollback, once; unit 2 never starts.
    BOOST_TEST(shape() == (names{"BEGIN", "CREATE TABLE", "<history applied>", "<log ok>", "COMMIT", "BEGIN", "failed: CREATE TABLE \"b\"",
                                 "ROLLBACK", "BEGIN", "<log failed>", "COMMIT"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_stop_during_an_online_unit_leaves_it_for_up_to_finish) {
    std::stop_source stop;
    options.stop = stop.get_token();
    conn.stopper = &stop;
    conn.fail["INDEX CONCURRENTLY IF NOT EXISTS"] = {"stop"};
    try {
        run().run_all({up(2)}, {});
        BOOST_FAIL("the run should stop");
    } catch (const migration_error& e) {
        BOOST_TEST(std::string(to_string(e.kind())) == to_string(error_kind::interrupted));
        BOOST_TEST(!e.rolled_back());
        BOOST_TEST(e.message().find("unit 2 index_a runs outside a transaction and was stopped half-way: run strata up to finish it") !=
                       std::string::npos,
                   e.message());
    }
    auto got = shape();
    BOOST_TEST(got.front() == "<history running>");
    BOOST_TEST(got.at(got.size() - 2) == "<log failed>");
    BOOST_TEST(std::count(got.begin(), got.end(), "<history marked applied>") == 0);
    BOOST_TEST(std::count(got.begin(), got.end(), "<log failed>") == 1);
}

BOOST_AUTO_TEST_CASE(a_stop_ends_a_lock_retry_pause_at_once) {
    std::stop_source stop;
    options.stop = stop.get_token();
    options.ddl_lock_retries = 20;  // pauses growing from 100 ms to 2 s: over 20 s in all without the stop
    conn.fail["CREATE TABLE \"a\""] = {"55P03", 21};
    const auto start = std::chrono::steady_clock::now();
    std::jthread signal([&stop] {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        stop.request_stop();
    });
    try {
        run().run_all({up(1)}, {});
        BOOST_FAIL("the run should stop");
    } catch (const migration_error& e) {
        BOOST_TEST(std::string(to_string(e.kind())) == to_string(error_kind::interrupted));
    }
    const auto took = std::chrono::steady_clock::now() - start;
    BOOST_TEST(took < std::chrono::milliseconds(400), "took " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
    // A few tries before the stop (the first pauses are short), none after it.
    auto got = shape();
    BOOST_TEST_REQUIRE(got.size() >= 4u);
    BOOST_TEST(got.at(got.size() - 2) == "<log failed>");
    BOOST_TEST(std::count(got.begin(), got.end(), "failed: CREATE TABLE \"a\"") <= 4);
}

BOOST_AUTO_TEST_SUITE_END()
