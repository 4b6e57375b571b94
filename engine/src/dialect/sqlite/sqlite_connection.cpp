// Everything that knows the sqlite3 C API or SOCI's sqlite3 backend.

#include "connection.hpp"

#include <strata/error.hpp>

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

namespace strata {
namespace {

namespace api = ::sqlite_api;

class sqlite_connection final : public connection {
public:
    explicit sqlite_connection(const database_url& url) : connection(url) {
        try {
            // A busy timeout, or a second writer fails at once with "database is locked"
            // (SOCI's default is 0).
            session_.open(soci::sqlite3, url.connection_string() + " timeout=30");
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
    void execute(const std::string& sql) override {
        char* message = nullptr;
        int rc = api::sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
        if (rc == SQLITE_OK) return;
        std::string text = message ? message : api::sqlite3_errstr(rc);
        api::sqlite3_free(message);
        int extended = api::sqlite3_extended_errcode(db_);
        throw statement_error(text + " (sqlite result code " + std::to_string(extended) + ")",
                              {.database = url().redacted(), .backend = "sqlite", .statement = sql});
    }

    void begin(bool foreign_keys_off) override {
        // Enforcement must go off before BEGIN: the pragma is a no-op inside a transaction.
        if (foreign_keys_off) execute("PRAGMA foreign_keys = OFF");
        foreign_keys_off_ = foreign_keys_off;
        // IMMEDIATE takes the write lock now, so a concurrent writer waits for the busy
        // timeout instead of failing later on a lock upgrade.
        execute("BEGIN IMMEDIATE");
    }

    void commit() override {
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

    soci::session& session() noexcept override { return session_; }

    std::string applied_by() override {
        if (const passwd* pw = ::getpwuid(::geteuid()); pw && pw->pw_name) return pw->pw_name;
        if (const char* user = std::getenv("USER")) return user;
        return "uid " + std::to_string(::geteuid());
    }

private:
    void check_foreign_keys() {
        const std::string sql = "PRAGMA foreign_key_check";
        std::string table;
        soci::indicator ind = soci::i_ok;
        try {
            session_ << sql, soci::into(table, ind);
        } catch (const soci::soci_error& e) {
            throw statement_error(e.get_error_message(), {.database = url().redacted(), .backend = "sqlite", .statement = sql});
        }
        if (session_.got_data())
            throw statement_error("the change leaves rows in table \"" + table +
                                      "\" whose foreign keys point at rows that do not exist",
                                  {.database = url().redacted(), .backend = "sqlite", .statement = sql});
    }

    /// A view reading a column the rebuild dropped would now fail when used. PostgreSQL refuses
    /// such a drop; so does strata, before commit.
    void check_views() {
        std::vector<std::string> page;
        try {
            soci::rowset<std::string> names = (session_.prepare << "SELECT name FROM sqlite_master WHERE type = 'view'");
            page.assign(names.begin(), names.end());
        } catch (const soci::soci_error& e) {
            throw statement_error(e.get_error_message(), {.database = url().redacted(), .backend = "sqlite"});
        }
        for (const auto& view : page) {
            std::string probe = "SELECT * FROM \"";
            for (char c : view) probe += c == '"' ? std::string("\"\"") : std::string(1, c);
            probe += "\" LIMIT 0";
            try {
                execute(probe);
            } catch (const statement_error& e) {
                throw statement_error("the view \"" + view + "\" no longer works after the table rebuild (" + e.message() +
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
};

}  // namespace

std::unique_ptr<connection> connect_sqlite(const database_url& url) { return std::make_unique<sqlite_connection>(url); }

}  // namespace strata
