#pragma once
// Private: the metadata table strata_schema_history, one row per applied unit.

#include <cstdint>
#include <string>
#include <vector>

namespace strata {

class connection;
class dialect;

struct history_row {
    std::int64_t version = 0;
    std::string name;
    std::string checksum;
    std::string applied_at;  ///< ISO 8601 UTC
    std::int64_t execution_ms = 0;
    std::string applied_by;
};

class history {
public:
    static constexpr const char* table_name = "strata_schema_history";

    history(connection& conn, const dialect& d) : conn_(conn), dialect_(d) {}

    bool exists();
    /// Creates the table when it does not exist (one query when it does).
    void ensure();
    /// Every row, by version. Empty when the table does not exist.
    std::vector<history_row> read();
    /// Inside the unit's transaction.
    void insert(std::int64_t version, const std::string& name, const std::string& checksum, std::int64_t execution_ms);
    void remove(std::int64_t version);

private:
    template <class F>
    auto guarded(const std::string& sql, F&& f);

    connection& conn_;
    const dialect& dialect_;
    bool exists_ = false;
};

}  // namespace strata
