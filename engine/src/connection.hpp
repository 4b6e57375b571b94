#pragma once
// Private: one open database connection. Each backend implements it in its dialect folder; this
// is the only place SOCI sessions and native handles are reachable from.

#include <strata/database_url.hpp>

#include <memory>
#include <string>

namespace soci {
class session;
}

namespace strata {

class connection {
public:
    virtual ~connection() = default;

    const database_url& url() const noexcept { return url_; }

    /// Runs SQL text (one or several statements, nothing bound) on the native handle, bypassing
    /// SOCI's statement parsing (see execute's implementations for why). Throws statement_error
    /// carrying the statement and the SQLSTATE or SQLite result code.
    virtual void execute(const std::string& sql) = 0;

    /// Begins a transaction. `foreign_keys_off`: the unit rebuilds a table (SQLite only).
    virtual void begin(bool foreign_keys_off) = 0;
    /// Commits; on SQLite after a rebuild, first checks every foreign key (statement_error).
    virtual void commit() = 0;
    /// Rolls back what the transaction did; never throws.
    virtual void rollback() noexcept = 0;

    /// For the history table's bound statements.
    virtual soci::session& session() noexcept = 0;

    /// Who applies units: the database user on PostgreSQL, the OS user on SQLite.
    virtual std::string applied_by() = 0;

protected:
    explicit connection(database_url url) : url_(std::move(url)) {}

private:
    database_url url_;
};

/// Opens a connection. Throws connection_error (password never included).
std::unique_ptr<connection> connect(const database_url& url);

#ifdef STRATA_WITH_SQLITE
std::unique_ptr<connection> connect_sqlite(const database_url& url);
#endif
#ifdef STRATA_WITH_POSTGRESQL
std::unique_ptr<connection> connect_postgresql(const database_url& url);
#endif

}  // namespace strata
