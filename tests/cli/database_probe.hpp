#pragma once
// Reads a database back on a connection of its own, so a CLI test checks what strata did, not
// only what strata says it did.

#include <strata/database_url.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace strata::test {

/// Each call opens and closes its own connection: nothing is held while the CLI runs.
class database_probe {
public:
    explicit database_probe(database_url url) : url_(std::move(url)) {}

    /// The versions in strata_schema_history, ascending; empty when the table does not exist.
    std::vector<std::int64_t> applied_versions() const;
    /// Whether a table of that name exists (in the current schema on PostgreSQL).
    bool has_table(const std::string& name) const;
    /// The table's column names in declaration order; empty when the table does not exist.
    std::vector<std::string> columns(const std::string& table) const;
    bool has_column(const std::string& table, const std::string& column) const;
    /// SELECT count(*) FROM the table.
    std::int64_t row_count(const std::string& table) const;
    /// A query's single count (SELECT count(*) ...).
    std::int64_t count(const std::string& sql) const;
    /// Runs one statement: for setting up a state the CLI has to cope with.
    void execute(const std::string& sql) const;

private:
    database_url url_;
};

}  // namespace strata::test
