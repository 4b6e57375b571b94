#pragma once
// A plain SOCI session on a test database, opened the way an application would, and a way to
// read query results as text. Tests use it to read back what the engine did, never the engine.

#include <strata/database_url.hpp>

#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace soci {
class session;
}

namespace strata::test {

/// Opens a session of our own on `url`. On SQLite it switches foreign key enforcement on first:
/// SQLite starts every connection with `PRAGMA foreign_keys` off, so a connection that forgets
/// it silently accepts dangling references and skips ON DELETE/ON UPDATE actions (the engine
/// switches it on for its own connection only). Throws std::runtime_error when it stays off.
std::unique_ptr<soci::session> open_session(const database_url& url);

/// The backend a session talks to.
backend backend_of(soci::session& session);

/// Rows of text: every value as the database prints it, NULL as std::nullopt.
struct text_rows {
    std::vector<std::vector<std::optional<std::string>>> rows;

    bool operator==(const text_rows&) const = default;
    std::size_t size() const noexcept { return rows.size(); }
};
std::ostream& operator<<(std::ostream& out, const text_rows& rows);

/// Runs `sql` and returns its rows. Every selected column must be text (CAST(x AS TEXT)) so
/// both backends hand it over the same way. `parameter`, when given, is bound to `:p`.
text_rows query_text(soci::session& session, const std::string& sql,
                     const std::optional<std::string>& parameter = std::nullopt);

/// The single value of a one-row, one-column query (std::runtime_error otherwise).
std::optional<std::string> query_value(soci::session& session, const std::string& sql,
                                       const std::optional<std::string>& parameter = std::nullopt);

}  // namespace strata::test

// Lets BOOST_TEST print optional text ('value' or NULL). Boost.Test finds boost_test_print_type
// only by argument-dependent lookup, so for std types it has to live in namespace std.
namespace std {
std::ostream& boost_test_print_type(std::ostream& out, const std::optional<std::string>& value);
std::ostream& boost_test_print_type(std::ostream& out, const std::nullopt_t&);
}  // namespace std
