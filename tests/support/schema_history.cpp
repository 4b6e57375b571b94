#include "support/schema_history.hpp"

#include <strata/runner.hpp>

#include <algorithm>
#include <ostream>

#include "support/schema_reader.hpp"
#include "support/schema_session.hpp"

namespace strata::test {

std::ostream& operator<<(std::ostream& out, const history_entry& e) {
    return out << "{" << e.version << ", " << e.name << ", " << e.checksum << ", applied_at " << e.applied_at << ", "
               << e.execution_ms << " ms, by " << e.applied_by << "}";
}

std::vector<history_entry> read_history(soci::session& session) {
    auto tables = read_table_names(session);
    if (std::find(tables.begin(), tables.end(), history_table) == tables.end()) return {};
    // SQLite stores applied_at as ISO 8601 text; julianday() reads it. PostgreSQL's timestamptz
    // is compared with clock_timestamp(), the time of the read, not of the transaction.
    const bool sqlite = backend_of(session) == backend::sqlite;
    const std::string seconds = sqlite ? "julianday(applied_at) * 86400.0" : "extract(epoch from applied_at)";
    const std::string age = sqlite ? "(julianday('now') - julianday(applied_at)) * 86400.0"
                                   : "extract(epoch from clock_timestamp() - applied_at)";
    auto rows = query_text(session, "SELECT CAST(version AS TEXT), name, checksum, CAST(applied_at AS TEXT), CAST(" +
                                        seconds + " AS TEXT), CAST(" + age +
                                        " AS TEXT), CAST(execution_ms AS TEXT), applied_by FROM " +
                                        std::string(history_table) + " ORDER BY " + history_table +
                                        ".version");  // the column: PostgreSQL takes a bare `version` for the text output
    std::vector<history_entry> out;
    for (const auto& r : rows.rows) {
        out.push_back({.version = std::stoll(r[0].value()),
                       .name = r[1].value(),
                       .checksum = r[2].value(),
                       .applied_at = r[3].value(),
                       .applied_at_seconds = std::stod(r[4].value()),
                       .age_seconds = std::stod(r[5].value()),
                       .execution_ms = std::stoll(r[6].value()),
                       .applied_by = r[7].value()});
    }
    return out;
}

std::vector<std::int64_t> recorded_versions(soci::session& session) {
    std::vector<std::int64_t> versions;
    for (const auto& e : read_history(session)) versions.push_back(e.version);
    return versions;
}

std::optional<std::string> history_state(soci::session& session, std::int64_t version) {
    auto rows = query_text(session, std::string("SELECT state FROM ") + history_table + " WHERE version = " + std::to_string(version));
    if (rows.size() == 0) return std::nullopt;
    return rows.rows.front().front();
}

std::vector<std::string> audit_log(soci::session& session) {
    // Rows of one millisecond (SQLite's `at`) in the order a run writes them: ups by ascending
    // version, downs by descending.
    auto rows = query_text(session, std::string("SELECT CAST(version AS TEXT), action, outcome FROM ") + log_table +
                                        " ORDER BY at, CASE WHEN action = 'down' THEN -version ELSE version END, action DESC");
    std::vector<std::string> out;
    for (const auto& row : rows.rows) out.push_back(row[0].value_or("?") + " " + row[1].value_or("?") + " " + row[2].value_or("?"));
    return out;
}

std::vector<std::string> status_lines(const registry& units, const database_url& url) {
    runner r(units, url);
    std::vector<std::string> out;
    for (const auto& s : r.status())
        out.push_back(std::to_string(s.version) + " " + strata::to_string(s.state) + (s.interrupted ? " interrupted" : ""));
    return out;
}

database_schema user_schema(soci::session& session) { return read_schema(session).without(history_table).without(log_table); }

}  // namespace strata::test
