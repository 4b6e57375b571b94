#pragma once
// Reads strata's history table (strata_schema_history) back with plain SQL.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "support/schema_reader.hpp"

namespace soci {
class session;
}

namespace strata {
class registry;
class database_url;
}

namespace strata::test {

inline constexpr const char* history_table = "strata_schema_history";
/// strata's audit log of every up and down, created with the history table.
inline constexpr const char* log_table = "strata_schema_log";
/// strata's tables as a run's changes name them on PostgreSQL: in the schema the run found them
/// in, public in the test databases (a unit's own search_path cannot send them elsewhere).
inline constexpr const char* pg_history_written = "\"public\".\"strata_schema_history\"";
inline constexpr const char* pg_log_written = "\"public\".\"strata_schema_log\"";

struct history_entry {
    std::int64_t version = 0;
    std::string name;
    std::string checksum;
    std::string applied_at;         ///< as the database prints it
    double applied_at_seconds = 0;  ///< applied_at as seconds on a scale both backends share
    double age_seconds = 0;         ///< how long ago applied_at is, by the database's clock
    std::int64_t execution_ms = 0;
    std::string applied_by;
};
std::ostream& operator<<(std::ostream& out, const history_entry& e);

/// Every row, by version; empty when the table does not exist.
std::vector<history_entry> read_history(soci::session& session);

/// The versions in the history, ascending; empty when the table does not exist.
std::vector<std::int64_t> recorded_versions(soci::session& session);

/// The state column of `version`'s history row (applied, running, dirty), none without a row.
std::optional<std::string> history_state(soci::session& session, std::int64_t version);

/// The audit log as "version action outcome" lines, in insertion order.
std::vector<std::string> audit_log(soci::session& session);

/// Every line of the runner's status() as "1 applied", with " interrupted" when so.
std::vector<std::string> status_lines(const registry& units, const database_url& url);

/// The schema without strata's own tables (the history and the audit log).
database_schema user_schema(soci::session& session);

}  // namespace strata::test
