// strata_measure stall --name NAME --out FILE --database URL [--runs N] [--settle-ms MS]
//                      [--setup SHELL-COMMAND] [--target-ms X] [--target-ratio Y] [--timeout-s S]
//                      [--reader-ms R] --strata ARGV... --floor-name NAME --floor ARGV...
//
// How long does a schema change stop the application's writes? Each run:
//   1. SHELL-COMMAND (untimed) prepares the database, e.g. a fresh copy of one whose users table
//      has 1,000,000 rows.
//   2. A writer (this process, libpq, its own connection to URL) loads a sample of existing
//      users ids, then writes back to back: an UPDATE of a random existing row, then an INSERT of
//      a new row, and so on, each its own autocommit transaction, each write's start and end
//      taken from CLOCK_MONOTONIC.
//   3. After MS milliseconds of writing (the normal latency, reported as such), the command under
//      test starts as a child process (fork, exec); a second thread waits for it (wait4) and notes
//      when it ended. The writer goes on for MS milliseconds more, then stops.
// With --reader-ms R (row f, the lock queue): just before the command starts, a reader (its own
// libpq connection, as a report or pg_dump would be) opens a REPEATABLE READ transaction and
// reads a users row, so it holds ACCESS SHARE on users (checked in pg_locks) and a snapshot; a
// third thread commits it R milliseconds after the command started. The reader alone blocks no
// write; a step that needs ACCESS EXCLUSIVE on users waits behind it, and every write queues
// behind that step while it waits. Each run also reports when the command ended after the reader
// committed.
// A write "during the migration" is one whose interval overlaps the child's run. The longest
// stall is the longest such write: with one writer writing back to back, a write held up by a
// lock waits exactly as long as the application would; the gaps between writes are microseconds.
// The strata command and the floor command (the naive way) alternate run by run, N runs each.
// Targets: the strata command's longest stall, in its worst run, at most X ms; and the floor's
// median longest stall at least Y times strata's median. A run whose command exits non-zero, or
// whose writer (or reader) gets an error, stops everything with the output; a command that exits
// non-zero also prints that run's figures first (how long writes stalled before it gave up).

#include "stall.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <iostream>
#include <random>
#include <thread>

#include <libpq-fe.h>

namespace strata_bench {
namespace {

struct write_interval {
    double start_ms;
    double end_ms;
};

struct stall_sample {
    double migration_ms = 0;
    double longest_stall_ms = 0;
    double p99_during_ms = 0;
    double writes_during = 0;
    double longest_before_ms = 0;
    double writes_per_s_before = 0;
    // With a reader: the command's end minus the reader's COMMIT (negative: it ended first).
    double after_reader_ms = 0;
};

// One libpq connection that writes to users. Owns the PGconn. Throws std::runtime_error on any
// failure, so the caller can stop the command under test first. A write blocked for longer than
// `timeout_ms` fails (statement_timeout): a hung migration cannot hang the benchmark.
class writer {
public:
    writer(const std::string& url, double timeout_ms) {
        const char* keys[] = {"dbname", "application_name", nullptr};
        const char* values[] = {url.c_str(), "strata_bench_writer", nullptr};
        conn_ = PQconnectdbParams(keys, values, 1);
        if (PQstatus(conn_) != CONNECTION_OK) fail("cannot connect");
        PGresult* ids = PQexec(conn_, R"(SELECT "userId"::text FROM "users" TABLESAMPLE SYSTEM (1) LIMIT 5000)");
        check(ids, PGRES_TUPLES_OK, "sampling users ids");
        for (int i = 0; i < PQntuples(ids); ++i) ids_.emplace_back(PQgetvalue(ids, i, 0));
        PQclear(ids);
        if (ids_.empty()) fail("the users table has no rows to update (did the setup load it?)");
        check(PQexec(conn_, ("SET statement_timeout = " + std::to_string(static_cast<long long>(timeout_ms))).c_str()),
              PGRES_COMMAND_OK, "setting statement_timeout");
        check(PQprepare(conn_, "update",
                        R"(UPDATE "users" SET "lastName" = $1, "updatedAt" = now() WHERE "userId" = $2::uuid)", 2,
                        nullptr),
              PGRES_COMMAND_OK, "preparing the UPDATE");
        check(PQprepare(conn_, "insert", R"(INSERT INTO "users" ("firstName", "lastName", "email") VALUES ($1, $2, $3))",
                        3, nullptr),
              PGRES_COMMAND_OK, "preparing the INSERT");
    }
    writer(const writer&) = delete;
    writer& operator=(const writer&) = delete;
    ~writer() { PQfinish(conn_); }

    /// One write (even: UPDATE of a random sampled row; odd: INSERT), returning its interval.
    write_interval write() {
        const std::string n = std::to_string(count_);
        const double start = now_ms();
        PGresult* result;
        if (count_ % 2 == 0) {
            const std::string& id = ids_[pick_(random_) % ids_.size()];
            const std::string last = "updated " + n;
            const char* params[] = {last.c_str(), id.c_str()};
            result = PQexecPrepared(conn_, "update", 2, params, nullptr, nullptr, 0);
        } else {
            const std::string first = "writer " + n, email = "writer" + n + "@example.com";
            const char* params[] = {first.c_str(), "bench", email.c_str()};
            result = PQexecPrepared(conn_, "insert", 3, params, nullptr, nullptr, 0);
        }
        const double end = now_ms();
        const bool one_row = PQresultStatus(result) == PGRES_COMMAND_OK && std::strcmp(PQcmdTuples(result), "1") == 0;
        check(result, PGRES_COMMAND_OK, count_ % 2 == 0 ? "an UPDATE" : "an INSERT");
        if (!one_row) fail("a write changed no row");
        ++count_;
        return {start, end};
    }

private:
    void check(PGresult* result, ExecStatusType expected, const std::string& what) {
        if (PQresultStatus(result) == expected) {
            if (expected != PGRES_TUPLES_OK) PQclear(result);
            return;
        }
        const std::string message = result ? PQresultErrorMessage(result) : PQerrorMessage(conn_);
        PQclear(result);
        throw std::runtime_error("the writer failed " + what + ": " + redact(message));
    }
    [[noreturn]] void fail(const std::string& what) {
        throw std::runtime_error("the writer: " + what + ": " + redact(PQerrorMessage(conn_)));
    }

    PGconn* conn_ = nullptr;
    std::vector<std::string> ids_;
    std::mt19937_64 random_{20261130};
    std::uniform_int_distribution<std::size_t> pick_;
    long count_ = 0;
};

// The long read transaction of --reader-ms: one libpq connection that holds ACCESS SHARE on users
// (and a REPEATABLE READ snapshot, as pg_dump does) from hold() to release(). Owns the PGconn;
// throws std::runtime_error on any failure.
class reader {
public:
    explicit reader(const std::string& url) {
        const char* keys[] = {"dbname", "application_name", nullptr};
        const char* values[] = {url.c_str(), "strata_bench_reader", nullptr};
        conn_ = PQconnectdbParams(keys, values, 1);
        if (PQstatus(conn_) != CONNECTION_OK) fail("cannot connect");
    }
    reader(const reader&) = delete;
    reader& operator=(const reader&) = delete;
    ~reader() { PQfinish(conn_); }

    /// Opens the transaction and reads users; returns once the lock is held.
    void hold() {
        run("BEGIN ISOLATION LEVEL REPEATABLE READ", PGRES_COMMAND_OK);
        PGresult* row = run(R"(SELECT 1 FROM "users" LIMIT 1)", PGRES_TUPLES_OK);
        const bool read = PQntuples(row) == 1;
        PQclear(row);
        if (!read) fail("read no users row (did the setup load the table?)");
        PGresult* lock = run(R"(SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'relation'
                                  AND relation = '"users"'::regclass AND mode = 'AccessShareLock' AND granted)",
                             PGRES_TUPLES_OK);
        const bool held = std::strcmp(PQgetvalue(lock, 0, 0), "1") == 0;
        PQclear(lock);
        if (!held) fail("its transaction holds no ACCESS SHARE lock on users");
    }

    /// Commits the transaction, which releases the lock.
    void release() { run("COMMIT", PGRES_COMMAND_OK); }

private:
    PGresult* run(const char* sql, ExecStatusType expected) {
        PGresult* result = PQexec(conn_, sql);
        if (PQresultStatus(result) == expected) {
            if (expected == PGRES_TUPLES_OK) return result;
            PQclear(result);
            return nullptr;
        }
        const std::string message = result ? PQresultErrorMessage(result) : PQerrorMessage(conn_);
        PQclear(result);
        throw std::runtime_error("the reader failed running " + std::string(sql) + ": " + redact(message));
    }
    [[noreturn]] void fail(const std::string& what) {
        throw std::runtime_error("the reader: " + what + ": " + redact(PQerrorMessage(conn_)));
    }

    PGconn* conn_ = nullptr;
};

double percentile(std::vector<double> values, double p) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
    return values[std::min(index, values.size() - 1)];
}

// The figures of one run: the writes before the command started are the first `before`.
stall_sample figures(const std::vector<write_interval>& writes, std::size_t before, double settle_ms,
                     double child_start, double child_end) {
    stall_sample s;
    s.migration_ms = child_end - child_start;
    std::vector<double> during;
    for (std::size_t i = 0; i < writes.size(); ++i) {
        const double latency = writes[i].end_ms - writes[i].start_ms;
        if (i < before) {
            s.longest_before_ms = std::max(s.longest_before_ms, latency);
        } else if (writes[i].start_ms < child_end && writes[i].end_ms > child_start) {
            during.push_back(latency);
        }
    }
    if (!during.empty()) s.longest_stall_ms = *std::max_element(during.begin(), during.end());
    s.p99_during_ms = percentile(during, 0.99);
    s.writes_during = static_cast<double>(during.size());
    s.writes_per_s_before = static_cast<double>(before) / (settle_ms / 1000);
    return s;
}

stall_sample run_with_writer(const std::string& url, const std::vector<std::string>& argv, double settle_ms,
                             double timeout_ms, double reader_ms, const std::string& log_path) {
    std::vector<write_interval> writes;
    writes.reserve(200000);
    std::optional<writer> w;
    std::optional<reader> r;
    try {
        w.emplace(url, timeout_ms);
        if (reader_ms > 0) r.emplace(url);
        const double settle_start = now_ms();
        while (now_ms() - settle_start < settle_ms) writes.push_back(w->write());
        if (r) r->hold();
    } catch (const std::exception& e) {
        die(e.what());
    }
    const std::size_t before = writes.size();

    const double child_start = now_ms();
    const pid_t pid = spawn(argv, log_path);
    std::atomic<double> child_end{0};
    int status = 0;
    std::thread waiter([&] {
        pid_t waited;
        do {
            waited = waitpid(pid, &status, 0);
        } while (waited < 0 && errno == EINTR);
        child_end = now_ms();
    });
    // The reader commits reader_ms after the command started, on a thread of its own: the writer
    // may be blocked meanwhile.
    std::atomic<double> reader_end{0};
    std::string reader_error;
    std::thread releaser;
    if (r) {
        releaser = std::thread([&] {
            std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(child_start + reader_ms - now_ms()));
            try {
                r->release();
            } catch (const std::exception& e) {
                reader_error = e.what();
            }
            reader_end = now_ms();
        });
    }
    auto join_all = [&] {
        waiter.join();
        if (releaser.joinable()) releaser.join();
    };
    // Stops the command under test (if it still runs) before reporting a failure.
    auto stop_and_die = [&](const std::string& message) {
        if (child_end.load() == 0) kill(pid, SIGKILL);
        join_all();
        die(message + "\n--- the output of " + shell_words(argv) + " ---\n" + redact(read_file(log_path)));
    };
    try {
        for (;;) {
            const double end = child_end.load();
            const double now = now_ms();
            if (end > 0 && now - end >= settle_ms && (!r || reader_end.load() > 0)) break;
            if (end == 0 && now - child_start > timeout_ms)
                stop_and_die("the command under test ran longer than " + fixed(timeout_ms / 1000, 0) + " s and was killed");
            writes.push_back(w->write());
        }
    } catch (const std::exception& e) {
        stop_and_die(e.what());
    }
    join_all();
    if (!reader_error.empty()) die(reader_error);

    stall_sample s = figures(writes, before, settle_ms, child_start, child_end.load());
    if (r) s.after_reader_ms = child_end.load() - reader_end.load();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        // The row fails; what the writer saw until then is still worth knowing.
        std::cerr << "\nstrata_measure: this run, until the command failed: it ran " << fixed(s.migration_ms / 1000, 2)
                  << " s; longest write stall " << fixed(s.longest_stall_ms, 1) << " ms over "
                  << fixed(s.writes_during, 0) << " writes";
        if (r)
            std::cerr << "; the reader committed " << fixed((reader_end.load() - child_start) / 1000, 2)
                      << " s after it started, and it ended " << fixed(std::abs(s.after_reader_ms) / 1000, 2) << " s "
                      << (s.after_reader_ms < 0 ? "before" : "after") << " that";
        std::cerr << '\n';
    }
    require_success(status, argv, log_path);
    if (s.writes_during == 0) die("no write overlapped the migration: " + shell_words(argv));
    return s;
}

json side(const std::string& name, const std::vector<std::string>& argv, const std::vector<stall_sample>& samples,
          bool with_reader) {
    auto field = [&](double stall_sample::*member) {
        std::vector<double> values;
        for (const auto& s : samples) values.push_back(s.*member);
        return stats(values);
    };
    json out = {{"name", name},
                {"command", shell_words(argv)},
                {"longest_stall_ms", field(&stall_sample::longest_stall_ms)},
                {"p99_write_ms_during", field(&stall_sample::p99_during_ms)},
                {"writes_during", field(&stall_sample::writes_during)},
                {"migration_ms", field(&stall_sample::migration_ms)},
                {"longest_write_ms_before", field(&stall_sample::longest_before_ms)},
                {"writes_per_s_before", field(&stall_sample::writes_per_s_before)}};
    if (with_reader) out["ended_after_reader_ms"] = field(&stall_sample::after_reader_ms);
    return out;
}

}  // namespace

int stall_command(const std::vector<std::string>& args) {
    const row_arguments parsed = parse_row_arguments(
        "stall", args,
        {"--name", "--out", "--database", "--setup", "--runs", "--settle-ms", "--target-ms", "--target-ratio",
         "--timeout-s", "--reader-ms"});
    const std::string name = parsed.get("--name"), out = parsed.get("--out"), url = parsed.get("--database"),
                      setup = parsed.get("--setup");
    if (name.empty() || out.empty() || url.empty()) die("stall needs --name, --out and --database");
    const int runs = parse_count("--runs", parsed.get("--runs", "3"), 1);
    const double settle_ms = parse_number("--settle-ms", parsed.get("--settle-ms", "1000"));
    const double target_ms = parse_number("--target-ms", parsed.get("--target-ms", "100"));
    const double target_ratio = parse_number("--target-ratio", parsed.get("--target-ratio", "20"));
    const double timeout_ms = 1000 * parse_number("--timeout-s", parsed.get("--timeout-s", "600"));
    const std::string reader_option = parsed.get("--reader-ms");
    const double reader_ms = reader_option.empty() ? 0 : parse_number("--reader-ms", reader_option);
    if (reader_ms >= timeout_ms) die("--reader-ms must be shorter than --timeout-s");

    const std::string log_path = out + ".log";
    std::vector<stall_sample> strata_samples, floor_samples;
    std::cerr << "  " << name << ": " << runs << " runs each " << std::flush;
    for (int r = 0; r < runs; ++r) {
        for (int k = 0; k < 2; ++k) {
            const bool strata_turn = (r % 2 == 0) == (k == 0);
            run_setup(setup);
            const stall_sample s =
                run_with_writer(url, strata_turn ? parsed.strata_argv : parsed.floor_argv, settle_ms, timeout_ms,
                                reader_ms, log_path);
            (strata_turn ? strata_samples : floor_samples).push_back(s);
        }
        std::cerr << '.' << std::flush;
    }
    std::cerr << '\n';
    std::remove(log_path.c_str());

    json row = {{"kind", "stall"},
                {"name", name},
                {"runs", runs},
                {"settle_ms", settle_ms},
                {"setup_before_each_run", redact(setup)},
                {"writer", "one libpq connection, back to back: UPDATE of a random existing users row, INSERT of a "
                           "new one, alternating, each autocommitted"},
                {"strata", side("strata", parsed.strata_argv, strata_samples, reader_ms > 0)},
                {"floor", side(parsed.floor_name, parsed.floor_argv, floor_samples, reader_ms > 0)}};
    if (reader_ms > 0) {
        row["reader_ms"] = reader_ms;
        row["reader"] = "one libpq connection, opened before each run: BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1 "
                        "FROM users LIMIT 1 (ACCESS SHARE on users, checked in pg_locks) just before the command "
                        "starts; COMMIT " + fixed(reader_ms, 0) + " ms after it started";
    }
    const double strata_median = row["strata"]["longest_stall_ms"]["median"].get<double>();
    const double strata_worst = row["strata"]["longest_stall_ms"]["max"].get<double>();
    const double ratio = row["floor"]["longest_stall_ms"]["median"].get<double>() / strata_median;
    row["ratio"] = ratio;
    row["target_ms"] = target_ms;
    row["target_ratio"] = target_ratio;
    row["pass_ms"] = strata_worst <= target_ms;
    row["pass_ratio"] = ratio >= target_ratio;
    row["pass"] = strata_worst <= target_ms && ratio >= target_ratio;
    std::ofstream(out) << row.dump(2) << '\n';
    return 0;
}

std::vector<std::pair<std::string, std::size_t>> stall_columns() {
    return {{"row", 44},
            {"strata longest stall ms", 24},
            {"naive", 13},
            {"naive longest stall ms", 24},
            {"naive / strata", 14},
            {"target", 16},
            {"migration s strata / naive", 26},
            {"ended after reader s strata / naive", 35},
            {"slowest write before ms", 23},
            {"result", 6}};
}

std::vector<std::string> stall_cells(const json& row) {
    const bool pass_ms = row["pass_ms"].get<bool>(), pass_ratio = row["pass_ratio"].get<bool>();
    return {row["name"].get<std::string>(),
            range(row["strata"]["longest_stall_ms"]),
            row["floor"]["name"].get<std::string>(),
            range(row["floor"]["longest_stall_ms"]),
            fixed(row["ratio"].get<double>(), 0) + "x",
            "<=" + fixed(row["target_ms"].get<double>(), 0) + " ms, >=" + fixed(row["target_ratio"].get<double>(), 0) + "x",
            fixed(row["strata"]["migration_ms"]["median"].get<double>() / 1000, 2) + " / " +
                fixed(row["floor"]["migration_ms"]["median"].get<double>() / 1000, 2),
            // With a reader (row f): how long after the reader's COMMIT each command ended, medians.
            row.contains("reader_ms") ? fixed(row["strata"]["ended_after_reader_ms"]["median"].get<double>() / 1000, 2) +
                                            " / " +
                                            fixed(row["floor"]["ended_after_reader_ms"]["median"].get<double>() / 1000, 2)
                                      : std::string("-"),
            // The writer's normal worst case, before either command started: the noise floor.
            fixed(row["strata"]["longest_write_ms_before"]["median"].get<double>(), 1) + " / " +
                fixed(row["floor"]["longest_write_ms_before"]["median"].get<double>(), 1),
            pass_ms && pass_ratio ? "PASS" : (pass_ms ? "FAIL (ratio)" : (pass_ratio ? "FAIL (ms)" : "FAIL (both)"))};
}

}  // namespace strata_bench
