#pragma once
// A fresh, empty database for one test, removed when the object goes.

#include <strata/database_url.hpp>

#include <string>

namespace strata::test {

class temp_database {
public:
    /// A new SQLite file in a new temporary directory.
    static temp_database sqlite();
    /// A new database on the server named by STRATA_TEST_POSTGRESQL_URL (tools/pg-sandbox sets
    /// it). Throws std::runtime_error when the variable is unset or the server is unreachable:
    /// PostgreSQL tests fail, they never skip.
    static temp_database postgresql();
    /// By name, for fixtures parameterised over the backend: "sqlite" or "postgresql".
    static temp_database create(backend b);

    temp_database(temp_database&&) noexcept;
    temp_database& operator=(temp_database&&) = delete;
    ~temp_database();

    const database_url& url() const noexcept { return url_; }
    /// The URL as text, password included: for passing to the CLI, never for printing.
    const std::string& url_text() const noexcept { return text_; }
    backend kind() const noexcept { return url_.kind(); }
    /// SQLite: the directory holding the file (tests may put other files there).
    const std::string& directory() const noexcept { return directory_; }

private:
    temp_database(std::string text, std::string directory, std::string admin_text, std::string dbname);

    std::string text_;
    database_url url_;
    std::string directory_;
    std::string admin_text_;  // PostgreSQL: the URL to drop the database through
    std::string dbname_;
    bool owner_ = true;
};

/// The STRATA_TEST_POSTGRESQL_URL value; throws std::runtime_error naming it when unset.
std::string postgresql_admin_url();

}  // namespace strata::test
