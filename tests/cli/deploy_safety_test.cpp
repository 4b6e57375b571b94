// Safe for deploy pipelines (issue 3): one runner at a time, a run killed with -9 leaves every unit
// whole, bounded waits for the connection, the migration lock and table locks. Each test runs the
// built binary, several at once or killed mid-run, and reads the database back on a connection of
// its own.

#include "background_run.hpp"
#include "strata_cli.hpp"
#include "support/cli_spawn.hpp"
#include "support/waiting.hpp"
#include "support/schema_session.hpp"

#include <soci/soci.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <thread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace strata::test;
using namespace std::chrono_literals;
using versions = std::vector<std::int64_t>;

namespace {

// The PostgreSQL advisory lock strata takes, as the brief and the engine spell it.
const char* const advisory_lock_key = "1398034753, hashtext(current_schema() || '.strata_schema_history')";

const std::string unit_3_applied_pattern = "applied  3 add_profile_to_users ({ms})\n";

/// Runs of the audit table: (version, action, outcome), in the order they were written.
text_rows audit_log(const strata::database_url& url) {
    auto s = open_session(url);
    return query_text(*s, "SELECT CAST(version AS TEXT), action, outcome FROM strata_schema_log ORDER BY at, version");
}

/// How many audit rows say `version` was applied ('up', 'ok').
int applied_in_log(const text_rows& log, const std::string& version) {
    int n = 0;
    for (const auto& row : log.rows) n += row.at(0) == version && row.at(1) == "up" && row.at(2) == "ok";
    return n;
}

text_rows rows_of(std::vector<std::vector<std::optional<std::string>>> rows) { return {std::move(rows)}; }

const text_rows three_units_applied = rows_of({{"1", "up", "ok"}, {"2", "up", "ok"}, {"3", "up", "ok"}});

std::size_t count_of(const std::string& text, std::string_view needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
    return n;
}

/// The state of unit `version`'s history row ('applied', 'running'), if it has one.
std::optional<std::string> history_state(const cli_database_test& t, std::int64_t version) {
    if (!t.probe.has_table("strata_schema_history")) return std::nullopt;
    auto s = open_session(t.db.url());
    auto rows = query_text(*s, "SELECT state FROM strata_schema_history WHERE version = " + std::to_string(version));
    if (rows.size() != 1) return std::nullopt;
    return rows.rows.front().front();
}

/// PostgreSQL, where unit 3 is an online unit (README, "Online changes"): a killed or failed run
/// leaves its history row 'running' (interrupted: pending, finished by the next up).
bool unit_3_is_online(const cli_database_test& t) { return t.db.kind() == strata::backend::postgresql; }

/// Whether all of unit 3 is there: users.profile, and on PostgreSQL its foreign key (validated,
/// not left NOT VALID) and the unique constraint. Empty when it is, else what is missing.
std::string unit_3_missing(const cli_database_test& t) {
    if (!t.probe.has_table("users") || !t.probe.has_column("users", "profile")) return "no column users.profile";
    if (t.db.kind() != strata::backend::postgresql) return {};
    auto s = open_session(t.db.url());
    auto rows = query_text(*s, "SELECT conname::text, CAST(contype AS TEXT), CAST(convalidated AS TEXT) FROM pg_constraint "
                               "WHERE conrelid = 'users'::regclass AND conname IN ('users_profile_fkey', 'users_profile_key') "
                               "ORDER BY conname");
    const text_rows whole = rows_of({{"users_profile_fkey", "f", "true"}, {"users_profile_key", "u", "true"}});
    if (rows == whole) return {};
    std::ostringstream found;
    found << "users' constraints of unit 3 are not a validated foreign key and a unique constraint: " << rows;
    return found.str();
}

// ---------------------------------------------------------------------------------------------
// Holding what strata waits for.

/// PostgreSQL: a session of the test's own, with its application name set so strata can name it.
std::unique_ptr<soci::session> named_session(const strata::database_url& url, const std::string& application) {
    auto s = open_session(url);
    *s << "SET application_name = '" + application + "'";
    return s;
}

int backend_pid(soci::session& s) { return std::stoi(query_value(s, "SELECT CAST(pg_backend_pid() AS TEXT)").value()); }

/// SQLite: an exclusive flock on "<database>-strata.lock", as another strata run would hold it.
class lock_file_holder {
public:
    lock_file_holder(const std::string& path, const std::string& who) {
        fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0) throw std::runtime_error("cannot open " + path);
        if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) throw std::runtime_error("cannot lock " + path + ": someone holds it");
        if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, who.data(), who.size(), 0) != static_cast<ssize_t>(who.size()))
            throw std::runtime_error("cannot write " + path);
    }
    ~lock_file_holder() { release(); }
    lock_file_holder(const lock_file_holder&) = delete;
    lock_file_holder& operator=(const lock_file_holder&) = delete;
    void release() {
        if (fd_ < 0) return;
        ::flock(fd_, LOCK_UN);
        ::close(fd_);
        fd_ = -1;
    }

private:
    int fd_ = -1;
};

std::string lock_file_of(const cli_database_test& t) { return t.db.url().path() + "-strata.lock"; }

std::string first_line_of_file(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

/// Holds what unit 3 needs, from another connection: on PostgreSQL an ACCESS EXCLUSIVE lock on
/// users inside an open transaction, on SQLite the write lock (BEGIN IMMEDIATE).
class users_blocker {
public:
    explicit users_blocker(const strata::database_url& url) : session_(named_session_for(url)) {
        if (url.kind() == strata::backend::postgresql) {
            *session_ << "BEGIN";
            *session_ << "LOCK TABLE users IN ACCESS EXCLUSIVE MODE";
        } else {
            *session_ << "BEGIN IMMEDIATE";
        }
        open_ = true;
    }
    ~users_blocker() {
        try {
            release();
        } catch (...) {
        }
    }
    /// ROLLBACK, or COMMIT: the lock goes either way.
    void release(bool commit = false) {
        if (!open_) return;
        open_ = false;
        *session_ << (commit ? "COMMIT" : "ROLLBACK");
    }

private:
    static std::unique_ptr<soci::session> named_session_for(const strata::database_url& url) {
        return url.kind() == strata::backend::postgresql ? named_session(url, "deploy_safety_blocker") : open_session(url);
    }
    std::unique_ptr<soci::session> session_;
    bool open_ = false;
};

/// PostgreSQL: the backend pid of a strata session waiting for a lock on users, if there is one.
std::optional<int> strata_waiting_on_users(soci::session& observer) {
    auto rows = query_text(observer,
                           "SELECT CAST(a.pid AS TEXT) FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid "
                           "WHERE a.datname = current_database() AND a.application_name = 'strata' AND NOT l.granted "
                           "AND l.locktype = 'relation' AND l.relation = 'users'::regclass");
    if (rows.size() != 1) return std::nullopt;
    return std::stoi(rows.rows.front().front().value());
}

/// PostgreSQL: the backend pid of the session holding strata's advisory lock, if any.
std::optional<int> advisory_lock_holder(soci::session& observer) {
    auto rows = query_text(observer,
                           "SELECT CAST(pid AS TEXT) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                           "AND classid = 1398034753 AND objsubid = 2 "
                           "AND objid = (hashtext(current_schema() || '.strata_schema_history'))::oid "
                           "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
    if (rows.size() != 1) return std::nullopt;
    return std::stoi(rows.rows.front().front().value());
}

/// Linux: whether the process sleeps in nanosleep/clock_nanosleep right now (SQLite's busy
/// handler waits that way; strata after taking its lock sleeps nowhere else).
bool sleeping_in_nanosleep(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/syscall");
    std::string number;
    in >> number;
    return number == "35" || number == "230";
}

/// Waits until `p` (a strata up) is blocked on what users_blocker holds: PostgreSQL, its backend
/// waits for the lock on users; SQLite, it holds the migration lock file and sleeps in SQLite's
/// busy handler. Returns a description of what was seen, empty if it never got there.
std::string wait_until_blocked_on_users(const cli_database_test& t, spawned_process& p) {
    std::string seen;
    if (t.db.kind() == strata::backend::postgresql) {
        auto observer = open_session(t.db.url());
        bool blocked = eventually(
            [&] {
                if (auto pid = strata_waiting_on_users(*observer)) {
                    seen = "strata backend pid " + std::to_string(*pid) + " waits for a lock on users: " +
                           query_value(*observer, "SELECT query FROM pg_stat_activity WHERE pid = " + std::to_string(*pid))
                               .value_or("?");
                    return true;
                }
                return !p.running();
            },
            20s);
        return blocked && p.running() ? seen : std::string();
    }
    const std::string path = lock_file_of(t);
    const std::string mine = "pid " + std::to_string(p.pid()) + ",";
    bool blocked = eventually(
        [&] {
            if (!p.running()) return true;
            // Twice in a row, 10 ms apart: a single sample could catch some other short sleep.
            if (first_line_of_file(path).rfind(mine, 0) != 0 || !sleeping_in_nanosleep(p.pid())) return false;
            std::this_thread::sleep_for(10ms);
            return sleeping_in_nanosleep(p.pid());
        },
        20s);
    if (!blocked || !p.running()) return {};
    return "strata pid " + std::to_string(p.pid()) + " holds " + path + " (\"" + first_line_of_file(path) +
           "\") and sleeps in SQLite's busy handler";
}

// ---------------------------------------------------------------------------------------------
// A TCP server that accepts connections and never says a word.

class silent_server {
public:
    silent_server() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) throw std::runtime_error("socket");
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = 0;
        socklen_t size = sizeof address;
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd_, 16) != 0 ||
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
            ::close(fd_);
            throw std::runtime_error("cannot listen on 127.0.0.1");
        }
        port_ = ntohs(address.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~silent_server() {
        stop_ = true;
        thread_.join();
        for (int c : clients_) ::close(c);
        ::close(fd_);
    }
    silent_server(const silent_server&) = delete;
    silent_server& operator=(const silent_server&) = delete;

    int port() const noexcept { return port_; }
    int accepted() const noexcept { return accepted_; }

private:
    void serve() {
        while (!stop_) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 20) <= 0) continue;
            int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (client < 0) continue;
            clients_.push_back(client);  // kept open, never read, never answered
            ++accepted_;
        }
    }

    int fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<int> accepted_{0};
    std::vector<int> clients_;  // touched by the thread only until join
    std::thread thread_;
};

namespace scenario {

// ---------------------------------------------------------------------------------------------
// 1. One runner at a time.

void eight_concurrent_ups_apply_each_unit_exactly_once(strata::backend b) {
    constexpr int repetitions = 10;
    constexpr int runners = 8;
    const auto whole = clock_type::now();
    int waited_total = 0;
    for (int rep = 1; rep <= repetitions; ++rep) {
        BOOST_TEST_CONTEXT("repetition " << rep << " of " << repetitions) {
            cli_database_test t(b);
            const std::string password = t.db.url().password();
            const auto start = clock_type::now();
            std::vector<std::unique_ptr<spawned_process>> ps;
            for (int i = 0; i < runners; ++i) ps.push_back(std::make_unique<spawned_process>(strata_invocation(t, {"up"})));
            std::vector<process_result> results;
            for (auto& p : ps) results.push_back(p->wait());
            const auto took = since(start);

            int appliers = 0, waited = 0;
            std::vector<std::string> applied_lines;  // "applied  N name" of every run, durations cut off
            for (int i = 0; i < runners; ++i) {
                const auto& r = results[i];
                const std::string what = transcript(*ps[i], r, password);
                BOOST_TEST(r.exit_code == 0, what);
                BOOST_TEST(!r.timed_out, what);
                BOOST_TEST(r.signal == 0, what);
                BOOST_TEST((password.empty() || (!contains(r.out, password) && !contains(r.err, password))), what);
                // Exactly one of them applies the three units; the others find nothing to do.
                const bool applied = matches(r.out, "applied  1 create_users ({ms})\n"
                                                    "applied  2 create_user_profiles ({ms})\n"
                                                    "applied  3 add_profile_to_users ({ms})\n"
                                                    "3 units applied to " + t.shown_url() + " in {ms}\n");
                const bool nothing = r.out == "nothing to do: " + t.shown_url() + " is up to date\n";
                BOOST_TEST((applied || nothing), "neither applied all three units nor had nothing to do" << what);
                appliers += applied;
                for (const auto& line : lines_of(r.out))
                    if (line.rfind("applied  ", 0) == 0) applied_lines.push_back(line.substr(0, line.find(" (", 9)));
                // stderr holds at most the waiting notice: no error, no retry.
                for (const auto& line : lines_of(r.err))
                    BOOST_TEST(matches(line, "strata: waiting for the migration lock, held by {*}"), what);
                waited += contains(r.err, "waiting for the migration lock");
            }
            BOOST_TEST(appliers == 1);
            std::sort(applied_lines.begin(), applied_lines.end());
            BOOST_TEST(applied_lines == (std::vector<std::string>{"applied  1 create_users", "applied  2 create_user_profiles",
                                                                  "applied  3 add_profile_to_users"}),
                       boost::test_tools::per_element());
            // What the database says, read back on a connection of our own.
            BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
            BOOST_TEST(audit_log(t.db.url()) == three_units_applied);
            BOOST_TEST(t.probe.has_table("users"));
            BOOST_TEST(t.probe.has_table("user_profiles"));
            BOOST_TEST(t.probe.has_column("users", "profile"));
            waited_total += waited;
            BOOST_TEST_MESSAGE(to_string(b) << ": repetition " << rep << ": " << runners << " concurrent `strata up`, "
                                            << appliers << " applied the units, " << waited
                                            << " printed the waiting notice, all done in " << took.count() << " ms");
        }
    }
    BOOST_TEST_MESSAGE(to_string(b) << ": " << repetitions << " repetitions of " << runners << " concurrent `strata up` in "
                                    << since(whole).count() << " ms; " << waited_total << " runs waited for the lock");
}

// ---------------------------------------------------------------------------------------------
// 2. Lock timeout, and a lock released while strata waits for it.

/// Holds the migration lock as another strata run would: PostgreSQL, the advisory lock on a
/// session of ours; SQLite, the flock on the lock file with a line saying who we are.
struct migration_lock_holder {
    migration_lock_holder(const cli_database_test& t, const std::string& who) {
        if (t.db.kind() == strata::backend::postgresql) {
            session = named_session(t.db.url(), "deploy_safety_test");
            *session << std::string("SELECT pg_advisory_lock(") + advisory_lock_key + ")";
            pid = backend_pid(*session);
            // What strata must print: who holds the lock, from pg_stat_activity.
            expected_holder = "pid " + std::to_string(pid) + ", application 'deploy_safety_test', from ";
        } else {
            file = std::make_unique<lock_file_holder>(lock_file_of(t), who + "\n");
            pid = ::getpid();
            expected_holder = who;
        }
    }
    void release() {
        if (session) *session << std::string("SELECT pg_advisory_unlock(") + advisory_lock_key + ")";
        if (file) file->release();
    }

    std::unique_ptr<soci::session> session;
    std::unique_ptr<lock_file_holder> file;
    int pid = 0;
    std::string expected_holder;
};

std::string holder_line() {
    return "pid " + std::to_string(::getpid()) + ", user deploy-safety-test, since 2024-05-01T12:00:00Z";
}

// up with nothing to do is told from the history as committed, without the migration lock: the
// instances of a deploy that each run up at start do not queue behind the one holding it (nor
// behind a long online unit of another run). With a unit to apply, up still waits.
void up_with_nothing_to_do_does_not_wait_for_the_migration_lock(strata::backend b) {
    cli_database_test t(b);
    BOOST_TEST_REQUIRE(t.run({"up"}).exit_code == 0);
    BOOST_TEST_REQUIRE(t.run({"down"}).exit_code == 0);  // unit 3 pending
    migration_lock_holder holder(t, holder_line());

    auto r = t.run({"up", "--to", "2", "--lock-timeout", "1"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(r.out == "nothing to do: " + t.shown_url() + " is up to date up to version 2\n", r);
    BOOST_TEST(r.err == "", r);
    if (b == strata::backend::postgresql) {
        r = t.run({"up", "--to", "2", "--atomic", "--lock-timeout", "1"});
        BOOST_TEST(r.exit_code == 0, r);
        BOOST_TEST(r.err == "", r);
    }

    // Unit 3 to apply: it waits for the lock as before, and applies nothing.
    r = t.run({"up", "--lock-timeout", "1"});
    BOOST_TEST(r.exit_code == 5, r);
    BOOST_TEST(contains(r.err, "another strata run holds the migration lock"), r);
    BOOST_TEST((t.probe.applied_versions() == std::vector<std::int64_t>{1, 2}));
}

void up_exits_5_when_the_lock_stays_held_past_lock_timeout(strata::backend b) {
    cli_database_test t(b);
    migration_lock_holder holder(t, holder_line());

    const auto start = clock_type::now();
    auto r = t.run({"up", "--lock-timeout", "1"});
    const auto took = since(start);
    BOOST_TEST(r.exit_code == 5, r);
    BOOST_TEST(took >= 1000ms, "gave up before --lock-timeout: " << took.count() << " ms" << r);
    BOOST_TEST(took < 4000ms, "took " << took.count() << " ms" << r);
    BOOST_TEST(r.out == "", r);
    BOOST_TEST(contains(r.err, "strata: waiting for the migration lock, held by " + holder.expected_holder), r);
    BOOST_TEST(contains(r.err, "strata: error: " + t.shown_url() + ": another strata run holds the migration lock (" +
                                   holder.expected_holder),
               r);
    BOOST_TEST(contains(r.err, "; gave up after 1 s (--lock-timeout)\n"), r);
    if (b == strata::backend::postgresql)
        BOOST_TEST(matches(r.err, "strata: waiting for the migration lock, held by " + holder.expected_holder +
                                      "127.0.0.1, connected since {ts}\n{*}\n"),
                   r);
    // Nothing applied.
    BOOST_TEST(t.probe.applied_versions().empty());
    BOOST_TEST(!t.probe.has_table("users"));
    if (t.probe.has_table("strata_schema_log")) BOOST_TEST(t.probe.row_count("strata_schema_log") == 0);

    // The same with the option before the command, in JSON.
    r = t.run({"--lock-timeout", "0.5", "--json", "up"});
    BOOST_TEST(r.exit_code == 5, r);
    BOOST_TEST(contains(r.out, "\"exit_code\": 5"), r);
    BOOST_TEST(t.probe.applied_versions().empty());
}

void up_proceeds_when_the_lock_is_released_while_it_waits(strata::backend b) {
    cli_database_test t(b);
    migration_lock_holder holder(t, holder_line());

    spawned_process p(strata_invocation(t, {"up", "--lock-timeout", "10"}, 30s));
    const bool waiting = eventually([&] { return contains(p.err_so_far(), "waiting for the migration lock") || !p.running(); }, 10s);
    BOOST_TEST_REQUIRE(waiting, "no waiting notice within 10 s; stderr so far: " << p.err_so_far());
    BOOST_TEST_REQUIRE(p.running(), "strata ended although the lock is held; stderr: " << p.err_so_far());
    // Still waiting a little later, and nothing applied meanwhile.
    std::this_thread::sleep_for(300ms);
    BOOST_TEST_REQUIRE(p.running(), "strata ended although the lock is held; stderr: " << p.err_so_far());
    BOOST_TEST(t.probe.applied_versions().empty());
    const auto released_after = p.elapsed();
    holder.release();

    auto r = p.wait();
    const std::string what = transcript(p, r, t.db.url().password());
    BOOST_TEST(r.exit_code == 0, what);
    BOOST_TEST(matches(r.err, "strata: waiting for the migration lock, held by " + holder.expected_holder + "{*}\n"), what);
    BOOST_TEST(matches(r.out, "applied  1 create_users ({ms})\n"
                              "applied  2 create_user_profiles ({ms})\n"
                              "applied  3 add_profile_to_users ({ms})\n"
                              "3 units applied to " + t.shown_url() + " in {ms}\n"),
               what);
    // It went on soon after the release, not at the end of --lock-timeout.
    BOOST_TEST(p.elapsed() < released_after + 3000ms, what);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(audit_log(t.db.url()) == three_units_applied);
}

/// A second run names the first: a real strata run holds the lock (blocked on users, so it keeps it).
void wait_notice_names_the_strata_run_holding_the_lock(strata::backend b) {
    cli_database_test t(b);
    auto r = t.run({"up", "--to", "2"});
    BOOST_TEST_REQUIRE(r.exit_code == 0, r);

    users_blocker blocker(t.db.url());
    spawned_process first(strata_invocation(t, {"up", "--ddl-lock-timeout", "60"}));
    const std::string blocked = wait_until_blocked_on_users(t, first);
    BOOST_TEST_REQUIRE(!blocked.empty(), "the first run never blocked on users; stderr: " << first.err_so_far());

    std::string holder;
    if (b == strata::backend::postgresql) {
        auto observer = open_session(t.db.url());
        auto pid = advisory_lock_holder(*observer);
        BOOST_TEST_REQUIRE(pid.has_value(), "nobody holds the advisory lock");
        holder = "pid " + std::to_string(*pid) + ", application 'strata', from 127.0.0.1, connected since {ts}";
    } else {
        holder = "pid " + std::to_string(first.pid()) + ", user {*}, since {ts}";
    }
    r = t.run({"up", "--lock-timeout", "1"});
    BOOST_TEST(r.exit_code == 5, r);
    BOOST_TEST(matches(r.err, "strata: waiting for the migration lock, held by " + holder + "\n"
                              "strata: error: " + t.shown_url() + ": another strata run holds the migration lock (" + holder +
                              "); gave up after 1 s (--lock-timeout)\n"),
               r);

    blocker.release();
    auto done = first.wait();
    const std::string what = transcript(first, done, t.db.url().password());
    BOOST_TEST(done.exit_code == 0, what);
    BOOST_TEST(matches(done.out, unit_3_applied_pattern + "1 unit applied to " + t.shown_url() + " in {ms}\n"), what);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(applied_in_log(audit_log(t.db.url()), "3") == 1);
}

/// PostgreSQL: waits until no strata session is left on the database (a killed client's backend
/// finishes its statement first, and a COMMIT it received still commits), so what is read next
/// stays true.
/// Empty when they did, else what is left.
std::string strata_sessions_left(const cli_database_test& t) {
    if (t.db.kind() != strata::backend::postgresql) return {};
    auto observer = named_session(t.db.url(), "deploy_safety_observer");  // a test session is 'strata' too
    const std::string sql =
        "SELECT CAST(pid AS TEXT), coalesce(state, ''), coalesce(wait_event_type, ''), coalesce(wait_event, ''), "
        "CAST(now() - state_change AS TEXT), query FROM pg_stat_activity "
        "WHERE datname = current_database() AND application_name = 'strata' AND pid <> pg_backend_pid()";
    if (eventually([&] { return query_text(*observer, sql).size() == 0; }, 20s)) return {};
    std::ostringstream left;
    left << query_text(*observer, sql);
    return left.str();
}

// ---------------------------------------------------------------------------------------------
// 3. Crash consistency: kill -9 while unit 3 waits.

void run_killed_while_unit_3_waits_leaves_it_unapplied_and_the_next_up_applies_it(strata::backend b) {
    constexpr int repetitions = 5;
    for (int rep = 1; rep <= repetitions; ++rep) {
        BOOST_TEST_CONTEXT("repetition " << rep << " of " << repetitions) {
            cli_database_test t(b);
            auto r = t.run({"up", "--to", "2"});
            BOOST_TEST_REQUIRE(r.exit_code == 0, r);

            users_blocker blocker(t.db.url());
            spawned_process p(strata_invocation(t, {"up", "--ddl-lock-timeout", "60"}));
            const std::string blocked = wait_until_blocked_on_users(t, p);
            BOOST_TEST_REQUIRE(!blocked.empty(), "strata never blocked on users; stderr: " << p.err_so_far());
            p.send(SIGKILL);
            auto killed = p.wait();
            const std::string what = transcript(p, killed, t.db.url().password());
            BOOST_TEST(killed.signal == SIGKILL, what);
            BOOST_TEST(!killed.timed_out, what);
            BOOST_TEST(!contains(killed.out, "applied  3"), what);
            blocker.release();
            // PostgreSQL: the killed run's backend may still finish the statement it waited in.
            const std::string left = strata_sessions_left(t);
            BOOST_TEST_REQUIRE(left.empty(), "the killed run's session stayed 20 s after the kill: " << left << what);

            // Unit 3 not applied, and units 1 and 2 untouched.
            if (unit_3_is_online(t)) {
                // Its steps commit one by one: it was killed in one of them, so its row says
                // 'running' (status: pending) and whatever of its steps ran is there.
                BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
                BOOST_TEST(history_state(t, 3) == std::optional<std::string>("running"));
                auto status = t.run({"status"});
                BOOST_TEST(contains(status.out, "       3  add_profile_to_users  pending "), status);
                BOOST_TEST(!contains(status.out, "dirty"), status);
            } else {
                BOOST_TEST(t.probe.applied_versions() == (versions{1, 2}), boost::test_tools::per_element());
                BOOST_TEST(!t.probe.has_column("users", "profile"), "unit 3's column exists after the kill");
            }
            BOOST_TEST(history_state(t, 1) == std::optional<std::string>("applied"));
            BOOST_TEST(history_state(t, 2) == std::optional<std::string>("applied"));
            BOOST_TEST(t.probe.has_table("user_profiles"));
            auto log = audit_log(t.db.url());
            BOOST_TEST(applied_in_log(log, "3") == 0, log);
            BOOST_TEST(applied_in_log(log, "1") == 1, log);
            BOOST_TEST(applied_in_log(log, "2") == 1, log);
            const bool had_column = t.probe.has_column("users", "profile");

            // The next run needs no manual step.
            r = t.run({"up"});
            BOOST_TEST(r.exit_code == 0, r);
            BOOST_TEST(matches(r.out, unit_3_applied_pattern + "1 unit applied to " + t.shown_url() + " in {ms}\n"), r);
            BOOST_TEST(contains(r.err, "resuming unit 3 add_profile_to_users") == unit_3_is_online(t), r);
            BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
            BOOST_TEST(history_state(t, 3) == std::optional<std::string>("applied"));
            BOOST_TEST(unit_3_missing(t) == "");
            log = audit_log(t.db.url());
            BOOST_TEST(applied_in_log(log, "3") == 1, log);
            BOOST_TEST_MESSAGE(to_string(b) << ": kill repetition " << rep << ": " << blocked << "; SIGKILL after "
                                            << p.elapsed().count() << " ms; afterwards unit 3 "
                                            << (unit_3_is_online(t) ? "interrupted ('running')" : "not recorded")
                                            << (had_column ? ", its column there" : ", no column") << "; next up: exit "
                                            << r.exit_code << (contains(r.err, "waiting for the migration lock")
                                                                    ? " (after waiting for the killed run's lock)"
                                                                    : ""));
        }
    }
}

/// Each unit is either applied, recorded and audited, or none of the three; except that on
/// PostgreSQL unit 3 (an online unit) may also be interrupted: recorded 'running', not audited,
/// with whatever of its steps ran. Returns the versions found applied, and whether unit 3 was
/// found interrupted.
struct units_found {
    versions applied;
    bool interrupted = false;
};

units_found check_each_unit_whole(const cli_database_test& t) {
    const versions history = t.probe.applied_versions();
    const bool has_log = t.probe.has_table("strata_schema_log");
    const text_rows log = has_log ? audit_log(t.db.url()) : text_rows{};
    const bool effect[] = {t.probe.has_table("users"), t.probe.has_table("user_profiles"), unit_3_missing(t).empty()};
    units_found found;
    for (std::int64_t v = 1; v <= 3; ++v) {
        const bool recorded = std::find(history.begin(), history.end(), v) != history.end();
        const auto state = history_state(t, v);
        const int audited = applied_in_log(log, std::to_string(v));
        BOOST_TEST_CONTEXT("unit " << v << "; history rows " << history.size() << "; state "
                                   << state.value_or("(none)") << "; audit log " << log) {
            if (recorded && state == "running" && v == 3 && unit_3_is_online(t)) {
                found.interrupted = true;
                BOOST_TEST(audited == 0, "an interrupted unit was audited as applied");
                continue;
            }
            BOOST_TEST((!recorded || state == "applied"), "a unit that cannot be resumed was left 'running'");
            if (v == 3)
                BOOST_TEST(effect[v - 1] == recorded, "the unit's schema change and its history row disagree: " << unit_3_missing(t));
            else
                BOOST_TEST(effect[v - 1] == recorded, "the unit's schema change and its history row disagree");
            BOOST_TEST(audited == (recorded ? 1 : 0), "the unit's audit row and its history row disagree");
            if (recorded) found.applied.push_back(v);
        }
    }
    return found;
}

void run_killed_at_any_moment_leaves_every_unit_whole(strata::backend b) {
    // How long a whole first `up` takes here, process start to exit: the kills spread over it.
    std::chrono::milliseconds whole_run{};
    {
        cli_database_test t(b);
        spawned_process p(strata_invocation(t, {"up"}));
        auto r = p.wait();
        BOOST_TEST_REQUIRE(r.exit_code == 0, transcript(p, r, t.db.url().password()));
        whole_run = p.elapsed();
    }
    // Process start-up takes much of a run: kills land from a fifth of it to a little past its end.
    constexpr int repetitions = 16;
    std::map<std::string, int> outcomes;  // units applied when killed (and unit 3 interrupted) -> how often
    int finished_before_the_kill = 0;
    for (int rep = 0; rep < repetitions; ++rep) {
        const auto delay = whole_run / 5 + whole_run * rep / repetitions;
        BOOST_TEST_CONTEXT("kill after " << delay.count() << " ms of a " << whole_run.count() << " ms run") {
            cli_database_test t(b);
            spawned_process p(strata_invocation(t, {"up"}));
            std::this_thread::sleep_for(delay);  // the point of the test: an arbitrary moment
            p.send(SIGKILL);
            auto killed = p.wait();
            const std::string what = transcript(p, killed, t.db.url().password());
            BOOST_TEST(!killed.timed_out, what);
            BOOST_TEST((killed.signal == SIGKILL || killed.exit_code == 0), what);
            finished_before_the_kill += killed.exit_code == 0;
            const std::string left = strata_sessions_left(t);
            BOOST_TEST_REQUIRE(left.empty(), "the killed run's session stayed 20 s after the kill: " << left << what);

            const auto before = check_each_unit_whole(t);
            ++outcomes[std::to_string(before.applied.size()) + " applied" + (before.interrupted ? " + 3 interrupted" : "")];

            auto r = t.run({"up"});
            BOOST_TEST(r.exit_code == 0, r);
            BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
            const auto after = check_each_unit_whole(t);
            BOOST_TEST(after.applied == (versions{1, 2, 3}), boost::test_tools::per_element());
            BOOST_TEST(!after.interrupted);
            // The next run applied exactly what the killed one had not, finishing an interrupted unit 3.
            BOOST_TEST(count_of(r.out, "applied  ") == 3 - before.applied.size(), r);
            BOOST_TEST(contains(r.err, "resuming unit 3 add_profile_to_users") == before.interrupted, r);
        }
    }
    std::ostringstream text;
    for (const auto& [found, times] : outcomes) text << " " << times << "x " << found << ";";
    BOOST_TEST_MESSAGE(to_string(b) << ": " << repetitions << " runs killed with SIGKILL at " << (whole_run / 5).count() << ".."
                                    << (whole_run / 5 + whole_run * (repetitions - 1) / repetitions).count() << " ms of a "
                                    << whole_run.count() << " ms run (" << finished_before_the_kill << " had finished); found:" << text.str()
                                    << " every unit whole, the next up completed each time");
}

}  // namespace scenario
}  // namespace

STRATA_CLI_TEST_ON_EACH_DATABASE(run_killed_at_any_moment_leaves_every_unit_whole)
STRATA_CLI_TEST_ON_EACH_DATABASE(eight_concurrent_ups_apply_each_unit_exactly_once)
STRATA_CLI_TEST_ON_EACH_DATABASE(up_with_nothing_to_do_does_not_wait_for_the_migration_lock)
STRATA_CLI_TEST_ON_EACH_DATABASE(up_exits_5_when_the_lock_stays_held_past_lock_timeout)
STRATA_CLI_TEST_ON_EACH_DATABASE(up_proceeds_when_the_lock_is_released_while_it_waits)
STRATA_CLI_TEST_ON_EACH_DATABASE(wait_notice_names_the_strata_run_holding_the_lock)
STRATA_CLI_TEST_ON_EACH_DATABASE(run_killed_while_unit_3_waits_leaves_it_unapplied_and_the_next_up_applies_it)

BOOST_AUTO_TEST_SUITE(sqlite)

// The lock is the database file's, however a URL spells it: a run through a symbolic link, by a
// relative path, waits for the lock a run by the real path holds (each used to take a lock file of
// its own, next to the name it was given).
BOOST_AUTO_TEST_CASE(another_spelling_of_the_database_waits_for_the_same_lock) {
    cli_database_test t(strata::backend::sqlite);
    BOOST_TEST_REQUIRE(t.run({"up", "--to", "1"}).exit_code == 0);
    std::filesystem::create_symlink(t.db.url().path(), t.cli.working_directory() / "link.db");
    scenario::migration_lock_holder holder(t, scenario::holder_line());
    auto r = t.cli.run({"--database", "sqlite:link.db", "up", "--lock-timeout", "1"});
    BOOST_TEST(r.exit_code == 5, r);
    BOOST_TEST(contains(r.err, "another strata run holds the migration lock (" + holder.expected_holder), r);
    BOOST_TEST(!std::filesystem::exists(t.cli.working_directory() / "link.db-strata.lock"), r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1}), boost::test_tools::per_element());
    holder.release();
    r = t.cli.run({"--database", "sqlite:link.db", "up"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(postgresql)

// ---------------------------------------------------------------------------------------------
// 4. Bounded waits for the connection.

BOOST_AUTO_TEST_CASE(connect_timeout_bounds_a_server_that_never_answers) {
    silent_server server;
    strata_cli cli;
    cli.forbid_in_output("Sup3rS3cret");
    const std::string url = "postgresql://app:Sup3rS3cret@127.0.0.1:" + std::to_string(server.port()) + "/db";
    const auto start = clock_type::now();
    auto r = cli.run({"--database", url, "--connect-timeout", "1", "up"});
    const auto took = since(start);
    BOOST_TEST(r.exit_code == 3, r);
    BOOST_TEST(server.accepted() >= 1, "strata never connected to the silent server" << r);
    BOOST_TEST(took >= 900ms, "gave up before the connect timeout: " << took.count() << " ms" << r);
    BOOST_TEST(took < 3500ms, "took " << took.count() << " ms" << r);
    BOOST_TEST(r.out == "", r);
    BOOST_TEST(contains(r.err, "strata: error: postgresql://app:***@127.0.0.1:" + std::to_string(server.port()) +
                                   "/db: cannot connect: "),
               r);
    BOOST_TEST(contains(r.err, "timeout"), r);
}

// Issue 12: $PGCONNECT_TIMEOUT replaces the 10 s default (libpq waits at least 2 s)...
BOOST_AUTO_TEST_CASE(pgconnect_timeout_replaces_the_default_connect_timeout) {
    silent_server server;
    strata_cli cli;
    cli.set_env("PGCONNECT_TIMEOUT", "2");
    const std::string url = "postgresql://app@127.0.0.1:" + std::to_string(server.port()) + "/db";
    const auto start = clock_type::now();
    auto r = cli.run({"--database", url, "status"});
    const auto took = since(start);
    BOOST_TEST(r.exit_code == 3, r);
    BOOST_TEST(server.accepted() >= 1, "strata never connected to the silent server" << r);
    BOOST_TEST(took >= 1900ms, "gave up before PGCONNECT_TIMEOUT: " << took.count() << " ms" << r);
    BOOST_TEST(took < 5000ms, "took " << took.count() << " ms: the default 10 s won over PGCONNECT_TIMEOUT" << r);
    BOOST_TEST(contains(r.err, "timeout"), r);
}

// ...and --connect-timeout beats it.
BOOST_AUTO_TEST_CASE(connect_timeout_option_beats_pgconnect_timeout) {
    silent_server server;
    strata_cli cli;
    cli.set_env("PGCONNECT_TIMEOUT", "30");
    const std::string url = "postgresql://app@127.0.0.1:" + std::to_string(server.port()) + "/db";
    const auto start = clock_type::now();
    auto r = cli.run({"--database", url, "--connect-timeout", "1", "status"});
    const auto took = since(start);
    BOOST_TEST(r.exit_code == 3, r);
    BOOST_TEST(took < 3500ms, "took " << took.count() << " ms: PGCONNECT_TIMEOUT won over --connect-timeout" << r);
}

BOOST_AUTO_TEST_CASE(wait_retries_connecting_for_the_given_seconds_without_printing_the_password) {
    strata_cli cli;
    cli.forbid_in_output("Sup3rS3cret");
    const auto start = clock_type::now();
    auto r = cli.run({"--database", "postgresql://app:Sup3rS3cret@127.0.0.1:1/db", "--wait", "2", "up"});
    const auto took = since(start);
    BOOST_TEST(r.exit_code == 3, r);
    BOOST_TEST(took >= 2000ms, "gave up after " << took.count() << " ms, before --wait 2 ran out" << r);
    BOOST_TEST(took < 6000ms, "took " << took.count() << " ms" << r);
    BOOST_TEST(r.out == "", r);
    BOOST_TEST(count_of(r.err, "strata: cannot connect yet (") >= 1, r);
    BOOST_TEST(count_of(r.err, "retrying in ") >= 1, r);
    BOOST_TEST(contains(r.err, "strata: error: postgresql://app:***@127.0.0.1:1/db: cannot connect: "), r);
    // Every line is a retry notice or the final error.
    for (const auto& line : lines_of(r.err))
        BOOST_TEST((matches(line, "strata: cannot connect yet ({*}); retrying in {*} (--wait)") ||
                    matches(line, "strata: error: postgresql://app:***@127.0.0.1:1/db: cannot connect: {*}")),
                   line << r);
}

// ---------------------------------------------------------------------------------------------
// 5. A unit waits at most --ddl-lock-timeout for a table lock, then is retried. Unit 3 is an online
// unit on PostgreSQL: each of its steps commits on its own, so nothing is rolled back; it starts
// again from its first step (each step checks what is already done).

BOOST_AUTO_TEST_CASE(unit_that_times_out_on_a_table_lock_is_retried_and_applied_once) {
    cli_database_test t(strata::backend::postgresql);
    auto r = t.run({"up", "--to", "2"});
    BOOST_TEST_REQUIRE(r.exit_code == 0, r);

    users_blocker blocker(t.db.url());
    // The default budget (tries until 120 s after the first), 0.3 s a try.
    spawned_process p(strata_invocation(t, {"up", "--ddl-lock-timeout", "0.3"}));
    // Hold the lock through several timeouts (2 s), then let go: a later attempt succeeds.
    const bool retried = eventually([&] { return contains(p.err_so_far(), "retrying in ") || !p.running(); }, 15s);
    std::this_thread::sleep_for(2s);
    const bool still_running = p.running();
    const auto held_for = p.elapsed();
    blocker.release(true);
    BOOST_TEST_REQUIRE(retried, "no retry notice; stderr: " << p.err_so_far());
    BOOST_TEST_REQUIRE(still_running, "strata ended while the lock was held; stderr: " << p.err_so_far());

    auto done = p.wait();
    const std::string what = transcript(p, done, t.db.url().password());
    BOOST_TEST(done.exit_code == 0, what);
    const std::string notice = "strata: unit 3 add_profile_to_users waited longer than 300 ms for a lock while executing: ALTER TABLE \"users\"";
    // Said once (then every 5 s), not once per try.
    BOOST_TEST(count_of(done.err, notice) == 1, what);
    BOOST_TEST(contains(done.err, " ms (attempt 2, retrying for up to 120 s)\n"), what);
    BOOST_TEST(!contains(done.err, "rolled back"), "an online unit has nothing to roll back" << what);
    BOOST_TEST(!contains(done.err, "error"), what);
    BOOST_TEST(matches(done.out, unit_3_applied_pattern + "1 unit applied to " + t.shown_url() + " in {ms}\n"), what);
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(history_state(t, 3) == std::optional<std::string>("applied"));
    BOOST_TEST(unit_3_missing(t) == "");
    BOOST_TEST(audit_log(t.db.url()) == three_units_applied);
    BOOST_TEST_MESSAGE("lock on users held for " << held_for.count() << " ms; strata applied unit 3 after "
                                                 << p.elapsed().count() << " ms");
}

BOOST_AUTO_TEST_CASE(unit_still_locked_after_its_retries_fails_with_55P03_and_the_next_up_finishes_it) {
    cli_database_test t(strata::backend::postgresql);
    auto r = t.run({"up", "--to", "2"});
    BOOST_TEST_REQUIRE(r.exit_code == 0, r);

    users_blocker blocker(t.db.url());
    const auto start = clock_type::now();
    r = t.run({"up", "--ddl-lock-timeout", "0.2", "--ddl-lock-retries", "3"});
    const auto took = since(start);
    BOOST_TEST(r.exit_code == 1, r);
    // Four attempts of 0.2 s with short pauses between them.
    BOOST_TEST(took >= 800ms, "took " << took.count() << " ms" << r);
    BOOST_TEST(took < 10000ms, "took " << took.count() << " ms" << r);
    BOOST_TEST(count_of(r.err, "strata: unit 3 add_profile_to_users waited longer than 200 ms for a lock while executing: ") == 1,
               r);
    BOOST_TEST(contains(r.err, " ms (attempt 2 of 4)\n"), r);
    BOOST_TEST(!contains(r.err, "; rolled back, retrying"), "an online unit has nothing to roll back" << r);
    BOOST_TEST(contains(r.err, "strata: error: unit 3 add_profile_to_users (up) failed on " + t.shown_url() + ": "), r);
    // PostgreSQL's lock timeout names nobody: the failure says who held the lock, as the notices did.
    BOOST_TEST(contains(r.err, "lock timeout; the lock on users is held by pid "), r);
    BOOST_TEST(contains(r.err, "; unit 3 add_profile_to_users was interrupted; fix the cause and run strata up again to finish it"),
               r);
    BOOST_TEST(contains(r.err, " [SQLSTATE 55P03]\n  while executing: ALTER TABLE \"users\""), r);
    BOOST_TEST(!contains(r.err, "strata repair"), "an interrupted online unit needs no repair" << r);
    BOOST_TEST(r.out == "", r);
    // Interrupted, not dirty: its row says 'running', status shows it pending.
    BOOST_TEST(history_state(t, 3) == std::optional<std::string>("running"));
    auto status = t.run({"status"});
    BOOST_TEST(contains(status.out, "       3  add_profile_to_users  pending "), status);
    BOOST_TEST(!contains(status.out, "dirty"), status);
    // While users is locked, status does not wait for the catalog: its steps are unknown.
    BOOST_TEST(contains(status.out, "unknown   add_column users.profile: the schema could not be read within 1 s: another "
                                    "session holds a lock on a table\n"),
               status);

    // JSON carries the SQLSTATE as a field; this run resumes the interrupted unit and times out too.
    auto j = t.run({"--json", "up", "--ddl-lock-timeout", "0.1", "--ddl-lock-deadline", "1"});
    BOOST_TEST(j.exit_code == 1, j);
    BOOST_TEST(contains(j.out, "\"sqlstate\": \"55P03\""), j);
    BOOST_TEST(contains(j.err, "resuming unit 3 add_profile_to_users"), j);
    blocker.release();

    // Units 1 and 2 untouched; of unit 3 only its 'running' row: the lock on users was held
    // throughout, so none of its steps that touch users ran.
    BOOST_TEST(t.probe.applied_versions() == (versions{1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(history_state(t, 1) == std::optional<std::string>("applied"));
    BOOST_TEST(history_state(t, 2) == std::optional<std::string>("applied"));
    BOOST_TEST(history_state(t, 3) == std::optional<std::string>("running"));
    BOOST_TEST(!t.probe.has_column("users", "profile"));
    BOOST_TEST(t.probe.has_table("users"));
    BOOST_TEST(t.probe.has_table("user_profiles"));
    auto log = audit_log(t.db.url());
    BOOST_TEST(applied_in_log(log, "3") == 0, log);
    BOOST_TEST(applied_in_log(log, "1") == 1, log);
    BOOST_TEST(applied_in_log(log, "2") == 1, log);
    int failures = 0;
    for (const auto& row : log.rows) failures += row.at(0) == "3" && row.at(1) == "up" && row.at(2) == "failed";
    BOOST_TEST(failures == 2, "each failed run leaves one audit row" << log);

    // The lock released, the next up finishes unit 3: no repair.
    r = t.run({"up"});
    BOOST_TEST(r.exit_code == 0, r);
    BOOST_TEST(contains(r.err, "resuming unit 3 add_profile_to_users"), r);
    BOOST_TEST(matches(r.out, unit_3_applied_pattern + "1 unit applied to " + t.shown_url() + " in {ms}\n"), r);
    BOOST_TEST(history_state(t, 3) == std::optional<std::string>("applied"));
    BOOST_TEST(unit_3_missing(t) == "");
    log = audit_log(t.db.url());
    BOOST_TEST(applied_in_log(log, "3") == 1, log);
    BOOST_TEST(t.run({"status", "--exit-code"}).exit_code == 0);
}

BOOST_AUTO_TEST_SUITE_END()
