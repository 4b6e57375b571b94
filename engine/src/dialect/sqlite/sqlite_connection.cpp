// Everything that knows the sqlite3 C API or SOCI's sqlite3 backend.

#include "connection.hpp"
#include "dialect/common.hpp"
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
#include <optional>
#include <vector>

namespace strata {
namespace {

namespace api = ::sqlite_api;

/// An exclusive flock on "<database>-strata.lock". The kernel releases it when the process dies,
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

    sqlite_connection(const database_url& url, opening how) : connection(url) {
        const bool for_looking = how == opening::for_looking;
        private_copy_ = how == opening::private_copy;
        try {
            // A busy timeout, or a second writer fails at once with "database is locked"
            // (SOCI's default is 0).
            std::string options = " timeout=30";
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
        // Off by default on every connection, and a no-op inside a transaction: set it now.
        execute("PRAGMA foreign_keys = ON");
    }

    // SOCI 4.0.3 runs only the first statement of a multi-statement string on SQLite, silently;
    // sqlite3_exec runs them all.
    std::int64_t execute(const std::string& sql) override {
        if (script_) script_->push_back(sql);
        if (sql.starts_with(sqlite_rebuild::directive_prefix)) {
            rebuild(sql);
            return 0;
        }
        char* message = nullptr;
        int rc = api::sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
        if (rc == SQLITE_OK) return api::sqlite3_changes64(db_);
        std::string text = message ? message : api::sqlite3_errstr(rc);
        api::sqlite3_free(message);
        int extended = api::sqlite3_extended_errcode(db_);
        throw statement_error(text + " (sqlite result code " + std::to_string(extended) + ")",
                              {.database = url().redacted(), .backend = "sqlite", .statement = sql});
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
            throw statement_error(text, {.database = url().redacted(), .backend = "sqlite", .statement = sql});
        }
        return rows;
    }

    /// A private in-memory database with this one's tables, indexes, views and triggers (no
    /// rows but those of `with_rows`): what a unit will do to the schema can be tried there first.
    std::unique_ptr<connection> rehearsal(std::vector<std::string>* script, const std::vector<std::string>& with_rows) override {
        auto copy = std::make_unique<sqlite_connection>(url(), opening::private_copy);
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
        const std::string path = url().path() + "-strata.lock";
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
        if (::ftruncate(fd, 0) == 0 && ::pwrite(fd, who.data(), who.size(), 0) < 0) {
            // Only informative: the flock is the lock.
        }
        return held;
    }

    void set_lock_timeout(std::chrono::milliseconds) override {}  // the busy timeout covers SQLite's locks
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
        if (!dangling_known_) dangling_known_ = dangling_foreign_keys();
    }

    void commit() override {
        check_foreign_key_targets();
        if (foreign_keys_off_) {
            check_foreign_keys();
            check_views();
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

    std::string applied_by() override {
        // Looked up once per connection: every history and audit row asks, and getpwuid reads
        // /etc/passwd each time (two reads per unit in a 300-unit run otherwise).
        if (applied_by_.empty()) {
            if (const passwd* pw = ::getpwuid(::geteuid()); pw && pw->pw_name) applied_by_ = pw->pw_name;
            else if (const char* user = std::getenv("USER")) applied_by_ = user;
            else applied_by_ = "uid " + std::to_string(::geteuid());
        }
        return applied_by_;
    }

private:
    static std::string holder(const std::string& path) {
        std::ifstream in(path);
        std::string line;
        std::getline(in, line);
        return line.empty() ? "a process that has not said who it is" : line;
    }

    void check_foreign_keys() {
        const std::string sql = "PRAGMA foreign_key_check";
        if (auto rows = rows_of(sql); !rows.empty())
            throw statement_error("the change leaves rows in table \"" + rows.front()[0] +
                                      "\" whose foreign keys point at rows that do not exist",
                                  {.database = url().redacted(), .backend = "sqlite", .statement = sql});
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

    /// A table rebuild (see table_rebuild.hpp), from the table as it is in the database.
    void rebuild(const std::string& directive) {
        const database_url& where = url();
        auto fail = [&](const std::string& what, const std::string& statement) -> void {
            throw statement_error(what, {.database = where.redacted(), .backend = "sqlite", .statement = statement});
        };
        sqlite_rebuild::changes c;
        try {
            c = sqlite_rebuild::parse_directive(directive);
        } catch (const std::invalid_argument& e) {
            fail(std::string("malformed rebuild directive: ") + e.what(), directive);
        }
        const std::string table = dialect::quote(c.table), temp = dialect::quote("strata_new_" + c.table);
        auto definition = rows_of("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = " + dialect::quote_literal(c.table) + " COLLATE NOCASE");
        if (definition.empty()) fail("cannot rebuild table \"" + c.table + "\": it does not exist", directive);
        std::string create;
        try {
            create = sqlite_rebuild::edit_create_table(definition.front()[0], c, "strata_new_" + c.table);
        } catch (const std::invalid_argument& e) {
            fail(std::string("cannot rebuild table \"") + c.table + "\": " + e.what(), directive);
        }
        // DROP TABLE drops the table's indexes and triggers: their text is kept to create them
        // again. Like PostgreSQL's DROP COLUMN, an index using a dropped column (as a key, in an
        // expression or in its predicate) goes with it.
        std::vector<std::vector<std::string>> keep;
        for (auto& row : rows_of("SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name COLLATE NOCASE = " +
                                 dialect::quote_literal(c.table) + " AND sql IS NOT NULL ORDER BY rowid")) {
            bool on_dropped = false;
            if (row[0] == "index") {
                const auto keys = row[2].find('(');  // what follows ON "table"
                for (const auto& column : c.drop_columns)
                    on_dropped = on_dropped ||
                                 !rows_of("SELECT 1 FROM pragma_index_info(" + dialect::quote_literal(row[1]) + ") WHERE name = " +
                                          dialect::quote_literal(column) + " COLLATE NOCASE").empty() ||
                                 (keys != std::string::npos && detail::expression_uses(row[2].substr(keys), column));
            }
            if (!on_dropped) keep.push_back(std::move(row));
        }
        execute(create);
        // Every column the two tables share, in the new table's order; generated ones (hidden) are not stored.
        std::string columns, values;
        for (const auto& row : rows_of("SELECT n.name FROM pragma_table_xinfo(" + dialect::quote_literal("strata_new_" + c.table) +
                                       ") n JOIN pragma_table_xinfo(" + dialect::quote_literal(c.table) +
                                       ") o ON o.name = n.name COLLATE NOCASE WHERE n.hidden = 0 AND o.hidden = 0 ORDER BY n.cid")) {
            const std::string& column = row[0];
            columns += (columns.empty() ? "" : ", ") + dialect::quote(column);
            std::string value = dialect::quote(column);
            for (const auto& [name, expression] : c.copy_as)
                if (name == column) value = "(" + expression + ")";
            values += (values.empty() ? "" : ", ") + value;
        }
        if (!columns.empty()) execute("INSERT INTO " + temp + " (" + columns + ") SELECT " + values + " FROM " + table);
        execute("DROP TABLE " + table);
        // Since SQLite 3.26 a RENAME re-checks every view and trigger, and one reading the old
        // table fails while that table is gone. The legacy mode skips the check (nothing refers to
        // the temporary name); views are checked before commit (check_views).
        execute("PRAGMA legacy_alter_table = ON");
        execute("ALTER TABLE " + temp + " RENAME TO " + table);
        execute("PRAGMA legacy_alter_table = OFF");
        // SQLite takes a double-quoted name that matches no column for a string (its "DQS"
        // misfeature): an index on a column the rebuild removed would come back as an index on a
        // constant. Off while the kept texts run, so that is an error instead.
        int dqs = 1;
        api::sqlite3_db_config(db_, SQLITE_DBCONFIG_DQS_DDL, -1, &dqs);
        api::sqlite3_db_config(db_, SQLITE_DBCONFIG_DQS_DDL, 0, nullptr);
        struct restore_dqs {
            api::sqlite3* db;
            int value;
            ~restore_dqs() { api::sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DDL, value, nullptr); }
        } restore{db_, dqs};
        for (const auto& row : keep) {
            try {
                execute(row[2]);
            } catch (const statement_error& e) {
                fail("the rebuild of table \"" + c.table + "\" cannot keep " + row[0] + " \"" + row[1] + "\": " + e.message() +
                         "; drop it in this unit before the change (and create it again after, if it still applies)",
                     row[2]);
            }
        }
    }

    /// The foreign keys whose table or column does not exist: table, column, referenced table,
    /// referenced column, "1" when the table is missing.
    std::vector<std::vector<std::string>> dangling_foreign_keys() {
        static const std::string sql =
            "SELECT m.name, f.\"from\", f.\"table\", coalesce(f.\"to\", ''), "
            "NOT EXISTS (SELECT 1 FROM sqlite_master p WHERE p.type = 'table' AND p.name = f.\"table\" COLLATE NOCASE) "
            "FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table' AND ("
            "NOT EXISTS (SELECT 1 FROM sqlite_master p WHERE p.type = 'table' AND p.name = f.\"table\" COLLATE NOCASE) OR "
            "(f.\"to\" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pragma_table_info(f.\"table\") c WHERE c.name = f.\"to\" "
            "COLLATE NOCASE)))";
        return rows_of(sql);
    }

    /// PostgreSQL refuses a foreign key to a table or column that does not exist; SQLite takes it
    /// and fails later, on the first write to either table. Checked before every commit, so a
    /// unit that leaves such a key (raw sql, a table dropped or renamed under it) rolls back.
    /// Only keys the transaction broke count: one broken before it is not this unit's doing. The
    /// set to compare with is read at the connection's first transaction and kept from commit to
    /// commit (one query per unit, not two): strata holds the migration lock meanwhile.
    void check_foreign_key_targets() {
        auto now = dangling_foreign_keys();
        for (const auto& r : now) {
            if (dangling_known_ && std::find(dangling_known_->begin(), dangling_known_->end(), r) != dangling_known_->end())
                continue;
            const std::string key = "the foreign key of table \"" + r[0] + "\" on column \"" + r[1] + "\"";
            throw statement_error((r[4] == "1" ? key + " references table \"" + r[2] + "\", which does not exist"
                                               : key + " references column \"" + r[2] + "\".\"" + r[3] + "\", which does not exist") +
                                      " (PostgreSQL would refuse it); create what it references first, or change the key",
                                  {.database = url().redacted(), .backend = "sqlite"});
        }
        dangling_known_ = std::move(now);
    }

    /// A view reading a column the rebuild dropped would now fail when used. PostgreSQL refuses
    /// such a drop; so does strata, before commit.
    void check_views() {
        for (const auto& view : rows_of("SELECT name FROM sqlite_master WHERE type = 'view'")) {
            const std::string probe = "SELECT * FROM " + dialect::quote(view[0]) + " LIMIT 0";
            try {
                query(probe);
            } catch (const statement_error& e) {
                throw statement_error("the view \"" + view[0] + "\" no longer works after the table rebuild (" + e.message() +
                                          "); drop or change the view in this unit first",
                                      {.database = url().redacted(), .backend = "sqlite", .statement = probe});
            }
        }
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
    /// The foreign keys that referenced nothing when this connection's last commit (or its first
    /// transaction) found them: not the doing of the transaction now open.
    std::optional<std::vector<std::vector<std::string>>> dangling_known_;
    bool read_only_ = false;
    bool private_copy_ = false;
    /// A rehearsal's record of every statement run, for a dry run's script; null otherwise.
    std::vector<std::string>* script_ = nullptr;
    std::string applied_by_;  // the OS user, once looked up
};

}  // namespace

std::unique_ptr<connection> connect_sqlite(const database_url& url, bool read_only) {
    return std::make_unique<sqlite_connection>(url, read_only ? sqlite_connection::opening::for_looking
                                                              : sqlite_connection::opening::for_change);
}

}  // namespace strata
