#pragma once
// Private: the scratch database verify and diff build schemas on, never the target. Without a
// URL given: SQLite in memory for a SQLite target; for PostgreSQL a database created on the
// target's server (its current schema created in it too) and dropped when this goes. A given
// URL must be of the target's kind and empty; it is left as the run leaves it.

#include <strata/runner.hpp>

#include <functional>
#include <memory>
#include <string>

namespace strata {

class connection;

class scratch_database {
public:
    /// Throws config_error when the database cannot be made (naming what to grant or pass) or a
    /// given one is not empty or not of the target's kind. `notice` hears of a created database
    /// that could not be dropped.
    scratch_database(const database_url& target, const runner_options& options, const std::optional<database_url>& given,
                     std::function<void(const std::string&)> notice = {});
    ~scratch_database();
    scratch_database(const scratch_database&) = delete;
    scratch_database& operator=(const scratch_database&) = delete;

    const database_url& url() const noexcept { return url_; }

private:
    void drop() noexcept;

    database_url url_;
    std::unique_ptr<connection> admin_;  ///< PostgreSQL, a created database: on the target, to drop it
    std::string created_;                ///< the database created, empty when none
    std::function<void(const std::string&)> notice_;
};

}  // namespace strata
