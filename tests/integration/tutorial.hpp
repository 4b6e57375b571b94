#pragma once
// The Sequelize one-to-one tutorial as the reference units 1-3 define it: the schema each
// database should report, and the rows the tests insert through a session of their own.

#include <memory>
#include <optional>
#include <string>

#include "support/schema_reader.hpp"
#include "support/temp_database.hpp"

namespace soci {
class session;
}

namespace strata::test::tutorial {

/// The users table as unit 1 creates it, or with unit 3's profile link.
enum class users_stage { unit_1, unit_3 };
table_schema expected_users(backend b, users_stage stage);
table_schema expected_user_profiles(backend b);

/// A fresh database with units 1-3 applied by the engine, and a session of our own on it.
struct migrated_database {
    explicit migrated_database(backend b);

    temp_database db;
    std::unique_ptr<soci::session> sql;
};

/// Inserts a profile with only its address given; returns the userProfileId the database chose.
std::string insert_profile(soci::session& sql, const std::string& address);
/// Inserts a user with only firstName (and profile, when given); returns the generated userId.
std::string insert_user(soci::session& sql, const std::string& first_name,
                        const std::optional<std::string>& profile = std::nullopt);
/// users.profile of one user.
std::optional<std::string> profile_of(soci::session& sql, const std::string& user_id);
/// A unique text for names and addresses, so steps can share one database.
std::string unique_text(const std::string& prefix);

/// Why the database refused a statement, if it did.
enum class refusal { none, not_null, too_long, unique, foreign_key, other };
std::ostream& operator<<(std::ostream& out, refusal r);

struct statement_outcome {
    refusal kind = refusal::none;
    std::string message;  ///< the database's error message

    bool operator==(refusal r) const { return kind == r; }
};
std::ostream& operator<<(std::ostream& out, const statement_outcome& o);

/// Runs `sql_text` (nothing bound) and classifies a refusal by SQLSTATE on PostgreSQL, by the
/// constraint named in the message on SQLite (where strata enforces varchar lengths with CHECK).
statement_outcome run(soci::session& sql, const std::string& sql_text);

/// Matches a lower-case hyphenated version 4 uuid (what gen_random_uuid() returns).
bool is_random_uuid(const std::string& text);

}  // namespace strata::test::tutorial
