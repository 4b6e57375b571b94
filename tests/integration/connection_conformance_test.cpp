// What every backend's connection (engine/src/connection.hpp, private) does, checked the same way
// on each: errors that carry their statement, transactions, multi-statement strings, the
// migration lock and table-lock timeouts. A new backend passes this file before anything else.
// Cases are named connection_*, so ctest's output says sqlite/connection_... or postgresql/...

#include "connection.hpp"

#include <strata/database_url.hpp>
#include <strata/error.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "backend_test.hpp"
#include "support/temp_database.hpp"

using namespace std::chrono_literals;
using strata::backend;
using strata::connection;
using strata::test::temp_database;

namespace {

/// Two connections to one fresh database.
struct two_connections {
    explicit two_connections(backend b) : db(temp_database::create(b)), first(open()), second(open()) {}

    std::unique_ptr<connection> open() const { return strata::connect(db.url(), 10s, false, 10s); }

    temp_database db;
    std::unique_ptr<connection> first;
    std::unique_ptr<connection> second;
};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// The E that `f` throws; anything else (or nothing) fails the case.
template <class E, class F>
E thrown(F&& f) {
    try {
        f();
    } catch (const E& e) {
        return e;
    }
    throw std::runtime_error("the call returned; it should have thrown");
}

/// Whether `c` sees `table` (outside a transaction: a failed probe would abort one on PostgreSQL).
bool has_table(connection& c, const std::string& table) {
    try {
        c.execute("SELECT 1 FROM " + table + " WHERE 1 = 0");
        return true;
    } catch (const strata::statement_error&) {
        return false;
    }
}

/// The first value of the first row of `sql`, as text.
std::string value_of(connection& c, const std::string& sql) { return c.query(sql).at(0).at(0).value_or("NULL"); }

long long rows_in(connection& c, const std::string& table) { return std::stoll(value_of(c, "SELECT count(*) FROM " + table)); }

/// How the lock's holder is named when `holder` holds it: the OS process on SQLite, the server
/// process of its session on PostgreSQL.
std::string holder_of(connection& holder, backend b) {
    if (b == backend::sqlite) return "pid " + std::to_string(::getpid()) + ", user " + holder.applied_by() + ", since ";
    return "pid " + value_of(holder, "SELECT pg_backend_pid()") + ", application '";
}

}  // namespace

// query() returns every row as text, NULL as nothing; execute() says how many rows changed.
STRATA_BACKEND_TEST(connection_query_returns_text_rows_and_execute_counts_changed_rows) {
    two_connections t(backend);
    auto& c = *t.first;
    c.execute("CREATE TABLE answers (id INTEGER, note TEXT)");
    BOOST_TEST(c.execute("INSERT INTO answers (id, note) VALUES (1, 'one'), (2, NULL), (3, 'it''s :three')") == 3);
    BOOST_TEST(c.execute("UPDATE answers SET note = 'two' WHERE id >= 2") == 2);
    BOOST_TEST(c.execute("DELETE FROM answers WHERE id = 9") == 0);
    c.execute("UPDATE answers SET note = NULL WHERE id = 2");
    const auto rows = c.query("SELECT id, note FROM answers ORDER BY id");
    BOOST_TEST_REQUIRE(rows.size() == 3u);
    BOOST_TEST((rows[0] == strata::result_row{"1", "one"}));
    BOOST_TEST((rows[1] == strata::result_row{"2", std::nullopt}));
    BOOST_TEST((rows[2] == strata::result_row{"3", "two"}));
    BOOST_TEST(c.query("SELECT id FROM answers WHERE id > 3").empty());
    auto e = thrown<strata::statement_error>([&] { c.query("SELECT nothing FROM answers"); });
    BOOST_TEST(e.context().statement == "SELECT nothing FROM answers");
}

// A rehearsal runs on a private copy of the schema, never on the database; a backend that cannot
// make one says so with null (PostgreSQL), and the dry run writes a script instead.
STRATA_BACKEND_TEST(connection_rehearsal_changes_only_its_copy) {
    two_connections t(backend);
    t.first->execute("CREATE TABLE kept (id INTEGER PRIMARY KEY, note TEXT)");
    t.first->execute("CREATE INDEX kept_note ON kept (note)");
    t.first->execute("INSERT INTO kept (id, note) VALUES (1, 'row')");
    std::vector<std::string> script;
    auto copy = t.first->rehearsal(&script, {"kept"});
    if (backend == backend::postgresql) {
        BOOST_TEST(!copy);
        return;
    }
    BOOST_TEST_REQUIRE(copy != nullptr);
    BOOST_TEST(rows_in(*copy, "kept") == 1, "the rows of with_rows are copied");
    BOOST_TEST(value_of(*copy, "SELECT count(*) FROM sqlite_master WHERE name = 'kept_note'") == "1");
    copy->execute("DROP INDEX kept_note");
    copy->execute("CREATE TABLE only_in_the_copy (id INTEGER)");
    BOOST_TEST(script == (std::vector<std::string>{"DROP INDEX kept_note", "CREATE TABLE only_in_the_copy (id INTEGER)"}),
               boost::test_tools::per_element());
    BOOST_TEST(has_table(*t.second, "kept"));
    BOOST_TEST(!has_table(*t.second, "only_in_the_copy"));
    BOOST_TEST(value_of(*t.second, "SELECT count(*) FROM sqlite_master WHERE name = 'kept_note'") == "1");
}

// A commit that returns committed: after a failed statement, PostgreSQL's transaction is lost
// (the server answers COMMIT with ROLLBACK, and commit() says so); SQLite's keeps what succeeded.
STRATA_BACKEND_TEST(connection_commit_returns_only_when_something_was_committed) {
    two_connections t(backend);
    auto& c = *t.first;
    c.execute("CREATE TABLE kept (id INTEGER)");
    c.begin(false);
    c.execute("INSERT INTO kept (id) VALUES (1)");
    thrown<strata::statement_error>([&] { c.execute("INSERT INTO no_such_table (id) VALUES (2)"); });
    bool committed = true;
    try {
        c.commit();
    } catch (const strata::statement_error& e) {
        committed = false;
        BOOST_TEST(contains(e.message(), "COMMIT rolled it back"), e.message());
        c.rollback();
    }
    BOOST_TEST(committed == (backend == backend::sqlite));
    BOOST_TEST(rows_in(*t.second, "kept") == (committed ? 1 : 0));
}

STRATA_BACKEND_TEST(connection_statement_error_carries_the_statement_and_its_code) {
    two_connections t(backend);
    const std::string sql = "SELECT * FROM no_such_table";
    auto e = thrown<strata::statement_error>([&] { t.first->execute(sql); });
    BOOST_TEST(e.context().statement == sql);
    BOOST_TEST(e.context().backend == strata::to_string(backend));
    if (backend == backend::postgresql) {
        BOOST_TEST(e.context().sqlstate == "42P01");
    } else {
        BOOST_TEST(e.context().sqlstate.empty());
        BOOST_TEST(e.message() == "no such table: no_such_table (sqlite result code 1)");
    }
}

STRATA_BACKEND_TEST(connection_failed_statement_in_a_transaction_leaves_nothing_after_rollback) {
    two_connections t(backend);
    t.first->begin(false);
    t.first->execute("CREATE TABLE made_in_transaction (x INTEGER)");
    BOOST_CHECK_THROW(t.first->execute("INSERT INTO no_such_table VALUES (1)"), strata::statement_error);
    t.first->rollback();
    BOOST_TEST(!has_table(*t.first, "made_in_transaction"));
    BOOST_TEST(!has_table(*t.second, "made_in_transaction"));
}

// SOCI 4.0.3 runs only the first statement of such a string on SQLite (SOCI-NOTES.md); execute()
// must run them all or refuse, never drop the tail silently.
STRATA_BACKEND_TEST(connection_runs_every_statement_of_a_multi_statement_string) {
    two_connections t(backend);
    t.first->execute("CREATE TABLE a (x INTEGER); CREATE TABLE b (x INTEGER);\nINSERT INTO b VALUES (1); INSERT INTO b VALUES (2)");
    BOOST_TEST(has_table(*t.second, "a"));
    BOOST_TEST(rows_in(*t.second, "b") == 2);

    const std::string script = "CREATE TABLE c (x INTEGER); this is not sql; CREATE TABLE d (x INTEGER)";
    auto e = thrown<strata::statement_error>([&] { t.first->execute(script); });
    BOOST_TEST(e.context().statement == script);
    BOOST_TEST(!has_table(*t.second, "d"));
    // Outside a transaction, PostgreSQL runs a multi-statement string as one implicit transaction;
    // SQLite's sqlite3_exec commits each statement before the failing one.
    BOOST_TEST(has_table(*t.second, "c") == (backend == backend::sqlite));
}

STRATA_BACKEND_TEST(connection_rollback_never_throws_and_leaves_the_connection_usable) {
    two_connections t(backend);
    t.first->rollback();  // no transaction
    t.first->rollback();
    t.first->execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)");
    t.first->execute("CREATE TABLE child (parent_id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)");

    // A deferred foreign key fails at COMMIT: SQLite keeps the transaction open, PostgreSQL ends it.
    t.first->begin(false);
    t.first->execute("INSERT INTO child VALUES (42)");
    auto e = thrown<strata::statement_error>([&] { t.first->commit(); });
    if (backend == backend::postgresql) BOOST_TEST(e.context().sqlstate == "23503");
    else BOOST_TEST(contains(e.message(), "FOREIGN KEY constraint failed"));
    t.first->rollback();
    t.first->rollback();
    BOOST_TEST(rows_in(*t.second, "child") == 0);

    t.first->begin(false);
    t.first->execute("INSERT INTO parent VALUES (42); INSERT INTO child VALUES (42)");
    t.first->commit();
    BOOST_TEST(rows_in(*t.second, "child") == 1);
}

STRATA_BACKEND_TEST(connection_commit_is_what_a_second_connection_sees) {
    two_connections t(backend);
    t.first->execute("CREATE TABLE seen (x INTEGER)");
    t.first->begin(false);
    t.first->execute("INSERT INTO seen VALUES (1)");
    BOOST_TEST(rows_in(*t.first, "seen") == 1);
    BOOST_TEST(rows_in(*t.second, "seen") == 0);
    t.first->commit();
    BOOST_TEST(rows_in(*t.second, "seen") == 1);
}

STRATA_BACKEND_TEST(connection_lock_shuts_out_a_second_connection_until_released) {
    two_connections t(backend);
    const std::string holder = holder_of(*t.first, backend);
    auto held = t.first->lock(0ms, {});

    std::vector<std::string> notices;
    const auto start = std::chrono::steady_clock::now();
    auto e = thrown<strata::lock_timeout_error>([&] { t.second->lock(300ms, [&](const std::string& n) { notices.push_back(n); }); });
    const auto waited = std::chrono::steady_clock::now() - start;
    BOOST_TEST(contains(e.message(), "another strata run holds the migration lock (" + holder), e.message());
    BOOST_TEST(contains(e.message(), "); gave up after 300 ms (--lock-timeout)"), e.message());
    BOOST_TEST_REQUIRE(notices.size() == 1u);
    BOOST_TEST(contains(notices[0], "waiting for the migration lock, held by " + holder), notices[0]);
    BOOST_TEST((waited >= 300ms && waited < 2s), std::chrono::duration_cast<std::chrono::milliseconds>(waited).count() << " ms");
    BOOST_CHECK_THROW(t.second->lock(0ms, {}), strata::lock_timeout_error);

    held.reset();
    notices.clear();
    auto second = t.second->lock(300ms, [&](const std::string& n) { notices.push_back(n); });
    BOOST_TEST(notices.empty());
    BOOST_CHECK_THROW(t.first->lock(0ms, {}), strata::lock_timeout_error);
}

// up --atomic's lock, where it can belong to a transaction (PostgreSQL: a pooler may run the next
// transaction in another server session, so a session lock would mean nothing there): it shuts
// out the session lock and another transaction's until COMMIT, and says who holds it.
STRATA_BACKEND_TEST(connection_transaction_lock_shuts_out_others_until_the_transaction_ends) {
    two_connections t(backend);
    if (!t.first->can_lock_transactions()) {
        BOOST_TEST((backend == strata::backend::sqlite), "only SQLite locks before its transaction");
        return;
    }
    const std::string holder = holder_of(*t.first, backend);
    t.first->begin(false);
    t.first->lock_transaction(0ms, 1s, {});
    auto e = thrown<strata::lock_timeout_error>([&] { t.second->lock(0ms, {}); });
    BOOST_TEST(contains(e.message(), "another strata run holds the migration lock (" + holder), e.message());
    t.second->begin(false);
    BOOST_CHECK_THROW(t.second->lock_transaction(100ms, 1s, {}), strata::lock_timeout_error);
    t.second->rollback();
    t.first->commit();
    BOOST_CHECK_NO_THROW(t.second->lock(0ms, {}));  // COMMIT released it
}

// On a direct connection to a primary, nothing stands in the way of a change.
STRATA_BACKEND_TEST(connection_route_of_a_direct_connection_to_a_primary_is_clear) {
    two_connections t(backend);
    auto r = t.first->route();
    BOOST_TEST(r.read_only.empty(), r.read_only);
    BOOST_TEST(r.transaction_pooled.empty(), r.transaction_pooled);
    BOOST_TEST(r.statement_pooled.empty(), r.statement_pooled);
}

// What a concurrent index build leaves when it is stopped (its INVALID index) is looked for by
// the name and table the statement gives, as the catalog spells them; nothing for any other
// statement, nor on SQLite, which builds no index concurrently.
STRATA_BACKEND_TEST(connection_finds_what_a_stopped_concurrent_index_build_leaves) {
    two_connections t(backend);
    const auto& c = *t.first;
    const std::string plain = "CREATE INDEX CONCURRENTLY items_sku ON items (sku)";
    if (backend != strata::backend::postgresql) {
        BOOST_TEST(c.leftover_cleanup(plain).empty());
        return;
    }
    BOOST_TEST(contains(c.leftover_cleanup(plain), "to_regclass('items') AND c.relname = 'items_sku' AND c.relkind = 'i' AND NOT i.indisvalid\n\\gexec"),
               c.leftover_cleanup(plain));
    const std::string quoted = "/* why */ Create Unique Index Concurrently If Not Exists \"My \"\"Idx\"\"\" ON ONLY \"S\" . \"T\"(a)";
    BOOST_TEST(contains(c.leftover_cleanup(quoted), "to_regclass('\"S\".\"T\"') AND c.relname = 'My \"Idx\"'"),
               c.leftover_cleanup(quoted));
    BOOST_TEST(contains(c.leftover_cleanup("-- first\nCREATE INDEX CONCURRENTLY Upper ON app.t USING btree (a)"),
                        "to_regclass('app.t') AND c.relname = 'upper'"));
    // Read word by word: a long comment ahead of it (a std::regex overflowed the stack on one, review
    // 30 M2), comments between its words.
    const std::string commented = "/*" + std::string(200000, '*') + "*/\n" + std::string(50000, ' ') +
                                  "CREATE /* a */ INDEX -- b\n CONCURRENTLY items_sku ON items;";
    BOOST_TEST(contains(c.leftover_cleanup(commented), "to_regclass('items') AND c.relname = 'items_sku'"));
    for (const std::string other : {"CREATE INDEX CONCURRENTLY ON items (sku)", "CREATE INDEX items_sku ON items (sku)",
                                    "DROP INDEX CONCURRENTLY items_sku", "REINDEX INDEX CONCURRENTLY items_sku",
                                    "SELECT 'CREATE INDEX CONCURRENTLY x ON t (a)'"})
        BOOST_TEST(c.leftover_cleanup(other).empty(), other);
}

// A killed run never leaves the lock behind: the kernel drops the flock, the server the session's
// advisory lock. (The lock belongs to the lock object, and on PostgreSQL to its connection too;
// a lock object must not outlive its connection, so "the connection goes" is tested as a process that dies.)
STRATA_BACKEND_TEST(connection_lock_dies_with_the_process_that_held_it) {
    two_connections t(backend);
    int ready[2];
    BOOST_TEST_REQUIRE(::pipe(ready) == 0);
    const pid_t child = ::fork();
    BOOST_TEST_REQUIRE(child >= 0);
    if (child == 0) {
        // Another strata run: takes the lock, says so, waits to be killed. Never back into Boost.
        try {
            auto c = t.open();
            auto held = c->lock(0ms, {});
            const char taken = 'y';
            if (::write(ready[1], &taken, 1) == 1)
                for (;;) ::pause();
        } catch (...) {
        }
        ::_exit(1);
    }
    ::close(ready[1]);
    char taken = 0;
    const bool child_holds = ::read(ready[0], &taken, 1) == 1;
    ::close(ready[0]);
    if (child_holds) BOOST_CHECK_THROW(t.second->lock(100ms, {}), strata::lock_timeout_error);
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    BOOST_TEST_REQUIRE(child_holds, "the child process could not take the lock");
    BOOST_CHECK_NO_THROW(t.second->lock(5s, {}));  // the server notices the closed socket at once, or nearly
}

// An index built CONCURRENTLY waits, its table lock granted, for every older transaction of the
// database, on any table (a report, one idle in a snapshot): that transaction is the holder named.
STRATA_BACKEND_TEST(connection_names_the_old_transaction_an_index_build_waits_for) {
    if (backend != backend::postgresql) return;  // SQLite builds no index concurrently
    two_connections t(backend);
    t.first->execute("CREATE TABLE guarded (x INTEGER)");
    t.first->execute("CREATE TABLE elsewhere (x INTEGER)");
    t.second->begin(false);
    t.second->execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
    t.second->query("SELECT count(*) FROM elsewhere");  // its snapshot stays until it ends
    t.first->set_lock_timeout(200ms);
    const std::string build = "CREATE INDEX CONCURRENTLY \"guarded_x\" ON \"guarded\" (x)";
    auto e = thrown<strata::statement_error>([&] { t.first->execute(build); });
    BOOST_TEST(t.first->is_lock_timeout(e), e.what());
    const std::string second_pid = value_of(*t.second, "SELECT pg_backend_pid()");
    BOOST_TEST(contains(t.first->lock_holders(build), "the index build waits for older transactions to end: pid " + second_pid),
               t.first->lock_holders(build));
    t.second->rollback();
}

STRATA_BACKEND_TEST(connection_says_which_failures_were_lock_timeouts) {
    two_connections t(backend);
    t.first->execute("CREATE TABLE guarded (x INTEGER)");
    const std::string blocked = "INSERT INTO \"guarded\" VALUES (1)";
    t.first->set_lock_timeout(200ms);
    t.second->begin(false);
    if (backend == backend::postgresql) {
        t.second->execute("LOCK TABLE guarded IN ACCESS EXCLUSIVE MODE");
    } else {
        // SQLite's begin() is BEGIN IMMEDIATE, the write lock. set_lock_timeout does nothing there:
        // the busy timeout (--lock-timeout, given to connect()) bounds the wait; shortened here.
        t.first->set_busy_timeout(200ms);
    }
    const auto start = std::chrono::steady_clock::now();
    auto check_waited = [&] {
        const auto waited = std::chrono::steady_clock::now() - start;
        BOOST_TEST((waited >= 190ms && waited < 5s), std::chrono::duration_cast<std::chrono::milliseconds>(waited).count() << " ms");
    };
    if (backend == backend::postgresql) {
        auto e = thrown<strata::statement_error>([&] { t.first->execute(blocked); });
        check_waited();
        BOOST_TEST(e.context().statement == blocked);
        BOOST_TEST(e.context().sqlstate == "55P03");
        BOOST_TEST(t.first->is_lock_timeout(e));
        const std::string second_pid = value_of(*t.second, "SELECT pg_backend_pid()");
        BOOST_TEST(contains(t.first->lock_holders(blocked), "the lock on guarded is held by pid " + second_pid),
                   t.first->lock_holders(blocked));
    } else {
        // Another process holds the whole database: not the statement's failure (nor a table-lock
        // wait a unit retries), but the lock timeout's, naming the file.
        auto e = thrown<strata::lock_timeout_error>([&] { t.first->execute(blocked); });
        check_waited();
        BOOST_TEST(e.message() == "the database file " + t.db.url().path() +
                                      " is locked by another process, which holds a write transaction or an exclusive lock on "
                                      "it; gave up after 200 ms (--lock-timeout): wait for that process to finish and run "
                                      "again, or find it (fuser " +
                                      t.db.url().path() + " lists the processes that have the file open) and end its transaction");
        BOOST_TEST(!t.first->is_lock_timeout(e));
        BOOST_TEST(t.first->lock_holders(blocked).empty());
    }
    t.second->rollback();
    auto other = thrown<strata::statement_error>([&] { t.first->execute("SELECT * FROM no_such_table"); });
    BOOST_TEST(!t.first->is_lock_timeout(other));
    t.first->execute(blocked);  // nothing in the way any more
    BOOST_TEST(rows_in(*t.second, "guarded") == 1);
}

// interrupt() (issue 12, point 2: a signal), from another thread: the running statement is
// cancelled (PostgreSQL's cancel request, sqlite3_interrupt) and throws interrupted_error with the
// reason; the connection stays usable (a rollback and an audit row follow).
STRATA_BACKEND_TEST(connection_interrupt_cancels_the_running_statement_and_stays_usable) {
    two_connections t(backend);
    auto& c = *t.first;
    // Long enough that only the interrupt ends it in time: 30 s, or a count to 10^10.
    const std::string slow = backend == backend::postgresql
                                 ? "SELECT pg_sleep(30)"
                                 : "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000000000) "
                                   "SELECT count(*) FROM n";
    BOOST_TEST(!c.interrupted());
    const auto start = std::chrono::steady_clock::now();
    std::jthread signal([&c] {
        std::this_thread::sleep_for(300ms);
        c.interrupt("interrupted by SIGTERM");
    });
    auto e = thrown<strata::interrupted_error>([&] { c.query(slow); });
    const auto took = std::chrono::steady_clock::now() - start;
    BOOST_TEST(took < 5s, std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
    BOOST_TEST(e.message() == "interrupted by SIGTERM");
    BOOST_TEST(e.context().statement == slow);
    BOOST_TEST(c.interrupted());
    signal.join();
    // Usable: a transaction, a row, a commit.
    c.execute("CREATE TABLE after_the_signal (x INTEGER)");
    c.begin(false);
    c.execute("INSERT INTO after_the_signal (x) VALUES (1)");
    c.commit();
    BOOST_TEST(rows_in(*t.second, "after_the_signal") == 1);
}

// interrupt() ends the wait for the migration lock at once, with interrupted_error naming the
// holder the notice named; the lock stays with its holder.
STRATA_BACKEND_TEST(connection_interrupt_ends_the_wait_for_the_migration_lock) {
    two_connections t(backend);
    auto held = t.second->lock(0ms, {});
    std::string told;
    const auto start = std::chrono::steady_clock::now();
    std::jthread signal([&t] {
        std::this_thread::sleep_for(300ms);
        t.first->interrupt("interrupted by SIGINT");
    });
    auto e = thrown<strata::interrupted_error>([&] { t.first->lock(60s, [&told](const std::string& n) { told = n; }); });
    const auto took = std::chrono::steady_clock::now() - start;
    BOOST_TEST(took < 2s, std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
    BOOST_TEST(contains(told, "waiting for the migration lock, held by " + holder_of(*t.second, backend)), told);
    BOOST_TEST(contains(e.message(), "interrupted by SIGINT while waiting for the migration lock (held by " + holder_of(*t.second, backend)),
               e.message());
    BOOST_TEST(contains(e.message(), "; nothing was changed"), e.message());
}

BOOST_AUTO_TEST_SUITE(sqlite)

// The busy timeout is the one connect() is given (--lock-timeout), for reads too: a query under
// another connection's EXCLUSIVE lock gives up after it, and opening already reads the file.
BOOST_AUTO_TEST_CASE(connection_busy_wait_follows_the_timeout_given_to_connect) {
    auto db = temp_database::create(backend::sqlite);
    auto holder = strata::connect(db.url(), 10s, false, 10s);
    holder->execute("CREATE TABLE t (x INTEGER)");
    auto reader = strata::connect(db.url(), 10s, true, 300ms);
    holder->execute("BEGIN EXCLUSIVE");
    for (int opening = 0; opening < 2; ++opening) {
        BOOST_TEST_CONTEXT((opening ? "opening" : "a query on an open connection")) {
            const auto start = std::chrono::steady_clock::now();
            auto e = thrown<strata::lock_timeout_error>([&] {
                if (opening) strata::connect(db.url(), 10s, true, 300ms);
                else reader->query("SELECT count(*) FROM t");
            });
            const auto waited = std::chrono::steady_clock::now() - start;
            BOOST_TEST((waited >= 290ms && waited < 5s), std::chrono::duration_cast<std::chrono::milliseconds>(waited).count() << " ms");
            BOOST_TEST(contains(e.message(), "the database file " + db.url().path() + " is locked by another process"), e.message());
            BOOST_TEST(contains(e.message(), "gave up after 300 ms (--lock-timeout)"), e.message());
        }
    }
    holder->execute("ROLLBACK");
    BOOST_TEST(value_of(*reader, "SELECT count(*) FROM t") == "0");
}

// interrupt() ends a busy wait (another process holds the database) at once, although the busy
// timeout is a minute: sqlite3_interrupt alone does not end SQLite's own busy handler's sleeps.
BOOST_AUTO_TEST_CASE(connection_interrupt_ends_the_busy_wait) {
    auto db = temp_database::create(backend::sqlite);
    auto holder = strata::connect(db.url(), 10s, false, 10s);
    holder->execute("CREATE TABLE t (x INTEGER)");
    holder->execute("BEGIN IMMEDIATE");
    auto writer = strata::connect(db.url(), 10s, false, 60s);
    const auto start = std::chrono::steady_clock::now();
    std::jthread signal([&writer] {
        std::this_thread::sleep_for(300ms);
        writer->interrupt("interrupted by SIGTERM");
    });
    auto e = thrown<strata::interrupted_error>([&] { writer->execute("INSERT INTO t (x) VALUES (1)"); });
    const auto took = std::chrono::steady_clock::now() - start;
    BOOST_TEST(took < 2s, std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
    BOOST_TEST(e.message() == "interrupted by SIGTERM");
    signal.join();
    // Afterwards a busy database is not waited for: the interrupted run's audit row tries once.
    const auto again = std::chrono::steady_clock::now();
    thrown<strata::interrupted_error>([&] { writer->execute("INSERT INTO t (x) VALUES (2)"); });
    BOOST_TEST((std::chrono::steady_clock::now() - again < 1s));
    holder->execute("ROLLBACK");
    writer->execute("INSERT INTO t (x) VALUES (3)");  // nothing in the way: it runs
    BOOST_TEST(rows_in(*holder, "t") == 1);
}

// A file that is not a database is the URL's mistake (config, exit 2), said when it is opened.
BOOST_AUTO_TEST_CASE(connection_to_a_file_that_is_not_a_database_is_a_config_error) {
    auto db = temp_database::create(backend::sqlite);
    {
        std::ofstream garbage(db.url().path(), std::ios::trunc);
        for (int i = 0; i < 64; ++i) garbage << "this is not a database, only some text\n";
    }
    for (bool read_only : {true, false}) {
        auto e = thrown<strata::config_error>([&] { strata::connect(db.url(), 10s, read_only, 1s); });
        BOOST_TEST(e.message() == db.url().path() +
                                      " is not a SQLite database (SQLite says: file is not a database); check the path in "
                                      "the database URL");
        BOOST_TEST((e.kind() == strata::error_kind::config));
        BOOST_TEST(strata::exit_status(e.kind()) == 2);
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(postgresql)

// A URL made for one schema (a --schemas-like tenant) connects only when the server runs in that
// schema: one that does not exist (dropped after the listing) is a configuration error naming
// it, before anything is read or written.
BOOST_AUTO_TEST_CASE(connection_to_a_schema_that_does_not_exist_is_refused) {
    const auto db = temp_database::create(backend::postgresql);
    for (const char* schema : {"Tenant A", "tenant_b"}) {
        BOOST_TEST_CONTEXT(schema) {
            const auto e = thrown<strata::config_error>([&] { strata::connect(db.url().with_schema(schema), 10s, false, 10s); });
            BOOST_TEST(contains(e.what(), "schema \"" + std::string(schema) + "\" does not exist"), e.what());
            BOOST_TEST(strata::exit_status(e.kind()) == 2);
        }
    }
    auto c = strata::connect(db.url(), 10s, false, 10s);
    c->execute("CREATE SCHEMA \"Tenant A\"");
    BOOST_TEST(value_of(*strata::connect(db.url().with_schema("Tenant A"), 10s, false, 10s), "SELECT current_schema()") == "Tenant A");
}

// SOCI 4.0.3 splits the connection string at blanks before libpq reads it. A password with a run
// of blanks reaches the server as written (here: the server refuses it as a wrong password, not
// a changed one); one SOCI cannot carry (blanks, a double quote and a word without '=') is
// refused, naming the keyword and never the value, instead of failing as a wrong password.
BOOST_AUTO_TEST_CASE(connection_refuses_a_value_soci_would_change) {
    const auto db = temp_database::create(backend::postgresql);
    auto with_password = [&](const std::string& encoded) {
        return strata::database_url::parse("postgresql://strata:" + encoded + "@" + db.url().host() + ":" +
                                           std::to_string(db.url().port()) + "/" + db.url().dbname());
    };
    const auto wrong = thrown<strata::connection_error>([&] { strata::connect(with_password("two%20%20blanks"), 10s, false, 10s); });
    BOOST_TEST(wrong.context().sqlstate == "28P01", wrong.what());
    const auto e = thrown<strata::config_error>([&] { strata::connect(with_password("a%22b%20c%20d"), 10s, false, 10s); });
    BOOST_TEST(contains(e.what(), "cannot hand password to libpq as the URL says"), e.what());
    BOOST_TEST(contains(e.what(), "PGPASSWORD"), e.what());
    BOOST_TEST(!contains(e.what(), "c d"), e.what());
}

BOOST_AUTO_TEST_SUITE_END()
