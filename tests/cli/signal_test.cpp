// Issue 12, point 2: SIGTERM and SIGINT. A deploy system stops a job with SIGTERM; before, strata
// died silently and its PostgreSQL backend kept waiting for ACCESS EXCLUSIVE on users, queueing
// the application's writes behind it after strata had exited. Now the running statement is
// cancelled, the transaction rolled back, the audit row written, the lock released, one line says
// what was kept, and strata exits 128 + the signal (143, 130). A second signal exits at once.

#include "background_run.hpp"
#include "strata_cli.hpp"
#include "support/cli_spawn.hpp"
#include "support/waiting.hpp"
#include "support/schema_session.hpp"

#include <nlohmann/json.hpp>
#include <soci/soci.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

using namespace strata::test;
using namespace std::chrono_literals;
using versions = std::vector<std::int64_t>;

namespace {

const char* signal_name(int sig) { return sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP" : "SIGINT"; }

/// The lines of stderr that say the run was interrupted.
std::vector<std::string> interrupted_lines(const std::string& err) {
    std::vector<std::string> found;
    for (const auto& line : lines_of(err))
        if (contains(line, "interrupted by")) found.push_back(line);
    return found;
}

/// The audit rows that say unit `version` failed because of `sig`.
std::int64_t interrupted_audit_rows(const cli_database_test& t, int version, int sig) {
    return t.probe.count("SELECT count(*) FROM strata_schema_log WHERE version = " + std::to_string(version) +
                         " AND outcome = 'failed' AND message LIKE '%interrupted by " + signal_name(sig) + "%'");
}

/// The state of unit `version`'s history row ('applied', 'running'), if it has one.
std::optional<std::string> history_state(const cli_database_test& t, std::int64_t version) {
    auto s = open_session(t.db.url());
    auto rows = query_text(*s, "SELECT state FROM strata_schema_history WHERE version = " + std::to_string(version));
    if (rows.size() != 1) return std::nullopt;
    return rows.rows.front().front();
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL.

std::unique_ptr<soci::session> named_session(const strata::database_url& url, const std::string& application) {
    auto s = open_session(url);
    *s << "SET application_name = '" + application + "'";
    return s;
}

/// The backends strata has on the test's database (its application name is 'strata'; so is the
/// observer's, which does not count).
std::int64_t strata_backends(soci::session& observer) {
    return std::stoll(query_value(observer, "SELECT CAST(count(*) AS TEXT) FROM pg_stat_activity WHERE datname = current_database() "
                                            "AND application_name = 'strata' AND pid <> pg_backend_pid()")
                          .value());
}

/// The backend pid of a strata session waiting for a lock on `table`, if there is one.
std::optional<int> strata_waiting_on(soci::session& observer, const std::string& table) {
    auto rows = query_text(observer, "SELECT CAST(a.pid AS TEXT) FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid "
                                     "WHERE a.datname = current_database() AND a.application_name = 'strata' AND NOT l.granted "
                                     "AND l.locktype = 'relation' AND l.relation = '" +
                                         table + "'::regclass");
    if (rows.size() != 1) return std::nullopt;
    return std::stoi(rows.rows.front().front().value());
}

/// Whoever holds strata's advisory lock on this database (pids).
text_rows advisory_lock_holders(soci::session& observer) {
    return query_text(observer, "SELECT CAST(pid AS TEXT) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                                "AND classid = 1398034753 AND objsubid = 2 "
                                "AND objid = (hashtext(current_schema() || '.strata_schema_history'))::oid "
                                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
}

/// What strata's backends do (pid, state, query), for a message.
text_rows strata_backend_activity(soci::session& observer) {
    return query_text(observer, "SELECT CAST(pid AS TEXT), state, query FROM pg_stat_activity WHERE datname = current_database() "
                                "AND application_name = 'strata' AND pid <> pg_backend_pid()");
}

/// The application's insert, as the application did it: it may wait 2 s at most.
std::string application_insert(soci::session& app) {
    try {
        app << "SET statement_timeout = '2s'";
        app << "INSERT INTO users (\"firstName\", \"createdAt\", \"updatedAt\") VALUES ('after the deploy', now(), now())";
        return {};
    } catch (const soci::soci_error& e) {
        return e.get_error_message();
    }
}

// The scenario: a reader holds ACCESS SHARE on users (an open transaction that read it);
// up's unit 3 queues its ALTER for ACCESS EXCLUSIVE (--ddl-lock-timeout 60), and every writer
// queues behind that request. The deploy system sends `sig`.
void stopping_up_while_its_alter_waits(int sig, int expected_exit) {
    cli_database_test t(strata::backend::postgresql);
    const std::string password = t.db.url().password();
    auto r = t.run({"up", "--to", "2"});
    BOOST_TEST_REQUIRE(r.exit_code == 0, r);

    auto reader = named_session(t.db.url(), "signal_test_reader");
    *reader << "BEGIN";
    query_value(*reader, "SELECT CAST(count(*) AS TEXT) FROM users");
    auto observer = open_session(t.db.url());

    spawned_process p(strata_invocation(t, {"--ddl-lock-timeout", "60", "up"}));
    std::optional<int> backend;
    BOOST_TEST_REQUIRE((eventually(
                           [&] {
                               backend = strata_waiting_on(*observer, "users");
                               return backend.has_value() || !p.running();
                           },
                           20s) &&
                           p.running()),
                       "strata never waited for the lock on users: " << p.err_so_far());
    BOOST_TEST_MESSAGE("strata's backend " << *backend << " waits for the lock on users: "
                                           << query_value(*observer, "SELECT query FROM pg_stat_activity WHERE pid = " +
                                                                         std::to_string(*backend))
                                                  .value_or("?"));

    const auto signalled = clock_type::now();
    p.send(sig);
    const auto result = p.wait();
    const auto took = since(signalled);
    const std::string what = transcript(p, result, password);
    BOOST_TEST_MESSAGE(signal_name(sig) << " to exit: " << took.count() << " ms");
    BOOST_TEST(result.signal == 0, what);
    BOOST_TEST(result.exit_code == expected_exit, what);
    BOOST_TEST(took < 5000ms, "exited " << took.count() << " ms after " << signal_name(sig) << what);
    // One line: interrupted, and what was kept (unit 3 is online here: up finishes it).
    const auto said = interrupted_lines(result.err);
    BOOST_TEST(said.size() == 1u, what);
    BOOST_TEST(contains(result.err, std::string("strata: interrupted by ") + signal_name(sig) +
                                        "; unit 3 add_profile_to_users runs outside a transaction and was stopped half-way: run "
                                        "strata up to finish it, or strata down to undo what its finished steps did; no unit "
                                        "was applied or reverted before it in this run\n"),
               what);
    BOOST_TEST(!contains(result.err, "strata: error:"), what);
    BOOST_TEST((password.empty() || !contains(result.err + result.out, password)), what);

    // Nothing of strata is left on the server: no backend (the cancelled ALTER is gone), no lock.
    BOOST_TEST(eventually([&] { return strata_backends(*observer) == 0; }, 3s),
               "strata's backends remain: " << strata_backend_activity(*observer) << what);
    BOOST_TEST(advisory_lock_holders(*observer).size() == 0u, what);
    // The audit row, once; unit 3 is interrupted (its row says running), nothing applied it.
    BOOST_TEST(interrupted_audit_rows(t, 3, sig) == 1, what);
    BOOST_TEST(history_state(t, 3) == std::optional<std::string>("running"), what);

    // The application's insert goes through while the reader still holds its lock: nothing of
    // strata queues in front of it any more (before, the orphan ALTER did, for as long as the
    // reader's transaction lasted).
    auto app = named_session(t.db.url(), "signal_test_application");
    const auto insert_start = clock_type::now();
    const std::string failed = application_insert(*app);
    BOOST_TEST(failed.empty(), "the application's insert failed after " << since(insert_start).count() << " ms: " << failed);
    *reader << "COMMIT";

    // The next up finishes unit 3.
    r = t.run({"up"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(history_state(t, 3) == std::optional<std::string>("applied"), r);
    BOOST_TEST(t.probe.has_column("users", "profile"));
}

// ---------------------------------------------------------------------------------------------
// SQLite.

std::string first_line_of_file(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

/// Linux: whether a thread of `pid` sleeps in nanosleep/clock_nanosleep right now (a fleet runs
/// each target on a thread of its own).
bool a_thread_sleeping_in_nanosleep(pid_t pid) {
    std::error_code ec;
    for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
        std::ifstream in(task.path() / "syscall");
        std::string number;
        in >> number;
        if (number == "35" || number == "230") return true;
    }
    return false;
}

/// An exclusive flock on "<database>-strata.lock", as another strata run holds it.
class lock_file_holder {
public:
    explicit lock_file_holder(const std::string& path) {
        fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0 || ::flock(fd_, LOCK_EX | LOCK_NB) != 0) throw std::runtime_error("cannot lock " + path);
        const std::string who = "pid " + std::to_string(::getpid()) + ", user signal-test, since 2024-05-01T12:00:00Z\n";
        if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, who.data(), who.size(), 0) != static_cast<ssize_t>(who.size()))
            throw std::runtime_error("cannot write " + path);
    }
    ~lock_file_holder() {
        ::flock(fd_, LOCK_UN);
        ::close(fd_);
    }
    lock_file_holder(const lock_file_holder&) = delete;
    lock_file_holder& operator=(const lock_file_holder&) = delete;

private:
    int fd_ = -1;
};

// ---------------------------------------------------------------------------------------------
// Both.

/// Holds strata's migration lock as another run would: PostgreSQL's advisory lock on a session
/// of the test's, SQLite's lock file.
struct migration_lock_holder {
    explicit migration_lock_holder(const cli_database_test& t) {
        if (t.db.kind() == strata::backend::postgresql) {
            session = named_session(t.db.url(), "signal_test_holder");
            *session << "SELECT pg_advisory_lock(1398034753, hashtext(current_schema() || '.strata_schema_history'))";
        } else {
            file = std::make_unique<lock_file_holder>(t.db.url().path() + "-strata.lock");
        }
    }
    std::unique_ptr<soci::session> session;
    std::unique_ptr<lock_file_holder> file;
};

/// Waits (at most 20 s) until a thread of `p` sleeps in the busy handler (seen twice, 10 ms apart)
/// while `also` holds; false when `p` ended first.
bool waits_in_busy_handler(spawned_process& p, const std::function<bool()>& also = [] { return true; }) {
    auto waiting = [&] { return also() && a_thread_sleeping_in_nanosleep(p.pid()); };
    return eventually(
               [&] {
                   if (!p.running() || !waiting()) return !p.running();
                   std::this_thread::sleep_for(10ms);
                   return waiting();
               },
               20s) &&
           p.running();
}

/// Waits (at most 20 s) until `p` holds the migration lock of the SQLite file `path` and a thread
/// of it sleeps in the busy handler; false when `p` ended first.
bool waits_for_busy_file(spawned_process& p, const std::string& path) {
    const std::string lock_file = path + "-strata.lock";
    const std::string mine = "pid " + std::to_string(p.pid()) + ",";
    return waits_in_busy_handler(p, [&] { return first_line_of_file(lock_file).rfind(mine, 0) == 0; });
}

}  // namespace

namespace scenario {

// The wait for another run's migration lock (--lock-timeout 60) ends on the signal; nothing was
// changed, and it says so in one line.
void sigterm_while_waiting_for_the_migration_lock_exits_143_at_once(strata::backend b) {
    cli_database_test t(b);
    auto r = t.run({"up", "--to", "1"});
    BOOST_TEST_REQUIRE(r.exit_code == 0, r);
    migration_lock_holder holder(t);
    spawned_process p(strata_invocation(t, {"--lock-timeout", "60", "up"}));
    BOOST_TEST_REQUIRE((eventually([&] { return contains(p.err_so_far(), "waiting for the migration lock") || !p.running(); }, 20s) &&
                           p.running()),
                       p.err_so_far());
    const auto signalled = clock_type::now();
    p.send(SIGTERM);
    const auto result = p.wait();
    const auto took = since(signalled);
    const std::string what = transcript(p, result, t.db.url().password());
    BOOST_TEST_MESSAGE(to_string(b) << ": SIGTERM during the migration lock wait to exit: " << took.count() << " ms");
    BOOST_TEST(result.exit_code == 143, what);
    BOOST_TEST(took < 2000ms, what);
    const auto said = interrupted_lines(result.err);
    BOOST_TEST(said.size() == 1u, what);
    BOOST_TEST(matches(result.err, "strata: waiting for the migration lock, held by {*}\n"
                                   "strata: interrupted by SIGTERM while waiting for the migration lock (held by {*}); nothing was "
                                   "changed\n"),
               what);
    BOOST_TEST(t.probe.applied_versions() == (versions{1}), boost::test_tools::per_element());
}

// --json: the failure is still one valid JSON document, kind interrupted, exit code 143.
void sigterm_with_json_gives_a_failure_document(strata::backend b) {
    cli_database_test t(b);
    migration_lock_holder holder(t);
    spawned_process p(strata_invocation(t, {"--lock-timeout", "60", "--json", "up"}));
    BOOST_TEST_REQUIRE((eventually([&] { return contains(p.err_so_far(), "waiting for the migration lock") || !p.running(); }, 20s) &&
                           p.running()),
                       p.err_so_far());
    p.send(SIGTERM);
    const auto result = p.wait();
    const std::string what = transcript(p, result, t.db.url().password());
    BOOST_TEST(result.exit_code == 143, what);
    BOOST_TEST_REQUIRE(nlohmann::json::accept(result.out), what);
    const auto doc = nlohmann::json::parse(result.out);
    BOOST_TEST(doc.size() == 1u, what);
    BOOST_TEST(doc["error"]["exit_code"] == 143, what);
    BOOST_TEST(doc["error"]["kind"] == "interrupted", what);
    BOOST_TEST(doc["error"]["message"].get<std::string>().rfind("interrupted by SIGTERM while waiting for the migration lock", 0) == 0u,
               what);
}

}  // namespace scenario

STRATA_CLI_TEST_ON_EACH_DATABASE(sigterm_while_waiting_for_the_migration_lock_exits_143_at_once)
STRATA_CLI_TEST_ON_EACH_DATABASE(sigterm_with_json_gives_a_failure_document)

BOOST_AUTO_TEST_SUITE(postgresql)

BOOST_AUTO_TEST_CASE(signal_sigterm_cancels_the_queued_alter_so_the_application_writes_again) {
    stopping_up_while_its_alter_waits(SIGTERM, 143);
}

BOOST_AUTO_TEST_CASE(signal_sigint_cancels_the_queued_alter_and_exits_130) { stopping_up_while_its_alter_waits(SIGINT, 130); }

// The terminal going (an on-call engineer's ssh session dropped) stops the run as cleanly: before,
// strata died at once and the server went on with its ALTER, queueing the application's writes.
BOOST_AUTO_TEST_CASE(signal_sighup_cancels_the_queued_alter_and_exits_129) { stopping_up_while_its_alter_waits(SIGHUP, 129); }

// SIGKILL (the OOM killer, a pod's grace period running out) cannot be handled: the server
// notices the client gone (client_connection_check_interval, which strata sets to 1 s with its
// lock) and ends the queued ALTER, so neither a backend nor the migration lock stays behind and
// the next deploy is not told that another run holds the lock (before: for as long as the ALTER
// waited, here up to --ddl-lock-timeout 60).
BOOST_AUTO_TEST_CASE(signal_sigkill_leaves_no_backend_nor_lock_behind) {
    cli_database_test t(strata::backend::postgresql);
    auto r = t.run({"up", "--to", "2"});
    BOOST_TEST_REQUIRE(r.exit_code == 0, r);
    auto reader = named_session(t.db.url(), "signal_test_reader");
    *reader << "BEGIN";
    query_value(*reader, "SELECT CAST(count(*) AS TEXT) FROM users");
    auto observer = open_session(t.db.url());
    spawned_process p(strata_invocation(t, {"--ddl-lock-timeout", "60", "up"}));
    BOOST_TEST_REQUIRE((eventually([&] { return strata_waiting_on(*observer, "users").has_value() || !p.running(); }, 20s) &&
                        p.running()),
                       p.err_so_far());
    p.send(SIGKILL);
    p.wait();
    BOOST_TEST(eventually([&] { return strata_backends(*observer) == 0 && advisory_lock_holders(*observer).size() == 0u; }, 10s),
               "strata's backend outlived it: " << strata_backend_activity(*observer));
    *reader << "COMMIT";
    r = t.run({"up", "--lock-timeout", "2"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(history_state(t, 3) == std::optional<std::string>("applied"), r);
}

// The second signal does not wait for the cleanup: here the audit row waits for a lock the test
// holds on the audit table (SHARE: reads pass, inserts wait), and a second signal then ends
// strata at once, with 128 + its number and no cleanup line.
BOOST_AUTO_TEST_CASE(signal_a_second_signal_exits_at_once) {
    cli_database_test t(strata::backend::postgresql);
    auto r = t.run({"up", "--to", "2"});
    BOOST_TEST_REQUIRE(r.exit_code == 0, r);
    auto reader = named_session(t.db.url(), "signal_test_reader");
    *reader << "BEGIN";
    query_value(*reader, "SELECT CAST(count(*) AS TEXT) FROM users");
    auto audit_blocker = named_session(t.db.url(), "signal_test_audit_blocker");
    *audit_blocker << "BEGIN";
    *audit_blocker << "LOCK TABLE strata_schema_log IN SHARE MODE";
    auto observer = open_session(t.db.url());

    spawned_process p(strata_invocation(t, {"--ddl-lock-timeout", "60", "up"}));
    BOOST_TEST_REQUIRE((eventually([&] { return strata_waiting_on(*observer, "users").has_value() || !p.running(); }, 20s) &&
                           p.running()),
                       p.err_so_far());
    p.send(SIGTERM);
    // The ALTER is cancelled; the audit row now waits for the test's lock on the audit table.
    BOOST_TEST_REQUIRE((eventually([&] { return strata_waiting_on(*observer, "strata_schema_log").has_value() || !p.running(); }, 5s) &&
                           p.running()),
                       "strata did not wait for the audit table: " << p.err_so_far());
    const auto second = clock_type::now();
    p.send(SIGINT);
    const auto result = p.wait();
    const auto took = since(second);
    const std::string what = transcript(p, result, t.db.url().password());
    BOOST_TEST_MESSAGE("second signal to exit: " << took.count() << " ms");
    BOOST_TEST(result.signal == 0, what);
    BOOST_TEST(result.exit_code == 130, what);
    BOOST_TEST(took < 500ms, what);
    BOOST_TEST(interrupted_lines(result.err).empty(), what);  // no cleanup: it did not get that far
    *audit_blocker << "ROLLBACK";
    *reader << "ROLLBACK";
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sqlite)

// A reader that went (`strata up | tee log`, tee stopped with the job's other steps): strata
// died of SIGPIPE at its next line of output, half-way through its units. Now the output is
// lost, not the run: every unit applied, exit 0, one line on stderr saying so. The pipe's reader
// end is closed before strata starts (the flag file says when), so its first line meets it.
BOOST_AUTO_TEST_CASE(signal_a_reader_gone_does_not_stop_up) {
    cli_database_test t(strata::backend::sqlite);
    auto what = strata_invocation(t, {"up"});
    const std::string flag = (t.cli.working_directory() / "reader-gone").string();
    what.arguments.insert(what.arguments.begin(), what.program);
    what.arguments.insert(what.arguments.begin(),
                          {"-c",
                           "{ while [ ! -e '" + flag + "' ]; do sleep 0.01; done; \"$@\"; echo \"exit $?\" >&2; } | "
                           "{ exec 0<&-; touch '" + flag + "'; }",
                           "bash"});
    what.program = "/bin/bash";
    const auto result = run_process(what);
    const std::string said = "exit " + std::to_string(result.exit_code) + "\nstdout: " + result.out + "\nstderr: " + result.err;
    BOOST_TEST(contains(result.err, "\nexit 0\n"), said);
    BOOST_TEST(contains(result.err, "strata: its output could not be written to stdout (a reader that went"), said);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
}

// Another process holds the database file (BEGIN IMMEDIATE); up waits in SQLite's busy handler for
// up to --lock-timeout 60 (sqlite3_interrupt alone would not end that wait: strata's busy handler
// looks for the stop). SIGTERM ends the wait: exit 143 at once, nothing of unit 2 kept, the audit
// row tried without waiting (the database is still held, so there is none, and the line says so)
// and the migration lock file released.
BOOST_AUTO_TEST_CASE(signal_sigterm_ends_the_busy_wait_and_exits_143) {
    cli_database_test t(strata::backend::sqlite);
    auto r = t.run({"up", "--to", "1"});
    BOOST_TEST_REQUIRE(r.exit_code == 0, r);
    sqlite_file_holder holder(t.db.url(), "BEGIN IMMEDIATE");
    spawned_process p(strata_invocation(t, {"--lock-timeout", "60", "up"}));
    const std::string lock_file = t.db.url().path() + "-strata.lock";
    BOOST_TEST_REQUIRE(waits_for_busy_file(p, t.db.url().path()), p.err_so_far());
    const auto signalled = clock_type::now();
    p.send(SIGTERM);
    const auto result = p.wait();
    const auto took = since(signalled);
    const std::string what = transcript(p, result, "");
    BOOST_TEST_MESSAGE("sqlite: SIGTERM during the busy wait to exit: " << took.count() << " ms");
    BOOST_TEST(result.exit_code == 143, what);
    BOOST_TEST(took < 2000ms, what);
    BOOST_TEST(interrupted_lines(result.err).size() == 1u, what);
    BOOST_TEST(contains(result.err, "strata: interrupted by SIGTERM (no audit row: the database did not take it at once); nothing "
                                    "of unit 2 create_user_profiles (up) was kept (rolled back); no unit was applied or reverted "
                                    "before it in this run\n"),
               what);
    BOOST_TEST(t.probe.count("SELECT count(*) FROM strata_schema_log WHERE outcome = 'failed'") == 0, what);
    // The lock file is free again: another run may take it.
    const int fd = ::open(lock_file.c_str(), O_RDWR | O_CLOEXEC);
    BOOST_TEST(fd >= 0);
    BOOST_TEST(::flock(fd, LOCK_EX | LOCK_NB) == 0, "the migration lock file is still held" << what);
    ::close(fd);
}

// Another process holds the file BEGIN EXCLUSIVE, so nobody may even read it: a run waits in the
// open itself (foreign_keys, the file's header), before the stop can reach its connection as it
// reaches a statement. The signal still ends that wait at once, not after --lock-timeout's minute:
// exit 130 or 143, saying it stopped while connecting and that nothing was changed.
BOOST_AUTO_TEST_CASE(signal_ends_the_wait_to_open_a_file_another_process_holds_exclusively) {
    cli_database_test t(strata::backend::sqlite);
    auto r = t.run({"up", "--to", "1"});
    BOOST_TEST_REQUIRE(r.exit_code == 0, r);
    struct stopping {
        const char* command;
        int signal;
        const char* name;
        int exit_code;
    };
    for (const stopping s : {stopping{"status", SIGINT, "SIGINT", 130}, stopping{"up", SIGTERM, "SIGTERM", 143}}) {
        BOOST_TEST_CONTEXT(s.command << " and " << s.name) {
            sqlite_file_holder holder(t.db.url(), "BEGIN EXCLUSIVE");
            spawned_process p(strata_invocation(t, {"--lock-timeout", "60", s.command}));
            BOOST_TEST_REQUIRE(waits_in_busy_handler(p), p.err_so_far());  // no lock file yet: it is opening
            const auto signalled = clock_type::now();
            p.send(s.signal);
            const auto result = p.wait();
            const std::string what = transcript(p, result, "");
            BOOST_TEST(result.exit_code == s.exit_code, what);
            BOOST_TEST(since(signalled) < 2000ms, what);
            BOOST_TEST(contains(result.err, "interrupted by " + std::string(s.name) + " while connecting; nothing was changed"), what);
            BOOST_TEST(interrupted_lines(result.err).size() == 1u, what);
        }
    }
    BOOST_TEST(t.probe.applied_versions() == versions{1});
}

// Many databases (--database twice): the first is held, the second waits its turn (--parallel 1).
// SIGTERM stops the one running cleanly, starts no other, and the run exits 143.
BOOST_AUTO_TEST_CASE(signal_sigterm_stops_a_fleet_and_starts_no_other_target) {
    cli_database_test t(strata::backend::sqlite);
    const auto other = temp_database::sqlite();
    database_probe other_probe(other.url());
    sqlite_file_holder holder(t.db.url(), "BEGIN IMMEDIATE");
    spawned_process p(strata_invocation(t, {"--database", other.url_text(), "--parallel", "1", "--lock-timeout", "60", "up"}));
    BOOST_TEST_REQUIRE(waits_for_busy_file(p, t.db.url().path()), p.err_so_far());
    const auto signalled = clock_type::now();
    p.send(SIGTERM);
    const auto result = p.wait();
    const std::string what = transcript(p, result, "");
    BOOST_TEST(result.exit_code == 143, what);
    BOOST_TEST(since(signalled) < 2000ms, what);
    // The label is padded to the longer of the two paths (their lengths vary).
    BOOST_TEST(matches(lines_of(result.out).at(0), t.db.url().path() + "  {*}exit 143  {*}interrupted by SIGTERM ({ms})"), what);
    BOOST_TEST(contains(result.out, "not started: stopped by SIGTERM"), what);
    BOOST_TEST(contains(result.out, "2 targets: 1 with exit 143, 1 not started; 0 units in all; exit 143\n"), what);
    BOOST_TEST(t.probe.applied_versions().empty(), what);
    BOOST_TEST(other_probe.applied_versions().empty(), what);
    BOOST_TEST(!other_probe.has_table("users"), what);
}

BOOST_AUTO_TEST_SUITE_END()
