// The SQLite connection: opening, execute and query, transactions, the lock, rehearsals. Rebuild
// directives and the checks before commit are carried out by sqlite_rebuild::live_rebuild.

#include "connection.hpp"
#include "dialect/sqlite/live_rebuild.hpp"
#include "dialect/sqlite/table_rebuild.hpp"

#include <strata/dialect.hpp>
#include <strata/error.hpp>

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <optional>
#include <thread>
#include <vector>

namespace strata {
namespace {

namespace api = ::sqlite_api;

/// An exclusive flock on "<database>-strata.lock", next to the database file's real path (links
/// resolved). The kernel releases it when the process dies,
/// even by kill -9, so it never goes stale; the file's text only says who holds it.
class file_lock final : public migration_lock {
public:
    explicit file_lock(int fd) : fd_(fd) {}
    ~file_lock() override {
        ::flock(fd_, LOCK_UN);
        ::close(fd_);
    }

private:
    int fd_;
};

/// A run on a private in-memory database needs no lock.
class no_lock final : public migration_lock {};

std::string utc_now() {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return text;
}

class sqlite_connection final : public connection {
public:
    /// Which database a connection opens: the URL's, or a private in-memory one that stands in
    /// for it in a rehearsal (errors still name the URL's database).
    enum class opening { for_change, for_looking, private_copy };

    /// `stop` counts while the constructor runs (the connection's interrupt() is not reachable
    /// before it returns): its statements wait for a database another process holds.
    sqlite_connection(const database_url& url, opening how, std::chrono::milliseconds busy_timeout, std::stop_token stop = {})
        : connection(url), opening_stop_(std::move(stop)) {
        const bool for_looking = how == opening::for_looking;
        private_copy_ = how == opening::private_copy;
        try {
            // The busy timeout is set on the native handle below, from --lock-timeout (SOCI's
            // `timeout=` counts whole seconds).
            std::string options;
            std::string target = private_copy_ ? "db=:memory:" : url.connection_string();
            if (for_looking && url.path() != ":memory:" && ::access(url.path().c_str(), F_OK) != 0) {
                // Looking must not create the file: a missing one reads as an empty database
                // (or, in a missing directory, fails to open, saying so). An existing file opens
                // as usual, so a command that looks first and then changes keeps this connection.
                auto slash = url.path().rfind('/');
                std::string directory = slash == std::string::npos ? "." : url.path().substr(0, slash + 1);
                if (::access(directory.c_str(), F_OK) == 0)
                    target = "db=:memory:";
                else
                    options += " readonly=true";
                read_only_ = true;
            }
            session_.open(soci::sqlite3, target + options);
        } catch (const soci::soci_error& e) {
            throw connection_error("cannot open the database: " + e.get_error_message() +
                                       " (does the directory exist and is it writable?)",
                                   {.database = url.redacted(), .backend = "sqlite"});
        }
        db_ = static_cast<soci::sqlite3_session_backend*>(session_.get_backend())->conn_;
        set_busy_timeout(busy_timeout);
        rebuilds_.emplace(
            db_, url.redacted(), [this](const std::string& sql) { execute(sql); },
            [this](const std::string& sql) { return rows_of(sql); });
        // Off by default on every connection, and a no-op inside a transaction: set it now.
        execute("PRAGMA foreign_keys = ON");
        // SQLite opens a file lazily: read its header now, so a file that is not a database (or
        // one another process holds exclusively) is reported when it is opened (see fail()).
        if (!private_copy_) query("PRAGMA schema_version");
        opening_stop_ = {};  // from here on interrupt() ends a wait
    }

    // SOCI 4.0.3 runs only the first statement of a multi-statement string on SQLite, silently;
    // sqlite3_exec runs them all.
    std::int64_t execute(const std::string& sql) override {
        if (script_) script_->push_back(sql);
        // A rehearsal's copy has no rows: enforcing foreign keys there would refuse rows that
        // reference rows the database has. Its script still says what a run does.
        if (private_copy_ && sql.starts_with("PRAGMA foreign_keys")) return 0;
        rebuilds_->statement_ran(sql);
        if (sql.starts_with(sqlite_rebuild::directive_prefix)) {
            rebuilds_->rebuild(sql);
            return 0;
        }
        char* message = nullptr;
        int rc = api::sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
        if (rc == SQLITE_OK) return api::sqlite3_changes64(db_);
        std::string text = message ? message : api::sqlite3_errstr(rc);
        api::sqlite3_free(message);
        fail(rc, text, sql, true);
    }

    std::vector<result_row> query(const std::string& sql) override {
        std::vector<result_row> rows;
        auto collect = [](void* into, int n, char** values, char**) {
            auto& row = static_cast<std::vector<result_row>*>(into)->emplace_back();
            for (int i = 0; i < n; ++i) row.push_back(values[i] ? std::optional<std::string>(values[i]) : std::nullopt);
            return 0;
        };
        char* message = nullptr;
        int rc = api::sqlite3_exec(db_, sql.c_str(), collect, &rows, &message);
        if (rc != SQLITE_OK) {
            std::string text = message ? message : api::sqlite3_errstr(rc);
            api::sqlite3_free(message);
            fail(rc, text, sql, false);
        }
        return rows;
    }

    /// A private in-memory database with this one's tables, indexes, views and triggers (no
    /// rows but those of `with_rows`): what a unit will do to the schema can be tried there first.
    std::unique_ptr<connection> rehearsal(std::vector<std::string>* script, const std::vector<std::string>& with_rows) override {
        auto copy = std::make_unique<sqlite_connection>(url(), opening::private_copy, busy_timeout_);
        // Tables first, then what stands on them; shadow tables come with their virtual table.
        auto objects = rows_of(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
            "AND name NOT IN (SELECT name FROM pragma_table_list WHERE type = 'shadow') "
            "ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END, rowid");
        // A view may read a view made after it (its text was replaced): retry until none moves.
        for (bool progress = true; !objects.empty() && progress;) {
            progress = false;
            std::vector<std::vector<std::string>> later;
            std::string last_error;
            for (auto& row : objects) {
                try {
                    copy->execute(row[2]);
                    progress = true;
                } catch (const statement_error& e) {
                    last_error = e.message();
                    later.push_back(std::move(row));
                }
            }
            objects = std::move(later);
            if (!objects.empty() && !progress)
                throw unsupported_error("cannot copy " + objects.front()[0] + " \"" + objects.front()[1] +
                                            "\" into a private database to rehearse the run: " + last_error,
                                        {.database = url().redacted(), .backend = "sqlite", .statement = objects.front()[2]});
        }
        for (const auto& table : with_rows) {
            std::string values;
            try {
                for (const auto& row : query("SELECT * FROM " + dialect::quote(table))) {
                    values += values.empty() ? "(" : ", (";
                    for (std::size_t i = 0; i < row.size(); ++i)
                        values += (i ? ", " : "") + (row[i] ? dialect::quote_literal(*row[i]) : std::string("NULL"));
                    values += ")";
                }
            } catch (const statement_error&) {
                continue;  // no such table here: nothing to copy
            }
            if (!values.empty()) copy->execute("INSERT INTO " + dialect::quote(table) + " VALUES " + values);
        }
        copy->script_ = script;
        return copy;
    }

    std::unique_ptr<migration_lock> lock(std::chrono::milliseconds timeout, const notice_function& notice) override {
        if (url().path() == ":memory:" || private_copy_) return std::make_unique<no_lock>();
        // Named from the file's real path: two runs that spell one database differently
        // (relative and absolute, through a symbolic link) take one lock.
        std::string real = url().path();
        if (char* resolved = ::realpath(url().path().c_str(), nullptr)) {
            real = resolved;
            std::free(resolved);
        }
        const std::string path = real + "-strata.lock";
        int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
            throw connection_error("cannot open the lock file " + path + ": " + std::strerror(errno),
                                   {.database = url().redacted(), .backend = "sqlite"});
        auto held = std::make_unique<file_lock>(fd);  // closes the file if the wait fails
        auto try_once = [&] {
            if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return true;
            int err = errno;
            if (err == EWOULDBLOCK || err == EINTR) return false;
            throw connection_error("cannot lock " + path + ": " + std::strerror(err),
                                   {.database = url().redacted(), .backend = "sqlite"});
        };
        poll_for_lock(timeout, try_once, [&] { return holder(path); }, notice);
        std::string who = "pid " + std::to_string(::getpid()) + ", user " + applied_by() + ", since " + utc_now() + "\n";
        // Written over the last holder's text, then cut to length: truncating to 0 first would
        // free and reallocate the file's block on every run (measured: 0.8 ms on ext4, a quarter
        // of a no-op up). Only informative: the flock is the lock.
        if (::pwrite(fd, who.data(), who.size(), 0) == static_cast<ssize_t>(who.size()))
            (void)::ftruncate(fd, static_cast<off_t>(who.size()));
        return held;
    }

    void set_lock_timeout(std::chrono::milliseconds) override {}  // the busy timeout covers SQLite's locks

    void set_busy_timeout(std::chrono::milliseconds timeout) override {
        busy_timeout_ = timeout;
        // SQLite calls the busy handler while another connection holds the lock a statement
        // needs; it sleeps and retries for at most this long, then the statement fails with
        // SQLITE_BUSY. Ours, not sqlite3_busy_timeout(): sqlite3_interrupt() does not end that
        // one's sleeps, and interrupt() must end the wait at once.
        api::sqlite3_busy_handler(db_, &sqlite_connection::busy_wait, this);
    }
    bool is_lock_timeout(const error&) const override { return false; }
    std::string lock_holders(const std::string&) override { return {}; }

    void begin(bool foreign_keys_off) override {
        // Enforcement must go off before BEGIN: the pragma is a no-op inside a transaction.
        if (foreign_keys_off) execute("PRAGMA foreign_keys = OFF");
        foreign_keys_off_ = foreign_keys_off;
        // IMMEDIATE takes the write lock now, so a concurrent writer waits for the busy
        // timeout instead of failing later on a lock upgrade.
        execute("BEGIN IMMEDIATE");
        // Read once per connection; afterwards each commit leaves the set the next one compares with.
        rebuilds_->remember_dangling_foreign_keys();
    }

    void commit() override {
        rebuilds_->check_foreign_key_targets();
        if (foreign_keys_off_) {
            if (!private_copy_) rebuilds_->check_foreign_keys();  // rows: the copy has none to check
            rebuilds_->check_views();
        }
        execute("COMMIT");
        end_rebuild_mode();
    }

    void rollback() noexcept override {
        try {
            if (api::sqlite3_get_autocommit(db_) == 0) execute("ROLLBACK");
        } catch (...) {
        }
        try {
            end_rebuild_mode();
        } catch (...) {
        }
    }

    bool read_only() const noexcept override { return read_only_; }
    bool is_undefined_object(const error& e) const override {
        // The message as fail() makes it: SQLite's text first; a failure inside a unit adds to it.
        const auto& m = e.message();
        return e.kind() == error_kind::statement && (m.find("no such table") != std::string::npos ||
                                                     m.find("no such column") != std::string::npos ||
                                                     m.find("no such index") != std::string::npos);
    }

    /// sqlite3_interrupt is thread-safe while the handle is open (the runner's stop callback is
    /// gone before the connection closes): the running statement fails with SQLITE_INTERRUPT;
    /// a busy wait ends at busy_wait's next check (within 10 ms).
    void cancel_statement() noexcept override { api::sqlite3_interrupt(db_); }

    std::string applied_by() override {
        // Every history and audit row asks: kept per connection, looked up once per process
        // (os_user), not from /etc/passwd twice per unit.
        if (applied_by_.empty()) applied_by_ = os_user();
        return applied_by_;
    }

private:
    /// The process's user name, looked up once per process with getpwuid_r: a fleet's targets
    /// open connections on threads of their own, and getpwuid's buffer is one for the process.
    static std::string os_user() {
        static const std::string name = [] {
            std::vector<char> buffer(1024);
            passwd entry{};
            passwd* found = nullptr;
            int rc;
            while ((rc = ::getpwuid_r(::geteuid(), &entry, buffer.data(), buffer.size(), &found)) == ERANGE &&
                   buffer.size() < (1u << 20))
                buffer.resize(buffer.size() * 2);
            if (rc == 0 && found && found->pw_name) return std::string(found->pw_name);
            if (const char* user = std::getenv("USER")) return std::string(user);
            return "uid " + std::to_string(::geteuid());
        }();
        return name;
    }

    /// The one place SQLite's result codes are interpreted. A statement that failed with `rc`
    /// (SQLite's `text`) throws what it means: SQLITE_BUSY, the busy timeout (--lock-timeout) ran
    /// out while another process held the database, is lock_timeout_error (exit 5); SQLITE_NOTADB,
    /// the file is not a database, is config_error (exit 2: the URL names the wrong file, and
    /// neither waiting nor --wait's retries can change that); anything else is the statement's
    /// error. `with_code`: the message ends with the result code (execute's errors always did).
    [[noreturn]] void fail(int rc, const std::string& text, const std::string& sql, bool with_code) const {
        const int extended = api::sqlite3_extended_errcode(db_);
        // After interrupt(): the cancelled statement, or a busy wait it ended.
        if (interrupted() && ((rc & 0xff) == SQLITE_INTERRUPT || (rc & 0xff) == SQLITE_BUSY))
            throw interrupted_error(interruption(), {.database = url().redacted(), .backend = "sqlite", .statement = sql});
        switch (rc & 0xff) {
        case SQLITE_BUSY:
            throw lock_timeout_error("the database file " + url().path() +
                                         " is locked by another process, which holds a write transaction or an exclusive "
                                         "lock on it; gave up after " +
                                         duration_text(busy_timeout_) +
                                         " (--lock-timeout): wait for that process to finish and run again, or find it "
                                         "(fuser " +
                                         url().path() + " lists the processes that have the file open) and end its transaction",
                                     {.database = url().redacted(), .backend = "sqlite"});
        case SQLITE_NOTADB:
            throw config_error(url().path() + " is not a SQLite database (SQLite says: " + text +
                                   "); check the path in the database URL",
                               {.database = url().redacted(), .backend = "sqlite"});
        default: break;
        }
        throw statement_error(with_code ? text + " (sqlite result code " + std::to_string(extended) + ")" : text,
                              {.database = url().redacted(), .backend = "sqlite", .statement = sql});
    }

    /// SQLite's busy handler (see set_busy_timeout): `count` is how often it was called for this
    /// wait. Sleeps as sqlite3_busy_timeout's handler does (1 ms growing to 100 ms) until the busy
    /// timeout has passed since the first call; 0 gives up (SQLITE_BUSY), at once after
    /// interrupt() (or, while opening, a stop), which it looks for every 10 ms.
    static int busy_wait(void* self, int count) {
        auto* c = static_cast<sqlite_connection*>(self);
        using namespace std::chrono_literals;
        using clock = std::chrono::steady_clock;
        static constexpr std::chrono::milliseconds delays[] = {1ms, 2ms, 5ms, 10ms, 15ms, 20ms, 25ms, 25ms, 25ms, 50ms, 50ms, 100ms};
        auto now = clock::now();
        if (count == 0) c->busy_since_ = now;
        const auto left = c->busy_timeout_ - std::chrono::duration_cast<std::chrono::milliseconds>(now - c->busy_since_);
        if (left <= 0ms) return 0;
        const auto until = now + std::min(delays[std::min<std::size_t>(static_cast<std::size_t>(count), std::size(delays) - 1)], left);
        for (; now < until; now = clock::now()) {
            if (c->stopping()) return 0;
            std::this_thread::sleep_for(std::min<clock::duration>(10ms, until - now));
        }
        return c->stopping() ? 0 : 1;
    }

    bool stopping() const noexcept { return interrupted() || opening_stop_.stop_requested(); }

    static std::string holder(const std::string& path) {
        std::ifstream in(path);
        std::string line;
        std::getline(in, line);
        return line.empty() ? "a process that has not said who it is" : line;
    }

    /// Rows of `sql` as text, NULL as empty.
    std::vector<std::vector<std::string>> rows_of(const std::string& sql) {
        std::vector<std::vector<std::string>> rows;
        for (auto& r : query(sql)) {
            auto& row = rows.emplace_back();
            for (auto& value : r) row.push_back(value.value_or(""));
        }
        return rows;
    }

    /// Back to the connection's normal state after a rebuild, committed or not.
    void end_rebuild_mode() {
        if (!foreign_keys_off_) return;
        foreign_keys_off_ = false;
        execute("PRAGMA legacy_alter_table = OFF");
        execute("PRAGMA foreign_keys = ON");
    }

    soci::session session_;
    api::sqlite3* db_ = nullptr;
    bool foreign_keys_off_ = false;
    std::optional<sqlite_rebuild::live_rebuild> rebuilds_;  ///< set once the database is open
    bool read_only_ = false;
    bool private_copy_ = false;
    /// A rehearsal's record of every statement run, for a dry run's script; null otherwise.
    std::vector<std::string>* script_ = nullptr;
    std::string applied_by_;  // the OS user, once looked up
    std::chrono::milliseconds busy_timeout_{0};  ///< SQLite's busy timeout (busy_wait), for messages
    std::chrono::steady_clock::time_point busy_since_;  ///< when the current busy wait began
    std::stop_token opening_stop_;  ///< the run's stop, while the constructor runs
};

}  // namespace

std::unique_ptr<connection> connect_sqlite(const database_url& url, bool read_only, std::chrono::milliseconds busy_timeout,
                                           std::stop_token stop) {
    return std::make_unique<sqlite_connection>(
        url, read_only ? sqlite_connection::opening::for_looking : sqlite_connection::opening::for_change, busy_timeout,
        std::move(stop));
}

}  // namespace strata
