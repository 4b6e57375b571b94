#pragma once
// Private: table rebuilds (table_rebuild.hpp) carried out on a live SQLite database, and the
// checks before each commit of what SQLite lets a change break where PostgreSQL would refuse it.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sqlite_api {  // SOCI's sqlite3 backend declares sqlite3.h in this namespace
struct sqlite3;
}

namespace strata::sqlite_rebuild {

/// Runs rebuild directives and the commit checks for one SQLite connection, through what it is
/// given: the connection's sqlite3 handle, its database (redacted, for errors), its execute and
/// its query (rows as text, NULL as empty).
class live_rebuild {
public:
    using execute_function = std::function<void(const std::string&)>;
    using rows_function = std::function<std::vector<std::vector<std::string>>(const std::string&)>;

    live_rebuild(sqlite_api::sqlite3* db, std::string database, execute_function execute, rows_function rows_of);

    /// Carries out a rebuild directive (table_rebuild.hpp) on the table as the database holds it.
    void rebuild(const std::string& directive);

    /// Reads the foreign keys that reference nothing, once per connection (at its first
    /// transaction), for check_foreign_key_targets() to compare with.
    void remember_dangling_foreign_keys();
    /// Every statement the connection runs, so that a transaction whose statements cannot change
    /// a foreign key or what one references skips the check below (see leaves_keys_alone).
    void statement_ran(std::string_view sql);
    /// Before every commit: a foreign key the transaction left referencing nothing.
    void check_foreign_key_targets();
    /// Before the commit of a transaction run with foreign keys off: rows breaking their keys.
    void check_foreign_keys();
    /// Before the commit of a transaction run with foreign keys off: views that no longer work.
    void check_views();

private:
    std::vector<std::vector<std::string>> dangling_foreign_keys();
    bool leaves_keys_alone(std::string_view sql) const;

    sqlite_api::sqlite3* db_;
    std::string database_;
    execute_function execute_;
    rows_function rows_of_;
    /// The foreign keys that referenced nothing when this connection's last commit (or its first
    /// transaction) found them: not the doing of the transaction now open.
    std::optional<std::vector<std::vector<std::string>>> dangling_known_;
    /// A statement since the last check may have changed a foreign key or what one references.
    bool keys_may_have_changed_ = true;
};

}  // namespace strata::sqlite_rebuild
