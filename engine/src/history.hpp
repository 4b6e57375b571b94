#pragma once
// Private: the metadata tables. strata_schema_history holds one row per applied (or running)
// unit; strata_schema_log is the append-only audit trail of every up and down.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <strata/dialect.hpp>
#include <strata/error.hpp>

namespace strata {

class connection;

/// A row's state: a non-transactional unit is `running` from before its first statement until
/// after its last; found while strata holds the lock, that means an interrupted run.
enum class row_state { applied, running };

struct history_row {
    std::int64_t version = 0;
    std::string name;
    std::string checksum;
    std::string applied_at;  ///< ISO 8601 UTC
    std::int64_t execution_ms = 0;
    std::string applied_by;
    row_state state = row_state::applied;
    /// The down statements rendered when the unit was applied, as stored (JSON); nullopt when it
    /// had none. Parsed by recorded_down() only for the units a run reverts.
    std::optional<std::string> down_json;
};

/// The down statements a history row stores; nullopt when it has none or they are unreadable
/// (which refuses a revert, never guesses).
std::optional<rendering> recorded_down(const history_row& row);

/// What one history change writes.
struct history_entry {
    std::int64_t version = 0;
    std::string name;
    std::string checksum;
    std::int64_t execution_ms = 0;
    row_state state = row_state::applied;
    std::optional<rendering> down;
};

/// One line of the audit log.
struct log_entry {
    std::int64_t version = 0;
    std::string name;
    std::string action;  ///< up, down, baseline, repair
    std::int64_t duration_ms = 0;
    std::string outcome;  ///< ok, failed
    std::string message;  ///< the error, redacted; empty when ok
};

class history {
public:
    static constexpr const char* table_name = "strata_schema_history";
    static constexpr const char* log_table_name = "strata_schema_log";

    history(connection& conn, const dialect& d);
    history(const history&) = delete;
    history& operator=(const history&) = delete;

    bool exists();
    /// Creates both tables when missing, in one transaction (one query when they exist).
    void ensure();

    /// Every row, by version, in one query. Empty when the table does not exist. Unless
    /// dialect::names_may_resolve_elsewhere(), the catalog is asked only when the query fails, to
    /// tell a missing table from a real error.
    std::vector<history_row> read();

    // Each change is one statement with its values as literals, so a dry run's script holds
    // exactly what a run executes.
    void insert(const history_entry& e);
    void set_state(std::int64_t version, row_state state, std::int64_t execution_ms);
    /// Deletes the row of `version`; exactly one row must go (unchecked in a script).
    void remove(std::int64_t version);
    void log(const log_entry& e);

private:
    std::int64_t execute(const std::string& sql);

    connection& conn_;
    const dialect& dialect_;
    bool exists_ = false;
};

}  // namespace strata
